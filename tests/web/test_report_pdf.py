"""The printable report (`scenari report`, /analisi/report.pdf) as an analyst gets it, read back with poppler.

A simulated city is reported through the installed command; its text (pdftotext) must hold every
section's heading, the 2004 baseline, quotes without pseudonyms or chat ids, and no count of a
group under k; its pages are rendered to PNG (pdftoppm) into the test artifacts to look at.
"""

from __future__ import annotations

import csv
import importlib.util
import json
import os
import shutil
import subprocess
from pathlib import Path

import httpx
import pytest
from PIL import Image

from bot.web.auth import hash_password
from storage import Database, analysts
from tests.support.cli import query, scenari
from tests.support.convergence_city import build_city
from tests.support.web_pages import ANALYST_PASSWORD, log_in

ARTIFACTS = Path(os.environ.get("SCENARI_TEST_ARTIFACTS", "var/test-artifacts")) / "report"
CHAT_ID = "987654321"
POPPLER = shutil.which("pdftotext") and shutil.which("pdftoppm")
needs_poppler = pytest.mark.skipif(not POPPLER, reason="poppler-utils (pdftotext, pdftoppm) is not installed: "
                                   "apt-get install -y poppler-utils, or `make browser` as root")
HEADINGS_IT = ["Studio preliminare", "Indice", "Metodo", "Profili di innovazione", "Profili e baseline",
               "Convergenza temi × attori", "Priorità condivise", "Citazioni", "Visioni", "Progetti",
               "Rete di collaborazioni"]
HEADINGS_EN = ["Preliminary study", "Contents", "Method", "Innovation profiles", "Themes × actors convergence",
               "Shared priorities", "Visions", "Projects", "Collaboration network"]


def pdf_text(pdf: Path) -> str:
    return subprocess.run(["pdftotext", "-layout", str(pdf), "-"], capture_output=True, text=True, check=True,
                          timeout=60).stdout


def pages_of(pdf: Path) -> int:
    info = subprocess.run(["pdfinfo", str(pdf)], capture_output=True, text=True, check=True, timeout=60).stdout
    return int(next(line.split()[-1] for line in info.splitlines() if line.startswith("Pages:")))


@pytest.fixture(scope="module")
def city(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """60 simulated respondents whose external ids look like Telegram chat ids."""
    path = tmp_path_factory.mktemp("report") / "scenari.db"
    done = scenari("simulate", "--respondents", "60", db=path)
    assert done.returncode == 0, done.stderr
    query(path, f"UPDATE respondents SET external_id = '{CHAT_ID}' || id")
    return path


@pytest.fixture(scope="module")
def italian(city: Path) -> Path:
    out = city.parent / "report.pdf"
    done = scenari("report", "--out", str(out), db=city)
    assert done.returncode == 0, done.stderr
    assert "Wrote the report" in done.stdout and out.read_bytes().startswith(b"%PDF")
    return out


@needs_poppler
def test_report_has_every_section_and_the_2004_baseline(italian: Path):
    text = pdf_text(italian)
    for heading in HEADINGS_IT:
        assert heading in text, heading
    baseline = next(line for line in text.splitlines() if "Impresa non innovativa" in line and "53.2" in line)
    assert baseline  # the profiles table beside the Censis 2004 baseline
    assert "12.4" in text and "34.3" in text
    assert "Pagina 1 di" in text and "Disegnare scenari condivisi — Cremona" in text  # page numbers, header
    assert ("Lettura della rete" in text) == (importlib.util.find_spec("exports.governance") is not None)


@needs_poppler
def test_quotes_carry_no_pseudonym_and_no_chat_id(italian: Path, city: Path):
    text = pdf_text(italian)
    assert "«Vorrei" in text and "— Cittadini" in text  # the simulated citizens' words, with their category
    assert CHAT_ID not in text
    pseudonyms = [p for (p,) in query(city, "SELECT pseudonym FROM respondents")]
    assert pseudonyms and not [p for p in pseudonyms if p in text]


@needs_poppler
def test_a_small_group_is_hidden_in_print(italian: Path, city: Path):
    """A sector with 1 or 2 firms in the survey: its row is printed, but with no count."""
    true = {json.loads(v): n for v, n in query(city, (
        "SELECT a.value, count(*) FROM answers a JOIN runs r ON r.id = a.run_id WHERE r.questionnaire_id = 'imprese' "
        "AND r.status = 'completed' AND a.is_current AND a.question_key = 'ateco_section' GROUP BY a.value"))}
    exported = city.parent / "profiles"
    done = scenari("tables", "export", "--tables", "innovation_profiles", "--format", "csv", "--out", str(exported),
                   db=city)
    assert done.returncode == 0, done.stderr
    with (exported / "innovation_profiles.csv").open(encoding="utf-8") as f:
        label_of = {row["group"]: row["label"] for row in csv.DictReader(f) if row["breakdown"] == "sector"}
    small = {code: n for code, n in true.items() if 0 < n < 3 and code in label_of}
    assert small, true  # the simulated city has sectors of one or two firms
    lines = pdf_text(italian).splitlines()
    for code, n in small.items():
        row = next(line for line in lines if line.strip().startswith(label_of[code]))
        cells = row.removeprefix(row[: row.index(label_of[code]) + len(label_of[code])]).split()
        assert "–" in cells and str(n) not in cells, (label_of[code], n, row)


@needs_poppler
def test_pages_render_to_png(italian: Path):
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    for old in ARTIFACTS.glob("report-it-*.png"):
        old.unlink()
    pages = pages_of(italian)
    assert pages >= 8  # a cover, the method, then one page or more per section
    subprocess.run(["pdftoppm", "-r", "60", "-png", str(italian), str(ARTIFACTS / "report-it")], check=True, timeout=120)
    images = sorted(ARTIFACTS.glob("report-it-*.png"))
    assert len(images) == pages
    for image in images:  # every page has ink on it: no blank page
        with Image.open(image) as page:
            low, _ = page.convert("L").getextrema()
            assert page.width < page.height and low < 128, image.name
    shutil.copy(italian, ARTIFACTS / "report-it.pdf")


@needs_poppler
def test_english_without_quotes(city: Path):
    out = city.parent / "report-en.pdf"
    done = scenari("report", "--out", str(out), "--lang", "en", "--no-quotes", db=city)
    assert done.returncode == 0, done.stderr
    text = pdf_text(out)
    for heading in HEADINGS_EN:
        assert heading in text, heading
    assert "Page 1 of" in text and "Edition without quotes" in text
    assert "«" not in text and "Vorrei" not in text  # no respondent's words at all


def test_a_folder_that_does_not_exist_is_one_line(city: Path):
    done = scenari("report", "--out", str(city.parent / "nowhere" / "report.pdf"), db=city)
    assert done.returncode == 2 and done.stderr.startswith("Error: the folder") and "Traceback" not in done.stderr


async def test_analysts_download_the_report_from_the_dashboard(client: httpx.AsyncClient, db: Database):
    await build_city(db)
    refused = await client.get("/analisi/report.pdf")
    assert refused.url.path == "/analisi/accesso"  # not logged in: the login page, no PDF
    async with db.transaction() as session:
        await analysts.add_analyst(session, "anna", hash_password(ANALYST_PASSWORD), telegram_id=42)
    overview = await log_in(client)
    assert 'href="/analisi/report.pdf"' in overview.text  # the button on the dashboard
    response = await client.get("/analisi/report.pdf")
    assert response.status_code == 200 and response.headers["content-type"] == "application/pdf"
    assert response.content.startswith(b"%PDF") and "attachment" in response.headers["content-disposition"]
    audit = await client.get("/analisi/registro")
    assert "report.pdf" in audit.text


@needs_poppler
async def test_the_report_of_a_filtered_dashboard_is_the_report_of_that_selection(
    client: httpx.AsyncClient, db: Database, tmp_path: Path
):
    """An analyst who filtered the overview gets the report of what they see, said on its cover."""
    await build_city(db)
    async with db.transaction() as session:
        await analysts.add_analyst(session, "anna", hash_password(ANALYST_PASSWORD), telegram_id=42)
    await log_in(client)
    overview = await client.get("/analisi?questionario=imprese")
    assert 'href="/analisi/report.pdf?questionario=imprese"' in overview.text
    whole = await client.get("/analisi/report.pdf")
    chosen = await client.get("/analisi/report.pdf?questionario=imprese")
    assert whole.status_code == chosen.status_code == 200
    (tmp_path / "whole.pdf").write_bytes(whole.content)
    (tmp_path / "chosen.pdf").write_bytes(chosen.content)
    whole_text, chosen_text = pdf_text(tmp_path / "whole.pdf"), pdf_text(tmp_path / "chosen.pdf")
    assert "Solo la selezione del cruscotto" not in whole_text
    cover = " ".join(chosen_text.split())
    assert "Solo la selezione del cruscotto" in cover and "rispondenti." in cover
    # a selection the dashboard refuses (two union members) is refused for the report too, in the same words
    page = await client.get("/analisi?categoria=union")
    too_few = await client.get("/analisi/report.pdf?categoria=union")
    assert "per riservatezza non mostriamo nulla" in page.text
    assert too_few.status_code == 409 and "per riservatezza non mostriamo nulla" in too_few.text
    assert not too_few.content.startswith(b"%PDF")
    bad = await client.get("/analisi/report.pdf?dal=ieri")
    assert bad.status_code == 400
