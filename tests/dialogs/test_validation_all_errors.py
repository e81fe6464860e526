"""Validation an author thanks you for: every mistake of a file at once, located, with a
"did you mean …?"; choice values named in conditions checked; ``${name}`` as well as bare
names; any set of languages, the default one required, the others reported when missing."""

from __future__ import annotations

import copy
from pathlib import Path

import pytest

from dialogs import DefinitionError, load_data, load_file
from dialogs.loader import check_data, check_file
from dialogs.model import Text

BAD = Path(__file__).resolve().parents[1] / "data" / "questionnaires" / "bad"

BASE = {
    "id": "viaggi",
    "version": 1,
    "title": {"it": "Viaggi", "en": "Trips"},
    "questions": [
        {"key": "mezzo", "type": "single", "text": {"it": "Come vieni?", "en": "How?"},
         "choices": [{"value": "bici", "label": {"it": "Bicicletta", "en": "Bike"}},
                     {"value": "auto", "label": {"it": "Auto", "en": "Car"}}]},
        {"key": "giorni", "type": "multiple", "text": {"it": "Quali giorni?", "en": "Which days?"},
         "choices": [{"value": "lun", "label": {"it": "Lunedì", "en": "Monday"}},
                     {"value": "mar", "label": {"it": "Martedì", "en": "Tuesday"}}]},
        {"key": "km", "type": "integer", "text": {"it": "Km?", "en": "Km?"}},
    ],
}


def _with(index: int, **changes):
    raw = copy.deepcopy(BASE)
    raw["questions"][index].update(changes)
    return raw


def _errors(raw, **kwargs) -> list[str]:
    return [f"{e.where}: {e.reason}" for e in check_data(raw, "t.yaml", **kwargs).errors]


def test_a_broken_file_reports_all_its_mistakes_at_once_with_suggestions():
    report = check_file(BAD / "many_mistakes.yaml")
    found = [f"{e.where}: {e.reason}" for e in report.errors]
    expected = [
        "question 'colore' (field type): unknown question type 'singel'; did you mean 'single'?",
        "question 'km' (field relevent): unknown field 'relevent'; did you mean 'relevant'?",
        "question 'casco': relevant: 'bicicletta' is not a choice of 'mezzo' (its choices: bici, auto, bus); did you mean 'bici'?",
        "question 'linea': relevant refers to mezo, not an earlier question; did you mean 'mezzo'?",
        "question 'nota': relevant: unknown function cout() in 'cout(mezzo) > 0 and dopo == 1'; did you mean count()?",
        "question 'nota': text (en) shows ${mezo}: it refers to mezo, not an earlier question; did you mean 'mezzo'?",
        "question 'casco' (field text): no 'it' text: 'it' is the default language, every text needs it",
    ]
    assert len(found) == len(expected)
    for prefix in expected:
        assert any(line.startswith(prefix) for line in found), prefix
    assert all(e.source == str(BAD / "many_mistakes.yaml") for e in report.errors)
    assert report.questionnaire is None


def test_loading_a_broken_file_raises_one_error_carrying_them_all():
    with pytest.raises(DefinitionError) as excinfo:
        load_file(BAD / "many_mistakes.yaml")
    error = excinfo.value
    assert len(error.problems) == 7
    assert error.where == "question 'colore' (field type)"
    assert str(error).endswith("(and 6 more: `scenari questionnaires validate` lists them all)")


def test_a_question_with_a_structural_mistake_is_known_to_later_conditions():
    # 'km' has an unknown type; the condition naming it must not add a second, false error
    raw = _with(2, type="numero_intero")
    raw["questions"].append({"key": "note_km", "type": "note", "relevant": "km > 10", "text": {"it": "!", "en": "!"}})
    assert _errors(raw) == [_errors(raw)[0]]
    assert "unknown question type 'numero_intero'" in _errors(raw)[0]


def test_a_later_question_is_named_as_later():
    raw = _with(0, relevant="km > 3")
    assert _errors(raw) == ["question 'mezzo': relevant refers to km, not an earlier question "
                            "('km' comes later: a condition can only look back)"]


@pytest.mark.parametrize(
    ("index", "field", "expression", "wrong"),
    [
        (2, "relevant", "mezzo == 'bicicletta'", "'bicicletta' is not a choice of 'mezzo'"),
        (2, "relevant", "mezzo in ['bici', 'treno']", "'treno' is not a choice of 'mezzo'"),
        (2, "relevant", "selected(giorni, 'mer')", "'mer' is not a choice of 'giorni'"),
        (2, "relevant", "'dom' in giorni", "'dom' is not a choice of 'giorni'"),
        (1, "constraint", "not selected(value, 'sab')", "'sab' is not a choice of 'giorni'"),
    ],
)
def test_an_unknown_choice_value_in_a_condition_is_caught(index, field, expression, wrong):
    found = _errors(_with(index, **{field: expression}))
    assert len(found) == 1 and wrong in found[0]


def test_known_choice_values_and_xlsform_references_pass():
    raw = _with(2, relevant="${mezzo} == 'auto' and selected(${giorni}, 'lun')")
    q = load_data(raw)
    assert q.question("km").relevant == "${mezzo} == 'auto' and selected(${giorni}, 'lun')"


def test_a_misspelt_xlsform_reference_gets_a_suggestion():
    assert _errors(_with(2, relevant="${mezo} != 'bici'")) == [
        "question 'km': relevant refers to mezo, not an earlier question; did you mean 'mezzo'?"
    ]


def test_an_unknown_list_gets_a_suggestion():
    raw = copy.deepcopy(BASE)
    raw["lists"] = {"mezzi": raw["questions"][0]["choices"]}
    raw["questions"][0]["choices"] = "mezi"
    assert _errors(raw) == ["question 'mezzo': unknown choice list 'mezi'; did you mean 'mezzi'?"]


# --- languages ------------------------------------------------------------------------------------


def _trilingual():
    raw = copy.deepcopy(BASE)
    raw["title"]["fr"] = "Voyages"
    raw["questions"][0]["text"]["fr"] = "Comment venez-vous ?"
    return raw


def test_any_language_is_accepted_and_missing_translations_are_warnings():
    report = check_data(_trilingual(), "t.yaml")
    assert report.errors == []
    warnings = [f"{w.where}: {w.reason}" for w in report.warnings]
    assert "question 'km' (field text): no translation in fr" in warnings
    assert "question 'mezzo' (choice 'bici'): no translation in fr" in warnings
    assert not any(w.startswith("title") or w.startswith("question 'mezzo' (field text)") for w in warnings)


def test_english_is_no_longer_required():
    raw = {"id": "solo", "version": 1, "title": {"it": "Solo italiano"},
           "questions": [{"key": "a", "type": "text", "text": {"it": "Che cosa?"}}]}
    report = check_data(raw, "t.yaml")
    assert report.errors == [] and report.warnings == []


def test_the_deployment_language_is_required_everywhere():
    found = _errors(_trilingual(), default_language="fr")
    assert "title: no 'fr' text" not in " ".join(found)  # the title has French
    assert "question 'km' (field text): no 'fr' text: 'fr' is the default language, every text needs it" in found


def test_a_respondent_whose_language_is_missing_reads_the_default(chat):
    q = load_data(_trilingual(), default_language="it")
    french = chat(q, lang="fr")
    assert french.prompt.text == "Comment venez-vous ?"
    french.say("1")
    assert french.prompt.text == "Quali giorni?"  # no French: the default language's text
    assert [o.label for o in french.prompt.options] == ["Lunedì", "Martedì"]


def test_text_falls_back_to_the_default_language_written_first():
    text = Text.model_validate({"en": "Hello", "fr": "Bonjour"}, context={"default_language": "fr"})
    assert text.languages == ("fr", "en")
    assert text.get("de") == "Bonjour"
    assert text.model_dump() == {"fr": "Bonjour", "en": "Hello"}
