"""A supervised theme model learned from the analysts' reviewed texts, beside the rules.

Features are the project's own lemmas (``token.norm_``, the accent-free lemma the rules match
on) as unigrams and bigrams of content words, TF-IDF weighted, plus the rule tagger's own
confidence for each theme. One logistic regression per theme (one-vs-rest) therefore learns
both which words the analysts' themes go with and how far to trust each rule: it can add a
theme the rules missed and drop one they fire on wrongly (the "sprawling" themes).

Why these choices:

* linear models on n-grams are the standard strong baseline for a few hundred labelled short
  texts; their weights are readable, so a suggestion can show the words that voted for it;
* balanced class weights, because most themes are rare in a reviewed sample;
* the scores are calibrated (Platt scaling on out-of-fold decision values) so ``confidence``
  means "about this share of such suggestions were kept by the analysts", and one global
  threshold is chosen on those out-of-fold predictions (pooled F1): the suggestion cut-off is
  learned, not hand-set;
* the model is plain JSON data (vocabulary, weights), never a pickle, and predicting needs
  only numpy/scipy: scikit-learn is used to fit.

A theme with fewer than :data:`MIN_POSITIVE` reviewed texts (or fewer negatives) is not
learned: the rules alone speak for it.
"""

from __future__ import annotations

import math
from collections import Counter
from dataclasses import dataclass
from typing import Any, Iterable, Mapping, Sequence

import numpy as np
from scipy.sparse import csr_matrix, hstack
from spacy.attrs import IS_ALPHA, IS_STOP, NORM
from spacy.language import Language

FORMAT = 1  # bump when the features or the payload change: older models are then not loaded
MIN_POSITIVE = 3
DEFAULT_C = 4.0
EVIDENCE_WORDS = 3
_THRESHOLDS = tuple(round(0.15 + 0.05 * i, 2) for i in range(12))  # 0.15 … 0.70


def text_features(nlp: Language, texts: Iterable[str], batch_size: int = 256) -> list[list[str]]:
    """Lemma unigrams and bigrams of the content words of each text.

    Bigrams join consecutive content words once stop words are dropped ("sicurezza sul
    lavoro" → ``sicurezza lavoro``), which is what separates most word senses.
    """
    out: list[list[str]] = []
    for doc in nlp.pipe(["" if t is None else str(t) for t in texts], batch_size=batch_size):
        strings = doc.vocab.strings
        words = [
            strings[norm]
            for norm, is_alpha, is_stop in doc.to_array([NORM, IS_ALPHA, IS_STOP]).tolist()
            if is_alpha and not is_stop and len(strings[norm]) > 2
        ]
        out.append(words + [f"{a} {b}" for a, b in zip(words, words[1:])])
    return out


def rule_scores(result: Any) -> dict[str, float]:
    """theme id → the rule tagger's confidence, from a ``TagResult``."""
    return {hit.theme_id: float(hit.score) for hit in result.themes}


@dataclass(frozen=True)
class LearnedHit:
    """The model's opinion of one theme for one text."""

    theme_id: str
    confidence: float
    suggested: bool  # confidence reached the model's threshold
    evidence: tuple[str, ...]  # the words that weighed most for the theme in this text


@dataclass(frozen=True)
class _ThemeWeights:
    coef: np.ndarray  # words, then one weight per rule theme
    intercept: float
    platt_a: float
    platt_b: float


class LearnedModel:
    """One-vs-rest calibrated logistic regression over lemma n-grams and the rules' confidences.

    Build it with :meth:`train`; store it with :meth:`to_data` / :meth:`from_data`.
    ``version`` (set by the caller, e.g. the stored row's id) names it in suggestions'
    ``method``: ``learned:<version>``.
    """

    def __init__(
        self,
        vocabulary: list[str],
        idf: np.ndarray,
        rule_themes: list[str],
        weights: dict[str, _ThemeWeights],
        threshold: float,
        *,
        taxonomy_version: str = "",
        texts: int = 0,
        version: str = "",
    ) -> None:
        self.vocabulary = vocabulary
        self._index = {f: i for i, f in enumerate(vocabulary)}
        self.idf = idf
        self.rule_themes = rule_themes
        self.weights = weights
        self.threshold = threshold
        self.taxonomy_version = taxonomy_version
        self.texts = texts
        self.version = version

    @property
    def themes(self) -> list[str]:
        """Theme ids the model decides (the others are left to the rules)."""
        return list(self.weights)

    @property
    def method(self) -> str:
        return f"learned:{self.version or 'unsaved'}"

    # -- fitting -----------------------------------------------------------------------------
    @classmethod
    def train(
        cls,
        features: Sequence[Sequence[str]],
        rules: Sequence[Mapping[str, float]],
        labels: Sequence[Iterable[str]],
        theme_ids: Sequence[str],
        *,
        taxonomy_version: str = "",
        c: float = DEFAULT_C,
        seed: int = 0,
    ) -> "LearnedModel":
        """Fit one calibrated classifier per theme with enough reviewed examples."""
        from sklearn.feature_extraction.text import TfidfVectorizer  # scikit-learn (over a second): training only

        if not features:
            raise ValueError("no reviewed texts to learn from")
        gold = [set(theme_set) for theme_set in labels]
        vectorizer = TfidfVectorizer(analyzer=_identity, min_df=2, sublinear_tf=True, norm="l2")
        try:
            words = vectorizer.fit_transform([list(f) for f in features])
            vocabulary = [""] * len(vectorizer.vocabulary_)
            for feature, column in vectorizer.vocabulary_.items():
                vocabulary[column] = feature
            idf = np.asarray(vectorizer.idf_, dtype=float)
        except ValueError:  # no word in two texts: rules' confidences only
            words, vocabulary, idf = csr_matrix((len(features), 0)), [], np.zeros(0)
        rule_themes = list(theme_ids)
        x = hstack([words, _rule_matrix(rules, rule_themes)]).tocsr()
        weights: dict[str, _ThemeWeights] = {}
        oof: list[tuple[np.ndarray, np.ndarray]] = []
        for theme in theme_ids:
            y = np.array([theme in g for g in gold], dtype=int)
            if y.sum() < MIN_POSITIVE or (len(y) - y.sum()) < MIN_POSITIVE:
                continue
            fitted, probabilities = _fit_theme(x, y, c, seed)
            weights[theme] = fitted
            oof.append((y, probabilities))
        threshold = _best_threshold(oof)
        return cls(vocabulary, idf, rule_themes, weights, threshold, taxonomy_version=taxonomy_version, texts=len(gold))

    # -- predicting --------------------------------------------------------------------------
    def _matrix(self, features: Sequence[Sequence[str]], rules: Sequence[Mapping[str, float]]) -> csr_matrix:
        rows, cols, vals = [], [], []
        for r, feats in enumerate(features):
            counts = Counter(self._index[f] for f in feats if f in self._index)
            weighted = {j: (1.0 + math.log(n)) * self.idf[j] for j, n in counts.items()}
            norm = math.sqrt(sum(v * v for v in weighted.values())) or 1.0
            for j, v in weighted.items():
                rows.append(r)
                cols.append(j)
                vals.append(v / norm)
        words = csr_matrix((vals, (rows, cols)), shape=(len(features), len(self.vocabulary)))
        return hstack([words, _rule_matrix(rules, self.rule_themes)]).tocsr()

    def predict(
        self, features: Sequence[Sequence[str]], rules: Sequence[Mapping[str, float]]
    ) -> list[dict[str, LearnedHit]]:
        """Per text, theme id → :class:`LearnedHit` for every theme the model decides."""
        out: list[dict[str, LearnedHit]] = [{} for _ in features]
        if not self.weights or not features:
            return out
        x = self._matrix(features, rules)
        n_words = len(self.vocabulary)
        for theme, w in self.weights.items():
            confidence = _sigmoid(w.platt_a * (x @ w.coef + w.intercept) + w.platt_b)
            for r in range(x.shape[0]):
                p = round(float(confidence[r]), 4)
                top: tuple[str, ...] = ()
                if p >= self.threshold:  # evidence only for what is suggested
                    start, end = x.indptr[r], x.indptr[r + 1]
                    contributions = [
                        (float(v * w.coef[j]), self.vocabulary[j])
                        for j, v in zip(x.indices[start:end], x.data[start:end])
                        if j < n_words
                    ]
                    top = tuple(word for weight, word in sorted(contributions, reverse=True)[:EVIDENCE_WORDS] if weight > 0)
                out[r][theme] = LearnedHit(theme, p, p >= self.threshold, top)
        return out

    # -- storage -----------------------------------------------------------------------------
    def to_data(self) -> dict[str, Any]:
        """Plain JSON-able data (the stored payload)."""
        return {
            "format": FORMAT,
            "taxonomy_version": self.taxonomy_version,
            "texts": self.texts,
            "threshold": self.threshold,
            "vocabulary": self.vocabulary,
            "idf": [round(float(v), 6) for v in self.idf],
            "rule_themes": self.rule_themes,
            "themes": {
                t: {
                    "coef": [round(float(v), 6) for v in w.coef],
                    "intercept": w.intercept,
                    "platt": [w.platt_a, w.platt_b],
                }
                for t, w in self.weights.items()
            },
        }

    @classmethod
    def from_data(cls, data: Mapping[str, Any], *, version: str = "") -> "LearnedModel":
        """Rebuild a stored model; raises ValueError for another payload format."""
        if data.get("format") != FORMAT:
            raise ValueError(f"learned model format {data.get('format')!r}, this code reads {FORMAT}: retrain it")
        weights = {
            t: _ThemeWeights(np.asarray(w["coef"], dtype=float), float(w["intercept"]), *map(float, w["platt"]))
            for t, w in data["themes"].items()
        }
        return cls(
            list(data["vocabulary"]),
            np.asarray(data["idf"], dtype=float),
            list(data["rule_themes"]),
            weights,
            float(data["threshold"]),
            taxonomy_version=str(data.get("taxonomy_version", "")),
            texts=int(data.get("texts", 0)),
            version=version,
        )


def _identity(tokens: list[str]) -> list[str]:
    return tokens


def _sigmoid(z: np.ndarray) -> np.ndarray:
    return 1.0 / (1.0 + np.exp(-np.clip(z, -35, 35)))


def _rule_matrix(rules: Sequence[Mapping[str, float]], rule_themes: list[str]) -> csr_matrix:
    column = {t: i for i, t in enumerate(rule_themes)}
    rows, cols, vals = [], [], []
    for r, scores in enumerate(rules):
        for theme, score in scores.items():
            if theme in column and score:
                rows.append(r)
                cols.append(column[theme])
                vals.append(float(score))
    return csr_matrix((vals, (rows, cols)), shape=(len(rules), len(rule_themes)))


def _fit_theme(x: csr_matrix, y: np.ndarray, c: float, seed: int) -> tuple[_ThemeWeights, np.ndarray]:
    """Fit on all texts; calibrate on out-of-fold decision values; return OOF probabilities."""
    from sklearn.linear_model import LogisticRegression  # scikit-learn (over a second): training only
    from sklearn.model_selection import StratifiedKFold, cross_val_predict  # scikit-learn, as above

    def make() -> LogisticRegression:
        return LogisticRegression(C=c, class_weight="balanced", max_iter=2000)

    folds = StratifiedKFold(n_splits=min(3, int(y.sum()), int(len(y) - y.sum())), shuffle=True, random_state=seed)
    decision = cross_val_predict(make(), x, y, cv=folds, method="decision_function")
    platt = LogisticRegression(C=100.0).fit(decision.reshape(-1, 1), y)
    a, b = float(platt.coef_[0][0]), float(platt.intercept_[0])
    model = make().fit(x, y)
    weights = _ThemeWeights(np.asarray(model.coef_[0], dtype=float), float(model.intercept_[0]), a, b)
    return weights, _sigmoid(a * decision + b)


def _best_threshold(oof: list[tuple[np.ndarray, np.ndarray]]) -> float:
    """The cut-off that maximises pooled F1 on the out-of-fold predictions (0.5 if none)."""
    if not oof:
        return 0.5
    y = np.concatenate([pair[0] for pair in oof])
    p = np.concatenate([pair[1] for pair in oof])
    best, best_f1 = 0.5, -1.0
    for t in _THRESHOLDS:
        predicted = p >= t
        tp = float(np.sum(predicted & (y == 1)))
        f1 = 2 * tp / (predicted.sum() + y.sum()) if predicted.sum() + y.sum() else 0.0
        if f1 > best_f1 + 1e-9:
            best, best_f1 = t, f1
    return best
