"""Subscribers, a fake clock and the local Bot API server for the communication plan's tests."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from tests.support.fake_bot_api import FakeBotAPI


@pytest.fixture
async def api() -> AsyncIterator[FakeBotAPI]:
    async with FakeBotAPI() as server:
        yield server
