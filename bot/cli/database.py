"""`scenari db upgrade`: create or update the schema.

:func:`bot.cli.main` migrates before every database command (a fresh clone works without this
step); the command exists for deployments that migrate first and start the service after.
"""

from __future__ import annotations

import argparse

from storage import Database

from bot.settings import Settings

from .commands import with_database


def add_db(parser: argparse.ArgumentParser) -> None:
    actions = parser.add_subparsers(dest="action", required=True)
    with_database(actions.add_parser("upgrade", help="apply the migrations (create or update the schema)"), _upgrade)


async def _upgrade(args: argparse.Namespace, settings: Settings, db: Database) -> int:
    print(f"Database schema is up to date ({db.backend}).")  # main has just migrated it
    return 0


COMMANDS = {"db": add_db}
