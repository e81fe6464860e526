"""The updates queue: what Telegram holds for the bot, and ``getUpdates`` handing it out.

Mirrors Telegram where tests depend on it: increasing ``update_id``; ``offset`` confirms (drops)
what lies below it; unconfirmed updates come back on every call (a restarted bot sees them again);
long polls return as soon as an update arrives; a newer ``getUpdates`` ends an older one with
409 Conflict; ``allowed_updates`` drops the types the bot did not ask for.
"""

from __future__ import annotations

import json
import time

from .base import BotAPIError, Json, Signal, as_int, maybe_json
from .chats import SentFile

# update types Telegram sends when allowed_updates is empty / never set
_DEFAULT_EXCLUDED_UPDATES = {"chat_member", "message_reaction", "message_reaction_count"}


class UpdateQueue:
    """The updates part of :class:`~.server.FakeBotAPI` (its state lives there)."""

    allowed_updates: list[str] | None
    dropped_updates: list[Json]
    delivered_updates: list[Json]
    confirmed_offset: int
    webhook_url: str
    _next_update_id: int
    _pending: list[Json]
    _forced: list[Json]
    _last_batch: list[Json]
    _poll_generation: int
    _signal: Signal

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

    async def _get_updates(self, params: Json, files: dict[str, SentFile]) -> list[Json]:
        if self.webhook_url:
            raise BotAPIError(
                409, "Conflict: can't use getUpdates method while webhook is active; use deleteWebhook to delete the webhook first"
            )
        self._poll_generation += 1
        generation = self._poll_generation
        self._signal.fire()  # wake an older pending getUpdates so it can be terminated
        offset = as_int(params.get("offset"), "offset", required=False)
        limit = max(1, min(100, as_int(params.get("limit"), "limit", required=False) or 100))
        timeout = max(0.0, float(params.get("timeout") or 0))
        allowed = maybe_json(params.get("allowed_updates"))
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
