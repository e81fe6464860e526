"""Button presses on the direct route (bot.telegram.fastpath): the replies aiogram's propagation gave.

A callback query no longer walks every router's callback observer: the route skips, by the
data's prefix, the handlers whose ``CallbackData`` filter could not take it. What a person
sees must not change: the answer is stored and the next question comes, a button of a
question already answered is refused as closed, and a press whose data no handler knows gets
the fallback's toast. aiogram's own callback propagation is not entered at all.
"""

from __future__ import annotations

import pytest
from aiogram import Dispatcher, Router

from storage import Database
from tests.e2e.conftest import dispatcher, settings  # noqa: F401  (the e2e fixtures)
from tests.e2e.helpers import start_survey, stored_answers
from tests.support.fake_bot_api import FakeBotAPI


@pytest.fixture
def propagated(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The update types aiogram's router propagation was entered for."""
    seen: list[str] = []
    real = Router.propagate_event

    async def counted(self: Router, update_type: str, event: object, **kwargs: object) -> object:
        seen.append(update_type)
        return await real(self, update_type, event, **kwargs)

    monkeypatch.setattr(Router, "propagate_event", counted)
    return seen


async def test_a_button_answer_is_stored_and_the_next_question_follows(
    api: FakeBotAPI, dispatcher: Dispatcher, db: Database, propagated: list[str],  # noqa: F811
) -> None:
    user = api.user(user_id=2801)
    async with api.polling(dispatcher):
        await start_survey(user)  # the consent is a button too
        await user.press("Manifattura e industria")
        await user.wait_text("Quanti addetti")
        closed = [m for m in user.messages if "In quale settore" in m.text][-1]
        assert "✅ Manifattura e industria" in closed.text  # the pressed question shows the answer
    assert await stored_answers(db, 2801) == {"ateco_section": "C"}
    assert "callback_query" not in propagated  # every press took the direct route


async def test_stale_and_unknown_buttons_are_refused_politely(
    api: FakeBotAPI, dispatcher: Dispatcher, db: Database, propagated: list[str],  # noqa: F811
) -> None:
    user = api.user(user_id=2802)
    async with api.polling(dispatcher):
        await start_survey(user)
        first = user.last_message
        stale = first.find_button("Commercio")["callback_data"]
        await user.press("Manifattura e industria")
        await user.wait_text("Quanti addetti")
        answer = await user.wait_callback_answer(await user.press_stale(stale, first))
        assert "chiusa" in answer.text  # the survey's handler: that question is closed
        answer = await user.wait_callback_answer(await user.press_stale("zz:nothing", first))
        assert answer.text == "Questa domanda è chiusa."  # no handler knows it: the fallback's toast
    assert await stored_answers(db, 2802) == {"ateco_section": "C"}
    assert "callback_query" not in propagated
