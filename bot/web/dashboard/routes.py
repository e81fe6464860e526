"""Where each dashboard page is served: the one list of the analysts' routes.

None is in the app's public OpenAPI schema (there is none: the citizen pages are HTML); the
JSON API serves its own schema to analysts (:mod:`.api`).
"""

from __future__ import annotations

from fastapi import FastAPI

from .api import AnalystsAPI
from .audit_page import AuditPage
from .core import LOGIN_PATH, Dashboard
from .downloads import Downloads
from .login import LoginPages
from .pages import DashboardPages
from .report_page import ReportPage


def install(app: FastAPI, dashboard: Dashboard) -> None:
    """Serve the dashboard, /risultati and /api on ``app`` (before the catch-all /analisi/{section})."""
    login, pages = LoginPages(dashboard), DashboardPages(dashboard)
    routes = [
        (LOGIN_PATH, login.page, "GET"),
        (LOGIN_PATH, login.login, "POST"),
        ("/analisi/esci", login.logout, "POST"),
        ("/analisi/pubblica", pages.publish, "POST"),
        ("/analisi/scarica/{name}.{fmt}", Downloads(dashboard).download, "GET"),
        ("/analisi", pages.overview, "GET"),
        ("/analisi/registro", AuditPage(dashboard).show, "GET"),
        ("/analisi/report.pdf", ReportPage(dashboard).download, "GET"),
        ("/analisi/domande", pages.questions, "GET"),
        ("/analisi/{section}", pages.section, "GET"),
        ("/risultati", pages.results, "GET"),
    ]
    for path, endpoint, method in routes:
        app.add_api_route(path, endpoint, methods=[method], include_in_schema=False)
    AnalystsAPI(dashboard).install(app)
