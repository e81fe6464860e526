"""Read-only queries behind the convergence tables: plain rows out, no pandas, no commits.

``exports.tables`` turns these rows into tables; everything here is one short read
transaction (the caller owns it). Only completed runs count, and of them only current, not
skipped answers. Themes of free-text answers follow :mod:`storage.tags`: a theme counts when a
person confirmed or added it, or when the machine found it (not only rejected) and no person
removed it — the same rule as :func:`storage.tags.effective_themes`, written as one query.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import asyncio
import json
import logging

from sqlalchemy import Text, and_, cast, exists, false, func, or_, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import aliased

from . import columnar, deliberation
from .database import Database
from .models import (
    Actor,
    Answer,
    AnswerTag,
    Card,
    Consent,
    Rating,
    RespondentActor,
    Respondent,
    Run,
    RunOutcome,
    utcnow,
)

log = logging.getLogger(__name__)

COMPLETED = "completed"
PARTICIPATION = "participation"  # the consent purpose of bot.service.conversation (storage may not import bot)
DEFAULT_QUESTIONNAIRES = ("ascolto", "visione", "imprese", "progetto")  # Cremona's; callers pass the plan's
DEFAULT_OUTCOMES = ("imprese",)  # the questionnaires whose run outcomes are read (the firms' profile)


@dataclass(frozen=True)
class AnswerRow:
    answer_id: int
    run_id: int
    respondent_id: int
    questionnaire_id: str
    question_key: str
    item_index: int
    value: Any


@dataclass(frozen=True)
class TagRow:
    """An effective theme of a current free-text answer."""

    answer_id: int
    theme_id: str
    source: str  # 'human' | 'machine'
    score: float | None


@dataclass(frozen=True)
class RespondentRow:
    respondent_id: int
    pseudonym: str
    actor_id: int | None  # the register actor this respondent answers for
    consent: bool  # latest participation decision is "granted"


@dataclass(frozen=True)
class ActorRow:
    actor_id: int
    code: str
    organisation: str
    category: str


@dataclass(frozen=True)
class RunRow:
    run_id: int
    respondent_id: int
    questionnaire_id: str
    completed_at: datetime | None


@dataclass(frozen=True)
class OutcomeRow:
    run_id: int
    key: str
    value: Any


@dataclass(frozen=True)
class CardRow:
    card_id: int
    source_run_id: int
    item_index: int
    questionnaire_id: str
    title: str
    promoter: str | None
    theme: str | None
    stage: str | None


@dataclass(frozen=True)
class RatingRow:
    card_id: int
    rater_id: int
    scores: dict[str, Any]


class Columns:
    """Rows as columns (name → list), read without a Python object per row: the fast path of
    :func:`load` for large data. ``len()`` is the number of rows; ``exports.tables`` turns it
    into a frame directly."""

    def __init__(self, data: dict[str, list[Any]]) -> None:
        self.data = data

    def __len__(self) -> int:
        return len(next(iter(self.data.values()), ()))

    def __iter__(self):  # type: ignore[no-untyped-def]
        names = list(self.data)
        for values in zip(*self.data.values()):
            yield _Record(dict(zip(names, values)))


class _Record:
    def __init__(self, values: dict[str, Any]) -> None:
        self.__dict__.update(values)


async def _columns(session: AsyncSession, query: Any, names: Sequence[str], json_columns: Sequence[str] = ()) -> Columns:
    """Execute ``query`` on the session's connection (Core: no ORM row processing) into columns.

    ``json_columns`` are selected as text (``CAST(… AS TEXT)``) and decoded here in one pass,
    which is several times faster than the JSON type's per-row result processing."""
    connection = await session.connection()
    rows = (await connection.execute(query)).all()
    values = list(zip(*rows)) if rows else [() for _ in names]
    data = {name: list(column) for name, column in zip(names, values)}
    loads = json.loads
    for name in json_columns:
        data[name] = [None if v is None else loads(v) for v in data[name]]
    return Columns(data)


class ArrowColumns:
    """Rows as a ``pyarrow.Table`` (the ADBC path, :func:`load_columnar`), with its JSON columns
    decoded to Python values in ``decoded``. ``exports.tables`` turns ``table`` into a frame
    without a Python object per row; ``data`` (name → list) and iteration are there for the
    callers that read rows, built on first use."""

    def __init__(self, table: Any, decoded: dict[str, list[Any]] | None = None) -> None:
        self.table = table
        self.decoded = decoded or {}
        self._data: dict[str, list[Any]] | None = None

    def __len__(self) -> int:
        return int(self.table.num_rows)

    @property
    def data(self) -> dict[str, list[Any]]:
        if self._data is None:
            self._data = {name: self.decoded[name] if name in self.decoded else self.table.column(name).to_pylist()
                          for name in self.table.column_names}
        return self._data

    def __iter__(self):  # type: ignore[no-untyped-def]
        return iter(Columns(self.data))


def _decode_json(column: Any) -> list[Any]:
    """A text column of JSON documents → their values.

    A plain JSON string (quoted, no backslash: nothing escaped in it) is its text between the
    quotes, cut in Arrow; every other document (lists, numbers, escaped text) is decoded by one
    ``json.loads`` of them all as one array, not one call per row."""
    import numpy as np
    import pyarrow as pa
    import pyarrow.compute as pc

    column = column.combine_chunks() if isinstance(column, pa.ChunkedArray) else column
    if not pa.types.is_string(column.type):  # no rows, or only NULLs: SQLite's driver types those int64
        column = column.cast(pa.string())
    plain = pc.fill_null(pc.and_(pc.and_(pc.starts_with(column, '"'), pc.ends_with(column, '"')),
                                 pc.invert(pc.match_substring(column, "\\"))), False)
    plain = plain.to_numpy(zero_copy_only=False) & (pc.utf8_length(column).fill_null(0).to_numpy() >= 2)
    out = np.empty(len(column), dtype=object)
    where = np.flatnonzero(plain)
    if len(where):
        out[where] = pc.utf8_slice_codeunits(column.take(pa.array(where)), 1, -1).to_numpy(zero_copy_only=False)
    rest = np.flatnonzero(~plain)
    if len(rest):
        texts = column.take(pa.array(rest)).to_pylist()
        values = json.loads("[" + ",".join("null" if t is None else t for t in texts) + "]")
        for i, value in zip(rest.tolist(), values):
            out[i] = value
    return out.tolist()


@dataclass
class AggregateData:
    """Everything the convergence tables are computed from, read in one transaction."""

    runs: list[RunRow] = field(default_factory=list)
    answers: list[AnswerRow] = field(default_factory=list)
    tags: list[TagRow] = field(default_factory=list)
    respondents: list[RespondentRow] = field(default_factory=list)
    actors: list[ActorRow] = field(default_factory=list)
    outcomes: list[OutcomeRow] = field(default_factory=list)
    cards: list[CardRow] = field(default_factory=list)
    ratings: list[RatingRow] = field(default_factory=list)
    read_at: datetime = field(default_factory=utcnow)
    answer_total: int | None = None  # current answers of completed runs, all keys (when ``answers`` is filtered)
    votes: Any = None  # storage.deliberation.VoteData: the deliberation rounds' votes (exports.tables.consensus)


def _completed_runs(questionnaires: Sequence[str]) -> Any:
    return and_(Run.status == COMPLETED, Run.questionnaire_id.in_(list(questionnaires)))


async def completed_runs(session: AsyncSession, questionnaires: Sequence[str] = DEFAULT_QUESTIONNAIRES) -> list[RunRow]:
    rows = await session.execute(
        select(Run.id, Run.respondent_id, Run.questionnaire_id, Run.completed_at)
        .where(_completed_runs(questionnaires))
        .order_by(Run.id)
    )
    return [RunRow(*row) for row in rows]


async def current_answers(session: AsyncSession, questionnaires: Sequence[str] = DEFAULT_QUESTIONNAIRES) -> list[AnswerRow]:
    """Current, not skipped answers of completed runs, in answer order."""
    rows = await session.execute(
        select(
            Answer.id, Answer.run_id, Run.respondent_id, Run.questionnaire_id, Answer.question_key,
            Answer.item_index, Answer.value,
        )
        .join(Run, Run.id == Answer.run_id)
        .where(_completed_runs(questionnaires), Answer.is_current.is_(True), Answer.skipped.is_(False))
        .order_by(Answer.id)
    )
    return [AnswerRow(*row) for row in rows]


async def effective_tags(session: AsyncSession, questionnaires: Sequence[str] = DEFAULT_QUESTIONNAIRES) -> list[TagRow]:
    """Effective themes of current answers of completed runs (human decisions win)."""
    human = aliased(AnswerTag)
    overruled = exists(
        select(human.id).where(
            human.answer_id == AnswerTag.answer_id, human.theme_id == AnswerTag.theme_id, human.source == "human"
        )
    )
    rows = await session.execute(
        select(AnswerTag.answer_id, AnswerTag.theme_id, AnswerTag.source, AnswerTag.score)
        .join(Answer, Answer.id == AnswerTag.answer_id)
        .join(Run, Run.id == Answer.run_id)
        .where(
            _completed_runs(questionnaires),
            Answer.is_current.is_(True),
            Answer.skipped.is_(False),
            or_(
                and_(AnswerTag.source == "human", AnswerTag.decision != "remove"),
                and_(AnswerTag.source == "machine", AnswerTag.negated.is_(False), ~overruled),
            ),
        )
        .order_by(AnswerTag.answer_id, AnswerTag.theme_id)
    )
    return [TagRow(*row) for row in rows]


async def respondents(session: AsyncSession, respondent_ids: Iterable[int] | None = None,
                      purpose: str = PARTICIPATION) -> list[RespondentRow]:
    """Respondents (all, or the given ones) with their actor and their latest consent decision."""
    query = (
        select(Respondent.id, Respondent.pseudonym, RespondentActor.actor_id)
        .outerjoin(RespondentActor, RespondentActor.respondent_id == Respondent.id)
        .order_by(Respondent.id)
    )
    wanted = None if respondent_ids is None else set(respondent_ids)
    consent: dict[int, bool] = {}
    for respondent_id, granted in await session.execute(
        select(Consent.respondent_id, Consent.granted)
        .where(Consent.purpose == purpose)
        .order_by(Consent.respondent_id, Consent.decided_at, Consent.id)
    ):
        consent[respondent_id] = bool(granted)  # the last decision wins
    return [
        RespondentRow(rid, pseudonym, actor_id, consent.get(rid, False))
        for rid, pseudonym, actor_id in await session.execute(query)
        if wanted is None or rid in wanted
    ]


async def actors(session: AsyncSession) -> list[ActorRow]:
    rows = await session.execute(select(Actor.id, Actor.code, Actor.organisation, Actor.category).order_by(Actor.id))
    return [ActorRow(*row) for row in rows]


async def outcomes(session: AsyncSession, questionnaires: Sequence[str] = DEFAULT_OUTCOMES) -> list[OutcomeRow]:
    rows = await session.execute(
        select(RunOutcome.run_id, RunOutcome.key, RunOutcome.value)
        .join(Run, Run.id == RunOutcome.run_id)
        .where(_completed_runs(questionnaires))
        .order_by(RunOutcome.run_id, RunOutcome.key)
    )
    return [OutcomeRow(*row) for row in rows]


async def cards(session: AsyncSession) -> list[CardRow]:
    rows = await session.execute(
        select(Card.id, Card.source_run_id, Card.item_index, Card.questionnaire_id, Card.title, Card.promoter,
               Card.theme, Card.stage).order_by(Card.id)
    )
    return [CardRow(*row) for row in rows]


async def completed_ratings(session: AsyncSession) -> list[RatingRow]:
    rows = await session.execute(
        select(Rating.card_id, Rating.rater_id, Rating.scores)
        .where(Rating.completed_at.is_not(None))
        .order_by(Rating.card_id, Rating.id)
    )
    return [RatingRow(card_id, rater_id, dict(scores or {})) for card_id, rater_id, scores in rows]


async def answer_counts(session: AsyncSession, questionnaires: Sequence[str] = DEFAULT_QUESTIONNAIRES) -> dict[str, int]:
    """questionnaire → current answers of its completed runs (grouped in SQL; for READMEs and logs)."""
    rows = await session.execute(
        select(Run.questionnaire_id, func.count(Answer.id))
        .join(Run, Run.id == Answer.run_id)
        .where(_completed_runs(questionnaires), Answer.is_current.is_(True), Answer.skipped.is_(False))
        .group_by(Run.questionnaire_id)
    )
    return {qid: int(n) for qid, n in rows}


async def load(session: AsyncSession, questionnaires: Sequence[str] = DEFAULT_QUESTIONNAIRES,
               keys: Iterable[str] | None = None, fast: bool = False,
               outcomes_of: Sequence[str] = DEFAULT_OUTCOMES) -> AggregateData:
    """Everything the convergence tables need, in one read transaction.

    ``fast=True`` reads the large tables (runs, answers, tags) as :class:`Columns` through Core,
    with JSON decoded in bulk, and — given ``keys`` — only the answers to those questions (the
    total is then counted with GROUP BY in SQL, ``answer_total``). The rows are the same.
    """
    if fast:
        return await _load_fast(session, questionnaires, keys, outcomes_of)
    runs = await completed_runs(session, questionnaires)
    return AggregateData(
        runs=runs,
        answers=await current_answers(session, questionnaires),
        tags=await effective_tags(session, questionnaires),
        respondents=await respondents(session, {r.respondent_id for r in runs}),
        actors=await actors(session),
        outcomes=await outcomes(session, outcomes_of),
        cards=await cards(session),
        ratings=await completed_ratings(session),
        votes=await deliberation.load_votes(session),
    )


async def _load_fast(session: AsyncSession, questionnaires: Sequence[str], keys: Iterable[str] | None,
                     outcomes_of: Sequence[str] = DEFAULT_OUTCOMES) -> AggregateData:
    R, A, T = Run.__table__, Answer.__table__, AnswerTag.__table__
    completed = and_(R.c.status == COMPLETED, R.c.questionnaire_id.in_(list(questionnaires)))
    runs = await _columns(session, select(R.c.id, R.c.respondent_id, R.c.questionnaire_id, R.c.completed_at)
                          .where(completed).order_by(R.c.id),
                          ["run_id", "respondent_id", "questionnaire_id", "completed_at"])
    current = and_(completed, A.c.is_current.is_(True), A.c.skipped.is_(False))
    where = [current] + ([A.c.question_key.in_(sorted(set(keys)))] if keys is not None else [])
    answers = await _columns(
        session,
        select(A.c.id, A.c.run_id, R.c.respondent_id, R.c.questionnaire_id, A.c.question_key, A.c.item_index,
               cast(A.c.value, Text)).join(R, R.c.id == A.c.run_id).where(*where).order_by(A.c.id),
        ["answer_id", "run_id", "respondent_id", "questionnaire_id", "question_key", "item_index", "value"],
        json_columns=["value"],
    )
    human = T.alias("human")
    overruled = exists(select(human.c.id).where(
        human.c.answer_id == T.c.answer_id, human.c.theme_id == T.c.theme_id, human.c.source == "human"))
    tags = await _columns(
        session,
        select(T.c.answer_id, T.c.theme_id, T.c.source, T.c.score).join(A, A.c.id == T.c.answer_id)
        .join(R, R.c.id == A.c.run_id)
        .where(current, or_(and_(T.c.source == "human", T.c.decision != "remove"),
                            and_(T.c.source == "machine", T.c.negated.is_(False), ~overruled)))
        .order_by(T.c.answer_id, T.c.theme_id),
        ["answer_id", "theme_id", "source", "score"],
    )
    total = sum((await answer_counts(session, questionnaires)).values()) if keys is not None else len(answers)
    respondent_ids = set(runs.data["respondent_id"])
    return AggregateData(
        runs=runs,  # type: ignore[arg-type]
        answers=answers,  # type: ignore[arg-type]
        tags=tags,  # type: ignore[arg-type]
        respondents=await respondents(session, respondent_ids),
        actors=await actors(session),
        outcomes=await outcomes(session, outcomes_of),
        cards=await cards(session),
        ratings=await completed_ratings(session),
        answer_total=total,
        votes=await deliberation.load_votes(session),
    )


def _columnar_queries(questionnaires: Sequence[str], keys: Iterable[str] | None,
                      purpose: str = PARTICIPATION, outcomes_of: Sequence[str] = DEFAULT_OUTCOMES) -> dict[str, Any]:
    """The queries of :func:`load_columnar`: the rows :func:`load` reads, one query per source,
    with the respondents' latest consent decision computed in SQL."""
    R, A, T = Run.__table__, Answer.__table__, AnswerTag.__table__
    C, P, RA = Consent.__table__, Respondent.__table__, RespondentActor.__table__
    completed = and_(R.c.status == COMPLETED, R.c.questionnaire_id.in_(list(questionnaires)))
    current = and_(completed, A.c.is_current.is_(True), A.c.skipped.is_(False))
    where = [current] + ([A.c.question_key.in_(sorted(set(keys)))] if keys is not None else [])
    human = T.alias("human")
    overruled = exists(select(human.c.id).where(
        human.c.answer_id == T.c.answer_id, human.c.theme_id == T.c.theme_id, human.c.source == "human"))
    latest = select(C.c.respondent_id, C.c.granted, func.row_number().over(
        partition_by=C.c.respondent_id, order_by=(C.c.decided_at.desc(), C.c.id.desc())).label("n")
    ).where(C.c.purpose == purpose).subquery("latest")
    with_runs = select(R.c.respondent_id).where(completed)
    return {
        "runs": select(R.c.id.label("run_id"), R.c.respondent_id, R.c.questionnaire_id, R.c.completed_at)
        .where(completed).order_by(R.c.id),
        "answers": select(A.c.id.label("answer_id"), A.c.run_id, R.c.respondent_id, R.c.questionnaire_id,
                          A.c.question_key, A.c.item_index, cast(A.c.value, Text).label("value"))
        .join(R, R.c.id == A.c.run_id).where(*where).order_by(A.c.id),
        "tags": select(T.c.answer_id, T.c.theme_id, T.c.source, T.c.score).join(A, A.c.id == T.c.answer_id)
        .join(R, R.c.id == A.c.run_id)
        .where(current, or_(and_(T.c.source == "human", T.c.decision != "remove"),
                            and_(T.c.source == "machine", T.c.negated.is_(False), ~overruled)))
        .order_by(T.c.answer_id, T.c.theme_id),
        "respondents": select(P.c.id.label("respondent_id"), P.c.pseudonym, RA.c.actor_id,
                              func.coalesce(latest.c.granted, false()).label("consent"))
        .outerjoin(RA, RA.c.respondent_id == P.c.id)
        .outerjoin(latest, and_(latest.c.respondent_id == P.c.id, latest.c.n == 1))
        .where(P.c.id.in_(with_runs)).order_by(P.c.id),
        "actors": select(Actor.id.label("actor_id"), Actor.code, Actor.organisation, Actor.category).order_by(Actor.id),
        "outcomes": select(RunOutcome.run_id, RunOutcome.key, cast(RunOutcome.value, Text).label("value"))
        .join(Run, Run.id == RunOutcome.run_id).where(_completed_runs(outcomes_of))
        .order_by(RunOutcome.run_id, RunOutcome.key),
        "cards": select(Card.id.label("card_id"), Card.source_run_id, Card.item_index, Card.questionnaire_id,
                        Card.title, Card.promoter, Card.theme, Card.stage).order_by(Card.id),
        "ratings": select(Rating.card_id, Rating.rater_id, cast(Rating.scores, Text).label("scores"))
        .where(Rating.completed_at.is_not(None)).order_by(Rating.card_id, Rating.id),
        "total": select(func.count(A.c.id).label("n")).join(R, R.c.id == A.c.run_id).where(current),
    }


async def load_columnar(db: Database, questionnaires: Sequence[str] = DEFAULT_QUESTIONNAIRES,
                        keys: Iterable[str] | None = None,
                        outcomes_of: Sequence[str] = DEFAULT_OUTCOMES) -> AggregateData | None:
    """What :func:`load` ``(fast=True)`` reads, as Arrow columns through an ADBC driver (one read
    transaction, in a thread); ``None`` when the database cannot be read that way (an in-memory
    SQLite database, a driver not installed): then read through :func:`load`.

    The deliberation votes are read after, through SQLAlchemy, in a transaction of their own
    (they feed only the consensus tables)."""
    keys = None if keys is None else list(keys)
    queries = _columnar_queries(questionnaires, keys, outcomes_of=outcomes_of)
    try:
        tables = await asyncio.to_thread(columnar.read_arrow, db, queries)
    except Exception as exc:  # a driver error (a type it cannot read, a lost connection): the other path reads
        log.warning("columnar read failed, reading through SQLAlchemy: %s", type(exc).__name__)
        return None
    if tables is None:
        return None
    ratings = tables["ratings"]
    ratings_rows = [RatingRow(card_id, rater_id, dict(scores or {})) for card_id, rater_id, scores in zip(
        ratings.column("card_id").to_pylist(), ratings.column("rater_id").to_pylist(),
        _decode_json(ratings.column("scores")))]
    respondents_table = tables["respondents"]
    consent = respondents_table.column("consent")
    if str(consent.type) != "bool":  # SQLite's 0 / 1
        import pyarrow.compute as pc
        respondents_table = respondents_table.set_column(
            respondents_table.column_names.index("consent"), "consent", pc.not_equal(consent, 0))
    async with db.transaction() as session:
        votes = await deliberation.load_votes(session)
    return AggregateData(
        runs=ArrowColumns(tables["runs"]),  # type: ignore[arg-type]
        answers=ArrowColumns(tables["answers"], {"value": _decode_json(tables["answers"].column("value"))}),  # type: ignore[arg-type]
        tags=ArrowColumns(tables["tags"]),  # type: ignore[arg-type]
        respondents=ArrowColumns(respondents_table),  # type: ignore[arg-type]
        actors=ArrowColumns(tables["actors"]),  # type: ignore[arg-type]
        outcomes=ArrowColumns(tables["outcomes"], {"value": _decode_json(tables["outcomes"].column("value"))}),  # type: ignore[arg-type]
        cards=ArrowColumns(tables["cards"]),  # type: ignore[arg-type]
        ratings=ratings_rows,
        answer_total=int(tables["total"].column("n")[0].as_py()),
        votes=votes,
    )
