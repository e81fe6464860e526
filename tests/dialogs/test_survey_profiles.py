"""The business innovation survey: hand-made firms of each profile, answered through the engine."""

from __future__ import annotations

import pytest

from dialogs import evaluate_outcomes
from dialogs.summary import outcome_report

# Each firm is the exact sequence of questions the survey asks it, with what the owner types.
# A question missing from a firm's sequence must not be asked (skip logic), or the test fails.
FIRMS = {
    "manifattura_robot": (
        dict(ateco_section="C", employees="medium", municipality="cremona", innovations="product, process",
             innovation_example="Nuova linea robotizzata", rd="continuous", rd_share="4,5",
             collaborations="university", advanced_services="ict, design", broadband="ultra", tlc_adequacy="4",
             training="si", needs="digital, skills", obstacles="cost", plans="major", city_role="Più fibra"),
        {"innovation_types": 2, "research_link": True, "innovation_score": 14, "profile": "anticipatrice"},
    ),
    "laboratorio_al_limite": (  # exactly the threshold: 8 points, research of its own
        dict(ateco_section="M", employees="micro", municipality="crema", innovations="product",
             innovation_example="Un servizio nuovo", rd="continuous", rd_share="2",
             collaborations="other_firms", advanced_services="certification, market_research",
             broadband="basic", tlc_adequacy="2", training="si", needs="finance", obstacles="bureaucracy",
             plans="minor", city_role="Meno burocrazia"),
        {"innovation_types": 1, "research_link": False, "innovation_score": 8, "profile": "anticipatrice"},
    ),
    "logistica_con_laboratorio": (  # occasional R&D, but linked to a research centre
        dict(ateco_section="H", employees="small", municipality="soresina", innovations="process, organisational",
             innovation_example="Magazzino automatico", rd="occasional", rd_share="1",
             collaborations="research_centre, other_firms", advanced_services="tech_transfer",
             broadband="ultra", tlc_adequacy="5", training="no", needs="new_markets", obstacles="skills",
             plans="major", city_role="Un incubatore"),
        {"innovation_types": 2, "research_link": True, "innovation_score": 9, "profile": "anticipatrice"},
    ),
    "negozio_social": (
        dict(ateco_section="G", employees="micro", municipality="cremona", innovations="organisational, marketing",
             innovation_example="Vendita sui social", rd="none", collaborations="other_firms",
             advanced_services="none", broadband="basic", tlc_adequacy="3", training="no",
             needs="digital", obstacles="cost, no_strategy", plans="minor", city_role="Corsi serali"),
        {"innovation_types": 2, "research_link": False, "innovation_score": 2, "profile": "inseguitrice"},
    ),
    "officina_senza_ricerca": (  # many points, but neither continuous R&D nor links to research
        dict(ateco_section="C", employees="small", municipality="casalmaggiore", innovations="product, process",
             innovation_example="Macchinari nuovi", rd="occasional", rd_share="0,5",
             collaborations="associations", advanced_services="ict, design, market_research",
             broadband="ultra", tlc_adequacy="4", training="si", needs="skills", obstacles="cost",
             plans="major", city_role="Niente"),
        {"innovation_types": 2, "research_link": False, "innovation_score": 10, "profile": "inseguitrice"},
    ),
    "studio_a_sette_punti": (  # one point short of the threshold
        dict(ateco_section="J", employees="micro", municipality="crema", innovations="product",
             innovation_example="App", rd="continuous", rd_share="10", collaborations="none",
             advanced_services="ict", broadband="basic", tlc_adequacy="2", training="si", needs="finance",
             obstacles="none", plans="unsure", city_role="Bandi"),
        {"innovation_types": 1, "research_link": False, "innovation_score": 7, "profile": "inseguitrice"},
    ),
    "ricerca_senza_innovazioni": (  # continuous R&D keeps it out of "non innovativa"
        dict(ateco_section="M", employees="micro", municipality="cremona", innovations="none",
             rd="continuous", rd_share="20", collaborations="university", advanced_services="none",
             broadband="poor", tlc_adequacy="1", training="no", needs="finance", obstacles="cost",
             plans="no", city_role="Fibra"),
        {"innovation_types": 0, "research_link": True, "innovation_score": 5, "profile": "inseguitrice"},
    ),
    "bottega_tradizionale": (
        dict(ateco_section="I", employees="micro", municipality="pizzighettone", innovations="Nessuna",
             rd="No", collaborations="Nessuno", advanced_services="none", broadband="poor", tlc_adequacy="1",
             training="no", needs="digital", obstacles="cost, skills, bureaucracy", plans="no",
             city_role="Più parcheggi"),
        {"innovation_types": 0, "research_link": False, "innovation_score": 0, "profile": "non_innovativa"},
    ),
    "azienda_agricola_attrezzata": (  # 8 points, but no innovation and only occasional R&D
        dict(ateco_section="A", employees="small", municipality="castelleone", innovations="none",
             rd="occasional", rd_share="0,5", collaborations="university", advanced_services="ict, design",
             broadband="ultra", tlc_adequacy="3", training="si", needs="sustainability", obstacles="none",
             plans="major", city_role="Strade"),
        {"innovation_types": 0, "research_link": True, "innovation_score": 8, "profile": "non_innovativa"},
    ),
}


@pytest.mark.parametrize("firm", FIRMS)
def test_firm_profile(chat, imprese, firm):
    answers, expected = FIRMS[firm]
    c = chat(imprese)
    c.answer(**answers)
    assert c.step.completed and c.state.status == "completed"
    assert c.state.outcomes == expected
    completed = [m for m in c.messages if m.kind == "completed"]
    assert completed and completed[0].outcomes["profile"] == expected["profile"]


def test_each_profile_has_at_least_two_firms():
    profiles = [expected["profile"] for _, expected in FIRMS.values()]
    for profile in ("anticipatrice", "inseguitrice", "non_innovativa"):
        assert profiles.count(profile) >= 2, profile


def test_skipped_follow_ups_are_not_asked_nor_stored(chat, imprese):
    c = chat(imprese)
    c.answer(**FIRMS["bottega_tradizionale"][0])
    assert "innovation_example" not in c.state.answers
    assert "rd_share" not in c.state.answers


def test_survey_progress_shrinks_for_a_firm_without_innovation(chat, imprese):
    c = chat(imprese)
    assert c.prompt.progress == (1, 16)
    c.answer(ateco_section="C", employees="micro", municipality="cremona", innovations="none")
    assert c.prompt.progress == (5, 15)
    c.answer(rd="none")
    assert c.prompt.progress == (6, 14)


def test_needs_at_most_three(chat, imprese):
    c = chat(imprese)
    c.answer(**{k: v for k, v in FIRMS["negozio_social"][0].items() if k not in ("needs", "obstacles", "plans", "city_role")})
    assert c.current == "needs"
    c.say("1,2,3,4")
    assert c.errors == ["Può scegliere al massimo 3 opzioni."]  # the survey says "Lei", and so do its errors


def test_none_cannot_go_with_an_innovation(chat, imprese):
    c = chat(imprese)
    c.answer(ateco_section="C", employees="micro", municipality="cremona")
    c.say("1,5")
    assert c.errors == ["«Nessuna» non si può scegliere insieme ad altre voci."]


def test_rescoring_from_stored_answers_gives_the_same_profile(chat, imprese):
    c = chat(imprese)
    c.answer(**FIRMS["officina_senza_ricerca"][0])
    assert evaluate_outcomes(imprese, c.state.answers) == c.state.outcomes


def test_outcome_report_beside_the_baseline(imprese):
    report = outcome_report(
        imprese, {"profile": "anticipatrice"}, {"profile": {"anticipatrice": 1, "non_innovativa": 3}}, "it"
    )
    assert report.splitlines() == [
        "Profilo di innovazione: Impresa anticipatrice",
        "Innova in modo sistematico, con ricerca propria o legami con la ricerca, e anticipa il mercato.",
        "",
        "Come si distribuiscono i rispondenti finora (4):",
        "• Impresa anticipatrice: 25,0% (Cremona, indagine Censis 2004: 12,4%)",
        "• Impresa inseguitrice: 0,0% (Cremona, indagine Censis 2004: 34,3%)",
        "• Impresa non innovativa: 75,0% (Cremona, indagine Censis 2004: 53,2%)",
    ]


def test_outcome_report_in_english(imprese):
    report = outcome_report(imprese, {"profile": "inseguitrice"}, {"profile": {"inseguitrice": 2}}, "en")
    assert report.splitlines()[0] == "Innovation profile: Following firm"
    assert "• Following firm: 100.0% (Cremona, Censis survey 2004: 34.3%)" in report
