"""A firm completes the business survey in Telegram: buttons, text, back, skip, profile."""

from __future__ import annotations

from aiogram import Dispatcher

from storage import Database
from tests.support.fake_bot_api import FakeBotAPI, SimulatedUser

from tests.e2e.helpers import answer_rows, start_survey, stored_answers



async def answer_until_innovations(user: SimulatedUser) -> None:
    await user.press("Manifattura e industria")
    await user.wait_text("Quanti addetti")
    await user.press("10–49")
    await user.wait_text("In quale comune")
    await user.press("Cremona")
    await user.wait_text("introdotto innovazioni")


async def test_complete_survey_with_buttons_and_text(api: FakeBotAPI, dispatcher: Dispatcher, db: Database) -> None:
    user = api.user(user_id=1001, first_name="Anna", language_code="it")
    async with api.polling(dispatcher):
        await start_survey(user)
        await answer_until_innovations(user)
        # multiple choice: toggles tick in place, then "Fatto"
        await user.press("Di prodotto o servizio")
        ticked = await user.wait_for(lambda m: any(b.startswith("✓") for b in m.buttons))
        assert "✓ Di prodotto o servizio" in ticked.buttons
        await user.press("Di processo (produzione, logistica)")
        await user.wait_for(lambda m: "✓ Di processo (produzione, logistica)" in m.buttons)
        await user.press("Fatto ✔")
        await user.wait_text("innovazione più importante")
        await user.send_text("Una nuova linea di stampa 3D per componenti")
        await user.wait_text("ricerca e sviluppo")
        await user.press("Sì, in modo continuativo")
        await user.wait_text("percentuale del fatturato")
        await user.send_text("4,5")
        await user.wait_text("Con chi collabora")
        await user.press("Università (Politecnico, Cattolica …)")
        await user.wait_for(lambda m: any(b.startswith("✓ Università") for b in m.buttons))
        await user.press("Fatto ✔")
        await user.wait_text("servizi avanzati")
        await user.send_text("1, 2")  # typing the numbers works as well as buttons
        await user.wait_text("connessione internet")
        await user.press("Banda ultralarga (fibra, ≥100 Mbit/s)")
        scale = await user.wait_text("infrastrutture di telecomunicazione")
        assert scale.button_rows[0] == ["1", "2", "3", "4", "5"]
        await user.press("4")
        await user.wait_text("formazione per il personale")
        await user.press("Sì")
        await user.wait_text("avrebbe più bisogno")
        await user.send_text("1,2")
        await user.wait_text("ostacola")
        await user.press("Costi troppo alti")
        await user.wait_for(lambda m: "✓ Costi troppo alti" in m.buttons)
        await user.press("Fatto ✔")
        await user.wait_text("investire in innovazione")
        await user.press("Sì, in modo rilevante")
        await user.wait_text("aiutare le imprese")
        await user.press("Salta ➡")
        profile = await user.wait_text("Profilo di innovazione")
    assert "Impresa anticipatrice" in profile.text
    # the 2004 baseline beside the distribution so far, named in Italian words (not "baseline")
    assert "(Cremona, indagine Censis 2004: 12,4%)" in profile.text and "baseline" not in profile.text.lower()
    assert await stored_answers(db, 1001) == {
        "ateco_section": "C", "employees": "small", "municipality": "cremona",
        "innovations": ["product", "process"],
        "innovation_example": "Una nuova linea di stampa 3D per componenti",
        "rd": "continuous", "rd_share": 4.5, "collaborations": ["university"],
        "advanced_services": ["ict", "design"], "broadband": "ultra", "tlc_adequacy": 4,
        "training": "yes", "needs": ["digital", "new_products"], "obstacles": ["cost"],
        "plans": "major", "city_role": None,
    }
    # every answered question was closed: no keyboard is left open above the last message
    open_keyboards = [m for m in user.messages[:-2] if m.buttons]
    assert open_keyboards == []
    assert api.unanswered_callbacks() == []


async def test_back_changes_the_answer_and_keeps_history(api: FakeBotAPI, dispatcher: Dispatcher, db: Database) -> None:
    user = api.user(user_id=1002, language_code="it")
    async with api.polling(dispatcher):
        await start_survey(user)
        await user.press("Commercio")
        await user.wait_text("Quanti addetti")
        await user.send_command("/indietro")
        again = await user.wait_text("In quale settore")
        assert "Risposta attuale: Commercio" in again.text
        await user.press("Costruzioni")
        await user.wait_text("Quanti addetti")
    rows = await answer_rows(db, 1002)
    assert rows == [("ateco_section", "G", False), ("ateco_section", "F", True)]


async def test_english_speaker_gets_english(api: FakeBotAPI, dispatcher: Dispatcher, db: Database) -> None:
    user = api.user(user_id=1003, language_code="en-GB")
    async with api.polling(dispatcher):
        await user.send_command("/start imprese")
        notice = await user.wait_text("privacy")
        assert notice.buttons == ["I agree", "I do not agree"]
        await user.press("I agree")
        first = await user.wait_text("main sector")
        assert "Question 1 of" in first.text
