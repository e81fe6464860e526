"""What the web app does at its edge, before any route: believe a trusted proxy, forbid caching.

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
"""

from __future__ import annotations

from starlette.types import ASGIApp, Message, Receive, Scope, Send
from uvicorn.middleware.proxy_headers import ProxyHeadersMiddleware

PRIVATE_PREFIXES = ("/api", "/analisi")

__all__ = ["NoStore", "PRIVATE_PREFIXES", "ProxyHeadersMiddleware", "private_path"]


def private_path(path: str) -> bool:
    """Whether ``path`` is one of the analysts' (``/api``, ``/api/…``, ``/analisi…``)."""
    return any(path == prefix or path.startswith(prefix + "/") for prefix in PRIVATE_PREFIXES)


class NoStore:
    """Sets ``Cache-Control: no-store`` on every response to an analysts' path (a plain ASGI middleware)."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or not private_path(scope.get("path", "")):
            await self.app(scope, receive, send)
            return

        async def send_no_store(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = [(k, v) for k, v in message.get("headers", []) if k.lower() != b"cache-control"]
                message["headers"] = headers + [(b"cache-control", b"no-store")]
            await send(message)

        await self.app(scope, receive, send_no_store)
