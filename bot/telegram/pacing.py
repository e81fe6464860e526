"""The sender's pace: which claimed rows may go now, and how long to wait for the next one.

Telegram's limits are global (about 30 messages a second per bot) and per chat (about one a
second): :class:`Pacing` keeps a schedule of one slot every ``1/rate`` seconds, at least
``chat_spacing`` seconds between two messages to one chat, a pause for a 429's
``retry_after``, and the rows waiting for a retry. It reads only the injected ``monotonic``
clock and waits only with the injected ``sleep``, so tests drive it with a fake clock.

A base class of :class:`bot.telegram.sender.Sender`, apart so that the loop reads on its own:
it works on the sender's queue and clocks, declared below and set by ``Sender.__init__``.
"""

from __future__ import annotations

import asyncio
import heapq
import itertools
from collections import deque
from collections.abc import Awaitable, Callable
from typing import Any

from storage import outbox

from bot.service.communication import Plan


class Pacing:
    """The schedule of :class:`bot.telegram.sender.Sender` (see the module's docstring)."""

    plan: Plan
    concurrency: int
    monotonic: Callable[[], float]
    sleep: Callable[[float], Awaitable[Any]]
    _queue: deque[outbox.Claimed]
    _later: list[tuple[float, int, outbox.Claimed]]  # (monotonic due, seq, row)
    _unrecorded: set[int]
    _inflight: set[asyncio.Task[None]]
    _last_chat: dict[int, float]
    _paused_until: float
    _next_slot: float
    _next_claim: float
    _uploading: set[int]
    _broadcasts: dict[int, Any]
    _file_ids: dict[int, str]
    _wake: asyncio.Event

    def _promote_later(self, now: float) -> None:
        held = []
        while self._later and self._later[0][0] <= now:
            item = heapq.heappop(self._later)
            if item[2].id in self._unrecorded:  # its retry is not committed yet: not before it is
                held.append((now + 0.01, item[1], item[2]))
                continue
            self._queue.appendleft(item[2])
        for item in held:
            heapq.heappush(self._later, item)

    def _tokens(self, now: float) -> int:
        free = self.concurrency - len(self._inflight)
        if free <= 0 or now < self._paused_until:
            return 0
        rate = self.plan.rate
        if rate <= 0:
            return free
        interval = 1.0 / rate
        burst = max(2, int(rate * 0.05))  # slots a short stall (a commit) may catch up, at most
        if self._next_slot < now - burst * interval:
            self._next_slot = now - (burst - 1) * interval  # idle for a while: no bigger catch-up burst
        if now < self._next_slot:
            return 0
        return min(free, burst, int((now - self._next_slot) / interval) + 1)

    def _take(self, now: float) -> list[outbox.Claimed]:
        tokens = self._tokens(now)
        if tokens <= 0:
            return []
        group: list[outbox.Claimed] = []
        spacing = self.plan.chat_spacing
        chats: set[int] = set()
        skipped: list[outbox.Claimed] = []
        scanned = 0
        while self._queue and len(group) < tokens and scanned < tokens + 200:
            row = self._queue.popleft()
            scanned += 1
            last = self._last_chat.get(row.chat_id)
            waiting_upload = row.broadcast_id in self._uploading
            if row.chat_id in chats or (last is not None and now - last < spacing) or waiting_upload:
                skipped.append(row)
                continue
            broadcast = self._broadcasts.get(row.broadcast_id) if row.broadcast_id else None
            if broadcast is not None and broadcast.document_path and row.broadcast_id not in self._file_ids:
                self._uploading.add(row.broadcast_id)  # first upload alone; then its file id for the rest
            chats.add(row.chat_id)
            group.append(row)
        self._queue.extendleft(reversed(skipped))
        if group and self.plan.rate > 0:
            self._next_slot += len(group) / self.plan.rate
        return group

    async def _wait_next(self, stop: asyncio.Event) -> None:
        """Wait for the next moment that can change what may be sent.

        At full concurrency only a call finishing can (an event, no timer). Otherwise the
        earliest pacing instant — the next slot, the end of a 429 pause, a retry falling due, a
        chat's spacing, the next look for new rows — on the injected clock, or a call finishing.
        """
        if len(self._inflight) >= self.concurrency:
            await self._pause(None, stop)
            return
        now = self.monotonic()
        candidates = [self._paused_until]
        if self._later:
            candidates.append(self._later[0][0])
        if self._queue:
            if self.plan.rate > 0:
                candidates.append(self._next_slot)
            if self.plan.chat_spacing > 0:
                last = (self._last_chat.get(row.chat_id) for row in itertools.islice(self._queue, 200))
                candidates.extend(t + self.plan.chat_spacing for t in last if t is not None)
        else:
            candidates.append(self._next_claim)
        future = [c for c in candidates if c > now]
        await self._pause(min(future) - now if future else 1.0, stop)

    async def _pause(self, seconds: float | None, stop: asyncio.Event) -> None:
        """The injected sleep for ``seconds`` (``None``: no timer), cut short by a call finishing or a stop."""
        self._wake.clear()
        waits = [asyncio.ensure_future(self._wake.wait()), asyncio.ensure_future(stop.wait())]
        if seconds is not None:
            waits.append(asyncio.ensure_future(self.sleep(seconds)))
        try:
            await asyncio.wait(waits, return_when=asyncio.FIRST_COMPLETED)
        finally:
            for waiting in waits:
                waiting.cancel()
