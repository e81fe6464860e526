"""`scenari themes validate` and `scenari nlp …` as a user runs them (the installed command)."""

from __future__ import annotations

import os
import subprocess

from openpyxl import load_workbook

from bot.cli import main
from nlp.review import COLUMNS
from tests.support.cli import ROOT, query, scenari

TAXONOMY = ROOT / "plans" / "cremona" / "taxonomy.yaml"

# imprese answered in the terminal: two free texts (innovation_example, city_role)
VIOLINS = "Un nuovo laboratorio per i liutai insieme all'universita"
TRAINS = "servono piu treni x Milano e piste ciclabili, nn serve piu turismo"
CHAT = ["1", "2", "2", "1", "1,2", VIOLINS, "1", "3,5", "1", "1,2", "1", "4", "si", "1,2", "1", "1", TRAINS]


def test_themes_validate_needs_no_database(tmp_path):
    result = scenari("themes", "validate", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith(f"OK    {TAXONOMY}: version ") and "22 themes" in result.stdout
    bad = tmp_path / "bad.yaml"
    bad.write_text(TAXONOMY.read_text(encoding="utf-8").replace("id: turismo_cultura", "id: mobilita", 1))
    result = scenari("themes", "validate", str(bad), cwd=tmp_path)
    assert result.returncode == 1
    assert result.stdout.startswith("ERROR ") and "mobilita" in result.stdout
    assert "Traceback" not in result.stdout + result.stderr
    assert list(tmp_path.iterdir()) == [bad]  # no database was made


def test_evaluate_prints_the_table_from_the_repo_root(tmp_path):
    result = scenari("nlp", "evaluate", env={"SCENARI_DATABASE_URL": f"sqlite:///{tmp_path / 'x.db'}"}, cwd=ROOT)
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    assert lines[0] == "data: tests/data/nlp_eval.yaml"
    assert lines[1].startswith("method: offline:blank-it+simplemma") and "items: 182" in lines[1]
    assert lines[2].split() == ["theme", "prec", "rec", "f1", "supp", "pred"]
    micro = next(line for line in lines if line.startswith("micro "))
    assert float(micro.split()[3]) >= 0.80  # micro-F1
    macro = next(line for line in lines if line.startswith("macro F1"))
    assert float(macro.split()[-1]) >= 0.78
    assert any(line.startswith("mobilita ") for line in lines)


def test_evaluate_with_a_missing_model_or_file_says_so(tmp_path):
    result = scenari("nlp", "evaluate", "--data", str(tmp_path / "nope.yaml"), cwd=ROOT)
    assert result.returncode == 2 and "No such file" in result.stderr
    result = scenari("nlp", "evaluate", env={"SCENARI_SPACY_MODEL": "it_core_news_nope"}, cwd=ROOT)
    assert result.returncode == 2 and "it_core_news_nope" in result.stderr and "Traceback" not in result.stderr


class InProcess:
    """`scenari …` through bot.cli.main in this process: no spaCy import per command."""

    def __init__(self, capsys):
        self.capsys = capsys

    def __call__(self, *args: str, env: object = None) -> subprocess.CompletedProcess:
        self.capsys.readouterr()
        code = main(list(args))
        out, err = self.capsys.readouterr()
        return subprocess.CompletedProcess(args, code, out, err)


def test_tag_review_import_and_retag(tmp_path, monkeypatch, capsys):
    db = tmp_path / "scenari.db"
    env = {"SCENARI_DATABASE_URL": f"sqlite:///{db}"}
    chat = scenari("chat", "--questionnaire", "imprese", env=env, stdin="\n".join(CHAT) + "\n", cwd=ROOT)
    assert chat.returncode == 0, chat.stderr
    for name in [k for k in os.environ if k.startswith(("SCENARI_", "TELEGRAM_"))]:
        monkeypatch.delenv(name)
    monkeypatch.setenv("SCENARI_DATABASE_URL", env["SCENARI_DATABASE_URL"])
    monkeypatch.setattr("bot.runtime.logs.configure", lambda level: None)
    run = InProcess(capsys)  # the same commands as a user's, without a spaCy import each

    result = run("nlp", "tag", env=env)
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith("Tagged 2 free-text answers (offline:")
    assert run("nlp", "tag", env=env).stdout.startswith("Tagged 0 ")
    ids = dict(query(db, "SELECT a.value, a.id FROM answers a JOIN tagged_answers t ON t.answer_id = a.id"))
    trains, violins = ids[f'"{TRAINS}"'], ids[f'"{VIOLINS}"']
    assert query(db, f"SELECT theme_id, source, negated FROM answer_tags WHERE answer_id = {trains} ORDER BY theme_id") == [
        ("mobilita", "machine", 0), ("turismo_cultura", "machine", 1),
    ]

    sheet = tmp_path / "coding.xlsx"
    result = run("nlp", "review", "export", "--out", str(sheet), env=env)
    assert result.returncode == 0 and result.stdout.startswith("Wrote 2 texts to ")
    wb = load_workbook(sheet)
    ws = wb["coding"]
    row = {int(ws.cell(row=r, column=1).value): r for r in (2, 3)}
    col = {name: COLUMNS.index(name) + 1 for name in COLUMNS}

    # a bad sheet: every bad cell located, exit 1, nothing stored
    ws.cell(row=row[trains], column=col["accept"], value="boh")
    ws.cell(row=row[violins], column=col["remove_themes"], value="musica")
    wb.save(sheet)
    result = run("nlp", "review", "import", str(sheet), "--coder", "anna", env=env)
    assert result.returncode == 1
    assert f"riga {row[trains]}, colonna accept: valore 'boh' non valido (usare y o n)" in result.stderr
    assert f"riga {row[violins]}, colonna remove_themes: tema sconosciuto 'musica'" in result.stderr
    assert "nothing stored" in result.stderr
    assert query(db, "SELECT count(*) FROM tag_reviews") == [(0,)]

    # fixed: trains accepted plus ambiente, violins' talenti_formazione removed
    ws.cell(row=row[trains], column=col["accept"], value="y")
    ws.cell(row=row[trains], column=col["add_themes"], value="ambiente")
    ws.cell(row=row[violins], column=col["remove_themes"], value="talenti_formazione")
    ws.cell(row=row[violins], column=col["coder"], value="bruno")
    wb.save(sheet)
    result = run("nlp", "review", "import", str(sheet), "--coder", "anna", env=env)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "Stored the coding of 2 texts from coding.xlsx (0 rows left blank)."

    human = "SELECT answer_id, theme_id, decision, coder FROM answer_tags WHERE source = 'human' ORDER BY answer_id, theme_id"
    decided = query(db, human)
    assert (trains, "ambiente", "add", "anna") in decided and (trains, "mobilita", "confirm", "anna") in decided
    assert (violins, "talenti_formazione", "remove", "bruno") in decided

    result = run("nlp", "retag", env=env)
    assert result.returncode == 0 and result.stdout.startswith("Retagged 2 free-text answers")
    assert query(db, human) == decided  # human decisions survive
    assert query(db, "SELECT count(*) FROM answer_tags WHERE source = 'machine'")[0][0] >= 3

    result = run("nlp", "evaluate", "--reviewed", env=env)
    assert result.returncode == 0, result.stderr
    assert "tagger vs reviewed tags: 2 texts" in result.stdout
    assert "coder vs coder: no text coded by two coders yet" in result.stdout
    assert any(line.startswith("talenti_formazione ") for line in result.stdout.splitlines())
