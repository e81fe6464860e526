"""How the rules' themes and the learned model's merge into the suggestions analysts see.

One place, used by the worker (stored tags), ``scenari nlp evaluate`` (cross-validation and
labelled sets) and the learning-curve bench, so what is measured is what is stored:

* a theme the model does not decide (no second opinion fitted yet) keeps the rules' verdict;
* for a theme the model decides (:mod:`nlp.learned`: a calibrated second opinion on the rules'
  evidence and the text's words; a theme the rules found is decided only when it has at least
  ``MIN_DECIDE`` reviewed texts, otherwise the rules' finding stands), the theme is suggested
  exactly when the model's probability reaches its threshold (0.6: clearly more likely kept by
  an analyst than removed), whether the rules found it or not — except the rules' strongest
  theme of the text, kept unless the model's
  confidence is below :data:`KEEP_TOP_ABOVE` (letting the model drop it too made one draw of
  100 reviewed texts lose a whole small theme, −0.054 macro-F1). So the model removes rule
  false positives as well as adding misses. The
  earlier design (rule confidences as extra word features, a rule theme dropped only below a
  cautious veto of 0.1) gained +0.003 macro-F1 with 200 reviewed texts on the development set;
  this one +0.014 (+0.009 before the margins, 0.6 and ``MIN_DECIDE``; bench/bench_learning_curve.py). A kept or added theme carries the model's
  calibrated confidence, its rule words as evidence, then the model's top-weighted words;
* ``min_confidence`` then drops every suggestion below it (an analyst's filter);
* human decisions are not here: they are stored apart and always win (``storage.tags``).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Iterable, Sequence

from .learned import LearnedHit, LearnedModel, rule_scores, text_features
from .tagger import TagResult, ThemeTagger
from .taxonomy import Taxonomy

#: The rules' strongest theme of a text is kept unless the model's confidence in it is below this.
KEEP_TOP_ABOVE = 0.2


@dataclass(frozen=True)
class Suggestion:
    """A theme suggested for a text, with its confidence, its words and which method said so."""

    theme_id: str
    score: float
    evidence: tuple[str, ...] = ()
    negated_evidence: tuple[str, ...] = ()
    method: str = ""


@dataclass(frozen=True)
class CombinedResult:
    """The suggestions for one text; reads like a :class:`~nlp.tagger.TagResult`."""

    text: str
    themes: tuple[Suggestion, ...]
    keywords: tuple[str, ...]
    method: str
    taxonomy_version: str
    negated: tuple[Any, ...] = field(default=())
    rules: TagResult | None = None

    @property
    def theme_ids(self) -> list[str]:
        return [s.theme_id for s in self.themes]


def merge(
    rules: TagResult,
    learned: dict[str, LearnedHit] | None = None,
    *,
    learned_method: str = "",
    min_confidence: float = 0.0,
) -> CombinedResult:
    """The suggestions for one text from the rules' result and the model's opinions."""
    learned = learned or {}
    out: list[Suggestion] = []
    for hit in rules.themes:
        if hit.theme_id in learned:
            continue  # the model decides this theme (it saw the rule's confidence)
        out.append(Suggestion(hit.theme_id, float(hit.score), tuple(hit.evidence), tuple(hit.negated_evidence), rules.method))
    by_rule = {hit.theme_id: hit for hit in rules.themes}
    strongest = max((hit.score for hit in rules.themes), default=None)
    for theme_id, opinion in learned.items():
        rule_hit = by_rule.get(theme_id)
        top = rule_hit is not None and rule_hit.score == strongest
        if not (opinion.suggested or (top and opinion.confidence >= KEEP_TOP_ABOVE)):
            continue
        if rule_hit is None:
            out.append(Suggestion(theme_id, opinion.confidence, opinion.evidence, (), learned_method))
            continue
        words = tuple(dict.fromkeys([*rule_hit.evidence, *opinion.evidence]))
        out.append(
            Suggestion(theme_id, opinion.confidence, words, tuple(rule_hit.negated_evidence), f"{rules.method}+{learned_method}")
        )
    kept = sorted((s for s in out if s.score >= min_confidence), key=lambda s: -s.score)
    method = f"{rules.method}+{learned_method}" if learned_method else rules.method
    return CombinedResult(
        rules.text, tuple(kept), tuple(rules.keywords), method, rules.taxonomy_version, tuple(rules.negated), rules
    )


def compatible(model: LearnedModel | None, taxonomy: Taxonomy) -> bool:
    """A model serves a taxonomy when trained for its version and all its themes still exist."""
    if model is None:
        return False
    known = set(taxonomy.ids)
    return model.taxonomy_version == taxonomy.version and all(t in known for t in model.themes)


def combine_many(
    rules: Sequence[TagResult],
    features: Sequence[Sequence[str]] | None,
    model: LearnedModel | None,
    *,
    min_confidence: float = 0.0,
) -> list[CombinedResult]:
    """Merge precomputed rule results (and features, when a model is given) text by text."""
    if model is None or features is None:
        return [merge(r, min_confidence=min_confidence) for r in rules]
    opinions = model.predict(features, [rule_scores(r) for r in rules])
    return [merge(r, o, learned_method=model.method, min_confidence=min_confidence) for r, o in zip(rules, opinions)]


class CombinedTagger:
    """The rules, plus a learned model when one fits the taxonomy: what the worker runs.

    ``tag_many`` returns :class:`CombinedResult` objects; ``taxonomy``, ``method`` and ``nlp``
    read like :class:`~nlp.tagger.ThemeTagger`'s, so evaluation code takes either.
    """

    def __init__(
        self,
        rules: ThemeTagger,
        model: LearnedModel | None = None,
        *,
        min_confidence: float = 0.0,
        model_id: int | None = None,
    ) -> None:
        if model is not None and not compatible(model, rules.taxonomy):
            raise ValueError(
                f"learned model for taxonomy {model.taxonomy_version!r} cannot serve taxonomy {rules.taxonomy.version!r}"
            )
        self.rules = rules
        self.model = model
        self.min_confidence = min_confidence
        self.model_id = model_id  # the stored row the model came from (None: none stored)

    @property
    def taxonomy(self) -> Taxonomy:
        return self.rules.taxonomy

    @property
    def nlp(self) -> Any:
        return self.rules.nlp

    @property
    def method(self) -> str:
        return f"{self.rules.method}+{self.model.method}" if self.model else self.rules.method

    def tag(self, text: str) -> CombinedResult:
        return self.tag_many([text])[0]

    def tag_many(self, texts: Iterable[str], batch_size: int = 256) -> list[CombinedResult]:
        items = ["" if t is None else str(t) for t in texts]
        results = self.rules.tag_many(items, batch_size=batch_size)
        features = text_features(self.rules.nlp, items, batch_size) if self.model else None
        return combine_many(results, features, self.model, min_confidence=self.min_confidence)
