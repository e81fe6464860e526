"""E-mail invitations and reminders (issue 19), read back from a local SMTP server (aiosmtpd).

The server requires STARTTLS (a certificate made for the test, trusted by the client) and a
login before it takes a message, so every e-mail here went over TLS, except in the one test
of a server without TLS. What a person would notice is checked: the e-mails that arrive, their
language, the link that works once, the reminder that comes only to who has not answered, the
unsubscribe that stops everything after it, and a failed or interrupted send that neither
loses nor doubles an e-mail.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import select

from bot.mail.sender import EmailSender, Links, SmtpConfig
from bot.service import mailing
from bot.settings import Settings
from bot.web import create_app
from storage import Database, register
from storage.models import OutboxMessage, utcnow
from storage.outbox import email as email_outbox
from storage.register import ActorRow
from tests.support.smtp import PASSWORD, USER, SmtpServer, openssl_path
from tests.support.web_pages import asgi_client
from tests.support.polling import until

pytestmark = pytest.mark.skipif(openssl_path() is None, reason="openssl is needed to make the SMTP server's certificate")

WEB_KEY = "test-secret-key-for-the-web-channel-0123456789"
SECRET = mailing.unsubscribe_secret(WEB_KEY)
BASE = "https://scenari.example.it"
LINK = re.compile(r"https://scenari\.example\.it/q/ascolto\?t=([a-z0-9]+)")
UNSUB = re.compile(r"https://scenari\.example\.it/email/disiscrivi\?t=([0-9]+\.[A-Za-z0-9_-]+)")

ROWS = [
    ActorRow("coldiretti", "Coldiretti Cremona", "trade_association", "Maria Rossi", 2, "m.rossi@coldiretti.example.it"),
    ActorRow("univ", "Università di Cremona", "university_training", None, 3, "Rettorato@Univ.example.it", "en"),
    ActorRow("cgil", "CGIL Cremona", "union", "Luca Bianchi", 4),  # no address: not e-mailed
]


@pytest.fixture
def smtp(tmp_path: Path) -> Iterator[SmtpServer]:
    with SmtpServer(tmp_path) as server:
        yield server


def sender(db: Database, smtp: SmtpServer, **options: object) -> EmailSender:
    config = SmtpConfig(host="127.0.0.1", port=smtp.port, username=USER, password=PASSWORD, starttls=smtp.ca_file is not None,
                        timeout=float(options.pop("timeout", 10.0)), sender_address="piano@comune.example.it",  # type: ignore[arg-type]
                        sender_name="Piano strategico di Cremona", tls_context=smtp.client_context())
    return EmailSender(db, config, Links(BASE, SECRET), rate=0, base_backoff=60, **options)  # type: ignore[arg-type]


async def invite_all(db: Database, **kwargs: object) -> mailing.Queued:
    async with db.transaction() as session:
        if not await register.list_actors(session):
            await register.import_actors(session, ROWS)
        actors = await register.actors_by_state(session, register.STATE_NEW, register.STATE_INVITED)
        return await mailing.queue_invitations(session, actors, **kwargs)  # type: ignore[arg-type]


async def statuses(db: Database) -> dict[str, list[str]]:
    async with db.transaction() as session:
        rows = (await session.execute(
            select(OutboxMessage.dedupe_key, OutboxMessage.status).where(OutboxMessage.channel == "email")
            .order_by(OutboxMessage.id))).all()
    found: dict[str, list[str]] = {}
    for key, status in rows:
        found.setdefault(status, []).append(key)
    return found


def body(received) -> str:  # type: ignore[no-untyped-def]
    return received.message.get_body(preferencelist=("plain",)).get_content()


async def test_each_contact_receives_its_own_link_over_starttls_in_its_language(db: Database, smtp: SmtpServer):
    queued = await invite_all(db)
    assert queued.queued == ["coldiretti", "univ"]
    assert queued.no_address == ["cgil"]
    stats = await sender(db, smtp).run(until_done=True, idle_seconds=0.05)
    assert stats.sent == 2
    mails = {m.recipients[0]: m for m in smtp.messages}
    assert set(mails) == {"m.rossi@coldiretti.example.it", "rettorato@univ.example.it"}
    assert all(m.tls and m.user == USER for m in mails.values())  # STARTTLS, then the login

    it = mails["m.rossi@coldiretti.example.it"]
    assert it.message["Subject"] == "Piano strategico di Cremona: la invitiamo all'intervista di ascolto"
    assert it.message["From"] == "Piano strategico di Cremona <piano@comune.example.it>"
    text = body(it)
    assert text.startswith("Gentile Maria Rossi,") and "Coldiretti Cremona" in text
    async with db.transaction() as session:
        tokens = {s.actor_code: s.token for s in await register.invitations_of(session)}
        actors = {a.code: a.state for a in await register.list_actors(session)}
    assert LINK.search(text).group(1) == tokens["coldiretti"]  # type: ignore[union-attr]
    html = it.message.get_body(preferencelist=("html",)).get_content()
    assert f'href="{BASE}/q/ascolto?t={tokens["coldiretti"]}"' in html and "Si disiscriva" in html
    assert UNSUB.search(it.message["List-Unsubscribe"]) and it.message["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"

    en = mails["rettorato@univ.example.it"]
    assert en.message["Subject"] == "Piano strategico di Cremona: an invitation to the listening interview"
    assert body(en).startswith("Dear contact at Università di Cremona,") and tokens["univ"] in body(en)
    assert actors == {"coldiretti": "invited", "univ": "invited", "cgil": "new"}

    # asked again (the operator runs the command twice): the same open links, nothing sent twice
    again = await invite_all(db)
    assert sorted(again.already) == ["coldiretti", "univ"] and again.queued == []
    await sender(db, smtp).run(until_done=True, idle_seconds=0.05)
    assert len(smtp.messages) == 2


async def test_reminders_go_only_to_who_has_not_answered_once_per_delay(db: Database, smtp: SmtpServer):
    await invite_all(db)
    await sender(db, smtp).run(until_done=True, idle_seconds=0.05)
    async with db.transaction() as session:
        await register.mark_answered(session, (await register.get_actor(session, "univ")).id)  # type: ignore[union-attr]
    start = utcnow()

    async def remind(after_days: float) -> list[str]:
        async with db.transaction() as session:
            done = await mailing.queue_reminders(session, (7, 7), now=start + timedelta(days=after_days))
        await sender(db, smtp, clock=lambda: start + timedelta(days=after_days)).run(until_done=True, idle_seconds=0.05)
        return done.queued

    assert await remind(3) == []  # too early
    assert await remind(8) == ["coldiretti"]  # the one who has not answered
    assert await remind(9) == []  # the next one is due 7 days after this one
    assert await remind(16) == ["coldiretti"]
    assert await remind(40) == []  # two delays, two reminders
    reminders = [m for m in smtp.messages if "la aspetta" in m.message["Subject"]]
    assert [m.recipients for m in reminders] == [["m.rossi@coldiretti.example.it"]] * 2
    async with db.transaction() as session:
        token = (await register.invitations_of(session, [(await register.get_actor(session, "coldiretti")).id]))[0].token  # type: ignore[union-attr]
    assert token in body(reminders[0])  # the same link again
    assert not any(m.recipients == ["rettorato@univ.example.it"] for m in reminders)


async def test_the_unsubscribe_link_stops_every_later_email(db: Database, smtp: SmtpServer, tmp_path: Path):
    await invite_all(db)
    await sender(db, smtp).run(until_done=True, idle_seconds=0.05)
    mail = next(m for m in smtp.messages if m.recipients == ["m.rossi@coldiretti.example.it"])
    link = UNSUB.search(body(mail)).group(0)  # type: ignore[union-attr]

    settings = Settings(SCENARI_DATABASE_URL=f"sqlite:///{tmp_path / 'unused.db'}", SCENARI_SECRET_KEY=WEB_KEY,  # type: ignore[call-arg]
                        SCENARI_EMAIL_SENDER_NAME="Piano strategico di Cremona")
    async with asgi_client(create_app(settings, db, key_file=tmp_path / "key")) as client:
        path = link.removeprefix(BASE)
        page = await client.get(path)  # a mail scanner following the link unsubscribes nobody
        assert page.status_code == 200 and "Vuole smettere di ricevere e-mail da Piano strategico di Cremona?" in page.text
        async with db.transaction() as session:
            assert await email_outbox.opted_out(session, ["m.rossi@coldiretti.example.it"]) == set()
        token = path.split("t=", 1)[1]
        done = await client.post("/email/disiscrivi", data={"t": token})
        assert done.status_code == 200 and "non riceverà più e-mail" in done.text
        forged = await client.post("/email/disiscrivi", data={"t": token[:-2] + "xx"})
        assert forged.status_code == 400 and "non è valido" in forged.text
        # a mail client's one-click unsubscribe (RFC 8058): a POST to the header's URL, no cookie, no CSRF token
        other = next(m for m in smtp.messages if m.recipients == ["rettorato@univ.example.it"])
        header = UNSUB.search(other.message["List-Unsubscribe"]).group(0).removeprefix(BASE)  # type: ignore[union-attr]
        one_click = await client.post(header, data={"List-Unsubscribe": "One-Click"})
        assert one_click.status_code == 200 and "Done: your address will receive no more e-mails" in one_click.text

    before = len(smtp.messages)
    start = utcnow()
    async with db.transaction() as session:  # a reminder, a fresh link: neither is queued
        reminders = await mailing.queue_reminders(session, (7,), now=start + timedelta(days=8))
        actor = await register.get_actor(session, "coldiretti")
        fresh = await mailing.queue_invitations(session, [actor], new=True)  # type: ignore[list-item]
    assert sorted(reminders.unsubscribed) == ["coldiretti", "univ"] and reminders.queued == []
    assert fresh.unsubscribed == ["coldiretti"]
    # and a row queued before the unsubscribe is skipped when its turn comes
    async with db.transaction() as session:
        await email_outbox.enqueue(session, [email_outbox.EmailRow(
            "email:test:late", actor.id, email_outbox.INVITATION, "placeholder@example.it", "x" * 24, "it")])  # type: ignore[union-attr]
        late = await session.scalar(select(OutboxMessage).where(OutboxMessage.dedupe_key == "email:test:late"))
        late.payload = {"to": "m.rossi@coldiretti.example.it", "token": "x" * 24, "reminder": 0}  # type: ignore[union-attr]
    await sender(db, smtp).run(until_done=True, idle_seconds=0.05)
    assert len(smtp.messages) == before
    assert "email:test:late" in (await statuses(db))["skipped"]


async def test_a_refused_recipient_is_tried_again_later_and_a_dead_mailbox_fails(db: Database, smtp: SmtpServer):
    await invite_all(db)
    smtp.handler.refuse_rcpt = [451, 550]  # the first address: try later; the second: no such mailbox
    start = utcnow()
    first = await sender(db, smtp, clock=lambda: start).run(until_done=True, idle_seconds=0.05)
    assert (first.sent, first.retried, first.failed) == (0, 1, 1)
    assert smtp.messages == []
    found = await statuses(db)
    assert len(found["pending"]) == 1 and len(found["failed"]) == 1
    later = await sender(db, smtp, clock=lambda: start + timedelta(minutes=2)).run(until_done=True, idle_seconds=0.05)
    assert later.sent == 1 and len(smtp.messages) == 1
    found = await statuses(db)
    assert len(found["sent"]) == 1 and len(found["failed"]) == 1


async def test_an_answer_lost_after_data_is_held_not_sent_twice(db: Database, smtp: SmtpServer):
    await invite_all(db)
    smtp.handler.stall_data = 3.0  # the server takes the message, then answers after the client gave up
    stats = await sender(db, smtp, timeout=0.5).run(until_done=True, idle_seconds=0.05)
    assert stats.uncertain == 2 and stats.sent == 0
    smtp.handler.stall_data = 0.0
    again = await sender(db, smtp).run(until_done=True, idle_seconds=0.05)  # a restart: nothing is sent again
    assert again.sent == 0
    assert len(smtp.messages) == 2  # each arrived once (the server had them)
    assert len((await statuses(db))["uncertain"]) == 2


async def test_a_sender_killed_mid_batch_is_taken_over_without_duplicates(db: Database, smtp: SmtpServer):
    await invite_all(db)
    start = utcnow()
    async with db.transaction() as session:  # the dead sender: claimed both, had one in its SMTP transaction
        rows = await email_outbox.claim(session, "dead", 10, 60, start)
        send, _ = await email_outbox.mark_inflight(session, "dead", rows[:1], start)
    assert len(rows) == 2 and len(send) == 1
    later = start + timedelta(minutes=5)  # its lease has expired
    stats = await sender(db, smtp, clock=lambda: later).run(until_done=True, idle_seconds=0.05)
    assert stats.sent == 1  # the one never attempted
    assert [m.recipients for m in smtp.messages] == [[rows[1].address]]
    found = await statuses(db)
    assert len(found["uncertain"]) == 1 and len(found["sent"]) == 1  # the one in the window is held


async def test_a_server_without_tls_is_reached_in_clear_only_when_starttls_is_turned_off(db: Database, tmp_path: Path):
    with SmtpServer(tmp_path, tls=False) as plain:
        await invite_all(db)
        refused = sender(db, plain)
        refused.config = SmtpConfig(**{**refused.config.__dict__, "starttls": True})  # the default: STARTTLS required
        stats = await refused.run(until_done=True, idle_seconds=0.05)
        assert stats.sent == 0 and stats.retried == 2 and plain.messages == []
        start = utcnow() + timedelta(hours=1)
        stats = await sender(db, plain, clock=lambda: start).run(until_done=True, idle_seconds=0.05)
        assert stats.sent == 2 and not any(m.tls for m in plain.messages)


def test_the_smtp_password_is_never_printed(tmp_path: Path):
    settings = Settings(SCENARI_DATABASE_URL=f"sqlite:///{tmp_path / 'x.db'}", SCENARI_SMTP_HOST="smtp.example.it",  # type: ignore[call-arg]
                        SCENARI_SMTP_PASSWORD=PASSWORD, SCENARI_EMAIL_SENDER_NAME="Piano strategico di Cremona")
    config = SmtpConfig.from_settings(settings)
    assert config.password == PASSWORD and config.starttls and config.port == 587
    assert PASSWORD not in repr(settings) and PASSWORD not in repr(config)


async def test_the_service_process_delivers_what_the_command_queued(db: Database, smtp: SmtpServer, tmp_path: Path):
    """`scenari serve` runs the e-mail sender beside the web (bot.runtime.background), signing with the web's key."""
    from bot.runtime.background import _email_task

    await invite_all(db)
    settings = Settings(SCENARI_DATABASE_URL=f"sqlite:///{tmp_path / 'unused.db'}", SCENARI_SECRET_KEY=WEB_KEY,  # type: ignore[call-arg]
                        SCENARI_PUBLIC_URL=BASE, **{k: v for k, v in smtp.settings().items()})
    async with _email_task(settings, db) as sender:
        assert sender is not None
        await until(lambda: len(smtp.messages) >= 2)  # a wait with a generous bound, not a time assertion
    assert len(smtp.messages) == 2
    token = UNSUB.search(body(smtp.messages[0])).group(1)  # type: ignore[union-attr]
    assert mailing.read_unsubscribe_token(SECRET, token) is not None  # the web app's key: its page will accept it


async def test_the_sender_keeps_its_pace(db: Database, smtp: SmtpServer):
    """SCENARI_EMAIL_RATE: at 2 per second the sender waits half a second between two e-mails (on a fake clock)."""
    await invite_all(db)
    async with db.transaction() as session:
        await register.import_actors(session, [ActorRow("cna", "CNA Cremona", "trade_association", None, 5, "info@cna.example.it")])
        await mailing.queue_invitations(session, [await register.get_actor(session, "cna")])  # type: ignore[list-item]
    now = [1000.0]
    waits: list[float] = []

    async def fake_sleep(seconds: float) -> None:
        waits.append(round(seconds, 3))
        now[0] += seconds

    paced = sender(db, smtp, monotonic=lambda: now[0], sleep=fake_sleep)
    paced.interval = 0.5  # rate 2/s
    stats = await paced.run(until_done=True, idle_seconds=0.05)
    assert stats.sent == 3 and waits == [0.5, 0.5]


async def test_bozen_writes_to_a_german_contact_in_german_and_to_others_in_its_default(db: Database, smtp: SmtpServer):
    """A plan's texts.yaml adds the e-mails' German ("email" layer): Bozen's contacts read it, the unsubscribe page too."""
    from bot.service.plan import use_plan
    from tests.support.plans import BOLZANO

    use_plan(BOLZANO)  # the conftest gives the next test Cremona's texts back
    async with db.transaction() as session:
        await register.import_actors(session, [
            ActorRow("lvh", "Landesverband der Handwerker", "trade_association", "Anna Huber", 2, "a.huber@lvh.example.it", "de"),
            ActorRow("fr", "Alliance française", "association", None, 3, "contact@af.example.it", "fr"),
        ])
        actors = await register.actors_by_state(session, register.STATE_NEW)
        queued = await mailing.queue_invitations(session, actors, default_language="de")
    assert sorted(queued.queued) == ["fr", "lvh"]
    await sender(db, smtp).run(until_done=True, idle_seconds=0.05)
    mails = {m.recipients[0]: m for m in smtp.messages}
    de = mails["a.huber@lvh.example.it"]
    assert de.message["Subject"] == "Piano strategico di Cremona: Einladung zum Zuhör-Interview"
    text = body(de)
    assert text.startswith("Sehr geehrte/r Anna Huber,") and "Landesverband der Handwerker" in text
    assert "Ihr persönlicher Link:" in text and "Hier abmelden:" in text
    assert '<html lang="de">' in de.message.get_body(preferencelist=("html",)).get_content()
    # French is no language of the e-mails: the plan's default, German
    assert body(mails["contact@af.example.it"]).startswith("Sehr geehrte Ansprechperson von Alliance française,")
