"""Opinion groups of a deliberation round: who votes alike, beside the declared categories.

PCA of the participant × statement matrix (agree 1, disagree −1, pass 0, missing = the
statement's mean), two components by randomised subspace iteration, then k-means (k = 2…5,
chosen by silhouette) — Pol.is' method with numpy only (docs/consensus.md). Counts under k blank,
with the complements :func:`exports.complements.consensus_cells` adds (a group's size minus the
shown categories must not give a hidden one back).
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

GROUP_MIN_VOTES = 7  # a participant enters the opinion groups with at least this many votes (Pol.is)
MAX_GROUPS = 5
GROUP_NAMES = "ABCDE"
COLUMNS = ["group", "category", "participants", "group_size", "share_of_group", "silhouette"]
SAMPLE = 800  # participants the silhouette is computed on (it is quadratic)


def _pca2(x: np.ndarray, rng: np.random.Generator, iterations: int = 6) -> np.ndarray:
    """The two leading principal components of centred ``x`` by randomised subspace iteration."""
    n, p = x.shape
    q = rng.standard_normal((p, min(p, 10))).astype(x.dtype)
    for _ in range(iterations):
        q, _ = np.linalg.qr(x.T @ (x @ q))
    small = x @ q  # n × l
    _, _, vt = np.linalg.svd(small, full_matrices=False)
    return (q @ vt.T)[:, :2]


def _kmeans(points: np.ndarray, k: int, rng: np.random.Generator, iterations: int = 50) -> np.ndarray:
    centres = [points[rng.integers(len(points))]]
    for _ in range(1, k):  # k-means++
        d = np.min(((points[:, None, :] - np.asarray(centres)[None]) ** 2).sum(-1), axis=1)
        centres.append(points[rng.choice(len(points), p=d / d.sum())] if d.sum() > 0 else points[rng.integers(len(points))])
    c = np.asarray(centres)
    labels = np.zeros(len(points), dtype=np.int64)
    for i in range(iterations):
        new = ((points[:, None, :] - c[None]) ** 2).sum(-1).argmin(1)
        if i and np.array_equal(new, labels):
            break
        labels = new
        for j in range(k):
            if (labels == j).any():
                c[j] = points[labels == j].mean(0)
    return labels


def _silhouette(points: np.ndarray, labels: np.ndarray) -> float:
    d = np.sqrt(((points[:, None, :] - points[None]) ** 2).sum(-1))
    ks = np.unique(labels)
    if len(ks) < 2:
        return -1.0
    scores = np.zeros(len(points))
    for i in range(len(points)):
        own = labels == labels[i]
        a = d[i, own].sum() / max(own.sum() - 1, 1)
        b = min(d[i, labels == j].mean() for j in ks if j != labels[i])
        scores[i] = 0.0 if own.sum() == 1 else (b - a) / max(a, b, 1e-12)
    return float(scores.mean())


def _projected(v: pd.DataFrame, rng: np.random.Generator) -> tuple[np.ndarray, pd.Index]:
    """Each participant on the two leading components, and the participants' ids (rows' order)."""
    rows, row_ids = pd.factorize(v["respondent_id"], sort=True)
    cols, _ = pd.factorize(v["statement_id"], sort=True)
    value = np.select([v["choice"].to_numpy() == "agree", v["choice"].to_numpy() == "disagree"], [1.0, -1.0], 0.0)
    n, p = len(row_ids), int(cols.max()) + 1
    observed = np.zeros((n, p), dtype=np.float32)
    x = np.zeros((n, p), dtype=np.float32)
    x[rows, cols] = value
    observed[rows, cols] = 1.0
    means = x.sum(0) / np.maximum(observed.sum(0), 1)
    x = np.where(observed > 0, x, means[None, :]) - means[None, :]  # missing = the statement's mean, centred
    components = _pca2(x, rng)
    projected = x @ components
    projected *= np.sqrt(p / observed.sum(1))[:, None]  # Pol.is: people who voted little are pulled in less
    return projected, row_ids


def _best(projected: np.ndarray, k: int, seed: int, rng: np.random.Generator) -> tuple[float, np.ndarray] | None:
    """(silhouette, labels) of the best k-means, k = 2 … MAX_GROUPS (fewer with few participants)."""
    n = len(projected)
    sample = rng.choice(n, size=min(n, SAMPLE), replace=False)
    best: tuple[float, np.ndarray] | None = None
    for groups in range(2, min(MAX_GROUPS, n // max(k, 2)) + 1):
        labels = _kmeans(projected, groups, np.random.default_rng(seed + groups))
        score = _silhouette(projected[sample], labels[sample])
        if best is None or score > best[0] + 1e-9:
            best = (score, labels)
    return best


def _table(v: pd.DataFrame, row_ids: pd.Index, labels: np.ndarray, silhouette: float) -> pd.DataFrame:
    """Participants per group × declared category (true counts); group A is the largest."""
    sizes = np.bincount(labels)
    order = np.argsort(-sizes, kind="stable")
    names = {int(g): GROUP_NAMES[i] for i, g in enumerate(order)}
    category = v.drop_duplicates("respondent_id").set_index("respondent_id")["category"].reindex(row_ids)
    frame = pd.DataFrame({"group": [names[int(g)] for g in labels], "category": category.to_numpy()})
    table = frame.groupby(["group", "category"]).size().rename("participants").reset_index()
    group_size = frame.groupby("group").size()
    table["group_size"] = table["group"].map(group_size)
    table["share_of_group"] = table["participants"] / table["group_size"]
    table["silhouette"] = round(silhouette, 4)
    return table.sort_values(["group", "category"]).reset_index(drop=True)


def suppressed(table: pd.DataFrame, k: int, participants: Sequence[bool] | None = None,
               sizes: Sequence[bool] | None = None) -> pd.DataFrame:
    """The table of :func:`group_counts` as published: ``participants`` and ``sizes`` say which
    counts to blank (primary and complementary, :func:`exports.complements.consensus_cells`);
    without them, counts of 1 … k−1. A share goes with either of its counts."""
    table = table.copy()
    if participants is None:
        participants = ((table["participants"] > 0) & (table["participants"] < k)).to_numpy()
    if sizes is None:
        sizes = (table["group_size"] < k).to_numpy()
    hide_n, hide_size = np.asarray(participants, dtype=bool), np.asarray(sizes, dtype=bool)
    table["share_of_group"] = table["share_of_group"].astype(float).mask(hide_n | hide_size)
    table["participants"] = table["participants"].astype("Int64").mask(hide_n)
    table["group_size"] = table["group_size"].astype("Int64").mask(hide_size)
    return table


def group_counts(votes: pd.DataFrame, k: int, seed: int = 0) -> pd.DataFrame:
    """One round's votes → participants grouped by how they voted, beside their declared categories
    (true counts; :func:`suppressed` blanks them)."""
    empty = pd.DataFrame(columns=COLUMNS)
    per_person = votes.groupby("respondent_id").size()
    people = per_person.index[per_person >= min(GROUP_MIN_VOTES, max(2, votes["statement_id"].nunique()))]
    if len(people) < max(2 * k, 4) or votes["statement_id"].nunique() < 3:
        return empty
    v = votes[votes["respondent_id"].isin(people)]
    rng = np.random.default_rng(seed)
    projected, row_ids = _projected(v, rng)
    best = _best(projected, k, seed, rng)
    if best is None:
        return empty
    return _table(v, row_ids, best[1], best[0])


def opinion_groups(votes: pd.DataFrame, k: int, seed: int = 0) -> pd.DataFrame:
    """The groups with primary suppression only (the consensus tables add the complements)."""
    table = group_counts(votes, k, seed)
    return table if table.empty else suppressed(table, k)
