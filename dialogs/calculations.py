"""What an expression sees: the answers, the values ``calculate`` questions derive from them,
and today's date; and texts with ``${name}`` filled in from the same names.

A calculated value is never stored as an answer: it is derived again from the answers each
time it is needed, so changing an earlier answer (or going back) can never leave a stale one
behind. At completion the top-level values are kept with the run's outcomes.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from .answers import describe
from .expressions import TODAY, parse
from .i18n import number
from .model import Question, Questionnaire
from .state import RunState

_REF = re.compile(r"\$\{\s*([a-z][a-z0-9_]*)\s*\}")


def calculate(questions: list[Question], env: dict[str, Any]) -> dict[str, Any]:
    """Add each ``calculate`` of ``questions`` to ``env``, in order (later ones see earlier ones).

    Like XLSForm, a calculate whose ``relevant`` does not hold has no value.
    """
    for question in questions:
        if question.type != "calculate" or not question.calculation:
            continue
        if question.relevant and not parse(question.relevant).is_true(env):
            env[question.key] = None
        else:
            env[question.key] = parse(question.calculation).evaluate(env)
    return env


def environment(
    q: Questionnaire, state: RunState, group: Question | None = None, item: Mapping[str, Any] | None = None
) -> dict[str, Any]:
    """Names an expression sees: every answer, the calculations, and the current item's over them."""
    env = calculate(q.questions, {**q.parameters, **state.answers, TODAY: state.updated_at[:10]})
    if group is not None:
        env.update(item or {})
        calculate(group.questions, env)
    return env


def calculated_values(q: Questionnaire, answers: Mapping[str, Any]) -> dict[str, Any]:
    """The top-level calculations over a run's answers (kept with its outcomes)."""
    env = calculate(q.questions, {**q.parameters, **answers})
    return {question.key: env[question.key] for question in q.questions if question.type == "calculate"}


def interpolate(q: Questionnaire, text: str, env: Mapping[str, Any], lang: str) -> str:
    """Fill ``${name}`` in a question's or note's text (XLSForm's output of earlier answers)."""
    if "${" not in text:
        return text

    def value(match: re.Match[str]) -> str:
        key = match[1]
        found = env.get(key)
        if found is None:
            return "…"
        try:
            question = q.question(key)
        except KeyError:
            question = None
        if question is not None and question.type not in ("calculate", "repeat"):
            return describe(q, question, found, lang)
        if isinstance(found, float):
            return number(found, lang)
        return str(found)

    return _REF.sub(value, text)
