"""The citizens' pages: the open questionnaires, answering one, invitations, language.

Every page that changes something is a form POST checked against the session's CSRF token; it
runs in one database transaction (answer, run state, consent — all or nothing, group-committed
with the answers that arrive together), then redirects (post/redirect/get) so the next page is
shown only once the change is committed, and a reload never answers twice. A page script's
fetch() gets the next page in the POST's response instead (:func:`answered_in_place` says why
that is as safe); the questionnaire's own script (static/answer.js) asks for a *fragment*
(:func:`wants_fragment`): only what the answer changed — the question and answer now read back,
the next question's form — built from what the answer's transaction already knew (the engine's
reply and the run state it saved), with no second read and no re-rendering of the whole thread.
The page view right after a plain form's post (303 → GET) is built the same way, from what the
post committed (:meth:`WebChannel._committed_page`); other page views read beside the writer, in
a read-only session that takes no write lock. The privacy pages are :mod:`bot.web.privacy`; the
routes are wired in :func:`bot.web.app.create_app`.
"""

from __future__ import annotations

import asyncio
import dataclasses
import logging
from collections import OrderedDict
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any
from urllib.parse import quote

from fastapi.templating import Jinja2Templates
from starlette.datastructures import ImmutableMultiDict
from starlette.requests import Request
from starlette.responses import HTMLResponse, RedirectResponse, Response

import dialogs
from dialogs import Input, Questionnaire, RunState
from dialogs.answers import without_control_characters
from dialogs.i18n import speaking
from storage import Database, register, repository
from storage.group_commit import GroupCommitter
from storage.prefetch import prefetch
from storage.models import Respondent

from bot.service.texts import LANGUAGE_NAMES
from bot.service.catalog import QuestionnaireCatalog, UnknownQuestionnaire
from bot.service.conversation import conversation_from_settings
from bot.service.reply import CONSENT_KEY, MENU_KEY, Reply
from ..settings import Settings
from . import newsletter, views
from .forms import FormError, read_form, safe_next
from .rendering import page_language, render_page
from .session import ConsentMemo, Flash, FlashStore, Sessions, WebSession
from .texts import translate

log = logging.getLogger("scenari.web")

CHANNEL = "web"
INVITATION = "ascolto"
ANSWER_TEXT = frozenset({"text"})  # the typed answer: refused by the engine, with the question again
TEMPLATES = Path(__file__).parent / "templates"


class _SerialCommitter(GroupCommitter):
    """Group commit whose transactions queue on the channel's SQLite lock like every other one.

    As on the Telegram path, the batch's respondents and their open runs are loaded first in
    two queries (storage.prefetch), instead of two lookups per answer.
    """

    def __init__(self, db: Database, channel: WebChannel) -> None:
        super().__init__(db, max_batch=64)
        self.channel = channel

    async def _commit(self, batch: list[Any]) -> list[Any]:
        async with self.channel.transaction() as session:
            await prefetch(session, CHANNEL, [unit.key for unit in batch if unit.key], [])
            return [await unit.work(session) for unit in batch]


def _has_token(request: Request) -> bool:
    """Whether the URL carries an invitation's token (``?t=``); most requests have no query to parse."""
    return bool(request.scope.get("query_string")) and "t" in request.query_params


def answered_in_place(request: Request) -> bool:
    """Whether a POST may be answered with the next page itself instead of 303 → GET.

    Only when it is not a navigation: a page script's ``fetch()`` says so (``Sec-Fetch-Mode`` is
    ``cors`` or ``same-origin``); the browser's URL and history then never hold the POST, so a
    reload is a GET of the question now and "back" goes to the page before. A plain form
    submission (``navigate``), or a client that does not say (older browsers send no
    ``Sec-Fetch-*``), keeps post/redirect/get, for the same reason. Either way a POST sent twice
    (a double click, a resent form) carries the question it answered; the engine refuses it
    once that question is closed, so an answer is never stored twice.
    """
    return request.headers.get("sec-fetch-mode", "navigate") not in ("navigate", "")


FRAGMENT_HEADER = "x-scenari-fragment"  # sent by static/answer.js, and back with the fragment it asked for


def wants_fragment(request: Request) -> bool:
    """Whether an answer POST may be answered with only what it changed on the page (a fragment).

    The page's script (static/answer.js) asks for it with ``X-Scenari-Fragment: answer`` on a
    ``fetch()`` — the one client that knows how to put a fragment into the page. Anything else
    gets a whole page (:func:`answered_in_place`) or post/redirect/get. Reload and back are as
    safe as there: the fetch never enters the history, so a reload is a GET of where the run
    stands; a fragment is sent only for a step the page can show by adding to it (one step
    forward, or the same question refused), else the whole page is.
    """
    return answered_in_place(request) and request.headers.get(FRAGMENT_HEADER) == "answer"


@dataclasses.dataclass
class _Turn:
    """What an answer's transaction saw of its run, for the fragment built once it is committed.

    ``before``: the run's (history, current) when the answer arrived — the page the browser
    shows, since the form's question key is checked to be that current question; ``stamp``: that
    state's ``updated_at``, which every step renews (with ``before``, which state it was).
    """

    before: tuple[tuple[str, ...], str | None]
    stamp: str | None = None
    q: Questionnaire | None = None
    state: dict[str, Any] | None = None
    lang: str = "it"  # the respondent's, as a page view shows it


class _Threads:
    """The thread of the last page shown of each run (a bounded memo, the oldest out first).

    Values: (questionnaire, (lang, history, current, updated_at), bubbles) — which state of the
    run the bubbles read back. A memo only: lost on restart, and a state it does not match is
    read in full (:meth:`WebChannel._thread_after`).
    """

    def __init__(self, limit: int = 5_000) -> None:
        self._items: OrderedDict[str, tuple[Any, tuple[Any, ...], list[views.Bubble]]] = OrderedDict()
        self.limit = limit

    def get(self, run_id: str) -> tuple[Any, tuple[Any, ...], list[views.Bubble]] | None:
        return self._items.get(run_id)

    def put(self, run_id: str, value: tuple[Any, tuple[Any, ...], list[views.Bubble]]) -> None:
        self._items.pop(run_id, None)
        self._items[run_id] = value
        while len(self._items) > self.limit:
            self._items.popitem(last=False)


class _NeedsWrite(Exception):
    """A page view found it must write (a paused run resumed, an expired one closed): redo it as a writer."""


class WebChannel:
    """The web transport of the Conversation service: forms in, chat-like pages out."""

    def __init__(
        self, settings: Settings, db: Database, catalog: QuestionnaireCatalog, sessions: Sessions,
        answer_script: bool = True,
    ) -> None:
        """``answer_script``: the questionnaire's page loads static/answer.js (answers without a
        page load, :func:`wants_fragment`); off, the page is plain forms (the server answers a
        fragment to whoever asks for one either way)."""
        self.settings = settings
        self.db = db
        self.catalog = catalog
        self.sessions = sessions
        self.flashes = FlashStore()
        self.consents = ConsentMemo()
        self.threads = _Threads()
        self._serial: asyncio.Lock | None = asyncio.Lock() if db.backend == "sqlite" else None
        self.committer = _SerialCommitter(db, self)
        self.conversation = conversation_from_settings(settings, catalog)
        self.templates = Jinja2Templates(directory=str(TEMPLATES))
        self.templates.env.globals["wt"] = translate  # the citizens' pages; the dashboard's are "tx"
        # the header offers the plan's other languages, each named in itself
        # the plan (its languages) once: Settings.plan looks the folder up again at every call
        self.plan = settings.plan
        self.templates.env.globals["languages"] = self.plan.languages
        self.templates.env.globals["language_names"] = LANGUAGE_NAMES
        self.templates.env.globals["bubbles_html"] = views.bubbles_html
        self.templates.env.globals["question_html"] = views.question_html
        self.templates.env.globals["answer_script"] = answer_script
        # the templates ship with the code: compiled once at start, never stat()ed again per render
        # (Jinja's auto_reload checks every template and include's file on every use)
        self.templates.env.auto_reload = False
        for name in ("questionnaire.html", "message.html"):
            self.templates.get_template(name)

    # --- helpers ----------------------------------------------------------------------------

    @asynccontextmanager
    async def transaction(self) -> AsyncIterator[Any]:
        """A transaction of this channel; on SQLite one at a time in this process.

        SQLite has one writer and every transaction here begins IMMEDIATE: concurrent requests
        would otherwise wait in SQLite's busy handler, which sleeps (up to 100 ms a turn) —
        queueing on an asyncio lock instead costs nothing and keeps the latency flat.
        """
        if self._serial is None:
            async with self.db.transaction() as session:
                yield session
            return
        async with self._serial:
            async with self.db.transaction() as session:
                yield session

    def lang(self, ws: WebSession) -> str:
        return self.plan.language_for(page_language(ws, self.settings.lang), self.settings.lang)

    def page(
        self, request: Request, ws: WebSession, lang: str, name: str, context: dict[str, Any], status: int = 200
    ) -> Response:
        return render_page(self.templates, self.sessions, request, ws, lang, name, context, status=status)

    def redirect(self, request: Request, ws: WebSession, target: str, lang: str | None = None) -> Response:
        return self.sessions.attach(RedirectResponse(target, status_code=303), request, ws, lang)

    def message_page(
        self, request: Request, ws: WebSession, lang: str, title: str, texts: list[str], status: int = 200,
        kind: str = "info",
    ) -> Response:
        return self.page(request, ws, lang, "message.html", {
            "title": title, "texts": texts, "kind": kind,
            "questionnaires": views.open_questionnaires(self.catalog, lang),
        }, status)

    def not_found(self, request: Request, ws: WebSession | None = None) -> Response:
        ws = ws or self.sessions.read(request)
        lang = self.lang(ws)
        return self.message_page(request, ws, lang, translate("not_found_title", lang), [translate("not_found", lang)], status=404)

    async def respondent(self, session: Any, ws: WebSession) -> Respondent:
        return await self.conversation.lookup(session, CHANNEL, ws.respondent_id, self.lang(ws))

    async def _renew_identity(self, session: Any, ws: WebSession) -> WebSession:
        """A new session id for the same respondent, at consent (a change of privilege).

        OWASP's session rules: a cookie planted in the browser before (session fixation) must not
        reach what the consent opens — the respondent's data follow the new id, the old reaches nothing.
        """
        fresh = self.sessions.renew()
        fresh.lang_preference = ws.lang_preference
        await repository.change_external_id(session, CHANNEL, ws.respondent_id, fresh.respondent_id)
        return fresh

    def form_refused(self, request: Request, ws: WebSession, error: FormError) -> Response:
        lang = self.lang(ws)
        return self.message_page(
            request, ws, lang, translate("error_title", lang), [translate(error.text_key, lang)], status=error.status, kind="error"
        )

    async def checked_form(
        self, request: Request, ws: WebSession, free_text: frozenset[str] = frozenset()
    ) -> ImmutableMultiDict[str, str]:
        form = await read_form(request, free_text=free_text)
        if not self.sessions.csrf_ok(ws, form.get("csrf")):
            log.info("form refused", extra={"fields": {"reason": "csrf", "path": request.url.path}})
            raise FormError(403, "cookies_needed" if ws.is_new else "bad_form")
        return form

    def _flash(self, ws: WebSession, where: str, reply: Reply, draft: str | None = None) -> None:
        flash = self._flash_of(reply, draft)
        if flash is not None:
            self.flashes.put(ws.respondent_id, where, flash)

    # --- the questionnaires ---------------------------------------------------------------------

    async def index(self, request: Request) -> Response:
        ws = self.sessions.read(request)
        async with self.db.reading() as session:
            lang = (await self.respondent(session, ws)).language
        return self.page(request, ws, lang, "index.html", {
            "title": translate("open_questionnaires", lang), "questionnaires": views.open_questionnaires(self.catalog, lang),
        })

    async def questionnaire(self, request: Request, qid: str) -> Response:
        if _has_token(request) or (qid == INVITATION and qid not in self.catalog):
            return await self.invitation(request)
        ws = self.sessions.read(request)
        if qid not in self.catalog:
            return self.not_found(request, ws)
        closed = not self._is_open(qid)
        if closed and not await self._may_continue(ws, qid):
            if qid == INVITATION:
                return await self.invitation(request)  # no run yet: the link's token is needed
            return self.not_found(request, ws)
        # the page around the questions (hints, headings, errors, the consent step, the footer's links) in
        # the questionnaire's "tu" or "Lei", as the engine's texts are: the register is the catalogue's, a
        # lookup, and the context variable holds it for this request's task only (dialogs.i18n.speaking)
        with speaking(self.conversation.register_of(qid)):
            flash = None if ws.is_new else self.flashes.pop(ws.respondent_id, qid)
            if flash is not None and flash.committed is not None \
                    and self.consents.stands(ws.respondent_id, self.conversation.notice_version):
                context, lang = self._committed_page(qid, closed, flash)
            else:
                context, lang = await self._read_page(ws, qid, closed, flash)
            return self.page(request, ws, lang, "questionnaire.html", context)

    def _committed_page(self, qid: str, closed: bool, flash: Flash) -> tuple[dict[str, Any], str]:
        """The page right after an answer's post (its 303 → GET), from what the post committed.

        The post's transaction ended a few milliseconds ago with this run state and this
        question; reading them back (respondent, run, the engine's "show") would show the same.
        Only a page view the flash leads to does this — once; a reload, another tab or another
        instance reads the database (:meth:`_read_page`).
        """
        assert flash.committed is not None
        q, data, prompt_message, lang, before = flash.committed
        state = RunState.from_json(data)
        context = self._base_context(qid, lang, closed)
        thread = self._thread_after(flash.run_id, q, state, lang, before)
        bubbles, errors = views.transient(flash.messages, thread)
        context["thread"] = views.completion_bubbles(thread + bubbles, lang)
        prompt = views.prompt_view(prompt_message, lang)
        prompt.errors = views.web_errors(errors, lang, len(prompt.options))
        prompt.draft = flash.draft if errors else None
        views.keep_ticked(prompt, prompt.draft)
        context["prompt"] = prompt
        context["run_id"] = flash.run_id
        return context, lang

    def _thread_after(
        self, run_id: str | None, q: Questionnaire, state: RunState, lang: str,
        before: tuple[tuple[str, ...], str | None, str | None],
    ) -> list[views.Bubble]:
        """``views.thread(q, state, lang, include_current=True)`` of a run just answered.

        Built from the thread of the page before (kept by :class:`_Threads` when this process
        showed it) plus what the step added (:func:`views.step_bubbles`, as the fragment does),
        when that page showed exactly the state the answer started from (same history, current
        question and ``updated_at``, which every step renews; same questionnaire and language).
        Anything else — another tab, another instance, back, a change from the summary — reads
        the whole thread back from the state, as before. Either way the thread is kept for the
        run's next answer.
        """
        history, current, stamp = before
        thread: list[views.Bubble] | None = None
        known = self.threads.get(run_id) if run_id else None
        if known is not None and stamp is not None and known[0] is q and known[1] == (lang, history, current, stamp):
            step = views.step_bubbles(q, (history, current), state, lang)
            if step is not None:
                thread = known[2] + step
        if thread is None:
            thread = views.thread(q, state, lang, include_current=True)
        if run_id:
            self.threads.put(run_id, (q, (lang, tuple(state.history), state.current, state.updated_at), thread))
        return list(thread)

    def _base_context(self, qid: str, lang: str, closed: bool) -> dict[str, Any]:
        q = self.catalog.current(qid)
        return {
            "title": q.title.get(lang), "qid": qid, "action": f"/q/{quote(qid)}",
            "description": q.description.get(lang) if q.description else None,
            "thread": [], "prompt": None, "consent": None, "run_id": None, "can_start": False,
            "started_before": False, "errors": [], "closed": closed,
        }

    async def _read_page(
        self, ws: WebSession, qid: str, closed: bool, flash: Flash | None
    ) -> tuple[dict[str, Any], str]:
        """The page's context read beside the writer, without its lock (WAL); as a writer only if
        showing it changes the run."""
        try:
            async with self.db.reading() as session:
                return await self._page_context(session, ws, qid, closed, flash, writable=False)
        except _NeedsWrite:
            async with self.transaction() as session:
                return await self._page_context(session, ws, qid, closed, flash, writable=True)

    async def _page_context(
        self, session: Any, ws: WebSession, qid: str, closed: bool, flash: Flash | None, writable: bool,
        respondent: Respondent | None = None,
    ) -> tuple[dict[str, Any], str]:
        """What the questionnaire's page shows now: the consent question, or the thread and the question.

        ``writable=False`` (a read-only session) raises :class:`_NeedsWrite` rather than write.
        """
        respondent = respondent or await self.respondent(session, ws)
        lang = respondent.language
        context = self._base_context(qid, lang, closed)
        changed: list[str] | None = []
        if respondent.id is not None:
            changed = None if self.consents.stands(ws.respondent_id, self.conversation.notice_version) else (
                await self.conversation.consent_needed(session, respondent))
            if changed is None:
                self.consents.remember(ws.respondent_id, self.conversation.notice_version)
        if changed is not None:  # never asked, refused, or a purpose changed since (bot.service.notice)
            prompt = self.conversation.consent_prompt(lang, qid, changed).messages[0]
            context["consent"] = views.consent_view(prompt, self.conversation.notice_url)
            context["thread"], context["errors"] = views.transient(flash.messages if flash else [], [])
        else:
            await self._run_context(session, respondent, qid, lang, flash, context, writable)
        return context, lang

    async def _run_context(
        self, session: Any, respondent: Respondent, qid: str, lang: str, flash: Flash | None, context: dict[str, Any],
        writable: bool = True,
    ) -> None:
        """The page of a consenting respondent: the thread so far, and the question now or a start button."""
        run = await repository.open_run(session, respondent.id, qid, for_update=writable)
        reply: Reply | None = None
        if run is not None and run.status == "paused":  # consent given, the run is theirs:
            if not writable:
                raise _NeedsWrite
            reply = await self.conversation.begin(session, respondent, qid)  # resume it
        elif run is not None:
            reply = await self._show(session, respondent, run, writable)
        if run is None and flash and flash.run_id:  # just completed: show what was answered
            run = await repository.get_run_by_public_id(session, flash.run_id)
            if run is not None and run.respondent_id != respondent.id:
                run = None
        prompt_message = views.current_prompt(reply.messages) if reply else None
        if run is not None:
            try:
                run_q = await self.catalog.for_run(session, run.questionnaire_id, run.questionnaire_version)
                state = RunState.from_json(run.state)
                context["thread"] = views.thread(run_q, state, lang, include_current=prompt_message is not None)
            except (UnknownQuestionnaire, TypeError, KeyError):
                context["thread"] = []
        shown = (flash.messages if flash else []) + [
            (m.kind, m.text) for m in (reply.messages if reply else []) if m.kind != "prompt"]
        bubbles, errors = views.transient(shown, context["thread"])
        context["thread"] = views.completion_bubbles(context["thread"] + bubbles, lang)
        if prompt_message is not None and reply is not None and reply.run_id:
            prompt = views.prompt_view(prompt_message, lang)
            prompt.errors = views.web_errors(errors, lang, len(prompt.options))
            prompt.draft = flash.draft if flash and errors else None
            views.keep_ticked(prompt, prompt.draft)  # a refused multiple choice keeps its ticks
            context["prompt"] = prompt
            context["run_id"] = reply.run_id
            return
        context["errors"] = errors
        context["can_start"] = True
        context["started_before"] = run is not None or (flash is not None and flash.run_id is not None)
        context["just_finished"] = run is not None and run.status == "completed"
        if context["just_finished"] and run is not None:  # the chat asks here too (NewsletterOptIn)
            offer = await newsletter.offer(session, respondent, self.conversation.notice, lang, f"/q/{quote(qid)}#domanda",
                                           run.id)
            context["newsletter_offer"] = offer and {**offer, "run": run.public_id}
        if not context["started_before"]:  # came back later: say so if they already answered
            held = await repository.respondent_data(session, respondent.id)
            context["started_before"] = held is not None and any(
                run_qid == qid and status == "completed" for run_qid, status, _, _ in held.runs
            )

    async def answer(self, request: Request, qid: str) -> Response:
        if _has_token(request) or (qid == INVITATION and qid not in self.catalog):
            return await self.invitation_post(request)
        ws = self.sessions.read(request)
        if qid not in self.catalog:
            return self.not_found(request, ws)
        closed = not self._is_open(qid)
        if closed and not await self._may_continue(ws, qid):
            # a closed questionnaire is answered only on the run its invitation opened
            if qid == INVITATION:
                return await self.invitation_post(request)
            return self.not_found(request, ws)
        register = self.conversation.register_of(qid)
        with speaking(register):  # the refusals, the fragment, the next page: in the questionnaire's register
            return await self._answer(request, ws, qid, closed, register)

    async def _answer(self, request: Request, ws: WebSession, qid: str, closed: bool, register: str | None) -> Response:
        """:meth:`answer` for a questionnaire this browser may answer, inside its register."""
        try:
            form = await self.checked_form(request, ws, free_text=ANSWER_TEXT)
        except FormError as error:
            return self.form_refused(request, ws, error)
        renewed: dict[str, WebSession] = {}  # a consent decision gives the browser a new session id
        inline = answered_in_place(request)
        fragment = wants_fragment(request)
        turns: list[_Turn] = []  # what the work saw of the run (its last run, if the batch ran it again)

        async def work(session: Any) -> tuple[Reply, str | None, str]:
            # the committer's writer task runs the batch: the register is set here, not inherited
            with speaking(register):
                draft: str | None = None
                turns.clear()
                respondent = await self.respondent(session, ws)
                if "consent" in form:
                    decision = form.get("consent")
                    if decision in ("yes", "no"):
                        reply = await self.conversation.decide_consent(session, respondent, decision == "yes", qid)
                        renewed["ws"] = await self._renew_identity(session, ws)
                    else:
                        reply = self.conversation.consent_prompt(respondent.language, qid)
                elif "start" in form:
                    reply = await self.conversation.start(session, respondent, qid)
                else:
                    action = views.input_of(form)
                    run_id = form.get("run") or None
                    run = await repository.get_run_by_public_id(session, run_id) if run_id else None
                    if run is not None and run.respondent_id == respondent.id and isinstance(run.state, dict) \
                            and action.question_key and action.question_key == run.state.get("current"):
                        turns.append(_Turn((tuple(run.state.get("history") or ()), run.state.get("current")),
                                           run.state.get("updated_at")))
                    reply = await self.conversation.handle(session, respondent, action, run_id=run_id)
                    if turns and run is not None and reply.run_id == run.public_id and not reply.completed \
                            and not reply.stopped and run.status == "active":
                        turns[0].q = await self.catalog.for_run(session, run.questionnaire_id, run.questionnaire_version)
                        turns[0].state = run.state
                        turns[0].lang = respondent.language
                    if reply.rejected and action.kind == "text" and "text" in form:
                        draft = without_control_characters(action.value or "")[:20_000]
                    elif reply.rejected and form.get("action") == "done" and "choice" not in form:
                        draft = ",".join(v for v in form.getlist("selected") if v.strip().isdigit())  # the ticks
                return reply, draft, reply.lang or respondent.language

        # group commit (as the Telegram path): concurrent answers share one transaction and one
        # durable commit; the reply is sent only once this answer is committed
        if "consent" in form:
            self.consents.forget(ws.respondent_id)
        reply, draft, lang = await self.committer.run(work, key=ws.respondent_id)
        if reply.stopped:  # e.g. under the minimum age: the consent just given was withdrawn
            self.consents.forget(renewed["ws"].respondent_id if "ws" in renewed else ws.respondent_id)
        ws = renewed.get("ws", ws)
        target = self._target(reply, qid)
        if fragment and turns and target == qid:  # what the answer changed on the page, from what the work knows
            view = self._answer_view(turns[0], reply, turns[0].lang, draft, qid)
            if view is not None:
                return self.fragment(request, ws, turns[0].lang, view)
        if inline and target == qid:  # asked by a page script: the next page now, no redirect to follow
            # read once the answer is committed, beside the writer (the batch holds only writes)
            context, lang = await self._read_page(ws, qid, closed, self._flash_of(reply, draft))
            return self.page(request, ws, lang, "questionnaire.html", context)
        flash = self._flash_of(reply, draft)
        prompt_message = views.current_prompt(reply.messages)
        if flash is not None and turns and turns[0].q is not None and turns[0].state is not None \
                and prompt_message is not None and target == qid and not renewed:
            flash.committed = (turns[0].q, turns[0].state, prompt_message, turns[0].lang,
                               (*turns[0].before, turns[0].stamp))
        if flash is not None:
            self.flashes.put(ws.respondent_id, target, flash)
        return self.redirect(request, ws, f"/q/{quote(target)}#domanda", lang)

    def _answer_view(self, turn: _Turn, reply: Reply, lang: str, draft: str | None, qid: str) -> dict[str, Any] | None:
        """The fragment's context: the bubbles the answer adds to the thread and the question now.

        None when the page must be shown whole: the run ended or moved otherwise than one step
        forward (back, the summary, another run), or the reply asks no question.
        """
        prompt_message = views.current_prompt(reply.messages)
        if turn.q is None or turn.state is None or prompt_message is None or not reply.run_id:
            return None
        try:
            state = RunState.from_json(turn.state)
        except TypeError:
            return None
        history, current = turn.before
        if state.current == current and prompt_message.question_key == current:
            # the same question again (refused, or a ranking's order so far): the thread is as it was
            if views.visible_tokens(state.history, state.current) != views.visible_tokens(history, current):
                return None
            added: list[views.Bubble] = []
        else:
            step = views.step_bubbles(turn.q, turn.before, state, lang)
            if step is None or prompt_message.question_key != state.current:
                return None
            added = step
        shown = [(m.kind, m.text) for m in reply.messages if m.kind != "prompt" and m.text]
        once, errors = views.transient(shown, added)
        prompt = views.prompt_view(prompt_message, lang)
        prompt.errors = views.web_errors(errors, lang, len(prompt.options))
        prompt.draft = draft if errors else None
        views.keep_ticked(prompt, prompt.draft)  # a refused multiple choice keeps its ticks
        return {"thread": added, "once": once, "prompt": prompt, "run_id": reply.run_id, "action": f"/q/{quote(qid)}"}

    def fragment(self, request: Request, ws: WebSession, lang: str, context: dict[str, Any]) -> Response:
        """The answer's fragment (:func:`bot.web.views.answer_fragment_html`), built without a template."""
        html = views.answer_fragment_html(lang, ws.csrf, context)
        response = HTMLResponse(html, headers={"cache-control": "no-store", FRAGMENT_HEADER: "answer"})
        return self.sessions.attach(response, request, ws, lang)

    def _target(self, reply: Reply, qid: str) -> str:
        """The questionnaire whose page shows what ``reply`` says (a menu may have started another)."""
        return reply.questionnaire_id if reply.questionnaire_id and self._is_open(reply.questionnaire_id) else qid

    def _is_open(self, qid: str) -> bool:
        """Whether anyone may start ``qid`` (``catalog.ids()``, without building the list)."""
        return qid in self.catalog and self.catalog.current(qid).open

    @staticmethod
    def _flash_of(reply: Reply, draft: str | None) -> Flash | None:
        messages = [(m.kind, m.text) for m in reply.messages if m.kind != "prompt" and m.text]
        return Flash(messages, reply.run_id, draft) if messages or reply.run_id else None

    async def _may_continue(self, ws: WebSession, qid: str) -> bool:
        """Whether this browser holds a run of the closed questionnaire ``qid`` (open or done).

        A closed questionnaire (e.g. the listening interview) starts only through its
        invitation, which binds the run to the browser that redeemed it; that browser may then
        answer it here to the end, come back to it, and see it completed.
        """
        if ws.is_new:
            return False
        async with self.db.reading() as session:
            respondent = await self.respondent(session, ws)
            if respondent.id is None:
                return False
            statuses = await register.run_statuses(session, respondent.id, qid)
        return bool(statuses & {"active", "paused", "completed"})

    async def _show(self, session: Any, respondent: Respondent, run: Any, writable: bool = True) -> Reply:
        """The current question of ``run``, without writing when looking changes nothing.

        The engine's "show" only stamps the run's last activity; a page view need not pay a
        durable write (an fsync) for that. When showing changes more (the run expired), the
        Conversation applies it and stores it as usual.
        """
        try:
            q = await self.catalog.for_run(session, run.questionnaire_id, run.questionnaire_version)
            state = RunState.from_json(run.state)
        except (UnknownQuestionnaire, TypeError, KeyError):
            if not writable:
                raise _NeedsWrite from None
            return await self.conversation.handle(session, respondent, Input("show"), run_id=run.public_id)
        step = dialogs.handle(q, state, Input("show"), expire_after=self.conversation.expire_after)
        if dataclasses.replace(step.state, updated_at=state.updated_at) != state:
            if not writable:
                raise _NeedsWrite
            return await self.conversation.handle(session, respondent, Input("show"), run_id=run.public_id)
        return Reply(step.messages, lang=state.lang, run_id=run.public_id, questionnaire_id=q.id,
                     completed=step.completed, rejected=step.rejected)

    # --- invitations ------------------------------------------------------------------------------

    async def invitation(self, request: Request) -> Response:
        token = request.query_params.get("t", "").strip()
        with speaking(self.conversation.register_of(f"{INVITATION}_{token}")):  # the interview's register
            return await self._invitation(request, token)

    async def _invitation(self, request: Request, token: str) -> Response:
        ws = self.sessions.read(request)
        lang = self.lang(ws)
        if not token:
            return self.message_page(request, ws, lang, translate("invitation_title", lang), [translate("invitation_missing", lang)])
        async with self.transaction() as session:
            respondent = await self.respondent(session, ws)
            reply = await self.conversation.start(session, respondent, f"{INVITATION}_{token}")
        return self._invitation_reply(request, ws, reply, token)

    async def invitation_post(self, request: Request) -> Response:
        token = request.query_params.get("t", "").strip()
        with speaking(self.conversation.register_of(f"{INVITATION}_{token}")):
            return await self._invitation_post(request, token)

    async def _invitation_post(self, request: Request, token: str) -> Response:
        ws = self.sessions.read(request)
        try:
            form = await self.checked_form(request, ws)
        except FormError as error:
            return self.form_refused(request, ws, error)
        self.consents.forget(ws.respondent_id)
        async with self.transaction() as session:
            respondent = await self.respondent(session, ws)
            payload = f"{INVITATION}_{token}"
            decision = form.get("consent")
            if decision in ("yes", "no"):
                reply = await self.conversation.decide_consent(session, respondent, decision == "yes", payload)
                ws = await self._renew_identity(session, ws)
            else:
                reply = await self.conversation.start(session, respondent, payload)
        return self._invitation_reply(request, ws, reply, token)

    def _invitation_reply(self, request: Request, ws: WebSession, reply: Reply, token: str) -> Response:
        lang = reply.lang
        if reply.run_id and reply.questionnaire_id in self.catalog:  # open or closed: /q/<id> serves its run
            self._flash(ws, reply.questionnaire_id, reply)  # type: ignore[arg-type]
            return self.redirect(request, ws, f"/q/{quote(reply.questionnaire_id)}#domanda", lang)  # type: ignore[arg-type]
        consent = next((m for m in reply.messages if m.question_key == CONSENT_KEY), None)
        if consent is not None:
            return self.page(request, ws, lang, "questionnaire.html", {
                "title": translate("invitation_title", lang), "qid": INVITATION, "description": None,
                "action": f"/q/{INVITATION}?t={quote(token)}", "thread": [], "prompt": None, "run_id": None,
                "can_start": False, "errors": [], "consent": views.consent_view(consent, self.conversation.notice_url),
            })
        texts = [m.text for m in reply.messages if m.kind != "prompt" and m.text]
        texts += [m.text for m in reply.messages if m.kind == "prompt" and m.question_key != MENU_KEY and m.text]
        return self.message_page(request, ws, lang, translate("invitation_title", lang), texts)

    # --- language -----------------------------------------------------------------------------------

    async def language(self, request: Request) -> Response:
        ws = self.sessions.read(request)
        try:
            form = await self.checked_form(request, ws)
        except FormError as error:
            return self.form_refused(request, ws, error)
        lang = self.plan.language_for(form.get("lang"), self.settings.lang)
        async with self.transaction() as session:
            respondent = await self.respondent(session, ws)
            if respondent.id is not None:
                await self.conversation.set_language(session, respondent, lang)
        return self.redirect(request, ws, safe_next(form.get("next")), lang)
