"""Near-duplicate statements: lemma-set Jaccard (the NLP pipeline) and a fuzzy character ratio.

Two statements are flagged as near-duplicates when **either** measure reaches its threshold:

* ``jaccard(A, B) = |A ∩ B| / |A ∪ B|`` over the sets of *content lemmas* (the pipeline's match
  keys — accent-free lower-case lemmas — of tokens that are neither stop words, punctuation nor
  numbers): ≥ :data:`JACCARD_THRESHOLD` (0.6). "Più piste ciclabili sicure" and "Piste
  ciclabili più sicure" share every content lemma (1.0); a third of new words drops it under 0.6.
* ``ratio = difflib.SequenceMatcher(None, a, b).ratio()`` on the lower-cased, space-normalised
  texts: ≥ :data:`RATIO_THRESHOLD` (0.85) — catches typos and small rewordings the lemma set
  misses (one extra letter, a changed article).

A flag is a hint for the moderator, never an automatic merge.
"""

from __future__ import annotations

import difflib
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

JACCARD_THRESHOLD = 0.6
RATIO_THRESHOLD = 0.85


def jaccard(a: Iterable[str], b: Iterable[str]) -> float:
    sa, sb = set(a), set(b)
    if not sa and not sb:
        return 0.0
    return len(sa & sb) / len(sa | sb)


def normalised(text: str) -> str:
    return " ".join(text.lower().split())


def ratio(a: str, b: str) -> float:
    return difflib.SequenceMatcher(None, normalised(a), normalised(b)).ratio()


@dataclass(frozen=True)
class Match:
    id: int
    jaccard: float
    ratio: float

    @property
    def score(self) -> float:
        return max(self.jaccard, self.ratio)


class StatementSimilarity:
    """Lemma sets from the NLP pipeline (loaded on first use) and near-duplicate search."""

    def __init__(self, nlp: Any = None, model: str | None = None) -> None:
        self._nlp = nlp
        self._model = model

    @property
    def nlp(self) -> Any:
        if self._nlp is None:
            from .pipeline import load_pipeline  # spaCy (seconds): only when a statement is first compared

            self._nlp = load_pipeline(self._model)
        return self._nlp

    def lemmas(self, text: str) -> frozenset[str]:
        doc = self.nlp(text)
        return frozenset(
            t.norm_ for t in doc
            if not (t.is_stop or t.is_punct or t.is_space or t.like_num) and len(t.norm_) > 1
        )

    def best(self, text: str, lemmas: Iterable[str], candidates: Iterable[tuple[int, str, str]]) -> Match | None:
        """The most similar candidate ``(id, text, space-separated lemmas)`` above a threshold, or None."""
        mine = set(lemmas)
        found: Match | None = None
        for cid, ctext, clemmas in candidates:
            m = Match(cid, jaccard(mine, clemmas.split()), ratio(text, ctext))
            if (m.jaccard >= JACCARD_THRESHOLD or m.ratio >= RATIO_THRESHOLD) and (found is None or m.score > found.score):
                found = m
        return found
