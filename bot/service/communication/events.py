"""Workshops and meetings: invitations with RSVP buttons, the waiting list, a reminder the day before.

An invitation is a broadcast of kind ``event`` whose text is rich text made here (the title,
the time in the city's words, the place, the description's Markdown); the RSVP buttons are
added to each copy (:func:`with_rsvp_buttons`). A "sì" to a full event joins the waiting
list; whoever moves up is told through the outbox.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from storage import Database, events, outbox
from storage.models import Respondent, utcnow

from .broadcasts import Composed
from .markup import escape, markdown_html
from .plan import Plan
from ..texts import translate

NO_CHAT = 0  # the chat id of an RSVP given where there is no chat (the web): shown on its page, never sent


def event_html(event: Any, lang: str, plan: Plan) -> str:
    """The invitation to ``event`` in ``lang``, as rich text."""
    description = f"\n\n{markdown_html(event.description)}" if event.description else ""
    return translate("event_invite", lang, title=escape(event.title), when=escape(plan.local(outbox.aware(event.starts_at), lang)),  # type: ignore[arg-type]
                place=escape(event.place), description=description)


def rsvp_buttons(event_id: int, lang: str) -> list[dict[str, Any]]:
    return [
        {"text": translate("rsvp_yes", lang), "action": "rsvp", "event": event_id, "answer": "yes"},
        {"text": translate("rsvp_no", lang), "action": "rsvp", "event": event_id, "answer": "no"},
        {"text": translate("rsvp_maybe_button", lang), "action": "rsvp", "event": event_id, "answer": "maybe"},
    ]


async def invite(session: AsyncSession, event_id: int, segment: dict[str, Any], plan: Plan, at: datetime | None = None,
                 created_by: str | None = None) -> Any:
    """A broadcast of kind ``event``: the invitation with RSVP buttons, scheduled at ``at`` (now)."""
    event = await events.get_event(session, event_id)
    if event is None:
        raise LookupError(f"no event {event_id}")
    return await outbox.create_broadcast(
        session, kind="event", event_id=event.id, segment=segment, text_it=event_html(event, "it", plan),
        text_en=event_html(event, "en", plan),
        texts={lang: event_html(event, lang, plan) for lang in plan.languages if lang not in ("it", "en")},
        buttons=[], created_by=created_by, status="scheduled",
        scheduled_at=at or utcnow(),
    )


def with_rsvp_buttons(composed: Composed, broadcast: Any, lang: str) -> Composed:
    """An invitation's copy with its RSVP buttons first; any other message as it is."""
    if broadcast is not None and broadcast.kind == "event" and broadcast.event_id is not None:
        return Composed(composed.html, rsvp_buttons(broadcast.event_id, lang) + composed.buttons,
                        composed.document_path, composed.document_file_id)
    return composed


async def rsvp_reply(session: AsyncSession, event_id: int, respondent: Respondent, answer: str, chat_id: int,
                     plan: Plan) -> str:
    """Record an RSVP; tell the promoted ones (outbox); return the text for the person who answered."""
    lang = respondent.language
    event = await events.get_event(session, event_id)
    if event is None or respondent.id is None:
        return translate("rsvp_closed", lang)
    result = await events.rsvp(session, event_id, respondent.id, answer, chat_id, lang)
    when = plan.local(outbox.aware(event.starts_at), lang)  # type: ignore[arg-type]
    promoted = _promoted_rows(event, event_id, result.promoted, plan)
    if promoted:
        await outbox.enqueue(session, promoted)
    if result.status == "closed":
        return translate("rsvp_closed", lang)
    if result.status == "confirmed":
        return translate("rsvp_done_confirmed", lang, title=event.title, when=when)
    if result.status == "waiting":
        return translate("rsvp_done_waiting", lang, title=event.title, position=result.position or 1)
    if result.status == "maybe":
        return translate("rsvp_done_maybe", lang)
    return translate("rsvp_done_declined", lang)


def _promoted_rows(event: Any, event_id: int, promoted: Sequence[tuple[int, int, str]],
                   plan: Plan) -> list[dict[str, Any]]:
    """The outbox rows telling each person moved up from the waiting list that their place is confirmed."""
    return [
        {"dedupe_key": f"ev{event_id}:up:{rid}:{int(utcnow().timestamp())}", "kind": "event_promoted",
         "respondent_id": rid, "chat_id": chat, "language": plang,
         "payload": {"html": escape(translate("rsvp_promoted", plang, title=event.title,
                                         when=plan.local(outbox.aware(event.starts_at), plang), place=event.place)),  # type: ignore[arg-type]
                     "buttons": []}}
        for rid, chat, plang in promoted
        if chat != NO_CHAT  # a web respondent moved up sees it on /notizie
    ]


async def record_rsvp(session: AsyncSession, event_id: int, respondent: Respondent, answer: str, chat_id: int,
                      plan: Plan) -> tuple[Any, events.RsvpResult | None]:
    """:func:`rsvp_reply`'s record and promotions, for a channel that words its own reply (the web's
    page cannot promise a message the day before). (event or None, result or None when not recorded)."""
    event = await events.get_event(session, event_id)
    if event is None or respondent.id is None:
        return event, None
    result = await events.rsvp(session, event_id, respondent.id, answer, chat_id, respondent.language)
    promoted = _promoted_rows(event, event_id, result.promoted, plan)
    if promoted:
        await outbox.enqueue(session, promoted)
    return event, result


async def scan_event_reminders(db: Database, plan: Plan, now: datetime | None = None) -> int:
    """The day before an event, a reminder to everyone confirmed (once each)."""
    now = now or utcnow()
    added = 0
    async with db.transaction() as session:
        for event in await events.upcoming(session, now, now + timedelta(days=1)):
            rows = []
            for rid, chat, lang in await events.confirmed(session, event.id):
                if chat == NO_CHAT:
                    continue  # no chat to remind (the web shows the meeting on /notizie)
                rows.append({
                    "dedupe_key": f"ev{event.id}:rem:{rid}", "kind": "event_reminder", "respondent_id": rid,
                    "chat_id": chat, "language": lang, "not_before": plan.out_of_quiet_hours(now),
                    "payload": {"html": translate("event_reminder", lang, title=escape(event.title),
                                             when=escape(plan.local(outbox.aware(event.starts_at), lang)),  # type: ignore[arg-type]
                                             place=escape(event.place)), "buttons": []},
                })
            added += await outbox.enqueue(session, rows) if rows else 0
    return added
