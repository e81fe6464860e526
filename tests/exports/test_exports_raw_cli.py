"""`scenari export --questionnaire …` as an analyst runs it on a simulated city: the new flags
(--values, --joined, --lang, the .sav/.dta/.parquet formats), partial runs, and no chat id in any file."""

from __future__ import annotations

import openpyxl
import pandas as pd
import pyreadstat
import pytest

from tests.support.cli import query, scenari

CHAT_ID = "987654321"


@pytest.fixture(scope="module")
def city(tmp_path_factory):
    """50 simulated respondents; two runs of imprese then left half-way (one abandoned); chat-like ids."""
    path = tmp_path_factory.mktemp("raw") / "scenari.db"
    done = scenari("simulate", "--respondents", "50", db=path)
    assert done.returncode == 0, done.stderr
    query(path, f"UPDATE respondents SET external_id = '{CHAT_ID}' || id")
    runs = [r for (r,) in query(path, "SELECT id FROM runs WHERE questionnaire_id = 'imprese' ORDER BY id LIMIT 2")]
    query(path, f"UPDATE runs SET status = 'active', completed_at = NULL WHERE id = {runs[0]}")
    query(path, f"UPDATE runs SET status = 'expired', completed_at = NULL WHERE id = {runs[1]}")
    return path


def _statuses(path) -> dict[str, int]:
    """How many imprese runs the database holds by status (completed, active, expired)."""
    return dict(query(path, "SELECT status, COUNT(*) FROM runs WHERE questionnaire_id = 'imprese' GROUP BY status"))


def test_sav_and_dta_exports_open_with_their_labels(city):
    for fmt, read in (("sav", pyreadstat.read_sav), ("dta", pyreadstat.read_dta)):
        out = city.parent / f"imprese.{fmt}"
        done = scenari("export", "-q", "imprese", "--format", fmt, "--out", str(out), db=city)
        assert done.returncode == 0, done.stderr
        n = _statuses(city)  # the simulation leaves some runs part-way too
        assert f"({n['completed']} completed, {n['active'] + n['expired']} partial)" in done.stdout
        frame, meta = read(str(out))
        assert sorted(frame["status"].tolist()) == [1] * n["completed"] + [2] * n["active"] + [3] * n["expired"]
        assert meta.variable_value_labels["status"][3] == "Parziale, abbandonata"
        assert meta.variable_value_labels["employees"] == {1: "1–9", 2: "10–49", 3: "50–249", 4: "250 o più"}
        assert meta.column_names_to_labels["employees"] == "Quanti addetti ha l'impresa, titolari compresi?"
        assert set(frame["obstacles_none"].dropna()) <= {0, 1}
        assert meta.variable_value_labels["obstacles_none"] == {0: "Non scelta", 1: "Scelta"}


def test_values_joined_and_lang_flags(city):
    out = city.parent / "both.xlsx"
    done = scenari("export", "-q", "imprese", "--values", "both", "--joined", "--lang", "en", "--out", str(out), db=city)
    assert done.returncode == 0, done.stderr
    book = openpyxl.load_workbook(out)
    assert book.sheetnames == ["answers", "codebook", "codes", "about"]
    frame = pd.read_excel(out, sheet_name="answers")
    columns = list(frame.columns)
    assert columns[columns.index("employees") + 1] == "employees_label"
    assert columns.index("obstacles") < columns.index("obstacles_cost") < columns.index("plans")
    row = frame.dropna(subset=["obstacles"]).iloc[0]
    chosen = row["obstacles"].split("; ")
    assert all(row[f"obstacles_{code}"] == 1 for code in chosen)
    assert set(frame["status_label"]) == {"Completed", "Partial, in progress", "Partial, abandoned"}
    codebook = pd.read_excel(out, sheet_name="codebook")
    assert list(codebook["column"]) == columns  # every column, in order
    assert codebook.set_index("column").loc["started_at", "question"] == "Started (time in Europe/Rome)"
    italian = city.parent / "codes.csv"
    done = scenari("export", "-q", "imprese", "--format", "csv", "--values", "codes", "--out", str(italian), db=city)
    assert done.returncode == 0, done.stderr
    assert pd.read_csv(italian)["status"].value_counts().to_dict() == _statuses(city)
    assert "colonna" in pd.read_csv(city.parent / "codes-codebook.csv").columns


def test_no_export_carries_a_chat_id(city):
    for fmt in ("xlsx", "csv", "parquet", "sav", "dta"):
        out = city.parent / "private" / f"ascolto.{fmt}"
        done = scenari("export", "-q", "ascolto", "--format", fmt, "--out", str(out), db=city)
        assert done.returncode == 0, done.stderr
    for path in (city.parent / "private").iterdir():
        assert CHAT_ID.encode() not in path.read_bytes(), path.name
    names = [p.name for p in (city.parent / "private").iterdir()]
    assert "ascolto-objectives.sav" in names and "ascolto-codebook.parquet" in names


def test_bad_flags_get_a_polite_answer(city):
    done = scenari("export", "-q", "imprese", "--lang", "fr", "--out", str(city.parent / "x.xlsx"), db=city)
    assert done.returncode == 2 and "--lang 'fr' is not a language of the plan" in done.stderr
    done = scenari("export", "--table", "actors", "--format", "sav", "--out", str(city.parent / "a.sav"), db=city)
    assert done.returncode == 2 and "csv or xlsx" in done.stderr
    done = scenari("export", "-q", "imprese", "--values", "names", "--out", str(city.parent / "x.xlsx"), db=city)
    assert done.returncode == 2 and "invalid choice" in done.stderr
