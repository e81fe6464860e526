"""The additive structure of each convergence table, handed to :func:`exports.disclosure.protect`.

Each function takes a table's *true* counts and its primary suppression (1 … k−1 blank) and
returns every cell to leave blank, complements included. What a reader can add up is written
out here once per table (docs/convergence.md, "Secondary suppression"):

* ``innovation_profiles``: per row, firms = Σ profiles; per column, the *all* row = Σ sectors
  and = Σ sizes (firms without a sector or size enter as a hidden remainder);
* ``convergence``: per theme, units = Σ categories (every unit has one category);
* ``priorities`` with ``priorities_by_category``: overall = Σ categories for points, first and
  mentions; per group, Σ first = respondents; respondents overall = Σ categories.
"""

from __future__ import annotations

from collections.abc import Hashable, Sequence

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
