"""The `scenari` command line: database, questionnaires, terminal chat, exports, the bot."""

from __future__ import annotations

import argparse
import asyncio
import logging
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from dialogs import DefinitionError

from bot.runtime import serve as cli_web

from . import actors as cli_actors
from . import analysts as cli_analysts
from . import communication as cli_communication
from . import deliberation as cli_deliberation
from . import exports as cli_exports
from . import nlp as cli_nlp
from . import privacy as cli_privacy
from . import questionnaires as cli_questionnaires
from bot.settings import Settings, SettingsError, load_settings

if TYPE_CHECKING:
    from storage import Database

    from bot.service.catalog import QuestionnaireCatalog

log = logging.getLogger("scenari.cli")

NO_TOKEN_HINT = (
    "No Telegram token: set TELEGRAM_BOT_TOKEN (from @BotFather, in the environment or .env) to run "
    "the bot; meanwhile `make run` serves the web channel and `.venv/bin/scenari chat --questionnaire "
    "imprese` works in this terminal."
)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="scenari", description="Listening to a city by chat.")
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    db = commands.add_parser("db", help="database schema").add_subparsers(dest="action", required=True)
    db.add_parser("upgrade", help="apply the migrations (create or update the schema)")

    qs = commands.add_parser("questionnaires", help="questionnaire definitions").add_subparsers(
        dest="action", required=True
    )
    qs.add_parser("list", help="list the available questionnaires")
    cli_questionnaires.add_commands(qs)  # validate, import (XLSForm), export --format xlsform

    chat = commands.add_parser("chat", help="answer a questionnaire in the terminal")
    chat.add_argument("--questionnaire", "-q", required=True)
    chat.add_argument("--respondent", default="terminal", help="who is answering (a local name; default: terminal)")
    chat.add_argument("--lang", choices=("it", "en"), default=None)

    commands.add_parser("bot", help="run the Telegram bot (long polling); needs TELEGRAM_BOT_TOKEN")

    export = commands.add_parser("export", help="export raw answers (pseudonymous)")
    which = export.add_mutually_exclusive_group(required=True)  # runs of a questionnaire, or a table
    which.add_argument("--questionnaire", "-q")
    which.add_argument("--table", "-t", choices=cli_actors.TABLES, help="the register, project cards or ratings")
    export.add_argument("--format", "-f", choices=("csv", "xlsx"), default="xlsx")
    export.add_argument("--out", "-o", type=Path, required=True)
    cli_nlp.add_commands(commands)
    cli_actors.add_commands(commands)
    cli_web.add_commands(commands)
    cli_analysts.add_commands(commands)
    cli_privacy.add_commands(commands)
    cli_exports.add_commands(commands)
    cli_communication.add_commands(commands)
    cli_deliberation.add_commands(commands)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    result = cli_questionnaires.run(args)  # validate, import, export: no database needed
    if result is not None:
        return result
    result = cli_nlp.run_without_database(args)  # themes validate, nlp evaluate
    if result is not None:
        return result
    try:
        settings = load_settings()
    except SettingsError as exc:
        print(exc, file=sys.stderr)
        return 2
    from bot.runtime.logs import configure

    configure(settings.log_level)
    try:
        return asyncio.run(_dispatch(args, settings))
    except DefinitionError as exc:
        print(f"Questionnaire error: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        return 130
    except Exception as exc:
        from bot.cli.errors import operator_error

        line = operator_error(exc, settings)  # the database or a folder: one line, not a traceback
        if line is None:
            raise
        print(line, file=sys.stderr)
        return 2


async def _dispatch(args: argparse.Namespace, settings: Settings) -> int:
    from storage import Database, upgrade_database

    from bot.service.catalog import QuestionnaireCatalog

    if args.command == "questionnaires":  # list
        catalog = QuestionnaireCatalog.load(settings.questionnaires_dir)
        for qid in catalog.ids(open_only=False):
            q = catalog.current(qid)
            state = "open" if q.open else "closed"
            print(f"{q.id:<12} v{q.version:<3} {state:<7} {len(q.questions):>3} questions  {q.title.get(settings.lang)}")
        return 0
    db = Database(settings.database_url)
    try:
        if args.command == "db":
            await upgrade_database(db)
            print(f"Database schema is up to date ({db.backend}).")
            return 0
        if args.command == "bot":
            await upgrade_database(db)
            if not settings.telegram_bot_token:
                print(NO_TOKEN_HINT)
                return 2
            from bot.telegram.app import serve_bot

            print(f"Scenari bot: long polling via {settings.telegram_api_base or 'api.telegram.org'} (Ctrl+C stops).")
            from bot.runtime.background import background_jobs

            async with background_jobs(settings, db) as scheduler:
                await serve_bot(settings, db, scheduler=scheduler)
            return 0
        await upgrade_database(db)  # a fresh clone must work without a separate step
        result = await cli_nlp.dispatch(args, settings, db)
        if result is not None:
            return result
        result = await cli_actors.dispatch(args, settings, db)  # actors …, export --table
        if result is not None:
            return result
        result = await cli_web.dispatch(args, settings, db)  # serve: the web app (+ the bot)
        if result is not None:
            return result
        result = await cli_analysts.dispatch(args, settings, db)  # analysts add|remove|list|token
        if result is not None:
            return result
        result = await cli_privacy.dispatch(args, settings, db)  # privacy export --respondent
        if result is not None:
            return result
        result = await cli_exports.dispatch(args, settings, db)  # tables export / rebuild
        if result is not None:
            return result
        result = await cli_communication.dispatch(args, settings, db)  # audience, broadcast, event …
        if result is not None:
            return result
        result = await cli_deliberation.dispatch(args, settings, db)  # statements …, round …
        if result is not None:
            return result
        catalog = QuestionnaireCatalog.load(settings.questionnaires_dir)
        if args.command == "chat":
            return await _chat(args, settings, db, catalog)
        if args.command == "export":
            return await _export(args, db, catalog)
    finally:
        await db.dispose()
    return 2


async def _chat(args: argparse.Namespace, settings: Settings, db: "Database", catalog: "QuestionnaireCatalog") -> int:
    from bot.service.conversation import conversation_from_settings
    from bot.terminal import run_chat

    # an author may try any questionnaire, open or not
    conversation = conversation_from_settings(settings, catalog, open_only=False)  # type: ignore[arg-type]
    if args.questionnaire not in catalog.ids(open_only=False):  # type: ignore[attr-defined]
        known = ", ".join(catalog.ids(open_only=False))  # type: ignore[attr-defined]
        print(f"Unknown questionnaire {args.questionnaire!r}; known: {known}", file=sys.stderr)
        return 2
    return await run_chat(db, conversation, args.questionnaire, args.respondent, args.lang or settings.lang)  # type: ignore[arg-type]


async def _export(args: argparse.Namespace, db: "Database", catalog: "QuestionnaireCatalog") -> int:
    from exports import write_export
    from storage import repository

    from bot.service.catalog import UnknownQuestionnaire

    try:
        q = catalog.current(args.questionnaire)  # type: ignore[attr-defined]
    except UnknownQuestionnaire:
        print(f"Unknown questionnaire {args.questionnaire!r}", file=sys.stderr)
        return 2
    async with db.transaction() as session:  # type: ignore[attr-defined]
        runs = await repository.export_runs(session, q.id)
    path = write_export(q, runs, args.format, args.out)
    print(f"Exported {len(runs)} runs of {q.id} to {path}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
