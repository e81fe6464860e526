"""What an operator asks a running service: is it alive, can it serve, is the bot connected?

The web channel must never depend on Telegram: citizens answer in the browser whether or not
the Bot API can be reached. So the bot half of `scenari serve` connects with
:func:`keep_trying` — capped exponential backoff, for as long as it takes, one log line a minute
while it fails — and records what it knows in a :class:`BotStatus`, which ``/readyz`` states
beside the database's health (``bot.web.app``). Nothing here imports aiogram.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import datetime, timezone
from typing import Any, TypeVar

log = logging.getLogger("scenari.bot")
T = TypeVar("T")

FIRST_DELAY_S = 1.0
MAX_DELAY_S = 30.0
LOG_EVERY_S = 60.0


@dataclass
class BotStatus:
    """The bot half's state, as ``/readyz`` shows it (no token, no error text: only their kind)."""

    mode: str = "off"  # "off" (no token), "polling" or "webhook"
    connected: bool = False
    failures: int = 0  # failed attempts since the last success
    last_error: str | None = None  # the exception's type name
    changed_at: datetime = field(default_factory=lambda: datetime.now(timezone.utc))
    changed: asyncio.Event = field(default_factory=asyncio.Event, repr=False)  # pulsed on every change

    def up(self) -> None:
        self._set(connected=True, failures=0)

    def down(self, error: BaseException) -> None:
        self._set(connected=False, failures=self.failures + 1, last_error=type(error).__name__)

    def _set(self, **values: Any) -> None:
        if values.get("connected") != self.connected:
            self.changed_at = datetime.now(timezone.utc)
        for name, value in values.items():
            setattr(self, name, value)
        self.changed.set()
        self.changed = asyncio.Event()

    def as_json(self) -> dict[str, Any]:
        if self.mode == "off":
            return {"configured": False, "connected": False}
        return {
            "configured": True, "mode": self.mode, "connected": self.connected, "failures": self.failures,
            "last_error": self.last_error, "since": self.changed_at.isoformat(timespec="seconds"),
        }


def describe(error: BaseException, secret: str | None = None) -> str:
    """One line saying what went wrong, with ``secret`` (the bot token) blanked out."""
    text = f"{type(error).__name__}: {str(error).strip()}".splitlines()[0]
    return text.replace(secret, "***") if secret else text


async def keep_trying(
    attempt: Callable[[], Awaitable[T]],
    *,
    what: str,
    secret: str | None = None,
    sleep: Callable[[float], Awaitable[Any]] = asyncio.sleep,
    clock: Callable[[], float] = time.monotonic,
    first_delay: float = FIRST_DELAY_S,
    max_delay: float = MAX_DELAY_S,
    log_every: float = LOG_EVERY_S,
) -> T:
    """``await attempt()`` until it succeeds, waiting ``first_delay``, twice that, … at most ``max_delay``.

    The first failure is logged at once, then one line a minute (``log_every`` seconds of
    ``clock``) while failures go on, and one when it finally works. ``sleep`` and ``clock`` are
    injected so tests run the schedule without waiting for it. (The bot's :class:`BotStatus` is
    kept by the calls themselves: ``bot.telegram.connection.ConnectionWatch``.)
    """
    delay = first_delay
    failures = 0
    logged_at: float | None = None
    while True:
        try:
            result = await attempt()
        except Exception as exc:  # noqa: BLE001 - any failure of the bot half must not stop the service
            failures += 1
            now = clock()
            if logged_at is None or now - logged_at >= log_every:
                logged_at = now
                log.warning(
                    f"{what} failed, retrying",
                    extra={"fields": {"failures": failures, "error": describe(exc, secret),
                                      "next_retry_s": round(delay, 1), "web": "serving"}},
                )
            await sleep(delay)
            delay = min(delay * 2, max_delay)
            continue
        if failures:
            log.info(f"{what} succeeded", extra={"fields": {"after_failures": failures}})
        return result
