"""The `scenari` command line: a table of commands, one module per command group, each with its handlers.

:data:`COMMANDS` names, for each command, the module of this package that adds its arguments
and its handlers (``<module>.COMMANDS[command](parser)``), and what each handler needs first
(:mod:`bot.cli.commands`): only files (the authors' checks), the settings, or the migrated
database. :func:`main` imports the module of the command being run and no other: the modules
import storage (SQLAlchemy), pandas, spaCy … at their top, and `questionnaires validate` or
`scenari --help` need not wait for them. It then parses, prepares what the handler needs and
calls it; a failure of the machine around it — the database, a folder — is one line on
standard error and exit status 2 (:mod:`bot.cli.errors`).
"""

from __future__ import annotations

import argparse
import importlib
import sys
from collections.abc import Collection, Sequence

from dialogs import DefinitionError

from bot.runtime import logs
from bot.settings import Settings, SettingsError, load_settings

from . import loop
from .commands import Needs

# command: (its module in bot.cli, its line in `scenari --help`), in the order of the help
COMMANDS: dict[str, tuple[str, str]] = {
    "db": ("database", "database schema"),
    "questionnaires": ("questionnaires", "questionnaire definitions"),
    "plan": ("plan", "the deployment's plan folder (SCENARI_PLAN_DIR): check it whole"),
    "chat": ("chat", "answer a questionnaire in the terminal"),
    "bot": ("serve", "run the Telegram bot (long polling); needs TELEGRAM_BOT_TOKEN"),
    "export": ("exports", "export raw answers (pseudonymous)"),
    "themes": ("themes", "the theme taxonomy of free-text answers"),
    "nlp": ("nlp", "themes and keywords of free-text answers"),
    "actors": ("actors", "the stakeholder register and its invitation links"),
    "serve": ("serve", "migrate, then serve the web channel (and the Telegram bot when a token is set)"),
    "analysts": ("analysts", "analyst accounts of the web dashboard (/analisi)"),
    "audit": ("analysts", "the audit log: logins, downloads, publications, account changes …"),
    "privacy": ("privacy", "data protection requests (download my data)"),
    "tables": ("exports", "convergence tables for analysts (themes, priorities, visions …)"),
    "simulate": ("exports", "fill the database with synthetic runs of every questionnaire"),
    "report": ("report", "the printable preliminary study (PDF): every chart of the dashboard with its table"),
    "audience": ("communication", "newsletter subscribers and segments (counts only)"),
    "broadcast": ("communication", "newsletters to a segment, delivered at Telegram's pace"),
    "event": ("events", "workshops and meetings: invitations, RSVP, attendance"),
    "reminders": ("events", "reminders of stopped questionnaires"),
    "feedback": ("events", "personal summaries of the results"),
    "statements": ("deliberation", "statements put to the vote in deliberation rounds"),
    "round": ("deliberation", "deliberation rounds: participants vote on the statements"),
}


def build_parser(load: Collection[str] | None = None) -> argparse.ArgumentParser:
    """The parser, with the arguments and handlers of the commands in ``load`` (default: every command).

    The other commands are there by name and help line only, for `scenari --help`.
    """
    parser = argparse.ArgumentParser(prog="scenari", description="Listening to a city by chat.")
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    for name, (module, text) in COMMANDS.items():
        command = commands.add_parser(name, help=text)
        if load is None or name in load:
            importlib.import_module(f"{__name__}.{module}").COMMANDS[name](command)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run one command; its exit status (2: a setting, an argument or the machine is wrong)."""
    argv = sys.argv[1:] if argv is None else list(argv)
    command = next((arg for arg in argv if not arg.startswith("-")), None)  # the only top-level option is -h
    args = build_parser(load=[command] if command else []).parse_args(argv)
    if args.needs is Needs.FILES:
        return args.func(args)  # type: ignore[no-any-return]
    try:
        settings = load_settings()
    except SettingsError as exc:
        print(exc, file=sys.stderr)
        return 2
    logs.configure(settings.log_level)
    if getattr(args, "needs_notice", False):  # serve, bot, chat: no consent is asked under an incomplete notice
        problem = _notice_problem(settings, warn=args.command in ("serve", "bot"))
        if problem:
            print(problem, file=sys.stderr)
            return 2
    try:
        return loop.run(_run(args, settings))
    except DefinitionError as exc:
        print(f"Questionnaire error: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        return 130
    except Exception as exc:
        from .errors import operator_error  # SQLAlchemy's exception classes: loaded only once something failed

        line = operator_error(exc, settings)  # the database or a folder: one line, not a traceback
        if line is None:
            raise
        print(line, file=sys.stderr)
        return 2


def _notice_problem(settings: Settings, warn: bool) -> str | None:
    """One line naming what the plan's privacy notice lacks (bot.service.notice), or None. The retention
    the notice promises fills the retention settings left unset; one set otherwise is logged as a warning."""
    import logging

    from bot.service.notice import NoticeError, notice_of, retention_warnings

    try:
        notice = notice_of(settings)
    except NoticeError as exc:
        return str(exc)
    warnings = retention_warnings(notice, settings)  # also applies the notice's periods to unset settings
    for warning in warnings if warn else ():
        logging.getLogger("scenari.notice").warning(warning)
    return None


async def _run(args: argparse.Namespace, settings: Settings) -> int:
    if args.needs is Needs.SETTINGS:
        return await args.func(args, settings)  # type: ignore[no-any-return]
    from storage import Database, upgrade_database  # SQLAlchemy and the models (~1 s): database commands only

    db = Database(settings.database_url)
    try:
        await upgrade_database(db)  # a fresh clone must work without a separate step
        return await args.func(args, settings, db)  # type: ignore[no-any-return]
    finally:
        await db.dispose()


if __name__ == "__main__":
    sys.exit(main())
