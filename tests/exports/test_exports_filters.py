"""exports.filters: which runs a filter set keeps, and the guard that refuses views a difference could give away."""

from __future__ import annotations

from datetime import date, datetime, timezone

from exports.filters import Filters, FilterError, categorise, export_runs, select
from storage.facets import RespondentFacets, RunDay

import pytest


def _city(firms: int, citizens: int, day: date = date(2026, 3, 4)) -> tuple[dict[int, RespondentFacets], list[RunDay]]:
    facets, runs = {}, []
    for i in range(firms + citizens):
        firm = i < firms
        facets[i] = RespondentFacets(i, f"p{i}", "web" if i % 2 else "telegram", None,
                                     {"municipality": "crema" if i % 3 == 0 else "cremona"})
        when = datetime(day.year, day.month, day.day, 10, tzinfo=timezone.utc)
        runs.append(RunDay(i, i, "imprese" if firm else "visione", "completed", when, when))
    return categorise(facets, runs, "imprese"), runs


def test_get_parameters_round_trip_and_bad_dates_are_refused():
    chosen = Filters.from_query({"categoria": ["firm", "citizen"], "dal": ["2026-03-04"], "al": ["2026-03-20"]})
    assert chosen.categories == ("citizen", "firm") and chosen.start == date(2026, 3, 2)  # whole weeks: the Monday
    assert chosen.end == date(2026, 3, 22) and Filters.from_query(dict(_pairs(chosen))) == chosen
    with pytest.raises(FilterError):
        Filters.from_query({"dal": ["2026-13-01"]})
    with pytest.raises(FilterError):
        Filters.from_query({"dal": ["2026-03-20"], "al": ["2026-03-01"]})


def _pairs(chosen: Filters) -> dict[str, list[str]]:
    out: dict[str, list[str]] = {}
    for name, value in chosen.pairs():
        out.setdefault(name, []).append(value)
    return out


def test_a_category_keeps_its_runs_and_the_survey_of_firms_counts_as_firms():
    facets, runs = _city(firms=20, citizens=30)
    kept = select(Filters(categories=("firm",)), facets, runs, k=3)
    assert kept.refused is None and kept.respondents == 20 and kept.run_ids == set(range(20))


def test_too_few_people_are_refused():
    facets, runs = _city(firms=5, citizens=30)
    assert select(Filters(categories=("firm",)), facets, runs, k=3).refused == "too_few"  # 5 < 2k


def test_a_view_a_few_people_away_from_a_wider_one_is_refused():
    facets, runs = _city(firms=30, citizens=30)
    facets[59] = RespondentFacets(59, "p59", "web", None, {"municipality": "soresina"})  # one citizen elsewhere
    everyone_else = Filters(municipalities=("crema", "cremona"))
    assert select(everyone_else, facets, runs, k=3).refused == "too_close"  # all minus one person
    assert select(Filters(municipalities=("crema",)), facets, runs, k=3).refused is None


def test_a_thin_first_week_is_refused():
    facets, runs = _city(firms=30, citizens=0)
    lone = datetime(2026, 2, 24, 9, tzinfo=timezone.utc)
    runs[0] = RunDay(0, 0, "imprese", "completed", lone, lone)  # one firm, a week earlier
    assert select(Filters(since=date(2026, 2, 23)), facets, runs, k=3).refused == "too_close"
    assert select(Filters(since=date(2026, 3, 2)), facets, runs, k=3).refused == "too_close"  # differs by one
    assert select(Filters(categories=("firm",)), facets, runs, k=3).refused is None


def test_the_raw_export_keeps_the_same_runs():
    facets, runs = _city(firms=20, citizens=10)

    class Run:
        def __init__(self, r: RunDay) -> None:
            self.respondent, self.started_at, self.completed_at = f"p{r.respondent_id}", r.started_at, r.completed_at

    chosen = Filters(channels=("web",))
    kept = export_runs(chosen, "imprese", [Run(r) for r in runs[:20]], facets)
    assert len(kept) == len({r for r in select(chosen, facets, runs, k=3).run_ids if r < 20}) == 10
