"""What an analyst in Bozen/Bolzano reads is German: the workbook, the raw export, the dashboard.

plans/bolzano speaks German first (plan.yaml ``languages: [de, it, en]``). Answered, tagged and
exported as an operator would, with nothing but SCENARI_PLAN_DIR pointing at the plan (as
tests/exports/test_exports_tables_plan.py): ``scenari tables export --lang de`` and ``scenari export
--lang de`` write German words, /analisi shows German titles (the plan's default language, per
request: the language cookie switches it), and a language the plan does not speak gets one line.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import httpx
import openpyxl
import pytest

from bot.settings import Settings
from bot.web import create_app
from bot.web.auth import hash_password
from storage import Database, analysts
from tests.support.cli import ROOT, scenari
from tests.support.web_pages import ANALYST_PASSWORD, asgi_client, csrf_of, log_in
from tests.web.conftest import SECRET

BOLZANO = ROOT / "plans" / "bolzano"
ENV = {"SCENARI_PLAN_DIR": str(BOLZANO)}
# consent, age, district, the themes chosen (mobilitaet, wohnen), the idea, satisfaction
ZUKUNFT = "1\n30\n5\n1,2\nMehr Radwege und leistbares Wohnen für junge Familien\n4\n"


@pytest.fixture(scope="module")
def bozen(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A Bozen database: three citizens answered zukunft, their ideas tagged."""
    db = tmp_path_factory.mktemp("bozen") / "bozen.db"
    assert scenari("db", "upgrade", db=db, env=ENV).returncode == 0
    for respondent in ("anna", "ben", "carla"):
        run = scenari("chat", "--questionnaire", "zukunft", "--respondent", respondent, db=db, env=ENV, stdin=ZUKUNFT)
        assert "Der Fragebogen ist vollständig" in run.stdout, run.stdout + run.stderr
    assert scenari("nlp", "tag", db=db, env=ENV).returncode == 0
    return db


def _rows(sheet: openpyxl.worksheet.worksheet.Worksheet) -> list[tuple[object, ...]]:
    return [tuple(row) for row in sheet.iter_rows(values_only=True)]


def test_the_convergence_workbook_speaks_german(bozen: Path, tmp_path: Path):
    out = tmp_path / "tabellen.xlsx"
    done = scenari("tables", "export", "--format", "xlsx", "--lang", "de", "--out", str(out), db=bozen, env=ENV)
    assert done.returncode == 0, done.stderr
    book = openpyxl.load_workbook(out)
    assert book.sheetnames[0] == "LIESMICH"
    assert {"konvergenz", "gemeinsame_prioritäten", "visionen", "governance_lesart"} <= set(book.sheetnames)
    assert not {"LEGGIMI", "convergenza", "README"} & set(book.sheetnames)
    readme = _rows(book["LIESMICH"])
    assert readme[0] == ("abschnitt", "name", "bedeutung")
    meanings = {name: meaning for _, name, meaning in readme[1:]}
    assert meanings["title"] == "Scenari — Konvergenztabellen"
    assert meanings["konvergenz"].startswith("Konvergenz der Themen: Thema × Akteurskategorie")
    assert meanings["Borda"].startswith("Rang 1 von R = 3 bringt 3 Punkte")
    assert meanings["konvergenz.label"] == "Bezeichnung des Themas"
    assert {section for section, _, _ in readme[1:]} >= {"info", "formel", "blatt", "spalte"}
    # the governance reading too: Bozen names no collaboration yet, and says so in German
    reading = [row[1] for row in _rows(book["governance_lesart"])[1:]]
    assert reading == ["Bisher wurde keine Zusammenarbeit genannt: das Netzwerk lässt sich noch nicht lesen."]

    # without --lang: the plan's own language, German, not Italian
    plain = tmp_path / "plain.xlsx"
    assert scenari("tables", "export", "--format", "xlsx", "--out", str(plain), db=bozen, env=ENV).returncode == 0
    assert openpyxl.load_workbook(plain, read_only=True).sheetnames[0] == "LIESMICH"
    # and Italian on request, from the same plan
    italian = tmp_path / "it.xlsx"
    done = scenari("tables", "export", "--format", "xlsx", "--lang", "it", "--out", str(italian), db=bozen, env=ENV)
    assert done.returncode == 0 and "convergenza" in openpyxl.load_workbook(italian, read_only=True).sheetnames


def test_the_raw_export_has_a_german_codebook(bozen: Path, tmp_path: Path):
    out = tmp_path / "zukunft.xlsx"
    done = scenari("export", "-q", "zukunft", "--lang", "de", "--out", str(out), db=bozen, env=ENV)
    assert done.returncode == 0, done.stderr
    book = openpyxl.load_workbook(out)
    assert book.sheetnames == ["antworten", "codebook", "codes", "info"]
    codebook = _rows(book["codebook"])
    assert codebook[0][:7] == ("tabelle", "spalte", "name_sav_dta", "frage", "art", "typ", "text")
    questions = {row[1]: row[6] for row in codebook[1:]}
    assert questions["status"] == "Stand der Befragung"
    assert questions["respondent"] == "Antwortende Person (Pseudonym)"
    answers = _rows(book["antworten"])
    status = answers[0].index("status")
    assert {row[status] for row in answers[1:]} == {"Abgeschlossen"}
    about = dict(row[:2] for row in _rows(book["info"])[1:])
    assert about["Datenschutz"] == "nur Pseudonyme: keine Namen, keine Chat-Kennungen"


@pytest.mark.parametrize("command", [
    ("tables", "export", "--format", "xlsx"),
    ("export", "-q", "zukunft", "--format", "xlsx"),
    ("report",),
])
def test_a_language_the_plan_does_not_speak_gets_one_polite_line(bozen: Path, tmp_path: Path, command: tuple[str, ...]):
    out = tmp_path / ("x.pdf" if command == ("report",) else "x.xlsx")
    done = scenari(*command, "--lang", "fr", "--out", str(out), db=bozen, env=ENV)
    assert done.returncode == 2 and done.stdout == ""
    assert done.stderr.strip().splitlines() == ["Error: --lang 'fr' is not a language of the plan (de, it, en)"]
    assert not out.exists()


def test_cremona_does_not_offer_german(tmp_path: Path):
    db = tmp_path / "cremona.db"
    assert scenari("db", "upgrade", db=db).returncode == 0
    done = scenari("tables", "export", "--lang", "de", "--format", "xlsx", "--out", str(tmp_path / "x.xlsx"), db=db)
    assert done.returncode == 2
    assert done.stderr.strip().splitlines() == ["Error: --lang 'de' is not a language of the plan (it, en)"]


# --- the dashboard ----------------------------------------------------------------------------------


@pytest.fixture
async def analyst(bozen: Path, tmp_path: Path) -> AsyncIterator[httpx.AsyncClient]:
    """An analyst's browser on Bozen's dashboard (the app in process, on the CLI-built database)."""
    db = Database(f"sqlite+aiosqlite:///{bozen}")
    async with db.transaction() as session:
        if await analysts.credentials(session, "anna") is None:  # the database is the module's
            await analysts.add_analyst(session, "anna", hash_password(ANALYST_PASSWORD), telegram_id=42)
    settings = Settings(  # type: ignore[call-arg]
        SCENARI_DATABASE_URL=f"sqlite:///{bozen}", SCENARI_SECRET_KEY=SECRET, SCENARI_PLAN_DIR=str(BOLZANO),
    )
    try:
        async with asgi_client(create_app(settings, db, key_file=tmp_path / "secret_key")) as client:
            yield client
    finally:
        await db.dispose()


async def test_the_dashboard_speaks_german_and_switches_per_request(analyst: httpx.AsyncClient):
    page = await log_in(analyst)
    assert page.status_code == 200 and page.url.path == "/analisi"
    assert '<html lang="de">' in page.text
    assert "Tabellen berechnet am" in page.text and "Filter anwenden" in page.text  # the caption, the filters
    assert "Vorstudie herunterladen" in page.text and "Tätigkeitsprotokoll" in page.text
    page = await analyst.get("/analisi/convergenza")
    assert "Konvergenz Themen × Akteure" in page.text and "Konvergenz der Themen" in page.text
    assert "Anteil jeder Akteurskategorie, die das Thema trägt" in page.text and "Rang" in page.text
    assert "Convergenza temi × attori" not in page.text and "Tabelle calcolate" not in page.text
    assert "Bürgerinnen und Bürger" in page.text and "Cittadini" not in page.text  # the citizens' category
    page = await analyst.get("/analisi/priorita")
    assert "Gemeinsame strategische Prioritäten" in page.text
    page = await analyst.get("/analisi/attivita")  # the dashboard's own table, built in Italian, shown in German
    assert "Abgeschlossene Fragebögen pro" in page.text and "Befragten ist ausgeblendet" in page.text
    assert "Risposte nel tempo" not in page.text and "Questionari completati" not in page.text
    assert ">Terminal<" in page.text and ">cli<" not in page.text  # the channel, named in German (its code is "cli")

    # the language is the browser's choice (the header's switch sets it): Italian on request
    italian = await analyst.post("/lingua", data={"csrf": csrf_of(page.text, "/lingua"), "lang": "it",
                                                  "next": "/analisi/convergenza"})
    assert "Convergenza temi × attori" in italian.text and "Convergenza dei temi" in italian.text
