"""The age gate: a question block kept once (a plan's fragments/age_gate.yaml), included first by
every questionnaire open to citizens; an answer under the minimum age stops the run, keeping none
of its answers, and neither "back" nor another answer reopens it."""

from __future__ import annotations

from pathlib import Path

import pytest

from dialogs import DefinitionError, Input, check_data, evaluate_outcomes, handle, load_directory, load_file, start
from tests.support.plans import BOLZANO, CREMONA_LISTS, CREMONA_QUESTIONNAIRES

SHIPPED = load_directory(CREMONA_QUESTIONNAIRES, shared_lists=CREMONA_LISTS)
CITIZENS = ("visione", "progetto")  # open to anyone in the menu; imprese, ascolto, valutazione are not


@pytest.mark.parametrize("qid", CITIZENS)
def test_every_citizens_questionnaire_asks_the_age_first(qid):
    q = SHIPPED[qid]
    step = start(q, lang="it")
    prompt = step.messages[-1]
    asked = "quanti anni ha?" if q.register == "lei" else "quanti anni hai?"  # the fragment in the questionnaire's register
    assert prompt.question_key == "age" and asked in prompt.text.lower()
    assert "14 anni" in (prompt.hint or "")  # the threshold is said, filled in from the parameter
    assert q.questions[0].key == "age"
    assert q.question("age").stop == SHIPPED[CITIZENS[0]].question("age").stop  # one definition, reused


@pytest.mark.parametrize("qid", CITIZENS)
def test_a_twelve_year_old_is_stopped_politely_and_nothing_is_kept(qid):
    q = SHIPPED[qid]
    step = handle(q, start(q, lang="it").state, Input("text", "12"))
    assert step.stopped == "under_age" and step.answer is None  # the age itself is not stored
    assert step.state.status == "stopped" and step.state.current is None
    assert step.state.answers == {} and step.state.history == []
    assert step.state.outcomes == {"stopped": "under_age"}
    text = step.messages[0].text
    assert "almeno 14 anni" in text and "genitore" in text
    for action in (Input("back"), Input("text", "15"), Input("resume"), Input("text", "15", question_key="age")):
        again = handle(q, step.state, action)
        assert again.rejected and again.answer is None and again.state.status == "stopped"


@pytest.mark.parametrize("qid", ["zukunft", "mobilitaet"])
def test_bolzanos_citizens_questionnaires_have_the_gate_in_german(qid):
    q = load_directory(BOLZANO.questionnaires, shared_lists=BOLZANO.lists)[qid]
    assert start(q, lang="de").messages[-1].text == "Bevor wir anfangen: Wie alt bist du?"
    step = handle(q, start(q, lang="de").state, Input("text", "13"))
    assert step.stopped == "under_age" and "mindestens 14 Jahre" in step.messages[0].text


def test_a_fifteen_year_old_goes_on_and_the_band_is_derived():
    q = SHIPPED["visione"]
    step = handle(q, start(q, lang="en").state, Input("text", "15"))
    assert step.stopped is None and step.answer.question_key == "age" and step.answer.value == 15
    assert step.messages[-1].question_key == "area"
    assert "Where do you live" in step.messages[-1].text
    assert evaluate_outcomes(q, {"age": 15})["age_band"] == "u18"
    assert evaluate_outcomes(q, {"age": 44})["age_band"] == "30_44"


def test_the_stop_speaks_english_too():
    q = SHIPPED["progetto"]
    step = handle(q, start(q, lang="en").state, Input("text", "9"))
    assert "at least 14" in step.messages[0].text and "parent" in step.messages[0].text


def test_the_threshold_comes_from_the_host_not_the_file():
    q = SHIPPED["visione"].with_parameters({"minimum_age": 16, "unknown": 3})
    assert q.parameters == {"minimum_age": 16}
    assert "16" in (start(q).messages[-1].hint or "")
    assert handle(q, start(q).state, Input("text", "15")).stopped == "under_age"
    assert handle(q, start(q).state, Input("text", "16")).stopped is None


def test_changing_the_age_later_to_under_the_minimum_stops_too():
    q = SHIPPED["visione"]
    step = handle(q, start(q).state, Input("text", "30"))
    back = handle(q, step.state, Input("back"))
    assert back.state.current == "age"
    assert handle(q, back.state, Input("text", "13")).stopped == "under_age"


def _plan(tmp_path: Path, fragment: str, questionnaire: str) -> Path:
    (tmp_path / "fragments").mkdir()
    (tmp_path / "fragments" / "gate.yaml").write_text(fragment, encoding="utf-8")
    path = tmp_path / "q.yaml"
    path.write_text(questionnaire, encoding="utf-8")
    return path


FRAGMENT = """
parameters: {minimum_age: 14}
questions:
  - key: age
    type: integer
    text: {it: Età?}
    stop: {when: "value < minimum_age", reason: under_age, text: {it: "Servono ${minimum_age} anni."}}
"""


def test_an_include_is_expanded_and_the_questionnaire_may_set_the_default(tmp_path):
    path = _plan(tmp_path, FRAGMENT, """
id: t
version: 1
title: {it: T}
parameters: {minimum_age: 16}
questions:
  - include: gate
  - {key: name, type: text, text: {it: Nome?}}
""")
    q = load_file(path)
    assert [x.key for x in q.questions] == ["age", "name"] and q.parameters == {"minimum_age": 16}
    assert handle(q, start(q).state, Input("text", "15")).messages[0].text == "Servono 16 anni."


def test_a_missing_fragment_and_a_bad_stop_are_reported(tmp_path):
    path = _plan(tmp_path, FRAGMENT, "id: t\nversion: 1\ntitle: {it: T}\nquestions: [{include: nothing}]\n")
    with pytest.raises(DefinitionError, match="no fragment 'nothing'"):
        load_file(path)
    report = check_data({
        "id": "t", "version": 1, "title": {"it": "T"},
        "questions": [{"key": "age", "type": "integer", "text": {"it": "?"},
                       "stop": {"when": "value < minimun_age", "reason": "x", "text": {"it": "No"}}}],
    })
    assert any("minimun_age" in e.reason for e in report.errors)
