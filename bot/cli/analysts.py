"""`scenari analysts add|remove|list|token`: the accounts of the web dashboard (/analisi, /api); `scenari audit list`.

The password is read from a prompt (twice, not echoed) or, with ``--password-stdin``, from the
first line of standard input (for scripts); only its argon2 hash is stored. ``token`` issues an
API bearer token, printed once, stored as a SHA-256 digest. Every change is in the audit log.
"""

from __future__ import annotations

import argparse
import getpass
import sys
from datetime import datetime, timedelta, timezone

from storage import Database, analysts, audit

from bot.settings import Settings
from bot.web.auth import check_password, check_username, hash_password, new_token

from .commands import with_database


def add_analysts(parser: argparse.ArgumentParser) -> None:
    actions = parser.add_subparsers(dest="action", required=True)
    add = actions.add_parser("add", help="add an analyst account (asks for the password)")
    add.add_argument("username")
    add.add_argument("--telegram-id", type=int, default=None, help="the analyst's Telegram user id, to link")
    add.add_argument("--password-stdin", action="store_true", help="read the password from standard input")
    with_database(add, _add)
    remove = actions.add_parser("remove", help="remove an analyst account (its sessions end at once)")
    remove.add_argument("username")
    with_database(remove, _remove)
    with_database(actions.add_parser("list", help="list the analyst accounts"), _list)
    token = actions.add_parser("token", help="issue a new API bearer token for an analyst (replaces the old one)")
    token.add_argument("username")
    token.add_argument("--revoke", action="store_true", help="remove the analyst's token instead")
    with_database(token, _token)


def add_audit(parser: argparse.ArgumentParser) -> None:
    actions = parser.add_subparsers(dest="action", required=True)
    listing = actions.add_parser("list", help="list the audit events, newest first")
    listing.add_argument("--since", default="30d", help="YYYY-MM-DD, or a span back from now: 7d, 24h (default 30d)")
    listing.add_argument("--action", dest="only", default=None, help="only this action (login, download, …)")
    listing.add_argument("--limit", type=int, default=500)
    with_database(listing, _audit_list)


def _read_password(from_stdin: bool) -> str | None:
    if from_stdin:
        line = sys.stdin.readline()
        return line.rstrip("\r\n")
    first = getpass.getpass("Password: ")
    second = getpass.getpass("Password again: ")
    if first != second:
        print("The two passwords differ; nothing changed.", file=sys.stderr)
        return None
    return first


def _username(args: argparse.Namespace) -> str:
    return str(args.username).strip().lower()


async def _list(args: argparse.Namespace, settings: Settings, db: Database) -> int:
    async with db.transaction() as session:
        accounts = await analysts.list_analysts(session)
    if not accounts:
        print("No analyst accounts yet: `scenari analysts add NAME`.")
    for a in accounts:
        last = a.last_login_at.strftime("%Y-%m-%d %H:%M UTC") if a.last_login_at else "never"
        telegram = f"telegram {a.telegram_id}" if a.telegram_id is not None else "no telegram"
        print(f"{a.username:<24} {telegram:<22} {'API token' if a.has_token else 'no token':<10} last login {last}")
    return 0


async def _add(args: argparse.Namespace, settings: Settings, db: Database) -> int:
    username = _username(args)
    problem = check_username(username)
    if problem:
        print(f"{username!r}: {problem}", file=sys.stderr)
        return 2
    password = _read_password(args.password_stdin)
    if password is None:
        return 2
    problem = check_password(password)
    if problem:
        print(problem, file=sys.stderr)
        return 2
    try:
        async with db.transaction() as session:
            await analysts.add_analyst(session, username, hash_password(password), args.telegram_id)
            await audit.record(session, "cli", "account", username, detail={"change": "added"})
    except analysts.AnalystExists:
        print(f"An analyst {username!r} exists already.", file=sys.stderr)
        return 1
    print(f"Analyst {username!r} added: log in at /analisi/accesso.")
    return 0


async def _remove(args: argparse.Namespace, settings: Settings, db: Database) -> int:
    username = _username(args)
    async with db.transaction() as session:
        removed = await analysts.remove_analyst(session, username)
        if removed:
            await audit.record(session, "cli", "account", username, detail={"change": "removed"})
    print(f"Analyst {username!r} removed." if removed else f"No analyst {username!r}.",
          file=sys.stdout if removed else sys.stderr)
    return 0 if removed else 1


async def _token(args: argparse.Namespace, settings: Settings, db: Database) -> int:
    username = _username(args)
    token, digest = new_token()
    async with db.transaction() as session:
        found = await analysts.set_token_hash(session, username, None if args.revoke else digest)
        if found:
            await audit.record(session, "cli", "account", username,
                               detail={"change": "api key revoked" if args.revoke else "api key issued"})
    if not found:
        print(f"No analyst {username!r}.", file=sys.stderr)
        return 1
    if args.revoke:
        print(f"The API token of {username!r} is revoked.")
    else:
        print(token)
        print("Shown once: use it as `Authorization: Bearer <token>` on /api/….", file=sys.stderr)
    return 0


def parse_since(text: str, now: datetime | None = None) -> datetime | None:
    """``YYYY-MM-DD`` or ``<n>d`` / ``<n>h`` back from now (UTC); None if it is neither."""
    now = now or datetime.now(timezone.utc)
    text = text.strip().lower()
    try:
        if text[-1:] in ("d", "h") and text[:-1].isdigit():
            return now - (timedelta(days=int(text[:-1])) if text.endswith("d") else timedelta(hours=int(text[:-1])))
        return datetime.strptime(text, "%Y-%m-%d").replace(tzinfo=timezone.utc)
    except ValueError:
        return None


async def _audit_list(args: argparse.Namespace, settings: Settings, db: Database) -> int:
    since = parse_since(args.since)
    if since is None:
        print(f"--since {args.since!r}: write YYYY-MM-DD or a span such as 7d or 24h.", file=sys.stderr)
        return 2
    async with db.transaction() as session:
        events = await audit.events(session, since, action=args.only, limit=args.limit)
    if not events:
        print(f"No audit events since {since:%Y-%m-%d %H:%M} UTC.")
    for e in events:
        detail = " ".join(f"{k}={','.join(map(str, v)) if isinstance(v, list) else v}" for k, v in sorted(e.detail.items()))
        print(f"{e.at:%Y-%m-%d %H:%M:%S}  {e.actor:<16} {e.action:<14} {e.outcome:<8} {e.target or '-':<28} {detail}")
    return 0


COMMANDS = {"analysts": add_analysts, "audit": add_audit}
