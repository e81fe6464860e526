"""Moving through a run: skip logic, back, skip, progress, pause/resume, expiry, buttons."""

from __future__ import annotations

import json
from datetime import datetime, timedelta, timezone

from dialogs import Input, RunState, handle

CLOSED = "Questa domanda è chiusa: rispondi all'ultima domanda qui sotto."
T0 = datetime(2026, 3, 2, 9, 0, tzinfo=timezone.utc)


# --- skip logic -------------------------------------------------------------------------------


def test_relevant_hides_follow_up_questions(chat, prova):
    c = chat(prova)
    c.answer(colour="1", pets="Nessuno")
    assert c.current == "works"  # no pet, no pet name
    c.answer(works="no")
    assert c.current == "rating"  # does not work, no hours
    assert "pet_name" not in c.state.answers and "hours" not in c.state.answers


def test_relevant_shows_follow_up_questions(chat, prova):
    c = chat(prova)
    c.answer(colour="1", pets="1")
    assert c.prompt.text == "Come si chiama il tuo animale?"
    c.answer(pet_name="Micio", works="si")
    assert c.prompt.text == "Quante ore all'anno?"


def test_changing_an_earlier_answer_retires_answers_that_became_irrelevant(chat, prova):
    c = chat(prova)
    c.answer(colour="1", pets="1", pet_name="Micio")
    assert c.current == "works"
    c.send("back")
    assert c.current == "pet_name"
    c.send("back")
    assert c.current == "pets"
    step = c.say("4")  # now: no pets
    assert step.answer.value == ["none"]
    assert step.cleared == ["pet_name"]
    assert "pet_name" not in c.state.answers
    assert c.current == "works"


def test_retired_answer_does_not_come_back_in_the_final_answers(chat, prova):
    c = chat(prova)
    c.answer(colour="1", pets="1", pet_name="Micio", works="si", hours="100")
    c.send("back")
    c.send("back")
    assert c.current == "works"
    c.answer(works="no", rating="5", satisfaction="3", since="01/01/2001")
    c.send("skip")
    c.send("skip")
    assert c.state.status == "completed"
    assert "hours" not in c.state.answers
    assert c.state.answers["pet_name"] == "Micio"  # still relevant, kept


# --- back -------------------------------------------------------------------------------------


def test_back_at_the_first_question(chat, prova):
    c = chat(prova)
    assert c.prompt.can_go_back is False
    step = c.send("back")
    assert step.rejected
    assert c.errors == ["Sei già alla prima domanda."]
    assert c.prompt.text == "Colore preferito?"


def test_back_at_the_first_question_in_english(chat, prova):
    c = chat(prova, lang="en")
    c.send("back")
    assert c.errors == ["You are already at the first question."]


def test_back_shows_the_previous_question_with_its_current_answer(chat, prova):
    c = chat(prova)
    c.answer(colour="2")
    assert c.prompt.can_go_back is True
    step = c.send("back")
    assert not step.rejected and step.answer is None
    assert c.prompt.text == "Colore preferito?"
    assert c.prompt.hint == "Risposta attuale: Verde"
    assert c.state.answers["colour"] == "green"  # going back does not erase


def test_back_then_same_answer_continues_where_it_was(chat, prova):
    c = chat(prova)
    c.answer(colour="2", pets="1,2")
    c.send("back")
    assert c.current == "pets"
    assert [o.selected for o in c.prompt.options] == [True, True, False, False]
    c.send("done", question_key="pets")
    assert c.state.answers["pets"] == ["cat", "dog"]
    assert c.current == "pet_name"


# --- skip -------------------------------------------------------------------------------------


def test_required_question_cannot_be_skipped(chat, prova):
    c = chat(prova)
    step = c.send("skip")
    assert step.rejected and step.answer is None
    assert c.errors == ["Questa domanda è obbligatoria e non si può saltare."]
    assert c.prompt.text == "Colore preferito?"
    assert c.prompt.can_skip is False


def test_required_question_cannot_be_skipped_in_english(chat, prova):
    c = chat(prova, lang="en")
    c.send("skip")
    assert c.errors == ["This question is required and cannot be skipped."]


def test_optional_question_can_be_skipped(chat, prova):
    c = chat(prova)
    c.answer(colour="1", pets="4", works="no", rating="5", satisfaction="3", since="01/01/2001")
    assert c.current == "even" and c.prompt.can_skip is True
    step = c.send("skip")
    assert step.answer.question_key == "even"
    assert step.answer.value is None and step.answer.skipped is True
    assert c.state.answers["even"] is None
    assert c.current == "comment"


# --- progress ---------------------------------------------------------------------------------


def test_progress_counts_what_the_run_can_still_reach_and_never_grows(chat, prova):
    c = chat(prova)
    assert c.prompt.progress == (1, 10)  # hours counts until "works" is answered: it may still be asked
    c.answer(colour="1", pets="1", pet_name="Micio")
    assert c.prompt.progress == (4, 10)
    c.answer(works="si")
    assert c.prompt.progress == (5, 10)


def test_progress_shrinks_when_an_answer_rules_a_question_out(chat, prova):
    c = chat(prova)
    c.answer(colour="1", pets="1", pet_name="Micio")
    assert c.prompt.progress == (4, 10)
    c.answer(works="no")  # no working hours to ask about
    assert c.prompt.progress == (5, 9)


def test_progress_shrinks_when_questions_are_skipped_by_logic(chat, prova):
    c = chat(prova)
    c.answer(colour="1", pets="4", works="no")
    assert c.current == "rating"
    assert c.prompt.progress == (4, 8)
    c.answer(rating="5", satisfaction="3", since="01/01/2001", even="2")
    assert c.prompt.progress == (8, 8)


# --- pause, resume, expiry ----------------------------------------------------------------------


def test_pause_and_resume(chat, prova):
    c = chat(prova)
    c.answer(colour="3")
    step = c.send("pause")
    assert c.state.status == "paused"
    assert c.texts == ["Questionario sospeso: le risposte date finora sono conservate. Puoi riprendere quando vuoi."]
    step = c.say("1")  # typing while paused does not answer anything
    assert step.rejected and step.answer is None
    assert c.errors == ["Questo questionario non è in corso."]
    step = c.send("resume")
    assert c.state.status == "active"
    assert c.texts[0] == "Riprendiamo da dove eri rimasto."
    assert c.prompt.text == "Quali animali hai? (al massimo 2)"
    assert c.state.answers == {"colour": "blue"}
    c.answer(pets="1")
    assert c.current == "pet_name"


def test_pause_and_resume_in_english(chat, prova):
    c = chat(prova, lang="en")
    c.send("pause")
    assert c.texts == ["Questionnaire paused: your answers so far are kept. You can resume whenever you like."]
    c.send("resume")
    assert c.texts[:2] == ["Let's continue where you left off.", "Favourite colour?"]


def test_run_expires_after_the_idle_time(chat, prova):
    c = chat(prova, now=T0)
    c.say("1", now=T0 + timedelta(hours=1))
    step = c.say("1", now=T0 + timedelta(hours=26), expire_after=timedelta(hours=24))
    assert step.answer is None
    assert c.state.status == "expired"
    assert c.texts == [
        "Il questionario è rimasto fermo troppo a lungo ed è scaduto. Le risposte date finora sono conservate; "
        "puoi ricominciare quando vuoi."
    ]
    assert c.state.answers == {"colour": "red"}  # kept
    step = c.send("resume", now=T0 + timedelta(hours=27), expire_after=timedelta(hours=24))
    assert step.rejected and c.errors == ["Questo questionario non è in corso."]


def test_idle_time_counts_from_the_last_answer_not_the_start(chat, prova):
    c = chat(prova, now=T0)
    c.say("1", now=T0 + timedelta(hours=20), expire_after=timedelta(hours=24))
    step = c.say("1", now=T0 + timedelta(hours=40), expire_after=timedelta(hours=24))
    assert not step.rejected
    assert c.state.status == "active"
    assert c.state.answers["pets"] == ["cat"]


def test_no_expiry_configured_means_no_expiry(chat, prova):
    c = chat(prova, now=T0)
    c.say("1", now=T0 + timedelta(days=365))
    assert c.state.status == "active" and c.state.answers == {"colour": "red"}


# --- buttons --------------------------------------------------------------------------------------


def test_stale_button_of_an_earlier_question_is_closed(chat, prova):
    c = chat(prova)
    c.answer(colour="1")
    step = c.send("choice", "green", question_key="colour")
    assert step.rejected and step.answer is None
    assert c.errors == [CLOSED]
    assert "questa domanda è chiusa" in c.errors[0].lower()
    assert c.state.answers["colour"] == "red"
    assert c.current == "pets"


def test_stale_button_in_english(chat, prova):
    c = chat(prova, lang="en")
    c.answer(colour="1")
    c.send("toggle", "cat", question_key="colour")
    assert c.errors == ["This question is closed: please answer the latest question below."]


def test_multiple_choice_toggles_and_done(chat, prova):
    c = chat(prova)
    c.answer(colour="1")
    step = c.send("toggle", "cat", question_key="pets")
    assert step.answer is None
    assert c.messages[0].refresh is True
    assert [o.selected for o in c.prompt.options] == [True, False, False, False]
    c.send("choice", "dog", question_key="pets")  # a plain press on a multiple question toggles too
    assert [o.selected for o in c.prompt.options] == [True, True, False, False]
    step = c.send("toggle", "fish", question_key="pets")
    assert step.rejected
    assert c.errors == ["Puoi scegliere al massimo 2 opzioni."]
    c.send("toggle", "cat", question_key="pets")  # untick
    c.send("toggle", "fish", question_key="pets")
    assert [o.selected for o in c.prompt.options] == [False, True, True, False]
    assert "pets" not in c.state.answers  # nothing stored before "done"
    step = c.send("done", question_key="pets")
    assert step.answer.value == ["dog", "fish"]
    assert c.state.answers["pets"] == ["dog", "fish"]
    assert c.current == "pet_name"


def test_done_with_nothing_ticked_on_a_required_question(chat, prova):
    c = chat(prova)
    c.answer(colour="1")
    step = c.send("done", question_key="pets")
    assert step.rejected
    assert c.errors == ["Seleziona almeno un'opzione, poi conferma con «Fatto»."]
    assert c.current == "pets"


def test_done_checks_the_constraint(chat, prova):
    c = chat(prova)
    c.answer(colour="1")
    c.send("toggle", "cat", question_key="pets")
    c.send("toggle", "none", question_key="pets")
    step = c.send("done", question_key="pets")
    assert step.rejected
    assert c.errors == ["«Nessuno» non va insieme ad altri animali."]
    assert "pets" not in c.state.answers


def test_toggle_of_an_option_that_does_not_exist(chat, prova):
    c = chat(prova)
    c.answer(colour="1")
    step = c.send("toggle", "lion", question_key="pets")
    assert step.rejected
    assert c.errors == ["Scegli una delle opzioni proposte (puoi anche scriverne il numero)."]


# --- state ----------------------------------------------------------------------------------------


def test_handle_never_changes_the_callers_state(prova, chat):
    c = chat(prova)
    before = json.dumps(c.state.to_json(), sort_keys=True)
    handle(prova, c.state, Input("text", "1"))
    assert json.dumps(c.state.to_json(), sort_keys=True) == before


def test_state_survives_a_json_round_trip_mid_run(chat, prova):
    c = chat(prova)
    c.answer(colour="1", pets="1")
    c.send("toggle", "cat", question_key="pets")  # irrelevant now, but leaves nothing pending
    c.state = RunState.from_json(json.loads(json.dumps(c.state.to_json())))
    c.answer(pet_name="Micio", works="si", hours="10")
    assert c.state.answers["hours"] == 10
