"""Choice lists from data files: a CSV, one row a choice (XLSForm's ``select_one_from_file``).

A questionnaire names them under ``data_lists``; on load they are read and copied into its
``lists``, so a run's stored definition carries them and never reads the file again (a list
already in ``lists`` wins, as for shared lists). This is the one place ``dialogs`` reads a
file besides the questionnaire itself. Every problem is reported at once, located by file and
row, with a "did you mean …?" for a misspelt file or column.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from .checks import Problem
from .expressions import suggest
from .model import DATA_FILE

# A choice value, as the model takes it (it travels in Telegram's callback data).
_VALUE = re.compile(r"^[A-Za-z0-9_.-]{1,24}$")
_FILE = re.compile(DATA_FILE)
_ROW_PROBLEMS = 10  # per file: past this a wrong column or encoding is the real problem
MAX_ROWS = 20_000  # a chat list longer than this is a whole register, not a question's choices


def with_data_lists(
    raw: dict[str, Any], directories: Iterable[Path], default_language: str
) -> tuple[dict[str, Any], list[Problem]]:
    """``raw`` with each data list read into its ``lists``; the problems found on the way.

    A list that cannot be read is left empty, so the questions naming it raise no second error.
    A malformed ``data_lists`` entry is left to the model's validation, which locates it.
    """
    specs, stored = raw.get("data_lists"), raw.get("lists") or {}
    if not isinstance(specs, dict) or not specs or not isinstance(stored, dict):
        return raw, []
    lists = dict(stored)
    folders = list(dict.fromkeys(directories))
    problems: list[Problem] = []
    for name, spec in specs.items():
        if name in lists:
            continue
        if not isinstance(spec, dict) or not _FILE.fullmatch(str(spec.get("file", ""))):
            lists[name] = []  # the model reports the entry; the questions naming it need no second error
            continue
        choices, found = read_data_list(str(name), spec, folders, default_language)
        lists[name] = choices
        problems.extend(found)
    return {**raw, "lists": lists}, problems


def read_data_list(
    name: str, spec: dict[str, Any], folders: list[Path], default_language: str
) -> tuple[list[dict[str, Any]], list[Problem]]:
    """The choices of one data list (as a YAML list holds them), or the problems that stop it."""
    where = f"data list {name!r}"
    file = str(spec["file"])
    path = next((folder / file for folder in folders if (folder / file).is_file()), None)
    if path is None:
        known = sorted({p.name for folder in folders if folder.is_dir() for p in folder.glob("*.csv")})
        looked = ", ".join(str(folder) for folder in folders)
        return [], [Problem(where, f"no data file {file!r} (looked in {looked})" + _did_you_mean(suggest(file, known)))]
    try:
        rows = _rows(path.read_text(encoding="utf-8-sig"))
    except UnicodeDecodeError:
        return [], [Problem(where, f"{file} is not UTF-8 text: save it as «CSV UTF-8»")]
    except OSError as exc:
        return [], [Problem(where, f"{file}: {exc.strerror or exc}")]
    if not rows:
        return [], [Problem(where, f"{file} is empty: its first row names the columns")]
    header = [column.strip() for column in rows[0]]
    value_column = str(spec.get("value", "name"))
    labels = _label_columns(spec.get("label", "label"), default_language)
    if default_language not in labels:
        return [], [Problem(where, f"label names no column for {default_language!r}, the default language")]
    missing = [c for c in dict.fromkeys([value_column, *labels.values()]) if c not in header]
    if missing:
        return [], [
            Problem(where, f"no column {c!r} in {file} (its columns: {', '.join(header)})" + _did_you_mean(suggest(c, header)))
            for c in missing
        ]
    if len(rows) - 1 > MAX_ROWS:
        return [], [Problem(where, f"{file} has {len(rows) - 1} rows: a list of choices has at most {MAX_ROWS}")]
    return _choices(where, file, header, rows[1:], value_column, labels, default_language)


def _rows(text: str) -> list[list[str]]:
    """The CSV's rows; the delimiter (comma, semicolon or tab, as spreadsheets save) is guessed."""
    first = text.split("\n", 1)[0]
    try:
        dialect: Any = csv.Sniffer().sniff(first, delimiters=",;\t")
    except csv.Error:
        dialect = csv.excel  # one column: no delimiter to find
    return [row for row in csv.reader(io.StringIO(text), dialect) if any(cell.strip() for cell in row)]


def _label_columns(label: Any, default_language: str) -> dict[str, str]:
    if isinstance(label, dict):
        return {str(lang): str(column) for lang, column in label.items()}
    return {default_language: str(label)}


def _choices(
    where: str, file: str, header: list[str], rows: list[list[str]], value_column: str, labels: dict[str, str],
    default: str,
) -> tuple[list[dict[str, Any]], list[Problem]]:
    used = {value_column, *labels.values()}
    choices: list[dict[str, Any]] = []
    problems: list[Problem] = []
    seen: dict[str, int] = {}
    for number, row in enumerate(rows, start=2):
        cells = dict(zip(header, (cell.strip() for cell in row)))
        value = cells.get(value_column, "")
        at = f"{where} ({file}, row {number})"
        if not _VALUE.match(value):
            problems.append(Problem(at, f"value {value!r} (column {value_column!r}): letters, digits, _ . - only, at most 24"))
        elif value in seen:
            problems.append(Problem(at, f"value {value!r} is also on row {seen[value]}: values must be unique"))
        seen.setdefault(value, number)
        text = {lang: cells[column] for lang, column in labels.items() if cells.get(column)}
        if default not in text:
            problems.append(Problem(at, f"no label (column {labels[default]!r} is empty)"))
        attributes = {column: cell for column, cell in cells.items() if column not in used and cell}
        choices.append({"value": value, "label": text or {default: value}, **({"attributes": attributes} if attributes else {})})
    if len(problems) > _ROW_PROBLEMS:
        more = len(problems) - _ROW_PROBLEMS
        problems = [*problems[:_ROW_PROBLEMS], Problem(where, f"and {more} more rows like these in {file}")]
    return ([] if problems else choices), problems


def _did_you_mean(hint: str | None) -> str:
    return f"; did you mean {hint!r}?" if hint else ""
