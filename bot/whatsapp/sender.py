"""The WhatsApp sender: the outbox's WhatsApp rows sent once each, the 24-hour window respected.

Each row goes through the outbox's steps (:mod:`storage.outbox.whatsapp`), each its own short
transaction: claimed with a lease, marked ``inflight`` right before ``POST /{phone id}/messages``,
recorded right after the Cloud API's answer (with its ``wamid``). A process killed between
the two leaves the row ``inflight``; when its lease expires :func:`storage.outbox.recover` holds
it as ``uncertain`` (never sent twice; SCENARI_SENDER_UNCERTAIN=resend sends it again). A refused
connection (nothing reached Meta), a 429 or a 5xx are retried with a growing pause.

A reply always goes out as drawn: the person has just written, so the window is open. A
reminder, a newsletter or results feedback carries its text and the kind of template it would
need: sent as text when the respondent wrote in the last 24 hours, else as the template named in
settings (SCENARI_WHATSAPP_TEMPLATE_REMINDER, _NEWSLETTER, _FEEDBACK; none named: skipped).

The plan's messages to WhatsApp respondents (newsletters and event invitations — a broadcast's
copy —, round invitations and summaries, results feedback, an event's reminder or a place
confirmed from the waiting list) are the rows the communication plan enqueues for them
(storage.outbox.queue gives each row its recipient's channel). Their rich text and buttons
(bot.service.communication.compose_row) are drawn here: WhatsApp's *bold* and _italics_, a
link written out, up to three reply buttons (a questionnaire, an RSVP, «vota»); outside the
window the text goes as the body parameter of the kind's template (events: the newsletter's).
This sender also expands due broadcasts and closes finished ones, as Telegram's does, so a
plan reached on WhatsApp only needs no Telegram sender.

A file goes as a *document* message: uploaded first (``POST /{phone id}/media``, multipart), its
media id named in the message. A reply's file (the respondent's data, «imieidati») rides in the
row's payload (``upload``) and is uploaded for that one message; a broadcast's document
(``Broadcast.document_path``) is uploaded once per broadcast and sender run — the media id is
kept in memory (:attr:`WhatsAppSender.media_ids`; ``document_file_id`` is Telegram's), so
another process or a restart uploads it once more, harmlessly. The text is the caption (≤ 1,024),
or with reply buttons the body under a document header. The upload happens before the row is
marked ``inflight``: it shows nothing to anyone, so any failure of it is retried (a refusal is a
failure of the row, recorded once per broadcast), and exactly-once stays the message call's.
Outside the window a broadcast with a file goes as ``SCENARI_WHATSAPP_TEMPLATE_DOCUMENT``, an
approved template whose header is a document (uploaded like any other) and whose one body
parameter is the text; without that template it goes as its text template, without the file.

Reminders of idle runs are enqueued here too (:func:`enqueue_reminders`), once per run and delay
(SCENARI_REMINDER_DELAYS), keyed ``wa:reminder:<run>:<n>``.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import socket
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
from sqlalchemy import select

from storage import Database, outbox
from storage.models import Respondent, Run, utcnow
from storage.outbox import whatsapp as wa_outbox

from bot.service.catalog import QuestionnaireCatalog
from bot.service import communication
from bot.service.communication import Plan
from bot.settings import Settings
from . import render
from .texts import translate

log = logging.getLogger("scenari.whatsapp")
TEMPLATE_KINDS = ("reminder", "newsletter", "feedback")
# the template each kind of the plan's messages goes as outside the window (an event's: the newsletter's)
TEMPLATE_OF = {"reminder": "reminder", "newsletter": "newsletter", "feedback": "feedback", "event": "newsletter",
               "event_promoted": "newsletter", "event_reminder": "newsletter"}
EARLY_KEPT = timedelta(days=7)  # an early status whose message never showed up is dropped after this


@dataclass(frozen=True)
class Upload:
    """A file to upload before its message: a reply's (its bytes) or a broadcast's document (its path, cached)."""

    filename: str
    mime_type: str
    content: bytes | None = None
    path: str | None = None
    broadcast_id: int | None = None


def template_name(settings: Settings, kind: str) -> str | None:
    return {"reminder": settings.whatsapp_template_reminder, "newsletter": settings.whatsapp_template_newsletter,
            "feedback": settings.whatsapp_template_feedback}.get(TEMPLATE_OF.get(kind, kind))


def template_body(to: str, name: str, lang: str, params: list[str], document: str | None = None) -> dict[str, Any]:
    """A template message: its name, language and the body's parameters ({{1}}, {{2}} …).

    With ``document`` (a file name) the template's header is that document, its media id filled
    in once uploaded (:func:`bot.whatsapp.render.with_media`)."""
    template: dict[str, Any] = {"name": name, "language": {"code": lang}}
    components: list[dict[str, Any]] = []
    if document is not None:
        components.append({"type": "header", "parameters": [{"type": "document", "document": {"filename": document}}]})
    if params:
        components.append({"type": "body", "parameters": [{"type": "text", "text": p[:1024]} for p in params]})
    if components:
        template["components"] = components
    return {"messaging_product": "whatsapp", "recipient_type": "individual", "to": to, "type": "template", "template": template}


class WhatsAppSender:
    def __init__(self, settings: Settings, db: Database, *, clock: Callable[[], datetime] = utcnow,
                 lease_seconds: float = 60.0, batch: int = 20, client: httpx.AsyncClient | None = None,
                 catalog: QuestionnaireCatalog | None = None) -> None:
        self.settings, self.db, self.clock = settings, db, clock
        self.lease_seconds, self.batch = lease_seconds, batch
        self.holder = f"whatsapp:{socket.gethostname()}:{os.getpid()}:{id(self):x}"
        base = f"{settings.whatsapp_api_url.rstrip('/')}/{settings.whatsapp_api_version}/{settings.whatsapp_phone_id}"
        self.url, self.media_url = f"{base}/messages", f"{base}/media"
        self.media_ids: dict[int, str] = {}  # broadcast id → its document's media id (this run's uploads)
        self._refused_documents: dict[int, str] = {}  # broadcast id → why its document was refused
        self.client = client or httpx.AsyncClient(timeout=httpx.Timeout(20.0, connect=5.0),
                                                  headers={"Authorization": f"Bearer {settings.whatsapp_token}"})
        self.catalog = catalog
        self.plan = Plan.from_settings(settings)  # the quiet hours, the notice version the news need
        self._wake = asyncio.Event()
        self._last_recover = datetime.min.replace(tzinfo=utcnow().tzinfo)
        self._last_reminders = self._last_recover

    def wake(self) -> None:
        self._wake.set()

    async def run(self, stop: asyncio.Event, idle: float = 1.0) -> None:
        """Send until ``stop`` is set; a clean stop gives back the rows claimed but not attempted."""
        try:
            while not stop.is_set():
                try:
                    sent = await self.step()
                except Exception:  # the database or the network had a bad moment: try again shortly
                    log.exception("whatsapp sender step failed")
                    sent = 0
                if sent:
                    continue
                self._wake.clear()
                with contextlib.suppress(asyncio.TimeoutError):
                    await asyncio.wait_for(self._wake.wait(), idle)
        finally:
            with contextlib.suppress(Exception):
                async with self.db.transaction() as session:
                    await outbox.release(session, self.holder)
            await self.client.aclose()

    async def step(self) -> int:
        """Recover (at most every lease), enqueue due reminders (every minute), then send one batch; rows handled."""
        now = self.clock()
        if now - self._last_recover >= timedelta(seconds=self.lease_seconds / 2):
            self._last_recover = now
            async with self.db.transaction() as session:
                recovered = await outbox.recover(session, now, self.settings.sender_uncertain)
            if recovered["uncertain"]:
                log.warning("whatsapp messages interrupted while the Cloud API had them", extra={"fields": recovered})
            await self.maintain(now)
        if now - self._last_reminders >= timedelta(seconds=60):
            self._last_reminders = now
            await self.enqueue_reminders(now)
        async with self.db.transaction() as session:
            rows = await wa_outbox.claim(session, self.holder, self.batch, self.lease_seconds, now)
        held: set[int] = set()  # chats whose message is to be retried: their later ones wait, in order
        for row in rows:
            if row.chat_id in held:
                async with self.db.transaction() as session:
                    await wa_outbox.put_back(session, self.holder, [row.id])
            elif await self.send(row) == "retry":
                held.add(row.chat_id)
        return len(rows) - len([r for r in rows if r.chat_id in held])

    async def maintain(self, now: datetime) -> None:
        """Due broadcasts expanded, finished ones closed, statuses that outran their record applied."""
        await communication.expand_due(self.db, now, self.plan.newsletter_since)
        async with self.db.transaction() as session:
            await outbox.finish_broadcasts(session, now)
            await wa_outbox.apply_early(session, older_than=now - EARLY_KEPT)

    async def _composed(self, session: Any, row: wa_outbox.WhatsAppClaimed) -> tuple[str, list[render.Choice], Upload | None]:
        """A plan's message (a personal payload or a broadcast's copy) as WhatsApp text, reply buttons and its document."""
        broadcast = await outbox.get_broadcast(session, row.broadcast_id) if row.broadcast_id else None
        message = communication.compose_row(row, broadcast, self.plan, self.catalog)
        message = communication.with_rsvp_buttons(message, broadcast, row.language)
        text, choices = render.plan_message(message.html, message.buttons, row.language)
        upload = None
        if message.document_path and broadcast is not None:
            name = Path(message.document_path).name
            upload = Upload(name, render.document_type(name) or "application/octet-stream", path=message.document_path,
                            broadcast_id=broadcast.id)
        return text, choices, upload

    async def send(self, row: wa_outbox.WhatsAppClaimed) -> str:
        """Send one row; what became of it (sent, retry, failed, uncertain, skipped, taken over)."""
        now = self.clock()
        to = str(row.chat_id)
        upload: Upload | None = None
        async with self.db.transaction() as session:
            body = row.payload.get("message")
            reason = await wa_outbox.still_wanted(session, row, self.plan.newsletter_since)
            if reason is not None:
                await wa_outbox.skip(session, self.holder, row.id, reason, now)
                return "skipped"
            if body is not None and isinstance(row.payload.get(render.UPLOAD), dict):  # a reply's file
                file = row.payload[render.UPLOAD]
                upload = Upload(str(file["filename"]), str(file.get("mime_type") or "text/plain"),
                                content=str(file["content"]).encode("utf-8"))
            if body is None:  # a message that may need a template: the window decides
                document: Upload | None = None
                if "text" in row.payload:  # a reminder: its text and the template's parameters
                    text, choices, params = str(row.payload["text"]), [], [str(p) for p in row.payload.get("params", [])]
                else:  # a plan's message: drawn from its rich text, its text the template's one parameter
                    text, choices, document = await self._composed(session, row)
                    params = [render.template_parameter(text)]
                if await wa_outbox.window_open(session, row.respondent_id, now):
                    # one row, one message: a text too long for buttons goes without them (its typed hints stay)
                    fits = choices and len(text) <= render.BODY_LIMIT
                    if document is not None:  # the file with the text as its caption, or under the buttons
                        body = (render.document_buttons(to, document.filename, text, choices) if fits
                                else render.document_body(to, document.filename, text))
                        upload = document
                    else:
                        body = render.buttons(to, text, choices)[0] if fits else render.text_bodies(to, text)[0]
                elif document is not None and self.settings.whatsapp_template_document:  # the file as its header
                    body = template_body(to, self.settings.whatsapp_template_document, row.language, params,
                                         document=document.filename)
                    upload = document
                else:
                    name = template_name(self.settings, row.kind)
                    if not name:
                        await wa_outbox.skip(session, self.holder, row.id, "outside the 24-hour window, no template named", now)
                        return "skipped"
                    body = template_body(to, name, row.language, params)
            if upload is None and not await wa_outbox.mark_inflight(session, self.holder, row.id, now):
                return "taken over"  # the lease expired and another sender has it
        if upload is not None:  # the file first: nothing anyone sees, so whatever happens to it is safe to try again
            media_id, error, retry = await self._upload(upload, row.attempts)
            async with self.db.transaction() as session:
                if not await wa_outbox.mark_inflight(session, self.holder, row.id, self.clock()):
                    return "taken over"
                if media_id is None:
                    status = "retry" if retry else "failed"
                    await wa_outbox.record(session, self.holder, row.id, status, error=error,
                                           retry_at=self.clock() + timedelta(seconds=retry) if retry else None)
                    return status
            body = render.with_media(body, media_id)
        status, message_id, error, retry = await self._post(body, row.attempts)
        async with self.db.transaction() as session:
            await wa_outbox.record(session, self.holder, row.id, status, message_id=message_id, error=error,
                                   retry_at=self.clock() + timedelta(seconds=retry) if retry else None)
        return status

    async def _upload(self, upload: Upload, attempts: int) -> tuple[str | None, str | None, float]:
        """(media id, error, seconds before a retry; 0: refused for good) of a file's upload.

        A broadcast's document is uploaded once per sender run: its media id, or its refusal, is kept."""
        if upload.broadcast_id is not None:
            if upload.broadcast_id in self.media_ids:
                return self.media_ids[upload.broadcast_id], None, 0
            if upload.broadcast_id in self._refused_documents:
                return None, self._refused_documents[upload.broadcast_id], 0
        pause = min(300.0, 2.0 ** min(attempts, 8))
        if upload.path is not None and upload.mime_type not in set(render.DOCUMENT_TYPES.values()):
            return self._refuse(upload, f"not a document WhatsApp takes: {upload.filename}")
        try:
            content = upload.content if upload.content is not None else await asyncio.to_thread(Path(upload.path or "").read_bytes)
        except OSError as exc:
            return self._refuse(upload, f"the document cannot be read: {type(exc).__name__}")
        try:
            response = await self.client.post(self.media_url, data={"messaging_product": "whatsapp", "type": upload.mime_type},
                                              files={"file": (upload.filename, content, upload.mime_type)})
        except httpx.HTTPError as exc:  # an upload shows nothing to anyone: always safe to try again
            return None, f"upload: {type(exc).__name__}", pause
        if response.status_code == 200:
            try:
                media_id = str(response.json()["id"])
            except (ValueError, KeyError, TypeError):
                return None, "upload: unreadable answer", pause
            if upload.broadcast_id is not None:
                self.media_ids[upload.broadcast_id] = media_id
            return media_id, None, 0
        try:
            error = response.json().get("error") or {}
        except ValueError:
            error = {}
        text = f"upload: {response.status_code} {error.get('code', '')} {error.get('message', '')}".strip()
        if response.status_code == 429 or response.status_code >= 500:
            return None, text, pause
        return self._refuse(upload, text)

    def _refuse(self, upload: Upload, error: str) -> tuple[None, str, float]:
        if upload.broadcast_id is not None:
            self._refused_documents[upload.broadcast_id] = error
            log.warning("whatsapp document refused", extra={"fields": {"broadcast": upload.broadcast_id, "error": error[:200]}})
        return None, error, 0

    async def _post(self, body: dict[str, Any], attempts: int) -> tuple[str, str | None, str | None, float]:
        """(status, wamid, error, seconds before a retry) of one call to the Cloud API."""
        pause = min(300.0, 2.0 ** min(attempts, 8))
        try:
            response = await self.client.post(self.url, json=body)
        except httpx.ConnectError as exc:  # nothing reached the API: safe to try again
            return "retry", None, f"connection refused: {type(exc).__name__}", pause
        except httpx.HTTPError as exc:  # it may have been sent: held, never sent twice
            return "uncertain", None, f"answer lost: {type(exc).__name__}", 0
        if response.status_code == 200:
            try:
                return "sent", str(response.json()["messages"][0]["id"]), None, 0
            except (ValueError, KeyError, IndexError, TypeError):
                return "uncertain", None, "unreadable answer", 0
        try:
            error = response.json().get("error") or {}
        except ValueError:
            error = {}
        text = f"{response.status_code} {error.get('code', '')} {error.get('message', '')}".strip()
        if response.status_code == 429 or response.status_code >= 500:
            return "retry", None, text, pause
        return "failed", None, text, 0

    async def enqueue_reminders(self, now: datetime) -> int:
        """One reminder per idle WhatsApp run and delay (SCENARI_REMINDER_DELAYS, hours since the run was last touched)."""
        delays = list(self.settings.reminder_delays)
        if not delays or self.settings.reminder_max == 0:
            return 0
        delays = delays[: self.settings.reminder_max] if self.settings.reminder_max else delays
        catalog = self.catalog or QuestionnaireCatalog.load(self.settings.plan)
        self.catalog = catalog
        async with self.db.transaction() as session:
            idle = await session.execute(
                select(Run.id, Run.respondent_id, Respondent.external_id, Respondent.language, Run.questionnaire_id, Run.updated_at)
                .join(Respondent, Respondent.id == Run.respondent_id)
                .where(Run.status == "active", Respondent.channel == "whatsapp",
                       Run.updated_at <= now - timedelta(hours=min(delays)))
            )
            rows = []
            for run_id, respondent_id, wa_id, lang, qid, updated in idle:
                updated = outbox.aware(updated)
                due = [n for n, hours in enumerate(delays, 1) if updated + timedelta(hours=hours) <= now]
                if not due or qid not in catalog:
                    continue
                title = catalog.current(qid).title.get(lang or "it")
                rows.append({"dedupe_key": f"wa:reminder:{run_id}:{max(due)}", "chat_id": int(wa_id), "kind": "reminder",
                             "respondent_id": respondent_id, "run_id": run_id, "language": lang or "it",
                             "not_before": self.plan.out_of_quiet_hours(now),
                             "payload": {"text": translate("reminder", lang or "it", title=title), "params": [title],
                                         "run_updated_at": updated.isoformat()}})
            return await wa_outbox.enqueue(session, rows, now) if rows else 0
