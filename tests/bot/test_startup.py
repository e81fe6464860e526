"""Start-up: the web never waits for aiogram, and aiogram's schemas built on first use all work.

Each check runs in a fresh interpreter (a subprocess): what is imported, and how aiogram's
models get built, depends on what the process imported before. No time is measured here
(bench/bench_startup.py does that).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from tests.support.fake_bot_api import DEFAULT_TOKEN

ROOT = Path(__file__).resolve().parents[2]

NO_TOKEN_SERVE = r"""
import asyncio, json, os, signal, socket, sys
import httpx
from bot.runtime.serve import serve
from bot.settings import load_settings
from storage import Database, upgrade_database

async def main():
    settings = load_settings()
    db = Database(settings.database_url)
    await upgrade_database(db)
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0)); port = s.getsockname()[1]
    service = asyncio.create_task(serve(settings, db, "127.0.0.1", port))
    async with httpx.AsyncClient(base_url=f"http://127.0.0.1:{port}") as client:
        for _ in range(3000):  # bounded: until the page is served and the background jobs are running
            try:
                ok = (await client.get("/")).status_code == 200
            except httpx.TransportError:
                ok = False
            if ok and "nlp.worker" in sys.modules and "exports.scheduler" in sys.modules:
                break
            await asyncio.sleep(0.05)
        else:
            raise SystemExit("never served")
        readyz = (await client.get("/readyz")).json()
    seen = sorted(name for name in sys.modules if name == "aiogram" or name.startswith(("aiogram.", "bot.telegram")))
    os.kill(os.getpid(), signal.SIGTERM)
    status = await service
    await db.dispose()
    print(json.dumps({"status": status, "imported": seen, "readyz": readyz}))

asyncio.run(main())
"""

EVERY_MODEL = r"""
import json
import bot.telegram  # imports aiogram with its schemas deferred
import aiogram.methods, aiogram.types
from aiogram.methods import Response
from pydantic import BaseModel

def build_all():
    failures, built = [], 0
    models = [getattr(m, n) for m in (aiogram.types, aiogram.methods) for n in m.__all__]
    models = [m for m in models if isinstance(m, type) and issubclass(m, BaseModel) and m is not Response]
    # every answer of the Bot API is parsed as Response[<the method's result>], made at run time
    returned = [getattr(m, "__returning__", None) for m in models if issubclass(m, aiogram.methods.TelegramMethod)]
    answers = [Response[r] for r in returned if r is not None and not isinstance(r, property)]  # not the base
    for model in models + answers:
        try:
            model.__pydantic_validator__.validate_python  # a first use: builds it
            model.__pydantic_serializer__.to_python
        except Exception as exc:
            failures.append(f"{model.__name__}: {exc}"[:200])
        else:
            built += model.__pydantic_complete__
    return built, failures, len(models), len(answers)

built, failures, models, answers = build_all()
print(json.dumps({"built": built, "failures": failures, "models": models, "answers": answers}))
"""


def run(code: str, **env: str) -> dict:
    clean = {k: v for k, v in os.environ.items() if not k.startswith(("SCENARI_", "TELEGRAM_"))}
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=600,
                            cwd=ROOT, env={**clean, **env})
    assert result.returncode == 0, result.stderr[-4000:]
    return json.loads(result.stdout.strip().splitlines()[-1])


def test_serve_without_a_token_never_imports_aiogram(tmp_path: Path):
    report = run(NO_TOKEN_SERVE, SCENARI_DATABASE_URL=f"sqlite:///{tmp_path / 'web.db'}",
                 SCENARI_SECRET_KEY="test-secret-key-for-the-web-channel-0123456789",
                 SCENARI_EXPORTS_DIR=str(tmp_path / "exports"))
    assert report["status"] == 0
    assert report["imported"] == []  # neither aiogram nor the Telegram transport
    assert report["readyz"]["ready"] is True and report["readyz"]["bot"] == {"configured": False, "connected": False}


FIRST_PAGES = r"""
import asyncio, json, sys
import httpx
import bot.cli, bot.runtime.serve, bot.runtime.background, bot.service.health
from bot.settings import load_settings
from bot.web import create_app
from storage import Database, upgrade_database

async def main():
    settings = load_settings()
    db = Database(settings.database_url)
    await upgrade_database(db)
    app = create_app(settings, db)
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://test") as client:
        pages = [(await client.get(path)).status_code for path in ("/", "/q/imprese", "/privacy", "/analisi/accesso")]
    await db.dispose()
    heavy = sorted({n.split(".")[0] for n in sys.modules} & {"aiogram", "pandas", "numpy", "scipy", "spacy", "sklearn"})
    print(json.dumps({"pages": pages, "heavy": heavy}))

asyncio.run(main())
"""


def test_the_first_pages_wait_for_no_heavy_library(tmp_path: Path):
    """A restarted service answers before aiogram, pandas, spaCy or scipy are loaded (seconds each here)."""
    report = run(FIRST_PAGES, SCENARI_DATABASE_URL=f"sqlite:///{tmp_path / 'web.db'}",
                 SCENARI_SECRET_KEY="test-secret-key-for-the-web-channel-0123456789")
    assert report["pages"] == [200, 200, 200, 200]
    assert report["heavy"] == []


def test_every_aiogram_model_and_answer_builds_on_first_use():
    report = run(EVERY_MODEL, TELEGRAM_BOT_TOKEN=DEFAULT_TOKEN)
    assert report["failures"] == []
    assert report["models"] > 500 and report["answers"] > 100  # aiogram's whole Bot API, not a sample
    assert report["built"] == report["models"] + report["answers"]
