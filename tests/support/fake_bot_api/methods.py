"""The other Bot API methods the bot uses: ``getMe``, ``answerCallbackQuery``, the command menu
(``set``/``get``/``deleteMyCommands``), the webhook, ``sendChatAction``, ``getFile``, ``getChat``
and the simple setters (``setMyDescription``, ``setChatMenuButton``, ...).

The table naming every method lives in :class:`~.server.FakeBotAPI`.
"""

from __future__ import annotations

import json
import re
from collections.abc import Awaitable, Callable
from typing import Any

from .base import Json, as_bool, bad_request, maybe_json
from .chats import CallbackAnswer, SentFile, file_path
from .messages import MessageMethods


def scope_key(scope: Any) -> str:
    """The key a ``BotCommandScope`` stores its commands under (no scope is the default one)."""
    if not isinstance(scope, dict) or not scope:
        scope = {"type": "default"}
    return json.dumps(scope, sort_keys=True)


class BotMethods(MessageMethods):
    """The remaining methods of :class:`~.server.FakeBotAPI` (its state lives there)."""

    commands: dict[tuple[str, str], list[Json]]
    settings: dict[str, Json]
    webhook_url: str
    _callbacks: dict[str, tuple[int, bool]]
    _callback_answers: dict[int, list[CallbackAnswer]]
    _pending: list[Json]
    _forced: list[Json]
    _poll_generation: int

    async def _get_me(self, params: Json, files: dict[str, SentFile]) -> Json:
        return self.bot_user

    async def _answer_callback_query(self, params: Json, files: dict[str, SentFile]) -> bool:
        query_id = str(params.get("callback_query_id") or "")
        entry = self._callbacks.get(query_id)
        if entry is None or entry[1]:
            raise bad_request("query is too old and response timeout expired or query ID is invalid")
        user_id, _ = entry
        self._callbacks[query_id] = (user_id, True)
        text = params.get("text")
        if text is not None and len(str(text)) > 200:
            raise bad_request("MESSAGE_TOO_LONG")
        answer = CallbackAnswer(
            callback_query_id=query_id,
            text=str(text) if text is not None else None,
            show_alert=as_bool(params.get("show_alert")),
            url=params.get("url"),
        )
        self._callback_answers.setdefault(user_id, []).append(answer)
        self._signal.fire()
        return True

    async def _set_my_commands(self, params: Json, files: dict[str, SentFile]) -> bool:
        commands = maybe_json(params.get("commands"))
        if not isinstance(commands, list):
            raise bad_request("can't parse commands JSON object")
        if len(commands) > 100:
            raise bad_request("BOT_COMMANDS_TOO_MUCH")
        for cmd in commands:
            if not isinstance(cmd, dict) or not re.fullmatch(r"[a-z0-9_]{1,32}", str(cmd.get("command", ""))):
                raise bad_request("BOT_COMMAND_INVALID")
            if not 1 <= len(str(cmd.get("description", ""))) <= 256:
                raise bad_request("BOT_COMMAND_DESCRIPTION_INVALID")
        language_code = str(params.get("language_code") or "")
        if language_code and not re.fullmatch(r"[a-z]{2}", language_code):
            raise bad_request("LANG_CODE_INVALID")
        key = (scope_key(maybe_json(params.get("scope"))), language_code)
        if commands:
            self.commands[key] = [{"command": c["command"], "description": c["description"]} for c in commands]
        else:
            self.commands.pop(key, None)
        return True

    async def _get_my_commands(self, params: Json, files: dict[str, SentFile]) -> list[Json]:
        key = (scope_key(maybe_json(params.get("scope"))), str(params.get("language_code") or ""))
        return self.commands.get(key, [])

    async def _delete_my_commands(self, params: Json, files: dict[str, SentFile]) -> bool:
        key = (scope_key(maybe_json(params.get("scope"))), str(params.get("language_code") or ""))
        self.commands.pop(key, None)
        return True

    async def _delete_webhook(self, params: Json, files: dict[str, SentFile]) -> bool:
        self.webhook_url = ""
        if as_bool(params.get("drop_pending_updates")):
            self._pending.clear()
            self._forced.clear()
        return True

    async def _set_webhook(self, params: Json, files: dict[str, SentFile]) -> bool:
        url = str(params.get("url") or "")
        if url and not url.startswith("https://"):
            raise bad_request("bad webhook: An HTTPS URL must be provided for webhook")
        self.webhook_url = url
        if as_bool(params.get("drop_pending_updates")):
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
            raise bad_request("wrong parameter action in request")
        chat.actions.append(action)
        self._signal.fire()
        return True

    async def _get_file(self, params: Json, files: dict[str, SentFile]) -> Json:
        file_id = str(params.get("file_id") or "")
        f = self._files.get(file_id)
        if f is None:
            raise bad_request("invalid file_id")
        data: Json = {"file_id": f.file_id, "file_unique_id": f.file_unique_id}
        if f.size is not None:
            data["file_size"] = f.size
            data["file_path"] = file_path(f)
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
