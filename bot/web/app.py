"""The web app: routes of the citizens' side, security headers, and (optionally) Telegram's webhook.

Every page that changes something is a form POST checked against the session's CSRF token; it
runs in one database transaction (answer, run state, consent — all or nothing), then redirects
(post/redirect/get) so the next page is shown only once the change is committed, and a reload
never answers twice.
"""

from __future__ import annotations

import asyncio
import dataclasses
import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl, quote, urlsplit

from fastapi import FastAPI
from fastapi.exceptions import RequestValidationError
from fastapi.templating import Jinja2Templates
from starlette.datastructures import ImmutableMultiDict
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.requests import Request
from starlette.responses import JSONResponse, RedirectResponse, Response
from starlette.staticfiles import StaticFiles
from starlette.types import ASGIApp, Message as ASGIMessage, Receive, Scope, Send

import dialogs
from dialogs import Input, RunState
from dialogs.answers import has_control_characters, without_control_characters
from storage import Database, register, repository
from storage.group_commit import GroupCommitter
from storage.models import Respondent

from bot.service import personal_data
from bot.service.catalog import QuestionnaireCatalog, UnknownQuestionnaire
from bot.service.conversation import CONSENT_KEY, Reply, conversation_from_settings
from ..settings import Settings
from bot.service.texts import t
from bot.runtime.health import BotStatus
from . import probes, views
from .analysis import Dashboard
from .edge import NoStore, ProxyHeadersMiddleware
from .session import DEFAULT_KEY_FILE, Flash, FlashStore, Sessions, WebSession, load_secret_key
from .texts import wt
from .webhook import WEBHOOK_PATH, TelegramWebhook

log = logging.getLogger("scenari.web")

CHANNEL = "web"
INVITATION = "ascolto"
MAX_FORM_BYTES = 64 * 1024
ANSWER_TEXT = frozenset({"text"})  # the typed answer: refused by the engine, with the question again
HERE = Path(__file__).parent

SECURITY_HEADERS = [
    (b"content-security-policy",
     b"default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
     b"form-action 'self'; frame-ancestors 'none'; base-uri 'none'; object-src 'none'"),
    (b"x-content-type-options", b"nosniff"),
    (b"x-frame-options", b"DENY"),
    (b"referrer-policy", b"no-referrer"),  # invitation tokens travel in URLs
    (b"permissions-policy", b"camera=(), microphone=(), geolocation=()"),
]


class SecurityHeaders:
    """Adds the security headers to every HTTP response (a plain ASGI middleware)."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        async def send_with_headers(message: ASGIMessage) -> None:
            if message["type"] == "http.response.start":
                message.setdefault("headers", [])
                present = {name.lower() for name, _ in message["headers"]}
                message["headers"].extend(h for h in SECURITY_HEADERS if h[0] not in present)
            await send(message)

        await self.app(scope, receive, send_with_headers)


class FormError(Exception):
    def __init__(self, status: int, text_key: str) -> None:
        super().__init__(text_key)
        self.status = status
        self.text_key = text_key


async def read_form(
    request: Request, limit: int = MAX_FORM_BYTES, free_text: frozenset[str] = frozenset()
) -> ImmutableMultiDict[str, str]:
    """An urlencoded form body, at most ``limit`` bytes (our forms post nothing else).

    A control character (a NUL, an escape…) in any field but the ``free_text`` ones refuses the
    form (400, ``control_chars``): no id, token or name with one reaches the database. Typed
    answers (``free_text``) go on to the engine, which refuses them with the question again.
    """
    content_type = request.headers.get("content-type", "").split(";")[0].strip().lower()
    if content_type != "application/x-www-form-urlencoded":
        raise FormError(400, "bad_form")
    declared = request.headers.get("content-length", "")
    if declared.isdigit() and int(declared) > limit:
        raise FormError(413, "too_large")
    chunks: list[bytes] = []
    size = 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > limit:
            raise FormError(413, "too_large")
        chunks.append(chunk)
    try:
        pairs = parse_qsl(b"".join(chunks).decode("utf-8", "replace"), keep_blank_values=True, max_num_fields=200)
    except ValueError:
        raise FormError(400, "bad_form") from None
    if any(has_control_characters(name) or (name not in free_text and has_control_characters(value))
           for name, value in pairs):
        raise FormError(400, "control_chars")
    return ImmutableMultiDict(pairs)


def safe_next(target: str | None) -> str:
    """Only a path on this site (no scheme, no host, no protocol-relative //)."""
    if not target or not target.startswith("/") or target.startswith("//") or "\\" in target:
        return "/"
    parts = urlsplit(target)
    if parts.scheme or parts.netloc:
        return "/"
    return target


class _SerialCommitter(GroupCommitter):
    """Group commit whose transactions queue on the channel's SQLite lock like every other one."""

    def __init__(self, db: Database, channel: WebChannel) -> None:
        super().__init__(db, max_batch=64)
        self.channel = channel

    async def _commit(self, batch: list[Any]) -> list[Any]:
        async with self.channel.transaction() as session:
            return [await unit.work(session) for unit in batch]


class WebChannel:
    def __init__(
        self, settings: Settings, db: Database, catalog: QuestionnaireCatalog, sessions: Sessions
    ) -> None:
        self.settings = settings
        self.db = db
        self.catalog = catalog
        self.sessions = sessions
        self.flashes = FlashStore()
        self._serial: asyncio.Lock | None = asyncio.Lock() if db.backend == "sqlite" else None
        self.committer = _SerialCommitter(db, self)
        self.conversation = conversation_from_settings(settings, catalog)
        self.templates = Jinja2Templates(directory=str(HERE / "templates"))
        self.templates.env.globals["wt"] = wt

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

    def page(
        self, request: Request, ws: WebSession, lang: str, name: str, context: dict[str, Any], status: int = 200
    ) -> Response:
        response = self.templates.TemplateResponse(
            request, name, {"lang": lang, "csrf": ws.csrf, "path": _path_of(request), **context}, status_code=status
        )
        response.headers["cache-control"] = "no-store"
        return self.sessions.attach(response, request, ws, lang)

    def redirect(self, request: Request, ws: WebSession, target: str, lang: str | None = None) -> Response:
        return self.sessions.attach(RedirectResponse(target, status_code=303), request, ws, lang)

    def message_page(
        self, request: Request, ws: WebSession, lang: str, title: str, texts: list[str], status: int = 200,
        kind: str = "info",
    ) -> Response:
        return self.page(request, ws, lang, "message.html", {
            "title": title, "texts": texts, "kind": kind, "questionnaires": self._open(lang),
        }, status)

    def _open(self, lang: str) -> list[dict[str, str]]:
        items = []
        for qid in self.catalog.ids():
            q = self.catalog.current(qid)
            items.append({
                "id": qid, "title": q.title.get(lang),
                "description": q.description.get(lang) if q.description else "",
            })
        return items

    def _lang(self, ws: WebSession) -> str:
        return ws.lang_preference or self.settings.lang

    async def _respondent(self, session: Any, ws: WebSession) -> Respondent:
        return await self.conversation.lookup(session, CHANNEL, ws.respondent_id, self._lang(ws))

    async def _renew_identity(self, session: Any, ws: WebSession) -> WebSession:
        """A new session id for the same respondent, at consent (a change of privilege).

        OWASP's session rules: a cookie planted in the browser before (session fixation) must not
        reach what the consent opens — the respondent's data follow the new id, the old reaches nothing.
        """
        fresh = self.sessions.renew()
        fresh.lang_preference = ws.lang_preference
        await repository.change_external_id(session, CHANNEL, ws.respondent_id, fresh.respondent_id)
        return fresh

    def _form_refused(self, request: Request, ws: WebSession, error: FormError) -> Response:
        lang = self._lang(ws)
        return self.message_page(
            request, ws, lang, wt("error_title", lang), [wt(error.text_key, lang)], status=error.status, kind="error"
        )

    async def _checked_form(
        self, request: Request, ws: WebSession, free_text: frozenset[str] = frozenset()
    ) -> ImmutableMultiDict[str, str]:
        form = await read_form(request, free_text=free_text)
        if not self.sessions.csrf_ok(ws, form.get("csrf")):
            log.info("form refused", extra={"fields": {"reason": "csrf", "path": request.url.path}})
            raise FormError(403, "cookies_needed" if ws.is_new else "bad_form")
        return form

    def _flash(self, ws: WebSession, where: str, reply: Reply, draft: str | None = None) -> None:
        messages = [(m.kind, m.text) for m in reply.messages if m.kind != "prompt" and m.text]
        if messages or reply.run_id:
            self.flashes.put(ws.respondent_id, where, Flash(messages, reply.run_id, draft))

    # --- pages --------------------------------------------------------------------------------

    async def index(self, request: Request) -> Response:
        ws = self.sessions.read(request)
        async with self.transaction() as session:
            lang = (await self._respondent(session, ws)).language
        return self.page(request, ws, lang, "index.html", {
            "title": wt("open_questionnaires", lang), "questionnaires": self._open(lang),
        })

    async def questionnaire(self, request: Request, qid: str) -> Response:
        if "t" in request.query_params or (qid == INVITATION and qid not in self.catalog):
            return await self.invitation(request)
        ws = self.sessions.read(request)
        if qid not in self.catalog:
            return self.not_found(request, ws)
        closed = qid not in self.catalog.ids()
        if closed and not await self._may_continue(ws, qid):
            if qid == INVITATION:
                return await self.invitation(request)  # no run yet: the link's token is needed
            return self.not_found(request, ws)
        flash = None if ws.is_new else self.flashes.pop(ws.respondent_id, qid)
        async with self.transaction() as session:
            respondent = await self._respondent(session, ws)
            lang = respondent.language
            q = self.catalog.current(qid)
            context: dict[str, Any] = {
                "title": q.title.get(lang), "qid": qid, "action": f"/q/{quote(qid)}",
                "description": q.description.get(lang) if q.description else None,
                "thread": [], "prompt": None, "consent": None, "run_id": None, "can_start": False,
                "started_before": False, "errors": [], "closed": closed,
            }
            flash_messages = flash.messages if flash else []
            if respondent.id is None or not await self.conversation.has_consent(session, respondent):
                consent = self.conversation.consent_prompt(lang, qid).messages[0]
                lines = [line for line in consent.text.split("\n") if line.strip()]
                context["consent"] = {
                    "notice": lines[:-1], "question": lines[-1] if lines else "",
                    "options": [{"value": o.value, "label": o.label} for o in consent.options],
                }
                bubbles, errors = views.transient(flash_messages, [])
                context["thread"] = bubbles
                context["errors"] = errors
                return self.page(request, ws, lang, "questionnaire.html", context)
            run = await repository.open_run(session, respondent.id, qid, for_update=True)
            reply: Reply | None = None
            if run is not None and run.status == "paused":  # consent given, the run is theirs:
                reply = await self.conversation.begin(session, respondent, qid)  # resume it
            elif run is not None:
                reply = await self._show(session, respondent, run)
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
            shown = flash_messages + [(m.kind, m.text) for m in (reply.messages if reply else []) if m.kind != "prompt"]
            bubbles, errors = views.transient(shown, context["thread"])
            context["thread"] = context["thread"] + bubbles
            if prompt_message is not None and reply is not None and reply.run_id:
                prompt = views.prompt_view(prompt_message, lang)
                prompt.errors = errors
                prompt.draft = flash.draft if flash and errors else None
                context["prompt"] = prompt
                context["run_id"] = reply.run_id
            else:
                context["errors"] = errors
                context["can_start"] = True
                context["started_before"] = run is not None or (flash is not None and flash.run_id is not None)
                context["just_finished"] = run is not None and run.status == "completed"
                if not context["started_before"]:  # came back later: say so if they already answered
                    held = await repository.respondent_data(session, respondent.id)
                    context["started_before"] = held is not None and any(
                        run_qid == qid and status == "completed" for run_qid, status, _, _ in held.runs
                    )
            return self.page(request, ws, lang, "questionnaire.html", context)

    async def answer(self, request: Request, qid: str) -> Response:
        if "t" in request.query_params or (qid == INVITATION and qid not in self.catalog):
            return await self.invitation_post(request)
        ws = self.sessions.read(request)
        if qid not in self.catalog:
            return self.not_found(request, ws)
        if qid not in self.catalog.ids() and not await self._may_continue(ws, qid):
            # a closed questionnaire is answered only on the run its invitation opened
            if qid == INVITATION:
                return await self.invitation_post(request)
            return self.not_found(request, ws)
        try:
            form = await self._checked_form(request, ws, free_text=ANSWER_TEXT)
        except FormError as error:
            return self._form_refused(request, ws, error)
        renewed: dict[str, WebSession] = {}  # a consent decision gives the browser a new session id

        async def work(session: Any) -> tuple[Reply, str | None, str]:
            draft: str | None = None
            respondent = await self._respondent(session, ws)
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
                action = self._input(form)
                reply = await self.conversation.handle(session, respondent, action, run_id=form.get("run") or None)
                if reply.rejected and action.kind == "text" and "text" in form:
                    draft = without_control_characters(action.value or "")[:20_000]
            return reply, draft, reply.lang or respondent.language

        # group commit (as the Telegram path): concurrent answers share one transaction and one
        # durable commit; the redirect is sent only once this answer is committed
        reply, draft, lang = await self.committer.run(work)
        ws = renewed.get("ws", ws)
        target = reply.questionnaire_id if reply.questionnaire_id in self.catalog.ids() else qid
        self._flash(ws, target, reply, draft)
        return self.redirect(request, ws, f"/q/{quote(target)}#domanda", lang)

    async def _may_continue(self, ws: WebSession, qid: str) -> bool:
        """Whether this browser holds a run of the closed questionnaire ``qid`` (open or done).

        A closed questionnaire (e.g. the listening interview) starts only through its
        invitation, which binds the run to the browser that redeemed it; that browser may then
        answer it here to the end, come back to it, and see it completed.
        """
        if ws.is_new:
            return False
        async with self.transaction() as session:
            respondent = await self._respondent(session, ws)
            if respondent.id is None:
                return False
            statuses = await register.run_statuses(session, respondent.id, qid)
        return bool(statuses & {"active", "paused", "completed"})

    async def _show(self, session: Any, respondent: Respondent, run: Any) -> Reply:
        """The current question of ``run``, without writing when looking changes nothing.

        The engine's "show" only stamps the run's last activity; a page view need not pay a
        durable write (an fsync) for that. When showing changes more (the run expired), the
        Conversation applies it and stores it as usual.
        """
        try:
            q = await self.catalog.for_run(session, run.questionnaire_id, run.questionnaire_version)
            state = RunState.from_json(run.state)
        except (UnknownQuestionnaire, TypeError, KeyError):
            return await self.conversation.handle(session, respondent, Input("show"), run_id=run.public_id)
        step = dialogs.handle(q, state, Input("show"), expire_after=self.conversation.expire_after)
        if dataclasses.replace(step.state, updated_at=state.updated_at) != state:
            return await self.conversation.handle(session, respondent, Input("show"), run_id=run.public_id)
        return Reply(step.messages, lang=state.lang, run_id=run.public_id, questionnaire_id=q.id,
                     completed=step.completed, rejected=step.rejected)

    @staticmethod
    def _input(form: ImmutableMultiDict[str, str]) -> Input:
        key = form.get("key") or None
        if "choice" in form:
            return Input("choice", form.get("choice", ""), question_key=key)
        action = form.get("action", "answer")
        if action in ("back", "skip"):
            return Input(action, question_key=key)  # type: ignore[arg-type]
        if action == "done":
            selected = [value for value in form.getlist("selected") if value.strip()]
            if not selected:
                return Input("done", question_key=key)
            return Input("text", ",".join(selected), question_key=key)
        if action == "answer":
            return Input("text", form.get("text", ""), question_key=key)
        return Input("show", question_key=key)

    # --- invitations ------------------------------------------------------------------------------

    async def invitation(self, request: Request) -> Response:
        ws = self.sessions.read(request)
        lang = self._lang(ws)
        token = request.query_params.get("t", "").strip()
        if not token:
            return self.message_page(request, ws, lang, wt("invitation_title", lang), [wt("invitation_missing", lang)])
        async with self.transaction() as session:
            respondent = await self._respondent(session, ws)
            reply = await self.conversation.start(session, respondent, f"{INVITATION}_{token}")
        return self._invitation_reply(request, ws, reply, token)

    async def invitation_post(self, request: Request) -> Response:
        ws = self.sessions.read(request)
        token = request.query_params.get("t", "").strip()
        try:
            form = await self._checked_form(request, ws)
        except FormError as error:
            return self._form_refused(request, ws, error)
        async with self.transaction() as session:
            respondent = await self._respondent(session, ws)
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
            lines = [line for line in consent.text.split("\n") if line.strip()]
            return self.page(request, ws, lang, "questionnaire.html", {
                "title": wt("invitation_title", lang), "qid": INVITATION, "description": None,
                "action": f"/q/{INVITATION}?t={quote(token)}", "thread": [], "prompt": None, "run_id": None,
                "can_start": False, "errors": [],
                "consent": {
                    "notice": lines[:-1], "question": lines[-1] if lines else "",
                    "options": [{"value": o.value, "label": o.label} for o in consent.options],
                },
            })
        texts = [m.text for m in reply.messages if m.kind != "prompt" and m.text]
        texts += [m.text for m in reply.messages if m.kind == "prompt" and m.question_key != "_menu" and m.text]
        return self.message_page(request, ws, lang, wt("invitation_title", lang), texts)

    # --- language and privacy -----------------------------------------------------------------------

    async def language(self, request: Request) -> Response:
        ws = self.sessions.read(request)
        try:
            form = await self._checked_form(request, ws)
        except FormError as error:
            return self._form_refused(request, ws, error)
        lang = form.get("lang") if form.get("lang") in ("it", "en") else self.settings.lang
        async with self.transaction() as session:
            respondent = await self._respondent(session, ws)
            if respondent.id is not None:
                await self.conversation.set_language(session, respondent, lang)
        return self.redirect(request, ws, safe_next(form.get("next")), lang)

    async def privacy(self, request: Request) -> Response:
        ws = self.sessions.read(request)
        async with self.transaction() as session:
            respondent = await self._respondent(session, ws)
            lang = respondent.language
            report = await self.conversation.privacy_report(session, respondent)
        return self._privacy_page(request, ws, lang, report, held=respondent.id is not None)

    def _privacy_page(
        self, request: Request, ws: WebSession, lang: str, report: str, held: bool, error: str | None = None,
        status: int = 200,
    ) -> Response:
        footer = t("privacy_footer", lang)  # the chat's "/cancella" hint: here the form below does it
        lines = [line for line in report.split("\n") if line.strip() != footer]
        erased = request.query_params.get("cancellato") == "1" and not held
        return self.page(request, ws, lang, "privacy.html", {
            "title": wt("privacy_title", lang), "lines": lines, "held": held, "error": error,
            "erased": t("erased", lang) if erased else None,
        }, status)

    async def my_data(self, request: Request) -> Response:
        """The privacy page's download (bot.service.personal_data): nothing held → back to the page."""
        ws = self.sessions.read(request)
        async with self.transaction() as session:
            respondent = await self._respondent(session, ws)
            data = await personal_data.export(session, respondent.id, "respondent") if respondent.id else None
        if data is None:
            return self.redirect(request, ws, "/privacy")
        response = Response(data.content, media_type="application/json", headers={
            "content-disposition": f'attachment; filename="{data.filename}"', "cache-control": "no-store"})
        return self.sessions.attach(response, request, ws)

    async def erase(self, request: Request) -> Response:
        ws = self.sessions.read(request)
        try:
            form = await self._checked_form(request, ws)
        except FormError as error:
            return self._form_refused(request, ws, error)
        async with self.transaction() as session:
            respondent = await self._respondent(session, ws)
            lang = respondent.language
            if form.get("confirm") != "yes":
                report = await self.conversation.privacy_report(session, respondent)
                return self._privacy_page(
                    request, ws, lang, report, held=respondent.id is not None,
                    error=wt("erase_needs_confirm", lang), status=400,
                )
            await self.conversation.erase(session, respondent)
        log.info("respondent erased", extra={"fields": {"channel": CHANNEL}})
        self.flashes.forget(ws.respondent_id)
        fresh = self.sessions.renew()  # the old id is gone with the data: a new browser identity
        return self.redirect(request, fresh, "/privacy?cancellato=1", lang)

    def not_found(self, request: Request, ws: WebSession | None = None) -> Response:
        ws = ws or self.sessions.read(request)
        lang = self._lang(ws)
        return self.message_page(request, ws, lang, wt("not_found_title", lang), [wt("not_found", lang)], status=404)


def _path_of(request: Request) -> str:
    path = request.url.path
    return path + (f"?{request.url.query}" if request.url.query else "")


def create_app(
    settings: Settings,
    db: Database,
    *,
    catalog: QuestionnaireCatalog | None = None,
    key_file: Path = DEFAULT_KEY_FILE,
    bot_status: BotStatus | None = None,
) -> FastAPI:
    """The ASGI app of the web channel (and Telegram's webhook when ``TELEGRAM_WEBHOOK_URL`` is set).

    ``bot_status`` is the bot's state that ``/readyz`` reports (the polling bot's, kept by
    `scenari serve`); with a webhook the webhook's own is used.
    """
    secret_key = load_secret_key(settings.secret_key, key_file)
    sessions = Sessions(secret_key, secure=settings.cookie_secure)
    web = WebChannel(settings, db, catalog or QuestionnaireCatalog.load(settings.questionnaires_dir), sessions)
    dashboard = Dashboard(settings, db, sessions, secret_key, web.templates)
    telegram: TelegramWebhook | None = None
    if settings.telegram_bot_token and settings.telegram_webhook_url:
        telegram = TelegramWebhook(settings, db, sessions.derived_secret("telegram-webhook"), status=bot_status)
    bot_status = telegram.status if telegram is not None else (bot_status or BotStatus())

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        if telegram is not None:
            await telegram.start()
        try:
            yield
        finally:
            await web.committer.close()
            if telegram is not None:
                await telegram.stop()

    # The citizen pages are HTML, not an API: no public OpenAPI schema and no docs pages (they
    # would load scripts from a CDN). The analysts' JSON API serves its schema at
    # /api/openapi.json, to analysts only (bot.web.analysis).
    app = FastAPI(title="Scenari", lifespan=lifespan, docs_url=None, redoc_url=None, openapi_url=None)
    app.state.web = web
    app.state.dashboard = dashboard
    app.state.telegram = telegram
    app.add_middleware(SecurityHeaders)
    app.add_middleware(NoStore)
    if settings.forwarded_allow_ips:  # outermost: every layer sees the real client and scheme
        app.add_middleware(ProxyHeadersMiddleware, trusted_hosts=settings.forwarded_allow_ips)
    app.mount("/static", StaticFiles(directory=str(HERE / "static")), name="static")
    app.add_api_route("/", web.index, methods=["GET"], include_in_schema=False)
    app.add_api_route("/q/{qid}", web.questionnaire, methods=["GET"], include_in_schema=False)
    app.add_api_route("/q/{qid}", web.answer, methods=["POST"], include_in_schema=False)
    app.add_api_route("/lingua", web.language, methods=["POST"], include_in_schema=False)
    app.add_api_route("/privacy", web.privacy, methods=["GET"], include_in_schema=False)
    app.add_api_route("/privacy", web.erase, methods=["POST"], include_in_schema=False)
    app.add_api_route("/privacy/dati", web.my_data, methods=["GET"], include_in_schema=False)
    dashboard.install(app)
    probes.install(app, db, bot_status)  # /healthz, /readyz
    if telegram is not None:
        app.add_api_route(WEBHOOK_PATH, telegram.receive, methods=["POST"], include_in_schema=False)

    @app.exception_handler(StarletteHTTPException)
    async def http_error(request: Request, exc: StarletteHTTPException) -> Response:
        if request.url.path.startswith("/api/") or request.url.path == "/api":
            headers = {"cache-control": "no-store"}
            if exc.status_code == 401:
                headers["www-authenticate"] = "Bearer"
            detail = exc.detail if isinstance(exc.detail, str) else "error"
            return JSONResponse({"detail": detail}, status_code=exc.status_code, headers=headers)
        if exc.status_code == 404:
            return web.not_found(request)
        ws = sessions.read(request)
        lang = web._lang(ws)
        return web.message_page(request, ws, lang, wt("error_title", lang), [wt("bad_form", lang)], status=exc.status_code)

    @app.exception_handler(RequestValidationError)
    async def invalid_request(request: Request, exc: RequestValidationError) -> Response:
        return JSONResponse({"detail": "invalid request"}, status_code=422, headers={"cache-control": "no-store"})

    @app.exception_handler(Exception)
    async def server_error(request: Request, exc: Exception) -> Response:
        log.error("request failed", exc_info=exc, extra={"fields": {"path": request.url.path}})
        if request.url.path.startswith("/api/"):
            return JSONResponse({"detail": "server error"}, status_code=500)
        ws = sessions.read(request)
        lang = web._lang(ws)
        return web.message_page(request, ws, lang, wt("error_title", lang), [wt("server_error", lang)], status=500, kind="error")

    return app
