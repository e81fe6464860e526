"""Qualitative coding sheet: humans review the tagger's suggestions in Excel.

Pure functions on files, no database: the storage layer turns answers into
rows and decisions back into codings. Cells come from citizens, so any value
starting with a formula trigger (= + - @, tab, CR) is neutralised with a
leading single quote: a message "=HYPERLINK(...)" must stay text in a
spreadsheet opened by city staff (CSV/formula injection).

Error messages are in Italian because the people fixing the sheet are.
"""

from __future__ import annotations

import io
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Iterable, Mapping

from openpyxl import Workbook, load_workbook
from openpyxl.styles import Alignment, Font
from openpyxl.worksheet.datavalidation import DataValidation

from exports.files import write_private
from exports.safety import neutralise_cell, restore_cell

from .taxonomy import Taxonomy

COLUMNS = ("text_id", "text", "suggested_themes", "evidence", "accept", "add_themes", "remove_themes", "coder")
SHEET = "coding"
_YES = {"y", "yes", "s", "si", "sì", "1", "true", "x"}
_NO = {"n", "no", "0", "false"}
_SPLIT = re.compile(r"[,;\s]+")
_WIDTHS = {"text_id": 12, "text": 70, "suggested_themes": 30, "evidence": 30, "accept": 8,
           "add_themes": 24, "remove_themes": 24, "coder": 12}


class ReviewSheetError(ValueError):
    """The sheet has invalid cells; ``errors`` lists them, located by row/column."""

    def __init__(self, errors: list[str]) -> None:
        self.errors = errors
        super().__init__("\n".join(errors))


@dataclass(frozen=True)
class ReviewDecision:
    """One reviewed row. ``accept`` is None when the coder left it blank."""

    text_id: str
    suggested_themes: tuple[str, ...]
    accept: bool | None
    add_themes: tuple[str, ...] = ()
    remove_themes: tuple[str, ...] = ()
    coder: str = ""
    row: int = 0

    @property
    def final_themes(self) -> tuple[str, ...]:
        """Themes after review: suggestions if accepted (minus removals) plus additions."""
        base = [t for t in self.suggested_themes if t not in self.remove_themes] if self.accept else []
        return tuple(dict.fromkeys([*base, *self.add_themes]))


@dataclass
class ReviewRow:
    text_id: str
    text: str
    suggested_themes: list[str] = field(default_factory=list)
    evidence: list[str] = field(default_factory=list)


def neutralize(value: Any) -> Any:
    """Prefix formula-like strings with ``'`` so spreadsheets keep them as text (as every export)."""
    return neutralise_cell(value)


def _unneutralize(value: str) -> str:
    return restore_cell(value)


def _join(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, str):
        return value
    return ", ".join(str(v) for v in value)


def _as_row(row: ReviewRow | Mapping[str, Any]) -> dict[str, Any]:
    if isinstance(row, ReviewRow):
        row = row.__dict__
    return {
        "text_id": str(row["text_id"]),
        "text": row.get("text", "") or "",
        "suggested_themes": _join(row.get("suggested_themes")),
        "evidence": _join(row.get("evidence")),
        "accept": row.get("accept", "") or "",
        "add_themes": _join(row.get("add_themes")),
        "remove_themes": _join(row.get("remove_themes")),
        "coder": row.get("coder", "") or "",
    }


def write_review_sheet(
    rows: Iterable[ReviewRow | Mapping[str, Any]], path: str | Path, *, taxonomy: Taxonomy | None = None
) -> Path:
    """Write the coding sheet (XLSX). With ``taxonomy``, a 'temi' sheet lists valid ids."""
    wb = Workbook()
    ws = wb.active
    ws.title = SHEET
    ws.append(list(COLUMNS))
    for cell in ws[1]:
        cell.font = Font(bold=True)
    for raw in rows:
        data = _as_row(raw)
        ws.append([neutralize(data[c]) for c in COLUMNS])
    for idx, name in enumerate(COLUMNS, start=1):
        ws.column_dimensions[ws.cell(row=1, column=idx).column_letter].width = _WIDTHS[name]
    for cell in ws["B"][1:]:
        cell.alignment = Alignment(wrap_text=True, vertical="top")
    accept_col = ws.cell(row=1, column=COLUMNS.index("accept") + 1).column_letter
    validation = DataValidation(type="list", formula1='"y,n"', allow_blank=True)
    validation.add(f"{accept_col}2:{accept_col}{max(ws.max_row, 2) + 500}")
    ws.add_data_validation(validation)
    ws.freeze_panes = "C2"
    if taxonomy is not None:
        themes = wb.create_sheet("temi")
        themes.append(["id", "etichetta", "label", "descrizione"])
        for theme in taxonomy.themes:
            themes.append([theme.id, theme.label_it, theme.label_en, neutralize(theme.description)])
        themes.append([])
        themes.append([f"versione tassonomia: {taxonomy.version}"])
    buffer = io.BytesIO()
    wb.save(buffer)
    return write_private(path, buffer.getvalue())  # free texts: readable by their owner only


def _cell_text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return _unneutralize(str(value).strip())


def read_review_sheet(path: str | Path, taxonomy: Taxonomy) -> list[ReviewDecision]:
    """Read a filled coding sheet; raise :class:`ReviewSheetError` on bad cells.

    Every problem is collected ("riga 7, colonna add_themes: tema sconosciuto
    'xyz'") so the coder fixes the sheet in one pass. Row numbers are the
    spreadsheet's own (the header is row 1).
    """
    try:
        wb = load_workbook(Path(path), read_only=True, data_only=True)
    except Exception as exc:  # openpyxl raises several unrelated types
        raise ReviewSheetError([f"file {Path(path).name}: non è un file XLSX leggibile ({exc})"]) from exc
    ws = wb[SHEET] if SHEET in wb.sheetnames else wb.worksheets[0]
    rows = ws.iter_rows(values_only=True)
    header = [(_cell_text(v)).lower() for v in next(rows, ())]
    missing = [c for c in COLUMNS if c not in header]
    if missing:
        wb.close()
        raise ReviewSheetError([f"riga 1: colonne mancanti: {', '.join(missing)}"])
    pos = {c: header.index(c) for c in COLUMNS}
    errors: list[str] = []
    decisions: list[ReviewDecision] = []
    seen: dict[str, int] = {}
    for number, values in enumerate(rows, start=2):
        cells = {c: _cell_text(values[pos[c]] if pos[c] < len(values) else None) for c in COLUMNS}
        if any(cells.values()):
            decisions.append(_read_row(number, cells, taxonomy, seen, errors))
    wb.close()
    if errors:
        raise ReviewSheetError(errors)
    return decisions


def _read_row(number: int, cells: dict[str, str], taxonomy: Taxonomy, seen: dict[str, int],
              errors: list[str]) -> ReviewDecision:
    """One filled row's decision; its problems go to ``errors``, its text_id to ``seen``."""
    where = f"riga {number}"
    text_id = cells["text_id"]
    if not text_id:
        errors.append(f"{where}, colonna text_id: valore mancante")
    elif text_id in seen:
        errors.append(f"{where}, colonna text_id: '{text_id}' già presente alla riga {seen[text_id]}")
    else:
        seen[text_id] = number
    accept = _accept_of(cells["accept"], where, errors)
    theme_lists = {column: _themes_of(cells[column], column, where, taxonomy, errors)
                   for column in ("suggested_themes", "add_themes", "remove_themes")}
    both = set(theme_lists["add_themes"]) & set(theme_lists["remove_themes"])
    if both:
        errors.append(f"{where}, colonna remove_themes: tema sia aggiunto sia tolto: {', '.join(sorted(both))}")
    return ReviewDecision(
        text_id=text_id,
        suggested_themes=theme_lists["suggested_themes"],
        accept=accept,
        add_themes=theme_lists["add_themes"],
        remove_themes=theme_lists["remove_themes"],
        coder=cells["coder"],
        row=number,
    )


def _accept_of(cell: str, where: str, errors: list[str]) -> bool | None:
    """y/n (and their variants) as True/False; an empty cell is None, anything else an error."""
    answer = cell.lower()
    if answer in _YES:
        return True
    if answer in _NO:
        return False
    if answer:
        errors.append(f"{where}, colonna accept: valore '{cell}' non valido (usare y o n)")
    return None


def _themes_of(cell: str, column: str, where: str, taxonomy: Taxonomy, errors: list[str]) -> tuple[str, ...]:
    """The theme ids of a cell, deduplicated in order; an id the taxonomy lacks is an error."""
    ids = tuple(dict.fromkeys(t for t in _SPLIT.split(cell.lower()) if t))
    for theme_id in ids:
        if theme_id not in taxonomy:
            errors.append(f"{where}, colonna {column}: tema sconosciuto '{theme_id}'")
    return ids
