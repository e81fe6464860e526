"""What the web app does at its edge, before any route: believe a trusted proxy, forbid caching,
send the security headers.

* **Proxies.** Behind a TLS-terminating proxy every request reaches us over http from the
  proxy's address. With ``SCENARI_FORWARDED_ALLOW_IPS`` set, uvicorn's own
  ``ProxyHeadersMiddleware`` takes the client's address and scheme from ``X-Forwarded-For`` /
  ``X-Forwarded-Proto`` — only when the TCP peer is one of those addresses, so nobody else can
  claim to be https or another client. The app applies it itself (not ``uvicorn --proxy-headers``)
  so that every server and every test sees the same thing: the Secure flag of the cookies and
  the login throttles' client address follow it.
* **No caching.** Every response under ``/api`` and ``/analisi`` (JSON tables with free-text
  quotes, dashboard pages, downloads) carries ``Cache-Control: no-store``, so no shared cache
  or browser history keeps an analyst's data.
* **Security headers.** Every response carries a strict Content-Security-Policy (no inline
  script or style, no frames), ``nosniff``, ``DENY`` framing and no referrer (invitation tokens
  travel in URLs).
"""

from __future__ import annotations

from starlette.types import ASGIApp, Message, Receive, Scope, Send
from uvicorn.middleware.proxy_headers import ProxyHeadersMiddleware

PRIVATE_PREFIXES = ("/api", "/analisi")

SECURITY_HEADERS = [
    (b"content-security-policy",
     b"default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
     b"form-action 'self'; frame-ancestors 'none'; base-uri 'none'; object-src 'none'"),
    (b"x-content-type-options", b"nosniff"),
    (b"x-frame-options", b"DENY"),
    (b"referrer-policy", b"no-referrer"),  # invitation tokens travel in URLs
    (b"permissions-policy", b"camera=(), microphone=(), geolocation=()"),
]

__all__ = ["EdgeHeaders", "PRIVATE_PREFIXES", "ProxyHeadersMiddleware", "SECURITY_HEADERS", "private_path"]


def private_path(path: str) -> bool:
    """Whether ``path`` is one of the analysts' (``/api``, ``/api/…``, ``/analisi…``)."""
    return path.startswith(PRIVATE_PREFIXES) and any(
        path == prefix or path.startswith(prefix + "/") for prefix in PRIVATE_PREFIXES
    )


class EdgeHeaders:
    """The edge's headers in one plain ASGI layer: the security headers on every HTTP response,
    ``Cache-Control: no-store`` on the analysts' paths.

    One layer, not one per rule: every layer wraps the request in a coroutine and every response
    message in a closure, and the questionnaire's answers pass through it at each request.
    """

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        private = private_path(scope.get("path", ""))

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = message.setdefault("headers", [])
                if private:
                    headers = message["headers"] = [(k, v) for k, v in headers if k.lower() != b"cache-control"]
                    headers.append((b"cache-control", b"no-store"))
                present = {name.lower() for name, _ in headers}
                headers.extend(h for h in SECURITY_HEADERS if h[0] not in present)
            await send(message)

        await self.app(scope, receive, send_with_headers)
