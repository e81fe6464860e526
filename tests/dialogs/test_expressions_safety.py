"""The questionnaire expression language: what it evaluates, and what it refuses to run."""

from __future__ import annotations

import pytest

from dialogs import DefinitionError, ExpressionError, load_data
from dialogs.expressions import parse


@pytest.mark.parametrize(
    "source",
    [
        "__import__('os').system('echo hacked')",
        "__import__('os')",
        "rd.__class__",
        "value.upper()",
        "(lambda: 1)()",
        "lambda x: x",
        "open('/etc/passwd')",
        "eval('1')",
        "exec('x = 1')",
        "getattr(rd, 'x')",
        "rd[0]",
        "[x for x in rd]",
        "{'a': 1}",
        "f'{rd}'",
        "(y := 3)",
        "2 ** 10",
        "count(rd, key=1)",
    ],
)
def test_refused_at_parse_time(source):
    with pytest.raises(ExpressionError):
        parse(source)


@pytest.mark.parametrize("source", ["import os", "x = 1", "", "   ", "rd ==", "def f(): pass"])
def test_statements_and_broken_text_are_refused(source):
    with pytest.raises(ExpressionError):
        parse(source)


def test_unknown_function_names_the_known_ones():
    with pytest.raises(ExpressionError, match="unknown function.*count"):
        parse("system('ls')")


def test_attribute_access_is_reported_as_not_allowed():
    with pytest.raises(ExpressionError, match="Attribute is not allowed"):
        parse("innovations.__len__")


@pytest.mark.parametrize(
    ("source", "env", "expected"),
    [
        ("rd != 'none' and count(innovations) >= 2", {"rd": "occasional", "innovations": ["a", "b"]}, True),
        ("rd != 'none' and count(innovations) >= 2", {"rd": "none", "innovations": ["a", "b"]}, False),
        ("selected(innovations, 'product')", {"innovations": ["product", "process"]}, True),
        ("selected(innovations, 'marketing')", {"innovations": ["product"]}, False),
        ("selected(rd, 'continuous')", {"rd": "continuous"}, True),
        ("'cat' in pets", {"pets": ["cat"]}, True),
        ("'cat' not in pets", {"pets": ["dog"]}, True),
        ("iif(rd == 'continuous', 3, iif(rd == 'occasional', 1, 0))", {"rd": "occasional"}, 1),
        ("3 if x > 2 else 4", {"x": 5}, 3),
        ("min(2, count(services))", {"services": ["a", "b", "c"]}, 2),
        ("max(1, 2) + abs(-3) + round(2.4)", {}, 7),
        ("2 * selected(a, 'x') + 1", {"a": ["x"]}, 3),
        ("number(share) / 2", {"share": "50"}, 25.0),
        ("value % 2 == 0", {"value": 8}, True),
        ("answered(comment)", {"comment": "ciao"}, True),
        ("not answered(comment)", {"comment": ""}, True),
        ("x == true", {"x": True}, True),
        ("x == null", {}, True),
    ],
)
def test_evaluates(source, env, expected):
    assert parse(source).evaluate(env) == expected


@pytest.mark.parametrize(
    ("source", "expected"),
    [
        ("employees > 10", False),          # unanswered: a comparison is simply not satisfied
        ("employees <= 10", False),
        ("count(innovations)", 0),
        ("selected(innovations, 'none')", False),
        ("not selected(innovations, 'none')", True),
        ("answered(innovations)", False),
        ("number(rd_share) + 1", 1.0),
        ("rd_share + 1", None),
        ("-rd_share", None),
        ("'a' in innovations", False),
        ("min(2, count(services)) + iif(rd == 'continuous', 3, 0)", 0),
        ("round(rd_share)", None),           # a TypeError inside becomes "no value"
        ("rd_share / 0", None),
        ("employees > 'ten'", False),
    ],
)
def test_unanswered_values_never_crash(source, expected):
    assert parse(source).evaluate({}) == expected


def test_unlike_types_are_not_a_crash():
    assert parse("rating > 'dieci'").evaluate({"rating": 5}) is None
    assert parse("rating > 'dieci'").is_true({"rating": 5}) is False
    assert parse("1 / rating").evaluate({"rating": 0}) is None


def test_names_are_the_variables_not_the_functions():
    assert parse("count(innovations) > 1 and selected(rd, 'x')").names == {"innovations", "rd"}


def _questionnaire(relevant: str) -> dict:
    return {
        "id": "x",
        "version": 1,
        "title": {"it": "X", "en": "X"},
        "questions": [
            {"key": "a", "type": "text", "text": {"it": "A", "en": "A"}},
            {"key": "b", "type": "text", "text": {"it": "B", "en": "B"}, "relevant": relevant},
        ],
    }


@pytest.mark.parametrize(
    ("relevant", "reason"),
    [
        ("__import__('os').system('rm -rf /')", "relevant: "),
        ("a.__class__", "Attribute is not allowed"),
        ("(lambda: a)()", "relevant: "),
        ("shutil(a)", "unknown function"),
        ("__import__ == a", "refers to __import__, not an earlier question"),
    ],
)
def test_a_questionnaire_with_an_unsafe_condition_does_not_load(relevant, reason):
    with pytest.raises(DefinitionError) as excinfo:
        load_data(_questionnaire(relevant), source="unsafe.yaml")
    assert excinfo.value.source == "unsafe.yaml"
    assert excinfo.value.where == "question 'b'"
    assert reason in excinfo.value.reason
