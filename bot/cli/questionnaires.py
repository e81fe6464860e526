"""`scenari questionnaires list | validate | import | export`: the authors' commands.

``list`` reads the settings (SCENARI_QUESTIONNAIRES_DIR); the others need neither settings nor
database: validation reads files, import turns an XLSForm into a questionnaire file, export
writes a questionnaire (the plan's, or from SCENARI_QUESTIONNAIRES_DIR) as XLSForm.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import yaml

from dialogs import DefinitionError
from dialogs.loader import Report, check_file

from bot.settings import Settings, SettingsError, load_settings

from .commands import files_only, with_settings

XLSFORM_SUFFIXES = (".xlsx", ".xls")


def add_questionnaires(parser: argparse.ArgumentParser) -> None:
    questionnaires = parser.add_subparsers(dest="action", required=True)
    with_settings(questionnaires.add_parser("list", help="list the available questionnaires"), _list)
    validate = questionnaires.add_parser(
        "validate", help="check questionnaire files (YAML or XLSForm) and report every error and warning"
    )
    validate.add_argument("files", nargs="+", type=Path)
    files_only(validate, _validate)
    imported = questionnaires.add_parser("import", help="read an XLSForm (.xlsx) into a questionnaire file")
    imported.add_argument("form", type=Path)
    imported.add_argument("--out", "-o", type=Path, help="the YAML file to write (default: standard output)")
    files_only(imported, _import)
    exported = questionnaires.add_parser("export", help="write a questionnaire as an XLSForm")
    exported.add_argument("questionnaire", help="its id (scenari questionnaires list)")
    exported.add_argument("--format", "-f", choices=("xlsform",), default="xlsform")
    exported.add_argument("--out", "-o", type=Path, required=True)
    files_only(exported, _export)


def _validate(args: argparse.Namespace) -> int:
    return validate(args.files, _default_language(), _plan_lists())


def _import(args: argparse.Namespace) -> int:
    return import_form(args.form, args.out, _default_language())


def _export(args: argparse.Namespace) -> int:
    return export_form(args.questionnaire, args.out)


async def _list(args: argparse.Namespace, settings: Settings) -> int:
    from bot.service.catalog import QuestionnaireCatalog  # it imports storage (SQLAlchemy): not for validate

    catalog = QuestionnaireCatalog.load(settings.plan)
    for qid in catalog.ids(open_only=False):
        q = catalog.current(qid)
        state = "open" if q.open else "closed"
        print(f"{q.id:<12} v{q.version:<3} {state:<7} {len(q.questions):>3} questions  {q.title.get(settings.lang)}")
    return 0


def _default_language() -> str | None:
    """The deployment's language (SCENARI_LANG): every text must have it."""
    try:
        return load_settings().lang
    except SettingsError:
        return None


def _plan_lists() -> Path | None:
    """The plan's lists folder (SCENARI_PLAN_DIR): where a file outside it finds shared lists."""
    from .plan import current_plan

    return current_plan().lists


def check(path: Path, default_language: str | None, shared_lists: Path | None = None) -> Report:
    """The report of one questionnaire file, YAML or XLSForm."""
    if path.suffix.lower() in XLSFORM_SUFFIXES:
        from dialogs.xlsform import check_xlsform  # pyxform + lark cost ~2 s: only the XLSForm commands pay it

        return check_xlsform(path, default_language)
    return check_file(path, default_language, shared_lists)


def validate(files: list[Path], default_language: str | None, shared_lists: Path | None = None) -> int:
    """Print every error and warning of each file; 1 if any file has an error."""
    status = 0
    for path in files:
        report = check(path, default_language, shared_lists)
        for error in report.errors:
            print(f"ERROR {error}")
        for warning in report.warnings:
            print(f"WARN  {warning}")
        q = report.questionnaire
        if report.errors or q is None:
            status = 1
        else:
            print(f"OK    {path}: {q.id} v{q.version}, {len(q.questions)} questions"
                  + (f", {len(report.warnings)} warning(s)" if report.warnings else ""))
    return status


def import_form(form: Path, out: Path | None, default_language: str | None) -> int:
    """Write the questionnaire file of an XLSForm (to ``out`` or standard output); 1 if it has errors."""
    from dialogs.xlsform import check_xlsform, questionnaire_data  # slow import (pyxform): only here

    report = check_xlsform(form, default_language)
    for warning in report.warnings:
        print(f"WARN  {warning}", file=sys.stderr)
    if report.errors or report.questionnaire is None:
        for error in report.errors:
            print(f"ERROR {error}", file=sys.stderr)
        print(f"Not imported: {len(report.errors)} error(s) in {form}.", file=sys.stderr)
        return 1
    q = report.questionnaire
    data = questionnaire_data(q)
    text = f"# Imported from {form.name} (XLSForm) by `scenari questionnaires import`.\n" + yaml.safe_dump(
        data, allow_unicode=True, sort_keys=False, width=100
    )
    if out is None:
        sys.stdout.write(text)
        return 0
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(text, encoding="utf-8")
    print(f"Imported {q.id} v{q.version} ({len(q.questions)} questions) to {out}", file=sys.stderr)
    return 0


def export_form(questionnaire_id: str, out: Path) -> int:
    """Write a questionnaire (the plan's, or from SCENARI_QUESTIONNAIRES_DIR) as an XLSForm."""
    try:
        settings = load_settings()
    except SettingsError as exc:
        print(exc, file=sys.stderr)
        return 2
    try:
        found = settings.plan.load_questionnaires()
    except DefinitionError as exc:
        print(f"Questionnaire error: {exc}", file=sys.stderr)
        return 2
    q = found.get(questionnaire_id)
    if q is None:
        print(f"Unknown questionnaire {questionnaire_id!r}; known: {', '.join(sorted(found))}", file=sys.stderr)
        return 2
    from dialogs.xlsform import write_xlsform  # slow import (pyxform): only here

    path = write_xlsform(q, out)
    print(f"Exported {q.id} v{q.version} as XLSForm to {path}")
    return 0


COMMANDS = {"questionnaires": add_questionnaires}
