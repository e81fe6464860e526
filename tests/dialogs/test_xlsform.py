"""XLSForm in and out: an ODK/Kobo-style form imports and runs; every shipped questionnaire
survives the round trip; what Scenari cannot run is refused with its sheet and row."""

from __future__ import annotations

import pytest
from pyxform.xls2xform import convert

from dialogs import load_directory
from dialogs.xlsform import check_xlsform, to_scenari, to_xpath, write_xlsform
from dialogs.xlsform.roundtrip import comparable
from tests.support.plans import CREMONA_QUESTIONNAIRES
from tests.support.xlsforms import SURVEY, household_form

SHIPPED = load_directory(CREMONA_QUESTIONNAIRES)


@pytest.mark.parametrize("qid", sorted(SHIPPED))
def test_every_shipped_questionnaire_round_trips(qid, tmp_path):
    q = SHIPPED[qid]
    report = check_xlsform(write_xlsform(q, tmp_path / f"{qid}.xlsx"))
    assert report.errors == [] and report.warnings == []
    assert comparable(report.questionnaire) == comparable(q)


@pytest.mark.parametrize("qid", sorted(SHIPPED))
def test_the_export_is_an_xlsform_pyxform_turns_into_an_xform(qid, tmp_path):
    result = convert(xlsform=str(write_xlsform(SHIPPED[qid], tmp_path / f"{qid}.xlsx")), validate=False)
    assert "<h:html" in result.xform and f'id="{qid}"' in result.xform


@pytest.fixture(scope="module")
def household(tmp_path_factory):
    report = check_xlsform(household_form(tmp_path_factory.mktemp("xls") / "famiglie.xlsx"))
    assert report.errors == []
    return report


def test_the_odk_style_form_imports_with_its_three_languages(household):
    q = household.questionnaire
    assert q.id == "famiglie" and q.default_language == "it"
    assert q.title.values == {"it": "Indagine sulle famiglie", "en": "Household survey", "fr": "Enquête sur les ménages"}
    assert q.question("resp_age").constraint == "value >= 18 and value <= 110"
    assert q.question("resp_age").constraint_message.get("fr") == "Entre 18 et 110 ans."
    assert q.question("hh_size").hint.get("en") == "A number from 1 to 20."
    assert q.question("satisfaction").type == "scale" and (q.question("satisfaction").min, q.question("satisfaction").max) == (1, 5)
    assert q.question("best_time").type == "time" and not q.question("best_time").is_required
    assert q.question("member_school").type == "yesno"
    assert q.question("income_sources").constraint == "not (selected(value, 'none') and count(value) > 1)"
    assert q.question("per_person").calculation == "round(monthly_income / hh_size) if answered(monthly_income) else 0"


def test_groups_become_a_heading_and_repeats_stay_repeats(household):
    q = household.questionnaire
    keys = [question.key for question in q.questions]
    assert keys[:4] == ["welcome", "respondent", "resp_name", "resp_age"]
    assert q.question("location").type == "note" and q.question("location").text.get("fr") == "Où vous habitez"
    members = q.question("members")
    assert members.type == "repeat" and members.relevant == "hh_size > 1"
    assert [sub.key for sub in members.questions] == ["member_name", "member_age", "member_school"]


def test_the_cascade_keeps_question_and_column_apart(household):
    # ODK's `region=${region}`: a choice column named like the question before it
    province = household.questionnaire.question("province")
    assert province.choice_filter == "of_region == region"
    assert {c.value: c.attributes for c in province.choices} == {
        "cr": {"of_region": "lom"}, "mi": {"of_region": "lom"}, "pc": {"of_region": "emr"}}


def test_what_is_left_out_is_said(household):
    warnings = [f"{w.where}: {w.reason}" for w in household.warnings]
    assert "survey row 2: type 'start' left out: Scenari records when every run starts" in warnings
    assert "survey row 5: appearance 'field-list' is only a display hint: a chat shows every question alike" in warnings


def test_the_form_runs_in_french_and_cascades(household, chat):
    run = chat(household.questionnaire, lang="fr")
    assert run.texts[:3] == ["Bienvenue à l'enquête sur les ménages.", "À propos de vous", "Comment vous appelez-vous ?"]
    run.answer(resp_name="Claire")
    run.say("17")
    assert run.errors == ["Entre 18 et 110 ans."]
    run.answer(resp_age="40", region="Émilie-Romagne")
    assert [o.label for o in run.prompt.options] == ["Plaisance"]
    run.answer(province="1")
    assert [o.label for o in run.prompt.options] == ["Bobbio"]
    run.answer(town="1", hh_size="2")
    run.say("Paul")
    assert run.prompt.text == "Les autres personnes 1 — Âge de Paul"
    run.say("10")
    assert [o.label for o in run.prompt.options] == ["Oui", "Non"]
    run.say("oui")
    run.say("non")  # no other person
    run.answer(income_sources="1")
    run.say("2500")
    assert "Cela fait environ 1250 euros par personne." in run.texts
    run.answer(satisfaction="2", best_time="18:30", comments="Trop de bruit")
    assert run.step.completed
    assert run.state.outcomes == {"listed": 2, "per_person": 1250}
    assert run.state.answers["members"] == [{"member_name": "Paul", "member_age": 10, "member_school": "yes"}]


def test_the_imported_form_exports_back_to_the_same_questionnaire(household, tmp_path):
    again = check_xlsform(write_xlsform(household.questionnaire, tmp_path / "again.xlsx"))
    assert again.errors == []
    assert again.questionnaire == household.questionnaire


def _form_with(tmp_path, *rows):
    return check_xlsform(household_form(tmp_path / "bad.xlsx", survey=[*SURVEY, *rows]))


def test_unsupported_columns_and_types_are_refused_with_sheet_and_row(tmp_path):
    first = len(SURVEY) + 2
    report = _form_with(
        tmp_path,
        {"type": "geopoint", "name": "where", "label::Italiano (it)": "Dove?"},
        {"type": "text", "name": "nick", "label::Italiano (it)": "Soprannome?", "default": "nessuno"},
        {"type": "integer", "name": "kids", "label::Italiano (it)": "Figli?", "read_only": "yes"},
        {"type": "text", "name": "who", "label::Italiano (it)": "Chi?", "image::Italiano (it)": "who.png"},
        {"type": "begin_repeat", "name": "cars", "label::Italiano (it)": "Auto", "repeat_count": "${hh_size}"},
        {"type": "text", "name": "car", "label::Italiano (it)": "Modello?"},
        {"type": "end_repeat", "name": "cars"},
    )
    found = [f"{e.where}: {e.reason}" for e in report.errors]
    assert found == [
        f"survey row {first}: type 'geopoint' is not supported by Scenari (a chat cannot take a location)",
        f"survey row {first + 1}: column 'default' is not supported by Scenari (an answer is never filled in for the respondent)",
        f"survey row {first + 2}: column 'read_only' is not supported by Scenari (a chat question is always answered)",
        f"survey row {first + 3}: column 'image::Italiano (it)' is not supported by Scenari (chat questions carry no media)",
        f"survey row {first + 4}: repeat_count must be a number in Scenari (an expression is not supported)",
    ]
    assert report.questionnaire is None


def test_an_xpath_scenari_cannot_run_is_refused_at_its_row(tmp_path):
    report = _form_with(tmp_path, {"type": "text", "name": "odd", "label::Italiano (it)": "?",
                                   "relevant": "jr:choice-name(${region}, '${region}') = 'x'"},
                        {"type": "text", "name": "path", "label::Italiano (it)": "?", "relevant": "/data/hh_size > 2"})
    found = [f"{e.where}: {e.reason}" for e in report.errors]
    row = len(SURVEY) + 2
    assert found[0].startswith(f"survey row {row}: relevant \"jr:choice-name(${{region}}, '${{region}}') = 'x'\": the function jr:choice-name() is not supported")
    assert found[1].startswith(f"survey row {row + 1}: relevant '/data/hh_size > 2': '/' is not supported")


def test_every_misspelt_reference_is_reported_with_a_suggestion(tmp_path):
    report = _form_with(tmp_path, {"type": "integer", "name": "late", "label::Italiano (it)": "?",
                                   "relevant": "${hh_sise} > 1"},
                        {"type": "text", "name": "later", "label::Italiano (it)": "?",
                         "constraint": "string-length(.) < ${hh_siz}"})
    row = len(SURVEY) + 2
    found = [f"{e.where}: {e.reason}" for e in report.errors]
    assert len(found) == 2
    assert found[0].startswith(f"survey row {row}: pyxform: On the 'survey' sheet, the 'relevant' value is invalid.")
    assert found[0].endswith("Could not find the name 'hh_sise'. Did you mean 'hh_size'?")
    assert found[1].startswith(f"survey row {row + 1}: pyxform: On the 'survey' sheet, the 'constraint' value is invalid.")
    assert found[1].endswith("Did you mean 'hh_size'?")


def test_loader_errors_name_the_row_too(tmp_path):
    report = _form_with(tmp_path, {"type": "integer", "name": "early", "label::Italiano (it)": "?",
                                   "relevant": "${early_too} > 1"},
                        {"type": "integer", "name": "early_too", "label::Italiano (it)": "?"})
    assert [f"{e.where}: {e.reason}" for e in report.errors] == [
        f"survey row {len(SURVEY) + 2}, question 'early': relevant refers to early_too, not an earlier question "
        "('early_too' comes later: a condition can only look back)"
    ]


@pytest.mark.parametrize(
    ("xpath", "ours"),
    [
        ("${a} = 'x' or ${a} = 'y'", "a in ['x', 'y']"),
        (". >= 0 and . <= 100", "value >= 0 and value <= 100"),
        ("count-selected(${f}) > 1", "count(f) > 1"),
        ("not(selected(${f}, 'n'))", "not selected(f, 'n')"),
        ("if(${a} > 2, 'big', 'small')", "'big' if a > 2 else 'small'"),
        ("${x} != ''", "answered(x)"),
        ("${x} = ''", "not answered(x)"),
        ("string-length(.) > 3 and regex(., '^[0-9]+$')", "length(value) > 3 and regex(value, '^[0-9]+$')"),
        ("${m} div 2 mod 3", "m / 2 % 3"),
        ("true()", "True"),
        ("concat(${a}, ' ', ${b})", "concat(a, ' ', b)"),
        ("today() > ${d}", "today() > d"),
        ("selected(${cats}, category)", "category in cats"),
    ],
)
def test_xpath_reads_as_the_questionnaire_language(xpath, ours):
    assert to_scenari(xpath) == ours


def test_the_questionnaire_language_writes_as_xpath():
    keys, selections = {"rd", "innovations", "start_year"}, {"innovations", "value"}
    assert to_xpath("rd != 'none'", keys) == "${rd} != 'none'"
    assert to_xpath("not (selected(value, 'none') and count(value) > 1)", keys, selections) == (
        "not(selected(., 'none') and count-selected(.) > 1)")
    assert to_xpath("not answered(start_year) or value >= start_year", keys) == (
        "not(${start_year} != '') or . >= ${start_year}")
    assert to_xpath("category in innovations", keys) == "selected(${innovations}, category)"
