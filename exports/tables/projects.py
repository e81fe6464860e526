"""Projects: the project cards ranked by the raters, and which shared priorities each one serves.

A rater scores five indices (1–5); a card's overall rating is the mean over raters of
Σ wᵢ·sᵢ / Σ wᵢ; agreement = 1 − sd / 2. A card rated by 1 … k−1 raters shows no scores.
The project × priority matrix reads the ranking of ``convergence`` (built before it).
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np
import pandas as pd

from storage.ratings import EQUAL_WEIGHTS, INDICES

from ..options import DEFAULT_CARD_TEXTS
from .base import Analysis, Prepared, Table, frame_of

CARD_TEXT_KEYS = frozenset(DEFAULT_CARD_TEXTS)  # Cremona's; a plan names its own (tables.projects.texts)
CARD_COLUMNS = ["card_id", "source_run_id", "item_index", "questionnaire_id", "title", "promoter", "theme", "stage"]


def _ratings(p: Prepared, weights: Mapping[str, float]) -> pd.DataFrame:
    """Per card: raters, overall (weighted) mean, its sd and the mean of each index."""
    total_weight = sum(weights.get(i, 0.0) for i in INDICES)
    ratings = pd.DataFrame(
        [{"card_id": r.card_id, "rater_id": r.rater_id, **{i: r.scores.get(i) for i in INDICES}}
         for r in p.data.ratings],
        columns=["card_id", "rater_id", *INDICES],
    )
    for i in INDICES:
        ratings[i] = pd.to_numeric(ratings[i], errors="coerce")
    ratings = ratings.dropna(subset=list(INDICES))
    ratings["overall"] = sum(ratings[i] * weights.get(i, 0.0) for i in INDICES) / total_weight
    return ratings.groupby("card_id").agg(
        raters=("rater_id", "nunique"), overall=("overall", "mean"), sd=("overall", lambda s: float(np.std(s, ddof=0))),
        **{f"mean_{i}": (i, "mean") for i in INDICES},
    )


def _ranked(p: Prepared, cards: pd.DataFrame, weights: Mapping[str, float]) -> pd.DataFrame:
    """The cards with their scores (blank under k raters), best first, and their rank."""
    k = p.options.k
    table = cards.merge(_ratings(p, weights), left_on="card_id", right_index=True, how="left")
    table["raters"] = table["raters"].fillna(0).astype("int64")
    card_themes = p.options.inputs.theme_of_card()
    table["theme_id"] = table["theme"].map(lambda t: t if t in p.vocab.themes else card_themes.get(t))
    suppressed = (table["raters"] > 0) & (table["raters"] < k)
    for c in ["overall", "sd", *[f"mean_{i}" for i in INDICES]]:
        table[c] = table[c].astype(float).mask(suppressed).round(3)
    table["agreement"] = (1 - table["sd"] / 2).round(3)
    table = table.sort_values(["overall", "raters", "card_id"], ascending=[False, False, True], na_position="last",
                              kind="mergesort").reset_index(drop=True)
    ranked = table["overall"].notna()
    table["rank"] = pd.array([pd.NA] * len(table), dtype="Int64")
    table.loc[ranked, "rank"] = range(1, int(ranked.sum()) + 1)
    return table


def _ranking(p: Prepared, table: pd.DataFrame) -> pd.DataFrame:
    k, lang = p.options.k, p.options.lang
    return pd.DataFrame({
        "rank": table["rank"], "card": table["card_id"], "title": table["title"], "promoter": table["promoter"],
        "theme": table["theme_id"], "theme_label": table["theme_id"].map(
            lambda t: p.vocab.label("themes", t, lang) if isinstance(t, str) else None),
        "stage": table["stage"], "stage_label": table["stage"].map(
            lambda s: p.vocab.label("stages", s, lang) if isinstance(s, str) else None),
        "raters": table["raters"], "overall": table["overall"], "sd": table["sd"],
        "agreement": table["agreement"], **{f"mean_{i}": table[f"mean_{i}"] for i in INDICES},
        "suppressed": (table["raters"] > 0) & (table["raters"] < k),
    })


def _matrix(p: Prepared, cards: pd.DataFrame, table: pd.DataFrame, out: pd.DataFrame,
            priorities: list[str]) -> pd.DataFrame:
    """Which cards serve which shared priorities: the declared theme, and themes found in the card's text."""
    texts = p.all_answers[p.all_answers["question_key"].isin(p.options.inputs.card_texts)]
    texts = texts.merge(p.tags, on="answer_id", how="inner")[["run_id", "item_index", "theme_id"]]
    found = cards.merge(texts, left_on=["source_run_id", "item_index"], right_on=["run_id", "item_index"], how="inner")
    found_by_card = found.groupby("card_id")["theme_id"].agg(set).to_dict()
    matrix = out[["rank", "card", "title", "overall"]].copy()
    declared = dict(zip(table["card_id"].tolist(), table["theme_id"].tolist()))  # dicts: no Series lookup per cell
    card_ids = matrix["card"].tolist()
    serves = pd.Series(0, index=matrix.index)
    nothing: set[str] = set()
    for theme in priorities:
        cells = []
        for card in card_ids:
            via = []
            if declared.get(card) == theme:
                via.append("declared")
            if theme in found_by_card.get(card, nothing):
                via.append("text")
            cells.append("+".join(via) if via else "")
        matrix[theme] = cells
        serves += (matrix[theme] != "").astype(int)
    matrix["serves"] = serves
    return matrix


def build(p: Prepared, built: Mapping[str, Table]) -> list[Table]:
    """``projects`` (the ranking) and ``projects_priorities`` (cards × the top shared priorities)."""
    k, o = p.options.k, p.options
    weights = dict(o.weights or EQUAL_WEIGHTS)
    cards = frame_of(p.data.cards, CARD_COLUMNS)
    table = _ranked(p, cards, weights)
    out = _ranking(p, table)
    priorities = built["convergence"].frame["theme"].tolist()[: o.top_priorities]
    matrix = _matrix(p, cards, table, out, priorities)
    index_cols = {f"mean_{i}": f"mean of index {i} across raters" for i in INDICES}
    return [
        Table("projects", "Progetti: graduatoria", "Project cards ranked by overall rating, with the mean of each "
              "index and the agreement of the raters.", out,
              {"raters": "raters who completed a rating", "overall": "mean over raters of Σ wᵢ·sᵢ / Σ wᵢ (weights: "
               + ", ".join(f"{i}={weights.get(i, 0.0):g}" for i in INDICES) + ")",
               "sd": "population standard deviation of the raters' overall ratings",
               "agreement": "1 − sd/2 (1 = all raters agree; 0 = half rated 1, half 5)", **index_cols,
               "suppressed": f"rated by 1…{k - 1} raters: scores hidden"},
              chart={"type": "bar", "categories": "title", "values": ["overall"], "title": "Progetti (valutazione)",
                     "rows": 15}),
        Table("projects_priorities", "Progetti × priorità condivise", "Which cards serve which shared priorities: "
              f"one column per theme among the top {o.top_priorities} shared priorities, in their order.", matrix,
              {"<theme id>": "declared = the card's theme; text = found in the card's text (NLP); empty = neither",
               "serves": "how many of these priorities the card serves"}),
    ]


ANALYSIS = Analysis(("projects", "projects_priorities"), lambda i: frozenset(i.card_texts), build)
