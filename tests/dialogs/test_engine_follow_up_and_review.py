"""Follow-ups ("può dirmi qualcosa di più?") on thin answers, and the review step before sending."""

from __future__ import annotations

import copy
from pathlib import Path

import pytest

from dialogs import DefinitionError, load_data, load_file

DATA = Path(__file__).resolve().parents[1] / "data" / "questionnaires"
MORE = "Può dirmi qualcosa di più?"
CHOOSE = "Scegli una delle opzioni proposte (puoi anche scriverne il numero)."


@pytest.fixture(scope="module")
def revisione():
    return load_file(DATA / "revisione.yaml")


def to_review(c, vision="Una città aperta ai giovani e alla musica", projects=True):
    """Answer everything (typed), with one project or a reason for none, up to the summary."""
    c.answer(role="Presidente", vision=vision)
    if c.current == "vision#m":
        c.say("Più lavoro per chi studia qui")
    c.answer(priorities="2,1")
    if projects:
        c.answer(has_projects="si", **{"project_title#0": "Laboratorio di liuteria digitale", "project_stage#0": "2"})
        c.answer(**{"projects#+1": "no"})
    else:
        c.answer(has_projects="no", why_not="Mancano i fondi")
    assert c.current == "_review"


def review_lines(c):
    return c.prompt.text.splitlines()


# --- follow-ups -------------------------------------------------------------------------------------


@pytest.mark.parametrize("thin", ["boh", "Non so", "più verde", "  BOH  "])
def test_a_thin_answer_gets_one_gentle_follow_up(chat, revisione, thin):
    c = chat(revisione)
    c.answer(role="Presidente")
    step = c.say(thin)
    assert step.answer.question_key == "vision"
    assert c.current == "vision#m"
    assert c.prompt.text == MORE
    assert c.prompt.question_type == "text"
    assert c.prompt.can_skip and c.prompt.can_go_back
    step = c.say("boh")  # even a thin reply to the follow-up: asked once only
    assert step.answer.question_key == "vision_more"
    assert step.answer.value == "boh"
    assert step.answer.item_index == 0
    assert c.current == "priorities"
    assert c.state.answers["vision_more"] == "boh"


def test_a_rich_answer_moves_straight_on(chat, revisione):
    c = chat(revisione)
    c.answer(role="Presidente")
    step = c.say("Una città che attira studenti da tutta Europa")
    assert c.current == "priorities"
    assert "vision_more" not in c.state.answers
    assert [m.text for m in step.messages] == ["Le due priorità, in ordine"]


def test_the_follow_up_can_be_skipped(chat, revisione):
    c = chat(revisione)
    c.answer(role="Presidente", vision="boh")
    step = c.send("skip")
    assert step.answer.question_key == "vision_more"
    assert step.answer.skipped and step.answer.value is None
    assert c.current == "priorities"


def test_skipping_the_optional_question_asks_no_follow_up(chat, revisione):
    c = chat(revisione)
    c.answer(role="Presidente")
    c.send("skip")
    assert c.current == "priorities"


def test_the_follow_up_refuses_an_empty_or_too_long_text_and_buttons(chat, revisione):
    c = chat(revisione)
    c.answer(role="Presidente", vision="boh")
    assert c.say("   ").rejected
    assert c.errors == ["La risposta non può essere vuota."]
    assert c.say("x" * 101).rejected
    assert c.errors == ["Il testo è troppo lungo (101 caratteri): il massimo è 100. Puoi accorciarlo?"]
    assert c.send("choice", "yes", question_key="vision#m").rejected
    assert c.current == "vision#m"
    assert c.prompt.text == MORE  # asked again after each refusal


def test_the_follow_up_in_english(chat, revisione):
    c = chat(revisione, lang="en")
    c.answer(role="Chair", vision="dunno")
    assert c.prompt.text == "Could you tell me a little more?"


def test_a_follow_up_inside_a_repeat_item_is_stored_with_the_item(chat, revisione):
    c = chat(revisione)
    c.answer(role="Presidente", vision="Una città aperta e viva", priorities="1,2", has_projects="si")
    c.answer(**{"project_title#0": "Un progetto ambizioso per la città", "project_stage#0": "1", "projects#+1": "si"})
    step = c.say("Liuteria")
    assert c.current == "project_title#1m"
    assert c.prompt.text == "Può dirmi qualcosa di più sul progetto?"
    assert c.prompt.item == 2
    step = c.say("Un laboratorio condiviso di acustica")
    assert (step.answer.question_key, step.answer.item_index) == ("project_title_more", 1)
    assert c.current == "project_stage#1"
    assert c.state.answers["projects"][1] == {"project_title": "Liuteria", "project_title_more": "Un laboratorio condiviso di acustica"}


def test_going_back_and_answering_richly_retires_the_old_follow_up(chat, revisione):
    c = chat(revisione)
    c.answer(role="Presidente", vision="boh")
    c.say("Una città più verde")
    assert c.current == "priorities"
    c.send("back")
    assert c.current == "vision#m"
    assert c.prompt.hint is None  # the follow-up is plain text: no "current answer" line
    c.send("back")
    assert c.current == "vision"
    step = c.say("Una città verde, con parchi lungo il Po e piste ciclabili")
    assert step.cleared == ["vision_more"]
    assert "vision_more" not in c.state.answers
    assert c.current == "priorities"


def test_going_back_and_answering_richly_inside_an_item_retires_its_follow_up(chat, revisione):
    c = chat(revisione)
    c.answer(role="Presidente", vision="Una città aperta e viva", priorities="1,2", has_projects="si")
    c.answer(**{"project_title#0": "Liuteria", "project_title#0m": "Laboratorio condiviso"})
    c.send("back")
    c.send("back")
    assert c.current == "project_title#0"
    step = c.say("Laboratorio di liuteria digitale")
    assert step.cleared_items == [("project_title_more", 0)]
    assert c.state.answers["projects"] == [{"project_title": "Laboratorio di liuteria digitale"}]


def test_answers_that_become_irrelevant_take_their_follow_ups_with_them(chat, revisione):
    c = chat(revisione)
    c.answer(role="Presidente", vision="Una città aperta e viva", priorities="1,2", has_projects="si")
    c.answer(**{"project_title#0": "Liuteria", "project_title#0m": "Laboratorio condiviso", "project_stage#0": "1"})
    while c.current != "has_projects":
        c.send("back")
    step = c.say("no")
    assert sorted(step.cleared) == ["project_stage", "project_title", "project_title_more", "projects"]
    assert c.current == "why_not"
    assert "projects" not in c.state.answers


# --- the review step ----------------------------------------------------------------------------------


def test_the_summary_lists_every_answer_with_a_change_button_each(chat, revisione):
    c = chat(revisione)
    to_review(c, vision="boh")
    prompt = c.prompt
    assert prompt.question_type == "review"
    assert review_lines(c) == [
        "Ecco il riepilogo delle tue risposte. Puoi cambiarne una con i pulsanti, oppure inviare.",
        "",
        "1. Qual è il suo ruolo?",
        "   → Presidente",
        "2. Che città immagina fra dieci anni?",
        "   → boh (+ Più lavoro per chi studia qui)",
        "3. Le due priorità, in ordine",
        "   → 1. Lavoro, 2. Musica",
        "4. Porta avanti progetti per la città?",
        "   → Sì",
        "5. Progetti",
        "   1) Laboratorio di liuteria digitale · In corso",
    ]
    assert [(o.value, o.label) for o in prompt.options] == [
        ("role", "✏️ 1. Qual è il suo ruolo?"),
        ("vision", "✏️ 2. Che città immagina fra dieci anni?"),
        ("priorities", "✏️ 3. Le due priorità, in ordine"),
        ("has_projects", "✏️ 4. Porta avanti progetti per la città?"),
        ("project_title#0", "✏️ 5. Progetti"),
        ("_submit", "Invia le risposte ✔"),
    ]
    assert not prompt.can_go_back


def test_the_summary_in_english_shows_skipped_answers(chat, revisione):
    c = chat(revisione, lang="en")
    c.answer(role="Chair")
    c.send("skip")
    c.answer(priorities="3,1", has_projects="no", why_not="No money")
    assert c.current == "_review"
    assert review_lines(c)[:2] == ["Here is a summary of your answers. You can change one with the buttons, or submit.", ""]
    assert "   → (skipped)" in review_lines(c)
    assert "   → 1. Environment, 2. Music" in review_lines(c)
    assert c.prompt.options[-1].label == "Submit my answers ✔"


def test_a_long_answer_is_shortened_in_the_summary(chat, revisione):
    c = chat(revisione)
    long_vision = "Una città che " + "cresce insieme ai suoi giovani, " * 10
    to_review(c, vision=long_vision)
    line = review_lines(c)[5]
    assert line.startswith("   → Una città che cresce")
    assert line.endswith("…") and len(line) == len("   → ") + 160


def test_the_longest_interview_summary_still_fits_one_telegram_message():
    from dialogs import RunState
    from tests.support.plans import CREMONA_QUESTIONNAIRES
    from dialogs.review import review_message

    ascolto = load_file(CREMONA_QUESTIONNAIRES / "ascolto.yaml")
    words = "parola " * 120
    state = RunState("ascolto", 1, answers={
        "role": words[:200], "category": "firm",
        "objectives": [{"objective": words, "objective_more": words, "horizon": "medium"}] * 10,
        "priorities": ["innovazione", "made_in_cremona", "talenti_formazione"],
        "visions": ["citta_innovazione", "citta_collaborazione"], "vision_text": words, "vision_text_more": words,
        "assets": ["position", "agrifood", "music"], "collab_categories": None, "wish_categories": None,
        "has_projects": "yes",
        "projects": [{"project_title": words[:120], "project_stage": "design", "project_theme": "made_in_cremona",
                      "project_summary": words, "project_summary_more": words}] * 5,
    })
    text = review_message(ascolto, state).text
    assert len(text) <= 4096  # Telegram refuses a longer message: the summary would never arrive
    assert sum(line.startswith("   ") and line[3:5].rstrip(")").isdigit() for line in text.splitlines()) == 15
    assert text.splitlines()[-1].startswith("   5) parola parola")


def test_change_jumps_to_the_question_and_comes_back_to_the_summary(chat, revisione):
    c = chat(revisione)
    to_review(c)
    step = c.send("choice", "role", question_key="_review")
    assert step.answer is None
    assert c.current == "role"
    assert c.prompt.hint == "Risposta attuale: Presidente"
    step = c.say("Vicepresidente")
    assert step.answer.replaces
    assert c.current == "_review"  # the questions after it are not asked again
    assert "   → Vicepresidente" in review_lines(c)


def test_change_a_ranking_from_the_summary(chat, revisione):
    c = chat(revisione)
    to_review(c)
    c.send("choice", "priorities", question_key="_review")
    assert [(o.value, o.rank) for o in c.prompt.options] == [("music", 2), ("work", 1), ("green", None)]
    c.send("toggle", "work", question_key="priorities")
    c.send("toggle", "green", question_key="priorities")
    c.send("done", question_key="priorities")
    assert c.current == "_review"
    assert "   → 1. Musica, 2. Ambiente" in review_lines(c)


def test_change_by_typing_the_number_and_submit_by_typing(chat, revisione):
    c = chat(revisione)
    to_review(c)
    c.say("2")
    assert c.current == "vision"
    c.say("Una città dove restare a vivere dopo gli studi")
    assert c.current == "_review"
    step = c.say("invia")
    assert step.completed
    assert [m.text for m in step.messages] == [
        "Grazie, intervista inviata.",
        "Il questionario è completo e le risposte sono state salvate.",  # no second "Grazie!" after the outro's
    ]


def test_a_thin_change_asks_the_follow_up_before_the_summary(chat, revisione):
    c = chat(revisione)
    to_review(c)
    c.send("choice", "vision", question_key="_review")
    c.say("non so")
    assert c.current == "vision#m"
    c.say("Forse una città della musica")
    assert c.current == "_review"
    assert "   → non so (+ Forse una città della musica)" in review_lines(c)


def test_a_newly_relevant_question_is_asked_before_the_summary_returns(chat, revisione):
    c = chat(revisione)
    to_review(c)
    c.send("choice", "has_projects", question_key="_review")
    step = c.say("no")
    assert sorted(step.cleared) == ["project_stage", "project_title", "project_title_more", "projects"]
    assert c.current == "why_not"  # relevant now: asked before the summary
    c.say("Mancano i fondi")
    assert c.current == "_review"
    lines = review_lines(c)
    assert "5. Che cosa la frena?" in lines and "5. Progetti" not in lines
    # and back again: the projects are asked anew, the reason no longer counts
    c.send("choice", "has_projects", question_key="_review")
    c.say("si")
    assert c.current == "project_title#0"
    assert c.prompt.hint is None
    c.answer(**{"project_title#0": "Orti urbani in rete", "project_stage#0": "1"})
    step = c.say("no")
    assert step.cleared == ["why_not"]  # retired once the scan passes it
    assert c.current == "_review"
    assert "why_not" not in c.state.answers
    assert review_lines(c)[-2:] == ["5. Progetti", "   1) Orti urbani in rete · Idea"]


def test_change_a_repeat_group_walks_its_items_and_keeps_them(chat, revisione):
    c = chat(revisione)
    to_review(c)
    c.send("choice", "project_title#0", question_key="_review")
    assert c.current == "project_title#0"
    assert c.prompt.hint == "Risposta attuale: Laboratorio di liuteria digitale"
    c.say("Laboratorio di liuteria e acustica")
    c.say("1")
    assert c.current == "projects#+1"
    c.say("si")
    c.answer(**{"project_title#1": "Festival della musica antica", "project_stage#1": "1"})
    assert c.current == "projects#+2"
    c.say("no")
    assert c.current == "_review"
    assert review_lines(c)[-3:] == [
        "5. Progetti",
        "   1) Laboratorio di liuteria e acustica · Idea",
        "   2) Festival della musica antica · Idea",
    ]


def test_no_more_items_while_reviewing_keeps_the_later_ones(chat, revisione):
    c = chat(revisione)
    c.answer(role="Presidente", vision="Una città aperta e viva", priorities="1,2", has_projects="si")
    c.answer(**{"project_title#0": "Primo progetto di rete", "project_stage#0": "1", "projects#+1": "si"})
    c.answer(**{"project_title#1": "Secondo progetto di rete", "project_stage#1": "2", "projects#+2": "no"})
    c.send("choice", "project_title#0", question_key="_review")
    c.answer(**{"project_title#0": "Primo progetto di rete", "project_stage#0": "1"})
    step = c.say("no")  # "done changing this group", not "delete the second project"
    assert step.cleared_items == []
    assert len(c.state.answers["projects"]) == 2
    assert c.current == "_review"


def test_a_forged_or_unknown_review_choice_is_refused(chat, revisione):
    c = chat(revisione)
    to_review(c)
    for action in [("choice", "why_not"), ("choice", "project_title#5"), ("text", "7"), ("text", "forse")]:
        step = c.send(*action, question_key="_review") if action[0] == "choice" else c.say(action[1])
        assert step.rejected and c.errors == [CHOOSE]
        assert c.current == "_review"


def test_submit_completes_with_every_answer(chat, revisione):
    c = chat(revisione)
    to_review(c, vision="boh")
    step = c.send("choice", "_submit", question_key="_review")
    assert step.completed and c.state.status == "completed"
    assert c.state.answers == {
        "role": "Presidente",
        "vision": "boh",
        "vision_more": "Più lavoro per chi studia qui",
        "priorities": ["work", "music"],
        "has_projects": "yes",
        "projects": [{"project_title": "Laboratorio di liuteria digitale", "project_stage": "underway"}],
    }
    assert c.send("choice", "_submit", question_key="_review").rejected  # nothing to submit twice


def test_without_review_the_last_answer_completes(chat, revisione):
    q = revisione.model_copy(update={"review": False})
    c = chat(q)
    c.answer(role="Presidente", vision="Una città aperta e viva", priorities="1,2", has_projects="no")
    step = c.say("Mancano i fondi")
    assert step.completed


def test_the_review_target_of_a_group_skips_an_irrelevant_first_question(chat):
    raw = {
        "id": "r", "version": 1, "title": {"it": "R", "en": "R"}, "review": True,
        "questions": [
            {"key": "kind", "type": "yesno", "text": {"it": "Ente pubblico?", "en": "Public body?"}},
            {"key": "items", "type": "repeat", "text": {"it": "Voci", "en": "Items"}, "max_items": 2,
             "questions": [
                 {"key": "office", "type": "text", "relevant": "kind == 'yes'", "text": {"it": "Ufficio", "en": "Office"}},
                 {"key": "name", "type": "text", "text": {"it": "Nome", "en": "Name"}},
             ]},
        ],
    }
    c = chat(load_data(raw))
    c.answer(kind="no", **{"name#0": "Bottega", "items#+1": "no"})
    assert c.current == "_review"
    assert c.prompt.options[1].value == "name#0"
    c.send("choice", "name#0", question_key="_review")
    assert c.prompt.text == "Voci 1 — Nome"


# --- definitions an author gets wrong ---------------------------------------------------------------


BASE = {
    "id": "x", "version": 1, "title": {"it": "X", "en": "X"},
    "questions": [
        {"key": "idea", "type": "text", "text": {"it": "Idea?", "en": "Idea?"},
         "follow_up": {"when": "words(value) < 3", "text": {"it": "Di più?", "en": "More?"}}},
    ],
}


def _with(**changes):
    raw = copy.deepcopy(BASE)
    raw["questions"][0].update(changes)
    return raw


@pytest.mark.parametrize(
    ("raw", "where", "reason"),
    [
        (_with(type="integer"), "question 'idea'", "follow_up only applies to text questions"),
        (_with(type="single", choices=[{"value": "a", "label": {"it": "A", "en": "A"}}]),
         "question 'idea'", "follow_up only applies to text questions"),
        (_with(key="a_key_of_twenty_one_c"), "question 'a_key_of_twenty_one_c'",
         "a question with a follow_up needs a key of at most 20 characters"),
        (_with(follow_up={"when": "words(answer) < 3", "text": {"it": "Di più?", "en": "More?"}}),
         "question 'idea'", "follow_up.when refers to answer, not an earlier question"),
        (_with(follow_up={"when": "words(value) <", "text": {"it": "Di più?", "en": "More?"}}),
         "question 'idea'", None),
        ({**BASE, "questions": [*BASE["questions"], {"key": "idea_more", "type": "text", "text": {"it": "X", "en": "X"}}]},
         "question 'idea_more'", "duplicate key"),
    ],
)
def test_bad_follow_ups_are_refused(raw, where, reason):
    with pytest.raises(DefinitionError) as excinfo:
        load_data(raw, source="prova.yaml")
    assert excinfo.value.where == where
    if reason is None:
        assert excinfo.value.reason.startswith("follow_up.when: ")
    else:
        assert excinfo.value.reason == reason


def test_a_follow_up_without_text_is_refused():
    with pytest.raises(DefinitionError) as excinfo:
        load_data(_with(follow_up={"when": "words(value) < 3"}))
    assert excinfo.value.reason == "missing field 'text'"


def test_the_shipped_interviews_load_with_review_and_follow_ups():
    from tests.support.plans import CREMONA_QUESTIONNAIRES

    ascolto = load_file(CREMONA_QUESTIONNAIRES / "ascolto.yaml")
    visione = load_file(CREMONA_QUESTIONNAIRES / "visione.yaml")
    assert ascolto.review and not ascolto.open
    assert [q.key for q in ascolto.questions if q.type == "repeat"] == ["objectives", "projects"]
    assert ascolto.question("objective").follow_up is not None
    assert visione.open and not visione.review
    assert visione.question("become").follow_up is not None


def test_typing_submit_in_words_or_as_the_button_says_completes(chat, revisione):
    """A terminal or WhatsApp user types: «invia», German «absenden», or the button's own label."""
    for typed in ("invia", "Absenden", "Invia le risposte"):
        c = chat(revisione)
        to_review(c)
        step = c.say(typed)
        assert step.completed and c.state.status == "completed", typed
