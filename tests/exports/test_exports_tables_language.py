"""The convergence workbook's words follow the deployment's language (Options.lang): Italian sheets and
descriptions for an Italian deployment, English on request; the tables' identifiers never change."""

from __future__ import annotations

from datetime import datetime, timezone

import pandas as pd

from exports.options import Options
from exports.tables import TABLE_NAMES
from exports.tables.base import Table, Tables
from exports.tables.language import FORMULAS_IT, README_HEADERS, formulas, localised, readme_words, sheet_name
from exports.tables.writer import FORMULAS


def _tables(lang: str) -> Tables:
    columns = {"n_firm": "units of category firm carrying the theme", "first": "units ranking the theme first",
               "new": "a meaning written since"}
    built = {name: Table(name, "title", "description", pd.DataFrame({"a": [1]}), dict(columns)) for name in TABLE_NAMES}
    return Tables(built, datetime(2026, 3, 2, tzinfo=timezone.utc), {}, Options(lang=lang, quotes=4))


def test_every_table_has_a_sheet_name_in_each_language_unique_and_short_enough():
    for lang in ("it", "en"):
        names = [sheet_name(table, lang) for table in TABLE_NAMES]
        assert len(set(names)) == len(names) and all(len(n) <= 31 for n in names)
        assert README_HEADERS[lang][0] not in names
    assert sheet_name("priorities_by_category", "it") == "priorità_per_categoria"
    assert sheet_name("priorities_by_category", "en") == "priorities_by_category"
    assert sheet_name("a_new_table", "it") == "a_new_table"


def test_titles_and_descriptions_follow_the_language_and_frames_stay():
    italian, english = localised(_tables("it")), localised(_tables("en"))
    assert list(italian.tables) == list(TABLE_NAMES)  # identifiers unchanged
    assert italian.tables["network_summary"].title == "Rete: misure"
    assert english.tables["network_summary"].title == "Network: measures"
    assert "fino a 4 citazioni" in italian.tables["shared_priorities"].description
    assert "up to 4 representative quotes" in english.tables["shared_priorities"].description
    assert italian["priorities"].equals(_tables("it")["priorities"])
    assert italian.tables["priorities"].columns == {
        "n_firm": "unità della categoria firm che portano il tema", "first": "unità che mettono il tema al primo posto",
        "new": "a meaning written since"}  # nothing lost when a text has no translation yet
    assert english.tables["priorities"].columns["first"] == "units ranking the theme first"
    french = localised(_tables("fr"))  # a language without words here: Italian, the plan's first
    assert french.tables["quotes"].title == "Citazioni"


def test_the_readme_sheet_speaks_the_language():
    assert readme_words("it") == ("LEGGIMI", ("sezione", "nome", "significato"), "Scenari — tabelle delle convergenze")
    assert readme_words("en")[0] == "README" and readme_words("fr")[0] == "LEGGIMI"  # no words in French: Italian
    assert readme_words("de") == ("LIESMICH", ("abschnitt", "name", "bedeutung"), "Scenari — Konvergenztabellen")


def test_every_table_formula_and_column_meaning_of_italian_has_its_german():
    from exports.tables import language_de
    from exports.tables.language import COLUMNS_IT, TEXTS

    assert {name for name, entry in TEXTS.items() if "it" in entry} <= {n for n, e in TEXTS.items() if "de" in e}
    assert set(language_de.FORMULAS_DE) == set(FORMULAS_IT) and set(language_de.COLUMNS_DE) == set(COLUMNS_IT)
    assert all(len(entry["de"][0]) <= 31 for entry in TEXTS.values())  # Excel's limit for a sheet name
    assert dict(formulas(FORMULAS, "de"))["share"].startswith("s = n / N: Einheiten der Kategorie")


def test_every_formula_of_the_readme_has_its_italian():
    assert {name for name, _ in FORMULAS} == set(FORMULAS_IT)
    italian = dict(formulas(FORMULAS, "it"))
    assert italian["Borda"].startswith("il posto 1 di R = 3 vale 3 punti")
    assert formulas(FORMULAS, "en") == FORMULAS


def test_chart_titles_and_readme_words_follow_the_language():
    from exports.tables.language import about_text, section_word

    built = _tables("it").tables
    built["priorities"] = Table("priorities", "t", "d", pd.DataFrame({"a": [1]}), {},
                                {"categories": "a", "values": ["a"], "title": "Priorità (punti Borda)"})
    built["innovation_vs_baseline"] = Table("innovation_vs_baseline", "t", "d", pd.DataFrame({"a": [1]}), {},
                                            {"categories": "a", "values": ["a"], "title": "Profili: oggi e ISTAT 2022"})
    for lang, priorities, baseline in (("it", "Priorità (punti Borda)", "Profili: oggi e ISTAT 2022"),
                                       ("en", "Priorities (Borda points)", "Profiles: today and ISTAT 2022")):
        tables = localised(Tables(built, datetime(2026, 3, 2, tzinfo=timezone.utc), {}, Options(lang=lang)))
        assert tables.tables["priorities"].chart["title"] == priorities
        assert tables.tables["innovation_vs_baseline"].chart["title"] == baseline
    assert about_text("k", "it", k=5).startswith("5: il conteggio più piccolo")
    assert about_text("k", "en", k=5) == "5: smallest count shown (small-cell suppression)"
    assert section_word("column", "it") == "colonna" and section_word("column", "en") == "column"
