"""The listening interview and the citizens' vision answered with `scenari chat` (stdin piped),
then read back from the database and from `scenari export`."""

from __future__ import annotations

import json
import os
import sqlite3
import subprocess
import sys
from pathlib import Path

import openpyxl
import pandas as pd
import pytest

ROOT = Path(__file__).resolve().parents[2]
REGISTER = ROOT / "plans" / "cremona" / "register" / "actors.csv"
SCENARI = Path(sys.executable).with_name("scenari")


def scenari(*args: str, env: dict[str, str], cwd: Path, stdin: str | None = None):
    clean = {k: v for k, v in os.environ.items() if not k.startswith(("SCENARI_", "TELEGRAM_"))}
    return subprocess.run(
        [str(SCENARI), *args], input=stdin, capture_output=True, text=True, timeout=120,
        env={**clean, **env}, cwd=cwd,
    )


def lines(*typed: str) -> str:
    return "\n".join(typed) + "\n"


# Anna (a trade association) stops after her first objective and resumes with the same command.
ANNA_FIRST = lines(
    "1",  # consent
    "Direttore generale",
    "2",  # Associazioni di categoria
    "boh",  # too thin: the follow-up comes
    "Rafforzare la filiera agroalimentare con le imprese del territorio",
    "2",  # medium term
    "si",  # another objective
)
ANNA_SECOND = lines(
    "Portare la banda ultralarga nei distretti produttivi",
    "1",  # short term …
    "/indietro",  # … no, long term
    "3",
    "no",  # no third objective
    "10,1,14",  # priorities, in order
    "1,3",
    "Una città che innova partendo dalla sua tradizione",
    "2,5",
    "1,5",  # works with public bodies and unions
    "4,6",  # Comune di Cremona, CGIL Cremona (the register, filtered)
    "4",  # would like universities and training
    "2",  # Politecnico di Milano
    "si",
    "Distretto della liuteria digitale", "2", "4",
    "Scansioni 3D",  # thin: asked for more
    "Scansione 3D e prove acustiche per le botteghe",
    "no",  # no other project
    "1",  # review: change the role
    "Direttrice generale",
    "invia",
)
ANNA = {
    ("role", 0): "Direttrice generale",
    ("category", 0): "trade_association",
    ("objective", 0): "boh",
    ("objective_more", 0): "Rafforzare la filiera agroalimentare con le imprese del territorio",
    ("horizon", 0): "medium",
    ("objective", 1): "Portare la banda ultralarga nei distretti produttivi",
    ("horizon", 1): "long",
    ("priorities", 0): ["made_in_cremona", "innovazione", "lavoro"],
    ("visions", 0): ["citta_innovazione", "citta_collaborazione"],
    ("vision_text", 0): "Una città che innova partendo dalla sua tradizione",
    ("assets", 0): ["agrifood", "industry"],
    ("collab_categories", 0): ["public_body", "union"],
    ("collaborates_with", 0): ["comune_cremona", "cgil_cremona"],
    ("wish_categories", 0): ["university_training"],
    ("would_collaborate", 0): ["polimi_cremona"],
    ("has_projects", 0): "yes",
    ("project_title", 0): "Distretto della liuteria digitale",
    ("project_stage", 0): "design",
    ("project_theme", 0): "musica_liuteria",
    ("project_summary", 0): "Scansioni 3D",
    ("project_summary_more", 0): "Scansione 3D e prove acustiche per le botteghe",
}
# Bruno (a union) skips what is optional and carries no project.
BRUNO_INPUT = lines(
    "si", "Segretario provinciale", "5",
    "Difendere il lavoro di qualità nelle imprese cremonesi", "3", "no",
    "14,13,1", "3", "/salta", "9",
    "/salta",  # no collaborations now: the register question is not asked
    "/salta",
    "no",  # no projects
    "ok",  # submit from the review
)
BRUNO = {
    ("role", 0): "Segretario provinciale",
    ("category", 0): "union",
    ("objective", 0): "Difendere il lavoro di qualità nelle imprese cremonesi",
    ("horizon", 0): "long",
    ("priorities", 0): ["lavoro", "coesione_sociale", "innovazione"],
    ("visions", 0): ["citta_collaborazione"],
    ("vision_text", 0): None,
    ("assets", 0): ["community"],
    ("collab_categories", 0): None,
    ("wish_categories", 0): None,
    ("has_projects", 0): "no",
}
# Luca, a citizen, sends two visions.
LUCA_FIRST = lines("1", "24", "1", "1,3", "6,7", "boh", "Una città della musica, aperta ai giovani", "Più treni per Milano")
LUCA_SECOND = lines("27", "1", "1", "10", "Una città digitale con servizi pubblici semplici", "/salta")
MIA = lines("1", "12", "15")  # consents, is 12: stopped; the chat ends before "15"


@pytest.fixture(scope="module")
def chats(tmp_path_factory):
    folder = tmp_path_factory.mktemp("listening")
    database = folder / "scenari.db"
    env = {"SCENARI_DATABASE_URL": f"sqlite:///{database}"}
    imported = scenari("actors", "import", str(REGISTER), env=env, cwd=folder)
    assert imported.returncode == 0, imported.stderr
    runs = {
        "anna_1": scenari("chat", "--questionnaire", "ascolto", "--respondent", "Anna", env=env, cwd=folder, stdin=ANNA_FIRST),
        "anna_2": scenari("chat", "--questionnaire", "ascolto", "--respondent", "Anna", env=env, cwd=folder, stdin=ANNA_SECOND),
        "bruno": scenari("chat", "-q", "ascolto", "--respondent", "Bruno", env=env, cwd=folder, stdin=BRUNO_INPUT),
        "luca_1": scenari("chat", "--questionnaire", "visione", "--respondent", "Luca", env=env, cwd=folder, stdin=LUCA_FIRST),
        "luca_2": scenari("chat", "--questionnaire", "visione", "--respondent", "Luca", env=env, cwd=folder, stdin=LUCA_SECOND),
        "mia": scenari("chat", "--questionnaire", "visione", "--respondent", "Mia", env=env, cwd=folder, stdin=MIA),
    }
    return {"folder": folder, "database": database, "env": env, "import": imported, **runs}


def stored(database: Path, who: str, questionnaire: str) -> list[dict[tuple[str, int], object]]:
    """The current answers of each of ``who``'s runs, keyed by (question, item index)."""
    with sqlite3.connect(database) as connection:
        rows = connection.execute(
            "SELECT u.id, a.question_key, a.item_index, a.value FROM answers a JOIN runs u ON u.id = a.run_id "
            "JOIN respondents r ON r.id = u.respondent_id "
            "WHERE a.is_current AND r.external_id = ? AND u.questionnaire_id = ? ORDER BY u.id, a.id",
            (who, questionnaire),
        ).fetchall()
    runs: dict[int, dict[tuple[str, int], object]] = {}
    for run, key, index, value in rows:
        runs.setdefault(run, {})[(key, index)] = json.loads(value) if isinstance(value, str) else value
    return list(runs.values())


def run_statuses(database: Path, who: str) -> list[tuple[str, str]]:
    with sqlite3.connect(database) as connection:
        return connection.execute(
            "SELECT u.questionnaire_id, u.status FROM runs u JOIN respondents r ON r.id = u.respondent_id "
            "WHERE r.external_id = ? ORDER BY u.id", (who,),
        ).fetchall()


# --- the chats ----------------------------------------------------------------------------------


def test_every_chat_ends_as_expected(chats):
    assert chats["import"].stdout.startswith("Imported actors.csv: 28 added")
    assert chats["anna_1"].returncode == 3  # input ended mid-way: resumable
    assert "Input terminato prima della fine" in chats["anna_1"].stdout
    for name in ("anna_2", "bruno", "luca_1", "luca_2"):
        assert chats[name].returncode == 0, chats[name].stdout[-2000:] + chats[name].stderr
    for name in ("anna_1", "anna_2", "bruno", "luca_1", "luca_2"):
        assert "Traceback" not in chats[name].stdout + chats[name].stderr


def test_the_interview_reads_as_an_interviewee_sees_it(chats):
    first, second = chats["anna_1"].stdout, chats["anna_2"].stdout
    assert "[3/13] Obiettivo 1 — Quale obiettivo strategico persegue la sua organizzazione per la città?" in first
    assert "Può dirmi qualcosa di più? Anche una frase in più ci aiuta a capire." in first
    assert "Vuole indicare un altro obiettivo strategico?" in first
    assert second.startswith("Riprendiamo da dove si era fermato.\n[3/13] Obiettivo 2 — ")
    assert "(Risposta attuale: Breve termine (entro 2 anni))" in second  # after /indietro
    assert "(scriva i numeri in ordine di importanza, separati da virgole, es. 3,1,5)" in second
    # the register, filtered by the categories chosen: public bodies and unions only
    partners = second.split("Con quali di questi collabora?")[1].split("(scriva")[0]
    assert "  4) [ ] Comune di Cremona" in partners and "  6) [ ] CGIL Cremona" in partners
    assert "CNA Cremona" not in partners and "Politecnico" not in partners
    assert "Può dirmi qualcosa di più sul progetto?" in second


def test_the_review_lists_the_answers_and_a_change_comes_back_to_it(chats):
    out = chats["anna_2"].stdout
    summaries = out.split("Ecco il riepilogo delle sue risposte.")
    assert len(summaries) == 3  # before and after changing the role
    before, after = summaries[1], summaries[2]
    assert "   → Direttore generale" in before and "   → Direttrice generale" in after
    assert "   1) boh (+ Rafforzare la filiera agroalimentare con le imprese del territorio) · Medio termine (2–5 anni)" in after
    assert "   2) Portare la banda ultralarga nei distretti produttivi · Lungo termine (oltre 5 anni)" in after
    assert "   → 1. Made in Cremona, agroalimentare e industria, 2. Innovazione, 3. Lavoro e occupazione" in after
    assert "   → Comune di Cremona, CGIL Cremona" in after
    assert "  14) Invia le risposte ✔" in after
    assert "(scriva il numero della risposta da cambiare, oppure «invia» per inviare)" in after
    assert "(Risposta attuale: Direttore generale)" in out
    assert "Il questionario è completo e le risposte sono state salvate." in after
    assert "Grazie: il suo contributo entra nell'analisi delle convergenze del piano strategico." in out


def test_skipped_collaborations_hide_the_register_question(chats):
    out = chats["bruno"].stdout
    assert "Con quali di questi collabora?" not in out
    assert "Con quali di questi vorrebbe collaborare?" not in out
    assert "Progetti" not in out.split("Ecco il riepilogo")[1]


# --- the database ---------------------------------------------------------------------------------


def test_the_interviews_are_stored_with_item_indexes_and_follow_ups(chats):
    assert stored(chats["database"], "Anna", "ascolto") == [ANNA]
    assert stored(chats["database"], "Bruno", "ascolto") == [BRUNO]
    assert run_statuses(chats["database"], "Anna") == [("ascolto", "completed")]


def test_corrected_answers_stay_in_the_history(chats):
    with sqlite3.connect(chats["database"]) as connection:
        rows = connection.execute(
            "SELECT a.question_key, a.item_index, a.value, a.is_current FROM answers a JOIN runs u ON u.id = a.run_id "
            "JOIN respondents r ON r.id = u.respondent_id WHERE r.external_id = 'Anna' "
            "AND a.question_key IN ('role', 'horizon') ORDER BY a.id"
        ).fetchall()
    assert rows == [
        ("role", 0, '"Direttore generale"', 0),
        ("horizon", 0, '"medium"', 1),
        ("horizon", 1, '"short"', 0),
        ("horizon", 1, '"long"', 1),
        ("role", 0, '"Direttrice generale"', 1),
    ]


def test_a_citizen_sends_two_visions(chats):
    first, second = stored(chats["database"], "Luca", "visione")
    assert first == {
        ("age", 0): 24, ("area", 0): "cremona_centre", ("relation", 0): ["lives", "studies"],
        ("visions", 0): ["citta_talenti", "citta_musica"], ("become", 0): "boh",
        ("become_more", 0): "Una città della musica, aperta ai giovani", ("change_first", 0): "Più treni per Milano",
    }
    assert second == {
        ("age", 0): 27, ("area", 0): "cremona_centre", ("relation", 0): ["lives"],
        ("visions", 0): ["citta_digitale"], ("become", 0): "Una città digitale con servizi pubblici semplici",
        ("change_first", 0): None,
    }
    assert run_statuses(chats["database"], "Luca") == [("visione", "completed"), ("visione", "completed")]
    assert "Puoi dirci qualcosa di più?" in chats["luca_1"].stdout
    assert "Puoi dirci qualcosa di più?" not in chats["luca_2"].stdout
    assert "Prima di iniziare" not in chats["luca_2"].stdout  # consent given once
    assert "Grazie! Puoi mandare una nuova visione quando vuoi." in chats["luca_2"].stdout


def test_a_twelve_year_old_is_stopped_in_the_terminal(chats):
    chat = chats["mia"]
    assert chat.returncode == 0, chat.stderr
    assert "Prima di cominciare: quanti anni hai?" in chat.stdout
    assert "almeno 14 anni" in chat.stdout and "privacy@comune.cremona.example" in chat.stdout
    assert "Dove vivi?" not in chat.stdout  # the chat ended: "15" was never read as an answer
    assert run_statuses(chats["database"], "Mia") == [("visione", "stopped")]
    assert stored(chats["database"], "Mia", "visione") == []


# --- the exports ------------------------------------------------------------------------------------


def pseudonyms(database: Path) -> dict[str, str]:
    with sqlite3.connect(database) as connection:
        return dict(connection.execute("SELECT external_id, pseudonym FROM respondents"))


@pytest.fixture(scope="module")
def exports(chats):
    out = chats["folder"] / "export"
    xlsx = scenari("export", "-q", "ascolto", "-f", "xlsx", "-o", str(out / "ascolto.xlsx"), env=chats["env"], cwd=chats["folder"])
    csv = scenari("export", "-q", "ascolto", "-f", "csv", "-o", str(out / "ascolto.csv"), env=chats["env"], cwd=chats["folder"])
    assert xlsx.returncode == 0 and csv.returncode == 0, xlsx.stderr + csv.stderr
    assert xlsx.stdout.strip() == f"Exported 2 runs of ascolto (2 completed, 0 partial) to {out / 'ascolto.xlsx'}"
    return out


def test_xlsx_export_has_the_answers_the_items_and_the_codebook(exports, chats):
    book = openpyxl.load_workbook(exports / "ascolto.xlsx")
    assert book.sheetnames == ["risposte", "objectives", "projects", "codebook", "codici", "informazioni"]
    who = {v: k for k, v in pseudonyms(chats["database"]).items()}
    answers = pd.read_excel(exports / "ascolto.xlsx", sheet_name="risposte", dtype=str, keep_default_na=False)
    by_who = {who[row["respondent"]]: row for row in answers.to_dict("records")}
    assert set(by_who) == {"Anna", "Bruno"}
    anna = by_who["Anna"]
    assert anna["role"] == "Direttrice generale"
    assert (anna["status"], anna["complete"]) == ("Completata", "1")
    # a ranking is one column per place, in the analyst's words
    assert [anna[f"priorities_{n}"] for n in (1, 2, 3)] == [
        "Made in Cremona, agroalimentare e industria", "Innovazione", "Lavoro e occupazione"]
    # the actors named are 0/1 columns, one per actor of the register
    named = {k.removeprefix("collaborates_with_") for k, v in anna.items() if k.startswith("collaborates_with_") and v == "1"}
    assert named == {"comune_cremona", "cgil_cremona"}
    assert (anna["objectives_items"], anna["projects_items"]) == ("2", "1")
    assert (by_who["Bruno"]["objectives_items"], by_who["Bruno"]["projects_items"]) == ("1", "0")
    objectives = pd.read_excel(exports / "ascolto.xlsx", sheet_name="objectives", dtype=str, keep_default_na=False)
    assert list(objectives.columns) == ["respondent", "run", "item", "objective", "objective_more", "horizon"]
    assert [(who[r["respondent"]], r["item"], r["objective"], r["objective_more"], r["horizon"]) for r in objectives.to_dict("records")] == [
        ("Anna", "1", "boh", "Rafforzare la filiera agroalimentare con le imprese del territorio", "Medio termine (2–5 anni)"),
        ("Anna", "2", "Portare la banda ultralarga nei distretti produttivi", "", "Lungo termine (oltre 5 anni)"),
        ("Bruno", "1", "Difendere il lavoro di qualità nelle imprese cremonesi", "", "Lungo termine (oltre 5 anni)"),
    ]
    projects = pd.read_excel(exports / "ascolto.xlsx", sheet_name="projects", dtype=str, keep_default_na=False)
    assert projects.to_dict("records") == [{
        "respondent": pseudonyms(chats["database"])["Anna"], "run": anna["run"], "item": "1",
        "project_title": "Distretto della liuteria digitale", "project_stage": "In progettazione",
        "project_theme": "Musica e liuteria", "project_summary": "Scansioni 3D",
        "project_summary_more": "Scansione 3D e prove acustiche per le botteghe",
    }]
    codebook = pd.read_excel(exports / "ascolto.xlsx", sheet_name="codebook", dtype=str, keep_default_na=False)
    texts = {(r["tabella"], r["colonna"]): r for r in codebook.to_dict("records")}
    assert texts[("objectives", "horizon")]["testo"] == "Obiettivi strategici: In che orizzonte di tempo?"
    assert "innovazione = Innovazione" in texts[("risposte", "priorities_1")]["codici"]
    # every column of the answers sheet is in the codebook
    assert {c for c in answers.columns} <= {c for t, c in texts if t == "risposte"}


def test_csv_export_writes_the_items_beside_the_main_file(exports, chats):
    assert sorted(p.name for p in exports.glob("*.csv")) == [
        "ascolto-codebook.csv", "ascolto-objectives.csv", "ascolto-projects.csv", "ascolto.csv"]
    main = pd.read_csv(exports / "ascolto.csv", dtype=str, keep_default_na=False)
    assert len(main) == 2 and "objectives_items" in main.columns and "objective" not in main.columns
    objectives = pd.read_csv(exports / "ascolto-objectives.csv", dtype=str, keep_default_na=False)
    assert sorted(objectives["item"]) == ["1", "1", "2"]
    assert set(objectives["run"]) == set(main["run"])
    projects = pd.read_csv(exports / "ascolto-projects.csv", dtype=str, keep_default_na=False)
    assert list(projects["project_title"]) == ["Distretto della liuteria digitale"]


def test_exports_are_pseudonymous(exports):
    for path in exports.iterdir():
        content = path.read_bytes()
        assert b"Anna" not in content and b"Bruno" not in content
