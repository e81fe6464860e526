"""Visions: the visions of the city each kind of respondent chose, and the themes of those they wrote.

A kind is an actor category of the register, or the citizens. A kind with fewer than k units,
or a count of 1 … k−1, is blank (docs/convergence.md).
"""

from __future__ import annotations

from collections.abc import Mapping

import pandas as pd

from ..options import DEFAULT_VISION_TEXTS
from .base import Analysis, Prepared, Table, carriers, choice_theme, explode_list, label_of, theme_order

VISION_TEXT_KEYS = frozenset(DEFAULT_VISION_TEXTS)  # Cremona's; a plan names its own (tables.vision_texts)


def _chosen(p: Prepared) -> pd.DataFrame:
    """Units per kind × vision chosen."""
    k = p.options.k
    key = p.options.inputs.chosen
    chosen = explode_list(p.answers[p.answers["question_key"] == key]).drop_duplicates(["unit", "value"])
    answering = p.answers[p.answers["question_key"] == key].drop_duplicates("unit")
    totals = answering.groupby("category")["unit"].nunique()
    visions = list(p.vocab.visions) + sorted(set(chosen["value"]) - set(p.vocab.visions))
    kinds = [c for c in p.category_order if c in totals.index]
    grid = pd.MultiIndex.from_product([kinds, visions], names=["kind", "vision"])
    counts = chosen.groupby(["category", "value"])["unit"].nunique()
    counts.index.names = ["kind", "vision"]
    table = counts.reindex(grid, fill_value=0).rename("n").reset_index()
    table["kind_units"] = table["kind"].map(totals).astype("int64")
    hidden = (table["kind_units"] < k) | ((table["n"] > 0) & (table["n"] < k))
    return pd.DataFrame({
        "kind": table["kind"],
        "kind_label": table["kind"].map(label_of(p, "categories")),
        "vision": table["vision"],
        "vision_label": table["vision"].map(label_of(p, "visions")),
        "theme": table["vision"].map(choice_theme(p)),
        "units": table["n"].astype("Int64").mask(hidden),
        "kind_units": table["kind_units"].astype("Int64").mask(table["kind_units"] < k),
        "share": (table["n"] / table["kind_units"]).round(4).mask(hidden),
    })


def _written(p: Prepared) -> pd.DataFrame:
    """The themes of the visions in the respondents' own words, beside the chosen ones."""
    k = p.options.k
    texts = frozenset(p.options.inputs.vision_texts)
    found = carriers(p, texts, with_visions=False).drop_duplicates(["unit", "theme_id"])
    wrote = p.answers[p.answers["question_key"].isin(texts)].drop_duplicates("unit")
    wrote_totals = wrote.groupby("category")["unit"].nunique()
    kinds = [c for c in p.category_order if c in wrote_totals.index]
    themes = theme_order(p, found["theme_id"])
    counts = found.groupby(["category", "theme_id"])["unit"].nunique()
    counts.index.names = ["kind", "theme"]
    tt = counts.reindex(pd.MultiIndex.from_product([kinds, themes], names=["kind", "theme"]), fill_value=0)
    tt = tt.rename("n").reset_index()
    tt["kind_units"] = tt["kind"].map(wrote_totals).astype("int64")
    hidden = (tt["kind_units"] < k) | ((tt["n"] > 0) & (tt["n"] < k))
    out = pd.DataFrame({
        "kind": tt["kind"], "kind_label": tt["kind"].map(label_of(p, "categories")),
        "theme": tt["theme"], "label": tt["theme"].map(label_of(p, "themes")),
        "units": tt["n"].astype("Int64").mask(hidden),
        "kind_units": tt["kind_units"].astype("Int64").mask(tt["kind_units"] < k),
        "share": (tt["n"] / tt["kind_units"]).round(4).mask(hidden),
    })
    return out[(tt["n"] > 0).to_numpy()].reset_index(drop=True)


def build(p: Prepared, built: Mapping[str, Table]) -> list[Table]:
    """``visions`` (chosen) and ``vision_themes`` (written)."""
    return [
        Table("visions", "Visioni", "Distribution of the chosen visions of the city by respondent kind (actor "
              "categories of the register; citizens).", _chosen(p),
              {"units": "units of the kind who chose the vision", "kind_units": "units of the kind who answered",
               "share": "units / kind_units", "theme": "the strategic theme the vision stands for"}),
        Table("vision_themes", "Temi delle visioni", "Themes found (NLP, reviewed tags first) in the visions written "
              "in the respondents' own words, by kind.", _written(p),
              {"units": "units of the kind whose written vision carries the theme",
               "kind_units": "units of the kind who wrote a vision", "share": "units / kind_units"}),
    ]


ANALYSIS = Analysis(("visions", "vision_themes"), lambda i: frozenset(i.vision_texts) | {i.chosen}, build)
