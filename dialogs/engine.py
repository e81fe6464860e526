"""The flow engine: definition + run state + input → new state + messages.

Like goflow's engine it performs no I/O: callers persist :attr:`Step.answer` and the new
state (in one transaction) before they show :attr:`Step.messages`. It never imports a
transport, a database or a clock it was not given. Where a run stands is a *position*
(see :mod:`dialogs.flow`); ``state.current`` holds its token.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from . import i18n, lookup
from .answers import (
    InvalidAnswer, check_selection, has_control_characters, match_choice, parse_choice, parse_text,
)
from .calculations import calculated_values, interpolate
from .expressions import parse
from .flow import (
    Position,
    after,
    first_of_item,
    has_value,
    item_env,
    items,
    position,
    set_value,
    value_at,
    visible_choices,
)
from .flow import progress as _progress
from .model import Question, Questionnaire, Text
from .prompts import render, ticked
from .review import review_message
from .state import AnswerChange, Input, Message, RunState, Step, utcnow

def start(q: Questionnaire, lang: str = "it", now: datetime | None = None) -> Step:
    """Begin a run: the intro, any leading notes and the first question."""
    with i18n.speaking(q.register):  # the engine's texts in the questionnaire's "tu" or "Lei"
        return _start(q, lang, now)


def _start(q: Questionnaire, lang: str, now: datetime | None) -> Step:
    now = now or utcnow()
    state = RunState(questionnaire_id=q.id, version=q.version, lang=lang, updated_at=now.isoformat())
    messages: list[Message] = []
    if q.intro:
        messages.append(Message(kind="info", text=q.intro.get(lang)))
    return _go(q, state, None, messages)


def handle(
    q: Questionnaire,
    state: RunState,
    action: Input,
    now: datetime | None = None,
    expire_after: timedelta | None = None,
) -> Step:
    """Apply one input to a copy of ``state``; the caller's state is never mutated."""
    with i18n.speaking(q.register):
        return _handle(q, state, action, now, expire_after)


def _handle(
    q: Questionnaire, state: RunState, action: Input, now: datetime | None, expire_after: timedelta | None,
) -> Step:
    now = now or utcnow()
    state = state.copy()
    lang = state.lang
    if state.status == "active" and expire_after and now - state.last_activity > expire_after:
        state.status = "expired"
        state.updated_at = now.isoformat()
        return Step(state, [Message(kind="info", text=i18n.translate("expired", lang))])
    if action.kind == "resume":
        if state.status in ("active", "paused"):
            state.status = "active"
            state.updated_at = now.isoformat()
            return Step(state, [Message(kind="info", text=i18n.translate("resumed", lang)), *prompt(q, state)])
        return _rejected(state, "not_active")
    if state.status != "active" or state.current is None:
        return _rejected(state, "not_active")
    if action.question_key is not None and action.question_key != state.current:
        return _rejected(state, "question_closed")
    if has_control_characters(action.value):  # refused the same on every channel and backend
        return _rejected(state, "control_chars", reprompt=q)
    state.updated_at = now.isoformat()
    if action.kind == "pause":
        state.status = "paused"
        return Step(state, [Message(kind="info", text=i18n.translate("paused", lang))])
    if action.kind == "show":
        return Step(state, prompt(q, state))
    if action.kind == "back":
        return _back(q, state)
    pos = position(state.current)
    try:
        if pos.kind == "review":
            return _review_input(q, state, action)
        if pos.kind == "add":
            return _add_input(q, state, pos, action)
        if pos.kind == "more":
            return _more_input(q, state, pos, action)
        return _answer_input(q, state, pos, action)
    except InvalidAnswer as problem:
        return Step(
            state,
            [Message(kind="error", text=problem.message(lang), question_key=state.current), *prompt(q, state)],
            rejected=True,
        )


def prompt(q: Questionnaire, state: RunState) -> list[Message]:
    """Render the current question again (after resume, status, or an error)."""
    if state.current is None:
        return []
    with i18n.speaking(q.register):
        return [render(q, state, position(state.current))]


def progress(q: Questionnaire, state: RunState) -> tuple[int, int]:
    return _progress(q, state, position(state.current) if state.current else None)


def evaluate_outcomes(q: Questionnaire, answers: dict[str, Any]) -> dict[str, Any]:
    """Computed scores, then classifications, from the answers (also used by re-scoring)."""
    results: dict[str, Any] = calculated_values(q, answers)
    env = {**q.parameters, **answers, **results}
    for computed in q.computed:
        value = parse(computed.expression).evaluate(env)
        env[computed.key] = results[computed.key] = value
    for outcome in q.outcomes:
        for rule in outcome.rules:
            if rule.when is None or parse(rule.when).is_true(env):
                results[outcome.key] = rule.value
                break
    return results


# --- inputs at each kind of position ----------------------------------------------------------


def _answer_input(q: Questionnaire, state: RunState, pos: Position, action: Input) -> Step:
    question = q.question(pos.key)
    env = item_env(q, state, pos)
    choices = visible_choices(q, question, env)
    if action.kind == "skip":
        if question.is_required:
            raise InvalidAnswer("cannot_skip")
        return _accept(q, state, pos, question, None, raw=None, skipped=True)
    if action.kind in ("text", "choice") and lookup.is_long(question, choices):
        return _search_input(q, state, pos, question, action, choices)
    if action.kind == "toggle" or (action.kind == "choice" and question.type in ("multiple", "ranking")):
        return _toggle(q, state, pos, question, action.value or "", choices)
    if action.kind == "done":
        if question.type not in ("multiple", "ranking"):
            raise InvalidAnswer("choose_option")
        # What the prompt shows as ticked: this turn's toggles, else the current answer.
        selection = ticked(q, state, pos, choices)
        if not selection and not question.is_required:
            return _accept(q, state, pos, question, None, raw=None, skipped=True)
        value: Any = check_selection(question, list(selection), choices)
        raw = ",".join(selection)
    elif action.kind == "choice":
        if question.type not in ("single", "yesno", "scale"):
            raise InvalidAnswer("question_closed")
        value, raw = parse_choice(q, question, action.value or "", choices), action.value
    else:
        raw = action.value or ""
        value = parse_text(q, question, raw, choices)
    _check_constraint(question, value, state, env)
    return _accept(q, state, pos, question, value, raw=raw)


def _search_input(
    q: Questionnaire, state: RunState, pos: Position, question: Question, action: Input, choices: list[Any]
) -> Step:
    """A long list: the typed letters (or a pressed match) either answer it or bring new matches."""
    token = state.current or ""
    current = value_at(q, state, pos) if has_value(q, state, pos) else None
    shown = lookup.offered(question, choices, state.pending.get(token), current)
    found = lookup.answer(choices, shown, action.kind, action.value or "", state.lang)
    if isinstance(found, lookup.Offer):
        state.pending[token] = found.values
        return Step(state, [render(q, state, pos, note=found.note)])
    _check_constraint(question, found, state, item_env(q, state, pos))
    return _accept(q, state, pos, question, found, raw=action.value)


def _more_input(q: Questionnaire, state: RunState, pos: Position, action: Input) -> Step:
    question = q.question(pos.key)
    assert question.follow_up is not None
    if action.kind == "skip":
        return _store_and_go(q, state, pos, None, None, skipped=True)
    if action.kind != "text":
        raise InvalidAnswer("question_closed")
    raw = (action.value or "").strip()
    if not raw:
        raise InvalidAnswer("empty")
    limit = question.follow_up.max_length or question.text_limit
    if len(raw) > limit:
        raise InvalidAnswer("too_long", length=len(raw), limit=limit)
    return _store_and_go(q, state, pos, raw, raw)


def _add_input(q: Questionnaire, state: RunState, pos: Position, action: Input) -> Step:
    group = q.question(pos.key)
    if action.kind == "skip":
        wants_more = False
    elif action.kind == "choice":
        if action.value not in ("yes", "no"):
            raise InvalidAnswer("choose_option")
        wants_more = action.value == "yes"
    elif action.kind == "text":
        wants_more = match_choice(q, _yes_no_question(group), action.value or "") == "yes"
    else:
        raise InvalidAnswer("choose_option")
    _visit(state)
    if wants_more:
        nxt = first_of_item(q, state, group, pos.index)
        if nxt is not None:
            return _go(q, state, nxt, [], advance=False)
    step_cleared: list[tuple[str, int]] = []
    rows = items(state, group.key)
    if len(rows) > pos.index and not state.reviewing:
        # The respondent went back and now stops earlier: the later items no longer count.
        # (While reviewing, "no" only means "done changing this group".)
        for index in range(pos.index, len(rows)):
            step_cleared.extend((key, index) for key in rows[index])
        state.answers[group.key] = rows[: pos.index]
    step = _go(q, state, pos, [], advance=True)
    step.cleared_items.extend(step_cleared)
    return step


# what a person may type to submit at the review (the button's own label, as shown, is accepted too)
SUBMIT_WORDS = frozenset({"invia", "fatto", "ok", "submit", "done", "absenden", "senden", "fertig"})


def _review_input(q: Questionnaire, state: RunState, action: Input) -> Step:
    message = review_message(q, state)
    targets = [option.value for option in message.options]
    submit_labels = {o.label.lower().rstrip(" ✔") for o in message.options if o.value == "_submit"}
    if action.kind == "choice":
        choice = action.value or ""
    elif action.kind == "text":
        text = (action.value or "").strip()
        if text.isdigit() and 1 <= int(text) <= len(targets):
            choice = targets[int(text) - 1]
        elif text.lower() in SUBMIT_WORDS or text.lower() in submit_labels:
            choice = "_submit"
        else:
            raise InvalidAnswer("choose_option")
    else:
        raise InvalidAnswer("choose_option")
    if choice not in targets:
        raise InvalidAnswer("choose_option")
    if choice == "_submit":
        return _complete(q, state, [])
    _visit(state)
    target = position(choice)
    state.current = target.token
    return Step(state, prompt(q, state))


# --- accepting and moving on --------------------------------------------------------------------------


def _accept(
    q: Questionnaire, state: RunState, pos: Position, question: Question, value: Any, raw: str | None,
    skipped: bool = False,
) -> Step:
    state.pending.pop(state.current or "", None)
    stop = question.stop
    if stop is not None and value is not None:
        env = {**item_env(q, state, pos), question.key: value, "value": value}
        if parse(stop.when).is_true(env):
            return _stop(q, state, question, env)
    follow = question.follow_up
    more = Position("more", pos.key, pos.index, in_item=pos.kind == "item")
    if follow is not None and value is not None and parse(follow.when).is_true({**item_env(q, state, pos), "value": value}):
        return _store_and_go(q, state, pos, value, raw, skipped, next_position=more)
    stale = follow is not None and has_value(q, state, more)
    if stale:  # the answer changed and needs no follow-up now: the old one no longer counts
        _drop(q, state, more)
    step = _store_and_go(q, state, pos, value, raw, skipped)
    if stale and more.in_item:
        step.cleared_items.append((f"{pos.key}_more", pos.index))
    elif stale:
        step.cleared.append(f"{pos.key}_more")
    return step


def _drop(q: Questionnaire, state: RunState, more: Position) -> None:
    """Remove a follow-up answer from the state."""
    if not more.in_item:
        state.answers.pop(f"{more.key}_more", None)
        return
    group = q.group_of(more.key)
    assert group is not None
    rows = [dict(row) for row in items(state, group.key)]
    rows[more.index].pop(f"{more.key}_more", None)
    state.answers[group.key] = rows


def _store_and_go(
    q: Questionnaire, state: RunState, pos: Position, value: Any, raw: str | None, skipped: bool = False,
    next_position: Position | None = None,
) -> Step:
    replaces = has_value(q, state, pos)
    key, index = set_value(q, state, pos, value)
    _visit(state)
    change = AnswerChange(key, value, raw, skipped=skipped, item_index=index, replaces=replaces)
    if next_position is not None:
        state.current = next_position.token
        step = Step(state, prompt(q, state))
    else:
        step = _go(q, state, pos, [], advance=True)
    step.answer = change
    return step


def _go(
    q: Questionnaire, state: RunState, pos: Position | None, messages: list[Message], advance: bool = True
) -> Step:
    """Move to the position after ``pos`` (or to ``pos`` itself when not advancing)."""
    if advance:
        moved = after(q, state, pos, state.lang)
        messages.extend(moved.notes)
        target, cleared, cleared_items = moved.position, moved.cleared, moved.cleared_items
    else:
        target, cleared, cleared_items = pos, [], []
    if target is None:
        step = _complete(q, state, messages)
        step.cleared, step.cleared_items = cleared, cleared_items
        return step
    if target.kind == "review":
        state.reviewing = True
    state.current = target.token
    messages.append(render(q, state, target))
    return Step(state, messages, cleared=cleared, cleared_items=cleared_items)


def _complete(q: Questionnaire, state: RunState, messages: list[Message]) -> Step:
    lang = state.lang
    state.current = None
    state.status = "completed"
    state.outcomes = evaluate_outcomes(q, state.answers)
    if q.outro:  # the author's own thanks: the closing line then only says the answers are saved
        messages.append(Message(kind="info", text=q.outro.get(lang)))
    closing = i18n.translate("completed_saved" if q.outro else "completed", lang)
    messages.append(Message(kind="completed", text=closing, outcomes=dict(state.outcomes)))
    return Step(state, messages, completed=True)


def _stop(q: Questionnaire, state: RunState, question: Question, env: dict[str, Any]) -> Step:
    """The answer rules the respondent out: close the run, keeping none of its answers.

    The state forgets every answer (this one is never stored: the step carries no answer) and
    its history, so neither "back" nor a change can reopen it: the run is no longer active.
    The host erases the answers it stored earlier and decides what else the reason implies.
    """
    assert question.stop is not None
    state.status = "stopped"
    state.current = None
    state.answers, state.history, state.pending, state.reviewing = {}, [], {}, False
    state.outcomes = {"stopped": question.stop.reason}
    text = interpolate(q, question.stop.text.get(state.lang), env, state.lang)
    return Step(state, [Message(kind="info", text=text)], stopped=question.stop.reason)


def _visit(state: RunState) -> None:
    if state.current and (not state.history or state.history[-1] != state.current):
        state.history.append(state.current)


def _back(q: Questionnaire, state: RunState) -> Step:
    assert state.current is not None
    history = [token for token in state.history if token != state.current]
    if not history:
        return _rejected(state, "at_start", reprompt=q)
    state.current = history[-1]
    state.history = history
    return Step(state, prompt(q, state))


def _toggle(
    q: Questionnaire, state: RunState, pos: Position, question: Question, value: str, choices: list[Any]
) -> Step:
    if question.type not in ("multiple", "ranking"):
        return _rejected(state, "question_closed", reprompt=q)
    parse_choice(q, question, value, choices)
    token = state.current or ""
    selection = ticked(q, state, pos, choices)
    if value in selection:
        selection.remove(value)
    elif question.max_choices and len(selection) >= question.max_choices:
        raise InvalidAnswer("too_many", max=question.max_choices)
    elif question.type == "ranking" and len(selection) >= (question.max_rank or len(choices)):
        raise InvalidAnswer("rank_exactly", n=question.max_rank or len(choices))
    else:
        selection.append(value)
    state.pending[token] = selection
    rendered = render(q, state, pos)
    return Step(state, [Message(**{**rendered.__dict__, "refresh": True})])


def _yes_no_question(group: Question) -> Question:
    return Question(key="add", type="yesno", text=group.add_prompt or Text(it="?", en="?"))


def _check_constraint(question: Question, value: Any, state: RunState, env: dict[str, Any]) -> None:
    if question.constraint and not parse(question.constraint).is_true({**env, "value": value}):
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
    messages = [Message(kind="error", text=i18n.translate(key, state.lang))]
    if reprompt is not None:
        messages.extend(prompt(reprompt, state))
    return Step(state, messages, rejected=True)
