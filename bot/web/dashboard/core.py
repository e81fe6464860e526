"""The dashboard's shared state and checks: who is asking, how a page is shown, which posts count.

Every handler of the dashboard (:mod:`.login`, :mod:`.pages`, :mod:`.downloads`, :mod:`.api`,
:mod:`.audit_page`) holds one :class:`Dashboard` and asks it these questions, so the access
rules are written once.
"""

from __future__ import annotations

import logging
from datetime import timedelta
from typing import Any

from fastapi.templating import Jinja2Templates
from starlette.datastructures import ImmutableMultiDict
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response

from storage import Database, analysts
from storage.analysts import Analyst

from ...settings import Settings
from ..auth import AnalystCookie, AnalystSessions, token_digest
from ..forms import FormError, read_form
from ..rendering import page_language, render_page
from ..session import Sessions, WebSession
from .cache import TableCache
from .texts import translate
from .throttle import LoginGuard

log = logging.getLogger("scenari.web.analysis")

LOGIN_PATH = "/analisi/accesso"
FORM_LIMIT = 8 * 1024  # the dashboard's forms are small: a login, a choice of tables

Post = tuple[Analyst, AnalystCookie, ImmutableMultiDict[str, str]]  # who posted, their cookie, the form


class Dashboard:
    """The analysts' side of the app: its settings, sessions, table cache and login throttles."""

    def __init__(self, settings: Settings, db: Database, sessions: Sessions, secret_key: str,
                 templates: Jinja2Templates) -> None:
        self.settings = settings
        self.db = db
        self.sessions = sessions
        self.analyst_sessions = AnalystSessions(secret_key, secure=settings.cookie_secure)
        self.k = settings.suppress_k
        self.cache = TableCache(db, self.k, settings.lang, settings.rating_weights or None,
                                sources=settings.plan.sources())
        self.templates = templates
        self.templates.env.globals["tx"] = translate  # the dashboard's pages; the citizens' are "wt"
        # the login throttles (bot.web.dashboard.throttle); tests replace its clock and sleep
        self.guard = LoginGuard(db, settings.login_max_failures, timedelta(minutes=settings.login_lock_minutes),
                                settings.login_max_delay)

    # --- who is asking ----------------------------------------------------------------------------

    async def analyst_from_cookie(self, request: Request) -> tuple[Analyst, AnalystCookie] | None:
        cookie = self.analyst_sessions.read(request)
        if cookie is None:
            return None
        async with self.db.transaction() as session:
            analyst = await analysts.get_analyst(session, cookie.analyst_id)
        if analyst is None or not cookie.matches(analyst.session_key):
            return None
        return analyst, cookie

    async def analyst_from_token(self, token: str) -> Analyst | None:
        if not token or len(token) > 200:
            return None
        async with self.db.transaction() as session:
            return await analysts.by_token_hash(session, token_digest(token))

    async def checked_post(self, request: Request) -> Post | Response:
        """The analyst and the form of a dashboard post, or the response refusing it."""
        who = await self.analyst_from_cookie(request)
        if who is None:
            return RedirectResponse(LOGIN_PATH, status_code=303)
        ws = self.sessions.read(request)
        try:
            form = await read_form(request, limit=FORM_LIMIT)
        except FormError as error:
            return self.message(request, ws, "bad_form", status=error.status)
        if not self.analyst_sessions.csrf_ok(who[1], form.get("csrf")):
            log.info("dashboard form refused", extra={"fields": {"reason": "csrf", "path": request.url.path}})
            return self.message(request, ws, "bad_form", status=403)
        return who[0], who[1], form

    # --- showing pages ----------------------------------------------------------------------------

    def lang(self, ws: WebSession) -> str:
        return page_language(ws, self.settings.lang)

    def page(self, request: Request, ws: WebSession, name: str, context: dict[str, Any], status: int = 200,
             headers: dict[str, str] | None = None) -> Response:
        """A dashboard template; the language cookie is the citizens' pages' to set, not ours."""
        return render_page(self.templates, self.sessions, request, ws, self.lang(ws), name, {"k": self.k, **context},
                           status=status, headers=headers, remember_lang=False)

    def message(self, request: Request, ws: WebSession, text_key: str, status: int) -> Response:
        """A page of one sentence (a refused form, nothing to show) under the dashboard's title."""
        lang = self.lang(ws)
        return self.page(request, ws, "analisi_message.html", {"title": translate("dashboard", lang),
                         "text": translate(text_key, lang)}, status=status)
