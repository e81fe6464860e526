"""The hot path of a typed answer (bot.telegram.fastpath): same replies, no worker-thread hop.

A plain text skips the routers' command filters through the direct route; these tests check
that what a person sees is what aiogram's full propagation gave — the answer stored and the
next question in a private chat, the guard's refusal in a group, a command still a command —
and that no filter of a plain answer runs in a worker thread any more.
"""

from __future__ import annotations

import asyncio

import pytest
from aiogram import Dispatcher

from storage import Database
from tests.e2e.helpers import answer_until_free_text, start_survey, stored_answers
from tests.support.fake_bot_api import FakeBotAPI
from tests.support.polling import until


async def test_plain_answers_make_no_thread_hop(
    api: FakeBotAPI, dispatcher: Dispatcher, db: Database, monkeypatch: pytest.MonkeyPatch,
) -> None:
    user = api.user(user_id=2701)
    async with api.polling(dispatcher):
        await start_survey(user)
        await answer_until_free_text(user)
        hops: list[object] = []
        real = asyncio.to_thread

        async def counted(func: object, /, *args: object, **kwargs: object) -> object:
            hops.append(func)
            return await real(func, *args, **kwargs)  # type: ignore[arg-type]

        monkeypatch.setattr("aiogram.dispatcher.event.handler.asyncio.to_thread", counted)
        await user.send_text("Robot di saldatura")
        await user.wait_text("ricerca e sviluppo")
    assert hops == []  # before: two per answer (the guard's and the survey's magic filters)
    assert (await stored_answers(db, 2701))["innovation_example"] == "Robot di saldatura"


async def test_plain_text_in_a_group_is_refused_and_commands_still_work(
    api: FakeBotAPI, dispatcher: Dispatcher, db: Database,
) -> None:
    user = api.user(user_id=2702)
    async with api.polling(dispatcher):
        await start_survey(user)
        before = await stored_answers(db, 2702)
        await api.group_message(user, "Robot di saldatura")  # not a command: the direct route
        group = api.group()
        await until(lambda: bool(group.bot_messages))
        assert "solo in chat privata" in group.bot_messages[-1].text
        await user.send_command("/pizza")  # a command still goes through the routers' command filters
        await user.wait_text("Non conosco questo comando")
    assert await stored_answers(db, 2702) == before  # nothing from the group stored
