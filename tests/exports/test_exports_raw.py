"""Raw exports for analysts: labels or codes, a 0/1 column per option, typed dates in a stated time zone,
a complete codebook, partial runs told apart, Parquet, SPSS and Stata with their labels — and safe in a
spreadsheet, pseudonymous."""

from __future__ import annotations

from datetime import date, datetime, timezone
from pathlib import Path

import openpyxl
import pandas as pd
import pyarrow.parquet as pq
import pyreadstat
import pytest

from dialogs import load_data, load_file
from dialogs.model import Choice, Text
from exports.options import RawOptions
from exports.raw import about_frame, answers_frame, codebook_frame, codes_frame, export_files, items_frames, write_export
from exports.safety import neutralise_cell
from storage.repository import ExportRun

STARTED = datetime(2026, 3, 2, 9, 30, 15, 123456, tzinfo=timezone.utc)  # 10:30:15 in Rome (CET)
DONE = datetime(2026, 3, 2, 9, 42, 45, tzinfo=timezone.utc)
CODES = RawOptions(values="codes")


def _run(**answers):
    return ExportRun(
        respondent="a1b2c3d4e5f6", run="0f0e0d0c0b0a", status="completed", version=1,
        started_at=STARTED, completed_at=DONE, answers=answers, updated_at=DONE,
        outcomes={"innovation_types": 2, "research_link": True, "innovation_score": 9, "profile": "anticipatrice"},
    )


RUNS = [
    _run(ateco_section="C", employees="small", innovations=["product", "process"], rd_share=4.5, tlc_adequacy=4,
         innovation_example="=HYPERLINK(\"http://evil\")", city_role="-2+3", training="yes"),
    ExportRun(respondent="ffffffffffff", run="eeeeeeeeeeee", status="active", version=1, started_at=STARTED,
              completed_at=None, answers={"ateco_section": "G", "city_role": "+39 0372 123"}, outcomes={}),
]

# a questionnaire with what imprese lacks: a follow-up, a date, a ranking, a repeat group, a run-time list
SURVEY = load_data({
    "spec_version": 1, "id": "prova", "version": 1, "title": {"it": "Prova", "en": "Trial"},
    "dynamic_lists": {"actors": ["category"]},
    "lists": {"colours": [{"value": "red", "label": {"it": "Rosso", "en": "Red"}},
                          {"value": "blue", "label": {"it": "Blu", "en": "Blue"}},
                          {"value": "green", "label": {"it": "Verde", "en": "Green"}}],
              "shades": [{"value": "light_blue_of_the_sky", "label": {"it": "Celeste cielo", "en": "Sky blue"}},
                         {"value": "light_blue_of_the_sea", "label": {"it": "Celeste mare", "en": "Sea blue"}}]},
    "questions": [
        {"key": "idea", "type": "text", "text": {"it": "La sua idea?", "en": "Your idea?"},
         "follow_up": {"when": "words(value) < 4", "text": {"it": "Può dirmi di più?", "en": "Tell me more?"}}},
        {"key": "born", "type": "date", "text": {"it": "Data di fondazione", "en": "Founded on"}},
        {"key": "top", "type": "ranking", "choices": "colours", "max_rank": 2,
         "text": {"it": "I colori preferiti, in ordine", "en": "Favourite colours, in order"}},
        {"key": "partners", "type": "multiple", "choices": "actors",
         "text": {"it": "Con chi collabora?", "en": "Who do you work with?"}},
        {"key": "sky_and_sea_shades_liked", "type": "multiple", "choices": "shades",
         "text": {"it": "Quali celesti?", "en": "Which blues?"}},
        {"key": "hue", "type": "single", "choices": "colours", "text": {"it": "Un colore", "en": "A colour"}},
        {"key": "items", "type": "repeat", "text": {"it": "Progetti", "en": "Projects"},
         "questions": [{"key": "title", "type": "text", "text": {"it": "Titolo", "en": "Title"}},
                       {"key": "colour", "type": "single", "choices": "colours",
                        "text": {"it": "Colore", "en": "Colour"}}]},
    ],
}).with_lists({"actors": [Choice(value="s1_1", label=Text(it="Biblioteca civica", en="Biblioteca civica"),
                                 attributes={"category": "culture"}),
                          Choice(value="s1_2", label=Text(it="Camera di commercio", en="Camera di commercio"),
                                 attributes={"category": "trade_association"})]})

SURVEY_RUNS = [
    ExportRun(respondent="a1b2c3d4e5f6", run="r1", status="completed", version=1, started_at=STARTED,
              completed_at=DONE, updated_at=DONE,
              answers={"idea": "Parchi", "idea_more": "@più alberi", "born": "1998-05-17", "top": ["blue", "red"],
                       "partners": ["s1_2", "s9_9"], "hue": "green",
                       "sky_and_sea_shades_liked": ["light_blue_of_the_sea"]},
              outcomes={}, rows=[("idea", 0, "Parchi"), ("items", 0, None), ("title", 0, "=Piazza"), ("colour", 0, "red"),
                                 ("title", 1, "Ponte"), ("colour", 1, "blue"), ("partners", 0, ["s1_2", "s9_9"])]),
    ExportRun(respondent="ffffffffffff", run="r2", status="expired", version=1, started_at=STARTED,
              completed_at=None, updated_at=STARTED, answers={"idea": "Una biblioteca aperta la sera"}, outcomes={},
              rows=[("idea", 0, "Una biblioteca aperta la sera")]),
]


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("=1+1", "'=1+1"), ("+39 0372", "'+39 0372"), ("-rm", "'-rm"), ("@SUM(A1)", "'@SUM(A1)"),
        ("\t=1", "'\t=1"), ("\r=1", "'\r=1"), ("fibra ovunque", "fibra ovunque"), ("a=b", "a=b"),
        (-3, -3), (4.5, 4.5), (None, None),
    ],
)
def test_neutralise_cell(value, expected):
    assert neutralise_cell(value) == expected


# --- the columns ----------------------------------------------------------------------------------


def test_a_multiple_choice_is_one_0_1_column_per_option(imprese):
    frame = answers_frame(imprese, RUNS, CODES)
    options = [c.value for c in imprese.choices_for(imprese.question("innovations"))]
    columns = [f"innovations_{o}" for o in options]
    assert columns == [c for c in frame.columns if c.startswith("innovations_")]
    assert frame.loc[0, columns].tolist() == [1 if o in ("product", "process") else 0 for o in options]
    assert frame.loc[1, columns].isna().all()  # not answered: blank, not "not chosen"
    assert "innovations" not in frame.columns  # the joined cell only when asked
    joined = answers_frame(imprese, RUNS, RawOptions(values="codes", joined=True))
    assert joined.loc[0, "innovations"] == "product; process"
    assert list(joined.columns).index("innovations") == list(joined.columns).index("innovations_product") - 1


def test_values_as_labels_codes_or_both(imprese):
    labels = answers_frame(imprese, RUNS, RawOptions(values="labels"))
    codes = answers_frame(imprese, RUNS, CODES)
    both = answers_frame(imprese, RUNS, RawOptions(values="both", lang="en"))
    assert codes.loc[0, "employees"] == "small" and labels.loc[0, "employees"] == "10–49"
    assert codes.loc[0, "training"] == "yes" and labels.loc[0, "training"] == "Sì"
    assert labels.loc[0, "profile"] != "anticipatrice" and codes.loc[0, "profile"] == "anticipatrice"
    assert both.loc[0, "training"] == "yes" and both.loc[0, "training_label"] == "Yes"
    assert list(both.columns).index("training_label") == list(both.columns).index("training") + 1
    assert labels.loc[0, "tlc_adequacy"] == 4 == codes.loc[0, "tlc_adequacy"]  # a scale stays a number
    assert labels.loc[0, "innovations_product"] == 1  # 0/1 in every mode
    with pytest.raises(ValueError, match="values must be one of"):
        RawOptions(values="names")


def test_completed_and_partial_runs_are_told_apart(imprese):
    frame = answers_frame(imprese, RUNS, RawOptions(lang="en"))
    assert frame["status"].tolist() == ["Completed", "Partial, in progress"]
    assert answers_frame(imprese, RUNS, CODES)["status"].tolist() == ["completed", "active"]
    assert frame["complete"].tolist() == [1, 0]
    assert frame["answered"].tolist() == [8, 2]
    assert pd.isna(frame.loc[1, "completed_at"]) and pd.isna(frame.loc[1, "duration_min"])
    assert frame.loc[0, "duration_min"] == 12.5
    runs = about_frame(imprese, RUNS, RawOptions(lang="en")).set_index("name").loc["runs", "value"]
    assert runs == "2: 1 completed, 1 partial"


def test_follow_ups_sit_beside_their_question_and_repeat_groups_have_their_own_table():
    frame = answers_frame(SURVEY, SURVEY_RUNS, CODES)
    columns = list(frame.columns)
    assert columns[columns.index("idea") + 1] == "idea_more"
    assert frame.loc[0, "idea_more"] == "@più alberi"
    assert frame["items_items"].tolist() == [2, 0]
    assert frame.loc[0, ["top_1", "top_2"]].tolist() == ["blue", "red"]
    items = items_frames(SURVEY, SURVEY_RUNS, RawOptions(lang="en"))["items"]
    assert items[["run", "item", "title", "colour"]].values.tolist() == [["r1", 1, "=Piazza", "Red"], ["r1", 2, "Ponte", "Blue"]]


def test_run_time_list_codes_are_columns_and_in_the_codebook():
    frame = answers_frame(SURVEY, SURVEY_RUNS, CODES)
    assert frame.loc[0, ["partners_s1_1", "partners_s1_2", "partners_s9_9"]].tolist() == [0, 1, 1]
    codes = codes_frame(SURVEY, SURVEY_RUNS, RawOptions(lang="en"))
    partners = codes[codes["column"].str.startswith("partners")]
    assert set(partners["column"]) == {"partners_s1_1", "partners_s1_2", "partners_s9_9"}
    book = codebook_frame(SURVEY, "en", SURVEY_RUNS).set_index("column")
    assert book.loc["partners_s1_2", "question"] == "Who do you work with? — Camera di commercio"
    assert book.loc["partners_s9_9", "question"] == "Who do you work with? — s9_9"  # an actor since removed


@pytest.mark.parametrize("values", ["labels", "codes", "both"])
def test_the_codebook_has_every_column_of_every_table(imprese, values):
    for q, runs in ((imprese, RUNS), (SURVEY, SURVEY_RUNS)):
        o = RawOptions(values=values, lang="en", joined=True)
        book = codebook_frame(q, "en", runs, o)
        assert book["question"].map(bool).all()
        tables = {"answers": answers_frame(q, runs, o), **items_frames(q, runs, o)}
        for table, frame in tables.items():
            assert list(book.loc[book["table"] == table, "column"]) == list(frame.columns), table
    book = codebook_frame(imprese, "en", RUNS, CODES).set_index("column")
    assert book.loc["employees", "codes"] == "micro = 1–9; small = 10–49; medium = 50–249; large = 250 or more"
    assert book.loc["employees", "sav_dta_numbers"] == "1 = micro; 2 = small; 3 = medium; 4 = large"
    assert book.loc["training", "codes"] == "yes = Yes; no = No"
    assert book.loc["tlc_adequacy", "codes"].startswith("1 = 1 = ")  # the scale's end labels
    assert book.loc["innovation_score", "kind"] == "computed" and book.loc["profile", "kind"] == "outcome"
    assert book.loc["started_at", "question"] == "Started (time in Europe/Rome)"
    italian = codebook_frame(imprese, "it", RUNS, CODES).set_index("colonna")
    assert italian.loc["employees", "testo"] == imprese.question("employees").text.get("it")


def test_dates_are_typed_in_the_stated_time_zone(tmp_path):
    frame = answers_frame(SURVEY, SURVEY_RUNS, CODES)
    assert frame.loc[0, "started_at"] == pd.Timestamp("2026-03-02 10:30:15")  # Rome, whole seconds
    assert frame.loc[0, "born"] == date(1998, 5, 17)
    utc = answers_frame(SURVEY, SURVEY_RUNS, RawOptions(values="codes", timezone="UTC"))
    assert utc.loc[0, "started_at"] == pd.Timestamp("2026-03-02 09:30:15")
    path = write_export(SURVEY, SURVEY_RUNS, "xlsx", tmp_path / "prova.xlsx", RawOptions(lang="en"))
    book = openpyxl.load_workbook(path)
    assert book.sheetnames == ["answers", "items", "codebook", "codes", "about"]
    sheet = book["answers"]
    header = [c.value for c in sheet[1]]
    for name in ("started_at", "born"):
        cell = sheet.cell(row=2, column=header.index(name) + 1)
        assert isinstance(cell.value, datetime) and cell.is_date
        width = sheet.column_dimensions[cell.column_letter].width
        assert width >= len(cell.number_format), f"{name} would show as ### ({width} < {cell.number_format})"
    about = {row[0]: row[1] for row in book["about"].values}
    assert about["time zone of the times"] == "Europe/Rome"
    parquet = write_export(SURVEY, SURVEY_RUNS, "parquet", tmp_path / "prova.parquet")
    schema = pq.read_schema(parquet)
    assert str(schema.field("started_at").type).endswith(", tz=Europe/Rome]")
    assert str(schema.field("born").type) == "date32[day]"
    assert pd.read_parquet(parquet)["started_at"].iloc[0] == pd.Timestamp("2026-03-02 09:30:15", tz="UTC")


def test_the_workbook_is_italian_by_default_and_english_on_request(imprese):
    import io
    italian = openpyxl.load_workbook(io.BytesIO(export_files(imprese, RUNS, "xlsx", "x")["x.xlsx"]))
    assert italian.sheetnames == ["risposte", "codebook", "codici", "informazioni"]
    assert [c.value for c in italian["codebook"][1]][:2] == ["tabella", "colonna"]
    english = openpyxl.load_workbook(io.BytesIO(export_files(imprese, RUNS, "xlsx", "x", RawOptions(lang="en"))["x.xlsx"]))
    assert english.sheetnames == ["answers", "codebook", "codes", "about"]


# --- the files ------------------------------------------------------------------------------------


def labels_of(meta, name):
    return meta.column_names_to_labels[name]


@pytest.mark.parametrize("fmt", ["sav", "dta"])
def test_spss_and_stata_files_carry_variable_and_value_labels(fmt, tmp_path):
    path = write_export(SURVEY, SURVEY_RUNS, fmt, tmp_path / f"prova.{fmt}", RawOptions(lang="en"))
    read = pyreadstat.read_sav if fmt == "sav" else pyreadstat.read_dta
    frame, meta = read(str(path))
    book = codebook_frame(SURVEY, "en", SURVEY_RUNS)
    names = dict(zip(book.loc[book["table"] == "answers", "column"], book.loc[book["table"] == "answers", "sav_dta_name"]))
    assert list(frame.columns) == list(names.values())
    assert all(len(n) <= 32 and n.replace("_", "").isalnum() for n in frame.columns)  # Stata's rule
    sky, sea = names["sky_and_sea_shades_liked_light_blue_of_the_sky"], names["sky_and_sea_shades_liked_light_blue_of_the_sea"]
    assert sky != sea and sky.startswith("sky_and_sea_shades_liked") and sea.startswith("sky_and_sea_shades_liked")
    assert frame[sky].iloc[0] == 0 and frame[sea].iloc[0] == 1
    assert labels_of(meta, sky) == "Which blues? — Sky blue"
    labels = meta.column_names_to_labels
    assert labels["idea_more"] == "Follow-up of \"Your idea?\": Tell me more?"
    assert labels["started_at"] == "Started (time in Europe/Rome)"
    assert meta.variable_value_labels["status"] == {1: "Completed", 2: "Partial, in progress", 3: "Partial, abandoned"}
    assert meta.variable_value_labels["hue"] == {1: "Red", 2: "Blue", 3: "Green"}
    assert meta.variable_value_labels["partners_s1_2"] == {0: "Not chosen", 1: "Chosen"}
    assert frame["status"].tolist() == [1, 3] and frame["hue"].iloc[0] == 3
    assert frame["partners_s1_2"].iloc[0] == 1 and pd.isna(frame["partners_s1_2"].iloc[1])
    assert frame["top_1"].iloc[0] == 2  # blue: the integers of the codebook
    assert book.set_index("column").loc["top_1", "sav_dta_numbers"] == "1 = red; 2 = blue; 3 = green"
    assert frame["idea_more"].iloc[0] == "'@più alberi"  # neutralised here too
    assert pd.Timestamp(frame["started_at"].iloc[0]) == pd.Timestamp("2026-03-02 10:30:15")
    assert pd.Timestamp(frame["born"].iloc[0]).date() == date(1998, 5, 17)
    items, items_meta = read(str(tmp_path / f"prova-items.{fmt}"))
    assert items["title"].tolist() == ["'=Piazza", "Ponte"] and items_meta.variable_value_labels["colour"][1] == "Red"
    codebook = pd.read_csv(tmp_path / "prova-codebook.csv")
    assert sky in set(codebook["sav_dta_name"]) and "sky_and_sea_shades_liked_light_blue_of_the_sky" in set(codebook["column"])


@pytest.mark.parametrize("fmt", ["csv", "xlsx", "parquet", "sav", "dta"])
def test_every_format_neutralises_formulas(imprese, fmt, tmp_path):
    path = write_export(imprese, RUNS, fmt, tmp_path / f"imprese.{fmt}", CODES)
    if fmt == "csv":
        frame = pd.read_csv(path, dtype=str, keep_default_na=False)
    elif fmt == "xlsx":
        book = openpyxl.load_workbook(path)
        for sheet in book.worksheets:
            for row in sheet.iter_rows():
                assert all(cell.data_type != "f" for cell in row), f"{sheet.title} has a formula"
        frame = pd.read_excel(path, sheet_name="risposte", dtype=str, keep_default_na=False)
    elif fmt == "parquet":
        frame = pd.read_parquet(path)
    else:
        frame = (pyreadstat.read_sav if fmt == "sav" else pyreadstat.read_dta)(str(path))[0]
    assert frame["innovation_example"].tolist()[0] == "'=HYPERLINK(\"http://evil\")"
    assert frame["city_role"].tolist() == ["'-2+3", "'+39 0372 123"]


def test_csv_export_writes_its_tables_and_codebook_beside_it(tmp_path):
    path = write_export(SURVEY, SURVEY_RUNS, "csv", tmp_path / "out" / "prova.csv", CODES)
    assert sorted(p.name for p in path.parent.iterdir()) == ["prova-codebook.csv", "prova-items.csv", "prova.csv"]
    frame = pd.read_csv(path, dtype=str, keep_default_na=False)
    assert frame["started_at"].tolist() == ["2026-03-02 10:30:15"] * 2
    assert frame["born"].tolist() == ["1998-05-17", ""]
    assert frame["idea_more"].tolist() == ["'@più alberi", ""]
    items = pd.read_csv(tmp_path / "out" / "prova-items.csv", dtype=str)
    assert items["title"].tolist() == ["'=Piazza", "Ponte"]


def test_unknown_format_is_refused(imprese, tmp_path):
    with pytest.raises(ValueError, match="unknown export format"):
        write_export(imprese, RUNS, "ods", tmp_path / "x.ods")  # type: ignore[arg-type]


def test_answers_of_an_older_version_keep_their_own_columns():
    versions = Path(__file__).resolve().parents[1] / "data" / "questionnaires" / "versions"
    v2 = load_file(versions / "orari_v2.yaml")
    old = ExportRun(respondent="aaaaaaaaaaaa", run="bbbbbbbbbbbb", status="completed", version=1, started_at=STARTED,
                    completed_at=STARTED, answers={"opens_sunday": "yes", "sunday_hours": 6, "staff": "few"}, outcomes={})
    new = ExportRun(respondent="cccccccccccc", run="dddddddddddd", status="completed", version=2, started_at=STARTED,
                    completed_at=STARTED, answers={"opens_sunday": "no", "evening": "yes", "staff": "s1"}, outcomes={})
    frame = answers_frame(v2, [old, new], CODES)
    assert list(frame.columns)[10:] == ["opens_sunday", "evening", "staff", "sunday_hours"]
    assert frame["version"].tolist() == [1, 2]
    assert frame["sunday_hours"].iloc[0] == 6 and pd.isna(frame["sunday_hours"].iloc[1])
    assert frame["staff"].tolist() == ["few", "s1"]  # "few" is no longer listed: kept as it was
    book = codebook_frame(v2, "en", [old, new]).set_index("column")
    assert "few = few" in book.loc["staff", "codes"]
    for fmt in ("sav", "dta", "parquet"):  # an old code still gets a number, a mixed column still a type
        assert export_files(v2, [old, new], fmt, "v")  # type: ignore[arg-type]


def test_the_hour_the_clocks_go_back_stays_two_hours_in_parquet(imprese, tmp_path):
    autumn = [ExportRun(respondent=f"r{n}", run=f"u{n}", status="completed", version=1, completed_at=None,
                        started_at=datetime(2026, 10, 25, n, 30, tzinfo=timezone.utc), answers={}, outcomes={})
              for n in (0, 1)]  # both 02:30 on the clocks of Rome
    frame = answers_frame(imprese, autumn, CODES)
    assert frame["started_at"].tolist() == [pd.Timestamp("2026-10-25 02:30")] * 2
    parquet = pd.read_parquet(write_export(imprese, autumn, "parquet", tmp_path / "autumn.parquet"))
    assert parquet["started_at"].dt.tz_convert("UTC").dt.hour.tolist() == [0, 1]
