"""The plan's published newsletters and meeting invitations on /notizie, with the meetings' RSVP.

Telegram's subscribers get each broadcast in the chat when it is sent
(:func:`bot.service.communication.expand_due`). A browser cannot be written to, so a web
subscriber finds the same broadcasts on /notizie, newest first: the ones sent (``sending`` or
``done``; drafts, scheduled and cancelled ones never), of kind ``newsletter`` or ``event``
(never a system batch), composed as the chat's copy in the reader's language
(:func:`bot.service.communication.compose`), and only those whose segment holds the reader now
(:func:`storage.audiences.in_segment`: the same filters and consent rule as the chat's
recipients) — a message meant for another segment is never shown.

A meeting's invitation has the chat's RSVP (Sì / No / Forse) as a form; the answer is the same
row and the same waiting list (:func:`bot.service.communication.events.record_rsvp`), with
:data:`~bot.service.communication.events.NO_CHAT` for its chat: nothing is ever sent to it, and
whoever moves up from the waiting list sees it here.
"""

from __future__ import annotations

import logging
from typing import Any

from markupsafe import Markup
from storage import audiences, events, outbox
from storage.events import ANSWERS
from storage.models import EventRsvp, Respondent, utcnow

from bot.service.communication import Plan, compose
from bot.service.communication.events import NO_CHAT, record_rsvp
from bot.service.texts import translate as service_text

from .texts import translate

log = logging.getLogger("scenari.web")

KINDS = ("newsletter", "event")
PUBLISHED = ("sending", "done")
SCANNED = 200  # the latest broadcasts looked at
SHOWN = 20  # of them, the ones shown


async def published(session: Any, respondent: Respondent, plan: Plan, catalog: Any, lang: str) -> list[dict[str, Any]]:
    """The broadcasts this subscriber would have been sent, newest first, ready for the template."""
    if respondent.id is None:
        return []
    shown: list[dict[str, Any]] = []
    for b in await _visible(session, respondent.id, plan.newsletter_since):
        composed = compose(b, lang, plan, catalog)
        item: dict[str, Any] = {
            "id": b.id, "kind": b.kind, "html": Markup(composed.html.replace("\n", "<br>\n")),  # noqa: S704 (escaped rich text)
            "date": plan.local(outbox.aware(b.enqueued_at or b.scheduled_at or b.created_at), lang),  # type: ignore[arg-type]
            "links": _links(composed.buttons), "document": bool(b.document_path), "event": None,
        }
        if b.kind == "event" and b.event_id is not None:
            item["event"] = await _event_view(session, b.event_id, respondent.id, lang)
        shown.append(item)
    return shown


async def _visible(session: Any, respondent_id: int, since: str | None) -> list[Any]:
    latest = [b for b in await outbox.list_broadcasts(session, SCANNED) if b.status in PUBLISHED and b.kind in KINDS]
    latest.sort(key=lambda b: (outbox.aware(b.enqueued_at or b.scheduled_at or b.created_at), b.id), reverse=True)
    found = []
    for b in latest:
        if len(found) == SHOWN:
            break
        if await audiences.in_segment(session, respondent_id, b.segment or {}, since):
            found.append(b)
    return found


def _links(buttons: list[dict[str, Any]]) -> list[dict[str, str]]:
    """The chat's buttons as links: a page (results, a URL) or a questionnaire of this site."""
    links = []
    for b in buttons:
        if b.get("url"):
            links.append({"text": b["text"], "href": b["url"]})
        elif b.get("action") == "start" and b.get("questionnaire"):
            links.append({"text": b["text"], "href": f"/q/{b['questionnaire']}"})
    return links


async def _event_view(session: Any, event_id: int, respondent_id: int, lang: str) -> dict[str, Any] | None:
    event = await events.get_event(session, event_id)
    if event is None:
        return None
    mine = await session.get(EventRsvp, (event_id, respondent_id))
    status = None
    if mine is not None:
        status = translate("news_rsvp_position", lang, position=await events.waiting_position(
            session, event_id, respondent_id) or 1) if mine.status == "waiting" else service_text(f"rsvp_{mine.status}", lang)
    return {
        "id": event.id, "open": outbox.aware(event.starts_at) > utcnow(),  # type: ignore[operator]
        "status": status, "answer": mine.answer if mine is not None else None,
        "closed": service_text("rsvp_closed", lang),
        "choices": [{"value": a, "label": service_text("rsvp_maybe_button" if a == "maybe" else f"rsvp_{a}", lang)}
                    for a in ANSWERS],
    }


async def answer(session: Any, respondent: Respondent, ref: str, choice: str, plan: Plan, lang: str) -> tuple[bool, str]:
    """Record an RSVP from /notizie: only to a meeting among this reader's news, while it is open."""
    if respondent.id is None or choice not in ANSWERS or not ref.isdigit():
        return False, translate("news_rsvp_unknown", lang)
    offered = [b for b in await _visible(session, respondent.id, plan.newsletter_since)
               if b.kind == "event" and b.event_id == int(ref)]
    if not offered:
        return False, translate("news_rsvp_unknown", lang)
    event, result = await record_rsvp(session, int(ref), respondent, choice, NO_CHAT, plan)
    if event is None or result is None or result.status == "closed":
        return False, service_text("rsvp_closed", lang)
    log.info("web rsvp", extra={"fields": {"event": event.id, "status": result.status}})
    if result.status == "confirmed":
        return True, translate("news_rsvp_confirmed", lang, title=event.title)
    if result.status == "waiting":
        return True, translate("news_rsvp_waiting", lang, title=event.title, position=result.position or 1)
    return True, translate("news_rsvp_maybe" if result.status == "maybe" else "news_rsvp_declined", lang)
