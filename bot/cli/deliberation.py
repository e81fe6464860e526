"""`scenari statements …` and `scenari round …`: the deliberation rounds (issue 9).

    scenari statements list [--status pending|approved|rejected|merged]
    scenari statements propose [--limit N]          # proposals from objectives and visions
    scenari statements add "TEXT"                   # a moderator's statement, approved at once
    scenari statements approve ID [--text "NEW TEXT"]
    scenari statements reject ID
    scenari statements merge ID INTO_ID             # ID's votes move to INTO_ID
    scenari round open NAME --segment SPEC [--until "YYYY-MM-DD HH:MM"] [--min-votes N] [--min-category-votes N]
    scenari round close NAME [--no-summary]
    scenari round status [NAME]

Invitations and summaries go through the communication plan's durable outbox; ``scenari serve``
(or ``scenari broadcast send``) delivers them. A wrong id, segment or text is one line
``Error: …`` and exit status 2.
"""

from __future__ import annotations

import argparse
import sys

from storage import Database, deliberation

from bot.service import deliberation as service
from bot.service.communication import describe_segment, parse_time, resolve_segment
from bot.settings import Settings

from .commands import DatabaseHandler, one_line_errors, with_database

STATUSES = ("pending", "approved", "rejected", "merged")
BY = "cli"  # who decided, in the statements' history


def add_statements(parser: argparse.ArgumentParser) -> None:
    a = parser.add_subparsers(dest="action", required=True)
    listing = a.add_parser("list", help="the statements (no author is ever shown)")
    listing.add_argument("--status", choices=STATUSES, default=None)
    with_database(listing, _reported(_list))
    propose = a.add_parser("propose", help="propose statements from the objectives and visions not used yet")
    propose.add_argument("--limit", type=int, default=None)
    with_database(propose, _reported(_propose))
    add = a.add_parser("add", help="add a moderator's statement (approved at once)")
    add.add_argument("text")
    with_database(add, _reported(_add))
    approve = a.add_parser("approve", help="approve a statement, optionally rewritten")
    approve.add_argument("id", type=int)
    approve.add_argument("--text", default=None, help="the rewritten text (≤ 140 characters)")
    with_database(approve, _reported(_approve))
    reject = a.add_parser("reject", help="reject a statement")
    reject.add_argument("id", type=int)
    with_database(reject, _reported(_reject))
    merge = a.add_parser("merge", help="merge a statement into another, keeping its votes")
    merge.add_argument("id", type=int)
    merge.add_argument("into", type=int)
    with_database(merge, _reported(_merge))


def add_round(parser: argparse.ArgumentParser) -> None:
    r = parser.add_subparsers(dest="action", required=True)
    op = r.add_parser("open", help="open a round for a segment and a period, and invite its participants")
    op.add_argument("name")
    op.add_argument("--segment", default="all", help="a saved segment or filters, e.g. category=firm,union;lang=it")
    op.add_argument("--from", dest="opens", default=None, help='"YYYY-MM-DD HH:MM" (city time; default now)')
    op.add_argument("--until", default=None, help='"YYYY-MM-DD HH:MM" (city time; default: until closed)')
    op.add_argument("--min-votes", type=int, default=None, help="votes a statement needs to be ranked")
    op.add_argument("--min-category-votes", type=int, default=None, help="votes a category's cell needs to count")
    op.add_argument("--no-invite", action="store_true", help="open without inviting anybody yet")
    with_database(op, _reported(_open))
    close = r.add_parser("close", help="close a round and send the voters who opted in their summary")
    close.add_argument("name")
    close.add_argument("--no-summary", action="store_true")
    with_database(close, _reported(_close))
    status = r.add_parser("status", help="participants, votes and statements of a round (or every round)")
    status.add_argument("name", nargs="?")
    with_database(status, _reported(_status))


def _reported(handler: DatabaseHandler) -> DatabaseHandler:
    """The handler, with a refused decision, segment or value said in one line, exit 2.

    storage's DeliberationError and SegmentError are ValueErrors.
    """
    return one_line_errors(handler, ValueError)


async def _list(args: argparse.Namespace, settings: Settings, db: Database) -> int:
    async with db.transaction() as session:
        rows = await deliberation.list_statements(session, args.status)
        votes = await deliberation.vote_counts(session, [s.id for s in rows])
    for s in rows:
        flag = f"  ≈#{s.duplicate_of_id} ({s.similarity:.2f})" if s.duplicate_of_id and s.status == "pending" else ""
        into = f" → #{s.merged_into_id}" if s.merged_into_id else ""
        print(f"#{s.id:<5} {s.status:<9}{into} {s.source:<11} {votes.get(s.id, 0):>5} votes  {s.text}{flag}")
    print(f"{len(rows)} statements")
    return 0


async def _propose(args: argparse.Namespace, settings: Settings, db: Database) -> int:
    made = await service.propose(db, args.limit, settings.spacy_model)
    print(f"Proposed {made} statements from objectives and visions (pending: `scenari statements list --status pending`).")
    return 0


async def _add(args: argparse.Namespace, settings: Settings, db: Database) -> int:
    lemmas = await service.lemmas_of(args.text, settings.spacy_model)
    async with db.transaction() as session:
        s = await service.create_statement(session, args.text, "moderator", lemmas, status="approved", decided_by=BY)
        print(f"Added #{s.id} (approved): {s.text}")
        if s.duplicate_of_id:
            other = await deliberation.get_statement(session, s.duplicate_of_id)
            print(f"  near-duplicate of #{s.duplicate_of_id} ({s.similarity:.2f}): {other.text if other else ''}")
    return 0


async def _approve(args: argparse.Namespace, settings: Settings, db: Database) -> int:
    lemmas = await service.lemmas_of(args.text, settings.spacy_model) if args.text else None
    async with db.transaction() as session:
        s = await deliberation.approve(session, args.id, BY, args.text, lemmas)
        print(f"Approved #{s.id}: {s.text}")
    return 0


async def _reject(args: argparse.Namespace, settings: Settings, db: Database) -> int:
    async with db.transaction() as session:
        s = await deliberation.reject(session, args.id, BY)
        print(f"Rejected #{s.id}")
    return 0


async def _merge(args: argparse.Namespace, settings: Settings, db: Database) -> int:
    async with db.transaction() as session:
        target, moved = await deliberation.merge(session, args.id, args.into, BY)
        print(f"Merged #{args.id} into #{target.id} ({moved} votes moved): {target.text}")
    return 0


async def _open(args: argparse.Namespace, settings: Settings, db: Database) -> int:
    async with db.transaction() as session:
        segment = await resolve_segment(session, args.segment)
        row = await deliberation.open_round(
            session, args.name, segment, opens_at=parse_time(args.opens, settings.city_timezone),
            closes_at=parse_time(args.until, settings.city_timezone),
            min_votes=args.min_votes or settings.consensus_min_votes,
            min_category_votes=args.min_category_votes or settings.consensus_min_category_votes,
        )
        round_id, approved = row.id, len(await deliberation.list_statements(session, "approved"))
    print(f"Opened round #{round_id} {args.name!r} for {describe_segment(segment)} "
          f"({approved} approved statements).")
    if not args.no_invite:
        new, enqueued = await service.invite(db, round_id, settings)
        print(f"Invited {new} participants: {enqueued} invitations in the outbox "
              "(`scenari serve` or `scenari broadcast send` delivers them).")
    return 0


async def _close(args: argparse.Namespace, settings: Settings, db: Database) -> int:
    async with db.transaction() as session:
        row = await deliberation.get_round(session, args.name)
        if row is None:
            print(f"Error: no round {args.name!r}", file=sys.stderr)
            return 2
        await deliberation.close_round(session, row.id)
        round_id = row.id
    print(f"Closed round {args.name!r}.")
    if not args.no_summary:
        n = await service.summarise(db, round_id, settings)
        print(f"{n} personal summaries in the outbox (voters who opted in).")
    return 0


async def _status(args: argparse.Namespace, settings: Settings, db: Database) -> int:
    async with db.transaction() as session:
        rounds = [await deliberation.get_round(session, args.name)] if args.name else await deliberation.list_rounds(session)
        if args.name and rounds[0] is None:
            print(f"Error: no round {args.name!r}", file=sys.stderr)
            return 2
        for row in rounds:
            assert row is not None
            counts = await deliberation.round_status(session, row.id)
            state = row.status if row.status == "closed" or deliberation.is_open(row) else "scheduled/expired"
            until = deliberation.aware(row.closes_at).strftime("%Y-%m-%d %H:%M UTC") if row.closes_at else "until closed"
            print(f"#{row.id} {row.name!r} {state} ({until}) → {describe_segment(row.segment)}; "
                  f"min votes {row.min_votes}, per category {row.min_category_votes}")
            print("   " + ", ".join(f"{k} {v}" for k, v in sorted(counts.items())))
    return 0


COMMANDS = {"statements": add_statements, "round": add_round}
