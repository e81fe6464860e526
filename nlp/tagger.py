"""Theme tagging: which taxonomy themes a citizen's message speaks about.

Matching is lemma-based (``token.norm_`` holds the accent-free lemma, see
:mod:`nlp.components`), so "liutai", "Liutaio" and "liutaio" meet the term
"liutaio", and "citta" meets "città". Mentions rejected by the writer
("niente turismo") are kept as evidence flagged negated but do not vote.

A match may change theme, or not count, by its neighbours (the taxonomy's
``senses``, :mod:`nlp.senses`): "sicurezza sul lavoro" is work, not public
safety. The themes kept are those the text is *about* (:mod:`nlp.salience`:
evidence weighed by kind, specificity and repetition, relative to the text's
length and to the strongest theme), and ``ThemeHit.score`` is a calibrated
confidence in [0, 1] (monotone in salience; fitted on real texts, see
:mod:`nlp.salience`), so ``min_score`` / ``--min-confidence`` filter on it.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import asdict, dataclass, field
from typing import Iterable, Sequence

from spacy.attrs import IS_ALPHA, IS_STOP, LEMMA, NORM, ORTH, SPACY
from spacy.language import Language
from spacy.tokens import Doc

from .components import MATCH_KEY, ThemeMatcher
from .negation import rejected_at
from .pipeline import LEMMATIZER, META_KEY, THEME_MATCHER, add_scenari_components, has_vectors, stop_words
from .morphology import looks_adjective
from .salience import (
    GENITIVE_WEIGHT,
    KIND_WEIGHT,
    LONG_FROM,
    MEANS,
    MEANS_HEADS,
    MEANS_WEIGHT,
    MODIFIER_WEIGHT,
    PEOPLE,
    PEOPLE_WEIGHT,
    Evidence,
    confidence,
    position_weight,
    salience,
    select,
)
from .senses import SenseRules
from .taxonomy import Taxonomy
from .text import match_key

#: Words every message of this project contains; useless as keywords.
DOMAIN_STOP = frozenset({"cremona", "cremonese", "citta", "cosa", "secondo", "parte", "modo", "volta"})
#: Conjunctions that coordinate two adjectives of one noun (see ``ThemeTagger._head_before``).
_COORDINATION = frozenset({"e", "ed"})


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
        self._senses = self._compile_senses()
        self._stop = stop_words() | DOMAIN_STOP
        self._keyword_cache: dict[tuple[int, int], str | None] = {}
        self._adjectives: dict[int, bool] = {}
        # noun chunks need a dependency parser; asking each doc costs more than the answer
        self._parsed = any(nlp.get_pipe_meta(n).factory in ("parser", "beam_parser") for n in nlp.pipe_names)
        self._order = {theme_id: i for i, theme_id in enumerate(taxonomy.ids)}
        self.use_vectors = has_vectors(nlp) if use_vectors is None else (use_vectors and has_vectors(nlp))
        self._theme_docs: dict[str, Doc] = {}
        if self.use_vectors:
            self._theme_docs = {
                t.id: nlp.make_doc(f"{t.label_it}. {t.description}") for t in taxonomy.themes
            }
        base = nlp.meta.get(META_KEY, f"model:{nlp.meta.get('lang', '?')}_{nlp.meta.get('name', '?')}")
        self.method = f"{base}+lemma-phrase-matcher+negation" + ("+vectors" if self.use_vectors else "")

    def _compile_senses(self) -> SenseRules:
        """Sense rules keyed the way matches are (match keys of the lemmatised entry)."""
        lemmatizer = self.nlp.get_pipe(LEMMATIZER)

        def entry_key(entry: str) -> str:
            return " ".join(t.norm_ for t in lemmatizer(self.nlp.make_doc(entry)))

        return SenseRules(self.taxonomy, entry_key, lambda word: match_key(lemmatizer.lemma_of(word)))

    # -- public API -----------------------------------------------------
    def tag(self, text: str) -> TagResult:
        """Tag one text."""
        return self.tag_many([text])[0]

    def tag_many(self, texts: Iterable[str], batch_size: int = 256) -> list[TagResult]:
        """Tag many texts through ``nlp.pipe`` (batched; the way to tag in bulk)."""
        if self._matcher.taxonomy is not self.taxonomy:
            self._matcher.set_taxonomy(self.taxonomy)
            self._senses = self._compile_senses()
        items = ["" if t is None else str(t) for t in texts]
        return [self._result(doc, text) for doc, text in zip(self.nlp.pipe(items, batch_size=batch_size), items)]

    # -- internals ------------------------------------------------------
    def _result(self, doc: Doc, text: str) -> TagResult:
        keywords, content = self._keywords(doc)
        evidence, rejected = self._evidence(doc, content)
        saliences = {theme_id: salience(ev.raw(), content, ev.lone()) for theme_id, ev in evidence.items()}
        hits = []
        breadth = {theme_id: ev.breadth() for theme_id, ev in evidence.items()}
        for theme_id, value in select(saliences, content, breadth).items():
            score = confidence(value)
            if score > self.min_score:
                hits.append(
                    ThemeHit(theme_id, score, evidence[theme_id].surfaces(), tuple(rejected.get(theme_id, ())))
                )
        hits.sort(key=lambda h: (-h.score, self._order[h.theme_id]))
        negated = tuple(
            ThemeHit(theme_id, 0.0, (), tuple(spans)) for theme_id, spans in rejected.items() if theme_id not in evidence
        )
        return TagResult(
            text=text,  # doc.text would rebuild it token by token
            themes=tuple(hits),
            keywords=keywords,
            method=self.method,
            taxonomy_version=self.taxonomy.version,
            negated=negated,
        )

    def _evidence(self, doc: Doc, content: int = 0) -> tuple[dict[str, Evidence], dict[str, list[str]]]:
        """Per theme, the entries that voted (after negation and senses), and rejected mentions.

        ``content`` is the text's length in content words: from :data:`~nlp.salience.LONG_FROM` on, the
        people a policy is for and complements after "di" weigh less (see :mod:`nlp.salience`).

        Works on the matcher's tuples and hash arrays: a Span or Token object
        per match cost more than the matching itself (see bench/bench_nlp.py).
        """
        matches = doc.user_data.get(MATCH_KEY, ())
        evidence: dict[str, Evidence] = {}
        rejected: dict[str, list[str]] = {}
        if matches:
            strings = doc.vocab.strings
            columns = doc.to_array([NORM, ORTH, SPACY]).tolist()
            norm_hashes = [row[0] for row in columns]
            norms: list[str] | None = None
            sharing = Counter((start, end) for start, end, _, _ in matches)
            # themes of the matches ending at each token: the head nouns a following adjective may modify.
            # A weak generic adjective is no head: in "figure professionali turistiche" both adjectives
            # qualify the unmatched noun, so neither is the other's modifier ("settore turistico" keeps its head).
            heads: dict[int, set[str]] = {}
            for start, end, theme_id, kind in matches:
                if kind == "weak" and end == start + 1 and self._adjective(strings, columns[start][1]):
                    continue
                heads.setdefault(end, set()).add(theme_id)
            long_text = content >= LONG_FROM
            votes = []
            for start, end, theme_id, kind in matches:
                if kind != "problem" and rejected_at(doc, start):
                    rejected.setdefault(theme_id, []).append(_surface(strings, columns, start, end))
                    continue
                key = " ".join(strings[h] for h in norm_hashes[start:end])
                if self._senses.has(theme_id, key):
                    if norms is None:
                        norms = [strings[h] for h in norm_hashes]
                    theme_id = self._senses.resolve(theme_id, key, norms, start, end)
                    if theme_id is None:
                        continue
                weight = KIND_WEIGHT[kind] / sharing[(start, end)] * position_weight(start)
                if end == start + 1 and kind != "weak":
                    head = self._head_before(strings, columns, heads, start)
                    if head and not head <= {theme_id} and self._adjective(strings, columns[start][1]):
                        weight *= MODIFIER_WEIGHT  # "settore turistico": about the sector
                if long_text and start >= 2 and strings[norm_hashes[start - 1]] == "di":
                    head = heads.get(start - 1)
                    if head and not head <= {theme_id}:
                        weight *= GENITIVE_WEIGHT  # "gli stipendi degli insegnanti": about pay
                votes.append((theme_id, key, start, end, weight, kind != "weak"))
            subjects = {
                theme_id
                for theme_id, key, _, _, _, strong in votes
                if strong and not _names_means(key) and not (long_text and key in PEOPLE)
            }
            for theme_id, key, start, end, weight, strong in votes:
                if _names_means(key) and not subjects <= {theme_id}:
                    weight *= MEANS_WEIGHT  # "investimenti (privati) sulla ricerca": about research
                elif key in PEOPLE and long_text and not subjects <= {theme_id}:
                    weight *= PEOPLE_WEIGHT  # "taglio del cuneo fiscale per imprese e lavoratori": about tax
                evidence.setdefault(theme_id, Evidence()).add(key, (start, end), weight, strong)
            for ev in evidence.values():
                ev.resolve_surfaces(lambda start, end: _surface(strings, columns, start, end))
        if self.use_vectors:
            self._add_similarity(doc, evidence)
        return evidence, rejected

    def _head_before(self, strings, columns: list[list[int]], heads: dict[int, set[str]], start: int) -> set[str] | None:
        """Themes of the matched noun a word at ``start`` would qualify: the match ending right before it,
        or, across a coordination, the head of the adjective before "e"/"ed" ("patrimonio economico *e
        culturale*", "settore turistico *e alberghiero*": the second adjective qualifies the same noun),
        or the noun before an unmatched adjective ("formazione specialistica *medica*": stacked adjectives
        qualify one noun)."""
        head = heads.get(start)
        if head is None and start >= 2 and strings[columns[start - 1][1]].lower() in _COORDINATION:
            if self._adjective(strings, columns[start - 2][1]):
                head = heads.get(start - 2)
        if head is None and start >= 2 and self._adjective(strings, columns[start - 1][1]):
            head = heads.get(start - 1)  # stacked adjectives: "scuole tecniche *professionali*"
        return head

    def _adjective(self, strings, orth: int) -> bool:
        """True when the word written ``orth`` has an adjective's form (cached per form)."""
        known = self._adjectives.get(orth)
        if known is None:
            if len(self._adjectives) > 100_000:
                self._adjectives.clear()
            known = self._adjectives[orth] = looks_adjective(match_key(strings[orth]))
        return known

    def _add_similarity(self, doc: Doc, evidence: dict[str, Evidence]) -> None:
        """Vector recall: only when the model has vectors, only for unmatched themes."""
        if not doc.has_vector or doc.vector_norm == 0:
            return
        for theme_id, theme_doc in self._theme_docs.items():
            if theme_id in evidence or theme_doc.vector_norm == 0:
                continue
            similarity = float(doc.similarity(theme_doc))
            if similarity >= self.similarity_threshold:
                evidence.setdefault(theme_id, Evidence()).add(
                    "~similarity", f"~{similarity:.2f}", KIND_WEIGHT["similarity"] * similarity
                )

    def _keywords(self, doc: Doc) -> tuple[tuple[str, ...], int]:
        """Noun chunks (when a parser ran) then frequent content lemmas; and the
        number of content words (alphabetic, not stop words), the text's length
        for salience, counted in the same pass."""
        out: list[str] = []
        if self._parsed and doc.has_annotation("DEP"):
            try:
                for chunk in doc.noun_chunks:
                    words = [t for t in chunk if not t.is_stop and not t.is_punct]
                    if len(words) >= 2:
                        phrase = chunk.text.lower()
                        if phrase not in out:
                            out.append(phrase)
            except (NotImplementedError, ValueError):
                pass
        counts: dict[str, int] = {}
        first: dict[str, int] = {}
        content = 0
        cache = self._keyword_cache
        strings = doc.vocab.strings
        # hash arrays instead of Token objects: see nlp.components
        if len(doc):
            rows = doc.to_array([ORTH, LEMMA, IS_ALPHA, IS_STOP])
            rows = rows[(rows[:, 2] == 1) & (rows[:, 3] == 0)]  # content words only
            content = len(rows)
            for i, (orth, lemma_hash) in enumerate(rows[:, :2].tolist()):
                key = (orth, lemma_hash)
                lemma = cache.get(key, "")
                if lemma == "":
                    text = strings[orth]
                    lemma = (strings[lemma_hash] if lemma_hash else text).lower() or text.lower()
                    ok = len(text) >= 3 and len(lemma) >= 3 and match_key(lemma) not in self._stop
                    lemma = cache[key] = lemma if ok else None
                if lemma is None:
                    continue
                if lemma in counts:
                    counts[lemma] += 1
                else:
                    counts[lemma] = 1
                    first[lemma] = i
        ranked = sorted(counts, key=lambda w: (-counts[w], first[w]))
        out.extend(w for w in ranked if w not in out)
        return tuple(out[: self.top_keywords]), content


def _names_means(key: str) -> bool:
    """True when a match key names a means (:data:`~nlp.salience.MEANS`), or is a phrase headed by a
    money word (:data:`~nlp.salience.MEANS_HEADS`: "investimento privato", "fondo europeo")."""
    return key in MEANS or (" " in key and key.split(" ", 1)[0] in MEANS_HEADS)


def _surface(strings, columns: list[list[int]], start: int, end: int) -> str:
    """The text of tokens ``start:end`` from (NORM, ORTH, SPACY) rows, without Token objects."""
    if end == start + 1:
        return strings[columns[start][1]]
    parts = []
    for k in range(start, end):
        parts.append(strings[columns[k][1]])
        if k < end - 1 and columns[k][2]:
            parts.append(" ")
    return "".join(parts)


def tag_texts(tagger: ThemeTagger, texts: Sequence[str]) -> list[list[str]]:
    """Theme ids per text: the shape evaluation and exports need."""
    return [result.theme_ids for result in tagger.tag_many(texts)]
