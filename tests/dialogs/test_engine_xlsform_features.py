"""What the engine gained for XLSForm-style forms: calculations usable by later questions,
``${name}`` in texts, time and date-time answers, today(), regex(), concat(), coalesce()."""

from __future__ import annotations

from datetime import datetime, timezone

import pytest

from dialogs import evaluate_outcomes, load_data
from dialogs.expressions import parse


def _q(*questions, **top):
    return load_data({"id": "calc", "version": 1, "title": {"it": "Calcoli"}, "questions": list(questions), **top})


SIZE = {"key": "size", "type": "integer", "text": {"it": "Quanti siete?"}}
INCOME = {"key": "income", "type": "decimal", "text": {"it": "Reddito?"}}
PER_HEAD = {"key": "per_head", "type": "calculate", "calculation": "round(income / size) if answered(income) else 0"}
NOTE = {"key": "say", "type": "note", "relevant": "per_head > 0", "text": {"it": "Circa ${per_head} euro a testa."}}
POOR = {"key": "help", "type": "yesno", "relevant": "per_head < 500", "text": {"it": "Vuole un aiuto (${per_head} € a testa)?"}}
LAST = {"key": "last", "type": "text", "text": {"it": "Altro?"}}


def test_a_calculation_drives_later_conditions_and_texts(chat):
    run = chat(_q(SIZE, INCOME, PER_HEAD, NOTE, POOR, LAST))
    run.answer(size="4", income="1800")
    assert "Circa 450 euro a testa." in run.texts
    assert run.prompt.text == "Vuole un aiuto (450 € a testa)?"
    run.say("no")
    assert run.current == "last"


def test_a_calculation_follows_a_changed_answer(chat):
    run = chat(_q(SIZE, INCOME, PER_HEAD, NOTE, POOR, LAST))
    run.answer(size="2", income="3000")
    assert run.current == "last"  # 1500 a head: no help offered
    run.send("back")
    assert run.current == "income"
    run.say("600")
    assert run.current == "help"  # now 300 a head
    assert "Circa 300 euro a testa." in run.texts


def test_a_calculation_is_kept_with_the_outcomes_and_never_asked(chat):
    run = chat(_q(SIZE, INCOME, PER_HEAD, LAST))
    run.answer(size="3", income="900", last="no")
    assert run.step.completed
    assert run.state.outcomes == {"per_head": 300}
    assert "per_head" not in run.state.answers
    assert evaluate_outcomes(run.q, {"size": 3, "income": None}) == {"per_head": 0}


def test_a_calculation_is_not_counted_as_a_question(chat):
    run = chat(_q(SIZE, INCOME, PER_HEAD, LAST))
    assert run.prompt.progress == (1, 3)


def test_a_calculation_inside_a_repeat_sees_its_item(chat):
    group = {"key": "kids", "type": "repeat", "text": {"it": "Figli"}, "min_items": 1, "max_items": 3,
             "questions": [
                 {"key": "born", "type": "integer", "text": {"it": "Anno di nascita?"}},
                 {"key": "age", "type": "calculate", "calculation": "2026 - born"},
                 {"key": "school", "type": "yesno", "relevant": "age >= 6", "text": {"it": "Ha ${age} anni: va a scuola?"}},
             ]}
    run = chat(_q(group, LAST))
    run.say("2022")
    assert run.current == "kids#+1"  # four years old: no school question
    run.say("si")
    run.say("2015")
    assert run.prompt.text == "Figli 2 — Ha 11 anni: va a scuola?"


def test_time_and_datetime_answers(chat):
    run = chat(_q({"key": "at", "type": "time", "text": {"it": "A che ora?"}},
                  {"key": "when", "type": "datetime", "text": {"it": "Quando?"}}, LAST))
    run.say("25:10")
    assert run.errors == ["Serve un orario come 14:30."]
    run.say("9.05")
    assert run.state.answers["at"] == "09:05"
    run.say("domani")
    assert run.errors == ["Servono data e ora, come 31/12/2024 14:30."]
    run.say("31/12/2026 23:59")
    assert run.state.answers["when"] == "2026-12-31T23:59"


def test_today_is_the_date_of_the_respondents_turn(chat):
    born = {"key": "born", "type": "date", "text": {"it": "Quando è nato?"}, "constraint": "value < today()",
            "constraint_message": {"it": "Una data passata, per favore."}}
    q = _q(born, LAST)
    now = datetime(2026, 6, 1, 10, tzinfo=timezone.utc)
    run = chat(q, now=now)
    run.send("text", "02/06/2026", now=now)
    assert run.errors == ["Una data passata, per favore."]
    run.send("text", "31/05/2026", now=now)
    assert run.current == "last"


@pytest.mark.parametrize(
    ("source", "env", "expected"),
    [
        ("regex(value, '^[0-9]{5}$')", {"value": "26100"}, True),
        ("regex(value, '^[0-9]{5}$')", {"value": "2610"}, False),
        ("regex(value, '^[0-9]{5}$')", {"value": None}, False),
        ("concat(name, ' (', n, ')')", {"name": "Anna", "n": 3.0}, "Anna (3)"),
        ("concat(name, '!')", {"name": None}, "!"),
        ("coalesce(a, b, 'none')", {"a": None, "b": ""}, "none"),
        ("${a} + ${b}", {"a": 1, "b": 2}, 3),
    ],
)
def test_the_xlsform_functions(source, env, expected):
    assert parse(source).evaluate(env) == expected


def test_a_bad_regex_is_refused_at_load():
    from dialogs import DefinitionError

    with pytest.raises(DefinitionError) as excinfo:
        _q({"key": "cap", "type": "text", "text": {"it": "CAP?"}, "constraint": "regex(value, '[0-9')"})
    assert "regex() pattern" in excinfo.value.reason
