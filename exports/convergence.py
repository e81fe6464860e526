"""The convergence tables: which themes, priorities and visions different kinds of actors share.

Input: the plain rows of :func:`storage.aggregates.load`; output: :class:`Tables`, a set of
pandas frames with a description of each column (written out by :mod:`exports.tables`).
Formulas and the suppression rule are documented in docs/convergence.md; in short:

* the unit is an *actor* of the register for interviews (two people answering for one
  organisation count once) and a *respondent* for citizens; of each unit only its latest
  completed run of a questionnaire counts;
* a theme is carried by a unit when an effective NLP tag of one of its objectives or visions
  (free text) names it, or when it chose a vision that stands for it (``VISION_THEMES``);
* a count of 1 … k−1 units is *suppressed* (blank), and so is every number derived from it; a
  category with fewer than k units is suppressed entirely and left out of the indices.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import numpy as np
import pandas as pd

from storage.aggregates import AggregateData
from storage.ratings import EQUAL_WEIGHTS, INDICES

from . import complements
from .vocabulary import CARD_THEMES, CITIZEN, VISION_THEMES, Vocabulary, vocabulary

DEFAULT_K = 3
DEFAULT_THRESHOLD = 0.2
DEFAULT_QUOTES = 3
DEFAULT_TOP_PRIORITIES = 8
QUOTE_LENGTH = 300

# Free-text answers whose themes count for convergence (objectives and visions).
CONVERGENCE_TEXT_KEYS = frozenset(
    {"objective", "objective_more", "vision_text", "vision_text_more", "become", "become_more", "change_first"}
)
VISION_TEXT_KEYS = frozenset({"vision_text", "vision_text_more", "become", "become_more", "change_first"})
CARD_TEXT_KEYS = frozenset(
    {"title", "description", "description_more", "results", "project_title", "project_summary", "project_summary_more"}
)
LISTENING = ("ascolto", "visione")


@dataclass(frozen=True)
class Options:
    k: int = DEFAULT_K  # smallest count shown; 1 disables suppression
    threshold: float = DEFAULT_THRESHOLD  # share above which a category "shares" a theme
    quotes: int = DEFAULT_QUOTES
    top_priorities: int = DEFAULT_TOP_PRIORITIES  # columns of the project × priority table
    lang: str = "it"
    weights: Mapping[str, float] | None = None  # of the five rating indices (equal if None)

    def __post_init__(self) -> None:
        if self.k < 1:
            raise ValueError("k must be at least 1")
        if not 0 < self.threshold <= 1:
            raise ValueError("the threshold is a share between 0 (excluded) and 1")


@dataclass
class Table:
    name: str
    title: str
    description: str
    frame: pd.DataFrame
    columns: dict[str, str] = field(default_factory=dict)  # column (or prefix + '*') → meaning
    chart: dict[str, Any] | None = None  # {"type": "bar", "categories": col, "values": [cols], "title": …}


@dataclass
class Tables:
    tables: dict[str, Table]
    computed_at: datetime
    counts: dict[str, int]
    options: Options

    def __getitem__(self, name: str) -> pd.DataFrame:
        return self.tables[name].frame

    def __iter__(self):  # type: ignore[no-untyped-def]
        return iter(self.tables.values())


# --- small helpers ---------------------------------------------------------------------------


def suppress(counts: pd.Series, k: int) -> pd.Series:
    """Counts of 1 … k−1 become missing (nullable integers); 0 and ≥ k stay."""
    counts = counts.astype("Int64")
    return counts.mask((counts > 0) & (counts < k))


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


def _frame(rows: Any, columns: list[str]) -> pd.DataFrame:
    data = getattr(rows, "data", None)  # storage.aggregates.Columns: already columnar
    if isinstance(data, dict):
        if not len(rows):
            return pd.DataFrame({c: pd.Series(dtype=object) for c in columns})
        frame = pd.DataFrame({c: data[c] for c in columns})
        if "completed_at" in frame.columns:  # SQLite hands back naive UTC datetimes
            frame["completed_at"] = pd.to_datetime(frame["completed_at"], utc=True)
        return frame
    if not rows:
        return pd.DataFrame({c: pd.Series(dtype=object) for c in columns})
    return pd.DataFrame([tuple(getattr(r, c) for c in columns) for r in rows], columns=columns)


def _quote(text: Any) -> str:
    words = " ".join(str(text).split())
    return words if len(words) <= QUOTE_LENGTH else words[: QUOTE_LENGTH - 1].rstrip() + "…"


def _explode_list(frame: pd.DataFrame, column: str = "value") -> pd.DataFrame:
    """One row per element of a list answer, with its 0-based position."""
    rows: list[int] = []
    values: list[Any] = []
    positions: list[int] = []
    for row, value in enumerate(frame[column].tolist()):
        if isinstance(value, list):
            for position, element in enumerate(value):
                if element is not None:
                    rows.append(row)
                    values.append(element)
                    positions.append(position)
    out = frame.iloc[rows].reset_index(drop=True)
    out[column] = pd.Series(values, dtype=object)
    out["position"] = np.asarray(positions, dtype="int64")
    return out


# --- the listening units ---------------------------------------------------------------------


@dataclass
class _Prepared:
    vocab: Vocabulary
    options: Options
    answers: pd.DataFrame  # latest runs of the listening units, with unit and category
    units: pd.DataFrame  # unit, category, questionnaire_id, run_id, respondent_id, pseudonym, consent
    tags: pd.DataFrame  # answer_id, theme_id, source, score
    all_answers: pd.DataFrame
    runs: pd.DataFrame
    actors: pd.DataFrame
    category_order: list[str]
    extra_outcomes: pd.Series | None = None  # imprese run id → profile


def _prepare(data: AggregateData, options: Options) -> _Prepared:
    vocab = vocabulary()
    runs = _frame(data.runs, ["run_id", "respondent_id", "questionnaire_id", "completed_at"])
    answers = _frame(data.answers, ["answer_id", "run_id", "respondent_id", "questionnaire_id", "question_key",
                                    "item_index", "value"])
    tags = _frame(data.tags, ["answer_id", "theme_id", "source", "score"])
    respondents = _frame(data.respondents, ["respondent_id", "pseudonym", "actor_id", "consent"])
    actors = _frame(data.actors, ["actor_id", "code", "organisation", "category"])

    listening = runs[runs["questionnaire_id"].isin(LISTENING)].merge(respondents, on="respondent_id", how="left")
    listening = listening.merge(actors[["actor_id", "category"]], on="actor_id", how="left")
    # an interviewee not linked to the register: the category they declared, else "other"
    declared = answers[(answers["questionnaire_id"] == "ascolto") & (answers["question_key"] == "category")]
    declared = declared.set_index("run_id")["value"]
    is_interview = listening["questionnaire_id"] == "ascolto"
    fallback = listening["run_id"].map(declared).where(lambda s: s.map(lambda v: isinstance(v, str)), "other")
    listening["category"] = np.where(
        is_interview, listening["category"].where(listening["category"].notna(), fallback), CITIZEN
    )
    linked = is_interview & listening["actor_id"].notna()
    listening["unit"] = np.where(
        linked,
        "a" + listening["actor_id"].astype("Int64").astype(str),
        "r" + listening["respondent_id"].astype(str),
    )
    listening["consent"] = listening["consent"].fillna(False).astype(bool)
    # of each unit, its latest completed run of each questionnaire
    listening = listening.sort_values(["completed_at", "run_id"], na_position="first")
    units = listening.groupby(["unit", "questionnaire_id"], sort=False).tail(1)
    units = units[["unit", "category", "questionnaire_id", "run_id", "respondent_id", "pseudonym", "consent",
                   "actor_id"]].reset_index(drop=True)
    in_units = answers.merge(units[["run_id", "unit", "category"]], on="run_id", how="inner")
    known = list(vocab.categories)
    extra = sorted(set(units["category"]) - set(known))
    order = [c for c in known if c != CITIZEN] + extra + [CITIZEN]
    return _Prepared(vocab, options, in_units, units, tags, answers, runs, actors, order)


def _category_totals(p: _Prepared, units: pd.DataFrame) -> pd.Series:
    totals = units.groupby("category")["unit"].nunique()
    return totals.reindex([c for c in p.category_order if c in totals.index])


def _carriers(p: _Prepared, text_keys: frozenset[str], with_visions: bool) -> pd.DataFrame:
    """unit, category, theme_id, origin ('text' | 'vision'), answer_id, score, source, value."""
    texts = p.answers[p.answers["question_key"].isin(text_keys)]
    tagged = texts.merge(p.tags, on="answer_id", how="inner")
    tagged = tagged.assign(origin="text")[["unit", "category", "theme_id", "origin", "answer_id", "score", "source",
                                           "value", "respondent_id"]]
    if not with_visions:
        return tagged
    chosen = _explode_list(p.answers[p.answers["question_key"] == "visions"])
    chosen = chosen.assign(theme_id=chosen["value"].map(VISION_THEMES), origin="vision", score=np.nan, source=None)
    chosen = chosen[chosen["theme_id"].notna()][tagged.columns]
    parts = [f for f in (tagged, chosen) if not f.empty]
    return pd.concat(parts, ignore_index=True) if parts else tagged


def _theme_order(p: _Prepared, *extra: pd.Series) -> list[str]:
    seen = list(p.vocab.themes)
    for series in extra:
        seen += sorted(set(series.dropna()) - set(seen))
    return seen


# --- convergence -----------------------------------------------------------------------------


def _convergence(p: _Prepared) -> tuple[Table, Table, Table, Table, pd.DataFrame]:
    o, k, lang = p.options, p.options.k, p.options.lang
    carriers = _carriers(p, CONVERGENCE_TEXT_KEYS, with_visions=True)
    units = p.units[p.units["questionnaire_id"].isin(LISTENING)]
    unit_cat = units.drop_duplicates("unit")[["unit", "category"]]
    totals = unit_cat.groupby("category")["unit"].nunique().reindex(
        [c for c in p.category_order if c in set(unit_cat["category"])]
    )
    themes = _theme_order(p, carriers["theme_id"])
    categories = list(totals.index)
    counts = (
        carriers.drop_duplicates(["unit", "theme_id"]).groupby(["theme_id", "category"])["unit"].nunique()
        .reindex(pd.MultiIndex.from_product([themes, categories], names=["theme_id", "category"]), fill_value=0)
    )
    cells = counts.rename("n").reset_index()
    cells["N"] = cells["category"].map(totals).astype("int64")
    category_ok = cells["N"] >= k
    cell_ok = (cells["n"] == 0) | (cells["n"] >= k)
    cells["suppressed"] = ~(category_ok & cell_ok)
    totals_by_theme = carriers.drop_duplicates(["unit", "theme_id"]).groupby("theme_id")["unit"].nunique()
    blank_cells, blank_units = complements.convergence_cells(cells, totals_by_theme, k)  # secondary suppression
    cells["suppressed"] = [(t, c) in blank_cells for t, c in zip(cells["theme_id"], cells["category"])]
    published = cells["n"].where(~cells["suppressed"], 0)  # what the indices see
    cells["published_n"] = published
    cells["share"] = (cells["n"] / cells["N"]).where(~cells["suppressed"])

    # indices per theme over the categories with at least k units
    eligible = cells[category_ok]
    rows = []
    for theme_id, group in eligible.groupby("theme_id", sort=False):
        n = group["published_n"].to_numpy(dtype=float)
        N = group["N"].to_numpy(dtype=float)
        shares = n / N
        rows.append({
            "theme_id": theme_id,
            "categories_above": int((shares >= o.threshold).sum()),
            "entropy": normalised_entropy(shares),
            "group_score": group_score(n, N),
            "above": ", ".join(p.vocab.label("categories", c, lang)
                               for c, s in zip(group["category"], shares) if s >= o.threshold),
        })
    indices = pd.DataFrame(rows, columns=["theme_id", "categories_above", "entropy", "group_score", "above"])
    summary = pd.DataFrame({"theme": themes})
    summary["label"] = summary["theme"].map(lambda t: p.vocab.label("themes", t, lang))
    summary["units"] = summary["theme"].map(totals_by_theme).fillna(0).astype("Int64").mask(
        summary["theme"].isin(blank_units))
    summary = summary.merge(indices.rename(columns={"theme_id": "theme"}), on="theme", how="left")
    wide_n = cells.assign(v=cells["n"].astype("Int64").mask(cells["suppressed"])).pivot(
        index="theme_id", columns="category", values="v")
    wide_s = cells.pivot(index="theme_id", columns="category", values="share")
    for c in categories:
        summary[f"n_{c}"] = summary["theme"].map(wide_n[c]).astype("Int64")
        summary[f"share_{c}"] = summary["theme"].map(wide_s[c]).astype(float).round(4)
    summary = summary.sort_values(
        ["group_score", "categories_above", "units", "theme"], ascending=[False, False, False, True],
        na_position="last", kind="mergesort",
    ).reset_index(drop=True)
    summary.insert(0, "rank", range(1, len(summary) + 1))
    summary["entropy"] = summary["entropy"].round(4)
    summary["group_score"] = summary["group_score"].astype(float)

    # quotes: consenting respondents, cells not suppressed, strongest tags, spread over categories
    quotes = carriers[carriers["origin"] == "text"].merge(
        cells[["theme_id", "category", "suppressed"]], on=["theme_id", "category"], how="left"
    )
    consent = p.units.drop_duplicates("run_id").set_index("respondent_id")["consent"]
    pseudonyms = p.units.drop_duplicates("respondent_id").set_index("respondent_id")["pseudonym"]
    quotes = quotes[(~quotes["suppressed"].fillna(True).astype(bool))
                    & quotes["respondent_id"].map(consent).fillna(False).astype(bool)
                    & quotes["value"].map(lambda v: isinstance(v, str) and bool(v.strip()))]
    quotes = quotes.assign(human=(quotes["source"] == "human").astype(int), score=quotes["score"].fillna(0.0))
    quotes = quotes.sort_values(["theme_id", "human", "score", "answer_id"], ascending=[True, False, False, True])
    quotes = quotes.drop_duplicates(["theme_id", "unit"])
    quotes["turn"] = quotes.groupby(["theme_id", "category"]).cumcount()
    quotes = quotes.sort_values(["theme_id", "turn", "human", "score", "answer_id"],
                                ascending=[True, True, False, False, True])
    quotes = quotes.groupby("theme_id").head(o.quotes)
    rank_of = summary.set_index("theme")["rank"]
    quote_table = pd.DataFrame({
        "rank": quotes["theme_id"].map(rank_of).astype("Int64"),
        "theme": quotes["theme_id"],
        "label": quotes["theme_id"].map(lambda t: p.vocab.label("themes", t, lang)),
        "category": quotes["category"].map(lambda c: p.vocab.label("categories", c, lang)),
        "respondent": quotes["respondent_id"].map(pseudonyms),
        "quote": quotes["value"].map(_quote),
    }).sort_values("rank", kind="mergesort").reset_index(drop=True)  # within a theme: the order they were chosen

    shared = summary[["rank", "theme", "label", "group_score", "categories_above", "above", "entropy", "units"]].copy()
    shared = shared.rename(columns={"above": "categories"})
    for i in range(o.quotes):
        nth = quote_table.groupby("theme").nth(i).set_index("theme")
        shared[f"quote_{i + 1}"] = shared["theme"].map(
            (nth["quote"] + " — " + nth["category"]) if not nth.empty else pd.Series(dtype=object)
        )

    cells_out = pd.DataFrame({
        "theme": cells["theme_id"],
        "label": cells["theme_id"].map(lambda t: p.vocab.label("themes", t, lang)),
        "category": cells["category"],
        "category_label": cells["category"].map(lambda c: p.vocab.label("categories", c, lang)),
        "units": cells["n"].astype("Int64").mask(cells["suppressed"]),
        "category_units": cells["N"].astype("Int64").mask(cells["N"] < k),
        "share": cells["share"].round(4),
        "suppressed": cells["suppressed"],
    })
    cat_cols = {f"n_{c}": f"units of category {c} carrying the theme" for c in categories}
    share_cols = {f"share_{c}": f"n_{c} / units of category {c} who answered" for c in categories}
    convergence = Table(
        "convergence", "Convergenza dei temi", "Theme × actor category: distinct units (actors of the register, "
        "citizens) whose objectives or visions carry the theme, their share within each category, and the "
        "convergence indices. Ordered as shared strategic priorities (by group_score).",
        summary.drop(columns=["above"]),
        {"rank": "place by group_score (then categories_above, units)", "theme": "theme id (lists/themes.yaml)",
         "label": "theme label", "units": "distinct units carrying the theme, all categories",
         "categories_above": f"categories whose share ≥ threshold θ = {o.threshold}",
         "entropy": "normalised entropy of the category shares (1 = evenly shared, 0 = one category only)",
         "group_score": "Π over categories of (n+1)/(N+2)", **cat_cols, **share_cols},
        chart={"type": "bar", "categories": "label", "values": ["group_score"], "title": "Convergenza (group score)",
               "rows": 15},
    )
    shared_table = Table(
        "shared_priorities", "Priorità strategiche condivise", "Themes ranked as shared strategic priorities, "
        "with the categories that share them and up to "
        f"{o.quotes} representative quotes (consenting respondents, never from a suppressed cell).",
        shared,
        {"rank": "place by group_score", "categories": f"categories whose share ≥ {o.threshold}",
         "quote_*": "a representative quote — the category of who wrote it"},
        chart={"type": "bar", "categories": "label", "values": ["categories_above"],
               "title": "Categorie che condividono il tema", "rows": 15},
    )
    quotes_table = Table(
        "quotes", "Citazioni", "The words behind the numbers: representative quotes per theme, pseudonymous.",
        quote_table, {"respondent": "the respondent's pseudonym", "quote": f"the answer, at most {QUOTE_LENGTH} characters"},
    )
    cells_table = Table(
        "convergence_cells", "Convergenza (formato lungo)", "One row per theme × category (for pivoting).", cells_out,
        {"units": "distinct units of the category carrying the theme", "category_units": "units of the category",
         "share": "units / category_units", "suppressed": f"count of 1…{k - 1} units or category under {k}: hidden"},
    )
    return convergence, shared_table, quotes_table, cells_table, summary


# --- priorities (Borda) ----------------------------------------------------------------------


def _priorities(p: _Prepared) -> tuple[Table, Table]:
    k, lang, R = p.options.k, p.options.lang, p.vocab.priorities_max_rank
    ranked = _explode_list(p.answers[p.answers["question_key"] == "priorities"])
    ranked = ranked.drop_duplicates(["unit", "value"])
    ranked = ranked.assign(points=(R - ranked["position"]).clip(lower=0), first=(ranked["position"] == 0).astype(int))
    answering = ranked.drop_duplicates("unit")[["unit", "category"]]
    themes = _theme_order(p, ranked["value"])

    per_category = ranked.groupby(["category", "value"]).agg(
        points=("points", "sum"), first=("first", "sum"), mentions=("unit", "nunique"))

    categories = [c for c in p.category_order if c in set(answering["category"])]
    groups = {"all": per_category.groupby(level="value").sum().reindex(themes, fill_value=0)}
    groups.update({c: per_category.xs(c, level="category").reindex(themes, fill_value=0) for c in categories})
    respondents = {"all": int(answering["unit"].nunique()),
                   **{c: int((answering["category"] == c).sum()) for c in categories}}
    blank = complements.priority_cells(groups, respondents, k)  # primary and secondary suppression

    def borda(group: str) -> pd.DataFrame:
        g, N = groups[group], respondents[group]
        out = pd.DataFrame({"theme": themes})
        out["label"] = out["theme"].map(lambda t: p.vocab.label("themes", t, lang))
        for m in complements.MEASURES:
            out[m] = g[m].astype("Int64").mask([(m, t, group) in blank for t in themes]).to_numpy()
        out = out[["theme", "label", "points", "first", "mentions"]]
        hidden_n = ("respondents", group) in blank
        out["respondents"] = pd.NA if hidden_n else N
        out["score"] = (out["points"].astype(float) / (R * N)).round(4) if N and not hidden_n else np.nan
        out = out.sort_values(["points", "first", "theme"], ascending=[False, False, True], na_position="last",
                              kind="mergesort")
        out.insert(0, "rank", pd.array(range(1, len(out) + 1), dtype="Int64"))
        out.loc[out["points"].isna(), "rank"] = pd.NA
        return out.reset_index(drop=True)

    overall = borda("all")
    parts = []
    for category in categories:
        part = borda(category)
        part.insert(1, "category", category)
        part.insert(2, "category_label", p.vocab.label("categories", category, lang))
        parts.append(part)
    by_category = pd.concat(parts, ignore_index=True) if parts else pd.DataFrame(
        columns=["rank", "category", "category_label", "theme", "label", "points", "first", "mentions", "respondents", "score"])
    cols = {"points": f"Borda points: rank 1 = {R}, rank 2 = {R - 1}, … rank {R} = 1, unranked 0",
            "first": "units ranking the theme first", "mentions": "units ranking the theme at all",
            "respondents": "units who answered the priorities question",
            "score": f"points / ({R} × respondents): 1 = everybody ranked it first"}
    return (
        Table("priorities", "Priorità (Borda)", "Aggregated ranking of the three priorities of the interviews "
              "(Borda count), all categories together.", overall, cols,
              chart={"type": "bar", "categories": "label", "values": ["points"], "title": "Priorità (punti Borda)",
                     "rows": 15}),
        Table("priorities_by_category", "Priorità per categoria", "The same Borda count within each category.",
              by_category, cols),
    )


# --- visions ---------------------------------------------------------------------------------


def _visions(p: _Prepared) -> tuple[Table, Table]:
    k, lang = p.options.k, p.options.lang
    chosen = _explode_list(p.answers[p.answers["question_key"] == "visions"]).drop_duplicates(["unit", "value"])
    answering = p.answers[p.answers["question_key"] == "visions"].drop_duplicates("unit")
    totals = answering.groupby("category")["unit"].nunique()
    visions = list(p.vocab.visions) + sorted(set(chosen["value"]) - set(p.vocab.visions))
    kinds = [c for c in p.category_order if c in totals.index]
    grid = pd.MultiIndex.from_product([kinds, visions], names=["kind", "vision"])
    counts = chosen.groupby(["category", "value"])["unit"].nunique()
    counts.index.names = ["kind", "vision"]
    table = counts.reindex(grid, fill_value=0).rename("n").reset_index()
    table["kind_units"] = table["kind"].map(totals).astype("int64")
    hidden = (table["kind_units"] < k) | ((table["n"] > 0) & (table["n"] < k))
    out = pd.DataFrame({
        "kind": table["kind"],
        "kind_label": table["kind"].map(lambda c: p.vocab.label("categories", c, lang)),
        "vision": table["vision"],
        "vision_label": table["vision"].map(lambda v: p.vocab.label("visions", v, lang)),
        "theme": table["vision"].map(VISION_THEMES),
        "units": table["n"].astype("Int64").mask(hidden),
        "kind_units": table["kind_units"].astype("Int64").mask(table["kind_units"] < k),
        "share": (table["n"] / table["kind_units"]).round(4).mask(hidden),
    })
    # the themes of the visions in their own words, beside the chosen ones
    carriers = _carriers(p, VISION_TEXT_KEYS, with_visions=False).drop_duplicates(["unit", "theme_id"])
    wrote = p.answers[p.answers["question_key"].isin(VISION_TEXT_KEYS)].drop_duplicates("unit")
    wrote_totals = wrote.groupby("category")["unit"].nunique()
    tkinds = [c for c in p.category_order if c in wrote_totals.index]
    themes = _theme_order(p, carriers["theme_id"])
    tcounts = carriers.groupby(["category", "theme_id"])["unit"].nunique()
    tcounts.index.names = ["kind", "theme"]
    tt = tcounts.reindex(pd.MultiIndex.from_product([tkinds, themes], names=["kind", "theme"]), fill_value=0)
    tt = tt.rename("n").reset_index()
    tt["kind_units"] = tt["kind"].map(wrote_totals).astype("int64")
    thidden = (tt["kind_units"] < k) | ((tt["n"] > 0) & (tt["n"] < k))
    tout = pd.DataFrame({
        "kind": tt["kind"], "kind_label": tt["kind"].map(lambda c: p.vocab.label("categories", c, lang)),
        "theme": tt["theme"], "label": tt["theme"].map(lambda t: p.vocab.label("themes", t, lang)),
        "units": tt["n"].astype("Int64").mask(thidden),
        "kind_units": tt["kind_units"].astype("Int64").mask(tt["kind_units"] < k),
        "share": (tt["n"] / tt["kind_units"]).round(4).mask(thidden),
    })
    tout = tout[(tt["n"] > 0).to_numpy()].reset_index(drop=True)
    return (
        Table("visions", "Visioni", "Distribution of the chosen visions of the city by respondent kind (actor "
              "categories of the register; citizens).", out,
              {"units": "units of the kind who chose the vision", "kind_units": "units of the kind who answered",
               "share": "units / kind_units", "theme": "the strategic theme the vision stands for"}),
        Table("vision_themes", "Temi delle visioni", "Themes found (NLP, reviewed tags first) in the visions written "
              "in the respondents' own words, by kind.", tout,
              {"units": "units of the kind whose written vision carries the theme",
               "kind_units": "units of the kind who wrote a vision", "share": "units / kind_units"}),
    )


# --- innovation profile of firms -------------------------------------------------------------


def _profiles(p: _Prepared) -> tuple[Table, Table, Table]:
    k, lang, vocab = p.options.k, p.options.lang, p.vocab
    runs = p.runs[p.runs["questionnaire_id"] == "imprese"].sort_values(["completed_at", "run_id"], na_position="first")
    runs = runs.groupby("respondent_id").tail(1)  # a firm that answered twice counts once, as it is now
    answers = p.all_answers[p.all_answers["run_id"].isin(runs["run_id"])]
    firms = pd.DataFrame({"run_id": runs["run_id"]}).set_index("run_id")
    for key in ("ateco_section", "employees"):
        values = answers[answers["question_key"] == key].drop_duplicates("run_id", keep="last").set_index("run_id")["value"]
        firms[key] = values
    outcomes = p.extra_outcomes
    firms["profile"] = outcomes
    firms = firms[firms["profile"].notna()].reset_index()
    profiles = list(vocab.profiles)

    def row(breakdown: str, group: str, label: str, frame: pd.DataFrame) -> dict[str, Any]:
        total = len(frame)  # true counts here; suppression (primary and secondary) below
        record: dict[str, Any] = {"breakdown": breakdown, "group": group, "label": label, "firms": total}
        for profile in profiles:
            n = int((frame["profile"] == profile).sum())
            record[profile] = n
            record[f"{profile}_pct"] = np.nan if total == 0 else round(100.0 * n / total, 1)
            record[f"{profile}_baseline_pct"] = vocab.baseline.get(profile)
        return record

    rows = [row("all", "all", {"it": "Tutte le imprese", "en": "All firms"}[lang if lang in ("it", "en") else "it"], firms)]
    for breakdown, key, kind in (("sector", "ateco_section", "sectors"), ("size", "employees", "sizes")):
        codes = list(getattr(vocab, kind)) + sorted(set(firms[key].dropna().astype(str)) - set(getattr(vocab, kind)))
        for code in codes:
            part = firms[firms[key] == code]
            if len(part):
                rows.append(row(breakdown, code, vocab.label(kind, code, lang), part))
    table = pd.DataFrame(rows)
    blank = complements.profile_cells(table, profiles, k)
    firms_hidden = np.array([(i, "firms") in blank for i in range(len(table))], dtype=bool)
    for profile in profiles:
        hidden = np.array([(i, profile) in blank for i in range(len(table))], dtype=bool)
        table[profile] = table[profile].astype("Int64").mask(hidden)
        table[f"{profile}_pct"] = table[f"{profile}_pct"].mask(hidden | firms_hidden)  # n / firms would show firms
    table["firms"] = table["firms"].astype("Int64").mask(firms_hidden)
    rows = table.to_dict("records")

    all_row = rows[0]
    beside = pd.DataFrame({
        "profile": profiles,
        "label": [vocab.label("profiles", x, lang) for x in profiles],
        "firms": pd.array([all_row[x] for x in profiles], dtype="Int64"),
        "pct": [all_row[f"{x}_pct"] for x in profiles],
        "baseline_pct": [vocab.baseline.get(x) for x in profiles],
    })
    beside["difference_pp"] = (beside["pct"] - beside["baseline_pct"]).round(1)

    obstacles = _explode_list(answers[answers["question_key"] == "obstacles"]).drop_duplicates(["run_id", "value"])
    obstacles = obstacles.merge(firms[["run_id", "profile"]], on="run_id", how="inner")
    per_profile = firms.groupby("profile")["run_id"].nunique()
    counts = obstacles.groupby(["profile", "value"])["run_id"].nunique().rename("n").reset_index()
    counts["profile_firms"] = counts["profile"].map(per_profile).astype("int64")
    counts = counts.sort_values(["profile", "n", "value"], ascending=[True, False, True])
    counts["rank"] = counts.groupby("profile").cumcount() + 1
    # a profile whose count the workbook blanks (secondarily) must not show here as profile_firms
    withheld = (counts["profile_firms"] < k) | counts["profile"].map(lambda x: pd.isna(all_row.get(x))).astype(bool)
    hidden = (counts["profile_firms"] < k) | (counts["n"] < k)
    counts["profile"] = pd.Categorical(counts["profile"], categories=profiles + sorted(set(counts["profile"]) - set(profiles)))
    obstacle_table = pd.DataFrame({
        "profile": counts["profile"].astype(str),
        "profile_label": counts["profile"].astype(str).map(lambda x: vocab.label("profiles", x, lang)),
        "rank": counts["rank"].astype("Int64").mask(hidden),
        "obstacle": counts["value"],
        "obstacle_label": counts["value"].map(lambda x: vocab.label("obstacles", x, lang)),
        "firms": counts["n"].astype("Int64").mask(hidden),
        "profile_firms": counts["profile_firms"].astype("Int64").mask(withheld),
        "pct": (100.0 * counts["n"] / counts["profile_firms"]).round(1).mask(hidden | withheld),
    }).assign(_order=counts["profile"].cat.codes.to_numpy())
    obstacle_table = obstacle_table.sort_values(["_order", "rank"], na_position="last", kind="mergesort")
    obstacle_table = obstacle_table.drop(columns="_order").reset_index(drop=True)
    baseline_name = vocab.baseline_label.get(lang, vocab.baseline_label.get("it", "baseline"))
    pcols = {p_: f"firms with profile {p_}" for p_ in profiles}
    return (
        Table("innovation_profiles", "Profilo di innovazione delle imprese", "Anticipatrici / inseguitrici / non "
              f"innovative by sector (ATECO section) and size, beside the baseline ({baseline_name}).", table,
              {"breakdown": "all, sector (ATECO section) or size (employees)", "firms": "firms in the group",
               **pcols, "*_pct": "share of the group's firms, %", "*_baseline_pct": f"{baseline_name}, %"}),
        Table("innovation_vs_baseline", "Profili e baseline", f"All firms' profiles beside {baseline_name}.", beside,
              {"pct": "share of all firms now, %", "baseline_pct": f"{baseline_name}, %",
               "difference_pp": "pct − baseline_pct, percentage points"},
              chart={"type": "bar", "categories": "label", "values": ["pct", "baseline_pct"],
                     "title": f"Profili: oggi e {baseline_name}"}),
        Table("obstacles_by_profile", "Ostacoli per profilo", "The obstacles to innovation most cited by each "
              "profile (a firm cites up to three).", obstacle_table,
              {"rank": "place within the profile", "firms": "firms of the profile citing it",
               "profile_firms": "firms of the profile", "pct": "firms / profile_firms, %"}),
    )


# --- projects --------------------------------------------------------------------------------


def _projects(p: _Prepared, data: AggregateData, ranking: pd.DataFrame) -> tuple[Table, Table]:
    k, lang, o = p.options.k, p.options.lang, p.options
    weights = dict(o.weights or EQUAL_WEIGHTS)
    total_weight = sum(weights.get(i, 0.0) for i in INDICES)
    cards = _frame(data.cards, ["card_id", "source_run_id", "item_index", "questionnaire_id", "title", "promoter",
                                "theme", "stage"])
    ratings = pd.DataFrame(
        [{"card_id": r.card_id, "rater_id": r.rater_id, **{i: r.scores.get(i) for i in INDICES}} for r in data.ratings],
        columns=["card_id", "rater_id", *INDICES],
    )
    for i in INDICES:
        ratings[i] = pd.to_numeric(ratings[i], errors="coerce")
    ratings = ratings.dropna(subset=list(INDICES))
    ratings["overall"] = sum(ratings[i] * weights.get(i, 0.0) for i in INDICES) / total_weight
    stats = ratings.groupby("card_id").agg(
        raters=("rater_id", "nunique"), overall=("overall", "mean"), sd=("overall", lambda s: float(np.std(s, ddof=0))),
        **{f"mean_{i}": (i, "mean") for i in INDICES},
    )
    table = cards.merge(stats, left_on="card_id", right_index=True, how="left")
    table["raters"] = table["raters"].fillna(0).astype("int64")
    table["theme_id"] = table["theme"].map(lambda t: t if t in p.vocab.themes else CARD_THEMES.get(t))
    suppressed = (table["raters"] > 0) & (table["raters"] < k)
    score_cols = ["overall", "sd", *[f"mean_{i}" for i in INDICES]]
    for c in score_cols:
        table[c] = table[c].astype(float).mask(suppressed).round(3)
    table["agreement"] = (1 - table["sd"] / 2).round(3)
    table = table.sort_values(["overall", "raters", "card_id"], ascending=[False, False, True], na_position="last",
                              kind="mergesort").reset_index(drop=True)
    ranked = table["overall"].notna()
    table["rank"] = pd.array([pd.NA] * len(table), dtype="Int64")
    table.loc[ranked, "rank"] = range(1, int(ranked.sum()) + 1)
    out = pd.DataFrame({
        "rank": table["rank"], "card": table["card_id"], "title": table["title"], "promoter": table["promoter"],
        "theme": table["theme_id"], "theme_label": table["theme_id"].map(
            lambda t: p.vocab.label("themes", t, lang) if isinstance(t, str) else None),
        "stage": table["stage"], "raters": table["raters"], "overall": table["overall"], "sd": table["sd"],
        "agreement": table["agreement"], **{f"mean_{i}": table[f"mean_{i}"] for i in INDICES},
        "suppressed": (table["raters"] > 0) & (table["raters"] < k),
    })

    # which cards serve which shared priorities: the declared theme, and themes found in the card's text
    priorities = [t for t in ranking["theme"].tolist()][: o.top_priorities]
    texts = p.all_answers[p.all_answers["question_key"].isin(CARD_TEXT_KEYS)]
    texts = texts.merge(p.tags, on="answer_id", how="inner")[["run_id", "item_index", "theme_id"]]
    found = cards.merge(texts, left_on=["source_run_id", "item_index"], right_on=["run_id", "item_index"], how="inner")
    found_by_card = found.groupby("card_id")["theme_id"].agg(set)
    matrix = out[["rank", "card", "title", "overall"]].copy()
    declared = table.set_index("card_id")["theme_id"]
    serves = pd.Series(0, index=matrix.index)
    for theme in priorities:
        cells = []
        for card in matrix["card"]:
            via = []
            if declared.get(card) == theme:
                via.append("declared")
            if theme in found_by_card.get(card, set()):
                via.append("text")
            cells.append("+".join(via) if via else "")
        matrix[theme] = cells
        serves += (matrix[theme] != "").astype(int)
    matrix["serves"] = serves
    index_cols = {f"mean_{i}": f"mean of index {i} across raters" for i in INDICES}
    return (
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
    )


# --- collaboration network -------------------------------------------------------------------


def _network(p: _Prepared) -> tuple[Table, Table, Table, Table]:
    lang = p.options.lang
    actors = p.actors.set_index("code") if not p.actors.empty else pd.DataFrame(columns=["actor_id", "organisation", "category"])
    by_id = p.actors.set_index("actor_id")["code"] if not p.actors.empty else pd.Series(dtype=object)
    units = p.units[(p.units["questionnaire_id"] == "ascolto") & p.units["actor_id"].notna()]
    answers = p.answers[p.answers["run_id"].isin(units["run_id"])
                        & p.answers["question_key"].isin(["collaborates_with", "would_collaborate"])]
    edges = _explode_list(answers)
    edges = edges.assign(
        kind=edges["question_key"].map({"collaborates_with": "current", "would_collaborate": "wished"}),
        source=edges["run_id"].map(units.set_index("run_id")["actor_id"]).map(by_id),
        target=edges["value"].astype(str),
    )
    edges = edges[edges["target"].isin(actors.index) & edges["source"].notna() & (edges["source"] != edges["target"])]
    edges = edges.drop_duplicates(["kind", "source", "target"])
    category = actors["category"] if len(actors) else pd.Series(dtype=object)
    edge_list = pd.DataFrame({
        "kind": edges["kind"], "source": edges["source"], "source_category": edges["source"].map(category),
        "target": edges["target"], "target_category": edges["target"].map(category),
    }).sort_values(["kind", "source", "target"]).reset_index(drop=True)
    n = len(actors)
    cats = [c for c in p.category_order if c in set(category)]
    matrices = []
    for kind in ("current", "wished"):
        part = edge_list[edge_list["kind"] == kind]
        m = pd.crosstab(part["source_category"], part["target_category"]).reindex(index=cats, columns=cats, fill_value=0)
        m = m.reset_index().rename(columns={"source_category": "source_category"})
        m.insert(0, "kind", kind)
        matrices.append(m)
    matrix = pd.concat(matrices, ignore_index=True) if matrices else pd.DataFrame()
    matrix.columns = [str(c) for c in matrix.columns]
    matrix = matrix.rename(columns={"index": "source_category"})
    summary_rows = []
    for kind in ("current", "wished", "any"):
        part = edge_list if kind == "any" else edge_list[edge_list["kind"] == kind]
        pairs = set(zip(part["source"], part["target"]))
        m = len(pairs)
        mutual = sum(1 for a, b in pairs if (b, a) in pairs)
        summary_rows.append({
            "kind": kind, "actors": n, "active_actors": len(set(part["source"]) | set(part["target"])),
            "edges": m, "density": round(m / (n * (n - 1)), 4) if n > 1 else np.nan,
            "reciprocity": round(mutual / m, 4) if m else np.nan,
        })
    summary = pd.DataFrame(summary_rows)
    degree: dict[str, set[str]] = {}
    for a, b in zip(edge_list["source"], edge_list["target"]):
        degree.setdefault(a, set()).add(b)
        degree.setdefault(b, set()).add(a)
    counts = {
        f"{direction}_{kind}": (edge_list[edge_list["kind"] == kind].groupby(col)[other].nunique())
        for kind in ("current", "wished")
        for direction, col, other in (("in", "target", "source"), ("out", "source", "target"))
    }
    codes = sorted(degree)
    central = pd.DataFrame({"actor": codes})
    central["organisation"] = central["actor"].map(actors["organisation"]) if len(actors) else None
    central["category"] = central["actor"].map(category)
    for name, series in counts.items():
        central[name] = central["actor"].map(series).fillna(0).astype("int64")
    central["degree"] = central["actor"].map(lambda c: len(degree[c])).astype("int64")
    central["degree_centrality"] = (central["degree"] / (n - 1)).round(4) if n > 1 else np.nan
    central["named_by"] = central["in_current"] + central["in_wished"] if len(central) else pd.Series(dtype="int64")
    central = central.sort_values(["degree", "named_by", "actor"], ascending=[False, False, True]).reset_index(drop=True)
    central.insert(0, "rank", range(1, len(central) + 1))
    cat_labels = "; ".join(f"{c} = {p.vocab.label('categories', c, lang)}" for c in cats)
    return (
        Table("network_edges", "Rete: collaborazioni", "Who collaborates (current) or would collaborate (wished) "
              "with whom: actors of the register by code (organisations are public; no person is named).", edge_list,
              {"kind": "current (collaborates_with) or wished (would_collaborate)", "source": "actor who answered",
               "target": "actor named"}),
        Table("network_categories", "Rete per categoria", "Edges between categories (rows: who names; columns: who is "
              "named).", matrix, {"<category>": f"edges towards that category ({cat_labels})"}),
        Table("network_summary", "Rete: misure", "Simple measures of the collaboration network.", summary,
              {"actors": "actors in the register (n)", "edges": "directed edges m", "density": "m / (n·(n−1))",
               "reciprocity": "share of edges whose reverse edge exists"}),
        Table("network_centrality", "Attori più centrali", "Actors by degree centrality (distinct partners, either "
              "direction, current or wished).", central,
              {"in_*": "actors naming this one", "out_*": "actors this one names", "degree": "distinct partners",
               "degree_centrality": "degree / (n − 1)", "named_by": "in_current + in_wished"},
              chart={"type": "bar", "categories": "actor", "values": ["degree"], "title": "Attori più centrali",
                     "rows": 15}),
    )


# --- all together ----------------------------------------------------------------------------


def build_tables(data: AggregateData, options: Options | None = None) -> Tables:
    """Every convergence table from the rows of :func:`storage.aggregates.load`."""
    options = options or Options()
    p = _prepare(data, options)
    outcome_frame = _frame(data.outcomes, ["run_id", "key", "value"])
    profiles = outcome_frame[outcome_frame["key"] == "profile"] if not outcome_frame.empty else outcome_frame
    p.extra_outcomes = profiles.set_index("run_id")["value"] if not profiles.empty else pd.Series(dtype=object)
    tags_frame = p.tags
    convergence, shared, quotes, cells, summary = _convergence(p)
    priorities, priorities_by_category = _priorities(p)
    visions, vision_themes = _visions(p)
    profile_table, beside, obstacles = _profiles(p)
    projects, projects_priorities = _projects(p, data, summary)
    edges, matrix, network_summary, central = _network(p)
    ordered = [shared, convergence, cells, quotes, priorities, priorities_by_category, visions, vision_themes,
               profile_table, beside, obstacles, projects, projects_priorities, edges, matrix, network_summary, central]
    from .consensus import consensus_tables  # the deliberation rounds' votes (docs/consensus.md)

    ordered += consensus_tables(data.votes, options.k, options.lang)
    counts = {
        "answers": data.answer_total if data.answer_total is not None else len(data.answers),
        "tagged_answers": int(tags_frame["answer_id"].nunique()) if len(tags_frame) else 0,
        **{f"runs_{q}": int((p.runs["questionnaire_id"] == q).sum()) for q in ("ascolto", "visione", "imprese", "progetto")},
        "actors": len(data.actors),
        "cards": len(data.cards),
        "ratings": len(data.ratings),
        "votes": len(data.votes) if data.votes is not None else 0,
    }
    return Tables({t.name: t for t in ordered}, data.read_at, counts, options)


# The questions the tables read: ``storage.aggregates.load(fast=True, keys=…)`` reads only these.
ANSWER_KEYS = frozenset(
    CONVERGENCE_TEXT_KEYS | VISION_TEXT_KEYS | CARD_TEXT_KEYS
    | {"category", "visions", "priorities", "collaborates_with", "would_collaborate", "ateco_section", "employees",
       "obstacles"}
)

TABLE_NAMES = (
    "shared_priorities", "convergence", "convergence_cells", "quotes", "priorities", "priorities_by_category",
    "visions", "vision_themes", "innovation_profiles", "innovation_vs_baseline", "obstacles_by_profile", "projects",
    "projects_priorities", "network_edges", "network_categories", "network_summary", "network_centrality",
    # exports.consensus: votes of the deliberation rounds
    "consensus_shared", "consensus_by_category", "consensus_distinctive", "consensus_divisive", "consensus_groups",
)
