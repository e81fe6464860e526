"""`scenari actors …`: the stakeholder register and its invitation links.

    scenari actors import FILE          # add or update actors from a CSV or XLSX file (idempotent)
    scenari actors list
    scenari actors invite --actor CODE … | --all-pending [--new]
    scenari actors revoke TOKEN|LINK

The register file's format is :mod:`storage.register_file`'s; its tables are exported with
`scenari export --table` (:mod:`bot.cli.exports`).
"""

from __future__ import annotations

import argparse
import csv
import sys
from pathlib import Path

from storage import Database, register
from storage.register import RegisterError
from storage.register_file import read_register

from bot.service.invitations import PREFIX, deep_link
from bot.settings import Settings

from .commands import with_database


def add_actors(parser: argparse.ArgumentParser) -> None:
    actors = parser.add_subparsers(dest="action", required=True)
    imp = actors.add_parser("import", help="add or update actors from a CSV or XLSX file (idempotent)")
    imp.add_argument("file", type=Path)
    with_database(imp, _import)
    with_database(actors.add_parser("list", help="list the actors, their state and invitations"), _list)
    invite = actors.add_parser("invite", help="make invitation links (/start ascolto_<token>)")
    which = invite.add_mutually_exclusive_group(required=True)
    which.add_argument("--actor", "-a", action="append", metavar="CODE", help="an actor's code (repeatable)")
    which.add_argument("--all-pending", action="store_true", help="every actor that has not answered yet")
    invite.add_argument("--new", action="store_true", help="a fresh token even if an unused one exists")
    with_database(invite, _invite)
    revoke = actors.add_parser("revoke", help="withdraw an invitation token (or link)")
    revoke.add_argument("token")
    with_database(revoke, _revoke)


async def _import(args: argparse.Namespace, settings: Settings, db: Database) -> int:
    path: Path = args.file
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


async def _list(args: argparse.Namespace, settings: Settings, db: Database) -> int:
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


async def _revoke(args: argparse.Namespace, settings: Settings, db: Database) -> int:
    token = args.token.strip().rsplit("start=", 1)[-1].removeprefix("/start").strip().removeprefix(PREFIX)
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


COMMANDS = {"actors": add_actors}
