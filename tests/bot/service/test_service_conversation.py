"""The Conversation service on a real database: consent first, answers stored, privacy, erasure."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from bot.service.conversation import Conversation
from bot.service.notice import long_date
from dialogs import Input
from dialogs.state import utcnow
from storage import repository
from storage.models import Consent, Run

CHANNEL = "telegram"
USER = "5550001"


async def _start(db, conversation, questionnaire_id="imprese", user=USER):
    async with db.transaction() as session:
        respondent = await conversation.lookup(session, CHANNEL, user, "it")
        return await conversation.start(session, respondent, questionnaire_id)


async def _consent(db, conversation, granted, questionnaire_id="imprese", user=USER):
    async with db.transaction() as session:
        respondent = await conversation.lookup(session, CHANNEL, user)
        return await conversation.decide_consent(session, respondent, granted, questionnaire_id)


async def _send(db, conversation, kind, value=None, question_key=None, run_id=None, now=None, user=USER):
    async with db.transaction() as session:
        respondent = await conversation.lookup(session, CHANNEL, user)
        return await conversation.handle(session, respondent, Input(kind, value, question_key), run_id=run_id, now=now)


async def _answers(db, user=USER):
    async with db.transaction() as session:
        respondent = await repository.get_respondent(session, CHANNEL, user)
        run = await session.scalar(select(Run).where(Run.respondent_id == respondent.id).order_by(Run.id.desc()))
        return run, await repository.current_answers(session, run.id), await repository.answer_history(session, run.id)


def _texts(reply):
    return [m.text for m in reply.messages]


async def test_consent_is_asked_first_and_nothing_else_is_stored(db, conversation, table_counts):
    reply = await _start(db, conversation)
    assert [m.question_key for m in reply.messages] == ["_consent"]
    assert reply.messages[0].text.startswith("Prima di iniziare, due parole sulla privacy.")
    assert [o.label for o in reply.messages[0].options] == ["Accetto", "Non accetto"]
    assert reply.run_id is None
    reply = await _send(db, conversation, "text", "2")  # typing an answer before consenting
    assert reply.rejected and not reply.stored
    assert _texts(reply)[0].startswith("Ciao! Qui puoi rispondere ai questionari")  # first contact: a greeting
    assert set((await table_counts()).values()) == {0}  # not even the respondent


async def test_privacy_and_erase_before_consent_hold_nothing(db, conversation, table_counts):
    await _start(db, conversation)
    async with db.transaction() as session:
        respondent = await conversation.lookup(session, CHANNEL, USER)
        assert await conversation.privacy_report(session, respondent) == "Non conserviamo alcun dato su di te."
        reply = await conversation.erase(session, respondent)
    assert _texts(reply) == ["Non conserviamo alcun dato su di te."]
    assert set((await table_counts()).values()) == {0}


async def test_declining_stores_only_the_decision(db, conversation, table_counts):
    await _start(db, conversation)
    reply = await _consent(db, conversation, False)
    assert _texts(reply) == [
        "Va bene: non conserviamo nulla oltre alla sua scelta. Se cambia idea, ricominci quando vuole."  # imprese says "Lei"
    ]
    counts = await table_counts()
    assert counts == {"respondents": 1, "consents": 1, "questionnaire_versions": 0, "runs": 0, "answers": 0,
                      "run_outcomes": 0, "processed_updates": 0}
    async with db.transaction() as session:
        consent = await session.scalar(select(Consent))
    assert (consent.purpose, consent.granted, consent.notice_version) == ("participation", False, "2026-11")  # privacy.yaml's
    reply = await _start(db, conversation)  # coming back later: asked again
    assert [m.question_key for m in reply.messages] == ["_consent"]


async def test_accepting_starts_the_survey(db, conversation, table_counts):
    await _start(db, conversation)
    reply = await _consent(db, conversation, True)
    assert reply.run_id is not None and reply.questionnaire_id == "imprese"
    assert _texts(reply)[1:] == ["Prima parte: l'impresa.", "In quale settore opera principalmente l'impresa? (sezione ATECO)"]
    assert reply.messages[-1].progress == (1, 16)
    counts = await table_counts()
    assert (counts["consents"], counts["runs"], counts["questionnaire_versions"], counts["answers"]) == (1, 1, 1, 0)


async def test_each_answer_is_stored_before_the_next_question(db, conversation):
    await _start(db, conversation)
    started = await _consent(db, conversation, True)
    reply = await _send(db, conversation, "text", "2")
    assert reply.stored and not reply.rejected
    assert _texts(reply) == ["Quanti addetti ha l'impresa, titolari compresi?"]
    reply = await _send(db, conversation, "choice", "small", question_key="employees", run_id=started.run_id)
    assert reply.stored
    reply = await _send(db, conversation, "text", "Atlantide")  # not an option: nothing stored
    assert reply.rejected and not reply.stored
    run, current, _ = await _answers(db)
    assert current == {"ateco_section": "C", "employees": "small"}
    assert run.state["current"] == "municipality"


async def test_stale_button_is_closed_and_stores_nothing(db, conversation):
    await _start(db, conversation)
    started = await _consent(db, conversation, True)
    await _send(db, conversation, "text", "2")
    reply = await _send(db, conversation, "choice", "A", question_key="ateco_section", run_id=started.run_id)
    assert reply.rejected and not reply.stored
    assert _texts(reply) == ["Questa domanda è chiusa: risponda all'ultima domanda qui sotto."]
    _, current, history = await _answers(db)
    assert current == {"ateco_section": "C"} and len(history) == 1


async def test_button_of_a_run_that_is_not_theirs_is_closed(db, conversation):
    await _start(db, conversation)
    started = await _consent(db, conversation, True)
    await _start(db, conversation, user="other")
    await _consent(db, conversation, True, user="other")
    reply = await _send(db, conversation, "choice", "A", question_key="ateco_section", run_id=started.run_id, user="other")
    assert reply.rejected
    assert _texts(reply) == ["Questa domanda è chiusa: rispondi all'ultima domanda qui sotto."]  # not their run: no questionnaire's register to speak in
    _, current, _ = await _answers(db)
    assert current == {}


async def test_going_back_and_changing_retires_irrelevant_answers_in_the_database(db, conversation):
    await _start(db, conversation)
    await _consent(db, conversation, True)
    for typed in ("2", "1", "1", "1,2", "Robot in linea"):
        assert (await _send(db, conversation, "text", typed)).stored
    await _send(db, conversation, "back")
    await _send(db, conversation, "back")
    reply = await _send(db, conversation, "text", "5")  # innovations: none
    assert reply.stored
    assert _texts(reply) == ["L'impresa svolge attività di ricerca e sviluppo (R&S)?"]
    _, current, history = await _answers(db)
    assert current == {"ateco_section": "C", "employees": "micro", "municipality": "cremona", "innovations": ["none"]}
    assert [(a.question_key, a.value, a.is_current) for a in history if a.question_key != "ateco_section"][-3:] == [
        ("innovations", ["product", "process"], False),
        ("innovation_example", "Robot in linea", False),
        ("innovations", ["none"], True),
    ]


async def test_completed_survey_stores_outcomes_and_shows_the_profile(db, conversation, table_counts):
    await _start(db, conversation)
    await _consent(db, conversation, True)
    typed = ["7", "1", "2", "1,2", "Una app per i clienti", "1", "10", "1,2", "1", "1", "5", "si", "1", "2", "1",
             "Più banda"]
    for text in typed[:-1]:
        reply = await _send(db, conversation, "text", text)
        assert not reply.rejected, (text, _texts(reply))
    reply = await _send(db, conversation, "text", typed[-1])
    assert reply.completed
    texts = _texts(reply)
    assert texts[:2] == [
        "Grazie per il tempo che ci ha dedicato: le sue risposte contribuiscono al piano strategico.",
        "Il questionario è completo e le risposte sono state salvate.",  # one thank-you: the outro's
    ]
    assert texts[2].startswith("Profilo di innovazione: Impresa anticipatrice\n")
    assert "Come si distribuiscono i rispondenti finora (1):" in texts[2]
    assert "• Impresa anticipatrice: 100,0% (Cremona, indagine Censis 2004: 12,4%)" in texts[2]
    run, current, _ = await _answers(db)
    assert run.status == "completed" and run.completed_at is not None
    assert current["city_role"] == "Più banda" and current["rd_share"] == 10
    async with db.transaction() as session:
        runs = await repository.export_runs(session, "imprese")
    assert runs[0].outcomes == {"innovation_types": 2, "research_link": True, "innovation_score": 13, "profile": "anticipatrice"}
    assert (await table_counts())["run_outcomes"] == 4
    reply = await _send(db, conversation, "text", "1")  # after the end: nothing open
    assert reply.rejected and not reply.stored


async def test_pause_then_start_again_resumes(db, conversation):
    await _start(db, conversation)
    await _consent(db, conversation, True)
    await _send(db, conversation, "text", "2")
    reply = await _send(db, conversation, "pause")
    assert _texts(reply) == ["Questionario sospeso: le risposte date finora sono conservate. Può riprendere quando vuole."]
    run, _, _ = await _answers(db)
    assert run.status == "paused"
    reply = await _start(db, conversation)
    assert _texts(reply) == ["Riprendiamo da dove si era fermato.", "Quanti addetti ha l'impresa, titolari compresi?"]
    run, current, _ = await _answers(db)
    assert run.status == "active" and current == {"ateco_section": "C"}


async def test_idle_run_expires_and_a_new_one_can_start(db, catalog, table_counts):
    conversation = Conversation(catalog, expire_after=timedelta(hours=24))
    await _start(db, conversation)
    await _consent(db, conversation, True)
    await _send(db, conversation, "text", "2")
    reply = await _send(db, conversation, "text", "1", now=utcnow() + timedelta(hours=23))
    assert reply.stored
    reply = await _send(db, conversation, "text", "1", now=utcnow() + timedelta(hours=48))
    assert not reply.stored
    assert _texts(reply)[0].startswith("Il questionario è rimasto fermo troppo a lungo ed è scaduto.")
    run, current, _ = await _answers(db)
    assert run.status == "expired"
    assert current == {"ateco_section": "C", "employees": "micro"}
    reply = await _start(db, conversation)  # consent is remembered; a fresh run begins
    assert _texts(reply)[-1] == "In quale settore opera principalmente l'impresa? (sezione ATECO)"
    assert (await table_counts())["runs"] == 2


async def test_language_switch_mid_run(db, conversation):
    await _start(db, conversation)
    await _consent(db, conversation, True)
    async with db.transaction() as session:
        respondent = await conversation.lookup(session, CHANNEL, USER)
        reply = await conversation.set_language(session, respondent, "en")
    assert _texts(reply) == ["Language set: English."]
    reply = await _send(db, conversation, "text", "Manufacturing")
    assert _texts(reply) == ["How many people work in the firm, owners included?"]
    reply = await _send(db, conversation, "text", "many")
    assert _texts(reply)[0] == "Please choose one of the options offered (you can also type its number)."


async def test_privacy_report_lists_consent_and_answers(db, conversation):
    await _start(db, conversation)
    await _consent(db, conversation, True)
    for typed in ("2", "1", "Crema", "1,4"):
        await _send(db, conversation, "text", typed)
    async with db.transaction() as session:
        respondent = await conversation.lookup(session, CHANNEL, USER)
        report = await conversation.privacy_report(session, respondent)
        pseudonym = respondent.pseudonym
    today = long_date(utcnow().date(), "it")  # e.g. 2 dicembre 2026
    assert report.splitlines() == [
        f"Ecco cosa conserviamo su di te (codice pseudonimo {pseudonym}):",
        "Lingua: italiano",
        f"Consenso «Partecipazione al piano strategico»: dato il {today} (informativa del 1º novembre 2026)",
        "",
        "Questionario «Indagine sull'innovazione nelle imprese» (in corso), 4 risposte:",
        "– In quale settore opera principalmente l'impresa? (sezione ATECO)",
        "  Manifattura e industria",
        "– Quanti addetti ha l'impresa, titolari compresi?",
        "  1–9",
        "– In quale comune della provincia ha sede?",
        "  Crema",
        "– Negli ultimi tre anni l'impresa ha introdotto innovazioni di questo tipo? (anche più di una)",
        "  Di prodotto o servizio, Di marketing e vendita",
        "",
        "Per cancellare tutto usa /cancella.",
    ]
    assert USER not in report


async def test_erase_removes_every_trace_of_the_respondent(db, conversation, table_counts):
    await _start(db, conversation)
    await _consent(db, conversation, True)
    for typed in ("2", "1", "Crema"):
        await _send(db, conversation, "text", typed)
    await _start(db, conversation, user="neighbour")
    await _consent(db, conversation, True, user="neighbour")
    await _send(db, conversation, "text", "4", user="neighbour")
    async with db.transaction() as session:
        respondent = await conversation.lookup(session, CHANNEL, USER)
        reply = await conversation.erase(session, respondent)
    assert _texts(reply) == ["Fatto: tutti i tuoi dati sono stati cancellati. Se scrivi di nuovo, ricominci da zero."]
    counts = await table_counts()
    assert (counts["respondents"], counts["consents"], counts["runs"], counts["answers"]) == (1, 1, 1, 1)
    async with db.transaction() as session:
        assert await repository.get_respondent(session, CHANNEL, USER) is None
        fresh = await conversation.lookup(session, CHANNEL, USER)
        assert await conversation.privacy_report(session, fresh) == "Non conserviamo alcun dato su di te."
    reply = await _start(db, conversation)  # starting from scratch: consent again
    assert [m.question_key for m in reply.messages] == ["_consent"]
