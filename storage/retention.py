"""Retention: what is past its time is erased or anonymised, the aggregates stay as they were.

Per kind of data (settings ``SCENARI_RETENTION_*_DAYS``; unset: kept):

* **raw free text** — an answer the theme tagger has read (a ``tagged_answers`` row) older than
  ``free_text_days`` loses its words (value ``""``, raw text gone). Its themes stay, so the
  convergence tables, which count units carrying a theme, keep every count; only quotes go.
  ``answers.text_erased_at`` marks it, so re-tagging (``scenari nlp retag``) keeps its machine
  tags instead of reading an empty text. A text not tagged yet waits for the tagger.
* **contact data** — the contact person of a register actor, ``contact_days`` after the actor
  answered (or was imported, if it never did).
* **the audit log** — events older than ``audit_days`` (:func:`storage.audit.purge`).

Pseudonymous answers are kept: they are what the tables are rebuilt from. Every run is logged
and written to the audit log with its counts (:func:`apply`).
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import asdict, dataclass
from datetime import datetime, timedelta

from sqlalchemy import func, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from . import audit
from .models import Actor, Answer, TaggedAnswer, utcnow

CHUNK = 500
log = logging.getLogger("scenari.retention")


@dataclass(frozen=True)
class Policy:
    free_text_days: int | None = None
    contact_days: int | None = None
    audit_days: int = 730


@dataclass(frozen=True)
class Result:
    free_texts: int
    contacts: int
    audit_events: int


async def _blank_free_texts(session: AsyncSession, cutoff: datetime, now: datetime) -> int:
    rows = (await session.execute(
        select(Answer.id, Answer.value).join(TaggedAnswer, TaggedAnswer.answer_id == Answer.id)
        .where(Answer.answered_at < cutoff, Answer.text_erased_at.is_(None))
    )).all()
    ids = [answer_id for answer_id, value in rows if isinstance(value, str) and value != ""]
    for start in range(0, len(ids), CHUNK):
        await session.execute(update(Answer).where(Answer.id.in_(ids[start:start + CHUNK]))
                              .values(value="", raw=None, text_erased_at=now))
    return len(ids)


async def _forget_contacts(session: AsyncSession, cutoff: datetime) -> int:
    result = await session.execute(
        update(Actor).where(Actor.contact_person.is_not(None) | Actor.contact_email.is_not(None),
                            func.coalesce(Actor.answered_at, Actor.created_at) < cutoff)
        .values(contact_person=None, contact_email=None)  # the e-mail address goes with the person
    )
    return int(result.rowcount or 0)


async def apply(session: AsyncSession, policy: Policy, now: datetime | None = None) -> Result:
    """One retention run, in the caller's transaction; its counts also go to the audit log."""
    now = now or utcnow()
    texts = await _blank_free_texts(session, now - timedelta(days=policy.free_text_days), now) \
        if policy.free_text_days else 0
    contacts = await _forget_contacts(session, now - timedelta(days=policy.contact_days)) if policy.contact_days else 0
    purged = await audit.purge(session, policy.audit_days, now)
    result = Result(texts, contacts, purged)
    await audit.record(session, "system", "retention", detail=asdict(result), at=now)
    return result


class RetentionJob:
    """The daily job (exports.scheduler runs it under the job lease); ``clock`` is injectable."""

    def __init__(self, db: object, policy: Policy, clock: Callable[[], datetime] = utcnow) -> None:
        self.db, self.policy, self.clock = db, policy, clock

    async def __call__(self) -> Result:
        async with self.db.transaction() as session:  # type: ignore[attr-defined]
            result = await apply(session, self.policy, self.clock())
        log.info("retention run", extra={"fields": asdict(result)})
        return result
