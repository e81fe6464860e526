"""The stakeholder register: actors, their invitation tokens, and who answers for whom.

Plain arguments in, typed records out; callers own the transaction (nothing here commits).
An invitation token is single-use: the first respondent who redeems it is linked to its actor;
the same respondent may use it again (to resume), anybody else is refused.
"""

from __future__ import annotations

import re
import secrets
import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Literal

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from .models import Actor, Invitation, RespondentActor, Run, utcnow

# code → (Italian label, English label). The same list ships as plans/cremona/register/categories.csv.
CATEGORIES: dict[str, tuple[str, str]] = {
    "public_body": ("Ente pubblico", "Public body"),
    "trade_association": ("Associazione di categoria", "Trade association"),
    "firm": ("Impresa", "Firm"),
    "university_training": ("Università e formazione", "University and training"),
    "union": ("Sindacato", "Trade union"),
    "third_sector": ("Terzo settore", "Third sector"),
    "credit": ("Credito", "Credit"),
    "culture": ("Cultura", "Culture"),
    "other": ("Altro", "Other"),
}
CODE_PATTERN = re.compile(r"^[a-z0-9][a-z0-9_-]{0,23}$")  # also a valid questionnaire choice value
TOKEN_ALPHABET = "abcdefghijklmnopqrstuvwxyz0123456789"
TOKEN_LENGTH = 24  # 36^24 ≈ 2^124: unguessable; "ascolto_" + token = 32 chars (deep links allow 64)
TOKEN_PATTERN = re.compile(r"^[a-z0-9]{8,40}$")

STATE_NEW, STATE_INVITED, STATE_ANSWERED = "new", "invited", "answered"


def new_token() -> str:
    """A random token of lowercase letters and digits.

    Lowercase only, so a client or handler that folds case (the /start handler lower-cases its
    payload) cannot break it; still unguessable (≈124 bits from :mod:`secrets`).
    """
    return "".join(secrets.choice(TOKEN_ALPHABET) for _ in range(TOKEN_LENGTH))


def slug(text: str, taken: Iterable[str] = ()) -> str:
    """A short code from an organisation's name ("Comune di Cremona" → "comune_di_cremona")."""
    plain = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode().lower()
    base = re.sub(r"[^a-z0-9]+", "_", plain).strip("_")[:24].rstrip("_") or "actor"
    taken = set(taken)
    code, n = base, 2
    while code in taken:
        suffix = f"_{n}"
        code = base[: 24 - len(suffix)].rstrip("_") + suffix
        n += 1
    return code


def normalise_name(name: str) -> str:
    return " ".join(name.split()).casefold()


# --- actors ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class ActorRow:
    """One row of a register file, already checked (see :func:`storage.register_file.read_register`)."""

    code: str | None
    organisation: str
    category: str
    contact_person: str | None = None
    line: int = 0
    contact_email: str | None = None  # where `scenari actors invite --email` sends the link (issue 19)
    language: str | None = None  # the contact's language for e-mails (None: the plan's default)


@dataclass(frozen=True)
class ImportResult:
    added: int
    updated: int
    unchanged: int


class RegisterError(ValueError):
    """Rows that cannot be stored, each located ("riga 4: …"); nothing was stored."""

    def __init__(self, errors: Sequence[str]) -> None:
        super().__init__("\n".join(errors))
        self.errors = list(errors)


async def import_actors(session: AsyncSession, rows: Sequence[ActorRow]) -> ImportResult:
    """Add or update actors, matched by code, else by organisation name (idempotent).

    All or nothing: conflicting rows raise :class:`RegisterError` before anything is written.
    """
    existing = list(await session.scalars(select(Actor)))
    by_code = {a.code: a for a in existing}
    by_name = {normalise_name(a.organisation): a for a in existing}
    taken = set(by_code)
    errors: list[str] = []
    seen_codes: dict[str, int] = {}
    seen_names: dict[str, int] = {}
    plan: list[tuple[ActorRow, Actor | None, str]] = []
    for row in rows:
        where = f"riga {row.line}" if row.line else "riga ?"
        name = normalise_name(row.organisation)
        if name in seen_names:
            errors.append(f"{where}: organisation {row.organisation!r} repeats row {seen_names[name]}")
            continue
        seen_names[name] = row.line
        by_this_code = by_code.get(row.code) if row.code else None
        by_this_name = by_name.get(name)
        if by_this_code and by_this_name and by_this_code is not by_this_name:
            errors.append(
                f"{where}: code {row.code!r} belongs to {by_this_code.organisation!r}, "
                f"but {row.organisation!r} is already registered as {by_this_name.code!r}"
            )
            continue
        target = by_this_code or by_this_name
        code = row.code or (target.code if target else slug(row.organisation, taken | set(seen_codes)))
        if code in seen_codes:
            errors.append(f"{where}: code {code!r} repeats row {seen_codes[code]}")
            continue
        if target is not None and row.code and target.code != row.code and row.code in by_code:
            errors.append(f"{where}: code {row.code!r} is already used by {by_code[row.code].organisation!r}")
            continue
        seen_codes[code] = row.line
        plan.append((row, target, code))
    if errors:
        raise RegisterError(errors)
    added = updated = unchanged = 0
    for row, target, code in plan:
        contact = row.contact_person or None
        if target is None:
            session.add(Actor(code=code, organisation=row.organisation.strip(), category=row.category,
                              contact_person=contact, contact_email=row.contact_email or None,
                              language=row.language or None, state=STATE_NEW))
            added += 1
            continue
        new_values = {"code": code, "organisation": row.organisation.strip(), "category": row.category,
                      "contact_person": contact if contact is not None else target.contact_person,
                      "contact_email": row.contact_email or target.contact_email,
                      "language": row.language or target.language}
        if all(getattr(target, k) == v for k, v in new_values.items()):
            unchanged += 1
            continue
        for key, value in new_values.items():
            setattr(target, key, value)
        updated += 1
    await session.flush()
    return ImportResult(added, updated, unchanged)


async def list_actors(session: AsyncSession) -> list[Actor]:
    return list(await session.scalars(select(Actor).order_by(Actor.category, Actor.organisation)))


async def get_actor(session: AsyncSession, code: str) -> Actor | None:
    return await session.scalar(select(Actor).where(Actor.code == code))


async def actor_by_id(session: AsyncSession, actor_id: int) -> Actor | None:
    return await session.get(Actor, actor_id)


async def actors_by_state(session: AsyncSession, *states: str) -> list[Actor]:
    return list(
        await session.scalars(select(Actor).where(Actor.state.in_(states)).order_by(Actor.category, Actor.organisation))
    )


async def actor_of(session: AsyncSession, respondent_id: int) -> Actor | None:
    """The actor a respondent answers for, if any."""
    return await session.scalar(
        select(Actor).join(RespondentActor, RespondentActor.actor_id == Actor.id)
        .where(RespondentActor.respondent_id == respondent_id)
    )


async def run_statuses(session: AsyncSession, respondent_id: int, questionnaire_id: str) -> set[str]:
    """The statuses of a respondent's runs of one questionnaire (to tell "done" from "never")."""
    return set(
        await session.scalars(
            select(Run.status).where(Run.respondent_id == respondent_id, Run.questionnaire_id == questionnaire_id)
        )
    )


async def mark_answered(session: AsyncSession, actor_id: int, now: datetime | None = None) -> None:
    actor = await session.get(Actor, actor_id)
    if actor is not None and actor.state != STATE_ANSWERED:
        actor.state = STATE_ANSWERED
        actor.answered_at = now or utcnow()
        await session.flush()


# --- invitations ----------------------------------------------------------------------------


async def create_invitation(session: AsyncSession, actor: Actor) -> Invitation:
    """A new single-use token for ``actor``; an actor not yet invited becomes invited."""
    invitation = Invitation(token=new_token(), actor_id=actor.id)
    session.add(invitation)
    if actor.state == STATE_NEW:
        actor.state = STATE_INVITED
    await session.flush()
    return invitation


async def get_invitation(session: AsyncSession, token: str) -> Invitation | None:
    token = token.strip().lower()
    if not TOKEN_PATTERN.match(token):
        return None
    return await session.scalar(select(Invitation).where(Invitation.token == token))


async def revoke_invitation(session: AsyncSession, token: str, now: datetime | None = None) -> Invitation | None:
    invitation = await get_invitation(session, token)
    if invitation is not None and invitation.revoked_at is None:
        invitation.revoked_at = now or utcnow()
        await session.flush()
    return invitation


InvitationCheck = Literal["valid", "own", "used", "revoked", "unknown"]


def check_invitation(invitation: Invitation | None, respondent_id: int | None) -> InvitationCheck:
    """Whether ``respondent_id`` may use the invitation: valid (unused), own (theirs already)."""
    if invitation is None:
        return "unknown"
    if invitation.revoked_at is not None:
        return "revoked"
    if invitation.used_at is None:
        return "valid"
    if respondent_id is not None and invitation.respondent_id == respondent_id:
        return "own"
    return "used"


async def redeem_invitation(
    session: AsyncSession, invitation: Invitation, respondent_id: int, now: datetime | None = None
) -> Actor:
    """Mark the token used by ``respondent_id`` and link the respondent to its actor."""
    if invitation.used_at is None:
        invitation.used_at = now or utcnow()
        invitation.respondent_id = respondent_id
    link = await session.get(RespondentActor, respondent_id)
    if link is None:
        session.add(RespondentActor(respondent_id=respondent_id, actor_id=invitation.actor_id, invitation_id=invitation.id))
    else:
        link.actor_id = invitation.actor_id
        link.invitation_id = invitation.id
    await session.flush()
    actor = await session.get(Actor, invitation.actor_id)
    assert actor is not None
    return actor


@dataclass(frozen=True)
class InvitationSummary:
    token: str
    actor_code: str
    organisation: str
    created_at: datetime
    used_at: datetime | None
    revoked_at: datetime | None


async def invitations_of(session: AsyncSession, actor_ids: Sequence[int] | None = None) -> list[InvitationSummary]:
    query = select(Invitation, Actor).join(Actor, Actor.id == Invitation.actor_id).order_by(Invitation.id)
    if actor_ids is not None:
        query = query.where(Invitation.actor_id.in_(actor_ids))
    return [
        InvitationSummary(i.token, a.code, a.organisation, i.created_at, i.used_at, i.revoked_at)
        for i, a in (await session.execute(query)).all()
    ]


# --- exports ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class ActorExport:
    """An actor for analysts: organisations are public; the contact person is left out."""

    code: str
    organisation: str
    category: str
    state: str
    invitations: int
    invitations_used: int
    respondents: int
    created_at: datetime
    answered_at: datetime | None


async def export_actors(session: AsyncSession) -> list[ActorExport]:
    invited = dict(
        (await session.execute(select(Invitation.actor_id, func.count()).group_by(Invitation.actor_id))).all()
    )
    used = dict(
        (
            await session.execute(
                select(Invitation.actor_id, func.count()).where(Invitation.used_at.is_not(None)).group_by(Invitation.actor_id)
            )
        ).all()
    )
    linked = dict(
        (await session.execute(select(RespondentActor.actor_id, func.count()).group_by(RespondentActor.actor_id))).all()
    )
    return [
        ActorExport(
            a.code, a.organisation, a.category, a.state, invited.get(a.id, 0), used.get(a.id, 0),
            linked.get(a.id, 0), a.created_at, a.answered_at,
        )
        for a in await list_actors(session)
    ]
