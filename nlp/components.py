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

from typing import TYPE_CHECKING

import numpy
import simplemma
from spacy.attrs import LEMMA, NORM
from spacy.language import Language
from spacy.lookups import load_lookups
from spacy.matcher import PhraseMatcher
from spacy.tokens import Doc, Span
from spacy.vocab import Vocab

from .negation import mark_negation
from .text import clean_word, match_key

if TYPE_CHECKING:  # pragma: no cover
    from .taxonomy import Taxonomy

SPAN_KEY = "scenari_themes"
#: ``doc.user_data`` key of the matches as ``(start, end, theme_id, kind)`` tuples.
MATCH_KEY = "scenari_matches"

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
    "conti": "conto",  # "conti pubblici" are accounts, not counts ("conte")
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
    """Finds taxonomy terms/phrases/problems/weak terms in a text.

    The matches go to ``doc.user_data["scenari_matches"]`` as
    ``(start, end, theme_id, kind)`` tuples, kind being ``term``, ``phrase``,
    ``problem`` or ``weak``; with ``with_spans=True`` also to
    ``doc.spans["scenari_themes"]`` (``label_`` = theme id, ``kb_id_`` =
    kind), which costs a Span object per match and is off by default. Inside one theme, a span contained
    in a longer one is dropped so "consumo di suolo" does not also count
    "suolo" twice. One pipeline serves one taxonomy at a time.
    """

    def __init__(self, nlp: Language, with_spans: bool = False) -> None:
        self.nlp = nlp
        self.matcher = PhraseMatcher(nlp.vocab, attr="NORM")
        self.taxonomy: Taxonomy | None = None
        self.with_spans = with_spans
        self._labels: dict[int, tuple[str, str]] = {}

    def set_taxonomy(self, taxonomy: "Taxonomy") -> None:
        """Compile the taxonomy into patterns (idempotent for the same one)."""
        if self.taxonomy is taxonomy:
            return
        lemmatizer: ScenariLemmatizer = self.nlp.get_pipe("scenari_lemmatizer")
        lemmatizer.add_overrides(taxonomy.lemma_overrides())
        self.matcher = PhraseMatcher(self.nlp.vocab, attr="NORM")
        for theme in taxonomy.themes:
            for kind, entries in (
                ("term", theme.terms), ("phrase", theme.phrases), ("problem", theme.problems), ("weak", theme.weak),
            ):
                docs = [lemmatizer(self.nlp.make_doc(entry)) for entry in entries]
                if docs:
                    self.matcher.add(f"{theme.id}\t{kind}", docs)
        self.taxonomy = taxonomy

    def __call__(self, doc: Doc) -> Doc:
        strings = self.nlp.vocab.strings
        labels = self._labels
        found = []
        for match_id, start, end in self.matcher(doc):
            label = labels.get(match_id)
            if label is None:
                label = labels[match_id] = tuple(strings[match_id].split("\t"))
            found.append((start, end, label[0], label[1]))
        matches = _drop_nested(found)
        doc.user_data[MATCH_KEY] = matches
        if self.with_spans:
            doc.spans[SPAN_KEY] = [Span(doc, s, e, label=t, kb_id=k) for s, e, t, k in matches]
        return doc


def _drop_nested(matches: list[tuple[int, int, str, str]]) -> list[tuple[int, int, str, str]]:
    """Keep the matches that are not part of a longer one.

    Inside one theme, overlapping matches keep only the longest ("consumo di
    suolo" does not also count "suolo"). Across themes, a match lying strictly
    inside a longer match of another theme yields to it: the longer
    expression fixes the sense of its words ("libri di testo" is school, not
    reading; "cassa integrazione" is work, not integration; "reddito di
    cittadinanza" is welfare, not participation). Matches of the same span in
    several themes are all kept (the tagger splits their weight).
    """
    if len(matches) < 2:
        return matches
    by_theme: dict[str, list[tuple[int, int, str, str]]] = {}
    for match in matches:
        by_theme.setdefault(match[2], []).append(match)
    kept: list[tuple[int, int, str, str]] = []
    for group in by_theme.values():
        if len(group) == 1:
            kept.extend(group)
            continue
        taken: set[int] = set()
        for match in sorted(group, key=lambda m: (m[0] - m[1], m[0])):
            if taken.isdisjoint(range(match[0], match[1])):
                kept.append(match)
                taken.update(range(match[0], match[1]))
    longer = [(m[0], m[1], m[2]) for m in kept if m[1] - m[0] > 1]
    if longer:
        kept = [
            m for m in kept
            if not any(s <= m[0] and m[1] <= e and e - s > m[1] - m[0] and t != m[2] for s, e, t in longer)
        ]
    kept.sort()
    return kept


@Language.factory("scenari_theme_matcher", default_config={"with_spans": False})
def make_theme_matcher(nlp: Language, name: str, with_spans: bool) -> ThemeMatcher:
    return ThemeMatcher(nlp, with_spans=with_spans)
