"""/analisi/accesso and /analisi/esci: an analyst logs in and out.

Argon2 hashes (:mod:`bot.web.auth`); every failure passes the throttles of
:mod:`.throttle` (locks per account and address, a bounded delay per account — why: there).
An unknown name costs as much as a wrong password and gets the same answer. The login form
carries the browser session's CSRF token; the analyst's own cookie is SameSite=Strict.
"""

from __future__ import annotations

import logging
from typing import Any

from starlette.requests import Request
from starlette.responses import RedirectResponse, Response

from storage import analysts, audit
from storage.analysts import Analyst

from ..auth import verify_password_async
from ..forms import FormError, read_form
from ..session import WebSession
from .core import FORM_LIMIT, LOGIN_PATH, Dashboard
from .texts import translate

log = logging.getLogger("scenari.web.analysis")


class LoginPages:
    """The login form, its post and the logout post."""

    def __init__(self, dashboard: Dashboard) -> None:
        self.dashboard = dashboard
        self.db = dashboard.db

    def _form(self, request: Request, ws: WebSession, error_key: str | None = None, status: int = 200,
              username: str = "", headers: dict[str, str] | None = None, **params: Any) -> Response:
        lang = self.dashboard.lang(ws)
        return self.dashboard.page(request, ws, "analisi_login.html", {
            "title": translate("login_title", lang), "error": translate(error_key, lang, **params) if error_key else None,
            "username": username,
        }, status=status, headers=headers)

    async def page(self, request: Request) -> Response:
        ws = self.dashboard.sessions.read(request)
        if await self.dashboard.analyst_from_cookie(request) is not None:
            return RedirectResponse("/analisi", status_code=303)
        return self._form(request, ws)

    async def login(self, request: Request) -> Response:
        ws = self.dashboard.sessions.read(request)
        try:
            form = await read_form(request, limit=FORM_LIMIT)
        except FormError as error:
            key = error.text_key if error.text_key == "control_chars" else "bad_form"
            return self._form(request, ws, key, error.status)
        if not self.dashboard.sessions.csrf_ok(ws, form.get("csrf")):
            log.info("login refused", extra={"fields": {"reason": "csrf"}})
            return self._form(request, ws, "bad_form", 403)
        guard = self.dashboard.guard
        address = request.client.host if request.client else "unknown"  # a trusted proxy's client (edge.py)
        if guard.too_fast(address):
            return self._form(request, ws, "too_fast", 429, headers={"retry-after": "60"})
        username = (form.get("username") or "").strip().lower()[:64]
        password = (form.get("password") or "")[:1024]
        until = await guard.locked_until(username, address)
        if until is not None:
            log.info("login refused", extra={"fields": {"reason": "locked"}})
            await self._audit_refused(username, "locked")
            return self._form(request, ws, "locked", 429, username,
                              headers={"retry-after": str(guard.seconds_until(until))}, until=until.strftime("%H:%M"))
        await guard.slow_down(username)  # bounded: a stranger's failures never lock the analyst out
        found, ok, rehash = await self._check(username, password)
        if not ok or found is None:
            began = await guard.failed(username, address)
            await self._audit_refused(username if found else "", "locked" if began else "wrong")
            log.info("login failed", extra={"fields": {"locked": began is not None}})
            if began is not None:
                return self._form(request, ws, "locked", 429, username,
                                  headers={"retry-after": str(guard.seconds_until(began))},
                                  until=began.strftime("%H:%M"))
            return self._form(request, ws, "bad_login", 401, username)
        await guard.succeeded(username, address)
        await self._logged_in(found, rehash)
        response = RedirectResponse("/analisi", status_code=303)
        self.dashboard.analyst_sessions.start(response, request, found.id, found.session_key)
        return response

    async def _check(self, username: str, password: str) -> tuple[Analyst | None, bool, str | None]:
        """The account (None: no such name), whether the password is right, and a new hash if argon2 asks.

        An unknown name is checked against a dummy hash: it costs as much as a wrong password.
        """
        async with self.db.transaction() as session:
            found = await analysts.credentials(session, username) if username else None
        ok, rehash = await verify_password_async(found[1] if found else None, password)
        return (found[0] if found else None), ok, rehash

    async def _logged_in(self, analyst: Analyst, rehash: str | None) -> None:
        async with self.db.transaction() as session:
            await analysts.logged_in(session, analyst.id)
            await audit.record(session, analyst.username, "login")
            if rehash:
                await analysts.set_password_hash(session, analyst.id, rehash)
        log.info("analyst logged in", extra={"fields": {"analyst": analyst.id}})

    async def _audit_refused(self, username: str, reason: str) -> None:
        """A refused login in the audit log: the account's name only when it exists (never what was typed)."""
        async with self.db.transaction() as session:
            known = username and await analysts.credentials(session, username) is not None
            await audit.record(session, username if known else "?", "login", outcome="refused", detail={"reason": reason})

    async def logout(self, request: Request) -> Response:
        checked = await self.dashboard.checked_post(request)
        if isinstance(checked, Response):
            return checked
        analyst = checked[0]
        async with self.db.transaction() as session:
            await analysts.end_sessions(session, analyst.id)
        response = RedirectResponse(LOGIN_PATH, status_code=303)
        self.dashboard.analyst_sessions.end(response, request)
        return response
