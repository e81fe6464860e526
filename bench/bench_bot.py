"""Answers per second through the real dispatcher, engine and storage — against a naive baseline.

Both run in this process on the same kind of SQLite/WAL database (synchronous=FULL), with a
Bot API stand-in that answers every call instantly, so what is measured is the bot's own work:
dispatcher, middleware, engine, storage, commit. The baseline is the plain aiogram pattern: a
handler that opens a session, adds a row and commits per message, then replies.

Two ceilings, measured in the same run with the same load generator (:func:`drive`):
"aiogram + one raw insert with group commit" (:func:`groupcommit_dispatcher`, issue 15's ceiling:
a handler queues its row, one writer stores each batch of up to 64 with one INSERT and one commit on
the same kind of database, then the handler replies — as bench_web's ceiling does), and "aiogram
alone, no storage" (:func:`bare_dispatcher`, the stack's upper bound).

Every rate (ceiling, naive baseline, real bot) is the better of two runs in the same process,
interleaved (ceiling, naive, bot, ceiling, naive, bot), both printed.

Prints the rates, their ratios, the CPU time this process spent per answer in each path's
faster run (steadier than a rate on a shared machine: waiting for a core is not in it; SQLite's
work, in a thread of the process, is, PostgreSQL's server is not), and the p50/p99 handler
latency of the real bot at a paced 200 answers/s. Ends with one
``RESULT <name> <value> <unit> [ceiling= ratio=]`` line per figure: ``telegram_answers`` against
the group-commit ceiling, ``telegram_answers_vs_nostorage`` against aiogram alone,
``telegram_cpu_per_answer`` the bot's CPU time beside the ceiling's (ratio: the ceiling's over
the bot's). With ``--database-url`` (a PostgreSQL server) the same figures (the group-commit
ceiling included) are measured on PostgreSQL too and printed beside SQLite's (RESULT names ending
``_pg``), in databases of their own, dropped after. Run:
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
from sqlalchemy import func, insert, select  # noqa: E402

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
    return (await timed_drive(dp, bot, users, questions))[0]


async def timed_drive(dp: Dispatcher, bot: Bot, users: int, questions: int) -> tuple[float, float]:
    """:func:`drive`, and the CPU time this process spent per answer meanwhile (ms).

    The CPU figure is steadier than the rate on a machine shared with other work (it does not
    count the time the process waited for a core), so it tells a change's cost apart from noise.
    It is this process's time only: SQLite's (in a thread of the process) is in it,
    PostgreSQL's server is not.
    """

    async def one_user(user_id: int) -> None:
        for i in range(questions):
            await dp.feed_update(bot, text_update(user_id, f"risposta {i} di {user_id}"))

    started, cpu = time.perf_counter(), time.process_time()
    await asyncio.gather(*(one_user(u) for u in range(1, users + 1)))
    answers = users * questions
    return answers / (time.perf_counter() - started), (time.process_time() - cpu) * 1000 / answers


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


class RawGroupCommit:
    """One writer: each batch of queued rows (up to 64, the real bot's batch) is one INSERT, one commit.

    Not the project's GroupCommitter: that one runs its units one after another in the batch, so
    a unit that executes its own INSERT pays a driver round trip each (≈ 620/s on SQLite here,
    below the real bot, which defers its rows to one flush) — no ceiling. A reply still waits for
    the commit holding its row, as the real bot's does.
    """

    def __init__(self, db: Database, max_batch: int = 64) -> None:
        self.db = db
        self.max_batch = max_batch
        self._queue: asyncio.Queue[tuple[dict[str, Any], asyncio.Future[None]]] = asyncio.Queue()
        self._writer: asyncio.Task[None] | None = None

    async def store(self, row: dict[str, Any]) -> None:
        if self._writer is None:
            self._writer = asyncio.create_task(self._write_loop())
        future: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        await self._queue.put((row, future))
        await future

    async def _write_loop(self) -> None:
        while True:
            batch = [await self._queue.get()]
            while len(batch) < self.max_batch and not self._queue.empty():
                batch.append(self._queue.get_nowait())
            try:
                async with self.db.transaction() as session:
                    await session.execute(insert(Answer), [row for row, _ in batch])
            except Exception as exc:  # a ceiling that failed must fail the bench, not hang it
                for _, future in batch:
                    future.set_exception(exc)
                continue
            for _, future in batch:
                future.set_result(None)

    async def close(self) -> None:
        if self._writer is not None:
            self._writer.cancel()
            try:
                await self._writer
            except asyncio.CancelledError:
                pass


def groupcommit_dispatcher(db: Database, run_id: int) -> tuple[Dispatcher, RawGroupCommit]:
    """aiogram + one raw insert per message with group commit: issue 15's ceiling for the bot.

    Same database kind and settings as the real bot, so the gap to it is what the project's own
    work costs (engine, state, prefetch, ORM, the processed-update record).
    """
    writer = RawGroupCommit(db)
    router = Router()

    @router.message(F.text)
    async def store(message: Message, bot: Bot) -> None:
        await writer.store({"run_id": run_id, "question_key": "q", "value": message.text, "raw": message.text,
                            "is_current": False})
        await bot.send_message(message.chat.id, "ok")

    dp = Dispatcher()
    dp.include_router(router)
    return dp, writer


async def _database_with_a_run(url: str) -> tuple[Database, int]:
    """A migrated database holding one run, for the baselines' rows' foreign key."""
    db = Database(url)
    await upgrade_database(db)
    async with db.transaction() as session:
        respondent = await repository.get_or_create_respondent(session, "telegram", "0")
        run = await repository.create_run(session, respondent.id, "bench", 1, {"status": "active"})
        run_id = run.id
    return db, run_id


def naive_dispatcher(db: Database, run_id: int = 1) -> Dispatcher:
    router = Router()

    @router.message(F.text)
    async def store(message: Message, bot: Bot) -> None:
        async with db.sessions() as session:
            session.add(Answer(run_id=run_id, question_key="q", value=message.text, raw=message.text,
                               is_current=False))
            await session.commit()
        await bot.send_message(message.chat.id, "ok")

    dp = Dispatcher()
    dp.include_router(router)
    return dp


async def measure(real_url: str, naive_url: str, ceiling_url: str, users: int, questions: int,
                  seconds: float) -> dict[str, Any]:
    """The group-commit ceiling, the naive baseline and the real bot on one kind of database.

    Each on a database of its own; returns rates, group-commit batches and paced latency.
    """
    q = load_data(bench_questionnaire(2 * questions + 60))  # the bot is driven twice
    catalog = QuestionnaireCatalog({"bench": q})
    settings = Settings(SCENARI_DATABASE_URL=real_url, TELEGRAM_BOT_TOKEN="1:bench")  # type: ignore[call-arg]

    # Ceiling: aiogram + one raw insert with group commit. Driven before and after the real bot,
    # and the better of the two kept: on a shared machine one short run can land in a slow patch,
    # and a ceiling that is too low would flatter the ratio.
    ceiling_db, ceiling_run = await _database_with_a_run(ceiling_url)
    ceiling_dp, ceiling_writer = groupcommit_dispatcher(ceiling_db, ceiling_run)
    ceiling_bot = Bot("1:ceiling", session=InstantSession())
    runs: dict[str, list[tuple[float, float]]] = {"ceiling": [], "naive": [], "bot": []}

    async def timed(name: str, dp: Dispatcher, bot: Bot) -> None:
        runs[name].append(await timed_drive(dp, bot, users, questions))

    await timed("ceiling", ceiling_dp, ceiling_bot)

    # Baseline: the naive handler, on its own database. It and the real bot are driven twice as
    # well (each user answers ``questions`` more the second time), the better run kept: every
    # figure is then measured the same way, and none is a first run that pays one-time costs
    # (statements compiled, caches filled) on behalf of the rest.
    naive_db, naive_run = await _database_with_a_run(naive_url)
    naive_dp, naive_bot = naive_dispatcher(naive_db, naive_run), Bot("1:naive", session=InstantSession())
    await timed("naive", naive_dp, naive_bot)

    db = Database(settings.database_url)
    await upgrade_database(db)
    dp = build_dispatcher(db, settings, catalog=catalog)
    bot = Bot("1:bench", session=InstantSession())
    await prepare_runs(db, Conversation(catalog), users)
    await timed("bot", dp, bot)
    await timed("ceiling", ceiling_dp, ceiling_bot)
    await timed("naive", naive_dp, naive_bot)
    await timed("bot", dp, bot)
    await ceiling_writer.close()
    await ceiling_db.dispose()
    async with db.transaction() as session:
        stored = await session.scalar(select(func.count()).select_from(Answer))
    latencies = sorted(await paced_latency(dp, bot, users, rate=200, seconds=seconds))
    committer = dp["committer"]
    await committer.close()
    await db.dispose()
    await naive_db.dispose()
    best = {name: max(measured) for name, measured in runs.items()}  # the faster run, with its CPU time
    return {"rate": best["bot"][0], "rates": [r for r, _ in runs["bot"]], "naive": best["naive"][0],
            "naive_runs": [r for r, _ in runs["naive"]], "ceiling": best["ceiling"][0],
            "ceiling_runs": [r for r, _ in runs["ceiling"]],
            "cpu": {name: cpu for name, (_, cpu) in best.items()}, "stored": stored, "units": committer.units,
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
        figures["sqlite"] = await measure(f"sqlite:///{tmp}/real.db", f"sqlite:///{tmp}/naive.db",
                                          f"sqlite:///{tmp}/ceiling.db", args.users, args.questions, args.seconds)
    if args.database_url:
        from bench.pgtemp import temporary_database

        async with temporary_database(args.database_url, "bench_bot") as real, \
                temporary_database(args.database_url, "bench_bot_naive") as naive, \
                temporary_database(args.database_url, "bench_bot_ceiling") as ceiling:
            figures["postgresql"] = await measure(real, naive, ceiling, args.users, args.questions, args.seconds)

    expected = 2 * args.users * args.questions  # the real bot is driven twice
    print(f"aiogram alone, no storage (upper bound): {bare_rate:8.0f} answers/s")
    print(f"{'':46}" + "".join(f"{name:>12}" for name in figures))
    rows = [
        ("answers stored by the real bot", lambda f: f"{f['stored']}"),
        ("ceiling: aiogram + raw insert, group commit", lambda f: f"{f['ceiling']:.0f}/s"),
        ("  (its two runs, before / after the bot)", lambda f: "/".join(f"{r:.0f}" for r in f["ceiling_runs"])),
        ("naive baseline (session+commit per message)", lambda f: f"{f['naive']:.0f}/s"),
        ("  (its two runs)", lambda f: "/".join(f"{r:.0f}" for r in f["naive_runs"])),
        ("scenari bot (dispatcher+engine+storage)", lambda f: f"{f['rate']:.0f}/s"),
        ("  (its two runs)", lambda f: "/".join(f"{r:.0f}" for r in f["rates"])),
        ("CPU per answer: ceiling (this process)", lambda f: f"{f['cpu']['ceiling']:.3f} ms"),
        ("CPU per answer: naive", lambda f: f"{f['cpu']['naive']:.3f} ms"),
        ("CPU per answer: scenari bot", lambda f: f"{f['cpu']['bot']:.3f} ms"),
        ("ratio scenari/naive", lambda f: f"{f['rate'] / f['naive']:.2f}x"),
        ("ratio scenari/group-commit ceiling", lambda f: f"{f['rate'] / f['ceiling']:.2f}"),
        ("share of aiogram alone (no storage)", lambda f: f"{f['rate'] / bare_rate:.0%}"),
        ("group commit: mean batch", lambda f: f"{f['units'] / max(f['batches'], 1):.1f}"),
        ("latency at 200 answers/s: p50", lambda f: f"{f['p50']:.1f} ms"),
        ("latency at 200 answers/s: p99", lambda f: f"{f['p99']:.1f} ms"),
    ]
    for label, cell in rows:
        print(f"{label:46}" + "".join(f"{cell(f):>12}" for f in figures.values()))
    print(f"(expected {expected} answers + the paced ones stored)")
    for name, f in figures.items():
        suffix = "" if name == "sqlite" else "_pg"
        print(f"RESULT telegram_answers{suffix} {f['rate']:.0f} answers/s ceiling={f['ceiling']:.0f} "
              f"ratio={f['rate'] / f['ceiling']:.2f}")
        print(f"RESULT telegram_answers_vs_nostorage{suffix} {f['rate']:.0f} answers/s ceiling={bare_rate:.0f} "
              f"ratio={f['rate'] / bare_rate:.2f}")
        print(f"RESULT telegram_answers_naive{suffix} {f['naive']:.0f} answers/s ceiling={f['ceiling']:.0f} "
              f"ratio={f['naive'] / f['ceiling']:.2f}")
        print(f"RESULT telegram_groupcommit_ceiling{suffix} {f['ceiling']:.0f} answers/s ceiling={bare_rate:.0f} "
              f"ratio={f['ceiling'] / bare_rate:.2f}")
        print(f"RESULT telegram_p99_at_200{suffix} {f['p99']:.1f} ms")
        print(f"RESULT telegram_cpu_per_answer{suffix} {f['cpu']['bot']:.3f} ms ceiling={f['cpu']['ceiling']:.3f} "
              f"ratio={f['cpu']['ceiling'] / f['cpu']['bot']:.2f}")


if __name__ == "__main__":
    asyncio.run(main())
