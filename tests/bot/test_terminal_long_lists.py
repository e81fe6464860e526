"""`scenari chat` with a long list: a municipality off the buttons, found by typing its first letters."""

from __future__ import annotations

import io

from sqlalchemy import select

from bot.terminal import run_chat
from storage import repository
from storage.models import Run

WHO = "long-lists"


async def _chat(db, conversation, *lines):
    stdout = io.StringIO()
    code = await run_chat(db, conversation, "imprese", WHO, "it", stdin=io.StringIO("".join(f"{line}\n" for line in lines)), stdout=stdout)
    return code, stdout.getvalue()


async def _answers(db):
    async with db.transaction() as session:
        found = await repository.get_respondent(session, "cli", WHO)
        run = await session.scalar(select(Run).where(Run.respondent_id == found.id).order_by(Run.id.desc()))
        return await repository.current_answers(session, run.id)


async def test_typing_the_first_letters_offers_the_matches_as_numbered_options(sqlite_db, conversation):
    # consent, sector 2 (Manifattura), size 1 (1–9), then "Casal" and the third match
    _, out = await _chat(sqlite_db, conversation, "1", "2", "1", "Casal", "3")
    assert "[3/16] In quale comune della provincia ha sede?\n  1) Cremona\n  2) Crema" in out
    assert "  7) 🔎 Altro: scriva per cercare" in out
    assert "  (7 voci corrispondono a «Casal»: scelga quella giusta, oppure scriva di nuovo.)\n  1) Casalbuttano ed Uniti" in out
    assert "  3) Casaletto Ceredano\n" in out and "  8) 🔎 Cerca di nuovo" in out
    assert (await _answers(sqlite_db))["municipality"] == "casaletto_ceredano"
    assert "[4/16] Negli ultimi tre anni" in out


async def test_a_unique_start_answers_at_once_and_a_section_off_the_buttons_too(sqlite_db, conversation):
    _, out = await _chat(sqlite_db, conversation, "1", "istruzione", "1", "Casalbut")
    answers = await _answers(sqlite_db)
    assert answers["ateco_section"] == "P" and answers["municipality"] == "casalbuttano_ed_uniti"
    assert "[4/16] Negli ultimi tre anni" in out


async def test_nothing_found_asks_again_politely(sqlite_db, conversation):
    _, out = await _chat(sqlite_db, conversation, "1", "2", "1", "Milano", "crema")
    assert "! Scelga una delle opzioni proposte, oppure scriva le prime lettere del nome: nessuna voce corrisponde a «Milano»." in out
    assert (await _answers(sqlite_db))["municipality"] == "crema"
