"""A new version of a questionnaire never corrupts runs started on the old one."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.service.catalog import QuestionnaireCatalog
from bot.service.conversation import Conversation
from dialogs import Input, load_file
from storage import repository

VERSIONS = Path(__file__).resolve().parents[2] / "data" / "questionnaires" / "versions"


@pytest.fixture(scope="module")
def v1():
    return load_file(VERSIONS / "orari_v1.yaml")


@pytest.fixture(scope="module")
def v2():
    return load_file(VERSIONS / "orari_v2.yaml")


def _service(q):
    # A fresh catalog each time: as after a restart with the edited file deployed.
    return Conversation(QuestionnaireCatalog({q.id: q}))


async def _say(db, conversation, user, text):
    async with db.transaction() as session:
        respondent = await conversation.lookup(session, "telegram", user)
        return await conversation.handle(session, respondent, Input("text", text))


async def _begin(db, conversation, user):
    async with db.transaction() as session:
        respondent = await conversation.lookup(session, "telegram", user)
        await conversation.start(session, respondent, "orari")
        respondent = await conversation.lookup(session, "telegram", user)
        return await conversation.decide_consent(session, respondent, True, "orari")


async def test_old_run_completes_on_the_questions_it_started_with(db, v1, v2):
    old = _service(v1)
    reply = await _begin(db, old, "shopkeeper")
    assert [m.text for m in reply.messages] == ["Il negozio apre la domenica?"]
    await _say(db, old, "shopkeeper", "si")

    new = _service(v2)  # version 2 replaces the file: `sunday_hours` removed, `staff` recoded
    reply = await _say(db, new, "shopkeeper", "6")
    assert reply.stored, [m.text for m in reply.messages]
    assert [m.text for m in reply.messages] == ["Quanti dipendenti?"]
    assert [o.label for o in reply.messages[0].options] == ["Pochi", "Molti"]
    reply = await _say(db, new, "shopkeeper", "Pochi")
    assert reply.completed

    async with db.transaction() as session:
        runs = await repository.export_runs(session, "orari")
    assert len(runs) == 1
    assert runs[0].version == 1 and runs[0].status == "completed"
    assert runs[0].answers == {"opens_sunday": "yes", "sunday_hours": 6, "staff": "few"}


async def test_new_runs_use_the_new_version_beside_old_ones(db, v1, v2):
    old = _service(v1)
    await _begin(db, old, "early")
    new = _service(v2)
    reply = await _begin(db, new, "late")
    assert [m.text for m in reply.messages] == ["Il negozio apre la domenica?"]
    await _say(db, new, "late", "si")
    reply = await _say(db, new, "late", "no")
    assert [m.text for m in reply.messages] == ["Quante persone ci lavorano?"]
    reply = await _say(db, new, "late", "3 o più")
    assert reply.completed
    for text in ("no", "2"):  # the early run, still on version 1, where "no" skips the hours
        reply = await _say(db, new, "early", text)
    assert reply.completed

    async with db.transaction() as session:
        runs = {run.version: run for run in await repository.export_runs(session, "orari")}
        assert await repository.get_definition(session, "orari", 1) is not None
        assert await repository.get_definition(session, "orari", 2) is not None
    assert runs[1].answers == {"opens_sunday": "no", "staff": "many"}
    assert runs[2].answers == {"opens_sunday": "yes", "evening": "no", "staff": "s2"}


async def test_privacy_report_of_an_old_run_uses_the_old_texts(db, v1, v2):
    old = _service(v1)
    await _begin(db, old, "shopkeeper")
    await _say(db, old, "shopkeeper", "si")
    await _say(db, old, "shopkeeper", "8")
    new = _service(v2)
    async with db.transaction() as session:
        respondent = await new.lookup(session, "telegram", "shopkeeper")
        report = await new.privacy_report(session, respondent)
    assert "Questionario «Orari dei negozi» (in corso), 2 risposte:" in report
    assert "– Quante ore la domenica?\n  8" in report
