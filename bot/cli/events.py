"""`scenari event …`, `scenari reminders scan`, `scenari feedback send`: the plan's follow-ups.

    scenari event create --title … --place … --at "YYYY-MM-DD HH:MM" [--capacity N] [--description …]
    scenari event invite ID SEGMENT [--at …] | list | attendance ID --out FILE.xlsx|.csv
    scenari reminders scan                           # enqueue the reminders due now
    scenari feedback send [--snapshot ID]            # personal summaries of the latest snapshot

Workshops and meetings (invitations with RSVP buttons, the attendance list), reminders of
stopped questionnaires, and personal summaries of the results: all go through the plan's
durable outbox (``scenari serve`` or ``scenari broadcast send`` delivers them). Times are the
city's (SCENARI_TIMEZONE); a wrong segment, time or id is one line ``Error: …`` and exit 2.
"""

from __future__ import annotations

import argparse
import asyncio
from pathlib import Path
from typing import Any

from storage import Database, audiences, events, outbox

from bot.service import communication
from bot.service.communication import Plan, parse_time, scan_feedback, scan_reminders
from bot.settings import Settings

from .commands import with_database
from .communication import planned


def add_event(parser: argparse.ArgumentParser) -> None:
    e = parser.add_subparsers(dest="action", required=True)
    create = e.add_parser("create", help="a new event")
    create.add_argument("--title", required=True)
    create.add_argument("--place", required=True)
    create.add_argument("--at", required=True, help='"YYYY-MM-DD HH:MM" in SCENARI_TIMEZONE')
    create.add_argument("--capacity", type=int, default=None)
    create.add_argument("--description", default=None, help="Markdown")
    with_database(create, planned(_create))
    invite = e.add_parser("invite", help="invite a segment (RSVP buttons sì / no / forse)")
    invite.add_argument("id", type=int)
    invite.add_argument("segment")
    invite.add_argument("--at", default=None)
    with_database(invite, planned(_invite))
    with_database(e.add_parser("list", help="events and their answers"), planned(_list))
    attendance = e.add_parser("attendance", help="the attendance list for the organisers")
    attendance.add_argument("id", type=int)
    attendance.add_argument("--out", "-o", type=Path, required=True)
    with_database(attendance, planned(_attendance))


def add_reminders(parser: argparse.ArgumentParser) -> None:
    scan = parser.add_subparsers(dest="action", required=True).add_parser("scan", help="enqueue the reminders due now")
    with_database(scan, planned(_reminders, catalog=True))


def add_feedback(parser: argparse.ArgumentParser) -> None:
    send = parser.add_subparsers(dest="action", required=True).add_parser("send", help="for the latest snapshot (once)")
    send.add_argument("--snapshot", type=int, default=None)
    with_database(send, planned(_feedback, catalog=True))


async def _create(args: argparse.Namespace, settings: Settings, db: Database, plan: Plan, catalog: Any) -> int:
    at = parse_time(args.at, settings.city_timezone)
    if at is None:
        raise ValueError("--at is required")
    if args.capacity is not None and args.capacity < 1:
        raise ValueError("--capacity must be at least 1")
    async with db.transaction() as session:
        event = await events.create_event(session, args.title, args.place, at, args.capacity, args.description)
    print(f"Event {event.id} created: {args.title}, {plan.local(at, 'it')}, {args.place}"
          f"{f', {args.capacity} places' if args.capacity else ''}.")
    return 0


async def _invite(args: argparse.Namespace, settings: Settings, db: Database, plan: Plan, catalog: Any) -> int:
    async with db.transaction() as session:
        segment = await communication.resolve_segment(session, args.segment)
        at = parse_time(args.at, settings.city_timezone)
        broadcast = await communication.invite(session, args.id, segment, plan, at, "cli")
        counts = await audiences.count(session, segment, plan.newsletter_since)
    print(f"Invitation to event {args.id} scheduled as broadcast {broadcast.id} for {counts['total']} subscribers.")
    return 0


async def _list(args: argparse.Namespace, settings: Settings, db: Database, plan: Plan, catalog: Any) -> int:
    async with db.transaction() as session:
        listing = [(e, await events.counts(session, e.id)) for e in await events.list_events(session)]
    for e, counts in listing:
        cap = e.capacity if e.capacity is not None else "∞"
        print(f"#{e.id} {plan.local(outbox.aware(e.starts_at), 'it')} {e.title} ({e.place}) — confirmed "
              f"{counts.get('confirmed', 0)}/{cap}, waiting {counts.get('waiting', 0)}, maybe {counts.get('maybe', 0)}, "
              f"no {counts.get('declined', 0)}")
    return 0


async def _attendance(args: argparse.Namespace, settings: Settings, db: Database, plan: Plan, catalog: Any) -> int:
    from exports.attendance import write_attendance  # pandas: slow to import, needed only for this list

    async with db.transaction() as session:
        event = await events.get_event(session, args.id)
        if event is None:
            raise LookupError(f"no event {args.id}")
        rows = await events.attendance(session, args.id)
    path = await asyncio.to_thread(write_attendance, rows, args.out, event.title)
    confirmed = sum(1 for r in rows if r["status"] == "confirmed")
    waiting = sum(1 for r in rows if r["status"] == "waiting")
    print(f"Attendance of event {args.id}: {confirmed} confirmed, {waiting} waiting, {len(rows)} answers → {path}")
    return 0


async def _reminders(args: argparse.Namespace, settings: Settings, db: Database, plan: Plan, catalog: Any) -> int:
    n = await scan_reminders(db, plan, catalog)
    print(f"{n} reminders enqueued (the sender delivers them outside the quiet hours {plan.quiet_hours or '-'}).")
    return 0


async def _feedback(args: argparse.Namespace, settings: Settings, db: Database, plan: Plan, catalog: Any) -> int:
    n = await scan_feedback(db, plan, catalog, snapshot_id=args.snapshot)
    print(f"{n} personal summaries enqueued." if n else "No summaries enqueued (no snapshot, nobody opted in, or already sent).")
    return 0


COMMANDS = {"event": add_event, "reminders": add_reminders, "feedback": add_feedback}
