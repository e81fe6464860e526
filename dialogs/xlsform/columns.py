"""What of XLSForm Scenari reads, what it leaves out with a warning, and what it refuses.

Like pyxform's ``aliases.py``, the tables live apart from the code that uses them. A column
or type not listed here is refused with its sheet and row, never silently dropped.
"""

from __future__ import annotations

import re

# pyxform's form-dictionary types → ours ("range" becomes a scale or a bounded number).
TYPES = {
    "text": "text", "integer": "integer", "decimal": "decimal", "date": "date", "time": "time",
    "dateTime": "datetime", "note": "note", "calculate": "calculate", "select one": "single",
    "select all that apply": "multiple", "rank": "ranking", "range": "integer", "repeat": "repeat",
}

SURVEY_COLUMNS = frozenset({
    "type", "name", "label", "hint", "required", "relevant", "constraint", "constraint_message",
    "choice_filter", "calculation", "parameters", "repeat_count", "appearance",
})

# Scenari's own survey columns, written by the export so the round trip loses nothing.
SCENARI_QUESTION_FIELDS = {
    "scenari_max_length": "number", "scenari_max_choices": "number", "scenari_max_rank": "number",
    "scenari_min": "number", "scenari_max": "number", "scenari_min_items": "number",
    "scenari_max_items": "number", "scenari_min_label": "text", "scenari_max_label": "text",
    "scenari_add_prompt": "text", "scenari_item_label": "text", "scenari_follow_up": "json",
    "scenari_stop": "json", "scenari_parameter": "flag", "scenari_dynamic": "flag", "scenari_suggested": "words",
}

# Scenari's own settings columns (besides form_title, form_id, version, default_language).
SCENARI_SETTINGS = {
    "title": "text", "description": "text", "intro": "text", "outro": "text", "open": "bool",
    "review": "bool", "shared_lists": "words", "dynamic_lists": "json", "data_lists": "json",
    "computed": "json", "outcomes": "json", "register": "word",
}
SCENARI_SETTINGS_OTHER = frozenset({"scenari_lists", "scenari_spec"})

IGNORED_SETTINGS = {
    "style": "a web-form layout", "instance_name": "runs are named by Scenari",
    "public_key": "answers are kept in Scenari's own database",
    "submission_url": "answers are kept in Scenari's own database",
    "allow_choice_duplicates": "choice values are always unique in Scenari",
    "auto_send": "answers are saved as they are given", "auto_delete": "answers are saved as they are given",
    "namespaces": "no XForm is produced",
}

IGNORED_TYPES = {
    "start": "Scenari records when every run starts", "end": "Scenari records when every run ends",
    "today": "Scenari records the date of every answer",
}

UNSUPPORTED_TYPES = {
    **{kind: "a chat cannot take a location" for kind in (
        "geopoint", "geotrace", "geoshape", "start-geopoint", "background-geopoint")},
    **{kind: "a chat answer is text or a choice, not a file" for kind in (
        "image", "audio", "video", "file", "background-audio", "barcode")},
    **{kind: "not a question a respondent answers" for kind in (
        "deviceid", "phonenumber", "username", "email", "simserial", "subscriberid", "audit",
        "hidden", "xml-external", "csv-external", "trigger", "start-geopoint")},
    "acknowledge": "write it as select_one yes_no",
    "begin_loop": "loops are not supported; use a repeat", "begin loop": "loops are not supported; use a repeat",
    "select_one_external": "external selects are not supported",
}

IGNORED_APPEARANCES = frozenset({
    "minimal", "horizontal", "horizontal-compact", "compact", "quick", "field-list", "table-list",
    "label", "list-nolabel", "list", "likert", "multiline", "no-calendar", "numbers",
    "thousands-sep", "autocomplete", "rating", "vertical",
})

_CODE_IN_PARENTHESES = re.compile(r"\(([A-Za-z]{2,3})\)\s*$")


def language_code(suffix: str) -> str | None:
    """``label::Italiano (it)`` → ``it``; ``label::fr`` → ``fr``; ``label::English`` → None."""
    suffix = suffix.strip()
    match = _CODE_IN_PARENTHESES.search(suffix)
    if match:
        return match[1].lower()
    return suffix.lower() if re.fullmatch(r"[A-Za-z]{2,3}", suffix) else None
