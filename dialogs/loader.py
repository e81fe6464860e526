"""Load questionnaire files: YAML → validated dictionary → typed :class:`Questionnaire`.

Errors are for the questionnaire's author: each names the file, the question key (or the
section) and the reason, the way pyxform points at a sheet and row.
"""

from __future__ import annotations

from collections.abc import Iterable
from importlib import resources
from pathlib import Path
from typing import Any

import yaml
from pydantic import ValidationError

from .expressions import ExpressionError, parse
from .model import CHOICE_TYPES, Question, Questionnaire

# Spelling variants authors coming from XLSForm or plain Italian are likely to write.
TYPE_ALIASES = {
    "select_one": "single",
    "select_multiple": "multiple",
    "scelta_singola": "single",
    "scelta_multipla": "multiple",
    "yes_no": "yesno",
    "si_no": "yesno",
    "free_text": "text",
    "testo": "text",
    "int": "integer",
    "numero": "integer",
    "float": "decimal",
    "number": "decimal",
    "likert": "scale",
    "scala": "scale",
    "nota": "note",
    "data": "date",
}


class DefinitionError(ValueError):
    """A questionnaire definition is invalid; the message is written for its author."""

    def __init__(self, source: str, where: str, reason: str) -> None:
        self.source, self.where, self.reason = source, where, reason
        super().__init__(f"{source}: {where}: {reason}")


def builtin_directory() -> Path:
    return Path(str(resources.files("dialogs") / "questionnaires"))


def shared_lists_directory() -> Path:
    return builtin_directory() / "lists"


def load_file(path: str | Path) -> Questionnaire:
    path = Path(path)
    try:
        raw = yaml.safe_load(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise DefinitionError(str(path), "file", exc.strerror or str(exc)) from None
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f"line {mark.line + 1}" if mark else "file"
        raise DefinitionError(str(path), where, f"not valid YAML: {getattr(exc, 'problem', exc)}") from None
    return load_data(raw, source=str(path), lists_directory=path.parent / "lists")


def load_data(raw: Any, source: str = "<data>", lists_directory: Path | None = None) -> Questionnaire:
    """Validate a parsed definition (from YAML, or JSON stored with a run)."""
    if not isinstance(raw, dict):
        raise DefinitionError(source, "file", "the top level must be a mapping (id, version, questions …)")
    raw = _apply_aliases(raw)
    raw = _with_shared_lists(raw, source, lists_directory)
    try:
        questionnaire = Questionnaire.model_validate(raw)
    except ValidationError as exc:
        error = exc.errors()[0]
        raise DefinitionError(source, _locate(raw, error["loc"]), _reason(error)) from None
    _check_semantics(questionnaire, source)
    return questionnaire


def load_directory(directory: str | Path | None = None) -> dict[str, Questionnaire]:
    directory = Path(directory) if directory else builtin_directory()
    found: dict[str, Questionnaire] = {}
    for path in sorted(directory.glob("*.yaml")):  # lists/ is a subfolder: not picked up here
        questionnaire = load_file(path)
        if questionnaire.id in found:
            raise DefinitionError(str(path), "id", f"id {questionnaire.id!r} is used by another file")
        found[questionnaire.id] = questionnaire
    return found


def _with_shared_lists(raw: dict[str, Any], source: str, directory: Path | None) -> dict[str, Any]:
    """Copy the shared lists a questionnaire names into its own `lists` (stored lists win)."""
    names = raw.get("shared_lists") or []
    if not isinstance(names, list):
        raise DefinitionError(source, "shared_lists", "must be a list of list names")
    lists = dict(raw.get("lists") or {})
    for name in names:
        if name in lists:
            continue
        candidates = [d / f"{name}.yaml" for d in (directory, shared_lists_directory()) if d is not None]
        path = next((c for c in candidates if c.exists()), None)
        if path is None:
            raise DefinitionError(source, "shared_lists", f"no shared list {name!r} (looked for {name}.yaml)")
        try:
            choices = yaml.safe_load(path.read_text(encoding="utf-8"))
        except yaml.YAMLError as exc:
            raise DefinitionError(str(path), "file", f"not valid YAML: {exc}") from None
        if not isinstance(choices, list):
            raise DefinitionError(str(path), "file", "a shared list is a YAML list of choices")
        lists[name] = choices
    return {**raw, "lists": lists} if names else raw


def _apply_aliases(raw: dict[str, Any]) -> dict[str, Any]:
    questions = raw.get("questions")
    if not isinstance(questions, list):
        return raw
    fixed = []
    for question in questions:
        if isinstance(question, dict) and isinstance(question.get("type"), str):
            kind = question["type"].strip().lower()
            question = {**question, "type": TYPE_ALIASES.get(kind, kind)}
        fixed.append(question)
    return {**raw, "questions": fixed}


def _locate(raw: dict[str, Any], loc: tuple[Any, ...]) -> str:
    """Turn a pydantic location into "question 'rd_budget' (field min)" for the author."""
    if len(loc) >= 2 and loc[0] == "questions" and isinstance(loc[1], int):
        try:
            key = raw["questions"][loc[1]].get("key") or f"#{loc[1] + 1}"
        except (AttributeError, IndexError, KeyError):
            key = f"#{loc[1] + 1}"
        # Drop pydantic's union-branch names ("list[Choice]", "str"): authors never wrote them.
        rest = ".".join(str(part) for part in loc[2:] if not _is_branch_name(part))
        return f"question {key!r}" + (f" (field {rest})" if rest else "")
    return ".".join(str(part) for part in loc) or "file"


def _is_branch_name(part: Any) -> bool:
    return isinstance(part, str) and ("[" in part or part in ("str", "int", "float"))


def _reason(error: dict[str, Any]) -> str:
    if error["type"] == "literal_error" and error["loc"][-1] == "type":
        return f"unknown question type {error.get('input')!r}; {error['msg'].lower()}"
    if error["type"] == "extra_forbidden":
        return f"unknown field {error['loc'][-1]!r}"
    if error["type"] == "string_type" and isinstance(error.get("input"), bool):
        return "YAML read this as true/false: put it in quotes, e.g. value: \"no\""
    if error["type"] == "missing":
        return f"missing field {error['loc'][-1]!r}"
    return error["msg"]


def _check_semantics(q: Questionnaire, source: str) -> None:
    seen: set[str] = set()
    all_keys: set[str] = set()
    for question in q.questions:
        _check_question(q, question, seen, all_keys, source, in_group=False)
        seen.add(question.key)
    for computed in q.computed:
        _check_expression(computed.expression, seen, source, f"computed {computed.key!r}", "expression")
        if computed.key in all_keys:
            raise DefinitionError(source, f"computed {computed.key!r}", "key already used")
        seen.add(computed.key)
        all_keys.add(computed.key)
    for outcome in q.outcomes:
        for rule in outcome.rules:
            if rule.when:
                _check_expression(rule.when, seen, source, f"outcome {outcome.key!r}", "when")


def _check_question(
    q: Questionnaire, question: Question, seen: set[str], all_keys: set[str], source: str, in_group: bool
) -> None:
    where = f"question {question.key!r}"
    if question.key in all_keys:
        raise DefinitionError(source, where, "duplicate key")
    all_keys.add(question.key)
    if question.relevant:
        _check_expression(question.relevant, seen, source, where, "relevant")
    if question.constraint:
        _check_expression(question.constraint, seen | {"value"}, source, where, "constraint")
    if question.type in CHOICE_TYPES - {"yesno", "scale"}:
        if isinstance(question.choices, str):
            if question.choices not in q.lists and question.choices not in q.dynamic_lists:
                raise DefinitionError(source, where, f"unknown choice list {question.choices!r}")
        elif not question.choices:
            raise DefinitionError(source, where, f"a {question.type} question needs choices")
        values = [c.value for c in q.choices_for(question)]
        if len(values) != len(set(values)):
            raise DefinitionError(source, where, "choice values must be unique")
    elif question.choices:
        raise DefinitionError(source, where, f"a {question.type} question takes no choices")
    if question.choice_filter:
        attributes = {name for choice in q.choices_for(question) for name in choice.attributes}
        if isinstance(question.choices, str):
            attributes |= set(q.dynamic_lists.get(question.choices, []))
        _check_expression(question.choice_filter, seen | attributes, source, where, "choice_filter")
    if question.min is not None and question.max is not None and question.min > question.max:
        raise DefinitionError(source, where, "min is greater than max")
    if question.type == "scale" and len(q.choices_for(question)) > 10:
        raise DefinitionError(source, where, "a scale has at most 10 points")
    if question.max_choices is not None and question.type != "multiple":
        raise DefinitionError(source, where, "max_choices only applies to multiple choice")
    if question.max_rank is not None:
        if question.type != "ranking":
            raise DefinitionError(source, where, "max_rank only applies to ranking questions")
        run_time = isinstance(question.choices, str) and question.choices in q.dynamic_lists
        if question.max_rank > len(q.choices_for(question)) and not run_time:
            raise DefinitionError(source, where, "max_rank is larger than the number of choices")
    if question.follow_up is not None:
        if question.type != "text":
            raise DefinitionError(source, where, "follow_up only applies to text questions")
        _check_expression(question.follow_up.when, seen | {"value"}, source, where, "follow_up.when")
        if len(question.key) > 20:
            raise DefinitionError(source, where, "a question with a follow_up needs a key of at most 20 characters")
        all_keys.add(f"{question.key}_more")
    if question.type == "repeat":
        if in_group:
            raise DefinitionError(source, where, "a repeat group cannot contain another repeat group")
        if not question.questions:
            raise DefinitionError(source, where, "a repeat group needs questions")
        if question.min_items > question.max_items:
            raise DefinitionError(source, where, "min_items is greater than max_items")
        if len(question.key) > 20:
            raise DefinitionError(source, where, "a repeat group's key has at most 20 characters")
        inner = set(seen)
        for sub in question.questions:
            if sub.type == "note":
                raise DefinitionError(source, f"question {sub.key!r}", "notes are not allowed inside a repeat group")
            if len(sub.key) > 20:
                raise DefinitionError(source, f"question {sub.key!r}", "keys inside a repeat group have at most 20 characters")
            _check_question(q, sub, inner, all_keys, source, in_group=True)
            inner.add(sub.key)
    elif question.questions:
        raise DefinitionError(source, where, "only a repeat group has questions")


def _check_expression(
    text: str, known: Iterable[str], source: str, where: str, field: str
) -> None:
    try:
        expression = parse(text)
    except ExpressionError as exc:
        raise DefinitionError(source, where, f"{field}: {exc}") from None
    unknown = sorted(expression.names - set(known) - {"true", "false", "True", "False", "null", "None"})
    if unknown:
        raise DefinitionError(
            source, where, f"{field} refers to {', '.join(unknown)}, not an earlier question"
        )
