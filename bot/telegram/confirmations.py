"""Long polling confirms an update to Telegram only once its answer is committed and its reply sent.

Telegram forgets every update below the ``offset`` of the next ``getUpdates``. aiogram's polling
loop hands each fetched update to a task and asks for the next batch at once, with the offset
past the batch: Telegram then drops updates whose answers are still on their way to the
database, and a crash (kill -9, a power cut, the OOM killer) in that window loses them — the
person's answer is never stored and no one will ever send it again.

:class:`ConfirmAfterCommit` is a request middleware of the bot's session: it notes the ids of
every batch ``getUpdates`` returns, and holds the next ``getUpdates`` until every fetched update
below its offset is *settled* — committed (or found a duplicate, or refused) by the update's unit
of work (:mod:`bot.telegram.middleware`): once its replies are sent, or :data:`REPLY_WAIT_S` after
its commit, whichever comes first — a reply held back by flood control does not stall everybody's
polling. Updates that arrived meanwhile wait at Telegram and come in the next batch, so group
commit still sees them together. A crash before the commit leaves the update unconfirmed: the next
process gets it again, and the processed-update mark (stored with the answer) keeps a redelivery
from storing anything twice. A crash after the commit and before the replies leaves it unconfirmed
too: the next process finds the mark, and since it did not send that update's replies itself it
shows the person the open question again (:meth:`bot.telegram.middleware.UpdateUnitOfWork`), so
nobody is left without the next question. The one case that shows a question twice: a crash in the
instant between the replies and the next ``getUpdates``.
"""

from __future__ import annotations

import asyncio
import logging
import weakref
from typing import TYPE_CHECKING, Any

from aiogram.client.session.middlewares.base import BaseRequestMiddleware, NextRequestMiddlewareType
from aiogram.methods import GetUpdates, TelegramMethod
from aiogram.types import Update

if TYPE_CHECKING:  # pragma: no cover
    from aiogram import Bot
    from aiogram.client.session.base import BaseSession

log = logging.getLogger("scenari.telegram")

#: How long a ``getUpdates`` waits for the fetched updates to settle before it goes anyway (and
#: says so). Every path of the unit of work settles its update, so this bounds only a bug: it
#: keeps the bot polling rather than silent for ever. Longer than the database's busy timeout.
SETTLE_LIMIT_S = 120.0

#: How long after its commit an update waits for its replies before Telegram may forget it
#: (``SCENARI_TELEGRAM_REPLY_WAIT``). An update is confirmed once its replies are sent, so a
#: process killed between the commit and the replies gets it again and shows the open question
#: anew; a reply held up longer (flood control) no longer holds everybody's next batch.
REPLY_WAIT_S = 2.0

_REGISTRY: weakref.WeakKeyDictionary[BaseSession, ConfirmAfterCommit] = weakref.WeakKeyDictionary()


class ConfirmAfterCommit(BaseRequestMiddleware):
    """Holds each ``getUpdates`` until the updates it would confirm are settled (committed, replies sent)."""

    def __init__(self, settle_limit: float = SETTLE_LIMIT_S, reply_wait: float = REPLY_WAIT_S) -> None:
        self.settle_limit = settle_limit
        self.reply_wait = reply_wait
        self._pending: dict[int, asyncio.Event] = {}

    def install(self, session: BaseSession) -> ConfirmAfterCommit:
        """Register on ``session`` (so :func:`confirmations_of` finds it) and return self."""
        session.middleware(self)
        _REGISTRY[session] = self
        return self

    @property
    def pending(self) -> list[int]:
        """Ids fetched and not yet settled, lowest first (for logs and tests)."""
        return sorted(self._pending)

    def settle(self, update_id: int) -> None:
        """The update's unit of work is done with the database: Telegram may forget it. Idempotent."""
        event = self._pending.pop(update_id, None)
        if event is not None:
            event.set()

    def settle_later(self, update_id: int) -> None:
        """Settle ``update_id`` in :attr:`reply_wait` seconds unless :meth:`settle` comes first (its replies sent)."""
        if update_id in self._pending:
            asyncio.get_running_loop().call_later(self.reply_wait, self.settle, update_id)

    async def __call__(self, make_request: NextRequestMiddlewareType[Any], bot: Bot, method: TelegramMethod[Any]) -> Any:
        if not isinstance(method, GetUpdates):
            return await make_request(bot, method)
        if method.offset is not None:
            await self._settled_below(method.offset)
        updates = await make_request(bot, method)  # a request middleware gets the method's result
        for update in updates or ():
            if isinstance(update, Update) and update.update_id not in self._pending:
                self._pending[update.update_id] = asyncio.Event()
        return updates

    async def _settled_below(self, offset: int) -> None:
        waiting = [event for update_id, event in self._pending.items() if update_id < offset]
        if not waiting:
            return
        # asyncio.wait, not wait_for: Python 3.11's wait_for can swallow a cancellation that comes as
        # the last update settles (the stop of polling at SIGTERM), and the bot would never stop
        waiters = [asyncio.ensure_future(event.wait()) for event in waiting]
        try:
            _, pending = await asyncio.wait(waiters, timeout=self.settle_limit)
        finally:
            for waiter in waiters:
                waiter.cancel()
        if pending:
            stuck = [update_id for update_id in self.pending if update_id < offset]
            log.warning("updates confirmed before they settled", extra={"fields": {"update_ids": stuck[:20], "waited_s": self.settle_limit}})
            for update_id in stuck:
                self.settle(update_id)


def confirmations_of(bot: Bot | None) -> ConfirmAfterCommit | None:
    """The bot's :class:`ConfirmAfterCommit`, if its session polls with one (not for a webhook bot)."""
    if bot is None:
        return None
    return _REGISTRY.get(bot.session)
