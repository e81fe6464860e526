"""Raw answers export: one row per run, pseudonymous ids only, ready for an analyst's tools.

What an analyst who knows KoboToolbox or LimeSurvey expects, without cleaning:

* choices as labels, codes or both (:class:`exports.options.RawOptions`), in the export's language;
* a multiple choice as one 0/1 column per option (``obstacles_cost``), blank when not answered,
  and — if asked — the whole selection in one cell; a ranking as one column per position;
* a follow-up (``*_more``) beside its question; repeat groups as long tables (one row per item);
* typed dates and times (run times in the city's time zone, stated in the codebook), in columns
  wide enough to read;
* completed and partial runs told apart (``status``, ``complete``, ``answered``, the last answer);
* a codebook of every column of every table, every code (run-time lists such as the register's
  actor codes included), and the integers the .sav / .dta files carry;
* CSV, XLSX, Parquet, SPSS (.sav) and Stata (.dta, names of at most 32 characters, integer value
  labels), all from the same cells; text a spreadsheet would run is neutralised in every one.

Nothing here carries a chat id or a person's name: the runs come keyed by pseudonyms
(:func:`storage.repository.export_runs`).
"""

from __future__ import annotations

import io
import os
import re
import tempfile
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timezone
from pathlib import Path
from typing import Any, Literal
from zoneinfo import ZoneInfo

import pandas as pd

from dialogs import Questionnaire
from dialogs.model import Question
from storage.repository import ExportRun

from .files import write_private
from .options import RawOptions
from .safety import neutralise_frame
from .texts import translate

ExportFormat = Literal["csv", "xlsx", "parquet", "sav", "dta"]
FORMATS: tuple[str, ...] = ("csv", "xlsx", "parquet", "sav", "dta")
STATUSES = ("completed", "active", "expired")  # the engine's run statuses: the last two are partial
MAX_WIDTH = 50
# Stata takes 32 characters; pyreadstat names a value label after its variable plus a counter
# (up to 3 digits here), and that name has Stata's limit too: so 29
STATA_NAME = 29
STATA_LABEL = 80  # bytes of a variable label in a .dta file
SPSS_LABEL = 120  # bytes of a value label in a .sav file
# names a .dta or .sav file may not use for a variable (Stata's, then SPSS's reserved words)
RESERVED = frozenset({
    "_all", "_b", "byte", "_coef", "_cons", "double", "float", "if", "in", "int", "long", "_n", "_pi",
    "_pred", "_rc", "_skip", "str", "strl", "using", "with", "and", "by", "eq", "ge", "gt", "le", "lt",
    "ne", "not", "or", "to", "all",
})

Getter = Callable[[Mapping[str, Any]], Any]


@dataclass
class Column:
    """One column of an export table and everything the codebook says of it."""

    name: str
    source: str  # the question (or the run's field) it comes from
    kind: str  # run | answer | option | rank | joined | follow_up | items | computed | outcome | extra
    type: str  # the question's type, or the cell's: text, integer, decimal, date, datetime, 0/1 …
    text: str  # the question in the export's language: the variable label
    get: Getter
    codes: dict[str, str] = field(default_factory=dict)  # code → label, in order
    numbers: dict[str, int] = field(default_factory=dict)  # code → the integer of the .sav/.dta files
    labelled: bool = False  # labels mode shows the label instead of the code
    joined: bool = False  # the cell is a "; "-joined selection

    def number_labels(self) -> dict[int, str]:
        return {self.numbers[code]: label for code, label in self.codes.items() if code in self.numbers}


@dataclass
class Layout:
    """The columns of the answers table and of each repeat group's table."""

    answers: list[Column]
    groups: dict[str, list[Column]]


# --- the columns ------------------------------------------------------------------------------


def layout(q: Questionnaire, runs: Sequence[ExportRun], options: RawOptions | None = None) -> Layout:
    """The columns of every table, in the order an analyst reads them (follow-ups beside their question)."""
    o = options or RawOptions()
    lang, tz = o.lang, o.timezone
    seen = _seen_values(runs)
    columns = _run_columns(lang, tz)
    in_groups = {sub.key for g in q.questions for sub in g.questions}
    in_groups |= {f"{key}_more" for key in in_groups}
    known: set[str] = set()
    groups: dict[str, list[Column]] = {}
    for question in q.questions:
        if question.type == "note":
            continue
        known.add(question.key)
        if question.type == "repeat":
            text = translate("col_items", lang, question=question.text.get(lang), sheet=question.key[:31])
            columns.append(Column(f"{question.key}_items", question.key, "items", "integer", text,
                                  _get(f"{question.key}_items")))
            groups[question.key] = _item_columns(q, question, o, seen)
            continue
        columns += _question_columns(q, question, o, seen)
        if question.follow_up is not None:
            known.add(f"{question.key}_more")
    extra = sorted({key for run in runs for key in run.answers} - known - in_groups)
    for key in extra:
        text = translate("col_extra", lang, version=q.version)
        codes = {v: v for v in sorted(seen.get(key, set()))} if _all_text(runs, key) else {}
        columns.append(Column(key, key, "extra", "text" if codes else "value", text, _get(key)))
    for computed in q.computed:
        text = translate("col_computed", lang, expression=computed.expression)
        columns.append(Column(computed.key, computed.key, "computed", "computed", text, _get(computed.key)))
    for outcome in q.outcomes:
        codes = {value: label.get(lang) for value, label in outcome.labels.items()}
        codes |= {v: v for v in sorted(seen.get(outcome.key, set()) - set(codes))}
        columns.append(Column(outcome.key, outcome.key, "outcome", "outcome", outcome.title.get(lang),
                              _get(outcome.key), codes, _numbered(codes), labelled=True))
    _unique_names(columns)
    for group_columns in groups.values():
        _unique_names(group_columns)
    return Layout(columns, groups)


def _run_columns(lang: str, tz: str) -> list[Column]:
    status = {s: translate(f"status_{s}", lang) for s in STATUSES}
    yes_no = {"1": translate("yes_1", lang), "0": translate("no_0", lang)}
    return [
        Column("respondent", "respondent", "run", "text", translate("meta_respondent", lang), _get("respondent")),
        Column("run", "run", "run", "text", translate("meta_run", lang), _get("run")),
        Column("status", "status", "run", "status", translate("meta_status", lang), _get("status"),
               status, {"completed": 1, "active": 2, "expired": 3}, labelled=True),
        Column("complete", "status", "run", "0/1", translate("meta_complete", lang), _get("complete"),
               yes_no, {"1": 1, "0": 0}),
        Column("answered", "answered", "run", "integer", translate("meta_answered", lang), _get("answered")),
        Column("version", "version", "run", "integer", translate("meta_version", lang), _get("version")),
        Column("started_at", "started_at", "run", "datetime", translate("meta_started_at", lang, tz=tz),
               _get("started_at")),
        Column("updated_at", "updated_at", "run", "datetime", translate("meta_updated_at", lang, tz=tz),
               _get("updated_at")),
        Column("completed_at", "completed_at", "run", "datetime", translate("meta_completed_at", lang, tz=tz),
               _get("completed_at")),
        Column("duration_min", "completed_at", "run", "decimal", translate("meta_duration", lang),
               _get("duration_min")),
    ]


def _item_columns(q: Questionnaire, group: Question, o: RawOptions, seen: dict[str, set[str]]) -> list[Column]:
    lang = o.lang
    columns = [
        Column("respondent", "respondent", "run", "text", translate("meta_respondent", lang), _get("respondent")),
        Column("run", "run", "run", "text", translate("meta_run", lang), _get("run")),
        Column("item", "item", "run", "integer", translate("meta_item", lang), _get("item")),
    ]
    for sub in group.questions:
        if sub.type != "note":
            columns += _question_columns(q, sub, o, seen, prefix=f"{group.text.get(lang)}: ")
    return columns


def _question_columns(q: Questionnaire, question: Question, o: RawOptions, seen: dict[str, set[str]],
                      prefix: str = "") -> list[Column]:
    """The columns of one question: one, or one per option / rank (plus the joined cell), then its follow-up."""
    lang, key = o.lang, question.key
    text = prefix + (question.text.get(lang) if question.text is not None else key)
    codes = {c.value: c.label.get(lang) for c in q.choices_for(question)}
    codes |= {v: v for v in sorted(seen.get(key, set()) - set(codes))}  # codes no longer (or not yet) listed
    out: list[Column] = []
    kind = question.type
    if kind == "multiple":
        if o.joined:
            out.append(Column(key, key, "joined", "multiple", translate("col_joined", lang, question=text),
                              _get(key), codes, labelled=True, joined=True))
        chosen = {"1": translate("chosen", lang), "0": translate("not_chosen", lang)}
        for code, label in codes.items():
            out.append(Column(f"{key}_{_safe(code)}", key, "option", "0/1",
                              translate("col_option", lang, question=text, option=label), _option(key, code),
                              chosen, {"1": 1, "0": 0}))
    elif kind == "ranking":
        if o.joined:
            out.append(Column(key, key, "joined", "ranking", translate("col_joined", lang, question=text),
                              _get(key), codes, labelled=True, joined=True))
        for rank in range(1, (question.max_rank or len(codes) or 1) + 1):
            out.append(Column(f"{key}_{rank}", key, "rank", "ranking", translate("col_rank", lang, question=text, rank=rank),
                              _rank(key, rank), codes, _numbered(codes), labelled=True))
    elif kind in ("single", "yesno"):
        numbers = {"yes": 1, "no": 0} if kind == "yesno" else _numbered(codes)
        out.append(Column(key, key, "answer", kind, text, _get(key), codes, numbers, labelled=True))
    elif kind == "scale":
        codes = {code: _scale_label(question, code, lang) for code in codes}
        numbers = {code: int(code) for code in codes if re.fullmatch(r"-?\d+", code)}
        out.append(Column(key, key, "answer", "scale", text, _number(key), codes, numbers))
    elif kind == "date":
        out.append(Column(key, key, "answer", "date", text, _date(key)))
    elif kind == "datetime":
        out.append(Column(key, key, "answer", "datetime", text, _datetime(key)))
    elif kind in ("integer", "decimal"):
        out.append(Column(key, key, "answer", kind, text, _number(key)))
    else:  # text, time (HH:MM), calculate
        out.append(Column(key, key, "answer", kind, text, _get(key)))
    if question.follow_up is not None:
        more = translate("col_more", lang, question=text, follow_up=question.follow_up.text.get(lang))
        out.append(Column(f"{key}_more", key, "follow_up", "text", more, _get(f"{key}_more")))
    return out


def _scale_label(question: Question, code: str, lang: str) -> str:
    low = str(int(question.min if question.min is not None else 1))
    high = str(int(question.max if question.max is not None else 5))
    if code == low and question.min_label is not None:
        return f"{code} = {question.min_label.get(lang)}"
    if code == high and question.max_label is not None:
        return f"{code} = {question.max_label.get(lang)}"
    return code


def _numbered(codes: Mapping[str, str]) -> dict[str, int]:
    """Codes as the integers 1, 2 … in the questionnaire's order (a .dta value label needs integers)."""
    return {code: n for n, code in enumerate(codes, start=1)}


def _safe(code: str) -> str:
    return re.sub(r"[^A-Za-z0-9_]", "_", code)


def _unique_names(columns: list[Column]) -> None:
    seen: set[str] = set()
    for column in columns:
        name, n = column.name, 2
        while name in seen:
            name, n = f"{column.name}_{n}", n + 1
        column.name = name
        seen.add(name)


def _seen_values(runs: Sequence[ExportRun]) -> dict[str, set[str]]:
    """Every text value each key took (codes of choices a list may no longer hold, e.g. a removed actor)."""
    seen: dict[str, set[str]] = {}
    for run in runs:
        for key, _, value in run.rows or [(k, 0, v) for k, v in run.answers.items()]:
            for v in value if isinstance(value, list) else [value]:
                if isinstance(v, str):
                    seen.setdefault(key, set()).add(v)
        for key, value in run.outcomes.items():
            if isinstance(value, str):
                seen.setdefault(key, set()).add(value)
    return seen


def _all_text(runs: Sequence[ExportRun], key: str) -> bool:
    values = [run.answers[key] for run in runs if run.answers.get(key) is not None]
    return bool(values) and all(isinstance(v, str) for v in values)


# --- cell getters ---------------------------------------------------------------------------


def _get(key: str) -> Getter:
    return lambda row: _cell(row.get(key))


def _option(key: str, code: str) -> Getter:
    def get(row: Mapping[str, Any]) -> Any:
        value = row.get(key)
        if value is None:
            return None  # not answered (skipped, or not reached): blank, not "not chosen"
        return int(code in (value if isinstance(value, list) else [value]))
    return get


def _rank(key: str, rank: int) -> Getter:
    def get(row: Mapping[str, Any]) -> Any:
        value = row.get(key)
        values = value if isinstance(value, list) else [] if value is None else [value]
        return values[rank - 1] if len(values) >= rank else None
    return get


def _number(key: str) -> Getter:
    def get(row: Mapping[str, Any]) -> Any:
        value = row.get(key)
        if isinstance(value, bool):
            return int(value)
        if isinstance(value, str):
            try:
                return float(value) if "." in value else int(value)
            except ValueError:
                return value
        return value
    return get


def _date(key: str) -> Getter:
    def get(row: Mapping[str, Any]) -> Any:
        value = row.get(key)
        try:
            return date.fromisoformat(value[:10]) if isinstance(value, str) else value
        except ValueError:
            return value
    return get


def _datetime(key: str) -> Getter:
    def get(row: Mapping[str, Any]) -> Any:
        value = row.get(key)
        try:
            return pd.Timestamp(value).to_pydatetime().replace(tzinfo=None) if isinstance(value, str) else value
        except ValueError:
            return value
    return get


# --- the tables -------------------------------------------------------------------------------


def _run_fields(run: ExportRun, tz: ZoneInfo, answered: int) -> dict[str, Any]:
    started, completed = _local(run.started_at, tz), _local(run.completed_at, tz)
    updated = _local(getattr(run, "updated_at", None), tz)
    duration = None
    if started is not None and completed is not None:
        duration = round((completed - started).total_seconds() / 60, 1)
    return {
        "respondent": run.respondent, "run": run.run, "status": run.status,
        "complete": int(run.status == "completed"), "answered": answered, "version": run.version,
        "started_at": started, "updated_at": updated, "completed_at": completed, "duration_min": duration,
    }


def _records(q: Questionnaire, runs: Sequence[ExportRun], lay: Layout, o: RawOptions) -> tuple[
        list[dict[str, Any]], dict[str, list[dict[str, Any]]]]:
    """The code of every cell: a row per run, and per repeat group a row per item."""
    tz = ZoneInfo(o.timezone)
    top = {question.key for question in q.questions if question.type not in ("note", "repeat")}
    answers: list[dict[str, Any]] = []
    items: dict[str, list[dict[str, Any]]] = {g: [] for g in lay.groups}
    subs = {g: {s.key for s in q.question(g).questions} | {f"{s.key}_more" for s in q.question(g).questions}
            for g in lay.groups}
    for run in runs:
        answered = sum(1 for key in top if run.answers.get(key) is not None)
        row: dict[str, Any] = {**run.outcomes, **run.answers, **_run_fields(run, tz, answered)}
        for group, keys in subs.items():
            by_item: dict[int, dict[str, Any]] = {}
            for key, index, value in run.rows:
                if key in keys:
                    by_item.setdefault(index, {})[key] = value
            row[f"{group}_items"] = len(by_item)
            for index in sorted(by_item):
                item = {**by_item[index], "respondent": run.respondent, "run": run.run, "item": index + 1}
                items[group].append({c.name: c.get(item) for c in lay.groups[group]})
        answers.append({c.name: c.get(row) for c in lay.answers})
    return answers, items


def _frame(columns: list[Column], records: list[dict[str, Any]], values: str, zoned: bool = False) -> pd.DataFrame:
    """The table in the chosen values mode: codes, labels, or codes with a ``*_label`` column beside.
    ``zoned``: the run times keep their time zone (Parquet has them; a spreadsheet does not)."""
    data: dict[str, Any] = {}
    for column in columns:
        codes = [r[column.name] for r in records]
        if not column.labelled or values == "codes":
            data[column.name] = _typed(column, codes, zoned)
            continue
        labels = [_label(column, v) for v in codes]
        if values == "labels":
            data[column.name] = labels
        else:
            data[column.name] = codes
            data[f"{column.name}_label"] = labels
    return pd.DataFrame(data, columns=list(data)) if data else pd.DataFrame()


def _times(values: list[Any], zoned: bool = False) -> pd.Series:
    """Datetimes; the run's (aware, in the export's zone) as wall-clock times unless ``zoned``."""
    series = pd.Series(pd.to_datetime(pd.Series(values, dtype=object), errors="coerce"))
    if getattr(series.dt, "tz", None) is not None and not zoned:
        series = series.dt.tz_localize(None)
    if getattr(series.dt, "tz", None) is None:
        series = series.astype("datetime64[ns]")
    return series


def _label(column: Column, value: Any) -> Any:
    if value is None:
        return None
    if column.joined:
        return "; ".join(column.codes.get(v, v) for v in str(value).split("; "))
    return column.codes.get(str(value), value)


def _typed(column: Column, values: list[Any], zoned: bool = False) -> Any:
    """Dates as dates, times as datetimes, counts as nullable integers: a file reader gets types, not text."""
    if column.type == "datetime":
        return _times(values, zoned)
    numeric = all(v is None or (isinstance(v, (int, float)) and not isinstance(v, bool)) for v in values)
    if column.type in ("0/1", "integer", "scale") and numeric and all(
            v is None or float(v).is_integer() for v in values):
        return pd.array([None if v is None else int(v) for v in values], dtype="Int64")
    if column.type in ("decimal", "integer", "computed", "scale") and numeric:
        return pd.Series([float("nan") if v is None else float(v) for v in values], dtype="float64")
    return pd.Series(values, dtype=object)


def answers_frame(q: Questionnaire, runs: Sequence[ExportRun], options: RawOptions | None = None) -> pd.DataFrame:
    """The analyst's table: one row per run (see the module's docstring for its columns)."""
    o = options or RawOptions()
    lay = layout(q, runs, o)
    answers, _ = _records(q, runs, lay, o)
    return _frame(lay.answers, answers, o.values)


def items_frames(q: Questionnaire, runs: Sequence[ExportRun], options: RawOptions | None = None) -> dict[str, pd.DataFrame]:
    """Repeat groups as long tables: one row per item, ready to pivot (objectives, projects …)."""
    o = options or RawOptions()
    lay = layout(q, runs, o)
    _, items = _records(q, runs, lay, o)
    return {group: _frame(lay.groups[group], items[group], o.values) for group in lay.groups}


def codebook_frame(q: Questionnaire, lang: str = "it", runs: Sequence[ExportRun] = (),
                   options: RawOptions | None = None) -> pd.DataFrame:
    """Every column of every table: its question (in ``lang``), type, codes and the .sav/.dta integers."""
    o = options or RawOptions(lang=lang)
    if o.lang != lang:
        o = RawOptions(values=o.values, lang=lang, timezone=o.timezone, joined=o.joined)
    lay = layout(q, runs, o)
    t = lambda key: translate(key, lang)  # noqa: E731
    rows = []
    for table, columns in ((translate("sheet_answers", lang), lay.answers), *lay.groups.items()):
        names = _stata_names([c.name for c in columns])  # as in the .sav/.dta files (no *_label twins)
        for column in columns:
            for name, label_column in _shown(column, o.values):
                text = column.text if not label_column else translate("col_label", lang, question=column.text)
                codes = "" if label_column else "; ".join(f"{c} = {label}" for c, label in column.codes.items())
                numbers = "" if label_column else "; ".join(f"{n} = {c}" for c, n in column.numbers.items())
                rows.append({t("cb_table"): table, t("cb_column"): name, t("cb_stata"): names.get(name, ""),
                             t("cb_source"): column.source, t("cb_kind"): column.kind,
                             t("cb_type"): "text" if label_column else column.type, t("cb_question"): text,
                             t("cb_codes"): codes, t("cb_numbers"): numbers})
    headers = [t(h) for h in ("cb_table", "cb_column", "cb_stata", "cb_source", "cb_kind", "cb_type",
                              "cb_question", "cb_codes", "cb_numbers")]
    return pd.DataFrame(rows, columns=headers)


def codes_frame(q: Questionnaire, runs: Sequence[ExportRun] = (), options: RawOptions | None = None) -> pd.DataFrame:
    """The codebook's codes in long form, one row per code: column, number, code, label."""
    o = options or RawOptions()
    lay = layout(q, runs, o)
    t = lambda key: translate(key, o.lang)  # noqa: E731
    rows = []
    for table, columns in ((translate("sheet_answers", o.lang), lay.answers), *lay.groups.items()):
        for column in columns:
            for code, label in column.codes.items():
                rows.append({t("cb_table"): table, t("cb_column"): column.name, t("cb_number"): column.numbers.get(code),
                             t("cb_code"): code, t("cb_label"): label})
    frame = pd.DataFrame(rows, columns=[t(h) for h in ("cb_table", "cb_column", "cb_number", "cb_code", "cb_label")])
    frame[t("cb_number")] = frame[t("cb_number")].astype("Int64")
    return frame


def about_frame(q: Questionnaire, runs: Sequence[ExportRun], options: RawOptions | None = None,
                now: datetime | None = None) -> pd.DataFrame:
    """What the export is: the questionnaire, when, the time zone, the values mode, the runs."""
    o = options or RawOptions()
    t = lambda key, **kw: translate(key, o.lang, **kw)  # noqa: E731
    now = (now or datetime.now(timezone.utc)).astimezone(ZoneInfo(o.timezone))
    completed = sum(1 for run in runs if run.status == "completed")
    rows = [
        (t("about_questionnaire"), q.id), (t("about_title"), q.title.get(o.lang)),
        (t("about_version"), str(q.version)),
        (t("about_exported_at"), now.strftime("%Y-%m-%d %H:%M:%S %z")),
        (t("about_timezone"), o.timezone), (t("about_values"), t(f"about_values_{o.values}")),
        (t("about_runs"), t("about_runs_value", total=len(runs), completed=completed, partial=len(runs) - completed)),
        (t("about_options"), t("about_options_value")), (t("about_sav_dta"), t("about_sav_dta_value")),
        (t("about_privacy"), t("about_privacy_value")),
    ]
    return pd.DataFrame(rows, columns=[t("about_name"), t("about_value")])


def _shown(column: Column, values: str) -> list[tuple[str, bool]]:
    """The file columns one column becomes: itself, and in ``both`` mode its ``*_label`` beside it."""
    if column.labelled and values == "both":
        return [(column.name, False), (f"{column.name}_label", True)]
    return [(column.name, False)]


# --- the files --------------------------------------------------------------------------------


def write_export(q: Questionnaire, runs: Sequence[ExportRun], fmt: ExportFormat, out: Path | str,
                 options: RawOptions | None = None) -> Path:
    """Write the raw export; returns the main file.

    ``xlsx`` is one workbook (answers, a sheet per repeat group, codebook, codes, about). The
    one-table formats write the repeat groups beside the answers (``out-<group>.<fmt>``) and the
    codebook as ``out-codebook.<fmt>`` (CSV for .sav and .dta, whose own labels carry the rest).
    """
    o = options or RawOptions()
    out = Path(out)
    out.parent.mkdir(parents=True, exist_ok=True)
    for name, content in export_files(q, runs, fmt, out.stem, o).items():
        write_private(out.with_name(name) if name != f"{out.stem}.{fmt}" else out, content)
    return out


def export_files(q: Questionnaire, runs: Sequence[ExportRun], fmt: ExportFormat, stem: str,
                 options: RawOptions | None = None) -> dict[str, bytes]:
    """The export's files by name: ``<stem>.<fmt>`` first, then what goes beside it."""
    o = options or RawOptions()
    if fmt not in FORMATS:
        raise ValueError(f"unknown export format {fmt!r}; use {', '.join(FORMATS)}")
    if fmt == "xlsx":
        return {f"{stem}.xlsx": export_bytes(q, runs, "xlsx", o)}
    lay = layout(q, runs, o)
    answers, items = _records(q, runs, lay, o)
    files = {f"{stem}.{fmt}": _table_bytes(lay.answers, answers, fmt, o)}
    for group, columns in lay.groups.items():
        files[f"{stem}-{group}.{fmt}"] = _table_bytes(columns, items[group], fmt, o)
    book = neutralise_frame(codebook_frame(q, o.lang, runs, o))
    if fmt == "parquet":
        files[f"{stem}-codebook.parquet"] = _parquet(book)
    else:
        files[f"{stem}-codebook.csv"] = book.to_csv(index=False).encode("utf-8")
    return files


def export_bytes(q: Questionnaire, runs: Sequence[ExportRun], fmt: ExportFormat,
                 options: RawOptions | None = None) -> bytes:
    """The main file's content (the workbook holds every table; the other formats the answers only)."""
    o = options or RawOptions()
    if fmt != "xlsx":
        if fmt not in FORMATS:
            raise ValueError(f"unknown export format {fmt!r}; use {', '.join(FORMATS)}")
        lay = layout(q, runs, o)
        answers, _ = _records(q, runs, lay, o)
        return _table_bytes(lay.answers, answers, fmt, o)
    lay = layout(q, runs, o)
    answers, items = _records(q, runs, lay, o)
    sheets: list[tuple[str, pd.DataFrame]] = [(translate("sheet_answers", o.lang), _frame(lay.answers, answers, o.values))]
    sheets += [(group[:31], _frame(lay.groups[group], items[group], o.values)) for group in lay.groups]
    sheets += [(translate("sheet_codebook", o.lang), codebook_frame(q, o.lang, runs, o)),
               (translate("sheet_codes", o.lang), codes_frame(q, runs, o)),
               (translate("sheet_about", o.lang), about_frame(q, runs, o))]
    return _workbook(sheets)


def _table_bytes(columns: list[Column], records: list[dict[str, Any]], fmt: str, o: RawOptions) -> bytes:
    if fmt in ("sav", "dta"):
        return _stat_file(columns, records, fmt)
    frame = neutralise_frame(_frame(columns, records, o.values, zoned=fmt == "parquet"))
    if fmt == "parquet":  # Parquet has time zones: the run times carry theirs
        return _parquet(_one_type_per_column(frame))
    return frame.to_csv(index=False, date_format="%Y-%m-%d %H:%M:%S").encode("utf-8")


def _one_type_per_column(frame: pd.DataFrame) -> pd.DataFrame:
    """A Parquet column has one type: a column of mixed cells (an answer kept from an older version)
    is written as text rather than refused."""
    for name in frame.columns:
        if frame[name].dtype == object:
            kinds = {type(v) for v in frame[name] if v is not None and not (isinstance(v, float) and pd.isna(v))}
            if len(kinds - {int, float}) > 1 or (kinds & {int, float} and kinds - {int, float}):
                frame[name] = frame[name].map(lambda v: None if v is None or (isinstance(v, float) and pd.isna(v))
                                              else str(v))
    return frame


def _parquet(frame: pd.DataFrame) -> bytes:
    buffer = io.BytesIO()
    frame.to_parquet(buffer, index=False, engine="pyarrow")
    return buffer.getvalue()


def _workbook(sheets: list[tuple[str, pd.DataFrame]]) -> bytes:
    """An XLSX workbook whose columns are wide enough to read (no ``###``), dates as dates, header frozen."""
    from openpyxl.utils import get_column_letter

    buffer = io.BytesIO()
    with pd.ExcelWriter(buffer, engine="openpyxl", datetime_format="yyyy-mm-dd hh:mm:ss",
                        date_format="yyyy-mm-dd") as writer:
        for name, frame in sheets:
            safe = neutralise_frame(frame)
            safe.to_excel(writer, sheet_name=name, index=False)
            ws = writer.sheets[name]
            ws.freeze_panes = "A2"
            if len(safe.columns):
                ws.auto_filter.ref = ws.dimensions
            for i, column in enumerate(safe.columns, start=1):
                ws.column_dimensions[get_column_letter(i)].width = _width(safe[column], str(column))
    return buffer.getvalue()


def _width(values: pd.Series, header: str) -> float:
    if pd.api.types.is_datetime64_any_dtype(values):
        return max(21, len(header) + 2)  # yyyy-mm-dd hh:mm:ss, with a margin for the filter button
    sample = [v for v in values.head(500).tolist() if v is not None and not (isinstance(v, float) and pd.isna(v))]
    if sample and all(isinstance(v, date) and not isinstance(v, datetime) for v in sample):
        return max(13, len(header) + 2)
    longest = max([len(header) + 3] + [len(str(v)) + 2 for v in sample])
    return float(min(MAX_WIDTH, max(8, longest)))


# --- SPSS and Stata -----------------------------------------------------------------------------


def _stata_names(names: Sequence[str]) -> dict[str, str]:
    """Names a .dta (and .sav) file accepts: letters, digits and _, at most 29, not reserved, unique."""
    out: dict[str, str] = {}
    used: set[str] = set()
    for name in names:
        base = re.sub(r"[^A-Za-z0-9_]", "_", name)
        if not re.match(r"[A-Za-z_]", base):
            base = f"v_{base}"
        if base.lower() in RESERVED:
            base += "_"
        base = base[:STATA_NAME]
        candidate, n = base, 2
        while candidate.lower() in used:
            suffix = f"_{n}"
            candidate, n = base[:STATA_NAME - len(suffix)] + suffix, n + 1
        out[name] = candidate
        used.add(candidate.lower())
    return out


def _clip(text: str, limit: int) -> str:
    """``text`` cut to ``limit`` UTF-8 bytes (the files count bytes), on a character boundary."""
    raw = text.encode("utf-8")
    if len(raw) <= limit:
        return text
    return raw[:limit - 3].decode("utf-8", errors="ignore") + "..."


def _stat_frame(columns: list[Column], records: list[dict[str, Any]]) -> tuple[pd.DataFrame, dict[str, str], dict[str, dict[int, str]]]:
    """The table for SPSS/Stata: choices as their integers (value labels), text as text, dates as dates."""
    names = _stata_names([c.name for c in columns])
    data: dict[str, Any] = {}
    labels: dict[str, str] = {}
    value_labels: dict[str, dict[int, str]] = {}
    for column in columns:
        name = names[column.name]
        values = [r[column.name] for r in records]
        if column.numbers and not column.joined:
            data[name] = pd.Series([_as_number(column, v) for v in values], dtype="float64")
            value_labels[name] = {n: _clip(label, SPSS_LABEL) for n, label in column.number_labels().items()}
        elif column.type in ("integer", "decimal", "computed", "0/1", "scale") and all(
                v is None or (isinstance(v, (int, float)) and not isinstance(v, bool)) for v in values):
            data[name] = pd.Series([float(v) if v is not None else None for v in values], dtype="float64")
        elif column.type == "datetime":
            data[name] = _times(values)
        elif column.type == "date" and all(v is None or isinstance(v, date) for v in values):
            data[name] = pd.Series(values, dtype=object)
        else:  # text: an empty string for a blank (a .dta long string cannot be missing)
            data[name] = pd.Series(["" if v is None else str(v) for v in values], dtype=object)
        labels[name] = column.text
    return pd.DataFrame(data, columns=list(data)), labels, value_labels


def _as_number(column: Column, value: Any) -> float | None:
    if value is None:
        return None
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    number = column.numbers.get(str(value))
    return float(number) if number is not None else None


def _stat_file(columns: list[Column], records: list[dict[str, Any]], fmt: str) -> bytes:
    """A .sav or .dta file (pyreadstat writes to a path: a private temporary file, read back)."""
    import pyreadstat  # here: only these two formats need it

    frame, labels, value_labels = _stat_frame(columns, records)
    frame = neutralise_frame(frame)
    handle, path = tempfile.mkstemp(suffix=f".{fmt}")
    os.close(handle)
    try:
        if fmt == "sav":
            pyreadstat.write_sav(frame, path, column_labels={k: _clip(v, 256) for k, v in labels.items()},
                                 variable_value_labels=value_labels)
        else:
            pyreadstat.write_dta(frame, path, version=15, column_labels={k: _clip(v, STATA_LABEL) for k, v in labels.items()},
                                 variable_value_labels=value_labels)
        return Path(path).read_bytes()
    finally:
        os.unlink(path)


# --- shared with exports.register -----------------------------------------------------------------


def _cell(value: Any) -> Any:
    if isinstance(value, list):
        return "; ".join(str(v) for v in value)
    if isinstance(value, bool):
        return int(value)
    return value


def _local(value: Any, tz: ZoneInfo) -> datetime | None:
    """A stored time (UTC; SQLite's come back naive) in ``tz``, whole seconds (aware: no hour of the
    autumn's change of time is ambiguous until a spreadsheet drops the zone)."""
    if value is None:
        return None
    timestamp = pd.Timestamp(value)
    if timestamp.tzinfo is None:
        timestamp = timestamp.tz_localize("UTC")
    return timestamp.floor("s").tz_convert(tz).to_pydatetime()  # floored in UTC: never ambiguous


def _naive_utc(value: Any) -> Any:
    if value is None:
        return None
    timestamp = pd.Timestamp(value)
    if timestamp.tzinfo is not None:
        timestamp = timestamp.tz_convert("UTC").tz_localize(None)
    return timestamp.floor("s")
