"""A local WhatsApp Cloud API: the Graph API's /messages endpoint and the webhook it calls, for tests.

It accepts ``POST /{version}/{phone_id}/messages`` with the bearer token, checks the message the
way the Cloud API documents it (text ≤ 4096; interactive reply buttons: 1–3, titles ≤ 20 and
distinct, ids ≤ 256; lists: 1–10 sections, ≤ 10 rows in all, row titles ≤ 24, descriptions ≤ 72,
ids ≤ 200, the list's button ≤ 20; interactive bodies ≤ 1024; headers and footers ≤ 60; a
template's name and language) and refuses a free-form message to someone who has not written
in 24 hours (error 131047, "re-engagement message"), as the real API does. What it accepted is
kept per recipient, and for each it sends the webhook's ``sent`` and ``delivered`` statuses.

Media: ``POST /{version}/{phone_id}/media`` (multipart: ``messaging_product=whatsapp``, ``type``
one of the document types the Cloud API documents, ``file``) keeps the bytes under a new media
id (:attr:`CloudAPI.media`, every upload in :attr:`CloudAPI.uploads`); a ``document`` message, or
a reply-buttons message with a document header, must name an uploaded id, and
:attr:`Sent.document` gives a test the file its recipient would open.

People are simulated with :meth:`CloudAPI.user`: they write, press a reply button or pick a list
row, and the emulator delivers the webhook the app would receive from Meta (the documented
``whatsapp_business_account`` payload, signed with X-Hub-Signature-256 over the raw body).
:meth:`CloudAPI.advance` moves the emulator's clock (the 24-hour window) forward.
"""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import itertools
import json
import time
from dataclasses import dataclass, field
from typing import Any

from aiohttp import ClientSession, web

from tests.support.polling import until

TOKEN = "test-whatsapp-token"
PHONE_ID = "109876543210"
APP_SECRET = "test-app-secret-0123456789"
VERIFY_TOKEN = "test-verify-token"
WABA_ID = "102290129340398"
WINDOW_SECONDS = 24 * 3600
# the document types the Cloud API documents ("only the above listed document types are officially supported")
DOCUMENT_TYPES = {
    "text/plain", "application/pdf", "application/msword", "application/vnd.ms-excel", "application/vnd.ms-powerpoint",
    "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "application/vnd.openxmlformats-officedocument.presentationml.presentation",
}
DOCUMENT_LIMIT = 100 * 1024 * 1024


class Refused(Exception):
    """What the Graph API would answer with an error: (HTTP status, code, message)."""

    def __init__(self, status: int, code: int, message: str) -> None:
        super().__init__(message)
        self.status, self.code, self.message = status, code, message


def _limit(value: Any, limit: int, what: str) -> str:
    if not isinstance(value, str) or not value:
        raise Refused(400, 100, f"{what} is required")
    if len(value) > limit:
        raise Refused(400, 131009, f"{what} is too long ({len(value)} > {limit})")
    return value


def check_message(body: Any) -> str:
    """Validate a /messages body as the Cloud API does; its type ("text", "interactive", "template")."""
    if not isinstance(body, dict) or body.get("messaging_product") != "whatsapp":
        raise Refused(400, 100, "messaging_product must be 'whatsapp'")
    if body.get("recipient_type", "individual") != "individual":
        raise Refused(400, 100, "recipient_type must be 'individual'")
    to = body.get("to")
    if not isinstance(to, str) or not to.isdigit():
        raise Refused(400, 100, "to must be a phone number")
    kind = body.get("type", "text")
    if kind == "text":
        _limit((body.get("text") or {}).get("body"), 4096, "text.body")
    elif kind == "interactive":
        _check_interactive(body.get("interactive"))
    elif kind == "document":
        _check_document(body.get("document"))
    elif kind == "template":
        template = body.get("template") or {}
        _limit(template.get("name"), 512, "template.name")
        _limit((template.get("language") or {}).get("code"), 15, "template.language.code")
        if not isinstance(template.get("components", []), list):
            raise Refused(400, 100, "template.components must be a list")
        for component in template.get("components", []):
            if (component or {}).get("type") == "header":  # a document header: an uploaded file, as a message's
                for parameter in component.get("parameters", []):
                    if (parameter or {}).get("type") == "document":
                        _check_document(parameter.get("document"))
                continue
            for parameter in (component or {}).get("parameters", []):
                text = str((parameter or {}).get("text", ""))
                _limit(text, 1024, "template parameter")
                if "\n" in text or "\t" in text or "     " in text:  # the real API's error 132018
                    raise Refused(400, 132018, "Param text cannot have new-line/tab characters or more than 4 consecutive spaces")
    else:
        raise Refused(400, 100, f"unsupported message type {kind!r}")
    return str(kind)


def _check_document(document: Any) -> None:
    """A document message (or header): an uploaded media id or a link, a caption ≤ 1024, a file name."""
    if not isinstance(document, dict) or not (document.get("id") or document.get("link")):
        raise Refused(400, 100, "document.id or document.link is required")
    if document.get("id") and document.get("link"):
        raise Refused(400, 100, "document: either id or link, not both")
    if "caption" in document:
        _limit(document["caption"], 1024, "document.caption")
    if "filename" in document:
        _limit(document["filename"], 240, "document.filename")


def _template_document(body: dict[str, Any]) -> dict[str, Any] | None:
    """The document of a template's header, if it has one."""
    for component in (body.get("template") or {}).get("components") or []:
        if (component or {}).get("type") == "header":
            for parameter in component.get("parameters") or []:
                if (parameter or {}).get("type") == "document":
                    return dict(parameter.get("document") or {})
    return None


def _check_interactive(interactive: Any) -> None:
    if not isinstance(interactive, dict):
        raise Refused(400, 100, "interactive is required")
    _limit((interactive.get("body") or {}).get("text"), 1024, "interactive.body.text")
    if "header" in interactive:
        header = interactive["header"] or {}
        if header.get("type", "text") == "text":
            _limit(header.get("text"), 60, "interactive.header.text")
        elif header.get("type") == "document" and interactive.get("type") == "button":
            _check_document(header.get("document"))
            if "caption" in header["document"]:
                raise Refused(400, 100, "a header's document takes no caption")
        else:
            raise Refused(400, 100, f"unsupported interactive header {header.get('type')!r}")
    if "footer" in interactive:
        _limit((interactive["footer"] or {}).get("text"), 60, "interactive.footer.text")
    action = interactive.get("action") or {}
    if interactive.get("type") == "button":
        buttons = action.get("buttons")
        if not isinstance(buttons, list) or not 1 <= len(buttons) <= 3:
            raise Refused(400, 131009, "interactive.action.buttons: 1 to 3 buttons")
        titles, ids = [], []
        for button in buttons:
            if button.get("type") != "reply":
                raise Refused(400, 100, "a reply button's type must be 'reply'")
            ids.append(_limit((button.get("reply") or {}).get("id"), 256, "button id"))
            titles.append(_limit((button.get("reply") or {}).get("title"), 20, "button title"))
        if len(set(titles)) != len(titles) or len(set(ids)) != len(ids):
            raise Refused(400, 131009, "button titles and ids must be unique")
    elif interactive.get("type") == "list":
        _limit(action.get("button"), 20, "interactive.action.button")
        sections = action.get("sections")
        if not isinstance(sections, list) or not 1 <= len(sections) <= 10:
            raise Refused(400, 131009, "interactive.action.sections: 1 to 10 sections")
        rows = [row for section in sections for row in (section.get("rows") or [])]
        if not 1 <= len(rows) <= 10:
            raise Refused(400, 131009, f"a list has 1 to 10 rows in all ({len(rows)})")
        if len(sections) > 1:
            for section in sections:
                _limit(section.get("title"), 24, "section title")
        ids = [_limit(row.get("id"), 200, "row id") for row in rows]
        for row in rows:
            _limit(row.get("title"), 24, "row title")
            if "description" in row:
                _limit(row["description"], 72, "row description")
        if len(set(ids)) != len(ids):
            raise Refused(400, 131009, "row ids must be unique")
    else:
        raise Refused(400, 100, "interactive.type must be 'button' or 'list'")


@dataclass(frozen=True)
class Media:
    """An uploaded file, as the recipient of a message naming its id downloads it."""

    id: str
    filename: str
    mime_type: str
    content: bytes


@dataclass
class Sent:
    """One message the app sent, as the emulator accepted it."""

    id: str
    to: str
    body: dict[str, Any]
    at: float
    media: Media | None = None  # the file a document message (or a document header) delivers

    @property
    def type(self) -> str:
        return str(self.body.get("type", "text"))

    @property
    def text(self) -> str:
        if self.type == "text":
            return str(self.body["text"]["body"])
        if self.type == "interactive":
            i = self.body["interactive"]
            return "\n".join(x for x in ((i.get("header") or {}).get("text"), i["body"]["text"],
                                         (i.get("footer") or {}).get("text")) if x)
        if self.type == "document":
            return str(self.body["document"].get("caption") or "")
        return json.dumps(self.body["template"], ensure_ascii=False)

    @property
    def document(self) -> dict[str, Any] | None:
        """The document's part of the message (a document message's, or a reply-buttons message's or a template's header)."""
        if self.type == "document":
            return dict(self.body["document"])
        if self.type == "template":
            return _template_document(self.body)
        header = (self.body.get("interactive") or {}).get("header") or {}
        return dict(header["document"]) if header.get("type") == "document" else None

    @property
    def filename(self) -> str | None:
        """The file name the recipient sees: the message's, else the upload's (as WhatsApp shows it)."""
        document = self.document
        if document is None:
            return None
        return document.get("filename") or (self.media.filename if self.media is not None else None)

    @property
    def choices(self) -> dict[str, str]:
        """Title → id of the buttons or list rows."""
        if self.type != "interactive":
            return {}
        action = self.body["interactive"]["action"]
        if "buttons" in action:
            return {b["reply"]["title"]: b["reply"]["id"] for b in action["buttons"]}
        return {row["title"]: row["id"] for s in action["sections"] for row in s["rows"]}

    @property
    def buttons(self) -> list[str]:
        return list(self.choices) if "buttons" in (self.body.get("interactive") or {}).get("action", {}) else []

    @property
    def rows(self) -> list[str]:
        return list(self.choices) if "sections" in (self.body.get("interactive") or {}).get("action", {}) else []


@dataclass
class User:
    """A simulated WhatsApp user, writing to the business number through the emulator."""

    api: CloudAPI
    wa_id: str
    name: str = "Utente"
    messages: list[Sent] = field(default_factory=list)
    seen: int = 0  # how many of ``messages`` the wait helpers have looked past

    async def send_text(self, text: str) -> dict[str, Any]:
        return await self.api.deliver(self.api.message_payload(self, {"type": "text", "text": {"body": text}}))

    async def press(self, title: str) -> dict[str, Any]:
        """Press the reply button (or pick the list row) titled ``title`` of the latest message offering it."""
        for sent in reversed(self.messages):
            if title in sent.choices:
                reply_id = sent.choices[title]
                kind = "button_reply" if sent.buttons else "list_reply"
                interactive = {"type": kind, kind: {"id": reply_id, "title": title}}
                payload = {"type": "interactive", "interactive": interactive, "context": {"from": sent.to, "id": sent.id}}
                return await self.api.deliver(self.api.message_payload(self, payload))
        raise AssertionError(f"no button or row {title!r} in {[m.text[:40] for m in self.messages[-3:]]}")

    async def wait_for(self, predicate: Any, timeout: float = 60.0) -> Sent:
        """The first message not yet looked past that satisfies ``predicate``."""
        found: list[Sent] = []

        def check() -> bool:
            for index in range(self.seen, len(self.messages)):
                if predicate(self.messages[index]):
                    self.seen = index + 1
                    found.append(self.messages[index])
                    return True
            return False

        try:
            await until(check, timeout=timeout)
        except AssertionError:
            raise AssertionError(f"no such message; the last: {[m.text[:80] for m in self.messages[-3:]]}") from None
        return found[0]

    async def wait_text(self, fragment: str, timeout: float = 60.0) -> Sent:
        return await self.wait_for(lambda m: fragment.lower() in m.text.lower(), timeout)

    async def expect_silence(self, seconds: float) -> None:
        before = len(self.messages)
        await asyncio.sleep(seconds)
        assert len(self.messages) == before, [m.text[:60] for m in self.messages[before:]]


class CloudAPI:
    """The emulator: a Graph API server on 127.0.0.1 and the webhook deliveries to one app."""

    def __init__(self, token: str = TOKEN, phone_id: str = PHONE_ID, app_secret: str = APP_SECRET,
                 version: str = "v21.0") -> None:
        self.token, self.phone_id, self.app_secret, self.version = token, phone_id, app_secret, version
        self.webhook_url: str | None = None
        self.users: dict[str, User] = {}
        self.sent: list[Sent] = []
        self.refused: list[tuple[dict[str, Any], Refused]] = []
        self.deliveries: list[int] = []  # HTTP statuses the app answered our webhooks with
        self.offset = 0.0  # seconds the emulator's clock runs ahead of the real one
        self.last_inbound: dict[str, float] = {}
        self.fail_next: list[int] = []  # HTTP statuses to answer the next /messages calls with
        self.media: dict[str, Media] = {}  # media id → the uploaded file
        self.uploads: list[Media] = []  # every upload accepted, in order
        self.fail_uploads: list[int] = []  # HTTP statuses to answer the next /media calls with
        self.answer_delay = 0.0  # seconds between accepting a message and answering (a slow network, a kill in between)
        self._ids = itertools.count(1)
        self._runner: web.AppRunner | None = None
        self._client: ClientSession | None = None
        self.base_url = ""
        self._tasks: set[asyncio.Task[Any]] = set()

    def now(self) -> float:
        return time.time() + self.offset

    def advance(self, hours: float) -> None:
        self.offset += hours * 3600

    def user(self, wa_id: str = "393331234567", name: str = "Utente") -> User:
        return self.users.setdefault(wa_id, User(self, wa_id, name))

    async def __aenter__(self) -> CloudAPI:
        app = web.Application()
        app.router.add_post("/{version}/{phone_id}/messages", self._messages)
        app.router.add_post("/{version}/{phone_id}/media", self._upload)
        self._runner = web.AppRunner(app, access_log=None)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", 0)
        await site.start()
        port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
        self.base_url = f"http://127.0.0.1:{port}"
        self._client = ClientSession()
        return self

    async def __aexit__(self, *exc: object) -> None:
        for task in list(self._tasks):
            task.cancel()
        await asyncio.gather(*self._tasks, return_exceptions=True)
        if self._client is not None:
            await self._client.close()
        if self._runner is not None:
            await self._runner.cleanup()

    # --- the Graph API -----------------------------------------------------------------------

    async def _messages(self, request: web.Request) -> web.Response:
        try:
            if request.headers.get("Authorization") != f"Bearer {self.token}":
                raise Refused(401, 190, "Invalid OAuth access token")
            if request.match_info["phone_id"] != self.phone_id or request.match_info["version"] != self.version:
                raise Refused(400, 100, "Unsupported post request: unknown phone number id or version")
            try:
                body = await request.json()
            except json.JSONDecodeError:
                raise Refused(400, 100, "the body is not JSON") from None
            kind = check_message(body)
            media = self._media_of(body)
            if self.fail_next:
                status = self.fail_next.pop(0)
                raise Refused(status, 131000 if status >= 500 else 130429, "simulated failure")
            last = self.last_inbound.get(body["to"])
            if kind != "template" and (last is None or self.now() - last >= WINDOW_SECONDS):
                raise Refused(400, 131047, "Re-engagement message: more than 24 hours since the customer last replied")
        except Refused as refused:
            self.refused.append((locals().get("body") or {}, refused))
            return web.json_response({"error": {"message": refused.message, "type": "OAuthException", "code": refused.code,
                                                "fbtrace_id": "AbCdEf"}}, status=refused.status)
        wamid = f"wamid.EMU{next(self._ids):08d}"
        sent = Sent(wamid, body["to"], body, self.now(), media)
        self.sent.append(sent)
        self.user(body["to"]).messages.append(sent)
        self._spawn(self._statuses(sent))
        if self.answer_delay:
            await asyncio.sleep(self.answer_delay)
        return web.json_response({"messaging_product": "whatsapp", "contacts": [{"input": body["to"], "wa_id": body["to"]}],
                                  "messages": [{"id": wamid}]})

    def _media_of(self, body: dict[str, Any]) -> Media | None:
        """The uploaded file a message names (None: no document); an id never uploaded here is refused."""
        if body.get("type") == "template":
            document = _template_document(body)
        else:
            document = body.get("document") if body.get("type") == "document" else \
                ((body.get("interactive") or {}).get("header") or {}).get("document")
        if not isinstance(document, dict) or not document.get("id"):
            return None
        media = self.media.get(str(document["id"]))
        if media is None:
            raise Refused(400, 131053, f"Media upload error: unknown media id {document['id']!r}")
        return media

    async def _upload(self, request: web.Request) -> web.Response:
        """``POST /{version}/{phone_id}/media``: a multipart upload, answered with the new media id."""
        try:
            if request.headers.get("Authorization") != f"Bearer {self.token}":
                raise Refused(401, 190, "Invalid OAuth access token")
            if request.match_info["phone_id"] != self.phone_id or request.match_info["version"] != self.version:
                raise Refused(400, 100, "Unsupported post request: unknown phone number id or version")
            if not request.content_type.startswith("multipart/"):
                raise Refused(400, 100, "the upload is multipart/form-data")
            fields: dict[str, str] = {}
            upload: tuple[str, str, bytes] | None = None
            reader = await request.multipart()
            async for part in reader:
                if part.name == "file":  # type: ignore[union-attr]
                    upload = (part.filename or "", part.headers.get("Content-Type", ""), await part.read())  # type: ignore[union-attr]
                elif part.name:  # type: ignore[union-attr]
                    fields[part.name] = await part.text()  # type: ignore[union-attr]
            if fields.get("messaging_product") != "whatsapp":
                raise Refused(400, 100, "messaging_product must be 'whatsapp'")
            mime = fields.get("type", "")
            if mime not in DOCUMENT_TYPES:
                raise Refused(400, 131053, f"Media upload error: unsupported document type {mime!r}")
            if upload is None or not upload[2]:
                raise Refused(400, 100, "file is required")
            if len(upload[2]) > DOCUMENT_LIMIT:
                raise Refused(400, 131053, "Media upload error: the file is larger than 100 MB")
            if self.fail_uploads:
                status = self.fail_uploads.pop(0)
                raise Refused(status, 131000 if status >= 500 else 130429, "simulated failure")
        except Refused as refused:
            self.refused.append(({"upload": locals().get("fields") or {}}, refused))
            return web.json_response({"error": {"message": refused.message, "type": "OAuthException", "code": refused.code,
                                                "fbtrace_id": "AbCdEf"}}, status=refused.status)
        media = Media(f"{next(self._ids) + 7_000_000_000_000:d}", upload[0], mime, upload[2])
        self.media[media.id] = media
        self.uploads.append(media)
        return web.json_response({"id": media.id})

    def _spawn(self, coro: Any) -> None:
        task = asyncio.create_task(coro)
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def _statuses(self, sent: Sent) -> None:
        if self.webhook_url is None:
            return
        for status in ("sent", "delivered"):
            await self.deliver(self._envelope({"statuses": [{
                "id": sent.id, "status": status, "timestamp": str(int(self.now())), "recipient_id": sent.to,
            }]}), quiet=True)

    # --- the webhook -------------------------------------------------------------------------

    def _envelope(self, value: dict[str, Any]) -> dict[str, Any]:
        return {"object": "whatsapp_business_account", "entry": [{"id": WABA_ID, "changes": [{"field": "messages", "value": {
            "messaging_product": "whatsapp", "metadata": {"display_phone_number": "15550001111", "phone_number_id": self.phone_id},
            **value}}]}]}

    def message_payload(self, user: User, message: dict[str, Any]) -> dict[str, Any]:
        self.last_inbound[user.wa_id] = self.now()
        wamid = f"wamid.IN{next(self._ids):08d}"
        return self._envelope({
            "contacts": [{"profile": {"name": user.name}, "wa_id": user.wa_id}],
            "messages": [{"from": user.wa_id, "id": wamid, "timestamp": str(int(self.now())), **message}],
        })

    def sign(self, raw: bytes) -> str:
        return "sha256=" + hmac.new(self.app_secret.encode(), raw, hashlib.sha256).hexdigest()

    async def deliver(self, payload: dict[str, Any], *, signature: str | None = None, quiet: bool = False) -> dict[str, Any]:
        """POST a webhook to the app (signed unless ``signature`` is given) and wait for its answer.

        Like Meta, a webhook the app did not acknowledge with 200 is retried (here: a few times, quickly)."""
        assert self.webhook_url and self._client is not None, "set webhook_url first"
        raw = json.dumps(payload, separators=(",", ":"), ensure_ascii=False).encode()
        headers = {"Content-Type": "application/json", "X-Hub-Signature-256": signature or self.sign(raw)}
        for attempt in range(40):
            try:
                async with self._client.post(self.webhook_url, data=raw, headers=headers) as response:
                    self.deliveries.append(response.status)
                    if response.status == 200 or signature is not None or response.status in (401, 403):
                        break
            except OSError:
                if quiet and attempt > 3:
                    break
            await asyncio.sleep(0.25)
        return payload

    async def redeliver(self, payload: dict[str, Any]) -> None:
        await self.deliver(payload)
