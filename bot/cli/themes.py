"""`scenari themes validate [FILE]`: check a theme taxonomy (default: the plan's, SCENARI_PLAN_DIR), no database.

A module of its own so that checking a file loads the nlp package alone, not the taggers'
storage and models that the `scenari nlp …` commands (bot.cli.nlp) import.
"""

from __future__ import annotations

import argparse
from pathlib import Path

from nlp import TaxonomyError, validate_taxonomy_file

from .commands import files_only
from .plan import current_plan


def add_themes(parser: argparse.ArgumentParser) -> None:
    actions = parser.add_subparsers(dest="action", required=True)
    validate = actions.add_parser("validate", help="check a taxonomy file (default: the plan's, SCENARI_PLAN_DIR)")
    validate.add_argument("file", nargs="?", type=Path)
    files_only(validate, _validate)


def _validate(args: argparse.Namespace) -> int:
    path: Path = args.file or current_plan().taxonomy
    try:
        taxonomy = validate_taxonomy_file(path)
    except TaxonomyError as exc:
        for line in str(exc).splitlines():
            print(f"ERROR {line}")
        return 1
    print(f"OK    {path}: version {taxonomy.version}, {len(taxonomy.themes)} themes")
    return 0


COMMANDS = {"themes": add_themes}
