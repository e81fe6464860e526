"""The bot's HTTP session: aiogram's, except that one unreadable update cannot stall polling.

aiogram parses a ``getUpdates`` answer as one ``list[Update]``: a single update its models
reject (a field of an unexpected type from a test server or a newer Bot API) fails the whole
batch, the polling loop logs the error and asks again with the same offset, and gets the same
batch — for ever, while every later message waits. :class:`PollingSession` reads the batch
update by update instead. An update that does not parse is logged (its id and the reason,
never its content) and handed on as a bare ``Update(update_id=…)``: the dispatcher's check
(:func:`bot.telegram.updates.unusable`) skips it as "no event this bot handles", and the
polling loop moves its offset past it, so Telegram drops it. Every other call, and every
answer that is not a successful list, goes through aiogram's own checks unchanged.
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING, Any

from aiogram.client.session.aiohttp import AiohttpSession
from aiogram.methods import GetUpdates, Response, TelegramMethod
from aiogram.types import Update
from pydantic import ValidationError

from .updates import MAX_UPDATE_ID

if TYPE_CHECKING:  # pragma: no cover
    from aiogram import Bot

log = logging.getLogger("scenari.telegram")


class PollingSession(AiohttpSession):
    """An ``AiohttpSession`` whose ``getUpdates`` answers are parsed one update at a time."""

    def check_response(self, bot: Bot, method: TelegramMethod[Any], status_code: int, content: str) -> Response[Any]:
        if not isinstance(method, GetUpdates):
            return super().check_response(bot, method, status_code, content)
        try:
            data = self.json_loads(content)
        except Exception:  # noqa: BLE001 - aiogram's own path raises its decode error
            return super().check_response(bot, method, status_code, content)
        if not (isinstance(data, dict) and data.get("ok") is True and isinstance(data.get("result"), list)):
            return super().check_response(bot, method, status_code, content)
        updates = [update for raw in data["result"] if (update := _one_update(bot, raw)) is not None]
        return Response[list[Update]](ok=True, result=updates)


def _one_update(bot: Bot, raw: Any) -> Update | None:
    """The parsed update, a bare one in its place when it does not parse, None without a usable id."""
    try:
        return Update.model_validate(raw, context={"bot": bot})
    except ValidationError as exc:
        update_id = raw.get("update_id") if isinstance(raw, dict) else None
        where = ", ".join(".".join(str(part) for part in error["loc"]) for error in exc.errors()[:3])
        if isinstance(update_id, int) and not isinstance(update_id, bool) and 0 <= update_id <= MAX_UPDATE_ID:
            log.warning("update unreadable, skipped", extra={"fields": {"update_id": update_id, "fields_wrong": where}})
            return Update(update_id=update_id)
        log.warning("update without a usable id, skipped", extra={"fields": {"fields_wrong": where}})
        return None
