"""The sender through the local Bot API server: pace, 429, 403, lost answers, cancel, two instances, documents.

Each sender runs on its own fake clock (:class:`SenderClock`): the tests assert its pacing
decisions — when each call left it — never the wall clock.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from pathlib import Path

import pytest
from sqlalchemy import select

from storage import Database, audiences, outbox, repository
from storage.models import OutboxMessage
from bot.service import communication
from bot.service.communication import Plan
from bot.telegram.sender import Sender
from tests.support.fake_bot_api import FakeBotAPI

from tests.bot.service.communication.comm_helpers import Launches, SenderClock, sender_bot, sends_per_chat, subscribers


async def _broadcast(db: Database, segment: dict | None = None, **fields) -> int:
    async with db.transaction() as session:
        b = await outbox.create_broadcast(
            session, segment=segment or {}, text_it=fields.pop("text_it", "Ciao **a tutti**"),
            text_en=fields.pop("text_en", "Hello **everyone**"), status="scheduled", **fields)
        return b.id


async def _run(db: Database, api: FakeBotAPI, rate: float = 0, clock: SenderClock | None = None,
               plan: Plan | None = None, on_sender: Callable[[Sender], object] | None = None,
               **kwargs) -> tuple[Sender, Launches]:
    """Run a sender until done on its own fake clock; returns it and when each call left it."""
    clock = clock or SenderClock()
    bot = sender_bot(api)
    launches = Launches(clock)
    bot.session.middleware(launches)
    plan = plan or Plan(rate=rate, chat_spacing=kwargs.pop("chat_spacing", 1.0))
    sender = Sender(db, bot, plan, monotonic=clock, sleep=clock.sleep, **kwargs)
    launches.watch(sender)
    if on_sender is not None:
        on_sender(sender)
    try:
        await asyncio.wait_for(sender.run(until_done=True), timeout=120)
    finally:
        await bot.session.close()
    return sender, launches


async def test_a_segment_gets_one_copy_each_at_the_configured_rate(db: Database, api: FakeBotAPI) -> None:
    it_users = list(range(10_001, 10_081))
    en_users = list(range(20_001, 20_041))
    await subscribers(db, api, it_users, "it")
    await subscribers(db, api, en_users, "en")
    await subscribers(db, api, [30_001], "it", opt_in=False)  # never asked: not in the audience
    broadcast_id = await _broadcast(db)
    _, launches = await _run(db, api, rate=100)
    per_chat = sends_per_chat(api)
    assert set(per_chat) == set(it_users) | set(en_users)
    assert set(per_chat.values()) == {1}
    assert api.chat(10_001).bot_messages[-1].text == "Ciao a tutti"
    assert api.chat(20_001).bot_messages[-1].text == "Hello everyone"
    # the schedule, on the sender's clock: a start-up burst of at most 5 (5% of a second's
    # worth), then one send every 1/100 s — never faster, and no slower than the rate either
    times = launches.times()
    assert len(times) == 120
    start = times[0]
    burst = sum(1 for t in times if t == start)
    assert 1 <= burst <= 5
    for k, t in enumerate(times):
        assert t == pytest.approx(start + max(0, k - burst + 1) / 100, abs=1e-6), k
    assert max(sum(1 for t in times if w <= t < w + 1.0) for w in times) <= 100 + 5
    async with db.transaction() as session:
        assert await outbox.counts(session, broadcast_id) == {"sent": 120}
        assert (await outbox.get_broadcast(session, broadcast_id)).status == "done"


async def test_429_is_honoured_and_403_marks_the_recipient_unreachable(db: Database, api: FakeBotAPI) -> None:
    ids = await subscribers(db, api, list(range(1, 41)))
    await api.users[7].block_bot()
    api.fail_next("sendMessage", 429, retry_after=1)
    broadcast_id = await _broadcast(db)
    sender, launches = await _run(db, api)
    assert sender.stats.flood_waits == 1 and sender.stats.blocked == 1
    flooded = int(api.calls_of("sendMessage")[0].params["chat_id"])
    first, again = launches.times(chat_id=flooded)
    assert again - first >= 1.0  # waited retry_after on the sender's clock
    assert all(t <= first or t >= first + 1.0 for t in launches.times())  # and nothing else meanwhile
    ok = [c for c in api.calls_of("sendMessage") if c.status == 200]
    assert sorted(int(c.params["chat_id"]) for c in ok) == [i for i in range(1, 41) if i != 7]
    async with db.transaction() as session:
        counts = await outbox.counts(session, broadcast_id)
        assert counts == {"sent": 39, "blocked": 1}
        assert await audiences.is_unreachable(session, ids[7])
        assert (await audiences.count(session, {}))["total"] == 39  # not in any audience any more
    # the next broadcast does not even try the blocked chat
    await _broadcast(db)
    await _run(db, api)
    assert sends_per_chat(api)[7] == 2 - 1  # the one refused call of the first broadcast only


async def test_a_429_without_retry_after_is_retried_after_a_second_not_failed(db: Database, api: FakeBotAPI) -> None:
    await subscribers(db, api, [1])
    api.fail_next("sendMessage", 429, retry_after=0)  # "too many requests", no wait given
    broadcast_id = await _broadcast(db)
    sender, launches = await _run(db, api)
    first, again = launches.times(chat_id=1)
    assert again - first >= 1.0 and sender.stats.flood_waits == 1  # on the sender's clock
    assert len(api.chat(1).bot_messages) == 1
    async with db.transaction() as session:
        assert await outbox.counts(session, broadcast_id) == {"sent": 1}


async def test_a_refused_connection_is_retried_with_backoff(db: Database, api: FakeBotAPI) -> None:
    await subscribers(db, api, [1, 2, 3])
    broadcast_id = await _broadcast(db)
    clock = SenderClock()
    senders: list[Sender] = []

    async def telegram_back_once_all_were_refused(seconds: float) -> bool:
        if senders[0].stats.retried < 3:
            return False
        await api.start()  # while the sender waits out its backoff
        return True

    clock.then = telegram_back_once_all_were_refused
    await api.stop()  # nothing listens: every connection is refused before a byte is sent
    sender, launches = await _run(db, api, clock=clock, on_sender=senders.append)
    assert sender.stats.retried == 3 and sender.stats.uncertain == 0
    for chat in (1, 2, 3):
        first, again = launches.times(chat_id=chat)
        assert again - first >= 1.0  # the base backoff, on the sender's clock
    async with db.transaction() as session:
        assert await outbox.counts(session, broadcast_id) == {"sent": 3}
    assert sends_per_chat(api) == {1: 1, 2: 1, 3: 1}


async def test_an_answer_lost_once_sent_leaves_the_row_uncertain_never_sent_twice(db: Database, api: FakeBotAPI) -> None:
    await subscribers(db, api, [1, 2, 3, 4, 5])
    # the first four calls reach the server and go wrong in four ways; the fifth is fine
    api.fail_next_network("sendMessage", "garble")
    api.fail_next("sendMessage", 500, after_executing=True)
    api.fail_next_network("sendMessage", "http", status=502, after_executing=True)
    api.fail_next_network("sendMessage", "disconnect")  # dropped before the server acted: nobody can tell
    broadcast_id = await _broadcast(db)
    sender, _ = await _run(db, api)
    assert sender.stats.uncertain == 4 and sender.stats.retried == 0
    assert set(sends_per_chat(api).values()) == {1}  # one call per person, never a second
    delivered = [chat for chat in range(1, 6) if api.chat(chat).bot_messages]
    assert len(delivered) == 4  # three spoilt answers were delivered all the same
    async with db.transaction() as session:
        assert await outbox.counts(session, broadcast_id) == {"uncertain": 4, "sent": 1}


async def test_with_policy_resend_a_lost_answer_is_sent_again_never_skipped(db: Database, api: FakeBotAPI) -> None:
    await subscribers(db, api, [1])
    api.fail_next_network("sendMessage", "garble")
    broadcast_id = await _broadcast(db)
    sender, _ = await _run(db, api, plan=Plan(rate=0, uncertain="resend"))
    assert sender.stats.uncertain == 0 and sender.stats.retried == 1
    async with db.transaction() as session:
        assert await outbox.counts(session, broadcast_id) == {"sent": 1}
    assert len(api.chat(1).bot_messages) == 2  # the documented price of "never skipped"


async def test_two_instances_never_send_the_same_row(db: Database, api: FakeBotAPI, tmp_path: Path) -> None:
    await subscribers(db, api, list(range(1, 301)))
    await _broadcast(db)
    # Every answer is held until both senders have a call out: they surely overlap, on any machine
    hold = api.hold_next("sendMessage", times=300)
    second = Database(db.url, schema=db.schema)
    runs: list[asyncio.Task] = []
    try:
        runs = [asyncio.create_task(_run(db, api, batch=20, holder="sender-a")),
                asyncio.create_task(_run(second, api, batch=20, holder="sender-b"))]
        await _both_have_a_call_out(db)
        hold.release()
        (a, _), (b, _) = await asyncio.gather(*runs)
    finally:
        hold.release()
        await asyncio.gather(*runs, return_exceptions=True)
        await second.dispose()
    assert a.stats.sent > 0 and b.stats.sent > 0  # both worked
    assert a.stats.sent + b.stats.sent == 300
    assert set(sends_per_chat(api).values()) == {1} and len(sends_per_chat(api)) == 300


async def _both_have_a_call_out(db: Database) -> None:
    """Bounded polling of the store (generous; nothing asserts how long it took)."""
    for _ in range(6000):
        async with db.transaction() as session:
            holders = set((await session.execute(
                select(OutboxMessage.lease_holder).where(OutboxMessage.status == "inflight").distinct())).scalars())
        if {"sender-a", "sender-b"} <= holders:
            return
        await asyncio.sleep(0.01)
    raise AssertionError(f"both senders never had a call out: {holders}")


async def test_per_chat_spacing_between_two_messages_to_one_chat(db: Database, api: FakeBotAPI) -> None:
    await subscribers(db, api, [5])
    await _broadcast(db)
    await _broadcast(db)
    _, launches = await _run(db, api, chat_spacing=0.5)
    times = launches.times()
    assert len(times) == 2 and times[1] - times[0] == pytest.approx(0.5)  # on the sender's clock


async def test_cancel_and_opt_out_before_sending(db: Database, api: FakeBotAPI) -> None:
    ids = await subscribers(db, api, [1, 2, 3])
    cancelled = await _broadcast(db)
    kept = await _broadcast(db)
    async with db.transaction() as session:
        await communication.expand_due(db)
        assert await outbox.cancel(session, cancelled) == 3
        await repository.record_consent(session, ids[2], audiences.NEWSLETTER, False, "test")  # /disiscrivi
    await _run(db, api)
    async with db.transaction() as session:
        assert await outbox.counts(session, cancelled) == {"cancelled": 3}
        assert await outbox.counts(session, kept) == {"sent": 2, "skipped": 1}
    assert sorted(sends_per_chat(api)) == [1, 3]


async def test_markdown_buttons_and_a_document(db: Database, api: FakeBotAPI, tmp_path: Path) -> None:
    await subscribers(db, api, [1, 2])
    pdf = tmp_path / "programma.pdf"
    pdf.write_bytes(b"%PDF-1.4 programma")
    await _broadcast(
        db, text_it="# Novità\n- **Incontro** il _12_ [programma](https://example.org/p?a=1&b=2)\n<script>x</script>",
        buttons=[{"kind": "questionnaire", "questionnaire": "imprese"}, {"kind": "url", "url": "https://example.org", "label": "Sito"}],
        document_path=str(pdf),
    )
    await _run(db, api)
    calls = api.calls_of("sendDocument")
    assert len(calls) == 2 and all(c.status == 200 for c in calls)
    assert calls[0].files and not calls[1].files  # uploaded once, then Telegram's file id
    message = api.chat(1).bot_messages[-1]
    assert message.caption.startswith("Novità\n• Incontro il 12 programma\n<script>x</script>")
    assert message.buttons[0].startswith("📝") and message.buttons[1] == "Sito"
