"""The broadcast sender's own Bot API client: JSON posted over one keep-alive session, answers read minimally.

Why not aiogram here: the sender makes thousands of identical calls a minute, and per call
aiogram validates the method into a pydantic model, encodes it as a form, and validates the
answer into a generic ``Response[Message]`` — 40 % of the sender's time in a profile, for
fields the sender never reads. This client posts the JSON body Telegram accepts
(``application/json``) through one ``aiohttp.ClientSession`` (connections kept alive, at most
``limit`` open: the sender's concurrency) and reads only ``ok``, ``error_code``,
``description``, ``parameters.retry_after`` and the message id (a document's file id).

What an answer means is decided by the sender (:mod:`bot.telegram.sender`), with the rules of
:mod:`bot.telegram.retry`: this module only tells apart

* an :class:`Answer` — a JSON object of the Bot API, successful or not (its HTTP status beside);
* :class:`UnreadableAnswer` — the server answered, but not with a Bot API answer (a proxy's HTML
  page, a body cut short, a success without a message): the call may have been carried out;
* the exceptions of aiohttp and asyncio, raised as they are: ``ClientConnectorError`` /
  ``ConnectionTimeoutError`` (the request never left, :func:`bot.telegram.retry.never_reached_telegram`)
  and everything after the connection was open (a drop, a read timeout).

Uploads (a broadcast's document the first time) still go through aiogram (multipart); every
other call of the sender, a document by its file id included, is posted here.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

import aiohttp

from bot.service.communication import Composed
from bot.telegram.render import plan_keyboard

JSON_HEADERS = {"Content-Type": "application/json"}
#: ``DefaultBotProperties(link_preview_is_disabled=True)`` of :func:`bot.telegram.app.build_bot`, as JSON.
NO_LINK_PREVIEW = {"is_disabled": True}


class UnreadableAnswer(Exception):
    """The server answered with something that is not a Bot API answer: it may have acted on the call."""


@dataclass(frozen=True, slots=True)
class Answer:
    """What the sender reads of a Bot API answer."""

    status: int  # HTTP status
    ok: bool
    message_id: int | None = None
    file_id: str | None = None  # a sent document's file id, reused for the next recipients
    error_code: int | None = None
    description: str = ""
    retry_after: float | None = None
    migrate_to_chat_id: int | None = None

    @property
    def delivered(self) -> bool:
        return self.ok and 200 <= self.status <= 226


def read_answer(status: int, body: bytes) -> Answer:
    """A Bot API answer from its HTTP status and body, or :class:`UnreadableAnswer`."""
    try:
        data = json.loads(body)
    except ValueError as exc:  # a proxy page, a truncated body (UnicodeDecodeError is a ValueError)
        raise UnreadableAnswer(f"HTTP {status}: the answer does not decode ({exc})") from None
    if not isinstance(data, dict) or not isinstance(data.get("ok"), bool):
        raise UnreadableAnswer(f"HTTP {status}: not a Bot API answer")
    if data["ok"]:
        result = data.get("result")
        message_id = result.get("message_id") if isinstance(result, dict) else None
        if not isinstance(message_id, int) or isinstance(message_id, bool):
            raise UnreadableAnswer(f"HTTP {status}: a success without a message")
        document = result.get("document")
        file_id = document.get("file_id") if isinstance(document, dict) else None
        return Answer(status, True, message_id=message_id, file_id=file_id if isinstance(file_id, str) else None)
    parameters = data.get("parameters")
    parameters = parameters if isinstance(parameters, dict) else {}
    retry_after = parameters.get("retry_after")
    migrate = parameters.get("migrate_to_chat_id")
    code = data.get("error_code")
    return Answer(
        status, False,
        error_code=code if isinstance(code, int) else None,
        description=str(data.get("description") or f"HTTP {status}"),
        retry_after=float(retry_after) if isinstance(retry_after, (int, float)) and retry_after > 0 else None,
        migrate_to_chat_id=migrate if isinstance(migrate, int) else None,
    )


def json_call(chat_id: int, message: Composed) -> tuple[str, dict[str, Any]]:
    """The Bot API method and JSON body that deliver one of the plan's messages (as :func:`render.telegram_method`)."""
    markup = plan_keyboard(message.buttons)
    body: dict[str, Any] = {"chat_id": chat_id, "parse_mode": "HTML"}
    if markup is not None:
        body["reply_markup"] = markup.model_dump(mode="json", exclude_none=True)
    if message.document_file_id:
        body["document"] = message.document_file_id
        if message.html:
            body["caption"] = message.html
        return "sendDocument", body
    body["text"] = message.html
    body["link_preview_options"] = NO_LINK_PREVIEW
    return "sendMessage", body


class DirectBotAPI:
    """One keep-alive HTTP session to a Bot API server (see the module docstring)."""

    def __init__(self, api_url: str, token: str, *, limit: int = 64, timeout: float = 60.0) -> None:
        """``api_url``: a format with ``{token}`` and ``{method}``, as aiogram's ``TelegramAPIServer.base``."""
        self._url = api_url
        self._token = token
        self._urls: dict[str, str] = {}
        self.limit = max(1, limit)
        self.timeout = timeout
        self._session: aiohttp.ClientSession | None = None

    @classmethod
    def for_bot(cls, bot: Any, *, limit: int = 64) -> DirectBotAPI:
        """The same server, token and timeout as an aiogram ``Bot`` (its session's ``api`` and ``timeout``)."""
        timeout = getattr(bot.session, "timeout", 60.0)
        return cls(bot.session.api.base, bot.token, limit=limit,
                   timeout=float(timeout) if isinstance(timeout, (int, float)) else 60.0)

    def url(self, method: str) -> str:
        url = self._urls.get(method)
        if url is None:
            url = self._urls[method] = self._url.format(token=self._token, method=method)
        return url

    async def call(self, method: str, body: dict[str, Any]) -> Answer:
        """Post ``body`` to ``method``; an :class:`Answer`, or :class:`UnreadableAnswer`, or aiohttp's error."""
        session = self._session
        if session is None or session.closed:
            connector = aiohttp.TCPConnector(limit=self.limit, keepalive_timeout=30.0)
            session = self._session = aiohttp.ClientSession(
                connector=connector, timeout=aiohttp.ClientTimeout(total=self.timeout))
        data = json.dumps(body, ensure_ascii=False).encode()
        async with session.post(self.url(method), data=data, headers=JSON_HEADERS) as response:
            payload = await response.read()
            return read_answer(response.status, payload)

    async def close(self) -> None:
        if self._session is not None:
            await self._session.close()
            self._session = None
