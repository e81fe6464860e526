"""pyxform's form dictionary → the questionnaire's own shape (what a YAML file holds).

Non-repeating groups are flattened (their label a note, their condition on each question),
choice lists used by one question inlined, ODK's cascade columns renamed, XPath converted.
"""

from __future__ import annotations

import json
from typing import Any

from pyxform.parsing.sheet_headers import clean_text_values

from .columns import IGNORED_TYPES, SCENARI_QUESTION_FIELDS, SCENARI_SETTINGS, TYPES, language_code
from .job import ImportJob
from .xpath import XPathError, to_scenari

_TRUE = {"yes", "true", "true()", "1"}
_FALSE = {"no", "false", "false()", "0", ""}


def to_questionnaire(job: ImportJob, form: dict[str, Any], settings: dict[str, str]) -> dict[str, Any]:
    questions: list[dict[str, Any]] = []
    for element in form.get("children", []):
        _element(job, element, questions, relevant=[], in_repeat=False)
    raw: dict[str, Any] = {
        "default_language": job.default,
        "id": form.get("id_string") or form.get("name"),
        "version": _version(job, form.get("version")),
        "title": {job.default: form.get("title") or form.get("id_string"), **(_text(job, form.get("scenari_title")) or {})},
        "questions": questions,
    }
    for name, kind in SCENARI_SETTINGS.items():
        value = form.get(f"scenari_{name}")
        if value in (None, "") or name == "title":
            continue
        if kind == "text":
            raw[name] = _text(job, value)
        elif kind == "bool":
            raw[name] = str(value).strip().lower() in _TRUE
        elif kind == "words":
            raw[name] = str(value).split()
        elif kind == "word":  # scenari_register: lei or tu
            raw[name] = str(value).strip().lower()
        elif kind == "json":
            try:
                raw[name] = json.loads(value)
            except json.JSONDecodeError as exc:
                job.error("settings row 2", f"scenari_{name} is not valid JSON: {exc}")
    if job.parameters:
        raw["parameters"] = dict(job.parameters)
    if job.data_lists:  # read from the form's CSV files; the export's own setting names them too
        raw["data_lists"] = {**job.data_lists, **(raw.get("data_lists") or {})}
    _lists(job, raw, form.get("choices") or {}, settings)
    return raw


def _version(job: ImportJob, value: Any) -> int:
    """XLSForm versions are often dates (2024120301); any whole number ≥ 1 will do."""
    text = str(value or "1").strip()
    if not text.isdigit() or int(text) < 1:
        job.error("settings row 2", f"version {text!r} must be a whole number")
        return 1
    return int(text)


def _text(job: ImportJob, value: Any) -> dict[str, str] | None:
    """A pyxform label ("text", or {language column suffix: text}) as {code: text}."""
    if value in (None, ""):
        return None
    if not isinstance(value, dict):
        return {job.default: str(value)}
    found: dict[str, str] = {}
    for suffix, text in value.items():
        code = job.default if suffix == "default" else language_code(suffix)
        if code is None:
            job.error("file", f"language {suffix!r} has no code: write its columns as label::{suffix} (xx)")
        elif text:
            found[code] = str(text)
    return found or None


def _element(job: ImportJob, element: dict[str, Any], out: list[dict[str, Any]], relevant: list[str], in_repeat: bool) -> None:
    kind, key = element.get("type"), element.get("name", "")
    if kind == "group":
        if element.get("control", {}).get("bodyless") and key == "meta":
            return  # pyxform's own instanceID
        _group(job, element, out, relevant, in_repeat)
        return
    if kind in IGNORED_TYPES or (kind == "calculate" and _is_repeat_count(element)):
        return
    if kind not in TYPES and kind != "repeat":
        return  # already reported from the rows
    where = job.at(key)
    if kind == "calculate" and element.get("scenari_parameter") and not in_repeat:
        _parameter(job, key, str((element.get("bind") or {}).get("calculate", "")), where)
        return
    question: dict[str, Any] = {"key": key, "type": TYPES.get(kind, kind)}
    if (text := _text(job, element.get("label"))) is not None:
        question["text"] = text
    if (hint := _text(job, element.get("hint"))) is not None:
        question["hint"] = hint
    _bind(job, element.get("bind") or {}, question, relevant, where)
    if element.get("choice_filter"):  # converted once the lists' columns are known (_filters)
        job.filters[key] = str(element["choice_filter"])
    if "itemset" in element:
        _itemset(job, element, question, where)
    if kind == "range":
        _range(job, element.get("parameters") or {}, question, where)
    _scenari_fields(job, element, question, where)
    _keep_typography(job, question)
    if kind == "repeat":
        question["questions"] = []
        for child in element.get("children", []):
            _element(job, child, question["questions"], relevant=[], in_repeat=True)
        if key in job.repeat_counts:  # a fixed number of items: no "add another?"
            question["min_items"] = question["max_items"] = job.repeat_counts[key]
    out.append(question)


def _group(job: ImportJob, element: dict[str, Any], out: list[dict[str, Any]], relevant: list[str], in_repeat: bool) -> None:
    """A non-repeating group: its heading becomes a note, its condition applies to each question."""
    where = job.at(element.get("name", ""))
    condition = (element.get("bind") or {}).get("relevant")
    inner = [*relevant, _expression(job, condition, where, "relevant")] if condition else relevant
    label = _text(job, element.get("label"))
    if label and not in_repeat:
        note: dict[str, Any] = {"key": element["name"], "type": "note", "text": label}
        if inner:
            note["relevant"] = _joined(inner)
        out.append(note)
    for child in element.get("children", []):
        _element(job, child, out, inner, in_repeat)


def _joined(conditions: list[str]) -> str:
    return conditions[0] if len(conditions) == 1 else " and ".join(f"({c})" for c in conditions)


def _bind(job: ImportJob, bind: dict[str, Any], question: dict[str, Any], relevant: list[str], where: str) -> None:
    required = str(bind.get("required", "")).strip().lower()
    if required in _TRUE:
        question["required"] = True
    elif required in _FALSE:
        question["required"] = False if question["type"] not in ("note", "calculate", "repeat") else None
    else:
        job.error(where, f"required {bind['required']!r}: a condition for required is not supported (use relevant)")
    if question.get("required") is None:
        question.pop("required", None)
    own = bind.get("relevant")
    conditions = [*relevant, _expression(job, own, where, "relevant")] if own else relevant
    if conditions:
        question["relevant"] = _joined(conditions)
    if bind.get("constraint"):
        question["constraint"] = _expression(job, bind["constraint"], where, "constraint")
    if (message := _text(job, bind.get("jr:constraintMsg"))) is not None:
        question["constraint_message"] = message
    if bind.get("calculate"):
        question["calculation"] = _expression(job, bind["calculate"], where, "calculation")


def _expression(job: ImportJob, xpath: str, where: str, column: str, rename: dict[str, str] | None = None) -> str:
    try:
        return to_scenari(str(xpath), rename)
    except XPathError as exc:
        job.error(where, f"{column} {xpath!r}: {exc}")
        return "True"


def _itemset(job: ImportJob, element: dict[str, Any], question: dict[str, Any], where: str) -> None:
    name = str(element["itemset"])
    if name.endswith((".xml", ".geojson")) and not element.get("scenari_dynamic"):
        return  # refused from its row already
    if name.endswith((".csv", ".xml", ".geojson")):
        file, name = name, name.rsplit(".", 1)[0]
        if not element.get("scenari_dynamic"):  # ODK's select_one_from_file: a data list
            _data_list(job, element.get("parameters") or {}, file, name, where)
        # (a dynamic list: the host fills it at run time)
    question["choices"] = name
    job.used_lists.setdefault(name, []).append(question["key"])


def _data_list(job: ImportJob, parameters: dict[str, Any], file: str, name: str, where: str) -> None:
    """``select_one_from_file comuni.csv`` with ODK's ``value=…`` / ``label=…`` parameters (the
    columns default to ``name`` and ``label``): the file is read like a YAML file's data list."""
    unknown = sorted(set(parameters) - {"value", "label", "randomize", "seed"})
    if unknown:
        job.error(where, f"parameters {', '.join(unknown)} are not supported for a list from a file")
    spec = {"file": file, "value": str(parameters.get("value", "name")), "label": str(parameters.get("label", "label"))}
    if job.data_lists.setdefault(name, spec) != spec:
        job.error(where, f"{file} is read with other columns by an earlier question: use the same parameters")


def _range(job: ImportJob, parameters: dict[str, Any], question: dict[str, Any], where: str) -> None:
    """A range is a scale when it has at most 10 whole steps of 1; otherwise a bounded number."""
    try:
        start, end = float(parameters.get("start", 1)), float(parameters.get("end", 10))
        step = float(parameters.get("step", 1))
    except ValueError:
        job.error(where, "range parameters start, end and step must be numbers")
        return
    question["min"], question["max"] = start, end
    whole = all(float(v).is_integer() for v in (start, end, step))
    if whole and step == 1 and 2 <= end - start + 1 <= 10:
        question["type"] = "scale"
    elif whole and step == 1:
        question["type"] = "integer"
    else:
        question["type"] = "decimal"
        if step != 1:
            job.warn(where, f"range step {step:g} is not enforced: any number from {start:g} to {end:g} is accepted")


def _parameter(job: ImportJob, key: str, literal: str, where: str) -> None:
    """A questionnaire parameter, exported as a constant calculate: a number or a quoted text."""
    text = literal.strip()
    try:
        job.parameters[key] = float(text) if "." in text else int(text)
    except ValueError:
        if len(text) >= 2 and text[0] == text[-1] and text[0] in "'\"":
            job.parameters[key] = text[1:-1]
        else:
            job.error(where, f"a scenari_parameter's calculation is a number or a quoted text, not {text!r}")


def _scenari_fields(job: ImportJob, element: dict[str, Any], question: dict[str, Any], where: str) -> None:
    """Scenari's own columns (``scenari_…``), written by the export, read back."""
    for name, kind in SCENARI_QUESTION_FIELDS.items():
        value = element.get(name)
        if value in (None, ""):
            continue
        field = name.removeprefix("scenari_")
        if kind == "text":
            question[field] = _text(job, value)
        elif kind == "number":
            question[field] = float(value) if "." in str(value) else int(value)
        elif kind == "json":
            try:
                question[field] = json.loads(value)
            except json.JSONDecodeError as exc:
                job.error(where, f"{name} is not valid JSON: {exc}")
        elif kind == "words":
            question[field] = str(value).split()
    question.pop("dynamic", None)


def _keep_typography(job: ImportJob, question: dict[str, Any]) -> None:
    """Keep the author's curly quotes and line breaks, which pyxform straightens and collapses
    (for XPath's sake) even in labels: the raw row still has them."""
    raw = job.raw_rows.get(question.get("key", ""), {})
    for column, text in raw.items():
        base, _, suffix = column.partition("::")
        field = {"label": "text"}.get(base, base.removeprefix("scenari_"))
        values = question.get(field)
        if not isinstance(values, dict) or not all(isinstance(v, str) for v in values.values()):
            continue
        lang = (language_code(suffix) if suffix else job.default) or ""
        if lang in values and clean_text_values(text, strip_whitespace=True) == values[lang]:
            values[lang] = text


def _is_repeat_count(element: dict[str, Any]) -> bool:
    return str(element.get("name", "")).endswith("_count") and (element.get("bind") or {}).get("readonly") == "true()"


def _lists(job: ImportJob, raw: dict[str, Any], choices: dict[str, list[dict[str, Any]]], settings: dict[str, str]) -> None:
    """Inline a list used by one question only (unless the export named it a shared list)."""
    named = set(str(settings.get("scenari_lists", "")).split()) if "scenari_lists" in settings else None
    dynamic = raw.get("dynamic_lists") or {}
    lists: dict[str, list[dict[str, Any]]] = {}
    by_key = {q["key"]: q for q in walk(raw["questions"])}
    for name, rows in choices.items():
        converted = [_choice(job, row) for row in rows]
        users = job.used_lists.get(name, [])
        inline = (name not in named) if named is not None else len(users) == 1
        if inline and len(users) == 1:
            by_key[users[0]]["choices"] = converted
        elif users or named is not None:
            lists[name] = converted
    for name, users in job.used_lists.items():
        if name not in choices and name not in dynamic and name not in job.data_lists:
            for key in users:
                job.error(job.at(key), f"the list {name!r} is not on the choices sheet")
    _yes_no(raw, lists, named or set())
    _filters(job, raw, lists, by_key)
    if lists:
        raw["lists"] = lists


def _filters(job: ImportJob, raw: dict[str, Any], lists: dict[str, list[dict[str, Any]]], by_key: dict[str, Any]) -> None:
    """Convert the choice filters. ODK's cascade ``region=${region}`` names a choice column
    like the question before it; in Scenari a choice's columns hide answers of the same name,
    so such a column becomes ``of_region`` (the filter: ``of_region == region``)."""
    for key, xpath in job.filters.items():
        question = by_key[key]
        choices = question.get("choices")
        options = lists.get(choices, []) if isinstance(choices, str) else choices or []
        columns = {name for option in options for name in option.get("attributes", {})}
        clashing = {name for name in columns if name in by_key}
        rename = {name: f"of_{name}" for name in clashing}
        for option in options:
            attributes = option.get("attributes", {})
            option["attributes"] = {rename.get(name, name): value for name, value in attributes.items()}
        question["choice_filter"] = _expression(job, xpath, job.at(key), "choice_filter", rename)


def _yes_no(raw: dict[str, Any], lists: dict[str, list[dict[str, Any]]], named: set[str]) -> None:
    """A select_one offering exactly yes and no is Scenari's yes/no question (which also
    understands "sì", "no", "oui" typed in a chat)."""
    for question in walk(raw["questions"]):
        choices = question.get("choices")
        options = lists.get(choices, []) if isinstance(choices, str) else choices or []
        if question["type"] == "single" and [c["value"] for c in options] == ["yes", "no"]:
            question["type"] = "yesno"
            question.pop("choices")
    still_used = {q.get("choices") for q in walk(raw["questions"]) if isinstance(q.get("choices"), str)}
    for name in [n for n in lists if n not in still_used and n not in named]:
        del lists[name]


def _choice(job: ImportJob, row: dict[str, Any]) -> dict[str, Any]:
    choice: dict[str, Any] = {"value": str(row.get("name", "")), "label": _text(job, row.get("label")) or {job.default: str(row.get("name", ""))}}
    attributes = {k: str(v) for k, v in row.items() if k not in ("name", "label")}
    if attributes:
        choice["attributes"] = attributes
    return choice


def walk(questions: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return [item for q in questions for item in (q, *q.get("questions", []))]
