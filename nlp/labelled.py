"""Score the tagger on any labelled set of real texts: one source label per text, mapped to themes.

A labelled set (a CSV with a text column and a label column) comes from somebody else's
classification, so its labels are not our theme ids: a YAML map sends each source label to the
theme ids that count for it::

    Ambiente ed energia: [ambiente]
    Economia e fisco: [made_in_cremona, attrattivita, mobilita, logistica_po]
    Esteri e difesa: []          # unmapped: its texts are negatives only

Scoring (the same as ``shared/nlp-dev/score.py``): for a mapped label L a text is
predicted-positive when any theme of L is output, gold-positive when its label is L; texts of
every other label are negatives for L. Labels absent from the map (or mapped to nothing) are
*unmapped*: their texts only count in the false-positive rate (share of them given any mapped
theme). Micro pools TP/FP/FN over mapped labels; macro averages per-label P, R and F1.
"""

from __future__ import annotations

import csv
from dataclasses import dataclass
from pathlib import Path
from typing import Iterable, Mapping, Sequence

import yaml

from .evaluation import Scores
from .taxonomy import Taxonomy


class LabelledSetError(ValueError):
    """The CSV or the map cannot be used; the message says which file and why."""


@dataclass(frozen=True)
class LabelledText:
    id: str
    text: str
    label: str


def load_labelled_csv(path: str | Path, label_column: str, text_column: str = "text") -> list[LabelledText]:
    """Rows of a UTF-8 CSV with a header; rows with an empty text are skipped."""
    path = Path(path)
    try:
        with path.open(newline="", encoding="utf-8-sig") as handle:
            reader = csv.DictReader(handle)
            columns = reader.fieldnames or []
            for column in (text_column, label_column):
                if column not in columns:
                    raise LabelledSetError(f"{path.name}: no column {column!r} (columns: {', '.join(columns)})")
            rows = [
                LabelledText(str(row.get("id") or number), row[text_column] or "", (row[label_column] or "").strip())
                for number, row in enumerate(reader, start=2)
                if (row.get(text_column) or "").strip()
            ]
    except (OSError, UnicodeDecodeError, csv.Error) as exc:
        raise LabelledSetError(f"{path.name}: not a readable UTF-8 CSV ({exc})") from exc
    if not rows:
        raise LabelledSetError(f"{path.name}: no rows with a text")
    return rows


def load_label_map(path: str | Path, taxonomy: Taxonomy | None = None) -> dict[str, tuple[str, ...]]:
    """label → theme ids (first = the label's main theme); checks the ids against ``taxonomy``."""
    path = Path(path)
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, yaml.YAMLError) as exc:
        raise LabelledSetError(f"{path.name}: not a readable YAML map ({exc})") from exc
    if not isinstance(data, dict) or not data:
        raise LabelledSetError(f"{path.name}: expected 'label: [theme ids]' lines")
    known = set(taxonomy.ids) if taxonomy is not None else None
    out: dict[str, tuple[str, ...]] = {}
    problems: list[str] = []
    for label, themes in data.items():
        items = [themes] if isinstance(themes, str) else list(themes or [])
        bad = [t for t in items if known is not None and t not in known]
        if bad:
            problems.append(f"{path.name}: label {label!r}: unknown themes {', '.join(map(str, bad))}")
        if items:
            out[str(label)] = tuple(str(t) for t in items)
    if problems:
        raise LabelledSetError("\n".join(problems))
    return out


@dataclass
class LabelReport:
    """Per mapped label scores plus the figures that show over-tagging."""

    per_label: dict[str, Scores]
    micro: Scores
    no_theme: float  # share of texts with no theme at all
    unmapped_texts: int
    unmapped_fp: float  # share of unmapped-label texts given a mapped theme
    mean_themes: float  # themes per text, all themes counted
    texts: int

    @property
    def macro_precision(self) -> float:
        return _mean(s.precision for s in self.per_label.values())

    @property
    def macro_recall(self) -> float:
        return _mean(s.recall for s in self.per_label.values())

    @property
    def macro_f1(self) -> float:
        return _mean(s.f1 for s in self.per_label.values())


def _mean(values: Iterable[float]) -> float:
    items = list(values)
    return sum(items) / len(items) if items else 0.0


def score_labels(
    labels: Sequence[str], predictions: Sequence[Iterable[str]], mapping: Mapping[str, Iterable[str]]
) -> LabelReport:
    """Score predicted theme sets against one source label per text (see the module doc)."""
    if len(labels) != len(predictions):
        raise ValueError("labels and predictions differ in length")
    preds = [set(p) for p in predictions]
    themes_of = {label: set(themes) for label, themes in mapping.items()}
    per: dict[str, Scores] = {}
    for label, themes in themes_of.items():
        tp = fp = fn = 0
        for gold, pred in zip(labels, preds):
            positive, is_gold = bool(themes & pred), gold == label
            tp += positive and is_gold
            fp += positive and not is_gold
            fn += is_gold and not positive
        per[label] = Scores(tp, fp, fn)
    micro = Scores(*(sum(getattr(s, k) for s in per.values()) for k in ("tp", "fp", "fn")))
    mapped = set().union(*themes_of.values()) if themes_of else set()
    unmapped = [pred for gold, pred in zip(labels, preds) if gold not in themes_of]
    n = len(preds) or 1
    return LabelReport(
        per_label=per,
        micro=micro,
        no_theme=sum(not p for p in preds) / n,
        unmapped_texts=len(unmapped),
        unmapped_fp=sum(bool(mapped & p) for p in unmapped) / len(unmapped) if unmapped else 0.0,
        mean_themes=sum(len(p) for p in preds) / n,
        texts=len(preds),
    )


def simulated_review(label: str, found: Iterable[str], mapping: Mapping[str, Sequence[str]]) -> set[str]:
    """The themes an analyst who knows the text's label would keep, from the rules' ``found``.

    Mapped themes of other labels are removed; of the label's own themes the ones found are
    kept, or its main (first) theme is added when none was found; themes no label maps are
    left as the rules gave them (the label says nothing about them).
    """
    found = set(found)
    mapped = {t for themes in mapping.values() for t in themes}
    kept = found - mapped
    own = list(mapping.get(label, ()))
    if own:
        kept |= (found & set(own)) or {own[0]}
    return kept


def format_label_report(systems: Mapping[str, LabelReport], title: str = "") -> str:
    """Side-by-side table: per label P/R/F1, micro, macro, no-theme, unmapped FP, themes per text."""
    names = list(systems)
    first = systems[names[0]]
    width = max([len("label"), *(len(label) for label in first.per_label)])
    head = f"{'label':<{width}}  {'supp':>4}  " + "  ".join(f"{n[:17] + ' P/R/F1':>23}" for n in names)
    lines = ([title] if title else []) + [head, "-" * len(head)]

    def cells(get) -> str:
        return "  ".join(f"{'':>5}{get(systems[n])}" for n in names)

    for label, s in first.per_label.items():
        row = cells(lambda r, label=label: _prf(r.per_label[label]))
        lines.append(f"{label:<{width}}  {s.support:4d}  {row}")
    lines.append("-" * len(head))
    lines.append(f"{'micro':<{width}}  {'':>4}  {cells(lambda r: _prf(r.micro))}")
    lines.append(
        f"{'macro':<{width}}  {'':>4}  "
        + cells(lambda r: f"{r.macro_precision:5.2f} {r.macro_recall:5.2f} {r.macro_f1:5.2f}")
    )
    for key, name in (("no_theme", "share with no theme"), ("unmapped_fp", "FP rate, unmapped labels"),
                      ("mean_themes", "mean themes per text")):
        lines.append(f"{name:<{width}}  {'':>4}  " + "  ".join(f"{getattr(systems[n], key):>23.2f}" for n in names))
    lines.append(f"texts: {first.texts}, of unmapped labels: {first.unmapped_texts}")
    return "\n".join(lines)


def _prf(s: Scores) -> str:
    return f"{s.precision:5.2f} {s.recall:5.2f} {s.f1:5.2f}"
