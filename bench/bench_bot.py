"""Answers per second through the real dispatcher, engine and storage — against a naive baseline.

Both run in this process on the same kind of SQLite/WAL database (synchronous=FULL), with a
Bot API stand-in that answers every call instantly, so what is measured is the bot's own work:
dispatcher, middleware, engine, storage, commit. The baseline is the plain aiogram pattern: a
handler that opens a session, adds a row and commits per message, then replies.

Prints both rates, their ratio, and the p50/p99 handler latency of the real bot at a paced
200 answers/s. Ends with one ``RESULT <name> <value> <unit> [ceiling= ratio=]`` line per figure; the
ceiling is aiogram alone (a handler that only replies, no storage). With ``--database-url`` (a
PostgreSQL server) the same figures are measured on PostgreSQL too and printed beside SQLite's
(RESULT names ending ``_pg``), in databases of their own, dropped after. Run:
`nice -n 10 .venv/bin/python bench/bench_bot.py [--quick | --users 200 --questions 20]
[--database-url postgresql+asyncpg://postgres@127.0.0.1:5432/test]`.
"""

from __future__ import annotations

import argparse
import asyncio
import itertools
import os
import statistics
import sys
import tempfile
import time
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from aiogram import Bot, Dispatcher, F, Router  # noqa: E402
from aiogram.client.session.base import BaseSession  # noqa: E402
from aiogram.methods import SendMessage, TelegramMethod  # noqa: E402
from aiogram.types import Chat, Message, Update, User  # noqa: E402

from bot.service.catalog import QuestionnaireCatalog  # noqa: E402
from bot.service.conversation import Conversation  # noqa: E402
from bot.settings import Settings  # noqa: E402
from bot.telegram.app import build_dispatcher  # noqa: E402
from dialogs import load_data  # noqa: E402
from storage import Database, repository, upgrade_database  # noqa: E402
from storage.models import Answer  # noqa: E402


class InstantSession(BaseSession):
    """A Bot API stand-in: every call succeeds at once; sent messages get increasing ids."""

    def __init__(self) -> None:
        super().__init__()
        self.ids = itertools.count(1)
        self.calls = 0

    async def make_request(self, bot: Bot, method: TelegramMethod[Any], timeout: int | None = None) -> Any:
        self.calls += 1
        if isinstance(method, SendMessage):
            return Message(
                message_id=next(self.ids), date=datetime.now(timezone.utc),
                chat=Chat(id=int(method.chat_id), type="private"), text=method.text,
            )
        return True

    async def close(self) -> None:
        pass

    async def stream_content(self, *args: Any, **kwargs: Any) -> Any:  # pragma: no cover
        raise NotImplementedError


def bench_questionnaire(questions: int) -> dict[str, Any]:
    return {
        "id": "bench", "version": 1,
        "title": {"it": "Bench", "en": "Bench"},
        "questions": [
            {"key": f"q{i}", "type": "text", "text": {"it": f"Domanda {i}", "en": f"Question {i}"}}
            for i in range(questions)
        ],
    }


_update_ids = itertools.count(1)


def text_update(user_id: int, text: str) -> Update:
    return Update(
        update_id=next(_update_ids),
        message=Message(
            message_id=next(_update_ids), date=datetime.now(timezone.utc),
            chat=Chat(id=user_id, type="private"), from_user=User(id=user_id, is_bot=False, first_name="U"),
            text=text,
        ),
    )


async def prepare_runs(db: Database, conversation: Conversation, users: int) -> None:
    async with db.transaction() as session:
        for user in range(1, users + 1):
            respondent = await conversation.respondent(session, "telegram", str(user), "it")
            await conversation.decide_consent(session, respondent, True, "bench")


async def drive(dp: Dispatcher, bot: Bot, users: int, questions: int) -> float:
    """Every user answers every question as fast as replies come back; returns answers/s."""

    async def one_user(user_id: int) -> None:
        for i in range(questions):
            await dp.feed_update(bot, text_update(user_id, f"risposta {i} di {user_id}"))

    started = time.perf_counter()
    await asyncio.gather(*(one_user(u) for u in range(1, users + 1)))
    return users * questions / (time.perf_counter() - started)


async def paced_latency(dp: Dispatcher, bot: Bot, users: int, rate: float, seconds: float) -> list[float]:
    latencies: list[float] = []
    pending: list[asyncio.Task[None]] = []

    async def one(user_id: int, n: int) -> None:
        started = time.perf_counter()
        await dp.feed_update(bot, text_update(user_id, f"paced {n}"))
        latencies.append((time.perf_counter() - started) * 1000)

    total = int(rate * seconds)
    start = time.perf_counter()
    for n in range(total):
        target = start + n / rate
        delay = target - time.perf_counter()
        if delay > 0:
            await asyncio.sleep(delay)
        pending.append(asyncio.create_task(one(n % users + 1, n)))
    await asyncio.gather(*pending)
    return latencies


def bare_dispatcher() -> Dispatcher:
    """aiogram with a handler that only replies: the ceiling any bot on this stack can reach."""
    router = Router()

    @router.message(F.text)
    async def reply(message: Message, bot: Bot) -> None:
        await bot.send_message(message.chat.id, "ok")

    dp = Dispatcher()
    dp.include_router(router)
    return dp


def naive_dispatcher(db: Database) -> Dispatcher:
    router = Router()

    @router.message(F.text)
    async def store(message: Message, bot: Bot) -> None:
        async with db.sessions() as session:
            session.add(Answer(run_id=1, question_key="q", value=message.text, raw=message.text, is_current=False))
            await session.commit()
        await bot.send_message(message.chat.id, "ok")

    dp = Dispatcher()
    dp.include_router(router)
    return dp


async def measure(real_url: str, naive_url: str, users: int, questions: int, seconds: float) -> dict[str, Any]:
    """The naive baseline and the real bot on one kind of database: rates, group commit, paced latency."""
    q = load_data(bench_questionnaire(questions + 60))
    catalog = QuestionnaireCatalog({"bench": q})
    settings = Settings(SCENARI_DATABASE_URL=real_url, TELEGRAM_BOT_TOKEN="1:bench")  # type: ignore[call-arg]

    # Baseline: the naive handler, on its own database.
    naive_db = Database(naive_url)
    await upgrade_database(naive_db)
    async with naive_db.transaction() as session:  # a run for the rows' foreign key
        respondent = await repository.get_or_create_respondent(session, "telegram", "0")
        await repository.create_run(session, respondent.id, "bench", 1, {"status": "active"})
    naive_rate = await drive(naive_dispatcher(naive_db), Bot("1:naive", session=InstantSession()), users, questions)

    db = Database(settings.database_url)
    await upgrade_database(db)
    dp = build_dispatcher(db, settings, catalog=catalog)
    bot = Bot("1:bench", session=InstantSession())
    await prepare_runs(db, Conversation(catalog), users)
    rate = await drive(dp, bot, users, questions)
    async with db.transaction() as session:
        from sqlalchemy import func, select

        stored = await session.scalar(select(func.count()).select_from(Answer))
    latencies = sorted(await paced_latency(dp, bot, users, rate=200, seconds=seconds))
    committer = dp["committer"]
    await committer.close()
    await db.dispose()
    await naive_db.dispose()
    return {"rate": rate, "naive": naive_rate, "stored": stored, "units": committer.units,
            "batches": committer.batches, "p50": statistics.median(latencies),
            "p99": latencies[int(len(latencies) * 0.99) - 1], "paced": len(latencies)}


async def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--users", type=int, default=200)
    parser.add_argument("--questions", type=int, default=20)
    parser.add_argument("--seconds", type=float, default=5.0, help="length of the paced 200/s phase")
    parser.add_argument("--quick", action="store_true", help="50 users × 10 questions, 3 s paced: under a minute")
    parser.add_argument("--database-url", default=os.environ.get("SCENARI_BENCH_POSTGRES_URL"),
                        help="a PostgreSQL server (e.g. postgresql+asyncpg://postgres@127.0.0.1:5432/test): the same "
                             "figures on it too, beside SQLite's, each in a database of its own, dropped after "
                             "(default: SCENARI_BENCH_POSTGRES_URL)")
    args = parser.parse_args()
    if args.quick:
        args.users, args.questions, args.seconds = 50, 10, 3.0
    bare_rate = await drive(bare_dispatcher(), Bot("1:bare", session=InstantSession()), args.users, args.questions)
    figures: dict[str, dict[str, Any]] = {}
    with tempfile.TemporaryDirectory() as tmp:
        figures["sqlite"] = await measure(f"sqlite:///{tmp}/real.db", f"sqlite:///{tmp}/naive.db", args.users,
                                          args.questions, args.seconds)
    if args.database_url:
        from bench.pgtemp import temporary_database

        async with temporary_database(args.database_url, "bench_bot") as real, \
                temporary_database(args.database_url, "bench_bot_naive") as naive:
            figures["postgresql"] = await measure(real, naive, args.users, args.questions, args.seconds)

    expected = args.users * args.questions
    print(f"aiogram alone, no storage (ceiling): {bare_rate:8.0f} answers/s")
    print(f"{'':46}" + "".join(f"{name:>12}" for name in figures))
    rows = [
        ("answers stored by the real bot", lambda f: f"{f['stored']}"),
        ("naive baseline (session+commit per message)", lambda f: f"{f['naive']:.0f}/s"),
        ("scenari bot (dispatcher+engine+storage)", lambda f: f"{f['rate']:.0f}/s"),
        ("ratio scenari/naive", lambda f: f"{f['rate'] / f['naive']:.2f}x"),
        ("share of the ceiling", lambda f: f"{f['rate'] / bare_rate:.0%}"),
        ("group commit: mean batch", lambda f: f"{f['units'] / max(f['batches'], 1):.1f}"),
        ("latency at 200 answers/s: p50", lambda f: f"{f['p50']:.1f} ms"),
        ("latency at 200 answers/s: p99", lambda f: f"{f['p99']:.1f} ms"),
    ]
    for label, cell in rows:
        print(f"{label:46}" + "".join(f"{cell(f):>12}" for f in figures.values()))
    print(f"(expected {expected} answers + the paced ones stored)")
    for name, f in figures.items():
        suffix = "" if name == "sqlite" else "_pg"
        print(f"RESULT bot_answers{suffix} {f['rate']:.0f} answers/s ceiling={bare_rate:.0f} "
              f"ratio={f['rate'] / bare_rate:.2f}")
        print(f"RESULT bot_answers_naive{suffix} {f['naive']:.0f} answers/s ceiling={bare_rate:.0f} "
              f"ratio={f['naive'] / bare_rate:.2f}")
        print(f"RESULT bot_p99_at_200{suffix} {f['p99']:.1f} ms")


if __name__ == "__main__":
    asyncio.run(main())
