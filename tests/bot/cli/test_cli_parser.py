"""The command line's registry: every command has a handler that says what it needs, and parsing is cheap."""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
from collections.abc import Iterator

from bot.cli import build_parser
from bot.cli.commands import Needs
from tests.support.cli import ROOT


def leaves(parser: argparse.ArgumentParser, path: tuple[str, ...] = ()) -> Iterator[tuple[str, argparse.ArgumentParser]]:
    """Each runnable command (``"nlp review export"``) and its parser."""
    groups = [action for action in parser._actions if isinstance(action, argparse._SubParsersAction)]
    if not groups:
        yield " ".join(path), parser
    for group in groups:
        for name, sub in group.choices.items():
            yield from leaves(sub, (*path, name))


def test_every_command_has_a_handler_and_what_it_needs():
    commands = dict(leaves(build_parser()))
    assert len(commands) > 50 and "broadcast resend-uncertain" in commands
    for name, parser in commands.items():
        assert callable(parser.get_default("func")), name
        assert isinstance(parser.get_default("needs"), Needs), name
    files_only = sorted(name for name, parser in commands.items() if parser.get_default("needs") is Needs.FILES)
    assert files_only == ["nlp evaluate", "plan validate", "questionnaires export", "questionnaires import", "questionnaires validate",
                          "themes validate"]
    assert commands["questionnaires list"].get_default("needs") is Needs.SETTINGS


def test_reviewed_evaluation_needs_the_database():
    parser = build_parser()
    assert parser.parse_args(["nlp", "evaluate"]).needs is Needs.FILES
    reviewed = parser.parse_args(["nlp", "evaluate", "--reviewed", "--folds", "3"])
    assert reviewed.needs is Needs.DATABASE and reviewed.reviewed and reviewed.folds == 3


def test_only_the_module_of_the_command_being_run_is_imported():
    """Parsing `questionnaires validate` imports neither SQLAlchemy nor pandas, spaCy, aiogram or uvicorn."""
    code = ("import json, sys, bot.cli; "
            "args = bot.cli.build_parser(load=['questionnaires']).parse_args(['questionnaires', 'validate', 'x.yaml']); "
            "print(json.dumps([args.needs.name, sorted({m.split('.')[0] for m in sys.modules} & "
            "{'sqlalchemy', 'storage', 'pandas', 'spacy', 'aiogram', 'uvicorn'})]))")
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120, cwd=ROOT)
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout) == ["FILES", []]
