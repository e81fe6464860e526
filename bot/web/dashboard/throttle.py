"""How fast, and from where, an analyst's password may be guessed: the login throttles.

Why this shape. A lock per account alone is a switch any stranger can flip: five wrong
passwords for ``anna`` and ``anna`` is locked out, from anywhere; behind a proxy every client
shares an address, so a lock per address locks out everybody. So failures count three ways
(in the database, so a restart resets nothing):

* **account and address together** (``pair:<name>|<address>``): ``max_failures`` failures lock
  that pair for ``lock`` — brute force from one place stops quickly, while the analyst logging
  in from elsewhere is not concerned;
* **address** (``address:<address>``): ``4 × max_failures`` failures, whatever the names, lock
  the address — one machine guessing many accounts;
* **account, from everywhere** (``account:<name>``): never a lock. Past ``max_failures``
  failures each attempt on the account waits ``base_delay`` seconds, doubling with every further
  failure, but never more than ``max_delay``. Many addresses guessing one password are slowed,
  while the analyst, however many strangers try, waits at most ``max_delay`` and gets in.

The client address is the TCP peer's, or the one a trusted proxy forwarded
(``SCENARI_FORWARDED_ALLOW_IPS``, :mod:`bot.web.edge`). On top, login posts per address are
rate-limited in memory (``rate`` a minute). The clock and the sleep are injected, so a test can
run days of throttling without waiting.
"""

from __future__ import annotations

import asyncio
from collections import OrderedDict
from collections.abc import Awaitable, Callable
from datetime import datetime, timedelta

from storage import Database, analysts
from storage.models import utcnow

LOGIN_RATE = 10  # login posts per address per minute (beyond that: 429 before any check)
ADDRESS_FACTOR = 4  # an address may fail this many times more than an (account, address) pair
BASE_DELAY = 1.0  # seconds an attempt on an account waits once it has max_failures failures


class LoginGuard:
    """The throttle state of logins, read and written in the database (``login_throttles``)."""

    def __init__(self, db: Database, max_failures: int, lock: timedelta, max_delay: float, *,
                 clock: Callable[[], datetime] = utcnow,
                 sleep: Callable[[float], Awaitable[object]] = asyncio.sleep, rate: int = LOGIN_RATE) -> None:
        self.db = db
        self.max_failures = max_failures
        self.lock = lock
        self.max_delay = max_delay
        self.clock = clock
        self.sleep = sleep
        self.rate = rate
        self._posts: OrderedDict[str, list[datetime]] = OrderedDict()

    @staticmethod
    def keys(username: str, address: str) -> tuple[str, str, str]:
        """(pair, address, account) keys; each fits the table's 160 characters."""
        return f"pair:{username}|{address}"[:160], f"address:{address}"[:160], f"account:{username}"[:160]

    def too_fast(self, address: str) -> bool:
        """Counts this post; whether the address posted more than ``rate`` logins in the last minute."""
        now = self.clock()
        recent = [t for t in self._posts.pop(address, []) if now - t < timedelta(minutes=1)]
        recent.append(now)
        self._posts[address] = recent
        while len(self._posts) > 10_000:
            self._posts.popitem(last=False)
        return len(recent) > self.rate

    async def locked_until(self, username: str, address: str) -> datetime | None:
        """When the lock on this pair or address ends, if one holds now (the account's never does)."""
        pair, place, _ = self.keys(username, address)
        async with self.db.transaction() as session:
            return await analysts.locked_until(session, [pair, place], self.clock())

    def delay(self, account_failures: int) -> float:
        """Seconds an attempt waits after the account's failures from everywhere: bounded by max_delay."""
        beyond = account_failures - self.max_failures
        if beyond < 0 or self.max_delay <= 0:
            return 0.0
        return min(self.max_delay, BASE_DELAY * 2.0 ** min(beyond, 32))

    async def slow_down(self, username: str) -> float:
        """Wait as the account's recent failures ask (before the password is checked); the seconds waited."""
        _, _, account = self.keys(username, "")
        async with self.db.transaction() as session:
            failures = await analysts.failure_count(session, account, self.lock, self.clock())
        wait = self.delay(failures)
        if wait > 0:
            await self.sleep(wait)
        return wait

    async def failed(self, username: str, address: str) -> datetime | None:
        """Count a failure; the end of the lock-out it began (of the pair or the address), if any."""
        pair, place, account = self.keys(username, address)
        limits: dict[str, int | None] = {pair: self.max_failures, place: ADDRESS_FACTOR * self.max_failures,
                                         account: None}
        async with self.db.transaction() as session:
            return await analysts.record_failure(session, limits, self.lock, self.lock, self.clock())

    async def succeeded(self, username: str, address: str) -> None:
        """A right password: the pair's and the account's counts start again (the address's stay)."""
        pair, _, account = self.keys(username, address)
        async with self.db.transaction() as session:
            await analysts.clear_failures(session, [pair, account])

    def seconds_until(self, until: datetime) -> int:
        return max(1, int((until - self.clock()).total_seconds()))
