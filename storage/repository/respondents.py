"""Respondents and their consents: who is talking, on which channel, in which language."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from ..prefetch import cached
from ..models import Consent, Respondent


async def get_respondent(session: AsyncSession, channel: str, external_id: str) -> Respondent | None:
    known = cached(session)
    if known is not None and (channel, external_id) in known.respondents:
        return known.respondents[(channel, external_id)]
    return await session.scalar(
        select(Respondent).where(Respondent.channel == channel, Respondent.external_id == external_id)
    )


async def get_or_create_respondent(
    session: AsyncSession, channel: str, external_id: str, language: str = "it"
) -> Respondent:
    """The respondent for (channel, external id), created on first contact.

    Two instances may race to create the same respondent; the loser re-reads the winner's row.
    """
    found = await get_respondent(session, channel, external_id)
    if found is not None:
        return found
    try:
        async with session.begin_nested():
            respondent = Respondent(channel=channel, external_id=external_id, language=language)
            session.add(respondent)
    except IntegrityError:
        found = await session.scalar(
            select(Respondent).where(Respondent.channel == channel, Respondent.external_id == external_id)
        )
        assert found is not None
        respondent = found
    known = cached(session)
    if known is not None:
        known.respondents[(channel, external_id)] = respondent
        known.open_runs.setdefault(respondent.id, [])
    return respondent


async def change_external_id(session: AsyncSession, channel: str, old: str, new: str) -> bool:
    """Give a respondent a new external id (a web session's id renewed at consent); False if none.

    Whoever still holds ``old`` reaches nothing afterwards: the respondent's data follow ``new``.
    """
    found = await get_respondent(session, channel, old)
    if found is None:
        return False
    found.external_id = new
    await session.flush()
    known = cached(session)
    if known is not None:
        known.respondents[(channel, old)] = None
        known.respondents[(channel, new)] = found
    return True


async def set_language(session: AsyncSession, respondent: Respondent, language: str) -> None:
    respondent.language = language


async def record_consent(
    session: AsyncSession, respondent_id: int, purpose: str, granted: bool, notice_version: str
) -> None:
    session.add(
        Consent(respondent_id=respondent_id, purpose=purpose, granted=granted, notice_version=notice_version)
    )
    await session.flush()


async def consent_given(session: AsyncSession, respondent_id: int, purpose: str) -> bool:
    """The latest decision for ``purpose`` (no decision means no consent)."""
    granted = await session.scalar(
        select(Consent.granted)
        .where(Consent.respondent_id == respondent_id, Consent.purpose == purpose)
        .order_by(Consent.decided_at.desc(), Consent.id.desc())
        .limit(1)
    )
    return bool(granted)


async def latest_consent(session: AsyncSession, respondent_id: int | None, purpose: str) -> tuple[bool, str] | None:
    """The latest decision for ``purpose`` and the notice version it was given under (None: never asked)."""
    if respondent_id is None:
        return None
    row = (await session.execute(
        select(Consent.granted, Consent.notice_version)
        .where(Consent.respondent_id == respondent_id, Consent.purpose == purpose)
        .order_by(Consent.decided_at.desc(), Consent.id.desc())
        .limit(1)
    )).first()
    return None if row is None else (bool(row[0]), str(row[1]))
