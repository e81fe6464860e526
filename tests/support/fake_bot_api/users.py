"""The simulated users: a person chatting privately with the bot, who types, presses buttons,
sends media, edits, blocks, and waits for what the bot answers.

Every action enqueues a real update on the fake server, so the real aiogram stack sees exactly
what Telegram would send it.
"""

from __future__ import annotations

import secrets
import time
from collections.abc import Callable, Iterable
from typing import TYPE_CHECKING, Any

from .base import Json, now
from .chats import CallbackAnswer, ChatMessage, ChatState, SentFile
from .parse_modes import command_entities

if TYPE_CHECKING:  # pragma: no cover - typing only: the server imports this module
    from .server import FakeBotAPI


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
        return self._message("text", text=text, entities=command_entities(text), **extra)

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
        m.entities = command_entities(new_text)
        m.edit_date = now()
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
            "date": now(),
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
