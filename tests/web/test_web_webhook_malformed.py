"""Malformed updates on the webhook get a 400 (never a 500), and nothing is stored or sent.

Telegram sends well-formed updates, but the webhook is a public URL: whoever holds the secret
(or a misbehaving test server) can post anything. Polling's side of the same checks is in
tests/e2e/test_telegram_malformed_updates.py.
"""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from fastapi import FastAPI
from sqlalchemy import func, select

from bot.settings import Settings
from bot.web import create_app
from bot.web.webhook import SECRET_HEADER, WEBHOOK_PATH
from storage import Database
from storage.models import ProcessedUpdate, Respondent
from tests.support.fake_bot_api import DEFAULT_TOKEN, FakeBotAPI
from tests.support.web_pages import asgi_client

PRIVATE_CHAT = {"id": 5005, "type": "private", "first_name": "Ada"}
SENDER = {"id": 5005, "is_bot": False, "first_name": "Ada", "language_code": "it"}


def message(**extra: object) -> dict[str, object]:
    return {"message_id": 1, "date": 1_700_000_000, "chat": PRIVATE_CHAT, "text": "/start imprese", **extra}


MALFORMED = {
    "no event": b'{"update_id": 1}',
    "nested 100000 deep": b"[" * 100_000,
    "nested object 100000 deep": b'{"a":' * 100_000,
    "update id out of range": json.dumps({"update_id": 10**23, "message": message(**{"from": SENDER})}).encode(),
    "negative update id": json.dumps({"update_id": -(2**70), "message": message(**{"from": SENDER})}).encode(),
    "message without from": json.dumps({"update_id": 7, "message": message()}).encode(),
    "edited message without from": json.dumps({"update_id": 8, "edited_message": {**message(), "edit_date": 1}}).encode(),
    "a list": b"[1, 2, 3]",
    "a string": b'"update"',
    "not utf-8": b'{"update_id": 9, "message": "\xff\xfe"}',
}


@pytest.fixture
async def webhook_app(api: FakeBotAPI, db: Database, tmp_path: Path) -> AsyncIterator[FastAPI]:
    settings = Settings(  # type: ignore[call-arg]
        SCENARI_DATABASE_URL=f"sqlite:///{tmp_path / 'unused.db'}",
        SCENARI_SECRET_KEY="test-secret-key-for-the-web-channel-0123456789",
        TELEGRAM_BOT_TOKEN=DEFAULT_TOKEN,
        TELEGRAM_API_BASE=api.base_url,
        TELEGRAM_WEBHOOK_URL="https://scenari.example.org/telegram/webhook",
    )
    app = create_app(settings, db, key_file=tmp_path / "key")
    async with app.router.lifespan_context(app):
        yield app


async def count(db: Database, model: type) -> int:
    async with db.transaction() as session:
        return int(await session.scalar(select(func.count()).select_from(model)) or 0)


async def test_malformed_updates_are_400s_and_a_good_one_is_still_answered(
    webhook_app: FastAPI, api: FakeBotAPI, db: Database, caplog
):
    headers = {SECRET_HEADER: webhook_app.state.telegram.secret_token, "content-type": "application/json"}
    async with asgi_client(webhook_app) as client:
        for name, body in MALFORMED.items():
            response = await client.post(WEBHOOK_PATH, content=body, headers=headers)
            assert response.status_code == 400 and response.json()["ok"] is False, name
        assert "update failed" not in caplog.text and "request failed" not in caplog.text
        assert api.calls_of("sendMessage") == []
        assert await count(db, ProcessedUpdate) == 0 and await count(db, Respondent) == 0

        user = api.user(5006, "Bea", language_code="it")
        update = await user.send_command("/start imprese")
        assert (await client.post(WEBHOOK_PATH, json=update, headers=headers)).status_code == 200
    assert "Accetta di partecipare?" in ((await user.wait_reply()).text or "")
    assert await count(db, ProcessedUpdate) == 1
