"""Priorities: the interviews' ranked priorities, aggregated by Borda count, overall and per category.

Rank 1 of R gets R points, rank 2 gets R − 1, …; points summed over units (docs/convergence.md).
Counts under k are blank, and so is whatever a printed total would give away
(:func:`exports.complements.priority_cells`).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np
import pandas as pd

from .. import complements
from .base import Analysis, Prepared, Table, explode_list, label_of, theme_order

COLUMNS = ["rank", "category", "category_label", "theme", "label", "points", "first", "mentions", "respondents",
           "score"]


@dataclass
class _Groups:
    themes: list[str]
    categories: list[str]
    points: dict[str, pd.DataFrame]  # "all" or a category → points, first, mentions per theme
    respondents: dict[str, int]
    blank: set[tuple[str, ...]]  # (measure, theme, group) and ("respondents", group) left blank


def _groups(p: Prepared) -> _Groups:
    R = p.vocab.priorities_max_rank
    ranked = explode_list(p.answers[p.answers["question_key"] == p.options.inputs.priorities])
    ranked = ranked.drop_duplicates(["unit", "value"])
    ranked = ranked.assign(points=(R - ranked["position"]).clip(lower=0), first=(ranked["position"] == 0).astype(int))
    answering = ranked.drop_duplicates("unit")[["unit", "category"]]
    themes = theme_order(p, ranked["value"])
    per_category = ranked.groupby(["category", "value"]).agg(
        points=("points", "sum"), first=("first", "sum"), mentions=("unit", "nunique"))
    present = set(answering["category"].unique())  # once, not once per category
    categories = [c for c in p.category_order if c in present]
    groups = {"all": per_category.groupby(level="value").sum().reindex(themes, fill_value=0)}
    groups.update({c: per_category.xs(c, level="category").reindex(themes, fill_value=0) for c in categories})
    respondents = {"all": int(answering["unit"].nunique()),
                   **{c: int((answering["category"] == c).sum()) for c in categories}}
    blank = complements.priority_cells(groups, respondents, p.options.k)  # primary and secondary suppression
    return _Groups(themes, categories, groups, respondents, blank)


def _borda(p: Prepared, g: _Groups, group: str) -> pd.DataFrame:
    """The Borda table of one group ("all" or a category), blanks included."""
    R, themes = p.vocab.priorities_max_rank, g.themes
    points, N = g.points[group], g.respondents[group]
    out = pd.DataFrame({"theme": themes})
    out["label"] = out["theme"].map(label_of(p, "themes"))
    for m in complements.MEASURES:
        out[m] = points[m].astype("Int64").mask([(m, t, group) in g.blank for t in themes]).to_numpy()
    out = out[["theme", "label", "points", "first", "mentions"]]
    hidden_n = ("respondents", group) in g.blank
    out["respondents"] = pd.NA if hidden_n else N
    out["score"] = (out["points"].astype(float) / (R * N)).round(4) if N and not hidden_n else np.nan
    out = out.sort_values(["points", "first", "theme"], ascending=[False, False, True], na_position="last",
                          kind="mergesort")
    out.insert(0, "rank", pd.array(range(1, len(out) + 1), dtype="Int64"))
    out.loc[out["points"].isna(), "rank"] = pd.NA
    return out.reset_index(drop=True)


def build(p: Prepared, built: Mapping[str, Table]) -> list[Table]:
    """``priorities`` (all categories) and ``priorities_by_category``."""
    R = p.vocab.priorities_max_rank
    g = _groups(p)
    overall = _borda(p, g, "all")
    parts = []
    for category in g.categories:
        part = _borda(p, g, category)
        part.insert(1, "category", category)
        part.insert(2, "category_label", p.vocab.label("categories", category, p.options.lang))
        parts.append(part)
    by_category = pd.concat(parts, ignore_index=True) if parts else pd.DataFrame(columns=COLUMNS)
    cols = {"points": f"Borda points: rank 1 = {R}, rank 2 = {R - 1}, … rank {R} = 1, unranked 0",
            "first": "units ranking the theme first", "mentions": "units ranking the theme at all",
            "respondents": "units who answered the priorities question",
            "score": f"points / ({R} × respondents): 1 = everybody ranked it first"}
    return [
        Table("priorities", "Priorità (Borda)", "Aggregated ranking of the three priorities of the interviews "
              "(Borda count), all categories together.", overall, cols,
              chart={"type": "bar", "categories": "label", "values": ["points"], "title": "Priorità (punti Borda)",
                     "rows": 15}),
        Table("priorities_by_category", "Priorità per categoria", "The same Borda count within each category.",
              by_category, cols),
    ]


ANALYSIS = Analysis(("priorities", "priorities_by_category"), lambda i: frozenset({i.priorities}), build)
