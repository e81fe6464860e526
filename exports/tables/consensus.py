"""Consensus measures of a deliberation round: votes on statements, across declared categories.

Input: votes (round, statement, participant, choice ∈ agree | disagree | pass, the participant's
declared category), as :class:`storage.deliberation.VoteData` or a pandas frame; output: tables
(:class:`exports.tables.base.Table`) written into the analysts' workbook beside the convergence
tables. docs/consensus.md gives every formula with its references; in short, per round:

* a cell is (statement, category): A agree, D disagree, P pass, S = A + D + P seen;
  smoothed agree rate r = (A + 1) / (S + 2) (Laplace);
* the categories of a round are those with at least k voters in it (others are suppressed and
  left out); a cell *counts* when S ≥ max(k, min_category_votes), otherwise it carries no
  information and enters the products as the prior 1/2 = (0 + 1) / (0 + 2);
* **consensus** C = Π_c r_c over the round's categories (Pol.is' group-informed consensus with
  declared categories in place of inferred groups); statements with S ≥ min_votes are ranked by it;
* **distinctive** (Pol.is "repness"): for a counting cell, ratio = r_in / r_out (r_out over every
  other voter of the statement), kept when both z_in = 2√(S_in+1)·((A_in+1)/(S_in+1) − ½) and the
  two-proportion z of in vs out exceed 1.2816 (one-sided 90 %); for agreement and disagreement;
* **divisive**: gap = max_c r_c − min_c r_c over the counting cells (at least two);
* **opinion groups** (optional): :mod:`exports.tables.opinion_groups`, shown beside the declared
  categories.

Counts of 1 … k−1 are blank, with every number derived from them, as in every citizen export;
then the complements :func:`exports.complements.consensus_cells` chooses (a statement's total
minus the categories shown must not give a small category's votes back; docs/consensus.md).
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from .. import complements
from ..options import PlanSources
from ..vocabulary import vocabulary
from .base import Analysis, Prepared, Table
from .opinion_groups import group_counts, suppressed

Z90 = 1.2816  # one-sided 90 %: Pol.is' z-sig-90
VOTE_COLUMNS = ["round_id", "statement_id", "respondent_id", "choice", "category"]

CONSENSUS_TABLES = ("consensus_shared", "consensus_by_category", "consensus_distinctive", "consensus_divisive",
                    "consensus_groups")

FORMULAS: tuple[tuple[str, str], ...] = (
    ("consensus_cell", "per statement × category: A agree, D disagree, P pass, S = A + D + P seen; smoothed agree "
                       "rate r = (A + 1) / (S + 2) (Laplace)"),
    ("consensus", "C = Π over the round's categories (≥ k voters) of r_c; a cell with S < max(k, min_category_votes) "
                  "enters as 1/2; ranked only with S ≥ min_votes (Pol.is group-informed consensus, declared "
                  "categories)"),
    ("distinctive", "ratio = r_in / r_out; kept when z_in = 2√(S_in+1)((A_in+1)/(S_in+1) − ½) > 1.2816 and the "
                    "two-proportion z (in vs out, +1 smoothed) > 1.2816 (one-sided 90 %); also for disagreement"),
    ("divisive", "gap = max_c r_c − min_c r_c over the counting cells (≥ 2)"),
    ("opinion_groups", "PCA (2 components) of agree 1 / disagree −1 / pass 0, missing = statement mean, projections "
                       "scaled by √(statements / voted); k-means, k = 2…5 by silhouette; participants with ≥ 7 votes"),
)


@dataclass(frozen=True)
class ConsensusOptions:
    k: int = 3
    lang: str = "it"
    min_votes: int | None = None  # None: each round's own threshold
    min_category_votes: int | None = None
    groups: bool = True
    seed: int = 0
    sources: PlanSources | None = None  # the plan's category labels (codes only if unset)


def votes_frame(data: Any) -> pd.DataFrame:
    """:class:`storage.deliberation.VoteData` (or a frame) → a frame of :data:`VOTE_COLUMNS`."""
    if isinstance(data, pd.DataFrame):
        return data[VOTE_COLUMNS]
    if data is None or not len(data):
        return pd.DataFrame({c: pd.Series(dtype="int64" if c.endswith("_id") else object) for c in VOTE_COLUMNS})
    return pd.DataFrame({c: getattr(data, c) for c in VOTE_COLUMNS})


def smoothed(agree: Any, seen: Any) -> Any:
    return (np.asarray(agree, dtype=float) + 1.0) / (np.asarray(seen, dtype=float) + 2.0)


def prop_test(successes: Any, n: Any) -> Any:
    """Pol.is prop-test: z = 2√(n+1)·((s+1)/(n+1) − ½)."""
    s, n = np.asarray(successes, dtype=float) + 1, np.asarray(n, dtype=float) + 1
    return 2.0 * np.sqrt(n) * (s / n - 0.5)


def two_prop_test(s_in: Any, n_in: Any, s_out: Any, n_out: Any) -> Any:
    """Pol.is two-prop-test, every count +1: z = (p₁ − p₂) / √(p̂(1 − p̂)(1/n₁ + 1/n₂))."""
    s1, n1 = np.asarray(s_in, dtype=float) + 1, np.asarray(n_in, dtype=float) + 1
    s2, n2 = np.asarray(s_out, dtype=float) + 1, np.asarray(n_out, dtype=float) + 1
    p1, p2, p = s1 / n1, s2 / n2, (s1 + s2) / (n1 + n2)
    with np.errstate(divide="ignore", invalid="ignore"):
        z = (p1 - p2) / np.sqrt(p * (1 - p) * (1 / n1 + 1 / n2))
    return np.where(p >= 1, 0.0, z)


def _labels(lang: str, sources: PlanSources | None = None) -> dict[str, str]:
    try:
        categories = vocabulary(sources or PlanSources()).categories
        return {code: label.get(lang) or label.get("it") or code for code, label in categories.items()}
    except Exception:  # pragma: no cover - labels are a nicety
        return {}


@dataclass
class _Round:
    round_id: int
    name: str
    min_votes: int
    min_category_votes: int
    cells: pd.DataFrame  # statement_id, category, agree, disagree, pass, seen (every cell with votes)
    categories: list[str]  # with ≥ k voters in the round
    voters: pd.Series  # voters per category (all categories)
    votes: pd.DataFrame


def _cells(votes: pd.DataFrame) -> pd.DataFrame:
    """Counts per (statement, category) with numpy bincount (a 1M-vote round in ~0.1 s)."""
    s_codes, s_uniques = pd.factorize(votes["statement_id"], sort=True)
    c_codes, c_uniques = pd.factorize(votes["category"], sort=True)
    m = len(c_uniques)
    key = s_codes.astype(np.int64) * m + c_codes
    size = len(s_uniques) * m
    choice = votes["choice"].to_numpy()
    agree = np.bincount(key, weights=(choice == "agree"), minlength=size)
    disagree = np.bincount(key, weights=(choice == "disagree"), minlength=size)
    seen = np.bincount(key, minlength=size)
    present = seen > 0
    idx = np.flatnonzero(present)
    return pd.DataFrame({
        "statement_id": np.asarray(s_uniques)[idx // m],
        "category": np.asarray(c_uniques)[idx % m],
        "agree": agree[idx].astype(np.int64),
        "disagree": disagree[idx].astype(np.int64),
        "pass": (seen[idx] - agree[idx] - disagree[idx]).astype(np.int64),
        "seen": seen[idx].astype(np.int64),
    })


def _rounds(votes: pd.DataFrame, rounds: Mapping[int, tuple[str, int, int]], o: ConsensusOptions) -> list[_Round]:
    found = []
    for round_id, part in votes.groupby("round_id", sort=True):
        name, min_votes, min_cat = rounds.get(int(round_id), (str(round_id), 5, 3))  # type: ignore[arg-type]
        voters = part.drop_duplicates(["respondent_id"])["category"].value_counts()
        categories = sorted(c for c, n in voters.items() if n >= o.k)
        found.append(_Round(int(round_id), name, o.min_votes or min_votes, o.min_category_votes or min_cat,
                            _cells(part), categories, voters, part))
    return found


def consensus_frames(data: Any, rounds: Mapping[int, tuple[str, int, int]] | None = None,
                     statements: Mapping[int, str] | None = None,
                     options: ConsensusOptions | None = None) -> dict[str, pd.DataFrame]:
    """Every consensus table as a frame, keyed by :data:`CONSENSUS_TABLES`."""
    o = options or ConsensusOptions()
    votes = votes_frame(data)
    if rounds is None:
        rounds = getattr(data, "rounds", None) or {}
    if statements is None:
        statements = getattr(data, "statements", None) or {}
    labels = _labels(o.lang, o.sources)
    parts: dict[str, list[pd.DataFrame]] = {name: [] for name in CONSENSUS_TABLES}
    found = _rounds(votes, rounds, o)
    groups = {r.round_id: group_counts(r.votes, o.k, o.seed) if o.groups else None for r in found}
    # primary and secondary suppression of every round at once (docs/consensus.md, "Thresholds and
    # suppression"); no number of votes is printed (build.py counts rounds), so none ties them together
    blank = complements.consensus_cells([
        complements.RoundCounts(r.round_id, r.cells, r.categories, r.voters.to_dict(), groups[r.round_id],
                                _grouped(groups[r.round_id])) for r in found], o.k)
    for r in found:
        frames = _round_tables(r, o, blank)
        table = groups[r.round_id]
        if table is not None:
            frames["consensus_groups"] = table if table.empty else suppressed(
                table, o.k, [("group", r.round_id, g, c) in blank for g, c in zip(table["group"], table["category"])],
                [("size", r.round_id, g) in blank for g in table["group"]])
        for name, frame in frames.items():
            if frame.empty:
                continue
            frame.insert(0, "round", r.name)
            parts[name].append(frame)
    out: dict[str, pd.DataFrame] = {}
    for name in CONSENSUS_TABLES:
        frame = pd.concat(parts[name], ignore_index=True) if parts[name] else pd.DataFrame(columns=_COLUMNS[name])
        if "statement_id" in frame.columns:
            frame.insert(frame.columns.get_loc("statement_id") + 1, "statement",
                         frame["statement_id"].map(lambda i: statements.get(int(i), "")) if len(frame) else [])
        for column in ("category", "most_agree", "least_agree"):
            if column in frame.columns:
                frame.insert(frame.columns.get_loc(column) + 1, f"{column}_label",
                             frame[column].map(lambda c: labels.get(c, c)) if len(frame) else [])
        out[name] = frame[[c for c in _ORDER[name] if c in frame.columns]]
    return out


def _grouped(table: pd.DataFrame | None) -> dict[str, int]:
    """Participants of each declared category in the opinion groups (true counts)."""
    if table is None or table.empty:
        return {}
    return {str(c): int(n) for c, n in table.groupby("category")["participants"].sum().items()}


def _hidden(keys: Any, blank: set[Any]) -> np.ndarray:
    return np.fromiter((key in blank for key in keys), dtype=bool, count=len(keys))


def _round_tables(r: _Round, o: ConsensusOptions, blank: set[Any]) -> dict[str, pd.DataFrame]:
    """One round's tables; ``blank`` holds the counts to leave blank (primary and complementary,
    :func:`exports.complements.consensus_cells`), and every number derived from one goes with it."""
    k, rid = o.k, r.round_id
    need = max(k, r.min_category_votes)
    cells = r.cells[r.cells["category"].isin(r.categories)].copy()
    pairs = list(zip(cells["statement_id"], cells["category"]))
    cell_hidden = {m: _hidden([("cell", rid, s_, c, m) for s_, c in pairs], blank) for m in complements.VOTE_MEASURES}
    # a cell blanked as a complement no longer counts: it enters the measures as the prior 1/2
    cells["counts"] = (cells["seen"] >= need) & ~np.logical_or.reduce(list(cell_hidden.values()))
    cells["rate"] = smoothed(cells["agree"], cells["seen"])
    cells["disagree_rate"] = smoothed(cells["disagree"], cells["seen"])
    # per statement, over every voter (all categories)
    totals = r.cells.groupby("statement_id")[["agree", "disagree", "pass", "seen"]].sum()
    m = len(r.categories)
    # C = Π r_c over the round's categories; a non-counting (or missing) cell enters as 1/2
    log_rate = np.where(cells["counts"], np.log(cells["rate"]), math.log(0.5))
    logs = pd.Series(log_rate, index=cells.index).groupby(cells["statement_id"]).sum()
    present = cells.groupby("statement_id").size()
    log_c = logs.reindex(totals.index, fill_value=0.0) + (m - present.reindex(totals.index, fill_value=0)) * math.log(0.5)
    covered = cells[cells["counts"]].groupby("statement_id").size().reindex(totals.index, fill_value=0)
    shared = totals.reset_index()
    shared["categories_counted"] = covered.to_numpy()
    shared["categories"] = m
    shared["agree_rate"] = smoothed(shared["agree"], shared["seen"])
    shared["consensus"] = np.exp(log_c.to_numpy()) if m else np.nan
    ranked = (shared["seen"] >= max(r.min_votes, k)) & (shared["categories_counted"] > 0)
    shared.loc[~ranked, "consensus"] = np.nan
    shared = shared.sort_values(["consensus", "seen", "statement_id"], ascending=[False, False, True], na_position="last")
    shared["rank"] = pd.array([i + 1 if ok else pd.NA for i, ok in enumerate(shared["consensus"].notna())], dtype="Int64")
    total_hidden = {m: _hidden([("total", rid, s_, m) for s_ in shared["statement_id"]], blank)
                    for m in complements.VOTE_MEASURES}
    shared["agree_rate"] = shared["agree_rate"].mask(total_hidden["seen"] | total_hidden["agree"])
    for column in complements.VOTE_MEASURES:
        shared[column] = shared[column].astype("Int64").mask(total_hidden[column])

    by_cat = cells.copy()
    derived = cell_hidden["seen"] | cell_hidden["agree"]
    for column in complements.VOTE_MEASURES:
        by_cat[column] = by_cat[column].astype("Int64").mask(cell_hidden[column])
    by_cat["rate"] = by_cat["rate"].mask(derived)
    by_cat["agree_share"] = (cells["agree"] / cells["seen"]).mask(derived)
    by_cat["voters"] = by_cat["category"].map(r.voters).astype("Int64").mask(
        _hidden([("voters", rid, c) for c in by_cat["category"]], blank))
    by_cat = by_cat.rename(columns={"rate": "agree_rate", "counts": "counted"})
    by_cat = by_cat.sort_values(["statement_id", "category"])

    distinctive = _distinctive(cells, totals, k)
    if len(distinctive):  # "out" is the statement's total minus the category: blank with a blank total
        out = (_hidden([("total", rid, s_, "seen") for s_ in distinctive["statement_id"]], blank)
               | _hidden([("total", rid, s_, d) for s_, d in zip(distinctive["statement_id"], distinctive["direction"])],
                         blank))
        distinctive["seen_out"] = distinctive["seen_out"].astype("Int64")
        for column in ("seen_out", "rate_out", "ratio", "z_diff"):
            distinctive[column] = distinctive[column].mask(out)
    divisive = _divisive(cells)
    return {"consensus_shared": shared, "consensus_by_category": by_cat, "consensus_distinctive": distinctive,
            "consensus_divisive": divisive}


def _distinctive(cells: pd.DataFrame, totals: pd.DataFrame, k: int) -> pd.DataFrame:
    c = cells[cells["counts"]].copy()
    if c.empty:
        return pd.DataFrame(columns=_COLUMNS["consensus_distinctive"])
    t = totals.reindex(c["statement_id"])
    rows = []
    for direction, column in (("agree", "agree"), ("disagree", "disagree")):
        s_in, n_in = c[column].to_numpy(float), c["seen"].to_numpy(float)
        s_out, n_out = t[column].to_numpy(float) - s_in, t["seen"].to_numpy(float) - n_in
        r_in, r_out = smoothed(s_in, n_in), smoothed(s_out, n_out)
        z_in, z_diff = prop_test(s_in, n_in), two_prop_test(s_in, n_in, s_out, n_out)
        keep = (z_in > Z90) & (z_diff > Z90) & (n_out >= k)
        if keep.any():
            rows.append(pd.DataFrame({
                "category": c["category"].to_numpy()[keep], "statement_id": c["statement_id"].to_numpy()[keep],
                "direction": direction, "rate_in": r_in[keep], "rate_out": r_out[keep],
                "ratio": r_in[keep] / r_out[keep], "z_in": z_in[keep], "z_diff": z_diff[keep],
                "seen_in": n_in[keep].astype(np.int64), "seen_out": n_out[keep].astype(np.int64),
            }))
    if not rows:
        return pd.DataFrame(columns=_COLUMNS["consensus_distinctive"])
    frame = pd.concat(rows, ignore_index=True)
    return frame.sort_values(["category", "direction", "ratio", "statement_id"], ascending=[True, True, False, True])


def _divisive(cells: pd.DataFrame) -> pd.DataFrame:
    c = cells[cells["counts"]]
    if c.empty:
        return pd.DataFrame(columns=_COLUMNS["consensus_divisive"])
    g = c.groupby("statement_id")["rate"]
    n = g.size()
    hi, lo = c.loc[g.idxmax()], c.loc[g.idxmin()]
    frame = pd.DataFrame({
        "statement_id": hi["statement_id"].to_numpy(),
        "most_agree": hi["category"].to_numpy(), "rate_high": hi["rate"].to_numpy(),
        "least_agree": lo["category"].to_numpy(), "rate_low": lo["rate"].to_numpy(),
        "categories_counted": n.reindex(hi["statement_id"]).to_numpy(),
    })
    frame["gap"] = frame["rate_high"] - frame["rate_low"]
    frame = frame[frame["categories_counted"] >= 2]
    return frame.sort_values(["gap", "statement_id"], ascending=[False, True])


_ORDER: dict[str, list[str]] = {
    "consensus_shared": ["round", "rank", "statement_id", "statement", "consensus", "categories", "categories_counted",
                         "seen", "agree", "disagree", "pass", "agree_rate"],
    "consensus_by_category": ["round", "statement_id", "statement", "category", "category_label", "voters", "seen",
                              "agree", "disagree", "pass", "agree_share", "agree_rate", "counted"],
    "consensus_distinctive": ["round", "category", "category_label", "direction", "statement_id", "statement",
                              "rate_in", "rate_out", "ratio", "z_in", "z_diff", "seen_in", "seen_out"],
    "consensus_divisive": ["round", "statement_id", "statement", "gap", "most_agree", "most_agree_label", "rate_high",
                           "least_agree", "least_agree_label", "rate_low", "categories_counted"],
    "consensus_groups": ["round", "group", "category", "category_label", "participants", "group_size",
                         "share_of_group", "silhouette"],
}
_COLUMNS = {name: [c for c in cols if c not in ("round", "statement", "category_label", "most_agree_label",
                                                "least_agree_label")] for name, cols in _ORDER.items()}

DESCRIPTIONS: dict[str, tuple[str, str, dict[str, str]]] = {
    "consensus_shared": (
        "Shared statements (consenso tra categorie)",
        "statements of each round ranked by cross-category consensus C = Π_c (A_c+1)/(S_c+2)",
        {"rank": "1 = the most shared across categories (only with seen ≥ min votes)",
         "consensus": "Π over the round's categories of the smoothed agree rate (1/2 for a cell under the minimum)",
         "categories": "categories of the round (≥ k voters)", "categories_counted": "categories whose cell counts",
         "seen": "votes (agree + disagree + pass)", "agree_rate": "(agree + 1) / (seen + 2), all voters"},
    ),
    "consensus_by_category": (
        "Votes per statement and category",
        "agree, disagree and pass per statement and declared category, with the smoothed agree rate",
        {"voters": "voters of the category in the round", "agree_share": "agree / seen",
         "agree_rate": "(agree + 1) / (seen + 2)", "counted": "seen ≥ max(k, min votes per category)"},
    ),
    "consensus_distinctive": (
        "Distinctive statements per category",
        "statements a category agrees (or disagrees) with more than everyone else, both z-tests at 90 %",
        {"rate_in": "(A+1)/(S+2) in the category", "rate_out": "the same over every other voter",
         "ratio": "rate_in / rate_out", "z_in": "Pol.is prop-test of the rate in the category against 1/2",
         "z_diff": "two-proportion z, in vs out"},
    ),
    "consensus_divisive": (
        "Divisive statements",
        "statements with the largest gap between the categories' smoothed agree rates",
        {"gap": "highest minus lowest smoothed agree rate", "most_agree": "the category agreeing most",
         "least_agree": "the category agreeing least"},
    ),
    "consensus_groups": (
        "Opinion groups beside declared categories",
        "groups found from the votes (PCA + k-means) and the declared categories of their members",
        {"group": "A = the largest", "participants": "members of the group in the category",
         "share_of_group": "participants / group_size", "silhouette": "how well separated the groups are (−1…1)"},
    ),
}


def consensus_tables(data: Any, k: int = 3, lang: str = "it", groups: bool = True,
                     sources: PlanSources | None = None) -> list[Table]:
    """The frames as :class:`Table` objects, for the analysts' workbook."""
    frames = consensus_frames(data, options=ConsensusOptions(k=k, lang=lang, groups=groups, sources=sources))
    tables = []
    for name in CONSENSUS_TABLES:
        title, description, columns = DESCRIPTIONS[name]
        chart = None
        if name == "consensus_shared" and not frames[name].empty:
            chart = {"type": "bar", "categories": "statement", "values": ["consensus"], "rows": 15, "title": title}
        tables.append(Table(name, title, description, frames[name], columns, chart))
    return tables


def top_shared(frames: Mapping[str, pd.DataFrame], round_name: str, n: int = 3) -> list[str]:
    """The texts of a round's n most shared statements (for the voters' personal summary)."""
    shared = frames.get("consensus_shared")
    if shared is None or shared.empty:
        return []
    mine = shared[(shared["round"] == round_name) & shared["rank"].notna()].sort_values("rank")
    return [str(t) for t in mine["statement"].head(n)]


def build(p: Prepared, built: Mapping[str, Table]) -> list[Table]:
    """The deliberation rounds' tables, from the votes read with the answers."""
    return consensus_tables(p.data.votes, p.options.k, p.options.lang, sources=p.options.sources)


ANALYSIS = Analysis(CONSENSUS_TABLES, lambda i: frozenset(), build)
