"""Parity with the chat's news, RSVP and /proponi in a real browser (JavaScript off): a citizen
accepts to take part, subscribes on /notizie, finds the plan's meeting invitation there and
answers Sì, then joins the open consultation on /vota and proposes a statement — the browser
itself keeps it to 140 characters. The RSVP and the proposal are the chat's rows."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import select

from bot.service.communication import expand_due
from storage import Database, deliberation, events, outbox, upgrade_database
from storage.models import EventRsvp, Respondent, Statement, utcnow
from tests.support.cdp import chromium, chromium_path
from tests.web.test_web_browser import ARTIFACTS, LiveServer, run_axe
from tests.web.test_web_browser_dashboard import body, click, click_text

pytestmark = pytest.mark.skipif(
    chromium_path() is None,
    reason="headless Chromium is not installed (apt-get install chromium; .ci/run installs it)",
)

INVITATION = "📅 <b>Laboratorio sul verde</b>\nGiovedì alle 18\n📍 Sala Quaranta\n\nParteciperà?"


async def _seed(database_url: str) -> None:
    db = Database(database_url)
    try:
        await upgrade_database(db)
        async with db.transaction() as session:
            await deliberation.add_statement(session, "Più piste ciclabili in centro città", "moderator",
                                             status=deliberation.APPROVED)
            await deliberation.open_round(session, "Cremona 2035", {})
            event = await events.create_event(session, "Laboratorio sul verde", "Sala Quaranta",
                                              utcnow() + timedelta(days=5), capacity=20)
            await outbox.create_broadcast(session, kind="event", event_id=event.id, segment={}, text_it=INVITATION,
                                          status="scheduled")
        await expand_due(db)
    finally:
        await db.dispose()


async def _held(database_url: str) -> tuple[list[tuple[str, str]], list[str]]:
    db = Database(database_url)
    try:
        async with db.transaction() as session:
            rsvps = [(r.answer, r.status) for r in (await session.scalars(select(EventRsvp))).all()]
            proposals = (await session.execute(
                select(Statement.text).join(Respondent, Respondent.id == Statement.author_respondent_id)
                .where(Statement.status == deliberation.PENDING, Respondent.channel == "web"))).scalars().all()
    finally:
        await db.dispose()
    return rsvps, list(proposals)


async def test_a_citizen_answers_a_meeting_and_proposes_a_statement(tmp_path: Path):
    database_url = f"sqlite+aiosqlite:///{tmp_path / 'news.db'}"
    await _seed(database_url)
    typed = "Alberi e panchine in ogni cortile di scuola, aperti ai quartieri la sera e nei fine settimana, " \
            "curati insieme da genitori, insegnanti e volontari"  # 145 characters
    with LiveServer(database_url, tmp_path / "secret_key") as live:
        async with chromium(width=390, height=844) as page:
            await page.goto(f"{live.url}/q/visione")
            await click_text(page, "button", "Accetto")
            await page.goto(f"{live.url}/notizie")
            assert "Le notizie per te" not in await body(page)  # not subscribed yet: no news shown
            await click_text(page, "button", "Sì, voglio gli aggiornamenti")
            text = await body(page)
            assert "Le notizie per te" in text and "Laboratorio sul verde" in text and "Sala Quaranta" in text
            await click_text(page, "button", "Sì")
            text = await body(page)
            assert "il tuo posto a «Laboratorio sul verde» è confermato" in text
            assert "La tua risposta: posto confermato." in text
            assert await run_axe(page) == []
            await page.screenshot(ARTIFACTS / "news_rsvp.png", full_page=True)

            await click_text(page, "a", "Vota le proposte")
            await click_text(page, "button", "Comincia a votare")
            await click(page, "#proposal", navigates=False)
            await page.type(typed)
            await click_text(page, "button", "Invia la proposta")
            assert "Grazie! La tua proposta sarà letta da un moderatore" in await body(page)
            assert "Affermazione 1 di 1" in await body(page)  # the proposal waits for a moderator
            assert await run_axe(page) == []
            await page.screenshot(ARTIFACTS / "vote_proposal.png", full_page=True)
            assert page.console_errors == []
    rsvps, proposals = await _held(database_url)
    assert rsvps == [("yes", "confirmed")]
    assert proposals == [typed[:140].strip()]  # the field's maxlength: what the browser let be typed
