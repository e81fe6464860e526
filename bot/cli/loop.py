"""The event loop the commands run on: uvloop where it is installed, asyncio's own otherwise.

Why: `scenari serve` spends a tenth of its CPU an answer in the event loop itself (selecting,
scheduling callbacks, writing to sockets); libuv's loop does that in C. Measured with
bench/bench_web.py (fetch, 100 browsers): server CPU an answer 1.06 → 0.94 ms on top of
httptools. Everything the service uses runs on it unchanged (aiohttp, asyncpg, aiosqlite's
thread hand-offs, APScheduler's asyncio scheduler, signal handlers). On a platform without uvloop
(Windows) the standard loop is used, with the same behaviour, a little slower.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Coroutine
from typing import Any, TypeVar

T = TypeVar("T")


def loop_factory() -> Callable[[], asyncio.AbstractEventLoop] | None:
    """uvloop's ``new_event_loop`` when uvloop imports, else None (asyncio's default loop)."""
    try:
        import uvloop
    except ImportError:
        return None
    return uvloop.new_event_loop  # type: ignore[no-any-return]


def run(main: Coroutine[Any, Any, T]) -> T:
    """``asyncio.run(main)`` on the fastest loop available (Python 3.11's ``asyncio.run`` takes no factory)."""
    with asyncio.Runner(loop_factory=loop_factory()) as runner:
        return runner.run(main)
