"""Writing the tables, the one file writer: an XLSX workbook (README sheet, a sheet per table,
charts), or one CSV / Parquet file per table (in a folder, or a .zip when ``out`` ends with .zip),
or one table's bytes for a download (:func:`table_bytes`).

The workbook is for people: its sheet names, README headers and sections, titles, descriptions,
column meanings and chart titles follow ``Options.lang`` (exports.tables.language: LEGGIMI,
priorità_condivise … in Italian, README, shared_priorities … in English). Files are for scripts
too: CSV/Parquet file names (``README.csv``, ``priorities.csv``), the README file's headers and
sections (section, name, meaning) and every column header stay the tables' English identifiers
in any language; only the meanings in README.<fmt> are translated.

Every frame goes through :func:`exports.safety.neutralise_frame` first, whatever the format,
so the files carry the same cells; nothing here holds a Telegram id or a person's name.
"""

from __future__ import annotations

import io
import math
import os
import zipfile
from collections.abc import Sequence
from datetime import datetime
from pathlib import Path
from typing import Any, Literal

import numpy as np
import pandas as pd

from ..files import write_private
from ..safety import neutralise_frame
from .base import Table, Tables
from .consensus import FORMULAS as CONSENSUS_FORMULAS
from .language import about_text, column_headers, formulas, localised, readme_words, section_word, sheet_name

TablesFormat = Literal["xlsx", "csv", "parquet"]
FORMATS: tuple[str, ...] = ("xlsx", "csv", "parquet")
DEFAULT_STEM = "convergence"
README = "README"  # the file's stem in CSV/Parquet; the workbook's sheet is readme_words(lang)[0]
MAX_WIDTH = 60

FORMULAS: tuple[tuple[str, str], ...] = (
    ("unit", "an actor of the register for interviews (ascolto), a respondent for citizens (visione); of each "
             "unit only its latest completed run counts"),
    ("carries", "a unit carries a theme when an effective tag (a person's decision wins over the machine) of one "
                "of its objectives or visions in free text names it, or when it chose a vision standing for it"),
    ("share", "s = n / N: units of the category carrying the theme / units of the category"),
    ("categories_above", "number of categories (with N ≥ k) whose share s ≥ θ"),
    ("entropy", "H = −Σ pᵢ ln pᵢ / ln m, pᵢ = sᵢ / Σ s over the m categories with N ≥ k"),
    ("group_score", "G = Π over the categories with N ≥ k of (n + 1) / (N + 2)"),
    ("Borda", "rank 1 of R = 3 gets 3 points, rank 2 gets 2, rank 3 gets 1; points summed over units"),
    ("agreement", "1 − sd / 2, sd = population standard deviation of the raters' overall ratings (scale 1–5)"),
    ("suppression", "a count of 1 … k−1 units is left blank, with every number derived from it; a category (or "
                    "group) with fewer than k units is blank entirely; blank ≠ 0; suppressed cells count as 0 in "
                    "the indices"),
    ("secondary suppression", "where a blank could be worked out from a printed total (a row's firms minus the "
                              "shown profiles, the all row minus the other sectors), more cells are blanked so "
                              "that none can be; a blank is then 'a few' or 'hidden to protect a few' "
                              "(docs/convergence.md)"),
)
FORMULAS += CONSENSUS_FORMULAS  # the deliberation rounds (exports.tables.consensus, docs/consensus.md)


def readme_frame(tables: Tables, workbook: bool = False) -> pd.DataFrame:
    """What each table and column means, when it was computed, from what, with which formulas.

    The meanings are in ``Options.lang``. For the workbook (``workbook=True``) the headers and the
    sections are too, and a table is named by its sheet, so the reader finds it; for README.csv /
    .parquet they stay section/name/meaning and the tables' ids (= the file names), which scripts read.
    """
    o = tables.options
    lang = o.lang
    tables = localised(tables)
    _, headers, title = readme_words(lang)
    rows: list[tuple[str, str, str]] = [
        ("about", "title", title),
        ("about", "computed_at", tables.computed_at.strftime("%Y-%m-%d %H:%M:%S UTC")),
        ("about", "k", about_text("k", lang, k=o.k)),
        ("about", "threshold", about_text("threshold", lang, threshold=o.threshold)),
        ("about", "docs", about_text("docs", lang)),
    ]
    rows += [("count", name, str(value)) for name, value in tables.counts.items()]
    rows += [("formula", name, text) for name, text in formulas(FORMULAS, lang)]
    for table in tables:
        name = sheet_name(table.name, lang) if workbook else table.name
        rows.append(("table", name, f"{table.title}: {table.description}"))
        header = column_headers(table.name, lang) if workbook else {}
        for column, meaning in table.columns.items():
            rows.append(("column", f"{name}.{header.get(column, column)}", meaning))
    if workbook:
        rows = [(section_word(section, lang), name, meaning) for section, name, meaning in rows]
        return pd.DataFrame(rows, columns=list(headers))
    return pd.DataFrame(rows, columns=["section", "name", "meaning"])


def _selected(tables: Tables, names: Sequence[str] | None) -> list[Table]:
    if not names:
        return list(tables)
    unknown = [n for n in names if n not in tables.tables]
    if unknown:
        raise ValueError(f"unknown table {unknown[0]!r}; the tables are {', '.join(tables.tables)}")
    return [tables.tables[n] for n in names]


def workbook_bytes(tables: Tables, names: Sequence[str] | None = None) -> bytes:
    """The workbook: the README sheet, then one sheet per table (all, or ``names``), with charts,
    named and described in ``Options.lang`` (the cells and column headers are the tables' own).

    Written by xlsxwriter in constant-memory mode (each row goes to a temporary file as it is
    written), a writer several times faster than openpyxl for the same cells; openpyxl is kept for
    reading workbooks back and for the other writers. The cells are what pandas' ``to_excel``
    wrote before: blanks for missing values, ``inf`` as text, the header bold and frozen.
    """
    import xlsxwriter  # here, not at import: the dashboard imports this module for CSV downloads too

    lang = tables.options.lang
    chosen = _selected(localised(tables), names)  # chart titles in the workbook's language
    buffer = io.BytesIO()
    # text is only ever text: no formulas, links or numbers guessed from it (neutralised cells start
    # with "'", and a URL in an answer must not become one of Excel's 65,530 hyperlinks per sheet)
    book = xlsxwriter.Workbook(buffer, {"constant_memory": True, "strings_to_formulas": False,
                                        "strings_to_urls": False, "strings_to_numbers": False})
    bold = book.add_format({"bold": True})
    when = book.add_format({"num_format": "yyyy-mm-dd hh:mm:ss"})
    frames = {readme_words(lang)[0]: (neutralise_frame(readme_frame(tables, workbook=True)), None)}
    frames.update({sheet_name(t.name, lang): (neutralise_frame(t.frame).rename(columns=column_headers(t.name, lang)), t)
                   for t in chosen})  # headers in the workbook's language where it has them (the charts go by position)
    for sheet, (frame, table) in frames.items():
        ws = book.add_worksheet(sheet)
        _write_sheet(ws, frame, bold, when)
        if table is not None and table.chart and not table.frame.empty:
            _add_chart(book, ws, sheet, table)
    book.close()
    return buffer.getvalue()


def _write_sheet(ws: Any, frame: pd.DataFrame, bold: Any, when: Any) -> None:
    """Header (bold, frozen) and rows, in row order as constant-memory mode wants; each column as
    wide as its longest value among the first 200 (up to MAX_WIDTH)."""
    ws.freeze_panes(1, 0)
    columns = [column.tolist() for _, column in frame.items()]
    for i, header in enumerate(frame.columns):
        ws.write_string(0, i, str(header), bold)
        values = [str(header)] + [str(v) for v in columns[i][:200] if v is not None and not pd.isna(v)]
        ws.set_column(i, i, min(MAX_WIDTH, max(8, max(len(v) for v in values) + 2)))
    for r, row in enumerate(zip(*columns), start=1):
        for c, value in enumerate(row):
            _write_cell(ws, r, c, value, when)


def _write_cell(ws: Any, r: int, c: int, value: Any, when: Any) -> None:
    """One cell as pandas' ``to_excel`` wrote it: missing → blank, ±inf → text, numbers, booleans, text."""
    kind = type(value)
    if kind is str:
        if value:
            ws.write_string(r, c, value)
    elif kind is bool or isinstance(value, np.bool_):
        ws.write_boolean(r, c, bool(value))
    elif isinstance(value, (int, float, np.integer, np.floating)):
        number = float(value) if isinstance(value, (float, np.floating)) else int(value)
        if number != number:  # NaN
            return
        if number in (math.inf, -math.inf):
            ws.write_string(r, c, "inf" if number > 0 else "-inf")
        else:
            ws.write_number(r, c, number)
    elif value is None or value is pd.NA or value is pd.NaT:
        return
    elif isinstance(value, datetime):
        ws.write_datetime(r, c, value.replace(tzinfo=None), when)  # Excel has no time zones
    else:
        ws.write_string(r, c, str(value))


def _add_chart(book: Any, ws: Any, sheet: str, table: Table) -> None:
    """A bar chart of ``table.chart``'s columns, to the right of the table (first row on top)."""
    spec, frame = table.chart or {}, table.frame
    columns = list(frame.columns)
    last = min(len(frame), int(spec.get("rows", len(frame))))  # data rows 1 … last (0-based; row 0 = header)
    horizontal = spec.get("horizontal", True)
    chart = book.add_chart({"type": "bar" if horizontal else "column"})
    cat = columns.index(spec["categories"])
    for value in spec["values"]:
        col = columns.index(value)
        chart.add_series({"name": [sheet, 0, col], "categories": [sheet, 1, cat, last, cat],
                          "values": [sheet, 1, col, last, col]})
    chart.set_title({"name": spec.get("title", table.title)})
    values_axis, categories_axis = (chart.set_x_axis, chart.set_y_axis) if horizontal else (
        chart.set_y_axis, chart.set_x_axis)
    values_axis({"name": ", ".join(spec["values"])})
    categories_axis({"reverse": True})
    cm = 96 / 2.54  # the chart's size in cm (as before), in pixels
    chart.set_size({"width": round(18 * cm), "height": round((9 + 0.25 * last) * cm)})
    ws.insert_chart(1, len(columns) + 1, chart)


def _file_bytes(frame: pd.DataFrame, fmt: str) -> bytes:
    buffer = io.BytesIO()
    if fmt == "csv":
        frame.to_csv(buffer, index=False, encoding="utf-8")
    else:
        frame.to_parquet(buffer, index=False, engine="pyarrow")
    return buffer.getvalue()


def table_bytes(tables: Tables, name: str, fmt: str) -> bytes:
    """One table as XLSX (with the README sheet), CSV or Parquet: the cells of the file exports."""
    if fmt == "xlsx":
        return workbook_bytes(tables, [name])
    return _file_bytes(neutralise_frame(tables.tables[name].frame), fmt)


def write_tables(tables: Tables, fmt: TablesFormat, out: Path | str, names: Sequence[str] | None = None,
                 stem: str = DEFAULT_STEM) -> list[Path]:
    """Write the tables; returns the files written.

    * ``xlsx``: one workbook; ``out`` is the file (or a folder, then ``<stem>.xlsx`` in it);
    * ``csv`` / ``parquet``: one file per table plus ``README.<fmt>``, in the folder ``out``,
      or in the zip ``out`` when it ends with ``.zip``.

    Files are written to a temporary name and renamed, so a reader never sees half a file.
    """
    if fmt not in FORMATS:
        raise ValueError(f"unknown format {fmt!r}; use {', '.join(FORMATS)}")
    out = Path(out)
    if fmt == "xlsx":
        target = out / f"{stem}.xlsx" if out.is_dir() or not out.suffix else out
        _atomic_write(target, workbook_bytes(tables, names))
        return [target]
    chosen = _selected(tables, names)
    files = {f"{README}.{fmt}": _file_bytes(neutralise_frame(readme_frame(tables)), fmt)}
    files.update({f"{t.name}.{fmt}": _file_bytes(neutralise_frame(t.frame), fmt) for t in chosen})
    if out.suffix.lower() == ".zip":
        buffer = io.BytesIO()
        with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
            for name, content in files.items():
                archive.writestr(name, content)
        _atomic_write(out, buffer.getvalue())
        return [out]
    out.mkdir(parents=True, exist_ok=True)
    written = []
    for name, content in files.items():
        _atomic_write(out / name, content)
        written.append(out / name)
    return written


def _atomic_write(path: Path, content: bytes) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.tmp")
    write_private(tmp, content)
    os.replace(tmp, path)
