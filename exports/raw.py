"""Raw answers export: one row per run, one column per question, pseudonymous ids only."""

from __future__ import annotations

import io
from collections.abc import Sequence
from pathlib import Path
from typing import Any, Literal

import pandas as pd

from dialogs import Questionnaire
from storage.repository import ExportRun

from .files import write_private
from .safety import neutralise_frame

ExportFormat = Literal["csv", "xlsx"]
RUN_COLUMNS = ["respondent", "run", "status", "version", "started_at", "completed_at"]


def _top_level_columns(q: Questionnaire) -> list[str]:
    columns: list[str] = []
    for question in q.questions:
        if question.type == "note":
            continue
        if question.type == "repeat":
            columns.append(f"{question.key}_items")  # how many items; the items have their own table
            continue
        columns.append(question.key)
        if question.follow_up is not None:
            columns.append(f"{question.key}_more")
    return columns


def answers_frame(q: Questionnaire, runs: Sequence[ExportRun]) -> pd.DataFrame:
    """The analyst's table. Choice answers keep their codes; the codebook explains them."""
    question_keys = _top_level_columns(q)
    in_groups = {sub.key for g in q.questions for sub in g.questions}
    in_groups |= {f"{key}_more" for key in in_groups}
    extra_keys = sorted({key for run in runs for key in run.answers} - set(question_keys) - in_groups)
    groups = [g for g in q.questions if g.type == "repeat"]
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
        for group in groups:
            subs = {sub.key for sub in group.questions}
            record[f"{group.key}_items"] = len({index for key, index, _ in run.rows if key in subs})
        for key in outcome_keys:
            record[key] = _cell(run.outcomes.get(key))
        records.append(record)
    return pd.DataFrame.from_records(records, columns=RUN_COLUMNS + question_keys + extra_keys + outcome_keys)


def items_frames(q: Questionnaire, runs: Sequence[ExportRun]) -> dict[str, pd.DataFrame]:
    """Repeat groups as long tables: one row per item, ready to pivot (objectives, projects …)."""
    frames: dict[str, pd.DataFrame] = {}
    for group in (g for g in q.questions if g.type == "repeat"):
        columns: list[str] = []
        for sub in group.questions:
            columns.append(sub.key)
            if sub.follow_up is not None:
                columns.append(f"{sub.key}_more")
        records: list[dict[str, Any]] = []
        for run in runs:
            by_item: dict[int, dict[str, Any]] = {}
            for key, index, value in run.rows:
                if key in columns:
                    by_item.setdefault(index, {})[key] = _cell(value)
            for index in sorted(by_item):
                records.append({"respondent": run.respondent, "run": run.run, "item": index + 1, **by_item[index]})
        frames[group.key] = pd.DataFrame.from_records(records, columns=["respondent", "run", "item", *columns])
    return frames


def codebook_frame(q: Questionnaire, lang: str = "it") -> pd.DataFrame:
    rows = []
    for question in [qq for top in q.questions for qq in (top, *top.questions)]:
        if question.type == "note":
            continue
        choices = "; ".join(f"{c.value} = {c.label.get(lang)}" for c in q.choices_for(question))
        group = q.group_of(question.key)
        where = f"{group.key}: " if group is not None else ""
        rows.append({"column": question.key, "type": question.type, "question": where + question.text.get(lang), "codes": choices})
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
    write_private(out, export_bytes(q, runs, fmt))
    if fmt == "csv":  # a CSV holds one table: repeat groups go beside it, one file each
        for group, frame in items_frames(q, runs).items():
            text = neutralise_frame(frame).to_csv(index=False)
            write_private(out.with_name(f"{out.stem}-{group}.csv"), text.encode("utf-8"))
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
            for group, items in items_frames(q, runs).items():
                neutralise_frame(items).to_excel(writer, sheet_name=group[:31], index=False)
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
