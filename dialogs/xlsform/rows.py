"""The workbook's rows: what Scenari cannot run, found with its sheet and row before
anything is converted; and pyxform's form dictionary, asked again past each of its errors."""

from __future__ import annotations

import copy
import re
from typing import Any

from pyxform.errors import PyXFormError
from pyxform.xls2json import workbook_to_json

from ..expressions import suggest
from .columns import (
    IGNORED_APPEARANCES,
    IGNORED_SETTINGS,
    IGNORED_TYPES,
    SCENARI_QUESTION_FIELDS,
    SCENARI_SETTINGS,
    SCENARI_SETTINGS_OTHER,
    SURVEY_COLUMNS,
    UNSUPPORTED_TYPES,
    language_code,
)
from .job import ImportJob

_PYXFORM_ROW = re.compile(r"\[row : (\d+)\]")
_PYXFORM_COLUMN = re.compile(r"the '([a-z_:]+)' value")
_PYXFORM_NAME = re.compile(r"Could not find the name '([^']+)'")


def pyxform_form(job: ImportJob, workbook: Any, name: str) -> dict[str, Any] | None:
    """pyxform's form dictionary. pyxform stops at its first error: when that error names a
    survey row and column, report it, blank that cell and ask again, so one run lists them all."""
    workbook = copy.deepcopy(workbook)
    failed = False
    for _ in range(50):
        try:
            form = workbook_to_json(workbook, form_name=name, warnings=[])
        except PyXFormError as exc:
            message = str(exc)
            row, column = _PYXFORM_ROW.search(message), _PYXFORM_COLUMN.search(message)
            reason = _PYXFORM_ROW.sub("", message).strip()
            if (unknown := _PYXFORM_NAME.search(message)) and (hint := suggest(unknown[1], job.rows)):
                reason += f" Did you mean {hint!r}?"
            job.error(f"survey row {row[1]}" if row else "file", f"pyxform: {reason}")
            cells = workbook.survey[int(row[1]) - 2] if row and column and workbook.survey else None
            if cells is None or column[1] not in cells:
                return None
            del cells[column[1]]
            failed = True
            continue
        return None if failed else form
    return None


def scan_survey(job: ImportJob, rows: list[dict[str, str]]) -> None:
    for number, row in enumerate(rows, start=2):
        if not row:
            continue
        if row.get("name"):
            job.rows.setdefault(row["name"], number)
            job.raw_rows.setdefault(row["name"], row)
        where = f"survey row {number}"
        for column in row:
            base = column.split("::")[0].strip().lower()
            if base not in SURVEY_COLUMNS and base not in SCENARI_QUESTION_FIELDS:
                job.error(where, f"column {column!r} is not supported by Scenari ({_why_column(base)})")
        kind = (row.get("type") or "").split()[0].lower() if row.get("type") else ""
        if kind in UNSUPPORTED_TYPES:
            job.error(where, f"type {row['type']!r} is not supported by Scenari ({UNSUPPORTED_TYPES[kind]})")
        elif kind in IGNORED_TYPES:
            job.warn(where, f"type {kind!r} left out: {IGNORED_TYPES[kind]}")
        elif kind.endswith("_from_file") and not _dynamic(row) and not row["type"].split()[-1].lower().endswith(".csv"):
            job.error(where, "choices from a file must come from a .csv file (an .xml or .geojson one is not supported)")
        appearance = (row.get("appearance") or "").split()
        if unknown := [a for a in appearance if a not in IGNORED_APPEARANCES]:
            job.error(where, f"appearance {' '.join(unknown)!r} is not supported by Scenari")
        elif appearance:
            job.warn(where, f"appearance {' '.join(appearance)!r} is only a display hint: a chat shows every question alike")
        count = row.get("repeat_count")
        if count and not count.isdigit():
            job.error(where, "repeat_count must be a number in Scenari (an expression is not supported)")
        elif count and row.get("name"):
            job.repeat_counts[row["name"]] = int(count)


def _dynamic(row: dict[str, str]) -> bool:
    return bool(row.get("scenari_dynamic"))


def _why_column(base: str) -> str:
    return {
        "default": "an answer is never filled in for the respondent",
        "read_only": "a chat question is always answered",
        "required_message": "Scenari says politely, in the respondent's language, that a question is required",
        "image": "chat questions carry no media", "audio": "chat questions carry no media",
        "video": "chat questions carry no media", "media": "chat questions carry no media",
        "guidance_hint": "use hint", "trigger": "calculations are derived whenever they are needed",
    }.get(base, "unknown column")


def scan_choices(job: ImportJob, rows: list[dict[str, str]]) -> None:
    for number, row in enumerate(rows, start=2):
        for column in row:
            base = column.split("::")[0].strip().lower()
            if base in ("image", "audio", "video", "media"):
                job.error(f"choices row {number}", f"column {column!r} is not supported by Scenari (chat options carry no media)")


def scan_settings(job: ImportJob, settings: dict[str, str]) -> None:
    for column in settings:
        base = column.split("::")[0].strip().lower()
        if base in IGNORED_SETTINGS:
            job.warn("settings row 2", f"setting {column!r} left out: {IGNORED_SETTINGS[base]}")
        elif (base.removeprefix("scenari_") not in SCENARI_SETTINGS or not base.startswith("scenari_")) \
                and base not in SCENARI_SETTINGS_OTHER and base not in ("form_title", "form_id", "version", "default_language"):
            job.error("settings row 2", f"setting {column!r} is not supported by Scenari")
    if settings.get("default_language") and job.requested_language is None:
        code = language_code(settings["default_language"])
        if code is None:
            job.error("settings row 2", f"default_language {settings['default_language']!r} has no language code: write e.g. 'Italiano (it)'")
        else:
            job.default = code
