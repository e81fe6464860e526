"""Where a run is, and where it goes next: positions, repeat-group items, skip logic.

A position is encoded in a short *token* (it travels in Telegram callback data, ≤ 24
characters): ``key`` for a question, ``sub#2`` for item 2 of a repeat group, ``group#+3``
for "add another?" after three items, ``key#m`` / ``sub#2m`` for a follow-up, and
``_review`` for the summary before submitting.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any, Literal

from .calculations import environment as _full_environment, interpolate
from .expressions import TODAY, parse
from .model import SILENT_TYPES, Choice, Question, Questionnaire
from .state import Message, RunState

REVIEW = "_review"
_TOKEN = re.compile(r"^(?P<key>[a-z][a-z0-9_]*)(?:#(?P<plus>\+)?(?P<index>\d+)?(?P<more>m)?)?$")


@dataclass(frozen=True)
class Position:
    kind: Literal["question", "item", "add", "more", "review"]
    key: str = ""
    index: int = 0  # item index (item, more in an item) or items so far (add)
    in_item: bool = False  # a follow-up inside a repeat item

    @property
    def token(self) -> str:
        if self.kind == "review":
            return REVIEW
        if self.kind == "item":
            return f"{self.key}#{self.index}"
        if self.kind == "add":
            return f"{self.key}#+{self.index}"
        if self.kind == "more":
            return f"{self.key}#{self.index}m" if self.in_item else f"{self.key}#m"
        return self.key


def position(token: str) -> Position:
    if token == REVIEW:
        return Position("review")
    match = _TOKEN.match(token)
    if match is None:
        raise ValueError(f"not a position: {token!r}")
    key, index = match["key"], match["index"]
    if match["plus"]:
        return Position("add", key, int(index or 0))
    if match["more"]:
        return Position("more", key, int(index or 0), in_item=index is not None)
    if index is not None:
        return Position("item", key, int(index))
    return Position("question", key)


# --- values ------------------------------------------------------------------------------------


def items(state: RunState, group: str) -> list[dict[str, Any]]:
    value = state.answers.get(group)
    return value if isinstance(value, list) else []


def value_at(q: Questionnaire, state: RunState, pos: Position) -> Any:
    if pos.kind == "question":
        return state.answers.get(pos.key)
    if pos.kind in ("item", "more") and (pos.kind == "item" or pos.in_item):
        group = q.group_of(pos.key)
        rows = items(state, group.key) if group else []
        key = pos.key if pos.kind == "item" else f"{pos.key}_more"
        return rows[pos.index].get(key) if pos.index < len(rows) else None
    if pos.kind == "more":
        return state.answers.get(f"{pos.key}_more")
    return None


def has_value(q: Questionnaire, state: RunState, pos: Position) -> bool:
    """Whether the position holds an answer (a skipped one counts: it was answered "skip")."""
    if pos.kind == "question":
        return pos.key in state.answers
    if pos.kind == "more" and not pos.in_item:
        return f"{pos.key}_more" in state.answers
    if pos.kind in ("item", "more"):
        group = q.group_of(pos.key)
        rows = items(state, group.key) if group else []
        key = pos.key if pos.kind == "item" else f"{pos.key}_more"
        return pos.index < len(rows) and key in rows[pos.index]
    return False


def set_value(q: Questionnaire, state: RunState, pos: Position, value: Any) -> tuple[str, int]:
    """Store ``value`` at ``pos`` in the state; return the (answer key, item index) to persist."""
    if pos.kind == "question":
        state.answers[pos.key] = value
        return pos.key, 0
    if pos.kind == "more" and not pos.in_item:
        state.answers[f"{pos.key}_more"] = value
        return f"{pos.key}_more", 0
    group = q.group_of(pos.key)
    assert group is not None
    rows = [dict(row) for row in items(state, group.key)]
    while len(rows) <= pos.index:
        rows.append({})
    key = pos.key if pos.kind == "item" else f"{pos.key}_more"
    rows[pos.index][key] = value
    state.answers[group.key] = rows
    return key, pos.index


# --- relevance and choices -------------------------------------------------------------------------


def is_relevant(question: Question, env: dict[str, Any]) -> bool:
    return not question.relevant or parse(question.relevant).is_true(env)


def visible_choices(q: Questionnaire, question: Question, env: dict[str, Any]) -> list[Choice]:
    """The options offered, after the question's ``choice_filter`` (cascading selects)."""
    choices = q.choices_for(question)
    if not question.choice_filter:
        return choices
    rule = parse(question.choice_filter)
    return [c for c in choices if rule.is_true({**env, **c.attributes})]


def fits_filter(q: Questionnaire, question: Question, env: dict[str, Any]) -> bool:
    """Whether a stored choice answer is still among the options its ``choice_filter`` shows."""
    value = env.get(question.key)
    if not question.choice_filter or value is None:
        return True
    shown = {c.value for c in visible_choices(q, question, env)}
    return all(str(v) in shown for v in (value if isinstance(value, list) else [value]))


def environment(
    q: Questionnaire, state: RunState, group: Question | None = None, item: dict[str, Any] | None = None
) -> dict[str, Any]:
    """:func:`dialogs.calculations.environment`, without walking the questions when none is a calculation.

    (With no ``calculate`` question the names are the parameters, the answers and today: the
    walk found nothing to add, on every prompt and every question the scan passed.)
    """
    if group is None and not _shape(q).calculations:
        return {**q.parameters, **state.answers, TODAY: state.updated_at[:10]}
    return _full_environment(q, state, group, item)


def item_env(q: Questionnaire, state: RunState, pos: Position) -> dict[str, Any]:
    group = q.group_of(pos.key) if pos.kind in ("item", "more") else None
    if group is None:
        return environment(q, state)
    rows = items(state, group.key)
    return environment(q, state, group, rows[pos.index] if pos.index < len(rows) else {})


# --- moving forward ------------------------------------------------------------------------------


@dataclass
class Advance:
    position: Position | None  # None: nothing left, the run is complete
    notes: list[Message]
    cleared: list[str]
    cleared_items: list[tuple[str, int]]


def after(q: Questionnaire, state: RunState, pos: Position | None, lang: str) -> Advance:
    """The next position a respondent must answer after ``pos`` (skipping what is irrelevant)."""
    result = Advance(None, [], [], [])
    if pos is None:
        result.position = _scan(q, state, 0, lang, result)
        return result
    if pos.kind in ("question", "more") and q.group_of(pos.key) is None:
        result.position = _scan(q, state, _top_index(q, pos.key) + 1, lang, result)
        return result
    if pos.kind in ("item", "more"):
        group = q.group_of(pos.key)
        assert group is not None
        subs = [s.key for s in group.questions]
        nxt = _next_sub(q, state, group, pos.index, subs.index(pos.key) + 1, result)
        if nxt is not None:
            result.position = nxt
        else:
            result.position = _after_item(q, state, group, pos.index + 1, lang, result)
        return result
    if pos.kind == "add":
        group = q.question(pos.key)
        result.position = _scan(q, state, _top_index(q, group.key) + 1, lang, result)
        return result
    return result


def first_of_item(q: Questionnaire, state: RunState, group: Question, index: int) -> Position | None:
    return _next_sub(q, state, group, index, 0)


def _after_item(q: Questionnaire, state: RunState, group: Question, count: int, lang: str, result: Advance) -> Position | None:
    """After ``count`` items: another item is required, optional ("add another?"), or done."""
    if count < group.min_items:
        nxt = first_of_item(q, state, group, count)
        if nxt is not None:
            return nxt
    if count < group.max_items:
        return Position("add", group.key, count)
    return _scan(q, state, _top_index(q, group.key) + 1, lang, result)


def _next_sub(
    q: Questionnaire, state: RunState, group: Question, index: int, start: int, result: Advance | None = None
) -> Position | None:
    """The item's next relevant question; with ``result``, answers that became irrelevant are retired."""
    rows = items(state, group.key)
    row = rows[index] if index < len(rows) else {}
    env = environment(q, state, group, row)
    for sub in group.questions[start:]:
        if sub.type == "calculate":
            continue  # derived, never asked (see dialogs.calculations)
        if is_relevant(sub, env):
            return Position("item", sub.key, index)
        if result is not None and sub.key in row:
            # An earlier answer in this item changed: this one no longer counts (nor its follow-up).
            row = {key: value for key, value in row.items() if key not in (sub.key, f"{sub.key}_more")}
            state.answers[group.key] = [*rows[:index], row, *rows[index + 1:]]
            rows = items(state, group.key)
            env = environment(q, state, group, row)
            result.cleared_items.append((sub.key, index))
            if sub.follow_up is not None:
                result.cleared_items.append((f"{sub.key}_more", index))
    return None


def _scan(q: Questionnaire, state: RunState, start: int, lang: str, result: Advance) -> Position | None:
    for question in q.questions[start:]:
        if question.type == "calculate":
            continue  # derived, never asked (see dialogs.calculations)
        env = environment(q, state)
        if not is_relevant(question, env):
            if question.key in state.answers:
                # An earlier change made this question irrelevant: its old answer must not count
                # (nor its follow-up, nor the follow-ups inside its items).
                del state.answers[question.key]
                state.answers.pop(f"{question.key}_more", None)
                for retired in (question, *question.questions):
                    result.cleared.append(retired.key)
                    if retired.follow_up is not None:
                        result.cleared.append(f"{retired.key}_more")
            continue
        if question.type == "note":
            text = interpolate(q, question.text.get(lang), env, lang)
            result.notes.append(Message(kind="note", text=text, question_key=question.key))
            continue
        if state.reviewing and question.key in state.answers and fits_filter(q, question, env):
            continue  # answered, and still among the options its choice filter offers
        if question.type == "repeat":
            if question.min_items == 0:
                return Position("add", question.key, 0)
            first = first_of_item(q, state, question, 0)
            return first or Position("add", question.key, 0)
        return Position("question", question.key)
    return Position("review") if q.review else None


def _top_index(q: Questionnaire, key: str) -> int:
    index = _shape(q).index.get(key)
    if index is None:
        raise KeyError(key)
    return index


@dataclass(frozen=True)
class _Shape:
    """What progress needs of a questionnaire's top-level questions, worked out once per questionnaire.

    Counting the reachable questions walked every question and parsed its relevance on every
    prompt (about a tenth of an answer's time on the Telegram path). Only some questions can
    change the count: those with a relevance, the calculations, and those another one reads
    (``dynamic``); whether any other question counts never depends on the answers.
    """

    questions: list[Question]  # the list the shape was made from (kept: its id is the cache key)
    index: dict[str, int]  # top-level key -> position
    # the dynamic rows: position, key, calculate, names read, relevance, silent
    dynamic: tuple[tuple[int, str, bool, frozenset[str], str | None, bool], ...]
    order: tuple[tuple[str, bool], ...]  # every counted (not silent) question: key, dynamic
    static_keys: tuple[str, ...]  # ``order``'s keys when no row is dynamic
    calculations: bool  # some top-level question is a calculation
    relevances: bool  # some dynamic row has a relevance to evaluate


_SHAPES: dict[int, _Shape] = {}


def _shape(q: Questionnaire) -> _Shape:
    # Keyed by the questions list: a copy of a questionnaire with other parameters or run-time
    # lists (model_copy) shares it, and so shares the shape.
    shape = _SHAPES.get(id(q.questions))
    if shape is None or shape.questions is not q.questions:
        if len(_SHAPES) > 512:
            _SHAPES.clear()
        index: dict[str, int] = {}
        for place, question in enumerate(q.questions):
            index.setdefault(question.key, place)
        rows = [
            (
                place,
                question.key,
                question.type == "calculate",
                _reads(question, with_calculation=question.type == "calculate"),
                question.relevant or None,
                question.type in SILENT_TYPES,
            )
            for place, question in enumerate(q.questions)
        ]
        read = frozenset().union(*(row[3] for row in rows))
        dynamic = tuple(row for row in rows if row[2] or row[4] is not None or row[1] in read)
        dynamic_places = {row[0] for row in dynamic}
        order = tuple((row[1], row[0] in dynamic_places) for row in rows if not row[5])
        shape = _SHAPES[id(q.questions)] = _Shape(
            q.questions, index, dynamic, order, tuple(key for key, _ in order),
            calculations=any(row[2] for row in rows), relevances=any(row[4] is not None for row in dynamic),
        )
    return shape


def progress(q: Questionnaire, state: RunState, pos: Position | None) -> tuple[int, int]:
    """(k, n): the current place among the top-level questions this respondent may still see.

    ``n`` counts the questions that are relevant now *and* those whose relevance still hangs on a
    question not answered yet (``count(wishes) > 0`` before the wishes are asked): the most the run
    can still reach. Answering forward only settles such questions, so the total never grows while
    someone answers ("8 of 13", "9 of 11", "10 of 11"), where counting only what holds now made it
    grow ("8 of 10", "9 of 11", "13 of 13"); it shrinks when an answer rules questions out.
    """
    shape = _shape(q)
    visible = _reachable(q, state, environment(q, state) if shape.relevances else {}, pos)
    if pos is not None and pos.kind != "review":
        group = q.group_of(pos.key)
        top = group.key if group is not None else pos.key
        if top in visible:
            return visible.index(top) + 1, len(visible)
    done = sum(1 for key in visible if key in state.answers)
    return min(done + 1, len(visible)) if pos is not None else len(visible), len(visible)


def _reachable(q: Questionnaire, state: RunState, env: dict[str, Any], pos: Position | None) -> list[str]:
    """The top-level questions (not notes or calculations) the run has shown or may still show.

    ``env`` is only read when a question has a relevance.
    """
    shape = _shape(q)
    if not shape.dynamic:
        return list(shape.static_keys)
    current = None
    if pos is not None and pos.key:
        group = q.group_of(pos.key)
        current = _top_index(q, group.key if group is not None else pos.key)
    answers = state.answers
    open_keys: set[str] = set()  # not answered yet and still ahead: what a relevance may yet depend on
    shown: set[str] = set()  # the dynamic questions that count
    for index, key, calculated, reads, relevant, silent in shape.dynamic:
        ahead = current is not None and index >= current and key not in answers
        if calculated:
            if open_keys and not reads.isdisjoint(open_keys):
                open_keys.add(key)  # a calculation over what is not answered yet is not known yet
            continue
        undecided = bool(open_keys) and not reads.isdisjoint(open_keys)
        if not (undecided or relevant is None or parse(relevant).is_true(env)):
            continue
        if ahead:
            open_keys.add(key)
        if not silent:
            shown.add(key)
    return [key for key, dynamic in shape.order if not dynamic or key in shown]


def _reads(question: Question, with_calculation: bool = False) -> frozenset[str]:
    """The names a question's relevance (and a calculation's formula) reads."""
    sources = [question.relevant, question.calculation if with_calculation else None]
    return frozenset().union(*(parse(source).names for source in sources if source))
