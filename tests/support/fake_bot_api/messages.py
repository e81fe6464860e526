"""The Bot API methods that make, edit and delete messages: ``sendMessage``, ``sendDocument``,
``sendPhoto``, ``editMessageText``/``Caption``/``ReplyMarkup``, ``deleteMessage``.

Each renders the text in its parse mode (:mod:`.parse_modes`), validates the keyboard
(:func:`.chats.validate_markup`) and refuses what Telegram refuses, with Telegram's wording
("message is not modified", "message to edit not found", ...).
"""

from __future__ import annotations

import secrets

from .base import BotAPIError, Json, Signal, as_int, bad_request, maybe_json, now
from .chats import ChatEvent, ChatMessage, ChatState, SentFile, new_file_id, validate_markup
from .parse_modes import render, u16


class MessageMethods:
    """The message part of :class:`~.server.FakeBotAPI` (its state lives there)."""

    bot_id: int
    bot_user: Json
    chats: dict[int, ChatState]
    _files: dict[str, SentFile]
    _event_seq: int
    _signal: Signal

    def _chat_for(self, params: Json) -> ChatState:
        raw = params.get("chat_id")
        if raw is None or raw == "":
            raise bad_request("chat_id is empty")
        try:
            chat_id = int(raw)
        except (TypeError, ValueError):
            raise bad_request("chat not found") from None
        chat = self.chats.get(chat_id)
        if chat is None:
            raise bad_request("chat not found")
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
        markup = maybe_json(raw)
        if not isinstance(markup, dict):
            raise bad_request("can't parse reply keyboard markup JSON object")
        validate_markup(markup)
        return markup

    def _new_bot_message(
        self, chat: ChatState, params: Json, kind: str, text: str | None, document: SentFile | None = None
    ) -> Json:
        parse_mode = params.get("parse_mode") or None
        visible, entities = (None, [])
        if text is not None:
            if params.get("entities") or params.get("caption_entities"):
                visible, entities = text, maybe_json(params.get("entities") or params.get("caption_entities"))
            else:
                visible, entities = render(text, parse_mode)
        if kind == "text":
            if not (visible or "").strip():
                raise bad_request("message text is empty")
            if u16(visible or "") > 4096:
                raise bad_request("message is too long")
        elif visible is not None and u16(visible) > 1024:
            raise bad_request("message caption is too long")
        markup = self._parse_markup(params)
        reply_to = as_int(params.get("reply_to_message_id"), "reply_to_message_id", required=False)
        reply_parameters = maybe_json(params.get("reply_parameters"))
        if reply_to is None and isinstance(reply_parameters, dict):
            reply_to = reply_parameters.get("message_id")
        message = ChatMessage(
            message_id=chat.next_message_id,
            chat_id=chat.chat_id,
            from_bot=True,
            date=now(),
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

    def _find_bot_message(self, params: Json, *, action: str) -> tuple[ChatState, ChatMessage]:
        if params.get("inline_message_id"):
            raise bad_request("inline messages are not supported by FakeBotAPI")
        chat = self._chat_for(params)
        message_id = as_int(params.get("message_id"), "message_id")
        message = chat.get(message_id or 0)
        if message is None or message.deleted:
            raise bad_request(f"message to {action} not found")
        if action == "edit" and not message.from_bot:
            raise bad_request("message can't be edited")
        return chat, message

    async def _send_message(self, params: Json, files: dict[str, SentFile]) -> Json:
        chat = self._chat_for(params)
        text = params.get("text")
        if text is None or text == "":
            raise bad_request("message text is empty")
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
                raise bad_request(f"wrong remote file identifier specified: can't find {ref}")
        elif isinstance(ref, str) and ref:
            known = self._files.get(ref)
            sent = known or SentFile(
                file_id=new_file_id(), file_unique_id=secrets.token_hex(8), filename=None, content=None, source=ref
            )
        else:
            raise bad_request(f"there is no {kind} in the request")
        if sent.content is not None and len(sent.content) == 0:
            raise bad_request("file must be non-empty")
        self._files[sent.file_id] = sent
        caption = params.get("caption")
        return self._new_bot_message(chat, params, kind, str(caption) if caption else None, document=sent)

    async def _edit_message_text(self, params: Json, files: dict[str, SentFile]) -> Json:
        chat, message = self._find_bot_message(params, action="edit")
        if message.kind != "text":
            raise bad_request("there is no text in the message to edit")
        text = params.get("text")
        if not text:
            raise bad_request("message text is empty")
        visible, entities = render(str(text), params.get("parse_mode") or None)
        if not visible.strip():
            raise bad_request("message text is empty")
        if u16(visible) > 4096:
            raise bad_request("MESSAGE_TOO_LONG")
        markup = self._parse_markup(params)
        self._apply_edit(chat, message, text=visible, source=str(text), entities=entities, markup=markup, params=params)
        return self._message_json(chat, message)

    async def _edit_message_caption(self, params: Json, files: dict[str, SentFile]) -> Json:
        chat, message = self._find_bot_message(params, action="edit")
        if message.kind == "text":
            raise bad_request("there is no caption in the message to edit")
        caption = params.get("caption") or ""
        visible, entities = render(str(caption), params.get("parse_mode") or None) if caption else ("", [])
        markup = self._parse_markup(params)
        self._apply_edit(
            chat, message, text=visible or None, source=caption or None, entities=entities, markup=markup, params=params
        )
        return self._message_json(chat, message)

    async def _edit_message_reply_markup(self, params: Json, files: dict[str, SentFile]) -> Json:
        chat, message = self._find_bot_message(params, action="edit")
        markup = self._parse_markup(params)
        if markup is not None and "inline_keyboard" not in markup:
            raise bad_request("inline keyboard expected")
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
            raise bad_request("inline keyboard expected")
        if (text, entities, inline(markup)) == (message.text, message.entities, inline(message.reply_markup)):
            raise bad_request(
                "message is not modified: specified new message content and reply markup are exactly "
                "the same as a current content and reply markup of the message"
            )
        message.text = text
        message.source_text = source
        message.entities = list(entities)
        message.parse_mode = params.get("parse_mode") or message.parse_mode
        message.reply_markup = markup
        message.edit_date = now()
        message.edit_count += 1
        self._emit(chat, "edited", message)

    async def _delete_message(self, params: Json, files: dict[str, SentFile]) -> bool:
        chat, message = self._find_bot_message(params, action="delete")
        message.deleted = True
        self._emit(chat, "deleted", message)
        return True
