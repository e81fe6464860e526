"""Meta's webhook for the WhatsApp channel: verified, signature-checked, each message handled once.

* ``GET /whatsapp/webhook`` answers Meta's subscription check: ``hub.challenge`` when
  ``hub.verify_token`` is SCENARI_WHATSAPP_VERIFY_TOKEN, else 403.
* ``POST /whatsapp/webhook`` takes a body only with a valid ``X-Hub-Signature-256`` (the HMAC-SHA256
  of the raw body under SCENARI_WHATSAPP_APP_SECRET; 403 otherwise, nothing read). Each message is
  one transaction: its id is claimed (a redelivered webhook finds the claim and changes nothing),
  the answer is stored, the respondent's 24-hour window moves, and the reply is queued in the
  outbox — all committed before the webhook is acknowledged with 200. The sender
  (:mod:`.sender`) is woken to send the reply; a process killed after the commit sends it on
  restart, one killed before leaves nothing and Meta redelivers.
* Delivery statuses (``sent``, ``delivered``, ``read``, ``failed``) are recorded on their outbox row
  (or stored until the sender has recorded the message's id, storage.outbox.whatsapp.keep_early).
"""

from __future__ import annotations

import hashlib
import hmac
import json
import logging
from collections.abc import Callable
from datetime import datetime, timezone
from typing import Any

from pywa.utils import webhook_updates_validator
from starlette.requests import Request
from starlette.responses import JSONResponse, PlainTextResponse, Response

from dialogs.answers import has_control_characters
from storage import Database, repository
from storage.models import utcnow
from storage.outbox import whatsapp as wa_outbox

from bot.service.communication import Plan
from bot.service.conversation import Conversation
from bot.settings import Settings
from . import chat, render

log = logging.getLogger("scenari.whatsapp")
WEBHOOK_PATH = "/whatsapp/webhook"
MAX_BODY = 1_000_000  # Meta's webhooks are a few kilobytes; a larger body is not theirs


def update_number(message_id: str) -> int:
    """The message id ("wamid.…") as the 63-bit number the processed-updates table keys updates by."""
    return int.from_bytes(hashlib.sha256(message_id.encode()).digest()[:8], "big") >> 1


def inbound(message: dict[str, Any]) -> chat.Inbound | None:
    """A webhook's message as the chat reads it; None without an id or a sender."""
    message_id, sender = message.get("id"), message.get("from")
    if not isinstance(message_id, str) or not isinstance(sender, str) or not sender.isdigit() or len(sender) > 18:
        return None
    kind = message.get("type")
    if kind == "text":
        text = message.get("text")
        return chat.Inbound(message_id, sender, text=str(text.get("body") or "") if isinstance(text, dict) else "")
    if kind == "interactive" and isinstance(message.get("interactive"), dict):
        interactive = message["interactive"]
        chosen = interactive.get(str(interactive.get("type") or ""))
        if isinstance(chosen, dict) and isinstance(chosen.get("id"), str):
            return chat.Inbound(message_id, sender, pressed=chosen["id"])
    if kind == "button":  # a template's quick-reply button: its payload
        button = message.get("button")
        return chat.Inbound(message_id, sender, text=str(button.get("payload") or "") if isinstance(button, dict) else "")
    return chat.Inbound(message_id, sender, unsupported=True)


class WhatsAppWebhook:
    def __init__(self, settings: Settings, db: Database, conversation: Conversation,
                 wake: Callable[[], None] | None = None, clock: Callable[[], datetime] = utcnow) -> None:
        self.settings, self.db, self.conversation = settings, db, conversation
        self.wake = wake or (lambda: None)
        self.clock = clock  # the sender's: the 24-hour window is opened and read on one clock
        self.plan = Plan.from_settings(settings)  # the city's time zone an RSVP's reply writes the event's time in

    async def verify(self, request: Request) -> Response:
        params = request.query_params
        token = params.get("hub.verify_token", "")
        expected = self.settings.whatsapp_verify_token or ""
        if params.get("hub.mode") == "subscribe" and expected and hmac.compare_digest(token.encode(), expected.encode()):
            return PlainTextResponse(params.get("hub.challenge", ""))
        return PlainTextResponse("forbidden", status_code=403)

    async def receive(self, request: Request) -> Response:
        raw = await request.body()
        signature = request.headers.get("x-hub-signature-256", "")
        secret = self.settings.whatsapp_app_secret or ""
        if len(raw) > MAX_BODY or not signature or not secret or not webhook_updates_validator(secret, raw, signature):
            log.warning("whatsapp webhook refused", extra={"fields": {"reason": "bad signature"}})
            return JSONResponse({"detail": "invalid signature"}, status_code=403)
        try:
            payload = json.loads(raw)
        except ValueError:
            return JSONResponse({"detail": "invalid body"}, status_code=400)
        queued = False
        for value in _values(payload, self.settings.whatsapp_phone_id or ""):
            for message in value["messages"]:
                found = inbound(message)
                if found is not None:
                    queued = await self.handle(found) or queued
            for status in value["statuses"]:
                if isinstance(status.get("id"), str):
                    await self.record_status(status)
        if queued:
            self.wake()
        return PlainTextResponse("ok")

    async def handle(self, message: chat.Inbound) -> bool:
        """One message in one transaction: claimed, answered, its reply queued. False for a duplicate."""
        if has_control_characters(message.text):  # PostgreSQL cannot store a NUL: refused alike everywhere
            message = chat.Inbound(message.id, message.wa_id, unsupported=True)
        async with self.db.transaction() as session:
            if not await repository.claim_update(session, chat.CHANNEL, update_number(message.id)):
                log.info("duplicate whatsapp message ignored")
                return False
            respondent = await self.conversation.lookup(session, chat.CHANNEL, message.wa_id)
            bodies = await chat.answer(session, self.conversation, respondent, message, self.plan)
            stored = await repository.get_respondent(session, chat.CHANNEL, message.wa_id)
            if stored is not None:
                await wa_outbox.touch_window(session, stored.id, self.clock())
            await wa_outbox.enqueue(session, [
                {"dedupe_key": wa_outbox.reply_key(message.id, n), "chat_id": int(message.wa_id), "kind": wa_outbox.REPLY,
                 "respondent_id": stored.id if stored is not None else None,
                 "language": stored.language if stored is not None else respondent.language,
                 "payload": render.outbox_payload(body)}
                for n, body in enumerate(bodies)
            ])
        return bool(bodies)

    async def record_status(self, status: dict[str, Any]) -> None:
        try:
            at = datetime.fromtimestamp(int(status.get("timestamp") or 0), timezone.utc)
        except (TypeError, ValueError, OverflowError):
            at = None
        async with self.db.transaction() as session:
            found = await wa_outbox.record_status(session, status["id"], str(status.get("status")), at)
            if found is None:  # Meta's status came before the sender recorded the message's id: stored for it
                await wa_outbox.keep_early(session, status["id"], str(status.get("status")), at)
        if status.get("status") == "failed":
            errors = status.get("errors") or [{}]
            log.warning("whatsapp message failed", extra={"fields": {"code": (errors[0] or {}).get("code")}})


def _values(payload: Any, phone_id: str) -> list[dict[str, Any]]:
    """The ``value`` of each ``messages`` change addressed to this phone number."""
    if not isinstance(payload, dict) or payload.get("object") != "whatsapp_business_account":
        return []
    found = []
    for entry in _dicts(payload.get("entry")):
        for change in _dicts(entry.get("changes")):
            value = change.get("value")
            if (change.get("field") == "messages" and isinstance(value, dict) and isinstance(value.get("metadata"), dict)
                    and value["metadata"].get("phone_number_id") == phone_id):
                found.append({"messages": list(_dicts(value.get("messages"))), "statuses": list(_dicts(value.get("statuses")))})
    return found


def _dicts(items: Any) -> list[dict[str, Any]]:
    """The objects of a JSON list (anything else in it, or no list, is ignored)."""
    return [item for item in items if isinstance(item, dict)] if isinstance(items, list) else []
