"""The questionnaire's page and its answers, routed at the edge: ``/q/{qid}`` without FastAPI's router.

Why: every answer on the web is a ``POST /q/{qid}`` (and, without the page script, a ``GET`` after
it). Between the edge's headers and the endpoint, FastAPI and Starlette put four more layers —
the exception middleware, the exit-stack and body-limit layers of FastAPI, the router trying each
route's pattern, the route's request/response wrapper — each a coroutine per request and a
closure per response message, none of which these two endpoints use: they take no dependencies,
read their form themselves (bot.web.forms, with its own size limit) and return a response. Here
they are called straight from just inside :class:`bot.web.edge.EdgeHeaders` (so the security
headers, the trusted-proxy layer outside it, and Starlette's outermost error layer still apply).

Exactly what the router would do for them is kept: the same endpoints, ``path_params``, the
``router`` and ``endpoint`` in the scope, and errors turned into pages by the app's own handlers
(``app.exception_handlers``: the HTTPException handler, then the catch-all one, which logs).
Any other path or method (``HEAD``, ``/q/`` alone, a trailing slash) goes through the router as
before.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping
from typing import Any

from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import Response
from starlette.types import ASGIApp, Receive, Scope, Send

Endpoint = Callable[[Request, str], Awaitable[Response]]
PREFIX = "/q/"


def questionnaire_id(path: str) -> str | None:
    """The ``qid`` of a request path ``/q/{qid}`` (one segment, as the route's pattern), else None."""
    qid = path[len(PREFIX):] if path.startswith(PREFIX) else ""
    return qid if qid and "/" not in qid else None


class QuestionnaireRoute:
    """ASGI layer: ``GET``/``POST /q/{qid}`` to ``show``/``answer``; everything else to ``app``."""

    def __init__(
        self, app: ASGIApp, *, show: Endpoint, answer: Endpoint, router: Any,
        handlers: Mapping[Any, Callable[[Request, Exception], Awaitable[Response]]],
    ) -> None:
        """``handlers``: the app's exception handlers (read at each error: they are installed after this layer)."""
        self.app = app
        self.endpoints = {"GET": show, "POST": answer}
        self.router = router
        self.handlers = handlers

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http":
            endpoint = self.endpoints.get(scope["method"])
            qid = questionnaire_id(scope["path"]) if endpoint is not None else None
            if endpoint is not None and qid is not None:
                scope["router"], scope["endpoint"], scope["path_params"] = self.router, endpoint, {"qid": qid}
                request = Request(scope, receive, send)
                try:
                    response = await endpoint(request, qid)
                except HTTPException as exc:
                    response = await self.handlers[HTTPException](request, exc)
                except Exception as exc:  # the catch-all page (and its log line), as the app gives elsewhere
                    response = await self.handlers[Exception](request, exc)
                await response(scope, receive, send)
                return
        await self.app(scope, receive, send)
