"""The convergence tables read the questionnaires and questions the plan names (issue 18 item 6).

plan.yaml's ``tables:`` says which questionnaire and question feeds which table. Bolzano/Bozen's
example plan has no interviews and no business survey: its citizens' questionnaires (``zukunft``,
``mobilitaet``), their free texts and the themes they choose are its tables' inputs. Answered,
tagged and exported as an operator would, with nothing but SCENARI_PLAN_DIR pointing at it.
"""

from __future__ import annotations

import csv
import shutil
from pathlib import Path

from tests.support.cli import ROOT, scenari

BOLZANO = ROOT / "plans" / "bolzano"

# consent, age, district, the themes chosen (1 = mobilitaet, 2 = wohnen), the idea, satisfaction
ZUKUNFT = "1\n30\n5\n1,2\nMehr Radwege und leistbares Wohnen für junge Familien\n4\n"
# consent, age, mode (bus), minutes, the wish
MOBILITAET = "1\n40\n3\n25\nÖfter Busse und sichere Radwege\n"


def _rows(folder: Path, name: str) -> list[dict[str, str]]:
    with (folder / f"{name}.csv").open(encoding="utf-8") as file:
        return list(csv.DictReader(file))


def test_bolzano_tables_carry_its_own_themes(tmp_path):
    db = tmp_path / "bozen.db"
    env = {"SCENARI_PLAN_DIR": str(BOLZANO)}
    assert scenari("db", "upgrade", db=db, env=env).returncode == 0
    for respondent in ("anna", "ben", "carla"):
        run = scenari("chat", "--questionnaire", "zukunft", "--respondent", respondent, db=db, env=env, stdin=ZUKUNFT)
        assert "Der Fragebogen ist vollständig" in run.stdout, run.stdout + run.stderr
    run = scenari("chat", "--questionnaire", "mobilitaet", "--respondent", "dora", db=db, env=env, stdin=MOBILITAET)
    assert run.returncode == 0, run.stderr
    assert scenari("nlp", "tag", db=db, env=env).returncode == 0
    out = tmp_path / "tables"
    exported = scenari("tables", "export", "--format", "csv", "--out", str(out), db=db, env=env)
    assert exported.returncode == 0, exported.stderr

    # convergence: the four citizens' texts and choices, Bolzano's themes in its labels
    convergence = {row["theme"]: row for row in _rows(out, "convergence")}
    assert set(convergence) == {"mobilitaet", "wohnen", "gruen", "zusammenleben", "tourismus"}
    assert convergence["mobilitaet"]["rank"] == "1" and convergence["mobilitaet"]["units"] == "4"
    assert convergence["mobilitaet"]["label"] == "Mobilität" and convergence["wohnen"]["units"] == "3"
    shared = _rows(out, "shared_priorities")
    assert [row["theme"] for row in shared[:2]] == ["mobilitaet", "wohnen"]
    assert "Öfter Busse und sichere Radwege" in shared[0]["quote_1"] + shared[0]["quote_2"] + shared[0]["quote_3"]

    # visions: the themes chosen in zukunft, by the three who answered it
    chosen = {row["vision"]: row for row in _rows(out, "visions")}
    assert chosen["mobilitaet"]["units"] == "3" and chosen["wohnen"]["units"] == "3"
    assert chosen["mobilitaet"]["vision_label"] == "Mobilität" and chosen["gruen"]["units"] == "0"
    written = {row["theme"]: row["units"] for row in _rows(out, "vision_themes")}
    assert written == {"mobilitaet": "4", "wohnen": "3"}

    readme = {row["name"]: row["meaning"] for row in _rows(out, "README")}
    assert readme["runs_zukunft"] == "3" and readme["runs_mobilitaet"] == "1"
    assert not any(name.startswith("runs_") and name[5:] in ("ascolto", "imprese") for name in readme)
    # what the plan does not name stays empty: no interviews, no business survey
    assert all(row["respondents"] in ("", "0") for row in _rows(out, "priorities"))
    assert _rows(out, "network_edges") == [] and _rows(out, "obstacles_by_profile") == []


def test_validate_names_a_table_input_the_plan_lacks(tmp_path):
    broken = tmp_path / "bozen"
    shutil.copytree(BOLZANO, broken)
    manifest = broken / "plan.yaml"
    text = manifest.read_text(encoding="utf-8")
    text = text.replace("citizens: [zukunft, mobilitaet]", "citizens: [zukunft, mobility]")  # no such questionnaire
    text = text.replace("vision_texts: [idea, wish]", "vision_texts: [idee, wish]")          # misspelt key
    manifest.write_text(text, encoding="utf-8")
    result = scenari("plan", "validate", str(broken))
    assert result.returncode == 1
    errors = [line for line in result.stdout.splitlines() if line.startswith("ERROR ")]
    assert any("tables.citizens" in line and "no questionnaire 'mobility'" in line for line in errors), errors
    assert any("tables.vision_texts" in line and "'idee'" in line and "did you mean 'idea'?" in line
               for line in errors), errors
    # and so is the question only the missing questionnaire asked
    assert any("tables.vision_texts" in line and "no question 'wish' in zukunft" in line for line in errors), errors
    assert all(str(manifest) in line for line in errors) and len(errors) == 3

    manifest.write_text(text.replace("tables:", "tables:\n  colours: [red]"), encoding="utf-8")
    result = scenari("plan", "validate", str(broken))
    assert result.returncode == 1 and "tables.colours: unknown" in result.stdout
