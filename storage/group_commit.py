"""Group commit: many small units of work share one transaction and one durable commit.

Each update a bot handles is a short read-modify-write (load the run, store the answer, save
the state). On SQLite every commit is an fsync, and writers are serialised anyway, so
committing each update alone caps throughput at the disk's sync rate. Here concurrent units
queue up; one writer task runs a batch of them in a single transaction, each inside its own
SAVEPOINT (a failing unit rolls back alone), commits once, and only then resolves each
caller's future. A caller therefore never sees its result — and never replies to a user —
before its work is durable.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any, TypeVar

from sqlalchemy.ext.asyncio import AsyncSession

from .database import Database

log = logging.getLogger("scenari.storage")
T = TypeVar("T")
Work = Callable[[AsyncSession], Awaitable[Any]]


@dataclass
class _Unit:
    work: Work
    future: asyncio.Future[Any] = field(default_factory=lambda: asyncio.get_running_loop().create_future())


class GroupCommitter:
    """Run units of work in shared transactions; ``max_batch=1`` commits each unit alone."""

    def __init__(self, db: Database, max_batch: int = 64) -> None:
        self.db = db
        self.max_batch = max_batch
        self._queue: asyncio.Queue[_Unit] | None = None
        self._writer: asyncio.Task[None] | None = None
        self.batches = 0
        self.units = 0

    async def run(self, work: Callable[[AsyncSession], Awaitable[T]]) -> T:
        """Run ``work(session)``; return its result once the transaction holding it committed."""
        if self._queue is None:
            self._queue = asyncio.Queue()
        if self._writer is None or self._writer.done():
            self._writer = asyncio.create_task(self._write_loop(), name="group-commit")
        unit = _Unit(work)
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
        results: list[tuple[_Unit, Any, BaseException | None]] = []
        try:
            async with self.db.transaction() as session:
                for unit in batch:
                    try:
                        async with session.begin_nested():
                            value = await unit.work(session)
                        results.append((unit, value, None))
                    except Exception as exc:  # the unit's savepoint is rolled back; others go on
                        results.append((unit, None, exc))
        except Exception as exc:  # the commit itself failed: nothing in the batch is durable
            log.exception("group commit failed", extra={"fields": {"units": len(batch)}})
            for unit in batch:
                if not unit.future.done():
                    unit.future.set_exception(exc)
            return
        self.batches += 1
        self.units += len(batch)
        for unit, value, error in results:
            if unit.future.done():
                continue
            if error is not None:
                unit.future.set_exception(error)
            else:
                unit.future.set_result(value)
