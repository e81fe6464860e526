"""`scenari chat` in-process: lines in, rendered replies out, on a real SQLite database."""

from __future__ import annotations

import io

from sqlalchemy import func, select

from bot.terminal import run_chat
from storage import repository
from storage.models import Answer, Run

WHO = "tester"


async def _chat(db, conversation, *lines, lang="it", respondent=WHO):
    stdout = io.StringIO()
    code = await run_chat(db, conversation, "imprese", respondent, lang, stdin=io.StringIO("".join(f"{line}\n" for line in lines)), stdout=stdout)
    return code, stdout.getvalue()


async def _current(db, respondent=WHO):
    async with db.transaction() as session:
        found = await repository.get_respondent(session, "cli", respondent)
        if found is None:
            return None
        run = await session.scalar(select(Run).where(Run.respondent_id == found.id).order_by(Run.id.desc()))
        return run and (run.status, await repository.current_answers(session, run.id))


async def test_consent_question_comes_first(sqlite_db, conversation):
    code, out = await _chat(sqlite_db, conversation)
    assert code == 3
    lines = out.splitlines()
    assert lines[0] == "Prima di iniziare, due parole sulla privacy."
    assert "  1) Accetto" in lines and "  2) Non accetto" in lines
    assert lines[-1] == "Input terminato prima della fine: le risposte date finora sono salvate; riprenda con lo stesso comando."


async def test_an_unclear_consent_reply_asks_again(sqlite_db, conversation):
    code, out = await _chat(sqlite_db, conversation, "boh", "1")
    assert out.count("Accetta di partecipare?") == 2  # imprese says "Lei", its consent too
    assert "[1/16] In quale settore opera principalmente l'impresa? (sezione ATECO)" in out


async def test_declining_ends_the_chat_and_stores_no_run(sqlite_db, conversation):
    code, out = await _chat(sqlite_db, conversation, "2", "1", "1")
    assert code == 0
    assert out.splitlines()[-1] == "Va bene: non conserviamo nulla oltre alla sua scelta. Se cambia idea, ricominci quando vuole."
    assert await _current(sqlite_db) is None
    async with sqlite_db.transaction() as session:
        assert await session.scalar(select(func.count()).select_from(Run)) == 0


async def test_questions_are_numbered_with_options(sqlite_db, conversation):
    _, out = await _chat(sqlite_db, conversation, "1", "2", "2", "1")
    assert "[2/16] Quanti addetti ha l'impresa, titolari compresi?\n  1) 1–9\n  2) 10–49" in out
    assert "  (scriva il numero o il testo dell'opzione)" in out
    assert "[4/16] Negli ultimi tre anni l'impresa ha introdotto innovazioni di questo tipo? (anche più di una)\n  1) [ ] Di prodotto o servizio" in out
    assert "  (scriva uno o più numeri separati da virgole, es. 1,3)" in out


async def test_input_ending_early_keeps_answers_and_the_same_command_resumes(sqlite_db, conversation):
    code, out = await _chat(sqlite_db, conversation, "1", "2", "2")
    assert code == 3
    assert await _current(sqlite_db) == ("active", {"ateco_section": "C", "employees": "small"})
    code, out = await _chat(sqlite_db, conversation, "Cremona")
    assert out.splitlines()[0] == "Riprendiamo da dove si era fermato."
    assert "[3/16] In quale comune della provincia ha sede?" in out
    assert await _current(sqlite_db) == ("active", {"ateco_section": "C", "employees": "small", "municipality": "cremona"})


async def test_back_skip_and_errors(sqlite_db, conversation):
    _, out = await _chat(sqlite_db, conversation, "1", "2", "/indietro", "/salta", "3", "mille", "1")
    assert "  (Risposta attuale: Manifattura e industria)" in out
    assert "! Questa domanda è obbligatoria e non si può saltare." in out
    assert "! Scelga una delle opzioni proposte (può anche scriverne il numero)." in out
    assert await _current(sqlite_db) == ("active", {"ateco_section": "F", "employees": "micro"})


async def test_skipping_an_optional_question(sqlite_db, conversation):
    _, out = await _chat(sqlite_db, conversation, "1", "2", "2", "1", "1", "/salta")
    assert "  (facoltativa: una riga vuota o /salta per saltarla)" in out
    assert "[6/16] L'impresa svolge attività di ricerca e sviluppo (R&S)?" in out
    status, answers = await _current(sqlite_db)
    assert answers["innovation_example"] is None
    async with sqlite_db.transaction() as session:
        skipped = await session.scalar(select(Answer).where(Answer.question_key == "innovation_example"))
    assert skipped.skipped is True


async def test_an_empty_line_skips_an_optional_question_but_not_a_required_one(sqlite_db, conversation):
    _, out = await _chat(sqlite_db, conversation, "1", "", "2", "2", "1", "1", "")
    assert "! Questa domanda è obbligatoria e non si può saltare." in out  # the sector is required
    status, answers = await _current(sqlite_db)
    assert answers["ateco_section"] == "C" and answers["innovation_example"] is None


async def test_going_back_to_a_multiple_choice_shows_the_ticks(sqlite_db, conversation):
    _, out = await _chat(sqlite_db, conversation, "1", "2", "2", "1", "1,3", "/indietro")
    last_prompt = out[out.rindex("[4/16]"):]
    assert "  1) [x] Di prodotto o servizio" in last_prompt
    assert "  2) [ ] Di processo (produzione, logistica)" in last_prompt
    assert "  3) [x] Organizzative" in last_prompt


async def test_pause_resume_and_status(sqlite_db, conversation):
    _, out = await _chat(sqlite_db, conversation, "1", "2", "/annulla", "3", "/riprendi", "/stato")
    assert "Questionario sospeso: le risposte date finora sono conservate. Può riprendere quando vuole." in out
    assert "! Questo questionario non è in corso." in out
    assert "Riprendiamo da dove si era fermato." in out
    assert out.count("[2/16] Quanti addetti") == 3  # first asked, after resuming, after /stato
    assert await _current(sqlite_db) == ("active", {"ateco_section": "C"})


async def test_help_and_unknown_commands(sqlite_db, conversation):
    _, out = await _chat(sqlite_db, conversation, "1", "/aiuto", "/boh")
    assert "Comandi: /indietro, /salta, /stato, /annulla, /riprendi, /lingua it|en, /informativa, /privacy, /cancella, /esci" in out
    assert "! Comando sconosciuto. Comandi:" in out


async def test_switching_to_english(sqlite_db, conversation):
    _, out = await _chat(sqlite_db, conversation, "1", "/lingua en", "Construction", "xyz")
    assert "Language set: English.\n[1/16] What is the firm's main sector? (ATECO / NACE section)" in out
    assert "[2/16] How many people work in the firm, owners included?" in out
    assert "! Please choose one of the options offered (you can also type its number)." in out
    assert await _current(sqlite_db) == ("active", {"ateco_section": "F"})


async def test_english_from_the_start(sqlite_db, conversation):
    _, out = await _chat(sqlite_db, conversation, "yes", lang="en")
    assert out.splitlines()[0] == "Before we start, a word on privacy."
    assert "[1/16] What is the firm's main sector? (ATECO / NACE section)" in out
    assert "  (type the option's number or text)" in out


async def test_privacy_shows_the_answers(sqlite_db, conversation):
    _, out = await _chat(sqlite_db, conversation, "1", "2", "3", "/privacy")
    report = out[out.index("Ecco cosa conserviamo su di te"):]
    assert "Questionario «Indagine sull'innovazione nelle imprese» (in corso), 2 risposte:" in report
    assert "– In quale settore opera principalmente l'impresa? (sezione ATECO)\n  Manifattura e industria" in report
    assert "– Quanti addetti ha l'impresa, titolari compresi?\n  50–249" in report
    assert WHO not in report


async def test_erase_deletes_everything_and_ends(sqlite_db, conversation):
    code, out = await _chat(sqlite_db, conversation, "1", "2", "3", "/cancella", "1")
    assert code == 0
    assert out.splitlines()[-1] == "Fatto: tutti i tuoi dati sono stati cancellati. Se scrivi di nuovo, ricominci da zero."
    assert await _current(sqlite_db) is None
    async with sqlite_db.transaction() as session:
        assert await session.scalar(select(func.count()).select_from(Answer)) == 0
        assert await session.scalar(select(func.count()).select_from(Run)) == 0


async def test_quit_before_the_end(sqlite_db, conversation):
    code, out = await _chat(sqlite_db, conversation, "1", "2", "/esci", "2")
    assert code == 3
    assert await _current(sqlite_db) == ("active", {"ateco_section": "C"})


async def test_a_whole_survey_completes_with_code_0(sqlite_db, conversation):
    lines = ["1", "2", "2", "1", "5", "3", "6", "6", "3", "1", "no", "1", "8", "3", "/salta"]
    code, out = await _chat(sqlite_db, conversation, *lines, "this line is never read")
    assert code == 0
    assert "Profilo di innovazione: Impresa non innovativa" in out
    assert "this line" not in out
    status, answers = await _current(sqlite_db)
    assert status == "completed"
    assert answers["innovations"] == ["none"] and answers["city_role"] is None
    assert "innovation_example" not in answers and "rd_share" not in answers


async def test_a_line_with_a_nul_is_refused_and_nothing_is_stored(db, conversation):
    """The same refusal as on the web and Telegram, on both backends (PostgreSQL cannot store a NUL)."""
    code, out = await _chat(db, conversation, "1", "C\x00", "Manifattura\x1b e industria", "1")
    assert out.count("Il testo contiene caratteri di controllo") == 2
    assert "\x00" not in out
    assert out.count("In quale settore opera") == 3
    status, answers = await _current(db)
    assert status == "active" and answers == {"ateco_section": "A"}
