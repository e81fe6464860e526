"""Ranking questions (press items in order, then "done"; or type "3,1,5") and choice filters."""

from __future__ import annotations

import copy
from pathlib import Path

import pytest

from dialogs import DefinitionError, load_data, load_file
from tests.support.plans import CREMONA_LISTS
from dialogs.model import Choice, Text

DATA = Path(__file__).resolve().parents[1] / "data" / "questionnaires"
RANK_3 = "Metti in ordine 3 voci: premile dalla più importante, poi conferma con «Fatto»."
CHOOSE = "Scegli una delle opzioni proposte (puoi anche scriverne il numero)."
ACTORS = [
    ("comune_cremona", "Comune di Cremona", "public_body"),
    ("provincia_cremona", "Provincia di Cremona", "public_body"),
    ("cna_cremona", "CNA Cremona", "trade_association"),
    ("cgil_cremona", "CGIL Cremona", "union"),
    ("uil_cremona", "UIL Cremona", "union"),
]


@pytest.fixture(scope="module")
def priorita():
    """The questionnaire with the register filled in, as the catalog does at run time."""
    q = load_file(DATA / "priorita.yaml", shared_lists=CREMONA_LISTS)
    actors = [Choice(value=code, label=Text(it=name, en=name), attributes={"category": category}) for code, name, category in ACTORS]
    return q.with_lists({"actors": actors})


def press(c, value):
    return c.send("toggle", value, question_key=c.current)


def ranks(c):
    """The options shown as ranked, in rank order: [(rank, value), …]."""
    return sorted((o.rank, o.value) for o in c.prompt.options if o.rank is not None)


def to_categories(c, area="1", district="1"):
    press(c, "innovazione"), press(c, "musica_liuteria"), press(c, "ambiente")
    c.send("done", question_key="priorities")
    c.answer(area=area, district=district)
    assert c.current == "categories"


# --- ranking with buttons ---------------------------------------------------------------------------


def test_ranking_prompt_shows_the_themes_and_how_to_answer(chat, priorita):
    c = chat(priorita)
    prompt = c.prompt
    assert c.current == "priorities"
    assert prompt.ranking and prompt.multiple
    assert len(prompt.options) == 15
    assert prompt.options[0].label == "Innovazione"
    assert ranks(c) == []


def test_pressing_items_ranks_them_in_order_and_done_stores_the_order(chat, priorita):
    c = chat(priorita)
    step = press(c, "turismo_cultura")
    assert not step.rejected and step.answer is None  # nothing stored yet
    assert step.messages[0].refresh  # the same message, updated in place
    assert ranks(c) == [(1, "turismo_cultura")]
    press(c, "innovazione")
    press(c, "musica_liuteria")
    assert ranks(c) == [(1, "turismo_cultura"), (2, "innovazione"), (3, "musica_liuteria")]
    step = c.send("done", question_key="priorities")
    assert step.answer.question_key == "priorities"
    assert step.answer.value == ["turismo_cultura", "innovazione", "musica_liuteria"]
    assert c.current == "area"


def test_pressing_a_ranked_item_again_takes_it_out_and_the_others_move_up(chat, priorita):
    c = chat(priorita)
    press(c, "innovazione"), press(c, "tradizione"), press(c, "lavoro")
    press(c, "innovazione")
    assert ranks(c) == [(1, "tradizione"), (2, "lavoro")]
    press(c, "innovazione")
    assert ranks(c) == [(1, "tradizione"), (2, "lavoro"), (3, "innovazione")]
    c.send("done", question_key="priorities")
    assert c.state.answers["priorities"] == ["tradizione", "lavoro", "innovazione"]


def test_a_fourth_item_is_refused_and_the_three_stay(chat, priorita):
    c = chat(priorita)
    press(c, "innovazione"), press(c, "tradizione"), press(c, "lavoro")
    step = press(c, "ambiente")
    assert step.rejected
    assert c.errors == [RANK_3]
    assert ranks(c) == [(1, "innovazione"), (2, "tradizione"), (3, "lavoro")]


def test_done_with_too_few_asks_for_three(chat, priorita):
    c = chat(priorita)
    step = c.send("done", question_key="priorities")
    assert step.rejected and c.errors == [RANK_3]
    press(c, "innovazione"), press(c, "tradizione")
    step = c.send("done", question_key="priorities")
    assert step.rejected and c.errors == [RANK_3]
    assert ranks(c) == [(1, "innovazione"), (2, "tradizione")]  # the picks so far are kept
    assert c.current == "priorities"


def test_a_forged_or_stale_ranking_button_is_refused(chat, priorita):
    c = chat(priorita)
    step = c.send("toggle", "not_a_theme", question_key="priorities")
    assert step.rejected and c.errors == [CHOOSE]
    step = c.send("toggle", "innovazione", question_key="area")
    assert step.rejected


def test_without_max_rank_every_option_is_ranked(chat, priorita):
    c = chat(priorita)
    to_categories(c)
    c.send("skip")
    assert c.current == "order"
    press(c, "wed"), press(c, "mon")
    step = c.send("done", question_key="order")
    assert step.rejected
    assert c.errors == ["Metti in ordine 3 voci: premile dalla più importante, poi conferma con «Fatto»."]
    press(c, "tue")
    c.send("done", question_key="order")
    assert c.state.answers["order"] == ["wed", "mon", "tue"]
    assert c.state.status == "completed"


# --- ranking typed -------------------------------------------------------------------------------


def test_typed_order_by_numbers(chat, priorita):
    c = chat(priorita)
    step = c.say("3,1,5")
    assert step.answer.value == ["collaborazione", "innovazione", "turismo_cultura"]
    assert step.answer.raw == "3,1,5"


def test_typed_order_by_names_and_numbers_mixed(chat, priorita):
    c = chat(priorita)
    c.say("Collaborazione tra attori; 14 e INNOVAZIONE")  # labels, numbers, case and accents aside
    assert c.state.answers["priorities"] == ["collaborazione", "lavoro", "innovazione"]


@pytest.mark.parametrize("typed", ["1,2", "1,2,3,4", "1,1,2", "1,2,99"])
def test_typed_order_of_the_wrong_size_or_unknown_is_refused(chat, priorita, typed):
    c = chat(priorita)
    step = c.say(typed)
    assert step.rejected
    assert c.errors in ([RANK_3], [CHOOSE])
    assert c.current == "priorities"


def test_going_back_shows_the_ranking_and_it_can_be_changed(chat, priorita):
    c = chat(priorita)
    c.say("3,1,5")
    c.send("back")
    assert c.current == "priorities"
    assert ranks(c) == [(1, "collaborazione"), (2, "innovazione"), (3, "turismo_cultura")]
    assert c.prompt.hint == "Risposta attuale: 1. Collaborazione tra attori, 2. Innovazione, 3. Turismo e cultura"
    press(c, "innovazione")  # out: the third moves up
    press(c, "lavoro")
    assert ranks(c) == [(1, "collaborazione"), (2, "turismo_cultura"), (3, "lavoro")]
    step = c.send("done", question_key="priorities")
    assert step.answer.replaces
    assert c.state.answers["priorities"] == ["collaborazione", "turismo_cultura", "lavoro"]


def test_english_ranking(chat, priorita):
    c = chat(priorita, lang="en")
    c.say("2,1,3")
    assert c.state.answers["priorities"] == ["tradizione", "innovazione", "collaborazione"]
    c.send("back")
    assert c.prompt.hint == "Current answer: 1. Tradition and identity, 2. Innovation, 3. Collaboration between actors"
    press(c, "tradizione")
    c.send("done", question_key="priorities")
    assert c.errors == ["Put 3 items in order: press them from the most important, then confirm with “Done”."]


# --- choice filters -------------------------------------------------------------------------------


def test_the_filter_shows_only_the_districts_of_the_chosen_area(chat, priorita):
    c = chat(priorita)
    c.say("1,2,3")
    c.answer(area="In provincia")
    assert [o.value for o in c.prompt.options] == ["crema", "casalmaggiore"]
    c.say("2")  # numbers count within the options shown
    assert c.state.answers["district"] == "casalmaggiore"


def test_a_value_outside_the_filter_is_refused_typed_or_forged(chat, priorita):
    c = chat(priorita)
    c.say("1,2,3")
    c.answer(area="1")
    assert [o.label for o in c.prompt.options] == ["Centro storico", "Quartiere Po", "Cambonino"]
    step = c.say("Crema")
    assert step.rejected and c.errors == [CHOOSE]
    step = c.say("4")
    assert step.rejected and c.errors == [CHOOSE]
    step = c.send("choice", "crema", question_key="district")  # a forged button
    assert step.rejected and c.errors == [CHOOSE]
    assert c.current == "district" and "district" not in c.state.answers
    c.send("choice", "po", question_key="district")
    assert c.state.answers["district"] == "po"


def test_partners_from_the_register_filtered_by_the_categories_chosen(chat, priorita):
    c = chat(priorita)
    to_categories(c)
    c.say("Sindacati, Enti pubblici")
    assert c.current == "partners"
    assert [o.label for o in c.prompt.options] == [
        "Comune di Cremona", "Provincia di Cremona", "CGIL Cremona", "UIL Cremona",
    ]
    step = c.send("toggle", "cna_cremona", question_key="partners")  # a trade association: not offered
    assert step.rejected and c.errors == [CHOOSE]
    press(c, "uil_cremona"), press(c, "comune_cremona")
    c.send("done", question_key="partners")
    assert c.state.answers["partners"] == ["uil_cremona", "comune_cremona"]


def test_no_categories_no_partners_question(chat, priorita):
    c = chat(priorita)
    to_categories(c)
    c.send("skip")
    assert c.current == "order"
    assert "partners" not in c.state.answers


def test_after_changing_the_categories_partners_no_longer_offered_are_dropped(chat, priorita):
    c = chat(priorita)
    to_categories(c)
    c.say("Sindacati, Enti pubblici")
    c.say("1,3")  # Comune di Cremona, CGIL Cremona
    assert c.state.answers["partners"] == ["comune_cremona", "cgil_cremona"]
    c.send("back")
    c.send("back")
    assert c.current == "categories"
    c.say("Sindacati")
    assert [o.value for o in c.prompt.options] == ["cgil_cremona", "uil_cremona"]
    assert [o.value for o in c.prompt.options if o.selected] == ["cgil_cremona"]  # the public body is gone
    c.send("done", question_key="partners")
    assert c.state.answers["partners"] == ["cgil_cremona"]


def test_an_empty_run_time_list_leaves_nothing_to_choose(chat):
    q = load_file(DATA / "priorita.yaml", shared_lists=CREMONA_LISTS)  # no register loaded: the dynamic list is empty
    c = chat(q)
    to_categories(c)
    c.say("Sindacati")
    assert c.current == "partners"
    assert c.prompt.options == ()
    c.send("skip")
    assert c.current == "order"


# --- shared lists and definitions an author gets wrong -------------------------------------------


def test_shared_lists_are_copied_into_the_questionnaire(priorita):
    assert [c.value for c in priorita.lists["districts"]][:2] == ["centro", "po"]
    assert priorita.lists["districts"][3].attributes == {"zone": "province"}
    assert len(priorita.lists["actor_categories"]) == 9
    assert priorita.model_dump(mode="json")["lists"]["themes"][0]["value"] == "innovazione"  # stored with runs


BASE = {
    "id": "x", "version": 1, "title": {"it": "X", "en": "X"},
    "questions": [
        {"key": "top", "type": "ranking", "text": {"it": "Ordina", "en": "Order"},
         "choices": [{"value": v, "label": {"it": v, "en": v}} for v in ("a", "b", "c")]},
    ],
}


def _with(**changes):
    raw = copy.deepcopy(BASE)
    raw["questions"][0].update(changes)
    return raw


@pytest.mark.parametrize(
    ("raw", "where", "reason"),
    [
        (_with(max_rank=4), "question 'top'", "max_rank is larger than the number of choices"),
        (_with(type="multiple", max_rank=2), "question 'top'", "max_rank only applies to ranking questions"),
        (_with(choices=[]), "question 'top'", "a ranking question needs choices"),
        (_with(choices="nowhere"), "question 'top'", "unknown choice list 'nowhere'"),
        (_with(choice_filter="zone == 'x'"), "question 'top'",
         "choice_filter refers to zone, not an earlier question"),
        ({**BASE, "shared_lists": ["quartieri_inesistenti"]}, "shared_lists",
         "no shared list 'quartieri_inesistenti' (looked for quartieri_inesistenti.yaml)"),
        ({**BASE, "shared_lists": "themes"}, "shared_lists", "must be a list of list names"),
    ],
)
def test_bad_ranking_and_list_definitions(raw, where, reason):
    with pytest.raises(DefinitionError) as excinfo:
        load_data(raw, source="prova.yaml")
    assert (excinfo.value.where, excinfo.value.reason) == (where, reason)


def test_max_rank_over_a_run_time_list_is_allowed():
    raw = _with(max_rank=3, choices="actors")
    q = load_data({**raw, "dynamic_lists": {"actors": ["category"]}})
    assert q.questions[0].max_rank == 3
