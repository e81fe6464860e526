"""`scenari actors …` and `scenari export --table …` as an operator runs them (the installed command)."""

from __future__ import annotations

import csv
import io
import re
from pathlib import Path

import openpyxl
import pandas as pd

from bot.service.catalog import QuestionnaireCatalog
from bot.service.conversation import Conversation
from bot.service.listening import ListeningHooks
from dialogs import Input
from storage import Database, ratings, repository
from tests.support.cli import ROOT, query, scenari

REGISTER = ROOT / "plans" / "cremona" / "register" / "actors.csv"


def test_import_the_example_register_twice_then_list(tmp_path: Path) -> None:
    db = tmp_path / "scenari.db"
    first = scenari("actors", "import", str(REGISTER), db=db)
    assert first.returncode == 0, first.stderr
    assert first.stdout.strip() == "Imported actors.csv: 28 added, 0 updated, 0 unchanged."
    again = scenari("actors", "import", str(REGISTER), db=db)
    assert again.stdout.strip() == "Imported actors.csv: 0 added, 0 updated, 28 unchanged."
    listed = scenari("actors", "list", db=db)
    assert "cgil_cremona" in listed.stdout and "Consorzio Liutai Antonio Stradivari Cremona" in listed.stdout
    assert listed.stdout.splitlines()[-1] == "28 actors: 28 not invited, 0 invited, 0 answered."


def test_a_semicolon_csv_and_an_xlsx_update_by_name_and_add(tmp_path: Path) -> None:
    db = tmp_path / "scenari.db"
    scenari("actors", "import", str(REGISTER), db=db)
    sheet = tmp_path / "update.csv"
    sheet.write_text("Organizzazione;Categoria;Referente\nCNA Cremona;Associazione di categoria;Mario Rossi\n"
                     "Nuova Cooperativa Sociale;third_sector;\n", encoding="utf-8")
    result = scenari("actors", "import", str(sheet), db=db)
    assert result.stdout.strip() == "Imported update.csv: 1 added, 1 updated, 0 unchanged.", result.stderr
    assert query(db, "SELECT contact_person FROM actors WHERE code = 'cna_cremona'") == [("Mario Rossi",)]
    assert query(db, "SELECT code, category FROM actors WHERE organisation LIKE 'Nuova%'") == [
        ("nuova_cooperativa_social", "third_sector")
    ]
    workbook = openpyxl.Workbook()
    workbook.active.append(["code", "organisation", "category", "contact_person"])
    workbook.active.append(["teatro_ponchielli", "Fondazione Teatro Amilcare Ponchielli", "culture", "Ufficio stampa"])
    workbook.save(tmp_path / "update.xlsx")
    result = scenari("actors", "import", str(tmp_path / "update.xlsx"), db=db)
    assert result.stdout.strip() == "Imported update.xlsx: 0 added, 1 updated, 0 unchanged.", result.stderr


def test_bad_rows_are_located_and_nothing_is_stored(tmp_path: Path) -> None:
    db = tmp_path / "scenari.db"
    bad = tmp_path / "bad.csv"
    bad.write_text(
        "code,organisation,category\nok_one,Comune di Cremona,public_body\n,Ente senza categoria,\n"
        "Bad Code!,CNA Cremona,trade_association\nx,Banca,bank\n",
        encoding="utf-8",
    )
    result = scenari("actors", "import", str(bad), db=db)
    assert result.returncode == 1
    lines = result.stderr.splitlines()
    assert lines[0] == f"{bad}: 3 errors, nothing stored:"
    assert lines[1].startswith("  riga 3: unknown category ''")
    assert lines[2].startswith("  riga 4: code 'bad code!' must be")
    assert lines[3].startswith("  riga 5: unknown category 'bank'")
    assert "Traceback" not in result.stderr
    assert query(db, "SELECT count(*) FROM actors") == [(0,)]
    missing = tmp_path / "missing.csv"
    missing.write_text("name,kind\nA,B\n", encoding="utf-8")
    result = scenari("actors", "import", str(missing), db=db)
    assert result.returncode == 1 and "riga 1: missing column(s) category" in result.stderr


def test_invite_prints_links_and_revoke_withdraws_one(tmp_path: Path) -> None:
    db = tmp_path / "scenari.db"
    scenari("actors", "import", str(REGISTER), db=db)
    result = scenari("actors", "invite", "--actor", "cgil_cremona", "--actor", "libera_cremona", db=db)
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    assert [line.split("\t")[0] for line in lines] == ["cgil_cremona", "libera_cremona"]
    assert all(re.fullmatch(r"/start ascolto_[a-z0-9]{24}", line.split("\t")[2]) for line in lines)
    assert "set TELEGRAM_BOT_USERNAME" in result.stderr
    # again: the unused links are printed again, not duplicated; --new makes a fresh one
    same = scenari("actors", "invite", "--actor", "cgil_cremona", db=db, env={"TELEGRAM_BOT_USERNAME": "@ScenariCremonaBot"})
    token = lines[0].split("ascolto_")[1]
    assert same.stdout.strip().endswith(f"https://t.me/ScenariCremonaBot?start=ascolto_{token}")
    fresh = scenari("actors", "invite", "--actor", "cgil_cremona", "--new", db=db)
    assert token not in fresh.stdout
    everyone = scenari("actors", "invite", "--all-pending", db=db)
    assert len(everyone.stdout.splitlines()) == 28 and "28 invitations, 26 new" in everyone.stderr
    unknown = scenari("actors", "invite", "--actor", "nobody", db=db)
    assert unknown.returncode == 2 and "Unknown actor code(s): nobody" in unknown.stderr
    revoked = scenari("actors", "revoke", f"https://t.me/x?start=ascolto_{token}", db=db)
    assert revoked.returncode == 0 and revoked.stdout.strip() == "Revoked the invitation of CGIL Cremona."
    assert query(db, f"SELECT revoked_at IS NOT NULL FROM invitations WHERE token = '{token}'") == [(1,)]
    assert scenari("actors", "revoke", "nonexistent", db=db).returncode == 1
    assert scenari("actors", "list", db=db).stdout.splitlines()[-1] == "28 actors: 0 not invited, 28 invited, 0 answered."


PROJECT_CHAT = "1\n45\nDistretto della liuteria digitale\n=Consorzio Liutai\n/salta\n3\nUn laboratorio condiviso\n2\n250000\n5,6\n2026\n2028\nNuove botteghe\n"


async def test_cards_and_ratings_exports_carry_aggregates_and_no_personal_data(tmp_path: Path) -> None:
    db_path = tmp_path / "scenari.db"
    scenari("actors", "import", str(REGISTER), db=db_path)
    chat = scenari("chat", "--questionnaire", "progetto", "--respondent", "maria", db=db_path, stdin=PROJECT_CHAT)
    assert chat.returncode == 0, chat.stderr
    assert "La scheda «Distretto della liuteria digitale» è registrata (n. 1)." in chat.stdout
    # two raters rate card 1 (as /valuta would), with equal weights: 4.0 and 2.0
    db = Database(f"sqlite+aiosqlite:///{db_path}")
    conversation = Conversation(QuestionnaireCatalog.load(), on_completed=[ListeningHooks()])
    try:
        for user, scores in (("777001", [5, 4, 3, 4, 4]), ("777002", [2, 2, 2, 2, 2])):
            async with db.transaction() as session:
                rater = await conversation.respondent(session, "telegram", user)
                reply = await conversation.begin(session, rater, "valutazione", resume=False)
                run = await repository.get_run_by_public_id(session, reply.run_id)
                await ratings.attach_run(session, 1, rater.id, run.id)
                for key, score in zip(ratings.INDICES, scores):
                    reply = await conversation.handle(session, rater, Input("choice", str(score), key), run_id=reply.run_id)
                reply = await conversation.handle(session, rater, Input("text", "@SUM(A1)"))
                assert reply.completed
    finally:
        await db.dispose()
    out = tmp_path / "cards.csv"
    result = scenari("export", "--table", "cards", "--format", "csv", "--out", str(out), db=db_path)
    assert result.stdout.strip() == f"Exported 1 cards to {out}", result.stderr
    card = next(csv.DictReader(out.open(encoding="utf-8")))
    assert card["title"] == "Distretto della liuteria digitale" and card["promoter"] == "'=Consorzio Liutai"
    assert card["funding"] == "eu; foundations" and card["stage"] == "design" and float(card["cost"]) == 250000
    assert (int(card["raters"]), float(card["overall"]), float(card["sd"]), float(card["min"]), float(card["max"])) == (2, 3.0, 1.0, 2.0, 4.0)
    assert float(card["mean_strategic_role"]) == 3.5
    # weights from the environment: strategic role counts 3 → (15+4+3+4+4)/7 and 2
    out = tmp_path / "ratings.xlsx"
    result = scenari("export", "-t", "ratings", "-o", str(out), db=db_path, env={"SCENARI_RATING_WEIGHTS": "strategic_role=3"})
    assert result.returncode == 0, result.stderr
    workbook = openpyxl.load_workbook(out)
    assert workbook.sheetnames == ["ratings", "cards"]
    frame = pd.read_excel(out, sheet_name="ratings")
    assert list(frame["overall"]) == [30 / 7, 2.0] and list(frame["comment"]) == ["'@SUM(A1)", "'@SUM(A1)"]
    assert list(frame["card_overall"]) == [(30 / 7 + 2) / 2] * 2
    flat = frame.to_csv() + pd.read_excel(out, sheet_name="cards").to_csv()
    assert "777001" not in flat and "maria" not in flat  # pseudonyms only
    # the register export leaves contact persons out
    sheet = tmp_path / "contacts.csv"
    sheet.write_text("organisation,category,contact_person\nCNA Cremona,trade_association,Mario Rossi\n", encoding="utf-8")
    scenari("actors", "import", str(sheet), db=db_path)
    out = tmp_path / "actors.csv"
    scenari("export", "--table", "actors", "-f", "csv", "-o", str(out), db=db_path)
    content = out.read_text(encoding="utf-8")
    assert "Mario Rossi" not in content and "contact" not in content
    assert len(list(csv.DictReader(io.StringIO(content)))) == 28
