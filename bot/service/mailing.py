"""E-mail invitations and reminders to the register's contacts (issue 19): what is queued, and the e-mails.

Channel-neutral: this module decides *who* gets an e-mail and *what it says*; the SMTP side is
:mod:`bot.mail.sender`, which reads the outbox rows queued here (:mod:`storage.outbox.email`).

* :func:`queue_invitations` — one e-mail per actor with a contact address, carrying the actor's
  open single-use token (a new one only when none is open, or with ``new``); queuing again
  never sends twice (the row's key is the invitation's id).
* :func:`queue_reminders` — to contacts invited by e-mail who have not answered, ``days`` after
  the invitation (then after each reminder), at most one per delay; the same link again.
* Every e-mail carries an unsubscribe link (and the ``List-Unsubscribe`` headers of RFC 2369 and
  RFC 8058): a signed row id, so it names the address without showing it. :func:`unsubscribe`
  puts the address on the list that every later e-mail is checked against, when queued and
  when sent.

The e-mails are composed at send time from the row (so an unsubscribe, an answer or a revoked
link in between are seen), in the contact's language — Italian and English built in, more from
the plan's texts.yaml ("email" layer: Bozen writes German, "Sie") — in the formal "Lei" of the
listening interview they open.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import html
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from sqlalchemy.ext.asyncio import AsyncSession

from dialogs.i18n import Catalogue
from storage import outbox, register
from storage.models import Actor, utcnow
from storage.outbox import email as email_outbox

from bot.service.invitations import INTERVIEW
from bot.settings import Settings

UNSUBSCRIBE_PATH = "/email/disiscrivi"
PURPOSE = "email-unsubscribe"  # the derived key's purpose (bot.web.session.Sessions.derived_secret)

TEXTS: dict[str, dict[str, str]] = {
    "email_invitation_subject": {
        "it": "{sender}: la invitiamo all'intervista di ascolto",
        "en": "{sender}: an invitation to the listening interview",
    },
    "email_reminder_subject": {
        "it": "{sender}: la sua intervista di ascolto la aspetta",
        "en": "{sender}: your listening interview is waiting",
    },
    "email_greeting": {"it": "Gentile {name},", "en": "Dear {name},"},
    "email_greeting_plain": {"it": "Gentile referente di {organisation},", "en": "Dear contact at {organisation},"},
    "email_invitation_body": {
        "it": (
            "{sender} sta ascoltando gli attori del territorio per costruire scenari condivisi. "
            "La invitiamo a rispondere, a nome di {organisation}, all'intervista di ascolto: "
            "richiede circa 15 minuti e si può interrompere e riprendere."
        ),
        "en": (
            "{sender} is listening to the city's stakeholders to build shared scenarios. "
            "We invite you to answer the listening interview on behalf of {organisation}: "
            "it takes about 15 minutes and can be paused and resumed."
        ),
    },
    "email_reminder_body": {
        "it": (
            "qualche giorno fa le abbiamo scritto per invitarla, a nome di {organisation}, "
            "all'intervista di ascolto di {sender}. Non abbiamo ancora la sua risposta: il suo "
            "contributo conta. Se l'ha già iniziata, il link la riporta dove si era fermato."
        ),
        "en": (
            "a few days ago we invited you, on behalf of {organisation}, to the listening "
            "interview of {sender}. We do not have your answers yet, and they matter. If you "
            "have started already, the link takes you back to where you stopped."
        ),
    },
    "email_link_intro": {"it": "Il suo link personale:", "en": "Your personal link:"},
    "email_link_button": {"it": "Inizia l'intervista", "en": "Start the interview"},
    "email_link_single_use": {
        "it": "Il link è personale e vale per una sola persona: la prima che lo apre e accetta. Non lo inoltri.",
        "en": "The link is personal and works for one person only: the first who opens it and agrees. Please do not forward it.",
    },
    "email_signature": {"it": "Cordiali saluti,\n{sender}", "en": "Kind regards,\n{sender}"},
    "email_unsubscribe": {
        "it": "Non vuole ricevere altre e-mail da {sender}? Si disiscriva: {url}",
        "en": "Do not want more e-mails from {sender}? Unsubscribe: {url}",
    },
    "email_unsubscribe_label": {"it": "Si disiscriva", "en": "Unsubscribe"},
    "email_unsubscribe_html": {
        "it": "Non vuole ricevere altre e-mail da {sender}?",
        "en": "Do not want more e-mails from {sender}?",
    },
    # the web's unsubscribe pages (bot.web.unsubscribe)
    "unsubscribe_title": {"it": "Disiscrizione dalle e-mail", "en": "Unsubscribe from e-mails"},
    "unsubscribe_confirm": {
        "it": "Vuole smettere di ricevere e-mail da {sender}? Non le scriveremo più, nemmeno per ricordarle l'intervista.",
        "en": "Do you want to stop receiving e-mails from {sender}? We will not write to you again, not even to remind you of the interview.",
    },
    "unsubscribe_button": {"it": "Sì, non scrivetemi più", "en": "Yes, stop writing to me"},
    "unsubscribe_done": {
        "it": "Fatto: il suo indirizzo non riceverà più e-mail da {sender}. Se ha un link all'intervista, resta valido.",
        "en": "Done: your address will receive no more e-mails from {sender}. A link to the interview you have still works.",
    },
    "unsubscribe_bad_link": {
        "it": "Questo link di disiscrizione non è valido. Lo copi per intero dall'e-mail, oppure risponda all'e-mail chiedendo di non ricevere altro.",
        "en": "This unsubscribe link is not valid. Copy it whole from the e-mail, or reply to the e-mail asking to receive nothing more.",
    },
}

# a catalogue of its own (a plan's texts.yaml may override it as the "email" layer, and add a language)
CATALOGUE = Catalogue(TEXTS, layer="email")
translate = CATALOGUE.translate


def written_in(lang: str) -> bool:
    """Whether the e-mails exist in ``lang``: Italian and English built in, more from the plan's texts.yaml
    (Bozen's German). A contact whose language has none is written to in the plan's default language."""
    return lang in CATALOGUE.languages("email_invitation_body")


# --- links -------------------------------------------------------------------------------------


def invitation_url(base_url: str, token: str) -> str:
    """The web link of an invitation: the browser that accepts it answers the interview there."""
    return f"{base_url.rstrip('/')}/q/{INTERVIEW}?t={token}"


def unsubscribe_secret(secret_key: str) -> str:
    """The key unsubscribe tokens are signed with, derived from the web's key (as ``Sessions.derived_secret`` does)."""
    return hmac.new(secret_key.encode("utf-8"), PURPOSE.encode("utf-8"), hashlib.sha256).hexdigest()


def _signature(secret: str, row_id: int) -> str:
    digest = hmac.new(secret.encode("utf-8"), f"{PURPOSE}:{row_id}".encode(), hashlib.sha256).digest()
    return base64.urlsafe_b64encode(digest[:16]).decode("ascii").rstrip("=")


def unsubscribe_token(secret: str, row_id: int) -> str:
    """``<row id>.<signature>``: names the e-mail (and so its address) without showing the address."""
    return f"{row_id}.{_signature(secret, row_id)}"


def read_unsubscribe_token(secret: str, token: str | None) -> int | None:
    """The row id of a genuine token, else None."""
    if not token or len(token) > 80 or "." not in token:
        return None
    head, _, signature = token.partition(".")
    if not head.isdigit():
        return None
    row_id = int(head)
    return row_id if hmac.compare_digest(signature, _signature(secret, row_id)) else None


def unsubscribe_url(base_url: str, secret: str, row_id: int) -> str:
    return f"{base_url.rstrip('/')}{UNSUBSCRIBE_PATH}?t={unsubscribe_token(secret, row_id)}"


# --- the e-mails -------------------------------------------------------------------------------


@dataclass(frozen=True)
class Email:
    """One e-mail, ready for the SMTP side: plain text (required) and an HTML alternative."""

    to: str
    subject: str
    text: str
    html: str
    headers: dict[str, str] = field(default_factory=dict)


def compose(
    kind: str, lang: str, *, to: str, organisation: str, contact_person: str | None, token: str, row_id: int,
    base_url: str, sender_name: str, secret: str,
) -> Email:
    """The invitation (``email_invite``) or reminder (``email_remind``) of one outbox row."""
    lang = lang if written_in(lang) else "it"
    params = {"sender": sender_name, "organisation": organisation}
    link = invitation_url(base_url, token)
    leave = unsubscribe_url(base_url, secret, row_id)
    reminder = kind == email_outbox.REMINDER
    subject = translate("email_reminder_subject" if reminder else "email_invitation_subject", lang, **params)
    greeting = (translate("email_greeting", lang, name=contact_person) if contact_person
                else translate("email_greeting_plain", lang, **params))
    body = translate("email_reminder_body" if reminder else "email_invitation_body", lang, **params)
    single = translate("email_link_single_use", lang)
    signature = translate("email_signature", lang, **params)
    text = "\n\n".join([
        greeting, body, f"{translate('email_link_intro', lang)}\n{link}", single, signature,
        "-- \n" + translate("email_unsubscribe", lang, url=leave, **params),
    ]) + "\n"
    e = html.escape
    sig_html = "<br>".join(e(line) for line in signature.split("\n"))
    html_body = (
        f'<!doctype html><html lang="{lang}"><head><meta charset="utf-8"><title>{e(subject)}</title></head>'
        f'<body style="font-family:sans-serif;line-height:1.5;max-width:40em">'
        f"<p>{e(greeting)}</p><p>{e(body)}</p>"
        f'<p><a href="{e(link)}" style="display:inline-block;padding:.6em 1.2em;background:#1d4e89;color:#fff;'
        f'text-decoration:none;border-radius:4px">{e(translate("email_link_button", lang))}</a></p>'
        f'<p>{e(translate("email_link_intro", lang))} <a href="{e(link)}">{e(link)}</a></p>'
        f"<p><small>{e(single)}</small></p><p>{sig_html}</p><hr>"
        f'<p><small>{e(translate("email_unsubscribe_html", lang, **params))} '
        f'<a href="{e(leave)}">{e(translate("email_unsubscribe_label", lang))}</a></small></p>'
        "</body></html>"
    )
    headers = {"List-Unsubscribe": f"<{leave}>", "List-Unsubscribe-Post": "List-Unsubscribe=One-Click"}
    return Email(to, subject, text, html_body, headers)


# --- queueing ----------------------------------------------------------------------------------


@dataclass
class Queued:
    """What :func:`queue_invitations` / :func:`queue_reminders` did, per actor code."""

    queued: list[str] = field(default_factory=list)
    already: list[str] = field(default_factory=list)  # queued or sent before: not again
    no_address: list[str] = field(default_factory=list)
    unsubscribed: list[str] = field(default_factory=list)
    not_due: list[str] = field(default_factory=list)  # reminders: too early, or all reminders had


def _language(actor: Actor, default: str) -> str:
    if actor.language and written_in(actor.language):
        return actor.language
    return default if written_in(default) else "it"


async def queue_invitations(
    session: AsyncSession, actors: Sequence[Actor], *, new: bool = False, default_language: str = "it",
    now: datetime | None = None,
) -> Queued:
    """One invitation e-mail per actor with an address (its open token, or a new one)."""
    result = Queued()
    addresses = {a.id: email_outbox.normalise(a.contact_email) for a in actors if a.contact_email}
    out = await email_outbox.opted_out(session, addresses.values())
    open_tokens: dict[str, str] = {}
    if not new:
        for summary in await register.invitations_of(session, [a.id for a in actors]):
            if summary.used_at is None and summary.revoked_at is None:
                open_tokens.setdefault(summary.actor_code, summary.token)
    rows: list[tuple[str, email_outbox.EmailRow]] = []
    for actor in actors:
        address = addresses.get(actor.id)
        if address is None:
            result.no_address.append(actor.code)
            continue
        if address in out:
            result.unsubscribed.append(actor.code)
            continue
        token = open_tokens.get(actor.code)
        invitation = await register.get_invitation(session, token) if token else None
        if invitation is None:
            invitation = await register.create_invitation(session, actor)
        rows.append((actor.code, email_outbox.EmailRow(
            email_outbox.invitation_key(invitation.id), actor.id, email_outbox.INVITATION, address, invitation.token,
            _language(actor, default_language),
        )))
    await _enqueue(session, rows, result, now)
    return result


async def _enqueue(
    session: AsyncSession, rows: Sequence[tuple[str, email_outbox.EmailRow]], result: Queued, now: datetime | None
) -> None:
    """Enqueue, telling the rows queued now from those queued (or sent) before."""
    before = await outbox.existing_keys(session, [row.dedupe_key for _, row in rows])
    await email_outbox.enqueue(session, [row for _, row in rows], now)
    for code, row in rows:
        (result.already if row.dedupe_key in before else result.queued).append(code)


async def queue_reminders(
    session: AsyncSession, days: Sequence[float], *, default_language: str = "it", now: datetime | None = None,
) -> Queued:
    """A reminder to each contact invited by e-mail who has not answered, when its next delay has passed.

    ``days[n]`` is counted from the invitation (n = 0) or the last reminder; after ``len(days)``
    reminders nobody is reminded again. Answered or unsubscribed contacts and revoked links get none.
    """
    now = now or utcnow()
    result = Queued()
    if not days:
        return result
    actors = await register.actors_by_state(session, register.STATE_INVITED)
    sent = await email_outbox.invitations_sent(session, [a.id for a in actors])
    out = await email_outbox.opted_out(session, (s.address for s in sent.values()))
    rows: list[tuple[str, email_outbox.EmailRow]] = []
    for actor in actors:
        s = sent.get(actor.id)
        if s is None:
            continue  # never e-mailed: `scenari actors invite --email` first
        if not actor.contact_email or email_outbox.normalise(actor.contact_email) != s.address:
            result.no_address.append(actor.code)
            continue
        if s.address in out:
            result.unsubscribed.append(actor.code)
            continue
        invitation = await register.get_invitation(session, s.token)
        if invitation is None or invitation.revoked_at is not None:
            continue
        if s.reminders >= len(days) or now - s.last_sent_at < timedelta(days=days[s.reminders]):
            result.not_due.append(actor.code)
            continue
        number = s.reminders + 1
        rows.append((actor.code, email_outbox.EmailRow(
            email_outbox.reminder_key(invitation.id, number), actor.id, email_outbox.REMINDER, s.address, s.token,
            _language(actor, default_language), number,
        )))
    await _enqueue(session, rows, result, now)
    return result


async def link_language(session: AsyncSession, secret: str, token: str | None) -> str | None:
    """The language of the e-mail an unsubscribe link came in (its page speaks it), None for a bad link."""
    row_id = read_unsubscribe_token(secret, token)
    found = await email_outbox.address_of_row(session, row_id) if row_id is not None else None
    return found[1] if found else None


async def unsubscribe(session: AsyncSession, secret: str, token: str | None, source: str = "link") -> bool | None:
    """Honour an unsubscribe link: True done now, False done before, None not a genuine link."""
    row_id = read_unsubscribe_token(secret, token)
    if row_id is None:
        return None
    found = await email_outbox.address_of_row(session, row_id)
    if found is None:
        return None
    return await email_outbox.opt_out(session, found[0], source)


def sender_name(settings: Settings) -> str:
    """The name e-mails are signed with and sent from: SCENARI_EMAIL_SENDER_NAME, else the plan's (plan.yaml's ``name``)."""
    return (settings.email_sender_name or "").strip() or str(settings.plan.manifest.get("name") or "Scenari")
