"""The sums and derived numbers a reader of the published consensus tables can use, as equations.

Written from the published rows alone (plus the truth, to check the attacker's sums hold and to
grant it which categories voted on what): the per-statement totals of ``consensus_shared``, the
cells and voters of ``consensus_by_category``, the "out" side of ``consensus_distinctive``, the
opinion groups and the printed number of votes. Rates are turned back into counts where they
can be (agree_rate = (A+1)/(S+2), agree_share = A/S, rate_out, share_of_group); then
:func:`tests.support.disclosure_attack.recovered` solves for every blank.
"""

from __future__ import annotations

from collections.abc import Hashable, Iterable, Mapping
from typing import Any

from tests.support.disclosure_attack import Equation

MEASURES = ("seen", "agree", "disagree", "pass")
Key = Hashable


def _int(value: Any) -> int | None:
    return None if value is None else int(round(float(value)))


def truth_of(votes: Iterable[tuple[int, str, str, str]], groups: Any, statement_ids: Mapping[int, int]) -> dict[Key, int]:
    """True cells of the round from the votes as stored (statement number, person, category, choice)."""
    truth: dict[Key, int] = {}
    people: dict[str, set[str]] = {}
    for number, person, category, choice in votes:
        s = statement_ids[number]
        for key in (("cell", s, category, "seen"), ("total", s, "seen"), ("cell", s, category, choice),
                    ("total", s, choice)):
            truth[key] = truth.get(key, 0) + 1
        people.setdefault(category, set()).add(person)
        truth[("votes",)] = truth.get(("votes",), 0) + 1
    for key in [k for k in truth if k[0] in ("cell", "total")]:  # type: ignore[index]
        for m in MEASURES:
            truth.setdefault((*key[:-1], m), 0)  # type: ignore[index]
    for category, members in people.items():
        truth[("voters", category)] = len(members)
    for r in groups.to_dict("records"):
        truth[("grp", r["group"], r["category"])] = int(r["participants"])
        truth[("size", r["group"])] = int(r["group_size"])
    return truth


def published_of(tables: Mapping[str, list[dict[str, Any]]], votes_count: int | None, truth: Mapping[Key, int]
                 ) -> tuple[dict[Key, int | None], list[Equation], dict[Key, int]]:
    """(published cells, the equations a reader can write, the caps) from the tables' rows;
    ``votes_count``: the number of votes, where one is printed beside the tables."""
    published: dict[Key, int | None] = {key: None for key in truth}
    published[("votes",)] = votes_count
    for r in tables["consensus_shared"]:
        for m in MEASURES:
            published[("total", r["statement_id"], m)] = _int(r[m])
    for r in tables["consensus_by_category"]:
        for m in MEASURES:
            published[("cell", r["statement_id"], r["category"], m)] = _int(r[m])
        published[("voters", r["category"])] = _int(r["voters"])
    for r in tables.get("consensus_groups", []):
        published[("grp", r["group"], r["category"])] = _int(r["participants"])
        published[("size", r["group"])] = _int(r["group_size"])
    for _ in range(3):  # numbers derived from counts give counts back
        _derive(published, tables)
    for key, value in published.items():  # what is shown (or derived) is true
        assert value is None or value == truth[key], (key, value, truth[key])
    equations: list[Equation] = []
    statements = sorted({key[1] for key in truth if key[0] == "total"})  # type: ignore[index]
    for s in statements:
        categories = sorted({key[2] for key in truth if key[0] == "cell" and key[1] == s})  # type: ignore[index]
        for m in MEASURES:
            equations.append(([("cell", s, c, m) for c in categories], ("total", s, m)))
        for prefix in [("total", s), *(("cell", s, c) for c in categories)]:
            equations.append(([(*prefix, m) for m in MEASURES[1:]], (*prefix, "seen")))
    if votes_count is not None:
        equations.append(([("total", s, "seen") for s in statements], ("votes",)))
    groups = sorted({key[1] for key in truth if key[0] == "size"})  # type: ignore[index]
    for g in groups:
        equations.append(([key for key in truth if key[0] == "grp" and key[1] == g], ("size", g)))  # type: ignore[index]
    for c in {key[2] for key in truth if key[0] == "grp"}:  # type: ignore[index]
        members = [key for key in truth if key[0] == "grp" and key[2] == c]  # type: ignore[index]
        if published.get(("voters", c)) is not None and sum(truth[m] for m in members) == truth[("voters", c)]:
            equations.append((members, ("voters", c)))  # every voter of the category is in a group
    caps = {key: int(published[("voters", key[-2] if key[0] == "cell" else key[2])])  # type: ignore[arg-type,index]
            for key in truth if key[0] in ("cell", "grp")  # type: ignore[index]
            and published.get(("voters", key[-2] if key[0] == "cell" else key[2])) is not None}  # type: ignore[index]
    return published, equations, caps


def _derive(published: dict[Key, int | None], tables: Mapping[str, list[dict[str, Any]]]) -> None:
    def fill(key: Key, value: float) -> None:
        if published.get(key) is None and key in published:
            published[key] = int(round(value))

    def rate_pair(prefix: tuple[Any, ...], rate: Any, share: Any = None) -> None:
        seen, agree = published[(*prefix, "seen")], published[(*prefix, "agree")]
        if rate is None:
            return
        if seen is not None:
            fill((*prefix, "agree"), rate * (seen + 2) - 1)
        elif agree is not None:
            fill((*prefix, "seen"), (agree + 1) / rate - 2)
        elif share is not None and abs(share - rate) > 1e-12:
            s = (2 * rate - 1) / (share - rate)
            fill((*prefix, "seen"), s)
            fill((*prefix, "agree"), share * s)

    for r in tables["consensus_shared"]:
        rate_pair(("total", r["statement_id"]), r["agree_rate"])
    for r in tables["consensus_by_category"]:
        rate_pair(("cell", r["statement_id"], r["category"]), r["agree_rate"], r["agree_share"])
    for r in tables.get("consensus_distinctive", []):
        s, c, d = r["statement_id"], r["category"], r["direction"]
        rate_out = r["rate_out"]
        if rate_out is None and r["ratio"] is not None:
            rate_out = r["rate_in"] / r["ratio"]
        if r["seen_out"] is not None:
            fill(("total", s, "seen"), r["seen_in"] + r["seen_out"])
            inside = published.get(("cell", s, c, d))
            if rate_out is not None and inside is not None:
                fill(("total", s, d), inside + rate_out * (r["seen_out"] + 2) - 1)
    for r in tables.get("consensus_groups", []):
        share, n, size = r["share_of_group"], r["participants"], r["group_size"]
        if share is not None and size is not None:
            fill(("grp", r["group"], r["category"]), share * size)
        if share and n is not None:
            fill(("size", r["group"]), n / share)
