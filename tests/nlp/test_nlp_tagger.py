"""Theme tagger behaviour on the cases citizens actually write."""

from __future__ import annotations

import numpy
import pytest

from nlp import TagResult, ThemeTagger, build_offline_pipeline


def ids(tagger, text):
    return set(tagger.tag(text).theme_ids)


@pytest.mark.parametrize(
    "text",
    [
        "non serve più turismo",
        "nn serve piu turismo",
        "niente turismo",
        "basta con il turismo",
        "NIENTE TURISTI",
        "una città senza turisti",
        "no al turismo di massa",
        "non abbiamo bisogno di altri turisti",
        "mai più turismo mordi e fuggi",
    ],
)
def test_rejected_mentions_do_not_vote(tagger, text):
    result = tagger.tag(text)
    assert "turismo_cultura" not in result.theme_ids
    # ...but the evidence is kept, flagged as negated, for human review
    assert [h.theme_id for h in result.negated] == ["turismo_cultura"]
    assert result.negated[0].negated_evidence


def test_ne_ne(tagger):
    result = tagger.tag("né turismo né musica: serve l'industria")
    assert result.theme_ids == ["made_in_cremona"]
    assert {h.theme_id for h in result.negated} == {"turismo_cultura", "musica_liuteria"}


def test_negation_scope_ends_at_clause(tagger):
    assert ids(tagger, "basta turismo, servono concerti") == {"musica_liuteria"}
    assert ids(tagger, "non serve il turismo ma la musica sì") == {"musica_liuteria"}


@pytest.mark.parametrize(
    ("text", "theme"),
    [
        ("non c'è lavoro per i giovani", "lavoro"),  # lack, not rejection
        ("nessuno pensa ai giovani", "giovani"),
        ("non si investe abbastanza nella ricerca universitaria", "talenti_formazione"),
        ("niente per i giovani in questa città", "giovani"),
        ("non solo turismo ma anche industria", "turismo_cultura"),
        ("basta smog", "ambiente"),  # problem words count even when negated
        ("senza traffico si vivrebbe meglio", "mobilita"),
    ],
)
def test_lack_is_not_rejection(tagger, text, theme):
    assert theme in ids(tagger, text)


@pytest.mark.parametrize(
    ("text", "theme"),
    [
        ("lotta contro l'evasione fiscale", "attrattivita"),  # "contro" after a noun: the problem fought
        ("combattere contro le mafie nei quartieri", "sicurezza"),
        ("pene più severe per i reati contro gli animali", "ambiente"),
    ],
)
def test_against_a_problem_is_about_its_theme(tagger, text, theme):
    assert theme in ids(tagger, text)


def test_against_as_a_stance_still_rejects(tagger):
    for text in ("siamo contro il turismo di massa", "Contro il turismo di massa, serve qualità"):
        result = tagger.tag(text)
        assert "turismo_cultura" not in result.theme_ids
        assert [h.theme_id for h in result.negated] == ["turismo_cultura"]


@pytest.mark.parametrize(
    ("text", "theme"),
    [
        # a "di" complement of the rejected word is what the writer defends (taxonomy 2026.6)
        ("no alla chiusura del pronto soccorso", "benessere_sport"),
        ("stop all'abuso della custodia cautelare", "istituzioni_giustizia"),
        # "senza" + infinitive is a manner; "nessun" + the subject of a verb or of "senza" is a claim;
        # a clause-initial "senza" before a main clause is a condition
        ("salvare l'ambiente senza sacrificare le imprese", "made_in_cremona"),
        ("nessun giovane trova lavoro qui", "giovani"),
        ("nessuna famiglia senza casa", "coesione_sociale"),
        ("Senza treni per Milano nessuna azienda verrà qui", "mobilita"),
    ],
)
def test_claims_under_a_cue_are_not_rejections(tagger, text, theme):
    result = tagger.tag(text)
    assert theme in result.theme_ids
    assert theme not in {h.theme_id for h in result.negated}


def test_a_cue_before_the_rejected_word_itself_still_rejects(tagger):
    for text in ("nessun turista, grazie", "una città senza turisti", "niente turismo di massa"):
        assert "turismo_cultura" not in ids(tagger, text)


@pytest.mark.parametrize(
    ("text", "theme"),
    [
        ("abolire la legge Bossi-Fini", "sicurezza"),  # capitalised compounds split like lower-case ones
        ("Wi-Fi gratuito in piazza", "citta_digitale"),
        ("i diritti delle persone LGBT+", "diritti_pari_opportunita"),  # the "+" is no part of the word
    ],
)
def test_written_forms_of_compound_terms(tagger, text, theme):
    assert theme in ids(tagger, text)


def test_rejected_and_wanted_in_same_text(tagger):
    result = tagger.tag("basta turismo mordi e fuggi, serve turismo di qualità")
    hit = result.themes[0]
    assert hit.theme_id == "turismo_cultura" and hit.negated_evidence == ("turismo",)


@pytest.mark.parametrize(
    ("text", "theme"),
    [
        ("i liutai cremonesi", "musica_liuteria"),  # plural
        ("aziende innovative", "innovazione"),  # feminine plural of a term
        ("le startup innovativa", "innovazione"),
        ("Le fabbriche chiudono", "made_in_cremona"),
        ("collaborano poco", "collaborazione"),  # verb form
        ("piste ciclabili", "mobilita"),
        ("la pista ciclabile", "mobilita"),
    ],
)
def test_inflection(tagger, text, theme):
    assert theme in ids(tagger, text)


@pytest.mark.parametrize(
    ("text", "theme"),
    [
        ("universita per tutti", "talenti_formazione"),
        ("la citta e' sporca, poca qualita della vita", "ambiente"),
        ("piu mobilita sostenibile", "mobilita"),
        ("identita cremonese", "tradizione"),
        ("citta' d'arte", "turismo_cultura"),
    ],
)
def test_no_accents(tagger, text, theme):
    assert theme in ids(tagger, text)


@pytest.mark.parametrize("text", ["LIUTERIA", "Liuteria", "liuteria", "LiUtErIa"])
def test_case_insensitive(tagger, text):
    assert ids(tagger, text) == {"musica_liuteria"}


def test_stagnation_phrases(tagger):
    assert "stagnazione" in ids(tagger, "Cremona sta ferma, non cambia mai niente")
    assert "stagnazione" in ids(tagger, "citta addormentata")


def test_result_shape(tagger, taxonomy):
    result = tagger.tag("Servono piste ciclabili e più concerti per i giovani")
    assert isinstance(result, TagResult)
    assert result.taxonomy_version == taxonomy.version
    assert result.method == tagger.method and "offline" in result.method
    for theme_id, score, evidence in result.themes:
        assert theme_id in taxonomy and 0.0 < score <= 1.0 and evidence
    scores = [h.score for h in result.themes]
    assert scores == sorted(scores, reverse=True)
    assert result.to_dict()["themes"][0]["theme_id"] == result.themes[0].theme_id


def test_score_grows_with_evidence(tagger):
    # Salience: distinct entries add up; repeating one adds less (log of the count)
    one = tagger.tag("violini").themes[0].score
    two = tagger.tag("violini e liutai").themes[0].score
    repeated = tagger.tag("violini violini violini").themes[0].score
    assert one < repeated < two < 1.0


def test_keywords_use_correct_lemmas(tagger):
    result = tagger.tag("Vorrei più musica e ricerca, servizi migliori per la logistica")
    assert {"musica", "ricerca", "servizio", "migliore", "logistica"} <= set(result.keywords)
    assert "musico" not in result.keywords and "più" not in result.keywords


def test_tag_many_matches_tag(tagger, eval_items):
    texts = [item.text for item in eval_items[:40]] + ["", None]
    batch = tagger.tag_many(texts, batch_size=7)
    assert len(batch) == len(texts)
    assert [r.themes for r in batch[:40]] == [tagger.tag(t).themes for t in texts[:40]]
    assert batch[-1].themes == () and batch[-2].keywords == ()


def test_no_theme(tagger):
    assert tagger.tag("ok grazie, buona giornata").themes == ()


def test_vectors_add_recall_only_when_present(taxonomy):
    nlp = build_offline_pipeline()
    plain = ThemeTagger(nlp, taxonomy)
    assert plain.use_vectors is False and plain.tag("una sinfonia").themes == ()
    vec = numpy.zeros(4, dtype="float32")
    vec[0] = 1.0
    for word in ("sinfonia", "liuteria", "Stradivari"):  # only the music description has vectors
        nlp.vocab.set_vector(word, vec)
    with_vectors = ThemeTagger(nlp, taxonomy)
    assert with_vectors.use_vectors and with_vectors.method.endswith("+vectors")
    hit = with_vectors.tag("una sinfonia").themes[0]
    assert hit.theme_id == "musica_liuteria" and hit.evidence[0].startswith("~")


def test_two_taxonomies_share_one_pipeline(taxonomy):
    from nlp import parse_taxonomy

    nlp = build_offline_pipeline()
    small = parse_taxonomy(
        {"version": "x1", "themes": [{"id": "fiume", "label": {"it": "Fiume", "en": "River"},
                                      "description": "il fiume", "terms": ["fiume", "argine"]}]}
    )
    full_tagger = ThemeTagger(nlp, taxonomy)
    small_tagger = ThemeTagger(nlp, small)
    text = "gli argini del fiume e i violini"
    assert small_tagger.tag(text).theme_ids == ["fiume"]
    assert "musica_liuteria" in full_tagger.tag(text).theme_ids  # recompiled on switch
    assert small_tagger.tag(text).taxonomy_version == "x1"


def test_min_score_filters(offline_nlp, taxonomy):
    # one word is weaker evidence than a phrase of the same theme (calibration of taxonomy 2026.6: 0.77 vs 0.84)
    strict = ThemeTagger(offline_nlp, taxonomy, min_score=0.8)
    assert strict.tag("violini").themes == ()
    assert strict.tag("museo del violino").theme_ids == ["musica_liuteria"]
    ThemeTagger(offline_nlp, taxonomy)  # leave the shared pipeline as the session fixture expects
