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

The package, one concern per module:

* :mod:`.server` — :class:`FakeBotAPI`, assembled from the parts below, plus lifecycle, polling,
  the simulated parties and what tests inspect; :mod:`.updates` — the updates queue and
  ``getUpdates``; :mod:`.transport` — HTTP, the record of calls; :mod:`.faults` — fault injection;
  :mod:`.messages` and :mod:`.methods` — the Bot API methods.
* :mod:`.parse_modes` — HTML, MarkdownV2 and Markdown to visible text plus UTF-16 entity offsets.
* :mod:`.chats` — what a chat holds (messages, files, events, keyboards); :mod:`.users` — the
  simulated users.
"""

from __future__ import annotations

from .base import BotAPIError
from .chats import CallbackAnswer, ChatEvent, ChatMessage, ChatState, SentFile
from .faults import Hold
from .parse_modes import TelegramParseError, parse_html, parse_markdown, parse_markdown_v2
from .server import DEFAULT_TOKEN, FakeBotAPI, fast_backoff
from .transport import RecordedCall
from .users import SimulatedUser

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
