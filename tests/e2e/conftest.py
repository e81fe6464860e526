"""A simulated person talks to the real bot (aiogram polling) through a local Bot API server.

The ``api`` fixture (the fake server) is shared by every test: tests/conftest.py.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from aiogram import Dispatcher

from bot.settings import Settings
from bot.telegram.app import build_dispatcher
from storage import Database
from tests.support.fake_bot_api import DEFAULT_TOKEN, FakeBotAPI

ANALYST_ID = 4242


@pytest.fixture
def settings(api: FakeBotAPI, tmp_path: Path) -> Settings:
    return Settings(  # type: ignore[call-arg]
        SCENARI_DATABASE_URL=f"sqlite:///{tmp_path / 'scenari.db'}",
        TELEGRAM_BOT_TOKEN=DEFAULT_TOKEN,
        TELEGRAM_API_BASE=api.base_url,
        SCENARI_ANALYSTS=str(ANALYST_ID),
    )


@pytest.fixture
def dispatcher(db: Database, settings: Settings) -> Dispatcher:
    return build_dispatcher(db, settings)
