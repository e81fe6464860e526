"""The authors' commands as an author runs them: an XLSForm written in the style of the ODK
and Kobo documentation imports, runs to completion in `scenari chat`, and exports back; a
broken file reports every mistake in one run, with suggestions."""

from __future__ import annotations

import sqlite3
import openpyxl
import pytest

from tests.support.cli import ROOT, scenari
from tests.support.xlsforms import SURVEY, household_form

BAD = ROOT / "tests" / "data" / "questionnaires" / "bad"

CHAT_INPUT = [
    "1",  # consent
    "Maria", "45",
    "Lombardia", "1", "1",  # region, then the cascade: Cremona, Crema
    "3",  # people at home
    "Luca", "12", "si", "si",  # first member, goes to school; add another
    "Anna", "70", "no",  # second member (no school question at 70); no more
    "1,2", "3000",  # income sources, monthly income
    "4", "18:30",  # satisfaction (so no comment asked), a time to call back
]


@pytest.fixture(scope="module")
def imported(tmp_path_factory):
    folder = tmp_path_factory.mktemp("author")
    form = household_form(folder / "famiglie.xlsx")
    plan = folder / "plan"
    result = scenari("questionnaires", "import", str(form), "--out", str(plan / "famiglie.yaml"))
    return {"folder": folder, "form": form, "plan": plan, "import": result}


def test_an_xlsform_imports_to_a_questionnaire_file(imported):
    result = imported["import"]
    assert result.returncode == 0, result.stderr
    assert "Imported famiglie v2026120101 (19 questions)" in result.stderr
    assert "WARN  " in result.stderr and "type 'start' left out" in result.stderr
    text = (imported["plan"] / "famiglie.yaml").read_text(encoding="utf-8")
    assert "choice_filter: of_province == province" in text
    assert "fr: Enquête sur les ménages" in text
    validated = scenari("questionnaires", "validate", str(imported["plan"] / "famiglie.yaml"))
    assert validated.returncode == 0
    assert validated.stdout.strip().endswith("famiglie v2026120101, 19 questions")


def test_the_imported_form_runs_to_completion_in_the_terminal_chat(imported):
    database = imported["folder"] / "chat.db"
    env = {"SCENARI_DATABASE_URL": f"sqlite:///{database}", "SCENARI_QUESTIONNAIRES_DIR": str(imported["plan"])}
    result = scenari("chat", "-q", "famiglie", env=env, cwd=imported["folder"], stdin="\n".join(CHAT_INPUT) + "\n")
    assert result.returncode == 0, result.stdout + result.stderr
    out = result.stdout
    assert "Benvenuti all'indagine sulle famiglie.\nChi risponde\n[1/12] Come si chiama?" in out
    assert "[4/12] In quale provincia?\n  1) Cremona\n  2) Milano\n" in out  # Lombardy's only
    assert "[5/12] In quale comune?\n  1) Crema\n  2) Soresina\n" in out
    assert "Le altre persone 1 — Età di Luca" in out
    assert "Sono circa 1000 euro a persona." in out
    assert "Che cosa non va?" not in out
    assert out.rstrip().endswith("Grazie! Il questionario è completo e le risposte sono state salvate.")
    with sqlite3.connect(database) as connection:
        stored = dict(connection.execute(
            "SELECT question_key || '#' || item_index, value FROM answers WHERE is_current").fetchall())
    assert stored["town#0"] == '"crema"' and stored["member_age#1"] == 70
    assert stored["income_sources#0"] == '["work", "pension"]' and stored["best_time#0"] == '"18:30"'


def test_the_imported_form_exports_back_and_imports_the_same(imported):
    env = {"SCENARI_QUESTIONNAIRES_DIR": str(imported["plan"])}
    back = imported["folder"] / "back.xlsx"
    exported = scenari("questionnaires", "export", "famiglie", "--format", "xlsform", "--out", str(back), env=env)
    assert exported.returncode == 0, exported.stderr
    assert exported.stdout.strip() == f"Exported famiglie v2026120101 as XLSForm to {back}"
    survey = openpyxl.load_workbook(back)["survey"]
    header = [cell.value for cell in survey[1]]
    assert header[:5] == ["type", "name", "label::Italiano (it)", "label::English (en)", "label::Français (fr)"]
    again = scenari("questionnaires", "import", str(back), "--out", str(imported["folder"] / "again.yaml"))
    assert again.returncode == 0, again.stderr
    original = (imported["plan"] / "famiglie.yaml").read_text(encoding="utf-8").split("\n", 1)[1]
    assert (imported["folder"] / "again.yaml").read_text(encoding="utf-8").split("\n", 1)[1] == original


def test_a_shipped_questionnaire_exports_as_xlsform(tmp_path):
    result = scenari("questionnaires", "export", "imprese", "--format", "xlsform", "--out", str(tmp_path / "i.xlsx"))
    assert result.returncode == 0
    rows = list(openpyxl.load_workbook(tmp_path / "i.xlsx")["survey"].iter_rows(values_only=True))
    header = rows[0]
    rd_share = dict(zip(header, next(r for r in rows if r[1] == "rd_share")))
    assert rd_share["type"] == "decimal" and rd_share["relevant"] == "${rd} != 'none'"


def test_a_broken_xlsform_reports_all_its_mistakes_in_one_run(tmp_path):
    rows = [*SURVEY,
            {"type": "geopoint", "name": "where", "label::Italiano (it)": "Dove?"},
            {"type": "text", "name": "nick", "label::Italiano (it)": "Soprannome?", "default": "nessuno"},
            {"type": "integer", "name": "late", "label::Italiano (it)": "?", "relevant": "${hh_sise} > 1"}]
    form = household_form(tmp_path / "broken.xlsx", survey=rows)
    result = scenari("questionnaires", "import", str(form), "--out", str(tmp_path / "broken.yaml"))
    assert result.returncode == 1
    assert not (tmp_path / "broken.yaml").exists()
    errors = [line for line in result.stderr.splitlines() if line.startswith("ERROR")]
    row = len(SURVEY) + 2
    assert errors[0] == f"ERROR {form}: survey row {row}: type 'geopoint' is not supported by Scenari (a chat cannot take a location)"
    assert errors[1].startswith(f"ERROR {form}: survey row {row + 1}: column 'default' is not supported")
    assert errors[2].startswith(f"ERROR {form}: survey row {row + 2}: pyxform:") and errors[2].endswith("Did you mean 'hh_size'?")
    assert len(errors) == 3
    assert result.stderr.rstrip().endswith(f"Not imported: 3 error(s) in {form}.")
    assert "Traceback" not in result.stderr


def test_validate_lists_every_mistake_of_a_broken_file_with_suggestions():
    result = scenari("questionnaires", "validate", str(BAD / "many_mistakes.yaml"))
    assert result.returncode == 1
    errors = [line for line in result.stdout.splitlines() if line.startswith("ERROR")]
    assert len(errors) == 7
    assert sum("did you mean" in line for line in errors) == 6
    assert any("'bicicletta' is not a choice of 'mezzo'" in line for line in errors)
    warnings = [line for line in result.stdout.splitlines() if line.startswith("WARN")]
    assert f"WARN  {BAD / 'many_mistakes.yaml'}: question 'dopo' (field text): no translation in fr" in warnings


def test_validate_requires_the_deployment_language(tmp_path):
    italian_only = tmp_path / "solo.yaml"
    italian_only.write_text(
        "id: solo\nversion: 1\ntitle: {it: Solo}\nquestions:\n"
        "  - {key: a, type: text, text: {it: Che cosa}}\n", encoding="utf-8")
    assert scenari("questionnaires", "validate", str(italian_only)).returncode == 0
    result = scenari("questionnaires", "validate", str(italian_only), env={"SCENARI_LANG": "en"})
    assert result.returncode == 1
    assert result.stdout.splitlines() == [
        f"ERROR {italian_only}: title: no 'en' text: 'en' is the default language, every text needs it",
        f"ERROR {italian_only}: question 'a' (field text): no 'en' text: 'en' is the default language, every text needs it",
    ]
