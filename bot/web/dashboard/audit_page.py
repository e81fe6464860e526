"""/analisi/registro: the audit log for analysts (who logged in, downloaded, published …), newest first.

Read-only, analysts only, Italian and English; the same rows ``scenari audit list`` prints.
``?dal=YYYY-MM-DD`` starts from a day (default: the last 30 days). Its words are the
dashboard's catalogue's (``audit_*`` in :mod:`.texts`).
"""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from typing import Any

from starlette.requests import Request
from starlette.responses import RedirectResponse, Response

from storage import audit

from .core import LOGIN_PATH, Dashboard
from .texts import header_language, translate, tx_word
from .views import TableView

DEFAULT_DAYS = 30
LIMIT = 500
COLUMNS = ("when", "who", "action", "outcome", "object", "details")


def detail_text(detail: dict[str, Any]) -> str:
    return ", ".join(f"{k}={','.join(map(str, v)) if isinstance(v, list) else v}" for k, v in sorted(detail.items()))


class AuditPage:
    """The page of the audit log, from a day on."""

    def __init__(self, dashboard: Dashboard) -> None:
        self.dashboard = dashboard

    async def show(self, request: Request) -> Response:
        dashboard = self.dashboard
        who = await dashboard.analyst_from_cookie(request)
        if who is None:
            return RedirectResponse(LOGIN_PATH, status_code=303)
        ws = dashboard.sessions.read(request)
        lang = dashboard.lang(ws)
        lang = header_language(lang)
        raw = request.query_params.get("dal", "")
        error = None
        since = datetime.now(timezone.utc) - timedelta(days=DEFAULT_DAYS)
        if raw:
            try:
                since = datetime.strptime(raw, "%Y-%m-%d").replace(tzinfo=timezone.utc)
            except ValueError:
                error = translate("audit_bad_day", lang)
        async with dashboard.db.transaction() as session:
            events = await audit.events(session, since, limit=LIMIT)
        rows = [[e.at.strftime("%Y-%m-%d %H:%M:%S"), e.actor, tx_word("audit_action_", e.action, lang),
                 tx_word("audit_outcome_", e.outcome, lang), e.target or "", detail_text(e.detail)] for e in events]
        columns = [translate(f"audit_col_{c}", lang) for c in COLUMNS]
        view = TableView("audit", translate("audit_title", lang), "", columns, rows, len(rows), [False] * len(COLUMNS))
        return dashboard.page(request, ws, "analisi_registro.html", {
            "title": translate("audit_title", lang), "view": view, "error": error, "since": since.strftime("%Y-%m-%d"),
            "lead": translate("audit_lead", lang, since=since.strftime("%d/%m/%Y"), limit=LIMIT),
            "since_label": translate("audit_since", lang), "show": translate("audit_show", lang), "analyst": who[0].username,
        }, status=400 if error else 200)
