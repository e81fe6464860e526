"""Salience, word senses, derivational morphology and the calibrated confidence.

Each case is a sentence of the kind real programmes and citizens write; each
failed on the tagger of taxonomy 2025.1 (no senses, no salience, no morphology).
"""

from __future__ import annotations

import math
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from nlp import ThemeTagger, build_offline_pipeline, parse_taxonomy
from nlp.morphology import derived_forms, looks_adjective
from nlp.salience import Evidence, confidence, fit_calibration, select

SCENARI = Path(sys.executable).with_name("scenari")


def ids(tagger, text):
    return set(tagger.tag(text).theme_ids)


# -- senses (plans/cremona/taxonomy.yaml `senses`) ---------------------------------------------
@pytest.mark.parametrize(
    ("text", "present", "absent"),
    [
        ("Più controlli per la sicurezza sul lavoro nei cantieri", "lavoro", "sicurezza"),
        ("Investire nella sicurezza stradale vicino alle scuole", "mobilita", "sicurezza"),
        ("La sicurezza energetica del Paese passa dalle rinnovabili", "ambiente", "sicurezza"),
        ("Riformare il sistema di accoglienza dei migranti e dei richiedenti", "sicurezza", "turismo_cultura"),
        ("Gli immobili comunali sfitti pagano l'IMU", "attrattivita", "stagnazione"),
        ("Garantire il diritto di asilo politico a chi fugge dalla guerra", "sicurezza", "coesione_sociale"),
        ("Tutela del benessere animale negli allevamenti", "ambiente", "benessere_sport"),
        # taxonomy 2026.3
        ("Più asili nido per i bambini nati in Italia", "coesione_sociale", "europa_mondo"),
        ("La difesa dell'ambiente e del suolo agricolo", "ambiente", "europa_mondo"),
        ("Costruire infrastrutture energetiche per il gas", "ambiente", "mobilita"),
        ("Più presidi medici e sanitari nei quartieri", "benessere_sport", "talenti_formazione"),
        ("I fondi di Roma Capitale per le periferie", "coesione_sociale", "attrattivita"),
        ("Accordi di natura economica con i paesi vicini", None, "ambiente"),
        # taxonomy 2026.4
        ("Tutela di marchi e brevetti contro la contraffazione", "made_in_cremona", "innovazione"),
        ("Riscattare gli anni di laurea ai fini della pensione", "coesione_sociale", "talenti_formazione"),
        ("Aiuti contro il caro bollette per famiglie e imprese", "ambiente", "coesione_sociale"),
        # taxonomy 2026.5: words of everyday Italian that municipal texts use in another sense
        ("L'isolamento termico degli edifici pubblici riduce i consumi", "ambiente", "mobilita"),
        ("Servono più controlli contro il traffico di stupefacenti", "sicurezza", "mobilita"),
        ("La stazione appaltante del comune ha pubblicato il bando", None, "mobilita"),
        ("Potenziare i presidi ospedalieri del territorio", "benessere_sport", "sicurezza"),
        ("La salute dei conti pubblici viene prima di tutto", "attrattivita", "benessere_sport"),
        ("Un piano per l'impiego delle risorse del fondo nazionale", None, "lavoro"),
        ("La classe politica non ascolta i cittadini", "partecipazione", "talenti_formazione"),
        ("Laboratori allo stato dell'arte per le imprese", None, "turismo_cultura"),
        ("L'assessorato ai lavori pubblici ha finito la manutenzione delle scuole", "talenti_formazione", "lavoro"),
        ("Sono iniziati i lavori di ristrutturazione della palestra comunale", "benessere_sport", "lavoro"),
        # taxonomy 2026.6
        ("Legalizzare la cannabis toglie mercato alla criminalità organizzata", "diritti_pari_opportunita",
         "sicurezza"),
        ("Lo dice l'Organizzazione Mondiale della Sanità", "europa_mondo", "benessere_sport"),
        ("Rafforzare le agenzie per la sicurezza nazionale", "europa_mondo", "sicurezza"),
        ("Meno IVA sulle prestazioni del medico veterinario", "attrattivita", "benessere_sport"),
        ("Un sistema di credito sociale che premia i cittadini obbedienti", None, "attrattivita"),
        ("Cremona candidata a capitale italiana della cultura", "turismo_cultura", "attrattivita"),
        ("Più inclusione scolastica per gli alunni", "talenti_formazione", "coesione_sociale"),
        ("Garantire la sicurezza nelle scuole con impianti a norma", "ambiente", "sicurezza"),
        ("Tutele per il lavoro autonomo e le partite iva", "made_in_cremona", "lavoro"),
        ("Non si può legalizzare l'omicidio del consenziente", "diritti_pari_opportunita", "sicurezza"),
        ("Le forze armate chiedono nuovi mezzi e più personale", "europa_mondo", None),
        ("Corsi di formazione continua per i dipendenti delle aziende", "lavoro", "talenti_formazione"),
    ],
)
def test_a_term_counts_for_the_theme_its_neighbours_say(tagger, text, present, absent):
    found = ids(tagger, text)
    assert (present is None or present in found) and absent not in found


def test_accessibility_supports_the_rights_theme(tagger):
    """The rights theme's description names accessibility for people with disabilities (taxonomy 2026.6)."""
    (hit,) = tagger.tag("Piena accessibilità degli edifici pubblici, via le barriere architettoniche").themes
    assert hit.theme_id == "diritti_pari_opportunita" and "accessibilità" in hit.evidence


def test_the_same_term_keeps_its_own_sense_elsewhere(tagger):
    assert "sicurezza" in ids(tagger, "Di notte in stazione non c'è sicurezza")
    assert "turismo_cultura" in ids(tagger, "Più accoglienza per i turisti in centro")
    assert "coesione_sociale" in ids(tagger, "Servono più posti all'asilo nido")
    assert "mobilita" in ids(tagger, "Troppo traffico in via Dante all'ora di punta")
    assert "sicurezza" in ids(tagger, "Un presidio della polizia locale in piazza")
    assert "lavoro" in ids(tagger, "Il costo del lavoro pesa sulle piccole aziende")


def _taxonomy(senses):
    return parse_taxonomy({"version": "s1", "themes": [
        {"id": "fiume", "label": {"it": "Fiume", "en": "River"}, "description": "d",
         "terms": ["argine", "piena"], "senses": senses},
        {"id": "banca", "label": {"it": "Banca", "en": "Bank"}, "description": "d", "terms": ["credito"]},
    ]})


def test_sense_window_and_prefix_are_honoured():
    tagger = ThemeTagger(build_offline_pipeline(), _taxonomy(
        [{"term": "argine", "near": ["finanz*"], "window": 2, "then": "banca"}]))
    assert tagger.tag("un argine finanziario").theme_ids == ["banca"]      # prefix, inside the window
    assert tagger.tag("un argine lungo il fiume, poi uno finanziario").theme_ids == ["fiume"]  # too far
    without_then = ThemeTagger(build_offline_pipeline(), _taxonomy([{"term": "argine", "near": ["finanza"]}]))
    assert without_then.tag("l'argine della finanza").themes == ()        # does not count at all


# -- derivational morphology ------------------------------------------------------------------
def test_derived_words_of_a_root_are_known_italian_words():
    assert "scolastico" in derived_forms("scuola")
    assert "sanitario" in derived_forms("sanità")
    assert "fiscale" in derived_forms("fisco")
    assert "turistico" in derived_forms("turismo")
    assert "portale" not in derived_forms("porto")          # same root, another meaning
    assert all(" " not in form for form in derived_forms("ambiente"))


def test_the_feminine_of_a_noun_of_people_is_its_term():
    """simplemma keeps "studentessa", "ricercatrice", "alunna" as lemmas of their own (taxonomy 2026.6)."""
    assert {"studentessa"} <= derived_forms("studente") and "ricercatrice" in derived_forms("ricercatore")
    assert "alunna" in derived_forms("alunno") and "infermiera" in derived_forms("infermiere")
    assert "professoressa" in derived_forms("professore") and "psicologa" in derived_forms("psicologo")
    # only person-noun endings: a door is no port, a staircase no airport, a mutual fund no mortgage
    assert not {"porta", "scala", "mutua"} & (derived_forms("porto") | derived_forms("scalo") | derived_forms("mutuo"))


@pytest.mark.parametrize(
    ("text", "theme"),
    [
        ("Più studentesse e ricercatrici nelle facoltà", "talenti_formazione"),
        ("Servono più maestre e professoresse", "talenti_formazione"),
        ("Servono più psicologhe", "benessere_sport"),
    ],
)
def test_feminine_nouns_of_people_meet_their_theme(tagger, text, theme):
    assert theme in ids(tagger, text)


@pytest.mark.parametrize(
    ("text", "theme"),
    [
        ("Contributi per l'edilizia scolastica", "talenti_formazione"),
        ("Potenziare il servizio sanitario territoriale", "benessere_sport"),
        ("Le politiche migratorie vanno riviste", "sicurezza"),
        ("Più controlli contro gli evasori, meno pressione tributaria", "attrattivita"),
    ],
)
def test_derived_forms_meet_their_theme(tagger, text, theme):
    assert theme in ids(tagger, text)


def test_a_derived_word_is_matched_in_a_taxonomy_of_ones_own():
    small = parse_taxonomy({"version": "m1", "themes": [
        {"id": "scuola", "label": {"it": "Scuola", "en": "School"}, "description": "d", "terms": ["scuola"]}]})
    assert ThemeTagger(build_offline_pipeline(), small).tag("le mense scolastiche").theme_ids == ["scuola"]


# -- salience ---------------------------------------------------------------------------------
LONG = (
    "Vogliamo rafforzare la scuola pubblica: più insegnanti di ruolo, edilizia scolastica sicura, "
    "laboratori, mense e tempo pieno in ogni istituto, libri di testo gratuiti per le famiglie, "
    "sostegno agli studenti con disabilità e diritto allo studio universitario, con borse di studio "
    "e alloggi per i fuorisede; anche il trasporto fino a scuola deve essere garantito."
)


def test_a_long_text_gets_the_theme_it_is_about_not_every_word(tagger):
    result = tagger.tag(LONG)
    assert result.theme_ids[0] == "talenti_formazione"
    assert len(result.themes) <= 2


def test_a_short_answer_keeps_each_theme_it_names(tagger):
    assert {"mobilita", "musica_liuteria"} <= ids(tagger, "Servono piste ciclabili e più concerti")


def test_a_means_yields_to_the_subject_it_serves(tagger):
    """Tax relief, investments, reforms are how; the text is about what they serve."""
    result = tagger.tag("Agevolazioni fiscali per chi assume giovani a tempo indeterminato con un contratto stabile")
    assert result.theme_ids[0] == "lavoro"
    # alone, the same words still name their theme: a chat answer keeps it
    assert ids(tagger, "servono investimenti") == {"attrattivita"}
    assert {"attrattivita", "mobilita"} <= ids(tagger, "servono investimenti e treni")


def test_an_adjective_after_another_themes_noun_is_a_modifier(tagger):
    """'ricerca sanitaria' is research, 'il comparto turistico' a business sector; the nouns still count."""
    assert tagger.tag("Finanziare la ricerca sanitaria negli ospedali e nelle università").theme_ids[0] == (
        "talenti_formazione"
    )
    assert "turismo_cultura" not in ids(tagger, "Più posti di lavoro nelle aziende del comparto turistico della provincia")
    assert "turismo_cultura" in ids(tagger, "Più posti di lavoro nelle aziende e nel turismo della provincia")
    assert "turismo_cultura" in ids(tagger, "offerta turistica")


def test_a_second_coordinated_adjective_qualifies_the_same_noun(tagger):
    """'il settore industriale e turistico' is a business sector; a weak generic adjective is no head."""
    assert "turismo_cultura" not in ids(tagger, "Rilanciare il settore industriale e turistico della provincia")
    assert "turismo_cultura" in ids(tagger, "Rilanciare l'industria e il turismo della provincia")
    assert "turismo_cultura" in ids(tagger, "Servono figure professionali turistiche qualificate")


def test_stacked_adjectives_qualify_the_same_noun(tagger):
    """'formazione specialistica medica' is training; 'medica' after the unmatched 'specialistica' still
    qualifies 'formazione' (taxonomy 2026.6)."""
    assert ids(tagger, "Riformare la formazione specialistica medica negli atenei") == {"talenti_formazione"}
    assert "benessere_sport" in ids(tagger, "Riformare la formazione e la medicina negli atenei")


def test_a_phrase_headed_by_a_money_word_is_a_means(tagger):
    """'investimenti pubblici nella scuola' is about schooling; the phrase alone still names its theme."""
    text = "Aumentare gli investimenti pubblici nella scuola e nell'edilizia scolastica delle periferie"
    assert ids(tagger, text) == {"talenti_formazione"}
    assert ids(tagger, "servono investimenti privati") == {"attrattivita"}


def test_in_a_long_text_a_dominant_theme_keeps_it_to_itself():
    """A secondary theme resting on one word said once is a side remark of a long text about something
    else; in a chat-length answer, or when its evidence is broader, it stays."""
    saliences = {"scuola": 2.0, "lavoro": 1.8}
    broad_top = {"scuola": 3, "lavoro": 1}
    assert select(saliences, 20, broad_top) == {"scuola": 2.0}
    assert select(saliences, 8, broad_top) == saliences                  # a chat reply names both
    assert select(saliences, 20, {"scuola": 3, "lavoro": 2}) == saliences  # a phrase or two words: a subject
    assert select(saliences, 20, {"scuola": 1, "lavoro": 1}) == saliences  # nobody dominates
    assert select(saliences, 20) == saliences                            # no breadth given: shares only
    assert select({"scuola": 2.0, "lavoro": 2.0}, 20, broad_top) == {"scuola": 2.0, "lavoro": 2.0}  # a tie


def test_a_long_text_needs_a_larger_share_of_the_top_than_a_chat_reply():
    saliences = {"scuola": 2.0, "lavoro": 1.2}  # 60% of the top
    assert select(saliences, 11) == saliences  # 11 / 21 of the top is enough in a short answer
    assert select(saliences, 12) == {"scuola": 2.0}  # 12 / 17 from LONG_FROM content words on


def test_breadth_counts_words_phrases_and_repetition():
    ev = Evidence()
    ev.add("lavoro", "lavoro", 1.0)
    assert ev.breadth() == 1
    ev.add("lavoro", "lavori", 1.0)
    assert ev.breadth() == 2
    ev.add("busta paga", "busta paga", 1.6)
    ev.add("precario", "precari", 0.35, strong=False)  # weak words do not widen the evidence
    assert ev.breadth() == 4


def test_in_a_long_text_the_people_a_policy_is_for_weigh_less_than_its_subject(tagger):
    """"imprese e lavoratori" are whom a tax cut is for; in a short answer the people named are its subject."""
    text = ("Riduzione del cuneo fiscale e delle tasse sul costo del lavoro, per dare respiro "
            "a imprese e lavoratori e far crescere le buste paga nette")
    assert tagger.tag(text).theme_ids[0] == "attrattivita"
    assert "made_in_cremona" not in ids(tagger, text)
    assert {"citta_digitale", "coesione_sociale"} <= ids(
        tagger, "Gli anziani non sanno usare internet e il comune mette tutto online")


def test_in_a_long_text_a_complement_after_di_weighs_less_than_its_head(tagger):
    """'la digitalizzazione dei musei' is about digitisation first; the museums still count."""
    text = ("La digitalizzazione dei musei civici e delle biblioteche richiede piattaforme aperte, "
            "cataloghi consultabili online e personale formato, con risorse certe")
    assert tagger.tag(text).theme_ids == ["citta_digitale", "turismo_cultura"]


def test_looks_adjective_tells_modifiers_from_nouns():
    assert all(looks_adjective(w) for w in ("sanitaria", "turistici", "digitali", "energetiche", "scolastico"))
    assert not any(looks_adjective(w) for w in ("ospedale", "medico", "traffico", "salario", "imprese", "scuola"))


def test_weak_generic_words_alone_do_not_make_a_theme(tagger):
    text = ("Le scelte di oggi riguardano la comunità intera e il nostro territorio, "
            "le persone, il futuro, la crescita e lo sviluppo del Paese nei prossimi anni")
    assert tagger.tag(text).themes == ()


# -- calibrated confidence ---------------------------------------------------------------------
def test_confidence_is_monotone_and_bounded():
    values = [confidence(s) for s in (0.1, 0.3, 0.6, 1.0, 2.0, 5.0, 50.0)]
    assert values == sorted(values) and all(0.0 <= v <= 1.0 for v in values)
    assert confidence(0) == 0.0


def test_fit_calibration_recovers_a_known_curve():
    # 1,000 themes whose chance of being right is sigmoid(2 ln s - 0.5), exactly in expectation
    saliences, right = [], []
    for i in range(1, 41):
        s = i / 8
        p = 1 / (1 + math.exp(-(2 * math.log(s) - 0.5)))
        hits = round(25 * p)
        saliences += [s] * 25
        right += [True] * hits + [False] * (25 - hits)
    a, b = fit_calibration(saliences, right)
    assert a == pytest.approx(2.0, abs=0.25) and b == pytest.approx(-0.5, abs=0.25)


def test_min_score_is_a_confidence_threshold(offline_nlp, taxonomy):
    loose = ThemeTagger(offline_nlp, taxonomy)
    hit = loose.tag("Servono piste ciclabili e più concerti").themes[-1]
    strict = ThemeTagger(offline_nlp, taxonomy, min_score=hit.score)
    assert hit.theme_id not in strict.tag("Servono piste ciclabili e più concerti").theme_ids
    ThemeTagger(offline_nlp, taxonomy)  # leave the shared pipeline compiled for the session taxonomy


# -- `scenari themes validate` on senses ------------------------------------------------------
def test_validate_reports_bad_senses_by_theme(tmp_path):
    data = {"version": "v", "themes": [
        {"id": "a", "label": {"it": "A", "en": "A"}, "description": "d", "terms": ["sicurezza"],
         "senses": [{"term": "lavoro", "near": ["x"]},
                    {"term": "sicurezza", "near": [], "window": 40}]},
        {"id": "b", "label": {"it": "B", "en": "B"}, "description": "d", "terms": ["porto"],
         "senses": [{"term": "porto", "near": ["armi"], "then": "nessuno"}]},
    ]}
    path = tmp_path / "mine.yaml"
    path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    result = subprocess.run([str(SCENARI), "themes", "validate", str(path)], capture_output=True, text=True,
                            timeout=120)
    out = result.stdout + result.stderr
    assert result.returncode != 0
    assert "theme 'a': senses[0]: term 'lavoro' is not one of this theme's terms" in out
    assert "senses[1]: near must be a non-empty list" in out and "window must be a whole number" in out
    assert "theme 'b': senses[0]: then 'nessuno' must be the id of another theme" in out
