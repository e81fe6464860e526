"""The additive structure of each convergence table, handed to :func:`exports.disclosure.protect`.

Each function takes a table's *true* counts and its primary suppression (1 … k−1 blank) and
returns every cell to leave blank, complements included. What a reader can add up is written
out here once per table (docs/convergence.md, "Secondary suppression"):

* ``innovation_profiles``: per row, firms = Σ profiles; per column, the *all* row = Σ sectors
  and = Σ sizes (firms without a sector or size enter as a hidden remainder);
* ``convergence``: per theme, units = Σ categories (every unit has one category);
* ``priorities`` with ``priorities_by_category``: overall = Σ categories for points, first and
  mentions; per group, Σ first = respondents; respondents overall = Σ categories;
* the consensus tables of the deliberation rounds (:func:`consensus_cells`): per statement,
  total = Σ categories (those under k included) for seen, agree, disagree, pass; seen = agree +
  disagree + pass; per opinion group, size = Σ categories; Σ statements' seen = the votes printed.
"""

from __future__ import annotations

from collections.abc import Hashable, Mapping, Sequence
from dataclasses import dataclass, field

import pandas as pd

from .disclosure import Key, Line, line, protect


def _exact(values: dict[Key, int], hidden: set[Key], members: list[Key], total: Key, rest: Key) -> Line:
    """``total = Σ members``, with a hidden remainder cell when the members do not add up."""
    gap = int(values[total]) - sum(int(values[m]) for m in members)
    if gap:
        values[rest] = gap
        hidden.add(rest)
        members = [*members, rest]
    return line(members, total)


def profile_cells(table: pd.DataFrame, profiles: Sequence[str], k: int) -> set[tuple[int, str]]:
    """(row position, column) of ``innovation_profiles`` to blank; columns ``firms`` and the profiles."""
    values: dict[Key, int] = {}
    hidden: set[Key] = set()
    for i, record in enumerate(table.to_dict("records")):
        total = int(record["firms"])
        values[(i, "firms")] = total
        if 0 < total < k:
            hidden.add((i, "firms"))
        for profile in profiles:
            n = int(record[profile])
            values[(i, profile)] = n
            if total < k or 0 < n < k:
                hidden.add((i, profile))
    lines = [line([(i, p) for p in profiles], (i, "firms")) for i in range(len(table))]
    breakdowns = table["breakdown"].tolist()
    if "all" in breakdowns:
        top = breakdowns.index("all")
        for breakdown in sorted(set(breakdowns) - {"all"}):
            rows = [i for i, b in enumerate(breakdowns) if b == breakdown]
            for column in ("firms", *profiles):
                lines.append(_exact(values, hidden, [(i, column) for i in rows], (top, column),
                                    ("rest", breakdown, column)))
    out = protect(values, hidden, lines)
    return {key for key in out if isinstance(key[0], int)}  # type: ignore[index]


def convergence_cells(cells: pd.DataFrame, totals: pd.Series, k: int) -> tuple[set[tuple[str, str]], set[str]]:
    """(theme, category) cells and themes whose ``units`` total to blank.

    The theme total is the complement chosen first: the per-category counts feed the indices
    (group score, entropy), the total feeds nothing, so hiding it costs the analyst least.
    """
    values: dict[Key, int] = {}
    hidden: set[Key] = set()
    members: dict[Hashable, list[Key]] = {}
    caps: dict[Key, int] = {}
    for theme, category, n, N, suppressed in zip(cells["theme_id"], cells["category"], cells["n"], cells["N"],
                                                 cells["suppressed"]):
        values[(theme, category)] = int(n)
        if N >= k:  # the category's units are printed: a cap on each of its cells
            caps[(theme, category)] = int(N)
        members.setdefault(theme, []).append((theme, category))
        if suppressed:
            hidden.add((theme, category))
    lines = []
    for theme, keys in members.items():
        total = int(totals.get(theme, 0))
        values[("units", theme)] = total
        if 0 < total < k:
            hidden.add(("units", theme))
        lines.append(_exact(values, hidden, keys, ("units", theme), ("rest", theme)))
    out = protect(values, hidden, lines, upper=caps,
                  cost=lambda key, value: 0.0 if key[0] == "units" else float(value) + 1)  # type: ignore[index]
    cell_keys = {key for key in out if key[0] not in ("units", "rest")}  # type: ignore[index]
    return cell_keys, {key[1] for key in out if key[0] == "units"}  # type: ignore[index]


MEASURES = ("points", "first", "mentions")


def priority_cells(groups: dict[str, pd.DataFrame], respondents: dict[str, int], k: int) -> set[tuple[str, ...]]:
    """Cells ``(measure, theme, group)`` and ``("respondents", group)`` to blank.

    ``groups`` maps ``"all"`` and each category to its frame (index: theme; columns: the
    measures); a theme × group is blanked as a whole when its points or mentions are, since the
    three measures of one cell are tied (points lie between mentions and 3 × mentions).
    """
    values: dict[Key, int] = {}
    hidden: set[Key] = set()
    themes = list(groups["all"].index) if "all" in groups else []
    for group, frame in groups.items():
        N = int(respondents.get(group, 0))
        values[("respondents", group)] = N
        if N < k:
            hidden.add(("respondents", group))
        for theme in themes:
            counts = {m: int(frame[m].get(theme, 0)) for m in MEASURES}
            for m in MEASURES:
                values[(m, theme, group)] = counts[m]
            if N < k or 0 < counts["mentions"] < k:
                hidden.update((m, theme, group) for m in MEASURES)
            elif 0 < counts["first"] < k:
                hidden.add(("first", theme, group))
    categories = [g for g in groups if g != "all"]
    lines: list[Line] = []
    if "all" in groups:
        for m in MEASURES:
            for theme in themes:
                lines.append(_exact(values, hidden, [(m, theme, c) for c in categories], (m, theme, "all"),
                                    ("rest", m, theme)))
        lines.append(_exact(values, hidden, [("respondents", c) for c in categories], ("respondents", "all"),
                            ("rest", "respondents")))
    for group in groups:
        lines.append(_exact(values, hidden, [("first", t, group) for t in themes], ("respondents", group),
                            ("rest", "first", group)))
    while True:
        out = protect(values, hidden, lines)
        tied = {(m, key[1], key[2]) for key in out if key[0] in ("points", "mentions") for m in MEASURES}  # type: ignore[index]
        if tied <= out:
            return {key for key in out if key[0] != "rest"}  # type: ignore[index]
        hidden = out | tied


VOTE_MEASURES = ("seen", "agree", "disagree", "pass")


@dataclass
class RoundCounts:
    """One deliberation round's true counts, as :mod:`exports.tables.consensus` publishes them.

    ``cells``: statement_id, category, agree, disagree, pass, seen (every category that voted,
    also those under k, which are never shown); ``categories``: the round's categories (≥ k
    voters, their ``voters`` printed); ``groups``: group, category, participants, group_size of
    the opinion groups (or None); ``grouped``: participants of each category in the groups.
    """

    round_id: int
    cells: pd.DataFrame
    categories: Sequence[str]
    voters: Mapping[str, int]
    groups: pd.DataFrame | None = None
    grouped: Mapping[str, int] = field(default_factory=dict)


def consensus_cells(rounds: Sequence[RoundCounts], k: int, votes_total: int | None = None) -> set[tuple[Hashable, ...]]:
    """Cells of the consensus tables to blank, primary and complementary, for every round at once.

    Keys: ``("cell", round, statement, category, measure)`` (``consensus_by_category``; a
    category under k is never shown, so all its cells are hidden), ``("total", round, statement,
    measure)`` (``consensus_shared``: every voter, all categories), ``("voters", round, category)``,
    ``("group", round, group, category)`` and ``("size", round, group)`` (``consensus_groups``).
    The sums a reader can use: per statement and measure, total = Σ categories; per cell and
    total, seen = agree + disagree + pass; per opinion group, group_size = Σ categories; per
    category, Σ groups = its voters when all of them are in the groups. ``votes_total``: only if
    the number of votes is printed — Σ every statement's seen total — which ties every statement's
    blanks into one system (audited last, and slowly: minutes for a category under k on hundreds of
    statements; the tables print the number of rounds instead). Caps: a cell ≤ its category's voters. The complement
    chosen first is a statement's total (it feeds only the overall agree rate), never a cell
    that counts in the measures unless nothing else is left.
    """
    values: dict[Key, int] = {}
    hidden: set[Key] = set()
    caps: dict[Key, int] = {}
    counting: set[Key] = set()
    # the lines in independent parts: each statement's, each round's opinion groups; the printed
    # number of votes ties every statement's seen total together and is added last (it is the
    # costly part: protect's look-ahead runs over every line it is given)
    statement_lines: dict[Hashable, list[Line]] = {}
    group_lines: list[list[Line]] = []
    seen_totals: list[Key] = []
    for r in rounds:
        rid = r.round_id
        shown = set(r.categories)
        per_statement: dict[Hashable, list[tuple[Hashable, dict[str, int]]]] = {}
        for record in r.cells.to_dict("records"):
            counts = {m: int(record[m]) for m in VOTE_MEASURES}
            per_statement.setdefault(record["statement_id"], []).append((record["category"], counts))
        for statement, members in per_statement.items():
            lines = statement_lines.setdefault((rid, statement), [])
            totals = {m: sum(c[m] for _, c in members) for m in VOTE_MEASURES}
            for m in VOTE_MEASURES:
                values[("total", rid, statement, m)] = totals[m]
                if totals["seen"] < k:
                    hidden.add(("total", rid, statement, m))
            lines.append(line([("total", rid, statement, m) for m in VOTE_MEASURES[1:]], ("total", rid, statement, "seen")))
            seen_totals.append(("total", rid, statement, "seen"))
            for category, counts in members:
                keys = {m: ("cell", rid, statement, category, m) for m in VOTE_MEASURES}
                for m, key in keys.items():
                    values[key] = counts[m]
                    if category not in shown or counts["seen"] < k:
                        hidden.add(key)
                    else:
                        counting.add(key)
                    if category in shown:
                        caps[key] = int(r.voters[category])
                lines.append(line([keys[m] for m in VOTE_MEASURES[1:]], keys["seen"]))
            for m in VOTE_MEASURES:
                lines.append(line([("cell", rid, statement, c, m) for c, _ in members], ("total", rid, statement, m)))
        for category in shown:
            values[("voters", rid, category)] = int(r.voters[category])
        if r.groups is not None and len(r.groups):
            lines = []
            columns: dict[Hashable, list[Key]] = {}
            for group, part in r.groups.groupby("group", sort=True):
                size = ("size", rid, group)
                values[size] = int(part["group_size"].iloc[0])
                if 0 < values[size] < k:
                    hidden.add(size)
                members_g = []
                for category, n in zip(part["category"], part["participants"]):
                    key = ("group", rid, group, category)
                    values[key] = int(n)
                    if 0 < int(n) < k:
                        hidden.add(key)
                    if category in shown:
                        caps[key] = int(r.voters[category])
                    members_g.append(key)
                    columns.setdefault(category, []).append(key)
                lines.append(_exact(values, hidden, members_g, size, ("rest", rid, "size", group)))
            for category, keys in columns.items():
                if category in shown and int(r.grouped.get(category, -1)) == int(r.voters[category]):
                    lines.append(line(keys, ("voters", rid, category)))
            group_lines.append(lines)

    def cost(key: Key, value: int) -> float:
        kind = key[0]  # type: ignore[index]
        if kind == "total":
            return 0.001 * (1 + value)  # feeds the overall agree rate only
        if kind in ("voters", "votes"):
            return 1e6 + value  # printed on every row, and the caps: the last resort
        return float(value) + (1000.0 if key in counting else 1.0)  # a counting cell feeds every measure

    def exposed(lines: list[Line], out: set[Key]) -> bool:
        return any(c in out and values.get(c, 0) for ln in lines for c in ln.cells)

    out = set(hidden)
    for lines in [*statement_lines.values(), *group_lines]:
        if exposed(lines, out):  # a part without a hidden count needs nothing; the parts share no cell
            out |= protect(values, {c for ln in lines for c in ln.cells if c in out}, lines, cost=cost, upper=caps)
    if votes_total is not None and seen_totals:
        values[("votes",)] = int(votes_total)
        votes = _exact(values, out, seen_totals, ("votes",), ("rest", "votes"))
        # the printed votes with the statements that hold a blank (the others' totals are known
        # numbers in it); a statement whose total becomes a complement brings its own lines along
        involved = {key for key, lines in statement_lines.items() if exposed(lines, out)}
        while involved:
            out = protect(values, out, [votes, *(ln for key in involved for ln in statement_lines[key])],
                          cost=cost, upper=caps)
            more = {key for key in statement_lines if ("total", *key, "seen") in out} - involved
            if not more:
                break
            involved |= more
    return {key for key in out if key[0] != "rest"}  # type: ignore[index]
