"""/analisi/scarica/<table>.<format>: one table as a file, the same cells as ``scenari tables export``.

The download takes the page's filters (the same GET parameters, :mod:`exports.filters`): the file
holds the numbers the filtered page shows, suppressed after filtering.

Downloads go through :mod:`exports.tables` / :mod:`exports.safety` (a formula-looking cell is
neutralised as in the file exports), are computed in a worker thread, and are written to the
audit log with their row count.
"""

from __future__ import annotations

import asyncio
import logging
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response

from storage import audit

from . import filtering
from .core import LOGIN_PATH, Dashboard

log = logging.getLogger("scenari.web.analysis")

FORMATS = {"xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
           "csv": "text/csv; charset=utf-8", "parquet": "application/vnd.apache.parquet"}


class Downloads:
    """The download route: analysts only, a known table in a known format."""

    def __init__(self, dashboard: Dashboard) -> None:
        self.dashboard = dashboard

    async def download(self, request: Request, name: str, fmt: str) -> Response:
        dashboard = self.dashboard
        who = await dashboard.analyst_from_cookie(request)
        if who is None:
            return RedirectResponse(LOGIN_PATH, status_code=303)
        ws = dashboard.sessions.read(request)
        chosen, step = filtering.read(request)  # the page's filters: the file has the numbers the page showed
        if chosen is None:
            return dashboard.message(request, ws, "filters_bad", status=400)
        view = await dashboard.cache.view(chosen, step)
        if view.tables is None:  # the filters' guard refused this view (exports.filters)
            return dashboard.message(request, ws, "empty", status=403)
        tables = view.tables
        if fmt not in FORMATS or name not in tables.tables:
            return dashboard.message(request, ws, "empty", status=404)
        from exports.tables.writer import table_bytes  # slow (pandas, openpyxl): at the first download

        content = await asyncio.to_thread(table_bytes, tables, name, fmt)
        stamp = tables.computed_at.strftime("%Y%m%dT%H%M")
        log.info("table downloaded", extra={"fields": {"analyst": who[0].id, "table": name, "format": fmt}})
        async with dashboard.db.transaction() as session:
            await audit.record(session, who[0].username, "download", name,
                               detail={"format": fmt, "rows": len(tables.tables[name].frame),
                                       **({"filters": chosen.query()[1:]} if not chosen.empty else {})})
        return Response(content, media_type=FORMATS[fmt], headers={
            "content-disposition": f'attachment; filename="{name}-{stamp}.{fmt}"', "cache-control": "no-store",
        })
