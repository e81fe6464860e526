"""Showing a page: the language it is in, and one template response for both sides of the app.

The citizens' pages and the analysts' dashboard render the same way — the session's CSRF
token and the page's own path in every template, never cached, the session cookie attached —
so they share these functions instead of each keeping a copy.
"""

from __future__ import annotations

from typing import Any

from fastapi.templating import Jinja2Templates
from starlette.requests import Request
from starlette.responses import HTMLResponse, Response

from .session import Sessions, WebSession


def page_language(ws: WebSession, default: str) -> str:
    """The language the browser chose (its cookie), else the service's default."""
    return ws.lang_preference or default


def path_of(request: Request) -> str:
    """The request's path with its query: where the language form sends the browser back.

    Read from the ASGI scope as ``request.url`` would give it (``?``, ``#`` and ``\\`` in the path
    escaped), without building the whole URL (scheme, host) at every page.
    """
    scope = request.scope
    path = scope["path"].replace("?", "%3F").replace("#", "%23").replace("\\", "%5C")
    query = scope.get("query_string")
    return path + (f"?{query.decode()}" if query else "")


def render_page(
    templates: Jinja2Templates, sessions: Sessions, request: Request, ws: WebSession, lang: str, name: str,
    context: dict[str, Any], *, status: int = 200, headers: dict[str, str] | None = None,
    remember_lang: bool = True,
) -> Response:
    """Template ``name`` in ``lang``; ``remember_lang`` also sets the language cookie when it changed.

    Rendered straight by Jinja into an HTMLResponse (no template uses ``request``, which
    Starlette's TemplateResponse would add, with its context processors, at every page).
    """
    html = templates.get_template(name).render({"lang": lang, "csrf": ws.csrf, "path": path_of(request), **context})
    response = HTMLResponse(html, status_code=status, headers={**(headers or {}), "cache-control": "no-store"})
    return sessions.attach(response, request, ws, lang if remember_lang else None)
