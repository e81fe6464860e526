"""One update = one unit of work: claim the update id, run the handler, commit, then reply.

The unit runs in the group committer's shared transaction (its own SAVEPOINT). The update id
is claimed in the same transaction as the answer, so a redelivered update (a restart before
Telegram's offset was confirmed, a second instance) finds its claim and stores nothing twice.
"""

from __future__ import annotations

import logging
from collections import OrderedDict
from collections.abc import Awaitable, Callable, Sequence
from typing import Any

from aiogram import BaseMiddleware, Bot
from aiogram.types import TelegramObject, Update, User
from sqlalchemy.ext.asyncio import AsyncSession

from dialogs import i18n
from dialogs.answers import has_control_characters
from storage import repository
from storage.group_commit import GroupCommitter
from storage.prefetch import prefetch

from bot.service.conversation import Conversation
from bot.service.reply import Reply
from ..settings import Settings
from .confirmations import ConfirmAfterCommit, confirmations_of
from .fastpath import DirectRoute
from .outbox import Outbox, PromptTracker
from .updates import chat_of, typed, unusable

log = logging.getLogger("scenari.telegram")
CHANNEL = "telegram"
Handler = Callable[[TelegramObject, dict[str, Any]], Awaitable[Any]]


def user_language(user: User | None, default: str, languages: Sequence[str] = ("it", "en")) -> str:
    """The language of the user's Telegram app when the plan speaks it (``de-AT`` → ``de``), else the default."""
    code = ((user.language_code or "") if user else "").lower()[:2]
    return code if code in languages else default


async def prefetch_updates(session: AsyncSession, keys: Sequence[tuple[str | None, int]]) -> None:
    """What a batch of updates will read: their senders, open runs and processed ids."""
    await prefetch(session, CHANNEL, [user for user, _ in keys if user], [update_id for _, update_id in keys])


class RecentIds:
    """The last ``capacity`` update ids seen, in insertion order (a bounded set)."""

    def __init__(self, capacity: int = 100_000) -> None:
        self._ids: OrderedDict[int, None] = OrderedDict()
        self._capacity = capacity

    def add(self, update_id: int) -> None:
        self._ids[update_id] = None
        if len(self._ids) > self._capacity:
            self._ids.popitem(last=False)

    def __contains__(self, update_id: object) -> bool:
        return update_id in self._ids


class UpdateUnitOfWork(BaseMiddleware):
    def __init__(
        self, committer: GroupCommitter, conversation: Conversation, settings: Settings, tracker: PromptTracker
    ) -> None:
        self.committer = committer
        self.conversation = conversation
        self.settings = settings
        self.tracker = tracker
        # the plan's languages, read once: ``settings.plan`` re-reads the plan folder's manifest
        self.languages = tuple(settings.plan.languages)
        #: set once the routers are included (:func:`bot.telegram.app.build_dispatcher`)
        self.route: DirectRoute | None = None
        #: updates whose replies this process sent: a redelivery of one of them is ignored
        self.replied = RecentIds()

    async def __call__(self, handler: Handler, event: TelegramObject, data: dict[str, Any]) -> Any:
        assert isinstance(event, Update)
        confirmations = confirmations_of(data.get("bot"))
        try:
            return await self._handle(handler, event, data, confirmations)
        finally:  # every path settles its update: long polling never waits on it for ever
            if confirmations is not None:
                confirmations.settle(event.update_id)

    async def _handle(
        self, handler: Handler, event: Update, data: dict[str, Any], confirmations: ConfirmAfterCommit | None
    ) -> Any:
        problem = unusable(event)
        if problem is not None:  # polling: logged and skipped (the webhook refuses these with 400)
            log.warning("update skipped", extra={"fields": {"update_id": event.update_id, "reason": problem}})
            return None
        bot: Bot = data["bot"]
        user: User | None = data.get("event_from_user")
        if has_control_characters(typed(event)):
            await self._refuse_control_characters(bot, event, user_language(user, self.settings.lang, self.languages))
            return None
        outbox = Outbox(self.tracker)

        async def unit(session: AsyncSession) -> tuple[bool, Any]:
            outbox.calls.clear()  # a unit may run again after its batch was rolled back
            if not await repository.claim_update(session, CHANNEL, event.update_id):
                return False, await self._open_question(session, event, user)
            if user is not None:
                data["respondent"] = await self.conversation.lookup(
                    session, CHANNEL, str(user.id), user_language(user, self.settings.lang, self.languages)
                )
            data.update(session=session, outbox=outbox, conversation=self.conversation, settings=self.settings)
            # the bot's own texts (an error, /aiuto, a button after the end) in the "tu" or "Lei" of the
            # respondent's questionnaire; the service sets a questionnaire's own register where it knows it
            register = await self.conversation.register_for(session, data["respondent"]) if user is not None else None
            with i18n.speaking(register):
                if self.route is not None and self.route.takes(event):  # a plain text: no command filters
                    return True, await self.route(event, data)
                return True, await handler(event, data)

        fresh, result = await self.committer.run(unit, key=(str(user.id) if user else None, event.update_id))
        if confirmations is not None:  # committed: Telegram may forget it once its replies are sent
            confirmations.settle_later(event.update_id)
        if not fresh:  # (the type only read here: aiogram's event_type hashes the whole update)
            chat_id = chat_of(event)
            if result is None or chat_id is None:
                log.info("duplicate update ignored", extra={"fields": {"update_id": event.update_id, "type": event.event_type}})
                return None
            log.info("redelivered update: the open question shown again", extra={"fields": {"update_id": event.update_id}})
            outbox.show(chat_id, result)
        if await outbox.flush(bot):
            self.replied.add(event.update_id)
        return result if fresh else None

    async def _open_question(self, session: AsyncSession, event: Update, user: User | None) -> Reply | None:
        """For a redelivered update whose replies this process did not send: the open question again.

        Its answer is stored (the mark says so), but the process that stored it may have died before
        its replies went (bot.telegram.confirmations): the person would wait for a question that
        never comes. None — nothing to show — when this process sent them, or with no open run.
        """
        if user is None or event.update_id in self.replied:
            return None
        respondent = await self.conversation.lookup(
            session, CHANNEL, str(user.id), user_language(user, self.settings.lang, self.languages))
        if respondent.id is None or await repository.open_run(session, respondent.id) is None:
            return None
        with i18n.speaking(await self.conversation.register_for(session, respondent)):
            return await self.conversation.current_prompt(session, respondent)

    @staticmethod
    async def _refuse_control_characters(bot: Bot, event: Update, lang: str) -> None:
        """A text with a NUL or another control character: said politely, nothing stored.

        (PostgreSQL cannot store a NUL in text; SQLite would keep it: refused the same on both.)
        """
        log.info("update refused", extra={"fields": {"update_id": event.update_id, "reason": "control characters"}})
        chat_id = chat_of(event)
        try:
            if event.callback_query is not None:
                await bot.answer_callback_query(event.callback_query.id)
            if chat_id is not None:
                await bot.send_message(chat_id, i18n.translate("control_chars", lang))
        except Exception:  # the refusal is a courtesy: a failed send is logged, never raised
            log.exception("refusal not sent", extra={"fields": {"update_id": event.update_id}})
