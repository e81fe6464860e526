"""Governance measures (exports/tables/governance.py) on small networks whose answers are known by hand:
a star is centralised, two separate triangles are two components, a reciprocal pair is reciprocal, ties
named in two waves are stable; then through the tables and the Italian workbook."""

from __future__ import annotations

import io
import math
from datetime import datetime, timedelta, timezone

import pytest
from openpyxl import load_workbook

from exports.governance import governance_reading, governance_summary
from exports.options import Options
from exports.tables import build_tables, workbook_bytes
from exports.tables.governance import change, degree_centralisation, measure, waves_of
from storage.aggregates import ActorRow, AggregateData, AnswerRow, RespondentRow, RunRow
from tests.support.plans import CREMONA_SOURCES

STAR = [("hub", leaf) for leaf in "abcde"]
TRIANGLES = [("a", "b"), ("b", "c"), ("c", "a"), ("x", "y"), ("y", "z"), ("z", "x")]


def test_a_star_is_centralised_and_its_hub_the_only_broker():
    m = measure(STAR, nodes=6)
    assert m.centralisation == pytest.approx(1.0) and m.structure == "hub"
    assert m.betweenness["hub"] == pytest.approx(1.0)
    assert all(m.betweenness[leaf] == 0 for leaf in "abcde")
    assert len(m.components) == 1 and m.density == pytest.approx(5 / 30)


def test_two_separate_triangles_are_two_components_of_peers():
    m = measure(TRIANGLES, nodes=6)
    assert [len(c) for c in m.components] == [3, 3]
    assert m.centralisation == pytest.approx(0.0) and m.structure == "peer"
    assert sorted(map(tuple, m.communities)) == [("a", "b", "c"), ("x", "y", "z")]
    assert m.modularity == pytest.approx(0.5)
    assert max(m.betweenness.values()) == 0  # nobody bridges anybody
    assert m.reciprocity == 0  # a → b → c → a: nobody names back


def test_a_reciprocal_pair_and_a_one_way_tie():
    assert measure([("a", "b"), ("b", "a")], nodes=3).reciprocity == pytest.approx(1.0)
    assert measure([("a", "b"), ("b", "a"), ("a", "c")], nodes=3).reciprocity == pytest.approx(2 / 3)


def test_centralisation_by_hand_for_a_path():
    import networkx as nx

    # a path of 4: degrees 1 2 2 1, Σ(2 − d) = 2 over (3·2) = 1/3
    assert degree_centralisation(nx.path_graph(4)) == pytest.approx(1 / 3)
    assert math.isnan(measure([("a", "b")], nodes=2).centralisation)  # undefined under three actors


def test_stable_ties_across_two_waves_among_actors_answering_both():
    before = {("a", "b"), ("a", "c"), ("b", "a"), ("d", "a")}
    after = {("a", "b"), ("a", "e"), ("b", "a")}
    c = change(before, after, answered_both={"a", "b"})  # d did not answer again: its tie is not "dropped"
    assert (c.before, c.after, c.stable, c.new, c.dropped) == (3, 3, 2, 1, 1)
    assert c.stability == pytest.approx(2 / 4)


def test_waves_start_after_a_long_pause():
    import pandas as pd

    t0 = datetime(2026, 3, 1, tzinfo=timezone.utc)
    times = pd.Series([t0, t0 + timedelta(days=10), t0 + timedelta(days=200), t0 + timedelta(days=40)])
    assert waves_of(times).tolist() == [1, 1, 2, 1]


# --- through the tables --------------------------------------------------------------------------

T0 = datetime(2026, 3, 1, 9, 0, tzinfo=timezone.utc)
CODES = {1: ("s1_1", "public_body"), 2: ("s1_2", "public_body"), 3: ("s1_3", "firm"), 4: ("s1_4", "firm"),
         5: ("s1_5", "union"), 6: ("s1_6", "union")}


def _data(second_wave: bool) -> AggregateData:
    """Wave 1 (March): two triangles {1,2,3} and {4,5,6}, 1 ↔ 2 reciprocal; actor 1 wishes 4 and 5.
    Wave 2 (November), actors 1 and 4 again: 1 keeps 2, drops 3, now works with 4 (wished before)."""
    actors = [ActorRow(a, code, f"Organizzazione {a}", cat) for a, (code, cat) in CODES.items()]
    respondents = [RespondentRow(a, f"p{a}", a, True) for a in CODES]
    current = {1: ["s1_2", "s1_3"], 2: ["s1_1", "s1_3"], 3: [], 4: ["s1_5"], 5: ["s1_6"], 6: ["s1_4"]}
    wished = {1: ["s1_4", "s1_5"]}
    runs, answers = [], []

    def interview(run: int, actor: int, at: datetime, now: list[str], wish: list[str]) -> None:
        runs.append(RunRow(run, actor, "ascolto", at))
        answers.append(AnswerRow(10 * run, run, actor, "ascolto", "collaborates_with", 0, now))
        answers.append(AnswerRow(10 * run + 1, run, actor, "ascolto", "would_collaborate", 0, wish))

    for a in CODES:
        interview(a, a, T0 + timedelta(days=a), current[a], wished.get(a, []))
    if second_wave:
        interview(101, 1, T0 + timedelta(days=250), ["s1_2", "s1_4"], [])
        interview(104, 4, T0 + timedelta(days=251), ["s1_5"], [])
    return AggregateData(runs=runs, answers=answers, respondents=respondents, actors=actors)


def test_one_wave_through_the_tables_and_the_reading():
    tables = build_tables(_data(second_wave=False), Options(sources=CREMONA_SOURCES, k=1))
    summary = tables["governance_summary"].set_index("kind")
    assert (summary.loc["current", "components"], summary.loc["current", "component_sizes"]) == (2, "3, 3")
    assert summary.loc["current", "edges"] == 7
    assert summary.loc["current", "reciprocity"] == pytest.approx(2 / 7, abs=1e-4)
    assert summary.loc["wished", "only_this_kind"] == 2  # neither wished tie exists yet
    s = governance_summary(tables)
    assert s["available"] and s["current"]["components"] == 2 and s["waves"] == 1 and s["stability"] is None
    italian = governance_reading(tables, "it")
    assert italian.startswith("La rete è frammentata: 2 componenti separate tra 6 attori collegati")
    assert "Una sola ondata" in italian and "s1_" not in italian
    assert governance_reading(tables, "en").startswith("The network is fragmented: 2 separate components")
    members = " ".join(tables["governance_components"]["members"])
    assert "s1_" not in members and "Enti pubblici #1" in members  # category label + ordinal, never the code


def test_two_waves_give_stable_new_and_dropped_ties():
    tables = build_tables(_data(second_wave=True), Options(sources=CREMONA_SOURCES, k=1))
    waves = tables["governance_waves"]
    assert waves["wave"].tolist() == [1, 2] and waves["actors"].tolist() == [6, 2]
    row = tables["governance_stability"].set_index("kind").loc["current"]
    # actors 1 and 4: before {1→2, 1→3, 4→5}, after {1→2, 1→4, 4→5}
    assert (row["actors_both"], row["stable"], row["new"], row["dropped"]) == (2, 2, 1, 1)
    assert row["stability"] == pytest.approx(0.5) and row["wished_realised"] == 1  # 1 → 4 was wished
    # the latest interviews now join the two groups: one component
    assert tables["governance_summary"].set_index("kind").loc["current", "components"] == 1
    reading = governance_reading(tables, "it")
    assert "Tra l'ondata 1 e la 2 la rete è stabile" in reading and "stabili 2, nuovi 1, persi 1" in reading


def test_the_italian_workbook_has_the_governance_sheets_with_italian_headers():
    tables = build_tables(_data(second_wave=False), Options(sources=CREMONA_SOURCES, k=1))
    book = load_workbook(io.BytesIO(workbook_bytes(tables)), read_only=True)
    assert {"governance_lettura", "governance_misure", "governance_intermediari",
            "governance_stabilità"} <= set(book.sheetnames)
    rows = list(book["governance_lettura"].iter_rows(values_only=True))
    assert rows[0] == ("argomento", "lettura")
    assert rows[1][1].startswith("La rete è frammentata: 2 componenti")
    header = next(book["governance_misure"].iter_rows(values_only=True))
    assert "componenti" in header and "centralizzazione" in header
    english = build_tables(_data(second_wave=False), Options(sources=CREMONA_SOURCES, k=1, lang="en"))
    book = load_workbook(io.BytesIO(workbook_bytes(english)), read_only=True)
    assert next(book["governance_summary"].iter_rows(values_only=True))[:2] == ("kind", "actors")
    assert list(book["governance_reading"].iter_rows(values_only=True))[1][1].startswith("The network is fragmented")
