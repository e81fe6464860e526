"""Two `scenari serve` instances on one PostgreSQL database, one killed with SIGKILL mid-load.

A city that outgrows one process runs several instances in webhook mode behind one address
(README, "Deployment: PostgreSQL, webhook, several instances"); the database is what they share
and the only coordination there is. This test is that deployment in small: two real processes on
a PostgreSQL database of their own, the local Bot API server of tests/e2e, and in this process
what Telegram and the reverse proxy do — every update POSTed to the webhook, round robin over
the instances that still answer, one at a time per chat, and again (to the other) when it got no
200: Telegram redelivers an update it has no 200 for.

Meanwhile each instance's sender delivers a newsletter from the outbox and its scheduler runs the
convergence job every few seconds. One instance is killed mid-load — frozen first (SIGSTOP) and
killed only at an instant when it holds no job lease and no outbox row in flight: a kill inside
those windows is the documented single-process case (tests/bot/service/communication/
test_communication_kill.py: the row becomes ``uncertain``, never sent twice; exports/lease.py: the
job waits for its lease to expire). Then: every answer stored exactly once, the newsletter sent
exactly once to each subscriber, and the job never ran twice in one period and went on after the
kill.
"""

from __future__ import annotations

import asyncio
import itertools
import os
import random
import signal
import socket
import sys
from collections import Counter
from collections.abc import AsyncIterator, Callable
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

import aiohttp
import pytest
import yaml
from sqlalchemy import select, text

from bench.pgtemp import reachable, temporary_database
from bot.web.webhook import SECRET_HEADER, WEBHOOK_PATH
from storage import Database, outbox, upgrade_database
from storage.models import Answer, Respondent, Run
from tests.bot.service.communication.comm_helpers import subscribers
from tests.support.fake_bot_api import DEFAULT_TOKEN, FakeBotAPI
from tests.support.polling import until

SCENARI = Path(sys.executable).with_name("scenari")
WEBHOOK_URL = "https://scenari.example.org/telegram/webhook"
PERIOD_MINUTES = 0.1  # the convergence job every 6 s: several periods in one test
USERS = 16
ANSWERS = 8  # per user, in the load
READERS = list(range(9001, 9121))  # the newsletter's subscribers


@pytest.fixture
async def pg_url() -> AsyncIterator[str]:
    """A PostgreSQL database of this test's own (created, migrated, dropped after)."""
    server = os.environ.get("SCENARI_TEST_POSTGRES_URL")
    if not server:
        pytest.skip("SCENARI_TEST_POSTGRES_URL is not set (.ci/run sets it): no PostgreSQL server to run on")
    problem = await reachable(server)
    if problem:
        pytest.skip(problem)
    async with temporary_database(server, prefix="scenari_instances") as url:
        db = Database(url)
        try:
            await upgrade_database(db)  # once, before the instances start (each would migrate too)
        finally:
            await db.dispose()
        yield url


def bench_questionnaire(folder: Path, questions: int) -> None:
    folder.mkdir()
    data = {"id": "citta", "version": 1, "spec_version": 1, "title": {"it": "Città", "en": "City"},
            "questions": [{"key": f"q{i}", "type": "text", "text": {"it": f"Domanda {i}", "en": f"Question {i}"}}
                          for i in range(questions)]}
    (folder / "citta.yaml").write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Instance:
    """One `scenari serve` process in webhook mode, its log kept for a failure's message."""

    def __init__(self, name: str, process: asyncio.subprocess.Process, port: int, log: Path) -> None:
        self.name, self.process, self.port, self.log = name, process, port, log
        self.url = f"http://127.0.0.1:{port}{WEBHOOK_PATH}"

    @classmethod
    async def start(cls, name: str, api: FakeBotAPI, url: str, tmp: Path) -> Instance:
        home = tmp / name
        home.mkdir()
        port = free_port()
        env = {**os.environ, "SCENARI_DATABASE_URL": url, "TELEGRAM_BOT_TOKEN": DEFAULT_TOKEN,
               "TELEGRAM_API_BASE": api.base_url, "TELEGRAM_WEBHOOK_URL": WEBHOOK_URL,
               "SCENARI_SECRET_KEY": "instances-test-secret-key-0123456789abcdef",  # the same for all: one webhook secret
               "SCENARI_QUESTIONNAIRES_DIR": str(tmp / "questionnaires"), "SCENARI_EXPORTS_DIR": str(home / "exports"),
               "SCENARI_AGGREGATE_MINUTES": str(PERIOD_MINUTES), "SCENARI_BROADCAST_RATE": "4",
               "SCENARI_LOG_LEVEL": "WARNING"}
        log = home / "serve.log"
        with log.open("wb") as out:
            process = await asyncio.create_subprocess_exec(
                str(SCENARI), "serve", "--host", "127.0.0.1", "--port", str(port), env=env, cwd=home,
                stdout=out, stderr=out)
        return cls(name, process, port, log)

    def holds(self) -> str:
        """The lease holders' pattern of this process (``host:pid:…`` and ``sender:host:pid:…``)."""
        return f"%:{self.process.pid}:%"

    def output(self) -> str:
        return self.log.read_text(encoding="utf-8", errors="replace")[-3000:]


def chat_of(update: dict[str, Any]) -> int:
    """The private chat an update belongs to (a message's chat, a button press's sender)."""
    if "message" in update:
        return int(update["message"]["chat"]["id"])
    return int(update["callback_query"]["from"]["id"])


class WebhookTelegram:
    """What Telegram and the reverse proxy do with the updates the simulated users make.

    Telegram: every update is POSTed to the webhook, a chat's next only once its previous one got a
    200, and an update without a 200 (refused, dropped, a dead instance) is POSTed again. The proxy:
    round robin over the instances, one that refused a connection taken out (a passive health check).
    """

    def __init__(self, api: FakeBotAPI, instances: list[Instance]) -> None:
        self.api = api
        self.instances = instances
        self.down: set[str] = set()
        self.acked: set[int] = set()
        self.served: Counter[str] = Counter()  # 200s per instance
        self.attempts: Counter[int] = Counter()
        self.in_flight: Counter[str] = Counter()  # updates POSTed to an instance and not answered yet
        self.secret = ""
        self._busy: set[int] = set()
        self._turn = itertools.count()
        self._tasks: set[asyncio.Task[None]] = set()

    @property
    def redelivered(self) -> int:
        return sum(1 for n in self.attempts.values() if n > 1)

    def _next(self) -> Instance:
        live = [i for i in self.instances if i.name not in self.down]
        return live[next(self._turn) % len(live)]

    async def run(self, stop: asyncio.Event) -> None:
        self.secret = self.api.calls_of("setWebhook")[-1].params["secret_token"]
        async with aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=120)) as http:
            while not stop.is_set():
                for update in self.api.pending_updates:
                    chat = chat_of(update)
                    if update["update_id"] in self.acked or chat in self._busy:
                        continue
                    self._busy.add(chat)
                    task = asyncio.create_task(self._deliver(http, update, chat))
                    self._tasks.add(task)
                    task.add_done_callback(self._tasks.discard)
                await asyncio.sleep(0.01)
            await asyncio.gather(*self._tasks, return_exceptions=True)

    async def _deliver(self, http: aiohttp.ClientSession, update: dict[str, Any], chat: int) -> None:
        instance = self._next()
        self.attempts[update["update_id"]] += 1
        self.in_flight[instance.name] += 1
        try:
            async with http.post(instance.url, json=update, headers={SECRET_HEADER: self.secret}) as response:
                await response.read()
                if response.status == 200:
                    self.acked.add(update["update_id"])
                    self.served[instance.name] += 1
        except aiohttp.ClientConnectorError:
            self.down.add(instance.name)
        except (aiohttp.ClientError, asyncio.TimeoutError):  # dropped mid-request: no 200, so again
            pass
        finally:
            self.in_flight[instance.name] -= 1
            if update["update_id"] not in self.acked:
                await asyncio.sleep(0.1)
            self._busy.discard(chat)

    async def acknowledged(self, update: dict[str, Any]) -> None:
        await until(lambda: update["update_id"] in self.acked, timeout=300)


async def holds_a_lease(db: Database, instance: Instance) -> bool:
    """Whether the process holds a job's lease or has an outbox row in flight (committed state)."""
    async with db.transaction() as session:
        jobs = await session.scalar(text("SELECT count(*) FROM job_schedules WHERE lease_holder LIKE :h"),
                                    {"h": instance.holds()})
        inflight = await session.scalar(
            text("SELECT count(*) FROM outbox_messages WHERE status = 'inflight' AND lease_holder LIKE :h"),
            {"h": instance.holds()})
    return bool(jobs or inflight)


async def kill_outside_the_windows(db: Database, instance: Instance, busy: Callable[[], bool] | None = None) -> None:
    """Freeze, look, kill when it holds no lease and sends nothing; else let it run a random instant.

    With ``busy``, the frozen instance is killed once it has updates in hand (the proxy goes on
    sending it its share, which hang while it is frozen), so that the kill drops some: with a fast
    path, an instant with nothing in flight is common, and a kill there would test no redelivery."""
    for _ in range(3000):
        instance.process.send_signal(signal.SIGSTOP)
        if not await holds_a_lease(db, instance):  # frozen: its committed state cannot change now
            if busy is not None:
                await until(busy, timeout=60)
            instance.process.send_signal(signal.SIGKILL)
            await instance.process.wait()
            return
        instance.process.send_signal(signal.SIGCONT)
        await asyncio.sleep(random.uniform(0.001, 0.02))  # sampling a random instant, not waiting for one
    raise AssertionError("never found the instance outside a lease")


async def answers_by_user(db: Database) -> dict[int, list[tuple[str, Any]]]:
    async with db.transaction() as session:
        rows = await session.execute(
            select(Respondent.external_id, Answer.question_key, Answer.value)
            .join(Run, Run.respondent_id == Respondent.id).join(Answer, Answer.run_id == Run.id)
            .where(Run.questionnaire_id == "citta").order_by(Answer.id))
    found: dict[int, list[tuple[str, Any]]] = {}
    for user, key, value in rows.all():
        found.setdefault(int(user), []).append((key, value))
    return found


async def outbox_holder(db: Database, instances: list[Instance]) -> Instance:
    """The instance whose sender holds the most newsletter rows now (the other one if none)."""
    async with db.transaction() as session:
        rows = (await session.execute(text(
            "SELECT lease_holder FROM outbox_messages WHERE status IN ('claimed', 'inflight')"))).scalars().all()
    held = Counter(i.name for i in instances for holder in rows if holder and f":{i.process.pid}:" in holder)
    return max(instances, key=lambda i: held[i.name])


async def test_two_instances_one_killed_lose_and_double_nothing(api: FakeBotAPI, pg_url: str, tmp_path: Path) -> None:
    bench_questionnaire(tmp_path / "questionnaires", ANSWERS + 4)
    db = Database(pg_url)
    await subscribers(db, api, READERS)
    instances = [await Instance.start(name, api, pg_url, tmp_path) for name in ("a", "b")]
    stop = asyncio.Event()
    telegram = WebhookTelegram(api, instances)
    delivery: asyncio.Task[None] | None = None
    readers = set(READERS)

    def newsletter_sends() -> int:
        return sum(1 for c in api.calls_of("sendMessage") if int(c.params["chat_id"]) in readers)

    try:
        def started() -> bool:
            dead = [i for i in instances if i.process.returncode is not None]
            if dead:
                raise AssertionError("\n".join(f"{i.name} exited: {i.output()}" for i in dead))
            return api.count("setWebhook") >= 2

        await until(started, timeout=300)  # both up (a busy machine: generous)
        delivery = asyncio.create_task(telegram.run(stop))
        async with db.transaction() as session:  # due now: a sender expands it and starts (SCENARI_BROADCAST_RATE)
            newsletter = await outbox.create_broadcast(session, segment={}, text_it="Notizie dal **Comune**",
                                                       status="scheduled")
        users = [api.user(5000 + n, language_code="it") for n in range(USERS)]

        async def consent(user: Any) -> None:
            await user.send_command("/start citta")
            await user.wait_for(lambda m: "Accetto" in m.buttons, timeout=300)
            await user.press("Accetto")
            await user.wait_text("Domanda 0", timeout=300)

        await asyncio.gather(*(consent(u) for u in users))
        await until(lambda: newsletter_sends() >= 5, timeout=300)  # the newsletter is under way
        setup = len(telegram.acked)
        killed: list[tuple[Instance, datetime]] = []

        async def answer(user: Any) -> None:
            for i in range(ANSWERS):
                await telegram.acknowledged(await user.send_text(f"risposta {i} di {user.user_id}"))

        async def kill_mid_load() -> None:
            await until(lambda: len(telegram.acked) - setup >= USERS * ANSWERS * 2 // 5, timeout=300)
            victim = await outbox_holder(db, instances)  # the one sending: its rows must be taken over
            killed.append((victim, datetime.now(timezone.utc)))
            print(f"killing {victim.name} after {newsletter_sends()} newsletter sends")  # shown with -s
            # killed with updates in hand: with a fast path an instant of no update in flight is common,
            # and a kill there would test no redelivery at all
            await kill_outside_the_windows(db, victim, busy=lambda: telegram.in_flight[victim.name] > 0)
            telegram.down.add(victim.name)

        await asyncio.gather(kill_mid_load(), *(answer(u) for u in users))
        assert telegram.served["a"] and telegram.served["b"]  # the load was spread over both
        assert telegram.redelivered >= 1  # updates the killed instance had were POSTed again

        # the newsletter: the survivor recovers the rows the dead one had claimed once their lease expires
        async def newsletter_done() -> bool:
            async with db.transaction() as session:
                return await outbox.counts(session, newsletter.id) == {"sent": len(READERS)}

        await until(newsletter_done, timeout=300)

        async def ran_after_kill() -> bool:  # the convergence job goes on, by the survivor
            async with db.transaction() as session:
                return bool(await session.scalar(text(
                    "SELECT count(*) FROM report_snapshots WHERE kind = 'convergence' AND computed_at > :t"),
                    {"t": killed[0][1]}))

        await until(ran_after_kill, timeout=300)
    finally:
        stop.set()
        if delivery is not None:
            await delivery
        for instance in instances:
            if instance.process.returncode is None:
                instance.process.send_signal(signal.SIGTERM)
        for instance in instances:
            try:
                await asyncio.wait_for(instance.process.wait(), timeout=60)
            except asyncio.TimeoutError:
                instance.process.kill()
                await instance.process.wait()
    try:
        # every answer stored exactly once: each user's answers, in order, none twice, none lost
        stored = await answers_by_user(db)
        expected = {u.user_id: [(f"q{i}", f"risposta {i} di {u.user_id}") for i in range(ANSWERS)] for u in users}
        assert stored == expected
        # the newsletter: exactly one copy per subscriber
        sends = Counter(int(c.params["chat_id"]) for c in api.calls_of("sendMessage")
                        if int(c.params["chat_id"]) in readers)
        assert sorted(sends) == READERS and set(sends.values()) == {1}, {c: n for c, n in sends.items() if n != 1}
        # the scheduled job: never twice in one period, across both instances
        async with db.transaction() as session:
            runs = (await session.execute(text(
                "SELECT computed_at, holder FROM report_snapshots WHERE kind = 'convergence' ORDER BY computed_at"
            ))).all()
        gaps = [(b.computed_at - a.computed_at).total_seconds() for a, b in itertools.pairwise(runs)]
        assert len(runs) >= 2 and min(gaps) >= PERIOD_MINUTES * 60 * 0.95, gaps
        unprompted = [u.user_id for u in users if not any(f"Domanda {ANSWERS}" in (t or "") for t in u.texts)]
        print(f"users without their next question: {unprompted}")
        print(f"served {dict(telegram.served)}, {telegram.redelivered} updates redelivered, "
              f"job runs by {Counter(r.holder.split(':')[1] for r in runs)}, gaps {[round(g, 1) for g in gaps]}")
    finally:
        await db.dispose()
