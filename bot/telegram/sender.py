"""The sender: delivers the outbox (storage.outbox) through the Bot API at Telegram's pace.

One asyncio task per process (``scenari serve`` / ``scenari bot`` start it from
:mod:`bot.runtime.background`; ``scenari broadcast send`` runs it in the foreground). It is the only
place the communication plan talks to Telegram. The loop:

1. **claim** a batch of due rows with a lease (one short transaction; two instances never hold
   the same row), renewed by a heartbeat while they wait here;
2. **pace**: a global schedule of one slot every ``1/rate`` seconds (default 25/s; 0 lifts the
   limit, leaving only ``concurrency`` calls in flight) and at least ``chat_spacing`` seconds
   between two messages to one chat; a 429 pauses everything for its ``retry_after``;
3. **mark inflight** the rows about to go (one short transaction; rows of people who opted out
   or blocked the bot since, or stale reminders, are skipped instead);
4. **call** ``sendMessage`` / ``sendDocument`` (no transaction open), up to ``concurrency`` at
   once: JSON posted over one keep-alive session (:mod:`bot.telegram.direct`; aiogram only for
   a document's first upload), the answer read for what is recorded and nothing more;
5. **record** the answer right after it arrives (committed in small groups: in the launcher's
   next step-3 transaction when one is under way, else by a writer task): sent with its message id; 403 → blocked and the person marked unreachable;
   400 → failed; 429 → back in line after ``retry_after``; a connection that could not even be
   opened (:func:`bot.telegram.retry.never_reached_telegram`) → again after an exponential
   backoff, failed after ``max_attempts``. Anything else once connected — a 5xx, a proxy page,
   an answer that does not decode, a drop, a timeout — may come *after* Telegram delivered the
   message: the row becomes ``uncertain`` at once (policy ``hold``: never twice) or goes back in
   line with the backoff (policy ``resend``: never skipped), exactly like a kill in the window.

Time: pacing (:mod:`bot.telegram.pacing`), backoff and pauses read the injected
``monotonic`` clock and wait with the injected ``sleep`` (defaults: :func:`time.monotonic`,
:func:`asyncio.sleep`), so tests drive the schedule with a fake clock; ``clock`` (UTC
datetimes) stamps the database rows.

Killed at any moment, a restarted sender goes on: rows it had claimed but not attempted return
to the queue when their lease expires; rows it had *in flight* are the one window no Bot API
can close (Telegram may or may not have delivered them, and cannot be asked) — see
:mod:`storage.outbox` for what happens to them (``SCENARI_SENDER_UNCERTAIN``).
"""

from __future__ import annotations

import asyncio
import contextlib
import heapq
import itertools
import logging
import os
import secrets
import socket
import time
from collections import deque
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

import aiohttp
from aiogram import Bot
from aiogram.exceptions import (
    TelegramAPIError,
    TelegramBadRequest,
    TelegramForbiddenError,
    TelegramNetworkError,
    TelegramRetryAfter,
    TelegramServerError,
)

from storage import Database, outbox
from storage.models import utcnow

from bot.service import communication
from bot.service.catalog import QuestionnaireCatalog
from bot.service.communication import Composed, Plan
from bot.telegram.app import build_bot
from bot.telegram.direct import Answer, DirectBotAPI, UnreadableAnswer, json_call
from bot.telegram.pacing import Pacing
from bot.telegram.render import telegram_method
from bot.telegram.retry import MAYBE_DELIVERED, never_reached_telegram

log = logging.getLogger("scenari.sender")


def new_holder() -> str:
    return f"sender:{socket.gethostname()}:{os.getpid()}:{secrets.token_hex(3)}"


async def send_preview(bot: Bot, chat_id: int, message: Composed) -> Any:
    """A preview to the author's own chat: exactly what a recipient would get."""
    return await bot(telegram_method(chat_id, message))


@dataclass
class SenderStats:
    sent: int = 0
    failed: int = 0
    blocked: int = 0
    skipped: int = 0
    retried: int = 0
    flood_waits: int = 0
    uncertain: int = 0
    started: float = field(default_factory=time.monotonic)


class Sender(Pacing):
    """Delivers the outbox at Telegram's pace (see the module's docstring); :meth:`run` is the loop."""

    def __init__(
        self,
        db: Database,
        bot: Bot,
        plan: Plan | None = None,
        catalog: Any = None,
        *,
        holder: str | None = None,
        batch: int = 500,
        lease_seconds: float = 60.0,
        concurrency: int = 64,
        max_attempts: int = 8,
        base_backoff: float = 1.0,
        max_backoff: float = 300.0,
        maintenance_seconds: float = 2.0,
        clock: Callable[[], datetime] = utcnow,
        monotonic: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], Awaitable[Any]] = asyncio.sleep,
        api: DirectBotAPI | None = None,
    ) -> None:
        self.db = db
        self.bot = bot  # a document's first upload (multipart); every other call goes through ``api``
        self.plan = plan or Plan()
        self.catalog = catalog
        self.holder = holder or new_holder()
        self.batch = batch
        self.lease_seconds = lease_seconds
        self.concurrency = max(1, concurrency)
        self.max_attempts = max_attempts
        self.base_backoff = base_backoff
        self.max_backoff = max_backoff
        self.maintenance_seconds = maintenance_seconds
        self.clock = clock
        self.monotonic = monotonic
        self.sleep = sleep
        self.stats = SenderStats(started=monotonic())
        self._queue: deque[outbox.Claimed] = deque()
        self._later: list[tuple[float, int, outbox.Claimed]] = []  # (monotonic due, seq, row)
        self._seq = itertools.count()
        self._tries: dict[int, int] = {}
        self._last_chat: dict[int, float] = {}
        self._paused_until = 0.0
        self._next_slot = 0.0
        self._inflight: set[asyncio.Task[None]] = set()
        self._results: list[outbox.Outcome] = []
        self._results_ready = asyncio.Event()
        self._wake = asyncio.Event()
        self._broadcasts: dict[int, Any] = {}
        self._uploading: set[int] = set()
        self._file_ids: dict[int, str] = {}
        self._calls: dict[tuple[int, str, str | None], tuple[str, dict[str, Any]]] = {}
        self._last_maintenance = float("-inf")
        self._next_claim = 0.0
        self._unrecorded: set[int] = set()  # rows whose last outcome is not committed yet
        # one write transaction at a time in this process: SQLite's busy handler would otherwise
        # make the launcher sleep behind the writer (milliseconds that become jitter)
        self._db_lock = asyncio.Lock()
        self._stopping = False
        self._launching = False  # the launcher's transaction is about to start or under way
        self._connection: Any = None  # the launcher's and the writer's (see _hot_transaction)
        self._hold_connection = db.backend == "sqlite"
        self.api = api or DirectBotAPI.for_bot(bot, limit=self.concurrency)

    # --- the loop ------------------------------------------------------------------------------

    async def run(self, stop: asyncio.Event | None = None, until_done: bool = False, idle_seconds: float = 1.0) -> SenderStats:
        """Send until ``stop`` is set (or, with ``until_done``, until nothing is left to send)."""
        stop = stop or asyncio.Event()
        writer = asyncio.create_task(self._writer())
        heartbeat = asyncio.create_task(self._heartbeat())
        try:
            while not stop.is_set():
                now = self.monotonic()
                if now - self._last_maintenance >= self.maintenance_seconds:
                    await self.maintain()
                self._promote_later(now)
                if len(self._queue) < self.batch // 2 and now >= self._next_claim:
                    await self._claim()
                if not self._queue and not self._later and not self._inflight:
                    if until_done and not self._results and await self._nothing_left():
                        break
                    await self._idle(stop, idle_seconds)
                    continue
                group = self._take(self.monotonic())
                if not group:
                    await self._wait_next(stop)
                    continue
                await self._launch(group)
        finally:
            self._stopping = True
            if self._inflight:
                await asyncio.gather(*self._inflight, return_exceptions=True)
            self._results_ready.set()
            with contextlib.suppress(Exception):
                await writer  # it flushes every outcome, then ends (never cancelled mid-commit)
            heartbeat.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await heartbeat
            with contextlib.suppress(Exception):
                async with self.db.transaction() as session:
                    await outbox.release(session, self.holder)
                    await outbox.finish_broadcasts(session, self.clock())
            await self.api.close()
            if self._connection is not None:
                with contextlib.suppress(Exception):
                    await self._connection.close()
                self._connection = None
        return self.stats

    async def maintain(self) -> None:
        """Recover rows of dead holders, expand due broadcasts, close finished ones."""
        self._last_maintenance = self.monotonic()
        now = self.clock()
        async with self.db.transaction() as session:
            recovered = await outbox.recover(session, now, self.plan.uncertain)
        if recovered["uncertain"]:
            log.warning("rows interrupted while Telegram had them", extra={"fields": {**recovered, "policy": self.plan.uncertain}})
        await communication.expand_due(self.db, now, self.plan.newsletter_since)
        async with self.db.transaction() as session:
            await outbox.finish_broadcasts(session, now)

    async def _nothing_left(self) -> bool:
        await self.maintain()
        async with self.db.transaction() as session:
            return await outbox.open_work(session, self.clock()) == 0

    async def _idle(self, stop: asyncio.Event, seconds: float) -> None:
        async with self.db.transaction() as session:
            due = await outbox.next_due(session)
        if due is not None:
            seconds = max(0.01, min(seconds, (due - self.clock()).total_seconds()))
        await self._pause(seconds, stop)

    async def _claim(self) -> None:
        async with self.db.transaction() as session:
            rows = await outbox.claim(session, self.holder, self.batch - len(self._queue), self.lease_seconds, self.clock())
            missing = {r.broadcast_id for r in rows if r.broadcast_id and r.broadcast_id not in self._broadcasts}
            if missing:
                self._broadcasts.update(await outbox.broadcasts_by_id(session, missing))
        for broadcast in self._broadcasts.values():
            if broadcast.document_file_id and broadcast.id not in self._file_ids:
                self._file_ids[broadcast.id] = broadcast.document_file_id
        self._queue.extend(rows)
        # an empty queue is looked at again a little later, not on every turn of the loop
        self._next_claim = 0.0 if rows else self.monotonic() + 0.25

    async def _launch(self, group: list[outbox.Claimed]) -> None:
        self._launching = True
        try:
            await self._mark_and_start(group)
        finally:
            self._launching = False
            if self._results:  # answers that came during its transaction: the writer's now
                self._results_ready.set()

    async def _mark_and_start(self, group: list[outbox.Claimed]) -> None:
        """One short transaction: the answers so far recorded, ``group`` marked inflight; then its calls start."""
        missing = {r.broadcast_id for r in group if r.broadcast_id and r.broadcast_id not in self._broadcasts}
        async with self._db_lock:
            results, self._results = self._results, []
            try:
                async with self._hot_transaction() as session:
                    if missing:
                        self._broadcasts.update(await outbox.broadcasts_by_id(session, missing))
                    if results:  # the answers that came in meanwhile, in the same short transaction
                        await outbox.record(session, self.holder, results, self.clock())
                    send, skip = await outbox.mark_inflight(session, self.holder, group, self.clock(), self.plan.newsletter_since)
            except BaseException:
                self._results = results + self._results
                self._results_ready.set()  # the writer records them instead
                raise
            self._unrecorded.difference_update(o.id for o in results)
        self.stats.skipped += len(skip)
        chosen = set(send)
        now = self.monotonic()
        for row in group:
            if row.id not in chosen:
                if row.broadcast_id in self._uploading and row.broadcast_id not in self._file_ids:
                    self._uploading.discard(row.broadcast_id)
                continue
            self._last_chat[row.chat_id] = now
            task = asyncio.create_task(self._send(row))
            self._inflight.add(task)
            task.add_done_callback(self._done)

    def _done(self, task: asyncio.Task[None]) -> None:
        self._inflight.discard(task)
        self._wake.set()

    # --- one call ------------------------------------------------------------------------------

    def _compose(self, row: outbox.Claimed) -> Composed:
        broadcast = self._broadcasts.get(row.broadcast_id) if row.broadcast_id else None
        message = communication.compose_row(row, broadcast, self.plan, self.catalog)
        message = communication.with_rsvp_buttons(message, broadcast, row.language)
        if row.broadcast_id in self._file_ids:
            message = Composed(message.html, message.buttons, None, self._file_ids[row.broadcast_id])
        return message

    async def _call(self, row: outbox.Claimed) -> Answer:
        """One row's Bot API call: posted as JSON, or (a document's first upload) through aiogram.

        A broadcast's call is built once per language and file id (markdown rendering and the
        keyboard are the same for every recipient; only ``chat_id`` differs); a personal row's
        (a reminder with its own text) every time.
        """
        personal = row.broadcast_id is None or bool(row.payload and row.payload.get("html"))
        key = None if personal else (row.broadcast_id, row.language, self._file_ids.get(row.broadcast_id))  # type: ignore[arg-type]
        made = self._calls.get(key) if key is not None else None
        if made is None:
            message = self._compose(row)
            if message.document_path and not message.document_file_id:
                return await self._upload(row, message)
            made = json_call(row.chat_id, message)
            if key is not None:
                self._calls[key] = made
        method, body = made
        return await self.api.call(method, {**body, "chat_id": row.chat_id})

    async def _upload(self, row: outbox.Claimed, message: Composed) -> Answer:
        """A document's first upload (multipart, through aiogram), its answer read as an :class:`Answer`."""
        try:
            result = await self.bot(telegram_method(row.chat_id, message))
        except TelegramRetryAfter as exc:
            return Answer(429, False, error_code=429, description=exc.message, retry_after=float(exc.retry_after))
        except (TelegramNetworkError, TelegramServerError):
            raise  # it may have been delivered: the sender's rules of MAYBE_DELIVERED
        except TelegramAPIError as exc:
            status = 403 if isinstance(exc, TelegramForbiddenError) else 400 if isinstance(exc, TelegramBadRequest) else 0
            return Answer(status, False, error_code=status or None, description=exc.message)
        document = getattr(result, "document", None)
        return Answer(200, True, message_id=getattr(result, "message_id", None),
                      file_id=document.file_id if document is not None else None)

    async def _send(self, row: outbox.Claimed) -> None:
        tries = self._tries.get(row.id, 0) + 1
        self._tries[row.id] = tries
        try:
            answer = await self._call(row)
        except (*MAYBE_DELIVERED, UnreadableAnswer, aiohttp.ClientError, asyncio.TimeoutError, OSError) as exc:
            self._maybe_delivered(row, tries, f"{type(exc).__name__}: {exc}", never_reached_telegram(exc))
        except Exception as exc:  # a bug or an unexpected answer: recorded, never retried blindly
            log.exception("sending failed", extra={"fields": {"row": row.id}})
            self.stats.failed += 1
            self._outcome(outbox.Outcome(row.id, "failed", row.respondent_id, error=f"{type(exc).__name__}: {exc}"))
        else:
            if self._answered(row, tries, answer):
                return
        if row.broadcast_id in self._uploading and row.broadcast_id not in self._file_ids:
            self._uploading.discard(row.broadcast_id)

    def _answered(self, row: outbox.Claimed, tries: int, answer: Answer) -> bool:
        """Record what Telegram answered (aiogram's order: success, ``retry_after``, then the HTTP status); True if sent."""
        if answer.delivered:
            self.stats.sent += 1
            self._tries.pop(row.id, None)
            if row.broadcast_id in self._uploading and answer.file_id:
                self._file_ids[row.broadcast_id] = answer.file_id  # type: ignore[index]
                self._uploading.discard(row.broadcast_id)
            self._outcome(outbox.Outcome(row.id, "sent", row.respondent_id, message_id=answer.message_id))
            return True
        if answer.retry_after is not None or answer.status == 429 or answer.error_code == 429:
            wait = answer.retry_after or 1.0  # "not done, try later": never the message's fault
            self._paused_until = max(self._paused_until, self.monotonic() + wait)
            self._next_slot = max(self._next_slot, self._paused_until)
            self.stats.flood_waits += 1
            self._tries[row.id] = tries - 1
            log.warning("flood control: pausing", extra={"fields": {"retry_after": wait}})
            self._retry(row, wait, f"429 retry after {wait:g}s")
        elif answer.status == 403:
            self.stats.blocked += 1
            self._outcome(outbox.Outcome(row.id, "blocked", row.respondent_id, error=answer.description))
        elif answer.status >= 500:  # Telegram (or a proxy) failed after reading the call: it may be delivered
            self._maybe_delivered(row, tries, f"HTTP {answer.status}: {answer.description}", False)
        else:  # 400, and every other refusal (401, 404, a chat that migrated …): not retried
            self.stats.failed += 1
            log.warning("message refused", extra={"fields": {"row": row.id, "status": answer.status, "error": answer.description}})
            self._outcome(outbox.Outcome(row.id, "failed", row.respondent_id, error=answer.description))
        return False

    def _maybe_delivered(self, row: outbox.Claimed, tries: int, error: str, never_reached: bool) -> None:
        """A call that failed without a Bot API refusal (see the module docstring, step 5)."""
        if not never_reached and self.plan.uncertain != "resend":
            # Telegram may have delivered it (the answer came, or the line dropped once
            # connected): like a kill in the window, never sent twice
            self.stats.uncertain += 1
            log.warning("answer lost after sending: row uncertain", extra={"fields": {"row": row.id, "error": error}})
            self._outcome(outbox.Outcome(row.id, "uncertain", row.respondent_id, error=error))
        elif tries >= self.max_attempts:
            self.stats.failed += 1
            self._outcome(outbox.Outcome(row.id, "failed", row.respondent_id, error=error))
        else:
            delay = min(self.max_backoff, self.base_backoff * 2 ** (tries - 1)) * (1 + 0.1 * secrets.randbelow(10) / 10)
            self._retry(row, delay, error)

    def _retry(self, row: outbox.Claimed, seconds: float, error: str) -> None:
        self.stats.retried += 1
        heapq.heappush(self._later, (self.monotonic() + seconds, next(self._seq), row))
        self._outcome(outbox.Outcome(row.id, "retry", row.respondent_id, error=error,
                                     not_before=self.clock() + timedelta(seconds=seconds)))

    def _outcome(self, outcome: outbox.Outcome) -> None:
        self._unrecorded.add(outcome.id)
        self._results.append(outcome)
        self._results_ready.set()

    # --- the writer and the heartbeat ------------------------------------------------------------

    async def _writer(self) -> None:
        while not (self._stopping and not self._results):
            await self._results_ready.wait()
            self._results_ready.clear()
            if not self._stopping:
                await asyncio.sleep(0.002)  # let a few answers gather (or the launcher take them)
                if self._launching:
                    # the launcher records them in its own transaction, about to start or under
                    # way: a second one beside it would only make the two take turns
                    continue
            await self._flush_results()

    async def _flush_results(self) -> None:
        while self._results:
            await self._db_lock.acquire()
            batch, self._results = self._results, []
            if not batch:  # the launcher took them while this waited for the lock
                self._db_lock.release()
                break
            try:
                async with self._hot_transaction() as session:
                    await outbox.record(session, self.holder, batch, self.clock())
                    for broadcast_id, file_id in list(self._file_ids.items()):
                        await outbox.set_document_file_id(session, broadcast_id, file_id)
                self._unrecorded.difference_update(o.id for o in batch)
            except Exception:
                log.exception("recording outcomes failed; retrying")
                self._results = batch + self._results
                self._db_lock.release()
                await asyncio.sleep(0.5)
                continue
            self._db_lock.release()

    @contextlib.asynccontextmanager
    async def _hot_transaction(self) -> Any:
        """A transaction of the launcher or the writer (one at a time, under ``_db_lock``) on a held connection.

        They make one short transaction per group sent; on SQLite a connection of their own
        saves each the pool's check-out and its rollback on return, two round trips to the
        database thread of the few each transaction has. A connection that failed is dropped,
        and the next transaction opens another. Other databases go through the pool, whose
        pre-ping rides out a server restart between two transactions.
        """
        if not self._hold_connection:
            async with self.db.transaction() as session:
                yield session
            return
        if self._connection is None:
            self._connection = await self.db.engine.connect()
        try:
            async with self.db.sessions(bind=self._connection) as session:
                async with session.begin():
                    yield session
        except BaseException:
            connection, self._connection = self._connection, None
            with contextlib.suppress(Exception):
                await connection.close()
            raise

    async def _heartbeat(self) -> None:
        while True:
            await asyncio.sleep(self.lease_seconds / 3)
            try:
                async with self.db.transaction() as session:
                    await outbox.renew(session, self.holder, self.lease_seconds, self.clock())
            except Exception:
                log.exception("renewing the sender's lease failed")


# --- beside the service ------------------------------------------------------------------------


@contextlib.asynccontextmanager
async def sender_task(settings: Any, db: Database) -> Any:
    """Run the sender and the communication loop beside the bot; stop both on exit."""
    if not settings.telegram_bot_token:
        yield None
        return
    plan = Plan.from_settings(settings)
    catalog = QuestionnaireCatalog.load(settings.plan)
    bot = build_bot(settings, retry=False)
    sender = Sender(db, bot, plan, catalog)
    stop = asyncio.Event()
    tasks = [asyncio.create_task(sender.run(stop)), asyncio.create_task(communication.communication_loop(db, plan, catalog, stop))]
    log.info("sender started", extra={"fields": {"rate": plan.rate, "holder": sender.holder}})
    try:
        yield sender
    finally:
        stop.set()
        await asyncio.gather(*tasks, return_exceptions=True)
        await bot.session.close()
