"""The sender through the local Bot API server: pace, 429, 403, cancel, two instances, documents."""

from __future__ import annotations

import asyncio
import statistics
from pathlib import Path

from storage import Database, audiences, outbox
from bot import communication
from bot.communication import Plan
from bot.sender import Sender, build_sender_bot
from tests.support.fake_bot_api import DEFAULT_TOKEN, FakeBotAPI

from tests.communication.comm_helpers import sends_per_chat, subscribers


async def _broadcast(db: Database, segment: dict | None = None, **fields) -> int:
    async with db.transaction() as session:
        b = await outbox.create_broadcast(
            session, segment=segment or {}, text_it=fields.pop("text_it", "Ciao **a tutti**"),
            text_en=fields.pop("text_en", "Hello **everyone**"), status="scheduled", **fields)
        return b.id


async def _run(db: Database, api: FakeBotAPI, rate: float = 0, **kwargs) -> Sender:
    bot = build_sender_bot(DEFAULT_TOKEN, api.base_url)
    sender = Sender(db, bot, Plan(rate=rate, chat_spacing=kwargs.pop("chat_spacing", 1.0)), **kwargs)
    try:
        await asyncio.wait_for(sender.run(until_done=True), timeout=60)
    finally:
        await bot.session.close()
    return sender


async def test_a_segment_gets_one_copy_each_at_the_configured_rate(db: Database, api: FakeBotAPI) -> None:
    it_users = list(range(10_001, 10_201))
    en_users = list(range(20_001, 20_101))
    await subscribers(db, api, it_users, "it")
    await subscribers(db, api, en_users, "en")
    await subscribers(db, api, [30_001], "it", opt_in=False)  # never asked: not in the audience
    broadcast_id = await _broadcast(db)
    await _run(db, api, rate=100)
    per_chat = sends_per_chat(api)
    assert set(per_chat) == set(it_users) | set(en_users)
    assert set(per_chat.values()) == {1}
    assert api.chat(10_001).bot_messages[-1].text == "Ciao a tutti"
    assert api.chat(20_001).bot_messages[-1].text == "Hello everyone"
    times = [c.at for c in api.calls_of("sendMessage")]
    rate = (len(times) - 1) / (times[-1] - times[0])
    assert 80 <= rate <= 115, rate
    async with db.transaction() as session:
        assert await outbox.counts(session, broadcast_id) == {"sent": 300}
        assert (await outbox.get_broadcast(session, broadcast_id)).status == "done"


async def test_429_is_honoured_and_403_marks_the_recipient_unreachable(db: Database, api: FakeBotAPI) -> None:
    ids = await subscribers(db, api, list(range(1, 41)))
    await api.users[7].block_bot()
    api.fail_next("sendMessage", 429, retry_after=1)
    broadcast_id = await _broadcast(db)
    started = asyncio.get_running_loop().time()
    sender = await _run(db, api)
    assert asyncio.get_running_loop().time() - started >= 1.0  # waited retry_after
    assert sender.stats.flood_waits == 1 and sender.stats.blocked == 1
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


async def test_network_errors_are_retried_with_backoff(db: Database, api: FakeBotAPI) -> None:
    await subscribers(db, api, [1, 2, 3])
    api.fail_next_network("sendMessage", "disconnect", times=2)
    api.fail_next("sendMessage", 502, times=1)
    broadcast_id = await _broadcast(db)
    sender = await _run(db, api, base_backoff=0.05)
    assert sender.stats.retried == 3
    async with db.transaction() as session:
        assert await outbox.counts(session, broadcast_id) == {"sent": 3}
    assert {api.chat(i).bot_messages[-1].text for i in (1, 2, 3)} == {"Ciao a tutti"}


async def test_two_instances_never_send_the_same_row(db: Database, api: FakeBotAPI, tmp_path: Path) -> None:
    await subscribers(db, api, list(range(1, 301)))
    await _broadcast(db)
    # Each send takes a moment, so the two senders surely overlap even on a busy machine.
    api.delay_next("sendMessage", 0.01, times=300)
    second = Database(db.url, schema=db.schema)
    try:
        first_run = _run(db, api, batch=20)
        second_run = _run(second, api, batch=20)
        a, b = await asyncio.gather(first_run, second_run)
    finally:
        await second.dispose()
    assert a.stats.sent > 0 and b.stats.sent > 0  # both worked
    assert a.stats.sent + b.stats.sent == 300
    assert set(sends_per_chat(api).values()) == {1} and len(sends_per_chat(api)) == 300


async def test_per_chat_spacing_between_two_messages_to_one_chat(db: Database, api: FakeBotAPI) -> None:
    await subscribers(db, api, [5])
    await _broadcast(db)
    await _broadcast(db)
    await _run(db, api, chat_spacing=0.5)
    times = [c.at for c in api.calls_of("sendMessage")]
    assert len(times) == 2 and times[1] - times[0] >= 0.45


async def test_cancel_and_opt_out_before_sending(db: Database, api: FakeBotAPI) -> None:
    ids = await subscribers(db, api, [1, 2, 3])
    cancelled = await _broadcast(db)
    kept = await _broadcast(db)
    async with db.transaction() as session:
        await communication.expand_due(db)
        assert await outbox.cancel(session, cancelled) == 3
        from storage import repository
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
