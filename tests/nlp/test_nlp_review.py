"""Review sheet: XLSX round trip, formula neutralisation, located errors."""

from __future__ import annotations

import pytest
from openpyxl import load_workbook

from nlp import ReviewRow, ReviewSheetError, neutralize, read_review_sheet, write_review_sheet
from nlp.review import COLUMNS


def rows():
    return [
        ReviewRow("m1", "Servono piste ciclabili", ["mobilita"], ["piste ciclabili"]),
        {"text_id": "m2", "text": "=HYPERLINK(\"http://x\")", "suggested_themes": [], "evidence": []},
        {"text_id": "m3", "text": "-niente turismo", "suggested_themes": "turismo_cultura", "evidence": "+1"},
    ]


def fill(path, values: dict[int, dict[str, str]]):
    wb = load_workbook(path)
    ws = wb["coding"]
    for row, cells in values.items():
        for column, value in cells.items():
            ws.cell(row=row, column=COLUMNS.index(column) + 1, value=value)
    wb.save(path)


def test_neutralize():
    assert neutralize("=1+1") == "'=1+1"
    for trigger in "+-@":
        assert neutralize(trigger + "x") == "'" + trigger + "x"
    assert neutralize("normale") == "normale" and neutralize(3) == 3


def test_sheet_layout_and_neutralisation(tmp_path, taxonomy):
    path = write_review_sheet(rows(), tmp_path / "review.xlsx", taxonomy=taxonomy)
    wb = load_workbook(path)
    ws = wb["coding"]
    assert [c.value for c in ws[1]] == list(COLUMNS)
    assert ws["B3"].value == "'=HYPERLINK(\"http://x\")" and ws["B3"].data_type == "s"
    assert ws["B4"].value == "'-niente turismo" and ws["D4"].value == "'+1"
    assert ws["C2"].value == "mobilita"
    assert "temi" in wb.sheetnames and wb["temi"]["A2"].value == taxonomy.ids[0]


def test_round_trip(tmp_path, taxonomy):
    path = write_review_sheet(rows(), tmp_path / "review.xlsx")
    fill(path, {
        2: {"accept": "y", "add_themes": "ambiente", "coder": "anna"},
        3: {"accept": "n", "coder": "anna"},
        4: {"accept": "S", "remove_themes": "turismo_cultura"},
    })
    decisions = read_review_sheet(path, taxonomy)
    assert [d.text_id for d in decisions] == ["m1", "m2", "m3"]
    first, second, third = decisions
    assert first.accept is True and first.final_themes == ("mobilita", "ambiente") and first.coder == "anna"
    assert second.accept is False and second.final_themes == ()
    assert third.accept is True and third.final_themes == () and third.row == 4


def test_unreviewed_rows_have_no_decision(tmp_path, taxonomy):
    path = write_review_sheet(rows(), tmp_path / "review.xlsx")
    assert all(d.accept is None for d in read_review_sheet(path, taxonomy))


def test_errors_are_located(tmp_path, taxonomy):
    path = write_review_sheet(rows(), tmp_path / "review.xlsx")
    fill(path, {
        2: {"accept": "forse"},
        3: {"add_themes": "ambiente, xyz", "remove_themes": "ambiente"},
        4: {"text_id": "m1"},
        6: {"text": "riga senza id"},
    })
    with pytest.raises(ReviewSheetError) as err:
        read_review_sheet(path, taxonomy)
    errors = err.value.errors
    assert "riga 2, colonna accept: valore 'forse' non valido (usare y o n)" in errors
    assert "riga 3, colonna add_themes: tema sconosciuto 'xyz'" in errors
    assert any(e.startswith("riga 3, colonna remove_themes: tema sia aggiunto sia tolto") for e in errors)
    assert "riga 4, colonna text_id: 'm1' già presente alla riga 2" in errors
    assert "riga 6, colonna text_id: valore mancante" in errors


def test_missing_columns_and_bad_file(tmp_path, taxonomy):
    from openpyxl import Workbook

    wb = Workbook()
    wb.active.append(["text_id", "text"])
    wb.save(tmp_path / "short.xlsx")
    with pytest.raises(ReviewSheetError, match="colonne mancanti: suggested_themes"):
        read_review_sheet(tmp_path / "short.xlsx", taxonomy)
    (tmp_path / "nope.xlsx").write_text("not a zip")
    with pytest.raises(ReviewSheetError, match="non è un file XLSX"):
        read_review_sheet(tmp_path / "nope.xlsx", taxonomy)
