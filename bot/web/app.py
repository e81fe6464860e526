"""The web app: the ASGI application that puts the citizens' pages, the dashboard, the probes and
(optionally) Telegram's webhook behind one set of middlewares and error pages.

What each part does is in its own module: :mod:`bot.web.citizen` and :mod:`bot.web.privacy`
(the citizens' pages), :mod:`bot.web.dashboard` (the analysts'), :mod:`bot.web.edge` (the
middlewares), :mod:`bot.web.probes` (/healthz, /readyz), :mod:`bot.web.webhook`.
"""

from __future__ import annotations

import asyncio
import contextlib
import gc
import logging
import sys
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

from fastapi import FastAPI
from fastapi.exceptions import RequestValidationError
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route
from starlette.staticfiles import StaticFiles

from dialogs.i18n import speaking
from storage import Database

from bot.service.health import BotStatus
from bot.service.catalog import QuestionnaireCatalog
from bot.service.mailing import UNSUBSCRIBE_PATH
from ..settings import Settings
from . import probes
from .citizen import WebChannel
from .dashboard import Dashboard, install as install_dashboard
from .edge import EdgeHeaders, ProxyHeadersMiddleware
from .privacy import PrivacyPages
from .questionnaire_route import QuestionnaireRoute, questionnaire_id
from .unsubscribe import UnsubscribePages
from .newsletter import PATH as NEWS_PATH, NewsletterPages
from .voting import PATH as VOTE_PATH, VotingPages
from .session import DEFAULT_KEY_FILE, Sessions, load_secret_key
from .texts import translate
from .webhook import WEBHOOK_PATH, TelegramWebhook

log = logging.getLogger("scenari.web")

_freezing = False

STATIC = Path(__file__).parent / "static"


def create_app(
    settings: Settings,
    db: Database,
    *,
    catalog: QuestionnaireCatalog | None = None,
    key_file: Path = DEFAULT_KEY_FILE,
    bot_status: BotStatus | None = None,
    answer_script: bool = True,
) -> FastAPI:
    """The ASGI app of the web channel (and Telegram's webhook when ``TELEGRAM_WEBHOOK_URL`` is set).

    ``bot_status`` is the bot's state that ``/readyz`` reports (the polling bot's, kept by
    `scenari serve`); with a webhook the webhook's own is used. ``answer_script`` (on
    unless a test asks for plain forms): the questionnaire's page answers through static/answer.js,
    without a page load per answer (:class:`bot.web.citizen.WebChannel`); without JavaScript the
    plain forms work as before.
    """
    secret_key = load_secret_key(settings.secret_key, key_file)
    sessions = Sessions(secret_key, secure=settings.cookie_secure)
    web = WebChannel(settings, db, catalog or QuestionnaireCatalog.load(settings.plan), sessions, answer_script)
    dashboard = Dashboard(settings, db, sessions, secret_key, web.templates)
    telegram: TelegramWebhook | None = None
    if settings.telegram_bot_token and settings.telegram_webhook_url:
        telegram = TelegramWebhook(settings, db, sessions.derived_secret("telegram-webhook"), status=bot_status)
    bot_status = telegram.status if telegram is not None else (bot_status or BotStatus())

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        freezer = _freeze_long_lived()
        if telegram is not None:
            await telegram.start()
        try:
            yield
        finally:
            if freezer is not None:
                freezer.cancel()
                with contextlib.suppress(asyncio.CancelledError):
                    await freezer
            await web.committer.close()
            if telegram is not None:
                await telegram.stop()

    # The citizen pages are HTML, not an API: no public OpenAPI schema and no docs pages (they
    # would load scripts from a CDN). The analysts' JSON API serves its schema at
    # /api/openapi.json, to analysts only (bot.web.dashboard.api).
    # No OpenTelemetry either: nothing here configures it, and FastAPI's native telemetry would
    # otherwise look for a configured provider (three environment look-ups) at every request.
    app = FastAPI(title="Scenari", lifespan=lifespan, docs_url=None, redoc_url=None, openapi_url=None,
                  telemetry={"tracing": False, "metrics": False, "logs": False})
    app.state.web = web
    app.state.dashboard = dashboard
    app.state.telegram = telegram
    # inside the edge's headers: /q/{qid}, the answers' hot path, without the router's layers
    app.add_middleware(QuestionnaireRoute, show=web.questionnaire, answer=web.answer, router=app.router,
                       handlers=app.exception_handlers)
    app.add_middleware(EdgeHeaders)
    if settings.forwarded_allow_ips:  # outermost: every layer sees the real client and scheme
        app.add_middleware(ProxyHeadersMiddleware, trusted_hosts=settings.forwarded_allow_ips)
    app.mount("/static", StaticFiles(directory=str(STATIC)), name="static")
    install_citizen_pages(app, web)
    install_dashboard(app, dashboard)
    probes.install(app, db, bot_status)  # /healthz, /readyz
    if telegram is not None:
        app.add_api_route(WEBHOOK_PATH, telegram.receive, methods=["POST"], include_in_schema=False)
    install_error_pages(app, web)
    return app


def _freeze_long_lived() -> asyncio.Task[None] | None:
    """Keep the garbage collector's full passes off what the process keeps until it exits.

    Once the service is up it holds hundreds of thousands of objects that live as long as it
    does (modules, the models' schemas, the catalogue, the app; then spaCy, pandas, scipy that
    the background jobs import off the loop). A full collection walks them all — 0.1-0.25 s of
    the event loop, every few hundred answers under load (the requests in flight are promoted
    until one is due). Frozen (``gc.freeze``), a full pass only walks what was made after. Now
    (what the app was built with), and again each time the process's modules have stopped
    changing for a few seconds after more were imported: the jobs' imports. Once per process (a
    test building many apps freezes with the first): what is frozen is never collected.
    """
    global _freezing
    if _freezing:
        return None
    _freezing = True
    gc.collect()
    gc.freeze()

    async def settle(poll: float = 1.0, quiet: int = 3, rounds: int = 600) -> None:
        frozen_at = seen = len(sys.modules)
        still = 0
        for _ in range(rounds):  # the first ten minutes: start-up's imports, lazy ones at first use
            await asyncio.sleep(poll)
            modules = len(sys.modules)
            still = still + 1 if modules == seen else 0
            seen = modules
            if still >= quiet and modules != frozen_at:
                frozen_at = modules
                gc.collect()
                gc.freeze()

    return asyncio.get_running_loop().create_task(settle(), name="gc-freeze")


def install_citizen_pages(app: FastAPI, web: WebChannel) -> None:
    """The citizens' routes: the questionnaires, the language switch, the privacy pages."""
    privacy = PrivacyPages(web)
    unsubscribe = UnsubscribePages(web)  # the e-mails' unsubscribe link (issue 19)
    news, voting = NewsletterPages(web), VotingPages(web)  # the chat's /iscriviti, /disiscrivi and /vota (issue 19)
    # The questionnaire's page and its answers are the hot path: routed at the edge
    # (bot.web.questionnaire_route); these plain Starlette routes serve what that layer leaves to
    # the router (HEAD; every method under a root path, whose scope path carries the prefix) and skip
    # FastAPI's per-request dependency solving
    async def questionnaire(request: Request) -> Response:
        return await web.questionnaire(request, request.path_params["qid"])

    async def answer(request: Request) -> Response:
        return await web.answer(request, request.path_params["qid"])

    app.router.routes.append(Route("/q/{qid}", questionnaire, methods=["GET"]))
    app.router.routes.append(Route("/q/{qid}", answer, methods=["POST"]))
    routes = [
        ("/", web.index, "GET"),
        ("/lingua", web.language, "POST"),
        ("/privacy", privacy.show, "GET"),
        ("/privacy", privacy.erase, "POST"),
        ("/privacy/dati", privacy.my_data, "GET"),
        ("/informativa", privacy.notice, "GET"),
        (UNSUBSCRIBE_PATH, unsubscribe.confirm, "GET"),
        (UNSUBSCRIBE_PATH, unsubscribe.unsubscribe, "POST"),
        (NEWS_PATH, news.show, "GET"),
        (NEWS_PATH, news.decide, "POST"),
        (VOTE_PATH, voting.show, "GET"),
        (VOTE_PATH, voting.press, "POST"),
    ]
    for path, endpoint, method in routes:
        app.add_api_route(path, endpoint, methods=[method], include_in_schema=False)


def install_error_pages(app: FastAPI, web: WebChannel) -> None:
    """Errors as JSON under /api, as the citizens' message page everywhere else (never a stack trace)."""

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
        ws = web.sessions.read(request)
        lang = web.lang(ws)
        with speaking(_register_of(web, request)):
            return web.message_page(request, ws, lang, translate("error_title", lang), [translate("bad_form", lang)],
                                    status=exc.status_code)

    @app.exception_handler(RequestValidationError)
    async def invalid_request(request: Request, exc: RequestValidationError) -> Response:
        return JSONResponse({"detail": "invalid request"}, status_code=422, headers={"cache-control": "no-store"})

    @app.exception_handler(Exception)
    async def server_error(request: Request, exc: Exception) -> Response:
        log.error("request failed", exc_info=exc, extra={"fields": {"path": request.url.path}})
        if request.url.path.startswith("/api/"):
            return JSONResponse({"detail": "server error"}, status_code=500)
        ws = web.sessions.read(request)
        lang = web.lang(ws)
        with speaking(_register_of(web, request)):
            return web.message_page(request, ws, lang, translate("error_title", lang), [translate("server_error", lang)],
                                    status=500, kind="error")


def _register_of(web: WebChannel, request: Request) -> str | None:
    """The "tu" or "Lei" of the questionnaire whose page (``/q/{qid}``) failed; None elsewhere."""
    return web.conversation.register_of(questionnaire_id(request.url.path))
