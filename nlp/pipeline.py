"""Build or load the spaCy pipeline used by the tagger.

Two ways, one entry point (:func:`load_pipeline`):

* ``model`` names an installed spaCy package (``it_core_news_lg``) or a
  directory produced by ``nlp.to_disk``: it is loaded with ``spacy.load`` and
  Scenari's components are appended. The model keeps its own lemmas, parser
  (noun chunks for keywords) and vectors (similarity recall); matching still
  uses Scenari's context-free match key so results do not depend on how a
  given model lemmatises a term written alone in the taxonomy.
* otherwise an offline pipeline is built: ``spacy.blank("it")`` with a
  slightly extended tokenizer, the ``scenari_lemmatizer`` (simplemma with
  domain and taxonomy overrides), accent-free stop words and the negation
  marker. Nothing is downloaded. The official Italian models are licensed
  CC BY-NC-SA and not on the package index: supported, never required.

The caller passes the ``SCENARI_SPACY_MODEL`` setting explicitly; library code
does not read the environment.
"""

from __future__ import annotations

import importlib.util
from pathlib import Path

import spacy
from spacy.lang.it.stop_words import STOP_WORDS
from spacy.language import Language
from spacy.util import compile_infix_regex, compile_suffix_regex

from . import components  # noqa: F401  (registers the factories)
from .text import strip_accents

LEMMATIZER = "scenari_lemmatizer"
NEGATION = "scenari_negation"
THEME_MATCHER = "scenari_theme_matcher"
#: Marker stored in ``nlp.meta`` so the tagger can describe its method.
META_KEY = "scenari_pipeline"

#: Words kept out of the stop list: they carry meaning for a city plan.
_NOT_STOP = {"lavoro", "nuovo", "nuova", "nuovi", "nuove", "grande", "giovani"}
#: Punctuation that phone users glue between words ("niente;basta").
_EXTRA_INFIX = r"(?<=[A-Za-zÀ-ÿ])[;!?:](?=[A-Za-zÀ-ÿ])"
#: A hyphen before a capital splits too ("Bossi-Fini", "Wi-Fi", "Stato-Regioni"): spaCy's own rule splits
#: only before a lower-case letter, so capitalised compounds stayed one token and never met the
#: taxonomy's hyphenated terms, which are compiled lower-case and therefore split.
_CAPITAL_HYPHEN_INFIX = r"(?<=[A-Za-zÀ-ÿ])-(?=[A-ZÀ-Þ])"
#: A "+" closing a word is a sign of its own ("LGBT+", "LGBTQIA+"), so the word meets its term.
_PLUS_SUFFIX = r"(?<=[A-Za-z])\+"


class PipelineError(RuntimeError):
    """``model`` is neither an installed package nor a pipeline directory."""


def _resolve_model(model: str) -> str | Path:
    path = Path(model).expanduser()
    if path.exists():
        if not (path / "config.cfg").is_file():
            raise PipelineError(f"{path} exists but is not a spaCy pipeline (no config.cfg)")
        return path
    if importlib.util.find_spec(model.replace("-", "_")) is None:
        raise PipelineError(
            f"spaCy model {model!r} is neither an installed package nor a directory; "
            "install it (see docs/nlp.md) or unset SCENARI_SPACY_MODEL to use the offline pipeline"
        )
    return model


def stop_words() -> frozenset[str]:
    """Italian stop words, with and without accents, minus domain words."""
    words = {w for w in STOP_WORDS if w not in _NOT_STOP}
    return frozenset(words | {strip_accents(w) for w in words})


def _mark_stop_words(nlp: Language) -> None:
    # Per-vocab flags: users write "piu", "perche", "gia"; Defaults is shared.
    for word in stop_words():
        for form in (word, word.capitalize()):
            nlp.vocab[form].is_stop = True
    for word in _NOT_STOP:
        for form in (word, word.capitalize()):
            nlp.vocab[form].is_stop = False


def add_scenari_components(nlp: Language, *, overwrite_lemma: bool, strategy: str = "simplemma") -> Language:
    """Append the lemmatiser/normaliser and negation marker if missing."""
    if LEMMATIZER not in nlp.pipe_names:
        nlp.add_pipe(LEMMATIZER, config={"strategy": strategy, "overwrite_lemma": overwrite_lemma})
    if NEGATION not in nlp.pipe_names:
        nlp.add_pipe(NEGATION, after=LEMMATIZER)
    _mark_stop_words(nlp)
    return nlp


def build_offline_pipeline(strategy: str = "simplemma") -> Language:
    """``spacy.blank("it")`` + Scenari components; no download, no model."""
    nlp = spacy.blank("it")
    infixes = [*nlp.Defaults.infixes, _EXTRA_INFIX, _CAPITAL_HYPHEN_INFIX]
    nlp.tokenizer.infix_finditer = compile_infix_regex(infixes).finditer
    suffixes = [*nlp.Defaults.suffixes, _PLUS_SUFFIX]
    nlp.tokenizer.suffix_search = compile_suffix_regex(suffixes).search
    add_scenari_components(nlp, overwrite_lemma=True, strategy=strategy)
    nlp.meta[META_KEY] = f"offline:blank-it+{strategy}"
    return nlp


def load_pipeline(model: str | None = None, *, strategy: str = "simplemma") -> Language:
    """Return the pipeline for tagging.

    ``model``: value of SCENARI_SPACY_MODEL (a package name such as
    ``it_core_news_lg`` or a directory). Empty/None builds the offline
    pipeline. A full model is loaded with ``spacy.load``; its own lemmatiser
    is kept (``overwrite_lemma=False``) so keywords use its POS-aware lemmas.
    Raises :class:`PipelineError` when ``model`` cannot be found, rather than
    silently falling back: a wrong setting should be visible.
    """
    if not model or not model.strip():
        return build_offline_pipeline(strategy=strategy)
    target = _resolve_model(model.strip())
    nlp = spacy.load(target)
    has_lemmas = any(name == "lemmatizer" or "lemmatizer" in name for name in nlp.pipe_names if name != LEMMATIZER)
    add_scenari_components(nlp, overwrite_lemma=not has_lemmas, strategy=strategy)
    name = nlp.meta.get("name", "model")
    nlp.meta[META_KEY] = f"model:{nlp.meta.get('lang', 'it')}_{name}-{nlp.meta.get('version', '?')}"
    return nlp


def has_vectors(nlp: Language) -> bool:
    """True when the vocab carries word vectors (similarity recall is possible)."""
    return nlp.vocab.vectors.shape[0] > 0 and nlp.vocab.vectors.shape[1] > 0
