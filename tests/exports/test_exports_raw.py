"""Raw exports for analysts: one row per run, codes kept, pseudonymous, safe in a spreadsheet."""

from __future__ import annotations

from datetime import datetime, timezone
from pathlib import Path

import openpyxl
import pandas as pd
import pytest

from dialogs import load_file
from exports.raw import answers_frame, codebook_frame, write_export
from exports.safety import neutralise_cell
from storage.repository import ExportRun

STARTED = datetime(2026, 3, 2, 9, 30, 15, 123456, tzinfo=timezone.utc)


def _run(**answers):
    return ExportRun(
        respondent="a1b2c3d4e5f6", run="0f0e0d0c0b0a", status="completed", version=1,
        started_at=STARTED, completed_at=STARTED, answers=answers,
        outcomes={"innovation_types": 2, "research_link": True, "innovation_score": 9, "profile": "anticipatrice"},
    )


RUNS = [
    _run(ateco_section="C", innovations=["product", "process"], rd_share=4.5, tlc_adequacy=4,
         innovation_example="=HYPERLINK(\"http://evil\")", city_role="-2+3"),
    ExportRun(respondent="ffffffffffff", run="eeeeeeeeeeee", status="active", version=1, started_at=STARTED,
              completed_at=None, answers={"ateco_section": "G", "city_role": "+39 0372 123"}, outcomes={}),
]


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("=1+1", "'=1+1"), ("+39 0372", "'+39 0372"), ("-rm", "'-rm"), ("@SUM(A1)", "'@SUM(A1)"),
        ("\t=1", "'\t=1"), ("\r=1", "'\r=1"), ("fibra ovunque", "fibra ovunque"), ("a=b", "a=b"),
        (-3, -3), (4.5, 4.5), (None, None),
    ],
)
def test_neutralise_cell(value, expected):
    assert neutralise_cell(value) == expected


def test_answers_frame_columns_and_codes(imprese):
    frame = answers_frame(imprese, RUNS)
    questions = [q.key for q in imprese.questions if q.type != "note"]
    assert list(frame.columns) == (
        ["respondent", "run", "status", "version", "started_at", "completed_at"]
        + questions + ["innovation_types", "research_link", "innovation_score", "profile"]
    )
    first = frame.iloc[0]
    assert first["innovations"] == "product; process"
    assert first["research_link"] == 1
    assert first["profile"] == "anticipatrice"
    assert first["started_at"] == pd.Timestamp("2026-03-02 09:30:15")  # UTC, no time zone, whole seconds
    assert pd.isna(frame.iloc[1]["completed_at"]) and pd.isna(frame.iloc[1]["profile"])


def test_csv_export(imprese, tmp_path):
    path = write_export(imprese, RUNS, "csv", tmp_path / "out" / "imprese.csv")
    frame = pd.read_csv(path, dtype=str, keep_default_na=False)
    assert frame["respondent"].tolist() == ["a1b2c3d4e5f6", "ffffffffffff"]
    assert frame["innovation_example"].tolist() == ["'=HYPERLINK(\"http://evil\")", ""]
    assert frame["city_role"].tolist() == ["'-2+3", "'+39 0372 123"]
    assert frame["rd_share"].tolist() == ["4.5", ""]
    assert float(frame["tlc_adequacy"][0]) == 4 and frame["tlc_adequacy"][1] == ""


def test_xlsx_export_has_answers_and_codebook(imprese, tmp_path):
    path = write_export(imprese, RUNS, "xlsx", tmp_path / "imprese.xlsx")
    book = openpyxl.load_workbook(path)
    assert book.sheetnames == ["answers", "codebook"]
    rows = list(book["answers"].values)
    header, first = rows[0], dict(zip(rows[0], rows[1]))
    assert "respondent" in header and "city_role" in header
    assert first["innovation_example"] == "'=HYPERLINK(\"http://evil\")"
    assert first["city_role"] == "'-2+3"
    assert first["rd_share"] == 4.5
    for row in book["answers"].iter_rows(min_row=2):
        for cell in row:
            assert cell.data_type != "f", f"{cell.coordinate} would run as a formula"
    codebook = {row[0]: row for row in book["codebook"].values}
    assert codebook["employees"][3] == "micro = 1–9; small = 10–49; medium = 50–249; large = 250 o più"
    assert codebook["profile"][1] == "outcome"


def test_codebook_in_english(imprese):
    book = codebook_frame(imprese, "en").set_index("column")
    assert book.loc["training", "codes"] == "yes = Yes; no = No"
    assert book.loc["tlc_adequacy", "codes"] == "1 = 1; 2 = 2; 3 = 3; 4 = 4; 5 = 5"
    assert book.loc["innovation_score", "type"] == "computed"


def test_unknown_format_is_refused(imprese, tmp_path):
    with pytest.raises(ValueError, match="unknown export format"):
        write_export(imprese, RUNS, "ods", tmp_path / "x.ods")  # type: ignore[arg-type]


def test_answers_of_an_older_version_keep_their_own_columns():
    versions = Path(__file__).resolve().parents[1] / "data" / "questionnaires" / "versions"
    v2 = load_file(versions / "orari_v2.yaml")
    old = ExportRun(respondent="aaaaaaaaaaaa", run="bbbbbbbbbbbb", status="completed", version=1, started_at=STARTED,
                    completed_at=STARTED, answers={"opens_sunday": "yes", "sunday_hours": 6, "staff": "few"}, outcomes={})
    new = ExportRun(respondent="cccccccccccc", run="dddddddddddd", status="completed", version=2, started_at=STARTED,
                    completed_at=STARTED, answers={"opens_sunday": "no", "evening": "yes", "staff": "s1"}, outcomes={})
    frame = answers_frame(v2, [old, new])
    assert list(frame.columns)[6:] == ["opens_sunday", "evening", "staff", "sunday_hours"]
    assert frame["version"].tolist() == [1, 2]
    assert frame["sunday_hours"].iloc[0] == 6 and pd.isna(frame["sunday_hours"].iloc[1])
    assert frame["staff"].tolist() == ["few", "s1"]
