"""What a chat holds, as the fake server keeps it: messages (edits applied in place), files,
the bot's events, callback answers, and the keyboards Telegram would accept.

The server (:mod:`.server`) and the simulated users (:mod:`.users`) both read and write these
records; tests read them to see what a person would see.
"""

from __future__ import annotations

import re
import secrets
from dataclasses import dataclass, field

from .base import Json, bad_request


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


def new_file_id() -> str:
    """A fresh ``file_id`` in Telegram's document shape."""
    return "BQAC" + secrets.token_urlsafe(24)


def file_path(f: SentFile) -> str:
    """The ``file_path`` getFile reports, under which the file can be downloaded."""
    return f"documents/{f.file_unique_id}_{f.filename or 'file'}"


def validate_markup(markup: Json) -> None:
    """Refuse a ``reply_markup`` Telegram would refuse, with its wording (inline or reply keyboard)."""
    if "inline_keyboard" in markup:
        rows = markup["inline_keyboard"]
        if not isinstance(rows, list) or not all(isinstance(r, list) for r in rows):
            raise bad_request("can't parse inline keyboard markup JSON object")
        actions = (
            "callback_data", "url", "switch_inline_query", "switch_inline_query_current_chat",
            "switch_inline_query_chosen_chat", "callback_game", "pay", "web_app", "login_url", "copy_text",
        )  # fmt: skip
        count = 0
        for row in rows:
            for button in row:
                count += 1
                if not isinstance(button, dict) or not str(button.get("text", "")).strip():
                    raise bad_request("can't parse inline keyboard button: Text must be non-empty")
                present = [a for a in actions if a in button]
                if not present:
                    raise bad_request(
                        "can't parse inline keyboard button: Text buttons are unallowed in the inline keyboard"
                    )
                if "callback_data" in button:
                    data = str(button["callback_data"])
                    if not 1 <= len(data.encode("utf-8")) <= 64:
                        raise bad_request("BUTTON_DATA_INVALID")
                if "url" in button and not re.match(r"(https?|tg)://", str(button["url"])):
                    raise bad_request(f"inline keyboard button URL '{button['url']}' is invalid: Wrong HTTP URL")
        if count > 100:
            raise bad_request("too many inline keyboard buttons")
    elif "keyboard" in markup:
        rows = markup["keyboard"]
        if not isinstance(rows, list) or not all(isinstance(r, list) for r in rows):
            raise bad_request("can't parse reply keyboard markup JSON object")
        for row in rows:
            for button in row:
                text = button if isinstance(button, str) else (button or {}).get("text")
                if not text or not str(text).strip():
                    raise bad_request("keyboard button text must be non-empty")
    elif markup.get("remove_keyboard") or markup.get("force_reply"):
        return
    else:
        raise bad_request("can't parse reply keyboard markup JSON object")
