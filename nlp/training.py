"""Learning from review: train the learned model on the reviewed texts, store it, load it, measure it.

The glue between :mod:`nlp.learned` / :mod:`nlp.combine` and the database
(:mod:`storage.learned`, :mod:`storage.tags`). The reviewed texts are the current free-text
answers with a coding imported by ``scenari nlp review import``; each one's reference themes
are its latest coding (what the analyst kept or added), so the model learns the human decisions.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from typing import Any, Sequence

from storage import Database
from storage import learned as model_store
from storage import tags as tag_store

from .combine import CombinedTagger, combine_many
from .evaluation import EvalItem, EvaluationReport, Scores, score_predictions
from .learned import LearnedModel, rule_scores, text_features
from .tagger import ThemeTagger

MIN_TEXTS = 10  # below this neither training nor cross-validation says anything


class TrainingError(ValueError):
    """Not enough reviewed data; the message says what is missing (Italian, then English)."""


@dataclass(frozen=True)
class ReviewedText:
    answer_id: int
    text: str
    themes: frozenset[str]


async def reviewed_texts(db: Database) -> list[ReviewedText]:
    """Current free-text answers with a human coding, and the themes of their latest coding."""
    async with db.transaction() as session:
        latest = await tag_store.latest_reviews(session)
        texts = await tag_store.free_text_answers(session, latest)
    return [ReviewedText(i, texts[i], latest[i]) for i in sorted(latest) if i in texts]


def fit(rules: ThemeTagger, texts: Sequence[str], themes: Sequence[frozenset[str]]) -> LearnedModel:
    """Fit a model on texts and their reviewed themes (the rules' output is one of its inputs)."""
    results = rules.tag_many(list(texts))
    features = text_features(rules.nlp, texts)
    return LearnedModel.train(
        features, [rule_scores(r) for r in results], themes, rules.taxonomy.ids,
        taxonomy_version=rules.taxonomy.version,
    )


@dataclass(frozen=True)
class TrainOutcome:
    model_id: int
    texts: int
    themes: tuple[str, ...]
    threshold: float
    method: str


async def train_from_reviews(db: Database, rules: ThemeTagger) -> TrainOutcome:
    """Fit on every reviewed text and store the model for the rules' taxonomy version."""
    reviewed = await reviewed_texts(db)
    if len(reviewed) < MIN_TEXTS:
        raise TrainingError(
            f"Servono almeno {MIN_TEXTS} testi revisionati, ce ne sono {len(reviewed)}: "
            f"importare altri fogli di codifica (scenari nlp review import). / At least {MIN_TEXTS} "
            f"reviewed texts are needed, there are {len(reviewed)}."
        )
    model = fit(rules, [r.text for r in reviewed], [r.themes for r in reviewed])
    if not model.themes:
        raise TrainingError(
            "Nessun tema ha abbastanza esempi revisionati (almeno 3 testi con il tema e 3 senza). "
            "/ No theme has enough reviewed examples (at least 3 texts with it and 3 without)."
        )
    async with db.transaction() as session:
        model_id = await model_store.save_model(
            session,
            taxonomy_version=rules.taxonomy.version,
            rules_method=rules.method,
            texts=len(reviewed),
            themes=model.themes,
            data=model.to_data(),
            metrics={"threshold": model.threshold},
        )
    return TrainOutcome(model_id, len(reviewed), tuple(model.themes), model.threshold, f"learned:{_version(model_id, rules)}")


def _version(model_id: int, rules: ThemeTagger) -> str:
    return f"m{model_id}@{rules.taxonomy.version}"


async def load_learned(db: Database, rules: ThemeTagger, *, min_confidence: float = 0.0) -> CombinedTagger:
    """The rules plus the newest stored model of their taxonomy version (rules alone if none)."""
    async with db.transaction() as session:
        stored = await model_store.latest_model(session, rules.taxonomy.version)
    model = None
    if stored is not None:
        try:
            model = LearnedModel.from_data(stored.data, version=_version(stored.id, rules))
        except (KeyError, TypeError, ValueError):
            model = None  # a payload of an older format: the rules alone until someone retrains
        if model is not None and any(t not in rules.taxonomy for t in model.themes):
            model = None
    return CombinedTagger(rules, model, min_confidence=min_confidence, model_id=stored.id if stored else None)


async def refresh_learned(db: Database, tagger: Any) -> Any:
    """``tagger`` with the newest stored model: reloads only when a newer one was trained.

    Anything else that only has ``tag_many`` (a stand-in in tests) is returned as it is.
    """
    if not isinstance(tagger, (ThemeTagger, CombinedTagger)):
        return tagger
    rules = tagger.rules if isinstance(tagger, CombinedTagger) else tagger
    min_confidence = tagger.min_confidence if isinstance(tagger, CombinedTagger) else 0.0
    async with db.transaction() as session:
        newest = await model_store.latest_model_id(session, rules.taxonomy.version)
    if isinstance(tagger, CombinedTagger) and tagger.model_id == newest:
        return tagger
    return await load_learned(db, rules, min_confidence=min_confidence)


# --- k-fold cross-validation on the reviewed texts ---------------------------------------------


@dataclass
class CrossValidation:
    folds: int
    rules: EvaluationReport
    combined: EvaluationReport
    rules_themes_per_text: float
    combined_themes_per_text: float


def cross_validate(
    rules: ThemeTagger, texts: Sequence[str], gold: Sequence[frozenset[str]], *, folds: int = 5, seed: int = 0
) -> CrossValidation:
    """Rules alone vs rules + a model trained on the other folds, each text predicted once."""
    if len(texts) < MIN_TEXTS:
        raise TrainingError(f"Servono almeno {MIN_TEXTS} testi revisionati / at least {MIN_TEXTS} reviewed texts needed")
    folds = max(2, min(folds, len(texts) // 2))
    results = rules.tag_many(list(texts))
    features = text_features(rules.nlp, texts)
    order = list(range(len(texts)))
    random.Random(seed).shuffle(order)
    predicted: dict[int, list[str]] = {}
    for k in range(folds):
        test = order[k::folds]
        held = set(test)
        train = [i for i in order if i not in held]
        model = LearnedModel.train(
            [features[i] for i in train], [rule_scores(results[i]) for i in train], [gold[i] for i in train],
            rules.taxonomy.ids, taxonomy_version=rules.taxonomy.version, seed=seed,
        )
        merged = combine_many([results[i] for i in test], [features[i] for i in test], model)
        predicted.update({i: m.theme_ids for i, m in zip(test, merged)})
    items = [EvalItem(str(i), texts[i], frozenset(gold[i])) for i in range(len(texts))]
    alone = score_predictions(items, [r.theme_ids for r in results])
    both = score_predictions(items, [predicted[i] for i in range(len(texts))])
    n = len(texts)
    return CrossValidation(
        folds, alone, both, sum(len(r.theme_ids) for r in results) / n, sum(len(p) for p in predicted.values()) / n
    )


def format_cross_validation(cv: CrossValidation) -> str:
    """Per theme P/R/F1 of the rules alone and with the learned model, then micro/macro."""
    themes = sorted(set(cv.rules.per_theme) | set(cv.combined.per_theme))
    width = max([len("theme"), *(len(t) for t in themes)])
    lines = [
        f"learned model, {cv.folds}-fold cross-validation on {len(cv.rules.outcomes)} reviewed texts",
        f"{'theme':<{width}}  {'rules P/R/F1':>17}  {'rules+learned P/R/F1':>20}",
        "-" * (width + 42),
    ]
    for theme in themes:
        a = cv.rules.per_theme.get(theme, Scores(0, 0, 0))
        b = cv.combined.per_theme.get(theme, Scores(0, 0, 0))
        right = f"{b.precision:5.2f} {b.recall:5.2f} {b.f1:5.2f}"
        lines.append(f"{theme:<{width}}  {a.precision:5.2f} {a.recall:5.2f} {a.f1:5.2f}  {right:>20}")
    ra, rb = cv.rules.micro, cv.combined.micro
    lines += [
        "-" * (width + 42),
        f"{'micro':<{width}}  {ra.precision:5.2f} {ra.recall:5.2f} {ra.f1:5.2f}  {rb.precision:8.2f} {rb.recall:5.2f} {rb.f1:5.2f}",
        f"{'macro F1':<{width}}  {cv.rules.macro_f1:17.2f}  {cv.combined.macro_f1:20.2f}",
        f"{'themes per text':<{width}}  {cv.rules_themes_per_text:17.2f}  {cv.combined_themes_per_text:20.2f}",
    ]
    return "\n".join(lines)
