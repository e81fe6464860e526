"""The `scenari` command line as a user runs it: validate files, chat through stdin, export."""

from __future__ import annotations

import json
import shutil
import sqlite3
from pathlib import Path

import openpyxl
import pandas as pd
import pytest

from tests.support.cli import scenari

DATA = Path(__file__).resolve().parents[2] / "data" / "questionnaires"
BAD = DATA / "bad"


# --- questionnaires validate ------------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("unknown_type.yaml", "question 'colour' (field type): unknown question type 'dropdown'"),
        ("duplicate_key.yaml", "question 'age': duplicate key"),
        ("later_relevant.yaml", "question 'hours': relevant refers to works, not an earlier question"),
        ("unquoted_no.yaml", "question 'plans' (field choices.1.value): YAML read this as true/false: put it in quotes"),
        ("bad_syntax.yaml", "line 5: not valid YAML"),
    ],
)
def test_validate_rejects_a_bad_file_with_file_key_and_reason(name, expected):
    result = scenari("questionnaires", "validate", str(BAD / name))
    assert result.returncode == 1
    assert result.stdout.startswith(f"ERROR {BAD / name}: {expected}")
    assert all(line.startswith(f"ERROR {BAD / name}: ") for line in result.stdout.splitlines())  # all at once
    assert "Traceback" not in result.stdout + result.stderr


def test_validate_accepts_good_files_and_reports_each():
    good = [DATA / "all_types.yaml", DATA / "versions" / "orari_v2.yaml"]
    result = scenari("questionnaires", "validate", *map(str, good))
    assert result.returncode == 0
    assert result.stdout.splitlines() == [
        f"OK    {good[0]}: prova v1, 11 questions",
        f"OK    {good[1]}: orari v2, 3 questions",
    ]


def test_validate_fails_if_any_file_is_bad():
    result = scenari("questionnaires", "validate", str(DATA / "all_types.yaml"), str(BAD / "duplicate_key.yaml"))
    assert result.returncode == 1
    assert [line.split()[0] for line in result.stdout.splitlines()] == ["OK", "ERROR"]


# --- chat through stdin, then the database and the exports -------------------------------------

# What the respondent named "terminal" (the default) types, and what must be stored for it.
TERMINAL_INPUT = [
    "1",  # consent
    "2", "2", "1", "1,2", "=SUM(A1:A9)", "1", "3,5", "1", "1,2", "1", "4", "si", "1,2", "1", "1", "-10% di tasse",
]
TERMINAL_ANSWERS = {
    "ateco_section": "C", "employees": "small", "municipality": "cremona", "innovations": ["product", "process"],
    "innovation_example": "=SUM(A1:A9)", "rd": "continuous", "rd_share": 3.5, "collaborations": ["university"],
    "advanced_services": ["ict", "design"], "broadband": "ultra", "tlc_adequacy": 4, "training": "yes",
    "needs": ["digital", "new_products"], "obstacles": ["cost"], "plans": "major", "city_role": "-10% di tasse",
}
# A second respondent who stumbles a little: goes back, mistypes, tries to skip a required question.
MARIO_INPUT = [
    "si",
    "Commercio", "/indietro", "4", "99", "/salta", "1", "Crema", "4", "+39 negozio online", "3", "6", "6", "2",
    "2", "no", "1", "7", "2", "@comune meno burocrazia",
]
MARIO_ANSWERS = {
    "ateco_section": "G", "employees": "micro", "municipality": "crema", "innovations": ["marketing"],
    "innovation_example": "+39 negozio online", "rd": "none", "collaborations": ["none"],
    "advanced_services": ["none"], "broadband": "basic", "tlc_adequacy": 2, "training": "no", "needs": ["digital"],
    "obstacles": ["bureaucracy"], "plans": "minor", "city_role": "@comune meno burocrazia",
}


@pytest.fixture(scope="module")
def survey(tmp_path_factory):
    """Two respondents answer the survey with `scenari chat` through piped stdin."""
    folder = tmp_path_factory.mktemp("chat")
    database = folder / "scenari.db"
    env = {"SCENARI_DATABASE_URL": f"sqlite:///{database}"}
    terminal = scenari("chat", "--questionnaire", "imprese", env=env, cwd=folder, stdin="\n".join(TERMINAL_INPUT) + "\n")
    mario = scenari("chat", "-q", "imprese", "--respondent", "Mario Rossi", env=env, cwd=folder,
                    stdin="\n".join(MARIO_INPUT) + "\n")
    return {"folder": folder, "database": database, "env": env, "terminal": terminal, "mario": mario}


def _stored(database: Path) -> dict[str, dict]:
    with sqlite3.connect(database) as connection:
        rows = connection.execute(
            "SELECT r.external_id, a.question_key, a.value FROM answers a JOIN runs u ON u.id = a.run_id "
            "JOIN respondents r ON r.id = u.respondent_id WHERE a.is_current ORDER BY a.id"
        ).fetchall()
    stored: dict[str, dict] = {}
    for who, key, value in rows:
        # SQLite gives a JSON column numeric affinity: numbers come back as numbers, the rest as JSON text.
        stored.setdefault(who, {})[key] = json.loads(value) if isinstance(value, str) else value
    return stored


def _pseudonyms(database: Path) -> dict[str, str]:
    with sqlite3.connect(database) as connection:
        return dict(connection.execute("SELECT external_id, pseudonym FROM respondents"))


def test_chat_runs_to_the_end(survey):
    terminal, mario = survey["terminal"], survey["mario"]
    assert terminal.returncode == 0, terminal.stderr
    assert mario.returncode == 0, mario.stderr
    assert "Traceback" not in terminal.stderr + mario.stderr
    assert "[1/16] In quale settore opera principalmente l'impresa? (sezione ATECO)" in terminal.stdout
    assert "Il questionario è completo e le risposte sono state salvate." in terminal.stdout
    assert "Profilo di innovazione: Impresa anticipatrice" in terminal.stdout
    assert "Profilo di innovazione: Impresa inseguitrice" in mario.stdout
    assert "Come si distribuiscono i rispondenti finora (2):" in mario.stdout


def test_chat_shows_the_refusals(survey):
    out = survey["mario"].stdout
    assert "! Scelga una delle opzioni proposte (può anche scriverne il numero)." in out
    assert "! Questa domanda è obbligatoria e non si può saltare." in out
    assert "(Risposta attuale: Commercio)" in out


@pytest.mark.parametrize(("who", "expected"), [("terminal", TERMINAL_ANSWERS), ("Mario Rossi", MARIO_ANSWERS)])
def test_every_answer_is_in_the_database(survey, who, expected):
    stored = _stored(survey["database"])[who]
    for key, value in expected.items():
        assert stored.get(key) == value, key
    assert set(stored) == set(expected)


def test_outcomes_are_in_the_database(survey):
    with sqlite3.connect(survey["database"]) as connection:
        rows = connection.execute(
            "SELECT r.external_id, o.value FROM run_outcomes o JOIN runs u ON u.id = o.run_id "
            "JOIN respondents r ON r.id = u.respondent_id WHERE o.key = 'profile'"
        ).fetchall()
    assert {who: json.loads(value) for who, value in rows} == {"terminal": "anticipatrice", "Mario Rossi": "inseguitrice"}


def _expected_cell(value):
    if isinstance(value, list):
        return "; ".join(value)
    return value


def _safe(text: str) -> str:
    return "'" + text if text[:1] in "=+-@" else text


@pytest.fixture(scope="module")
def csv_export(survey):
    out = survey["folder"] / "export" / "imprese.csv"
    result = scenari("export", "--questionnaire", "imprese", "--format", "csv", "--values", "codes", "--joined",
                     "--out", str(out), env=survey["env"], cwd=survey["folder"])
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == f"Exported 2 runs of imprese (2 completed, 0 partial) to {out}"
    return out


@pytest.fixture(scope="module")
def xlsx_export(survey):
    out = survey["folder"] / "imprese.xlsx"
    result = scenari("export", "-q", "imprese", "--values", "codes", "--joined", "--out", str(out),
                     env=survey["env"], cwd=survey["folder"])
    assert result.returncode == 0, result.stderr
    return out


def _check_rows(rows: dict[str, dict], survey) -> None:
    pseudonyms = _pseudonyms(survey["database"])
    assert set(rows) == {pseudonyms["terminal"], pseudonyms["Mario Rossi"]}
    for who, answers in (("terminal", TERMINAL_ANSWERS), ("Mario Rossi", MARIO_ANSWERS)):
        row = rows[pseudonyms[who]]
        for key, value in answers.items():
            expected = _expected_cell(value)
            if isinstance(expected, str):
                assert row[key] == _safe(expected), key
            else:
                assert float(row[key]) == expected, key
        assert row["status"] == "completed"
    assert rows[pseudonyms["terminal"]]["profile"] == "anticipatrice"
    assert rows[pseudonyms["Mario Rossi"]]["profile"] == "inseguitrice"


def test_csv_export_has_every_answer(csv_export, survey):
    frame = pd.read_csv(csv_export, dtype=str, keep_default_na=False)
    _check_rows({row["respondent"]: row for row in frame.to_dict("records")}, survey)


def test_csv_export_neutralises_formulas(csv_export):
    frame = pd.read_csv(csv_export, dtype=str, keep_default_na=False)
    texts = set(frame["innovation_example"]) | set(frame["city_role"])
    assert texts == {"'=SUM(A1:A9)", "'+39 negozio online", "'-10% di tasse", "'@comune meno burocrazia"}


def test_csv_export_is_pseudonymous(csv_export):
    content = csv_export.read_text(encoding="utf-8")
    assert "terminal" not in content
    assert "Mario" not in content and "Rossi" not in content


def test_xlsx_export_has_every_answer(xlsx_export, survey):
    book = openpyxl.load_workbook(xlsx_export)
    values = list(book["risposte"].values)  # the deployment speaks Italian
    header = values[0]
    _check_rows({row[0]: dict(zip(header, row)) for row in values[1:]}, survey)


def test_xlsx_export_is_pseudonymous_and_formula_free(xlsx_export):
    book = openpyxl.load_workbook(xlsx_export)
    for sheet in book.worksheets:
        for row in sheet.iter_rows():
            for cell in row:
                assert cell.data_type != "f", f"{sheet.title}!{cell.coordinate} is a formula"
                if isinstance(cell.value, str):
                    assert "terminal" not in cell.value and "Mario" not in cell.value
    by_pandas = pd.read_excel(xlsx_export, sheet_name="risposte", dtype=str)
    assert sorted(by_pandas["city_role"]) == ["'-10% di tasse", "'@comune meno burocrazia"]


def test_chat_again_after_completing_starts_a_new_run_without_asking_consent(survey, tmp_path):
    database = tmp_path / "copy.db"
    for suffix in ("", "-wal", "-shm"):  # leave the shared database as the exports expect it
        source = survey["database"].with_name(survey["database"].name + suffix)
        if source.exists():
            shutil.copy(source, database.with_name(database.name + suffix))
    result = scenari("chat", "-q", "imprese", env={"SCENARI_DATABASE_URL": f"sqlite:///{database}"}, cwd=tmp_path, stdin="")
    assert result.returncode == 3  # a new run starts; input ends at once
    assert "[1/16]" in result.stdout
    assert "Prima di iniziare" not in result.stdout  # consent was already given
    assert "Input terminato prima della fine" in result.stdout


def test_chat_with_an_unknown_questionnaire(tmp_path):
    result = scenari("chat", "-q", "nessuno", env={"SCENARI_DATABASE_URL": f"sqlite:///{tmp_path / 'x.db'}"}, cwd=tmp_path)
    assert result.returncode == 2
    message = result.stderr.strip()
    assert message.startswith("Unknown questionnaire 'nessuno'; known: ") and "imprese" in message
    assert "\n" not in message  # one line, no traceback


def test_questionnaires_list(tmp_path):
    result = scenari("questionnaires", "list", cwd=tmp_path)
    assert result.returncode == 0
    rows = {line.split()[0]: line.split()[1:4] for line in result.stdout.splitlines()}
    assert rows["imprese"] == ["v2", "open", "17"]  # v2: the full lists of sectors and municipalities
    assert rows["ascolto"][1] == "closed"  # reached by invitation only
