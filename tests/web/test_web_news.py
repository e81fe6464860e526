"""/notizie shows a web subscriber the plan's sent newsletters and meeting invitations, with the RSVP.

The broadcasts are the chat's (written with storage.outbox, sent by expand_due), shown only
when sent and only to the segment they were meant for; the RSVP is the chat's row and waiting
list, and nothing is ever queued for a browser (it has no chat): whoever moves up is told in
the chat if they are in it, on the page if they are on the web.
"""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from bot.service import communication
from bot.service.communication import Plan, expand_due, set_subscription
from storage import Database, events, outbox, repository
from storage.models import EventRsvp, OutboxMessage, Respondent, utcnow
from tests.support.web_pages import Form, Page, WebUser
from tests.web.test_web_voting import consented, subscribe

ALL = "**Cremona 2035**: i primi risultati dell'ascolto sono online."
FIRMS = "Solo per le imprese: un bando per l'innovazione."


async def _publish(db: Database, settings, capacity: int | None = 1) -> int:
    """A newsletter to everyone, one to firms only, a draft, a cancelled one, and a meeting: sent by expand_due."""
    plan = Plan.from_settings(settings)
    async with db.transaction() as session:
        await outbox.create_broadcast(session, segment={}, text_it=ALL, text_en="**Cremona 2035**: first results.",
                                      buttons=[{"kind": "questionnaire", "questionnaire": "visione"}], status="scheduled")
        await outbox.create_broadcast(session, segment={"category": ["firm"]}, text_it=FIRMS, status="scheduled")
        await outbox.create_broadcast(session, segment={}, text_it="Una bozza mai inviata", status="draft")
        gone = await outbox.create_broadcast(session, segment={}, text_it="Un invio annullato", status="scheduled")
        await outbox.cancel(session, gone.id)
        event = await events.create_event(session, "Laboratorio sul verde", "Sala Quaranta",
                                          utcnow() + timedelta(days=5), capacity=capacity)
        await communication.invite(session, event.id, {}, plan)
        event_id = event.id
    await expand_due(db, since=plan.newsletter_since)
    return event_id


async def _chat_person(db: Database, n: int) -> Respondent:
    async with db.transaction() as session:
        person = await repository.get_or_create_respondent(session, "telegram", str(7000 + n))
        await set_subscription(session, person, True)
        return person


def _rsvp(page: Page, label: str) -> tuple[Form, dict[str, str]]:
    for form in page.forms():
        if form.action == "/notizie" and "event" in form.hidden:
            return form, {"rsvp": form.button(label).value}
    raise AssertionError("no RSVP form")


async def _rows_for(db: Database, respondent_id: int) -> list[str]:
    async with db.transaction() as session:
        return list((await session.scalars(select(OutboxMessage.kind).where(
            OutboxMessage.respondent_id == respondent_id).order_by(OutboxMessage.id))).all())


async def test_a_subscriber_sees_the_sent_news_of_their_segment_newest_first(user: WebUser, db: Database, web_settings):
    await _publish(db, web_settings)
    await consented(user)
    page = await user.get("/notizie")
    assert "Le notizie per te" not in page.text and "primi risultati" not in page.text  # not subscribed: nothing
    page = await subscribe(user)
    text = page.text
    assert "i primi risultati dell'ascolto sono online." in text
    assert "<b>Cremona 2035</b>" in page.html  # the chat's rich text, escaped Markdown made bold
    assert "Laboratorio sul verde" in text and "Sala Quaranta" in text and "Parteciperai?" in text
    assert text.index("Laboratorio sul verde") < text.index("primi risultati")  # newest first
    assert FIRMS not in text and "bozza" not in text and "annullato" not in text  # another segment, unsent, cancelled
    assert 'href="/q/visione"' in page.html  # the chat's questionnaire button, as a link to the page
    english = await user.submit(Form(action="/lingua", method="post", hidden={"csrf": _csrf(page), "lang": "en",
                                                                               "next": "/notizie"}))
    assert "first results" in english.text and "Will you attend?" in english.text


def _csrf(page: Page) -> str:
    return [f for f in page.forms() if "csrf" in f.hidden][0].hidden["csrf"]


async def test_rsvp_and_the_waiting_list_with_the_chat(user: WebUser, db: Database, web_settings):
    event_id = await _publish(db, web_settings, capacity=1)
    await consented(user)
    page = await subscribe(user)
    page = await user.submit(*_rsvp(page, "Sì"))
    assert "Perfetto, il tuo posto a «Laboratorio sul verde» è confermato" in page.text
    assert "La tua risposta: posto confermato." in page.text
    chat = await _chat_person(db, 1)
    plan = Plan.from_settings(web_settings)
    async with db.transaction() as session:  # a chat's subscriber answers Sì to the full meeting
        reply = await communication.rsvp_reply(session, event_id, chat, "yes", 7001, plan)
    assert "lista d'attesa" in reply
    page = await user.submit(*_rsvp(page, "No"))  # the web frees the place: the chat's person moves up, told in the chat
    assert "Grazie di averci avvisato." in page.text and "La tua risposta: non partecipa." in page.text
    assert "event_promoted" in await _rows_for(db, chat.id)  # type: ignore[arg-type]
    page = await user.submit(*_rsvp(page, "Sì"))  # now the web waits…
    assert "è al completo: sei in lista d'attesa (posizione 1)" in page.text
    async with db.transaction() as session:  # …and moves up when the chat's person says no
        await communication.rsvp_reply(session, event_id, chat, "no", 7001, plan)
    page = await user.get("/notizie")
    assert "La tua risposta: posto confermato." in page.text
    async with db.transaction() as session:
        web = (await session.scalars(select(EventRsvp).where(EventRsvp.event_id == event_id,
                                                            EventRsvp.respondent_id != chat.id))).one()
        held = (web.respondent_id, web.status, web.chat_id)
    assert held[1:] == ("confirmed", 0)
    assert await communication.scan_event_reminders(db, plan, utcnow() + timedelta(days=4, hours=12)) == 0
    assert await _rows_for(db, held[0]) == []  # nothing queued for a browser: no promotion, no reminder


async def test_an_rsvp_to_a_meeting_not_among_my_news_is_refused(user: WebUser, db: Database, web_settings):
    plan = Plan.from_settings(web_settings)
    async with db.transaction() as session:
        event = await events.create_event(session, "Solo imprese", "Camera di commercio", utcnow() + timedelta(days=3))
        await communication.invite(session, event.id, {"category": ["firm"]}, plan)
        event_id = event.id
    await expand_due(db, since=plan.newsletter_since)
    await consented(user)
    page = await subscribe(user)
    assert "Solo imprese" not in page.text and "Per ora non ci sono notizie del piano per te" in page.text
    page = await user.submit(Form(action="/notizie", method="post", hidden={"csrf": _csrf(page), "event": str(event_id)}),
                             {"rsvp": "yes"})
    assert "Questo incontro non è tra le notizie per te" in page.text
    async with db.transaction() as session:
        assert (await session.scalars(select(EventRsvp))).first() is None
    refused = await user.client.post("/notizie", data={"event": str(event_id), "rsvp": "yes"})
    assert refused.status_code == 403
