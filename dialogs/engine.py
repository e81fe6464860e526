"""The flow engine: definition + run state + input → new state + messages.

Like goflow's engine it performs no I/O: callers persist :attr:`Step.answer` and the new
state (in one transaction) before they show :attr:`Step.messages`. It never imports a
transport, a database or a clock it was not given.
"""

from __future__ import annotations

import copy
from datetime import datetime, timedelta
from typing import Any

from . import i18n
from .answers import InvalidAnswer, check_selection, describe, parse_choice, parse_text
from .expressions import parse
from .model import Question, Questionnaire
from .state import AnswerChange, Input, Message, Option, RunState, Step, utcnow


def start(q: Questionnaire, lang: str = "it", now: datetime | None = None) -> Step:
    """Begin a run: the intro, any leading notes and the first question."""
    now = now or utcnow()
    state = RunState(questionnaire_id=q.id, version=q.version, lang=lang, updated_at=now.isoformat())
    messages: list[Message] = []
    if q.intro:
        messages.append(Message(kind="info", text=q.intro.get(lang)))
    return _advance(q, state, from_index=-1, messages=messages)


def handle(
    q: Questionnaire,
    state: RunState,
    action: Input,
    now: datetime | None = None,
    expire_after: timedelta | None = None,
) -> Step:
    """Apply one input to a copy of ``state``; the caller's state is never mutated."""
    now = now or utcnow()
    state = copy.deepcopy(state)
    lang = state.lang
    if state.status == "active" and expire_after and now - state.last_activity > expire_after:
        state.status = "expired"
        state.updated_at = now.isoformat()
        return Step(state, [Message(kind="info", text=i18n.text("expired", lang))])
    if action.kind == "resume":
        if state.status in ("active", "paused"):
            state.status = "active"
            state.updated_at = now.isoformat()
            return Step(state, [Message(kind="info", text=i18n.text("resumed", lang)), *prompt(q, state)])
        return _rejected(state, "not_active")
    if state.status != "active" or state.current is None:
        return _rejected(state, "not_active")
    if action.question_key is not None and action.question_key != state.current:
        return _rejected(state, "question_closed")
    state.updated_at = now.isoformat()
    if action.kind == "pause":
        state.status = "paused"
        return Step(state, [Message(kind="info", text=i18n.text("paused", lang))])
    if action.kind == "show":
        return Step(state, prompt(q, state))
    if action.kind == "back":
        return _back(q, state)
    question = q.question(state.current)
    if action.kind == "skip":
        if question.is_required:
            return _rejected(state, "cannot_skip", reprompt=q)
        return _accept(q, state, question, None, raw=None, skipped=True)
    if action.kind == "toggle":
        return _toggle(q, state, question, action.value or "")
    try:
        if action.kind == "done":
            if question.type != "multiple":
                raise InvalidAnswer("choose_option")
            # What the prompt shows as ticked: this turn's toggles, else the current answer.
            selection = state.pending.get(question.key, state.answers.get(question.key) or [])
            if not selection and not question.is_required:
                return _accept(q, state, question, None, raw=None, skipped=True)
            value: Any = check_selection(question, selection)
            raw = ",".join(selection)
        elif action.kind == "choice":
            if question.type == "multiple":
                return _toggle(q, state, question, action.value or "")
            if question.type not in ("single", "yesno", "scale"):
                raise InvalidAnswer("question_closed")
            value, raw = parse_choice(q, question, action.value or ""), action.value
        else:
            raw = action.value or ""
            value = parse_text(q, question, raw)
        _check_constraint(question, value, state)
    except InvalidAnswer as problem:
        return Step(
            state,
            [Message(kind="error", text=problem.message(lang), question_key=question.key), *prompt(q, state)],
            rejected=True,
        )
    return _accept(q, state, question, value, raw=raw)


def prompt(q: Questionnaire, state: RunState) -> list[Message]:
    """Render the current question again (after resume, status, or an error)."""
    if state.current is None:
        return []
    return [_prompt(q, state, q.question(state.current))]


def progress(q: Questionnaire, state: RunState) -> tuple[int, int]:
    """(k, n): the current question's place among the questions this respondent will see."""
    visible = [
        qq.key for qq in q.questions if qq.type != "note" and _is_relevant(qq, state.answers)
    ]
    if state.current in visible:
        return visible.index(state.current) + 1, len(visible)
    done = sum(1 for key in visible if key in state.answers)
    return min(done + 1, len(visible)), len(visible)


def evaluate_outcomes(q: Questionnaire, answers: dict[str, Any]) -> dict[str, Any]:
    """Computed scores, then classifications, from the answers (also used by re-scoring)."""
    env = dict(answers)
    results: dict[str, Any] = {}
    for computed in q.computed:
        value = parse(computed.expression).evaluate(env)
        env[computed.key] = results[computed.key] = value
    for outcome in q.outcomes:
        for rule in outcome.rules:
            if rule.when is None or parse(rule.when).is_true(env):
                results[outcome.key] = rule.value
                break
    return results


def _accept(
    q: Questionnaire, state: RunState, question: Question, value: Any, raw: str | None, skipped: bool = False
) -> Step:
    state.answers[question.key] = value
    state.pending.pop(question.key, None)
    if not state.history or state.history[-1] != question.key:
        state.history.append(question.key)
    change = AnswerChange(question.key, value, raw, skipped=skipped)
    step = _advance(q, state, from_index=q.index_of(question.key), messages=[])
    step.answer = change
    return step


def _advance(q: Questionnaire, state: RunState, from_index: int, messages: list[Message]) -> Step:
    lang = state.lang
    cleared: list[str] = []
    for question in q.questions[from_index + 1 :]:
        if not _is_relevant(question, state.answers):
            if question.key in state.answers:
                # An earlier change made this question irrelevant: its old answer must not count.
                del state.answers[question.key]
                cleared.append(question.key)
            continue
        if question.type == "note":
            messages.append(Message(kind="note", text=question.text.get(lang), question_key=question.key))
            continue
        state.current = question.key
        messages.append(_prompt(q, state, question))
        return Step(state, messages, cleared=cleared)
    state.current = None
    state.status = "completed"
    state.outcomes = evaluate_outcomes(q, state.answers)
    if q.outro:
        messages.append(Message(kind="info", text=q.outro.get(lang)))
    messages.append(Message(kind="completed", text=i18n.text("completed", lang), outcomes=dict(state.outcomes)))
    return Step(state, messages, cleared=cleared, completed=True)


def _back(q: Questionnaire, state: RunState) -> Step:
    assert state.current is not None
    history = [key for key in state.history if key != state.current]
    if not history:
        return _rejected(state, "at_start", reprompt=q)
    state.current = history[-1]
    state.history = history
    return Step(state, prompt(q, state))


def _toggle(q: Questionnaire, state: RunState, question: Question, value: str) -> Step:
    if question.type != "multiple":
        return _rejected(state, "question_closed", reprompt=q)
    try:
        parse_choice(q, question, value)
    except InvalidAnswer as problem:
        return Step(state, [Message(kind="error", text=problem.message(state.lang))], rejected=True)
    selection = list(state.pending.get(question.key, state.answers.get(question.key) or []))
    if value in selection:
        selection.remove(value)
    elif question.max_choices and len(selection) >= question.max_choices:
        return Step(
            state,
            [Message(kind="error", text=i18n.text("too_many", state.lang, max=question.max_choices))],
            rejected=True,
        )
    else:
        selection.append(value)
    state.pending[question.key] = selection
    rendered = _prompt(q, state, question)
    return Step(state, [Message(**{**rendered.__dict__, "refresh": True})])


def _prompt(q: Questionnaire, state: RunState, question: Question) -> Message:
    lang = state.lang
    selected: set[str] = set()
    if question.type == "multiple":
        selected = set(state.pending.get(question.key, state.answers.get(question.key) or []))
    options = tuple(
        Option(value=c.value, label=c.label.get(lang), selected=c.value in selected)
        for c in q.choices_for(question)
    )
    hints = [question.hint.get(lang)] if question.hint else []
    if question.type == "scale" and (question.min_label or question.max_label):
        low, high = options[0].label, options[-1].label
        hints.append(
            f"{low} = {question.min_label.get(lang) if question.min_label else low}, "
            f"{high} = {question.max_label.get(lang) if question.max_label else high}"
        )
    if question.key in state.answers:
        hints.append(i18n.text("current_answer", lang, answer=describe(q, question, state.answers[question.key], lang)))
    return Message(
        kind="prompt",
        text=question.text.get(lang),
        question_key=question.key,
        question_type=question.type,
        options=options,
        multiple=question.type == "multiple",
        progress=progress(q, state),
        can_skip=not question.is_required,
        can_go_back=any(key != question.key for key in state.history),
        hint="\n".join(hints) or None,
    )


def _is_relevant(question: Question, answers: dict[str, Any]) -> bool:
    return not question.relevant or parse(question.relevant).is_true(answers)


def _check_constraint(question: Question, value: Any, state: RunState) -> None:
    if question.constraint and not parse(question.constraint).is_true({**state.answers, "value": value}):
        if question.constraint_message:
            raise _Constraint(question.constraint_message.get(state.lang))
        raise InvalidAnswer("invalid")


class _Constraint(InvalidAnswer):
    def __init__(self, text: str) -> None:
        super().__init__("invalid")
        self._text = text

    def message(self, lang: str) -> str:
        return self._text


def _rejected(state: RunState, key: str, reprompt: Questionnaire | None = None) -> Step:
    messages = [Message(kind="error", text=i18n.text(key, state.lang))]
    if reprompt is not None:
        messages.extend(prompt(reprompt, state))
    return Step(state, messages, rejected=True)
