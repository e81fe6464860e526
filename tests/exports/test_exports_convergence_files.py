"""The convergence tables as files (XLSX, CSV, Parquet, zip), the CLI and the scheduled rebuild."""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
import zipfile
from pathlib import Path

import openpyxl
import pandas as pd
import pytest

from exports.options import ScheduleOptions
from exports.scheduler import LATEST, ConvergenceJob, start_scheduler
from exports.tables import TABLE_NAMES, Options, compute_tables, write_tables
from exports.tables.language import sheet_name
from storage import Database, upgrade_database
from tests.support.convergence_city import build_city
from tests.support.plans import CREMONA_QUESTIONNAIRES
from tests.support.plans import CREMONA_SOURCES

SCENARI = Path(sys.executable).with_name("scenari")


@pytest.fixture
async def city(sqlite_db):
    await build_city(sqlite_db)
    return sqlite_db


async def test_workbook_cell_by_cell(city, tmp_path):
    """The deployment speaks Italian (Options.lang's default): sheets, README and charts in Italian;
    the column headers and cells are the tables' own."""
    tables = await compute_tables(city, Options(sources=CREMONA_SOURCES, k=3))
    [path] = write_tables(tables, "xlsx", tmp_path / "out.xlsx")
    book = openpyxl.load_workbook(path)
    assert book.sheetnames == ["LEGGIMI", *(sheet_name(n, "it") for n in TABLE_NAMES)]
    assert book.sheetnames[1:6] == ["priorità_condivise", "convergenza", "convergenza_celle", "citazioni", "priorità"]
    readme = book["LEGGIMI"]
    assert [c.value for c in readme[1]] == ["sezione", "nome", "significato"]
    rows = list(readme.iter_rows(min_row=2, values_only=True))
    names = {row[1]: row[2] for row in rows}
    assert names["k"].startswith("3: il conteggio più piccolo") and names["runs_visione"] == "5"
    assert names["title"] == "Scenari — tabelle delle convergenze"
    assert "(n + 1) / (N + 2)" in names["group_score"] and names["Borda"].startswith("il posto 1")
    assert "convergenza.group_score" in names and names["priorità_condivise"].startswith("Priorità strategiche condivise")
    assert {row[0] for row in rows} == {"informazioni", "conteggio", "formula", "foglio", "colonna"}
    ws = book["priorità_condivise"]
    header = [c.value for c in ws[1]]
    assert ws.freeze_panes == "A2"
    row = {h: c.value for h, c in zip(header, ws[2])}
    # units: blank in the workbook too — 10 − 3 − 3 − 3 would give the union's hidden 1 (secondary suppression)
    assert (row["rank"], row["theme"], row["label"], row["categories_above"], row["units"]) == (
        1, "innovazione", "Innovazione", 3, None)
    assert "secondary suppression" in names and names["secondary suppression"].startswith("dove un vuoto")
    assert _chart_title(ws) == "Categorie che condividono il tema"
    assert row["group_score"] == pytest.approx(64 / 175)
    ambiente = {h: c.value for h, c in zip(header, ws[3])}
    assert ambiente["theme"] == "ambiente"
    # citizen 10's words begin with "=": neutralised, never a formula
    quotes = [ambiente[f"quote_{i}"] for i in (1, 2, 3)]
    assert any(q.startswith("'=HYPERLINK") for q in quotes), quotes
    assert all(c.data_type != "f" for r in ws.iter_rows() for c in r)
    conv = book["convergenza"]
    header = [c.value for c in conv[1]]
    innov = {h: c.value for h, c in zip(header, conv[2])}
    assert innov["n_union"] is None and innov["share_union"] is None  # suppressed: an empty cell
    assert innov["n_citizen"] == 3 and innov["share_citizen"] == 0.6
    assert len(ws._charts) == 1 and len(book["profili_baseline"]._charts) == 1
    base = book["profili_baseline"]
    assert [c.value for c in base[1]] == ["profile", "label", "firms", "pct", "baseline_pct", "difference_pp"]
    assert [c.value for c in base[2]] == ["anticipatrice", "Impresa anticipatrice", 3, 30, 12.4, 17.6]


def _chart_title(ws) -> str:
    [chart] = ws._charts
    return "".join(run.t for p in chart.title.tx.rich.p for run in p.r or ())


async def test_workbook_in_english_on_request(city, tmp_path):
    tables = await compute_tables(city, Options(sources=CREMONA_SOURCES, k=3, lang="en"))
    [path] = write_tables(tables, "xlsx", tmp_path / "out.xlsx")
    book = openpyxl.load_workbook(path)
    assert book.sheetnames == ["README", *TABLE_NAMES]
    readme = book["README"]
    assert [c.value for c in readme[1]] == ["section", "name", "meaning"]
    rows = list(readme.iter_rows(min_row=2, values_only=True))
    names = {row[1]: row[2] for row in rows}
    assert names["k"] == "3: smallest count shown (small-cell suppression)"
    assert names["shared_priorities"].startswith("Shared strategic priorities: Themes ranked")
    assert "convergence.group_score" in names and {row[0] for row in rows} == {"about", "count", "formula", "table", "column"}
    assert _chart_title(book["shared_priorities"]) == "Categories sharing the theme"
    assert _chart_title(book["innovation_vs_baseline"]).startswith("Profiles: today and ")
    header = [c.value for c in book["shared_priorities"][1]]
    assert header[:3] == ["rank", "theme", "label"]
    assert any(str(c.value).startswith("'=HYPERLINK") for r in book["shared_priorities"].iter_rows() for c in r)
    assert all(c.data_type != "f" for ws in book for r in ws.iter_rows() for c in r)


async def test_csv_and_parquet_one_file_per_table(city, tmp_path):
    """The files keep the tables' ids in any language (scripts read them): file names, README's
    headers and sections; only what a meaning says is in the deployment's language."""
    tables = await compute_tables(city, Options(sources=CREMONA_SOURCES, k=3))
    csv_files = write_tables(tables, "csv", tmp_path / "csv")
    assert sorted(p.name for p in csv_files) == sorted(["README.csv", *(f"{n}.csv" for n in TABLE_NAMES)])
    readme = pd.read_csv(tmp_path / "csv" / "README.csv").set_index(["section", "name"])["meaning"]
    assert readme[("table", "shared_priorities")].startswith("Priorità strategiche condivise")
    assert readme[("about", "title")] == "Scenari — tabelle delle convergenze" and ("count", "runs_visione") in readme
    priorities = pd.read_csv(tmp_path / "csv" / "priorities.csv")
    assert priorities.loc[0, "theme"] == "innovazione" and priorities.loc[0, "points"] == 11
    assert pd.isna(priorities.set_index("theme").loc["mobilita", "points"])  # suppressed: empty, not 0
    write_tables(tables, "parquet", tmp_path / "pq")
    for name in TABLE_NAMES:
        back = pd.read_parquet(tmp_path / "pq" / f"{name}.parquet")
        assert list(back.columns) == list(tables[name].columns), name
        assert len(back) == len(tables[name]), name
    conv = pd.read_parquet(tmp_path / "pq" / "convergence.parquet").set_index("theme")
    assert conv.loc["innovazione", "group_score"] == pytest.approx(64 / 175)
    assert pd.isna(conv.loc["innovazione", "n_union"]) and conv.loc["mobilita", "n_public_body"] == 0
    quotes = pd.read_parquet(tmp_path / "pq" / "quotes.parquet")
    assert quotes["quote"].str.startswith("'=").sum() == 1
    [archive] = write_tables(tables, "parquet", tmp_path / "tables.zip", names=["projects", "network_edges"])
    with zipfile.ZipFile(archive) as z:
        assert sorted(z.namelist()) == ["README.parquet", "network_edges.parquet", "projects.parquet"]


def _scenari(*args: str, db: Path):
    clean = {k: v for k, v in os.environ.items() if not k.startswith(("SCENARI_", "TELEGRAM_"))}
    return subprocess.run([str(SCENARI), *args], capture_output=True, text=True, timeout=180, cwd=db.parent,
                          env={**clean, "SCENARI_DATABASE_URL": f"sqlite:///{db}"})


async def test_cli_tables_export_and_rebuild(tmp_path):
    path = tmp_path / "scenari.db"
    db = Database(f"sqlite+aiosqlite:///{path}")
    await upgrade_database(db)
    await build_city(db)
    await db.dispose()
    done = _scenari("tables", "export", "--format", "xlsx", "--out", str(tmp_path / "t.xlsx"), db=path)
    assert done.returncode == 0, done.stderr
    assert f"Exported {len(TABLE_NAMES)} tables" in done.stdout  # 17 convergence + 5 consensus
    italian = openpyxl.load_workbook(tmp_path / "t.xlsx")  # the deployment's language: SCENARI_LANG, Italian
    assert italian.sheetnames[:2] == ["LEGGIMI", "priorità_condivise"] and italian["priorità"]["B2"].value == "innovazione"
    assert [c.value for c in italian["LEGGIMI"][1]] == ["sezione", "nome", "significato"]
    done = _scenari("tables", "export", "--tables", "priorities,projects", "--lang", "en", "--format", "xlsx",
                    "--out", str(tmp_path / "en.xlsx"), db=path)
    assert done.returncode == 0, done.stderr
    english = openpyxl.load_workbook(tmp_path / "en.xlsx")
    assert english.sheetnames == ["README", "priorities", "projects"]
    assert [c.value for c in english["README"][1]] == ["section", "name", "meaning"]
    assert english["priorities"]["B2"].value == "innovazione"
    bad = _scenari("tables", "export", "--lang", "xx", "--format", "xlsx", "--out", str(tmp_path / "x.xlsx"), db=path)
    assert bad.returncode == 2 and "--lang" in bad.stderr and not (tmp_path / "x.xlsx").exists()
    done = _scenari("tables", "export", "--tables", "priorities,projects", "--format", "csv", "--k", "1",
                    "--out", str(tmp_path / "csv"), db=path)
    assert done.returncode == 0, done.stderr
    assert sorted(p.name for p in (tmp_path / "csv").iterdir()) == ["README.csv", "priorities.csv", "projects.csv"]
    assert pd.read_csv(tmp_path / "csv" / "projects.csv")["overall"].tolist() == [4.0, 2.0]
    bad = _scenari("tables", "export", "--tables", "nope", "--format", "csv", "--out", str(tmp_path / "x"), db=path)
    assert bad.returncode == 2 and "Unknown table 'nope'" in bad.stderr
    done = _scenari("tables", "rebuild", "--no-tag", "--out-dir", str(tmp_path / "exports"), db=path)
    assert done.returncode == 0, done.stderr
    assert (tmp_path / "exports" / LATEST).is_file()
    assert len(list((tmp_path / "exports").glob("convergence-2*.xlsx"))) == 1


async def test_rebuild_tags_pending_texts_first(sqlite_db, tmp_path, theme_tagger):
    """A citizen's new answer is tagged by the job and shows up in the tables it writes."""
    from sqlalchemy import insert

    from storage.models import Answer, Consent, Respondent, Run

    async with sqlite_db.transaction() as session:
        await session.execute(insert(Respondent), [{"id": 1, "pseudonym": "abc", "channel": "t", "external_id": "1"}])
        await session.execute(insert(Consent), [{"respondent_id": 1, "purpose": "participation", "granted": True,
                                                 "notice_version": "t"}])
        await session.execute(insert(Run), [{"id": 1, "respondent_id": 1, "questionnaire_id": "visione",
                                             "questionnaire_version": 1, "status": "completed", "state": {}}])
        await session.execute(insert(Answer), [{"run_id": 1, "question_key": "become", "item_index": 0,
                                                "value": "Una città della musica e della liuteria", "is_current": True}])
    from storage import repository
    from dialogs import load_file

    visione = load_file(CREMONA_QUESTIONNAIRES / "visione.yaml")
    async with sqlite_db.transaction() as session:  # the tagger finds free texts by the stored definition
        await repository.register_definition(session, "visione", 1, visione.model_dump(mode="json"))
    job = ConvergenceJob(sqlite_db, tmp_path, Options(sources=CREMONA_SOURCES, k=1), tagger=theme_tagger)
    result = await job.run_once()
    assert result.tagged == 1
    cells = pd.read_excel(result.latest, sheet_name="convergenza_celle")
    musica = cells[(cells["theme"] == "musica_liuteria") & (cells["category"] == "citizen")]
    assert musica["units"].tolist() == [1]


async def test_scheduler_runs_the_job_and_survives_a_failure(city, tmp_path, caplog):
    options = ScheduleOptions(tables=Options(sources=CREMONA_SOURCES, k=3, lang="it"), aggregate_minutes=15, spacy_model=None)
    scheduler = start_scheduler(options, city, out_dir=tmp_path)
    job = scheduler.convergence_job
    job.tag = False
    try:
        for _ in range(2400):  # bounded polling, generous; no duration asserted
            if job.runs:
                break
            await asyncio.sleep(0.05)
        assert job.runs == 1 and (tmp_path / LATEST).is_file()
        entry = next(j for j in scheduler.get_jobs() if j.id == "convergence")
        assert entry.max_instances == 1 and entry.trigger.interval.total_seconds() == 15 * 60
        job.db = None  # a broken rebuild is logged, not raised
        await job()
        assert job.errors == 1 and "rebuilding the convergence tables failed" in caplog.text
    finally:
        scheduler.shutdown(wait=False)
