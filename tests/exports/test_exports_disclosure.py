"""Secondary suppression: an attacker solving from the published margins pins no hidden cell.

The attacker (tests/support/disclosure_attack.py) reads only published cells and the sums a
reader sees; the truth comes from the same data built with k = 1 (nothing hidden).
"""

from __future__ import annotations

import random

import pandas as pd
import pytest

from exports.tables import Options, build_tables
from exports.disclosure import line, protect
from exports.tables.consensus import votes_frame
from exports.tables.opinion_groups import group_counts
from storage import Database, aggregates, deliberation, upgrade_database
from tests.support.cli import scenari
from tests.support.consensus_attack import published_of, truth_of
from tests.support.deliberation_round import VOTES, build_round
from tests.support.convergence_city import build_city
from tests.support.disclosure_attack import recovered
from tests.support.firms import ISSUE_SECTOR_C, build_firms
from tests.support.plans import CREMONA_SOURCES

PROFILES = ("anticipatrice", "inseguitrice", "non_innovativa")


def _value(v) -> int | None:
    return None if pd.isna(v) else int(v)


def profile_cells(frame: pd.DataFrame) -> tuple[dict, list]:
    """Cells (breakdown, group, column) and the sums a reader sees: firms = Σ profiles; all = Σ rows."""
    cells, equations = {}, []
    for r in frame.to_dict("records"):
        row = (r["breakdown"], r["group"])
        for column in ("firms", *PROFILES):
            cells[(*row, column)] = _value(r[column])
        equations.append(([(*row, p) for p in PROFILES], (*row, "firms")))
    for breakdown in set(frame["breakdown"]) - {"all"}:
        groups = frame.loc[frame["breakdown"] == breakdown, "group"].tolist()
        for column in ("firms", *PROFILES):
            equations.append(([(breakdown, g, column) for g in groups], ("all", "all", column)))
    return cells, equations


def convergence_cells(tables) -> tuple[dict, list, dict]:
    frame = tables["convergence"]
    categories = [c[2:] for c in frame.columns if c.startswith("n_")]
    cells, equations = {}, []
    for r in frame.to_dict("records"):
        for c in categories:
            cells[(r["theme"], c)] = _value(r[f"n_{c}"])
        cells[(r["theme"], "units")] = _value(r["units"])
        equations.append(([(r["theme"], c) for c in categories], (r["theme"], "units")))
    sizes = tables["convergence_cells"].drop_duplicates("category").set_index("category")["category_units"]
    caps = {(t, c): int(sizes[c]) for (t, c) in cells if c in sizes and not pd.isna(sizes[c])}
    return cells, equations, caps


def priority_cells(tables) -> tuple[dict, list]:
    overall, by_cat = tables["priorities"], tables["priorities_by_category"]
    frames = {"all": overall, **{c: part for c, part in by_cat.groupby("category")}}
    cells, equations = {}, []
    for group, part in frames.items():
        for r in part.to_dict("records"):
            for m in ("points", "first", "mentions"):
                cells[(m, r["theme"], group)] = _value(r[m])
        cells[("respondents", group)] = _value(part["respondents"].iloc[0])
        equations.append(([("first", t, group) for t in part["theme"]], ("respondents", group)))
    categories = [g for g in frames if g != "all"]
    for m in ("points", "first", "mentions"):
        for t in overall["theme"]:
            equations.append(([(m, t, c) for c in categories], (m, t, "all")))
    equations.append(([("respondents", c) for c in categories], ("respondents", "all")))
    return cells, equations


async def _both(db, k: int = 3):
    async with db.transaction() as session:
        data = await aggregates.load(session)
    return build_tables(data, Options(sources=CREMONA_SOURCES, k=k)), build_tables(data, Options(sources=CREMONA_SOURCES, k=1))


def _truth(cells: dict) -> dict:
    assert all(v is not None for v in cells.values())
    return cells


async def test_the_issues_example_sector_c_cannot_be_subtracted(sqlite_db):
    await build_firms(sqlite_db, ISSUE_SECTOR_C)  # sector C: 10 firms, 3 + 6 + 1
    shown, truth = await _both(sqlite_db)
    c = shown["innovation_profiles"].set_index(["breakdown", "group"]).loc[("sector", "C")]
    assert pd.isna(c["non_innovativa"])  # the 1 is hidden (primary) …
    assert [pd.isna(c["firms"]), pd.isna(c["anticipatrice"]), pd.isna(c["inseguitrice"])].count(True) >= 1  # … and
    # 10 − 3 − 6 no longer works: some other cell of the row is hidden too
    published, equations = profile_cells(shown["innovation_profiles"])
    real, _ = profile_cells(truth["innovation_profiles"])
    assert recovered(published, _truth(real), equations) == {}
    assert pd.isna(c["non_innovativa_pct"])


async def test_no_hidden_cell_of_the_city_can_be_recovered(sqlite_db):
    await build_city(sqlite_db)
    shown, truth = await _both(sqlite_db)
    published, equations = profile_cells(shown["innovation_profiles"])
    real, _ = profile_cells(truth["innovation_profiles"])
    assert recovered(published, _truth(real), equations) == {}
    published, equations, caps = convergence_cells(shown)
    real, _, _ = convergence_cells(truth)
    assert recovered(published, _truth(real), equations, caps) == {}
    published, equations = priority_cells(shown)
    real, _ = priority_cells(truth)
    assert recovered(published, _truth(real), equations) == {}


async def test_a_blank_count_takes_its_derived_numbers_along(sqlite_db):
    await build_city(sqlite_db)
    shown, _ = await _both(sqlite_db)
    profiles = shown["innovation_profiles"]
    for p in PROFILES:  # n / firms = pct: a pct beside a blank count or a blank total would give it back
        assert profiles.loc[profiles[p].isna() | profiles["firms"].isna(), f"{p}_pct"].isna().all()
    conv = shown["convergence"]
    for column in [c for c in conv.columns if c.startswith("n_")]:
        assert conv.loc[conv[column].isna(), "share_" + column[2:]].isna().all()
    pri = shown["priorities"]
    if pri["respondents"].isna().any():
        assert pri["score"].isna().all()
    # the old leak of the city: 10 units carry innovazione = 3 + 3 + 3 + the union's hidden 1
    assert pd.isna(conv.set_index("theme").loc["innovazione", "units"])


def _random_table(rng: random.Random, k: int) -> tuple[dict, list]:
    rows, cols = rng.randint(2, 6), rng.randint(2, 6)
    values = {(i, j): rng.choice([0, 1, 1, 2, 3, 4, 5, 8, 12]) for i in range(rows) for j in range(cols)}
    for i in range(rows):
        values[(i, "T")] = sum(values[(i, j)] for j in range(cols))
    for j in [*range(cols), "T"]:
        values[("T", j)] = sum(values[(i, j)] for i in range(rows))
    lines = [line([(i, j) for j in range(cols)], (i, "T")) for i in [*range(rows), "T"]]
    lines += [line([(i, j) for i in range(rows)], ("T", j)) for j in [*range(cols), "T"]]
    return values, lines


@pytest.mark.parametrize("seed", range(40))
def test_random_tables_with_margins_are_protected(seed: int):
    rng = random.Random(seed)
    k = rng.choice([2, 3, 5])
    values, lines = _random_table(rng, k)
    primary = {key for key, v in values.items() if 0 < v < k}
    hidden = protect(values, primary, lines)
    assert primary <= hidden
    published = {key: (None if key in hidden else v) for key, v in values.items()}
    equations = [(ln.members, ln.total) for ln in lines]
    assert recovered(published, values, equations) == {}, (seed, sorted(hidden, key=repr))


def test_without_complements_the_attacker_wins():
    """The attack is real: on primary suppression alone it recovers the hidden cell."""
    values = {"a": 3, "b": 6, "c": 1, "firms": 10}
    equations = [(["a", "b", "c"], "firms")]
    published = {**values, "c": None}
    assert recovered(published, values, equations) == {"c": 1}
    hidden = protect(values, {"c"}, [line(["a", "b", "c"], "firms")])
    assert recovered({key: (None if key in hidden else v) for key, v in values.items()}, values, equations) == {}


def _rows(path) -> list[dict]:
    frame = pd.read_csv(path)
    return [{c: (None if pd.isna(v) else v) for c, v in r.items()} for r in frame.to_dict("records")]


async def test_consensus_csv_export_gives_away_no_hidden_vote(tmp_path):
    """`scenari tables export --format csv`, read back as a reader would: from the consensus files and
    the README's counts nobody can work out the union's two voters (under k = 3) or the two
    firms of statement 8 — not by subtraction, not from the rates, not from the opinion groups."""
    path = tmp_path / "scenari.db"
    db = Database(f"sqlite+aiosqlite:///{path}")
    await upgrade_database(db)
    statements = await build_round(db)
    async with db.transaction() as session:
        data = await deliberation.load_votes(session)
    await db.dispose()
    done = scenari("tables", "export", "--format", "csv", "--out", str(tmp_path / "csv"), db=path)
    assert done.returncode == 0, done.stderr
    names = ("consensus_shared", "consensus_by_category", "consensus_distinctive", "consensus_groups")
    tables = {name: _rows(tmp_path / "csv" / f"{name}.csv") for name in names}
    readme = pd.read_csv(tmp_path / "csv" / "README.csv").set_index(["section", "name"])["meaning"]
    votes = int(readme[("count", "votes")]) if ("count", "votes") in readme.index else None  # (not printed)
    truth = truth_of(VOTES, group_counts(votes_frame(data), 3), statements)
    published, equations, caps = published_of(tables, votes, truth)
    assert recovered(published, truth, equations, caps) == {}
    assert published[("total", statements[1], "seen")] is None  # 5 + 6 + the union's 2: hidden


async def test_no_hidden_cell_of_the_city_can_be_recovered_from_the_csv_export(tmp_path):
    """The same attack on the files `scenari tables export --format csv` writes, read back as a reader would."""
    path = tmp_path / "scenari.db"
    db = Database(f"sqlite+aiosqlite:///{path}")
    await upgrade_database(db)
    await build_city(db)
    _, truth = await _both(db)
    await db.dispose()
    done = scenari("tables", "export", "--format", "csv", "--out", str(tmp_path / "csv"), db=path)
    assert done.returncode == 0, done.stderr
    names = ("innovation_profiles", "convergence", "convergence_cells", "priorities", "priorities_by_category")
    shown = {name: pd.read_csv(tmp_path / "csv" / f"{name}.csv") for name in names}
    published, equations = profile_cells(shown["innovation_profiles"])
    real, _ = profile_cells(truth["innovation_profiles"])
    assert any(v is None for v in published.values())  # there is something to attack
    assert recovered(published, _truth(real), equations) == {}
    published, equations, caps = convergence_cells(shown)
    real, _, _ = convergence_cells(truth)
    assert recovered(published, _truth(real), equations, caps) == {}
    published, equations = priority_cells(shown)
    real, _ = priority_cells(truth)
    assert recovered(published, _truth(real), equations) == {}
