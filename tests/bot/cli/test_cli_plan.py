"""`scenari plan validate` and a second city run from its plan folder alone (issue 18 item 6).

The Bolzano/Bozen example plan (plans/bolzano: German first, Italian, English; its own themes,
questionnaires, register, notice and texts) is answered in the terminal, tagged and exported as
an operator would, with nothing but SCENARI_PLAN_DIR pointing at it.
"""

from __future__ import annotations

import shutil
from pathlib import Path

from tests.support.cli import ROOT, query, scenari

BOLZANO = ROOT / "plans" / "bolzano"
CREMONA = ROOT / "plans" / "cremona"


def test_both_shipped_plans_validate():
    for plan in (BOLZANO, CREMONA):
        result = scenari("plan", "validate", str(plan))
        assert result.returncode == 0, result.stdout + result.stderr
        assert "ERROR" not in result.stdout
        assert result.stdout.splitlines()[-1].startswith(f"OK    {plan}")
    # without an argument: the folder SCENARI_PLAN_DIR names
    result = scenari("plan", "validate", env={"SCENARI_PLAN_DIR": str(BOLZANO)})
    assert result.returncode == 0 and "plan 'Bozen / Bolzano', languages de, it, en" in result.stdout


def _break(folder: Path) -> None:
    """One mistake in each part of the plan, as an author might make them."""
    def edit(name: str, old: str, new: str) -> None:
        path = folder / name
        text = path.read_text(encoding="utf-8")
        assert old in text, (name, old)
        path.write_text(text.replace(old, new, 1), encoding="utf-8")

    edit("questionnaires/mobilitaet.yaml", "relevant: \"mode == 'car'\"", "relevant: \"mod == 'car'\"")  # misspelt
    edit("questionnaires/mobilitaet.yaml", "  de: Unterwegs in Bozen\n", "")               # no German title
    edit("questionnaires/zukunft.yaml", "      en: In your own words, what should change first in Bozen?\n", "")
    edit("taxonomy.yaml", "terms: [casa,", "terms: [casa, casa,")                          # duplicate term
    edit("questionnaires/lists/themes.yaml", "{value: tourismus,", "{value: turismo,")      # not a theme id
    edit("register/actors.csv", "museion,Museion,culture,", "museion,Museion,museum,")      # unknown category
    edit("texts.yaml", "  start: {de:", "  strat: {de:")                                     # no such text
    edit("privacy.yaml", "  email: datenschutz@gemeinde.bozen.example\n", "")               # notice incomplete


def test_a_broken_plan_reports_every_mistake_in_one_run(tmp_path):
    broken = tmp_path / "bozen"
    shutil.copytree(BOLZANO, broken)
    _break(broken)
    result = scenari("plan", "validate", str(broken))
    assert result.returncode == 1
    errors = [line for line in result.stdout.splitlines() if line.startswith("ERROR ")]
    expected = [
        ("mobilitaet.yaml", "refers to mod,", "did you mean 'mode'?"),
        ("mobilitaet.yaml", "title", "no 'de' text"),
        ("taxonomy.yaml", "duplicate entry 'casa'", ""),
        ("themes.yaml", "'turismo' is not a theme id", ""),
        ("actors.csv", "unknown category 'museum'", ""),
        ("texts.yaml", "web.strat", "did you mean 'start'?"),
        ("privacy.yaml", "controller", "email"),
    ]
    for file, what, more in expected:
        assert any(file in line and what in line and more in line for line in errors), (file, what, errors)
    assert len(errors) == len(expected), errors
    assert all(line.split()[1].startswith(str(broken)) for line in errors)  # each located by its file
    # a missing optional translation is a warning: that respondent reads the default language
    assert any("zukunft.yaml" in line and "no translation in en" in line
               for line in result.stdout.splitlines() if line.startswith("WARN "))


def test_bolzano_runs_in_german_from_its_folder_alone(tmp_path):
    db = tmp_path / "bozen.db"
    env = {"SCENARI_PLAN_DIR": str(BOLZANO)}
    assert scenari("db", "upgrade", db=db, env=env).returncode == 0
    listed = scenari("questionnaires", "list", db=db, env=env)
    assert "Bozen 2040 – deine Idee" in listed.stdout and "Unterwegs in Bozen" in listed.stdout
    assert "imprese" not in listed.stdout  # nothing of Cremona's

    run = scenari("chat", "--questionnaire", "zukunft", db=db, env=env,
                  stdin="1\n30\n5\n1,2\nMehr Radwege und leistbares Wohnen für junge Familien\n4\n")
    assert run.returncode == 0, run.stderr
    out = run.stdout
    assert "Bevor wir beginnen, kurz zum Datenschutz." in out and "Gemeinde Bozen" in out  # its notice
    assert "1) Ich stimme zu" in out                                                      # its texts
    assert "[2/5] In welchem Stadtviertel wohnst du?" in out and "Gries-Quirein" in out   # its questionnaire
    assert "Der Fragebogen ist vollständig" in out
    assert query(db, "SELECT language, status FROM respondents JOIN runs ON runs.respondent_id = respondents.id") \
        == [("de", "completed")]

    # Italian on request; a language the plan does not speak gets the default, German
    italian = scenari("chat", "--questionnaire", "mobilitaet", "--respondent", "anna", "--lang", "it",
                      db=db, env=env, stdin="1\n40\n3\n25\n\n")
    assert "Come vai di solito al lavoro o a scuola?" in italian.stdout
    french = scenari("chat", "--questionnaire", "mobilitaet", "--respondent", "marie", "--lang", "fr",
                     db=db, env=env, stdin="1\n40\n1\nviel\n10\n\n")
    assert "Wie kommst du meistens zur Arbeit oder Schule?" in french.stdout
    assert "Bitte eine ganze Zahl, zum Beispiel 12." in french.stdout  # the engine's texts too

    # tagged with its own themes, then exported
    assert scenari("nlp", "tag", db=db, env=env).returncode == 0
    themes = query(db, "SELECT DISTINCT theme_id FROM answer_tags ORDER BY theme_id")
    assert themes == [("mobilitaet",), ("wohnen",)]
    raw = scenari("export", "--questionnaire", "zukunft", "--format", "csv", "--out", str(tmp_path / "z.csv"),
                  db=db, env=env)
    assert raw.returncode == 0, raw.stderr
    header, row = (tmp_path / "z.csv").read_text(encoding="utf-8").splitlines()[:2]
    assert {"district", "idea", "satisfaction"} <= set(header.split(","))  # its own questions' columns
    assert ("Gries-Quirein" in row or ",gries," in row) and "Mehr Radwege und leistbares Wohnen" in row
    tables = scenari("tables", "export", "--format", "xlsx", "--out", str(tmp_path / "t.xlsx"), db=db, env=env)
    assert tables.returncode == 0, tables.stderr
    assert (tmp_path / "t.xlsx").stat().st_size > 0
    imported = scenari("actors", "import", str(BOLZANO / "register" / "actors.csv"), db=db, env=env)
    assert imported.stdout.startswith("Imported actors.csv: 6 added")
