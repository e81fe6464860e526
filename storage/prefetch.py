"""Rows a batch of updates will need, loaded in two queries instead of three per update.

Under group commit, many updates share one transaction. Without this, each of them would
look up its respondent, its open run and whether its update id was already processed: three
round trips each, serialised on one connection. :func:`prefetch` claims the batch's update
ids (one INSERT … ON CONFLICT DO NOTHING RETURNING) and loads the senders' open runs with
their respondents (one SELECT; a second only for senders without an open run) for the
whole batch at once — on PostgreSQL both in one statement, whose text is the same for every
batch size (the ids as arrays), so the server's prepared statement is reused — and keeps it in
``session.info``; the repository functions read it before going to the database and keep it
current as they write. It lives exactly as long as the session (one batch, one transaction),
so it can never go stale across transactions.

The same session-long object also holds the batch's *deferred writes* (:class:`Deferred`): the
answers, the processed-update marks and the run states its units store. The ORM's unit of work
would build, track and flush an object for each (and on PostgreSQL send one UPDATE per run);
here they wait as plain rows and go out as one ``executemany`` per statement (on PostgreSQL
one statement for all three, each column an array: one round trip) — before any other
statement of the session runs (so the transaction reads what it wrote, as with the ORM's
autoflush) and at the latest just before the commit. A caller therefore still replies only after
the commit that holds its rows.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import (
    LABEL_STYLE_TABLENAME_PLUS_COL,
    BigInteger,
    DateTime,
    Select,
    String,
    bindparam,
    event,
    func,
    insert,
    select,
    text,
    true,
    tuple_,
)
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import ORMExecuteState, Session, SessionTransaction, aliased

from .models import Answer, ProcessedUpdate, Respondent, Run, utcnow

KEY = "scenari.prefetched"
OPEN_STATUSES = ("active", "paused")


@dataclass
class Prefetched:
    checked_updates: set[tuple[str, int]] = field(default_factory=set)
    processed_updates: set[tuple[str, int]] = field(default_factory=set)
    # marked processed by the prefetch itself (its INSERT … ON CONFLICT DO NOTHING), not yet handed out
    claimed_updates: set[tuple[str, int]] = field(default_factory=set)
    respondents: dict[tuple[str, str], Respondent | None] = field(default_factory=dict)
    open_runs: dict[int, list[Run]] = field(default_factory=dict)  # newest first
    deferred: Deferred = field(default_factory=lambda: Deferred())

    def remember_run(self, run: Run) -> None:
        runs = self.open_runs.get(run.respondent_id)
        if runs is None:
            return  # this respondent was not prefetched: the database stays the source
        runs[:] = [r for r in runs if r is not run]
        if run.status in OPEN_STATUSES:
            runs.insert(0, run)

    def forget_respondent(self, respondent_id: int) -> None:
        self.open_runs.pop(respondent_id, None)
        for key, respondent in list(self.respondents.items()):
            if respondent is not None and respondent.id == respondent_id:
                self.respondents[key] = None


def cached(session: AsyncSession) -> Prefetched | None:
    return session.info.get(KEY)


_INSERT_ANSWERS = insert(Answer.__table__)  # type: ignore[arg-type]
_INSERT_UPDATES = insert(ProcessedUpdate.__table__)  # type: ignore[arg-type]
_RUNS = Run.__table__
_UPDATE_RUNS = (
    _RUNS.update()  # type: ignore[attr-defined]
    .where(_RUNS.c.id == bindparam("run_id"))
    .values(state=bindparam("state"), status=bindparam("status"), updated_at=bindparam("updated_at"),
            completed_at=bindparam("completed_at"))
)


@dataclass
class Deferred:
    """Rows a batch wrote but has not sent yet (see the module docstring), in the order they go out."""

    answers: list[dict[str, Any]] = field(default_factory=list)
    updates: list[dict[str, Any]] = field(default_factory=list)
    runs: dict[int, dict[str, Any]] = field(default_factory=dict)  # run id -> its latest values
    # rows written inside a SAVEPOINT: put back if it is rolled back (they belong to the batch)
    in_savepoints: list[tuple[SessionTransaction, Deferred]] = field(default_factory=list)

    def __bool__(self) -> bool:
        return bool(self.answers or self.updates or self.runs)

    def take(self) -> Deferred:
        taken = Deferred(self.answers, self.updates, self.runs)
        self.answers, self.updates, self.runs = [], [], {}
        return taken

    def put_back(self, rows: Deferred) -> None:
        self.answers[:0] = rows.answers
        self.updates[:0] = rows.updates
        self.runs = {**rows.runs, **self.runs}

    def write(self, session: Session) -> None:
        """Send the rows: one executemany per statement, on the session's connection (sync: in a hook)."""
        if not self:
            return
        savepoint = session.get_nested_transaction()  # the innermost SAVEPOINT, if any
        rows = self.take()
        if savepoint is not None:
            self.in_savepoints.append((savepoint, rows))
        connection = session.connection()
        if connection.dialect.name == "postgresql":
            _write_pg(connection, rows)
            return
        if rows.answers:
            connection.execute(_INSERT_ANSWERS, rows.answers)
        if rows.updates:
            connection.execute(_INSERT_UPDATES, rows.updates)
        if rows.runs:
            connection.execute(_UPDATE_RUNS, list(rows.runs.values()))

    def rolled_back(self, transaction: SessionTransaction) -> None:
        """A SAVEPOINT was rolled back: what was written inside it (or inside one it held) is pending again."""
        kept: list[tuple[SessionTransaction, Deferred]] = []
        for inside, rows in self.in_savepoints:
            chain = inside
            while chain is not None and chain is not transaction:
                chain = chain.parent
            if chain is transaction:
                self.put_back(rows)
            else:
                kept.append((inside, rows))
        self.in_savepoints = kept


# PostgreSQL: a batch's deferred rows in one statement (one round trip instead of one per table),
# each column as one array parameter: the text, and the server's prepared statement, are the same
# whatever the batch's size. JSON goes as text (serialised as the JSON type would) cast to jsonb.
_PG_PARTS: dict[str, tuple[str, list[tuple[str, str, str]]]] = {
    # name: (the statement around ``v``, the unnested rows; [(key, SQL type, expression)])
    "answers": (
        "INSERT INTO answers (run_id, question_key, item_index, value, raw, skipped, is_current, answered_at, "
        "text_erased_at) SELECT {columns} FROM {unnest}",
        [("run_id", "INTEGER", "v.run_id"), ("question_key", "VARCHAR", "v.question_key"),
         ("item_index", "INTEGER", "v.item_index"), ("value", "TEXT", "CAST(v.value AS JSONB)"),
         ("raw", "TEXT", "v.raw"), ("skipped", "BOOLEAN", "v.skipped"), ("is_current", "BOOLEAN", "v.is_current"),
         ("answered_at", "TIMESTAMP WITH TIME ZONE", "v.answered_at"),
         ("text_erased_at", "TIMESTAMP WITH TIME ZONE", "v.text_erased_at")],
    ),
    "updates": (
        "INSERT INTO processed_updates (channel, update_id, processed_at) SELECT {columns} FROM {unnest}",
        [("channel", "VARCHAR", "v.channel"), ("update_id", "BIGINT", "v.update_id"),
         ("processed_at", "TIMESTAMP WITH TIME ZONE", "v.processed_at")],
    ),
    "runs": (
        "UPDATE runs SET state = CAST(v.state AS JSONB), status = v.status, updated_at = v.updated_at, "
        "completed_at = v.completed_at FROM {unnest} WHERE runs.id = v.run_id",
        [("run_id", "INTEGER", ""), ("state", "TEXT", ""), ("status", "VARCHAR", ""),
         ("updated_at", "TIMESTAMP WITH TIME ZONE", ""), ("completed_at", "TIMESTAMP WITH TIME ZONE", "")],
    ),
}
_PG_JSON = {"value", "state"}  # the JSON columns, serialised here
_pg_statements: dict[tuple[str, ...], Any] = {}


def _pg_statement(parts: tuple[str, ...]) -> Any:
    """The one statement writing ``parts`` (the last is the main statement, the others CTEs)."""
    statement = _pg_statements.get(parts)
    if statement is None:
        sql = []
        for name in parts:
            template, columns = _PG_PARTS[name]
            unnest = "unnest({}) AS v({})".format(
                ", ".join(f"CAST(:{name}_{key} AS {kind}[])" for key, kind, _ in columns),
                ", ".join(key for key, _, _ in columns),
            )
            sql.append(template.format(columns=", ".join(e for _, _, e in columns if e), unnest=unnest))
        *ctes, main = sql
        head = "WITH " + ", ".join(f"w{i} AS ({cte})" for i, cte in enumerate(ctes)) + " " if ctes else ""
        statement = _pg_statements[parts] = text(head + main)
    return statement


def _write_pg(connection: Any, rows: Deferred) -> None:
    """:meth:`Deferred.write` on PostgreSQL: answers, update marks and run states in one statement."""
    serialise = connection.dialect._json_serializer or json.dumps
    tables = {"answers": rows.answers, "updates": rows.updates, "runs": list(rows.runs.values())}
    parts = tuple(name for name in ("answers", "updates", "runs") if tables[name])
    params: dict[str, list[Any]] = {}
    for name in parts:
        for key, _, _ in _PG_PARTS[name][1]:
            values = [row[key] for row in tables[name]]
            params[f"{name}_{key}"] = [serialise(v) for v in values] if key in _PG_JSON else values
    connection.execute(_pg_statement(parts), params)


def deferring(session: AsyncSession) -> Deferred | None:
    """The batch's deferred writes when rows may wait (a prefetched batch, outside any SAVEPOINT).

    Inside a SAVEPOINT the ORM's own path is used: a rollback to it must take such rows back.
    """
    known: Prefetched | None = session.info.get(KEY)
    if known is None or session.in_nested_transaction():
        return None
    return known.deferred


def _listen(session: AsyncSession, deferred: Deferred) -> None:
    sync = session.sync_session

    def before_statement(state: ORMExecuteState) -> None:
        deferred.write(state.session)  # the statement sees the rows, as after the ORM's autoflush

    def before_commit(committing: Session) -> None:
        if not committing.in_nested_transaction():  # a SAVEPOINT released: the rows wait for the commit
            deferred.write(committing)

    def after_soft_rollback(_: Session, previous: SessionTransaction) -> None:
        if previous.nested and deferred.in_savepoints:
            deferred.rolled_back(previous)

    event.listen(sync, "do_orm_execute", before_statement)
    event.listen(sync, "before_commit", before_commit)
    event.listen(sync, "after_soft_rollback", after_soft_rollback)


async def prefetch(
    session: AsyncSession, channel: str, external_ids: Iterable[str], update_ids: Iterable[int]
) -> Prefetched:
    """Load respondents, their open runs (locked on PostgreSQL) and processed update ids.

    The update ids are claimed here (marked processed in the batch's transaction, see
    :func:`_claim`); :func:`storage.repository.claim_update` hands each claim out once.
    """
    found = session.info.get(KEY)
    if found is None:
        found = session.info[KEY] = Prefetched()
        _listen(session, found.deferred)
    ids = sorted({i for i in external_ids if (channel, i) not in found.respondents})  # not known yet
    updates = sorted({u for u in update_ids if (channel, u) not in found.checked_updates})
    dialect = session.get_bind().dialect.name
    pg_rows: list[tuple[Run | None, Respondent | None]] | None = None
    reread = False
    if updates and dialect == "postgresql":
        claimed, pg_rows = await _claim_and_lock_pg(session, channel, updates, ids)
        if len(claimed) < len(updates):
            # Some were marked already, maybe by another instance whose claim this one waited
            # for: the runs are read again in a statement of their own, which sees what that
            # instance committed (the joint statement's snapshot was taken before it waited).
            pg_rows, reread = None, True
        found.claimed_updates.update((channel, u) for u in claimed)
        found.processed_updates.update((channel, u) for u in updates if u not in claimed)
        found.checked_updates.update((channel, u) for u in updates)
    elif updates:
        claimed = await _claim(session, channel, updates)
        if claimed is None:  # a database without ON CONFLICT … RETURNING: look, the marks come later
            rows = await session.scalars(
                select(ProcessedUpdate.update_id).where(
                    ProcessedUpdate.channel == channel, ProcessedUpdate.update_id.in_(updates)
                )
            )
            found.processed_updates.update((channel, u) for u in rows)
        else:
            found.claimed_updates.update((channel, u) for u in claimed)
            found.processed_updates.update((channel, u) for u in updates if u not in claimed)
        found.checked_updates.update((channel, u) for u in updates)
    if ids:
        for external_id in ids:
            found.respondents.setdefault((channel, external_id), None)
        # One query for the usual case, someone answering: their open runs (locked), each with its
        # respondent. Only the senders it did not find (no open run) take a second one.
        locked: Iterable[Any]
        if pg_rows is not None:
            locked = pg_rows
        elif dialect == "postgresql":
            locked = await session.execute(
                _PG_LOCKED, {"channel": channel, "external_ids": ids},
                execution_options={"populate_existing": reread},
            )
        else:
            locked = await session.execute(
                select(Run, Respondent)
                .join(Respondent, Respondent.id == Run.respondent_id)
                .where(
                    tuple_(Respondent.channel, Respondent.external_id).in_([(channel, i) for i in ids]),
                    Run.status.in_(OPEN_STATUSES),
                )
                .order_by(Run.updated_at.desc(), Run.id.desc())
                .with_for_update(of=Run)
            )
        for run, respondent in locked:  # newest run first
            if run is None:
                continue  # the PostgreSQL statement's row when no sender has an open run
            key = (channel, respondent.external_id)
            if found.respondents[key] is None:
                found.respondents[key] = respondent
                found.open_runs[respondent.id] = []
            found.open_runs[respondent.id].append(run)
        missing = [i for i in ids if found.respondents[(channel, i)] is None]
        if missing:
            respondents = await session.scalars(
                select(Respondent).where(
                    tuple_(Respondent.channel, Respondent.external_id).in_([(channel, i) for i in missing])
                )
            )
            for respondent in respondents:  # known, and without an open run
                found.respondents[(channel, respondent.external_id)] = respondent
                found.open_runs[respondent.id] = []
    return found


_PROCESSED = ProcessedUpdate.__table__
_PG_CHANNEL = bindparam("channel", type_=String)
# PostgreSQL: the senders' open runs with their respondents, locked; the ids in one array
# parameter, so the statement's text (and the server's prepared statement) is the same for
# every batch size.
_PG_LOCKED_SELECT = (
    select(Run, Respondent)
    .join(Respondent, Respondent.id == Run.respondent_id)
    .where(
        Respondent.channel == _PG_CHANNEL,
        Respondent.external_id == func.any(bindparam("external_ids", type_=ARRAY(String))),
        Run.status.in_(OPEN_STATUSES),
    )
    .with_for_update(of=Run)
)
_PG_LOCKED = _PG_LOCKED_SELECT.order_by(Run.updated_at.desc(), Run.id.desc())


def _pg_claim_and_lock() -> Select[Any]:
    """One PostgreSQL statement for both reads of a batch: claim its update ids, lock its runs.

    ``claimed``: the INSERT … ON CONFLICT DO NOTHING RETURNING of :func:`_claim`, from an array
    (ids in ascending order, as there); ``locked``: :data:`_PG_LOCKED`. The outer join to the one
    row of the claimed ids' array keeps that row when no sender has an open run (runs None).
    The INSERT's scan comes first, so the claims are taken before the run locks, as in two
    statements.
    """
    claimed = (
        pg_insert(_PROCESSED)
        .from_select(
            ["channel", "update_id", "processed_at"],
            select(
                _PG_CHANNEL,
                func.unnest(bindparam("update_ids", type_=ARRAY(BigInteger))),
                bindparam("now", type_=DateTime(timezone=True)),
            ),
        )
        .on_conflict_do_nothing(index_elements=["channel", "update_id"])
        .returning(_PROCESSED.c.update_id)  # type: ignore[attr-defined]
        .cte("claimed")
    )
    locked = _PG_LOCKED_SELECT.set_label_style(LABEL_STYLE_TABLENAME_PLUS_COL).cte("locked")
    ids = select(func.array_agg(claimed.c.update_id).label("claimed")).subquery("claimed_ids")
    run, respondent = aliased(Run, locked), aliased(Respondent, locked)
    return (
        select(ids.c.claimed, run, respondent)
        .select_from(ids)
        .outerjoin(locked, true())
        .order_by(run.updated_at.desc(), run.id.desc())
    )


_PG_CLAIM_AND_LOCK = _pg_claim_and_lock()


async def _claim_and_lock_pg(
    session: AsyncSession, channel: str, update_ids: list[int], external_ids: list[str]
) -> tuple[set[int], list[tuple[Run | None, Respondent | None]]]:
    """The ids this batch claimed, and the senders' open runs (newest first): one round trip."""
    result = await session.execute(
        _PG_CLAIM_AND_LOCK,
        {"channel": channel, "update_ids": update_ids, "now": utcnow(), "external_ids": external_ids},
    )
    claimed: set[int] = set()
    rows: list[tuple[Run | None, Respondent | None]] = []
    for ids, run, respondent in result:
        claimed.update(ids or ())
        rows.append((run, respondent))
    return claimed, rows


async def _claim(session: AsyncSession, channel: str, update_ids: list[int]) -> set[int] | None:
    """Mark the batch's updates processed in one statement; the ids that were not already (None: unsupported).

    One round trip instead of a SELECT now and an INSERT at commit. The marks are in the batch's
    transaction, so they go with it: a rolled-back batch leaves none, and its units, run again
    alone, claim again. Ids in ascending order, so two instances claiming overlapping batches on
    PostgreSQL wait for each other instead of deadlocking; the one that waited sees the other's
    marks once it commits (a redelivered update is applied once).
    """
    dialect = session.get_bind().dialect.name
    if dialect == "postgresql":
        from sqlalchemy.dialects.postgresql import insert as dialect_insert
    elif dialect == "sqlite":
        from sqlalchemy.dialects.sqlite import insert as dialect_insert
    else:
        return None
    table = ProcessedUpdate.__table__
    now = utcnow()
    statement = (
        dialect_insert(table)
        .values([{"channel": channel, "update_id": u, "processed_at": now} for u in update_ids])
        .on_conflict_do_nothing(index_elements=["channel", "update_id"])
        .returning(table.c.update_id)  # type: ignore[attr-defined]
    )
    return set((await session.execute(statement)).scalars())
