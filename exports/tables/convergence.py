"""Convergence: which themes the different kinds of actors share, and in whose words.

A unit carries a theme when an effective NLP tag of one of its objectives or visions (free text)
names it, or when it chose a vision that stands for it (``VISION_THEMES``). Per theme × category:
the units carrying it, their share s = n / N, and over the categories with at least k units the
indices (docs/convergence.md): categories above θ, normalised entropy, group score
G = Π (n + 1) / (N + 2). Tables: ``shared_priorities`` (with quotes), ``convergence`` (wide),
``convergence_cells`` (long), ``quotes``.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np
import pandas as pd

from .. import complements
from ..options import TableInputs
from .base import QUOTE_LENGTH, Analysis, Prepared, Table, carriers, label_of, short_quote, theme_order

# Free-text answers whose themes count for convergence (objectives and visions): Cremona's; a
# plan names its own (plan.yaml ``tables.objective_texts`` and ``vision_texts``).
CONVERGENCE_TEXT_KEYS = TableInputs().convergence_texts


def normalised_entropy(shares: np.ndarray) -> float:
    """H = −Σ pᵢ ln pᵢ / ln m with pᵢ = sᵢ / Σ s over the m categories; NaN if m < 2, 0 if Σ s = 0."""
    m = len(shares)
    if m < 2:
        return float("nan")
    total = float(np.sum(shares))
    if total <= 0:
        return 0.0
    p = shares[shares > 0] / total
    return float(-(p * np.log(p)).sum() / math.log(m))


def group_score(n: np.ndarray, totals: np.ndarray) -> float:
    """G = Π_c (n_c + 1) / (N_c + 2): the smoothed share of every category, multiplied."""
    if len(n) == 0:
        return float("nan")
    return float(np.prod((n + 1.0) / (totals + 2.0)))


@dataclass
class _Counts:
    cells: pd.DataFrame  # theme_id, category, n, N, suppressed, published_n, share
    themes: list[str]
    categories: list[str]  # the categories with units, in the vocabulary's order
    by_theme: pd.Series  # distinct units carrying each theme, all categories
    blank_units: set[str]  # themes whose all-category count is blanked (secondary suppression)


def _count(p: Prepared, found: pd.DataFrame) -> _Counts:
    """Units per theme × category, with primary and secondary suppression."""
    k = p.options.k
    units = p.units[p.units["questionnaire_id"].isin(p.options.inputs.listening)]
    unit_cat = units.drop_duplicates("unit")[["unit", "category"]]
    present = set(unit_cat["category"].unique())  # once, not once per category
    totals = unit_cat.groupby("category")["unit"].nunique().reindex([c for c in p.category_order if c in present])
    themes = theme_order(p, found["theme_id"])
    categories = list(totals.index)
    counts = (
        found.drop_duplicates(["unit", "theme_id"]).groupby(["theme_id", "category"])["unit"].nunique()
        .reindex(pd.MultiIndex.from_product([themes, categories], names=["theme_id", "category"]), fill_value=0)
    )
    cells = counts.rename("n").reset_index()
    cells["N"] = cells["category"].map(totals).astype("int64")
    category_ok = cells["N"] >= k
    cell_ok = (cells["n"] == 0) | (cells["n"] >= k)
    cells["suppressed"] = ~(category_ok & cell_ok)
    by_theme = found.drop_duplicates(["unit", "theme_id"]).groupby("theme_id")["unit"].nunique()
    blank_cells, blank_units = complements.convergence_cells(cells, by_theme, k)  # secondary suppression
    cells["suppressed"] = [(t, c) in blank_cells for t, c in zip(cells["theme_id"], cells["category"])]
    published = cells["n"].where(~cells["suppressed"], 0)  # what the indices see
    cells["published_n"] = published
    cells["share"] = (cells["n"] / cells["N"]).where(~cells["suppressed"])
    return _Counts(cells, themes, categories, by_theme, blank_units)


def _indices(p: Prepared, cells: pd.DataFrame) -> pd.DataFrame:
    """The indices of each theme over the categories with at least k units."""
    threshold, category = p.options.threshold, label_of(p, "categories")
    eligible = cells[cells["N"] >= p.options.k]
    rows = []
    for theme_id, group in eligible.groupby("theme_id", sort=False):
        n = group["published_n"].to_numpy(dtype=float)
        N = group["N"].to_numpy(dtype=float)
        shares = n / N
        rows.append({
            "theme_id": theme_id,
            "categories_above": int((shares >= threshold).sum()),
            "entropy": normalised_entropy(shares),
            "group_score": group_score(n, N),
            "above": ", ".join(category(c) for c, s in zip(group["category"], shares) if s >= threshold),
        })
    return pd.DataFrame(rows, columns=["theme_id", "categories_above", "entropy", "group_score", "above"])


def _summary(p: Prepared, c: _Counts) -> pd.DataFrame:
    """One row per theme, ranked as shared strategic priorities (by group score)."""
    cells = c.cells
    summary = pd.DataFrame({"theme": c.themes})
    summary["label"] = summary["theme"].map(label_of(p, "themes"))
    summary["units"] = summary["theme"].map(c.by_theme).fillna(0).astype("Int64").mask(
        summary["theme"].isin(c.blank_units))
    summary = summary.merge(_indices(p, cells).rename(columns={"theme_id": "theme"}), on="theme", how="left")
    wide_n = cells.assign(v=cells["n"].astype("Int64").mask(cells["suppressed"])).pivot(
        index="theme_id", columns="category", values="v")
    wide_s = cells.pivot(index="theme_id", columns="category", values="share")
    for category in c.categories:
        summary[f"n_{category}"] = summary["theme"].map(wide_n[category]).astype("Int64")
        summary[f"share_{category}"] = summary["theme"].map(wide_s[category]).astype(float).round(4)
    summary = summary.sort_values(
        ["group_score", "categories_above", "units", "theme"], ascending=[False, False, False, True],
        na_position="last", kind="mergesort",
    ).reset_index(drop=True)
    summary.insert(0, "rank", range(1, len(summary) + 1))
    summary["entropy"] = summary["entropy"].round(4)
    summary["group_score"] = summary["group_score"].astype(float)
    return summary


def _quotes(p: Prepared, found: pd.DataFrame, cells: pd.DataFrame, summary: pd.DataFrame) -> pd.DataFrame:
    """Consenting respondents, cells not suppressed, strongest tags, spread over the categories."""
    quotes = found[found["origin"] == "text"].merge(
        cells[["theme_id", "category", "suppressed"]], on=["theme_id", "category"], how="left"
    )
    consent = p.units.drop_duplicates("run_id").set_index("respondent_id")["consent"]
    pseudonyms = p.units.drop_duplicates("respondent_id").set_index("respondent_id")["pseudonym"]
    quotes = quotes[(~quotes["suppressed"].fillna(True).astype(bool))
                    & quotes["respondent_id"].map(consent).fillna(False).astype(bool)
                    & quotes["value"].map(lambda v: isinstance(v, str) and bool(v.strip())).astype(bool)]  # bool even when empty
    quotes = quotes.assign(human=(quotes["source"] == "human").astype(int), score=quotes["score"].fillna(0.0))
    quotes = quotes.sort_values(["theme_id", "human", "score", "answer_id"], ascending=[True, False, False, True])
    quotes = quotes.drop_duplicates(["theme_id", "unit"])
    quotes["turn"] = quotes.groupby(["theme_id", "category"]).cumcount()
    quotes = quotes.sort_values(["theme_id", "turn", "human", "score", "answer_id"],
                                ascending=[True, True, False, False, True])
    quotes = quotes.groupby("theme_id").head(p.options.quotes)
    rank_of = summary.set_index("theme")["rank"]
    return pd.DataFrame({
        "rank": quotes["theme_id"].map(rank_of).astype("Int64"),
        "theme": quotes["theme_id"],
        "label": quotes["theme_id"].map(label_of(p, "themes")),
        "category": quotes["category"].map(label_of(p, "categories")),
        "respondent": quotes["respondent_id"].map(pseudonyms),
        "quote": quotes["value"].map(short_quote),
    }).sort_values("rank", kind="mergesort").reset_index(drop=True)  # within a theme: the order they were chosen


def _shared(summary: pd.DataFrame, quote_table: pd.DataFrame, quotes: int) -> pd.DataFrame:
    shared = summary[["rank", "theme", "label", "group_score", "categories_above", "above", "entropy", "units"]].copy()
    shared = shared.rename(columns={"above": "categories"})
    for i in range(quotes):
        nth = quote_table.groupby("theme").nth(i).set_index("theme")
        shared[f"quote_{i + 1}"] = shared["theme"].map(
            (nth["quote"] + " — " + nth["category"]) if not nth.empty else pd.Series(dtype=object)
        )
    return shared


def _long(p: Prepared, cells: pd.DataFrame) -> pd.DataFrame:
    k = p.options.k
    return pd.DataFrame({
        "theme": cells["theme_id"],
        "label": cells["theme_id"].map(label_of(p, "themes")),
        "category": cells["category"],
        "category_label": cells["category"].map(label_of(p, "categories")),
        "units": cells["n"].astype("Int64").mask(cells["suppressed"]),
        "category_units": cells["N"].astype("Int64").mask(cells["N"] < k),
        "share": cells["share"].round(4),
        "suppressed": cells["suppressed"],
    })


def _convergence_table(p: Prepared, summary: pd.DataFrame, categories: list[str]) -> Table:
    cat_cols = {f"n_{c}": f"units of category {c} carrying the theme" for c in categories}
    share_cols = {f"share_{c}": f"n_{c} / units of category {c} who answered" for c in categories}
    return Table(
        "convergence", "Convergenza dei temi", "Theme × actor category: distinct units (actors of the register, "
        "citizens) whose objectives or visions carry the theme, their share within each category, and the "
        "convergence indices. Ordered as shared strategic priorities (by group_score).",
        summary.drop(columns=["above"]),
        {"rank": "place by group_score (then categories_above, units)", "theme": "theme id (lists/themes.yaml)",
         "label": "theme label", "units": "distinct units carrying the theme, all categories",
         "categories_above": f"categories whose share ≥ threshold θ = {p.options.threshold}",
         "entropy": "normalised entropy of the category shares (1 = evenly shared, 0 = one category only)",
         "group_score": "Π over categories of (n+1)/(N+2)", **cat_cols, **share_cols},
        chart={"type": "bar", "categories": "label", "values": ["group_score"], "title": "Convergenza (group score)",
               "rows": 15},
    )


def _shared_table(p: Prepared, shared: pd.DataFrame) -> Table:
    o = p.options
    return Table(
        "shared_priorities", "Priorità strategiche condivise", "Themes ranked as shared strategic priorities, "
        "with the categories that share them and up to "
        f"{o.quotes} representative quotes (consenting respondents, never from a suppressed cell).",
        shared,
        {"rank": "place by group_score", "categories": f"categories whose share ≥ {o.threshold}",
         "quote_*": "a representative quote — the category of who wrote it"},
        chart={"type": "bar", "categories": "label", "values": ["categories_above"],
               "title": "Categorie che condividono il tema", "rows": 15},
    )


def build(p: Prepared, built: Mapping[str, Table]) -> list[Table]:
    """The four convergence tables, in the workbook's order."""
    k = p.options.k
    found = carriers(p, p.options.inputs.convergence_texts, with_visions=True)
    counts = _count(p, found)
    summary = _summary(p, counts)
    quote_table = _quotes(p, found, counts.cells, summary)
    shared = _shared(summary, quote_table, p.options.quotes)
    quotes_table = Table(
        "quotes", "Citazioni", "The words behind the numbers: representative quotes per theme, pseudonymous.",
        quote_table, {"respondent": "the respondent's pseudonym", "quote": f"the answer, at most {QUOTE_LENGTH} characters"},
    )
    cells_table = Table(
        "convergence_cells", "Convergenza (formato lungo)", "One row per theme × category (for pivoting).",
        _long(p, counts.cells),
        {"units": "distinct units of the category carrying the theme", "category_units": "units of the category",
         "share": "units / category_units", "suppressed": f"count of 1…{k - 1} units or category under {k}: hidden"},
    )
    return [_shared_table(p, shared), _convergence_table(p, summary, counts.categories), cells_table, quotes_table]


ANALYSIS = Analysis(("shared_priorities", "convergence", "convergence_cells", "quotes"),
                    lambda i: i.convergence_texts | {i.chosen}, build)
