"""Repeat groups: "add another objective?", up to ten items, each answer stored with its item."""

from __future__ import annotations

import copy
from pathlib import Path

import pytest

from dialogs import DefinitionError, load_data, load_file

DATA = Path(__file__).resolve().parents[1] / "data" / "questionnaires"

ADD_ERROR = "Scegli una delle opzioni proposte (puoi anche scriverne il numero)."


@pytest.fixture(scope="module")
def gruppi():
    return load_file(DATA / "gruppi.yaml")


def objective(c, index: int, text: str, funded: str = "no", amount: str | None = None, horizon: str = "1"):
    """Answer one objective item (typed), checking every position on the way."""
    c.answer(**{f"objective#{index}": text, f"funded#{index}": funded})
    if amount is not None:
        c.answer(**{f"amount#{index}": amount})
    c.answer(**{f"horizon#{index}": horizon})


# --- items and their indexes ---------------------------------------------------------------------


def test_ten_objectives_each_answer_carries_its_item_index(chat, gruppi):
    c = chat(gruppi)
    c.answer(name="Comune di Cremona")
    stored = []
    for index in range(10):
        assert c.current == f"objective#{index}"
        assert c.prompt.text == f"Obiettivo {index + 1} — Quale obiettivo persegue?"
        assert c.prompt.item == index + 1
        stored.append(c.say(f"Obiettivo numero {index + 1}").answer)
        stored.append(c.say("no").answer)
        stored.append(c.say("2").answer)
        if index < 9:
            assert c.current == f"objectives#+{index + 1}"
            assert c.prompt.text == "Vuole indicare un altro obiettivo?"
            assert [o.label for o in c.prompt.options] == ["Sì", "No"]
            c.say("si")
    # the tenth item is the last one allowed: no "add another?", straight to the next question
    assert c.current == "contact#0"
    assert [(a.question_key, a.item_index) for a in stored[-3:]] == [("objective", 9), ("funded", 9), ("horizon", 9)]
    assert [a.item_index for a in stored] == [i for i in range(10) for _ in range(3)]
    assert {a.question_key for a in stored} == {"objective", "funded", "horizon"}
    assert not any(a.replaces for a in stored)
    rows = c.state.answers["objectives"]
    assert len(rows) == 10
    assert rows[4] == {"objective": "Obiettivo numero 5", "funded": "no", "horizon": "long"}


def test_english_item_label_and_add_prompt(chat, gruppi):
    c = chat(gruppi, lang="en")
    c.answer(name="Province")
    assert c.prompt.text == "Objective 1 — Which objective do you pursue?"
    objective(c, 0, "Greener town")
    assert c.prompt.text == "Would you like to add another objective?"
    assert [o.label for o in c.prompt.options] == ["Yes", "No"]


def test_add_another_by_button_or_typed_and_a_polite_refusal(chat, gruppi):
    c = chat(gruppi)
    c.answer(name="CNA")
    objective(c, 0, "Formazione")
    step = c.send("choice", "maybe", question_key="objectives#+1")  # a forged button
    assert step.rejected and c.errors == [ADD_ERROR]
    step = c.say("forse")
    assert step.rejected and c.errors == [ADD_ERROR]
    assert c.prompt.question_key == "objectives#+1"  # asked again
    c.send("choice", "yes", question_key="objectives#+1")
    assert c.current == "objective#1"
    assert c.prompt.text.startswith("Obiettivo 2 — ")
    objective(c, 1, "Digitale")
    c.say("2")  # the second option: No
    assert c.current == "contact#0"


def test_skipping_add_another_means_no(chat, gruppi):
    c = chat(gruppi)
    c.answer(name="CNA")
    objective(c, 0, "Formazione")
    c.send("skip")
    assert c.current == "contact#0"
    assert len(c.state.answers["objectives"]) == 1


def test_min_items_are_asked_without_add_another_and_max_items_ends_the_group(chat, gruppi):
    c = chat(gruppi)
    c.answer(name="CGIL")
    objective(c, 0, "Lavoro")
    c.say("no")
    # contacts: at least two, at most three
    c.answer(**{"contact#0": "Anna, segretaria"})
    assert c.current == "contact#1"  # the second one is required: no question
    assert c.prompt.text == "Referente 2 — Nome e ruolo del referente"
    c.answer(**{"contact#1": "Bruno, tesoriere"})
    assert c.current == "contacts#+2"
    assert c.prompt.text == "Vuoi aggiungerne un altro?"  # the default prompt
    c.say("si")
    c.answer(**{"contact#2": "Carla, ufficio stampa"})
    assert c.current == "remarks"  # three is the most
    c.send("skip")
    assert c.state.status == "completed"
    assert [row["contact"] for row in c.state.answers["contacts"]] == [
        "Anna, segretaria", "Bruno, tesoriere", "Carla, ufficio stampa",
    ]


def test_a_group_with_min_items_zero_asks_first_whether_there_is_any(chat):
    raw = {
        "id": "zero", "version": 1, "title": {"it": "Z", "en": "Z"},
        "questions": [
            {"key": "projects", "type": "repeat", "min_items": 0, "max_items": 2,
             "text": {"it": "Progetti", "en": "Projects"},
             "add_prompt": {"it": "Ha un progetto da descrivere?", "en": "Any project to describe?"},
             "questions": [{"key": "title", "type": "text", "text": {"it": "Titolo", "en": "Title"}}]},
            {"key": "end", "type": "text", "text": {"it": "Fine?", "en": "End?"}},
        ],
    }
    q = load_data(raw)
    c = chat(q)
    assert c.current == "projects#+0"
    assert c.prompt.text == "Ha un progetto da descrivere?"
    c.say("no")
    assert c.current == "end"
    assert c.state.answers.get("projects", []) == []
    c.send("back")
    c.say("si")
    assert c.current == "title#0"


# --- skip logic inside an item --------------------------------------------------------------------


def test_skip_logic_inside_each_item_looks_at_that_item(chat, gruppi):
    c = chat(gruppi)
    c.answer(name="Assindustria")
    objective(c, 0, "Nuova zona industriale", funded="si", amount="250000")
    c.say("si")
    objective(c, 1, "Rete di imprese", funded="no")  # no amount asked for this one
    assert c.state.answers["objectives"] == [
        {"objective": "Nuova zona industriale", "funded": "yes", "amount": 250000, "horizon": "short"},
        {"objective": "Rete di imprese", "funded": "no", "horizon": "short"},
    ]


def test_changing_an_answer_inside_an_item_retires_what_became_irrelevant(chat, gruppi):
    c = chat(gruppi)
    c.answer(name="Coldiretti")
    objective(c, 0, "Filiera corta", funded="si", amount="5000")
    assert c.current == "objectives#+1"
    c.send("back")
    c.send("back")
    c.send("back")
    assert c.current == "funded#0"
    assert c.prompt.hint == "Risposta attuale: Sì"
    step = c.say("no")
    assert c.current == "horizon#0"  # amount is no longer asked …
    assert step.cleared_items == [("amount", 0)]  # … and its answer no longer counts
    assert "amount" not in c.state.answers["objectives"][0]


# --- back across items ----------------------------------------------------------------------------


def test_back_goes_across_items_and_add_another(chat, gruppi):
    c = chat(gruppi)
    c.answer(name="CISL")
    objective(c, 0, "Welfare aziendale")
    c.say("si")
    assert c.current == "objective#1"
    assert c.prompt.can_go_back
    c.send("back")
    assert c.current == "objectives#+1"
    c.send("back")
    assert c.current == "horizon#0"
    assert c.prompt.hint == "Risposta attuale: Breve termine"
    assert c.prompt.text == "Obiettivo 1 — In che orizzonte di tempo?"
    c.send("back")
    c.send("back")
    assert c.current == "objective#0"
    assert c.prompt.hint == "Risposta attuale: Welfare aziendale"
    step = c.say("Welfare territoriale")
    assert step.answer.replaces and step.answer.item_index == 0
    c.answer(**{"funded#0": "no", "horizon#0": "2"})
    assert c.current == "objectives#+1"
    c.say("si")
    assert c.current == "objective#1"


def test_back_from_the_question_after_the_group_reaches_add_another(chat, gruppi):
    c = chat(gruppi)
    c.answer(name="UIL")
    objective(c, 0, "Sicurezza sul lavoro")
    c.say("no")
    assert c.current == "contact#0"
    c.send("back")
    assert c.current == "objectives#+1"
    c.say("si")
    objective(c, 1, "Formazione continua")
    c.say("no")
    assert len(c.state.answers["objectives"]) == 2


def test_answering_no_after_going_back_retires_the_later_items(chat, gruppi):
    c = chat(gruppi)
    c.answer(name="Confartigianato")
    objective(c, 0, "Botteghe in centro", funded="si", amount="1000")
    c.say("si")
    objective(c, 1, "Passaggio generazionale")
    c.say("si")
    objective(c, 2, "Export")
    c.say("no")
    assert c.current == "contact#0"
    for _ in range(10):  # back to the first "add another?"
        c.send("back")
        if c.current == "objectives#+1":
            break
    assert c.current == "objectives#+1"
    step = c.say("no")
    assert c.current == "contact#0"
    assert sorted(step.cleared_items) == [
        ("funded", 1), ("funded", 2), ("horizon", 1), ("horizon", 2), ("objective", 1), ("objective", 2),
    ]
    assert c.state.answers["objectives"] == [
        {"objective": "Botteghe in centro", "funded": "yes", "amount": 1000, "horizon": "short"},
    ]
    # adding again later starts a fresh second item
    c.send("back")
    c.say("si")
    assert c.current == "objective#1"
    assert c.prompt.hint is None


def test_answering_yes_again_keeps_the_later_items_to_change(chat, gruppi):
    c = chat(gruppi)
    c.answer(name="API")
    objective(c, 0, "Reti corte")
    c.say("si")
    objective(c, 1, "Credito")
    c.say("no")
    while c.current != "objectives#+1":
        c.send("back")
    step = c.say("si")
    assert step.cleared_items == []
    assert c.current == "objective#1"
    assert c.prompt.hint == "Risposta attuale: Credito"


# --- definitions an author gets wrong ---------------------------------------------------------------


GROUP = {
    "id": "x", "version": 1, "title": {"it": "X", "en": "X"},
    "questions": [
        {"key": "items", "type": "repeat", "text": {"it": "Voci", "en": "Items"},
         "questions": [{"key": "item", "type": "text", "text": {"it": "Voce", "en": "Item"}}]},
    ],
}


def _group(**changes):
    raw = copy.deepcopy(GROUP)
    raw["questions"][0].update(changes)
    return raw


@pytest.mark.parametrize(
    ("changes", "where", "reason"),
    [
        ({"questions": [{"key": "inner", "type": "repeat", "text": {"it": "I", "en": "I"},
                         "questions": [{"key": "x", "type": "text", "text": {"it": "X", "en": "X"}}]}]},
         "question 'inner'", "a repeat group cannot contain another repeat group"),
        ({"key": "a_very_long_group_key_x"}, "question 'a_very_long_group_key_x'",
         "a repeat group's key has at most 20 characters"),
        ({"questions": [{"key": "a_very_long_item_key_x", "type": "text", "text": {"it": "X", "en": "X"}}]},
         "question 'a_very_long_item_key_x'", "keys inside a repeat group have at most 20 characters"),
        ({"questions": []}, "question 'items'", "a repeat group needs questions"),
        ({"min_items": 4, "max_items": 3}, "question 'items'", "min_items is greater than max_items"),
        ({"questions": [{"key": "n", "type": "note", "text": {"it": "N", "en": "N"}}]},
         "question 'n'", "notes are not allowed inside a repeat group"),
    ],
)
def test_bad_repeat_groups_are_refused_with_the_reason(changes, where, reason):
    with pytest.raises(DefinitionError) as excinfo:
        load_data(_group(**changes), source="gruppo.yaml")
    assert excinfo.value.where == where
    assert excinfo.value.reason == reason


def test_more_than_twenty_items_is_refused():
    with pytest.raises(DefinitionError) as excinfo:
        load_data(_group(max_items=21))
    assert "max_items" in excinfo.value.where
    assert "less than or equal to 20" in excinfo.value.reason


def test_a_key_longer_than_24_characters_is_refused():
    raw = copy.deepcopy(GROUP)
    raw["questions"].append({"key": "k" * 25, "type": "text", "text": {"it": "X", "en": "X"}})
    with pytest.raises(DefinitionError) as excinfo:
        load_data(raw)
    assert "key" in excinfo.value.where
    assert "should match pattern" in excinfo.value.reason
