"""/notizie: the plan's news opt-in on the web, and its withdrawal — the chat's /iscriviti and /disiscrivi.

The decision is the same consent as the chat's (purpose ``newsletter`` of the privacy notice,
recorded by :func:`bot.service.communication.set_subscription` under the notice's version), so
the privacy report, the export, the erasure and :mod:`storage.audiences` read it as they read a
chat's. The web keeps no address: a subscribed browser gets the plan's news on these pages
when it comes back — the invitation to vote on a consultation (:mod:`bot.web.voting`), the
summary of a closed one, and here the plan's sent newsletters and meeting invitations with their
RSVP (:mod:`bot.web.news`) — never a message sent elsewhere; the page says so before anyone agrees.

The question is offered where the chat asks it (:class:`bot.service.communication.NewsletterOptIn`):
once at the end of a questionnaire, again only when the notice's newsletter purpose has changed
since the answer; it can be given or withdrawn at any time from here and from /privacy.
Subscribing needs the consent to take part first, as ``/iscriviti`` does; withdrawing never does.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any
from urllib.parse import unquote

from sqlalchemy import select
from starlette.requests import Request
from starlette.responses import Response

from dialogs.i18n import speaking
from storage import audiences, repository
from storage.models import Respondent, Run

from bot.service.communication import Plan, set_subscription
from bot.service.notice import Notice

from . import news
from .forms import FormError, safe_next
from .session import Flash
from .texts import translate

if TYPE_CHECKING:  # the pages need the channel; the channel's end page needs only offer()
    from .citizen import WebChannel

log = logging.getLogger("scenari.web")

PATH = "/notizie"
FLASH_KEY = "_newsletter"


@dataclass(frozen=True)
class Subscription:
    """Where a respondent stands: ``state`` is on, off, paused (a grant under an older notice) or never."""

    state: str
    version: str | None = None

    @property
    def receives(self) -> bool:
        return self.state == "on"


async def subscription(session: Any, respondent: Respondent, notice: Notice) -> Subscription:
    latest = await repository.latest_consent(session, respondent.id, audiences.NEWSLETTER)
    if latest is None:
        return Subscription("never")
    granted, version = latest
    if not granted:
        return Subscription("off", version)
    return Subscription("paused" if notice.changed_since(audiences.NEWSLETTER, version) else "on", version)


async def offer(session: Any, respondent: Respondent, notice: Notice, lang: str, back: str,
                run_id: int | None = None) -> dict[str, Any] | None:
    """The end page's question, when the chat would ask it: never answered (at the end of a first
    questionnaire only: once is enough), or answered before the purpose changed."""
    if respondent.id is None:
        return None
    held = await subscription(session, respondent, notice)
    if held.state in ("on", "off"):
        return None  # answered under the notice as it reads now: the answer stands
    if held.state == "never" and await _completed_before(session, respondent.id, run_id):
        return None  # offered at the end of an earlier one and left unanswered; /notizie still has it
    return {**explanation(notice, lang), "again": held.state == "paused", "next": back, "action": PATH}


async def _completed_before(session: Any, respondent_id: int, run_id: int | None) -> bool:
    found = await session.scalar(select(Run.id).where(
        Run.respondent_id == respondent_id, Run.status == "completed", Run.id != (run_id or 0)).limit(1))
    return found is not None


def explanation(notice: Notice, lang: str) -> dict[str, Any]:
    """What the consent is for, in the notice's own words, and which version it is given under."""
    purpose = notice.purpose(audiences.NEWSLETTER)
    return {
        "label": notice.label(audiences.NEWSLETTER, lang),
        "description": notice.text(purpose.description, lang) if purpose else "",
        "version": notice.version_words(notice.version, lang),
    }


class NewsletterPages:
    """GET shows the choice and where it stands; POST records it (CSRF-checked) and redirects."""

    def __init__(self, web: WebChannel) -> None:
        self.web = web
        self.plan = Plan.from_settings(web.settings)

    async def show(self, request: Request) -> Response:
        ws = self.web.sessions.read(request)
        flash = None if ws.is_new else self.web.flashes.pop(ws.respondent_id, FLASH_KEY)
        notice = self.web.conversation.notice
        async with self.web.transaction() as session:
            respondent = await self.web.respondent(session, ws)
            lang = respondent.language
            held = await subscription(session, respondent, notice)
            may_subscribe = respondent.id is not None and await self.web.conversation.has_consent(session, respondent)
            # the plan's sent newsletters and invitations, to a subscriber only (bot.web.news)
            published = await news.published(session, respondent, self.plan, self.web.catalog, lang) if held.receives else None
        return self.web.page(request, ws, lang, "newsletter.html", {
            "title": translate("news_title", lang), "held": held.state, **explanation(notice, lang),
            "may_subscribe": may_subscribe, "done": [text for kind, text in flash.messages if kind != "error"] if flash else [],
            "action": PATH, "next": PATH, "published": published,
            "errors": [text for kind, text in flash.messages if kind == "error"] if flash else [],
        })

    async def decide(self, request: Request) -> Response:
        ws = self.web.sessions.read(request)
        try:
            form = await self.web.checked_form(request, ws)
        except FormError as error:
            return self.web.form_refused(request, ws, error)
        if "rsvp" in form:
            return await self._rsvp(request, ws, form.get("event", ""), form.get("rsvp", ""))
        decision = form.get("newsletter")
        if decision not in ("yes", "no"):
            return self.web.form_refused(request, ws, FormError(400, "bad_form"))
        target = safe_next(form.get("next") or PATH)
        qid = _questionnaire_of(target)
        async with self.web.transaction() as session:
            respondent = await self.web.respondent(session, ws)
            lang = respondent.language
            # said on the questionnaire's end page, in its "tu" or "Lei" (elsewhere: as written)
            with speaking(self.web.conversation.register_of(qid)):
                if decision == "yes" and (respondent.id is None
                                          or not await self.web.conversation.has_consent(session, respondent)):
                    text = translate("news_consent_first", lang)  # as /iscriviti: taking part comes first
                else:
                    before = await subscription(session, respondent, self.web.conversation.notice)
                    await set_subscription(session, respondent, decision == "yes")
                    text = translate(_outcome(before.state, decision == "yes"), lang)
        log.info("newsletter decision", extra={"fields": {"channel": "web", "granted": decision == "yes"}})
        if qid is None:
            target = PATH  # the news page says what was done (from /privacy too)
        # back on a questionnaire's end page: the finished run's thread, with the outcome below it
        run_id = (form.get("run") or None) if qid is not None else None
        self.web.flashes.put(ws.respondent_id, qid or FLASH_KEY, Flash([("done", text)], run_id))
        return self.web.redirect(request, ws, target, lang)

    async def _rsvp(self, request: Request, ws: Any, event: str, choice: str) -> Response:
        """A meeting's Sì / No / Forse from the news list; back to it, at the meeting, with the outcome."""
        async with self.web.transaction() as session:
            respondent = await self.web.respondent(session, ws)
            lang = respondent.language
            ok, text = await news.answer(session, respondent, event, choice, self.plan, lang)
        self.web.flashes.put(ws.respondent_id, FLASH_KEY, Flash([("done" if ok else "error", text)]))
        return self.web.redirect(request, ws, f"{PATH}#notizie", lang)


def _outcome(before: str, granted: bool) -> str:
    if granted:
        return "news_subscribed"
    return "news_unsubscribed" if before in ("on", "paused") else "news_not_subscribed"


def _questionnaire_of(target: str) -> str | None:
    """The questionnaire id of a /q/<id> address (the end page the question was answered on)."""
    path = target.split("#")[0].split("?")[0]
    return unquote(path[3:]) if path.startswith("/q/") and len(path) > 3 else None
