"""Wiring: the Bot (pointed at any Bot API server), the Dispatcher, and long polling."""

from __future__ import annotations

import asyncio
import gc
import logging
from collections.abc import Awaitable, Callable
from typing import Any

from aiogram import Bot, Dispatcher
from aiogram.client.default import DefaultBotProperties
from aiogram.client.telegram import TelegramAPIServer
from aiogram.types import BotCommand, BotCommandScopeDefault, ErrorEvent

from storage import Database, upgrade_database
from storage.group_commit import GroupCommitter

from bot.service.catalog import QuestionnaireCatalog
from bot.service.conversation import conversation_from_settings
from bot.service.health import BotStatus, keep_trying
from ..settings import Settings
from .connection import QUIET_POLLING, ConnectionWatch
from .fastpath import DirectRoute, inline_magic_filters
from .handlers import all_routers
from .handlers.reports import register_analyst_commands, telegram_notifier
from .confirmations import ConfirmAfterCommit
from .middleware import UpdateUnitOfWork, prefetch_updates, user_language
from .outbox import PromptTracker
from .retry import RetryMiddleware
from .session import PollingSession
from .texts import COMMANDS, translate

log = logging.getLogger("scenari.telegram")
ALLOWED_UPDATES = ["message", "edited_message", "callback_query"]


def build_bot(settings: Settings, *, retry: bool = True) -> Bot:
    """A Bot whose every call goes to ``TELEGRAM_API_BASE`` (Telegram's server by default).

    ``retry=False`` leaves out the replies' :class:`RetryMiddleware`: the broadcast sender
    (:mod:`bot.telegram.sender`) paces, retries and records 429s and errors itself.
    """
    if not settings.telegram_bot_token:
        raise ValueError("TELEGRAM_BOT_TOKEN is not set")
    if settings.telegram_api_base:
        session = PollingSession(api=TelegramAPIServer.from_base(settings.telegram_api_base))
    else:
        session = PollingSession()
    if retry:
        session.middleware(RetryMiddleware())
    # long polling confirms an update once its answer is committed and its replies sent
    ConfirmAfterCommit(reply_wait=settings.telegram_reply_wait).install(session)
    return Bot(settings.telegram_bot_token, session=session, default=DefaultBotProperties(link_preview_is_disabled=True))


def build_dispatcher(
    db: Database, settings: Settings, catalog: QuestionnaireCatalog | None = None, max_batch: int = 64
) -> Dispatcher:
    catalog = catalog or QuestionnaireCatalog.load(settings.plan)
    conversation = conversation_from_settings(settings, catalog)
    committer = GroupCommitter(db, max_batch=max_batch, prefetch=prefetch_updates)
    # disable_fsm: no handler keeps aiogram FSM state (a run's state is in the database, read by the
    # unit of work), and its middleware built a storage key and an FSMContext for every update
    dispatcher = Dispatcher(db=db, committer=committer, settings=settings, disable_fsm=True)
    unit_of_work = UpdateUnitOfWork(committer, conversation, settings, PromptTracker())
    dispatcher.update.outer_middleware(unit_of_work)  # the last one: the direct route stands in for what follows it
    dispatcher.include_routers(*all_routers())
    inline_magic_filters(dispatcher)  # no worker-thread hop per filter (bot.telegram.fastpath)
    unit_of_work.route = DirectRoute.build(dispatcher)
    dispatcher.errors.register(_on_error)
    dispatcher.shutdown.register(committer.close)
    _freeze_what_lives_for_ever()
    return dispatcher


_frozen = False


def _freeze_what_lives_for_ever() -> None:
    """Keep the garbage collector's full passes off everything that exists once the bot is built.

    By then the process holds what it keeps until it exits (modules, aiogram's and the models'
    pydantic schemas, the routers, the catalogue): hundreds of thousands of objects that every
    full collection walked again, a pause of 0.3-0.4 s in the middle of answering (measured in
    bench_bot) that no update could escape. Frozen (``gc.freeze``), a full pass only walks what
    was made after. Once per process: a test building many dispatchers freezes only the first.
    """
    global _frozen
    if not _frozen:
        _frozen = True
        gc.collect()
        gc.freeze()


async def _on_error(event: ErrorEvent, bot: Bot, settings: Settings | None = None) -> bool:
    """Log with the update id, apologise to the user, keep going."""
    update = event.update
    log.error(
        "update failed",
        exc_info=event.exception,
        extra={"fields": {"update_id": update.update_id, "type": update.event_type}},
    )
    inner = update.message or update.callback_query or update.edited_message
    user = getattr(inner, "from_user", None)
    chat_id = update.message.chat.id if update.message else (
        update.callback_query.message.chat.id if update.callback_query and update.callback_query.message else None
    )
    lang = user_language(user, settings.lang, settings.plan.languages) if settings else user_language(user, "it")
    try:
        if update.callback_query is not None:
            await bot.answer_callback_query(update.callback_query.id)
        if chat_id is not None:
            await bot.send_message(chat_id, translate("apology", lang))
    except Exception:
        log.exception("apology failed", extra={"fields": {"update_id": update.update_id}})
    return True


async def register_commands(bot: Bot) -> None:
    """setMyCommands in Italian (also the default) and English."""
    for lang, language_code in (("it", None), ("it", "it"), ("en", "en")):
        await bot.set_my_commands(
            [BotCommand(command=c, description=d) for c, d in COMMANDS[lang]],
            scope=BotCommandScopeDefault(),
            language_code=language_code,
        )


async def connect(bot: Bot, settings: Settings) -> None:
    """What the bot does before polling: drop any webhook, register the command menus, learn who it is."""
    await bot.delete_webhook(drop_pending_updates=False)
    await register_commands(bot)
    await register_analyst_commands(bot, settings, COMMANDS)
    me = await bot.me()  # cached: start_polling asks again
    log.info("bot started", extra={"fields": {"username": me.username, "api": settings.telegram_api_base or "telegram"}})


async def serve_bot(
    settings: Settings, db: Database, stop: asyncio.Event | None = None, scheduler: Any = None,
    status: BotStatus | None = None, sleep: Callable[[float], Awaitable[Any]] = asyncio.sleep,
) -> None:
    """Run long polling until cancelled (or ``stop`` is set), however long the Bot API is away.

    Connecting (:func:`connect`) is retried with capped backoff for as long as it takes, and
    aiogram's polling retries ``getUpdates`` for ever: an unreachable Telegram never ends this
    coroutine, and ``status`` (``/readyz``) says whether the bot is connected. ``scheduler``
    (exports.scheduler.start_scheduler's result), when given, gets this bot to send the nightly
    package to subscribed analysts while polling runs. ``sleep`` paces the retries (tests).
    """
    status = status or BotStatus(mode="polling")
    bot = build_bot(settings)
    bot.session.middleware(ConnectionWatch(status, secret=settings.telegram_bot_token))
    logging.getLogger("aiogram.dispatcher").addFilter(QUIET_POLLING)
    dispatcher = build_dispatcher(db, settings)
    try:
        connecting = asyncio.ensure_future(keep_trying(
            lambda: connect(bot, settings), what="connecting to the Bot API", secret=settings.telegram_bot_token,
            sleep=sleep,
        ))
        if stop is not None:
            stopping = asyncio.ensure_future(stop.wait())
            await asyncio.wait({connecting, stopping}, return_when=asyncio.FIRST_COMPLETED)
            stopping.cancel()
            if not connecting.done():  # asked to stop before Telegram could be reached
                connecting.cancel()
                await asyncio.gather(connecting, return_exceptions=True)
                return
        await connecting
        if scheduler is not None:
            scheduler.attach_notifier(telegram_notifier(bot))
        polling = asyncio.create_task(
            dispatcher.start_polling(bot, allowed_updates=ALLOWED_UPDATES, handle_signals=stop is None, close_bot_session=False)
        )
        if stop is None:
            await polling
        else:
            await stop.wait()
            await dispatcher.stop_polling()
            await polling
    finally:
        if scheduler is not None:
            scheduler.attach_notifier(None)
        await bot.session.close()


async def run_polling(settings: Settings) -> None:
    db = Database(settings.database_url)
    try:
        await upgrade_database(db)
        await serve_bot(settings, db)
    finally:
        await db.dispose()
