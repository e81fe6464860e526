"""An attacker of published tables: from what is shown, how far can each blank cell be narrowed?

Written apart from exports/disclosure.py on purpose: it reads only the published cells and the
sums a reader can see (a row's total, the *all* row), and solves integer-relaxed linear programs
(scipy's HiGHS) for the least and greatest value of every blank. It is given more than a real
reader has: which blanks are zeros (they become known) and that every other blank is ≥ 1.
"""

from __future__ import annotations

import math
from collections.abc import Hashable, Mapping, Sequence

import numpy as np
from scipy.optimize import linprog

Key = Hashable
Equation = tuple[Sequence[Key], Key]  # (members, total): total = Σ members


def narrow(published: Mapping[Key, int | None], truth: Mapping[Key, int], equations: Sequence[Equation],
           caps: Mapping[Key, int] | None = None) -> dict[Key, tuple[float, float]]:
    """[min, max] of every blank cell whose true value is not zero."""
    for members, total in equations:  # the sums the attacker uses must really hold
        assert sum(truth[m] for m in members) == truth[total], (members, total)
    unknown = sorted((key for key, v in published.items() if v is None and truth[key] != 0), key=repr)
    if not unknown:
        return {}
    column = {key: j for j, key in enumerate(unknown)}
    known = {key: (v if v is not None else 0) for key, v in published.items()}
    rows, rhs = [], []
    for members, total in equations:
        row = np.zeros(len(unknown))
        b = 0.0
        for key, sign in [*((m, 1.0) for m in members), (total, -1.0)]:
            if key in column:
                row[column[key]] += sign
            else:
                b -= sign * known[key]
        if row.any():
            rows.append(row)
            rhs.append(b)
        else:
            assert abs(b) < 1e-9, "the published cells contradict a sum"
    box = [(1.0, float((caps or {})[k]) if k in (caps or {}) else None) for k in unknown]
    out: dict[Key, tuple[float, float]] = {}
    for key in unknown:
        if not rows:
            out[key] = (1.0, math.inf)
            continue
        c = np.zeros(len(unknown))
        c[column[key]] = 1.0
        low = linprog(c, A_eq=np.vstack(rows), b_eq=rhs, bounds=box, method="highs")
        high = linprog(-c, A_eq=np.vstack(rows), b_eq=rhs, bounds=box, method="highs")
        assert low.status == 0, "the attacker's system must be feasible (the truth satisfies it)"
        out[key] = (low.fun, -high.fun if high.status == 0 else math.inf)
    return out


def recovered(published: Mapping[Key, int | None], truth: Mapping[Key, int], equations: Sequence[Equation],
              caps: Mapping[Key, int] | None = None) -> dict[Key, int]:
    """The blank cells the attacker pins to one whole number, with that number."""
    found = {}
    for key, (low, high) in narrow(published, truth, equations, caps).items():
        if math.isfinite(high) and math.floor(high + 1e-7) <= math.ceil(low - 1e-7):
            found[key] = round(low)
    return found
