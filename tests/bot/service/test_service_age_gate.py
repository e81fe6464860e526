"""The age gate through the Conversation, on a real database: under the minimum age the run stops,
its answers are erased, the consent just given is withdrawn and the reply says whom a parent can
write to; the threshold is the deployment's setting (SCENARI_MINIMUM_AGE)."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from bot.service.catalog import QuestionnaireCatalog
from bot.service.conversation import conversation_from_settings
from bot.settings import load_settings
from dialogs import Input
from storage import repository
from storage.models import Answer, Consent, Run

CHANNEL = "telegram"


async def _begin(db, conversation, user, qid="visione", lang="it"):
    async with db.transaction() as session:
        respondent = await conversation.lookup(session, CHANNEL, user, lang)
        first = await conversation.start(session, respondent, qid)
    assert first.messages[-1].question_key == "_consent"
    async with db.transaction() as session:
        respondent = await conversation.lookup(session, CHANNEL, user, lang)
        return await conversation.decide_consent(session, respondent, True, qid)


async def _send(db, conversation, user, kind, value=None, key=None, run_id=None):
    async with db.transaction() as session:
        respondent = await conversation.lookup(session, CHANNEL, user)
        return await conversation.handle(session, respondent, Input(kind, value, key), run_id=run_id)


async def _held(db, user):
    async with db.transaction() as session:
        respondent = await repository.get_respondent(session, CHANNEL, user)
        runs = (await session.execute(select(Run.status, Run.state).where(Run.respondent_id == respondent.id))).all()
        answers = await session.scalar(
            select(func.count()).select_from(Answer).join(Run, Run.id == Answer.run_id).where(Run.respondent_id == respondent.id))
        consents = (await session.execute(
            select(Consent.granted).where(Consent.respondent_id == respondent.id).order_by(Consent.id))).scalars().all()
        return runs, answers, consents


@pytest.mark.parametrize("qid", ["visione", "progetto"])
async def test_a_twelve_year_old_is_stopped_and_nothing_of_the_run_is_kept(db, conversation, qid):
    started = await _begin(db, conversation, "12", qid)
    assert started.messages[-1].question_key == "age"
    reply = await _send(db, conversation, "12", "text", "12")
    assert reply.stopped and not reply.stored and not reply.completed
    texts = "\n".join(m.text for m in reply.messages)
    assert "almeno 14 anni" in texts and "genitore" in texts
    assert "titolare del trattamento, Comune di Cremona: privacy@comune.cremona.example" in texts  # the notice's controller
    runs, answers, consents = await _held(db, "12")
    assert [status for status, _ in runs] == ["stopped"] and runs[0][1]["answers"] == {}
    assert answers == 0
    assert consents == [True, False]  # given by a child: withdrawn at once
    # the same run cannot be re-answered with a bigger age: its button and "back" are closed
    for kind, value, key in (("choice", "15", "age"), ("back", None, None), ("text", "15", None)):
        again = await _send(db, conversation, "12", kind, value, key, run_id=started.run_id if key else None)
        assert again.rejected and not again.stored
    assert (await _held(db, "12"))[1] == 0
    # a new run can be started, and asks for consent again (a parent's, this time)
    async with db.transaction() as session:
        respondent = await conversation.lookup(session, CHANNEL, "12")
        assert (await conversation.start(session, respondent, qid)).messages[-1].question_key == "_consent"
        report = await conversation.privacy_report(session, respondent)
    assert "interrotto, risposte cancellate" in report


async def test_a_fifteen_year_old_goes_on_and_the_age_is_an_answer(db, conversation):
    await _begin(db, conversation, "15")
    reply = await _send(db, conversation, "15", "text", "15")
    assert reply.stored and not reply.stopped and reply.messages[-1].question_key == "area"
    runs, answers, consents = await _held(db, "15")
    assert [status for status, _ in runs] == ["active"] and answers == 1 and consents == [True]


async def test_the_stop_speaks_english(db, conversation):
    await _begin(db, conversation, "en12", lang="en")
    reply = await _send(db, conversation, "en12", "text", "11")
    texts = "\n".join(m.text for m in reply.messages)
    assert "at least 14" in texts and "A parent or guardian can also write to the data controller" in texts


async def test_the_threshold_is_the_deployments_setting(db, monkeypatch):
    monkeypatch.setenv("SCENARI_MINIMUM_AGE", "16")
    conversation = conversation_from_settings(load_settings(), QuestionnaireCatalog.load())
    started = await _begin(db, conversation, "t15")
    assert "16 anni" in (started.messages[-1].hint or "")
    assert (await _send(db, conversation, "t15", "text", "15")).stopped
    await _begin(db, conversation, "t16")
    assert not (await _send(db, conversation, "t16", "text", "16")).stopped
