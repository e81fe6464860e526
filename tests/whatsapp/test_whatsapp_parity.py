"""Issue 19 item 3, "on WhatsApp, all of it": the plan's news, its rounds and their summaries reach a
WhatsApp respondent as they reach a Telegram one — asked at the end of a questionnaire, given and
withdrawn by typing, sent once, as the named template outside the 24-hour window."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from bot.service import deliberation as service_deliberation
from bot.service.communication import Plan, invite
from bot.service.communication.optin import notice_version
from bot.settings import Settings
from storage import Database, deliberation, events, outbox, repository
from storage.models import OutboxMessage, Respondent
from tests.support import whatsapp as emulator
from tests.support.polling import until
from tests.whatsapp.conftest import Service
from tests.whatsapp.test_whatsapp_channel import consent, subscribe


async def complete_visione(user: emulator.User) -> emulator.Sent:
    """Visione from the consent to the end; the last message (the newsletter's offer)."""
    await consent(user, "visione", "quanti anni hai")
    await user.send_text("35")
    await user.wait_text("Dove vivi")
    await user.press("Cremona, centro")
    await user.wait_text("Che rapporto hai con Cremona")
    await user.send_text("1")
    await user.wait_text("senti più tua")
    await user.send_text("1,3")
    await user.wait_text("che cosa dovrebbe diventare")
    await user.send_text("Una città verde, con piste ciclabili e piazze vive")
    await user.wait_text("cambiare per primo")
    await user.send_text("Il trasporto pubblico serale verso i quartieri")
    return await user.wait_text("aggiornamenti del piano")


async def rows_of(db: Database, broadcast_id: int) -> list[tuple[str, str, str]]:
    async with db.transaction() as session:
        rows = await session.execute(
            select(Respondent.external_id, OutboxMessage.channel, OutboxMessage.status)
            .join(Respondent, Respondent.id == OutboxMessage.respondent_id)
            .where(OutboxMessage.broadcast_id == broadcast_id).order_by(Respondent.external_id))
        return [tuple(r) for r in rows.all()]  # type: ignore[misc]


async def test_a_newsletter_reaches_a_subscriber_once_as_a_template_and_not_who_withdrew(
    cloud: emulator.CloudAPI, service: Service, db: Database
) -> None:
    subscriber, withdrawn = cloud.user("393330000031"), cloud.user("393330000032")
    offer = await complete_visione(subscriber)  # the chat channels' offer at the end of a questionnaire
    assert offer.buttons == ["Sì, mi iscrivo", "No, grazie"]
    await subscriber.press("Sì, mi iscrivo")
    await subscriber.wait_text("Iscrizione registrata")
    await subscribe(withdrawn)
    await withdrawn.send_text("disiscrivi")
    await withdrawn.wait_text("non ricever")
    async with db.transaction() as session:  # a Telegram subscriber in the same audience keeps Telegram's row
        telegram = await repository.get_or_create_respondent(session, "telegram", "777001", "it")
        await repository.record_consent(session, telegram.id, "newsletter", True, notice_version())

    # a day later (both windows closed), a newsletter to everybody
    cloud.advance(hours=25)
    service.offset += timedelta(hours=25)
    async with db.transaction() as session:
        broadcast = await outbox.create_broadcast(
            session, segment={}, text_it="**Laboratorio aperto** giovedì in Comune:\nportate le vostre idee!",
            status="scheduled", scheduled_at=service.clock())
        broadcast_id = broadcast.id
    service.channel.sender.wake()
    news = await subscriber.wait_for(lambda m: m.type == "template", timeout=90)
    template = news.body["template"]
    assert template["name"] == "notizie_del_piano" and template["language"]["code"] == "it"
    assert template["components"][0]["parameters"][0]["text"] == "*Laboratorio aperto* giovedì in Comune: portate le vostre idee!"

    async def settled() -> bool:
        return ("393330000031", "whatsapp", "sent") in await rows_of(db, broadcast_id)

    await until(settled)
    await subscriber.expect_silence(3.0)  # the sender's next sweeps send nothing again
    assert sum(m.type == "template" for m in subscriber.messages) == 1
    assert not any("Laboratorio" in m.text for m in withdrawn.messages)
    assert await rows_of(db, broadcast_id) == [("393330000031", "whatsapp", "sent"), ("777001", "telegram", "pending")]

    # inside the window (the subscriber writes again) the next one is free-form, with its button
    await subscriber.send_text("menu")
    await subscriber.wait_for(lambda m: True)
    async with db.transaction() as session:
        await outbox.create_broadcast(session, segment={}, text_it="Nuovo questionario sulla mobilità.",
                                      buttons=[{"kind": "questionnaire", "questionnaire": "imprese"}],
                                      status="scheduled", scheduled_at=service.clock())
    service.channel.sender.wake()
    second = await subscriber.wait_text("Nuovo questionario")
    assert second.type == "interactive" and second.buttons and second.buttons[0].startswith("📝 Rispondi")
    assert "scriva «imprese»" in second.text
    assert cloud.refused == []


async def test_a_round_invitation_lets_a_whatsapp_subscriber_vote_and_the_summary_follows(
    cloud: emulator.CloudAPI, service: Service, db: Database, wa_settings: Settings
) -> None:
    user = cloud.user("393330000033")
    await subscribe(user)
    async with db.transaction() as session:
        for n in (1, 2):
            await deliberation.add_statement(session, f"Più alberi e ombra nel quartiere numero {n}", "moderator",
                                             status="approved")
        round_id = (await deliberation.open_round(session, "giugno", {})).id
    new, enqueued = await service_deliberation.invite(db, round_id, wa_settings)  # nobody added by hand
    assert (new, enqueued) == (1, 1)
    service.channel.sender.wake()
    invitation = await user.wait_text("Si è aperta la consultazione «giugno»")
    assert invitation.buttons == ["🗳 Vota"]
    await user.press("🗳 Vota")
    await user.wait_text("Più alberi")
    await user.press("👍 D'accordo")
    await user.wait_text("Voto registrato")
    await user.wait_text("Più alberi")
    await user.press("👎 Non d'accordo")
    await user.wait_text("tutte le affermazioni")
    async with db.transaction() as session:
        respondent = await repository.get_respondent(session, "whatsapp", user.wa_id)
        assert respondent is not None
        assert sorted((await deliberation.votes_of(session, round_id, respondent.id)).values()) == ["agree", "disagree"]
        await deliberation.close_round(session, round_id)
    assert await service_deliberation.summarise(db, round_id, wa_settings) == 1
    service.channel.sender.wake()
    await user.wait_text("si è chiusa")
    assert cloud.refused == []


async def test_an_event_invitation_is_answered_with_its_buttons(cloud: emulator.CloudAPI, service: Service, db: Database,
                                                              wa_settings: Settings) -> None:
    user = cloud.user("393330000034")
    await subscribe(user)
    async with db.transaction() as session:
        event = await events.create_event(session, "Laboratorio sul Po", "Sala Alabardieri",
                                          service.clock() + timedelta(days=5), capacity=20)
        await invite(session, event.id, {}, Plan.from_settings(wa_settings), at=service.clock())
        event_id = event.id
    service.channel.sender.wake()
    invitation = await user.wait_text("Laboratorio sul Po")
    assert invitation.buttons == ["Sì", "No", "Forse"] and "*Laboratorio sul Po*" in invitation.text
    await user.press("Sì")
    await user.wait_text("è confermato")
    async with db.transaction() as session:
        assert (await events.counts(session, event_id)).get("confirmed") == 1
    assert cloud.refused == []
