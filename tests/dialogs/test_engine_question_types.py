"""Every question type: what a respondent may type, what is stored, what they are told if not."""

from __future__ import annotations

import re

import pytest

# Answers that take a respondent of the all-types questionnaire up to a given question.
BEFORE = {
    "colour": {},
    "pets": {"colour": "1"},
    "pet_name": {"colour": "1", "pets": "1"},
    "works": {"colour": "1", "pets": "1", "pet_name": "Micio"},
    "hours": {"colour": "1", "pets": "1", "pet_name": "Micio", "works": "si"},
    "rating": {"colour": "1", "pets": "1", "pet_name": "Micio", "works": "no"},
    "satisfaction": {"colour": "1", "pets": "1", "pet_name": "Micio", "works": "no", "rating": "7"},
    "since": {"colour": "1", "pets": "1", "pet_name": "Micio", "works": "no", "rating": "7", "satisfaction": "4"},
}


@pytest.fixture
def at(chat, prova):
    def _at(key: str, lang: str = "it"):
        c = chat(prova, lang=lang)
        c.answer(**BEFORE[key])
        assert c.current == key
        return c

    return _at


def test_start_shows_intro_note_and_first_question(chat, prova):
    c = chat(prova)
    kinds = [(m.kind, m.text) for m in c.messages]
    assert kinds == [
        ("info", "Benvenuto nella prova."),
        ("note", "Iniziamo."),
        ("prompt", "Colore preferito?"),
    ]
    assert [o.label for o in c.prompt.options] == ["Rosso", "Verde", "Blu"]
    assert c.current == "colour"


def test_start_in_english(chat, prova):
    c = chat(prova, lang="en")
    assert c.texts == ["Welcome to the test.", "Let's begin.", "Favourite colour?"]
    assert [o.label for o in c.prompt.options] == ["Red", "Green", "Blue"]


def test_note_is_never_a_question_to_answer(chat, prova):
    c = chat(prova)
    assert "opening" not in c.state.answers
    assert c.prompt.text == "Colore preferito?"
    assert c.prompt.progress[0] == 1


@pytest.mark.parametrize(
    ("typed", "stored"),
    [("2", "green"), ("Verde", "green"), ("verde.", "green"), ("Green", "green"), ("blue", "blue")],
)
def test_single_choice_by_number_label_or_code(at, typed, stored):
    c = at("colour")
    step = c.say(typed)
    assert not step.rejected
    assert step.answer.question_key == "colour"
    assert step.answer.value == stored
    assert c.state.answers["colour"] == stored


@pytest.mark.parametrize("typed", ["4", "0", "viola"])
def test_single_choice_refuses_what_is_not_offered(at, typed):
    c = at("colour")
    step = c.say(typed)
    assert step.rejected and step.answer is None
    assert c.errors == ["Scegli una delle opzioni proposte (puoi anche scriverne il numero)."]
    assert c.prompt.text == "Colore preferito?"  # asked again
    assert "colour" not in c.state.answers


def test_single_choice_button(at):
    c = at("colour")
    step = c.send("choice", "blue", question_key="colour")
    assert step.answer.value == "blue"
    assert c.current == "pets"


def test_forged_button_value_is_refused(at):
    c = at("colour")
    step = c.send("choice", "purple", question_key="colour")
    assert step.rejected
    assert c.errors == ["Scegli una delle opzioni proposte (puoi anche scriverne il numero)."]
    assert c.current == "colour"


@pytest.mark.parametrize(
    ("typed", "stored"),
    [("1,3", ["cat", "fish"]), ("Gatto e Cane", ["cat", "dog"]), ("2; 2", ["dog"]), ("cat and fish", ["cat", "fish"])],
)
def test_multiple_choice_typed(at, typed, stored):
    c = at("pets")
    step = c.say(typed)
    assert not step.rejected
    assert c.state.answers["pets"] == stored


def test_multiple_choice_typed_over_max_choices(at):
    c = at("pets")
    step = c.say("1,2,3")
    assert step.rejected
    assert c.errors == ["Puoi scegliere al massimo 2 opzioni."]
    assert "pets" not in c.state.answers


def test_multiple_choice_constraint_message(at):
    c = at("pets")
    step = c.say("1,4")
    assert step.rejected
    assert c.errors == ["«Nessuno» non va insieme ad altri animali."]
    assert c.current == "pets"


def test_multiple_choice_constraint_message_in_english(at):
    c = at("pets", lang="en")
    c.say("1,4")
    assert c.errors == ["“None” cannot go with other pets."]


def test_text_within_max_length_is_stored_trimmed(at):
    c = at("pet_name")
    step = c.say("  Fido  ")
    assert step.answer.value == "Fido"
    assert step.answer.raw == "  Fido  "


def test_text_over_max_length(at):
    c = at("pet_name")
    step = c.say("Bartolomeo I")
    assert step.rejected
    assert c.errors == ["Il testo è troppo lungo (12 caratteri): il massimo è 10. Puoi accorciarlo?"]


def test_text_over_max_length_in_english(at):
    c = at("pet_name", lang="en")
    c.say("Bartolomeo I")
    assert c.errors == ["The text is too long (12 characters): the limit is 10. Could you shorten it?"]


def test_empty_text_is_refused(at):
    c = at("pet_name")
    c.say("   ")
    assert c.errors == ["La risposta non può essere vuota."]


@pytest.mark.parametrize(("typed", "stored"), [("si", "yes"), ("Sì", "yes"), ("SI", "yes"), ("1", "yes"), ("yes", "yes"),
                                               ("no", "no"), ("No.", "no"), ("2", "no")])
def test_yesno(at, typed, stored):
    c = at("works")
    c.say(typed)
    assert c.state.answers["works"] == stored


def test_yesno_refuses_maybe(at):
    c = at("works")
    c.say("forse")
    assert c.errors == ["Scegli una delle opzioni proposte (puoi anche scriverne il numero)."]
    assert [o.label for o in c.prompt.options] == ["Sì", "No"]


@pytest.mark.parametrize(("typed", "stored"), [("12", 12), ("1.500", 1500), (" 2 000 ", 2000), ("1", 1), ("+7", 7)])
def test_integer_accepts_italian_thousands(at, typed, stored):
    c = at("hours")
    c.say(typed)
    assert c.state.answers["hours"] == stored
    assert isinstance(c.state.answers["hours"], int)


@pytest.mark.parametrize(
    ("typed", "message"),
    [
        ("3,5", "Serve un numero intero, per esempio 12."),
        ("dodici", "Serve un numero intero, per esempio 12."),
        ("0", "Il valore deve essere compreso tra 1 e 2000."),
        ("2001", "Il valore deve essere compreso tra 1 e 2000."),
        ("2.500", "Il valore deve essere compreso tra 1 e 2000."),
    ],
)
def test_integer_refusals(at, typed, message):
    c = at("hours")
    step = c.say(typed)
    assert step.rejected
    assert c.errors == [message]
    assert "hours" not in c.state.answers


def test_integer_refusals_in_english(at):
    c = at("hours", lang="en")
    c.say("3,5")
    assert c.errors == ["Please enter a whole number, for example 12."]
    c.say("5000")
    assert c.errors == ["The value must be between 1 and 2000."]


@pytest.mark.parametrize(("typed", "stored"), [("3,5", 3.5), ("3.5", 3.5), ("10", 10.0), ("0", 0.0), ("0,25", 0.25), (" 7,0 ", 7.0)])
def test_decimal_accepts_comma_and_point(at, typed, stored):
    c = at("rating")
    c.say(typed)
    assert c.state.answers["rating"] == stored


@pytest.mark.parametrize(
    ("typed", "message"),
    [
        ("tre", "Serve un numero, per esempio 3,5."),
        ("10,5", "Il valore deve essere compreso tra 0 e 10."),
        ("-1", "Il valore deve essere compreso tra 0 e 10."),
        ("1.500", "Il valore deve essere compreso tra 0 e 10."),  # Italian thousands, not 1.5
    ],
)
def test_decimal_refusals(at, typed, message):
    c = at("rating")
    c.say(typed)
    assert c.errors == [message]
    assert "rating" not in c.state.answers


def test_decimal_refusal_in_english(at):
    c = at("rating", lang="en")
    c.say("three")
    assert c.errors == ["Please enter a number, for example 3.5."]


def test_scale_shows_points_and_labels(at):
    c = at("satisfaction")
    assert [o.value for o in c.prompt.options] == ["1", "2", "3", "4", "5"]
    assert c.prompt.hint == "1 = per niente, 5 = moltissimo"


@pytest.mark.parametrize(("typed", "stored"), [("1", 1), ("5", 5), ("3", 3)])
def test_scale_value(at, typed, stored):
    c = at("satisfaction")
    c.say(typed)
    assert c.state.answers["satisfaction"] == stored


def test_scale_out_of_points(at):
    c = at("satisfaction")
    c.say("6")
    assert c.errors == ["Scegli una delle opzioni proposte (puoi anche scriverne il numero)."]


def test_scale_button_is_stored_as_number(at):
    c = at("satisfaction")
    c.send("choice", "2", question_key="satisfaction")
    assert c.state.answers["satisfaction"] == 2


@pytest.mark.parametrize(("typed", "stored"), [("31/12/2024", "2024-12-31"), ("1/2/2020", "2020-02-01"),
                                               ("05-06-2021", "2021-06-05")])
def test_date_day_month_year(at, typed, stored):
    c = at("since")
    c.say(typed)
    assert c.state.answers["since"] == stored


@pytest.mark.parametrize("typed", ["31/02/2024", "12/31/2024", "ieri"])
def test_date_refusals(at, typed):
    c = at("since")
    c.say(typed)
    assert c.errors == ["Serve una data come 31/12/2024."]
    assert "since" not in c.state.answers


def test_date_refusal_in_english(at):
    c = at("since", lang="en")
    c.say("yesterday")
    assert c.errors == ["Please enter a date such as 31/12/2024."]


def test_constraint_with_its_message_then_accepted(at):
    c = at("since")
    c.say("01/01/2020")
    assert c.current == "even"
    c.say("7")
    assert c.errors == ["Serve un numero pari."]
    assert c.current == "even"
    c.say("8")
    assert c.state.answers["even"] == 8
    assert c.current == "comment"


def test_whole_run_completes_with_typed_values(chat, prova):
    c = chat(prova)
    c.answer(colour="Blu", pets="2", pet_name="Rex", works="si", hours="1.200", rating="8,5",
             satisfaction="5", since="15/03/2019", even="4", comment="tutto bene")
    assert c.step.completed
    assert c.state.status == "completed" and c.current is None
    assert c.state.answers == {
        "colour": "blue", "pets": ["dog"], "pet_name": "Rex", "works": "yes", "hours": 1200,
        "rating": 8.5, "satisfaction": 5, "since": "2019-03-15", "even": 4, "comment": "tutto bene",
    }
    assert c.texts == ["Fine della prova.", "Il questionario è completo e le risposte sono state salvate."]  # one thank-you: the outro's


@pytest.mark.parametrize(("typed", "lang", "shown"), [("7,0", "it", "7"), ("3,5", "it", "3,5"), ("3.5", "en", "3.5")])
def test_decimal_answer_is_shown_back_as_typed_not_as_a_float(at, typed, lang, shown):
    """Going back to a decimal question shows the answer as a person writes it (7, 3,5), never 7.0."""
    c = at("rating", lang=lang)
    c.say(typed)
    c.send("back")
    assert c.current == "rating"
    label = "Risposta attuale" if lang == "it" else "Current answer"
    said = " ".join(filter(None, [c.prompt.hint, *c.texts]))
    assert re.search(rf"{label}: (\S+?)\.?(\s|$)", said).group(1) == shown, said
