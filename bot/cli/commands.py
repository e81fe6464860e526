"""How a command module registers its subcommands: each names its handler and what it needs first.

Each module of this package lists its commands in ``COMMANDS`` (command → a function given
that command's parser, see :data:`bot.cli.COMMANDS`); the function adds the arguments and
subcommands and hands each runnable one to :func:`files_only`, :func:`with_settings` or
:func:`with_database`. They store the handler as ``args.func`` (argparse ``set_defaults``) and,
as ``args.needs``, what :func:`bot.cli.main` prepares before calling it:

- ``Needs.FILES``: nothing; the handler reads files (the authors' checks) and is called as
  ``func(args)``, before the settings are read, so a wrong setting cannot stop it;
- ``Needs.SETTINGS``: the settings, called as ``await func(args, settings)``;
- ``Needs.DATABASE``: the settings and the migrated database, ``await func(args, settings, db)``.
"""

from __future__ import annotations

import argparse
import enum
import functools
import sys
from collections.abc import Awaitable, Callable, Sequence
from typing import TYPE_CHECKING, Any, TypeAlias

if TYPE_CHECKING:  # pragma: no cover
    from storage import Database

    from bot.settings import Settings

FilesHandler: TypeAlias = Callable[[argparse.Namespace], int]
SettingsHandler: TypeAlias = "Callable[[argparse.Namespace, Settings], Awaitable[int]]"
DatabaseHandler: TypeAlias = "Callable[[argparse.Namespace, Settings, Database], Awaitable[int]]"


class Needs(enum.Enum):
    """What :func:`bot.cli.main` prepares before it calls a command's handler."""

    FILES = "files"
    SETTINGS = "settings"
    DATABASE = "database"


def files_only(parser: argparse.ArgumentParser, handler: FilesHandler) -> None:
    """``handler(args)`` runs without settings or database."""
    parser.set_defaults(func=handler, needs=Needs.FILES)


def with_settings(parser: argparse.ArgumentParser, handler: SettingsHandler) -> None:
    """``await handler(args, settings)`` runs once the settings are read (no database)."""
    parser.set_defaults(func=handler, needs=Needs.SETTINGS)


def with_database(parser: argparse.ArgumentParser, handler: DatabaseHandler) -> None:
    """``await handler(args, settings, db)`` runs on the migrated database."""
    parser.set_defaults(func=handler, needs=Needs.DATABASE)


def one_line_errors(handler: DatabaseHandler, *refused: type[Exception]) -> DatabaseHandler:
    """The handler, with a refused value (a segment, a time, an id …) said in one line ``Error: …``, exit 2."""

    @functools.wraps(handler)
    async def run(args: argparse.Namespace, settings: Settings, db: Database) -> int:
        try:
            return await handler(args, settings, db)
        except refused as exc:
            print(f"Error: {exc}", file=sys.stderr)
            return 2

    return run


class OnDatabase(argparse.Action):
    """A flag that hands its command to a database handler (``nlp evaluate --reviewed``).

    The command without the flag needs only files; with it, the reviewed tags are read from the
    database: the flag sets ``args.<dest>`` to True and replaces ``func`` and ``needs``.
    """

    def __init__(self, option_strings: Sequence[str], dest: str, handler: DatabaseHandler, **kwargs: Any) -> None:
        super().__init__(option_strings, dest, nargs=0, default=False, **kwargs)
        self.handler = handler

    def __call__(self, parser: argparse.ArgumentParser, namespace: argparse.Namespace, values: Any,
                 option_string: str | None = None) -> None:
        setattr(namespace, self.dest, True)
        namespace.func, namespace.needs = self.handler, Needs.DATABASE
