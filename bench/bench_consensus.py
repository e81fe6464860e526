"""Time every consensus measure for 10,000 participants × 1,000 statements (~100 votes each, 1M votes),
beside a plain pandas group-by of the same votes, in the same run.

    .venv/bin/python bench/bench_consensus.py [--participants 10000] [--statements 1000] [--votes 100]

Aim: all measures (consensus, per-category cells, distinctive, divisive, opinion groups) under 5 s.
Ends with ``RESULT`` lines. The plain group-by (counting the votes) is a baseline, its own line, not a
ceiling: the measures do far more than count, so no ratio to it is given.
``--quick``: 2,000 participants × 300 statements × 50 votes.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from exports.tables.consensus import ConsensusOptions, consensus_frames  # noqa: E402

CATEGORIES = ("public_body", "trade_association", "firm", "university_training", "union", "third_sector", "credit",
              "culture", "citizen")


def synthetic_votes(participants: int, statements: int, per_person: int, seed: int = 1) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    weights = np.array([2, 3, 10, 2, 2, 4, 1, 3, 73], dtype=float)
    category = rng.choice(len(CATEGORIES), size=participants, p=weights / weights.sum())
    leaning = rng.normal(size=(len(CATEGORIES), statements))  # each category leans its own way
    person = np.repeat(np.arange(participants), per_person)
    statement = np.concatenate([rng.choice(statements, size=per_person, replace=False) for _ in range(participants)])
    p_agree = 1 / (1 + np.exp(-leaning[category[person], statement]))
    u = rng.random(len(person))
    choice = np.where(u < p_agree * 0.9, "agree", np.where(u < 0.9, "disagree", "pass"))
    return pd.DataFrame({"round_id": 1, "statement_id": statement, "respondent_id": person, "choice": choice,
                         "category": np.asarray(CATEGORIES, dtype=object)[category[person]]})


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--participants", type=int, default=10_000)
    parser.add_argument("--statements", type=int, default=1_000)
    parser.add_argument("--votes", type=int, default=100)
    parser.add_argument("--quick", action="store_true", help="2,000 × 300 × 50 votes: well under a minute")
    args = parser.parse_args()
    if args.quick:
        args.participants, args.statements, args.votes = 2_000, 300, 50
    votes = synthetic_votes(args.participants, args.statements, args.votes)
    texts = {i: f"statement {i}" for i in range(args.statements)}
    rounds = {1: ("bench", 5, 3)}
    print(f"{len(votes):,} votes: {args.participants:,} participants × {args.statements:,} statements")

    started = time.perf_counter()
    plain = votes.groupby(["statement_id", "category"])["choice"].value_counts().unstack(fill_value=0)
    groupby_s = time.perf_counter() - started
    print(f"plain pandas group-by (statement × category × choice): {groupby_s:6.2f} s ({len(plain):,} cells)")

    started = time.perf_counter()
    without = consensus_frames(votes, rounds, texts, ConsensusOptions(k=3, groups=False))
    measures_s = time.perf_counter() - started
    print(f"consensus, cells, distinctive, divisive:               {measures_s:6.2f} s")

    started = time.perf_counter()
    frames = consensus_frames(votes, rounds, texts, ConsensusOptions(k=3, groups=True))
    all_s = time.perf_counter() - started
    groups = frames["consensus_groups"]
    print(f"all measures with opinion groups (PCA + k-means):      {all_s:6.2f} s "
          f"({groups['group'].nunique() if len(groups) else 0} groups, {len(without['consensus_distinctive'])} "
          f"distinctive rows)")
    print(f"aim < 5 s: {'ok' if all_s < 5 else 'MISSED'}")
    print(f"RESULT consensus_measures {measures_s:.2f} s")
    print(f"RESULT consensus_all_with_groups {all_s:.2f} s")
    print(f"RESULT consensus_baseline_groupby {groupby_s:.2f} s")


if __name__ == "__main__":
    main()
