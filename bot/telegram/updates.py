"""Which updates the bot can act on: one check, before any work, for polling and webhook alike.

Telegram sends well-formed updates, but a webhook is a public URL and a Bot API server can
be a test one: an update with no event this bot handles, an ``update_id`` no database column
holds, or a message without a sender must not reach the handlers (they need a respondent) nor
the processed-updates table. The webhook answers such a body 400; polling logs and skips it.
"""

from __future__ import annotations

from aiogram.types import Update

# processed_updates.update_id is a BIGINT (signed 64 bits); Telegram's ids are far below it
MAX_UPDATE_ID = 2**63 - 1
HANDLED_EVENTS = ("message", "edited_message", "callback_query")  # what ALLOWED_UPDATES asks for


def unusable(update: Update) -> str | None:
    """Why the bot cannot act on ``update`` (a short reason for the log), or None if it can."""
    if not 0 <= update.update_id <= MAX_UPDATE_ID:
        return "update_id out of range"
    event = next((getattr(update, name) for name in HANDLED_EVENTS if getattr(update, name) is not None), None)
    if event is None:
        return "no event this bot handles"
    if getattr(event, "from_user", None) is None:
        return "no sender"
    return None


def typed(update: Update) -> str | None:
    """What the sender typed or a button carried: a message's text or caption, a callback's data."""
    message = update.message or update.edited_message
    if message is not None:
        return (message.text or "") + (message.caption or "")
    if update.callback_query is not None:
        return update.callback_query.data
    return None


def chat_of(update: Update) -> int | None:
    message = update.message or update.edited_message
    if message is not None:
        return message.chat.id
    if update.callback_query is not None and update.callback_query.message is not None:
        return update.callback_query.message.chat.id
    return None
