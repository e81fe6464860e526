"""One set of filters for the dashboard, its downloads and the raw export: who and when is counted.

A :class:`Filters` is read from plain GET parameters (``?categoria=impresa&dal=2026-11-01``: a
page can be bookmarked, and the form works without JavaScript) or from ``scenari export``'s flags,
and selects *runs*: a run counts when its questionnaire and its day (UTC; the day it was completed,
else the day it started) are within the filters, (whole weeks: see below), and its respondent matches every facet given
(:mod:`storage.facets`: channel, actor category, municipality, innovation profile, age band).
Values of one facet are alternatives (OR); different facets must all match (AND).

Filtering makes small groups likely, so a filtered view must also pass :func:`guard` before
anything is computed from it — the tables then suppress small cells *after* filtering, as every
table does (:mod:`exports.disclosure`, :mod:`exports.complements`):

* the selected group has at least :func:`minimum_group` respondents (or none);
* widening any single filter (dropping one facet, or one date bound) adds either nobody or at
  least that many respondents, so the difference between this view and the wider one never
  describes a handful of people;
* dates count in whole weeks (``since`` from the Monday of its week, ``until`` to the Sunday of
  its), and the week at each bound given (the first with selected runs, for ``since``; the last,
  for ``until``) has that many respondents, so moving a date bound cannot single out the people
  of one day, nor of one thin week (an open end is covered by the rule above: dropping the other
  bound must add nobody or that many).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import date, datetime, timedelta
from functools import lru_cache
from pathlib import Path
from typing import Any, Protocol
from urllib.parse import urlencode

from storage.aggregates import AggregateData
from storage.facets import RespondentFacets, RunDay

from .vocabulary import CITIZEN

# facet → the GET parameter naming it (Italian: the dashboard's addresses are Italian)
PARAMETERS = {"questionnaires": "questionario", "channels": "canale", "categories": "categoria",
              "municipalities": "comune", "profiles": "profilo", "age_bands": "eta"}
SINCE, UNTIL = "dal", "al"
FACET_KEYS = {"municipalities": "municipality", "profiles": "profile", "age_bands": "age_band"}
MAX_VALUES = 50  # values of one filter read from a query (a longer list is cut: a form has fewer)


class FilterError(ValueError):
    """A filter that cannot be read (a date that is no date, the end before the start)."""


def minimum_group(k: int) -> int:
    """The fewest respondents a filtered view may describe: twice the small-cell threshold."""
    return max(2 * k, 2)


@dataclass(frozen=True)
class Filters:
    questionnaires: tuple[str, ...] = ()
    channels: tuple[str, ...] = ()
    categories: tuple[str, ...] = ()
    municipalities: tuple[str, ...] = ()
    profiles: tuple[str, ...] = ()
    age_bands: tuple[str, ...] = ()
    since: date | None = None
    until: date | None = None

    # --- reading and writing ------------------------------------------------------------------

    @classmethod
    def from_query(cls, params: Any) -> Filters:
        """From a query string's parameters (anything with ``getlist``, or name → list of values)."""
        def values(name: str) -> tuple[str, ...]:
            raw = params.getlist(name) if hasattr(params, "getlist") else params.get(name) or []
            raw = [raw] if isinstance(raw, str) else list(raw)
            return tuple(sorted({v.strip() for v in raw[:MAX_VALUES] if v and v.strip()}))[:MAX_VALUES]

        def day(name: str) -> date | None:
            found = values(name)
            if not found:
                return None
            try:
                return date.fromisoformat(found[0])
            except ValueError:
                raise FilterError(name) from None

        made = cls(**{attr: values(name) for attr, name in PARAMETERS.items()}, since=day(SINCE), until=day(UNTIL))
        if made.since and made.until and made.until < made.since:
            raise FilterError(UNTIL)
        return made

    def pairs(self) -> list[tuple[str, str]]:
        out = [(PARAMETERS[attr], v) for attr in PARAMETERS for v in getattr(self, attr)]
        if self.since:
            out.append((SINCE, self.since.isoformat()))
        if self.until:
            out.append((UNTIL, self.until.isoformat()))
        return out

    def query(self) -> str:
        """``?…`` for a link keeping these filters; empty when there is none."""
        pairs = self.pairs()
        return "?" + urlencode(pairs) if pairs else ""

    @property
    def empty(self) -> bool:
        return not self.pairs()

    def widened(self) -> list[Filters]:
        """Every view with one filter dropped (a facet, or one date bound)."""
        out = [replace(self, **{attr: ()}) for attr in PARAMETERS if getattr(self, attr)]
        out += [replace(self, **{bound: None}) for bound in ("since", "until") if getattr(self, bound)]
        return out

    # --- matching -----------------------------------------------------------------------------

    def respondent_matches(self, facets: RespondentFacets | None) -> bool:
        if not (self.channels or self.categories or any(getattr(self, a) for a in FACET_KEYS)):
            return True
        if facets is None:
            return False
        if self.channels and facets.channel not in self.channels:
            return False
        if self.categories and category_of(facets) not in self.categories:
            return False
        return all(facets.values.get(key) in getattr(self, attr) for attr, key in FACET_KEYS.items()
                   if getattr(self, attr))

    @property
    def start(self) -> date | None:
        """The first day counted: the Monday of ``since``'s week (whole weeks: see :func:`select`)."""
        return self.since - timedelta(days=self.since.weekday()) if self.since else None

    @property
    def end(self) -> date | None:
        """The last day counted: the Sunday of ``until``'s week."""
        return self.until + timedelta(days=6 - self.until.weekday()) if self.until else None

    def run_matches(self, questionnaire_id: str, day: date | None, facets: RespondentFacets | None) -> bool:
        if self.questionnaires and questionnaire_id not in self.questionnaires:
            return False
        if (self.since or self.until) and day is None:
            return False
        if self.start and day < self.start:  # type: ignore[operator]
            return False
        if self.end and day > self.end:  # type: ignore[operator]
            return False
        return self.respondent_matches(facets)


BUSINESS_CATEGORY = "firm"  # the register's category of firms (plans/*/lists/actor_categories.yaml)


def categorise(facets: Mapping[int, RespondentFacets], runs: Sequence[RunDay], business: str | None,
               category: str = BUSINESS_CATEGORY) -> dict[int, RespondentFacets]:
    """The facets with a respondent of the firms' survey (``business``), not in the register and
    declaring no category, counted as a firm: the innovation tables count them as firms too."""
    firms = {r.respondent_id for r in runs if business and r.questionnaire_id == business and r.status == "completed"}
    return {rid: replace(f, category=category) if rid in firms and f.category is None and "category" not in f.values
            else f for rid, f in facets.items()}


def category_of(facets: RespondentFacets) -> str:
    """The register actor's category, else the category an interviewee declared, else a citizen."""
    return facets.category or facets.values.get("category") or CITIZEN


def day_of(started_at: datetime | None, completed_at: datetime | None) -> date | None:
    when = completed_at or started_at
    return when.date() if when is not None else None


# --- the selection -----------------------------------------------------------------------------


@dataclass
class Selection:
    """The completed runs a filter set keeps, and whether it may be shown."""

    filters: Filters
    run_ids: set[int]
    respondents: int
    refused: str | None = None  # why the view is not shown: "too_few" | "too_close" | None
    minimum: int = 0
    days: dict[date, set[int]] = field(default_factory=dict)  # day → respondents (completed runs)


def _kept(filters: Filters, facets: Mapping[int, RespondentFacets], runs: Sequence[RunDay]) -> list[RunDay]:
    return [r for r in runs if r.status == "completed"
            and filters.run_matches(r.questionnaire_id, day_of(r.started_at, r.completed_at),
                                    facets.get(r.respondent_id))]


def select(filters: Filters, facets: Mapping[int, RespondentFacets], runs: Sequence[RunDay], k: int) -> Selection:
    """The completed runs ``filters`` keep, checked by the guard of this module's docstring."""
    kept = _kept(filters, facets, runs)
    people = {r.respondent_id for r in kept}
    days: dict[date, set[int]] = {}
    for r in kept:
        days.setdefault(day_of(r.started_at, r.completed_at), set()).add(r.respondent_id)  # type: ignore[arg-type]
    minimum = minimum_group(k)
    chosen = Selection(filters, {r.run_id for r in kept}, len(people), None, minimum, days)
    if filters.empty or not people:
        return chosen
    if len(people) < minimum:
        chosen.refused = "too_few"
        return chosen
    for wider in filters.widened():
        extra = len({r.respondent_id for r in _kept(wider, facets, runs)} - people)
        if 0 < extra < minimum:
            chosen.refused = "too_close"
            return chosen
    if (filters.since or filters.until) and days:
        weeks: dict[date, set[int]] = {}
        for day, who in days.items():
            weeks.setdefault(day - timedelta(days=day.weekday()), set()).update(who)
        edges = ([min(weeks)] if filters.since else []) + ([max(weeks)] if filters.until else [])
        if any(len(weeks[edge]) < minimum for edge in edges):
            chosen.refused = "too_close"
    return chosen


def restrict(data: AggregateData, run_ids: set[int]) -> AggregateData:
    """The rows of ``data`` that belong to the kept runs (and the cards and ratings of those runs).

    The deliberation votes are not tied to a run: a filtered view leaves them out."""
    runs = [r for r in data.runs if r.run_id in run_ids]
    answers = [a for a in data.answers if a.run_id in run_ids]
    answer_ids = {a.answer_id for a in answers}
    cards = [c for c in data.cards if c.source_run_id in run_ids]
    card_ids = {c.card_id for c in cards}
    return replace(
        data, runs=runs, answers=answers, tags=[t for t in data.tags if t.answer_id in answer_ids],
        # every respondent stays (a respondent without a kept run counts nowhere): an all-citizen
        # selection would otherwise leave the actor column without one number, which pandas cannot join
        outcomes=[o for o in data.outcomes if o.run_id in run_ids], cards=cards,
        ratings=[r for r in data.ratings if r.card_id in card_ids], answer_total=len(answers), votes=None,
    )


class _ExportRun(Protocol):
    respondent: str
    started_at: datetime
    completed_at: datetime | None


def export_runs(filters: Filters, questionnaire_id: str, runs: Iterable[Any],
                facets: Mapping[int, RespondentFacets]) -> list[Any]:
    """The raw export's runs (:class:`storage.repository.ExportRun`, keyed by pseudonym) these filters keep."""
    by_pseudonym = {f.pseudonym: f for f in facets.values()}
    return [run for run in runs
            if filters.run_matches(questionnaire_id, day_of(run.started_at, run.completed_at),
                                   by_pseudonym.get(run.respondent))]


# --- the choices a form offers -----------------------------------------------------------------


@dataclass(frozen=True)
class Choice:
    value: str
    label: str


def present(facets: Mapping[int, RespondentFacets], runs: Sequence[RunDay]) -> dict[str, list[str]]:
    """The values each facet takes among respondents with a completed run (what a form offers)."""
    active = {r.respondent_id for r in runs if r.status == "completed"}
    out: dict[str, set[str]] = {attr: set() for attr in PARAMETERS}
    out["questionnaires"] = {r.questionnaire_id for r in runs if r.status == "completed"}
    for rid in active:
        f = facets.get(rid)
        if f is None:
            continue
        out["channels"].add(f.channel)
        out["categories"].add(category_of(f))
        for attr, key in FACET_KEYS.items():
            if key in f.values:
                out[attr].add(f.values[key])
    return {attr: sorted(values) for attr, values in out.items()}


@lru_cache(maxsize=8)
def question_labels(questionnaires: Path | None, lists: Path | None, key: str, lang: str) -> dict[str, str]:
    """code → label of the first plan questionnaire asking ``key`` (a municipality, an age band)."""
    if questionnaires is None or not questionnaires.is_dir():
        return {}
    from dialogs import load_file

    for path in sorted(questionnaires.glob("*.yaml")):
        try:
            q = load_file(path, shared_lists=lists)
            question = q.question(key)
        except Exception:  # a file that is not a questionnaire, or without the question
            continue
        return {c.value: c.label.get(lang) for c in q.choices_for(question)}
    return {}

