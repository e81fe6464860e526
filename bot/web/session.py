"""Who is answering in this browser: a signed cookie holding only a random respondent id.

The respondent is ``channel="web"`` with that random id as its external id; nothing else is in
the cookie. The CSRF token of the session's forms is derived from the id with the secret key
(HMAC), so it needs no storage either. The language chosen before consent (when nothing about
the respondent is stored yet) lives in a separate, non-identifying preference cookie.
"""

from __future__ import annotations

import hashlib
import hmac
import logging
import os
import secrets
import time
from collections import OrderedDict
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from itsdangerous import BadSignature, Signer
from starlette.requests import Request
from starlette.responses import Response

log = logging.getLogger("scenari.web")

SESSION_COOKIE = "scenari_session"
LANG_COOKIE = "scenari_lang"
SESSION_MAX_AGE = 180 * 24 * 3600  # a run may be resumed for months; the cookie holds no data
DEFAULT_KEY_FILE = Path("var/secret_key")


def load_secret_key(configured: str | None, path: Path = DEFAULT_KEY_FILE) -> str:
    """The configured key, else the one kept in ``path`` (made once, mode 0600)."""
    if configured:
        return configured
    path.parent.mkdir(parents=True, exist_ok=True)
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        if path.stat().st_mode & 0o077:
            os.chmod(path, 0o600)
        key = path.read_text(encoding="utf-8").strip()
        if len(key) >= 16:
            return key
        log.warning("secret key file too short, making a new one", extra={"fields": {"path": str(path)}})
        path.unlink()
        return load_secret_key(None, path)
    key = secrets.token_urlsafe(48)
    with os.fdopen(fd, "w", encoding="utf-8") as handle:
        handle.write(key + "\n")
    log.info("made a new secret key", extra={"fields": {"path": str(path)}})
    return key


@dataclass
class WebSession:
    respondent_id: str
    csrf: str
    lang_preference: str | None
    is_new: bool = False


class Sessions:
    VERIFIED_LIMIT = 20_000  # cookies remembered as verified (oldest first out)

    def __init__(self, secret_key: str, secure: bool | None = None) -> None:
        self._secret = secret_key.encode("utf-8")
        self._signer = Signer(secret_key, salt="scenari.web.session")
        self.secure = secure  # SCENARI_COOKIE_SECURE; None: Secure when the request came over https
        self._verified: OrderedDict[str, tuple[str, str]] = OrderedDict()  # signed cookie → (id, csrf)

    def read(self, request: Request) -> WebSession:
        """The browser's session; a new random id if it has none (or a forged one)."""
        raw = request.cookies.get(SESSION_COOKIE)
        known = self._verified.get(raw) if raw else None
        if known is not None:
            respondent_id: str | None = known[0]
            csrf = known[1]
        else:
            respondent_id = None
            if raw:
                try:
                    respondent_id = self._signer.unsign(raw).decode("ascii")
                except (BadSignature, UnicodeDecodeError):
                    log.info("bad session cookie ignored")
            csrf = None
        is_new = respondent_id is None
        if respondent_id is None:
            respondent_id = secrets.token_urlsafe(24)
        if csrf is None:
            csrf = self.csrf_token(respondent_id)
            if not is_new and raw:
                self._remember(raw, respondent_id, csrf)
        lang = request.cookies.get(LANG_COOKIE)
        return WebSession(respondent_id, csrf, lang if lang and len(lang) == 2 and lang.isalpha() else None, is_new)

    def _remember(self, raw: str, respondent_id: str, csrf: str) -> None:
        """A cookie whose signature checked out, and its CSRF token: every request of a session
        sends the same cookie, and checking it again (two HMACs) would say the same."""
        self._verified[raw] = (respondent_id, csrf)
        while len(self._verified) > self.VERIFIED_LIMIT:
            self._verified.popitem(last=False)

    def renew(self) -> WebSession:
        respondent_id = secrets.token_urlsafe(24)
        return WebSession(respondent_id, self.csrf_token(respondent_id), None, is_new=True)

    def csrf_token(self, respondent_id: str) -> str:
        return hmac.new(self._secret, b"csrf:" + respondent_id.encode("ascii"), hashlib.sha256).hexdigest()[:40]

    def csrf_ok(self, session: WebSession, submitted: str | None) -> bool:
        # bytes: compare_digest refuses str with non-ASCII characters (a forged token may have them)
        return not session.is_new and bool(submitted) and hmac.compare_digest(
            session.csrf.encode(), (submitted or "").encode("utf-8")
        )

    def derived_secret(self, purpose: str) -> str:
        """A stable secret for another use (e.g. Telegram's webhook token), from the same key."""
        return hmac.new(self._secret, purpose.encode("utf-8"), hashlib.sha256).hexdigest()

    def attach(self, response: Response, request: Request, session: WebSession, lang: str | None = None) -> Response:
        if not session.is_new and (lang is None or lang == session.lang_preference):
            return response  # nothing to set (most responses): no URL to build for the scheme
        secure = request.scope.get("scheme") == "https" if self.secure is None else self.secure
        if session.is_new:
            response.set_cookie(
                SESSION_COOKIE, self._signer.sign(session.respondent_id).decode("ascii"),
                max_age=SESSION_MAX_AGE, httponly=True, samesite="lax", secure=secure, path="/",
            )
        if lang is not None and lang != session.lang_preference:
            response.set_cookie(
                LANG_COOKIE, lang, max_age=SESSION_MAX_AGE, httponly=True, samesite="lax", secure=secure, path="/"
            )
        return response


@dataclass
class Flash:
    """What the last post showed besides the question (errors, notes, results), for one page view."""

    messages: list[tuple[str, str]] = field(default_factory=list)
    run_id: str | None = None
    draft: str | None = None  # a refused typed answer, given back in the field to correct
    made: float = field(default_factory=time.monotonic)
    # what the post committed, so the page view right after it (303 → GET) needs no read:
    # (the questionnaire, the run's state, the question asked now, the page's language, and the
    # state the answer started from: its history, current question and updated_at)
    committed: tuple[Any, dict[str, Any], Any, str, tuple[tuple[str, ...], str | None, str | None]] | None = None


class FlashStore:
    """Post/redirect/get needs the post's transient messages on the next page: kept in memory.

    Bounded and short-lived; lost on restart, which only loses a message already shown once.
    """

    def __init__(self, limit: int = 10_000, ttl: float = 600.0) -> None:
        self._items: OrderedDict[tuple[str, str], Flash] = OrderedDict()
        self.limit = limit
        self.ttl = ttl

    def put(self, respondent_id: str, where: str, flash: Flash) -> None:
        key = (respondent_id, where)
        self._items.pop(key, None)
        self._items[key] = flash
        while len(self._items) > self.limit:
            self._items.popitem(last=False)

    def pop(self, respondent_id: str, where: str) -> Flash | None:
        flash = self._items.pop((respondent_id, where), None)
        if flash is None or time.monotonic() - flash.made > self.ttl:
            return None
        return flash

    def forget(self, respondent_id: str) -> None:
        for key in [key for key in self._items if key[0] == respondent_id]:
            del self._items[key]


class ConsentMemo:
    """Which sessions' consent to take part was seen standing, so a page view need not re-read it.

    Keyed by the session's random id, which consent renews: a consent decision, made under the
    old id, can never meet a memo of the new one. A memo says only which page to show (the
    question, not the consent form) — what is stored is decided by the engine and the database,
    which check again when a run starts — and it lasts ``ttl`` seconds, so a withdrawal recorded
    by another instance shows within that time; one with a changed notice version never counts.
    """

    def __init__(self, limit: int = 50_000, ttl: float = 60.0) -> None:
        self._items: OrderedDict[str, tuple[str, float]] = OrderedDict()
        self.limit = limit
        self.ttl = ttl

    def stands(self, session_id: str, notice_version: str) -> bool:
        item = self._items.get(session_id)
        return item is not None and item[0] == notice_version and time.monotonic() - item[1] < self.ttl

    def remember(self, session_id: str, notice_version: str) -> None:
        self._items.pop(session_id, None)
        self._items[session_id] = (notice_version, time.monotonic())
        while len(self._items) > self.limit:
            self._items.popitem(last=False)

    def forget(self, session_id: str) -> None:
        self._items.pop(session_id, None)
