"""Loading questionnaire files: errors name the file, the question and the reason."""

from __future__ import annotations

import copy
from pathlib import Path

import pytest

from dialogs import DefinitionError, load_data, load_directory, load_file
from tests.support.plans import CREMONA_QUESTIONNAIRES

DATA = Path(__file__).resolve().parents[1] / "data" / "questionnaires"
BAD = DATA / "bad"


@pytest.mark.parametrize(
    ("name", "where", "reason"),
    [
        ("unknown_type.yaml", "question 'colour' (field type)", "unknown question type 'dropdown'"),
        ("duplicate_key.yaml", "question 'age'", "duplicate key"),
        ("later_relevant.yaml", "question 'hours'", "relevant refers to works, not an earlier question"),
        ("unquoted_no.yaml", "question 'plans' (field choices.1.value)",
         'YAML read this as true/false: put it in quotes, e.g. value: "no"'),
        ("bad_syntax.yaml", "line 5", "not valid YAML"),
    ],
)
def test_bad_file(name, where, reason):
    with pytest.raises(DefinitionError) as excinfo:
        load_file(BAD / name)
    error = excinfo.value
    assert error.source == str(BAD / name)
    assert error.where == where
    assert reason in error.reason
    assert str(error).startswith(f"{BAD / name}: {where}: ")


def test_missing_file():
    with pytest.raises(DefinitionError) as excinfo:
        load_file(DATA / "does_not_exist.yaml")
    assert excinfo.value.where == "file"


BASE = {
    "id": "x",
    "version": 1,
    "title": {"it": "X", "en": "X"},
    "questions": [
        {"key": "a", "type": "single", "text": {"it": "A", "en": "A"},
         "choices": [{"value": "p", "label": {"it": "P", "en": "P"}}]},
    ],
}


def _with(**changes):
    raw = copy.deepcopy(BASE)
    raw["questions"][0].update(changes)
    return raw


@pytest.mark.parametrize(
    ("raw", "reason"),
    [
        (_with(type="text"), "a text question takes no choices"),
        (_with(choices=[]), "a single question needs choices"),
        (_with(choices="colours"), "unknown choice list 'colours'"),
        (_with(choices=[{"value": "p", "label": {"it": "P", "en": "P"}}] * 2), "choice values must be unique"),
        (_with(type="integer", choices=[], min=5, max=1), "min is greater than max"),
        (_with(type="scale", choices=[], min=0, max=10), "a scale has at most 10 points"),
        (_with(max_choices=2), "max_choices only applies to multiple choice"),
        (_with(colour="red"), "unknown field 'colour'"),
        (_with(constraint="value.real > 0"), "constraint: Attribute is not allowed"),
    ],
)
def test_semantic_errors_name_the_question(raw, reason):
    with pytest.raises(DefinitionError) as excinfo:
        load_data(raw, source="mine.yaml")
    assert excinfo.value.where.startswith("question 'a'")
    assert reason in excinfo.value.reason


def test_type_aliases_from_xlsform_and_italian():
    raw = _with(type="scelta_singola")
    assert load_data(raw).questions[0].type == "single"


def test_the_builtin_survey_loads():
    found = load_directory(CREMONA_QUESTIONNAIRES)
    assert "imprese" in found
    assert found["imprese"].version == 2  # 2: the full lists of sectors and municipalities


def test_a_folder_with_two_files_of_the_same_id_is_refused():
    with pytest.raises(DefinitionError, match="id 'orari' is used by another file"):
        load_directory(DATA / "versions")
