"""Theme tagging: which taxonomy themes a citizen's message speaks about.

Matching is lemma-based (``token.norm_`` holds the accent-free lemma, see
:mod:`nlp.components`), so "liutai", "Liutaio" and "liutaio" meet the term
"liutaio", and "citta" meets "città". Mentions rejected by the writer
("niente turismo") are kept as evidence flagged negated but do not vote.

Scores are not probabilities. Each distinct matched entry contributes a
weight (phrase 0.8, term or problem 0.6, vector similarity up to 0.5) and the
theme score is ``1 - prod(1 - w)``: one plain term gives 0.6, a phrase 0.8,
several independent mentions approach 1. This ranks themes inside a message
and lets callers set a threshold without pretending to be calibrated.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import asdict, dataclass, field
from typing import Iterable, Sequence

from spacy.attrs import IS_ALPHA, IS_STOP, LEMMA, ORTH
from spacy.language import Language
from spacy.tokens import Doc

from .components import SPAN_KEY, ThemeMatcher
from .negation import is_rejected
from .pipeline import LEMMATIZER, META_KEY, THEME_MATCHER, add_scenari_components, has_vectors, stop_words
from .taxonomy import Taxonomy
from .text import match_key

WEIGHTS = {"phrase": 0.8, "term": 0.6, "problem": 0.6}
SIMILARITY_WEIGHT = 0.5
#: Words every message of this project contains; useless as keywords.
DOMAIN_STOP = frozenset({"cremona", "cremonese", "citta", "cosa", "secondo", "parte", "modo", "volta"})


@dataclass(frozen=True)
class ThemeHit:
    """One theme found in a text.

    ``evidence`` holds the surface strings that voted; ``negated_evidence``
    those the writer rejected ("niente turismo"), kept for human review.
    """

    theme_id: str
    score: float
    evidence: tuple[str, ...] = ()
    negated_evidence: tuple[str, ...] = ()

    def __iter__(self):  # allows ``theme_id, score, evidence = hit``
        return iter((self.theme_id, self.score, list(self.evidence)))


@dataclass(frozen=True)
class TagResult:
    """Tagging outcome for one text."""

    text: str
    themes: tuple[ThemeHit, ...]
    keywords: tuple[str, ...]
    method: str
    taxonomy_version: str
    negated: tuple[ThemeHit, ...] = field(default=())

    @property
    def theme_ids(self) -> list[str]:
        return [hit.theme_id for hit in self.themes]

    def to_dict(self) -> dict:
        """Plain data for JSON storage/exports."""
        return asdict(self)


class ThemeTagger:
    """Tag texts with the themes of a taxonomy using a spaCy pipeline.

    ``nlp`` comes from :func:`nlp.pipeline.load_pipeline` (or any Italian
    pipeline: Scenari components are appended when missing). The taxonomy is
    compiled into the pipeline's ``scenari_theme_matcher``; one pipeline
    serves one taxonomy at a time and is re-compiled if another tagger
    switched it.
    """

    def __init__(
        self,
        nlp: Language,
        taxonomy: Taxonomy,
        *,
        min_score: float = 0.0,
        top_keywords: int = 8,
        use_vectors: bool | None = None,
        similarity_threshold: float = 0.65,
    ) -> None:
        if LEMMATIZER not in nlp.pipe_names:
            has_lemmas = any("lemmatizer" in name for name in nlp.pipe_names)
            add_scenari_components(nlp, overwrite_lemma=not has_lemmas)
        if THEME_MATCHER not in nlp.pipe_names:
            nlp.add_pipe(THEME_MATCHER, last=True)
        self.nlp = nlp
        self.taxonomy = taxonomy
        self.min_score = min_score
        self.top_keywords = top_keywords
        self.similarity_threshold = similarity_threshold
        self._matcher: ThemeMatcher = nlp.get_pipe(THEME_MATCHER)
        self._matcher.set_taxonomy(taxonomy)
        self._stop = stop_words() | DOMAIN_STOP
        self._keyword_cache: dict[tuple[int, int], str | None] = {}
        self._order = {theme_id: i for i, theme_id in enumerate(taxonomy.ids)}
        self.use_vectors = has_vectors(nlp) if use_vectors is None else (use_vectors and has_vectors(nlp))
        self._theme_docs: dict[str, Doc] = {}
        if self.use_vectors:
            self._theme_docs = {
                t.id: nlp.make_doc(f"{t.label_it}. {t.description}") for t in taxonomy.themes
            }
        base = nlp.meta.get(META_KEY, f"model:{nlp.meta.get('lang', '?')}_{nlp.meta.get('name', '?')}")
        self.method = f"{base}+lemma-phrase-matcher+negation" + ("+vectors" if self.use_vectors else "")

    # -- public API -----------------------------------------------------
    def tag(self, text: str) -> TagResult:
        """Tag one text."""
        return self.tag_many([text])[0]

    def tag_many(self, texts: Iterable[str], batch_size: int = 256) -> list[TagResult]:
        """Tag many texts through ``nlp.pipe`` (batched; the way to tag in bulk)."""
        if self._matcher.taxonomy is not self.taxonomy:
            self._matcher.set_taxonomy(self.taxonomy)
        items = ["" if t is None else str(t) for t in texts]
        return [self._result(doc, text) for doc, text in zip(self.nlp.pipe(items, batch_size=batch_size), items)]

    # -- internals ------------------------------------------------------
    def _result(self, doc: Doc, text: str) -> TagResult:
        voted: dict[str, dict[str, tuple[str, float]]] = {}
        rejected: dict[str, list[str]] = {}
        for span in doc.spans[SPAN_KEY]:
            kind = span.kb_id_
            if kind != "problem" and is_rejected(span[0], span.start):
                rejected.setdefault(span.label_, []).append(span.text)
                continue
            entry_key = " ".join(t.norm_ for t in span)  # distinct entries, not repetitions
            per_theme = voted.setdefault(span.label_, {})
            if entry_key not in per_theme or per_theme[entry_key][1] < WEIGHTS[kind]:
                per_theme[entry_key] = (span.text, WEIGHTS[kind])
        if self.use_vectors:
            self._add_similarity(doc, voted)
        hits = []
        for theme_id, entries in voted.items():
            remaining = 1.0
            for _, weight in entries.values():
                remaining *= 1.0 - weight
            score = round(1.0 - remaining, 4)
            if score > self.min_score:
                hits.append(
                    ThemeHit(theme_id, score, tuple(e[0] for e in entries.values()), tuple(rejected.get(theme_id, ())))
                )
        hits.sort(key=lambda h: (-h.score, self._order[h.theme_id]))
        negated = tuple(
            ThemeHit(theme_id, 0.0, (), tuple(spans)) for theme_id, spans in rejected.items() if theme_id not in voted
        )
        return TagResult(
            text=text,  # doc.text would rebuild it token by token
            themes=tuple(hits),
            keywords=self._keywords(doc),
            method=self.method,
            taxonomy_version=self.taxonomy.version,
            negated=negated,
        )

    def _add_similarity(self, doc: Doc, voted: dict[str, dict[str, tuple[str, float]]]) -> None:
        """Vector recall: only when the model has vectors, only for unmatched themes."""
        if not doc.has_vector or doc.vector_norm == 0:
            return
        for theme_id, theme_doc in self._theme_docs.items():
            if theme_id in voted or theme_doc.vector_norm == 0:
                continue
            similarity = float(doc.similarity(theme_doc))
            if similarity >= self.similarity_threshold:
                voted[theme_id] = {"~similarity": (f"~{similarity:.2f}", SIMILARITY_WEIGHT * similarity)}

    def _keywords(self, doc: Doc) -> tuple[str, ...]:
        """Noun chunks (when a parser ran) then frequent content lemmas."""
        out: list[str] = []
        if doc.has_annotation("DEP"):
            try:
                for chunk in doc.noun_chunks:
                    words = [t for t in chunk if not t.is_stop and not t.is_punct]
                    if len(words) >= 2:
                        phrase = chunk.text.lower()
                        if phrase not in out:
                            out.append(phrase)
            except (NotImplementedError, ValueError):
                pass
        counts: Counter[str] = Counter()
        first: dict[str, int] = {}
        cache = self._keyword_cache
        strings = doc.vocab.strings
        # hash arrays instead of Token objects: see nlp.components
        for i, (orth, lemma_hash, is_alpha, is_stop) in enumerate(
            doc.to_array([ORTH, LEMMA, IS_ALPHA, IS_STOP]).tolist()
        ):
            if not is_alpha or is_stop:
                continue
            key = (orth, lemma_hash)
            if key not in cache:
                text = strings[orth]
                lemma = (strings[lemma_hash] if lemma_hash else text).lower() or text.lower()
                ok = len(text) >= 3 and len(lemma) >= 3 and match_key(lemma) not in self._stop
                cache[key] = lemma if ok else None
            lemma = cache[key]
            if lemma is None:
                continue
            counts[lemma] += 1
            first.setdefault(lemma, i)
        ranked = sorted(counts, key=lambda w: (-counts[w], first[w]))
        out.extend(w for w in ranked if w not in out)
        return tuple(out[: self.top_keywords])


def tag_texts(tagger: ThemeTagger, texts: Sequence[str]) -> list[list[str]]:
    """Theme ids per text: the shape evaluation and exports need."""
    return [result.theme_ids for result in tagger.tag_many(texts)]
