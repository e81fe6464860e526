"""Broadcasts: their buttons, the message each recipient gets, and the rows of a due one.

A broadcast is written once (Markdown in Italian and English, buttons as data, an optional
document) and stored by :mod:`storage.outbox`. When it falls due, :func:`expand_due` turns it
into one outbox row per recipient; a channel's sender then asks :func:`compose_row` what each
row says — rich text (:mod:`.markup`) and buttons as data, which it draws its own way.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from storage import Database, audiences, outbox
from storage.models import utcnow

from .markup import SAFE_URL, markdown_html
from .plan import Plan
from .segments import describe_segment
from ..texts import translate

log = logging.getLogger("scenari.communication")


@dataclass(frozen=True)
class Composed:
    """One message as a recipient gets it: rich text, buttons as data, an optional document.

    A button is ``{"text", "url"}`` or ``{"text", "action", …}`` with ``action`` one of
    ``start`` (a questionnaire), ``resume`` (a run) or ``rsvp`` (an event's answer).
    """

    html: str
    buttons: list[dict[str, Any]]
    document_path: str | None = None
    document_file_id: str | None = None


def parse_button(spec: str, catalog: Any = None) -> dict[str, Any]:
    """``questionnaire:imprese``, ``results`` or ``url:https://…|Label`` → a stored button."""
    spec = spec.strip()
    if spec == "results":
        return {"kind": "results"}
    if spec.startswith("questionnaire:"):
        qid = spec.split(":", 1)[1].strip()
        if catalog is not None and qid not in catalog.ids(open_only=False):
            raise ValueError(f"unknown questionnaire {qid!r}")
        return {"kind": "questionnaire", "questionnaire": qid}
    if spec.startswith("url:"):
        url, _, label = spec[4:].partition("|")
        if not SAFE_URL.match(url.strip()) or not label.strip():
            raise ValueError("a url button is url:https://…|Label")
        return {"kind": "url", "url": url.strip(), "label": label.strip()}
    raise ValueError(f"unknown button {spec!r}: questionnaire:<id>, results or url:<https://…>|<label>")


def render_buttons(buttons: Sequence[dict[str, Any]], lang: str, plan: Plan, catalog: Any = None) -> list[dict[str, Any]]:
    """Stored buttons → what the sender shows: ``{"text", "url"}`` or ``{"text", "action", …}``."""
    shown: list[dict[str, Any]] = []
    for b in buttons or []:
        if b.get("kind") == "questionnaire":
            qid = b["questionnaire"]
            title = qid
            if catalog is not None and qid in catalog.ids(open_only=False):
                title = catalog.current(qid).title.get(lang)
            shown.append({"text": translate("answer_questionnaire", lang, title=title), "action": "start", "questionnaire": qid})
        elif b.get("kind") == "results":
            if plan.results_url:
                shown.append({"text": translate("results", lang), "url": plan.results_url})
        elif b.get("kind") == "url":
            shown.append({"text": b.get("label") or b["url"], "url": b["url"]})
        elif "text" in b:
            shown.append(dict(b))
    return shown


def text_in(broadcast: Any, lang: str) -> str:
    """A broadcast's text in ``lang``: its own text in that language, else the Italian one (every
    broadcast has it). German and the plan's other languages are in ``texts``."""
    if lang == "en" and broadcast.text_en:
        return broadcast.text_en
    return (getattr(broadcast, "texts", None) or {}).get(lang) or broadcast.text_it


def compose(broadcast: Any, lang: str, plan: Plan, catalog: Any = None) -> Composed:
    """A broadcast in the recipient's language (Italian when there is no text in it)."""
    source = text_in(broadcast, lang)
    if broadcast.kind == "event":
        body = source  # already rich text, made by bot.service.communication.events.invite
    else:
        body = markdown_html(source)
    return Composed(body, render_buttons(broadcast.buttons, lang, plan, catalog), broadcast.document_path,
                    broadcast.document_file_id)


def compose_row(row: Any, broadcast: Any | None, plan: Plan, catalog: Any = None) -> Composed:
    """What one outbox row sends: its personal payload, or its broadcast in its language."""
    if row.payload and row.payload.get("html"):
        return Composed(row.payload["html"], list(row.payload.get("buttons") or []))
    if broadcast is None:
        raise LookupError(f"outbox row {row.id} has neither a payload nor a broadcast")
    return compose(broadcast, row.language, plan, catalog)


async def expand_due(db: Database, now: datetime | None = None, since: str | None = None) -> list[int]:
    """Every scheduled broadcast now due becomes one outbox row per recipient (one transaction each).

    ``since``: :attr:`Plan.newsletter_since` (a consent under an older notice reaches no one)."""
    now = now or utcnow()
    started = []
    async with db.transaction() as session:
        due = await outbox.due_broadcasts(session, now)
    for broadcast_id in due:
        async with db.transaction() as session:
            broadcast = await outbox.start_broadcast(session, broadcast_id, now)
            if broadcast is None:
                continue  # another instance took it
            recipients = await audiences.resolve(session, broadcast.segment, since)
            kind = broadcast.kind
            await outbox.enqueue(session, [
                {"dedupe_key": f"b{broadcast.id}:r{r.respondent_id}", "broadcast_id": broadcast.id, "kind": kind,
                 "respondent_id": r.respondent_id, "chat_id": r.chat_id, "language": r.language, "not_before": now,
                 "channel": r.channel}
                for r in recipients
            ])
            n = await outbox.set_recipients(session, broadcast.id)
            if n == 0:
                await outbox.finish_broadcasts(session, now)
            started.append(broadcast.id)
            log.info("broadcast %s enqueued for %d recipients", broadcast.id, n)
    return started


def status_line(b: Any, counts: dict[str, int]) -> str:
    """``#3 newsletter sending → category=firm: 120 recipients; sent 80, pending 40, failed 0, blocked 0``."""
    pending = sum(counts.get(k, 0) for k in ("pending", "claimed", "inflight"))
    parts = [f"sent {counts.get('sent', 0)}", f"pending {pending}", f"failed {counts.get('failed', 0)}",
             f"blocked {counts.get('blocked', 0)}"]
    for extra in ("uncertain", "skipped", "cancelled"):
        if counts.get(extra):
            parts.append(f"{extra} {counts[extra]}")
    return (f"#{b.id} {b.kind} {b.status} → {describe_segment(b.segment)}: "
            f"{b.recipients} recipients; " + ", ".join(parts))
