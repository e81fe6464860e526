"""The dashboard's HTML pages: /analisi and its sections, the choice of what is public, /risultati.

/risultati is the public side: only the tables the analysts chose to publish
(:data:`.views.PUBLISHABLE`), in aggregate, with the same suppression of small cells.
"""

from __future__ import annotations

import asyncio
import logging
from dataclasses import replace
from typing import TYPE_CHECKING, Any

from starlette.requests import Request
from starlette.responses import RedirectResponse, Response

from storage import analysts, audit
from storage.analysts import Analyst

from ..auth import AnalystCookie
from .core import LOGIN_PATH, Dashboard
from . import filtering
from .downloads import FORMATS
from .frequencies import question_tables
from .governance import SECTION as GOVERNANCE_SECTION
from .governance import governance_view
from .texts import header_language, number, translate
from .views import PUBLIC_COLUMNS, PUBLISHABLE, SECTIONS, public_charts, section_charts, section_title, table_view

if TYPE_CHECKING:  # pandas and the tables load at the first dashboard request, not at start-up
    from .cache import Tables

log = logging.getLogger("scenari.web.analysis")
QUESTIONS = "domande"  # /analisi/domande, the per-question page


class DashboardPages:
    """The pages an analyst reads, and the one post that changes what the public sees."""

    def __init__(self, dashboard: Dashboard) -> None:
        self.dashboard = dashboard
        self.db = dashboard.db

    def _context(self, tables: Tables | None, lang: str, cookie: AnalystCookie, analyst: Analyst) -> dict[str, Any]:
        context: dict[str, Any] = {
            "analyst": analyst.username, "acsrf": self.dashboard.analyst_sessions.csrf(cookie),
            "sections": [(key, section_title(key, lang)) for key in SECTIONS],
            "questions_label": translate("questions_title", lang), "formats": list(FORMATS), "caption": "",
        }
        if tables is not None:
            runs = sum(v for key, v in tables.counts.items() if key.startswith("runs_"))
            context["caption"] = translate("computed", lang, when=tables.computed_at.strftime("%d/%m/%Y %H:%M"),
                                           answers=number(tables.counts.get("answers", 0)), runs=number(runs),
                                           k=self.dashboard.k)
        return context

    async def _filtered(self, request: Request, section: str, action: str,
                        shown_only: bool = False) -> tuple[Any, ...] | Response:
        """Who asks, the page language, the filtered view and the common context; or the response."""
        who = await self.dashboard.analyst_from_cookie(request)
        if who is None:
            return RedirectResponse(LOGIN_PATH, status_code=303)
        ws = self.dashboard.sessions.read(request)
        lang = self.dashboard.lang(ws)
        if section not in SECTIONS and section != QUESTIONS:
            return self.dashboard.message(request, ws, "empty", status=404)
        chosen, step = filtering.read(request)
        if chosen is None:
            return self.dashboard.message(request, ws, "filters_bad", status=400)
        # the per-question page: the questionnaire chooses the questions shown, not the people counted
        # (its questions' answers come from its runs alone), so the guard judges the other filters
        view = await self.dashboard.cache.view(replace(chosen, questionnaires=()) if shown_only else chosen, step)
        labels = filtering.labeller(self.dashboard.settings.plan.sources(), lang)
        context = self._context(view.tables, lang, who[1], who[0])
        context.update(filtering.context(chosen, step, view.offered, labels, lang, action))
        m = view.selection.minimum
        if view.selection.refused is not None:
            context["refused"] = translate(f"filters_{view.selection.refused}", lang, m=m)
        elif not chosen.empty:
            context["active"] = translate("filters_active", lang, what=filtering.described(chosen, labels, lang),
                                          n=number(view.selection.respondents))
        return who, ws, lang, view, labels, context

    async def overview(self, request: Request) -> Response:
        return await self.section(request, "attivita", overview=True)

    async def section(self, request: Request, section: str, overview: bool = False) -> Response:
        found = await self._filtered(request, section, "/analisi" if overview else f"/analisi/{section}")
        if isinstance(found, Response):
            return found
        who, ws, lang, view, labels, context = found
        tables = view.tables
        categories = labels["categories"]
        context.update({
            "title": translate("dashboard", lang) if overview else section_title(section, lang),
            "section": section, "overview": overview,
            "charts": section_charts(section, tables, lang, categories) if tables is not None else [],
            "governance": governance_view(tables, lang) if section == GOVERNANCE_SECTION else None,
            "tables": [table_view(tables.tables[name], lang=lang, labels=categories,
                                  column_labels={"channel": labels["channels"]})
                       for name in SECTIONS[section]["tables"] if name in tables.tables] if tables is not None else [],
        })
        if overview:
            async with self.db.transaction() as session:
                chosen = await analysts.published(session)
            context["publishable"] = [(name, words_of(name, lang), name in chosen) for name in PUBLISHABLE]
            context["saved"] = request.query_params.get("salvato") == "1"
        return self.dashboard.page(request, ws, "analisi.html", context)

    async def questions(self, request: Request) -> Response:
        """/analisi/domande: every choice question of the chosen questionnaire, its frequencies."""
        found = await self._filtered(request, QUESTIONS, "/analisi/domande", shown_only=True)
        if isinstance(found, Response):
            return found
        who, ws, lang, view, labels, context = found
        asked = filtering.read(request)[0].questionnaires  # type: ignore[union-attr] - read once already
        tables: list[Any] = []
        if view.data is not None and len(asked) == 1:
            from bot.service.catalog import QuestionnaireCatalog, UnknownQuestionnaire

            try:
                q = QuestionnaireCatalog.load(self.dashboard.settings.plan).current(asked[0])
            except UnknownQuestionnaire:
                q = None
            if q is not None:
                tables = await asyncio.to_thread(question_tables, q, view.data.answers, self.dashboard.k, lang)
        context.update({"title": translate("questions_title", lang), "section": QUESTIONS, "overview": False,
                        "charts": [], "tables": tables, "questions": True,
                        "pick": None if len(asked) == 1 else translate("questions_pick", lang),
                        "lead_text": translate("questions_lead", lang, k=self.dashboard.k)})
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
        """The public results page: anyone may read it, and it shows only what was published (never filtered)."""
        ws = self.dashboard.sessions.read(request)
        lang = self.dashboard.lang(ws)
        async with self.db.transaction() as session:
            chosen = await analysts.published(session)
        shown = []
        tables = await self.dashboard.cache.get() if chosen else None
        if tables is not None:
            labels = filtering.labeller(self.dashboard.settings.plan.sources(), lang)["categories"]
            caption = translate("results_caption", lang, when=tables.computed_at.strftime("%d/%m/%Y %H:%M"),
                         answers=number(tables.counts.get("answers", 0)))
            for name in PUBLISHABLE:
                if name in chosen:
                    table = tables.tables[name]
                    shown.append({"view": table_view(table, PUBLIC_COLUMNS.get(name), lang=lang, labels=labels),
                                  "caption": caption, "charts": public_charts(name, tables, lang)})
        return self.dashboard.page(request, ws, "risultati.html", {
            "title": translate("results_title", lang), "shown": shown,
        })


def words_of(name: str, lang: str) -> str:
    """A publishable table's title in the page's language."""
    from exports.tables.language import TEXTS  # loaded with the tables already

    entry = TEXTS.get(name, {}).get(header_language(lang))
    return entry[1] if entry else name
