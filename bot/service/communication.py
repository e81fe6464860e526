"""The communication plan, channel-neutral: opt-in, segments, messages, reminders, feedback, events.

Everything here decides *what* to send and to whom, and writes it to the durable outbox
(:mod:`storage.outbox`); :mod:`bot.telegram.sender` delivers it through Telegram at Telegram's pace.

* **Opt-in**: :class:`NewsletterOptIn` is an ``on_completed`` hook of the conversation: when a
  Telegram respondent completes a questionnaire and was never asked, it asks (buttons
  sì / no). ``/disiscrivi`` revokes; both are consents of purpose ``newsletter``.
* **Broadcasts**: Markdown texts in Italian and English (:func:`markdown_html` makes safe
  Telegram HTML), buttons to a questionnaire or the results, an optional document;
  :func:`expand_due` turns a due broadcast into one outbox row per recipient.
* **Reminders** (:func:`scan_reminders`): a run stopped for ``delays[i]`` gets reminder ``i``
  (at most N per run), moved out of the quiet hours, with a resume button; the sender checks
  again right before sending (completed, paused, erased, opted out → not sent).
* **Feedback** (:func:`scan_feedback`): once per aggregate snapshot, a personal summary to each
  participant who opted in — a firm's profile beside the current distribution, an actor's
  objectives' themes among the shared priorities; counts under k are never shown.
* **Events** (:func:`invite`, :func:`scan_event_reminders`): invitations with RSVP buttons,
  the waiting list, a reminder the day before.
"""

from __future__ import annotations

import asyncio
import html
import logging
import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, time as clock, timedelta, timezone
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy.ext.asyncio import AsyncSession

from dialogs import Message, Option, Questionnaire, RunState
from dialogs.i18n import translate
from storage import Database, audiences, events, outbox, repository
from storage.models import Respondent, Run, utcnow

log = logging.getLogger("scenari.communication")

NEWSLETTER_KEY = "_newsletter"
NOTICE_VERSION = "newsletter-1"

TEXTS: dict[str, dict[str, str]] = {
    "optin_question": {
        "it": "Vuole ricevere qui gli aggiornamenti del piano strategico (newsletter, risultati, inviti agli incontri)? "
              "Al massimo qualche messaggio al mese; può disiscriversi quando vuole con /disiscrivi.",
        "en": "Would you like to receive the strategic plan's news here (newsletter, results, invitations to meetings)? "
              "A few messages a month at most; you can unsubscribe at any time with /disiscrivi.",
    },
    "optin_yes": {"it": "Sì, mi iscrivo", "en": "Yes, subscribe me"},
    "optin_no": {"it": "No, grazie", "en": "No, thanks"},
    "subscribed": {
        "it": "Iscrizione registrata: riceverà gli aggiornamenti del piano. Per annullarla: /disiscrivi.",
        "en": "You are subscribed to the plan's news. To unsubscribe: /disiscrivi.",
    },
    "not_subscribed": {
        "it": "Va bene, nessun aggiornamento. Se cambia idea: /iscriviti.",
        "en": "All right, no news. If you change your mind: /iscriviti.",
    },
    "unsubscribed": {
        "it": "Fatto: non riceverà più aggiornamenti né promemoria. Per iscriversi di nuovo: /iscriviti.",
        "en": "Done: you will receive no more news or reminders. To subscribe again: /iscriviti.",
    },
    "was_not_subscribed": {
        "it": "Non risulta iscritto agli aggiornamenti. Per iscriversi: /iscriviti.",
        "en": "You are not subscribed to the news. To subscribe: /iscriviti.",
    },
    "privacy_newsletter_on": {
        "it": "Aggiornamenti del piano: iscritto (/disiscrivi per annullare).",
        "en": "Plan news: subscribed (/disiscrivi to unsubscribe).",
    },
    "privacy_newsletter_off": {"it": "Aggiornamenti del piano: non iscritto.", "en": "Plan news: not subscribed."},
    "privacy_unreachable": {
        "it": "Risulta che ha bloccato il bot: non le inviamo nulla.",
        "en": "You appear to have blocked the bot: we send you nothing.",
    },
    "privacy_rsvp": {"it": "Incontro «{title}»: {status}", "en": "Meeting “{title}”: {status}"},
    "rsvp_confirmed": {"it": "posto confermato", "en": "place confirmed"},
    "rsvp_waiting": {"it": "in lista d'attesa", "en": "on the waiting list"},
    "rsvp_maybe": {"it": "forse", "en": "maybe"},
    "rsvp_declined": {"it": "non partecipa", "en": "not attending"},
    "reminder": {
        "it": "Buongiorno! Il questionario «{title}» è rimasto a metà: le risposte date finora sono salvate. "
              "Quando ha qualche minuto, può riprendere da dove si era fermato.",
        "en": "Hello! The questionnaire “{title}” was left half-way: your answers so far are saved. "
              "When you have a few minutes, you can pick up where you left off.",
    },
    "resume": {"it": "▶ Riprendi", "en": "▶ Resume"},
    "answer_questionnaire": {"it": "📝 Rispondi: {title}", "en": "📝 Answer: {title}"},
    "results": {"it": "📊 I risultati", "en": "📊 The results"},
    "event_invite": {
        "it": "📅 <b>{title}</b>\n{when}\n📍 {place}{description}\n\nParteciperà?",
        "en": "📅 <b>{title}</b>\n{when}\n📍 {place}{description}\n\nWill you attend?",
    },
    "rsvp_yes": {"it": "Sì", "en": "Yes"},
    "rsvp_no": {"it": "No", "en": "No"},
    "rsvp_maybe_button": {"it": "Forse", "en": "Maybe"},
    "rsvp_done_confirmed": {
        "it": "Perfetto, il suo posto a «{title}» è confermato. Le ricorderemo l'incontro il giorno prima.",
        "en": "Great, your place at “{title}” is confirmed. We will remind you the day before.",
    },
    "rsvp_done_waiting": {
        "it": "L'incontro «{title}» è al completo: è in lista d'attesa (posizione {position}). "
              "Le scriveremo se si libera un posto.",
        "en": "“{title}” is full: you are on the waiting list (position {position}). "
              "We will write to you if a place frees up.",
    },
    "rsvp_done_maybe": {
        "it": "Segnato come «forse». Può confermare in ogni momento con il pulsante Sì.",
        "en": "Marked as “maybe”. You can confirm at any time with the Yes button.",
    },
    "rsvp_done_declined": {"it": "Grazie di averci avvisato.", "en": "Thank you for letting us know."},
    "rsvp_closed": {"it": "Le iscrizioni a questo incontro sono chiuse.", "en": "Registration for this meeting is closed."},
    "rsvp_promoted": {
        "it": "Buone notizie: si è liberato un posto a «{title}» ({when}, {place}) e ora è confermato per lei. "
              "Se non può più venire, prema No sull'invito.",
        "en": "Good news: a place freed up at “{title}” ({when}, {place}) and it is now confirmed for you. "
              "If you can no longer come, press No on the invitation.",
    },
    "event_reminder": {
        "it": "⏰ Promemoria: domani <b>{title}</b>, {when}, {place}. A presto!",
        "en": "⏰ Reminder: tomorrow <b>{title}</b>, {when}, {place}. See you soon!",
    },
    "feedback_header": {
        "it": "📊 Sono disponibili nuovi risultati del piano strategico. Ecco una sintesi per lei.",
        "en": "📊 New results of the strategic plan are available. Here is a summary for you.",
    },
    "feedback_profile": {
        "it": "Il profilo di innovazione della sua impresa: <b>{label}</b>.",
        "en": "Your firm's innovation profile: <b>{label}</b>.",
    },
    "feedback_distribution": {
        "it": "Come si distribuiscono oggi le {n} imprese che hanno risposto:",
        "en": "How the {n} firms that answered are distributed today:",
    },
    "feedback_too_few": {
        "it": "Le risposte sono ancora troppo poche per mostrare la distribuzione delle imprese.",
        "en": "There are still too few answers to show how firms are distributed.",
    },
    "feedback_small": {"it": "meno di {k}", "en": "fewer than {k}"},
    "feedback_themes": {
        "it": "Dei temi dei vostri obiettivi, sono tra le priorità condivise della città:",
        "en": "Of your objectives' themes, these are among the city's shared priorities:",
    },
    "feedback_no_themes": {
        "it": "I temi dei vostri obiettivi non sono (ancora) tra le priorità più condivise: il confronto continua agli incontri.",
        "en": "Your objectives' themes are not (yet) among the most shared priorities: the discussion goes on at the meetings.",
    },
    "feedback_priorities": {
        "it": "Le priorità più condivise finora: {themes}.",
        "en": "The most shared priorities so far: {themes}.",
    },
}


def text(key: str, lang: str, /, **params: Any) -> str:
    return translate(TEXTS, key, lang, **params)


# --- settings ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class Plan:
    """The communication settings, read once from :class:`bot.settings.Settings`."""

    rate: float = 25.0
    chat_spacing: float = 1.0
    reminder_delays: tuple[float, ...] = (24.0, 96.0)  # hours after the last answer
    reminder_max: int = 2
    quiet_hours: str = "21:00-09:00"
    timezone: str = "Europe/Rome"
    results_url: str | None = None
    uncertain: str = "hold"
    suppress_k: int = 3
    bot_username: str | None = None

    @classmethod
    def from_settings(cls, settings: Any) -> Plan:
        delays = tuple(settings.reminder_delays)
        limit = settings.reminder_max if settings.reminder_max is not None else len(delays)
        return cls(
            rate=settings.broadcast_rate, chat_spacing=settings.chat_spacing, reminder_delays=delays,
            reminder_max=min(limit, len(delays)), quiet_hours=settings.quiet_hours, timezone=settings.city_timezone,
            results_url=settings.results_url, uncertain=settings.sender_uncertain, suppress_k=settings.suppress_k,
            bot_username=settings.telegram_bot_username,
        )

    @property
    def zone(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)

    def out_of_quiet_hours(self, moment: datetime) -> datetime:
        """``moment``, or the end of the quiet hours it falls in (in the city's time zone)."""
        if not self.quiet_hours:
            return moment
        start_s, end_s = self.quiet_hours.split("-")
        start = clock(*map(int, start_s.split(":")))
        end = clock(*map(int, end_s.split(":")))
        local = moment.astimezone(self.zone)
        t = local.time()
        quiet = (start <= t or t < end) if start > end else (start <= t < end)
        if not quiet:
            return moment
        day = local.date() if (start > end and t < end) or start <= end else local.date() + timedelta(days=1)
        return datetime.combine(day, end, tzinfo=self.zone).astimezone(timezone.utc)

    def local(self, moment: datetime, lang: str) -> str:
        local = moment.astimezone(self.zone)
        if lang == "en":
            return local.strftime("%A %d %B %Y, %H:%M")
        days = ["lunedì", "martedì", "mercoledì", "giovedì", "venerdì", "sabato", "domenica"]
        months = ["gennaio", "febbraio", "marzo", "aprile", "maggio", "giugno", "luglio", "agosto", "settembre",
                  "ottobre", "novembre", "dicembre"]
        return f"{days[local.weekday()]} {local.day} {months[local.month - 1]} {local.year}, ore {local:%H:%M}"


# --- Markdown → Telegram HTML -------------------------------------------------------------------

_CODE = re.compile(r"`([^`\n]+)`")
_LINK = re.compile(r"\[([^\]\n]+)\]\(([^)\s]+)\)")
_BOLD = re.compile(r"(\*\*|__)(?=\S)(.+?)(?<=\S)\1")
_ITALIC = re.compile(r"(?<![\w*])([*_])(?=\S)(.+?)(?<=\S)\1(?![\w*])")
_STRIKE = re.compile(r"~~(?=\S)(.+?)(?<=\S)~~")
_TAG = re.compile(r"</?([a-z]+)[^>]*>")
_SAFE_URL = re.compile(r"^(https?://|tg://)[^\s<>\"']+$", re.I)


def markdown_html(source: str) -> str:
    """A small Markdown (bold, italic, strike, code, links, headings, bullets) as Telegram HTML.

    Everything is escaped first, so no HTML of the author's reaches Telegram; links must be
    http(s) or tg. If the markers do not nest properly the text is sent plain (escaped).
    """
    lines = []
    for line in source.replace("\r\n", "\n").split("\n"):
        heading = re.match(r"^\s{0,3}#{1,6}\s+(.*)$", line)
        bullet = re.match(r"^\s*[-*+]\s+(.*)$", line)
        if heading:
            lines.append(f"<b>{_inline(heading.group(1))}</b>")
        elif bullet:
            lines.append(f"• {_inline(bullet.group(1))}")
        else:
            lines.append(_inline(line))
    rendered = "\n".join(lines).strip("\n")
    return rendered if _balanced(rendered) else html.escape(source.strip())


def _inline(line: str) -> str:
    codes: list[str] = []

    def keep(match: re.Match[str]) -> str:
        codes.append(f"<code>{html.escape(match.group(1))}</code>")
        return f"\x00{len(codes) - 1}\x00"

    line = _CODE.sub(keep, line)
    links: list[tuple[str, str]] = []

    def link(match: re.Match[str]) -> str:
        label, url = match.group(1), match.group(2)
        if not _SAFE_URL.match(url):
            return match.group(0)
        links.append((label, url))
        return f"\x01{len(links) - 1}\x01"

    line = _LINK.sub(link, line)
    line = html.escape(line, quote=False)
    line = _BOLD.sub(lambda m: f"<b>{m.group(2)}</b>", line)
    line = _STRIKE.sub(lambda m: f"<s>{m.group(1)}</s>", line)
    line = _ITALIC.sub(lambda m: f"<i>{m.group(2)}</i>", line)
    line = re.sub(
        "\x01(\\d+)\x01",
        lambda m: f'<a href="{html.escape(links[int(m.group(1))][1], quote=True)}">{html.escape(links[int(m.group(1))][0], quote=False)}</a>',
        line,
    )
    return re.sub("\x00(\\d+)\x00", lambda m: codes[int(m.group(1))], line)


def _balanced(rendered: str) -> bool:
    stack: list[str] = []
    for match in _TAG.finditer(rendered):
        name = match.group(1)
        if match.group(0).startswith("</"):
            if not stack or stack.pop() != name:
                return False
        else:
            stack.append(name)
    return not stack


# --- segments and buttons -------------------------------------------------------------------------


def parse_segment(spec: str) -> dict[str, list[str]]:
    """``category=firm,culture;lang=it`` (or ``all``) → a checked segment."""
    spec = (spec or "").strip()
    if spec in ("", "all", "tutti"):
        return {}
    segment: dict[str, list[str]] = {}
    for part in re.split(r"[;\s]+", spec):
        if not part:
            continue
        if "=" not in part:
            raise audiences.SegmentError(f"expected filter=value, got {part!r}")
        key, values = part.split("=", 1)
        segment[key.strip().lower()] = [v for v in values.split(",") if v.strip()]
    return audiences.check_segment(segment)


def describe_segment(segment: dict[str, Any]) -> str:
    if not segment:
        return "all"
    return ";".join(f"{k}={','.join(v)}" for k, v in sorted(segment.items()))


async def resolve_segment(session: AsyncSession, spec: str) -> dict[str, Any]:
    """A saved segment's name, or a spec (:func:`parse_segment`)."""
    saved = await audiences.get_segment(session, spec) if spec and "=" not in spec and spec not in ("all", "tutti") else None
    return saved if saved is not None else parse_segment(spec)


def parse_time(value: str | None, zone: str) -> datetime | None:
    """"YYYY-MM-DD HH:MM" in the city's time zone → UTC; None (or "now") → None."""
    if value is None or value == "now":
        return None
    for fmt in ("%Y-%m-%d %H:%M", "%Y-%m-%dT%H:%M", "%d/%m/%Y %H:%M"):
        try:
            local = datetime.strptime(value.strip(), fmt)
        except ValueError:
            continue
        return local.replace(tzinfo=ZoneInfo(zone)).astimezone(timezone.utc)
    raise ValueError(f'not a time: {value!r} (expected "YYYY-MM-DD HH:MM")')


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
        if not _SAFE_URL.match(url.strip()) or not label.strip():
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
            shown.append({"text": text("answer_questionnaire", lang, title=title), "action": "start", "questionnaire": qid})
        elif b.get("kind") == "results":
            if plan.results_url:
                shown.append({"text": text("results", lang), "url": plan.results_url})
        elif b.get("kind") == "url":
            shown.append({"text": b.get("label") or b["url"], "url": b["url"]})
        elif "text" in b:
            shown.append(dict(b))
    return shown


@dataclass(frozen=True)
class Composed:
    """One message as a recipient gets it."""

    html: str
    buttons: list[dict[str, Any]]
    document_path: str | None = None
    document_file_id: str | None = None


def compose(broadcast: Any, lang: str, plan: Plan, catalog: Any = None) -> Composed:
    """A broadcast in the recipient's language (Italian when there is no English text)."""
    source = broadcast.text_en if lang == "en" and broadcast.text_en else broadcast.text_it
    if broadcast.kind == "event":
        body = source  # already HTML, made by :func:`invite`
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


# --- opt-in ------------------------------------------------------------------------------------


class NewsletterOptIn:
    """``on_completed`` hook: ask a Telegram respondent once whether they want the plan's news."""

    channels = ("telegram",)

    async def __call__(
        self, session: AsyncSession, respondent: Respondent, run: Run, q: Questionnaire, state: RunState
    ) -> list[Message]:
        if respondent.channel not in self.channels or respondent.id is None:
            return []
        if await audiences.subscribed(session, respondent.id) is not None:
            return []  # asked before: the answer stands until /iscriviti or /disiscrivi
        lang = state.lang
        options = (Option(value="yes", label=text("optin_yes", lang)), Option(value="no", label=text("optin_no", lang)))
        return [Message(kind="prompt", text=text("optin_question", lang), question_key=NEWSLETTER_KEY,
                        question_type="single", options=options)]


async def set_subscription(session: AsyncSession, respondent: Respondent, granted: bool) -> str:
    """Record the decision; returns the text to show."""
    lang = respondent.language
    if respondent.id is None:
        return text("was_not_subscribed", lang)
    before = await audiences.subscribed(session, respondent.id)
    await repository.record_consent(session, respondent.id, audiences.NEWSLETTER, granted, NOTICE_VERSION)
    if granted:
        await audiences.clear_unreachable(session, respondent.id)
        return text("subscribed", lang)
    return text("unsubscribed" if before else ("not_subscribed" if before is None else "was_not_subscribed"), lang)


async def privacy_lines(session: AsyncSession, respondent: Respondent) -> list[str]:
    """What the privacy report adds: the subscription, a blocked bot, meeting answers."""
    if respondent.id is None:
        return []
    lang = respondent.language
    decision = await audiences.subscribed(session, respondent.id)
    lines = [] if decision is None else [text("privacy_newsletter_on" if decision else "privacy_newsletter_off", lang)]
    if await audiences.is_unreachable(session, respondent.id):
        lines.append(text("privacy_unreachable", lang))
    for event, status in await _rsvps_of(session, respondent.id):
        lines.append(text("privacy_rsvp", lang, title=event, status=text(f"rsvp_{status}", lang)))
    return lines


async def _rsvps_of(session: AsyncSession, respondent_id: int) -> list[tuple[str, str]]:
    from sqlalchemy import select

    from storage.models import Event, EventRsvp

    rows = await session.execute(
        select(Event.title, EventRsvp.status).join(EventRsvp, EventRsvp.event_id == Event.id)
        .where(EventRsvp.respondent_id == respondent_id).order_by(Event.starts_at)
    )
    return [(title, status) for title, status in rows]


# --- broadcasts: from due to rows ---------------------------------------------------------------------


async def expand_due(db: Database, now: datetime | None = None) -> list[int]:
    """Every scheduled broadcast now due becomes one outbox row per recipient (one transaction each)."""
    now = now or utcnow()
    started = []
    async with db.transaction() as session:
        due = await outbox.due_broadcasts(session, now)
    for broadcast_id in due:
        async with db.transaction() as session:
            broadcast = await outbox.start_broadcast(session, broadcast_id, now)
            if broadcast is None:
                continue  # another instance took it
            recipients = await audiences.resolve(session, broadcast.segment)
            kind = broadcast.kind
            await outbox.enqueue(session, [
                {"dedupe_key": f"b{broadcast.id}:r{r.respondent_id}", "broadcast_id": broadcast.id, "kind": kind,
                 "respondent_id": r.respondent_id, "chat_id": r.chat_id, "language": r.language, "not_before": now}
                for r in recipients
            ])
            n = await outbox.set_recipients(session, broadcast.id)
            if n == 0:
                await outbox.finish_broadcasts(session, now)
            started.append(broadcast.id)
            log.info("broadcast %s enqueued for %d recipients", broadcast.id, n)
    return started


# --- reminders --------------------------------------------------------------------------------------


async def scan_reminders(db: Database, plan: Plan, catalog: Any, now: datetime | None = None) -> int:
    """Enqueue the reminders now due for stopped runs; returns how many."""
    now = now or utcnow()
    if not plan.reminder_delays or plan.reminder_max <= 0:
        return 0
    first = timedelta(hours=plan.reminder_delays[0])
    rows = []
    async with db.transaction() as session:
        stalled = await outbox.stalled_runs(session, now - first)
        if not stalled:
            return 0
        had = await outbox.reminders_of_runs(session, [s[0] for s in stalled])
        out = await audiences.opted_out(session, {s[1] for s in stalled})
        blocked = await audiences.unreachable(session, {s[1] for s in stalled})
        for run_id, respondent_id, chat_id, lang, qid, updated in stalled:
            n = had.get(run_id, 0)
            if n >= plan.reminder_max or respondent_id in out or respondent_id in blocked:
                continue
            due = updated + timedelta(hours=plan.reminder_delays[n])
            if due > now:
                continue
            run = await repository.get_run(session, run_id)
            title = qid
            if catalog is not None and qid in catalog.ids(open_only=False):
                title = catalog.current(qid).title.get(lang)
            rows.append({
                "dedupe_key": f"rem:{run_id}:{n}", "kind": "reminder", "respondent_id": respondent_id, "run_id": run_id,
                "chat_id": int(chat_id), "language": lang, "not_before": plan.out_of_quiet_hours(now),
                "payload": {
                    "html": html.escape(text("reminder", lang, title=title)),
                    "buttons": [{"text": text("resume", lang), "action": "resume", "run": run.public_id if run else ""}],
                    "run_updated_at": updated.isoformat(),
                },
            })
        added = await outbox.enqueue(session, rows) if rows else 0
    if added:
        log.info("%d reminders enqueued", added)
    return added


def reminder_due_again(plan: Plan, moment: datetime) -> datetime:
    """When a reminder claimed during the quiet hours may go (the sender defers it)."""
    return plan.out_of_quiet_hours(moment)


# --- events -------------------------------------------------------------------------------------------


def event_html(event: Any, lang: str, plan: Plan) -> str:
    description = f"\n\n{markdown_html(event.description)}" if event.description else ""
    return text("event_invite", lang, title=html.escape(event.title), when=html.escape(plan.local(outbox.aware(event.starts_at), lang)),  # type: ignore[arg-type]
                place=html.escape(event.place), description=description)


def rsvp_buttons(event_id: int, lang: str) -> list[dict[str, Any]]:
    return [
        {"text": text("rsvp_yes", lang), "action": "rsvp", "event": event_id, "answer": "yes"},
        {"text": text("rsvp_no", lang), "action": "rsvp", "event": event_id, "answer": "no"},
        {"text": text("rsvp_maybe_button", lang), "action": "rsvp", "event": event_id, "answer": "maybe"},
    ]


async def invite(session: AsyncSession, event_id: int, segment: dict[str, Any], plan: Plan, at: datetime | None = None,
                 created_by: str | None = None) -> Any:
    """A broadcast of kind ``event``: the invitation with RSVP buttons, scheduled at ``at`` (now)."""
    event = await events.get_event(session, event_id)
    if event is None:
        raise LookupError(f"no event {event_id}")
    return await outbox.create_broadcast(
        session, kind="event", event_id=event.id, segment=segment, text_it=event_html(event, "it", plan),
        text_en=event_html(event, "en", plan), buttons=[], created_by=created_by, status="scheduled",
        scheduled_at=at or utcnow(),
    )


def with_rsvp_buttons(composed: Composed, broadcast: Any, lang: str) -> Composed:
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
        return text("rsvp_closed", lang)
    result = await events.rsvp(session, event_id, respondent.id, answer, chat_id, lang)
    when = plan.local(outbox.aware(event.starts_at), lang)  # type: ignore[arg-type]
    if result.promoted:
        await outbox.enqueue(session, [
            {"dedupe_key": f"ev{event_id}:up:{rid}:{int(utcnow().timestamp())}", "kind": "event_promoted",
             "respondent_id": rid, "chat_id": chat, "language": plang,
             "payload": {"html": html.escape(text("rsvp_promoted", plang, title=event.title,
                                                  when=plan.local(outbox.aware(event.starts_at), plang), place=event.place)),  # type: ignore[arg-type]
                         "buttons": []}}
            for rid, chat, plang in result.promoted
        ])
    if result.status == "closed":
        return text("rsvp_closed", lang)
    if result.status == "confirmed":
        return text("rsvp_done_confirmed", lang, title=event.title, when=when)
    if result.status == "waiting":
        return text("rsvp_done_waiting", lang, title=event.title, position=result.position or 1)
    if result.status == "maybe":
        return text("rsvp_done_maybe", lang)
    return text("rsvp_done_declined", lang)


async def scan_event_reminders(db: Database, plan: Plan, now: datetime | None = None) -> int:
    """The day before an event, a reminder to everyone confirmed (once each)."""
    now = now or utcnow()
    added = 0
    async with db.transaction() as session:
        for event in await events.upcoming(session, now, now + timedelta(days=1)):
            rows = []
            for rid, chat, lang in await events.confirmed(session, event.id):
                rows.append({
                    "dedupe_key": f"ev{event.id}:rem:{rid}", "kind": "event_reminder", "respondent_id": rid,
                    "chat_id": chat, "language": lang, "not_before": plan.out_of_quiet_hours(now),
                    "payload": {"html": text("event_reminder", lang, title=html.escape(event.title),
                                             when=html.escape(plan.local(outbox.aware(event.starts_at), lang)),  # type: ignore[arg-type]
                                             place=html.escape(event.place)), "buttons": []},
                })
            added += await outbox.enqueue(session, rows) if rows else 0
    return added


# --- feedback of results ----------------------------------------------------------------------------


async def scan_feedback(db: Database, plan: Plan, catalog: Any, now: datetime | None = None,
                        snapshot_id: int | None = None) -> int:
    """Once per aggregate snapshot: a personal summary to each participant who opted in."""
    from storage import jobs

    now = now or utcnow()
    async with db.transaction() as session:
        if snapshot_id is None:
            latest = await jobs.latest_snapshot(session)
            if latest is None:
                return 0
            snapshot_id = latest.id
        broadcast = await outbox.system_broadcast(session, f"feedback:snapshot:{snapshot_id}", "feedback")
        if broadcast is None:
            return 0  # this snapshot's feedback was made already (here or by another instance)
        broadcast_id = broadcast.id
    async with db.transaction() as session:
        recipients = {r.respondent_id: r for r in await audiences.resolve(session, {})}
    priorities = {lang: await _shared_priorities(db, plan, lang)
                  for lang in sorted({r.language for r in recipients.values()} or {"it"})}
    async with db.transaction() as session:
        firms = await audiences.latest_profiles(session, list(recipients))
        distribution = await repository.outcome_distribution(session, "imprese", "profile")
        themes_by_respondent = await _objective_themes(session, list(recipients))
        rows = []
        for rid, r in recipients.items():
            parts = []
            if rid in firms:
                parts.append(_firm_summary(str(firms[rid]), distribution, r.language, plan, catalog))
            if rid in themes_by_respondent:
                parts.append(_actor_summary(themes_by_respondent[rid], priorities.get(r.language, []), r.language))
            if not parts:
                continue
            body = "\n\n".join([html.escape(text("feedback_header", r.language)), *parts])
            buttons = render_buttons([{"kind": "results"}], r.language, plan)
            rows.append({"dedupe_key": f"fb{snapshot_id}:r{rid}", "broadcast_id": broadcast_id, "kind": "feedback",
                         "respondent_id": rid, "chat_id": r.chat_id, "language": r.language,
                         "not_before": plan.out_of_quiet_hours(now), "payload": {"html": body, "buttons": buttons}})
        added = await outbox.enqueue(session, rows) if rows else 0
        await outbox.set_recipients(session, broadcast_id)
        if not added:
            await outbox.finish_broadcasts(session, now)
    log.info("feedback of snapshot %s: %d personal summaries enqueued", snapshot_id, added)
    return added


def _firm_summary(profile: str, distribution: dict[str, int], lang: str, plan: Plan, catalog: Any) -> str:
    labels: dict[str, str] = {}
    if catalog is not None and "imprese" in catalog.ids(open_only=False):
        for outcome in catalog.current("imprese").outcomes:
            if outcome.key == "profile":
                labels = {value: label.get(lang) for value, label in outcome.labels.items()}
    lines = [text("feedback_profile", lang, label=html.escape(labels.get(profile, profile)))]
    total = sum(distribution.values())
    k = plan.suppress_k
    if total < k:
        lines.append(html.escape(text("feedback_too_few", lang)))
        return "\n".join(lines)
    lines.append(html.escape(text("feedback_distribution", lang, n=total)))
    for value in labels or sorted(distribution):
        n = distribution.get(value, 0)
        if 0 < n < k:  # a small group is never shown, as in the exports
            share = text("feedback_small", lang, k=k)
        else:
            share = f"{100 * n / total:.0f}%".replace(".", "," if lang == "it" else ".")
        lines.append(f"• {html.escape(labels.get(value, value))}: {share}")
    return "\n".join(lines)


def _actor_summary(themes: set[str], priorities: list[tuple[str, str]], lang: str) -> str:
    shared = [label for theme, label in priorities if theme in themes]
    lines = []
    if shared:
        lines.append(html.escape(text("feedback_themes", lang)))
        lines.extend(f"• {html.escape(label)}" for label in shared)
    else:
        lines.append(html.escape(text("feedback_no_themes", lang)))
    if priorities:
        lines.append(html.escape(text("feedback_priorities", lang, themes=", ".join(label for _, label in priorities[:5]))))
    return "\n".join(lines)


async def _shared_priorities(db: Database, plan: Plan, lang: str = "it", top: int = 8) -> list[tuple[str, str]]:
    """(theme, label) of the shared strategic priorities, best first (exports.convergence)."""
    from exports.convergence import ANSWER_KEYS, Options, build_tables
    from storage import aggregates

    try:
        async with db.transaction() as session:
            data = await aggregates.load(session, keys=ANSWER_KEYS, fast=True)
        tables = await asyncio.to_thread(build_tables, data, Options(k=plan.suppress_k, lang=lang if lang in ("it", "en") else "it"))
        frame = tables["shared_priorities"]
    except Exception:
        log.exception("shared priorities could not be computed; feedback goes without them")
        return []
    frame = frame[frame["rank"].notna()] if "rank" in frame else frame
    frame = frame[frame["group_score"].fillna(0) > 0] if "group_score" in frame else frame
    return [(str(t), str(label)) for t, label in zip(frame["theme"], frame["label"])][:top]


async def _objective_themes(session: AsyncSession, respondent_ids: list[int]) -> dict[int, set[str]]:
    """The themes of each respondent's own objectives (their completed interview's answers)."""
    from storage import aggregates

    if not respondent_ids:
        return {}
    wanted = set(respondent_ids)
    answers = {a.answer_id: a.respondent_id for a in await aggregates.current_answers(session, ("ascolto",))
               if a.respondent_id in wanted and a.question_key in ("objective", "objective_more")}
    found: dict[int, set[str]] = {}
    for tag in await aggregates.effective_tags(session, ("ascolto",)):
        if tag.answer_id in answers:
            found.setdefault(answers[tag.answer_id], set()).add(tag.theme_id)
    return found
