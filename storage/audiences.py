"""Audiences: who opted in to hear from the plan, and segments of them.

The audience is every chat respondent (Telegram or WhatsApp, :data:`CHAT_CHANNELS`; a
:class:`Recipient` says which) whose latest ``newsletter`` consent is granted (a consent of its
own, asked at the end of a questionnaire and revocable with ``/disiscrivi`` or «disiscrivi»)
and who has not blocked the bot. A *segment* narrows it with filters on what the store knows
(all optional, values are lists, a respondent must match every filter given):

``lang``          the respondent's language (``it``, ``en``)
``category``      the category of the register actor the respondent answers for
``completed``     questionnaires the respondent completed
``incomplete``    questionnaires the respondent started and never completed
``profile``       innovation profile of the respondent's completed ``imprese`` run
``municipality``  the ``municipality`` answer of the respondent's ``imprese`` run
``invitation``    the state of the respondent's actor (``new``, ``invited``, ``answered``)

A consent counts only if it was given under the privacy notice as its ``newsletter`` purpose
reads now: the caller (storage does not read the notice) passes ``since``, the version in which
that purpose last changed (``"2026-11"`` or ``"2026-11-15"``, see bot.service.notice). A grant
under an older version — or under a version that is no date, a legacy ``"1"`` — reaches no one
and counts as opted out until the person agrees again. ``since=None`` checks no version.

Callers own the transaction; nothing here commits.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import ColumnElement, and_, func, not_, or_, select, true
from sqlalchemy.ext.asyncio import AsyncSession

from .models import (
    Actor,
    Answer,
    Consent,
    RecipientStatus,
    Respondent,
    RespondentActor,
    Run,
    RunOutcome,
    Segment,
    utcnow,
)

NEWSLETTER = "newsletter"  # the consent purpose of the opt-in
PARTICIPATION = "participation"
CHANNEL = "telegram"
WHATSAPP = "whatsapp"
CHAT_CHANNELS = (CHANNEL, WHATSAPP)  # the channels whose respondents the outbox reaches (chat_id: a number)
FILTERS = ("lang", "category", "completed", "incomplete", "profile", "municipality", "invitation")
PROFILE_QUESTIONNAIRE = "imprese"


class SegmentError(ValueError):
    """A segment that cannot be understood (an unknown filter or value)."""


@dataclass(frozen=True)
class Recipient:
    respondent_id: int
    chat_id: int
    language: str
    channel: str = CHANNEL  # the outbox row's channel: which sender reaches this person



def check_segment(segment: dict[str, Any]) -> dict[str, list[str]]:
    """The segment with every value a sorted list of strings; unknown filters raise."""
    clean: dict[str, list[str]] = {}
    for key, value in (segment or {}).items():
        if key not in FILTERS:
            raise SegmentError(f"unknown filter {key!r} (known: {', '.join(FILTERS)})")
        values = [value] if isinstance(value, str) else list(value)
        values = sorted({str(v).strip() for v in values if str(v).strip()})
        if not values:
            raise SegmentError(f"filter {key!r} has no value")
        if key == "lang" and not set(values) <= {"it", "en"}:
            raise SegmentError("lang must be it or en")
        clean[key] = values
    return clean


def agreed_since(version: Any, since: str | None) -> ColumnElement[bool]:
    """SQL: the notice ``version`` a consent was given under is ``since`` or later.

    Versions are dates written YYYY-MM or YYYY-MM-DD with zero-padded fields, so for two of
    them the order of the strings is the order of the dates ("2026-11" < "2026-11-15" <
    "2026-12"), as bot.service.notice.version_key has it. A value of another shape (a legacy
    "1" or "newsletter-1", a test's "t") is no date and counts as older: the two patterns and
    the upper bound keep it out (a letter sorts after "9"). ``since=None``: every version.
    """
    if since is None:
        return true()
    if not _is_version(since):
        raise ValueError(f"not a notice version (YYYY-MM or YYYY-MM-DD): {since!r}")
    return and_(or_(version.like("____-__"), version.like("____-__-__")), version >= since, version <= "9999-99-99")


def _is_version(value: str) -> bool:
    """YYYY-MM or YYYY-MM-DD, digits where the patterns of :func:`agreed_since` say any character."""
    return len(value) in (7, 10) and all(
        c == "-" if i in (4, 7) else c.isdigit() for i, c in enumerate(value)
    )


def forbids_sending(since: str | None) -> ColumnElement[bool]:
    """SQL on a newsletter consent row: it lets nothing be sent (a refusal, or a grant older than ``since``)."""
    if since is None:
        return Consent.granted.is_(False)
    return or_(Consent.granted.is_(False), not_(agreed_since(Consent.notice_version, since)))


def _latest_decision(purpose: str) -> Any:
    latest = (
        select(Consent.respondent_id, func.max(Consent.id).label("consent_id"))
        .where(Consent.purpose == purpose)
        .group_by(Consent.respondent_id)
        .subquery()
    )
    return latest


async def subscribed(session: AsyncSession, respondent_id: int) -> bool | None:
    """The latest newsletter decision: True, False, or None when never asked."""
    granted = await session.scalar(
        select(Consent.granted)
        .where(Consent.respondent_id == respondent_id, Consent.purpose == NEWSLETTER)
        .order_by(Consent.decided_at.desc(), Consent.id.desc())
        .limit(1)
    )
    return None if granted is None else bool(granted)


async def opted_out(session: AsyncSession, respondent_ids: Iterable[int], since: str | None = None) -> set[int]:
    """Of ``respondent_ids``, those whose latest newsletter decision is a refusal or revocation,
    or a grant under a notice older than ``since`` (see the module's docstring).

    Never asked is not opted out (the reminders of a questionnaire not finished yet)."""
    ids = list(respondent_ids)
    if not ids:
        return set()
    # the latest decision of these people only (by the respondent index): the sender asks
    # before every group it sends, and grouping every consent of the city took milliseconds each time
    latest = (
        select(func.max(Consent.id).label("consent_id"))
        .where(Consent.purpose == NEWSLETTER, Consent.respondent_id.in_(ids))
        .group_by(Consent.respondent_id)
        .subquery()
    )
    rows = await session.scalars(
        select(Consent.respondent_id)
        .join(latest, latest.c.consent_id == Consent.id)
        .where(forbids_sending(since))  # on the rows just found by key: no cost worth the name
    )
    return set(rows)


async def unreachable(session: AsyncSession, respondent_ids: Iterable[int]) -> set[int]:
    ids = list(respondent_ids)
    if not ids:
        return set()
    return set(
        await session.scalars(
            select(RecipientStatus.respondent_id).where(
                RecipientStatus.respondent_id.in_(ids), RecipientStatus.unreachable_at.is_not(None)
            )
        )
    )


async def mark_unreachable(session: AsyncSession, respondent_id: int, reason: str) -> None:
    row = await session.get(RecipientStatus, respondent_id)
    if row is None:
        session.add(RecipientStatus(respondent_id=respondent_id, unreachable_at=utcnow(), reason=reason[:200]))
    else:
        row.unreachable_at = row.unreachable_at or utcnow()
        row.reason = reason[:200]
    await session.flush()


async def clear_unreachable(session: AsyncSession, respondent_id: int) -> None:
    """The person wrote to the bot again: it can reach them."""
    row = await session.get(RecipientStatus, respondent_id)
    if row is not None and row.unreachable_at is not None:
        row.unreachable_at = None
        await session.flush()


async def is_unreachable(session: AsyncSession, respondent_id: int) -> bool:
    return bool(await unreachable(session, [respondent_id]))


async def resolve(session: AsyncSession, segment: dict[str, Any], since: str | None = None) -> list[Recipient]:
    """Every subscriber the segment reaches, in respondent order (consent given under ``since`` or later)."""
    rows = await _members(session, check_segment(segment), since, Respondent.channel.in_(CHAT_CHANNELS))
    return [Recipient(rid, int(ext), lang or "it", channel) for rid, ext, lang, channel in rows if _is_chat(ext)]


async def in_segment(session: AsyncSession, respondent_id: int, segment: dict[str, Any], since: str | None = None) -> bool:
    """Whether one subscriber of any channel is in the segment (the web's voters: bot.web.voting).

    The same filters and consent rule as :func:`resolve`, which lists only the chat's reachable people.
    """
    return bool(await _members(session, check_segment(segment), since, Respondent.id == respondent_id))


async def _members(session: AsyncSession, f: dict[str, list[str]], since: str | None,
                   who: ColumnElement[bool]) -> list[tuple[int, str, str | None, str]]:
    """(id, external id, language, channel) of the subscribers ``who`` selects that the filters ``f`` keep."""
    latest = _latest_decision(NEWSLETTER)
    query = (
        select(Respondent.id, Respondent.external_id, Respondent.language, Respondent.channel)
        .join(latest, latest.c.respondent_id == Respondent.id)
        .join(Consent, and_(Consent.id == latest.c.consent_id, Consent.granted.is_(True),
                            agreed_since(Consent.notice_version, since)))
        .outerjoin(RecipientStatus, RecipientStatus.respondent_id == Respondent.id)
        .where(who, RecipientStatus.unreachable_at.is_(None))
        .order_by(Respondent.id)
    )
    if "lang" in f:
        query = query.where(Respondent.language.in_(f["lang"]))
    if "category" in f or "invitation" in f:
        query = query.join(RespondentActor, RespondentActor.respondent_id == Respondent.id).join(
            Actor, Actor.id == RespondentActor.actor_id
        )
        if "category" in f:
            query = query.where(Actor.category.in_(f["category"]))
        if "invitation" in f:
            query = query.where(Actor.state.in_(f["invitation"]))
    for qid in f.get("completed", []):
        done = select(Run.id).where(Run.respondent_id == Respondent.id, Run.questionnaire_id == qid, Run.status == "completed")
        query = query.where(done.exists())
    for qid in f.get("incomplete", []):
        started = select(Run.id).where(Run.respondent_id == Respondent.id, Run.questionnaire_id == qid)
        done = select(Run.id).where(Run.respondent_id == Respondent.id, Run.questionnaire_id == qid, Run.status == "completed")
        query = query.where(started.exists(), ~done.exists())
    rows = [(rid, ext, lang, channel) for rid, ext, lang, channel in await session.execute(query)]
    if "profile" in f:
        profiles = await latest_profiles(session, [r[0] for r in rows])
        rows = [r for r in rows if str(profiles.get(r[0])) in f["profile"]]
    if "municipality" in f:
        places = await _answers(session, [r[0] for r in rows], PROFILE_QUESTIONNAIRE, "municipality")
        rows = [r for r in rows if str(places.get(r[0])) in f["municipality"]]
    return rows


async def count(session: AsyncSession, segment: dict[str, Any], since: str | None = None) -> dict[str, int]:
    """How many the segment reaches, in all and per language: counts, never who."""
    recipients = await resolve(session, segment, since)
    counts = {"total": len(recipients), "it": 0, "en": 0}
    for r in recipients:  # every language counted as itself (Bozen's German readers too)
        language = r.language or "it"
        counts[language] = counts.get(language, 0) + 1
    return counts


def _is_chat(external_id: str) -> bool:
    return external_id.lstrip("-").isdigit()


async def latest_profiles(session: AsyncSession, respondent_ids: Sequence[int]) -> dict[int, Any]:
    """The innovation profile of each respondent's latest completed imprese run."""
    found: dict[int, Any] = {}
    for chunk in _chunks(respondent_ids):
        rows = await session.execute(
            select(Run.respondent_id, RunOutcome.value)
            .join(RunOutcome, RunOutcome.run_id == Run.id)
            .where(Run.respondent_id.in_(chunk), Run.questionnaire_id == PROFILE_QUESTIONNAIRE,
                   Run.status == "completed", RunOutcome.key == "profile")
            .order_by(Run.completed_at, Run.id)
        )
        for rid, value in rows:
            found[rid] = value
    return found


async def _answers(session: AsyncSession, respondent_ids: Sequence[int], questionnaire_id: str, key: str) -> dict[int, Any]:
    found: dict[int, Any] = {}
    for chunk in _chunks(respondent_ids):
        rows = await session.execute(
            select(Run.respondent_id, Answer.value)
            .join(Answer, Answer.run_id == Run.id)
            .where(Run.respondent_id.in_(chunk), Run.questionnaire_id == questionnaire_id,
                   Answer.question_key == key, Answer.is_current.is_(True))
            .order_by(Run.id)
        )
        for rid, value in rows:
            found[rid] = value
    return found


def _chunks(items: Sequence[int], size: int = 500) -> Iterable[Sequence[int]]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


# --- named segments -------------------------------------------------------------------------


async def save_segment(session: AsyncSession, name: str, definition: dict[str, Any]) -> None:
    clean = check_segment(definition)
    row = await session.get(Segment, name)
    if row is None:
        session.add(Segment(name=name, definition=clean))
    else:
        row.definition = clean
    await session.flush()


async def get_segment(session: AsyncSession, name: str) -> dict[str, Any] | None:
    row = await session.get(Segment, name)
    return dict(row.definition) if row else None


async def list_segments(session: AsyncSession) -> list[tuple[str, dict[str, Any]]]:
    return [(s.name, dict(s.definition)) for s in await session.scalars(select(Segment).order_by(Segment.name))]
