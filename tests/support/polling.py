"""Bounded polling: wait until something a background task does becomes visible.

For state no event announces (a scheduler's tick, a worker's row): the bound is generous because a
busy machine is slow, and nothing asserts how long the wait took.
"""

from __future__ import annotations

import asyncio
import inspect
from collections.abc import Awaitable, Callable

STEP = 0.05
"""Seconds between two looks."""


async def until(condition: Callable[[], bool | Awaitable[bool]], timeout: float = 120.0) -> None:
    """Return once ``condition()`` (plain or async) is true; fail the test after ``timeout`` seconds."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while True:
        reached = condition()
        if inspect.isawaitable(reached):
            reached = await reached
        if reached:
            return
        if loop.time() >= deadline:
            raise AssertionError(f"condition not reached within {timeout:g} s")
        await asyncio.sleep(STEP)
