"""Raw answers export: one row per run, one column per question, pseudonymous ids only."""

from __future__ import annotations

import io
from collections.abc import Sequence
from pathlib import Path
from typing import Any, Literal

import pandas as pd

from dialogs import Questionnaire
from storage.repository import ExportRun

from .safety import neutralise_frame

ExportFormat = Literal["csv", "xlsx"]
RUN_COLUMNS = ["respondent", "run", "status", "version", "started_at", "completed_at"]


def answers_frame(q: Questionnaire, runs: Sequence[ExportRun]) -> pd.DataFrame:
    """The analyst's table. Choice answers keep their codes; the codebook explains them."""
    question_keys = [question.key for question in q.questions if question.type != "note"]
    extra_keys = sorted({key for run in runs for key in run.answers} - set(question_keys))
    outcome_keys = [c.key for c in q.computed] + [o.key for o in q.outcomes]
    records: list[dict[str, Any]] = []
    for run in runs:
        record: dict[str, Any] = {
            "respondent": run.respondent,
            "run": run.run,
            "status": run.status,
            "version": run.version,
            "started_at": _naive_utc(run.started_at),
            "completed_at": _naive_utc(run.completed_at),
        }
        for key in question_keys + extra_keys:
            record[key] = _cell(run.answers.get(key))
        for key in outcome_keys:
            record[key] = _cell(run.outcomes.get(key))
        records.append(record)
    return pd.DataFrame.from_records(records, columns=RUN_COLUMNS + question_keys + extra_keys + outcome_keys)


def codebook_frame(q: Questionnaire, lang: str = "it") -> pd.DataFrame:
    rows = []
    for question in q.questions:
        if question.type == "note":
            continue
        choices = "; ".join(f"{c.value} = {c.label.get(lang)}" for c in q.choices_for(question))
        rows.append({"column": question.key, "type": question.type, "question": question.text.get(lang), "codes": choices})
    for computed in q.computed:
        rows.append({"column": computed.key, "type": "computed", "question": computed.expression, "codes": ""})
    for outcome in q.outcomes:
        codes = "; ".join(f"{value} = {label.get(lang)}" for value, label in outcome.labels.items())
        rows.append({"column": outcome.key, "type": "outcome", "question": outcome.title.get(lang), "codes": codes})
    return pd.DataFrame(rows, columns=["column", "type", "question", "codes"])


def write_export(q: Questionnaire, runs: Sequence[ExportRun], fmt: ExportFormat, out: Path | str) -> Path:
    """Write the raw export to a file (see :func:`export_bytes`)."""
    out = Path(out)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_bytes(export_bytes(q, runs, fmt))
    return out


def export_bytes(q: Questionnaire, runs: Sequence[ExportRun], fmt: ExportFormat) -> bytes:
    """The raw export as file content; text cells a spreadsheet would run are neutralised."""
    frame = neutralise_frame(answers_frame(q, runs))
    buffer = io.BytesIO()
    if fmt == "csv":
        frame.to_csv(buffer, index=False, encoding="utf-8")
    elif fmt == "xlsx":
        with pd.ExcelWriter(buffer, engine="openpyxl") as writer:
            frame.to_excel(writer, sheet_name="answers", index=False)
            neutralise_frame(codebook_frame(q)).to_excel(writer, sheet_name="codebook", index=False)
    else:
        raise ValueError(f"unknown export format {fmt!r}; use csv or xlsx")
    return buffer.getvalue()


def _cell(value: Any) -> Any:
    if isinstance(value, list):
        return "; ".join(str(v) for v in value)
    if isinstance(value, bool):
        return int(value)
    return value


def _naive_utc(value: Any) -> Any:
    if value is None:
        return None
    timestamp = pd.Timestamp(value)
    if timestamp.tzinfo is not None:
        timestamp = timestamp.tz_convert("UTC").tz_localize(None)
    return timestamp.floor("s")
