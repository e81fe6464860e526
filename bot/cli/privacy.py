"""`scenari privacy export --respondent PSEUDONYM [--out FILE]`: a person's data, for a request by post.

The same JSON as `/imieidati` in Telegram and the web privacy page's button (bot.service.personal_data);
the export is written to the audit log as done by ``cli``.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # pragma: no cover
    from storage import Database

    from bot.settings import Settings


def add_commands(subparsers: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    privacy = subparsers.add_parser("privacy", help="data protection requests (download my data)")
    actions = privacy.add_subparsers(dest="action", required=True)
    export = actions.add_parser("export", help="everything held about one respondent, as JSON")
    export.add_argument("--respondent", required=True, help="the respondent's pseudonym (as in the exports)")
    export.add_argument("--out", "-o", type=Path, default=None, help="write to this file (default: standard output)")


async def dispatch(args: argparse.Namespace, settings: Settings, db: Database) -> int | None:
    """Run `privacy …`; None if ``args`` is another command."""
    if args.command != "privacy":
        return None
    from bot.service.personal_data import export, respondent_by_pseudonym

    async with db.transaction() as session:
        respondent_id = await respondent_by_pseudonym(session, args.respondent)
        data = await export(session, respondent_id, "cli") if respondent_id is not None else None
    if data is None:
        print(f"No respondent with pseudonym {args.respondent!r}: nothing is held under it.", file=sys.stderr)
        return 1
    if args.out is None:
        sys.stdout.write(data.content.decode("utf-8") + "\n")
    else:
        args.out.write_bytes(data.content)
        print(f"Wrote the data of {data.pseudonym} ({data.questionnaires} questionnaires) to {args.out}.")
    return 0
