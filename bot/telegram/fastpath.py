"""The dispatcher's hot path: no thread hops, and a plain typed answer routed without the command filters.

aiogram 3 runs every synchronous filter in a worker thread (``CallableObject.call`` awaits
``asyncio.to_thread`` when the callable is not a coroutine function), and a magic filter
(``F.text``, ``F.chat.type != "private"``) is synchronous. A plain typed answer passes two of
them (the guard router's and the survey's), so it made two thread round trips — inside the
group committer's batch, where the units of a batch run one after the other, so every unit
of the batch waited for every hop before it. A magic filter only reads attributes of the
event: it cannot block, so running it on the event loop is both correct and far cheaper.

A plain typed message (no command) then still walked every router and had every ``Command``
filter of the bot parse it — two dozen filters, a fifth of the time of an answer — only to
reach the survey's typed-answer handler. :class:`DirectRoute` is that walk worked out once,
when the dispatcher is built: the handlers a text that is not a command could reach, in
aiogram's order, each behind its router's own filters (the group-chat guard's). A handler
gated by a ``Command`` filter is left out, because such a filter can only accept a text whose
first word begins with its prefix, and the route is taken only for a text that does not.
A button press (a callback query) walks the same way: every router's callback observer, and
every handler's ``CallbackData`` filter splitting the data to compare its prefix, to reach the
one handler whose prefix the data carries. The route keeps the callback handlers in aiogram's
order too, and skips, by the data's first field, those whose ``CallbackData`` filter could not
accept it (the filter itself still runs for the others, with its rule).
Everything else (commands, edited messages, any router with middlewares of its own or routers
nested in routers) goes through aiogram's propagation as before.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

from aiogram import Router
from aiogram.dispatcher.event.bases import UNHANDLED, SkipHandler
from aiogram.dispatcher.event.handler import FilterObject, HandlerObject
from aiogram.filters import Command
from aiogram.filters.callback_data import CallbackQueryFilter
from aiogram.types import CallbackQuery, Message, Update


def inline_magic_filters(root: Router) -> int:
    """Make every magic filter under ``root`` run on the event loop; returns how many were changed.

    Call it once the routers are included. Filters of other kinds are left as they are: a
    synchronous callable written by hand might block, and an aiogram ``Filter`` is async already.
    """
    changed = 0
    for event_filter in _filters(root):
        if event_filter.magic is not None and not event_filter.awaitable:
            event_filter.callback = _on_the_loop(event_filter.callback)
            event_filter.awaitable = True  # the parameters aiogram read from the original stay valid
            changed += 1
    return changed


def _filters(root: Router) -> Iterator[FilterObject]:
    for router in root.chain_tail:
        for observer in router.observers.values():
            # ``_handler`` holds the observer's own filters (``router.message.filter(...)``)
            for handler in (observer._handler, *observer.handlers):
                yield from handler.filters or ()


def _on_the_loop(resolve: Callable[..., Any]) -> Callable[..., Any]:
    async def resolved(*args: Any, **kwargs: Any) -> Any:
        return resolve(*args, **kwargs)

    return resolved


class DirectRoute:
    """The handlers a non-command text message (and a button press) can reach, in order, each with its router."""

    def __init__(
        self,
        candidates: list[tuple[Router, HandlerObject]],
        prefixes: frozenset[str],
        buttons: list[tuple[Router, HandlerObject, tuple[str, str] | None]] | None = None,
    ) -> None:
        self.candidates = candidates
        self.prefixes = prefixes
        #: callback handlers, each with the (prefix, separator) its CallbackData filter requires
        #: (None: a handler without one, always checked); None when buttons go through aiogram
        self.buttons = buttons

    @classmethod
    def build(cls, root: Router) -> DirectRoute | None:
        """The route through ``root``'s routers, or None where its shape is not the one this knows.

        It stands in for aiogram's update listener, so it must run in the last outer middleware
        of ``root.update`` (:class:`bot.telegram.middleware.UpdateUnitOfWork`). None (aiogram's
        own propagation for every update) when any router has message middlewares, when
        ``root`` filters messages itself or a router other than ``root`` has sub-routers (a
        parent's filters would gate them), or when no handler could take a plain text. Buttons
        take the route under the same conditions for the callback observers (else aiogram's).
        """
        if len(root.update.handlers) != 1 or len(root.update.middleware):  # only aiogram's own update listener
            return None
        if root.message._handler.filters:
            return None
        candidates: list[tuple[Router, HandlerObject]] = []
        prefixes: set[str] = set()
        for router in root.chain_tail:
            if router is not root and router.sub_routers:
                return None
            observer = router.message
            if len(observer.middleware) or len(observer.outer_middleware):
                return None
            for handler in observer.handlers:
                commands = [f.callback for f in handler.filters or () if isinstance(f.callback, Command)]
                if commands:
                    for command in commands:
                        prefixes.update(command.prefix)
                    continue
                candidates.append((router, handler))
        if not candidates:
            return None
        return cls(candidates, frozenset(prefixes), _buttons(root))

    def takes(self, update: Update) -> bool:
        """Whether ``update`` is a new message no ``Command`` filter can accept, or a button press."""
        message = update.message
        if message is None:
            return update.callback_query is not None and self.buttons is not None
        text = (message.text or message.caption or "").lstrip()  # Command reads the first word the same way
        return not text or text[0] not in self.prefixes

    async def __call__(self, update: Update, data: dict[str, Any]) -> Any:
        """What aiogram's propagation would do with ``update`` (taken), skipping the handlers that cannot match."""
        if update.message is None:
            return await self._button(update, data)
        message = update.message
        assert isinstance(message, Message)
        return await self._run(message, [(router, handler) for router, handler in self.candidates],
                               "message", {**data, "event_update": update})

    async def _button(self, update: Update, data: dict[str, Any]) -> Any:
        callback = update.callback_query
        assert isinstance(callback, CallbackQuery) and self.buttons is not None
        head = callback.data or ""
        reachable = [
            (router, handler) for router, handler, needs in self.buttons
            if needs is None or (head and head.split(needs[1], 1)[0] == needs[0])
        ]
        return await self._run(callback, reachable, "callback_query", {**data, "event_update": update})

    @staticmethod
    async def _run(event: Any, handlers: list[tuple[Router, HandlerObject]], kind: str, data: dict[str, Any]) -> Any:
        passed: dict[int, tuple[bool, dict[str, Any]]] = {}
        for router, handler in handlers:
            key = id(router)
            if key not in passed:
                passed[key] = await router.observers[kind].check_root_filters(event, **data, event_router=router)
            ok, kwargs = passed[key]
            if not ok:
                continue
            kwargs = {**kwargs, "event_router": router, "handler": handler}
            matched, kwargs = await handler.check(event, **kwargs)
            if not matched:
                continue
            try:
                result = await handler.call(event, **kwargs)
            except SkipHandler:
                continue
            if result is not UNHANDLED:
                return result
        return UNHANDLED


def _buttons(root: Router) -> list[tuple[Router, HandlerObject, tuple[str, str] | None]] | None:
    """Every callback handler under ``root`` in aiogram's order, with the prefix its data must carry."""
    if root.callback_query._handler.filters:
        return None
    found: list[tuple[Router, HandlerObject, tuple[str, str] | None]] = []
    for router in root.chain_tail:
        observer = router.callback_query
        if len(observer.middleware) or len(observer.outer_middleware):
            return None
        for handler in observer.handlers:
            needs = None
            for event_filter in handler.filters or ():
                if isinstance(event_filter.callback, CallbackQueryFilter):
                    data_class = event_filter.callback.callback_data
                    needs = (data_class.__prefix__, data_class.__separator__)
            found.append((router, handler, needs))
    return found
