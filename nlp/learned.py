"""A supervised theme model learned from the analysts' reviewed texts, beside the rules.

Two stages, both plain logistic regressions:

1. **Words.** Per theme with enough reviewed examples, a one-vs-rest logistic regression on the
   project's own lemmas (``token.norm_``, the accent-free lemma the rules match on) as unigrams
   and bigrams of content words, TF-IDF weighted. Its decision value says how much the text's
   words look like the analysts' texts of that theme; its top-weighted words are the evidence a
   suggestion shows.
2. **Second opinion (stacking).** One small calibrated logistic regression, shared by every theme,
   on what the rules and the words say about a (text, theme) pair: the rules' confidence, whether
   the rules found the theme, whether it is the text's strongest rule theme, the strongest *other*
   rule theme, its margin to it, how many themes the rules found, and the words' decision value,
   its margin to the best other theme's and whether it is the text's best (out of fold while
   training, so it is as noisy as on new texts). The margins let one text's themes compete: the
   analysts usually keep the one theme a text is about. Its probability decides: a theme is
   suggested — kept or added, found by the rules or not — when it is at least :data:`DECIDE_AT`.
   So the model removes rule false positives (a weak secondary theme in a long text, a theme the
   analysts keep removing) as well as adding misses (a theme filed by the analysts' conventions,
   e.g. tourism under the economy), and, having eleven weights, it is already well determined by
   a hundred or two reviewed texts; a theme without a word model is still judged on the rules'
   evidence alone, and a theme with fewer than :data:`MIN_DECIDE` reviewed texts is only added,
   never dropped where the rules found it.

Why these choices:

* linear models on n-grams are the standard strong baseline for a few hundred labelled short
  texts; their weights are readable, so a suggestion can show the words that voted for it;
* balanced class weights for the word models, because most themes are rare in a reviewed
  sample; no class weights for the second opinion, so its probability is calibrated ("about this
  share of such suggestions were kept by the analysts");
* the model is plain JSON data (vocabulary, weights), never a pickle, and predicting needs
  only numpy/scipy: scikit-learn is used to fit.

A theme with fewer than :data:`MIN_POSITIVE` reviewed texts (or fewer negatives) has no word
model; the second opinion then weighs its rule evidence only. Measured on the development set
(learning curve, bench/bench_learning_curve.py, rules of taxonomy 2026.3, mean of 3 draws): the
first stacking (seven features, decision at 0.5, every theme decided) gained +0.008/+0.009/+0.009/
+0.010 macro-F1 with 50/100/200/400 reviewed texts (+0.015 by 5-fold on 849); the margins, 0.6
and :data:`MIN_DECIDE` +0.004/+0.011/+0.014/+0.017 (+0.018); the earlier design (rule confidences
as extra word features, a cautious veto) +0.003 with 200.
"""

from __future__ import annotations

import math
from collections import Counter
from dataclasses import dataclass
from typing import Any, Iterable, Mapping, Sequence

import numpy as np
from scipy.sparse import csr_matrix
from spacy.attrs import IS_ALPHA, IS_STOP, NORM
from spacy.language import Language

FORMAT = 3  # bump when the features or the payload change: older models are then not loaded
MIN_POSITIVE = 3
#: A theme the rules found is overruled (dropped) by the model only when at least this many reviewed
#: texts were coded with it; with fewer (a small theme in a first review) its few examples made the
#: model drop right rule themes (-0.04 F1 on the smallest label with 200 reviewed texts; 5 beat 8
#: at 50-400 reviewed texts, 8 was better only by 5-fold on 849), so the
#: rules' finding stands. The model may still add such a theme where the rules found nothing.
MIN_DECIDE = 5
DEFAULT_C = 4.0
EVIDENCE_WORDS = 3
DECIDE_AT = 0.6  # the second opinion's probability from which a theme is suggested (0.5 kept more wrong secondaries)
STACK_C = 1.0
STACK_FEATURES = ("rule_confidence", "rule_found", "words", "strongest_other_rule", "rule_top", "has_words",
                  "words_if_found", "rule_margin", "rule_themes", "words_margin", "words_top")


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
    coef: np.ndarray  # one weight per vocabulary word
    intercept: float


@dataclass(frozen=True)
class _Stack:
    """The shared second opinion: weights of :data:`STACK_FEATURES`, then the intercept."""

    coef: np.ndarray
    intercept: float


class LearnedModel:
    """Word models per theme plus a shared, calibrated second opinion on every theme.

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
        stack: _Stack | None = None,
        decided: Sequence[str] | None = None,
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
        self.stack = stack
        self.decided = list(rule_themes if decided is None else decided)
        self.taxonomy_version = taxonomy_version
        self.texts = texts
        self.version = version

    @property
    def themes(self) -> list[str]:
        """Theme ids with a word model (learned from the reviewed texts' words)."""
        return list(self.weights)

    @property
    def decides(self) -> list[str]:
        """Theme ids the model may also drop when the rules found them (once the second opinion is
        fitted): those with at least :data:`MIN_DECIDE` reviewed texts coded with them. On the
        others the model only adds, where the rules found nothing."""
        return list(self.decided) if self.stack is not None else []

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
        """Fit the word models (themes with enough reviewed examples), then the second opinion."""
        from sklearn.feature_extraction.text import TfidfVectorizer  # scikit-learn (over a second): training only
        from sklearn.linear_model import LogisticRegression  # scikit-learn, as above

        if not features:
            raise ValueError("no reviewed texts to learn from")
        gold = [set(theme_set) for theme_set in labels]
        vectorizer = TfidfVectorizer(analyzer=_identity, min_df=2, sublinear_tf=True, norm="l2")
        try:
            x = vectorizer.fit_transform([list(f) for f in features]).tocsr()
            vocabulary = [""] * len(vectorizer.vocabulary_)
            for feature, column in vectorizer.vocabulary_.items():
                vocabulary[column] = feature
            idf = np.asarray(vectorizer.idf_, dtype=float)
        except ValueError:  # no word in two texts: the rules' evidence only
            x, vocabulary, idf = csr_matrix((len(features), 0)), [], np.zeros(0)
        rule_themes = list(theme_ids)
        y_all = np.array([[theme in g for theme in rule_themes] for g in gold], dtype=int)
        weights: dict[str, _ThemeWeights] = {}
        words_oof = np.zeros(y_all.shape)
        for column, theme in enumerate(rule_themes):
            y = y_all[:, column]
            if x.shape[1] == 0 or y.sum() < MIN_POSITIVE or (len(y) - y.sum()) < MIN_POSITIVE:
                continue
            weights[theme], words_oof[:, column] = _fit_theme(x, y, c, seed)
        stack = None
        stacked = _stack_rows(_rule_array(rules, rule_themes), words_oof, [t in weights for t in rule_themes])
        target = y_all.T.reshape(-1)  # theme-major, as _stack_rows
        if 0 < target.sum() < len(target):
            fitted = LogisticRegression(C=STACK_C, max_iter=2000).fit(stacked, target)
            stack = _Stack(np.asarray(fitted.coef_[0], dtype=float), float(fitted.intercept_[0]))
        decided = [theme for column, theme in enumerate(rule_themes) if y_all[:, column].sum() >= MIN_DECIDE]
        return cls(
            vocabulary, idf, rule_themes, weights, DECIDE_AT, stack=stack, decided=decided,
            taxonomy_version=taxonomy_version, texts=len(gold),
        )

    # -- predicting --------------------------------------------------------------------------
    def _matrix(self, features: Sequence[Sequence[str]]) -> csr_matrix:
        rows, cols, vals = [], [], []
        for r, feats in enumerate(features):
            counts = Counter(self._index[f] for f in feats if f in self._index)
            weighted = {j: (1.0 + math.log(n)) * self.idf[j] for j, n in counts.items()}
            norm = math.sqrt(sum(v * v for v in weighted.values())) or 1.0
            for j, v in weighted.items():
                rows.append(r)
                cols.append(j)
                vals.append(v / norm)
        return csr_matrix((vals, (rows, cols)), shape=(len(features), len(self.vocabulary)))

    def predict(
        self, features: Sequence[Sequence[str]], rules: Sequence[Mapping[str, float]]
    ) -> list[dict[str, LearnedHit]]:
        """Per text, theme id → :class:`LearnedHit` for every theme the model decides."""
        out: list[dict[str, LearnedHit]] = [{} for _ in features]
        if self.stack is None or not features:
            return out
        x = self._matrix(features)
        words = np.zeros((len(features), len(self.rule_themes)))
        for column, theme in enumerate(self.rule_themes):
            w = self.weights.get(theme)
            if w is not None:
                words[:, column] = x @ w.coef + w.intercept
        has_words = [t in self.weights for t in self.rule_themes]
        stacked = _stack_rows(_rule_array(rules, self.rule_themes), words, has_words)
        probability = _sigmoid(stacked @ self.stack.coef + self.stack.intercept).reshape(len(self.rule_themes), -1)
        decided = set(self.decided)
        for column, theme in enumerate(self.rule_themes):
            w = self.weights.get(theme)
            for r in range(len(features)):
                if theme not in decided and theme in rules[r]:
                    continue  # too few reviewed texts to overrule the rules' finding: theirs stands
                p = round(float(probability[column, r]), 4)
                top: tuple[str, ...] = ()
                if p >= self.threshold and w is not None:  # evidence only for what is suggested
                    start, end = x.indptr[r], x.indptr[r + 1]
                    contributions = [
                        (float(v * w.coef[j]), self.vocabulary[j])
                        for j, v in zip(x.indices[start:end], x.data[start:end])
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
            "decided": self.decided,
            "themes": {
                t: {"coef": [round(float(v), 6) for v in w.coef], "intercept": w.intercept}
                for t, w in self.weights.items()
            },
            "stack": None if self.stack is None else {
                "features": list(STACK_FEATURES),
                "coef": [round(float(v), 6) for v in self.stack.coef],
                "intercept": self.stack.intercept,
            },
        }

    @classmethod
    def from_data(cls, data: Mapping[str, Any], *, version: str = "") -> "LearnedModel":
        """Rebuild a stored model; raises ValueError for another payload format."""
        if data.get("format") != FORMAT:
            raise ValueError(f"learned model format {data.get('format')!r}, this code reads {FORMAT}: retrain it")
        weights = {
            t: _ThemeWeights(np.asarray(w["coef"], dtype=float), float(w["intercept"]))
            for t, w in data["themes"].items()
        }
        stored = data.get("stack")
        stack = None if not stored else _Stack(np.asarray(stored["coef"], dtype=float), float(stored["intercept"]))
        return cls(
            list(data["vocabulary"]),
            np.asarray(data["idf"], dtype=float),
            list(data["rule_themes"]),
            weights,
            float(data["threshold"]),
            stack=stack,
            decided=list(data.get("decided", data["rule_themes"])),
            taxonomy_version=str(data.get("taxonomy_version", "")),
            texts=int(data.get("texts", 0)),
            version=version,
        )


def _identity(tokens: list[str]) -> list[str]:
    return tokens


def _sigmoid(z: np.ndarray) -> np.ndarray:
    return 1.0 / (1.0 + np.exp(-np.clip(z, -35, 35)))


def _rule_array(rules: Sequence[Mapping[str, float]], rule_themes: list[str]) -> np.ndarray:
    """texts × themes array of the rules' confidences (0 where the rules gave nothing)."""
    column = {t: i for i, t in enumerate(rule_themes)}
    out = np.zeros((len(rules), len(rule_themes)))
    for r, scores in enumerate(rules):
        for theme, score in scores.items():
            if theme in column:
                out[r, column[theme]] = float(score)
    return out


def _stack_rows(rule: np.ndarray, words: np.ndarray, has_words: Sequence[bool]) -> np.ndarray:
    """One row of :data:`STACK_FEATURES` per (theme, text), theme-major."""
    n, themes = rule.shape
    if themes == 0:
        return np.zeros((0, len(STACK_FEATURES)))
    strongest = rule.max(axis=1)
    found_count = (rule > 0).sum(axis=1).astype(float)
    has = np.asarray(has_words, dtype=bool)
    scored = np.where(has[None, :], words, -np.inf)  # word values of the themes that have a word model
    blocks = []
    for t in range(themes):
        r = rule[:, t]
        found = (r > 0).astype(float)
        other = np.max(np.delete(rule, t, axis=1), axis=1) if themes > 1 else np.zeros(n)
        h = 1.0 if has_words[t] else 0.0
        z = words[:, t] * h
        other_words = np.max(np.delete(scored, t, axis=1), axis=1) if themes > 1 else np.full(n, -np.inf)
        other_words = np.where(np.isfinite(other_words), other_words, 0.0)
        words_top = (words[:, t] >= scored.max(axis=1)).astype(float) * h
        blocks.append(np.column_stack([
            r, found, z, other, found * (r >= strongest), np.full(n, h), z * found,
            r - other, found_count, (z - other_words) * h, words_top,
        ]))
    return np.vstack(blocks)


def _fit_theme(x: csr_matrix, y: np.ndarray, c: float, seed: int) -> tuple[_ThemeWeights, np.ndarray]:
    """Fit one theme's word model on all texts; return it and its out-of-fold decision values."""
    from sklearn.linear_model import LogisticRegression  # scikit-learn (over a second): training only
    from sklearn.model_selection import StratifiedKFold, cross_val_predict  # scikit-learn, as above

    def make() -> LogisticRegression:
        return LogisticRegression(C=c, class_weight="balanced", max_iter=2000)

    folds = StratifiedKFold(n_splits=min(5, int(y.sum()), int(len(y) - y.sum())), shuffle=True, random_state=seed)
    decision = cross_val_predict(make(), x, y, cv=folds, method="decision_function")
    model = make().fit(x, y)
    return _ThemeWeights(np.asarray(model.coef_[0], dtype=float), float(model.intercept_[0])), decision
