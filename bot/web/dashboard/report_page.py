"""/analisi/report.pdf: the printable report (:mod:`.report`) as a download, for analysts only.

Like the table downloads (:mod:`.downloads`): the analyst's cookie is required, the PDF is made
in a worker thread (one at a time) from the cached tables, and the download is written to the audit log.
``?citazioni=0`` leaves the quotes out. The overview's filters (the same query string) make the
report of that selection, said on its cover; a selection the dashboard refuses (too few people, or
one that would reveal a person by difference) is refused here too, with the same words.
"""

from __future__ import annotations

import asyncio
import logging

from starlette.requests import Request
from starlette.responses import RedirectResponse, Response

from storage import audit

from . import filtering
from .core import LOGIN_PATH, Dashboard
from .report_texts import rt
from .texts import number, translate

log = logging.getLogger("scenari.web.analysis")


class ReportPage:
    """The report route."""

    def __init__(self, dashboard: Dashboard) -> None:
        self.dashboard = dashboard
        self._one_at_a_time = asyncio.Lock()  # seconds of CPU each: a second click waits, the service does not

    async def download(self, request: Request) -> Response:
        dashboard = self.dashboard
        who = await dashboard.analyst_from_cookie(request)
        if who is None:
            return RedirectResponse(LOGIN_PATH, status_code=303)
        ws = dashboard.sessions.read(request)
        lang = dashboard.lang(ws)
        quotes = request.query_params.get("citazioni") != "0"
        chosen, step = filtering.read(request)
        if chosen is None:
            return dashboard.message(request, ws, "filters_bad", status=400)
        view = await dashboard.cache.view(chosen, step)
        if view.tables is None:  # the same guard as the page's: nothing of a selection too small
            text = translate(f"filters_{view.selection.refused}", lang, m=view.selection.minimum)
            return dashboard.page(request, ws, "analisi_message.html", {"title": rt("report_title", lang), "text": text},
                                  status=409)
        tables = view.tables
        selection = None
        if not chosen.empty:
            labels = filtering.labeller(dashboard.settings.plan.sources(), lang)
            selection = rt("selection", lang, what=filtering.described(chosen, labels, lang),
                           n=number(view.selection.respondents))
        from .report import ReportUnavailable, report_pdf  # WeasyPrint: at the first report, never at start-up

        try:
            async with self._one_at_a_time:
                pdf = await asyncio.to_thread(report_pdf, tables, lang, dashboard.k, dashboard.settings.plan.name,
                                              quotes=quotes, selection=selection)
        except ReportUnavailable as exc:
            log.error("report unavailable", extra={"fields": {"reason": str(exc)}})
            return dashboard.page(request, ws, "analisi_message.html", {
                "title": rt("report_title", lang), "text": rt("report_unavailable", lang)}, status=503)
        log.info("report downloaded", extra={"fields": {"analyst": who[0].id, "quotes": quotes}})
        async with dashboard.db.transaction() as session:
            await audit.record(session, who[0].username, "download", "report.pdf",
                               detail={"format": "pdf", "quotes": quotes, "bytes": len(pdf),
                                       **({"filters": chosen.query()} if not chosen.empty else {})})
        stamp = tables.computed_at.strftime("%Y%m%dT%H%M")
        return Response(pdf, media_type="application/pdf", headers={
            "content-disposition": f'attachment; filename="studio-preliminare-{stamp}.pdf"',
            "cache-control": "no-store",
        })
