"""Analyst accounts of the web dashboard, login throttles, published tables, and the activity read.

Passwords arrive here already hashed (argon2, by :mod:`bot.web.auth`); API tokens as SHA-256
digests. Nothing in this module knows a clear password or token.

Throttling (:func:`locked_until`, :func:`record_failure`, :func:`failure_count`,
:func:`clear_failures`): failures are counted per key (the keys and their limits are the
caller's policy, :mod:`bot.web.dashboard.throttle`) within a window; a key with a limit is locked until
``locked_until`` when it reaches it, a key without one is only counted. Rows live in the
database so a restart resets nothing.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import date, datetime, timedelta, timezone
from sqlalchemy import delete, func, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from .models import Answer, AnalystAccount, LoginThrottle, PublishedTable, Respondent, Run, utcnow


def aware(value: datetime | None) -> datetime | None:
    """SQLite hands back naive datetimes; every time stored here is UTC."""
    if value is None:
        return None
    return value.replace(tzinfo=timezone.utc) if value.tzinfo is None else value.astimezone(timezone.utc)


@dataclass(frozen=True)
class Analyst:
    id: int
    username: str
    telegram_id: int | None
    session_epoch: int
    session_key: str  # every session cookie of the account carries it (bot.web.auth)
    has_token: bool
    created_at: datetime
    last_login_at: datetime | None


def _analyst(row: AnalystAccount) -> Analyst:
    return Analyst(row.id, row.username, row.telegram_id, int(row.session_epoch or 0), row.session_key,
                   row.token_hash is not None, aware(row.created_at), aware(row.last_login_at))  # type: ignore[arg-type]


class AnalystExists(ValueError):
    pass


async def add_analyst(session: AsyncSession, username: str, password_hash: str, telegram_id: int | None = None) -> Analyst:
    if await session.scalar(select(AnalystAccount.id).where(AnalystAccount.username == username)) is not None:
        raise AnalystExists(username)
    row = AnalystAccount(username=username, password_hash=password_hash, telegram_id=telegram_id, session_epoch=0,
                         session_key=new_session_key())
    session.add(row)
    await session.flush()
    return _analyst(row)


async def remove_analyst(session: AsyncSession, username: str) -> bool:
    result = await session.execute(delete(AnalystAccount).where(AnalystAccount.username == username))
    return bool(result.rowcount)  # type: ignore[attr-defined]


async def list_analysts(session: AsyncSession) -> list[Analyst]:
    return [_analyst(r) for r in await session.scalars(select(AnalystAccount).order_by(AnalystAccount.username))]


async def get_analyst(session: AsyncSession, analyst_id: int) -> Analyst | None:
    row = await session.get(AnalystAccount, analyst_id)
    return None if row is None else _analyst(row)


async def credentials(session: AsyncSession, username: str) -> tuple[Analyst, str] | None:
    """The account and its password hash, to verify a login."""
    row = await session.scalar(select(AnalystAccount).where(AnalystAccount.username == username))
    return None if row is None else (_analyst(row), row.password_hash)


async def by_token_hash(session: AsyncSession, token_hash: str) -> Analyst | None:
    row = await session.scalar(select(AnalystAccount).where(AnalystAccount.token_hash == token_hash))
    return None if row is None else _analyst(row)


async def set_password_hash(session: AsyncSession, analyst_id: int, password_hash: str) -> None:
    """A new hash (a rehash after login, or a new password); a new password also ends sessions."""
    await session.execute(update(AnalystAccount).where(AnalystAccount.id == analyst_id)
                          .values(password_hash=password_hash))


async def set_token_hash(session: AsyncSession, username: str, token_hash: str | None) -> bool:
    result = await session.execute(update(AnalystAccount).where(AnalystAccount.username == username)
                                   .values(token_hash=token_hash))
    return bool(result.rowcount)  # type: ignore[attr-defined]


async def logged_in(session: AsyncSession, analyst_id: int) -> None:
    await session.execute(update(AnalystAccount).where(AnalystAccount.id == analyst_id).values(last_login_at=utcnow()))


def new_session_key() -> str:
    """A random key for an account's sessions: a cookie is valid only while its account holds it."""
    return secrets.token_urlsafe(32)


async def end_sessions(session: AsyncSession, analyst_id: int) -> None:
    """Every signed session cookie of the account stops working (they carry the old key)."""
    await session.execute(update(AnalystAccount).where(AnalystAccount.id == analyst_id)
                          .values(session_epoch=AnalystAccount.session_epoch + 1, session_key=new_session_key()))


# --- login throttles --------------------------------------------------------------------------


async def locked_until(session: AsyncSession, keys: list[str], now: datetime | None = None) -> datetime | None:
    """The latest lock-out end among ``keys`` still in the future, else None."""
    now = now or utcnow()
    rows = await session.scalars(select(LoginThrottle).where(LoginThrottle.key.in_(keys)))
    ends = [aware(r.locked_until) for r in rows if r.locked_until is not None]
    future = [e for e in ends if e is not None and e > now]
    return max(future) if future else None


async def record_failure(session: AsyncSession, limits: dict[str, int | None], window: timedelta, lock: timedelta,
                         now: datetime | None = None) -> datetime | None:
    """Count one failure for each key (key → its limit, None: counted only); the lock-out end if one began."""
    now = now or utcnow()
    began: datetime | None = None
    for key, limit in limits.items():
        row = await session.get(LoginThrottle, key, with_for_update=True)
        if row is None:
            row = LoginThrottle(key=key, failures=0, window_started_at=now)
            session.add(row)
        elif aware(row.window_started_at) + window < now:  # type: ignore[operator]
            row.failures = 0
            row.window_started_at = now
        row.failures = int(row.failures or 0) + 1
        if limit is not None and row.failures >= limit:
            row.locked_until = now + lock
            row.failures = 0
            row.window_started_at = now
            began = max(began, row.locked_until) if began else row.locked_until
    await session.flush()
    return began


async def failure_count(session: AsyncSession, key: str, window: timedelta, now: datetime | None = None) -> int:
    """The failures counted for ``key`` in its current window (0 once the window is over)."""
    now = now or utcnow()
    row = await session.get(LoginThrottle, key)
    if row is None or aware(row.window_started_at) + window < now:  # type: ignore[operator]
        return 0
    return int(row.failures or 0)


async def clear_failures(session: AsyncSession, keys: list[str]) -> None:
    await session.execute(delete(LoginThrottle).where(LoginThrottle.key.in_(keys)))


# --- published tables ---------------------------------------------------------------------------


async def published(session: AsyncSession) -> dict[str, datetime]:
    rows = await session.execute(select(PublishedTable.name, PublishedTable.published_at))
    return {name: aware(at) for name, at in rows.all()}  # type: ignore[misc]


async def set_published(session: AsyncSession, names: set[str], analyst_id: int | None) -> None:
    """Exactly ``names`` are published afterwards (those already published keep their date)."""
    current = set(await session.scalars(select(PublishedTable.name)))
    if current - names:
        await session.execute(delete(PublishedTable).where(PublishedTable.name.in_(current - names)))
    for name in sorted(names - current):
        session.add(PublishedTable(name=name, published_at=utcnow(), published_by=analyst_id))
    await session.flush()


# --- activity: answers over time ----------------------------------------------------------------


@dataclass(frozen=True)
class ActivityRow:
    day: date
    questionnaire_id: str
    channel: str
    answers: int
    respondents: int


async def activity(session: AsyncSession, days: int | None = None) -> list[ActivityRow]:
    """Current answers per day (UTC), questionnaire and channel, with the distinct respondents."""
    day = func.date(Answer.answered_at)
    query = (
        select(day, Run.questionnaire_id, Respondent.channel, func.count(Answer.id),
               func.count(func.distinct(Run.respondent_id)))
        .join(Run, Run.id == Answer.run_id).join(Respondent, Respondent.id == Run.respondent_id)
        .where(Answer.is_current.is_(True))
        .group_by(day, Run.questionnaire_id, Respondent.channel)
        .order_by(day)
    )
    if days is not None:
        query = query.where(Answer.answered_at >= utcnow() - timedelta(days=days))
    out = []
    for when, qid, channel, answers, respondents in (await session.execute(query)).all():
        if when is None:
            continue
        as_date = when if isinstance(when, date) else date.fromisoformat(str(when)[:10])
        out.append(ActivityRow(as_date, qid, channel, int(answers), int(respondents)))
    return out
