"""A person answers on WhatsApp: the questionnaires with buttons and lists, the window, the statuses, a vote.

Everything goes through the Cloud API emulator (tests/support/whatsapp.py), which refuses any
message the real API would refuse (too many buttons, a row title too long, a free-form message
outside the 24-hour window …): each test ends with nothing refused.
"""

from __future__ import annotations

import json
from datetime import timedelta

from aiohttp import ClientSession
from sqlalchemy import func, select

from storage import Database, deliberation, repository
from storage.models import Answer, OutboxMessage, Respondent, Run
from storage.outbox import whatsapp as wa_outbox
from tests.support import whatsapp as emulator
from tests.support.polling import until
from tests.whatsapp.conftest import Service


async def stored_answers(db: Database, wa_id: str, questionnaire: str) -> dict[str, object]:
    async with db.transaction() as session:
        run = await session.scalar(
            select(Run).join(Respondent, Respondent.id == Run.respondent_id)
            .where(Respondent.channel == "whatsapp", Respondent.external_id == wa_id, Run.questionnaire_id == questionnaire)
            .order_by(Run.id.desc())
        )
        if run is None:
            return {}
        rows = await session.execute(select(Answer.question_key, Answer.value).where(Answer.run_id == run.id, Answer.is_current.is_(True)))
        return dict(rows.all())


async def answer_count(db: Database, wa_id: str) -> int:
    async with db.transaction() as session:
        return int(await session.scalar(
            select(func.count()).select_from(Answer).join(Run, Run.id == Answer.run_id)
            .join(Respondent, Respondent.id == Run.respondent_id).where(Respondent.external_id == wa_id)
        ) or 0)


async def consent(user: emulator.User, questionnaire: str, first_question: str) -> None:
    await user.send_text(questionnaire)
    notice = await user.wait_text("privacy")
    assert notice.buttons == ["Accetto", "Non accetto"]
    await user.press("Accetto")
    await user.wait_text(first_question)


async def subscribe(user: emulator.User) -> None:
    """Consent (to the vision questionnaire) and subscribe to the newsletter by typing «iscriviti»."""
    await consent(user, "visione", "quanti anni hai")
    await user.send_text("iscriviti")
    await user.wait_text("Iscrizione registrata")


async def test_the_webhook_is_verified_and_refuses_a_bad_signature(cloud: emulator.CloudAPI, service: Service, db: Database) -> None:
    async with ClientSession() as http:
        ok = await http.get(cloud.webhook_url, params={"hub.mode": "subscribe", "hub.verify_token": emulator.VERIFY_TOKEN,
                                                       "hub.challenge": "1158201444"})
        assert ok.status == 200 and await ok.text() == "1158201444"
        wrong = await http.get(cloud.webhook_url, params={"hub.mode": "subscribe", "hub.verify_token": "guess",
                                                          "hub.challenge": "x"})
        assert wrong.status == 403
        user = cloud.user("393330000010")
        payload = cloud.message_payload(user, {"type": "text", "text": {"body": "imprese"}})
        raw = json.dumps(payload).encode()
        for signature in ("sha256=" + "0" * 64, "", cloud.sign(raw + b" ")):
            answer = await http.post(cloud.webhook_url, data=raw, headers={"Content-Type": "application/json",
                                                                           "X-Hub-Signature-256": signature})
            assert answer.status == 403
    await user.expect_silence(1.0)
    async with db.transaction() as session:
        assert await session.scalar(select(func.count()).select_from(OutboxMessage)) == 0
    await cloud.deliver(payload)  # the same body, signed: answered
    await user.wait_text("privacy")


async def test_imprese_with_reply_buttons_lists_pages_and_search(cloud: emulator.CloudAPI, service: Service, db: Database) -> None:
    user = cloud.user("393330000011")
    await consent(user, "imprese", "In quale settore")
    sectors = user.messages[-1]
    assert sectors.type == "interactive" and len(sectors.rows) == 9 and "Altre opzioni ▶" in sectors.rows
    assert "Agricoltura e allevamen…" in sectors.rows  # cut to the row's 24 characters, whole in its description
    await user.press("Altre opzioni ▶")
    second = await user.wait_text("In quale settore")
    assert "◀ Opzioni precedenti" in second.rows and "Commercio" not in second.rows
    await user.send_text("commer")  # typed to search: one match answers
    sizes = await user.wait_text("Quanti addetti")
    assert sizes.rows == ["1–9", "10–49", "50–249", "250 o più", "⬅ Indietro"]
    await user.press("10–49")
    await user.wait_text("In quale comune")
    await user.press("Crema")
    await user.wait_text("innovazioni di questo tipo")
    await user.send_text("1,2")
    await user.wait_text("innovazione più importante")
    await user.send_text("Un nuovo forno a basso consumo per la linea principale")
    rd = await user.wait_text("ricerca e sviluppo")
    await user.press("No")
    assert rd.choices
    await user.wait_text("Con chi collabora")
    await user.send_text("1")
    await user.wait_text("servizi avanzati")
    await user.send_text("2")
    await user.wait_text("connessione internet")
    await user.press("Insufficiente o assente")
    await user.wait_text("infrastrutture di telecomunicazione")
    await user.press("2")
    training = await user.wait_text("formazione per il personale")
    assert training.buttons == ["Sì", "No", "⬅ Indietro"]  # three short choices: reply buttons
    await user.press("Sì")
    await user.wait_text("avrebbe più bisogno")
    await user.send_text("1")
    await user.wait_text("ostacola di più")
    await user.send_text("1,2")
    await user.wait_text("prevede di investire")
    await user.press("Non so")
    await user.wait_text("potrebbe fare la città")
    await user.send_text("salta")
    await user.wait_text("le risposte sono state salvate")
    answers = await stored_answers(db, user.wa_id, "imprese")
    assert answers["ateco_section"] == "G" and answers["employees"] == "small" and answers["municipality"] == "crema"
    assert answers["innovations"] == ["product", "process"] and answers["rd"] == "none"
    assert answers["broadband"] is not None and answers["plans"] is not None and "training" in answers
    assert "basso consumo" in str(answers["innovation_example"])
    assert cloud.refused == []


async def test_visione_and_a_redelivered_webhook_never_doubles_an_answer(cloud: emulator.CloudAPI, service: Service, db: Database) -> None:
    user = cloud.user("393330000012")
    await consent(user, "visione", "quanti anni hai")
    await user.send_text("35")
    area = await user.wait_text("Dove vivi")
    assert len(area.rows) == 7  # six places and back: a list
    pressed = await user.press("Cremona, centro")
    await user.wait_text("Che rapporto hai con Cremona")
    await cloud.redeliver(pressed)  # Meta delivers a webhook again: nothing stored or sent twice
    await cloud.redeliver(pressed)
    await user.expect_silence(1.0)
    await user.send_text("1,2")
    await user.wait_text("senti più tua")
    await user.send_text("1,3")
    await user.wait_text("che cosa dovrebbe diventare")
    await user.send_text("Una città verde, con piste ciclabili e piazze vive")
    await user.wait_text("cambiare per primo")
    await user.send_text("Il trasporto pubblico serale verso i quartieri")
    await user.wait_text("le risposte sono state salvate")
    answers = await stored_answers(db, user.wa_id, "visione")
    assert answers["area"] == "cremona_centre" and answers["relation"] == ["lives", "works"]
    assert answers["visions"] == ["citta_innovazione", "citta_collaborazione"]
    assert "piste ciclabili" in str(answers["become"])
    assert await answer_count(db, user.wa_id) == len(answers)
    assert sum("Che rapporto hai" in m.text for m in user.messages) == 1
    assert cloud.refused == []


async def test_a_reminder_outside_the_window_goes_as_the_named_template(cloud: emulator.CloudAPI, service: Service, db: Database) -> None:
    user = cloud.user("393330000013")
    await consent(user, "visione", "quanti anni hai")
    await user.send_text("41")
    await user.wait_text("Dove vivi")
    # a day and more later: the first reminder is due (SCENARI_REMINDER_DELAYS 24 h) and the window closed
    cloud.advance(hours=25)
    service.offset += timedelta(hours=25)
    service.channel.sender.wake()
    reminder = await user.wait_for(lambda m: m.type == "template", timeout=90)
    template = reminder.body["template"]
    assert template["name"] == "promemoria_questionario" and template["language"]["code"] == "it"
    assert template["components"][0]["parameters"][0]["text"] == "La tua visione di Cremona"
    await user.send_text("riprendi")  # the window opens again: free-form messages go out
    await user.wait_text("Dove vivi")
    await until(lambda: sum(m.type == "template" for m in user.messages) == 1)

    async def delivered() -> bool:  # the webhook's statuses, recorded on the rows (the emulator sends them)
        async with db.transaction() as session:
            return await session.scalar(select(OutboxMessage.delivery_status).where(
                OutboxMessage.provider_message_id == reminder.id)) == "delivered"

    await until(delivered)
    async with db.transaction() as session:
        assert (await wa_outbox.statuses(session)).get("delivered", 0) >= 3
    assert cloud.refused == []


async def test_a_participant_votes_in_a_round(cloud: emulator.CloudAPI, service: Service, db: Database) -> None:
    user = cloud.user("393330000014")
    await consent(user, "visione", "quanti anni hai")
    async with db.transaction() as session:
        respondent = await repository.get_respondent(session, "whatsapp", user.wa_id)
        assert respondent is not None
        ids = [(await deliberation.add_statement(session, f"Più alberi e ombra nel quartiere numero {n}", "moderator",
                                                 status="approved")).id for n in (1, 2)]
        round_id = (await deliberation.open_round(session, "giugno", {})).id
        await deliberation.add_participants(session, round_id, [respondent.id])
        respondent_id = respondent.id
    await user.send_text("vota")
    first = await user.wait_text("Più alberi")
    assert first.buttons == ["👍 D'accordo", "👎 Non d'accordo", "🤷 Passo"]
    await user.press("👍 D'accordo")
    await user.wait_text("Voto registrato")
    second = await user.wait_text("Più alberi")
    assert second.text != first.text
    await user.press("🤷 Passo")
    await user.wait_text("Voto registrato")
    await user.wait_text("tutte le affermazioni")
    async with db.transaction() as session:
        votes = await deliberation.votes_of(session, round_id, respondent_id)
    assert set(votes) == set(ids) and sorted(votes.values()) == ["agree", "pass"]
    assert cloud.refused == []


async def test_erasing_on_whatsapp_asks_first_then_keeps_nothing(cloud: emulator.CloudAPI, service: Service, db: Database) -> None:
    user = cloud.user("393330000015")
    await consent(user, "visione", "quanti anni hai")
    await user.send_text("52")
    await user.wait_text("Dove vivi")
    await user.send_text("cancella")
    question = await user.wait_text("cancellare tutti i tuoi dati")
    assert question.buttons == ["Sì, cancella tutto", "No, tienili"]
    await user.press("No, tienili")
    await user.wait_text("non ho cancellato nulla")
    assert await answer_count(db, user.wa_id) == 1
    await user.press("Sì, cancella tutto")
    await user.wait_text("tutti i tuoi dati sono stati cancellati")
    async with db.transaction() as session:
        assert await repository.get_respondent(session, "whatsapp", user.wa_id) is None

    async def number_forgotten() -> bool:  # the last reply, once recorded, keeps no phone number either
        async with db.transaction() as session:
            return await session.scalar(select(func.count()).select_from(OutboxMessage).where(
                OutboxMessage.chat_id == int(user.wa_id))) == 0

    await until(number_forgotten)
    assert await answer_count(db, user.wa_id) == 0
    assert cloud.refused == []


async def test_odd_webhooks_are_acknowledged_and_an_image_gets_the_question_again(
    cloud: emulator.CloudAPI, service: Service, db: Database
) -> None:
    user = cloud.user("393330000016")
    for odd in ({"object": "page"}, {"object": "whatsapp_business_account", "entry": [[], "x", {"changes": "no"}]},
                {"object": "whatsapp_business_account", "entry": [{"changes": [{"field": "messages", "value": {
                    "metadata": {"phone_number_id": "999"}, "messages": [{"from": user.wa_id, "id": "wamid.OTHER",
                                                                          "type": "text", "text": {"body": "imprese"}}]}}]}]},
                cloud.message_payload(user, {"type": "interactive", "interactive": {"type": "button_reply", "button_reply": "?"}})):
        await cloud.deliver(odd)
        assert cloud.deliveries[-1] == 200
    await consent(user, "visione", "quanti anni hai")
    await cloud.deliver(cloud.message_payload(user, {"type": "image", "image": {"id": "1479537139650973", "mime_type": "image/jpeg"}}))
    await user.wait_text("solo messaggi di testo")
    await user.wait_text("quanti anni hai")
    assert await answer_count(db, user.wa_id) == 0
    assert cloud.refused == []


async def test_a_refused_send_is_retried_and_the_chat_keeps_its_order(cloud: emulator.CloudAPI, service: Service, db: Database) -> None:
    user = cloud.user("393330000017")
    await user.send_text("imprese")
    await user.wait_text("privacy")
    cloud.fail_next = [429, 503]  # the welcome is refused twice (rate limit, then a server error), then accepted
    await user.press("Accetto")
    await user.wait_text("In quale settore", timeout=90)
    texts = [m.text for m in user.messages]
    welcome, part, question = (next(i for i, t in enumerate(texts) if fragment in t)
                               for fragment in ("Benvenuto", "Prima parte", "In quale settore"))
    assert welcome < part < question  # nothing overtook the message being retried
    assert [r.status for _, r in cloud.refused] == [429, 503]


async def test_the_full_privacy_notice_is_one_word_away_even_before_consent(
        cloud: emulator.CloudAPI, service: Service, db: Database) -> None:
    user = cloud.user("393330000016")
    await user.send_text("informativa")  # a newcomer reads what they would agree to before agreeing
    notice = await user.wait_text("INFORMATIVA")
    await user.wait_text("Garante")  # the notice is long: it comes in several messages, the complaint near the end
    assert notice.buttons == [] and cloud.refused == []
    assert await answer_count(db, user.wa_id) == 0
