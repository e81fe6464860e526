"""A newsletter consent stands only under the notice as its newsletter purpose reads now.

When the city changes the newsletter purpose (privacy.yaml: ``purposes.newsletter.changed_in``),
whoever subscribed under an older notice gets nothing more — broadcasts, results feedback,
reminders — and is not counted, until asked again at the end of the next questionnaire.
"""

from __future__ import annotations

import asyncio
import dataclasses
import shutil
from collections.abc import Iterator
from datetime import datetime, timezone
from pathlib import Path
from types import SimpleNamespace

import pytest
import yaml
from sqlalchemy import String, literal, select

from bot.plan import DEFAULT_PLAN_DIR
from bot.service.communication import NEWSLETTER_KEY, NewsletterOptIn, Plan, privacy_lines, set_subscription
from bot.service.notice import _CURRENT, load_notice, use_notice, version_key
from bot.settings import Settings
from bot.telegram.sender import Sender
from storage import Database, audiences, outbox, repository
from storage.models import OutboxMessage
from tests.bot.service.communication.comm_helpers import sender_bot, sends_per_chat, subscribers
from tests.support.fake_bot_api import DEFAULT_TOKEN, FakeBotAPI

CHANGED = "2027-01-15"  # the notice in which the newsletter purpose changed


def changed_plan(tmp_path: Path) -> Path:
    """Cremona's plan folder with a notice whose newsletter purpose changed on 15 January 2027."""
    folder = tmp_path / "plan"
    shutil.copytree(DEFAULT_PLAN_DIR, folder)
    data = yaml.safe_load((folder / "privacy.yaml").read_text(encoding="utf-8"))
    data["version"], data["published"] = CHANGED, CHANGED
    newsletter = next(p for p in data["purposes"] if p["id"] == "newsletter")
    newsletter["changed_in"] = CHANGED
    newsletter["description"]["it"] += " Ora anche con i risultati per quartiere."
    (folder / "privacy.yaml").write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=False), encoding="utf-8")
    return folder


@pytest.fixture
def settings(tmp_path: Path, api: FakeBotAPI) -> Settings:
    return Settings(SCENARI_PLAN_DIR=changed_plan(tmp_path), TELEGRAM_BOT_TOKEN=DEFAULT_TOKEN,  # type: ignore[call-arg]
                    TELEGRAM_API_BASE=api.base_url)


@pytest.fixture
def changed_notice(settings: Settings) -> Iterator[None]:
    """The process runs under the changed notice (what conversation_from_settings sets)."""
    before = list(_CURRENT)
    use_notice(load_notice(settings.plan.privacy, settings.plan.languages))
    yield
    _CURRENT[:] = before


async def _subscribed_under(db: Database, api: FakeBotAPI, versions: dict[int, list[str]]) -> dict[int, int]:
    """Subscribers (user id → respondent id) whose newsletter decisions were recorded under ``versions``."""
    ids = await subscribers(db, api, list(versions), opt_in=False)
    async with db.transaction() as session:
        for user, recorded in versions.items():
            for version in recorded:
                await repository.record_consent(session, ids[user], audiences.NEWSLETTER, True, version)
    return ids


async def _send(db: Database, api: FakeBotAPI, plan: Plan) -> None:
    bot = sender_bot(api)
    try:
        await asyncio.wait_for(Sender(db, bot, dataclasses.replace(plan, rate=0)).run(until_done=True), timeout=60)
    finally:
        await bot.session.close()


async def _broadcast(db: Database) -> int:
    async with db.transaction() as session:
        return (await outbox.create_broadcast(session, segment={}, text_it="Novità del piano", text_en="Plan news",
                                              status="scheduled")).id


OLDER = {1: ["2026-11"], 2: ["newsletter-1"], 3: ["1"], 4: ["2027-01"]}  # before 2027-01-15, or no date at all
LATER = {5: [CHANGED], 6: ["2026-11", "2027-02"]}  # under the changed notice (6: subscribed again)


async def test_a_subscriber_of_an_older_notice_is_neither_counted_nor_sent_a_broadcast(
    db: Database, api: FakeBotAPI, settings: Settings,
) -> None:
    await _subscribed_under(db, api, {**OLDER, **LATER})
    plan = Plan.from_settings(settings)
    assert plan.newsletter_since == CHANGED
    async with db.transaction() as session:
        assert await audiences.count(session, {}, plan.newsletter_since) == {"total": 2, "it": 2, "en": 0}
        assert await audiences.count(session, {}) == {"total": 6, "it": 6, "en": 0}  # no notice given: every grant
    broadcast_id = await _broadcast(db)
    await _send(db, api, plan)
    assert set(sends_per_chat(api)) == set(LATER)
    assert api.chat(5).bot_messages[-1].text == "Novità del piano"
    async with db.transaction() as session:
        assert await outbox.counts(session, broadcast_id) == {"sent": 2}


async def test_rows_queued_before_the_change_are_skipped_at_send_time(
    db: Database, api: FakeBotAPI, settings: Settings,
) -> None:
    """A broadcast expanded under the old notice, a reminder and a results feedback still in the queue."""
    ids = await _subscribed_under(db, api, {1: ["2026-11"], 5: [CHANGED]})
    async with db.transaction() as session:
        await outbox.enqueue(session, [
            {"dedupe_key": f"{kind}{user}", "kind": kind, "respondent_id": ids[user], "chat_id": user,
             "payload": {"html": f"{kind} per {user}"}}
            for user in (1, 5) for kind in ("newsletter", "feedback", "event")
        ])
    await _send(db, api, Plan.from_settings(settings))
    assert sends_per_chat(api) == {5: 3}
    async with db.transaction() as session:
        statuses = {(r.chat_id, r.kind): r.status for r in await session.scalars(select(OutboxMessage))}
    assert {k: v for k, v in statuses.items() if k[0] == 1} == {(1, "newsletter"): "skipped", (1, "feedback"): "skipped",
                                                                 (1, "event"): "skipped"}


async def test_the_reminders_path_skips_an_older_consent_too(db: Database, api: FakeBotAPI, settings: Settings) -> None:
    """A group with a reminder takes the other way through mark_inflight (opted_out): the same answer."""
    ids = await _subscribed_under(db, api, {1: ["2026-11"], 5: [CHANGED]})
    plan = Plan.from_settings(settings)
    async with db.transaction() as session:
        assert await audiences.opted_out(session, ids.values(), plan.newsletter_since) == {ids[1]}
        assert await audiences.opted_out(session, ids.values()) == set()
        await outbox.enqueue(session, [
            {"dedupe_key": f"n{user}", "kind": "newsletter", "respondent_id": ids[user], "chat_id": user,
             "payload": {"html": "x"}} for user in (1, 5)
        ] + [{"dedupe_key": "r5", "kind": "reminder", "respondent_id": ids[5], "chat_id": 5, "payload": {"html": "r"}}])
    now = datetime.now(timezone.utc)
    async with db.transaction() as session:
        rows = await outbox.claim(session, "h", 10, 30, now)
        send, skip = await outbox.mark_inflight(session, "h", rows, now, plan.newsletter_since)
    by_id = {r.id: (r.chat_id, r.kind) for r in rows}
    assert [by_id[i] for i in skip] == [(1, "newsletter")]
    assert (5, "newsletter") in [by_id[i] for i in send]


async def test_asked_again_at_the_end_of_a_questionnaire_and_sent_news_once_agreed(
    db: Database, api: FakeBotAPI, settings: Settings, changed_notice: None,
) -> None:
    ids = await _subscribed_under(db, api, {1: ["2026-11"]})
    state = SimpleNamespace(lang="it")
    async with db.transaction() as session:
        respondent = await repository.get_respondent(session, "telegram", "1")
        asked = await NewsletterOptIn()(session, respondent, None, None, state)  # type: ignore[arg-type]
    assert [m.question_key for m in asked] == [NEWSLETTER_KEY]
    first, question = asked[0].text.split("\n")
    assert first == ("Abbiamo aggiornato l'informativa sulla privacy (informativa del 15 gennaio 2027) e "
                     "«Newsletter del piano» è cambiata: ti chiediamo di nuovo il consenso.")
    assert question.startswith("Vuole ricevere qui gli aggiornamenti")
    async with db.transaction() as session:  # /privacy says why nothing comes
        assert "Aggiornamenti del piano: sospesi, perché l'informativa sulla newsletter è cambiata; per riceverli " \
               "di nuovo: /iscriviti." in await privacy_lines(session, respondent)
    async with db.transaction() as session:
        await set_subscription(session, respondent, True)  # «Sì, mi iscrivo»
        assert await repository.latest_consent(session, ids[1], audiences.NEWSLETTER) == (True, CHANGED)
        assert await NewsletterOptIn()(session, respondent, None, None, state) == []  # type: ignore[arg-type]
        assert "Aggiornamenti del piano: iscritto (/disiscrivi per annullare)." in await privacy_lines(session, respondent)
    await _broadcast(db)
    await _send(db, api, Plan.from_settings(settings))
    assert sends_per_chat(api) == {1: 1}


async def test_a_notice_version_is_compared_as_a_date_in_sql(db: Database) -> None:
    """The database's comparison agrees with bot.service.notice.version_key (legacy values are older)."""
    since = "2026-11-15"
    agreed = ("2026-11", "2026-11-14", "2026-11-15", "2026-11-16", "2026-12", "2027-01-01", "1", "newsletter-1", "t", "")
    async with db.transaction() as session:
        stands = [bool(await session.scalar(select(audiences.agreed_since(literal(a, String), since)))) for a in agreed]
    assert stands == [version_key(a) is not None and version_key(a) >= version_key(since) for a in agreed]  # type: ignore[operator]
    with pytest.raises(ValueError):
        audiences.agreed_since(OutboxMessage.kind, "newsletter-2")
