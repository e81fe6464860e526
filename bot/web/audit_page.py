"""/analisi/registro: the audit log for analysts (who logged in, downloaded, published …), newest first.

Read-only, analysts only, Italian and English; the same rows ``scenari audit list`` prints.
``?dal=YYYY-MM-DD`` starts from a day (default: the last 30 days).
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import datetime, timedelta, timezone
from typing import TYPE_CHECKING, Any

from starlette.requests import Request
from starlette.responses import RedirectResponse, Response

from storage import audit

if TYPE_CHECKING:  # the dashboard hands itself over; no import at run time (no cycle)
    from .analysis import Dashboard

DEFAULT_DAYS = 30
LIMIT = 500

TEXTS: dict[str, dict[str, str]] = {
    "title": {"it": "Registro delle attività", "en": "Audit log"},
    "lead": {"it": "Accessi, download, pubblicazioni, importazioni, modifiche agli account, esportazioni e "
                   "cancellazioni di dati personali, dal {since} (al massimo {limit} righe, le più recenti prima).",
             "en": "Logins, downloads, publications, imports, account changes, personal data exports and erasures, "
                   "since {since} (at most {limit} rows, newest first)."},
    "since": {"it": "Dal giorno", "en": "Since"},
    "show": {"it": "Mostra", "en": "Show"},
    "bad_day": {"it": "Data non valida: scrivi AAAA-MM-GG, per esempio 2026-12-01.",
                "en": "Not a valid date: write YYYY-MM-DD, for example 2026-12-01."},
}
COLUMNS = {"it": ["quando (UTC)", "chi", "azione", "esito", "oggetto", "dettagli"],
           "en": ["when (UTC)", "who", "action", "outcome", "object", "details"]}
ACTION_WORDS = {
    "login": {"it": "accesso", "en": "login"}, "download": {"it": "download", "en": "download"},
    "publish": {"it": "pubblicazione", "en": "publication"}, "coding_import": {"it": "importazione codifica",
                                                                             "en": "coding import"},
    "account": {"it": "account", "en": "account"}, "privacy_export": {"it": "esportazione dati", "en": "data export"},
    "erasure": {"it": "cancellazione", "en": "erasure"}, "retention": {"it": "conservazione", "en": "retention"},
}
OUTCOME_WORDS = {"ok": {"it": "riuscito", "en": "ok"}, "refused": {"it": "rifiutato", "en": "refused"}}


def _t(table: dict[str, dict[str, str]], key: str, lang: str) -> str:
    words = table.get(key, {})
    return words.get(lang) or words.get("it") or key


def detail_text(detail: dict[str, Any]) -> str:
    return ", ".join(f"{k}={','.join(map(str, v)) if isinstance(v, list) else v}" for k, v in sorted(detail.items()))


def audit_page(dashboard: Dashboard) -> Callable[[Request], Awaitable[Response]]:
    from .analysis import TableView  # the dashboard module is loaded by now

    async def page(request: Request) -> Response:
        who = await dashboard.analyst_from_cookie(request)
        if who is None:
            return RedirectResponse("/analisi/accesso", status_code=303)
        ws = dashboard.sessions.read(request)
        lang = dashboard._lang(ws)
        lang = lang if lang in ("it", "en") else "it"
        raw = request.query_params.get("dal", "")
        error = None
        since = datetime.now(timezone.utc) - timedelta(days=DEFAULT_DAYS)
        if raw:
            try:
                since = datetime.strptime(raw, "%Y-%m-%d").replace(tzinfo=timezone.utc)
            except ValueError:
                error = _t(TEXTS, "bad_day", lang)
        async with dashboard.db.transaction() as session:
            events = await audit.events(session, since, limit=LIMIT)
        rows = [[e.at.strftime("%Y-%m-%d %H:%M:%S"), e.actor, _t(ACTION_WORDS, e.action, lang),
                 _t(OUTCOME_WORDS, e.outcome, lang), e.target or "", detail_text(e.detail)] for e in events]
        view = TableView("audit", _t(TEXTS, "title", lang), "", COLUMNS[lang], rows, len(rows), [False] * 6)
        return dashboard.page(request, ws, "analisi_registro.html", {
            "title": _t(TEXTS, "title", lang), "view": view, "error": error, "since": since.strftime("%Y-%m-%d"),
            "lead": _t(TEXTS, "lead", lang).format(since=since.strftime("%d/%m/%Y"), limit=LIMIT),
            "since_label": _t(TEXTS, "since", lang), "show": _t(TEXTS, "show", lang), "analyst": who[0].username,
        }, status=400 if error else 200)

    return page
