"""Write a Scenari questionnaire as an XLSForm workbook (survey, choices, settings sheets).

What XLSForm can say is written its way (``select_one``, ``${name}`` XPath, ``label::English
(en)``); what only Scenari has (a follow-up, scale labels, the outcomes …) goes in
``scenari_…`` columns that ODK tools ignore and :mod:`dialogs.xlsform.reader` reads back, so
importing the export gives the same questionnaire.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from openpyxl import Workbook
from openpyxl.styles import Font

from ..model import Choice, Question, Questionnaire, Text
from .xpath import to_xpath

LANGUAGE_NAMES = {"it": "Italiano", "en": "English", "fr": "Français", "de": "Deutsch", "es": "Español"}
_TYPES = {"single": "select_one", "multiple": "select_multiple", "ranking": "rank", "datetime": "dateTime"}
YES_NO = "yes_no"


def language_column(lang: str) -> str:
    """``it`` → ``Italiano (it)``, the style of the ODK documentation."""
    return f"{LANGUAGE_NAMES[lang]} ({lang})" if lang in LANGUAGE_NAMES else lang


def write_xlsform(q: Questionnaire, path: str | Path) -> Path:
    """Write ``q`` to ``path`` (.xlsx); return the path."""
    path = Path(path)
    languages = _languages(q)
    writer = _Sheets(q, languages)
    writer.parameters()
    writer.questions(q.questions)
    workbook = Workbook()
    _sheet(workbook.active, "survey", writer.survey)
    _sheet(workbook.create_sheet("choices"), "choices", writer.choice_rows())
    _sheet(workbook.create_sheet("settings"), "settings", [_settings(q, languages, writer.named_lists)])
    path.parent.mkdir(parents=True, exist_ok=True)
    workbook.save(path)
    return path


def _languages(q: Questionnaire) -> list[str]:
    found = {q.default_language: None}
    for text in _all_texts(q):
        found.update(dict.fromkeys(text.languages))
    return list(found)


def _all_texts(q: Questionnaire) -> list[Text]:
    texts = [q.title, *(t for t in (q.description, q.intro, q.outro) if t)]
    for question in q.questions:
        for item in (question, *question.questions):
            texts.extend(t for t in (item.text, item.hint, item.constraint_message) if t)
            texts.extend(c.label for c in item.choices if isinstance(item.choices, list))
    texts.extend(c.label for choices in q.lists.values() for c in choices)
    return texts


class _Sheets:
    def __init__(self, q: Questionnaire, languages: list[str]) -> None:
        self.q, self.languages = q, languages
        self.survey: list[dict[str, str]] = []
        self.choices: dict[str, list[Choice]] = dict(q.lists)
        self.named_lists = list(q.lists)
        self.keys = [item.key for question in q.questions for item in (question, *question.questions)]
        self.selections = {item.key for question in q.questions for item in (question, *question.questions)
                           if item.type in ("multiple", "ranking")}

    def texts(self, row: dict[str, str], column: str, text: Text | None) -> None:
        if text is not None:
            for lang in text.languages:
                row[f"{column}::{language_column(lang)}"] = text.values[lang]

    def parameters(self) -> None:
        """The questionnaire's parameters as XLSForm's constant ``calculate`` rows (what ODK
        authors write for a threshold), marked so the import reads them back as parameters."""
        for name, value in self.q.parameters.items():
            literal = repr(value) if isinstance(value, str) else _number(value)
            self.survey.append({"type": "calculate", "name": name, "calculation": literal, "scenari_parameter": "yes"})

    def questions(self, questions: list[Question]) -> None:
        for question in questions:
            row = self.row(question)
            self.survey.append(row)
            if question.type == "repeat":
                self.questions(question.questions)
                self.survey.append({"type": "end_repeat", "name": question.key})

    def row(self, question: Question) -> dict[str, str]:
        row: dict[str, str] = {"type": self.kind(question), "name": question.key}
        if question.type != "calculate":
            self.texts(row, "label", question.text)
        self.texts(row, "hint", question.hint)
        if question.type not in ("note", "calculate", "repeat"):
            row["required"] = "yes" if question.is_required else "no"
        own = set(self.keys) - self.attributes(question)
        value = {"value"} if question.type in ("multiple", "ranking") else set()
        for field in ("relevant", "constraint", "choice_filter", "calculation"):
            expression = getattr(question, field)
            if expression:
                row[field] = to_xpath(expression, own, self.selections | value)
        self.texts(row, "constraint_message", question.constraint_message)
        if question.type == "scale":
            low, high = question.min if question.min is not None else 1, question.max if question.max is not None else 5
            row["parameters"] = f"start={_number(low)} end={_number(high)} step=1"
        self.scenari_columns(question, row)
        return row

    def attributes(self, question: Question) -> set[str]:
        """Choice columns a choice_filter names: written bare, not as ``${…}``."""
        names = {name for choice in self.q.choices_for(question) for name in choice.attributes}
        if isinstance(question.choices, str):
            names |= set(self.q.dynamic_lists.get(question.choices, []))
        return names

    def kind(self, question: Question) -> str:
        if question.type == "repeat":
            return "begin_repeat"
        if question.type == "yesno":
            self.choices.setdefault(YES_NO, self.q.choices_for(question))
            return f"select_one {YES_NO}"
        if question.type == "scale":
            return "range"
        if question.type not in ("single", "multiple", "ranking"):
            return _TYPES.get(question.type, question.type)
        name = question.choices if isinstance(question.choices, str) else self.inline_list(question)
        if name in self.q.dynamic_lists:
            return f"{_TYPES[question.type]}_from_file {name}.csv"
        return f"{_TYPES[question.type]} {name}"

    def inline_list(self, question: Question) -> str:
        name = question.key if question.key not in self.choices else f"{question.key}_choices"
        self.choices[name] = list(question.choices)
        return name

    def scenari_columns(self, question: Question, row: dict[str, str]) -> None:
        for field in ("max_length", "max_choices", "max_rank"):
            if getattr(question, field) is not None:
                row[f"scenari_{field}"] = _number(getattr(question, field))
        if question.type in ("integer", "decimal"):
            for field in ("min", "max"):
                if getattr(question, field) is not None:
                    row[f"scenari_{field}"] = _number(getattr(question, field))
        if question.type == "repeat":
            row["scenari_min_items"], row["scenari_max_items"] = str(question.min_items), str(question.max_items)
        for field in ("min_label", "max_label", "add_prompt", "item_label"):
            self.texts(row, f"scenari_{field}", getattr(question, field))
        if question.follow_up is not None:
            row["scenari_follow_up"] = json.dumps(question.follow_up.model_dump(mode="json", exclude_none=True), ensure_ascii=False)
        if question.stop is not None:
            row["scenari_stop"] = json.dumps(question.stop.model_dump(mode="json"), ensure_ascii=False)
        if isinstance(question.choices, str) and question.choices in self.q.dynamic_lists:
            row["scenari_dynamic"] = "yes"
        if question.suggested:
            row["scenari_suggested"] = " ".join(question.suggested)

    def choice_rows(self) -> list[dict[str, str]]:
        rows = []
        for name, choices in self.choices.items():
            if name in self.q.dynamic_lists:
                continue
            for choice in choices:
                row = {"list_name": name, "name": choice.value}
                self.texts(row, "label", choice.label)
                row.update(choice.attributes)
                rows.append(row)
        return rows


def _settings(q: Questionnaire, languages: list[str], named_lists: list[str]) -> dict[str, str]:
    row = {
        "form_title": q.title.get(q.default_language), "form_id": q.id, "version": str(q.version),
        "default_language": language_column(q.default_language), "scenari_spec": "1",
        "scenari_lists": " ".join(named_lists),
    }
    for field in ("title", "description", "intro", "outro"):
        text = getattr(q, field)
        if text is not None:
            for lang in text.languages:
                row[f"scenari_{field}::{language_column(lang)}"] = text.values[lang]
    row["scenari_open"] = "yes" if q.open else "no"
    row["scenari_review"] = "yes" if q.review else "no"
    if q.register:
        row["scenari_register"] = q.register
    if q.shared_lists:
        row["scenari_shared_lists"] = " ".join(q.shared_lists)
    if q.data_lists:  # their choices are on the choices sheet; this says which file they come from
        dumped = {name: spec.model_dump(mode="json") for name, spec in q.data_lists.items()}
        row["scenari_data_lists"] = json.dumps(dumped, ensure_ascii=False)
    for field in ("dynamic_lists", "computed", "outcomes"):
        value: Any = getattr(q, field)
        if value:
            dumped = value if isinstance(value, dict) else [item.model_dump(mode="json", exclude_defaults=True) for item in value]
            row[f"scenari_{field}"] = json.dumps(dumped, ensure_ascii=False)
    return row


def _sheet(sheet: Any, title: str, rows: list[dict[str, str]]) -> None:
    sheet.title = title
    columns: dict[str, None] = {}
    for row in rows:
        columns.update(dict.fromkeys(row))
    if title == "choices" and not columns:
        columns = dict.fromkeys(("list_name", "name", "label"))
    sheet.append(list(columns))
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    for number, row in enumerate(rows, start=2):
        for index, column in enumerate(columns, start=1):
            value = row.get(column, "")
            if value:
                cell = sheet.cell(row=number, column=index, value=value)
                cell.data_type = "s"  # text, always: "=…" is never read as a formula


def _number(value: float | int) -> str:
    return str(int(value)) if float(value).is_integer() else repr(float(value))
