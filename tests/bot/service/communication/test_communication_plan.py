"""Reminders on a fake clock, RSVP and the waiting list, feedback of results, the opt-in, segments."""

from __future__ import annotations

import asyncio
from datetime import datetime, timedelta, timezone
from pathlib import Path
from zoneinfo import ZoneInfo

import pandas as pd
from sqlalchemy import update

from bot.service import communication
from bot.service.catalog import QuestionnaireCatalog
from bot.service.communication import Plan
from bot.service.conversation import Conversation
from bot.settings import Settings
from bot.telegram.app import build_dispatcher
from bot.telegram.sender import Sender
from dialogs import RunState
from exports.attendance import write_attendance
from sqlalchemy import select

from storage import Database, audiences, events, jobs, outbox, register, repository
from storage.models import OutboxMessage, Run, RunOutcome
from tests.bot.service.communication.comm_helpers import sender_bot, sends_per_chat, subscribers
from tests.support.fake_bot_api import DEFAULT_TOKEN, FakeBotAPI, parse_html

ROME = ZoneInfo("Europe/Rome")


class FakeClock:
    def __init__(self, now: datetime) -> None:
        self.now = now

    def __call__(self) -> datetime:
        return self.now


async def _drain(db: Database, api: FakeBotAPI, clock: FakeClock, catalog=None) -> Sender:
    bot = sender_bot(api)
    sender = Sender(db, bot, Plan(rate=0), catalog, clock=clock)
    try:
        await asyncio.wait_for(sender.run(until_done=True), timeout=30)
    finally:
        await bot.session.close()
    return sender


async def _started_run(db: Database, catalog: QuestionnaireCatalog, user: int, at: datetime) -> int:
    conversation = Conversation(catalog)
    async with db.transaction() as session:
        respondent = await repository.get_respondent(session, "telegram", str(user))
        await conversation.begin(session, respondent, "imprese")
        run = await repository.open_run(session, respondent.id)
        await session.execute(update(Run).where(Run.id == run.id).values(updated_at=at))
        return run.id


async def test_reminders_fire_on_a_fake_clock_respect_quiet_hours_and_stop_on_completion(
    db: Database, api: FakeBotAPI, catalog: QuestionnaireCatalog,
) -> None:
    plan = Plan(reminder_delays=(24.0, 96.0), reminder_max=2, quiet_hours="21:00-09:00")
    await subscribers(db, api, [1, 2, 3])
    t0 = datetime(2026, 12, 1, 11, 0, tzinfo=ROME).astimezone(timezone.utc)
    run1 = await _started_run(db, catalog, 1, t0)
    run2 = await _started_run(db, catalog, 2, t0)
    run3 = await _started_run(db, catalog, 3, t0)
    async with db.transaction() as session:  # 2 pauses (/annulla), 3 opts out (/disiscrivi)
        await session.execute(update(Run).where(Run.id == run2).values(status="paused"))
        r3 = await repository.get_respondent(session, "telegram", "3")
        await repository.record_consent(session, r3.id, audiences.NEWSLETTER, False, "test")
    clock = FakeClock(t0 + timedelta(hours=23))
    assert await communication.scan_reminders(db, plan, catalog, clock.now) == 0  # not yet
    clock.now = t0 + timedelta(hours=25)  # 12:00 in Rome
    assert await communication.scan_reminders(db, plan, catalog, clock.now) == 1
    assert await communication.scan_reminders(db, plan, catalog, clock.now) == 0  # once
    await _drain(db, api, clock, catalog)
    assert sends_per_chat(api) == {1: 1}
    reminder = api.chat(1).bot_messages[-1]
    assert "è rimasto a metà" in reminder.text and reminder.buttons == ["▶ Riprendi"]

    clock.now = datetime(2026, 12, 5, 23, 0, tzinfo=ROME).astimezone(timezone.utc)  # 108 h later, at night
    assert await communication.scan_reminders(db, plan, catalog, clock.now) == 1
    async with db.transaction() as session:
        row = await session.scalar(select(OutboxMessage).where(OutboxMessage.dedupe_key == f"rem:{run1}:1"))
        assert outbox.aware(row.not_before).astimezone(ROME) == datetime(2026, 12, 6, 9, 0, tzinfo=ROME)
    # the person completes the questionnaire before the morning: the reminder is never sent
    async with db.transaction() as session:
        await session.execute(update(Run).where(Run.id == run1).values(status="completed"))
    clock.now = datetime(2026, 12, 6, 9, 1, tzinfo=ROME).astimezone(timezone.utc)
    sender = await _drain(db, api, clock, catalog)
    assert sender.stats.skipped == 1 and sends_per_chat(api) == {1: 1}
    clock.now += timedelta(days=30)
    assert await communication.scan_reminders(db, plan, catalog, clock.now) == 0  # at most two, and done


async def test_the_resume_button_of_a_reminder_resumes_the_run(db: Database, api: FakeBotAPI, catalog, tmp_path: Path) -> None:
    settings = Settings(SCENARI_DATABASE_URL=f"sqlite:///{tmp_path / 'x.db'}", TELEGRAM_BOT_TOKEN=DEFAULT_TOKEN,  # type: ignore[call-arg]
                        TELEGRAM_API_BASE=api.base_url)
    await subscribers(db, api, [1])
    t0 = datetime(2026, 12, 1, 11, 0, tzinfo=ROME).astimezone(timezone.utc)
    await _started_run(db, catalog, 1, t0)
    clock = FakeClock(t0 + timedelta(hours=25))
    await communication.scan_reminders(db, Plan(), catalog, clock.now)
    await _drain(db, api, clock, catalog)
    async with api.polling(build_dispatcher(db, settings)):
        user = api.users[1]
        user.mark_seen()
        await user.press("▶ Riprendi")
        await user.wait_text("In quale settore")


async def test_rsvp_over_capacity_goes_to_the_waiting_list_and_moves_up(
    db: Database, api: FakeBotAPI, tmp_path: Path,
) -> None:
    settings = Settings(SCENARI_DATABASE_URL=f"sqlite:///{tmp_path / 'x.db'}", TELEGRAM_BOT_TOKEN=DEFAULT_TOKEN,  # type: ignore[call-arg]
                        TELEGRAM_API_BASE=api.base_url)
    plan = Plan.from_settings(settings)
    await subscribers(db, api, [1, 2, 3, 4])
    starts = datetime(2026, 12, 20, 18, 0, tzinfo=ROME).astimezone(timezone.utc)
    async with db.transaction() as session:
        event = await events.create_event(session, "Workshop di lancio", "Palazzo Comunale", starts, capacity=2)
        await communication.invite(session, event.id, {}, plan)
    clock = FakeClock(datetime(2026, 12, 10, 10, 0, tzinfo=timezone.utc))
    await _drain(db, api, clock)
    invitation = api.chat(1).bot_messages[-1]
    assert "Workshop di lancio" in invitation.text and invitation.buttons == ["Sì", "No", "Forse"]
    async with api.polling(build_dispatcher(db, settings)):
        for uid in (1, 2, 3):
            user = api.users[uid]
            user.mark_seen()
            await user.press("Sì")
            await user.wait_text("Workshop di lancio")
        assert "lista d'attesa (posizione 1)" in api.chat(3).bot_messages[-1].text
        await api.users[4].press("Forse")
        await api.users[4].wait_text("forse")
        await api.users[1].press("No")  # a place frees up: 3 moves up
        await api.users[1].wait_text("Grazie")
    async with db.transaction() as session:
        assert await events.counts(session, event.id) == {"confirmed": 2, "declined": 1, "maybe": 1}
    await _drain(db, api, clock)
    assert "si è liberato un posto" in api.chat(3).bot_messages[-1].text
    # the day before: a reminder to the confirmed ones only
    assert await communication.scan_event_reminders(db, plan, starts - timedelta(hours=23)) == 2
    clock.now = starts - timedelta(hours=23)
    await _drain(db, api, clock)
    assert "Promemoria" in api.chat(2).bot_messages[-1].text and "Promemoria" in api.chat(3).bot_messages[-1].text
    assert "Promemoria" not in (api.chat(1).bot_messages[-1].text or "")
    async with db.transaction() as session:
        rows = await events.attendance(session, event.id)
    path = write_attendance(rows, tmp_path / "presenze.xlsx", "Workshop di lancio")
    sheet = pd.read_excel(path)
    assert list(sheet["status"]) == ["confirmed", "confirmed", "maybe", "declined"]
    assert "external_id" not in sheet.columns and "1" not in sheet["respondent"].astype(str).tolist()


async def test_capacity_holds_under_a_storm_of_yes(db: Database) -> None:
    ids = await subscribers(db, None, list(range(1, 11)))
    async with db.transaction() as session:
        event = await events.create_event(session, "Tavolo", "Sala", datetime(2030, 1, 1, tzinfo=timezone.utc), capacity=3)
    for uid, rid in ids.items():
        async with db.transaction() as session:
            await events.rsvp(session, event.id, rid, "yes", uid, "it")
    async with db.transaction() as session:
        assert await events.counts(session, event.id) == {"confirmed": 3, "waiting": 7}
        assert await events.waiting_position(session, event.id, ids[10]) == 7


async def _firm(db: Database, user: int, profile: str, subscribed: bool = True) -> None:
    ids = await subscribers(db, None, [user], opt_in=subscribed)
    async with db.transaction() as session:
        run = Run(respondent_id=ids[user], questionnaire_id="imprese", questionnaire_version=1, status="completed",
                  state={}, completed_at=datetime.now(timezone.utc))
        session.add(run)
        await session.flush()
        session.add(RunOutcome(run_id=run.id, key="profile", value=profile))


async def test_feedback_of_a_snapshot_is_personal_once_and_hides_small_groups(
    db: Database, catalog: QuestionnaireCatalog,
) -> None:
    for user, profile in [(1, "inseguitrice"), (2, "inseguitrice"), (3, "inseguitrice"), (4, "inseguitrice"),
                          (5, "anticipatrice")]:
        await _firm(db, user, profile, subscribed=user in (1, 5))
    async with db.transaction() as session:
        snapshot = await jobs.record_snapshot(session, kind="convergence", computed_at=datetime.now(timezone.utc),
                                              answers=5, counts={}, path="x.xlsx")
    plan = Plan(suppress_k=3)
    assert await communication.scan_feedback(db, plan, catalog, snapshot_id=snapshot.id) == 2
    assert await communication.scan_feedback(db, plan, catalog, snapshot_id=snapshot.id) == 0  # once per snapshot
    async with db.transaction() as session:
        rows = {r.chat_id: r.payload["html"] for r in await session.scalars(select(OutboxMessage))}
    assert set(rows) == {1, 5}
    assert "<b>Impresa inseguitrice</b>" in rows[1] and "<b>Impresa anticipatrice</b>" in rows[5]
    assert "Impresa anticipatrice: meno di 3" in rows[1]  # one firm: never shown as a number
    # nor by subtraction: 5 firms, 80 % inseguitrici and 0 % non innovative would give the 1 back
    assert "Impresa inseguitrice: non mostrato" in rows[1] and "80%" not in rows[1]


async def test_opt_in_is_asked_once_on_telegram_and_revocable(db: Database, catalog: QuestionnaireCatalog) -> None:
    hook = communication.NewsletterOptIn()
    conversation = Conversation(catalog)
    async with db.transaction() as session:
        r = await repository.get_or_create_respondent(session, "telegram", "77", "it")
        web = await repository.get_or_create_respondent(session, "web", "abc", "it")
        q = catalog.current("imprese")
        state = RunState.from_json({"questionnaire_id": "imprese", "version": q.version, "lang": "it"}) if False else None
        asked = await hook(session, r, None, q, type("S", (), {"lang": "it"})())  # type: ignore[arg-type]
        assert asked and asked[0].question_key == communication.NEWSLETTER_KEY
        assert await hook(session, web, None, q, type("S", (), {"lang": "it"})()) == []  # type: ignore[arg-type]
        assert "Iscrizione registrata" in await communication.set_subscription(session, r, True)
        assert await hook(session, r, None, q, type("S", (), {"lang": "it"})()) == []  # type: ignore[arg-type]
        assert "iscritto (/disiscrivi" in await conversation.privacy_report(session, r)
        assert "non riceverà più" in await communication.set_subscription(session, r, False)
        assert "non iscritto" in await conversation.privacy_report(session, r)
        assert (await audiences.count(session, {}))["total"] == 0


async def test_segments_filter_and_count_only(db: Database) -> None:
    ids = await subscribers(db, None, [1, 2, 3, 4])
    await subscribers(db, None, [5], lang="en")
    async with db.transaction() as session:
        await register.import_actors(session, [register.ActorRow("cna", "CNA Cremona", "trade_association"),
                                               register.ActorRow("arvedi", "Arvedi", "firm")])
        for uid, code in ((1, "cna"), (2, "arvedi"), (5, "arvedi")):
            actor = await register.get_actor(session, code)
            invitation = await register.create_invitation(session, actor)
            await register.redeem_invitation(session, invitation, ids.get(uid) or (await repository.get_respondent(session, "telegram", str(uid))).id)
        assert (await audiences.count(session, communication.parse_segment("category=firm"))) == {"total": 2, "it": 1, "en": 1}
        assert (await audiences.count(session, communication.parse_segment("category=firm;lang=en")))["total"] == 1
        assert (await audiences.count(session, communication.parse_segment("invitation=invited")))["total"] == 3
        assert (await audiences.count(session, communication.parse_segment("all")))["total"] == 5
        await audiences.save_segment(session, "imprese", communication.parse_segment("category=firm"))
        assert await communication.resolve_segment(session, "imprese") == {"category": ["firm"]}
    try:
        communication.parse_segment("colour=red")
    except audiences.SegmentError as exc:
        assert "unknown filter" in str(exc)
    else:
        raise AssertionError("an unknown filter must be refused")


def test_markdown_renders_safe_telegram_html() -> None:
    cases = {
        "**bold** and _it_ and `a<b>` and ~~old~~": "<b>bold</b> and <i>it</i> and <code>a&lt;b&gt;</code> and <s>old</s>",
        "[site](https://x.org/?a=1&b=2)": '<a href="https://x.org/?a=1&amp;b=2">site</a>',
        '[quote](https://x.org/"onclick)': '[quote](https://x.org/"onclick)',
        "[bad](javascript:alert(1))": "[bad](javascript:alert(1))",
        "<b>raw</b> & snake_case_name": "&lt;b&gt;raw&lt;/b&gt; &amp; snake_case_name",
        "**unclosed *mix**": "<b>unclosed *mix</b>",
        "**a _b** c_": "**a _b** c_",  # markers that do not nest: sent plain
    }
    for source, expected in cases.items():
        rendered = communication.markdown_html(source)
        assert rendered == expected, (source, rendered)
        parse_html(rendered)  # Telegram accepts it


def test_quiet_hours_in_the_city_time_zone() -> None:
    plan = Plan(quiet_hours="21:00-09:00")
    night = datetime(2026, 7, 1, 22, 30, tzinfo=ROME)
    assert plan.out_of_quiet_hours(night).astimezone(ROME) == datetime(2026, 7, 2, 9, 0, tzinfo=ROME)
    early = datetime(2026, 7, 2, 6, 0, tzinfo=ROME)
    assert plan.out_of_quiet_hours(early).astimezone(ROME) == datetime(2026, 7, 2, 9, 0, tzinfo=ROME)
    day = datetime(2026, 7, 2, 15, 0, tzinfo=ROME)
    assert plan.out_of_quiet_hours(day) == day


async def test_an_analyst_sends_a_newsletter_to_one_category_from_the_chat(
    db: Database, api: FakeBotAPI, tmp_path: Path,
) -> None:
    analyst = 4242
    settings = Settings(SCENARI_DATABASE_URL=f"sqlite:///{tmp_path / 'x.db'}", TELEGRAM_BOT_TOKEN=DEFAULT_TOKEN,  # type: ignore[call-arg]
                        TELEGRAM_API_BASE=api.base_url, SCENARI_ANALYSTS=str(analyst))
    ids = await subscribers(db, api, [1, 2])
    await subscribers(db, api, [3], lang="en")
    async with db.transaction() as session:
        await register.import_actors(session, [register.ActorRow("cna", "CNA", "trade_association"),
                                               register.ActorRow("arvedi", "Arvedi", "firm")])
        for uid, code in ((1, "arvedi"), (2, "cna"), (3, "arvedi")):
            invitation = await register.create_invitation(session, await register.get_actor(session, code))
            rid = ids.get(uid) or (await repository.get_respondent(session, "telegram", str(uid))).id
            await register.redeem_invitation(session, invitation, rid)
    boss = api.user(analyst, language_code="it")
    async with api.polling(build_dispatcher(db, settings)):
        await boss.send_text("/newsletter category=firm\nCare imprese, **grazie**!\n--- en\nDear firms, **thank you**!\n"
                             "+button questionnaire:imprese")
        preview = await boss.wait_text("Care imprese")
        assert preview.buttons and preview.buttons[0].startswith("📝")
        draft = await boss.wait_text("raggiunge 2 iscritti")
        await boss.press("✅ Invia")
        await boss.wait_text("programmata")
        await api.users[2].send_text("/disiscrivi")
        await api.users[2].wait_text("non riceverà più")
        await api.users[1].send_text("/privacy")
        await api.users[1].wait_text("Aggiornamenti del piano: iscritto")
    await _drain(db, api, FakeClock(datetime.now(timezone.utc)))
    assert api.chat(1).bot_messages[-1].text == "Care imprese, grazie!"
    assert api.chat(3).bot_messages[-1].text == "Dear firms, thank you!"
    assert all("Care imprese" not in (m.text or "") for m in api.chat(2).bot_messages)  # not a firm
    assert draft is not None
