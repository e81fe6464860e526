"""What every part of the fake Bot API shares: the JSON shape, Bot API errors, parameter coercion,
and the signal that wakes whoever waits for the server's state to change.

Kept apart so the parse modes, the chats and the server can all raise Telegram's errors without
importing each other.
"""

from __future__ import annotations

import asyncio
import json
import time
from contextlib import suppress
from typing import Any

Json = dict[str, Any]


def now() -> int:
    """Telegram's clock: whole seconds since the epoch (``date``, ``edit_date``)."""
    return int(time.time())


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


def bad_request(description: str) -> BotAPIError:
    return BotAPIError(400, f"Bad Request: {description}")


def maybe_json(value: Any) -> Any:
    if isinstance(value, str):
        stripped = value.strip()
        if stripped[:1] in ("{", "[") or stripped in ("true", "false", "null"):
            try:
                return json.loads(stripped)
            except ValueError:
                return value
    return value


def as_int(value: Any, name: str, *, required: bool = True) -> int | None:
    if value is None or value == "":
        if required:
            raise bad_request(f"{name} is empty" if name != "chat_id" else "chat not found")
        return None
    try:
        return int(value)
    except (TypeError, ValueError):
        raise bad_request(f"invalid {name}") from None


def as_bool(value: Any) -> bool:
    if isinstance(value, str):
        return value.lower() in ("true", "1")
    return bool(value)


class Signal:
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
