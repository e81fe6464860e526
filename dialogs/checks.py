"""The author's checks on a typed questionnaire: every problem found, each located, at once.

:mod:`dialogs.loader` turns the file into a :class:`Questionnaire`; these checks then look
across questions — keys, conditions that only look back, choice values named in conditions,
languages — and collect *every* problem rather than stopping at the first, so an author
fixes a file in one pass. Unknown names come with a "did you mean …?".
"""

from __future__ import annotations

import ast
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field

from pydantic import BaseModel

from .expressions import ExpressionError, parse, suggest
from .model import CHOICE_TYPES, Question, Questionnaire, Text

CONSTANT_NAMES = frozenset({"true", "false", "True", "False", "null", "None"})
_TEXT_REF = re.compile(r"\$\{\s*([A-Za-z_][A-Za-z0-9_]*)\s*\}")
_LISTED_VALUES = 12  # list a question's choices in the message when there are at most this many


@dataclass(frozen=True)
class Problem:
    """One located problem: ``where`` is e.g. "question 'mezzo'", ``reason`` says what is wrong."""

    where: str
    reason: str


@dataclass
class Findings:
    errors: list[Problem] = field(default_factory=list)
    warnings: list[Problem] = field(default_factory=list)


def check(q: Questionnaire, broken: Iterable[str] = ()) -> Findings:
    """All semantic errors and warnings of ``q``; ``broken`` are keys of questions the loader
    had to leave out (already reported), still known so they cause no second error."""
    return _Checker(q, set(broken)).run()


class _Checker:
    def __init__(self, q: Questionnaire, broken: set[str]) -> None:
        self.q = q
        self.broken = broken
        self.found = Findings()
        self.all_keys = {key for key in _every_key(q)} | broken
        self.by_key = {question.key: question for question in _every_question(q)}

    def error(self, where: str, reason: str) -> None:
        self.found.errors.append(Problem(where, reason))

    def run(self) -> Findings:
        seen: set[str] = set(self.broken) | set(self.q.parameters)
        keys: set[str] = set()
        for name in self.q.parameters:
            if name in self.all_keys:
                self.error(f"parameter {name!r}", "a question has the same key: give one of them another name")
        for question in self.q.questions:
            self.question(question, seen, keys, in_group=False)
            seen.add(question.key)
        for computed in self.q.computed:
            where = f"computed {computed.key!r}"
            self.expression(computed.expression, seen, where, "expression")
            if computed.key in keys:
                self.error(where, "key already used")
            seen.add(computed.key)
            keys.add(computed.key)
        for outcome in self.q.outcomes:
            for rule in outcome.rules:
                if rule.when:
                    self.expression(rule.when, seen, f"outcome {outcome.key!r}", "when")
        self.data_lists()
        self.languages()
        return self.found

    # --- one question --------------------------------------------------------------------------

    def question(self, question: Question, seen: set[str], keys: set[str], in_group: bool) -> None:
        where = f"question {question.key!r}"
        if question.key in keys:
            self.error(where, "duplicate key")
        keys.add(question.key)
        if question.relevant:
            self.expression(question.relevant, seen, where, "relevant")
        if question.constraint:
            self.expression(question.constraint, seen | {"value"}, where, "constraint", this=question)
        self.texts_refer_back(question, seen, where)
        self.choices(question, seen, where)
        self.suggested(question, where)
        self.limits(question, where)
        if question.type == "calculate":
            if not question.calculation:
                self.error(where, "a calculate needs a calculation")
            else:
                self.expression(question.calculation, seen, where, "calculation")
        elif question.calculation:
            self.error(where, "calculation only applies to calculate questions")
        if question.follow_up is not None:
            if question.type != "text":
                self.error(where, "follow_up only applies to text questions")
            self.expression(question.follow_up.when, seen | {"value"}, where, "follow_up.when", this=question)
            if len(question.key) > 20:
                self.error(where, "a question with a follow_up needs a key of at most 20 characters")
            keys.add(f"{question.key}_more")
        if question.stop is not None:
            if question.type in ("note", "calculate", "repeat"):
                self.error(where, f"stop does not apply to a {question.type}: nothing is answered")
            self.expression(question.stop.when, seen | {"value"}, where, "stop.when", this=question)
            for lang, text in question.stop.text.values.items():
                for name in _TEXT_REF.findall(text):
                    if name not in seen | {question.key}:
                        self.error(where, f"stop.text ({lang}) shows ${{{name}}}: " + self.unknown_name(name, seen, "it"))
        if question.type == "repeat":
            self.repeat(question, seen, keys, in_group, where)
        elif question.questions:
            self.error(where, "only a repeat group has questions")

    def repeat(self, question: Question, seen: set[str], keys: set[str], in_group: bool, where: str) -> None:
        if in_group:
            self.error(where, "a repeat group cannot contain another repeat group")
        if not question.questions and question.key not in self.broken:
            self.error(where, "a repeat group needs questions")
        if question.min_items > question.max_items:
            self.error(where, "min_items is greater than max_items")
        if len(question.key) > 20:
            self.error(where, "a repeat group's key has at most 20 characters")
        inner = set(seen)
        for sub in question.questions:
            if sub.type == "note":
                self.error(f"question {sub.key!r}", "notes are not allowed inside a repeat group")
            if len(sub.key) > 20:
                self.error(f"question {sub.key!r}", "keys inside a repeat group have at most 20 characters")
            self.question(sub, inner, keys, in_group=True)
            inner.add(sub.key)

    def choices(self, question: Question, seen: set[str], where: str) -> None:
        q = self.q
        if question.type in CHOICE_TYPES - {"yesno", "scale"}:
            if isinstance(question.choices, str):
                if question.choices not in q.lists and question.choices not in q.dynamic_lists:
                    hint = suggest(question.choices, [*q.lists, *q.dynamic_lists])
                    self.error(where, f"unknown choice list {question.choices!r}" + _did_you_mean(hint))
            elif not question.choices:
                self.error(where, f"a {question.type} question needs choices")
            values = [c.value for c in q.choices_for(question)]
            if len(values) != len(set(values)):
                self.error(where, "choice values must be unique")
        elif question.choices:
            self.error(where, f"a {question.type} question takes no choices")
        if question.choice_filter:
            attributes = {name for choice in q.choices_for(question) for name in choice.attributes}
            if isinstance(question.choices, str):
                attributes |= set(q.dynamic_lists.get(question.choices, []))
            self.expression(question.choice_filter, seen | attributes, where, "choice_filter")

    def suggested(self, question: Question, where: str) -> None:
        """The options a long list offers before typing: a single choice's own values."""
        if not question.suggested:
            return
        if question.type != "single":
            self.error(where, "suggested only applies to single choice questions")
            return
        if isinstance(question.choices, str) and question.choices in self.q.dynamic_lists:
            return  # filled at run time: nothing to check against
        values = [c.value for c in self.q.choices_for(question)]
        for value in question.suggested:
            if values and value not in values:
                self.error(where, f"suggested: {value!r} is not one of its choices" + _did_you_mean(suggest(value, values)))

    def data_lists(self) -> None:
        """A data list's name must be its own: a shared or run-time list of that name would hide it."""
        for name in self.q.data_lists:
            if name in self.q.shared_lists or name in self.q.dynamic_lists:
                kind = "shared" if name in self.q.shared_lists else "dynamic"
                self.error(f"data list {name!r}", f"{name!r} is also a {kind} list: give one of them another name")

    def limits(self, question: Question, where: str) -> None:
        q = self.q
        if question.min is not None and question.max is not None and question.min > question.max:
            self.error(where, "min is greater than max")
        if question.type == "scale" and len(q.choices_for(question)) > 10:
            self.error(where, "a scale has at most 10 points")
        if question.max_choices is not None and question.type != "multiple":
            self.error(where, "max_choices only applies to multiple choice")
        if question.max_rank is not None:
            if question.type != "ranking":
                self.error(where, "max_rank only applies to ranking questions")
            run_time = isinstance(question.choices, str) and question.choices in q.dynamic_lists
            if question.max_rank > len(q.choices_for(question)) and not run_time:
                self.error(where, "max_rank is larger than the number of choices")

    # --- expressions -----------------------------------------------------------------------------

    def expression(
        self, text: str, known: set[str], where: str, field: str, this: Question | None = None
    ) -> None:
        try:
            expression = parse(text)
        except ExpressionError as exc:
            self.error(where, f"{field}: {exc}")
            return
        for name in sorted(expression.names - known - CONSTANT_NAMES):
            self.error(where, self.unknown_name(name, known, field))
        self.choice_values(expression.tree, where, field, this)

    def unknown_name(self, name: str, known: set[str], field: str) -> str:
        reason = f"{field} refers to {name}, not an earlier question"
        if name in self.all_keys:
            return f"{reason} ({name!r} comes later: a condition can only look back)"
        return reason + _did_you_mean(suggest(name, sorted(known - CONSTANT_NAMES - {"value"})))

    def choice_values(self, tree: ast.AST, where: str, field: str, this: Question | None) -> None:
        """Catch ``mezzo == 'bicicletta'`` when mezzo's choices have no 'bicicletta'."""
        for name, value in _named_values(tree):
            question = this if name == "value" and this is not None else self.by_key.get(name)
            if question is None or question.type not in CHOICE_TYPES - {"scale"}:
                continue
            if isinstance(question.choices, str) and question.choices in self.q.dynamic_lists:
                continue  # filled at run time: nothing to check against
            values = [c.value for c in self.q.choices_for(question)]
            if values and value not in values:
                listed = f" (its choices: {', '.join(values)})" if len(values) <= _LISTED_VALUES else ""
                self.error(
                    where,
                    f"{field}: {value!r} is not a choice of {question.key!r}{listed}"
                    + _did_you_mean(suggest(value, values)),
                )

    def texts_refer_back(self, question: Question, seen: set[str], where: str) -> None:
        for lang, text in question.text.values.items():
            for name in _TEXT_REF.findall(text):
                if name not in seen:
                    self.error(where, f"text ({lang}) shows ${{{name}}}: " + self.unknown_name(name, seen, "it"))

    # --- languages -------------------------------------------------------------------------------

    def languages(self) -> None:
        """The default language is required everywhere; any other used somewhere is optional,
        and each text that lacks it is a warning (respondents then read the default)."""
        default = self.q.default_language
        texts = list(_texts(self.q))
        used = {lang for _, text in texts for lang in text.languages}
        others = sorted(used - {default})
        for where, text in texts:
            if not text.has(default):
                self.error(where, f"no {default!r} text: {default!r} is the default language, every text needs it")
            missing = [lang for lang in others if not text.has(lang)]
            if missing:
                self.found.warnings.append(Problem(where, f"no translation in {', '.join(missing)}"))


def _did_you_mean(hint: str | None) -> str:
    return f"; did you mean {hint!r}?" if hint else ""


def _named_values(tree: ast.AST) -> Iterator[tuple[str, str]]:
    """(question name, string constant) pairs an expression compares: ==, !=, in, selected()."""
    for node in ast.walk(tree):
        if isinstance(node, ast.Compare):
            left = node.left
            for op, right in zip(node.ops, node.comparators):
                if isinstance(op, (ast.Eq, ast.NotEq)):
                    yield from _pair(left, right)
                    yield from _pair(right, left)
                elif isinstance(op, (ast.In, ast.NotIn)):
                    if isinstance(right, ast.Name) and _is_text(left):
                        yield right.id, left.value  # type: ignore[union-attr]
                    if isinstance(left, ast.Name) and isinstance(right, (ast.List, ast.Tuple)):
                        yield from ((left.id, e.value) for e in right.elts if _is_text(e))  # type: ignore[attr-defined]
                left = right
        elif isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id == "selected":
            if len(node.args) == 2:
                yield from _pair(node.args[0], node.args[1])


def _pair(name: ast.AST, constant: ast.AST) -> Iterator[tuple[str, str]]:
    if isinstance(name, ast.Name) and _is_text(constant):
        yield name.id, constant.value  # type: ignore[attr-defined]


def _is_text(node: ast.AST) -> bool:
    return isinstance(node, ast.Constant) and isinstance(node.value, str)


def _every_question(q: Questionnaire) -> Iterator[Question]:
    for question in q.questions:
        yield question
        yield from question.questions


def _every_key(q: Questionnaire) -> Iterator[str]:
    for question in _every_question(q):
        yield question.key
    for computed in q.computed:
        yield computed.key


def _texts(q: Questionnaire) -> Iterator[tuple[str, Text]]:
    """Every user-facing text with where it is, in the words the other errors use."""
    for name in ("title", "description", "intro", "outro"):
        text = getattr(q, name)
        if text is not None:
            yield name, text
    for question in _every_question(q):
        yield from _model_texts(question, f"question {question.key!r}", skip={"questions"})
    for list_name, choices in q.lists.items():
        source = q.data_lists.get(list_name)
        if source is not None and isinstance(source.label, str):
            continue  # one label column: names (municipalities), the same in every language
        for choice in choices:
            yield f"list {list_name!r} (choice {choice.value!r})", choice.label
    for outcome in q.outcomes:
        yield from _model_texts(outcome, f"outcome {outcome.key!r}", skip=set())


def _model_texts(model: BaseModel, where: str, skip: set[str], path: str = "") -> Iterator[tuple[str, Text]]:
    for name in type(model).model_fields:
        if name in skip:
            continue
        value = getattr(model, name)
        label = f"{path}{name}"
        if isinstance(value, Text):
            if not (name == "text" and getattr(model, "type", None) == "calculate"):
                yield f"{where} (field {label})", value
        elif isinstance(value, BaseModel):
            yield from _model_texts(value, where, set(), f"{label}.")
        elif isinstance(value, list):
            for item in value:
                if isinstance(item, BaseModel) and hasattr(item, "value") and name == "choices":
                    yield f"{where} (choice {item.value!r})", item.label  # type: ignore[attr-defined]
        elif isinstance(value, dict):
            for key, item in value.items():
                if isinstance(item, Text):
                    yield f"{where} (field {label}.{key})", item


def texts_of(q: Questionnaire) -> list[tuple[str, Text]]:
    """Every user-facing text of a questionnaire, located: what a plan's languages are checked on."""
    return list(_texts(q))
