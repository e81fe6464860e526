"""``/healthz`` and ``/readyz``: what an operator (or a load balancer) asks the service.

* ``/healthz`` — liveness: the process answers HTTP. Always 200 while it does; restart it if not.
* ``/readyz`` — readiness: 200 when the database answers (the web can serve citizens), 503 when
  it does not; the JSON also states the Telegram bot's state (not configured, or connected or
  not, since when, failures since the last success). The bot's state never makes the service
  unready: citizens on the web do not depend on Telegram.

Both are JSON, never cached, and say nothing secret (error *kinds*, not their text).
"""

from __future__ import annotations

import asyncio
import logging

from fastapi import FastAPI
from starlette.responses import JSONResponse, Response

from storage import Database

from bot.service.health import BotStatus

log = logging.getLogger("scenari.web")
DATABASE_TIMEOUT_S = 5.0
NO_STORE = {"cache-control": "no-store"}


def install(app: FastAPI, db: Database, bot: BotStatus) -> None:
    async def healthz() -> Response:
        return JSONResponse({"status": "alive"}, headers=NO_STORE)

    async def readyz() -> Response:
        try:
            await asyncio.wait_for(db.ping(), DATABASE_TIMEOUT_S)
            database = {"reachable": True}
        except Exception as exc:  # noqa: BLE001 - any failure means "not ready", said as its kind
            log.warning("readiness: database unreachable", extra={"fields": {"error": type(exc).__name__}})
            database = {"reachable": False, "error": type(exc).__name__}
        ready = bool(database["reachable"])
        return JSONResponse({"ready": ready, "database": database, "bot": bot.as_json()},
                            status_code=200 if ready else 503, headers=NO_STORE)

    app.add_api_route("/healthz", healthz, methods=["GET"], include_in_schema=False)
    app.add_api_route("/readyz", readyz, methods=["GET"], include_in_schema=False)
