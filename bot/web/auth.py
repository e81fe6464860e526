"""Analysts' credentials and sessions: argon2 password hashes, API tokens, signed session cookies.

* Passwords are hashed with argon2id (argon2-cffi's defaults, RFC 9106 low-memory profile);
  hashing and verifying run in a worker thread so a login never stalls the event loop.
* An API token is 32 random bytes shown once; only its SHA-256 is stored.
* The analyst's session cookie (``scenari_analyst``) is signed and time-stamped
  (itsdangerous): it holds ``<account id>.<session key>`` and expires after ``SESSION_HOURS``.
  The key is the account's random ``session_key``, checked on every request: logging out draws
  a new one, which ends every session of it, and a removed account's key is gone with its row —
  a new account given the same id (SQLite reuses ids) has another key, so no old cookie fits.
  It is http-only, SameSite=Strict, path-limited to what analysts use, and Secure over https
  (or always, with ``SCENARI_COOKIE_SECURE=true`` behind a TLS proxy).
* The dashboard's CSRF token is an HMAC of the session cookie's value.
"""

from __future__ import annotations

import asyncio
import functools
import hashlib
import hmac
import secrets
from dataclasses import dataclass

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError
from itsdangerous import BadSignature, SignatureExpired, TimestampSigner
from starlette.requests import Request
from starlette.responses import Response

ANALYST_COOKIE = "scenari_analyst"
SESSION_HOURS = 8
MIN_PASSWORD = 10
USERNAME_CHARS = frozenset("abcdefghijklmnopqrstuvwxyz0123456789._-")

_hasher = PasswordHasher()


@functools.cache
def _dummy_hash() -> str:
    """Verified when the account does not exist, so an unknown name takes as long as a wrong password.

    Made at the first log-in, not at import: an argon2 hash costs ~0.1-0.2 s of start-up otherwise.
    """
    return _hasher.hash(secrets.token_urlsafe(16))


def check_username(username: str) -> str | None:
    """A problem with the user name, or None."""
    if not 2 <= len(username) <= 64:
        return "a user name has 2 to 64 characters"
    if set(username) - USERNAME_CHARS:
        return "a user name uses only lower-case letters, digits, '.', '_' and '-'"
    return None


def check_password(password: str) -> str | None:
    if len(password) < MIN_PASSWORD:
        return f"a password has at least {MIN_PASSWORD} characters"
    if len(password) > 1024:
        return "a password has at most 1024 characters"
    return None


def hash_password(password: str) -> str:
    return _hasher.hash(password)


def verify_password(stored: str | None, password: str) -> tuple[bool, str | None]:
    """(matches, a new hash when the parameters changed and it should be stored)."""
    try:
        _hasher.verify(stored or _dummy_hash(), password)
    except (VerifyMismatchError, VerificationError, InvalidHashError):
        return False, None
    if stored is None:
        return False, None
    return True, (_hasher.hash(password) if _hasher.check_needs_rehash(stored) else None)


async def verify_password_async(stored: str | None, password: str) -> tuple[bool, str | None]:
    return await asyncio.to_thread(verify_password, stored, password)


def new_token() -> tuple[str, str]:
    """(the token to show once, its SHA-256 to store)."""
    token = "sca_" + secrets.token_urlsafe(32)
    return token, token_digest(token)


def token_digest(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8", "replace")).hexdigest()


@dataclass(frozen=True)
class AnalystCookie:
    analyst_id: int
    session_key: str
    raw: str

    def matches(self, session_key: str | None) -> bool:
        """Whether the account (as it is now) still holds this cookie's key."""
        return bool(session_key) and hmac.compare_digest(self.session_key.encode(), (session_key or "").encode())


class AnalystSessions:
    def __init__(self, secret_key: str, secure: bool | None = None) -> None:
        self._secret = secret_key.encode("utf-8")
        self._signer = TimestampSigner(secret_key, salt="scenari.web.analyst")
        self.secure = secure  # None: Secure when the request came over https

    def read(self, request: Request) -> AnalystCookie | None:
        raw = request.cookies.get(ANALYST_COOKIE)
        if not raw or len(raw) > 200:
            return None
        try:
            value = self._signer.unsign(raw, max_age=SESSION_HOURS * 3600).decode("ascii")
        except (BadSignature, SignatureExpired, UnicodeDecodeError):
            return None
        ident, _, key = value.partition(".")
        if not (ident.isdigit() and key):
            return None
        return AnalystCookie(int(ident), key, raw)

    def csrf(self, cookie: AnalystCookie) -> str:
        return hmac.new(self._secret, b"analyst-csrf:" + cookie.raw.encode("ascii"), hashlib.sha256).hexdigest()[:40]

    def csrf_ok(self, cookie: AnalystCookie, submitted: str | None) -> bool:
        # bytes: compare_digest refuses str with non-ASCII characters (a forged token may have them)
        return bool(submitted) and hmac.compare_digest(self.csrf(cookie).encode(), (submitted or "").encode("utf-8"))

    def _secure(self, request: Request) -> bool:
        return request.url.scheme == "https" if self.secure is None else self.secure

    def start(self, response: Response, request: Request, analyst_id: int, session_key: str) -> None:
        value = self._signer.sign(f"{analyst_id}.{session_key}").decode("ascii")
        for path in ("/analisi", "/api"):
            response.set_cookie(ANALYST_COOKIE, value, max_age=SESSION_HOURS * 3600, httponly=True,
                                samesite="strict", secure=self._secure(request), path=path)

    def end(self, response: Response, request: Request) -> None:
        for path in ("/analisi", "/api"):
            response.delete_cookie(ANALYST_COOKIE, path=path, httponly=True, samesite="strict",
                                   secure=self._secure(request))
