"""What the e2e tests share: walking into the business survey, and reading the database."""

from __future__ import annotations

import asyncio
import os
import signal
import sys
from pathlib import Path

from sqlalchemy import select

from storage import Database
from storage.models import Answer, Respondent, Run
from tests.support.fake_bot_api import DEFAULT_TOKEN, FakeBotAPI, SimulatedUser

SCENARI = Path(sys.executable).with_name("scenari")


async def start_survey(user: SimulatedUser) -> None:
    """/start imprese, accept the privacy notice, and wait for the first question."""
    await user.send_command("/start imprese")
    notice = await user.wait_text("privacy")
    assert notice.buttons == ["Accetto", "Non accetto"]
    await user.press("Accetto")
    await user.wait_text("In quale settore")


FIRST_CHOICES = ("Manifattura e industria", "1–9", "Crema")
"""Sector, size and town: the three choice questions before the innovations."""


async def answer_until_free_text(user: SimulatedUser, innovations: str = "1,2") -> None:
    """From the first question, answer the choices and the innovations up to the first free-text question."""
    for text in FIRST_CHOICES:
        await user.press(text)
        await user.wait_for(lambda m: m.buttons and "✅" not in m.text)
    await user.send_text(innovations)
    await user.wait_text("innovazione più importante")


async def stored_answers(db: Database, user_id: int, questionnaire: str = "imprese") -> dict[str, object]:
    """The current answers of the user's latest run, as the database holds them."""
    async with db.transaction() as session:
        run = await session.scalar(
            select(Run)
            .join(Respondent, Respondent.id == Run.respondent_id)
            .where(Respondent.external_id == str(user_id), Run.questionnaire_id == questionnaire)
            .order_by(Run.id.desc())
        )
        if run is None:
            return {}
        rows = await session.execute(
            select(Answer.question_key, Answer.value).where(Answer.run_id == run.id, Answer.is_current.is_(True))
        )
        return dict(rows.all())


async def answer_rows(db: Database, user_id: int) -> list[tuple[str, object, bool]]:
    async with db.transaction() as session:
        rows = await session.execute(
            select(Answer.question_key, Answer.value, Answer.is_current)
            .join(Run, Run.id == Answer.run_id)
            .join(Respondent, Respondent.id == Run.respondent_id)
            .where(Respondent.external_id == str(user_id))
            .order_by(Answer.id)
        )
        return [tuple(row) for row in rows.all()]  # type: ignore[misc]


async def spawn_bot(api: FakeBotAPI, database_url: str, **settings: str) -> asyncio.subprocess.Process:
    """``scenari bot`` in a process of its own, long polling the fake server; returns once it polls.

    ``settings``: more environment (``SCENARI_TELEGRAM_REPLY_WAIT="60"``)."""
    env = {
        **os.environ,
        "TELEGRAM_BOT_TOKEN": DEFAULT_TOKEN,
        "TELEGRAM_API_BASE": api.base_url,
        "SCENARI_DATABASE_URL": database_url,
        **settings,
    }
    calls = api.count("getUpdates")
    process = await asyncio.create_subprocess_exec(
        str(SCENARI), "bot", env=env, stdout=asyncio.subprocess.DEVNULL, stderr=asyncio.subprocess.PIPE
    )
    for _ in range(6000):  # bounded polling, generous: a process start is slow on a busy machine
        if api.count("getUpdates") > calls:
            return process
        if process.returncode is not None:
            raise RuntimeError((await process.stderr.read()).decode())  # type: ignore[union-attr]
        await asyncio.sleep(0.05)
    raise TimeoutError("the bot process did not start polling")


async def stop_bot(process: asyncio.subprocess.Process) -> None:
    """SIGTERM, as an operator stops the service, and wait for the process to end.

    Generous: a process stopped right after its start finishes its start-up jobs (tables, the
    nightly package) first, which on a busy machine takes a while."""
    process.send_signal(signal.SIGTERM)
    await asyncio.wait_for(process.wait(), 90)


async def assert_three_first_answers_stored_once(database_url: str, user_id: int) -> None:
    """Sector A, 10–49 employees, Castelleone: each stored once (the kill tests' walk)."""
    db = Database(database_url)
    try:
        assert await stored_answers(db, user_id) == {
            "ateco_section": "A", "employees": "small", "municipality": "castelleone",
        }
        assert len(await answer_rows(db, user_id)) == 3
    finally:
        await db.dispose()
