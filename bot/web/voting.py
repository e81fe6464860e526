"""/vota: a consultation's statements one at a time on the web — the chat's /vota (issue 19).

The same rounds, participants and votes as Telegram's (:mod:`storage.deliberation`, the rules of
:mod:`bot.telegram.handlers.deliberation`): a participant is shown the statement they were shown
last if they have not voted on it (so a reload or a later visit resumes), else the next one —
fewest votes first; each statement has D'accordo / Non d'accordo / Passo, and "Basta per ora"
pauses. A vote on a closed round, or on a statement no longer put to the vote, is refused
politely and changes nothing; the last vote can be changed (every press is kept in the history).

Who takes part: the chat's participants are the round's segment among the plan's news
subscribers when it opened. A browser has no chat to be invited in, so a web respondent who
subscribed to the news (:mod:`bot.web.newsletter`, under the notice as it reads now) and is in
the round's segment (:func:`storage.audiences.in_segment`) is offered the open round here and
joins it with one press. Plain forms, each with the session's CSRF token: no JavaScript needed.
"""

from __future__ import annotations

import logging
import random
from typing import Any

from starlette.requests import Request
from starlette.responses import Response

from storage import audiences, deliberation
from storage.models import DeliberationParticipant, DeliberationRound, Respondent, Statement

from bot.service.communication import Plan
from bot.service.texts import translate as service_text

from .citizen import WebChannel
from .forms import FormError
from . import proposals
from .session import Flash, WebSession
from .summary import Summaries, closed_rounds
from .texts import translate

log = logging.getLogger("scenari.web")

PATH = "/vota"
FLASH_KEY = "_vota"
CHOICES = deliberation.CHOICES  # agree, disagree, pass
_rng = random.Random()


async def joinable(session: Any, respondent: Respondent, since: str | None) -> DeliberationRound | None:
    """The most recently opened round open now whose segment holds this (subscribed) respondent."""
    if respondent.id is None:
        return None
    rounds = [r for r in await deliberation.list_rounds(session) if deliberation.is_open(r)]
    for round_ in sorted(rounds, key=lambda r: (deliberation.aware(r.opens_at), r.id), reverse=True):
        if await audiences.in_segment(session, respondent.id, round_.segment or {}, since):
            return round_
    return None


class VotingPages:
    """GET: the statement to vote on now (or the offer to join, or why there is none); POST: a press."""

    def __init__(self, web: WebChannel) -> None:
        self.web = web
        self.since = Plan.from_settings(web.settings).newsletter_since
        self.summaries = Summaries(web.db, web.settings)

    async def show(self, request: Request) -> Response:
        ws = self.web.sessions.read(request)
        flash = None if ws.is_new else self.web.flashes.pop(ws.respondent_id, FLASH_KEY)
        async with self.web.transaction() as session:
            respondent = await self.web.respondent(session, ws)
            lang = respondent.language
            context: dict[str, Any] = {
                "title": translate("vote_title", lang), "action": PATH, "statement": None, "join": None,
                "notes": [text for kind, text in flash.messages if kind != "error"] if flash else [],
                "errors": [text for kind, text in flash.messages if kind == "error"] if flash else [],
                "last": None, "round": None, "empty": None, "paused": False,
                "draft": flash.draft if flash else None, "max_length": proposals.MAX_LENGTH, "field": proposals.FIELD,
            }
            found = await deliberation.participation(session, respondent.id) if respondent.id is not None else None
            if found is None:
                round_ = await joinable(session, respondent, self.since)
                if round_ is not None:
                    context["join"] = self._round_view(round_, lang)
                else:
                    context["empty"] = translate("vote_none_web", lang)
            else:
                round_, participant = found
                context["round"] = self._round_view(round_, lang)
                if participant.status == "paused" and "riprendi" not in request.query_params:
                    context["paused"] = True  # "Basta per ora": the votes are kept, a press resumes
                else:
                    await self._current(session, round_, participant, respondent, context, lang)
                if flash and flash.run_id:  # the statement just voted: its vote, and a way to change it
                    context["last"] = await self._last(session, round_, respondent, flash.run_id, lang)
            voted = await closed_rounds(session, respondent, self.since)
        # outside the page's transaction: the consensus tables read the votes in one of their own
        context["summaries"] = await self.summaries.views(voted, lang)
        return self.web.page(request, ws, lang, "vote.html", context)

    def _round_view(self, round_: DeliberationRound, lang: str) -> dict[str, Any]:
        until = ""
        if round_.closes_at is not None:
            from zoneinfo import ZoneInfo

            local = deliberation.aware(round_.closes_at).astimezone(ZoneInfo(self.web.settings.city_timezone))  # type: ignore[union-attr]
            until = local.strftime("%d/%m/%Y %H:%M")
        return {"id": round_.id, "name": round_.name, "until": until}

    async def _current(self, session: Any, round_: DeliberationRound, participant: DeliberationParticipant,
                       respondent: Respondent, context: dict[str, Any], lang: str) -> None:
        """The statement to show: the one shown last if still unvoted (resume), else the next one."""
        mine = await deliberation.votes_of(session, round_.id, respondent.id)  # type: ignore[arg-type]
        statement: Statement | None = None
        if participant.current_statement_id and participant.current_statement_id not in mine:
            current = await deliberation.get_statement(session, participant.current_statement_id)
            if current is not None and current.status == deliberation.APPROVED:
                statement = current
        if statement is None:
            statement = await deliberation.next_statement(session, round_.id, respondent.id, _rng)  # type: ignore[arg-type]
        if statement is None:
            if participant.status != "done":
                await deliberation.set_participant(session, participant, "done", None)
            context["empty"] = translate("vote_done_web", lang)
            return
        if participant.current_statement_id != statement.id or participant.status != "active":
            await deliberation.set_participant(session, participant, "active", statement.id)  # a later visit resumes here
        left = await deliberation.remaining(session, round_.id, respondent.id)  # type: ignore[arg-type]
        voted = len(mine)
        context["statement"] = {"id": statement.id, "text": statement.text, "k": voted + 1, "n": voted + left}
        context["choices"] = [{"value": c, "label": service_text(c, lang)} for c in CHOICES]

    async def _last(self, session: Any, round_: DeliberationRound, respondent: Respondent, ref: str,
                    lang: str) -> dict[str, Any] | None:
        if not ref.isdigit():
            return None
        statement = await deliberation.get_statement(session, int(ref))
        choice = (await deliberation.votes_of(session, round_.id, respondent.id)).get(int(ref))  # type: ignore[arg-type]
        if statement is None or choice is None or statement.status != deliberation.APPROVED:
            return None
        return {"id": statement.id, "text": statement.text, "choice": choice, "label": service_text(choice, lang),
                "others": [{"value": c, "label": service_text(c, lang)} for c in CHOICES if c != choice]}

    async def press(self, request: Request) -> Response:
        ws = self.web.sessions.read(request)
        try:
            form = await self.web.checked_form(request, ws, free_text=frozenset({proposals.FIELD}))
        except FormError as error:
            return self.web.form_refused(request, ws, error)
        if form.get("action") == "propose":
            return await self._propose(request, ws, form.get(proposals.FIELD, ""))
        async with self.web.transaction() as session:
            respondent = await self.web.respondent(session, ws)
            lang = respondent.language
            notes, last = await self._apply(session, respondent, form, lang)
        self._flash(ws, notes, last)
        return self.web.redirect(request, ws, f"{PATH}#affermazione", lang)

    async def _propose(self, request: Request, ws: WebSession, raw: str) -> Response:
        """The chat's /proponi: checked first, lemmatised outside the transaction, stored pending."""
        lang = self.web.lang(ws)
        text, outcome = proposals.checked(raw, lang)
        if text is not None:
            found = await proposals.lemmas(text, self.web.settings)
            async with self.web.transaction() as session:
                respondent = await self.web.respondent(session, ws)
                outcome = await proposals.store(session, respondent, text, found, respondent.language)
        assert outcome is not None
        self.web.flashes.put(ws.respondent_id, FLASH_KEY, Flash([("done" if outcome.ok else "error", outcome.text)],
                                                                None, outcome.draft))
        return self.web.redirect(request, ws, f"{PATH}#proponi", lang)

    def _flash(self, ws: WebSession, notes: list[str], last: int | None) -> None:
        if notes or last is not None:
            self.web.flashes.put(ws.respondent_id, FLASH_KEY, Flash([("done", n) for n in notes],
                                                                    str(last) if last is not None else None))

    async def _apply(self, session: Any, respondent: Respondent, form: Any, lang: str) -> tuple[list[str], int | None]:
        """What the press does; returns the notes to show and the statement voted on (to offer a change)."""
        action = form.get("action", "")
        ref = form.get("round", "")
        round_ = await deliberation.get_round(session, int(ref)) if ref.isdigit() else None
        if round_ is None or respondent.id is None:
            return [translate("vote_none_web", lang)], None
        if action == "join":
            offered = await joinable(session, respondent, self.since)
            if offered is None or offered.id != round_.id:
                return [translate("vote_none_web", lang)], None
            await deliberation.add_participants(session, round_.id, [respondent.id], status="active")
            log.info("web participant joined", extra={"fields": {"round": round_.id}})
            return [], None
        participant = await deliberation.get_participant(session, round_.id, respondent.id)
        if participant is None:
            return [service_text("not_participant", lang)], None
        if action == "pause":
            await deliberation.set_participant(session, participant, "paused", participant.current_statement_id)
            return [translate("vote_paused_web", lang)], None
        if not deliberation.is_open(round_):
            return [service_text("closed", lang)], None
        choice = form.get("choice", "")
        sid = form.get("statement", "")
        statement = await deliberation.get_statement(session, int(sid)) if sid.isdigit() else None
        if choice not in CHOICES or statement is None or statement.status != deliberation.APPROVED:
            return [service_text("withdrawn", lang)], None
        previous, changed = await deliberation.record_vote(session, round_.id, statement.id, respondent.id, choice)
        if not changed:
            return [service_text("same", lang)], statement.id
        if previous is None and participant.current_statement_id == statement.id:
            await deliberation.set_participant(session, participant, "active", None)  # the next visit picks the next
        label = service_text(choice, lang)
        return [service_text("changed", lang, choice=label) if previous else service_text("recorded", lang)], statement.id
