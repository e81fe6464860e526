"""Read an XLSForm (ODK, KoboToolbox, SurveyCTO, Ona) into a Scenari questionnaire.

pyxform, the reference implementation, does the reading in its stages: the workbook's rows
(``xls2json_backends.get_xlsform``), then the validated form dictionary
(``xls2json.workbook_to_json``). :mod:`.rows` first looks at the rows for what Scenari cannot
run — every such column and type is reported with its sheet and row, and the import refuses
rather than silently dropping it — then :mod:`.convert` turns the dictionary into the
questionnaire's own shape, which :func:`dialogs.loader.check_data` validates like any YAML file.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from pyxform.errors import PyXFormError
from pyxform.xls2json_backends import get_xlsform

from ..loader import DefinitionError, Report, check_data
from ..model import Questionnaire
from .convert import to_questionnaire, walk
from .job import ImportJob
from .rows import pyxform_form, scan_choices, scan_settings, scan_survey


def check_xlsform(path: str | Path, default_language: str | None = None) -> Report:
    """Every problem of an XLSForm file, and the questionnaire when there is none."""
    path = Path(path)
    job = ImportJob(str(path), default_language)
    try:
        workbook = get_xlsform(str(path))
    except (PyXFormError, OSError) as exc:
        job.error("file", f"not a readable XLSForm: {exc}")
        return Report(job.source, None, job.errors)
    scan_survey(job, workbook.survey or [])
    scan_choices(job, workbook.choices or [])
    settings = (workbook.settings or [{}])[0]
    scan_settings(job, settings)
    form = pyxform_form(job, workbook, path.stem)
    if form is None:
        return Report(job.source, None, job.errors, job.warnings)
    raw = to_questionnaire(job, form, settings)
    if job.errors:
        return Report(job.source, None, job.errors, job.warnings)
    report = check_data(raw, job.source, path.parent / "lists", job.requested_language)
    report.errors = [_with_row(job, problem) for problem in report.errors]
    report.warnings = job.warnings + [_with_row(job, problem) for problem in report.warnings]
    return report


def _with_row(job: ImportJob, problem: DefinitionError) -> DefinitionError:
    """The loader names the question; an XLSForm author looks for the row as well."""
    match = re.match(r"question '([a-z0-9_]+)'", problem.where)
    if match and match[1] in job.rows:
        return DefinitionError(problem.source, f"survey row {job.rows[match[1]]}, {problem.where}", problem.reason)
    return problem


def read_xlsform(path: str | Path, default_language: str | None = None) -> dict[str, Any]:
    """The questionnaire as a plain mapping (what ``--out file.yaml`` writes), or every error."""
    return questionnaire_data(check_xlsform(path, default_language).raise_errors())


def questionnaire_data(q: Questionnaire) -> dict[str, Any]:
    """``q`` as the mapping a YAML file holds: defaults left out, as an author writes it."""
    data = {"spec_version": q.spec_version, **q.model_dump(mode="json", exclude_defaults=True)}
    for question in walk(data["questions"]):
        if question["type"] == "calculate" and question.get("text") == {q.default_language: question["key"]}:
            del question["text"]  # the key stood in for a label XLSForm calculations do not have
    return data
