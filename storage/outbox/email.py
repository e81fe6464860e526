"""The outbox's e-mail rows (issue 19): invitations and reminders to the register's contacts.

The same table, states and steps as Telegram's rows (:mod:`storage.outbox`): ``channel`` is
``"email"``, the row names an actor (``actor_id``; its contact is no respondent yet) and its
payload holds the address, the invitation token and, for a reminder, its number. A row is
enqueued once (``dedupe_key``: ``email:invitation:<invitation id>``,
``email:reminder:<invitation id>:<n>``), claimed with a lease, marked ``inflight`` right before
the SMTP transaction and recorded right after the server's answer, with
:func:`storage.outbox.record`, :func:`~storage.outbox.recover` and
:func:`~storage.outbox.release` shared with Telegram's sender.

The unsubscribe list (``email_optouts``) is checked at both ends: an opted-out address is never
enqueued, and a row whose address opted out after it was enqueued is skipped at send time; so
are rows whose invitation was used or revoked meanwhile, whose actor answered, or whose
actor's address changed or was erased.

Callers own the transaction.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from ..models import Actor, EmailOptOut, Invitation, OutboxMessage, utcnow
from .common import _insert, aware, lease_due

CHANNEL = "email"
INVITATION, REMINDER = "email_invite", "email_remind"  # outbox_messages.kind (16 characters at most)


def normalise(address: str) -> str:
    """The form addresses are compared and stored in (the local part's case is, in practice, ignored)."""
    return address.strip().lower()


def invitation_key(invitation_id: int) -> str:
    return f"email:invitation:{invitation_id}"


def reminder_key(invitation_id: int, number: int) -> str:
    return f"email:reminder:{invitation_id}:{number}"


@dataclass(frozen=True)
class EmailRow:
    """One e-mail to enqueue."""

    dedupe_key: str
    actor_id: int
    kind: str  # INVITATION | REMINDER
    address: str
    token: str
    language: str
    reminder: int = 0  # the reminder's number (1, 2 …); 0 for the invitation


@dataclass(frozen=True)
class EmailClaimed:
    id: int
    actor_id: int
    kind: str
    language: str
    address: str
    token: str
    reminder: int
    attempts: int


async def enqueue(session: AsyncSession, rows: Sequence[EmailRow], now: datetime | None = None) -> int:
    """Insert e-mail rows; one whose key exists already, or whose address opted out, is left out. Returns how many are new."""
    now = now or utcnow()
    out = await opted_out(session, (r.address for r in rows))
    values = [
        {
            "dedupe_key": r.dedupe_key, "channel": CHANNEL, "actor_id": r.actor_id, "respondent_id": None,
            "chat_id": None, "kind": r.kind, "language": r.language,
            "payload": {"to": normalise(r.address), "token": r.token, "reminder": r.reminder},
            "status": "pending", "not_before": now, "attempts": 0, "created_at": now, "updated_at": now,
        }
        for r in rows if normalise(r.address) not in out
    ]
    added = 0
    for start in range(0, len(values), 500):
        result = await session.execute(
            _insert(session)(OutboxMessage).values(values[start:start + 500])
            .on_conflict_do_nothing(index_elements=["dedupe_key"])
        )
        added += max(0, int(result.rowcount or 0))
    return added


async def claim(
    session: AsyncSession, holder: str, limit: int, lease_seconds: float, now: datetime | None = None
) -> list[EmailClaimed]:
    """Lease up to ``limit`` due e-mail rows to ``holder`` (oldest first), as :func:`storage.outbox.claim` does."""
    now = now or utcnow()
    ids = await lease_due(session, holder, limit, lease_seconds, now, CHANNEL)
    if not ids:
        return []
    rows = await session.execute(
        select(OutboxMessage.id, OutboxMessage.actor_id, OutboxMessage.kind, OutboxMessage.language,
               OutboxMessage.payload, OutboxMessage.attempts)
        .where(OutboxMessage.id.in_(ids), OutboxMessage.lease_holder == holder, OutboxMessage.status == "claimed")
        .order_by(OutboxMessage.id)
    )
    found = []
    for row_id, actor_id, kind, language, payload, attempts in rows:
        payload = payload or {}
        found.append(EmailClaimed(int(row_id), int(actor_id or 0), kind, language or "it", str(payload.get("to", "")),
                                  str(payload.get("token", "")), int(payload.get("reminder") or 0), int(attempts)))
    return found


@dataclass(frozen=True)
class Recipient:
    """What the template needs of the actor, read in :func:`mark_inflight`'s transaction."""

    organisation: str
    contact_person: str | None


async def mark_inflight(
    session: AsyncSession, holder: str, rows: Sequence[EmailClaimed], now: datetime | None = None
) -> tuple[dict[int, Recipient], list[int]]:
    """Right before the SMTP transaction: rows still ours and still wanted become ``inflight``.

    Returns ({row id: recipient} to send now, ids skipped). Skipped, and never sent: the address
    opted out, the actor is gone or has another address now (or none: erased by retention), the
    invitation was revoked (or, for an invitation, used already), or the actor answered.
    """
    now = now or utcnow()
    if not rows:
        return {}, []
    out = await opted_out(session, (r.address for r in rows))
    actors = {a.id: a for a in await session.scalars(select(Actor).where(Actor.id.in_({r.actor_id for r in rows})))}
    invitations = {
        i.token: i for i in await session.scalars(select(Invitation).where(Invitation.token.in_({r.token for r in rows})))
    }
    send: dict[int, Recipient] = {}
    skip: list[int] = []
    for r in rows:
        actor = actors.get(r.actor_id)
        invitation = invitations.get(r.token)
        if (
            r.address in out or actor is None or normalise(actor.contact_email or "") != r.address
            or invitation is None or invitation.actor_id != r.actor_id
            or invitation.revoked_at is not None or actor.state == "answered"
            # a used link is not sent again as an invitation; a reminder brings its person back
            or (invitation.used_at is not None and r.kind == INVITATION)
        ):
            skip.append(r.id)
        else:
            send[r.id] = Recipient(actor.organisation, actor.contact_person)
    if skip:
        await session.execute(
            update(OutboxMessage)
            .where(OutboxMessage.id.in_(skip), OutboxMessage.lease_holder == holder, OutboxMessage.status == "claimed")
            .values(status="skipped", last_error="unsubscribed, answered, link used or revoked, or address changed",
                    updated_at=now)
            .execution_options(synchronize_session=False)
        )
    if send:
        await session.execute(
            update(OutboxMessage)
            .where(OutboxMessage.id.in_(list(send)), OutboxMessage.lease_holder == holder, OutboxMessage.status == "claimed")
            .values(status="inflight", attempts=OutboxMessage.attempts + 1, updated_at=now)
            .execution_options(synchronize_session=False)
        )
        still = set(await session.scalars(
            select(OutboxMessage.id).where(OutboxMessage.id.in_(list(send)), OutboxMessage.lease_holder == holder,
                                           OutboxMessage.status == "inflight")
        ))
        send = {k: v for k, v in send.items() if k in still}
    return send, skip


# --- the unsubscribe list ----------------------------------------------------------------------


async def opted_out(session: AsyncSession, addresses: Iterable[str]) -> set[str]:
    wanted = sorted({normalise(a) for a in addresses if a})
    found: set[str] = set()
    for start in range(0, len(wanted), 500):
        found |= set(await session.scalars(
            select(EmailOptOut.address).where(EmailOptOut.address.in_(wanted[start:start + 500]))
        ))
    return found


async def opt_out(session: AsyncSession, address: str, source: str = "link", now: datetime | None = None) -> bool:
    """Put ``address`` on the unsubscribe list and skip its pending rows. False if it was there already."""
    address = normalise(address)
    now = now or utcnow()
    result = await session.execute(
        _insert(session)(EmailOptOut).values(address=address, created_at=now, source=source)
        .on_conflict_do_nothing(index_elements=["address"])
    )
    # rows not yet claimed are skipped now; claimed ones are caught by mark_inflight
    pending = [
        row_id for row_id, payload in await session.execute(
            select(OutboxMessage.id, OutboxMessage.payload)
            .where(OutboxMessage.channel == CHANNEL, OutboxMessage.status == "pending")
        )
        if normalise(str((payload or {}).get("to", ""))) == address
    ]
    if pending:
        await session.execute(
            update(OutboxMessage).where(OutboxMessage.id.in_(pending), OutboxMessage.status == "pending")
            .values(status="skipped", last_error="unsubscribed", updated_at=now)
            .execution_options(synchronize_session=False)
        )
    return bool(result.rowcount and result.rowcount > 0)


async def address_of_row(session: AsyncSession, row_id: int) -> tuple[str, str] | None:
    """The address an e-mail row went to (what an unsubscribe link names) and the e-mail's language."""
    found = (await session.execute(
        select(OutboxMessage.payload, OutboxMessage.language).where(OutboxMessage.id == row_id, OutboxMessage.channel == CHANNEL)
    )).first()
    if found is None:
        return None
    payload, language = found
    address = payload.get("to") if isinstance(payload, dict) else None
    return (normalise(address), language or "it") if address else None


# --- what was sent -----------------------------------------------------------------------------


@dataclass(frozen=True)
class Sent:
    """An actor's e-mails so far: for reminders (who has been invited by e-mail, when, how often reminded)."""

    invitation_id: int
    token: str
    address: str
    language: str
    last_sent_at: datetime
    reminders: int  # reminder rows enqueued for this invitation (any state)


async def invitations_sent(session: AsyncSession, actor_ids: Sequence[int]) -> dict[int, Sent]:
    """Per actor, its latest invitation e-mail that was *sent*, and its reminders so far."""
    if not actor_ids:
        return {}
    rows = await session.execute(
        select(OutboxMessage.actor_id, OutboxMessage.kind, OutboxMessage.status, OutboxMessage.payload,
               OutboxMessage.language, OutboxMessage.sent_at, OutboxMessage.dedupe_key)
        .where(OutboxMessage.channel == CHANNEL, OutboxMessage.actor_id.in_(list(actor_ids)))
        .order_by(OutboxMessage.id)
    )
    latest: dict[int, Sent] = {}
    reminders: dict[str, int] = {}
    last_reminder: dict[str, datetime] = {}
    for actor_id, kind, status, payload, language, sent_at, key in rows:
        token = str((payload or {}).get("token", ""))
        if kind == REMINDER:
            reminders[token] = reminders.get(token, 0) + 1
            if status == "sent" and sent_at is not None:
                last_reminder[token] = aware(sent_at)  # type: ignore[assignment]
            continue
        if kind == INVITATION and status == "sent" and sent_at is not None:
            latest[int(actor_id)] = Sent(int(key.rsplit(":", 1)[-1]), token, str((payload or {}).get("to", "")),
                                         language or "it", aware(sent_at), 0)  # type: ignore[arg-type]
    return {
        actor_id: Sent(s.invitation_id, s.token, s.address, s.language,
                       max(s.last_sent_at, last_reminder.get(s.token, s.last_sent_at)), reminders.get(s.token, 0))
        for actor_id, s in latest.items()
    }


async def counts(session: AsyncSession) -> dict[tuple[str, str], int]:
    """(kind, status) → rows, for `scenari actors email-status`."""
    rows = await session.execute(
        select(OutboxMessage.kind, OutboxMessage.status, func.count())
        .where(OutboxMessage.channel == CHANNEL).group_by(OutboxMessage.kind, OutboxMessage.status)
    )
    return {(kind, status): int(n) for kind, status, n in rows}




async def unfinished(session: AsyncSession, holder: str, now: datetime | None = None) -> int:
    """E-mail rows due now, or being sent by ``holder``: what `--send` waits for.

    Not counted: a retry due later, and rows another sender leases (a running `scenari serve`,
    or one killed, whose rows :func:`storage.outbox.recover` settles when the lease expires).
    """
    now = now or utcnow()
    return int(await session.scalar(
        select(func.count()).select_from(OutboxMessage).where(
            OutboxMessage.channel == CHANNEL,
            ((OutboxMessage.status == "pending") & (OutboxMessage.not_before <= now))
            | (OutboxMessage.status.in_(("claimed", "inflight")) & (OutboxMessage.lease_holder == holder)))
    ) or 0)


async def back_in_line(session: AsyncSession, holder: str, row_id: int) -> None:
    """After a retry outcome (left ``claimed`` by :func:`storage.outbox.record`): pending again, due at its ``not_before``."""
    await session.execute(
        update(OutboxMessage).where(OutboxMessage.id == row_id, OutboxMessage.lease_holder == holder,
                                    OutboxMessage.status == "claimed")
        .values(status="pending", lease_holder=None, lease_expires_at=None)
        .execution_options(synchronize_session=False)
    )


async def resend_uncertain(session: AsyncSession, now: datetime | None = None) -> int:
    """The operator's choice for e-mails held as uncertain: send them after all (a copy may arrive twice)."""
    now = now or utcnow()
    result = await session.execute(
        update(OutboxMessage).where(OutboxMessage.channel == CHANNEL, OutboxMessage.status == "uncertain")
        .values(status="pending", not_before=now, lease_holder=None, lease_expires_at=None, updated_at=now)
        .execution_options(synchronize_session=False)
    )
    return int(result.rowcount or 0)
