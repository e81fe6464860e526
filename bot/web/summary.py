"""The personal summary of a closed round, on /vota — what Telegram's voters get in the chat.

When a round is closed (``scenari round close``), :func:`bot.service.deliberation.summarise`
writes each Telegram voter who agreed to the plan's news its most shared statements across
categories. A browser cannot be written to, so a web voter under the same rule
(:func:`bot.service.deliberation.summary_reader`) finds the same summary on /vota when coming
back: the same statements (the same consensus tables and their suppression of small cells,
:func:`bot.service.deliberation.shared_ids`), with the reader's own vote beside each — their
own data, never anyone else's.

The consensus tables need pandas (seconds to import) and a read of the round's votes: a closed
round's votes no longer change, so its statements are computed once per process and kept.
"""

from __future__ import annotations

import asyncio
import importlib
from collections import OrderedDict
from dataclasses import dataclass
from typing import Any

from storage import deliberation
from storage.models import Respondent

from bot.service import deliberation as service
from bot.service.texts import translate as service_text

from .texts import translate

SHOWN = 3  # the closed rounds shown, newest first
TOP = 3  # the statements of each, as in the chat's summary


@dataclass(frozen=True)
class Voted:
    """A closed round this reader voted in, read inside the page's transaction."""

    round_id: int
    name: str
    votes: dict[int, str]


async def closed_rounds(session: Any, respondent: Respondent, since: str | None) -> list[Voted]:
    """The closed rounds whose summary the chat would have sent this reader, newest first."""
    if respondent.id is None:
        return []
    closed = [r for r in await deliberation.list_rounds(session) if r.status == "closed"]
    closed.sort(key=lambda r: (deliberation.aware(r.closed_at) or deliberation.aware(r.opens_at), r.id), reverse=True)
    found: list[Voted] = []
    for round_ in closed:
        if len(found) == SHOWN:
            break
        if await service.summary_reader(session, round_.id, respondent.id, since):
            found.append(Voted(round_.id, round_.name, await deliberation.votes_of(session, round_.id, respondent.id)))
    return found


class Summaries:
    """The shared statements of each closed round (kept once computed), and the page's view of them."""

    def __init__(self, db: Any, settings: Any, keep: int = 64) -> None:
        self.db = db
        self.settings = settings
        self.keep = keep
        self._shared: OrderedDict[int, list[tuple[int, str]]] = OrderedDict()

    async def shared(self, round_id: int, name: str) -> list[tuple[int, str]]:
        if round_id not in self._shared:
            # pandas and the consensus tables load off the event loop the first time
            await asyncio.to_thread(importlib.import_module, "exports.tables.consensus")
            frames = await service.round_frames(self.db, round_id, self.settings.suppress_k,
                                                sources=self.settings.plan.sources())
            self._shared[round_id] = service.shared_ids(frames, name, TOP)
            while len(self._shared) > self.keep:
                self._shared.popitem(last=False)
        return self._shared[round_id]

    async def views(self, voted: list[Voted], lang: str) -> list[dict[str, Any]]:
        """For the template: the round, the thanks, and each shared statement with the reader's vote."""
        shown = []
        for v in voted:
            shared = await self.shared(v.round_id, v.name)
            key = "vote_summary" if shared else "vote_summary_none"
            shown.append({
                "name": v.name,
                "intro": translate(key, lang, name=v.name, votes=len(v.votes)),
                "statements": [{
                    "text": text,
                    "mine": translate("vote_summary_mine", lang, choice=service_text(v.votes[sid], lang))
                    if sid in v.votes else translate("vote_summary_unvoted", lang),
                } for sid, text in shared],
            })
        return shown
