"""Telegram, a long list: the usual municipalities are buttons, any other is found by typing a
few letters and pressing one of the matches (or typed whole when it is the only one)."""

from __future__ import annotations

from aiogram import Dispatcher

from storage import Database
from tests.e2e.helpers import start_survey, stored_answers
from tests.support.fake_bot_api import FakeBotAPI, SimulatedUser

TOWNS = ["Cremona", "Crema", "Casalmaggiore", "Soresina", "Castelleone", "Pizzighettone", "🔎 Altro: scriva per cercare"]


async def _to_the_town(user: SimulatedUser) -> None:
    await start_survey(user)
    assert "🔎 Altro: scriva per cercare" in user.last_message.buttons
    await user.press("Manifattura e industria")
    await user.wait_text("Quanti addetti")
    await user.press("1–9")
    town = await user.wait_text("In quale comune")
    assert town.buttons[: len(TOWNS)] == TOWNS


async def test_typed_letters_bring_the_matches_as_buttons(api: FakeBotAPI, dispatcher: Dispatcher, db: Database) -> None:
    user = api.user(user_id=1801, first_name="Bruno", language_code="it")
    async with api.polling(dispatcher):
        await _to_the_town(user)
        await user.send_text("Casal")
        matches = await user.wait_text("7 voci corrispondono a «Casal»")
        assert matches.buttons[:3] == ["Casalbuttano ed Uniti", "Casale Cremasco-Vidolasco", "Casaletto Ceredano"]
        assert "🔎 Cerca di nuovo" in matches.buttons
        await user.press("Casaletto Vaprio")
        await user.wait_text("introdotto innovazioni")
    assert (await stored_answers(db, 1801))["municipality"] == "casaletto_vaprio"


async def test_the_search_button_then_a_unique_start(api: FakeBotAPI, dispatcher: Dispatcher, db: Database) -> None:
    user = api.user(user_id=1802, first_name="Carla", language_code="it")
    async with api.polling(dispatcher):
        await _to_the_town(user)
        await user.press("🔎 Altro: scriva per cercare")
        await user.wait_text("Scriva le prime lettere del nome")
        await user.send_text("Milano")
        await user.wait_text("Nessuna voce corrisponde a «Milano»")
        await user.send_text("casalbut")
        await user.wait_text("introdotto innovazioni")
    assert (await stored_answers(db, 1802))["municipality"] == "casalbuttano_ed_uniti"
