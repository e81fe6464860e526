"""What every analysis is made of: the :class:`Table`, the small-cell rule and the listening units.

* :class:`Table` — a pandas frame with a title, a description and the meaning of its columns
  (the README sheet of :mod:`exports.tables.writer` lists them); :class:`Tables` — all of them.
* :func:`suppress` — a count of 1 … k−1 becomes blank (docs/convergence.md); what can be worked
  out from the totals is blanked too, by :mod:`exports.complements`.
* :func:`prepare` — the plain rows of :func:`storage.aggregates.load` as frames, once for every
  analysis: the unit is an *actor* of the register for interviews (two people answering for one
  organisation count once) and a *respondent* for citizens; of each unit only its latest
  completed run of a questionnaire counts.
* :class:`Analysis` — one module's tables: their names (in the workbook's order), the questions
  they read, the function that builds them. :mod:`exports.tables.build` runs the list of them.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from itertools import chain, compress
from typing import Any

import numpy as np
import pandas as pd

from storage.aggregates import AggregateData

from ..options import Options, PlanSources, TableInputs
from ..vocabulary import CITIZEN, Vocabulary, vocabulary

QUOTE_LENGTH = 300
LISTENING = ("ascolto", "visione")  # Cremona's; a plan names its own (exports.options.TableInputs)
PREPARE_KEYS = frozenset({"category"})  # an interviewee's declared category (when not in the register)


@dataclass
class Table:
    name: str
    title: str
    description: str
    frame: pd.DataFrame
    columns: dict[str, str] = field(default_factory=dict)  # column (or prefix + '*') → meaning
    chart: dict[str, Any] | None = None  # {"type": "bar", "categories": col, "values": [cols], "title": …}


@dataclass
class Tables:
    tables: dict[str, Table]
    computed_at: datetime
    counts: dict[str, int]
    options: Options

    def __getitem__(self, name: str) -> pd.DataFrame:
        return self.tables[name].frame

    def __iter__(self) -> Iterator[Table]:
        return iter(self.tables.values())


def suppress(counts: pd.Series, k: int) -> pd.Series:
    """Counts of 1 … k−1 become missing (nullable integers); 0 and ≥ k stay."""
    counts = counts.astype("Int64")
    return counts.mask((counts > 0) & (counts < k))


def blank_small(values: pd.Series, counts: pd.Series, k: int) -> pd.Series:
    """``values`` blank where ``counts`` is 1 … k−1 (a number derived from a small count)."""
    return values.mask((counts > 0) & (counts < k))


# --- rows to frames --------------------------------------------------------------------------


def frame_of(rows: Any, columns: list[str]) -> pd.DataFrame:
    """A frame of ``columns`` from storage's rows (row objects, its columnar ``Columns``, or Arrow
    ``ArrowColumns``); the same frame, with the same dtypes, whichever storage read."""
    table = getattr(rows, "table", None)  # storage.aggregates.ArrowColumns: Arrow columns, converted in C
    if table is not None:
        if not len(rows):
            return pd.DataFrame({c: pd.Series(dtype=object) for c in columns})
        decoded = rows.decoded
        frame = table.select([c for c in columns if c not in decoded]).to_pandas()
        for c in columns:
            if c in decoded:
                frame[c] = pd.Series(decoded[c], index=frame.index)
        frame = frame[columns]
        if "completed_at" in frame.columns:  # SQLite's text, PostgreSQL's timestamptz: UTC datetimes
            frame["completed_at"] = pd.to_datetime(frame["completed_at"], utc=True)
        return frame
    data = getattr(rows, "data", None)  # storage.aggregates.Columns: already columnar
    if isinstance(data, dict):
        if not len(rows):
            return pd.DataFrame({c: pd.Series(dtype=object) for c in columns})
        frame = pd.DataFrame({c: data[c] for c in columns})
        if "completed_at" in frame.columns:  # SQLite hands back naive UTC datetimes
            frame["completed_at"] = pd.to_datetime(frame["completed_at"], utc=True)
        return frame
    if not rows:
        return pd.DataFrame({c: pd.Series(dtype=object) for c in columns})
    return pd.DataFrame([tuple(getattr(r, c) for c in columns) for r in rows], columns=columns)


def short_quote(text: Any) -> str:
    """The text on one line, cut at :data:`QUOTE_LENGTH` characters."""
    words = " ".join(str(text).split())
    return words if len(words) <= QUOTE_LENGTH else words[: QUOTE_LENGTH - 1].rstrip() + "…"


def explode_list(frame: pd.DataFrame, column: str = "value") -> pd.DataFrame:
    """One row per element of a list answer, with its 0-based position (``None`` elements left out).

    Row numbers and positions are computed with numpy from the lists' lengths: one Python pass
    to flatten, none per element to index."""
    lists = [value if isinstance(value, list) else () for value in frame[column].tolist()]
    lengths = np.fromiter(map(len, lists), dtype="int64", count=len(lists))
    flat = list(chain.from_iterable(lists))
    rows = np.repeat(np.arange(len(lists), dtype="int64"), lengths)
    positions = np.arange(len(flat), dtype="int64") - np.repeat(np.cumsum(lengths) - lengths, lengths)
    keep = np.fromiter((element is not None for element in flat), dtype=bool, count=len(flat))
    if not keep.all():
        rows, positions, flat = rows[keep], positions[keep], list(compress(flat, keep))
    out = frame.iloc[rows].reset_index(drop=True)
    out[column] = pd.Series(flat, dtype=object)
    out["position"] = positions
    return out


# --- the listening units ---------------------------------------------------------------------


@dataclass
class Prepared:
    data: AggregateData
    vocab: Vocabulary
    options: Options
    answers: pd.DataFrame  # latest runs of the listening units, with unit and category
    units: pd.DataFrame  # unit, category, questionnaire_id, run_id, respondent_id, pseudonym, consent
    tags: pd.DataFrame  # answer_id, theme_id, source, score
    all_answers: pd.DataFrame
    runs: pd.DataFrame
    actors: pd.DataFrame
    category_order: list[str]


def prepare(data: AggregateData, options: Options) -> Prepared:
    """The frames every analysis reads, with each listening unit's latest runs."""
    vocab = vocabulary(options.sources or PlanSources())
    inputs = options.inputs
    runs = frame_of(data.runs, ["run_id", "respondent_id", "questionnaire_id", "completed_at"])
    answers = frame_of(data.answers, ["answer_id", "run_id", "respondent_id", "questionnaire_id", "question_key",
                                      "item_index", "value"])
    tags = frame_of(data.tags, ["answer_id", "theme_id", "source", "score"])
    respondents = frame_of(data.respondents, ["respondent_id", "pseudonym", "actor_id", "consent"])
    actors = frame_of(data.actors, ["actor_id", "code", "organisation", "category"])
    listening = _listening_runs(runs, answers, respondents, actors, inputs)
    # of each unit, its latest completed run of each questionnaire
    listening = listening.sort_values(["completed_at", "run_id"], na_position="first")
    units = listening.groupby(["unit", "questionnaire_id"], sort=False).tail(1)
    units = units[["unit", "category", "questionnaire_id", "run_id", "respondent_id", "pseudonym", "consent",
                   "actor_id"]].reset_index(drop=True)
    in_units = answers.merge(units[["run_id", "unit", "category"]], on="run_id", how="inner")
    known = list(vocab.categories)
    extra = sorted(set(units["category"]) - set(known))
    order = [c for c in known if c != CITIZEN] + extra + [CITIZEN]
    return Prepared(data, vocab, options, in_units, units, tags, answers, runs, actors, order)


def _listening_runs(runs: pd.DataFrame, answers: pd.DataFrame, respondents: pd.DataFrame,
                    actors: pd.DataFrame, inputs: TableInputs) -> pd.DataFrame:
    """Every listening run with its unit (``a<actor id>`` or ``r<respondent id>``) and category:
    the plan's interviews speak for an actor, its citizens' questionnaires for themselves."""
    listening = runs[runs["questionnaire_id"].isin(inputs.listening)].merge(respondents, on="respondent_id", how="left")
    listening = listening.merge(actors[["actor_id", "category"]], on="actor_id", how="left")
    # an interviewee not linked to the register: the category they declared, else "other"
    declared = answers[answers["questionnaire_id"].isin(inputs.interviews)
                       & (answers["question_key"] == inputs.declared_category)]
    declared = declared.set_index("run_id")["value"]
    is_interview = listening["questionnaire_id"].isin(inputs.interviews)
    fallback = listening["run_id"].map(declared).where(lambda s: s.map(lambda v: isinstance(v, str)), "other")
    listening["category"] = np.where(
        is_interview, listening["category"].where(listening["category"].notna(), fallback), CITIZEN
    )
    linked = is_interview & listening["actor_id"].notna()
    listening["unit"] = np.where(
        linked,
        "a" + listening["actor_id"].astype("Int64").astype(str),
        "r" + listening["respondent_id"].astype(str),
    )
    listening["consent"] = listening["consent"].fillna(False).astype(bool)
    return listening


def carriers(p: Prepared, text_keys: frozenset[str], with_visions: bool) -> pd.DataFrame:
    """Who carries which theme: unit, category, theme_id, origin ('text' | 'vision'), answer_id, score,
    source, value, respondent_id — from the tags of ``text_keys`` answers and, ``with_visions``,
    from the options chosen that stand for a theme (the plan's ``chosen`` question:
    ``TableInputs.chosen_themes``, or the option is a theme id itself)."""
    texts = p.answers[p.answers["question_key"].isin(text_keys)]
    tagged = texts.merge(p.tags, on="answer_id", how="inner")
    tagged = tagged.assign(origin="text")[["unit", "category", "theme_id", "origin", "answer_id", "score", "source",
                                           "value", "respondent_id"]]
    if not with_visions:
        return tagged
    chosen = explode_list(p.answers[p.answers["question_key"] == p.options.inputs.chosen])
    chosen = chosen.assign(theme_id=chosen["value"].map(choice_theme(p)), origin="vision", score=np.nan, source=None)
    chosen = chosen[chosen["theme_id"].notna()][tagged.columns]
    parts = [f for f in (tagged, chosen) if not f.empty]
    return pd.concat(parts, ignore_index=True) if parts else tagged


def choice_theme(p: Prepared) -> Callable[[Any], Any]:
    """An option of the plan's ``chosen`` question → the theme it stands for (None: none)."""
    mapped, themes = p.options.inputs.theme_of_choice(), p.vocab.themes
    return lambda value: mapped.get(value, value if value in themes else None)


def theme_order(p: Prepared, *extra: pd.Series) -> list[str]:
    """The vocabulary's themes, then any other theme found in ``extra``, sorted."""
    seen = list(p.vocab.themes)
    for series in extra:
        seen += sorted(set(series.dropna().unique()) - set(seen))  # unique() first: no Python loop over every row
    return seen


def label_of(p: Prepared, kind: str) -> Callable[[Any], Any]:
    """``value → its label`` in the tables' language, for ``Series.map``."""
    lang = p.options.lang
    return lambda value: p.vocab.label(kind, value, lang)


# --- one analysis ----------------------------------------------------------------------------


Build = Callable[[Prepared, Mapping[str, Table]], Sequence[Table]]


@dataclass(frozen=True)
class Analysis:
    """One analysis: the tables it publishes (names, in order), the questions it reads, its builder.

    The builder gets the prepared frames and the tables built before it (the projects read the
    shared priorities' ranking). :attr:`tables` is checked against what the builder returns at
    every build, so :data:`exports.tables.build.TABLE_NAMES` is what is built. :attr:`keys` gives
    the question keys it reads from the plan's inputs (plan.yaml ``tables:``).
    """

    tables: tuple[str, ...]
    keys: Callable[[TableInputs], frozenset[str]]
    build: Build

    def __call__(self, p: Prepared, built: Mapping[str, Table]) -> list[Table]:
        made = list(self.build(p, built))
        names = tuple(t.name for t in made)
        if names != self.tables:
            raise RuntimeError(f"{self.build.__module__} built the tables {names}, not {self.tables}")
        return made
