"""Repository functions on a real, migrated database (SQLite, and PostgreSQL when configured)."""

from __future__ import annotations

import pytest
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from storage import repository
from storage.models import Answer, Respondent


async def _respondent_with_run(db, external_id="42", questionnaire_id="imprese"):
    async with db.transaction() as session:
        respondent = await repository.get_or_create_respondent(session, "telegram", external_id)
        run = await repository.create_run(session, respondent.id, questionnaire_id, 1, {"status": "active"})
        return respondent.id, run.id


async def test_respondent_is_unique_per_channel_and_external_id(db):
    async with db.transaction() as session:
        first = await repository.get_or_create_respondent(session, "telegram", "1001", "en")
    async with db.transaction() as session:
        again = await repository.get_or_create_respondent(session, "telegram", "1001", "it")
        other_channel = await repository.get_or_create_respondent(session, "cli", "1001")
    assert again.id == first.id
    assert again.language == "en"  # the existing row, not a new one
    assert other_channel.id != first.id
    assert len({first.pseudonym, other_channel.pseudonym}) == 2
    assert first.pseudonym != "1001"
    async with db.transaction() as session:
        rows = (await session.scalars(select(Respondent))).all()
    assert len(rows) == 2


async def test_the_database_refuses_a_second_respondent_for_the_same_channel_and_id(db):
    async with db.transaction() as session:
        session.add(Respondent(channel="telegram", external_id="7"))
    with pytest.raises(IntegrityError):
        async with db.transaction() as session:
            session.add(Respondent(channel="telegram", external_id="7"))
            await session.flush()


async def test_changed_answer_wins_and_history_is_kept(db):
    _, run_id = await _respondent_with_run(db)
    async with db.transaction() as session:
        await repository.store_answer(session, run_id, "employees", "micro", "1")
        await repository.store_answer(session, run_id, "municipality", "crema", "Crema")
    async with db.transaction() as session:
        await repository.store_answer(session, run_id, "employees", "small", "2")
    async with db.transaction() as session:
        current = await repository.current_answers(session, run_id)
        history = await repository.answer_history(session, run_id)
    assert current == {"employees": "small", "municipality": "crema"}
    assert [(a.question_key, a.value, a.raw, a.is_current) for a in history] == [
        ("employees", "micro", "1", False),
        ("municipality", "crema", "Crema", True),
        ("employees", "small", "2", True),
    ]


async def test_answer_values_keep_their_json_types(db):
    _, run_id = await _respondent_with_run(db)
    values = {"needs": ["digital", "skills"], "rd_share": 4.5, "tlc_adequacy": 4, "since": "2020-01-31", "example": "Sì — «robot»"}
    async with db.transaction() as session:
        for key, value in values.items():
            await repository.store_answer(session, run_id, key, value, str(value))
        await repository.store_answer(session, run_id, "city_role", None, None, skipped=True)
    async with db.transaction() as session:
        current = await repository.current_answers(session, run_id)
        history = await repository.answer_history(session, run_id)
    assert current == {**values, "city_role": None}
    assert [a.skipped for a in history] == [False] * 5 + [True]


async def test_only_one_current_answer_per_question_is_possible(db):
    _, run_id = await _respondent_with_run(db)
    async with db.transaction() as session:
        session.add(Answer(run_id=run_id, question_key="rd", value="none", raw="3"))
    with pytest.raises(IntegrityError):
        async with db.transaction() as session:
            session.add(Answer(run_id=run_id, question_key="rd", value="continuous", raw="1"))
            await session.flush()


async def test_retired_answers_stop_counting_but_stay_in_history(db):
    _, run_id = await _respondent_with_run(db)
    async with db.transaction() as session:
        await repository.store_answer(session, run_id, "rd", "continuous", "1")
        await repository.store_answer(session, run_id, "rd_share", 5.0, "5")
        await repository.retire_answers(session, run_id, ["rd_share"])
    async with db.transaction() as session:
        assert await repository.current_answers(session, run_id) == {"rd": "continuous"}
        assert [a.question_key for a in await repository.answer_history(session, run_id)] == ["rd", "rd_share"]


async def test_consent_is_the_latest_decision(db):
    async with db.transaction() as session:
        respondent = await repository.get_or_create_respondent(session, "telegram", "5")
        assert await repository.consent_given(session, respondent.id, "participation") is False  # never asked
        await repository.record_consent(session, respondent.id, "participation", True, "2026-11")
        assert await repository.consent_given(session, respondent.id, "participation") is True
        await repository.record_consent(session, respondent.id, "participation", False, "2026-11")
        assert await repository.consent_given(session, respondent.id, "participation") is False
    async with db.transaction() as session:
        assert await repository.consent_given(session, respondent.id, "participation") is False
        await repository.record_consent(session, respondent.id, "participation", True, "2027-01")
    async with db.transaction() as session:
        assert await repository.consent_given(session, respondent.id, "participation") is True
        assert await repository.consent_given(session, respondent.id, "newsletter") is False
        data = await repository.respondent_data(session, respondent.id)
    assert [(purpose, granted, version) for purpose, granted, version, _ in data.consents] == [
        ("participation", True, "2026-11"),
        ("participation", False, "2026-11"),
        ("participation", True, "2027-01"),
    ]


async def test_claim_update_is_idempotent(db):
    async with db.transaction() as session:
        assert await repository.claim_update(session, "telegram", 900001) is True
        assert await repository.claim_update(session, "telegram", 900001) is False
    async with db.transaction() as session:
        assert await repository.claim_update(session, "telegram", 900001) is False  # a redelivery
        assert await repository.claim_update(session, "web", 900001) is True  # another channel
        assert await repository.claim_update(session, "telegram", 2**40) is True  # big ids fit


async def test_a_claim_rolled_back_with_its_update_can_be_claimed_again(db):
    with pytest.raises(RuntimeError):
        async with db.transaction() as session:
            assert await repository.claim_update(session, "telegram", 77) is True
            raise RuntimeError("the handler failed")
    async with db.transaction() as session:
        assert await repository.claim_update(session, "telegram", 77) is True


async def test_erase_respondent_removes_everything_of_theirs_only(db, table_counts):
    gone_id, gone_run = await _respondent_with_run(db, "1")
    kept_id, kept_run = await _respondent_with_run(db, "2")
    async with db.transaction() as session:
        for respondent_id, run_id in ((gone_id, gone_run), (kept_id, kept_run)):
            await repository.record_consent(session, respondent_id, "participation", True, "1")
            await repository.store_answer(session, run_id, "rd", "none", "3")
            await repository.store_answer(session, run_id, "rd", "occasional", "2")
            await repository.save_outcomes(session, run_id, {"profile": "inseguitrice"})
    before = await table_counts()
    async with db.transaction() as session:
        await repository.erase_respondent(session, gone_id)
    after = await table_counts()
    assert after["respondents"] == before["respondents"] - 1 == 1
    assert after["consents"] == 1 and after["runs"] == 1 and after["answers"] == 2 and after["run_outcomes"] == 1
    async with db.transaction() as session:
        assert await repository.respondent_data(session, gone_id) is None
        assert await repository.get_respondent(session, "telegram", "1") is None
        assert await repository.current_answers(session, gone_run) == {}
        kept = await repository.respondent_data(session, kept_id)
    assert kept.runs == [("imprese", "active", 1, {"rd": "occasional"})]


async def test_export_runs_has_current_answers_and_pseudonyms_only(db):
    async with db.transaction() as session:
        alice = await repository.get_or_create_respondent(session, "telegram", "111")
        bob = await repository.get_or_create_respondent(session, "cli", "terminal")
        first = await repository.create_run(session, alice.id, "imprese", 1, {"status": "active"})
        await repository.store_answer(session, first.id, "employees", "micro", "1")
        await repository.store_answer(session, first.id, "employees", "small", "2")
        await repository.store_answer(session, first.id, "needs", ["digital"], "1")
        await repository.save_run_state(session, first, {"status": "completed"})
        await repository.save_outcomes(session, first.id, {"profile": "inseguitrice", "innovation_score": 3})
        second = await repository.create_run(session, bob.id, "imprese", 1, {"status": "active"})
        await repository.store_answer(session, second.id, "employees", "large", "4")
        other = await repository.create_run(session, bob.id, "cittadini", 1, {"status": "active"})
        await repository.store_answer(session, other.id, "age", 30, "30")
    async with db.transaction() as session:
        runs = await repository.export_runs(session, "imprese")
    assert [(r.respondent, r.run, r.status) for r in runs] == [
        (alice.pseudonym, first.public_id, "completed"),
        (bob.pseudonym, second.public_id, "active"),
    ]
    assert runs[0].answers == {"employees": "small", "needs": ["digital"]}
    assert runs[0].outcomes == {"profile": "inseguitrice", "innovation_score": 3}
    assert runs[0].completed_at is not None and runs[1].completed_at is None
    assert runs[1].answers == {"employees": "large"} and runs[1].outcomes == {}
    # exact fields, not a substring search: a random pseudonym or timestamp may contain "111"
    identifying = {"111", "terminal"}
    assert all(r.respondent not in identifying and r.run not in identifying for r in runs)
    assert not identifying & {str(v) for r in runs for v in r.answers.values()}


async def test_outcome_distribution_counts_completed_runs_of_the_questionnaire(db):
    profiles = ["anticipatrice", "inseguitrice", "inseguitrice", "non_innovativa", "non_innovativa", "non_innovativa"]
    async with db.transaction() as session:
        for n, profile in enumerate(profiles):
            respondent = await repository.get_or_create_respondent(session, "telegram", str(n))
            run = await repository.create_run(session, respondent.id, "imprese", 1, {"status": "active"})
            await repository.save_run_state(session, run, {"status": "completed"})
            await repository.save_outcomes(session, run.id, {"profile": profile, "innovation_score": n})
        # Not counted: an unfinished run with outcomes, and another questionnaire.
        unfinished = await repository.create_run(session, respondent.id, "imprese", 1, {"status": "active"})
        await repository.save_outcomes(session, unfinished.id, {"profile": "anticipatrice"})
        elsewhere = await repository.create_run(session, respondent.id, "cittadini", 1, {"status": "active"})
        await repository.save_run_state(session, elsewhere, {"status": "completed"})
        await repository.save_outcomes(session, elsewhere.id, {"profile": "anticipatrice"})
    async with db.transaction() as session:
        distribution = await repository.outcome_distribution(session, "imprese", "profile")
        nothing = await repository.outcome_distribution(session, "nessuno", "profile")
    assert distribution == {"anticipatrice": 1, "inseguitrice": 2, "non_innovativa": 3}
    assert nothing == {}


async def test_save_outcomes_replaces_the_previous_scoring(db):
    _, run_id = await _respondent_with_run(db)
    async with db.transaction() as session:
        await repository.save_outcomes(session, run_id, {"profile": "inseguitrice", "innovation_score": 5})
    async with db.transaction() as session:
        await repository.save_outcomes(session, run_id, {"profile": "anticipatrice"})
    async with db.transaction() as session:
        runs = await repository.export_runs(session, "imprese")
    assert runs[0].outcomes == {"profile": "anticipatrice"}


async def test_open_run_is_the_latest_active_or_paused(db):
    async with db.transaction() as session:
        respondent = await repository.get_or_create_respondent(session, "telegram", "9")
        done = await repository.create_run(session, respondent.id, "imprese", 1, {"status": "active"})
        await repository.save_run_state(session, done, {"status": "completed"})
        assert await repository.open_run(session, respondent.id) is None
        paused = await repository.create_run(session, respondent.id, "imprese", 1, {"status": "paused"})
        assert (await repository.open_run(session, respondent.id, "imprese")).id == paused.id
        assert await repository.open_run(session, respondent.id, "cittadini") is None
        await repository.save_run_state(session, paused, {"status": "expired"})
        assert await repository.open_run(session, respondent.id) is None


async def test_definition_is_registered_once_per_version(db):
    async with db.transaction() as session:
        await repository.register_definition(session, "orari", 1, {"id": "orari", "version": 1, "note": "first"})
        await repository.register_definition(session, "orari", 1, {"id": "orari", "version": 1, "note": "again"})
        await repository.register_definition(session, "orari", 2, {"id": "orari", "version": 2})
    async with db.transaction() as session:
        assert (await repository.get_definition(session, "orari", 1))["note"] == "first"
        assert (await repository.get_definition(session, "orari", 2))["version"] == 2
        assert await repository.get_definition(session, "orari", 3) is None
