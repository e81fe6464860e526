"""Fault injection: the next calls of a method fail, time out, come back garbled, or are carried
out while their answer is lost or held back — the ways Telegram and the network go wrong.

:class:`FaultInjection` is one part of :class:`~.server.FakeBotAPI`; the transport
(:mod:`.transport`) takes the queued faults and plays them out.
"""

from __future__ import annotations

import asyncio
from collections import deque
from dataclasses import dataclass

from .base import BotAPIError


@dataclass
class Fault:
    kind: str  # error | disconnect | http | delay | garble | hold
    error: BotAPIError | None = None
    status: int = 500
    body: str = ""
    delay: float = 0.0
    remaining: int = 1
    executed: bool = False  # the method is carried out first, then its answer is spoilt / held
    hold: Hold | None = None


class Hold:
    """Calls whose answer the server holds back (see :meth:`FakeBotAPI.hold_next`)."""

    def __init__(self) -> None:
        self.arrived = asyncio.Event()
        """Set once a held call has been carried out (the chat has the message)."""
        self._released = asyncio.Event()

    def release(self) -> None:
        """Let every held answer go (to a client that may be long gone)."""
        self._released.set()

    async def wait_arrived(self, timeout: float = 60.0) -> None:
        """Wait (bounded, generous) until a held call has been carried out."""
        await asyncio.wait_for(self.arrived.wait(), timeout)

    async def wait_released(self) -> None:
        """Wait until the test lets the held answers go (the transport's side of the barrier)."""
        await self._released.wait()


class FaultInjection:
    """The fault-injection part of :class:`~.server.FakeBotAPI` (its state lives there)."""

    _faults: dict[str, deque[Fault]]

    def fail_next(
        self,
        method: str,
        error_code: int = 429,
        *,
        description: str | None = None,
        retry_after: int | None = None,
        times: int = 1,
        after_executing: bool = False,
    ) -> None:
        """Make the next ``times`` calls of ``method`` ("*" = any) fail with a Bot API error.

        ``error_code=429`` defaults ``retry_after`` to 1 (aiogram then raises
        ``TelegramRetryAfter``); 400 → ``TelegramBadRequest``, 403 →
        ``TelegramForbiddenError``, 409 → ``TelegramConflictError``, 5xx →
        ``TelegramServerError``. The call is not executed, unless ``after_executing``
        (a 5xx that came after Telegram acted: the message is in the chat).
        """
        if error_code == 429 and retry_after is None:
            retry_after = 1
        if description is None:
            description = {
                400: "Bad Request: injected failure",
                401: "Unauthorized",
                403: "Forbidden: bot was blocked by the user",
                404: "Not Found",
                409: "Conflict: terminated by other getUpdates request; "
                "make sure that only one bot instance is running",
                429: f"Too Many Requests: retry after {retry_after}",
                500: "Internal Server Error",
                502: "Bad Gateway",
            }.get(error_code, f"Error {error_code}")
        error = BotAPIError(error_code, description, retry_after=retry_after)
        self._add_fault(method, Fault("error", error=error, remaining=times, executed=after_executing))

    def fail_next_network(
        self,
        method: str,
        mode: str = "disconnect",
        *,
        delay: float = 0.0,
        status: int = 502,
        body: str = "<html><body><h1>502 Bad Gateway</h1></body></html>",
        times: int = 1,
        after_executing: bool = False,
    ) -> None:
        """Inject a transport-level failure in the next ``times`` calls of ``method`` ("*" = any).

        * ``mode="disconnect"``: the connection is closed without a response
          (aiogram: ``TelegramNetworkError`` "ServerDisconnectedError").
        * ``mode="http"``: a non-JSON HTTP ``status`` response, e.g. a proxy's 502
          page (aiogram: ``ClientDecodeError``).
        * ``mode="delay"``: sleep ``delay`` seconds, then process normally (the call
          *is* executed; with a short client timeout aiogram raises
          ``TelegramNetworkError("Request timeout error")`` although the server
          acted — the classic "did my message go out?" case).
        * ``mode="garble"``: the call is carried out and recorded (the message is in the
          chat), then answered 200 with a truncated JSON body (aiogram: ``ClientDecodeError``).

        ``after_executing`` makes "disconnect" and "http" happen after the call was carried
        out (the server acted, the client cannot know); "garble" always is.
        """
        if mode not in ("disconnect", "http", "delay", "garble"):
            raise ValueError(f"unknown mode {mode!r}")
        executed = after_executing or mode == "garble"
        self._add_fault(method, Fault(mode, status=status, body=body, delay=delay, remaining=times, executed=executed))

    def hold_next(self, method: str, *, times: int = 1) -> Hold:
        """Carry out the next ``times`` calls of ``method``, then hold their answers until released.

        A barrier for tests of the window between Telegram acting and the client hearing so:
        ``await hold.wait_arrived()`` returns once the call is done server-side; the test acts
        (kills the client, say), then ``hold.release()``.
        """
        hold = Hold()
        self._add_fault(method, Fault("hold", remaining=times, executed=True, hold=hold))
        return hold

    def delay_next(self, method: str, seconds: float, *, times: int = 1) -> None:
        """Shortcut for ``fail_next_network(method, "delay", delay=seconds)``."""
        self.fail_next_network(method, "delay", delay=seconds, times=times)

    def clear_faults(self) -> None:
        """Drop every pending injected fault."""
        self._faults.clear()

    def _add_fault(self, method: str, fault: Fault) -> None:
        self._faults.setdefault(method.lower(), deque()).append(fault)

    def _take_fault(self, method: str) -> Fault | None:
        for key in (method.lower(), "*"):
            queue = self._faults.get(key)
            if queue:
                fault = queue[0]
                fault.remaining -= 1
                if fault.remaining <= 0:
                    queue.popleft()
                return fault
        return None
