"""Newsletters and event invitations in each reader's language, German included (Bozen/Bolzano):
before, a broadcast had only an Italian and an English text, so a German subscriber read Italian."""

from __future__ import annotations

import asyncio
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest

from bot.cli import main as cli_main
from bot.service import communication
from bot.service.communication import Plan
from bot.service.notice import load_notice
from bot.service.plan import use_plan
from bot.telegram.handlers.communication import parse_newsletter
from bot.telegram.sender import Sender
from storage import Database, events, repository
from storage.audiences import NEWSLETTER
from tests.bot.service.communication.comm_helpers import sender_bot, subscribers
from tests.support.fake_bot_api import FakeBotAPI
from tests.support.plans import BOLZANO


async def _drain(db: Database, api: FakeBotAPI) -> None:
    bot = sender_bot(api)
    try:
        await asyncio.wait_for(Sender(db, bot, Plan(rate=0)).run(until_done=True), timeout=30)
    finally:
        await bot.session.close()


async def test_a_bozen_newsletter_and_invitation_reach_each_reader_in_their_language(
    sqlite_db: Database, api: FakeBotAPI, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    db = sqlite_db
    monkeypatch.setenv("SCENARI_DATABASE_URL", db.url)
    monkeypatch.setenv("SCENARI_PLAN_DIR", str(BOLZANO.root))
    monkeypatch.setenv("TELEGRAM_BOT_TOKEN", "")
    monkeypatch.chdir(tmp_path)
    version = load_notice(BOLZANO.root / "privacy.yaml").version  # Bozen's notice: the consents it counts
    for uid, lang in ((1, "de"), (2, "it"), (3, "en")):
        rid = (await subscribers(db, api, [uid], lang=lang, opt_in=False))[uid]
        async with db.transaction() as session:
            await repository.record_consent(session, rid, NEWSLETTER, True, version)
    german = tmp_path / "news.de.md"
    german.write_text("Hallo zusammen, **danke** fürs Mitmachen!", encoding="utf-8")

    create = ["broadcast", "create", "--text-it", "Ciao a tutti, **grazie**!", "--text-en", "Hello all, **thanks**!",
              "--text", f"de={german}", "--schedule"]
    assert await asyncio.to_thread(cli_main, create) == 0
    assert "reaches 3 subscribers" in capsys.readouterr().out
    assert await asyncio.to_thread(cli_main, ["broadcast", "preview", "1"]) == 0
    preview = capsys.readouterr().out
    assert "--- de ---\nHallo zusammen, <b>danke</b> fürs Mitmachen!" in preview
    assert "(it 1, en 1, de 1)" in preview  # each language counted as itself, German no longer inside "it"
    # a language the plan does not speak is one line naming it
    assert await asyncio.to_thread(cli_main, ["broadcast", "create", "--text-it", "x", "--text", "fr=Bonjour"]) == 2
    assert "'fr' is not a language of the plan (de, it, en)" in capsys.readouterr().err

    use_plan(BOLZANO)
    plan = Plan(rate=0, languages=BOLZANO.languages)
    async with db.transaction() as session:
        event = await events.create_event(session, "Werkstatt Mobilität", "Rathaus",
                                          datetime.now(timezone.utc) + timedelta(days=7))
        await communication.invite(session, event.id, {}, plan)
    await _drain(db, api)

    def texts(chat: int) -> list[str]:
        return [m.text or "" for m in api.chat(chat).bot_messages]

    assert "Hallo zusammen, danke fürs Mitmachen!" in texts(1)
    assert "Ciao a tutti, grazie!" in texts(2) and "Hello all, thanks!" in texts(3)
    invitation = next(t for t in texts(1) if "Werkstatt Mobilität" in t)
    assert "Kommst du?" in invitation
    assert not any("Ciao a tutti" in t for t in texts(1))


def test_a_newsletter_from_the_chat_takes_a_section_per_language():
    spec, at, text_it, text_en, buttons, others = parse_newsletter(
        "/newsletter all\nCiao!\n--- en\nHello!\n--- de\nHallo!\n+button results")
    assert (spec, at, text_it, text_en, buttons, others) == ("all", None, "Ciao!", "Hello!", ["results"], {"de": "Hallo!"})
    assert parse_newsletter("/newsletter\nCiao!\n---\nHello!")[2:4] == ("Ciao!", "Hello!")  # a bare --- is English
