"""The fake Bot API server itself: an aiohttp server on 127.0.0.1 speaking the Telegram Bot API,
assembled from its parts — the updates queue (:mod:`.updates`), the HTTP transport and fault
injection (:mod:`.transport`, :mod:`.faults`), the methods (:mod:`.messages`, :mod:`.methods`) —
plus the simulated parties (:mod:`.users`) and what a test inspects afterwards.
"""

from __future__ import annotations

import asyncio
import time
from collections import deque
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager, suppress
from typing import TYPE_CHECKING, Any

from aiohttp import web

from .base import Json, Signal, now
from .chats import CallbackAnswer, ChatMessage, ChatState, SentFile
from .faults import Fault
from .methods import BotMethods, scope_key
from .parse_modes import command_entities
from .transport import MethodHandler, RecordedCall, Transport
from .updates import UpdateQueue
from .users import SimulatedUser

if TYPE_CHECKING:  # pragma: no cover - typing only
    from aiogram import Bot, Dispatcher
    from aiogram.utils.backoff import BackoffConfig

DEFAULT_TOKEN = "123456789:AAFakeTokenForScenariTests_abcdefghij"


def fast_backoff() -> BackoffConfig:
    """Return an aiogram ``BackoffConfig`` with short delays (50-200 ms) for tests.

    aiogram's default polling backoff sleeps >= 1 s after every failed
    ``getUpdates``; pass this as ``backoff_config=`` to keep fault tests fast.
    """
    from aiogram.utils.backoff import BackoffConfig  # slow to import: loaded only when a test polls

    return BackoffConfig(min_delay=0.05, max_delay=0.2, factor=1.5, jitter=0.01)


class FakeBotAPI(UpdateQueue, Transport, BotMethods):
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
        self._faults: dict[str, deque[Fault]] = {}
        self._callbacks: dict[str, tuple[int, bool]] = {}
        self._callback_answers: dict[int, list[CallbackAnswer]] = {}
        self._files: dict[str, SentFile] = {}
        self._event_seq = 0
        self._signal = Signal()
        self._custom: dict[str, MethodHandler] = {}
        self._inflight: set[asyncio.Future[web.StreamResponse]] = set()
        self._methods: dict[str, MethodHandler] = self._method_table()

    def _method_table(self) -> dict[str, MethodHandler]:
        """Every Bot API method the fake answers, by lower-case name (``register_method`` adds more)."""
        methods: dict[str, MethodHandler] = {
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
            methods[setter] = self._make_setter(setter)
        return methods

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
        # aiogram is slow to import: only the tests that drive a bot in-process pay for it
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
        message = self._new_user_message(chat, user, kind="text", text=text, entities=command_entities(text))
        return self.enqueue_update("message", message)

    def chat(self, chat_id: int) -> ChatState:
        """Return the state of chat ``chat_id`` (KeyError if unknown)."""
        return self.chats[chat_id]

    def _new_user_message(self, chat: ChatState, user: SimulatedUser, *, kind: str, **content: Any) -> Json:
        message_id = chat.next_message_id
        chat.next_message_id += 1
        raw: Json = {"message_id": message_id, "from": user.user_json, "chat": chat.chat_json, "date": now()}
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

    # ------------------------------------------------------------------ inspection
    def calls_of(self, method: str) -> list[RecordedCall]:
        """Recorded calls of ``method`` (case-insensitive)."""
        return [c for c in self.calls if c.method.lower() == method.lower()]

    def count(self, method: str) -> int:
        """Number of calls of ``method`` received so far."""
        return sum(1 for c in self.calls if c.method.lower() == method.lower())

    def get_commands(self, language_code: str = "", scope: Json | None = None) -> list[Json]:
        """Commands stored by ``setMyCommands`` for exactly this scope and language."""
        return self.commands.get((scope_key(scope), language_code or ""), [])

    def visible_commands(self, user_id: int, language_code: str | None = None) -> list[Json]:
        """Command menu Telegram would show ``user_id`` in its private chat.

        Resolution order: chat scope, all_private_chats, default; for each the
        user's language first, then the language-less list.
        """
        lang = language_code if language_code is not None else (self.users[user_id].language_code or "")
        scopes = [{"type": "chat", "chat_id": user_id}, {"type": "all_private_chats"}, {"type": "default"}]
        for scope in scopes:
            for code in ([lang] if lang else []) + [""]:
                key = (scope_key(scope), code)
                if key in self.commands:
                    return self.commands[key]
        return []

    def callback_answers_for(self, user_id: int) -> list[CallbackAnswer]:
        """answerCallbackQuery calls for queries of ``user_id``."""
        return self._callback_answers.get(user_id, [])

    def unanswered_callbacks(self) -> list[str]:
        """Callback query ids the bot never answered (the user still sees a spinner)."""
        return [qid for qid, (_, answered) in self._callbacks.items() if not answered]

    async def wait_for_calls(self, method: str, count: int, timeout: float = 60.0) -> None:
        """Wait until ``count`` calls of ``method`` have reached the server (bounded, generous)."""
        async def reached() -> None:
            while self.count(method) < count:
                await self._signal.wait(1.0)

        await asyncio.wait_for(reached(), timeout)

    def register_method(self, name: str, handler: MethodHandler) -> None:
        """Add/override a Bot API method: ``async handler(params, files) -> result``.

        Raise :class:`BotAPIError` from the handler to return an error.
        """
        self._custom[name.lower()] = handler

    def restore_method(self, name: str) -> None:
        """Undo :meth:`register_method`: the method behaves as Telegram's again."""
        self._custom.pop(name.lower(), None)
