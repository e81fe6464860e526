"""Long lists in a chat: the business survey's 113 municipalities and 21 ATECO sections.

The suggested options are buttons; anything else is found by typing a few letters (accents,
case, punctuation and word order aside, close spellings offered, never taken alone); an exact
or unique match is the answer, several come back as buttons; numbers refer to what is shown.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from dialogs import RunState, load_data, load_directory
from dialogs.lookup import LONG_LIST, MAX_MATCHES, SEARCH
from tests.support.plans import CREMONA_QUESTIONNAIRES

IMPRESE = load_directory(CREMONA_QUESTIONNAIRES)["imprese"]
SUGGESTED_TOWNS = ["Cremona", "Crema", "Casalmaggiore", "Soresina", "Castelleone", "Pizzighettone"]


@pytest.fixture
def town(chat):
    """A chat at the municipality question."""
    c = chat(IMPRESE)
    c.answer(ateco_section="C", employees="1–9")
    assert c.current == "municipality"
    return c


def labels(c) -> list[str]:
    return [o.label for o in c.prompt.options]


def test_the_lists_are_whole_and_the_usual_options_are_buttons(chat):
    assert len(IMPRESE.lists["municipalities"]) == 113 and len(IMPRESE.lists["ateco_sections"]) == 21
    c = chat(IMPRESE)
    assert labels(c)[:2] == ["Agricoltura e allevamento", "Manifattura e industria"]
    assert len(labels(c)) == 12 and labels(c)[-1] == "🔎 Altro: scriva per cercare"
    assert c.prompt.hint is None  # the button says what to do; the prompt reads as before
    c.answer(ateco_section="Manifattura e industria", employees="1–9")
    assert labels(c) == [*SUGGESTED_TOWNS, "🔎 Altro: scriva per cercare"]


def test_a_unique_start_is_the_answer(town):
    step = town.say("Casalbut")
    assert not step.rejected and step.answer.value == "casalbuttano_ed_uniti" and step.answer.raw == "Casalbut"
    assert town.current == "innovations"


def test_several_matches_come_back_as_buttons_and_a_press_answers(town):
    step = town.say("casal")
    assert not step.rejected and step.answer is None and town.current == "municipality"
    assert labels(town) == [
        "Casalbuttano ed Uniti", "Casale Cremasco-Vidolasco", "Casaletto Ceredano", "Casaletto di Sopra",
        "Casaletto Vaprio", "Casalmaggiore", "Casalmorano", "🔎 Cerca di nuovo",
    ]
    assert town.prompt.hint == "7 voci corrispondono a «casal»: scelga quella giusta, oppure scriva di nuovo."
    step = town.send("choice", "casaletto_vaprio", question_key="municipality")
    assert step.answer.value == "casaletto_vaprio" and town.current == "innovations"


def test_numbers_refer_to_the_options_shown(town):
    town.say("casal")
    assert town.say("3").answer.value == "casaletto_ceredano"
    town.send("back")
    assert town.say("2").answer.value == "crema"  # the suggested ones again, in their order


def test_accents_case_punctuation_and_word_order_do_not_matter(town):
    assert town.say("PIEVE D OLMI").answer.value == "pieve_d_olmi"
    town.send("back")
    assert town.say("robecco d'oglio").answer.value == "robecco_d_oglio"
    town.send("back")
    assert town.say("uniti pescarolo").answer.value == "pescarolo_ed_uniti"
    town.send("back")
    town.say("uniti")  # a word inside the name
    assert "Sesto ed Uniti" in labels(town) and "Casalbuttano ed Uniti" in labels(town)


def test_an_exact_name_wins_over_longer_ones(town):
    assert town.say("crema").answer.value == "crema"  # not Cremona, Cremosano …


def test_too_many_matches_show_the_first_ones_and_ask_for_more_letters(town):
    town.say("s")
    assert len(labels(town)) == MAX_MATCHES + 1
    assert town.prompt.hint.startswith("20 voci corrispondono a «s»; ecco le prime 8")


def test_a_misspelling_is_offered_never_taken_alone(town):
    step = town.say("Pizzigetone")
    assert step.answer is None and labels(town) == ["Pizzighettone", "🔎 Cerca di nuovo"]
    assert "forse cercava" in town.prompt.hint
    assert town.say("1").answer.value == "pizzighettone"


def test_nothing_found_is_refused_with_the_question_again(town):
    step = town.say("Milano")
    assert step.rejected and town.errors == [
        "Scelga una delle opzioni proposte, oppure scriva le prime lettere del nome: nessuna voce corrisponde a «Milano»."]
    assert labels(town) == [*SUGGESTED_TOWNS, "🔎 Altro: scriva per cercare"]
    town.send("choice", SEARCH, question_key="municipality")
    assert town.say("Milano").rejected  # nothing shown but the text field: only the search is mentioned
    assert town.errors == ["Nessuna voce corrisponde a «Milano»: provi con le prime lettere del nome."]


def test_the_search_button_asks_to_type(town):
    step = town.send("choice", SEARCH, question_key="municipality")
    assert not step.rejected and step.answer is None
    assert town.prompt.options == () and town.prompt.question_type == "single"
    assert town.prompt.hint == "Scriva le prime lettere del nome: le propongo le voci che corrispondono."
    assert town.say(str(len(SUGGESTED_TOWNS) + 1)).rejected  # nothing numbered is shown now
    assert town.say("Vailat").answer.value == "vailate"


def test_the_last_number_is_the_search_button(town):
    town.say(str(len(SUGGESTED_TOWNS) + 1))
    assert town.prompt.options == ()


def test_a_forged_value_is_refused(town):
    step = town.send("choice", "milano", question_key="municipality")
    assert step.rejected and town.errors == ["Scelga una delle opzioni proposte (può anche scriverne il numero)."]


def test_what_is_on_offer_survives_a_json_round_trip(town):
    town.say("casal")
    town.state = RunState.from_json(json.loads(json.dumps(town.state.to_json())))
    town.send("show")
    assert labels(town)[0] == "Casalbuttano ed Uniti"
    assert town.prompt.hint == "Scelga una delle voci trovate, oppure scriva altre lettere."


def test_coming_back_offers_the_current_answer(town):
    town.say("Casalbut")
    town.send("back")
    assert labels(town) == [*SUGGESTED_TOWNS, "Casalbuttano ed Uniti", "🔎 Altro: scriva per cercare"]
    assert town.prompt.hint == "Risposta attuale: Casalbuttano ed Uniti"


def test_a_section_off_the_buttons_by_typing_and_in_english(chat):
    c = chat(IMPRESE)
    assert c.say("istruzione").answer.value == "P"
    c = chat(IMPRESE, lang="en")
    assert c.say("real est").answer.value == "L"  # the English labels are searched too


def test_a_cascade_from_data_lists_and_a_long_list_without_suggestions(chat):
    raw = {
        "id": "settori", "version": 1, "title": {"it": "Settori"},
        "data_lists": {
            "sections": {"file": "ateco_sezioni.csv", "label": {"it": "label", "en": "label_en"}},
            "divisions": {"file": "ateco_divisioni.csv", "label": {"it": "label", "en": "label_en"}},
        },
        "questions": [
            {"key": "sector", "type": "single", "text": {"it": "Sezione?"}, "choices": "sections"},
            {"key": "division", "type": "single", "text": {"it": "Divisione?"}, "choices": "divisions",
             "choice_filter": "section == ${sector}"},  # `section`: the divisions' column
        ],
    }
    q = load_data(raw, source="settori.yaml", shared_lists=CREMONA_QUESTIONNAIRES / "lists")
    assert len(q.lists["sections"]) > LONG_LIST  # 21: searched, and no suggestions: type at once
    c = chat(q)
    assert c.prompt.options == () and "prime lettere" in c.prompt.hint
    c.answer(sector="Manifattura")
    assert c.prompt.options == ()  # 24 manufacturing divisions: typed too
    c.say("mobili")  # the furniture makers, and the wood industry "(esclusi i mobili)"
    assert [o.value for o in c.prompt.options] == ["16", "31", SEARCH]
    assert c.say("fabbricazione di mob").answer.value == "31"
    c = chat(q)
    c.answer(sector="Commercio")
    assert [o.value for o in c.prompt.options] == ["45", "46", "47"]  # 3: plain buttons


def test_the_prompt_is_the_same_on_every_channel_path(town):
    """A reload (``show``) draws what the answer drew: no transport keeps its own copy."""
    first = town.say("cre").messages[-1]
    again = town.send("show").messages[-1]
    assert [o.value for o in first.options] == [o.value for o in again.options]


def test_the_shipped_csv_files_are_described(tmp_path: Path):
    readme = (Path(__file__).resolve().parents[2] / "plans" / "cremona" / "questionnaires" / "lists" / "README.md").read_text()
    for name in ("comuni_cremona.csv", "ateco_sezioni.csv", "ateco_divisioni.csv"):
        assert name in readme
    assert "CC BY 4.0" in readme and "regenerate.py" in readme
