"""Spreadsheet safety: text that a spreadsheet would run as a formula is neutralised.

A spreadsheet reads past what a person sees: full-width ``＝`` and ``＋`` are normalised to
``=`` and ``+``, zero-width and other format characters (Unicode category Cf) are invisible,
and leading spaces or control characters are skipped before a formula. So a cell is judged on
its NFKC normal form with format characters removed and leading whitespace and controls
stripped: if that starts with a formula trigger (OWASP's ``= + - @``, a ``|`` that older Excel
runs as a DDE call, or a minus sign), or the raw text starts with a tab or carriage return, the
cell gets a leading ``'`` — the text itself is kept as it was.
"""

from __future__ import annotations

import unicodedata
from typing import Any

import pandas as pd

# judged after normalisation: "＝" is "=", "﹢" is "+"; U+2212 MINUS SIGN stays itself under NFKC
FORMULA_TRIGGERS = frozenset("=+-@|\u2212")
RAW_TRIGGERS = ("\t", "\r")  # OWASP: tab and carriage return can smuggle a formula in
_SKIPPED = frozenset({"Cc", "Cf", "Zs", "Zl", "Zp"})  # controls, format characters, spaces


def formula_like(text: str) -> bool:
    """Whether a spreadsheet could read ``text`` as a formula."""
    if text.startswith(RAW_TRIGGERS):
        return True
    for char in unicodedata.normalize("NFKC", text):
        if char.isspace() or unicodedata.category(char) in _SKIPPED:
            continue
        return char in FORMULA_TRIGGERS
    return False


def neutralise_cell(value: Any) -> Any:
    if isinstance(value, str) and formula_like(value):
        return "'" + value
    return value


def restore_cell(value: Any) -> Any:
    """The text before :func:`neutralise_cell` (reading back a sheet this package wrote)."""
    if isinstance(value, str) and value.startswith("'") and formula_like(value[1:]):
        return value[1:]
    return value


def neutralise_frame(frame: pd.DataFrame) -> pd.DataFrame:
    """A copy of ``frame`` where every text cell (and header) is safe to open in Excel."""
    safe = frame.copy()
    for column in safe.columns:
        if safe[column].dtype == object or pd.api.types.is_string_dtype(safe[column]):
            safe[column] = safe[column].map(neutralise_cell)
    safe.columns = [neutralise_cell(str(c)) for c in safe.columns]
    return safe
