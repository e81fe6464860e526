"""Consensus measures on small fixed vote tables, every number computed by hand (docs/consensus.md)."""

from __future__ import annotations

import math

import pandas as pd
import pytest

from exports.tables.consensus import ConsensusOptions, consensus_frames, prop_test, top_shared, two_prop_test
from tests.support.plans import CREMONA_SOURCES

ROUNDS = {1: ("giugno", 1, 1), 2: ("luglio", 1, 1)}
TEXTS = {1: "Più piste ciclabili", 2: "Un nuovo parcheggio in centro", 3: "Più verde nei quartieri", 4: "Musei aperti la sera"}


def _votes() -> pd.DataFrame:
    rows = []

    def vote(person: str, category: str, statement: int, choice: str, round_id: int = 1) -> None:
        rows.append((round_id, statement, person, choice, category))

    # statement 1: firms 3 agree + 1 pass, citizens 2 agree + 2 disagree, the union (2 voters) agrees
    for p, c in (("f1", "agree"), ("f2", "agree"), ("f3", "agree"), ("f4", "pass")):
        vote(p, "firm", 1, c)
    for p, c in (("c1", "agree"), ("c2", "agree"), ("c3", "disagree"), ("c4", "disagree")):
        vote(p, "citizen", 1, c)
    vote("u1", "union", 1, "agree")
    vote("u2", "union", 1, "agree")
    # statement 2: firms all disagree, citizens all agree
    for p in ("f1", "f2", "f3", "f4"):
        vote(p, "firm", 2, "disagree")
    for p in ("c1", "c2", "c3", "c4"):
        vote(p, "citizen", 2, "agree")
    # statement 3: firms all agree, citizens 3 agree + 1 pass
    for p in ("f1", "f2", "f3", "f4"):
        vote(p, "firm", 3, "agree")
    for p, c in (("c1", "agree"), ("c2", "agree"), ("c3", "agree"), ("c4", "pass")):
        vote(p, "citizen", 3, c)
    # statement 4: too few votes — two firms agree, one citizen disagrees
    vote("f1", "firm", 4, "agree")
    vote("f2", "firm", 4, "agree")
    vote("c1", "citizen", 4, "disagree")
    return pd.DataFrame(rows, columns=["round_id", "statement_id", "respondent_id", "choice", "category"])


def _frames(k: int = 3, **options: object) -> dict[str, pd.DataFrame]:
    return consensus_frames(_votes(), ROUNDS, TEXTS, ConsensusOptions(sources=CREMONA_SOURCES, k=k, groups=False, **options))  # type: ignore[arg-type]


def test_consensus_ranks_statements_by_the_product_of_smoothed_agree_rates() -> None:
    shared = _frames()["consensus_shared"].set_index("statement_id")
    # k = 3: the union (2 voters) is left out; statement 3 = 5/6 · 4/6, statement 1 = 4/6 · 3/6, statement 2 = 1/6 · 5/6
    assert shared.loc[3, "consensus"] == pytest.approx(5 / 9)
    assert shared.loc[1, "consensus"] == pytest.approx(1 / 3)
    assert shared.loc[2, "consensus"] == pytest.approx(5 / 36)
    assert [shared.loc[s, "rank"] for s in (3, 1, 2)] == [1, 2, 3]
    assert shared.loc[1, "categories"] == 2 and shared.loc[1, "categories_counted"] == 2
    # overall: statement 1 was seen by 10 and agreed by 7, the union's 2 votes included; printed, they
    # would give the union's votes back (10 − 4 − 4 = 2 seen, 7 − 3 − 2 = 2 agree): secondary
    # suppression blanks them and the overall agree rate; disagree and pass stay (the union has none)
    assert pd.isna(shared.loc[1, "seen"]) and pd.isna(shared.loc[1, "agree"]) and pd.isna(shared.loc[1, "agree_rate"])
    assert shared.loc[1, "disagree"] == 2 and shared.loc[1, "pass"] == 1
    assert shared.loc[3, "seen"] == 8 and shared.loc[3, "agree"] == 7 and shared.loc[3, "agree_rate"] == pytest.approx(8 / 10)
    assert shared.loc[3, "statement"] == "Più verde nei quartieri"
    # statement 4: no cell reaches k, so it is not ranked; its total of 3 stays, but not its agree (2)
    # and disagree (1): with the citizens' hidden 0 agreeing they would be the firms' 2 and the citizen's 1
    assert pd.isna(shared.loc[4, "rank"]) and pd.isna(shared.loc[4, "consensus"]) and shared.loc[4, "seen"] == 3
    assert pd.isna(shared.loc[4, "agree"]) and pd.isna(shared.loc[4, "disagree"]) and shared.loc[4, "pass"] == 0
    assert top_shared(_frames(), "giugno", 2) == ["Più verde nei quartieri", "Più piste ciclabili"]


def test_consensus_without_suppression_counts_the_small_category_and_the_prior_half() -> None:
    shared = _frames(k=1)["consensus_shared"].set_index("statement_id")
    # k = 1: three categories; the union's cell of statement 1 is (2+1)/(2+2) = 3/4, and a category that
    # never saw a statement enters as (0+1)/(0+2) = 1/2
    assert shared.loc[1, "consensus"] == pytest.approx(2 / 3 * 1 / 2 * 3 / 4)
    assert shared.loc[2, "consensus"] == pytest.approx(1 / 6 * 5 / 6 * 1 / 2)
    assert shared.loc[3, "consensus"] == pytest.approx(5 / 6 * 4 / 6 * 1 / 2)
    # statement 4 now counts: firms (2+1)/(2+2), citizens (0+1)/(1+2), the union the prior 1/2
    assert shared.loc[4, "consensus"] == pytest.approx(3 / 4 * 1 / 3 * 1 / 2)
    # a minimum of votes per statement leaves statement 4 unranked again
    strict = _frames(k=1, min_votes=4)["consensus_shared"].set_index("statement_id")
    assert pd.isna(strict.loc[4, "rank"]) and [strict.loc[s, "rank"] for s in (3, 1, 2)] == [1, 2, 3]


def test_consensus_by_category_cells_and_their_suppression() -> None:
    cells = _frames()["consensus_by_category"].set_index(["statement_id", "category"])
    firm1 = cells.loc[(1, "firm")]
    assert (firm1["seen"], firm1["agree"], firm1["disagree"], firm1["pass"]) == (4, 3, 0, 1)
    assert firm1["agree_rate"] == pytest.approx(4 / 6) and firm1["agree_share"] == pytest.approx(3 / 4)
    assert firm1["voters"] == 4 and bool(firm1["counted"]) is True
    assert cells.loc[(2, "citizen"), "agree_rate"] == pytest.approx(5 / 6)
    # statement 4: 2 firms and 1 citizen voted: under k = 3 every count and rate is blank
    for category in ("firm", "citizen"):
        row = cells.loc[(4, category)]
        assert pd.isna(row["seen"]) and pd.isna(row["agree"]) and pd.isna(row["agree_rate"]) and not row["counted"]
    # the union, with 2 voters in the round, is not in the table at all
    assert "union" not in set(cells.index.get_level_values("category"))
    assert cells.loc[(1, "firm"), "category_label"] != "firm"  # labelled from the categories list


def test_distinctive_statements_pass_both_tests_at_90_percent() -> None:
    # Pol.is' tests by hand: 4 of 4 agree in, 0 of 4 out
    assert prop_test(4, 4) == pytest.approx(2 * math.sqrt(5) * (5 / 5 - 0.5))  # 2.236
    assert two_prop_test(4, 4, 0, 4) == pytest.approx((1 - 0.2) / math.sqrt(0.6 * 0.4 * (1 / 5 + 1 / 5)))  # 2.582
    # 3 of 4 firms agree with statement 1 (z_in 1.342 passes) but the difference from 4 of 6 outside does not
    assert prop_test(3, 4) == pytest.approx(2 * math.sqrt(5) * 0.3)
    assert two_prop_test(3, 4, 4, 6) < 1.2816
    distinctive = _frames()["consensus_distinctive"]
    found = {(r.category, r.direction, r.statement_id): r for r in distinctive.itertuples()}
    assert set(found) == {("citizen", "agree", 2), ("firm", "disagree", 2)}
    citizens = found[("citizen", "agree", 2)]
    assert citizens.rate_in == pytest.approx(5 / 6) and citizens.rate_out == pytest.approx(1 / 6)
    assert citizens.ratio == pytest.approx(5.0) and citizens.z_diff == pytest.approx(2.582, abs=1e-3)
    assert (citizens.seen_in, citizens.seen_out) == (4, 4)


def test_divisive_statements_are_the_largest_gaps_between_categories() -> None:
    divisive = _frames()["consensus_divisive"]
    first = divisive.iloc[0]
    assert first["statement_id"] == 2 and first["gap"] == pytest.approx(5 / 6 - 1 / 6)
    assert (first["most_agree"], first["least_agree"]) == ("citizen", "firm")
    gaps = divisive.set_index("statement_id")["gap"]
    assert gaps[1] == pytest.approx(1 / 6) and gaps[3] == pytest.approx(1 / 6)
    assert 4 not in gaps.index  # no counting cell


def test_opinion_groups_find_two_blocs_across_declared_categories() -> None:
    rows = []
    for i in range(12):
        bloc = i < 6
        category = ("firm", "citizen", "union")[i % 3]
        for s in range(10, 18):
            agree = (s < 14) == bloc
            if i == 0 and s == 17:
                continue  # one missing vote is filled with the statement's mean
            rows.append((2, s, f"p{i}", "agree" if agree else "disagree", category))
    votes = pd.DataFrame(rows, columns=["round_id", "statement_id", "respondent_id", "choice", "category"])
    groups = consensus_frames(votes, ROUNDS, {}, ConsensusOptions(sources=CREMONA_SOURCES, k=2))["consensus_groups"]
    sizes = groups.groupby("group")["group_size"].first()
    assert sorted(sizes.astype(int)) == [6, 6] and groups["silhouette"].iloc[0] > 0.8
    # each bloc has 2 members of every declared category: the groups cut across the categories
    assert set(groups["participants"].astype(int)) == {2}
    # with k = 3 those counts of 2 are suppressed, the group sizes stay
    hidden = consensus_frames(votes, ROUNDS, {}, ConsensusOptions(sources=CREMONA_SOURCES, k=3))["consensus_groups"]
    assert hidden["participants"].isna().all() and hidden["share_of_group"].isna().all()
    assert sorted(hidden.groupby("group")["group_size"].first().astype(int)) == [6, 6]


def test_no_votes_give_empty_tables_with_their_columns() -> None:
    frames = consensus_frames(None, {}, {}, ConsensusOptions(sources=CREMONA_SOURCES))
    assert all(frame.empty for frame in frames.values())
    assert "consensus" in frames["consensus_shared"].columns
