"""Load questionnaire files: YAML → validated dictionary → typed :class:`Questionnaire`.

Errors are for the questionnaire's author: each names the file, the question key (or the
section) and the reason, the way pyxform points at a sheet and row.
"""

from __future__ import annotations

import copy
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, get_args

import yaml
from pydantic import ValidationError

from .checks import check
from .data_lists import with_data_lists
from .expressions import suggest
from .model import DEFAULT_LANGUAGE, Questionnaire, QuestionType

# libyaml's parser when PyYAML was built with it (the wheels are): the same documents, the same
# errors and marks, ~10x faster than the pure-Python one. The catalogue is read at every start-up.
_YAML_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


def _yaml(text: str) -> Any:
    return yaml.load(text, Loader=_YAML_LOADER)  # noqa: S506 - a safe loader

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
    "ora": "time",
    "rank": "ranking",
    "classifica": "ranking",
    "calcolo": "calculate",
}


class DefinitionError(ValueError):
    """A questionnaire definition is invalid; the message is written for its author.

    ``source``, ``where`` and ``reason`` are the first problem's; ``problems`` holds every
    error of the file (the first included), each a :class:`DefinitionError` of its own.
    """

    def __init__(self, source: str, where: str, reason: str, problems: list[DefinitionError] | None = None) -> None:
        self.source, self.where, self.reason = source, where, reason
        self.problems: list[DefinitionError] = problems or [self]
        more = len(self.problems) - 1
        suffix = f" (and {more} more: `scenari questionnaires validate` lists them all)" if more else ""
        super().__init__(f"{source}: {where}: {reason}{suffix}")


@dataclass
class Report:
    """What checking one file found: the questionnaire (when it has no error), errors, warnings."""

    source: str
    questionnaire: Questionnaire | None
    errors: list[DefinitionError] = field(default_factory=list)
    warnings: list[DefinitionError] = field(default_factory=list)

    def raise_errors(self) -> Questionnaire:
        if self.errors or self.questionnaire is None:
            first = self.errors[0]
            raise DefinitionError(first.source, first.where, first.reason, self.errors)
        return self.questionnaire


# No questionnaire ships inside this package: they are a deployment's data, in its plan folder
# (plans/<city>/questionnaires/, chosen by the bot's settings), and every path is passed in.
# ``shared_lists`` below is the plan's lists folder, the last place a shared or data list is
# looked for after the questionnaire's own ``lists/`` folder (and, for data lists, its own folder).


def load_file(
    path: str | Path, default_language: str | None = None, shared_lists: Path | None = None
) -> Questionnaire:
    """Load one YAML file; raise :class:`DefinitionError` carrying every error it has."""
    return check_file(path, default_language, shared_lists).raise_errors()


def check_file(path: str | Path, default_language: str | None = None, shared_lists: Path | None = None) -> Report:
    """Every error and warning of one file (``scenari questionnaires validate``)."""
    path = Path(path)
    try:
        raw = _yaml(path.read_text(encoding="utf-8"))
    except OSError as exc:
        return _failed(str(path), "file", exc.strerror or str(exc))
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f"line {mark.line + 1}" if mark else "file"
        return _failed(str(path), where, f"not valid YAML: {getattr(exc, 'problem', exc)}")
    return check_data(raw, str(path), path.parent / "lists", default_language, shared_lists)


def load_data(
    raw: Any, source: str = "<data>", lists_directory: Path | None = None, default_language: str | None = None,
    shared_lists: Path | None = None,
) -> Questionnaire:
    """Validate a parsed definition (from YAML, or JSON stored with a run)."""
    return check_data(raw, source, lists_directory, default_language, shared_lists).raise_errors()


def check_data(
    raw: Any, source: str = "<data>", lists_directory: Path | None = None, default_language: str | None = None,
    shared_lists: Path | None = None,
) -> Report:
    """Validate a parsed definition, collecting every problem.

    ``default_language`` (the deployment's SCENARI_LANG) is the language every text must
    have; without it the file's own ``default_language`` (else Italian) is.
    """
    if not isinstance(raw, dict):
        return _failed(source, "file", "the top level must be a mapping (id, version, questions …)")
    try:
        raw = _with_fragments(raw, source, _fragment_folders(lists_directory, shared_lists))
    except DefinitionError as exc:
        return _failed(exc.source, exc.where, exc.reason)
    raw = _apply_aliases(raw)
    if default_language:
        raw = {**raw, "default_language": default_language}
    try:
        raw = _with_shared_lists(raw, source, [d for d in (lists_directory, shared_lists) if d is not None])
    except DefinitionError as exc:
        return _failed(exc.source, exc.where, exc.reason)
    raw, unread = with_data_lists(
        raw, _data_folders(lists_directory, shared_lists), raw.get("default_language") or DEFAULT_LANGUAGE
    )
    questionnaire, errors, broken = _validate_model(raw, source)
    report = Report(source, None, [*(DefinitionError(source, p.where, p.reason) for p in unread), *errors])
    if questionnaire is not None:
        findings = check(questionnaire, broken)
        report.errors.extend(DefinitionError(source, p.where, p.reason) for p in findings.errors)
        report.warnings.extend(DefinitionError(source, p.where, p.reason) for p in findings.warnings)
        if not report.errors:
            report.questionnaire = questionnaire
    if not report.errors and report.questionnaire is None:
        report.errors.append(DefinitionError(source, "file", "not a questionnaire"))
    return report


def _failed(source: str, where: str, reason: str) -> Report:
    return Report(source, None, [DefinitionError(source, where, reason)])


def _validate_model(raw: dict[str, Any], source: str) -> tuple[Questionnaire | None, list[DefinitionError], set[str]]:
    """Validate; on structural errors report them all, leave out what they concern and try again,
    so the cross-question checks still run over the rest of the file."""
    errors: list[DefinitionError] = []
    broken: set[str] = set()
    context = {"default_language": raw.get("default_language") or DEFAULT_LANGUAGE}
    for _ in range(4):
        try:
            return Questionnaire.model_validate(raw, context=context), errors, broken
        except ValidationError as exc:
            found = _without_branch_noise(exc.errors())
            errors.extend(DefinitionError(source, _locate(raw, e["loc"]), _reason(e)) for e in found)
            raw = _without(raw, [tuple(e["loc"]) for e in found], broken)
            if not raw.get("questions"):
                return None, errors, broken
    return None, errors, broken


def _without_branch_noise(found: list[Any]) -> list[Any]:
    """Drop a union's other-branch complaint ("choices: should be a string") when the error
    inside the branch the author meant (a choice's value) is reported too."""
    def clean(loc: Any) -> tuple[Any, ...]:
        return tuple(part for part in loc if not _is_branch_name(part))

    locations = [clean(e["loc"]) for e in found]
    return [
        e for e, loc in zip(found, locations)
        if not any(other != loc and other[: len(loc)] == loc for other in locations)
    ]


def _without(raw: dict[str, Any], locations: list[tuple[Any, ...]], broken: set[str]) -> dict[str, Any]:
    """``raw`` without the parts the errors point at (placeholders where a field is required)."""
    raw = copy.deepcopy(raw)
    dropped: dict[tuple[Any, ...], None] = {}
    placeholders = {"id": "invalid", "version": 1, "title": {raw.get("default_language") or DEFAULT_LANGUAGE: "?"}}
    for loc in locations:
        if loc and loc[0] in placeholders and len(loc) >= 1:
            raw[loc[0]] = placeholders[loc[0]]
        elif len(loc) >= 4 and loc[0] == "questions" and loc[2] == "questions" and isinstance(loc[3], int):
            dropped[loc[:4]] = None
        elif len(loc) >= 2 and isinstance(loc[1], (int, str)) and isinstance(raw.get(loc[0]), (list, dict)):
            dropped[loc[:2]] = None
        elif loc:
            raw.pop(loc[0], None)
    for loc in sorted(dropped, key=lambda l: [str(p) for p in l], reverse=True):
        parent: Any = raw
        for part in loc[:-1]:
            parent = parent[part]
        item = parent[loc[-1]] if not isinstance(parent, list) or loc[-1] < len(parent) else None
        if isinstance(item, dict) and isinstance(item.get("key"), str):
            broken.add(item["key"])
        if isinstance(parent, list) and loc[-1] < len(parent):
            parent[loc[-1]] = None
        elif isinstance(parent, dict):
            parent.pop(loc[-1], None)
    for name in ("questions", "computed", "outcomes"):
        if isinstance(raw.get(name), list):
            raw[name] = [item for item in raw[name] if item is not None]
    for question in raw.get("questions") or []:
        if isinstance(question, dict) and isinstance(question.get("questions"), list):
            question["questions"] = [sub for sub in question["questions"] if sub is not None]
    return raw


def load_directory(directory: str | Path, shared_lists: Path | None = None) -> dict[str, Questionnaire]:
    """Every questionnaire of one folder, by id (``shared_lists``: the plan's lists, as a fallback)."""
    directory = Path(directory)
    found: dict[str, Questionnaire] = {}
    for path in sorted(directory.glob("*.yaml")):  # lists/ is a subfolder: not picked up here
        questionnaire = load_file(path, shared_lists=shared_lists)
        if questionnaire.id in found:
            raise DefinitionError(str(path), "id", f"id {questionnaire.id!r} is used by another file")
        found[questionnaire.id] = questionnaire
    return found


def _with_shared_lists(raw: dict[str, Any], source: str, directories: list[Path]) -> dict[str, Any]:
    """Copy the shared lists a questionnaire names into its own `lists` (stored lists win)."""
    names = raw.get("shared_lists") or []
    if not isinstance(names, list):
        raise DefinitionError(source, "shared_lists", "must be a list of list names")
    lists = dict(raw.get("lists") or {})
    for name in names:
        if name in lists:
            continue
        candidates = [d / f"{name}.yaml" for d in directories]
        path = next((c for c in candidates if c.exists()), None)
        if path is None:
            raise DefinitionError(source, "shared_lists", f"no shared list {name!r} (looked for {name}.yaml)")
        try:
            choices = _yaml(path.read_text(encoding="utf-8"))
        except yaml.YAMLError as exc:
            raise DefinitionError(str(path), "file", f"not valid YAML: {exc}") from None
        if not isinstance(choices, list):
            raise DefinitionError(str(path), "file", "a shared list is a YAML list of choices")
        lists[name] = choices
    return {**raw, "lists": lists} if names else raw


FRAGMENTS = "fragments"  # beside lists/: question blocks several questionnaires include


def _fragment_folders(lists_directory: Path | None, shared_lists: Path | None) -> list[Path]:
    """Where ``{include: NAME}`` is looked for: the questionnaire's own fragments/ folder, then
    the plan's (beside the plan's lists/)."""
    found = [d.parent / FRAGMENTS for d in (lists_directory, shared_lists) if d is not None]
    return list(dict.fromkeys(found))


def _with_fragments(raw: dict[str, Any], source: str, directories: list[Path]) -> dict[str, Any]:
    """Replace each ``{include: NAME}`` among the questions by the questions of fragments/NAME.yaml.

    A fragment is a question block kept once for several questionnaires (the age gate every
    questionnaire open to citizens begins with): a mapping with ``questions`` and, optionally,
    the ``parameters`` they use with their defaults (the questionnaire's own values win). The
    questions are copied in when the file loads, so a stored run never reads the fragment again.
    """
    questions = raw.get("questions")
    if not isinstance(questions, list) or not any(isinstance(q, dict) and "include" in q for q in questions):
        return raw
    expanded: list[Any] = []
    parameters: dict[str, Any] = {}
    for number, question in enumerate(questions, start=1):
        if not (isinstance(question, dict) and "include" in question):
            expanded.append(question)
            continue
        name = question.get("include")
        where = f"question #{number} (include)"
        if set(question) != {"include"} or not isinstance(name, str) or not name.replace("_", "").isalnum():
            raise DefinitionError(source, where, "an include is written alone: {include: NAME}, NAME a fragment's file name")
        # a fragment may be written in each register (fragments/NAME.lei.yaml beside NAME.yaml), so the
        # age gate of a questionnaire that says "Lei" does not say "tu"
        register = raw.get("register")
        names = [f"{name}.{register}.yaml", f"{name}.yaml"] if isinstance(register, str) else [f"{name}.yaml"]
        path = next((d / file for file in names for d in directories if (d / file).exists()), None)
        if path is None:
            raise DefinitionError(source, where, f"no fragment {name!r} (looked for {FRAGMENTS}/{name}.yaml)")
        try:
            fragment = _yaml(path.read_text(encoding="utf-8"))
        except yaml.YAMLError as exc:
            raise DefinitionError(str(path), "file", f"not valid YAML: {exc}") from None
        if not isinstance(fragment, dict) or not isinstance(fragment.get("questions"), list) \
                or not isinstance(fragment.get("parameters") or {}, dict) or set(fragment) - {"questions", "parameters"}:
            raise DefinitionError(str(path), "file", "a fragment is a mapping with `questions` (a list) and, optionally, `parameters`")
        if any(isinstance(q, dict) and "include" in q for q in fragment["questions"]):
            raise DefinitionError(str(path), "file", "a fragment cannot include another fragment")
        expanded.extend(copy.deepcopy(fragment["questions"]))
        parameters.update(fragment.get("parameters") or {})
    own = raw.get("parameters")
    merged = {**parameters, **own} if isinstance(own, dict) else (own if own is not None else parameters)
    return {**raw, "questions": expanded, **({"parameters": merged} if merged or own is not None else {})}


def _data_folders(lists_directory: Path | None, shared_lists: Path | None) -> list[Path]:
    """Where a data list's file is looked for: the questionnaire's lists/ folder, its own folder
    (where ODK keeps a form's CSV files), then the plan's lists."""
    near = [lists_directory, lists_directory.parent] if lists_directory is not None else []
    return [*near, *([shared_lists] if shared_lists is not None else [])]


def _apply_aliases(raw: dict[str, Any]) -> dict[str, Any]:
    questions = raw.get("questions")
    if not isinstance(questions, list):
        return raw
    fixed = []
    for question in questions:
        if isinstance(question, dict) and isinstance(question.get("type"), str):
            kind = question["type"].strip().lower()
            question = {**question, "type": TYPE_ALIASES.get(kind, kind)}
        if isinstance(question, dict) and isinstance(question.get("questions"), list):
            question = _apply_aliases(question)
        fixed.append(question)
    return {**raw, "questions": fixed}


def _locate(raw: dict[str, Any], loc: tuple[Any, ...]) -> str:
    """Turn a pydantic location into "question 'rd_budget' (field min)" for the author."""
    node: Any = raw
    key = None
    while len(loc) >= 2 and loc[0] == "questions" and isinstance(loc[1], int):
        try:
            node = node["questions"][loc[1]]
            key = node.get("key") or f"#{loc[1] + 1}"
        except (AttributeError, IndexError, KeyError, TypeError):
            key = f"#{loc[1] + 1}"
        loc = loc[2:]
    # Drop pydantic's union-branch names ("list[Choice]", "str") and the inner "values" of a
    # text: authors never wrote them.
    rest = ".".join(str(part) for part in loc if not _is_branch_name(part) and part != "values")
    if key is not None:
        return f"question {key!r}" + (f" (field {rest})" if rest else "")
    return rest or "file"


def _fields_at(loc: tuple[Any, ...]) -> list[str]:
    """The field names a model at ``loc`` accepts, for "did you mean …?" on an unknown one."""
    parts = [p for p in loc[:-1] if isinstance(p, str) and not _is_branch_name(p)]
    model: Any = Questionnaire
    for part in parts:
        inner = getattr(model, "model_fields", {}).get(part)
        if inner is None:
            return []
        model = next((a for a in _flatten(inner.annotation) if hasattr(a, "model_fields")), None)
        if model is None:
            return []
    return list(getattr(model, "model_fields", {}))


def _flatten(annotation: Any) -> list[Any]:
    args = get_args(annotation)
    return [annotation] if not args else [a for arg in args for a in _flatten(arg)]


def _is_branch_name(part: Any) -> bool:
    return isinstance(part, str) and ("[" in part or part in ("str", "int", "float"))


def _reason(error: dict[str, Any]) -> str:
    if error["type"] == "literal_error" and error["loc"][-1] == "type":
        kinds = [*get_args(QuestionType), *TYPE_ALIASES]
        hint = suggest(str(error.get("input")), kinds) if isinstance(error.get("input"), str) else None
        hint_text = f"did you mean {TYPE_ALIASES.get(hint, hint)!r}? " if hint else ""
        return f"unknown question type {error.get('input')!r}; {hint_text}{error['msg'].lower()}"
    if error["type"] == "extra_forbidden":
        name = str(error["loc"][-1])
        fields = _fields_at(error["loc"])
        hint = suggest(name, fields) if fields else None
        return f"unknown field {name!r}" + (f"; did you mean {hint!r}?" if hint else "")
    if error["type"] == "string_type" and isinstance(error.get("input"), bool):
        return "YAML read this as true/false: put it in quotes, e.g. value: \"no\""
    if error["type"] == "missing":
        return f"missing field {error['loc'][-1]!r}"
    return error["msg"]
