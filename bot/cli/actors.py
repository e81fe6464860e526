"""`scenari actors …` (the stakeholder register and its invitations) and `scenari export --table`.

Registered by :mod:`bot.cli` (``add_commands``); :func:`dispatch` runs once the database is
migrated and returns None for commands that are not its own.

Register files (CSV with ``,`` or ``;``, or XLSX, first sheet) have a header row with
``organisation`` and ``category`` and optionally ``code`` and ``contact_person`` (Italian
headers work too: organizzazione, categoria, codice, referente). Categories are the codes of
:data:`storage.register.CATEGORIES` or their Italian/English labels.
"""

from __future__ import annotations

import argparse
import csv
import io
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any

from storage.register import CATEGORIES, CODE_PATTERN, ActorRow, RegisterError

if TYPE_CHECKING:  # pragma: no cover
    from storage import Database

    from bot.settings import Settings

HEADERS = {
    "code": "code", "codice": "code",
    "organisation": "organisation", "organization": "organisation", "organizzazione": "organisation",
    "ente": "organisation", "name": "organisation", "nome": "organisation",
    "category": "category", "categoria": "category",
    "contact_person": "contact_person", "contact": "contact_person", "referente": "contact_person",
}
TABLES = ("actors", "cards", "ratings")


def add_commands(subparsers: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    actors = subparsers.add_parser("actors", help="the stakeholder register and its invitation links").add_subparsers(
        dest="action", required=True
    )
    imp = actors.add_parser("import", help="add or update actors from a CSV or XLSX file (idempotent)")
    imp.add_argument("file", type=Path)
    actors.add_parser("list", help="list the actors, their state and invitations")
    invite = actors.add_parser("invite", help="make invitation links (/start ascolto_<token>)")
    which = invite.add_mutually_exclusive_group(required=True)
    which.add_argument("--actor", "-a", action="append", metavar="CODE", help="an actor's code (repeatable)")
    which.add_argument("--all-pending", action="store_true", help="every actor that has not answered yet")
    invite.add_argument("--new", action="store_true", help="a fresh token even if an unused one exists")
    revoke = actors.add_parser("revoke", help="withdraw an invitation token (or link)")
    revoke.add_argument("token")


async def dispatch(args: argparse.Namespace, settings: Settings, db: Database) -> int | None:
    """Run an `actors` command or `export --table`; None if ``args`` is another command."""
    if args.command == "export" and getattr(args, "table", None):
        return await _export(args, settings, db)
    if args.command != "actors":
        return None
    if args.action == "import":
        return await _import(args.file, db)
    if args.action == "list":
        return await _list(db)
    if args.action == "invite":
        return await _invite(args, settings, db)
    if args.action == "revoke":
        return await _revoke(args.token, db)
    return 2


# --- reading register files ------------------------------------------------------------------


def read_register(path: Path) -> list[ActorRow]:
    """The rows of a register file; raises :class:`RegisterError` listing every bad row."""
    if path.suffix.lower() in (".xlsx", ".xlsm"):
        table = _xlsx_rows(path)
    else:
        table = _csv_rows(path)
    if not table:
        raise RegisterError([f"{path.name}: the file is empty"])
    header_line, header = table[0]
    columns = [HEADERS.get(str(cell or "").strip().lower().replace(" ", "_")) for cell in header]
    missing = [name for name in ("organisation", "category") if name not in columns]
    if missing:
        raise RegisterError([f"riga {header_line}: missing column(s) {', '.join(missing)} (header: {', '.join(map(str, header))})"])
    labels = {code: code for code in CATEGORIES}
    for code, (it, en) in CATEGORIES.items():
        labels[it.casefold()] = code
        labels[en.casefold()] = code
    rows: list[ActorRow] = []
    errors: list[str] = []
    for line, cells in table[1:]:
        record: dict[str, str] = {}
        for name, cell in zip(columns, cells):
            if name is not None:
                record[name] = " ".join(str(cell).split()) if cell is not None else ""
        if not any(record.values()):
            continue  # a blank line
        problems = []
        organisation = record.get("organisation", "")
        if not organisation:
            problems.append("organisation is empty")
        elif len(organisation) > 200:
            problems.append("organisation is longer than 200 characters")
        category = labels.get(record.get("category", "").casefold().replace(" ", "_")) or labels.get(
            record.get("category", "").casefold()
        )
        if category is None:
            problems.append(f"unknown category {record.get('category', '')!r} (known: {', '.join(CATEGORIES)})")
        code = record.get("code", "").lower() or None
        if code is not None and not CODE_PATTERN.match(code):
            problems.append(f"code {code!r} must be 1-24 characters a-z, 0-9, _ or - (starting with a letter or digit)")
        contact = record.get("contact_person") or None
        if contact is not None and len(contact) > 200:
            problems.append("contact_person is longer than 200 characters")
        if problems:
            errors.append(f"riga {line}: " + "; ".join(problems))
            continue
        rows.append(ActorRow(code, organisation, category, contact, line))  # type: ignore[arg-type]
    if errors:
        raise RegisterError(errors)
    return rows


def _csv_rows(path: Path) -> list[tuple[int, list[Any]]]:
    content = path.read_text(encoding="utf-8-sig")
    first = content.splitlines()[0] if content.strip() else ""
    delimiter = ";" if first.count(";") > first.count(",") else ","
    reader = csv.reader(io.StringIO(content), delimiter=delimiter)
    return [(reader.line_num, row) for row in reader if any(cell.strip() for cell in row)]


def _xlsx_rows(path: Path) -> list[tuple[int, list[Any]]]:
    from openpyxl import load_workbook

    sheet = load_workbook(path, read_only=True, data_only=True).worksheets[0]
    return [
        (number, list(row))
        for number, row in enumerate(sheet.iter_rows(values_only=True), start=1)
        if any(cell not in (None, "") for cell in row)
    ]


# --- commands ------------------------------------------------------------------------------------


async def _import(path: Path, db: Database) -> int:
    from storage import register

    if not path.is_file():
        print(f"No such file: {path}", file=sys.stderr)
        return 2
    try:
        rows = read_register(path)
        async with db.transaction() as session:
            result = await register.import_actors(session, rows)
    except RegisterError as exc:
        print(f"{path}: {len(exc.errors)} errors, nothing stored:", file=sys.stderr)
        for error in exc.errors:
            print(f"  {error}", file=sys.stderr)
        return 1
    except (OSError, UnicodeDecodeError, csv.Error, ValueError) as exc:
        print(f"{path}: cannot read the file ({exc})", file=sys.stderr)
        return 1
    print(f"Imported {path.name}: {result.added} added, {result.updated} updated, {result.unchanged} unchanged.")
    return 0


async def _list(db: Database) -> int:
    from storage import register

    async with db.transaction() as session:
        actors = await register.list_actors(session)
        invitations = await register.invitations_of(session)
    if not actors:
        print("The register is empty: import one with `scenari actors import FILE`.")
        return 0
    sent: dict[str, list[register.InvitationSummary]] = {}
    for invitation in invitations:
        sent.setdefault(invitation.actor_code, []).append(invitation)
    print(f"{'code':<24} {'category':<19} {'state':<9} {'links':>5} {'used':>4}  organisation")
    for actor in actors:
        mine = sent.get(actor.code, [])
        used = sum(1 for i in mine if i.used_at is not None)
        print(f"{actor.code:<24} {actor.category:<19} {actor.state:<9} {len(mine):>5} {used:>4}  {actor.organisation}")
    states = {state: sum(1 for a in actors if a.state == state) for state in ("new", "invited", "answered")}
    print(f"{len(actors)} actors: {states['new']} not invited, {states['invited']} invited, {states['answered']} answered.")
    return 0


async def _invite(args: argparse.Namespace, settings: Settings, db: Database) -> int:
    from storage import register

    from bot.service.invitations import deep_link

    async with db.transaction() as session:
        if args.all_pending:
            actors = await register.actors_by_state(session, register.STATE_NEW, register.STATE_INVITED)
        else:
            actors = []
            unknown = []
            for code in args.actor:
                actor = await register.get_actor(session, code.strip().lower())
                (actors.append(actor) if actor is not None else unknown.append(code))
            if unknown:
                print(f"Unknown actor code(s): {', '.join(unknown)} (see `scenari actors list`)", file=sys.stderr)
                return 2
        open_tokens: dict[str, str] = {}
        if not args.new:
            for invitation in await register.invitations_of(session, [a.id for a in actors]):
                if invitation.used_at is None and invitation.revoked_at is None:
                    open_tokens.setdefault(invitation.actor_code, invitation.token)
        lines = []
        made = 0
        for actor in actors:
            token = open_tokens.get(actor.code)
            if token is None:
                token = (await register.create_invitation(session, actor)).token
                made += 1
            lines.append(f"{actor.code}\t{actor.organisation}\t{deep_link(token, settings.telegram_bot_username)}")
    for line in lines:
        print(line)
    note = "" if settings.telegram_bot_username else " (set TELEGRAM_BOT_USERNAME to print t.me links)"
    print(f"{len(lines)} invitations, {made} new{note}.", file=sys.stderr)
    return 0


async def _revoke(token: str, db: Database) -> int:
    from storage import register

    from bot.service.invitations import PREFIX

    token = token.strip().rsplit("start=", 1)[-1].removeprefix("/start").strip().removeprefix(PREFIX)
    async with db.transaction() as session:
        invitation = await register.revoke_invitation(session, token)
        if invitation is None:
            print(f"No such invitation: {token}", file=sys.stderr)
            return 1
        actor = await register.actor_by_id(session, invitation.actor_id)
        organisation = actor.organisation if actor else "?"
    used = " (it had already been used; the respondent keeps their answers)" if invitation.used_at else ""
    print(f"Revoked the invitation of {organisation}{used}.")
    return 0


async def _export(args: argparse.Namespace, settings: Settings, db: Database) -> int:
    from exports.register import write_table
    from storage import ratings, register

    async with db.transaction() as session:
        cards = None
        if args.table == "actors":
            rows: list[Any] = await register.export_actors(session)
        else:
            await ratings.recompute_all(session, settings.rating_weights)  # current weights and raters
            cards = await ratings.export_cards(session)
            rows = cards if args.table == "cards" else await ratings.export_ratings(session, settings.rating_weights)
    path = write_table(args.table, rows, args.format, args.out, cards=cards)
    print(f"Exported {len(rows)} {args.table} to {path}")
    return 0
