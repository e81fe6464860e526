"""Measure the tagger against hand-coded texts, and coders against each other.

Multi-label evaluation: each (text, theme) pair is one binary decision.
Micro-F1 pools all decisions (dominated by frequent themes); macro-F1
averages per-theme F1 (every theme counts the same, so a neglected theme
shows). Cohen's kappa is provided for human review: agreement between two
coders on one theme, corrected for chance.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Iterable, Mapping, Sequence

import yaml

if TYPE_CHECKING:  # pragma: no cover
    from .tagger import ThemeTagger


@dataclass(frozen=True)
class EvalItem:
    id: str
    text: str
    themes: frozenset[str]
    tags: frozenset[str] = frozenset()


@dataclass(frozen=True)
class Scores:
    tp: int
    fp: int
    fn: int

    @property
    def precision(self) -> float:
        return self.tp / (self.tp + self.fp) if self.tp + self.fp else 0.0

    @property
    def recall(self) -> float:
        return self.tp / (self.tp + self.fn) if self.tp + self.fn else 0.0

    @property
    def f1(self) -> float:
        p, r = self.precision, self.recall
        return 2 * p * r / (p + r) if p + r else 0.0

    @property
    def support(self) -> int:
        return self.tp + self.fn


@dataclass
class ItemOutcome:
    item: EvalItem
    predicted: frozenset[str]

    @property
    def correct(self) -> bool:
        return self.predicted == self.item.themes

    @property
    def missing(self) -> frozenset[str]:
        return self.item.themes - self.predicted

    @property
    def extra(self) -> frozenset[str]:
        return self.predicted - self.item.themes


@dataclass
class EvaluationReport:
    per_theme: dict[str, Scores]
    micro: Scores
    outcomes: list[ItemOutcome]
    method: str = ""
    taxonomy_version: str = ""
    per_tag: dict[str, Scores] = field(default_factory=dict)

    @property
    def micro_f1(self) -> float:
        return self.micro.f1

    @property
    def macro_f1(self) -> float:
        """Mean F1 over themes that occur in gold or predictions."""
        used = [s for s in self.per_theme.values() if s.tp + s.fp + s.fn]
        return sum(s.f1 for s in used) / len(used) if used else 0.0

    @property
    def exact_match(self) -> float:
        return sum(o.correct for o in self.outcomes) / len(self.outcomes) if self.outcomes else 0.0

    def tag_exact_match(self, tag: str) -> float:
        chosen = [o for o in self.outcomes if tag in o.item.tags]
        return sum(o.correct for o in chosen) / len(chosen) if chosen else 0.0

    def errors(self) -> list[ItemOutcome]:
        return [o for o in self.outcomes if not o.correct]


def load_eval_items(path: str | Path) -> list[EvalItem]:
    """Read the YAML evaluation file (``items: [{id, text, themes, tags}]``)."""
    data = yaml.safe_load(Path(path).read_text(encoding="utf-8"))
    return [_coerce(raw) for raw in data["items"]]


def _coerce(raw: EvalItem | Mapping) -> EvalItem:
    if isinstance(raw, EvalItem):
        return raw
    return EvalItem(
        id=str(raw["id"]),
        text=str(raw["text"]),
        themes=frozenset(raw.get("themes") or ()),
        tags=frozenset(raw.get("tags") or ()),
    )


def score_predictions(
    items: Sequence[EvalItem | Mapping], predictions: Sequence[Iterable[str]], theme_ids: Iterable[str] = ()
) -> EvaluationReport:
    """Compare predicted theme sets with gold ones (no tagger needed)."""
    gold_items = [_coerce(i) for i in items]
    if len(gold_items) != len(predictions):
        raise ValueError("items and predictions differ in length")
    outcomes = [ItemOutcome(item, frozenset(pred)) for item, pred in zip(gold_items, predictions)]
    themes = set(theme_ids)
    for o in outcomes:
        themes |= o.item.themes | o.predicted
    counts = {t: [0, 0, 0] for t in sorted(themes)}
    tag_counts: dict[str, list[int]] = {}
    for o in outcomes:
        for t in themes:
            gold, pred = t in o.item.themes, t in o.predicted
            if not (gold or pred):
                continue
            slot = 0 if gold and pred else (1 if pred else 2)
            counts[t][slot] += 1
            for tag in o.item.tags:
                tag_counts.setdefault(tag, [0, 0, 0])[slot] += 1
    per_theme = {t: Scores(*c) for t, c in counts.items()}
    micro = Scores(*(sum(c[k] for c in counts.values()) for k in range(3)))
    return EvaluationReport(
        per_theme=per_theme,
        micro=micro,
        outcomes=outcomes,
        per_tag={tag: Scores(*c) for tag, c in sorted(tag_counts.items())},
    )


def evaluate(tagger: "ThemeTagger", items: Sequence[EvalItem | Mapping]) -> EvaluationReport:
    """Tag every item's text and score the predicted themes against gold."""
    gold_items = [_coerce(i) for i in items]
    results = tagger.tag_many([i.text for i in gold_items])
    report = score_predictions(gold_items, [r.theme_ids for r in results], tagger.taxonomy.ids)
    report.method = tagger.method
    report.taxonomy_version = tagger.taxonomy.version
    return report


def format_report(report: EvaluationReport, *, show_errors: int = 0) -> str:
    """Plain-text table: per theme P/R/F1/support, then micro/macro and tags."""
    width = max([len("theme"), *(len(t) for t in report.per_theme)])
    lines = [
        f"method: {report.method}  taxonomy: {report.taxonomy_version}  items: {len(report.outcomes)}",
        f"{'theme':<{width}}  {'prec':>5}  {'rec':>5}  {'f1':>5}  {'supp':>4}  {'pred':>4}",
        "-" * (width + 32),
    ]
    for theme, s in report.per_theme.items():
        lines.append(
            f"{theme:<{width}}  {s.precision:5.2f}  {s.recall:5.2f}  {s.f1:5.2f}  {s.support:4d}  {s.tp + s.fp:4d}"
        )
    m = report.micro
    lines += [
        "-" * (width + 32),
        f"{'micro':<{width}}  {m.precision:5.2f}  {m.recall:5.2f}  {m.f1:5.2f}  {m.support:4d}  {m.tp + m.fp:4d}",
        f"{'macro F1':<{width}}  {'':>5}  {'':>5}  {report.macro_f1:5.2f}",
        f"exact match (all themes right): {report.exact_match:.2f}",
    ]
    if report.per_tag:
        lines.append("by tag (micro F1 / exact match / items):")
        for tag, s in report.per_tag.items():
            n = sum(1 for o in report.outcomes if tag in o.item.tags)
            lines.append(f"  {tag:<12} {s.f1:5.2f}  {report.tag_exact_match(tag):5.2f}  {n:4d}")
    for o in report.errors()[:show_errors]:
        lines.append(
            f"  {o.item.id}: missing {sorted(o.missing)} extra {sorted(o.extra)} | {o.item.text[:70]}"
        )
    return "\n".join(lines)


# -- agreement between two codings (human review) --------------------------
def cohen_kappa(a: Sequence[bool], b: Sequence[bool]) -> float:
    """Cohen's kappa for two binary codings of the same items.

    When both coders used a single category throughout, chance agreement is
    1 and kappa is undefined; we return 1.0 if they agree everywhere (nothing
    to disagree about) and 0.0 otherwise.
    """
    if len(a) != len(b):
        raise ValueError("the two codings must cover the same items")
    n = len(a)
    if n == 0:
        raise ValueError("no items to compare")
    observed = sum(1 for x, y in zip(a, b) if bool(x) == bool(y)) / n
    pa, pb = sum(map(bool, a)) / n, sum(map(bool, b)) / n
    expected = pa * pb + (1 - pa) * (1 - pb)
    if expected >= 1.0:
        return 1.0 if observed == 1.0 else 0.0
    return (observed - expected) / (1 - expected)


def cohen_kappa_per_theme(
    coding_a: Mapping[str, Iterable[str]],
    coding_b: Mapping[str, Iterable[str]],
    theme_ids: Iterable[str],
) -> dict[str, float]:
    """Kappa per theme over the texts both coders coded (keys = text ids)."""
    common = sorted(set(coding_a) & set(coding_b))
    if not common:
        raise ValueError("the two codings share no text ids")
    sets_a = {k: set(coding_a[k]) for k in common}
    sets_b = {k: set(coding_b[k]) for k in common}
    return {
        theme: cohen_kappa([theme in sets_a[k] for k in common], [theme in sets_b[k] for k in common])
        for theme in theme_ids
    }
