"""`scenari privacy export --respondent PSEUDONYM [--out FILE]`: a person's data, for a request by post.

The same JSON as `/imieidati` in Telegram and the web privacy page's button (bot.service.personal_data);
the export is written to the audit log as done by ``cli``.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from storage import Database

from bot.service.notice import notice_of
from bot.service.personal_data import export, respondent_by_pseudonym
from bot.settings import Settings

from .commands import with_database


def add_privacy(parser: argparse.ArgumentParser) -> None:
    actions = parser.add_subparsers(dest="action", required=True)
    exported = actions.add_parser("export", help="everything held about one respondent, as JSON")
    exported.add_argument("--respondent", required=True, help="the respondent's pseudonym (as in the exports)")
    exported.add_argument("--out", "-o", type=Path, default=None, help="write to this file (default: standard output)")
    with_database(exported, _export)


async def _export(args: argparse.Namespace, settings: Settings, db: Database) -> int:
    async with db.transaction() as session:
        respondent_id = await respondent_by_pseudonym(session, args.respondent)
        data = await export(session, respondent_id, "cli", notice_of(settings)) if respondent_id is not None else None
    if data is None:
        print(f"No respondent with pseudonym {args.respondent!r}: nothing is held under it.", file=sys.stderr)
        return 1
    if args.out is None:
        sys.stdout.write(data.content.decode("utf-8") + "\n")
    else:
        args.out.write_bytes(data.content)
        print(f"Wrote the data of {data.pseudonym} ({data.questionnaires} questionnaires) to {args.out}.")
    return 0


COMMANDS = {"privacy": add_privacy}
