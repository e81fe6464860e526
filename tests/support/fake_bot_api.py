"""A local, in-process stand-in for the Telegram Bot API server, plus simulated users.

The real aiogram ``Bot`` talks to it over HTTP exactly as it would talk to
``api.telegram.org`` (``POST {base}/bot{token}/{method}`` with form-data or
multipart bodies), so end-to-end tests exercise the real aiogram stack
(session, serialisation, dispatcher, polling loop, filters, FSM) without internet.

Quick start::

    async with FakeBotAPI() as api:
        user = api.user(user_id=1001, first_name="Anna", language_code="it")
        async with api.polling(dp) as bot:          # real aiogram polling
            await user.send_command("/start imprese")
            reply = await user.wait_reply()
            assert "Benvenuta" in reply.text
            await user.press("Sì")
            edited = await user.wait_reply()

Model of the server (mirrors Telegram where it matters for tests):

* Updates get increasing ``update_id``; ``getUpdates(offset=N)`` confirms (drops)
  every queued update with ``update_id < N``; unconfirmed updates are returned
  again by every ``getUpdates`` call (so a restarted bot sees them again).
* ``getUpdates(timeout=T)`` long-polls up to ``T`` seconds and returns as soon
  as an update is queued. A newer ``getUpdates`` call terminates an older
  pending one with ``409 Conflict`` (as Telegram does).
* ``allowed_updates`` is honoured: update types the bot did not ask for are
  dropped at delivery (recorded in :attr:`FakeBotAPI.dropped_updates`).
* Per-chat message history, ``message_id`` increasing per chat and shared by the
  user's and the bot's messages, edits applied in place, deletions marked.
* ``parse_mode`` HTML / MarkdownV2 / Markdown is parsed and *validated* like
  Telegram does ("can't parse entities" errors), the visible text is kept in
  :attr:`ChatMessage.text` and the original in :attr:`ChatMessage.source_text`.
* Inline keyboards are validated (``callback_data`` 1-64 bytes, a button needs
  an action), "message is not modified" is reported on no-op edits,
  callback queries may be answered only once, blocked users give 403.
"""

from __future__ import annotations

import asyncio
import json
import re
import secrets
import time
from collections import deque
from collections.abc import AsyncIterator, Awaitable, Callable, Iterable
from contextlib import asynccontextmanager, suppress
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from aiohttp import web

if TYPE_CHECKING:  # pragma: no cover - typing only
    from aiogram import Bot, Dispatcher
    from aiogram.utils.backoff import BackoffConfig

__all__ = [
    "DEFAULT_TOKEN",
    "BotAPIError",
    "CallbackAnswer",
    "ChatEvent",
    "ChatMessage",
    "ChatState",
    "FakeBotAPI",
    "Hold",
    "RecordedCall",
    "SentFile",
    "SimulatedUser",
    "TelegramParseError",
    "fast_backoff",
    "parse_html",
    "parse_markdown",
    "parse_markdown_v2",
]

DEFAULT_TOKEN = "123456789:AAFakeTokenForScenariTests_abcdefghij"

# update types Telegram sends when allowed_updates is empty / never set
_DEFAULT_EXCLUDED_UPDATES = {"chat_member", "message_reaction", "message_reaction_count"}

Json = dict[str, Any]
MethodHandler = Callable[[Json, dict[str, "SentFile"]], Awaitable[Any]]


def fast_backoff() -> BackoffConfig:
    """Return an aiogram ``BackoffConfig`` with short delays (50-200 ms) for tests.

    aiogram's default polling backoff sleeps >= 1 s after every failed
    ``getUpdates``; pass this as ``backoff_config=`` to keep fault tests fast.
    """
    from aiogram.utils.backoff import BackoffConfig

    return BackoffConfig(min_delay=0.05, max_delay=0.2, factor=1.5, jitter=0.01)



def _now() -> int:
    return int(time.time())


def _u16(text: str) -> int:
    """Length of ``text`` in UTF-16 code units (Telegram's unit for entity offsets)."""
    return len(text.encode("utf-16-le")) // 2


def _byte_offset(text: str, index: int) -> int:
    return len(text[:index].encode("utf-8"))


# --------------------------------------------------------------------------- errors


class BotAPIError(Exception):
    """Raised inside a method implementation to produce a Bot API error response."""

    def __init__(
        self,
        error_code: int,
        description: str,
        *,
        retry_after: int | None = None,
        migrate_to_chat_id: int | None = None,
    ) -> None:
        super().__init__(description)
        self.error_code = error_code
        self.description = description
        self.retry_after = retry_after
        self.migrate_to_chat_id = migrate_to_chat_id

    def to_json(self) -> Json:
        """Return the Bot API JSON body for this error."""
        body: Json = {"ok": False, "error_code": self.error_code, "description": self.description}
        parameters: Json = {}
        if self.retry_after is not None:
            parameters["retry_after"] = self.retry_after
        if self.migrate_to_chat_id is not None:
            parameters["migrate_to_chat_id"] = self.migrate_to_chat_id
        if parameters:
            body["parameters"] = parameters
        return body


def _bad_request(description: str) -> BotAPIError:
    return BotAPIError(400, f"Bad Request: {description}")


class TelegramParseError(ValueError):
    """Raised by the text-markup parsers; message is Telegram's wording."""


# --------------------------------------------------------------------------- markup parsers

_HTML_TAGS: dict[str, str] = {
    "b": "bold",
    "strong": "bold",
    "i": "italic",
    "em": "italic",
    "u": "underline",
    "ins": "underline",
    "s": "strikethrough",
    "strike": "strikethrough",
    "del": "strikethrough",
    "tg-spoiler": "spoiler",
    "span": "spoiler",
    "a": "text_link",
    "code": "code",
    "pre": "pre",
    "blockquote": "blockquote",
    "tg-emoji": "custom_emoji",
}
_HTML_NAMED = {"lt": "<", "gt": ">", "amp": "&", "quot": '"'}
_ATTR_RE = re.compile(r"""([a-zA-Z_:-]+)\s*=\s*(?:"([^"]*)"|'([^']*)'|([^\s"'>]+))""")


def parse_html(source: str) -> tuple[str, list[Json]]:
    """Parse Telegram-flavoured HTML; return ``(visible_text, entities)``.

    Raises :class:`TelegramParseError` with Telegram's wording on unsupported
    tags (e.g. ``<br>``, ``<p>``), unescaped ``<``, unmatched/unclosed tags.
    """
    out: list[str] = []
    pos16 = 0
    stack: list[tuple[str, int, Json]] = []
    entities: list[Json] = []
    i, n = 0, len(source)
    while i < n:
        c = source[i]
        if c == "<":
            j = source.find(">", i)
            if j == -1:
                raise TelegramParseError(f"Unclosed start tag at byte offset {_byte_offset(source, i)}")
            inner = source[i + 1 : j]
            if inner.startswith("/"):
                name = inner[1:].strip().lower()
                if not stack:
                    raise TelegramParseError(f"Unexpected end tag at byte offset {_byte_offset(source, i)}")
                top_name, start, attrs = stack.pop()
                if name != top_name:
                    raise TelegramParseError(
                        f'Unmatched end tag at byte offset {_byte_offset(source, i)}, '
                        f'expected "</{top_name}>", found "</{name}>"'
                    )
                length = pos16 - start
                if length > 0:
                    entity: Json = {"type": _HTML_TAGS[top_name], "offset": start, "length": length}
                    if top_name == "a":
                        entity["url"] = attrs.get("href", "")
                    if top_name == "pre" and attrs.get("language"):
                        entity["language"] = attrs["language"]
                    if top_name == "tg-emoji":
                        entity["custom_emoji_id"] = attrs.get("emoji-id", "")
                    entities.append(entity)
            else:
                m = re.match(r"([a-zA-Z][a-zA-Z0-9-]*)", inner)
                name = m.group(1).lower() if m else ""
                if name not in _HTML_TAGS:
                    raise TelegramParseError(
                        f'Unsupported start tag "{name}" at byte offset {_byte_offset(source, i)}'
                    )
                attrs = {
                    a.lower(): next(v for v in (v1, v2, v3) if v is not None)
                    for a, v1, v2, v3 in _ATTR_RE.findall(inner[len(name) :])
                }
                if name == "span" and attrs.get("class") != "tg-spoiler":
                    raise TelegramParseError(
                        f'Tag "span" must have class "tg-spoiler" at byte offset {_byte_offset(source, i)}'
                    )
                if name == "code" and stack and stack[-1][0] == "pre" and "class" in attrs:
                    lang = attrs["class"].removeprefix("language-")
                    stack[-1][2]["language"] = lang
                stack.append((name, pos16, attrs))
            i = j + 1
            continue
        if c == "&":
            m = re.match(r"&(#x[0-9a-fA-F]+|#[0-9]+|[a-zA-Z]+);", source[i:])
            if m:
                ref = m.group(1)
                decoded: str | None
                if ref.startswith("#x"):
                    decoded = chr(int(ref[2:], 16))
                elif ref.startswith("#"):
                    decoded = chr(int(ref[1:]))
                else:
                    decoded = _HTML_NAMED.get(ref)
                if decoded is not None:
                    out.append(decoded)
                    pos16 += _u16(decoded)
                    i += len(m.group(0))
                    continue
        out.append(c)
        pos16 += _u16(c)
        i += 1
    if stack:
        raise TelegramParseError(f'Can\'t find end tag corresponding to start tag "{stack[-1][0]}"')
    entities.sort(key=lambda e: (e["offset"], -e["length"]))
    return "".join(out), entities


_MDV2_RESERVED = set("_*[]()~`>#+-=|{}.!")
_MDV2_NAMES = {"*": "Bold", "_": "Italic", "__": "Underline", "~": "Strikethrough", "||": "Spoiler", "[": "TextUrl"}
_MDV2_TYPES = {"*": "bold", "_": "italic", "__": "underline", "~": "strikethrough", "||": "spoiler"}


def parse_markdown_v2(source: str) -> tuple[str, list[Json]]:
    """Parse Telegram MarkdownV2; return ``(visible_text, entities)``.

    Raises :class:`TelegramParseError` e.g. for an unescaped reserved character
    (``Character '.' is reserved and must be escaped with the preceding '\\'``)
    or an unclosed entity.
    """
    out: list[str] = []
    pos16 = 0
    stack: list[tuple[str, int, int]] = []  # marker, start16, source index
    entities: list[Json] = []
    i, n = 0, len(source)

    def emit(s: str) -> None:
        nonlocal pos16
        out.append(s)
        pos16 += _u16(s)

    def unescape(s: str) -> str:
        return re.sub(r"\\([\x01-\x7e])", r"\1", s)

    while i < n:
        c = source[i]
        if c == "\\" and i + 1 < n and ord(source[i + 1]) <= 126:
            emit(source[i + 1])
            i += 2
            continue
        if c == "`":
            if source.startswith("```", i):
                end = source.find("```", i + 3)
                if end == -1:
                    raise TelegramParseError(
                        f"Can't find end of Pre entity at byte offset {_byte_offset(source, i)}"
                    )
                content = source[i + 3 : end]
                language = None
                if "\n" in content:
                    first, rest = content.split("\n", 1)
                    if first and re.fullmatch(r"[\w+#.-]+", first):
                        language, content = first, rest
                text = unescape(content)
                start = pos16
                emit(text)
                entity: Json = {"type": "pre", "offset": start, "length": pos16 - start}
                if language:
                    entity["language"] = language
                entities.append(entity)
                i = end + 3
                continue
            m = re.compile(r"((?:\\.|[^`\\])*)`", re.S).match(source, i + 1)
            if not m:
                raise TelegramParseError(f"Can't find end of Code entity at byte offset {_byte_offset(source, i)}")
            start = pos16
            emit(unescape(m.group(1)))
            entities.append({"type": "code", "offset": start, "length": pos16 - start})
            i = m.end()
            continue
        if c in "*_~|":
            marker = c
            if c == "_" and source.startswith("__", i):
                marker = "__"
            if c == "|":
                if not source.startswith("||", i):
                    raise TelegramParseError("Character '|' is reserved and must be escaped with the preceding '\\'")
                marker = "||"
            if stack and stack[-1][0] == marker:
                _, start, _ = stack.pop()
                if pos16 > start:
                    entities.append({"type": _MDV2_TYPES[marker], "offset": start, "length": pos16 - start})
            else:
                stack.append((marker, pos16, i))
            i += len(marker)
            continue
        if c == "[":
            stack.append(("[", pos16, i))
            i += 1
            continue
        if c == "]" and stack and stack[-1][0] == "[":
            _, start, _ = stack.pop()
            m = re.compile(r"\(((?:\\.|[^)\\])*)\)").match(source, i + 1)
            if not m:
                raise TelegramParseError("Character ']' is reserved and must be escaped with the preceding '\\'")
            if pos16 > start:
                entities.append(
                    {"type": "text_link", "offset": start, "length": pos16 - start, "url": unescape(m.group(1))}
                )
            i = m.end()
            continue
        if c == ">" and (i == 0 or source[i - 1] == "\n"):
            i += 1
            continue
        if c in _MDV2_RESERVED:
            raise TelegramParseError(f"Character '{c}' is reserved and must be escaped with the preceding '\\'")
        emit(c)
        i += 1
    if stack:
        marker, _, idx = stack[-1]
        raise TelegramParseError(
            f"Can't find end of {_MDV2_NAMES[marker]} entity at byte offset {_byte_offset(source, idx)}"
        )
    entities.sort(key=lambda e: (e["offset"], -e["length"]))
    return "".join(out), entities


def parse_markdown(source: str) -> tuple[str, list[Json]]:
    """Parse legacy Telegram ``Markdown``; return ``(visible_text, entities)``."""
    out: list[str] = []
    pos16 = 0
    entities: list[Json] = []
    i, n = 0, len(source)
    types = {"*": "bold", "_": "italic", "`": "code"}
    while i < n:
        c = source[i]
        if source.startswith("```", i):
            end = source.find("```", i + 3)
            if end == -1:
                raise TelegramParseError(
                    f"Can't find end of the entity starting at byte offset {_byte_offset(source, i)}"
                )
            text = source[i + 3 : end]
            entities.append({"type": "pre", "offset": pos16, "length": _u16(text)})
            out.append(text)
            pos16 += _u16(text)
            i = end + 3
            continue
        if c in types:
            end = source.find(c, i + 1)
            if end == -1:
                raise TelegramParseError(
                    f"Can't find end of the entity starting at byte offset {_byte_offset(source, i)}"
                )
            text = source[i + 1 : end]
            if text:
                entities.append({"type": types[c], "offset": pos16, "length": _u16(text)})
            out.append(text)
            pos16 += _u16(text)
            i = end + 1
            continue
        if c == "[":
            m = re.compile(r"\[([^\]]*)\]\(([^)]*)\)").match(source, i)
            if m:
                text = m.group(1)
                entities.append({"type": "text_link", "offset": pos16, "length": _u16(text), "url": m.group(2)})
                out.append(text)
                pos16 += _u16(text)
                i = m.end()
                continue
        out.append(c)
        pos16 += _u16(c)
        i += 1
    return "".join(out), entities


def _render(text: str, parse_mode: str | None) -> tuple[str, list[Json]]:
    mode = (parse_mode or "").lower()
    try:
        if mode == "html":
            return parse_html(text)
        if mode == "markdownv2":
            return parse_markdown_v2(text)
        if mode == "markdown":
            return parse_markdown(text)
    except TelegramParseError as exc:
        raise _bad_request(f"can't parse entities: {exc}") from None
    if mode:
        raise _bad_request(f"unsupported parse_mode {parse_mode!r}")
    return text, []


# --------------------------------------------------------------------------- data records


@dataclass
class SentFile:
    """A file uploaded by the bot (e.g. ``sendDocument``) or sent by a simulated user."""

    file_id: str
    file_unique_id: str
    filename: str | None
    content: bytes | None
    """Raw bytes (``None`` when the bot sent a file_id / URL instead of uploading)."""
    mime_type: str | None = None
    source: str | None = None
    """For non-uploads: the file_id or URL string the bot passed."""

    @property
    def size(self) -> int | None:
        """Size in bytes, if the content is known."""
        return None if self.content is None else len(self.content)

    def to_api(self) -> Json:
        """Telegram ``Document`` JSON for this file."""
        data: Json = {"file_id": self.file_id, "file_unique_id": self.file_unique_id}
        if self.filename:
            data["file_name"] = self.filename
        if self.mime_type:
            data["mime_type"] = self.mime_type
        if self.size is not None:
            data["file_size"] = self.size
        return data


@dataclass
class ChatMessage:
    """One message in a chat, as currently visible (edits applied in place)."""

    message_id: int
    chat_id: int
    from_bot: bool
    date: int
    kind: str
    """``text``, ``document``, ``photo``, ``sticker``, ``voice``, ``location``, ``contact``."""
    text: str | None = None
    """Visible text (markup stripped); for media, the visible caption."""
    source_text: str | None = None
    """Text/caption exactly as sent by the bot (with HTML/Markdown markup)."""
    parse_mode: str | None = None
    entities: list[Json] = field(default_factory=list)
    reply_markup: Json | None = None
    """Markup as sent (inline keyboard, reply keyboard, remove_keyboard, force_reply)."""
    document: SentFile | None = None
    sender_id: int | None = None
    edit_date: int | None = None
    edit_count: int = 0
    deleted: bool = False
    reply_to_message_id: int | None = None
    raw: Json = field(default_factory=dict)
    """For user messages: the ``message`` JSON put in the update."""
    params: Json = field(default_factory=dict)
    """For bot messages: the request parameters of the creating call."""

    # -- keyboards ---------------------------------------------------------
    @property
    def inline_keyboard(self) -> list[list[Json]]:
        """Rows of inline buttons (dicts with ``text`` and ``callback_data``/``url``...)."""
        if self.reply_markup and "inline_keyboard" in self.reply_markup:
            return self.reply_markup["inline_keyboard"]
        return []

    @property
    def buttons(self) -> list[str]:
        """Flat list of inline button texts, in order."""
        return [b["text"] for row in self.inline_keyboard for b in row]

    @property
    def button_rows(self) -> list[list[str]]:
        """Inline button texts as rows."""
        return [[b["text"] for b in row] for row in self.inline_keyboard]

    @property
    def callback_data(self) -> list[str]:
        """Flat list of ``callback_data`` values of the inline keyboard."""
        return [b["callback_data"] for row in self.inline_keyboard for b in row if "callback_data" in b]

    @property
    def reply_keyboard(self) -> list[list[str]] | None:
        """Reply-keyboard button texts as rows, if this message set a reply keyboard."""
        if self.reply_markup and "keyboard" in self.reply_markup:
            return [[b if isinstance(b, str) else b["text"] for b in row] for row in self.reply_markup["keyboard"]]
        return None

    def find_button(self, label: str) -> Json | None:
        """Return the inline button whose text (first) or callback_data equals ``label``."""
        flat = [b for row in self.inline_keyboard for b in row]
        for b in flat:
            if b.get("text") == label:
                return b
        for b in flat:
            if b.get("callback_data") == label:
                return b
        return None

    @property
    def caption(self) -> str | None:
        """Alias of :attr:`text` for media messages."""
        return self.text

    def to_api(self, bot_user: Json, chat: Json) -> Json:
        """Telegram ``Message`` JSON of the current state (bot messages)."""
        if not self.from_bot:
            data = dict(self.raw)
            if self.edit_date:
                data["edit_date"] = self.edit_date
            return data
        data = {"message_id": self.message_id, "from": bot_user, "chat": chat, "date": self.date}
        if self.kind == "text":
            data["text"] = self.text or ""
            if self.entities:
                data["entities"] = self.entities
        else:
            if self.text:
                data["caption"] = self.text
                if self.entities:
                    data["caption_entities"] = self.entities
            if self.document is not None:
                if self.kind == "photo":
                    data["photo"] = [
                        {
                            "file_id": self.document.file_id,
                            "file_unique_id": self.document.file_unique_id,
                            "width": 800,
                            "height": 600,
                        }
                    ]
                else:
                    data["document"] = self.document.to_api()
        if self.edit_date:
            data["edit_date"] = self.edit_date
        if self.reply_markup and "inline_keyboard" in self.reply_markup:
            data["reply_markup"] = self.reply_markup
        return data

    def __repr__(self) -> str:
        who = "bot" if self.from_bot else f"user{self.sender_id}"
        extra = f" buttons={self.buttons}" if self.inline_keyboard else ""
        gone = " DELETED" if self.deleted else ""
        return f"<ChatMessage #{self.message_id} {who} {self.kind} {self.text!r}{extra}{gone}>"


@dataclass
class ChatEvent:
    """Something the bot did in a chat: ``sent``, ``edited`` or ``deleted`` a message."""

    seq: int
    kind: str
    message: ChatMessage


@dataclass
class CallbackAnswer:
    """An ``answerCallbackQuery`` call (what the user sees as toast/alert)."""

    callback_query_id: str
    text: str | None
    show_alert: bool
    url: str | None


@dataclass
class RecordedCall:
    """One HTTP call the bot made to the fake server."""

    method: str
    """Method name as called (original case)."""
    params: Json
    """Parameters: query string + form fields/JSON body (values as received)."""
    files: dict[str, SentFile]
    status: int = 0
    response: Json | None = None
    at: float = field(default_factory=time.monotonic)

    def json_param(self, name: str) -> Any:
        """Return parameter ``name`` decoded from JSON when it is a JSON string."""
        return _maybe_json(self.params.get(name))


@dataclass
class ChatState:
    """Server-side state of one chat."""

    chat_id: int
    type: str
    chat_json: Json
    messages: list[ChatMessage] = field(default_factory=list)
    events: list[ChatEvent] = field(default_factory=list)
    actions: list[str] = field(default_factory=list)
    """``sendChatAction`` actions, in order."""
    reply_keyboard: Json | None = None
    """Currently displayed reply keyboard markup (``None`` when none/removed)."""
    next_message_id: int = 1
    blocked: bool = False

    def get(self, message_id: int) -> ChatMessage | None:
        """Return the message with ``message_id`` (deleted ones included)."""
        for m in self.messages:
            if m.message_id == message_id:
                return m
        return None

    @property
    def bot_messages(self) -> list[ChatMessage]:
        """Non-deleted messages sent by the bot, in order."""
        return [m for m in self.messages if m.from_bot and not m.deleted]


@dataclass
class _Fault:
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


class _Signal:
    """Broadcast 'something changed' to any number of waiters."""

    def __init__(self) -> None:
        self._event = asyncio.Event()

    def fire(self) -> None:
        self._event.set()
        self._event = asyncio.Event()

    async def wait(self, timeout: float) -> None:
        event = self._event
        with suppress(asyncio.TimeoutError):
            await asyncio.wait_for(event.wait(), timeout=max(timeout, 0))


def _maybe_json(value: Any) -> Any:
    if isinstance(value, str):
        stripped = value.strip()
        if stripped[:1] in ("{", "[") or stripped in ("true", "false", "null"):
            try:
                return json.loads(stripped)
            except ValueError:
                return value
    return value


def _as_int(value: Any, name: str, *, required: bool = True) -> int | None:
    if value is None or value == "":
        if required:
            raise _bad_request(f"{name} is empty" if name != "chat_id" else "chat not found")
        return None
    try:
        return int(value)
    except (TypeError, ValueError):
        raise _bad_request(f"invalid {name}") from None


def _as_bool(value: Any) -> bool:
    if isinstance(value, str):
        return value.lower() in ("true", "1")
    return bool(value)


# --------------------------------------------------------------------------- the server


class FakeBotAPI:
    """An aiohttp server on ``127.0.0.1:<random port>`` speaking the Telegram Bot API.

    Use as ``async with FakeBotAPI(token=...) as api:``; point aiogram at it with
    ``TelegramAPIServer.from_base(api.base_url)`` or simply ``api.make_bot()``.
    """

    def __init__(
        self,
        token: str = DEFAULT_TOKEN,
        *,
        bot_username: str = "scenari_test_bot",
        bot_first_name: str = "Scenari Test Bot",
        host: str = "127.0.0.1",
        port: int = 0,
        first_update_id: int = 100_000,
    ) -> None:
        """Configure the server (not started yet; use ``async with`` or :meth:`start`).

        :param token: the only token accepted (others get 401 Unauthorized);
            the bot id reported by getMe is the part before ``:``.
        :param bot_username: username reported by getMe (used for ``/cmd@bot``).
        :param port: 0 picks a free port.
        :param first_update_id: ``update_id`` of the first enqueued update.
        """
        self.token = token
        self.bot_id = int(token.split(":", 1)[0])
        self.bot_username = bot_username
        self.bot_first_name = bot_first_name
        self.host = host
        self.port = port
        self._runner: web.AppRunner | None = None

        self.calls: list[RecordedCall] = []
        """Every request the bot made, in order (including failed ones)."""
        self.chats: dict[int, ChatState] = {}
        self.users: dict[int, SimulatedUser] = {}
        self.commands: dict[tuple[str, str], list[Json]] = {}
        """``setMyCommands`` storage keyed by ``(scope_json, language_code)``."""
        self.settings: dict[str, Json] = {}
        """Last params of simple setters (setMyDescription, setChatMenuButton, ...)."""
        self.webhook_url: str = ""
        self.allowed_updates: list[str] | None = None
        self.dropped_updates: list[Json] = []
        """Updates dropped because their type was not in ``allowed_updates``."""
        self.delivered_updates: list[Json] = []
        """Every update returned by getUpdates, in order (duplicates included)."""
        self.confirmed_offset: int = 0
        """Highest ``offset`` the bot sent (updates below it are confirmed)."""

        self._next_update_id = first_update_id
        self._pending: list[Json] = []
        self._forced: list[Json] = []
        self._last_batch: list[Json] = []
        self._poll_generation = 0
        self._faults: dict[str, deque[_Fault]] = {}
        self._callbacks: dict[str, tuple[int, bool]] = {}
        self._callback_answers: dict[int, list[CallbackAnswer]] = {}
        self._files: dict[str, SentFile] = {}
        self._event_seq = 0
        self._signal = _Signal()
        self._custom: dict[str, MethodHandler] = {}
        self._inflight: set[asyncio.Future[web.StreamResponse]] = set()
        self._methods: dict[str, Callable[[Json, dict[str, SentFile]], Awaitable[Any]]] = {
            "getme": self._get_me,
            "getupdates": self._get_updates,
            "sendmessage": self._send_message,
            "editmessagetext": self._edit_message_text,
            "editmessagereplymarkup": self._edit_message_reply_markup,
            "editmessagecaption": self._edit_message_caption,
            "answercallbackquery": self._answer_callback_query,
            "senddocument": self._send_document,
            "sendphoto": self._send_photo,
            "setmycommands": self._set_my_commands,
            "getmycommands": self._get_my_commands,
            "deletemycommands": self._delete_my_commands,
            "deletewebhook": self._delete_webhook,
            "setwebhook": self._set_webhook,
            "getwebhookinfo": self._get_webhook_info,
            "deletemessage": self._delete_message,
            "sendchataction": self._send_chat_action,
            "getfile": self._get_file,
            "getchat": self._get_chat,
        }
        for setter in (
            "setmydescription",
            "setmyshortdescription",
            "setmyname",
            "setchatmenubutton",
            "setmydefaultadministratorrights",
        ):
            self._methods[setter] = self._make_setter(setter)

    # ------------------------------------------------------------------ lifecycle
    async def start(self) -> None:
        """Start listening (called by ``async with``)."""
        app = web.Application(client_max_size=60 * 1024 * 1024)
        app.router.add_route("*", "/{tail:.*}", self._dispatch)
        # handler_cancellation: a long-poll whose client went away is cancelled
        self._runner = web.AppRunner(app, access_log=None, handler_cancellation=True, shutdown_timeout=0.5)
        await self._runner.setup()
        site = web.TCPSite(self._runner, self.host, self.port)
        await site.start()
        self.port = self._runner.addresses[0][1]

    async def stop(self) -> None:
        """Stop the server (called on ``async with`` exit)."""
        if self._runner is not None:
            self._poll_generation += 1
            self._signal.fire()
            for task in list(self._inflight):
                task.cancel()
            await self._runner.cleanup()
            self._runner = None

    async def __aenter__(self) -> FakeBotAPI:
        await self.start()
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.stop()

    @property
    def base_url(self) -> str:
        """``http://127.0.0.1:<port>`` — pass to ``TelegramAPIServer.from_base``."""
        return f"http://{self.host}:{self.port}"

    @property
    def bot_user(self) -> Json:
        """The bot's ``User`` JSON (as returned by getMe)."""
        return {
            "id": self.bot_id,
            "is_bot": True,
            "first_name": self.bot_first_name,
            "username": self.bot_username,
            "can_join_groups": True,
            "can_read_all_group_messages": False,
            "supports_inline_queries": False,
        }

    def make_bot(self, **bot_kwargs: Any) -> Bot:
        """Create a real ``aiogram.Bot`` wired to this server.

        ``bot_kwargs`` go to ``Bot(...)``, e.g.
        ``default=DefaultBotProperties(parse_mode="HTML")``.
        """
        from aiogram import Bot
        from aiogram.client.session.aiohttp import AiohttpSession
        from aiogram.client.telegram import TelegramAPIServer

        session = AiohttpSession(api=TelegramAPIServer.from_base(self.base_url))
        return Bot(self.token, session=session, **bot_kwargs)

    @asynccontextmanager
    async def polling(
        self,
        dp: Dispatcher,
        *,
        bot: Bot | None = None,
        polling_timeout: int = 10,
        backoff_config: BackoffConfig | None = None,
        handle_as_tasks: bool = True,
        start_timeout: float = 60.0,  # generous: a busy machine starts slowly
        **polling_kwargs: Any,
    ) -> AsyncIterator[Bot]:
        """Run ``dp.start_polling(bot)`` in a task for the duration of the block.

        Waits until the first ``getUpdates`` reached the server, yields the bot,
        then ``await dp.stop_polling()`` and closes the bot session. Extra
        keyword arguments go to ``start_polling`` (and thus to handlers as
        workflow data). ``backoff_config`` defaults to :func:`fast_backoff`.
        """
        bot = bot or self.make_bot()
        calls_before = self.count("getUpdates")
        task = asyncio.create_task(
            dp.start_polling(
                bot,
                handle_signals=False,
                polling_timeout=polling_timeout,
                backoff_config=backoff_config or fast_backoff(),
                handle_as_tasks=handle_as_tasks,
                close_bot_session=True,
                **polling_kwargs,
            )
        )
        try:
            deadline = time.monotonic() + start_timeout
            while self.count("getUpdates") <= calls_before:
                if task.done():
                    task.result()  # propagate a startup error
                    raise RuntimeError("polling ended before the first getUpdates")
                if time.monotonic() > deadline:
                    raise TimeoutError("aiogram did not call getUpdates in time")
                await self._signal.wait(0.05)
            yield bot
        finally:
            if not task.done():
                with suppress(RuntimeError):
                    await dp.stop_polling()
                with suppress(asyncio.TimeoutError):
                    await asyncio.wait_for(asyncio.shield(task), timeout=5)
                if not task.done():
                    task.cancel()
            with suppress(asyncio.CancelledError):
                exc = task.exception() if task.done() and not task.cancelled() else None
                if exc is not None:
                    raise exc
            await bot.session.close()

    # ------------------------------------------------------------------ simulated parties
    def user(
        self,
        user_id: int = 1001,
        first_name: str = "Test",
        *,
        last_name: str | None = None,
        username: str | None = None,
        language_code: str | None = "it",
        is_premium: bool = False,
    ) -> SimulatedUser:
        """Create (or return the existing) simulated user and its private chat."""
        if user_id in self.users:
            return self.users[user_id]
        user = SimulatedUser(
            self,
            user_id=user_id,
            first_name=first_name,
            last_name=last_name,
            username=username,
            language_code=language_code,
            is_premium=is_premium,
        )
        self.users[user_id] = user
        chat_json: Json = {"id": user_id, "type": "private", "first_name": first_name}
        if last_name:
            chat_json["last_name"] = last_name
        if username:
            chat_json["username"] = username
        self.chats[user_id] = ChatState(chat_id=user_id, type="private", chat_json=chat_json)
        return user

    def group(self, chat_id: int = -1001234567890, title: str = "Test group", chat_type: str = "supergroup") -> ChatState:
        """Create (or return) a group/supergroup chat the bot is a member of."""
        if chat_id not in self.chats:
            self.chats[chat_id] = ChatState(
                chat_id=chat_id, type=chat_type, chat_json={"id": chat_id, "type": chat_type, "title": title}
            )
        return self.chats[chat_id]

    async def group_message(
        self,
        user: SimulatedUser,
        text: str,
        *,
        chat_id: int = -1001234567890,
        title: str = "Test group",
        chat_type: str = "supergroup",
    ) -> Json:
        """Enqueue a ``message`` update written by ``user`` in a group chat; return the update."""
        chat = self.group(chat_id, title, chat_type)
        message = self._new_user_message(chat, user, kind="text", text=text, entities=_command_entities(text))
        return self.enqueue_update("message", message)

    def chat(self, chat_id: int) -> ChatState:
        """Return the state of chat ``chat_id`` (KeyError if unknown)."""
        return self.chats[chat_id]

    # ------------------------------------------------------------------ updates queue
    def enqueue_update(self, update_type: str, payload: Json) -> Json:
        """Queue a raw update ``{"update_id": n, update_type: payload}``; return it."""
        update = {"update_id": self._next_update_id, update_type: payload}
        self._next_update_id += 1
        self._pending.append(update)
        self._signal.fire()
        return update

    async def redeliver(self, update: Json | int) -> None:
        """Deliver an already-seen update again (same ``update_id``, same payload).

        The next ``getUpdates`` returns it regardless of its offset (like a
        Telegram retry after a lost confirmation), exactly once.
        """
        if isinstance(update, int):
            found = next((u for u in self.delivered_updates if u["update_id"] == update), None)
            if found is None:
                found = next((u for u in self._pending if u["update_id"] == update), None)
            if found is None:
                raise KeyError(f"unknown update_id {update}")
            update = found
        self._forced.append(json.loads(json.dumps(update)))
        self._signal.fire()

    def reset_offset(self, from_update_id: int | None = None) -> list[Json]:
        """Simulate a bot restart whose offset confirmation never reached Telegram.

        Already delivered updates (default: the ones in the most recent
        non-empty getUpdates response; or all delivered updates with
        ``update_id >= from_update_id``) are un-confirmed and will be returned
        again by the next ``getUpdates`` — whatever offset the (same or a new)
        bot sends. Returns the updates that will be redelivered.
        """
        if from_update_id is None:
            again = list(self._last_batch)
        else:
            seen: dict[int, Json] = {}
            for u in self.delivered_updates:
                if u["update_id"] >= from_update_id:
                    seen[u["update_id"]] = u
            again = [seen[k] for k in sorted(seen)]
        pending_ids = {u["update_id"] for u in self._pending} | {u["update_id"] for u in self._forced}
        for u in again:
            if u["update_id"] not in pending_ids:
                self._forced.append(u)
        self._forced.sort(key=lambda u: u["update_id"])
        self.confirmed_offset = min([self.confirmed_offset, *(u["update_id"] for u in again)])
        self._signal.fire()
        return again

    @property
    def pending_updates(self) -> list[Json]:
        """Queued updates not yet confirmed by the bot (plus forced redeliveries)."""
        return [*self._forced, *self._pending]

    async def wait_idle(self, timeout: float = 30.0) -> None:
        """Wait until every queued update has been fetched *and confirmed* by the bot.

        Note: with aiogram's ``handle_as_tasks=True`` a confirmed update may
        still be being processed; wait on the user's reply for that.
        """
        deadline = time.monotonic() + timeout
        while self._pending or self._forced:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise TimeoutError(f"updates still pending: {[u['update_id'] for u in self.pending_updates]}")
            await self._signal.wait(min(remaining, 0.1))

    # ------------------------------------------------------------------ fault injection
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
        self._add_fault(method, _Fault("error", error=error, remaining=times, executed=after_executing))

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
        self._add_fault(method, _Fault(mode, status=status, body=body, delay=delay, remaining=times, executed=executed))

    def hold_next(self, method: str, *, times: int = 1) -> Hold:
        """Carry out the next ``times`` calls of ``method``, then hold their answers until released.

        A barrier for tests of the window between Telegram acting and the client hearing so:
        ``await hold.wait_arrived()`` returns once the call is done server-side; the test acts
        (kills the client, say), then ``hold.release()``.
        """
        hold = Hold()
        self._add_fault(method, _Fault("hold", remaining=times, executed=True, hold=hold))
        return hold

    async def wait_for_calls(self, method: str, count: int, timeout: float = 60.0) -> None:
        """Wait until ``count`` calls of ``method`` have reached the server (bounded, generous)."""
        async def reached() -> None:
            while self.count(method) < count:
                await self._signal.wait(1.0)

        await asyncio.wait_for(reached(), timeout)

    def delay_next(self, method: str, seconds: float, *, times: int = 1) -> None:
        """Shortcut for ``fail_next_network(method, "delay", delay=seconds)``."""
        self.fail_next_network(method, "delay", delay=seconds, times=times)

    def clear_faults(self) -> None:
        """Drop every pending injected fault."""
        self._faults.clear()

    def _add_fault(self, method: str, fault: _Fault) -> None:
        self._faults.setdefault(method.lower(), deque()).append(fault)

    def _take_fault(self, method: str) -> _Fault | None:
        for key in (method.lower(), "*"):
            queue = self._faults.get(key)
            if queue:
                fault = queue[0]
                fault.remaining -= 1
                if fault.remaining <= 0:
                    queue.popleft()
                return fault
        return None

    def register_method(self, name: str, handler: MethodHandler) -> None:
        """Add/override a Bot API method: ``async handler(params, files) -> result``.

        Raise :class:`BotAPIError` from the handler to return an error.
        """
        self._custom[name.lower()] = handler

    # ------------------------------------------------------------------ inspection
    def calls_of(self, method: str) -> list[RecordedCall]:
        """Recorded calls of ``method`` (case-insensitive)."""
        return [c for c in self.calls if c.method.lower() == method.lower()]

    def count(self, method: str) -> int:
        """Number of calls of ``method`` received so far."""
        return sum(1 for c in self.calls if c.method.lower() == method.lower())

    def get_commands(self, language_code: str = "", scope: Json | None = None) -> list[Json]:
        """Commands stored by ``setMyCommands`` for exactly this scope and language."""
        return self.commands.get((_scope_key(scope), language_code or ""), [])

    def visible_commands(self, user_id: int, language_code: str | None = None) -> list[Json]:
        """Command menu Telegram would show ``user_id`` in its private chat.

        Resolution order: chat scope, all_private_chats, default; for each the
        user's language first, then the language-less list.
        """
        lang = language_code if language_code is not None else (self.users[user_id].language_code or "")
        scopes = [{"type": "chat", "chat_id": user_id}, {"type": "all_private_chats"}, {"type": "default"}]
        for scope in scopes:
            for code in ([lang] if lang else []) + [""]:
                key = (_scope_key(scope), code)
                if key in self.commands:
                    return self.commands[key]
        return []

    def callback_answers_for(self, user_id: int) -> list[CallbackAnswer]:
        """answerCallbackQuery calls for queries of ``user_id``."""
        return self._callback_answers.get(user_id, [])

    def unanswered_callbacks(self) -> list[str]:
        """Callback query ids the bot never answered (the user still sees a spinner)."""
        return [qid for qid, (_, answered) in self._callbacks.items() if not answered]

    # ------------------------------------------------------------------ http layer
    async def _dispatch(self, request: web.Request) -> web.StreamResponse:
        path = request.path
        file_match = re.fullmatch(r"/file/bot([^/]+)/(.+)", path)
        if file_match:
            return await self._download(request, file_match.group(1), file_match.group(2))
        match = re.fullmatch(r"/bot([^/]*)/([A-Za-z0-9_]+)/?", path)
        if not match:
            return self._json_response(BotAPIError(404, "Not Found").to_json(), 404)
        token, method = match.group(1), match.group(2)
        params, files = await self._read_params(request)
        call = RecordedCall(method=method, params=params, files=files)
        self.calls.append(call)
        self._signal.fire()
        if token != self.token:
            return self._finish(call, BotAPIError(401, "Unauthorized").to_json(), 401)
        if method.lower() == "getupdates":
            # a long poll whose client went away is cancelled (handler_cancellation)
            return await self._process(request, call, method, params, files)
        # any other call completes server-side even if the client gives up (like Telegram)
        task = asyncio.ensure_future(self._process(request, call, method, params, files))
        self._inflight.add(task)
        task.add_done_callback(self._inflight.discard)
        return await asyncio.shield(task)

    async def _process(
        self, request: web.Request, call: RecordedCall, method: str, params: Json, files: dict[str, SentFile]
    ) -> web.StreamResponse:
        fault = self._take_fault(method)
        if fault is not None and fault.executed:
            return await self._execute_then_spoil(request, call, method, params, files, fault)
        if fault is not None:
            if fault.kind == "error" and fault.error is not None:
                return self._finish(call, fault.error.to_json(), fault.error.error_code)
            if fault.kind == "http":
                call.status = fault.status
                return web.Response(status=fault.status, text=fault.body, content_type="text/html")
            if fault.kind == "disconnect":
                call.status = -1
                if request.transport is not None:
                    request.transport.abort()
                raise asyncio.CancelledError  # nothing to send; aiohttp drops the request
            if fault.kind == "delay":
                await asyncio.sleep(fault.delay)
        return await self._execute(call, method, params, files)

    async def _execute(self, call: RecordedCall, method: str, params: Json, files: dict[str, SentFile]) -> web.Response:
        handler = self._custom.get(method.lower()) or self._methods.get(method.lower())
        if handler is None:
            return self._finish(call, BotAPIError(404, "Not Found").to_json(), 404)
        try:
            result = await handler(params, files)
        except BotAPIError as exc:
            return self._finish(call, exc.to_json(), exc.error_code)
        return self._finish(call, {"ok": True, "result": result}, 200)

    async def _execute_then_spoil(
        self, request: web.Request, call: RecordedCall, method: str, params: Json, files: dict[str, SentFile], fault: _Fault
    ) -> web.StreamResponse:
        """The server acts on the call, then the answer is lost, spoilt or held back."""
        response = await self._execute(call, method, params, files)
        if fault.kind == "hold" and fault.hold is not None:
            fault.hold.arrived.set()
            await fault.hold._released.wait()
            return response
        if fault.kind == "garble":
            text = response.text or ""
            return web.Response(status=200, text=text[: len(text) // 2], content_type="application/json")
        if fault.kind == "error" and fault.error is not None:
            return self._json_response(fault.error.to_json(), fault.error.error_code)
        if fault.kind == "http":
            return web.Response(status=fault.status, text=fault.body, content_type="text/html")
        if request.transport is not None:  # disconnect
            request.transport.abort()
        raise asyncio.CancelledError

    def _finish(self, call: RecordedCall, body: Json, status: int) -> web.Response:
        call.status = status
        call.response = body
        self._signal.fire()
        return self._json_response(body, status)

    @staticmethod
    def _json_response(body: Json, status: int) -> web.Response:
        return web.Response(status=status, text=json.dumps(body, ensure_ascii=False), content_type="application/json")

    async def _read_params(self, request: web.Request) -> tuple[Json, dict[str, SentFile]]:
        params: Json = dict(request.query)
        files: dict[str, SentFile] = {}
        if request.method != "POST" or not request.can_read_body:
            return params, files
        if request.content_type == "application/json":
            body = await request.json()
            if isinstance(body, dict):
                params.update(body)
            return params, files
        form = await request.post()
        for key, value in form.items():
            if isinstance(value, web.FileField):
                content = value.file.read()
                files[key] = SentFile(
                    file_id=_new_file_id(),
                    file_unique_id=secrets.token_hex(8),
                    filename=value.filename,
                    content=content,
                    mime_type=value.content_type if value.content_type != "application/octet-stream" else None,
                )
            else:
                params[key] = value
        return params, files

    async def _download(self, request: web.Request, token: str, path: str) -> web.StreamResponse:
        if token != self.token:
            return self._json_response(BotAPIError(401, "Unauthorized").to_json(), 401)
        for f in self._files.values():
            if _file_path(f) == path and f.content is not None:
                return web.Response(body=f.content, content_type=f.mime_type or "application/octet-stream")
        return self._json_response(BotAPIError(404, "Not Found").to_json(), 404)

    # ------------------------------------------------------------------ helpers
    def _chat_for(self, params: Json) -> ChatState:
        raw = params.get("chat_id")
        if raw is None or raw == "":
            raise _bad_request("chat_id is empty")
        try:
            chat_id = int(raw)
        except (TypeError, ValueError):
            raise _bad_request("chat not found") from None
        chat = self.chats.get(chat_id)
        if chat is None:
            raise _bad_request("chat not found")
        if chat.blocked:
            raise BotAPIError(403, "Forbidden: bot was blocked by the user")
        return chat

    def _emit(self, chat: ChatState, kind: str, message: ChatMessage) -> None:
        self._event_seq += 1
        chat.events.append(ChatEvent(self._event_seq, kind, message))
        self._signal.fire()

    def _message_json(self, chat: ChatState, message: ChatMessage) -> Json:
        return message.to_api(self.bot_user, chat.chat_json)

    def _parse_markup(self, params: Json) -> Json | None:
        raw = params.get("reply_markup")
        if raw is None or raw == "":
            return None
        markup = _maybe_json(raw)
        if not isinstance(markup, dict):
            raise _bad_request("can't parse reply keyboard markup JSON object")
        _validate_markup(markup)
        return markup

    def _new_bot_message(
        self, chat: ChatState, params: Json, kind: str, text: str | None, document: SentFile | None = None
    ) -> Json:
        parse_mode = params.get("parse_mode") or None
        visible, entities = (None, [])
        if text is not None:
            if params.get("entities") or params.get("caption_entities"):
                visible, entities = text, _maybe_json(params.get("entities") or params.get("caption_entities"))
            else:
                visible, entities = _render(text, parse_mode)
        if kind == "text":
            if not (visible or "").strip():
                raise _bad_request("message text is empty")
            if _u16(visible or "") > 4096:
                raise _bad_request("message is too long")
        elif visible is not None and _u16(visible) > 1024:
            raise _bad_request("message caption is too long")
        markup = self._parse_markup(params)
        reply_to = _as_int(params.get("reply_to_message_id"), "reply_to_message_id", required=False)
        reply_parameters = _maybe_json(params.get("reply_parameters"))
        if reply_to is None and isinstance(reply_parameters, dict):
            reply_to = reply_parameters.get("message_id")
        message = ChatMessage(
            message_id=chat.next_message_id,
            chat_id=chat.chat_id,
            from_bot=True,
            date=_now(),
            kind=kind,
            text=visible,
            source_text=text,
            parse_mode=parse_mode,
            entities=list(entities or []),
            reply_markup=markup,
            document=document,
            sender_id=self.bot_id,
            reply_to_message_id=reply_to,
            params=dict(params),
        )
        chat.next_message_id += 1
        chat.messages.append(message)
        if markup is not None:
            if "keyboard" in markup:
                chat.reply_keyboard = markup
            elif markup.get("remove_keyboard"):
                chat.reply_keyboard = None
        self._emit(chat, "sent", message)
        return self._message_json(chat, message)

    def _new_user_message(self, chat: ChatState, user: SimulatedUser, *, kind: str, **content: Any) -> Json:
        message_id = chat.next_message_id
        chat.next_message_id += 1
        raw: Json = {"message_id": message_id, "from": user.user_json, "chat": chat.chat_json, "date": _now()}
        for key, value in content.items():
            if value not in (None, [], ""):
                raw[key] = value
        text = content.get("text") if kind == "text" else content.get("caption")
        chat.messages.append(
            ChatMessage(
                message_id=message_id,
                chat_id=chat.chat_id,
                from_bot=False,
                date=raw["date"],
                kind=kind,
                text=text,
                source_text=text,
                entities=list(content.get("entities") or []),
                sender_id=user.user_id,
                raw=raw,
            )
        )
        return raw

    def _find_bot_message(self, params: Json, *, action: str) -> tuple[ChatState, ChatMessage]:
        if params.get("inline_message_id"):
            raise _bad_request("inline messages are not supported by FakeBotAPI")
        chat = self._chat_for(params)
        message_id = _as_int(params.get("message_id"), "message_id")
        message = chat.get(message_id or 0)
        if message is None or message.deleted:
            raise _bad_request(f"message to {action} not found")
        if action == "edit" and not message.from_bot:
            raise _bad_request("message can't be edited")
        return chat, message

    # ------------------------------------------------------------------ methods
    async def _get_me(self, params: Json, files: dict[str, SentFile]) -> Json:
        return self.bot_user

    async def _get_updates(self, params: Json, files: dict[str, SentFile]) -> list[Json]:
        if self.webhook_url:
            raise BotAPIError(
                409, "Conflict: can't use getUpdates method while webhook is active; use deleteWebhook to delete the webhook first"
            )
        self._poll_generation += 1
        generation = self._poll_generation
        self._signal.fire()  # wake an older pending getUpdates so it can be terminated
        offset = _as_int(params.get("offset"), "offset", required=False)
        limit = max(1, min(100, _as_int(params.get("limit"), "limit", required=False) or 100))
        timeout = max(0.0, float(params.get("timeout") or 0))
        allowed = _maybe_json(params.get("allowed_updates"))
        if isinstance(allowed, list):
            self.allowed_updates = allowed
        if offset is not None:
            if offset < 0:
                keep = -offset
                self._pending = self._pending[-keep:] if keep else []
            else:
                self._pending = [u for u in self._pending if u["update_id"] >= offset]
                self.confirmed_offset = max(self.confirmed_offset, offset)
                self._signal.fire()
        deadline = time.monotonic() + timeout
        while True:
            if generation != self._poll_generation:
                raise BotAPIError(
                    409, "Conflict: terminated by other getUpdates request; make sure that only one bot instance is running"
                )
            batch = self._take_batch(limit)
            if batch or time.monotonic() >= deadline:
                break
            await self._signal.wait(deadline - time.monotonic())
        if batch:
            self._last_batch = batch
            self.delivered_updates.extend(batch)
        return batch

    def _update_allowed(self, update: Json) -> bool:
        kind = next(k for k in update if k != "update_id")
        if self.allowed_updates:
            return kind in self.allowed_updates
        return kind not in _DEFAULT_EXCLUDED_UPDATES

    def _take_batch(self, limit: int) -> list[Json]:
        for u in list(self._pending):
            if not self._update_allowed(u):
                self._pending.remove(u)
                self.dropped_updates.append(u)
        forced = self._forced[:limit]
        self._forced = self._forced[len(forced) :]
        rest = [u for u in self._pending if u["update_id"] not in {f["update_id"] for f in forced}]
        return [*forced, *rest[: limit - len(forced)]]

    async def _send_message(self, params: Json, files: dict[str, SentFile]) -> Json:
        chat = self._chat_for(params)
        text = params.get("text")
        if text is None or text == "":
            raise _bad_request("message text is empty")
        return self._new_bot_message(chat, params, "text", str(text))

    async def _send_document(self, params: Json, files: dict[str, SentFile]) -> Json:
        return await self._send_media(params, files, "document")

    async def _send_photo(self, params: Json, files: dict[str, SentFile]) -> Json:
        return await self._send_media(params, files, "photo")

    async def _send_media(self, params: Json, files: dict[str, SentFile], kind: str) -> Json:
        chat = self._chat_for(params)
        ref = params.get(kind)
        sent: SentFile | None
        if kind in files:
            sent = files[kind]
        elif isinstance(ref, str) and ref.startswith("attach://"):
            sent = files.get(ref[len("attach://") :])
            if sent is None:
                raise _bad_request(f"wrong remote file identifier specified: can't find {ref}")
        elif isinstance(ref, str) and ref:
            known = self._files.get(ref)
            sent = known or SentFile(
                file_id=_new_file_id(), file_unique_id=secrets.token_hex(8), filename=None, content=None, source=ref
            )
        else:
            raise _bad_request(f"there is no {kind} in the request")
        if sent.content is not None and len(sent.content) == 0:
            raise _bad_request("file must be non-empty")
        self._files[sent.file_id] = sent
        caption = params.get("caption")
        return self._new_bot_message(chat, params, kind, str(caption) if caption else None, document=sent)

    async def _edit_message_text(self, params: Json, files: dict[str, SentFile]) -> Json:
        chat, message = self._find_bot_message(params, action="edit")
        if message.kind != "text":
            raise _bad_request("there is no text in the message to edit")
        text = params.get("text")
        if not text:
            raise _bad_request("message text is empty")
        visible, entities = _render(str(text), params.get("parse_mode") or None)
        if not visible.strip():
            raise _bad_request("message text is empty")
        if _u16(visible) > 4096:
            raise _bad_request("MESSAGE_TOO_LONG")
        markup = self._parse_markup(params)
        self._apply_edit(chat, message, text=visible, source=str(text), entities=entities, markup=markup, params=params)
        return self._message_json(chat, message)

    async def _edit_message_caption(self, params: Json, files: dict[str, SentFile]) -> Json:
        chat, message = self._find_bot_message(params, action="edit")
        if message.kind == "text":
            raise _bad_request("there is no caption in the message to edit")
        caption = params.get("caption") or ""
        visible, entities = _render(str(caption), params.get("parse_mode") or None) if caption else ("", [])
        markup = self._parse_markup(params)
        self._apply_edit(
            chat, message, text=visible or None, source=caption or None, entities=entities, markup=markup, params=params
        )
        return self._message_json(chat, message)

    async def _edit_message_reply_markup(self, params: Json, files: dict[str, SentFile]) -> Json:
        chat, message = self._find_bot_message(params, action="edit")
        markup = self._parse_markup(params)
        if markup is not None and "inline_keyboard" not in markup:
            raise _bad_request("inline keyboard expected")
        self._apply_edit(
            chat,
            message,
            text=message.text,
            source=message.source_text,
            entities=message.entities,
            markup=markup,
            params=params,
        )
        return self._message_json(chat, message)

    def _apply_edit(
        self,
        chat: ChatState,
        message: ChatMessage,
        *,
        text: str | None,
        source: str | None,
        entities: list[Json],
        markup: Json | None,
        params: Json,
    ) -> None:
        def inline(m: Json | None) -> Json | None:
            return m if m and m.get("inline_keyboard") else None

        if markup is not None and "inline_keyboard" not in markup:
            raise _bad_request("inline keyboard expected")
        if (text, entities, inline(markup)) == (message.text, message.entities, inline(message.reply_markup)):
            raise _bad_request(
                "message is not modified: specified new message content and reply markup are exactly "
                "the same as a current content and reply markup of the message"
            )
        message.text = text
        message.source_text = source
        message.entities = list(entities)
        message.parse_mode = params.get("parse_mode") or message.parse_mode
        message.reply_markup = markup
        message.edit_date = _now()
        message.edit_count += 1
        self._emit(chat, "edited", message)

    async def _delete_message(self, params: Json, files: dict[str, SentFile]) -> bool:
        chat, message = self._find_bot_message(params, action="delete")
        message.deleted = True
        self._emit(chat, "deleted", message)
        return True

    async def _answer_callback_query(self, params: Json, files: dict[str, SentFile]) -> bool:
        query_id = str(params.get("callback_query_id") or "")
        entry = self._callbacks.get(query_id)
        if entry is None or entry[1]:
            raise _bad_request("query is too old and response timeout expired or query ID is invalid")
        user_id, _ = entry
        self._callbacks[query_id] = (user_id, True)
        text = params.get("text")
        if text is not None and len(str(text)) > 200:
            raise _bad_request("MESSAGE_TOO_LONG")
        answer = CallbackAnswer(
            callback_query_id=query_id,
            text=str(text) if text is not None else None,
            show_alert=_as_bool(params.get("show_alert")),
            url=params.get("url"),
        )
        self._callback_answers.setdefault(user_id, []).append(answer)
        self._signal.fire()
        return True

    async def _set_my_commands(self, params: Json, files: dict[str, SentFile]) -> bool:
        commands = _maybe_json(params.get("commands"))
        if not isinstance(commands, list):
            raise _bad_request("can't parse commands JSON object")
        if len(commands) > 100:
            raise _bad_request("BOT_COMMANDS_TOO_MUCH")
        for cmd in commands:
            if not isinstance(cmd, dict) or not re.fullmatch(r"[a-z0-9_]{1,32}", str(cmd.get("command", ""))):
                raise _bad_request("BOT_COMMAND_INVALID")
            if not 1 <= len(str(cmd.get("description", ""))) <= 256:
                raise _bad_request("BOT_COMMAND_DESCRIPTION_INVALID")
        language_code = str(params.get("language_code") or "")
        if language_code and not re.fullmatch(r"[a-z]{2}", language_code):
            raise _bad_request("LANG_CODE_INVALID")
        key = (_scope_key(_maybe_json(params.get("scope"))), language_code)
        if commands:
            self.commands[key] = [{"command": c["command"], "description": c["description"]} for c in commands]
        else:
            self.commands.pop(key, None)
        return True

    async def _get_my_commands(self, params: Json, files: dict[str, SentFile]) -> list[Json]:
        key = (_scope_key(_maybe_json(params.get("scope"))), str(params.get("language_code") or ""))
        return self.commands.get(key, [])

    async def _delete_my_commands(self, params: Json, files: dict[str, SentFile]) -> bool:
        key = (_scope_key(_maybe_json(params.get("scope"))), str(params.get("language_code") or ""))
        self.commands.pop(key, None)
        return True

    async def _delete_webhook(self, params: Json, files: dict[str, SentFile]) -> bool:
        self.webhook_url = ""
        if _as_bool(params.get("drop_pending_updates")):
            self._pending.clear()
            self._forced.clear()
        return True

    async def _set_webhook(self, params: Json, files: dict[str, SentFile]) -> bool:
        url = str(params.get("url") or "")
        if url and not url.startswith("https://"):
            raise _bad_request("bad webhook: An HTTPS URL must be provided for webhook")
        self.webhook_url = url
        if _as_bool(params.get("drop_pending_updates")):
            self._pending.clear()
        self._poll_generation += 1
        self._signal.fire()
        return True

    async def _get_webhook_info(self, params: Json, files: dict[str, SentFile]) -> Json:
        return {"url": self.webhook_url, "has_custom_certificate": False, "pending_update_count": len(self._pending)}

    async def _send_chat_action(self, params: Json, files: dict[str, SentFile]) -> bool:
        chat = self._chat_for(params)
        action = str(params.get("action") or "")
        valid = {
            "typing", "upload_photo", "record_video", "upload_video", "record_voice", "upload_voice",
            "upload_document", "choose_sticker", "find_location", "record_video_note", "upload_video_note",
        }  # fmt: skip
        if action not in valid:
            raise _bad_request("wrong parameter action in request")
        chat.actions.append(action)
        self._signal.fire()
        return True

    async def _get_file(self, params: Json, files: dict[str, SentFile]) -> Json:
        file_id = str(params.get("file_id") or "")
        f = self._files.get(file_id)
        if f is None:
            raise _bad_request("invalid file_id")
        data: Json = {"file_id": f.file_id, "file_unique_id": f.file_unique_id}
        if f.size is not None:
            data["file_size"] = f.size
            data["file_path"] = _file_path(f)
        return data

    async def _get_chat(self, params: Json, files: dict[str, SentFile]) -> Json:
        chat = self._chat_for(params)
        return {**chat.chat_json, "accent_color_id": 0, "max_reaction_count": 11, "accepted_gift_types": {
            "unlimited_gifts": False, "limited_gifts": False, "unique_gifts": False, "premium_subscription": False,
        }}  # fmt: skip

    def _make_setter(self, name: str) -> Callable[[Json, dict[str, SentFile]], Awaitable[bool]]:
        async def setter(params: Json, files: dict[str, SentFile]) -> bool:
            self.settings[name] = dict(params)
            return True

        return setter


def _scope_key(scope: Any) -> str:
    if not isinstance(scope, dict) or not scope:
        scope = {"type": "default"}
    return json.dumps(scope, sort_keys=True)


def _new_file_id() -> str:
    return "BQAC" + secrets.token_urlsafe(24)


def _file_path(f: SentFile) -> str:
    return f"documents/{f.file_unique_id}_{f.filename or 'file'}"


def _validate_markup(markup: Json) -> None:
    if "inline_keyboard" in markup:
        rows = markup["inline_keyboard"]
        if not isinstance(rows, list) or not all(isinstance(r, list) for r in rows):
            raise _bad_request("can't parse inline keyboard markup JSON object")
        actions = (
            "callback_data", "url", "switch_inline_query", "switch_inline_query_current_chat",
            "switch_inline_query_chosen_chat", "callback_game", "pay", "web_app", "login_url", "copy_text",
        )  # fmt: skip
        count = 0
        for row in rows:
            for button in row:
                count += 1
                if not isinstance(button, dict) or not str(button.get("text", "")).strip():
                    raise _bad_request("can't parse inline keyboard button: Text must be non-empty")
                present = [a for a in actions if a in button]
                if not present:
                    raise _bad_request(
                        "can't parse inline keyboard button: Text buttons are unallowed in the inline keyboard"
                    )
                if "callback_data" in button:
                    data = str(button["callback_data"])
                    if not 1 <= len(data.encode("utf-8")) <= 64:
                        raise _bad_request("BUTTON_DATA_INVALID")
                if "url" in button and not re.match(r"(https?|tg)://", str(button["url"])):
                    raise _bad_request(f"inline keyboard button URL '{button['url']}' is invalid: Wrong HTTP URL")
        if count > 100:
            raise _bad_request("too many inline keyboard buttons")
    elif "keyboard" in markup:
        rows = markup["keyboard"]
        if not isinstance(rows, list) or not all(isinstance(r, list) for r in rows):
            raise _bad_request("can't parse reply keyboard markup JSON object")
        for row in rows:
            for button in row:
                text = button if isinstance(button, str) else (button or {}).get("text")
                if not text or not str(text).strip():
                    raise _bad_request("keyboard button text must be non-empty")
    elif markup.get("remove_keyboard") or markup.get("force_reply"):
        return
    else:
        raise _bad_request("can't parse reply keyboard markup JSON object")


_COMMAND_RE = re.compile(r"(?<!\S)/[A-Za-z0-9_]{1,32}(?:@[A-Za-z0-9_]{3,32})?")


def _command_entities(text: str) -> list[Json]:
    """``bot_command`` entities for every ``/command`` token (UTF-16 offsets)."""
    return [
        {"type": "bot_command", "offset": _u16(text[: m.start()]), "length": _u16(m.group(0))}
        for m in _COMMAND_RE.finditer(text)
    ]


# --------------------------------------------------------------------------- simulated user


class SimulatedUser:
    """A Telegram user chatting privately with the bot. Create via :meth:`FakeBotAPI.user`.

    Every action enqueues a real Update and returns its JSON (pass it to
    :meth:`FakeBotAPI.redeliver` for idempotency tests). Every action also
    marks all bot output so far as *seen*, so a following :meth:`wait_reply`
    returns the bot's reaction to that action.
    """

    def __init__(
        self,
        api: FakeBotAPI,
        *,
        user_id: int,
        first_name: str,
        last_name: str | None,
        username: str | None,
        language_code: str | None,
        is_premium: bool,
    ) -> None:
        """Use :meth:`FakeBotAPI.user` instead."""
        self.api = api
        self.user_id = user_id
        self.first_name = first_name
        self.last_name = last_name
        self.username = username
        self.language_code = language_code
        self.is_premium = is_premium
        self._cursor = 0
        self._callback_seq = 0

    # ------------------------------------------------------------------ identity
    @property
    def user_json(self) -> Json:
        """The user's ``User`` JSON as put in updates."""
        data: Json = {"id": self.user_id, "is_bot": False, "first_name": self.first_name}
        if self.last_name:
            data["last_name"] = self.last_name
        if self.username:
            data["username"] = self.username
        if self.language_code:
            data["language_code"] = self.language_code
        if self.is_premium:
            data["is_premium"] = True
        return data

    @property
    def chat(self) -> ChatState:
        """The private chat state."""
        return self.api.chats[self.user_id]

    # ------------------------------------------------------------------ what the user sees
    @property
    def messages(self) -> list[ChatMessage]:
        """The bot's messages in this chat, in order, current state (deleted ones excluded)."""
        return self.chat.bot_messages

    @property
    def history(self) -> list[ChatMessage]:
        """All messages of the chat (user's and bot's, deleted ones flagged)."""
        return list(self.chat.messages)

    @property
    def texts(self) -> list[str | None]:
        """Visible texts of :attr:`messages`."""
        return [m.text for m in self.messages]

    @property
    def last_message(self) -> ChatMessage | None:
        """The bot's latest (non-deleted) message, or ``None``."""
        msgs = self.messages
        return msgs[-1] if msgs else None

    @property
    def callback_answers(self) -> list[str | None]:
        """Texts of answerCallbackQuery replies to this user's presses (``None`` = no text)."""
        return [a.text for a in self.api.callback_answers_for(self.user_id)]

    @property
    def callback_answer_records(self) -> list[CallbackAnswer]:
        """Full answerCallbackQuery records (text, show_alert, url)."""
        return list(self.api.callback_answers_for(self.user_id))

    @property
    def documents(self) -> list[SentFile]:
        """Files the bot sent to this user (sendDocument / sendPhoto), in order."""
        return [m.document for m in self.messages if m.document is not None]

    @property
    def reply_keyboard(self) -> list[list[str]] | None:
        """Rows of the reply keyboard currently displayed, or ``None``."""
        markup = self.chat.reply_keyboard
        if not markup:
            return None
        return [[b if isinstance(b, str) else b["text"] for b in row] for row in markup["keyboard"]]

    @property
    def chat_actions(self) -> list[str]:
        """sendChatAction actions received (``typing``, ``upload_document``, ...)."""
        return list(self.chat.actions)

    @property
    def commands_menu(self) -> list[Json]:
        """The command menu Telegram would show this user (scope/language fallback applied)."""
        return self.api.visible_commands(self.user_id)

    def mark_seen(self) -> None:
        """Mark every bot output so far as seen (next ``wait_reply`` waits for new output)."""
        self._cursor = self.api._event_seq

    # ------------------------------------------------------------------ actions
    def _message(self, kind: str, **content: Any) -> Json:
        self.mark_seen()
        message = self.api._new_user_message(self.chat, self, kind=kind, **content)
        return self.api.enqueue_update("message", message)

    async def send_text(self, text: str, *, reply_to_message_id: int | None = None) -> Json:
        """Send a text message (``/commands`` inside get bot_command entities). Returns the update."""
        extra: Json = {}
        if reply_to_message_id is not None:
            replied = self.chat.get(reply_to_message_id)
            if replied is not None:
                extra["reply_to_message"] = replied.to_api(self.api.bot_user, self.chat.chat_json)
        return self._message("text", text=text, entities=_command_entities(text), **extra)

    async def send_command(self, command: str) -> Json:
        """Send a command such as ``"/start imprese"`` (a leading ``/`` is added if missing)."""
        if not command.startswith("/"):
            command = "/" + command
        return await self.send_text(command)

    async def press(self, label: str, *, message: ChatMessage | int | None = None) -> str:
        """Press an inline button by its text (preferred) or callback_data.

        Searches the latest bot message carrying such a button (or only
        ``message``). Enqueues a ``callback_query`` update and returns its id.
        Raises ``LookupError`` if no such button is visible, ``ValueError`` if
        it is a URL/non-callback button.
        """
        if isinstance(message, int):
            candidates = [m for m in self.messages if m.message_id == message]
        elif message is not None:
            candidates = [message]
        else:
            candidates = list(reversed(self.messages))
        target: ChatMessage | None = None
        button: Json | None = None
        for m in candidates:
            button = m.find_button(label)
            if button is not None:
                target = m
                break
        if target is None or button is None:
            visible = {m.message_id: m.buttons for m in self.messages if m.buttons}
            raise LookupError(f"no inline button {label!r} visible to user {self.user_id}; buttons: {visible}")
        if "callback_data" not in button:
            raise ValueError(f"button {label!r} is not a callback button: {button}")
        self.mark_seen()
        self._callback_seq += 1
        query_id = f"{self.user_id}{self._callback_seq:04d}{secrets.randbelow(10**6):06d}"
        self.api._callbacks[query_id] = (self.user_id, False)
        payload = {
            "id": query_id,
            "from": self.user_json,
            "message": target.to_api(self.api.bot_user, self.chat.chat_json),
            "chat_instance": str(-(10**18) - self.user_id),
            "data": button["callback_data"],
        }
        self.api.enqueue_update("callback_query", payload)
        return query_id

    async def press_stale(self, callback_data: str, message: ChatMessage) -> str:
        """Press a button that is no longer shown (an old client still displaying it).

        Sends ``callback_data`` as if it were on ``message``; returns the query id.
        """
        self.mark_seen()
        self._callback_seq += 1
        query_id = f"{self.user_id}{self._callback_seq:04d}{secrets.randbelow(10**6):06d}"
        self.api._callbacks[query_id] = (self.user_id, False)
        self.api.enqueue_update("callback_query", {
            "id": query_id,
            "from": self.user_json,
            "message": message.to_api(self.api.bot_user, self.chat.chat_json),
            "chat_instance": str(-(10**18) - self.user_id),
            "data": callback_data,
        })
        return query_id

    async def press_reply(self, text: str) -> Json:
        """Tap a reply-keyboard button: checks it is displayed, then sends its text.

        A ``one_time_keyboard`` is hidden afterwards. Raises ``LookupError`` if
        the button is not on the current reply keyboard.
        """
        rows = self.reply_keyboard or []
        if not any(text == b for row in rows for b in row):
            raise LookupError(f"reply button {text!r} not displayed; keyboard: {rows}")
        markup = self.chat.reply_keyboard or {}
        if markup.get("one_time_keyboard"):
            self.chat.reply_keyboard = None
        return await self.send_text(text)

    async def send_sticker(self, emoji: str = "👍") -> Json:
        """Send a sticker message."""
        sticker = {
            "file_id": "CAAC" + secrets.token_urlsafe(16),
            "file_unique_id": secrets.token_hex(8),
            "type": "regular",
            "width": 512,
            "height": 512,
            "is_animated": False,
            "is_video": False,
            "emoji": emoji,
        }
        return self._message("sticker", sticker=sticker)

    async def send_photo(self, caption: str | None = None, content: bytes = b"\x89PNG fake") -> Json:
        """Send a photo (three sizes) with an optional caption."""
        unique = secrets.token_hex(6)
        sizes = []
        for i, (w, h) in enumerate(((90, 67), (320, 240), (800, 600))):
            f = SentFile("AgAC" + secrets.token_urlsafe(16), f"{unique}{i}", f"photo_{i}.jpg", content, "image/jpeg")
            self.api._files[f.file_id] = f
            sizes.append({"file_id": f.file_id, "file_unique_id": f.file_unique_id, "width": w, "height": h,
                          "file_size": len(content)})  # fmt: skip
        return self._message("photo", photo=sizes, caption=caption)

    async def send_voice(self, duration: int = 3, content: bytes = b"OggS fake voice") -> Json:
        """Send a voice note."""
        f = SentFile("AwAC" + secrets.token_urlsafe(16), secrets.token_hex(8), "voice.ogg", content, "audio/ogg")
        self.api._files[f.file_id] = f
        voice = {"file_id": f.file_id, "file_unique_id": f.file_unique_id, "duration": duration,
                 "mime_type": "audio/ogg", "file_size": len(content)}  # fmt: skip
        return self._message("voice", voice=voice)

    async def send_location(self, latitude: float = 41.1171, longitude: float = 16.8719) -> Json:
        """Send a location (default: Bari)."""
        return self._message("location", location={"latitude": latitude, "longitude": longitude})

    async def send_contact(self, phone_number: str = "+390801234567") -> Json:
        """Send the user's own contact card."""
        contact = {"phone_number": phone_number, "first_name": self.first_name, "user_id": self.user_id}
        return self._message("contact", contact=contact)

    async def send_document(
        self,
        filename: str = "file.pdf",
        content: bytes = b"%PDF-1.4 fake",
        mime_type: str = "application/pdf",
        caption: str | None = None,
    ) -> Json:
        """Send a document (downloadable by the bot via getFile + file URL)."""
        f = SentFile("BQAC" + secrets.token_urlsafe(16), secrets.token_hex(8), filename, content, mime_type)
        self.api._files[f.file_id] = f
        return self._message("document", document=f.to_api(), caption=caption)

    async def edit_last_text(self, new_text: str) -> Json:
        """Edit the user's latest text message; enqueues an ``edited_message`` update."""
        for m in reversed(self.chat.messages):
            if not m.from_bot and m.kind == "text" and not m.deleted:
                break
        else:
            raise LookupError("the user has sent no text message to edit")
        self.mark_seen()
        m.text = m.source_text = new_text
        m.entities = _command_entities(new_text)
        m.edit_date = _now()
        m.edit_count += 1
        m.raw["text"] = new_text
        if m.entities:
            m.raw["entities"] = m.entities
        else:
            m.raw.pop("entities", None)
        return self.api.enqueue_update("edited_message", m.to_api(self.api.bot_user, self.chat.chat_json))

    async def block_bot(self) -> Json:
        """Block the bot: later sends get 403; enqueues a ``my_chat_member`` (kicked) update."""
        self.chat.blocked = True
        return self.api.enqueue_update("my_chat_member", self._member_update("member", "kicked"))

    async def unblock_bot(self) -> Json:
        """Unblock the bot; enqueues a ``my_chat_member`` (member) update."""
        self.chat.blocked = False
        return self.api.enqueue_update("my_chat_member", self._member_update("kicked", "member"))

    def _member_update(self, old: str, new: str) -> Json:
        def member(status: str) -> Json:
            data: Json = {"status": status, "user": self.api.bot_user}
            if status == "kicked":
                data["until_date"] = 0
            return data

        return {
            "chat": self.chat.chat_json,
            "from": self.user_json,
            "date": _now(),
            "old_chat_member": member(old),
            "new_chat_member": member(new),
        }

    # ------------------------------------------------------------------ waiting
    async def wait_for(
        self,
        predicate: Callable[[ChatMessage], bool] | None = None,
        timeout: float = 30.0,  # generous bound on a busy machine; nothing asserts the duration
        *,
        kinds: Iterable[str] = ("sent", "edited"),
    ) -> ChatMessage:
        """Wait for the next unseen bot output (sent/edited message) matching ``predicate``.

        Unseen events are examined in order; the cursor moves past the
        returned one. Returns the (live) :class:`ChatMessage`. Raises
        ``TimeoutError`` (listing the chat) if nothing matches in time.
        """
        kinds = set(kinds)
        deadline = time.monotonic() + timeout
        while True:
            for event in self.chat.events:
                if event.seq <= self._cursor or event.kind not in kinds:
                    continue
                if predicate is None or predicate(event.message):
                    self._cursor = event.seq
                    return event.message
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise TimeoutError(
                    f"user {self.user_id}: no matching bot output within {timeout}s; "
                    f"chat: {self.history!r}; last calls: "
                    f"{[(c.method, c.status) for c in self.api.calls[-8:]]}"
                )
            await self.api._signal.wait(remaining)

    async def wait_reply(self, timeout: float = 30.0) -> ChatMessage:
        """Wait until the bot sends or edits a message in this chat (unseen); return it."""
        return await self.wait_for(None, timeout)

    async def wait_text(self, fragment: str, timeout: float = 30.0) -> ChatMessage:
        """Wait for a bot message (sent or edited) whose visible text contains ``fragment``."""
        return await self.wait_for(lambda m: fragment in (m.text or ""), timeout)

    async def wait_callback_answer(self, query_id: str | None = None, timeout: float = 30.0) -> CallbackAnswer:
        """Wait until the bot answered callback query ``query_id`` (default: the latest press)."""
        if query_id is None:
            mine = [q for q, (uid, _) in self.api._callbacks.items() if uid == self.user_id]
            if not mine:
                raise LookupError(f"user {self.user_id} has pressed no button")
            query_id = mine[-1]
        deadline = time.monotonic() + timeout
        while True:
            answers = self.api.callback_answers_for(self.user_id)
            for a in answers:
                if a.callback_query_id == query_id:
                    return a
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise TimeoutError(f"callback query {query_id} not answered within {timeout}s")
            await self.api._signal.wait(remaining)

    async def expect_silence(self, duration: float = 0.3) -> None:
        """Assert the bot sends/edits nothing in this chat for ``duration`` seconds."""
        try:
            message = await self.wait_for(None, duration)
        except TimeoutError:
            return
        raise AssertionError(f"expected no bot output, got {message!r}")

    def __repr__(self) -> str:
        return f"<SimulatedUser {self.user_id} {self.first_name!r} lang={self.language_code}>"
