"""The web channel in process: the real ASGI app over httpx, on the `db` fixture's database."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import httpx
import pytest
from fastapi import FastAPI

from bot.settings import Settings
from bot.web import create_app
from storage import Database
from tests.support.web_pages import WebUser, asgi_client

SECRET = "test-secret-key-for-the-web-channel-0123456789"


@pytest.fixture
def web_settings(tmp_path: Path) -> Settings:
    return Settings(  # type: ignore[call-arg]
        SCENARI_DATABASE_URL=f"sqlite:///{tmp_path / 'unused.db'}",  # the app is given `db`
        SCENARI_SECRET_KEY=SECRET,
    )


@pytest.fixture
def app(db: Database, web_settings: Settings, tmp_path: Path) -> FastAPI:
    return create_app(web_settings, db, key_file=tmp_path / "secret_key")


@pytest.fixture
async def client(app: FastAPI) -> AsyncIterator[httpx.AsyncClient]:
    async with asgi_client(app) as c:
        yield c


@pytest.fixture
def user(client: httpx.AsyncClient) -> WebUser:
    return WebUser(client)
