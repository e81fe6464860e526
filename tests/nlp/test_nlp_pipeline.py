"""Pipeline construction: offline build, lemma pitfalls, loading a model by path."""

from __future__ import annotations

import pytest
import spacy

from nlp import PipelineError, ThemeTagger, has_vectors, load_pipeline, match_key, strip_accents
from nlp.pipeline import LEMMATIZER, NEGATION


def lemmas(nlp, text):
    return [t.lemma_ for t in nlp(text)]


def test_offline_pipeline_components(offline_nlp):
    assert offline_nlp.lang == "it"
    assert offline_nlp.pipe_names[:2] == [LEMMATIZER, NEGATION]
    assert not has_vectors(offline_nlp)


@pytest.mark.parametrize(
    ("word", "lemma"),
    [
        # wrong entries of the general lookup table, see /work/shared/NLP-NOTES.md
        ("musica", "musica"),
        ("più", "più"),
        ("ricerca", "ricerca"),
        ("logistica", "logistica"),
        ("servizi", "servizio"),
        ("migliori", "migliore"),
        ("liutai", "liutaio"),
        ("imprese", "impresa"),
        ("lavori", "lavoro"),
        ("porto", "porto"),
    ],
)
def test_lemma_pitfalls_fixed(offline_nlp, word, lemma):
    assert lemmas(offline_nlp, word) == [lemma]


def test_lemmatizer_lower_cases_sentence_initial_words(offline_nlp):
    assert lemmas(offline_nlp, "Vorrei")[0] == "volere"
    assert lemmas(offline_nlp, "Servono")[0] == "servire"
    assert lemmas(offline_nlp, "MUSICA")[0] == "musica"


def test_chat_abbreviations_and_accents(offline_nlp):
    doc = offline_nlp("nn x cmq citta piu perche")
    assert [t.lemma_ for t in doc][:3] == ["non", "per", "comunque"]
    # norm is the match key: accent-free, so "citta" meets "città"
    assert doc[3].norm_ == match_key("città") == "citta"
    assert doc[4].is_stop and doc[5].is_stop  # "piu", "perche" typed without accents


def test_strip_accents():
    assert strip_accents("Città più perché") == "Citta piu perche"


def test_unknown_model_is_an_error(tmp_path):
    with pytest.raises(PipelineError, match="neither an installed package"):
        load_pipeline("it_core_news_does_not_exist")
    with pytest.raises(PipelineError, match="config.cfg"):
        load_pipeline(str(tmp_path))


def test_load_full_model_from_path(tmp_path, taxonomy):
    """A pipeline saved with to_disk is loaded by path, keeping its own lemmatizer."""
    model = spacy.blank("it")
    model.add_pipe("lemmatizer", config={"mode": "lookup"})
    model.initialize()
    model.meta["name"] = "test_model"
    model.to_disk(tmp_path / "model")

    nlp = load_pipeline(str(tmp_path / "model"))
    assert nlp.pipe_names[0] == "lemmatizer"
    assert LEMMATIZER in nlp.pipe_names and NEGATION in nlp.pipe_names
    assert nlp.get_pipe(LEMMATIZER).overwrite_lemma is False  # the model's lemmas are kept
    tagger = ThemeTagger(nlp, taxonomy)
    assert tagger.method.startswith("model:it_test_model")
    result = tagger.tag("Servono più violini e meno smog")
    assert set(result.theme_ids) == {"musica_liuteria", "ambiente"}


def test_blank_string_means_offline():
    assert load_pipeline("  ").meta["scenari_pipeline"].startswith("offline:")
