"""Walk one synthetic respondent through the real flow engine (:mod:`dialogs`).

The engine decides which question comes next (relevance, repeat groups, follow-ups, the age gate),
checks every answer (types, ranges, ``max_choices``, constraints such as "«Nessuna» alone") and
computes the outcomes; the simulation only chooses what to answer. So every simulated run keeps the
questionnaire's own rules by construction: an answer the engine refuses is drawn again.
"""

from __future__ import annotations

import random
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from dialogs import Input, Question, Questionnaire, handle, start
from dialogs.flow import Position, item_env, position, visible_choices
from dialogs.model import Choice

# what a respondent does at a question: a value to give, or SKIP
SKIP = object()
RETRIES = 8  # draws before an optional question is skipped (a required one then fails loudly)


@dataclass
class Asked:
    """The question in front of the respondent, with what the engine shows of it."""

    question: Question
    pos: Position
    choices: list[Choice]
    env: dict[str, Any]
    follow_up: bool = False  # the "tell us more" after a too-short answer

    @property
    def key(self) -> str:
        return self.question.key


@dataclass
class Given:
    """One stored answer of the walk, as the host would persist it, and when it was given."""

    key: str
    item: int
    value: Any
    raw: str | None
    skipped: bool
    at: datetime
    themes: list[str] | None = None  # the themes a synthetic free text talks about (for the tagger's rows)


@dataclass
class Walk:
    answers: list[Given] = field(default_factory=list)
    status: str = "active"  # completed, or active when the respondent left part-way
    outcomes: dict[str, Any] = field(default_factory=dict)
    state: dict[str, Any] = field(default_factory=dict)
    started_at: datetime | None = None
    updated_at: datetime | None = None


Chooser = Callable[[Asked], Any]  # a value for the question (or SKIP); may set ``themes`` via the walk
Clock = Callable[[Asked | None, Any], float]  # seconds the respondent takes over an answer


def walk(q: Questionnaire, choose: Chooser, seconds: Clock, at: datetime, lang: str,
         leave_after: int | None, more: Callable[[str, int], bool], themes: dict[str, list[str]]) -> Walk:
    """Answer ``q`` from ``at``; stop after ``leave_after`` answers (a drop-out) or at the end.

    ``more(group, items)`` says whether to add another item to a repeat group holding ``items``;
    ``themes`` is filled by the chooser with the themes of the free text it just wrote (key →
    themes), read once per answer.
    """
    result = Walk(started_at=at)
    step = start(q, lang, now=at)
    state = step.state
    while state.status == "active" and state.current is not None:
        if leave_after is not None and len(result.answers) >= leave_after:
            break
        pos = position(state.current)
        if pos.kind == "review":
            action, asked = Input("choice", "_submit"), None
        elif pos.kind == "add":
            action, asked = Input("choice", "yes" if more(pos.key, pos.index) else "no"), None
        else:
            action, asked = _answer(q, state, pos, choose)
        at = at + timedelta(seconds=seconds(asked, action.value))
        step = handle(q, state, action, now=at)
        tries = 1
        while step.rejected and asked is not None:  # a rule of the questionnaire said no: draw again
            if tries >= RETRIES:
                if asked.question.is_required and not asked.follow_up:
                    raise RuntimeError(f"no valid answer drawn for {q.id}.{asked.key}")
                action = Input("skip")
            else:
                action = _answer(q, state, pos, choose)[0]
            tries += 1
            step = handle(q, state, action, now=at)
        state = step.state
        change = step.answer
        if change is not None:
            key = asked.key if asked is not None else change.question_key
            result.answers.append(Given(change.question_key, change.item_index, change.value, change.raw,
                                        change.skipped, at, themes.pop(key, None) if not change.skipped else None))
            themes.clear()
    result.status = state.status
    result.outcomes = dict(state.outcomes)
    result.state = state.to_json() if state.status == "active" else {}
    result.updated_at = at
    return result


def _answer(q: Questionnaire, state: Any, pos: Position, choose: Chooser) -> tuple[Input, Asked]:
    question = q.question(pos.key)
    if pos.kind == "more":
        asked = Asked(question, pos, [], item_env(q, state, pos), follow_up=True)
        value = choose(asked)
        return (Input("skip") if value is SKIP else Input("text", str(value))), asked
    env = item_env(q, state, pos)
    asked = Asked(question, pos, visible_choices(q, question, env), env)
    value = choose(asked)
    if value is SKIP:
        return Input("skip"), asked
    kind = question.type
    if kind in ("single", "yesno", "scale"):
        return Input("choice", str(value)), asked
    if kind in ("multiple", "ranking"):
        return Input("text", ",".join(value)), asked
    if kind == "decimal":
        return Input("text", f"{value}".replace(".", ",")), asked
    return Input("text", str(value)), asked


def draw_number(rnd: random.Random, question: Question, low: float, high: float) -> float:
    """A number in [low, high] clipped to the question's own range."""
    if question.min is not None:
        low = max(low, question.min)
    if question.max is not None:
        high = min(high, question.max)
    return rnd.uniform(low, max(low, high))
