"""Secondary (complementary) cell suppression: no hidden count can be worked out from what is shown.

Primary suppression (a count of 1 … k−1 is blank) is not enough when a table also prints its
totals: a reader subtracts the visible cells from the total (sector C: 10 firms − 3 − 6 = 1).
Every table builder of :mod:`exports.tables` describes its additive structure as *lines*
— ``total = Σ members`` — over cells keyed by anything hashable, and calls :func:`protect`,
which hides more cells until no hidden one is determined:

1. **Lines.** While some line (its members and its total together) has exactly one hidden
   non-zero cell (a hidden zero needs no protection — zeros are shown anyway — and gives none), hide one more cell of that line: the one that costs the analyst least (by default the
   smallest non-zero count, looking one step ahead at what each choice drags after it; a
   builder may say a total is cheaper, see ``cost``). Zeros are chosen only when nothing else
   is left, since a blank zero protects little.
2. **Audit.** The lines are linear equations; the hidden cells are their unknowns. A hidden
   cell is determined exactly when its unit vector lies in the row space of the equations
   restricted to the hidden cells (the projection onto that space keeps it whole; one SVD).
3. **Bounds.** An attacker also knows that a blank is ≥ 1 and some caps (units ≤ the
   category's units): a linear program per hidden cell gives its least and greatest value;
   a cell whose range holds a single whole number gets a complement too, and 1–2 run again. Each determined cell gets one more complement from its lines, and step 1 runs again.

Every step only hides more, so the loop ends (docs/convergence.md;
tests/exports/test_exports_disclosure.py attacks the published tables with the same kind of
linear programs, written from the published frames alone).
"""

from __future__ import annotations

from collections.abc import Callable, Hashable, Iterable, Mapping, Sequence
from dataclasses import dataclass

import math

import numpy as np

Key = Hashable


@dataclass(frozen=True)
class Line:
    """``total = Σ members``; ``total=None``: the sum is known otherwise (fixed by design)."""

    members: tuple[Key, ...]
    total: Key | None = None

    @property
    def cells(self) -> tuple[Key, ...]:
        return self.members if self.total is None else (*self.members, self.total)


def line(members: Iterable[Key], total: Key | None = None) -> Line:
    return Line(tuple(members), total)


def protect(
    values: Mapping[Key, int],
    hidden: Iterable[Key],
    lines: Sequence[Line],
    cost: Callable[[Key, int], float] | None = None,
    upper: Mapping[Key, int] | None = None,
) -> set[Key]:
    """The cells to hide (the primary ones and their complements) so that none is determined.

    ``values`` holds the true count of every cell that appears in a line; ``hidden`` the cells
    already blank (primary suppression, or cells never published). ``cost(key, value)`` is what
    hiding a cell costs the analyst (default: its value). ``upper`` holds published caps (a
    theme's units in a category ≤ the category's units). A hidden zero needs no protection
    (zeros are shown anyway) and gives none: it is treated as known.
    """
    price = cost or (lambda _key, value: float(value))
    caps = upper or {}
    out = _run(values, set(hidden), lines, price, look=True)
    while True:
        narrow = pinned_by_bounds(values, out, lines, caps)
        picks: set[Key] = set()
        for key in narrow:  # one complement per pinned cell, all in one round (each audit costs)
            own = [c for ln in lines if key in ln.cells for c in ln.cells]
            if picks & set(own):
                continue  # a complement just chosen sits on its lines already
            pool = _eligible(own, values, out) or _eligible([c for ln in lines for c in ln.cells], values, out)
            if pool:
                picks.add(min(pool, key=lambda c: (price(c, int(values.get(c, 0))), repr(c))))
        if not picks:
            return out
        out = _run(values, out | picks, lines, price, look=True)


LOOK_AHEAD = 4  # candidates completed at each choice


def _run(values: Mapping[Key, int], hidden: set[Key], lines: Sequence[Line],
         price: Callable[[Key, int], float], look: bool) -> set[Key]:
    out = set(hidden)
    cells = [ln.cells for ln in lines]
    of_cell: dict[Key, list[int]] = {}
    for i, keys in enumerate(cells):
        for key in keys:
            of_cell.setdefault(key, []).append(i)
    count = [sum(1 for key in keys if key in out and values.get(key, 0)) for keys in cells]
    while True:
        pool = _candidates(values, out, lines, cells, count)
        if not pool:
            return out
        # first the cells that expose no new line (every other line of theirs already has a blank)
        pool.sort(key=lambda c: (sum(1 for i in of_cell.get(c, []) if count[i] == 0),
                                 price(c, int(values.get(c, 0))), int(values.get(c, 0)), repr(c)))
        best = pool[0]
        if look and len(pool) > 1:
            def loss(candidate: Key) -> float:
                done = _run(values, out | {candidate}, lines, price, look=False)
                return sum(price(c, int(values.get(c, 0))) for c in done - out)
            best = min(pool[:LOOK_AHEAD], key=loss)
        out.add(best)
        if values.get(best, 0):
            for i in of_cell.get(best, []):
                count[i] += 1


def _candidates(values: Mapping[Key, int], hidden: set[Key], lines: Sequence[Line],
                cells: list[tuple[Key, ...]], count: list[int]) -> list[Key]:
    """The visible cells one of which must be hidden next; empty when nothing is exposed."""
    for i, n in enumerate(count):
        if n == 1:
            pool = _eligible(cells[i], values, hidden)
            if pool:
                return pool
    pinned = determined(lines, {key for key in hidden if values.get(key, 0)})
    if not pinned:
        return []
    own = [c for keys in cells if pinned[0] in keys for c in keys]
    return _eligible(own, values, hidden) or _eligible([c for keys in cells for c in keys], values, hidden)


def _eligible(cells: Iterable[Key], values: Mapping[Key, int], hidden: set[Key]) -> list[Key]:
    """Visible non-zero cells: a blank zero protects nothing (it is known to be small)."""
    return [c for c in dict.fromkeys(cells) if c not in hidden and values.get(c, 0) != 0]


def _groups(lines: Sequence[Line], hidden: set[Key]) -> list[list[int]]:
    """Indices of the lines, grouped by the hidden cells they share (independent systems)."""
    parent: dict[Key, Key] = {}

    def root(key: Key) -> Key:
        while parent.setdefault(key, key) != key:
            parent[key] = parent[parent[key]]
            key = parent[key]
        return key

    unknown = [[key for key in ln.cells if key in hidden] for ln in lines]
    for keys in unknown:
        for key in keys[1:]:
            parent[root(key)] = root(keys[0])
    groups: dict[Key, list[int]] = {}
    for i, keys in enumerate(unknown):
        if keys:
            groups.setdefault(root(keys[0]), []).append(i)
    return list(groups.values())


def _system(lines: Sequence[Line], indices: list[int], hidden: set[Key], values: Mapping[Key, int]
            ) -> tuple[list[Key], np.ndarray, np.ndarray]:
    """Unknowns, A and b of ``A x = b`` (known cells moved to the right-hand side)."""
    unknowns = sorted({key for i in indices for key in lines[i].cells if key in hidden}, key=repr)
    column = {key: j for j, key in enumerate(unknowns)}
    matrix = np.zeros((len(indices), len(unknowns)))
    rhs = np.zeros(len(indices))
    for r, i in enumerate(indices):
        ln = lines[i]
        for key, sign in [*((m, 1.0) for m in ln.members), *(((ln.total, -1.0),) if ln.total is not None else ())]:
            if key in column:
                matrix[r, column[key]] += sign
            else:
                rhs[r] -= sign * values.get(key, 0)
    return unknowns, matrix, rhs


def determined(lines: Sequence[Line], hidden: set[Key]) -> list[Key]:
    """The hidden cells whose value follows from the lines and the other cells (linear algebra):
    those whose unit vector lies in the row space of the equations (the projection keeps it whole)."""
    out: list[Key] = []
    for indices in _groups(lines, hidden):
        unknowns, matrix, _ = _system(lines, indices, hidden, {})
        if len(indices) == 1:  # one equation pins its unknown only when it has a single one
            out += unknowns if len(unknowns) == 1 else []
            continue
        _, singular, vt = np.linalg.svd(matrix, full_matrices=False)
        basis = vt[singular > 1e-9 * max(1.0, float(singular.max(initial=0.0)))]
        reach = (basis ** 2).sum(axis=0)
        out += [key for key, r in zip(unknowns, reach) if r > 1 - 1e-9]
    return out


def bounds(values: Mapping[Key, int], hidden: set[Key], lines: Sequence[Line],
           upper: Mapping[Key, int] | None = None, only: set[Key] | None = None) -> dict[Key, tuple[float, float]]:
    """What an attacker can narrow each hidden non-zero cell to: min and max by linear programming.

    The attacker is assumed to know every published cell, every line, that a blank is ≥ 1
    (hidden zeros are given to them as known) and the published caps.
    """
    unknown = {key for key in hidden if values.get(key, 0)}
    caps = upper or {}
    out: dict[Key, tuple[float, float]] = {}
    for indices in _groups(lines, unknown):
        keys, matrix, rhs = _system(lines, indices, unknown, values)
        box = [(1.0, float(caps[k]) if k in caps else None) for k in keys]
        wanted = [j for j, key in enumerate(keys) if only is None or key in only]
        if wanted:
            for j, extremes in _extremes(matrix, rhs, box, wanted).items():
                out[keys[j]] = extremes
    return out


def _extremes(matrix: np.ndarray, rhs: np.ndarray, box: list[tuple[float, float | None]],
              columns: list[int]) -> dict[int, tuple[float, float]]:
    """Least and greatest x_j of ``matrix x = rhs`` within ``box``, for each j of ``columns``
    (NaN / inf when the program has no optimum).

    One HiGHS model per system, only its objective changed between programs (each re-solve starts
    from the last basis): the same solver scipy's ``linprog(method="highs")`` runs, without its
    set-up per call, which cost ~10x the solve on these small systems and made this the slowest
    part of the tables. ``linprog`` when scipy's HiGHS binding is not there."""
    try:
        from scipy.optimize._highspy import _core  # scipy's own HiGHS binding (scipy ≥ 1.15)
        from scipy.sparse import csc_matrix
    except ImportError:
        return _extremes_linprog(matrix, rhs, box, columns)
    rows, n = matrix.shape
    lp = _core.HighsLp()
    lp.num_col_, lp.num_row_ = n, rows
    lp.col_cost_ = np.zeros(n)
    lp.col_lower_ = np.array([low for low, _ in box], dtype=float)
    lp.col_upper_ = np.array([_core.kHighsInf if high is None else high for _, high in box], dtype=float)
    lp.row_lower_ = lp.row_upper_ = np.asarray(rhs, dtype=float)
    sparse = csc_matrix(matrix)
    lp.a_matrix_.format_ = _core.MatrixFormat.kColwise
    lp.a_matrix_.num_col_, lp.a_matrix_.num_row_ = n, rows
    lp.a_matrix_.start_, lp.a_matrix_.index_, lp.a_matrix_.value_ = sparse.indptr, sparse.indices, sparse.data
    highs = _core._Highs()
    highs.setOptionValue("output_flag", False)
    highs.passModel(lp)
    optimal = _core.HighsModelStatus.kOptimal
    out: dict[int, tuple[float, float]] = {}
    for j in columns:
        highs.changeColCost(j, 1.0)
        highs.changeObjectiveSense(_core.ObjSense.kMinimize)
        highs.run()
        low = float(highs.getInfo().objective_function_value) if highs.getModelStatus() == optimal else float("nan")
        highs.changeObjectiveSense(_core.ObjSense.kMaximize)
        highs.run()
        high = float(highs.getInfo().objective_function_value) if highs.getModelStatus() == optimal else float("inf")
        highs.changeColCost(j, 0.0)
        out[j] = (low, high)
    return out


def _extremes_linprog(matrix: np.ndarray, rhs: np.ndarray, box: list[tuple[float, float | None]],
                      columns: list[int]) -> dict[int, tuple[float, float]]:
    from scipy.optimize import linprog  # scipy costs ~1.5 s to import: only tables with blanks pay it

    out: dict[int, tuple[float, float]] = {}
    for j in columns:
        c = np.zeros(matrix.shape[1])
        c[j] = 1.0
        low = linprog(c, A_eq=matrix, b_eq=rhs, bounds=box, method="highs")
        high = linprog(-c, A_eq=matrix, b_eq=rhs, bounds=box, method="highs")
        out[j] = (float(low.fun) if low.status == 0 else float("nan"),
                  float(-high.fun) if high.status == 0 else float("inf"))
    return out


def pinned_by_bounds(values: Mapping[Key, int], hidden: set[Key], lines: Sequence[Line],
                     upper: Mapping[Key, int] | None = None) -> list[Key]:
    """Hidden non-zero cells whose whole-number range is a single value.

    Most cells are cleared without a linear program: moving the true values along the part of
    e_j that lies in the null space keeps every sum, and if the bounds let that move change the
    cell by a whole unit either way, the cell is not pinned. Only the rest get the two programs.
    """
    unknown = {key for key in hidden if values.get(key, 0)}
    caps = upper or {}
    doubtful: set[Key] = set()
    for indices in _groups(lines, unknown):
        keys, matrix, _ = _system(lines, indices, unknown, values)
        x = np.array([float(values[k]) for k in keys])
        low = np.ones(len(keys))
        high = np.array([float(caps[k]) if k in caps else np.inf for k in keys])
        _, singular, vt = np.linalg.svd(matrix, full_matrices=False)
        basis = vt[singular > 1e-9 * max(1.0, float(singular.max(initial=0.0)))]
        for j, key in enumerate(keys):
            if _moves_in_pairs(j, matrix, x, low, high):
                continue
            d = -basis.T @ basis[:, j]
            d[j] += 1.0
            d[np.abs(d) < 1e-12] = 0.0
            if abs(d[j]) < 1e-9 or _step(x, d, low, high) * abs(d[j]) < 1 - 1e-9:
                doubtful.add(key)
    if not doubtful:
        return []
    found = bounds(values, hidden, lines, upper, only=doubtful)
    return sorted((key for key, (lo, hi) in found.items()
                   if math.isfinite(hi) and math.floor(hi + 1e-7) <= math.ceil(lo - 1e-7)), key=repr)


def _step(x: np.ndarray, d: np.ndarray, low: np.ndarray, high: np.ndarray) -> float:
    """The larger of how far x may move along +d and along −d within the bounds."""
    with np.errstate(divide="ignore", invalid="ignore"):
        up = np.where(d > 0, (high - x) / d, np.where(d < 0, (low - x) / d, np.inf))
        down = np.where(d > 0, (x - low) / d, np.where(d < 0, (x - high) / d, np.inf))
    return float(max(up.min(initial=np.inf), down.min(initial=np.inf)))


def _moves_in_pairs(j: int, matrix: np.ndarray, x: np.ndarray, low: np.ndarray, high: np.ndarray) -> bool:
    """Whether cell j can trade a unit with one other hidden cell of its lines, keeping every sum."""
    rows = np.flatnonzero(matrix[:, j])
    for i in np.flatnonzero(matrix[rows].any(axis=0)):
        if i == j:
            continue
        for sign in (1.0, -1.0):
            d = np.zeros(len(x))
            d[j], d[i] = 1.0, sign
            if not (matrix @ d).any() and _step(x, d, low, high) >= 1 - 1e-9:
                return True
    return False
