"""`scenari simulate` makes data an analyst could mistake for a real campaign: every stored run
replays through the flow engine (each answer was the question the engine asked, and it accepts
it), exclusive options are never combined, runs spread over weeks with plausible durations, some
are left part-way, and the listening interviews come from several actors of each category, who
name others they work (or would work) with."""

from __future__ import annotations

import statistics
from collections import Counter, defaultdict
from datetime import timedelta
from typing import Any

from sqlalchemy import select

from dialogs import Input, Questionnaire, handle, load_file, start
from dialogs.flow import position
from dialogs.model import Choice, Text
from storage import Database
from storage.models import Actor, Answer, Respondent, RespondentActor, Run
from storage.simulate import simulate
from storage.simulate import city
from storage.simulate.city import exclusive_options
from tests.support.plans import CREMONA_QUESTIONNAIRES as Q

NAMES = ("ascolto", "visione", "imprese", "progetto", "valutazione")


def _questionnaires(actors: list[Any]) -> dict[str, Questionnaire]:
    found = {name: load_file(Q / f"{name}.yaml", shared_lists=Q / "lists") for name in NAMES}
    choices = [Choice(value=a.code, label=Text(it=a.organisation, en=a.organisation),
                      attributes={"category": a.category}) for a in actors]
    found["ascolto"] = found["ascolto"].with_lists({"actors": choices})
    return found


def _input(q: Questionnaire, answer: Any) -> Input:
    """What a respondent would have typed or pressed to give this stored answer."""
    if answer.skipped:
        return Input("skip")
    if answer.question_key.endswith("_more"):
        return Input("text", answer.raw)
    kind = q.question(answer.question_key).type
    if kind in ("single", "yesno", "scale"):
        return Input("choice", str(answer.value))
    if kind in ("multiple", "ranking"):
        return Input("text", ",".join(answer.value))
    if kind == "decimal":
        return Input("text", str(answer.value).replace(".", ","))
    return Input("text", str(answer.value))


def _replay(q: Questionnaire, answers: list[Any], status: str) -> None:
    """Give the stored answers to the engine in order: each must be the question it asks next."""
    state = start(q).state
    for n, answer in enumerate(answers):
        while (pos := position(state.current)).kind == "add":  # another item iff the next answer opens one
            group = q.group_of(answer.question_key.removesuffix("_more"))
            opens = answer.item_index == pos.index and group is not None and group.key == pos.key
            state = handle(q, state, Input("choice", "yes" if opens else "no")).state
        key = pos.key + "_more" if pos.kind == "more" else pos.key
        where = (q.id, n, answer.question_key, answer.item_index)
        assert (key, pos.index if pos.kind in ("item", "more") and q.group_of(pos.key) else 0) == \
            (answer.question_key, answer.item_index), where  # asked here: relevant given the earlier answers
        step = handle(q, state, _input(q, answer))
        assert not step.rejected, (where, answer.value, step.messages[0].text)
        assert step.answer is not None and step.answer.value == answer.value, where
        state = step.state
    while status == "completed" and state.status == "active":  # what is left: "no more items", "send"
        pos = position(state.current)
        assert pos.kind in ("add", "review"), (q.id, pos)  # not an unanswered question
        state = handle(q, state, Input("choice", "no" if pos.kind == "add" else "_submit")).state
    assert state.status == ("completed" if status == "completed" else "active"), q.id


async def _city(db: Database) -> tuple[list[Any], dict[int, list[Any]], list[Any], list[Any]]:
    async with db.transaction() as session:
        runs = (await session.execute(select(Run).order_by(Run.id))).scalars().all()
        rows = (await session.execute(select(Answer).order_by(Answer.id))).scalars().all()
        actors = (await session.execute(select(Actor))).scalars().all()
        links = (await session.execute(select(RespondentActor))).scalars().all()
    answers: dict[int, list[Any]] = defaultdict(list)
    for row in rows:
        answers[row.run_id].append(row)
    return runs, answers, actors, links


async def test_every_simulated_run_replays_through_the_engine(db: Database) -> None:
    await simulate(db, 600, seed=3, questionnaires=Q)
    runs, answers, actors, _ = await _city(db)
    qs = _questionnaires(actors)
    assert {run.questionnaire_id for run in runs} == set(NAMES)
    for run in runs:
        _replay(qs[run.questionnaire_id], answers[run.id], run.status)
    combined = 0
    for run in runs:
        q = qs[run.questionnaire_id]
        for answer in answers[run.id]:
            if answer.question_key.endswith("_more") or answer.skipped:
                continue
            question = q.question(answer.question_key)
            alone = exclusive_options(question)
            if alone and isinstance(answer.value, list) and alone & set(answer.value):
                combined += len(answer.value) > 1
    assert combined == 0  # "none" is never chosen with another option
    chosen = Counter(v for run in runs for a in answers[run.id] if a.question_key == "obstacles" for v in a.value)
    assert chosen["none"] > 0 and len(chosen) >= 6  # yet "none" and the other options all occur


async def test_a_big_city_reuses_walked_runs_that_still_replay(db: Database, monkeypatch) -> None:
    """Past a pool of walked runs (5,000 per questionnaire; 40 here) citizens get a walked run at a new time."""
    monkeypatch.setattr(city, "POOL", 40)
    await simulate(db, 400, seed=8, questionnaires=Q)
    runs, answers, actors, _ = await _city(db)
    qs = _questionnaires(actors)
    visions = [run for run in runs if run.questionnaire_id == "visione"]
    assert len(visions) > 200
    for run in runs:
        _replay(qs[run.questionnaire_id], answers[run.id], run.status)
    paths = Counter(tuple((a.question_key, str(a.value)) for a in answers[run.id]) for run in visions)
    assert len(paths) <= 40 < len(visions)  # the pool, reused
    assert len({run.started_at for run in visions}) == len(visions)  # each at its own time


async def test_runs_spread_over_weeks_with_plausible_durations_and_drop_outs(db: Database) -> None:
    await simulate(db, 600, seed=4, questionnaires=Q)
    runs, answers, _, _ = await _city(db)
    async with db.transaction() as session:
        joined = dict((await session.execute(select(Respondent.id, Respondent.created_at))).all())
    assert all(joined[run.respondent_id] <= run.started_at for run in runs)  # nobody answers before joining
    starts = [run.started_at for run in runs]
    assert max(starts) - min(starts) >= timedelta(weeks=4)
    assert len({s.isocalendar()[:2] for s in starts}) >= 5  # every week of the campaign has runs
    by_day = Counter(s.date() for s in starts)
    assert max(by_day.values()) < len(runs) / 5  # not all on one day
    night = sum(1 for s in starts if 1 <= (s.hour + 1) % 24 < 6)  # 1–6 in Cremona
    assert night < len(runs) * 0.05
    completed = [run for run in runs if run.status == "completed"]
    partial = [run for run in runs if run.status in ("active", "expired")]
    assert len(completed) + len(partial) == len(runs)
    assert 0.04 * len(runs) < len(partial) < 0.3 * len(runs)
    assert all(run.completed_at is None and answers[run.id] for run in partial)
    assert {run.status for run in partial} == {"active", "expired"}  # recent ones can still be resumed
    visions = [(run.completed_at - run.started_at).total_seconds() for run in completed
               if run.questionnaire_id == "visione"]
    assert min(visions) > 0 and 30 < statistics.median(visions) < 15 * 60  # "two minutes" to say it
    waits: dict[str, list[float]] = defaultdict(list)
    for run in completed:
        previous = run.started_at
        for answer in answers[run.id]:
            gap = (answer.answered_at - previous).total_seconds()
            assert gap > 0, (run.id, answer.question_key)
            waits["text" if isinstance(answer.value, str) and " " in answer.value else "button"].append(gap)
            previous = answer.answered_at
        assert run.completed_at >= previous
    assert statistics.median(waits["text"]) > 2 * statistics.median(waits["button"])  # typing takes longer


async def test_several_actors_per_category_name_each_other(db: Database) -> None:
    await simulate(db, 300, seed=5, questionnaires=Q)
    runs, answers, actors, links = await _city(db)
    register = Counter(a.category for a in actors)
    actor_of = {link.respondent_id: link.actor_id for link in links}
    category_of = {a.id: a.category for a in actors}
    code_of = {a.id: a.code for a in actors}
    interviews = [run for run in runs if run.questionnaire_id == "ascolto" and run.status == "completed"]
    heard = Counter(category_of[actor_of[run.respondent_id]] for run in interviews if run.respondent_id in actor_of)
    assert all(heard[c] >= 2 for c, n in register.items() if n >= 2), (heard, register)
    named = {"collaborates_with": 0, "would_collaborate": 0}
    for run in interviews:
        own = code_of.get(actor_of.get(run.respondent_id, -1))
        for answer in answers[run.id]:
            if answer.question_key in named and not answer.skipped:
                assert own not in answer.value and set(answer.value) <= set(code_of.values())
                named[answer.question_key] += 1
    assert all(n > len(interviews) / 2 for n in named.values()), named  # current and wished partners


async def test_firms_answers_hang_together(db: Database) -> None:
    """Bigger firms do more R&D and say "no innovation" less: the tables by profile show a gradient."""
    await simulate(db, 900, seed=6, questionnaires=Q)
    runs, answers, _, _ = await _city(db)
    firms = [{a.question_key: a.value for a in answers[run.id]} for run in runs
             if run.questionnaire_id == "imprese" and run.status == "completed"]
    small = [f for f in firms if f["employees"] == "micro"]
    large = [f for f in firms if f["employees"] in ("medium", "large")]
    assert len(small) > 30 and len(large) > 10

    def share(group: list[dict[str, Any]], test: Any) -> float:
        return sum(1 for f in group if test(f)) / len(group)

    assert share(large, lambda f: f["rd"] == "continuous") > share(small, lambda f: f["rd"] == "continuous")
    assert share(large, lambda f: f["innovations"] == ["none"]) < share(small, lambda f: f["innovations"] == ["none"])
