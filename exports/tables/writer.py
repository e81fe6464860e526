"""Writing the tables, the one file writer: an XLSX workbook (README sheet, a sheet per table,
charts), or one CSV / Parquet file per table (in a folder, or a .zip when ``out`` ends with .zip),
or one table's bytes for a download (:func:`table_bytes`).

Every frame goes through :func:`exports.safety.neutralise_frame` first, whatever the format,
so the files carry the same cells; nothing here holds a Telegram id or a person's name.
"""

from __future__ import annotations

import io
import os
import zipfile
from collections.abc import Sequence
from pathlib import Path
from typing import Any, Literal

import pandas as pd
from openpyxl.chart import BarChart, Reference
from openpyxl.styles import Font

from ..files import write_private
from ..safety import neutralise_frame
from .base import Table, Tables
from .consensus import FORMULAS as CONSENSUS_FORMULAS

TablesFormat = Literal["xlsx", "csv", "parquet"]
FORMATS: tuple[str, ...] = ("xlsx", "csv", "parquet")
DEFAULT_STEM = "convergence"
README = "README"
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


def readme_frame(tables: Tables) -> pd.DataFrame:
    """What each table and column means, when it was computed, from what, with which formulas."""
    o = tables.options
    rows: list[tuple[str, str, str]] = [
        ("about", "title", "Scenari — convergence tables (tabelle delle convergenze)"),
        ("about", "computed_at", tables.computed_at.strftime("%Y-%m-%d %H:%M:%S UTC")),
        ("about", "k", f"{o.k}: smallest count shown (small-cell suppression)"),
        ("about", "threshold", f"{o.threshold}: share above which a category shares a theme (θ)"),
        ("about", "docs", "docs/convergence.md explains every formula"),
    ]
    rows += [("count", name, str(value)) for name, value in tables.counts.items()]
    rows += [("formula", name, text) for name, text in FORMULAS]
    for table in tables:
        rows.append(("table", table.name, f"{table.title}: {table.description}"))
        for column, meaning in table.columns.items():
            rows.append(("column", f"{table.name}.{column}", meaning))
    return pd.DataFrame(rows, columns=["section", "name", "meaning"])


def _selected(tables: Tables, names: Sequence[str] | None) -> list[Table]:
    if not names:
        return list(tables)
    unknown = [n for n in names if n not in tables.tables]
    if unknown:
        raise ValueError(f"unknown table {unknown[0]!r}; the tables are {', '.join(tables.tables)}")
    return [tables.tables[n] for n in names]


def workbook_bytes(tables: Tables, names: Sequence[str] | None = None) -> bytes:
    """The workbook: the README sheet, then one sheet per table (all, or ``names``), with charts."""
    chosen = _selected(tables, names)
    buffer = io.BytesIO()
    with pd.ExcelWriter(buffer, engine="openpyxl") as writer:
        frames = {README: neutralise_frame(readme_frame(tables))}
        frames.update({t.name[:31]: neutralise_frame(t.frame) for t in chosen})
        for sheet, frame in frames.items():
            frame.to_excel(writer, sheet_name=sheet, index=False)
            _format_sheet(writer.sheets[sheet], frame)
        for table in chosen:
            if table.chart and not table.frame.empty:
                _add_chart(writer.sheets[table.name[:31]], table)
    return buffer.getvalue()


def _format_sheet(ws: Any, frame: pd.DataFrame) -> None:
    """Header bold and frozen; each column as wide as its longest value (up to MAX_WIDTH)."""
    ws.freeze_panes = "A2"
    for cell in ws[1]:
        cell.font = Font(bold=True)
    for i, column in enumerate(frame.columns, start=1):
        values = [str(column)] + [str(v) for v in frame[column].head(200) if v is not None and not pd.isna(v)]
        width = min(MAX_WIDTH, max(8, max(len(v) for v in values) + 2))
        ws.column_dimensions[ws.cell(row=1, column=i).column_letter].width = width


def _add_chart(ws: Any, table: Table) -> None:
    """A bar chart of ``table.chart``'s columns, to the right of the table."""
    spec, frame = table.chart or {}, table.frame
    columns = list(frame.columns)
    last = 1 + min(len(frame), int(spec.get("rows", len(frame))))
    chart = BarChart()
    chart.type = "bar" if spec.get("horizontal", True) else "col"
    chart.title = spec.get("title", table.title)
    chart.height, chart.width = 9 + 0.25 * (last - 1), 18
    for value in spec["values"]:
        col = columns.index(value) + 1
        chart.add_data(Reference(ws, min_col=col, min_row=1, max_row=last), titles_from_data=True)
    cat = columns.index(spec["categories"]) + 1
    chart.set_categories(Reference(ws, min_col=cat, min_row=2, max_row=last))
    chart.y_axis.title = ", ".join(spec["values"])
    chart.x_axis.scaling.orientation = "maxMin"  # first row on top
    ws.add_chart(chart, ws.cell(row=2, column=len(columns) + 2).coordinate)


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
