"""Group commit: many small units of work share one transaction and one durable commit.

Each update a bot handles is a short read-modify-write (load the run, store the answer, save
the state). On SQLite every commit is an fsync and writers are serialised anyway, so
committing each update alone caps throughput at the disk's sync rate, and every statement is
a round trip to the driver's thread. Here concurrent units queue up; one writer task runs a
batch of them in a single transaction — after an optional *prefetch* that loads what the
whole batch will read in a few queries — writes all their rows together before the commit
(one executemany per table for the answers, update marks and run states that storage.prefetch
keeps as plain rows, the ORM's flush for the rest), and only then resolves each caller's future. A caller therefore never sees its
result (and never replies to a user) before its work is durable.

If any unit of a batch fails, the whole transaction is rolled back and every unit of the
batch is run again alone, so one bad update can neither take others down nor leave half of
itself behind. Units must therefore be safe to run again after a rollback.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field
from typing import Any, TypeVar

from sqlalchemy.ext.asyncio import AsyncSession

from .database import Database

log = logging.getLogger("scenari.storage")
T = TypeVar("T")
Work = Callable[[AsyncSession], Awaitable[Any]]
Prefetch = Callable[[AsyncSession, Sequence[Any]], Awaitable[None]]


@dataclass
class _Unit:
    work: Work
    key: Any = None
    future: asyncio.Future[Any] = field(default_factory=lambda: asyncio.get_running_loop().create_future())


class GroupCommitter:
    """Run units of work in shared transactions; ``max_batch=1`` commits each unit alone."""

    def __init__(self, db: Database, max_batch: int = 64, prefetch: Prefetch | None = None) -> None:
        self.db = db
        self.max_batch = max_batch
        self.prefetch = prefetch
        self._queue: asyncio.Queue[_Unit] | None = None
        self._writer: asyncio.Task[None] | None = None
        self.batches = 0
        self.units = 0
        self.isolated_retries = 0

    async def run(self, work: Callable[[AsyncSession], Awaitable[T]], key: Any = None) -> T:
        """Run ``work(session)``; return its result once the transaction holding it committed.

        ``key`` is handed to the prefetch hook (e.g. who sent the update and its id).
        """
        if self._queue is None:
            self._queue = asyncio.Queue()
        if self._writer is None or self._writer.done():
            self._writer = asyncio.create_task(self._write_loop(), name="group-commit")
        unit = _Unit(work, key)
        await self._queue.put(unit)
        return await unit.future

    async def close(self) -> None:
        if self._writer is not None:
            self._writer.cancel()
            try:
                await self._writer
            except asyncio.CancelledError:
                pass
            self._writer = None

    async def _write_loop(self) -> None:
        assert self._queue is not None
        while True:
            batch = [await self._queue.get()]
            while len(batch) < self.max_batch and not self._queue.empty():
                batch.append(self._queue.get_nowait())
            await self._run_batch(batch)

    async def _run_batch(self, batch: list[_Unit]) -> None:
        try:
            results = await self._commit(batch)
        except Exception as exc:
            if len(batch) > 1:
                self.isolated_retries += 1
                log.warning("batch failed, running its units one by one", extra={"fields": {"units": len(batch)}})
                for unit in batch:
                    await self._run_batch([unit])
                return
            if not batch[0].future.done():
                batch[0].future.set_exception(exc)
            return
        self.batches += 1
        self.units += len(batch)
        for unit, value in zip(batch, results):
            if not unit.future.done():
                unit.future.set_result(value)

    async def _commit(self, batch: list[_Unit]) -> list[Any]:
        async with self.db.transaction() as session:
            if self.prefetch is not None:
                await self.prefetch(session, [unit.key for unit in batch if unit.key is not None])
            return [await unit.work(session) for unit in batch]
