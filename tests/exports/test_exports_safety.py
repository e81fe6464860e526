"""Spreadsheet look-alikes: whatever a spreadsheet could read as a formula is exported as text."""

from __future__ import annotations

import io

import openpyxl
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
import pandas as pd
import pytest

from exports.safety import neutralise_cell, neutralise_frame
from exports.safety import restore_cell

FORMULA_LIKE = [
    ("=1+1", "plain equals"),
    ("+41 22", "plus"),
    ("-2+3", "minus"),
    ("@SUM(A1)", "at"),
    ("\uff1d1+1", "full-width equals ＝"),
    ("\uff0b1", "full-width plus ＋"),
    ("\uff0d1", "full-width minus －"),
    ("\uff20SUM(A1)", "full-width at ＠"),
    ("\ufe661+1", "small equals ﹦"),
    ("\u22121+1", "minus sign −"),
    ("\u200b=1+1", "zero-width space before ="),
    ("\u200d\u2060=cmd", "zero-width joiner and word joiner"),
    ("\ufeff=1", "byte-order mark"),
    ("\u202e=1", "right-to-left override"),
    ("   =1+1", "leading spaces"),
    ("\u00a0=1", "no-break space"),
    ("\u3000=1", "ideographic space"),
    ("\n=1", "leading newline"),
    ("\x00=1", "leading NUL"),
    ("\x1b=1", "leading escape"),
    ("|calc!A0", "DDE pipe"),
    ("\uff5ccalc", "full-width pipe ｜"),
    ("\t1", "tab"),
    ("\r1", "carriage return"),
]

PLAIN = [
    "normale", "Cremona 2030", "a=b", "1+1", "email@example.org", "", " ", "\u200b", "'già tra apici", "%20",
    "(=1)", "x|y",
]


@pytest.mark.parametrize("text,why", FORMULA_LIKE, ids=[why for _, why in FORMULA_LIKE])
def test_formula_look_alikes_are_neutralised(text: str, why: str):
    assert neutralise_cell(text) == "'" + text, why
    assert restore_cell(neutralise_cell(text)) == text  # the coding sheet reads its own cells back


@pytest.mark.parametrize("text", PLAIN)
def test_plain_text_is_left_alone(text: str):
    assert neutralise_cell(text) == text
    assert neutralise_cell(3) == 3 and neutralise_cell(None) is None


def test_an_exported_workbook_holds_no_formula():
    texts = [text for text, _ in FORMULA_LIKE if not ILLEGAL_CHARACTERS_RE.search(text)]  # XLSX refuses NUL, ESC
    frame = pd.DataFrame({"quote": texts, "\uff1dheader": range(len(texts))})
    buffer = io.BytesIO()
    neutralise_frame(frame).to_excel(buffer, index=False)
    sheet = openpyxl.load_workbook(io.BytesIO(buffer.getvalue())).active
    cells = [cell for row in sheet.iter_rows() for cell in row]
    assert all(cell.data_type != "f" for cell in cells)
    assert sheet["B1"].value == "'\uff1dheader"
