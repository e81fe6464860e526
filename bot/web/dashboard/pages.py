"""The dashboard's HTML pages: /analisi and its sections, the choice of what is public, /risultati.

/risultati is the public side: only the tables the analysts chose to publish
(:data:`.views.PUBLISHABLE`), in aggregate, with the same suppression of small cells.
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING, Any

from starlette.requests import Request
from starlette.responses import RedirectResponse, Response

from storage import analysts, audit
from storage.analysts import Analyst

from ..auth import AnalystCookie
from .core import LOGIN_PATH, Dashboard
from .downloads import FORMATS
from .texts import number, translate
from .views import PUBLIC_COLUMNS, PUBLISHABLE, SECTIONS, public_charts, section_charts, section_title, table_view

if TYPE_CHECKING:  # pandas and the tables load at the first dashboard request, not at start-up
    from .cache import Tables

log = logging.getLogger("scenari.web.analysis")


class DashboardPages:
    """The pages an analyst reads, and the one post that changes what the public sees."""

    def __init__(self, dashboard: Dashboard) -> None:
        self.dashboard = dashboard
        self.db = dashboard.db

    def _context(self, tables: Tables, lang: str, cookie: AnalystCookie, analyst: Analyst) -> dict[str, Any]:
        runs = sum(v for key, v in tables.counts.items() if key.startswith("runs_"))
        return {
            "analyst": analyst.username, "acsrf": self.dashboard.analyst_sessions.csrf(cookie),
            "sections": [(key, section_title(key, lang)) for key in SECTIONS],
            "caption": translate("computed", lang, when=tables.computed_at.strftime("%d/%m/%Y %H:%M"),
                          answers=number(tables.counts.get("answers", 0)), runs=number(runs), k=self.dashboard.k),
            "formats": list(FORMATS),
        }

    async def overview(self, request: Request) -> Response:
        return await self.section(request, "attivita", overview=True)

    async def section(self, request: Request, section: str, overview: bool = False) -> Response:
        who = await self.dashboard.analyst_from_cookie(request)
        if who is None:
            return RedirectResponse(LOGIN_PATH, status_code=303)
        ws = self.dashboard.sessions.read(request)
        lang = self.dashboard.lang(ws)
        if section not in SECTIONS:
            return self.dashboard.message(request, ws, "empty", status=404)
        tables = await self.dashboard.cache.get()
        context = self._context(tables, lang, who[1], who[0])
        context.update({
            "title": translate("dashboard", lang) if overview else section_title(section, lang),
            "section": section, "charts": section_charts(section, tables, lang),
            "tables": [table_view(tables.tables[name]) for name in SECTIONS[section]["tables"]],
            "overview": overview,
        })
        if overview:
            async with self.db.transaction() as session:
                chosen = await analysts.published(session)
            context["publishable"] = [(name, tables.tables[name].title, name in chosen) for name in PUBLISHABLE]
            context["saved"] = request.query_params.get("salvato") == "1"
        return self.dashboard.page(request, ws, "analisi.html", context)

    async def publish(self, request: Request) -> Response:
        checked = await self.dashboard.checked_post(request)
        if isinstance(checked, Response):
            return checked
        analyst, _, form = checked
        names = {n for n in form.getlist("table") if n in PUBLISHABLE}
        async with self.db.transaction() as session:
            await analysts.set_published(session, names, analyst.id)
            await audit.record(session, analyst.username, "publish", ",".join(sorted(names)) or "-",
                               detail={"tables": sorted(names)})
        log.info("results page changed", extra={"fields": {"analyst": analyst.id, "tables": sorted(names)}})
        return RedirectResponse("/analisi?salvato=1#pubblica", status_code=303)

    async def results(self, request: Request) -> Response:
        """The public results page: anyone may read it, and it shows only what was published."""
        ws = self.dashboard.sessions.read(request)
        lang = self.dashboard.lang(ws)
        async with self.db.transaction() as session:
            chosen = await analysts.published(session)
        shown = []
        tables = await self.dashboard.cache.get() if chosen else None
        if tables is not None:
            caption = translate("results_caption", lang, when=tables.computed_at.strftime("%d/%m/%Y %H:%M"),
                         answers=number(tables.counts.get("answers", 0)))
            for name in PUBLISHABLE:
                if name in chosen:
                    table = tables.tables[name]
                    shown.append({"view": table_view(table, PUBLIC_COLUMNS.get(name)), "caption": caption,
                                  "charts": public_charts(name, tables, lang)})
        return self.dashboard.page(request, ws, "risultati.html", {
            "title": translate("results_title", lang), "shown": shown,
        })
