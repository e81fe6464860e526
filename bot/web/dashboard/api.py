"""/api/…: the dashboard's data as JSON, for analysts only.

By session cookie or ``Authorization: Bearer <token>`` (``scenari analysts token NAME``);
described by the OpenAPI schema at ``/api/openapi.json``, itself analysts only. FastAPI's
interactive docs pages are off: they load scripts from a CDN. Suppressed cells are null.
"""

from __future__ import annotations

import json
from datetime import datetime
from typing import TYPE_CHECKING, Any

from fastapi import APIRouter, Depends, FastAPI
from fastapi.openapi.utils import get_openapi
from fastapi.security import APIKeyCookie, HTTPAuthorizationCredentials, HTTPBearer
from pydantic import BaseModel, Field
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.requests import Request
from starlette.responses import JSONResponse

from storage import audit
from storage.analysts import Analyst

from .core import Dashboard

if TYPE_CHECKING:  # pandas loads at the first dashboard request, not at start-up
    import pandas as pd


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


def json_rows(frame: pd.DataFrame) -> tuple[list[str], list[list[Any]]]:
    """Columns and rows, JSON-safe: missing (suppressed) cells are null."""
    split = json.loads(frame.to_json(orient="split", index=False, date_format="iso", default_handler=str))
    return [str(c) for c in split["columns"]], split["data"]


class AnalystsAPI:
    """The API's routes, and the one dependency that lets only analysts through."""

    def __init__(self, dashboard: Dashboard) -> None:
        self.dashboard = dashboard

    async def analyst(
        self, request: Request,
        bearer: HTTPAuthorizationCredentials | None = Depends(HTTPBearer(auto_error=False, description=
                                                                          "`scenari analysts token NAME`")),
        cookie: str | None = Depends(APIKeyCookie(name="scenari_analyst", auto_error=False,
                                                  description="the dashboard's session (after /analisi/accesso)")),
    ) -> Analyst:
        if bearer is not None and bearer.scheme.lower() == "bearer":
            analyst = await self.dashboard.analyst_from_token(bearer.credentials)
            if analyst is not None:
                return analyst
        elif cookie:
            who = await self.dashboard.analyst_from_cookie(request)
            if who is not None:
                return who[0]
        raise APIError(401, "analysts only: log in at /analisi/accesso or send Authorization: Bearer <token>")

    def router(self) -> APIRouter:
        router = APIRouter(prefix="/api", tags=["analysts"])
        need = self.analyst
        dashboard = self.dashboard

        @router.get("/me", response_model=Me, summary="who is calling")
        async def me(analyst: Analyst = Depends(need)) -> Me:
            return Me(username=analyst.username, telegram_linked=analyst.telegram_id is not None)

        @router.get("/tables", response_model=Summary, summary="the tables, when they were computed, from how much")
        async def summary(analyst: Analyst = Depends(need)) -> Summary:
            tables = await dashboard.cache.get()
            return Summary(computed_at=tables.computed_at, k=dashboard.k, counts={k: int(v) for k, v in tables.counts.items()},
                           tables=[TableSummary(name=t.name, title=t.title, description=t.description, rows=len(t.frame))
                                   for t in tables])

        @router.get("/tables/{name}", response_model=TableData, summary="one table's rows (suppressed cells null)",
                    responses={404: {"description": "no such table"}})
        async def table(name: str, analyst: Analyst = Depends(need)) -> TableData:
            tables = await dashboard.cache.get()
            if name not in tables.tables:
                raise APIError(404, f"no table {name!r}; see /api/tables")
            t = tables.tables[name]
            columns, rows = json_rows(t.frame)
            async with dashboard.db.transaction() as session:
                await audit.record(session, analyst.username, "download", name, detail={"format": "json", "rows": len(rows)})
            return TableData(name=t.name, title=t.title, description=t.description, computed_at=tables.computed_at,
                             k=dashboard.k, columns=columns, meanings=t.columns, rows=rows)

        return router

    def install(self, app: FastAPI) -> None:
        """The routes under /api, and the schema at /api/openapi.json (analysts only, made once)."""
        router = self.router()
        app.include_router(router)

        @app.get("/api/openapi.json", include_in_schema=False)
        async def openapi(analyst: Analyst = Depends(self.analyst)) -> JSONResponse:
            if app.openapi_schema is None:
                app.openapi_schema = get_openapi(
                    title="Scenari analysts' API", version="1",
                    description="The dashboard's data: the convergence tables (docs/convergence.md), pseudonymous, "
                                "counts under k suppressed. Analysts only.",
                    routes=router.routes,
                )
            return JSONResponse(app.openapi_schema, headers={"cache-control": "no-store"})
