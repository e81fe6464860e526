"""Choices from a CSV file: read beside the questionnaire, located errors with "did you mean",
stored with the run's definition (never read again), and XLSForm's select_one_from_file."""

from __future__ import annotations

from pathlib import Path

import pytest
from openpyxl import Workbook

from dialogs import load_data
from dialogs.loader import check_data, check_file
from dialogs.xlsform import check_xlsform

TOWNS = "name,label,istat\ncremona,Cremona,019036\ncrema,Crema,019035\nsoresina,Soresina,019098\n"


def _raw(**data_list) -> dict:
    return {
        "id": "sede", "version": 1, "title": {"it": "Sede", "en": "Seat"},
        "data_lists": {"towns": {"file": "towns.csv", **data_list}},
        "questions": [{"key": "town", "type": "single", "text": {"it": "Dove?", "en": "Where?"}, "choices": "towns"}],
    }


@pytest.fixture
def lists(tmp_path: Path) -> Path:
    folder = tmp_path / "lists"
    folder.mkdir()
    (folder / "towns.csv").write_text(TOWNS, encoding="utf-8")
    return folder


def _errors(raw: dict, folder: Path) -> list[str]:
    return [f"{e.where}: {e.reason}" for e in check_data(raw, "sede.yaml", folder).errors]


def test_a_csv_beside_the_questionnaire_becomes_its_choices(lists):
    report = check_data(_raw(), "sede.yaml", lists)
    assert report.errors == [] and report.warnings == []  # one label column: names need no translation
    towns = report.questionnaire.lists["towns"]
    assert [c.value for c in towns] == ["cremona", "crema", "soresina"]
    assert towns[0].label.get("en") == "Cremona" and towns[0].attributes == {"istat": "019036"}


def test_columns_by_language_and_semicolons_as_excel_saves_them(lists):
    (lists / "towns.csv").write_text("codice;nome;name_en\nvenezia;Venezia;Venice\nroma;Roma;\n", encoding="utf-8-sig")
    report = check_data(_raw(value="codice", label={"it": "nome", "en": "name_en"}), "sede.yaml", lists)
    assert report.errors == []
    assert report.questionnaire.lists["towns"][0].label.values == {"it": "Venezia", "en": "Venice"}
    assert [w.reason for w in report.warnings] == ["no translation in en"]  # Roma's English cell is empty


def test_the_default_language_needs_a_label_column(lists):
    assert _errors(_raw(label={"en": "label"}), lists) == ["data list 'towns': label names no column for 'it', the default language"]


def test_a_misspelt_file_or_column_is_named_with_a_suggestion(lists):
    raw = _raw()
    raw["data_lists"]["towns"]["file"] = "town.csv"
    [error] = _errors(raw, lists)
    assert error.startswith("data list 'towns': no data file 'town.csv' (looked in ")
    assert error.endswith("did you mean 'towns.csv'?")
    assert _errors(_raw(value="nme", label="lable"), lists) == [
        "data list 'towns': no column 'nme' in towns.csv (its columns: name, label, istat); did you mean 'name'?",
        "data list 'towns': no column 'lable' in towns.csv (its columns: name, label, istat); did you mean 'label'?",
    ]


def test_every_bad_row_is_reported_with_its_number(lists):
    (lists / "towns.csv").write_text("name,label\ncremona,Cremona\nsan daniele,San Daniele Po\ncremona,Cremona bis\ncrema,\n")
    assert _errors(_raw(), lists) == [
        "data list 'towns' (towns.csv, row 3): value 'san daniele' (column 'name'): letters, digits, _ . - only, at most 24",
        "data list 'towns' (towns.csv, row 4): value 'cremona' is also on row 2: values must be unique",
        "data list 'towns' (towns.csv, row 5): no label (column 'label' is empty)",
    ]


def test_a_file_that_is_not_utf8_says_how_to_save_it(lists):
    (lists / "towns.csv").write_bytes("name,label\ncanta,Cantù\n".encode("latin-1"))
    assert _errors(_raw(), lists) == ["data list 'towns': towns.csv is not UTF-8 text: save it as «CSV UTF-8»"]


def test_the_file_is_a_bare_name_never_a_path(lists):
    raw = _raw()
    raw["data_lists"]["towns"]["file"] = "../../etc/passwd.csv"
    [error] = check_data(raw, "sede.yaml", lists).errors
    assert error.where == "data_lists.towns.file" and "no folders" in error.reason


def test_the_stored_definition_carries_the_list_and_reads_no_file(lists, tmp_path):
    q = check_data(_raw(), "sede.yaml", lists).raise_errors()
    (lists / "towns.csv").unlink()
    again = load_data(q.model_dump(mode="json"), source="database:sede@1")  # as the catalogue does
    assert again == q


def test_suggested_options_must_be_choices_of_a_single_choice(lists):
    raw = _raw()
    raw["questions"][0]["suggested"] = ["cremona", "cremna"]
    assert _errors(raw, lists) == ["question 'town': suggested: 'cremna' is not one of its choices; did you mean 'cremona'?"]
    raw["questions"][0].update(type="multiple", suggested=["cremona"])
    assert _errors(raw, lists) == ["question 'town': suggested only applies to single choice questions"]


def test_a_data_list_named_like_a_dynamic_one_is_refused(lists):
    raw = {**_raw(), "dynamic_lists": {"towns": []}}
    assert "data list 'towns': 'towns' is also a dynamic list: give one of them another name" in _errors(raw, lists)


def test_the_shipped_survey_validates_without_warnings():
    shipped = Path(__file__).resolve().parents[2] / "plans" / "cremona" / "questionnaires" / "imprese.yaml"
    report = check_file(shipped)
    assert report.errors == [] and report.warnings == []


def _xlsform(path: Path, parameters: str = "value=codice label=nome") -> Path:
    workbook = Workbook()
    survey = workbook.active
    survey.title = "survey"
    survey.append(["type", "name", "label::Italiano (it)", "parameters", "appearance", "required"])
    survey.append(["select_one_from_file comuni.csv", "comune", "In quale comune?", parameters, "autocomplete", "yes"])
    workbook.create_sheet("choices").append(["list_name", "name", "label::Italiano (it)"])
    settings = workbook.create_sheet("settings")
    settings.append(["form_title", "form_id", "version"])
    settings.append(["Sede", "sede", "1"])
    workbook.save(path)
    return path


def test_select_one_from_file_reads_the_csv_beside_the_form(tmp_path):
    (tmp_path / "comuni.csv").write_text("codice,nome\ncremona,Cremona\ncrema,Crema\n", encoding="utf-8")
    report = check_xlsform(_xlsform(tmp_path / "sede.xlsx"))
    assert report.errors == []
    q = report.questionnaire
    assert q.question("comune").choices == "comuni" and [c.value for c in q.lists["comuni"]] == ["cremona", "crema"]
    assert q.data_lists["comuni"].file == "comuni.csv" and q.data_lists["comuni"].value == "codice"


def test_select_one_from_file_without_its_csv_is_located(tmp_path):
    report = check_xlsform(_xlsform(tmp_path / "sede.xlsx", parameters=""))
    assert [e.where for e in report.errors] == ["data list 'comuni'"]
    assert report.errors[0].reason.startswith("no data file 'comuni.csv'")
