"""spaCy components registered by Scenari.

Importing this module registers three factories:

``scenari_lemmatizer``
    Context-free Italian lemmatiser. Sets ``token.norm_`` to the *match key*
    (accent-free lower-case lemma) on every pipeline, and ``token.lemma_`` on
    the offline pipeline. The norm is always ours, even on a full model, so the
    taxonomy patterns and the text are keyed the same way whatever model runs.
``scenari_negation``
    Marks tokens whose mention is *rejected* ("niente turismo", "non serve più
    turismo"), see :mod:`nlp.negation`.
``scenari_theme_matcher``
    Phrase matcher over ``NORM`` filled from a taxonomy; see :mod:`nlp.tagger`.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Iterable

import numpy
import simplemma
from spacy.attrs import LEMMA, NORM
from spacy.language import Language
from spacy.matcher import PhraseMatcher
from spacy.tokens import Doc, Span
from spacy.util import filter_spans
from spacy.vocab import Vocab

from .negation import mark_negation
from .text import clean_word, match_key

if TYPE_CHECKING:  # pragma: no cover
    from .taxonomy import Taxonomy

SPAN_KEY = "scenari_themes"

#: Domain words that simplemma (or the lookup tables) get wrong, measured on
#: the evaluation set and on the taxonomy. A wrong lemma is worse than a
#: missing one: "porto" -> "portare" would make "porta" (door) vote for the
#: river port.
DOMAIN_LEMMAS: dict[str, str] = {
    "porto": "porto",
    "porti": "porto",
    "porta": "porta",
    "porte": "porta",
    "lavori": "lavoro",
    "provolone": "provolone",
    "badante": "badante",
    "badanti": "badante",
    "spaccio": "spaccio",
    "morta": "morto",
    "morte": "morte",
    "musica": "musica",
    "ricerca": "ricerca",
    "logistica": "logistica",
    "servizi": "servizio",
    "migliori": "migliore",
    "più": "più",
    "fra": "tra",
    "dei": "di",
    "degli": "di",
    "delle": "di",
    "della": "di",
    "del": "di",
    "dello": "di",
    "dell'": "di",
    "nel": "in",
    "nella": "in",
    "nelle": "in",
    "nei": "in",
    "negli": "in",
    "al": "a",
    "alla": "a",
    "alle": "a",
    "ai": "a",
    "agli": "a",
    "all'": "a",
    "sul": "su",
    "sulla": "su",
    "sui": "su",
    "sulle": "su",
    "dal": "da",
    "dalla": "da",
    "dai": "da",
    "dalle": "da",
}

_LOOKUP_ORDER = ("lemma_lookup_noun", "lemma_lookup_adj", "lemma_lookup_verb", "lemma_lookup")


class ScenariLemmatizer:
    """Lower-case, de-abbreviate, then lemmatise each token without context.

    ``strategy="simplemma"`` (default) uses simplemma's Italian dictionary;
    ``strategy="pos_tables"`` looks the word up in spacy-lookups-data's noun,
    adjective and verb tables, then the general table. Both are followed by
    :data:`DOMAIN_LEMMAS` and by the overrides a taxonomy registers (its terms
    and their regular inflections), which always win. See docs/nlp.md for the
    measured comparison.
    """

    def __init__(self, vocab: Vocab, strategy: str = "simplemma", overwrite_lemma: bool = True) -> None:
        if strategy not in ("simplemma", "pos_tables"):
            raise ValueError(f"unknown lemmatizer strategy {strategy!r}")
        self.vocab = vocab
        self.strategy = strategy
        self.overwrite_lemma = overwrite_lemma
        self.overrides: dict[str, str] = dict(DOMAIN_LEMMAS)
        self._tables: list[dict] | None = None
        # orth hash -> (lemma hash, match-key hash); reset when overrides change
        self._cache: dict[int, tuple[int, int]] = {}

    def add_overrides(self, mapping: dict[str, str]) -> None:
        """Force ``word -> lemma`` (lower-case words); clears the cache."""
        self.overrides.update(mapping)
        self._cache.clear()

    def _load_tables(self) -> list[dict]:
        if self._tables is None:
            from spacy.lookups import load_lookups

            lookups = load_lookups("it", list(_LOOKUP_ORDER))
            self._tables = [lookups.get_table(name) for name in _LOOKUP_ORDER]
        return self._tables

    def lemma_of(self, text: str) -> str:
        """Lemma of one surface word (lower-case, accents kept when known)."""
        word = clean_word(text)
        if word in self.overrides:
            return self.overrides[word]
        if not any(ch.isalpha() for ch in word):
            return word
        if self.strategy == "simplemma":
            lemma = simplemma.lemmatize(word, lang="it")
        else:
            lemma = word
            for table in self._load_tables():
                if word in table:
                    lemma = table[word]
                    break
        lemma = lemma.lower()
        return self.overrides.get(lemma, lemma)

    def __call__(self, doc: Doc) -> Doc:
        # Works on hash arrays (to_array/from_array): building one Token
        # object per word would cost more than the lemmatisation itself.
        if len(doc) == 0:
            return doc
        cache = self._cache
        if len(cache) > 300_000:  # bound memory on very long runs
            cache.clear()
        strings = self.vocab.strings
        orths = doc.to_array("ORTH").tolist()
        rows = []
        for orth in orths:
            entry = cache.get(orth)
            if entry is None:
                lemma = self.lemma_of(strings[orth])
                entry = (strings.add(lemma), strings.add(match_key(lemma)))
                cache[orth] = entry
            rows.append(entry)
        values = numpy.asarray(rows, dtype="uint64")
        if self.overwrite_lemma:
            doc.from_array([LEMMA, NORM], values)
        else:
            doc.from_array([NORM], values[:, 1:])
        return doc


@Language.factory(
    "scenari_lemmatizer",
    default_config={"strategy": "simplemma", "overwrite_lemma": True},
)
def make_scenari_lemmatizer(nlp: Language, name: str, strategy: str, overwrite_lemma: bool) -> ScenariLemmatizer:
    return ScenariLemmatizer(nlp.vocab, strategy=strategy, overwrite_lemma=overwrite_lemma)


class NegationMarker:
    """Sets ``token._.scenari_neg_cue`` (index of the rejecting cue) in scope."""

    def __call__(self, doc: Doc) -> Doc:
        mark_negation(doc)
        return doc


@Language.factory("scenari_negation")
def make_negation_marker(nlp: Language, name: str) -> NegationMarker:
    return NegationMarker()


class ThemeMatcher:
    """Finds taxonomy terms/phrases/problems and stores them in ``doc.spans``.

    Each span's ``label_`` is the theme id and ``kb_id_`` the kind of entry
    (``term``, ``phrase`` or ``problem``). Inside one theme, a span contained
    in a longer one is dropped so "consumo di suolo" does not also count
    "suolo" twice. One pipeline serves one taxonomy at a time.
    """

    def __init__(self, nlp: Language) -> None:
        self.nlp = nlp
        self.matcher = PhraseMatcher(nlp.vocab, attr="NORM")
        self.taxonomy: Taxonomy | None = None

    def set_taxonomy(self, taxonomy: "Taxonomy") -> None:
        """Compile the taxonomy into patterns (idempotent for the same one)."""
        if self.taxonomy is taxonomy:
            return
        lemmatizer: ScenariLemmatizer = self.nlp.get_pipe("scenari_lemmatizer")
        lemmatizer.add_overrides(taxonomy.lemma_overrides())
        self.matcher = PhraseMatcher(self.nlp.vocab, attr="NORM")
        for theme in taxonomy.themes:
            for kind, entries in (("term", theme.terms), ("phrase", theme.phrases), ("problem", theme.problems)):
                docs = [lemmatizer(self.nlp.make_doc(entry)) for entry in entries]
                if docs:
                    self.matcher.add(f"{theme.id}\t{kind}", docs)
        self.taxonomy = taxonomy

    def __call__(self, doc: Doc) -> Doc:
        strings = self.nlp.vocab.strings
        spans: list[Span] = []
        for match_id, start, end in self.matcher(doc):
            theme_id, kind = strings[match_id].split("\t")
            spans.append(Span(doc, start, end, label=theme_id, kb_id=kind))
        doc.spans[SPAN_KEY] = _drop_nested(spans)
        return doc


def _drop_nested(spans: Iterable[Span]) -> list[Span]:
    """Per theme, keep only maximal spans (overlaps across themes are kept)."""
    by_theme: dict[str, list[Span]] = {}
    for span in spans:
        by_theme.setdefault(span.label_, []).append(span)
    kept: list[Span] = []
    for group in by_theme.values():
        kept.extend(filter_spans(group) if len(group) > 1 else group)
    kept.sort(key=lambda s: (s.start, s.end))
    return kept


@Language.factory("scenari_theme_matcher")
def make_theme_matcher(nlp: Language, name: str) -> ThemeMatcher:
    return ThemeMatcher(nlp)
