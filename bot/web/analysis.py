"""The analysts' side of the web app: login, the dashboard (/analisi), the public results page
(/risultati) and the JSON API (/api/...).

* **Tables.** The convergence tables (:mod:`exports.convergence`, the same k-suppression and
  pseudonyms as the file exports) are built on demand — read in one transaction, computed in a
  worker thread — and kept for ``CACHE_SECONDS``; downloads go through
  :mod:`exports.tables` / :mod:`exports.safety`, so a downloaded file has the same cells as
  ``scenari tables export``.
* **Login.** Argon2 hashes (:mod:`bot.web.auth`); failures are counted in the database per
  (account, address) and per address, which lock for ``SCENARI_LOGIN_LOCK_MINUTES`` (even a
  right password is then refused, 429), and per account, which only slows attempts by a bounded
  delay — why: :mod:`bot.web.login`. Login posts per address are also rate-limited in memory.
  An unknown name costs as much as a wrong password and gets the same answer.
* **Forms.** Every form carries a CSRF token: the login form the browser session's, the
  dashboard's an HMAC of the analyst's session cookie. The analyst cookie is SameSite=Strict,
  http-only, Secure over https (or always with ``SCENARI_COOKIE_SECURE=true``).
* **API.** Analysts only, by session cookie or ``Authorization: Bearer <token>``; described by
  the OpenAPI schema at ``/api/openapi.json`` (itself analysts only). FastAPI's interactive
  docs pages are off: they load scripts from a CDN.
"""

from __future__ import annotations

import asyncio
import io
import json
import logging
import math
import time
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import TYPE_CHECKING, Any

from fastapi import APIRouter, Depends, FastAPI
from fastapi.openapi.utils import get_openapi
from fastapi.security import APIKeyCookie, HTTPAuthorizationCredentials, HTTPBearer
from pydantic import BaseModel, Field
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.requests import Request
from starlette.responses import JSONResponse, RedirectResponse, Response

from dialogs.i18n import translate
from storage import Database, aggregates, analysts, audit
from storage.analysts import Analyst

from ..settings import Settings
from . import charts
from .audit_page import audit_page
from .auth import AnalystCookie, AnalystSessions, token_digest, verify_password_async
from .login import LoginGuard
from .session import Sessions, WebSession

if TYPE_CHECKING:  # pandas and the tables load at the first dashboard request, not at start-up
    import pandas as pd

    from exports.convergence import Table, Tables

log = logging.getLogger("scenari.web.analysis")

CACHE_SECONDS = 60.0
FORMATS = {"xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
           "csv": "text/csv; charset=utf-8", "parquet": "application/vnd.apache.parquet"}
PUBLISHABLE = ("shared_priorities", "innovation_vs_baseline", "innovation_profiles", "visions")
ACTIVITY = "activity"
LOGIN_PATH = "/analisi/accesso"
MAX_ROWS = 60  # rows of a table shown on a page (the downloads have them all)

TX: dict[str, dict[str, str]] = {
    "dashboard": {"it": "Analisi", "en": "Analysis"},
    "login_title": {"it": "Accesso analisti", "en": "Analysts' login"},
    "username": {"it": "Nome utente", "en": "User name"},
    "password": {"it": "Password", "en": "Password"},
    "login": {"it": "Accedi", "en": "Log in"},
    "logout": {"it": "Esci", "en": "Log out"},
    "bad_login": {"it": "Nome utente o password errati.", "en": "Wrong user name or password."},
    "locked": {"it": "Troppi tentativi non riusciti: accesso bloccato fino alle {until} UTC. Riprova più tardi.",
               "en": "Too many failed attempts: login is locked until {until} UTC. Try again later."},
    "too_fast": {"it": "Troppi tentativi in poco tempo: attendi un minuto e riprova.",
                 "en": "Too many attempts in a short time: wait a minute and try again."},
    "control_chars": {
        "it": "Il modulo contiene caratteri di controllo (per esempio un carattere nullo): riscrivi senza e riprova.",
        "en": "The form contains control characters (such as a null character): type it again without them and retry.",
    },
    "bad_form": {"it": "Il modulo è scaduto o non viene da questa pagina: ricarica la pagina e riprova.",
                 "en": "The form has expired or did not come from this page: reload the page and try again."},
    "computed": {"it": "Tabelle calcolate il {when} UTC da {answers} risposte ({runs} questionari completati); "
                       "i conteggi sotto {k} sono nascosti (–).",
                 "en": "Tables computed on {when} UTC from {answers} answers ({runs} completed questionnaires); "
                       "counts under {k} are hidden (–)."},
    "download": {"it": "Scarica", "en": "Download"},
    "table_word": {"it": "tabella", "en": "table"},
    "hidden_note": {"it": "– = meno di {k} rispondenti: nascosto per riservatezza.",
                    "en": "– = fewer than {k} respondents: hidden for privacy."},
    "rows_more": {"it": "Mostrate {shown} righe di {total}: il file scaricato le contiene tutte.",
                  "en": "Showing {shown} of {total} rows: the downloaded file has them all."},
    "empty": {"it": "Nessun dato ancora.", "en": "No data yet."},
    "publish_title": {"it": "Pagina pubblica dei risultati", "en": "Public results page"},
    "publish_explain": {"it": "Scegli le tabelle da mostrare su /risultati (solo aggregati, celle piccole nascoste).",
                        "en": "Choose the tables shown on /risultati (aggregates only, small cells hidden)."},
    "publish": {"it": "Salva la scelta", "en": "Save the choice"},
    "published_ok": {"it": "Scelta salvata.", "en": "Choice saved."},
    "results_title": {"it": "Risultati dell'ascolto", "en": "Results of the listening"},
    "results_none": {"it": "Non ci sono ancora risultati pubblicati.", "en": "No results have been published yet."},
    "results_intro": {"it": "Che cosa è emerso finora, in forma aggregata: nessuna risposta singola è mostrata, e i "
                            "gruppi con meno di {k} persone sono nascosti.",
                      "en": "What has emerged so far, in aggregate: no single answer is shown, and groups of fewer "
                            "than {k} people are hidden."},
    "results_caption": {"it": "Aggiornato il {when} UTC, da {answers} risposte.",
                        "en": "Updated on {when} UTC, from {answers} answers."},
    "low": {"it": "poco", "en": "few"},
    "high": {"it": "molto", "en": "many"},
    "hidden": {"it": "nascosto (meno di k)", "en": "hidden (fewer than k)"},
    "answers_axis": {"it": "risposte al giorno", "en": "answers per day"},
}

SECTIONS: dict[str, dict[str, Any]] = {
    "attivita": {"it": "Risposte nel tempo", "en": "Answers over time", "tables": [ACTIVITY]},
    "profili": {"it": "Profili di innovazione", "en": "Innovation profiles",
                "tables": ["innovation_vs_baseline", "innovation_profiles", "obstacles_by_profile"]},
    "convergenza": {"it": "Convergenza temi × attori", "en": "Themes × actors convergence",
                    "tables": ["convergence", "convergence_cells"]},
    "priorita": {"it": "Priorità condivise", "en": "Shared priorities",
                 "tables": ["shared_priorities", "priorities", "priorities_by_category", "quotes"]},
    "visioni": {"it": "Visioni", "en": "Visions", "tables": ["visions", "vision_themes"]},
    "progetti": {"it": "Progetti", "en": "Projects", "tables": ["projects", "projects_priorities"]},
    "rete": {"it": "Rete di collaborazioni", "en": "Collaboration network",
             "tables": ["network_summary", "network_centrality", "network_categories", "network_edges"]},
}


def tx(key: str, lang: str, /, **params: Any) -> str:
    return translate(TX, key, lang, **params)


def _number(n: int) -> str:
    return f"{n:,}".replace(",", ".")


# --- the tables, built on demand and cached ---------------------------------------------------------


class TableCache:
    """The convergence tables and the activity table, rebuilt when older than ``ttl`` seconds."""

    def __init__(self, db: Database, k: int, lang: str, weights: Any = None, ttl: float = CACHE_SECONDS) -> None:
        self.db = db
        self.lang, self.weights = lang, weights
        self.k = k
        self.ttl = ttl
        self._tables: Tables | None = None
        self._made = 0.0
        self._lock = asyncio.Lock()

    async def get(self) -> Tables:
        if self._tables is not None and time.monotonic() - self._made < self.ttl:
            return self._tables
        async with self._lock:
            if self._tables is not None and time.monotonic() - self._made < self.ttl:
                return self._tables
            async with self.db.transaction() as session:
                data = await aggregates.load(session)
                activity = await analysts.activity(session)
            from exports.convergence import Options, build_tables

            options = Options(k=self.k, lang=self.lang, weights=self.weights)
            tables = await asyncio.to_thread(build_tables, data, options)
            tables.tables[ACTIVITY] = activity_table(activity, self.k)
            self._tables, self._made = tables, time.monotonic()
            return tables

    def forget(self) -> None:
        self._tables = None


def activity_table(rows: list[analysts.ActivityRow], k: int) -> Table:
    import pandas as pd

    from exports.convergence import Table

    frame = pd.DataFrame({
        "day": [r.day.isoformat() for r in rows],
        "questionnaire": [r.questionnaire_id for r in rows],
        "channel": [r.channel for r in rows],
        "answers": pd.array([r.answers for r in rows], dtype="Int64"),
        "respondents": pd.array([r.respondents for r in rows], dtype="Int64"),
    })
    hidden = (frame["respondents"] > 0) & (frame["respondents"] < k)
    frame["answers"] = frame["answers"].mask(hidden)
    frame["respondents"] = frame["respondents"].mask(hidden)
    return Table(ACTIVITY, "Risposte nel tempo", "Current answers per day (UTC), questionnaire and channel, with "
                 f"the distinct respondents; a day with 1…{k - 1} respondents is hidden.", frame,
                 {"day": "UTC date the answer was given", "channel": "telegram, web or terminal",
                  "answers": "current answers given that day", "respondents": "distinct respondents that day"})


def file_bytes(tables: Tables, name: str, fmt: str) -> bytes:
    """One table as XLSX (with the README sheet), CSV or Parquet: neutralised as the file exports."""
    from exports.safety import neutralise_frame
    from exports.tables import workbook_bytes

    if fmt == "xlsx":
        return workbook_bytes(tables, [name])
    frame = neutralise_frame(tables.tables[name].frame)
    buffer = io.BytesIO()
    if fmt == "csv":
        frame.to_csv(buffer, index=False, encoding="utf-8")
    else:
        frame.to_parquet(buffer, index=False, engine="pyarrow")
    return buffer.getvalue()


def json_rows(frame: pd.DataFrame) -> tuple[list[str], list[list[Any]]]:
    """Columns and rows, JSON-safe: missing (suppressed) cells are null."""
    split = json.loads(frame.to_json(orient="split", index=False, date_format="iso", default_handler=str))
    return [str(c) for c in split["columns"]], split["data"]


# --- HTML views of tables and charts -------------------------------------------------------------------


def _missing(value: Any) -> bool:
    """A suppressed or empty cell: None, NaN or pandas' NA (pandas is loaded once a table exists)."""
    import pandas as pd

    return value is None or value is pd.NA or (isinstance(value, float) and math.isnan(value))


def _cell(value: Any) -> str:
    if _missing(value):
        return "–"
    if isinstance(value, bool):
        return "sì" if value else "no"
    if isinstance(value, float):
        if value == 0:
            return "0"
        return f"{value:.3f}".rstrip("0").rstrip(".") if abs(value) < 1000 else f"{value:,.0f}"
    return str(value)


@dataclass
class TableView:
    name: str
    title: str
    description: str
    columns: list[str]
    rows: list[list[str]]
    total: int
    numeric: list[bool]


def table_view(table: Table, columns: list[str] | None = None, limit: int = MAX_ROWS) -> TableView:
    frame = table.frame if columns is None else table.frame[[c for c in columns if c in table.frame.columns]]
    from pandas.api.types import is_bool_dtype, is_numeric_dtype

    numeric = [is_numeric_dtype(frame[c]) and not is_bool_dtype(frame[c]) for c in frame.columns]
    rows = [[_cell(v) for v in row] for row in frame.head(limit).itertuples(index=False, name=None)]
    return TableView(table.name, table.title, table.description, [str(c) for c in frame.columns], rows, len(frame),
                     numeric)


def _share(value: Any) -> float | None:
    if _missing(value):
        return None
    return float(value)


def heatmap_of(frame: pd.DataFrame, row: str, column: str, share: str, hidden: str, lang: str, *, title: str,
               desc_intro: str, row_order: list[str] | None = None) -> charts.Markup | None:
    if frame.empty:
        return None
    rows = row_order or list(dict.fromkeys(frame[row]))
    columns = list(dict.fromkeys(frame[column]))
    lookup = {(r, c): _share(s) for r, c, s in zip(frame[row], frame[column], frame[share])}
    cells = []
    strongest: list[tuple[float, str, str]] = []
    for r in rows:
        line = []
        for c in columns:
            s = lookup.get((r, c))
            line.append(charts.Cell(s, "–" if s is None else f"{round(100 * s)}%"))
            if s is not None:
                strongest.append((s, r, c))
        cells.append(line)
    strongest.sort(reverse=True)
    top = "; ".join(f"{r} — {c}: {round(100 * s)}%" for s, r, c in strongest[:3])
    desc = f"{desc_intro} {len(rows)} × {len(columns)}. " + (("Più alti: " if lang == "it" else "Highest: ") + top
                                                            if top else "")
    return charts.heatmap(rows, columns, cells, title=title, desc=desc, legend_low=tx("low", lang),
                          legend_high=tx("high", lang), legend_hidden=hidden)


def section_charts(section: str, tables: Tables, lang: str) -> list[charts.Markup]:
    t = tables.tables
    out: list[charts.Markup | None] = []
    hidden = tx("hidden", lang)
    if section == "attivita":
        frame = t[ACTIVITY].frame.dropna(subset=["answers"])
        series: dict[str, list[tuple[date, float]]] = {}
        for day, qid, channel, n in zip(frame["day"], frame["questionnaire"], frame["channel"], frame["answers"]):
            series.setdefault(f"{qid} · {channel}", []).append((date.fromisoformat(day), float(n)))
        totals = {name: sum(v for _, v in values) for name, values in series.items()}
        desc = "; ".join(f"{name}: {total:g}" for name, total in sorted(totals.items(), key=lambda x: -x[1]))
        out.append(charts.lines(series, title=SECTIONS["attivita"][lang], desc=desc or tx("empty", lang),
                                y_label=tx("answers_axis", lang)))
    elif section == "profili":
        beside = t["innovation_vs_baseline"].frame
        if not beside.empty:
            items = [charts.Bar(str(lbl), [_share(p), _share(b)]) for lbl, p, b in
                     zip(beside["label"], beside["pct"], beside["baseline_pct"])]
            desc = "; ".join(f"{b.label}: {_cell(b.values[0])}% / {_cell(b.values[1])}%" for b in items)
            out.append(charts.bars(items, title=t["innovation_vs_baseline"].title, desc=desc,
                                   series=["oggi" if lang == "it" else "now", "2004"], maximum=100, fmt="{:.0f}%"))
    elif section == "convergenza":
        cells = t["convergence_cells"].frame
        order = [str(x) for x in t["convergence"].frame["label"]]
        out.append(heatmap_of(cells, "label", "category_label", "share", hidden, lang,
                              title=t["convergence"].title, row_order=order,
                              desc_intro="Quota di ogni categoria di attori che porta il tema, temi × categorie:"
                              if lang == "it" else "Share of each actor category carrying the theme, themes × categories:"))
    elif section == "priorita":
        shared = t["shared_priorities"].frame.head(15)
        if not shared.empty:
            items = [charts.Bar(str(lbl), [_share(v)]) for lbl, v in zip(shared["label"], shared["categories_above"])]
            desc = "; ".join(f"{b.label}: {_cell(b.values[0])}" for b in items[:5])
            out.append(charts.bars(items, title=t["shared_priorities"].title, desc=desc, fmt="{:.0f}"))
        borda = t["priorities"].frame.head(15)
        if not borda.empty:
            items = [charts.Bar(str(lbl), [_share(v)]) for lbl, v in zip(borda["label"], borda["points"])]
            desc = "; ".join(f"{b.label}: {_cell(b.values[0])}" for b in items[:5])
            out.append(charts.bars(items, title=t["priorities"].title, desc=desc, fmt="{:.0f}"))
    elif section == "visioni":
        visions = t["visions"].frame
        out.append(heatmap_of(visions, "vision_label", "kind_label", "share", hidden, lang, title=t["visions"].title,
                              desc_intro="Quota di ogni tipo di rispondente che sceglie la visione:"
                              if lang == "it" else "Share of each kind of respondent choosing the vision:"))
    elif section == "progetti":
        projects = t["projects"].frame.head(15)
        if not projects.empty:
            items = []
            for title, overall, raters, agreement in zip(projects["title"], projects["overall"], projects["raters"],
                                                         projects["agreement"]):
                note = (f"{raters} valutatori · accordo {_cell(agreement)}" if lang == "it"
                        else f"{raters} raters · agreement {_cell(agreement)}")
                items.append(charts.Bar(str(title), [_share(overall)], note))
            desc = "; ".join(f"{b.label}: {_cell(b.values[0])} ({b.note})" for b in items[:5])
            out.append(charts.bars(items, title=t["projects"].title, desc=desc, maximum=5, fmt="{:.2f}"))
    elif section == "rete":
        edges = t["network_edges"].frame
        if not edges.empty:
            categories = {}
            for code, cat in list(zip(edges["source"], edges["source_category"])) + list(
                    zip(edges["target"], edges["target_category"])):
                categories.setdefault(str(code), str(cat))
            cat_labels = {c: c for c in dict.fromkeys(categories.values())}
            kinds = {"current": "collabora oggi" if lang == "it" else "collaborates now",
                     "wished": "vorrebbe collaborare" if lang == "it" else "would collaborate"}
            central = t["network_centrality"].frame.head(3)
            desc = (f"{len(categories)} attori, {len(edges)} legami. " if lang == "it"
                    else f"{len(categories)} actors, {len(edges)} ties. ") + "; ".join(
                f"{a}: {d}" for a, d in zip(central["actor"], central["degree"]))
            out.append(charts.network(list(categories.items()),
                                      list(zip(edges["source"].astype(str), edges["target"].astype(str), edges["kind"])),
                                      title=t["network_edges"].title, desc=desc, categories=cat_labels, kinds=kinds))
    return [c for c in out if c is not None]


PUBLIC_COLUMNS = {
    "shared_priorities": ["rank", "label", "categories_above", "categories", "units"],
    "innovation_vs_baseline": ["label", "firms", "pct", "baseline_pct", "difference_pp"],
    "innovation_profiles": None,
    "visions": ["kind_label", "vision_label", "units", "kind_units", "share"],
}


def public_charts(name: str, tables: Tables, lang: str) -> list[charts.Markup]:
    section = {"shared_priorities": "priorita", "innovation_vs_baseline": "profili", "visions": "visioni"}.get(name)
    if section is None:
        return []
    made = section_charts(section, tables, lang)
    return made[:1]  # shared priorities: only the first chart (the Borda one is not published)


# --- request handling ------------------------------------------------------------------------------


class APIError(StarletteHTTPException):
    pass


class TableSummary(BaseModel):
    name: str = Field(description="table id (see docs/convergence.md)")
    title: str
    description: str
    rows: int


class Summary(BaseModel):
    computed_at: datetime = Field(description="when the data behind the tables was read (UTC)")
    k: int = Field(description="counts under k are suppressed (null)")
    counts: dict[str, int]
    tables: list[TableSummary]


class TableData(BaseModel):
    name: str
    title: str
    description: str
    computed_at: datetime
    k: int
    columns: list[str]
    meanings: dict[str, str] = Field(description="column (or prefix*) → meaning")
    rows: list[list[Any]] = Field(description="one list per row, in the order of columns; suppressed cells are null")


class Me(BaseModel):
    username: str
    telegram_linked: bool


class Dashboard:
    def __init__(self, settings: Settings, db: Database, sessions: Sessions, secret_key: str,
                 templates: Any) -> None:
        self.settings = settings
        self.db = db
        self.sessions = sessions
        self.analyst_sessions = AnalystSessions(secret_key, secure=settings.cookie_secure)
        k = settings.suppress_k
        self.k = k
        self.cache = TableCache(db, k, settings.lang, settings.rating_weights or None)
        self.templates = templates
        self.templates.env.globals["tx"] = tx
        # the login throttles (bot.web.login); tests replace its clock and sleep
        self.guard = LoginGuard(db, settings.login_max_failures, timedelta(minutes=settings.login_lock_minutes),
                                settings.login_max_delay)

    # --- who is asking --------------------------------------------------------------------------

    async def analyst_from_cookie(self, request: Request) -> tuple[Analyst, AnalystCookie] | None:
        cookie = self.analyst_sessions.read(request)
        if cookie is None:
            return None
        async with self.db.transaction() as session:
            analyst = await analysts.get_analyst(session, cookie.analyst_id)
        if analyst is None or not cookie.matches(analyst.session_key):
            return None
        return analyst, cookie

    async def analyst_from_token(self, token: str) -> Analyst | None:
        if not token or len(token) > 200:
            return None
        async with self.db.transaction() as session:
            return await analysts.by_token_hash(session, token_digest(token))

    def _lang(self, ws: WebSession) -> str:
        return ws.lang_preference or self.settings.lang

    def page(self, request: Request, ws: WebSession, name: str, context: dict[str, Any], status: int = 200,
             headers: dict[str, str] | None = None) -> Response:
        lang = self._lang(ws)
        path = request.url.path + (f"?{request.url.query}" if request.url.query else "")
        response = self.templates.TemplateResponse(
            request, name, {"lang": lang, "csrf": ws.csrf, "path": path, "k": self.k, **context}, status_code=status,
            headers=headers,
        )
        response.headers["cache-control"] = "no-store"
        return self.sessions.attach(response, request, ws)

    # --- login and logout -------------------------------------------------------------------------

    async def login_page(self, request: Request) -> Response:
        ws = self.sessions.read(request)
        if await self.analyst_from_cookie(request) is not None:
            return RedirectResponse("/analisi", status_code=303)
        return self.page(request, ws, "analisi_login.html", {"title": tx("login_title", self._lang(ws)),
                                                             "error": None, "username": ""})

    async def login(self, request: Request) -> Response:
        from .app import FormError, read_form

        ws = self.sessions.read(request)
        lang = self._lang(ws)

        def refuse(key: str, status: int, username: str = "", headers: dict[str, str] | None = None,
                   **params: Any) -> Response:
            return self.page(request, ws, "analisi_login.html", {
                "title": tx("login_title", lang), "error": tx(key, lang, **params), "username": username,
            }, status=status, headers=headers)

        try:
            form = await read_form(request, limit=8 * 1024)
        except FormError as error:
            return refuse(error.text_key if error.text_key == "control_chars" else "bad_form", error.status)
        if not self.sessions.csrf_ok(ws, form.get("csrf")):
            log.info("login refused", extra={"fields": {"reason": "csrf"}})
            return refuse("bad_form", 403)
        address = request.client.host if request.client else "unknown"  # a trusted proxy's client (edge.py)
        if self.guard.too_fast(address):
            return refuse("too_fast", 429, headers={"retry-after": "60"})
        username = (form.get("username") or "").strip().lower()[:64]
        password = (form.get("password") or "")[:1024]
        until = await self.guard.locked_until(username, address)
        if until is not None:
            log.info("login refused", extra={"fields": {"reason": "locked"}})
            await self._audit_login(username, "refused", "locked")
            return refuse("locked", 429, username, headers={"retry-after": str(self.guard.seconds_until(until))},
                          until=until.strftime("%H:%M"))
        await self.guard.slow_down(username)  # bounded: a stranger's failures never lock the analyst out
        async with self.db.transaction() as session:
            found = await analysts.credentials(session, username) if username else None
        ok, rehash = await verify_password_async(found[1] if found else None, password)
        if not ok or found is None:
            began = await self.guard.failed(username, address)
            await self._audit_login(username if found else "", "refused", "locked" if began else "wrong")
            log.info("login failed", extra={"fields": {"locked": began is not None}})
            if began is not None:
                return refuse("locked", 429, username, headers={"retry-after": str(self.guard.seconds_until(began))},
                              until=began.strftime("%H:%M"))
            return refuse("bad_login", 401, username)
        analyst = found[0]
        await self.guard.succeeded(username, address)
        async with self.db.transaction() as session:
            await analysts.logged_in(session, analyst.id)
            await audit.record(session, analyst.username, "login")
            if rehash:
                await analysts.set_password_hash(session, analyst.id, rehash)
        log.info("analyst logged in", extra={"fields": {"analyst": analyst.id}})
        response = RedirectResponse("/analisi", status_code=303)
        self.analyst_sessions.start(response, request, analyst.id, analyst.session_key)
        return response

    async def _audit_login(self, username: str, outcome: str, reason: str) -> None:
        """A refused login in the audit log: the account's name only when it exists (never what was typed)."""
        async with self.db.transaction() as session:
            known = username and await analysts.credentials(session, username) is not None
            await audit.record(session, username if known else "?", "login", outcome=outcome, detail={"reason": reason})

    async def _checked(self, request: Request) -> tuple[Analyst, AnalystCookie, Any] | Response:
        """The analyst and the form of a dashboard post, or the response refusing it."""
        from .app import FormError, read_form

        who = await self.analyst_from_cookie(request)
        if who is None:
            return RedirectResponse(LOGIN_PATH, status_code=303)
        ws = self.sessions.read(request)
        try:
            form = await read_form(request, limit=8 * 1024)
        except FormError as error:
            return self.page(request, ws, "analisi_message.html", {"title": tx("dashboard", self._lang(ws)),
                             "text": tx("bad_form", self._lang(ws))}, status=error.status)
        if not self.analyst_sessions.csrf_ok(who[1], form.get("csrf")):
            log.info("dashboard form refused", extra={"fields": {"reason": "csrf", "path": request.url.path}})
            return self.page(request, ws, "analisi_message.html", {"title": tx("dashboard", self._lang(ws)),
                             "text": tx("bad_form", self._lang(ws))}, status=403)
        return who[0], who[1], form

    async def logout(self, request: Request) -> Response:
        checked = await self._checked(request)
        if isinstance(checked, Response):
            return checked
        analyst = checked[0]
        async with self.db.transaction() as session:
            await analysts.end_sessions(session, analyst.id)
        response = RedirectResponse(LOGIN_PATH, status_code=303)
        self.analyst_sessions.end(response, request)
        return response

    # --- the dashboard --------------------------------------------------------------------------------

    def _context(self, tables: Tables, lang: str, cookie: AnalystCookie, analyst: Analyst) -> dict[str, Any]:
        runs = sum(v for key, v in tables.counts.items() if key.startswith("runs_"))
        return {
            "analyst": analyst.username, "acsrf": self.analyst_sessions.csrf(cookie),
            "sections": [(key, spec[lang if lang in ("it", "en") else "it"]) for key, spec in SECTIONS.items()],
            "caption": tx("computed", lang, when=tables.computed_at.strftime("%d/%m/%Y %H:%M"),
                          answers=_number(tables.counts.get("answers", 0)), runs=_number(runs), k=self.k),
            "formats": list(FORMATS),
        }

    async def overview(self, request: Request) -> Response:
        return await self.section(request, "attivita", overview=True)

    async def section(self, request: Request, section: str, overview: bool = False) -> Response:
        who = await self.analyst_from_cookie(request)
        if who is None:
            return RedirectResponse(LOGIN_PATH, status_code=303)
        ws = self.sessions.read(request)
        lang = self._lang(ws)
        if section not in SECTIONS:
            return self.page(request, ws, "analisi_message.html", {"title": tx("dashboard", lang),
                             "text": tx("empty", lang)}, status=404)
        tables = await self.cache.get()
        spec = SECTIONS[section]
        context = self._context(tables, lang, who[1], who[0])
        context.update({
            "title": tx("dashboard", lang) if overview else spec[lang if lang in ("it", "en") else "it"],
            "section": section, "charts": section_charts(section, tables, lang),
            "tables": [table_view(tables.tables[name]) for name in spec["tables"]],
            "overview": overview,
        })
        if overview:
            async with self.db.transaction() as session:
                chosen = await analysts.published(session)
            context["publishable"] = [(name, tables.tables[name].title, name in chosen) for name in PUBLISHABLE]
            context["saved"] = request.query_params.get("salvato") == "1"
        return self.page(request, ws, "analisi.html", context)

    async def download(self, request: Request, name: str, fmt: str) -> Response:
        who = await self.analyst_from_cookie(request)
        if who is None:
            return RedirectResponse(LOGIN_PATH, status_code=303)
        tables = await self.cache.get()
        if fmt not in FORMATS or name not in tables.tables:
            ws = self.sessions.read(request)
            return self.page(request, ws, "analisi_message.html", {"title": tx("dashboard", self._lang(ws)),
                             "text": tx("empty", self._lang(ws))}, status=404)
        content = await asyncio.to_thread(file_bytes, tables, name, fmt)
        stamp = tables.computed_at.strftime("%Y%m%dT%H%M")
        log.info("table downloaded", extra={"fields": {"analyst": who[0].id, "table": name, "format": fmt}})
        async with self.db.transaction() as session:
            await audit.record(session, who[0].username, "download", name,
                               detail={"format": fmt, "rows": len(tables.tables[name].frame)})
        return Response(content, media_type=FORMATS[fmt], headers={
            "content-disposition": f'attachment; filename="{name}-{stamp}.{fmt}"', "cache-control": "no-store",
        })

    async def publish(self, request: Request) -> Response:
        checked = await self._checked(request)
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

    # --- the public results page ---------------------------------------------------------------------

    async def results(self, request: Request) -> Response:
        ws = self.sessions.read(request)
        lang = self._lang(ws)
        async with self.db.transaction() as session:
            chosen = await analysts.published(session)
        shown = []
        tables = await self.cache.get() if chosen else None
        if tables is not None:
            caption = tx("results_caption", lang, when=tables.computed_at.strftime("%d/%m/%Y %H:%M"),
                         answers=_number(tables.counts.get("answers", 0)))
            for name in PUBLISHABLE:
                if name in chosen:
                    table = tables.tables[name]
                    shown.append({"view": table_view(table, PUBLIC_COLUMNS.get(name)), "caption": caption,
                                  "charts": public_charts(name, tables, lang)})
        return self.page(request, ws, "risultati.html", {
            "title": tx("results_title", lang), "shown": shown,
        })

    # --- the JSON API ---------------------------------------------------------------------------------

    async def api_analyst(
        self, request: Request,
        bearer: HTTPAuthorizationCredentials | None = Depends(HTTPBearer(auto_error=False, description=
                                                                          "`scenari analysts token NAME`")),
        cookie: str | None = Depends(APIKeyCookie(name="scenari_analyst", auto_error=False,
                                                  description="the dashboard's session (after /analisi/accesso)")),
    ) -> Analyst:
        if bearer is not None and bearer.scheme.lower() == "bearer":
            analyst = await self.analyst_from_token(bearer.credentials)
            if analyst is not None:
                return analyst
        elif cookie:
            who = await self.analyst_from_cookie(request)
            if who is not None:
                return who[0]
        raise APIError(401, "analysts only: log in at /analisi/accesso or send Authorization: Bearer <token>")

    def router(self) -> APIRouter:
        router = APIRouter(prefix="/api", tags=["analysts"])
        need = self.api_analyst

        @router.get("/me", response_model=Me, summary="who is calling")
        async def me(analyst: Analyst = Depends(need)) -> Me:
            return Me(username=analyst.username, telegram_linked=analyst.telegram_id is not None)

        @router.get("/tables", response_model=Summary, summary="the tables, when they were computed, from how much")
        async def summary(analyst: Analyst = Depends(need)) -> Summary:
            tables = await self.cache.get()
            return Summary(computed_at=tables.computed_at, k=self.k, counts={k: int(v) for k, v in tables.counts.items()},
                           tables=[TableSummary(name=t.name, title=t.title, description=t.description, rows=len(t.frame))
                                   for t in tables])

        @router.get("/tables/{name}", response_model=TableData, summary="one table's rows (suppressed cells null)",
                    responses={404: {"description": "no such table"}})
        async def table(name: str, analyst: Analyst = Depends(need)) -> TableData:
            tables = await self.cache.get()
            if name not in tables.tables:
                raise APIError(404, f"no table {name!r}; see /api/tables")
            t = tables.tables[name]
            columns, rows = json_rows(t.frame)
            async with self.db.transaction() as session:
                await audit.record(session, analyst.username, "download", name, detail={"format": "json", "rows": len(rows)})
            return TableData(name=t.name, title=t.title, description=t.description, computed_at=tables.computed_at,
                             k=self.k, columns=columns, meanings=t.columns, rows=rows)

        return router

    def install(self, app: FastAPI) -> None:
        app.add_api_route(LOGIN_PATH, self.login_page, methods=["GET"], include_in_schema=False)
        app.add_api_route(LOGIN_PATH, self.login, methods=["POST"], include_in_schema=False)
        app.add_api_route("/analisi/esci", self.logout, methods=["POST"], include_in_schema=False)
        app.add_api_route("/analisi/pubblica", self.publish, methods=["POST"], include_in_schema=False)
        app.add_api_route("/analisi/scarica/{name}.{fmt}", self.download, methods=["GET"], include_in_schema=False)
        app.add_api_route("/analisi", self.overview, methods=["GET"], include_in_schema=False)
        app.add_api_route("/analisi/registro", audit_page(self), methods=["GET"], include_in_schema=False)
        app.add_api_route("/analisi/{section}", self.section, methods=["GET"], include_in_schema=False)
        app.add_api_route("/risultati", self.results, methods=["GET"], include_in_schema=False)
        router = self.router()
        app.include_router(router)

        @app.get("/api/openapi.json", include_in_schema=False)
        async def openapi(analyst: Analyst = Depends(self.api_analyst)) -> JSONResponse:
            if app.openapi_schema is None:
                app.openapi_schema = get_openapi(
                    title="Scenari analysts' API", version="1",
                    description="The dashboard's data: the convergence tables (docs/convergence.md), pseudonymous, "
                                "counts under k suppressed. Analysts only.",
                    routes=router.routes,
                )
            return JSONResponse(app.openapi_schema, headers={"cache-control": "no-store"})
