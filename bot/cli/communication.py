"""`scenari audience|broadcast|event|reminders|feedback …`: the communication plan.

    scenari audience preview SEGMENT                 # how many a segment reaches (never who)
    scenari audience define NAME SEGMENT | list
    scenari broadcast create --segment SEG --text-it FILE|TEXT [--text-en …] [--button …] [--document PATH]
    scenari broadcast preview ID [--to TELEGRAM_ID] [--lang it|en]
    scenari broadcast schedule ID [--at "YYYY-MM-DD HH:MM"]   # city time (Europe/Rome); now by default
    scenari broadcast status [ID] | cancel ID | resend-uncertain ID
    scenari broadcast send [--until-done]            # run the sender in the foreground
    scenari event create --title … --place … --at "YYYY-MM-DD HH:MM" [--capacity N] [--description …]
    scenari event invite ID SEGMENT [--at …] | list | attendance ID --out FILE.xlsx|.csv
    scenari reminders scan                           # enqueue the reminders due now
    scenari feedback send [--snapshot ID]            # personal summaries of the latest snapshot

SEGMENT: ``all``, a saved name, or filters ``key=v1,v2;key=v`` over lang, category, completed,
incomplete, profile, municipality, invitation (storage.audiences). Registered by :mod:`bot.cli`.
"""

from __future__ import annotations

import argparse
import asyncio
import signal
import sys
from datetime import datetime, timezone
from pathlib import Path
from typing import TYPE_CHECKING, Any
from zoneinfo import ZoneInfo

if TYPE_CHECKING:  # pragma: no cover
    from storage import Database

    from bot.settings import Settings

COMMANDS = ("audience", "broadcast", "event", "reminders", "feedback")


def add_commands(subparsers: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    audience = subparsers.add_parser("audience", help="newsletter subscribers and segments (counts only)")
    a = audience.add_subparsers(dest="action", required=True)
    preview = a.add_parser("preview", help="how many people a segment reaches")
    preview.add_argument("segment")
    define = a.add_parser("define", help="save a segment under a name")
    define.add_argument("name")
    define.add_argument("segment")
    a.add_parser("list", help="the saved segments")

    broadcast = subparsers.add_parser("broadcast", help="newsletters to a segment, delivered at Telegram's pace")
    b = broadcast.add_subparsers(dest="action", required=True)
    create = b.add_parser("create", help="write a broadcast (a draft until scheduled)")
    create.add_argument("--segment", default="all")
    create.add_argument("--text-it", required=True, help="Markdown text, or a file holding it")
    create.add_argument("--text-en", default=None, help="the English text (Italian is sent when missing)")
    create.add_argument("--button", action="append", default=[],
                        help="questionnaire:<id>, results, or url:<https://…>|<label> (repeatable)")
    create.add_argument("--document", type=Path, default=None, help="a file sent with the message (text ≤ 1024 chars)")
    create.add_argument("--schedule", nargs="?", const="now", default=None, help="schedule at once (now or a time)")
    show = b.add_parser("preview", help="show a broadcast as recipients get it (and send it to yourself)")
    show.add_argument("id", type=int)
    show.add_argument("--to", type=int, default=None, help="your Telegram user id: the preview is sent there")
    show.add_argument("--lang", choices=("it", "en"), default=None)
    sched = b.add_parser("schedule", help="schedule a draft (now, or at a time of the city)")
    sched.add_argument("id", type=int)
    sched.add_argument("--at", default=None, help='"YYYY-MM-DD HH:MM" in SCENARI_TIMEZONE (default: now)')
    status = b.add_parser("status", help="sent / pending / failed / blocked of a broadcast (or the latest ones)")
    status.add_argument("id", type=int, nargs="?")
    cancel = b.add_parser("cancel", help="cancel a broadcast: what was not sent yet is not sent")
    cancel.add_argument("id", type=int)
    again = b.add_parser("resend-uncertain", help="send again the messages interrupted while Telegram had them")
    again.add_argument("id", type=int)
    send = b.add_parser("send", help="run the sender in the foreground (needs TELEGRAM_BOT_TOKEN)")
    send.add_argument("--until-done", action="store_true", help="stop when nothing is left to send")
    send.add_argument("--rate", type=float, default=None, help="messages per second (default SCENARI_BROADCAST_RATE; 0: no limit)")
    send.add_argument("--lease", type=float, default=60.0, help="seconds a claimed row is held (default 60)")
    send.add_argument("--batch", type=int, default=500)
    send.add_argument("--concurrency", type=int, default=64)

    event = subparsers.add_parser("event", help="workshops and meetings: invitations, RSVP, attendance")
    e = event.add_subparsers(dest="action", required=True)
    ecreate = e.add_parser("create", help="a new event")
    ecreate.add_argument("--title", required=True)
    ecreate.add_argument("--place", required=True)
    ecreate.add_argument("--at", required=True, help='"YYYY-MM-DD HH:MM" in SCENARI_TIMEZONE')
    ecreate.add_argument("--capacity", type=int, default=None)
    ecreate.add_argument("--description", default=None, help="Markdown")
    invite = e.add_parser("invite", help="invite a segment (RSVP buttons sì / no / forse)")
    invite.add_argument("id", type=int)
    invite.add_argument("segment")
    invite.add_argument("--at", default=None)
    e.add_parser("list", help="events and their answers")
    att = e.add_parser("attendance", help="the attendance list for the organisers")
    att.add_argument("id", type=int)
    att.add_argument("--out", "-o", type=Path, required=True)

    reminders = subparsers.add_parser("reminders", help="reminders of stopped questionnaires")
    reminders.add_subparsers(dest="action", required=True).add_parser("scan", help="enqueue the reminders due now")
    feedback = subparsers.add_parser("feedback", help="personal summaries of the results")
    fsend = feedback.add_subparsers(dest="action", required=True).add_parser("send", help="for the latest snapshot (once)")
    fsend.add_argument("--snapshot", type=int, default=None)


def _text(value: str | None) -> str | None:
    if value is None:
        return None
    path = Path(value)
    if len(value) < 300 and "\n" not in value and path.is_file():
        return path.read_text(encoding="utf-8")
    return value


async def dispatch(args: argparse.Namespace, settings: Settings, db: Database) -> int | None:
    if args.command not in COMMANDS:
        return None
    from storage.audiences import SegmentError

    try:
        return await _dispatch(args, settings, db)
    except (SegmentError, ValueError, LookupError) as exc:
        print(f"Error: {exc}", file=sys.stderr)
        return 2


async def _dispatch(args: argparse.Namespace, settings: Settings, db: Database) -> int:
    from storage import audiences

    from bot.service import communication
    from bot.service.catalog import QuestionnaireCatalog

    plan = communication.Plan.from_settings(settings)
    zone = settings.city_timezone
    if args.command == "audience":
        async with db.transaction() as session:
            if args.action == "list":
                for name, definition in await audiences.list_segments(session):
                    print(f"{name:<20} {communication.describe_segment(definition)}")
                return 0
            if args.action == "define":
                await audiences.save_segment(session, args.name, communication.parse_segment(args.segment))
                print(f"Segment {args.name!r} saved.")
                return 0
            segment = await communication.resolve_segment(session, args.segment)
            counts = await audiences.count(session, segment)
        print(f"Segment {communication.describe_segment(segment)} reaches {counts['total']} subscribers "
              f"(it {counts['it']}, en {counts['en']}).")
        return 0
    if args.command == "broadcast":
        return await _broadcast(args, settings, db, plan, zone)
    if args.command == "event":
        return await _event(args, db, plan, zone)
    catalog = QuestionnaireCatalog.load(settings.questionnaires_dir)
    if args.command == "reminders":
        n = await communication.scan_reminders(db, plan, catalog)
        print(f"{n} reminders enqueued (the sender delivers them outside the quiet hours {plan.quiet_hours or '-'}).")
        return 0
    n = await communication.scan_feedback(db, plan, catalog, snapshot_id=args.snapshot)
    print(f"{n} personal summaries enqueued." if n else "No summaries enqueued (no snapshot, nobody opted in, or already sent).")
    return 0


async def _broadcast(args: argparse.Namespace, settings: Settings, db: Database, plan: Any, zone: str) -> int:
    from storage import audiences, outbox

    from bot.service import communication
    from bot.service.communication import parse_time, resolve_segment, status_line
    from bot.service.catalog import QuestionnaireCatalog

    catalog = QuestionnaireCatalog.load(settings.questionnaires_dir)
    if args.action == "create":
        text_it = _text(args.text_it) or ""
        text_en = _text(args.text_en)
        buttons = [communication.parse_button(spec, catalog) for spec in args.button]
        document = None
        if args.document is not None:
            if not args.document.is_file():
                raise ValueError(f"no such file: {args.document}")
            if max(len(communication.markdown_html(text_it)), len(communication.markdown_html(text_en or ""))) > 1024:
                raise ValueError("with a document the text is its caption: at most 1024 characters")
            document = str(args.document.resolve())
        at = parse_time(args.schedule, zone) if args.schedule else None
        async with db.transaction() as session:
            segment = await resolve_segment(session, args.segment)
            broadcast = await outbox.create_broadcast(
                session, segment=segment, text_it=text_it, text_en=text_en, buttons=buttons, document_path=document,
                created_by="cli", status="scheduled" if args.schedule else "draft",
                scheduled_at=(at or datetime.now(timezone.utc)) if args.schedule else None,
            )
            counts = await audiences.count(session, segment)
        state = "scheduled" if args.schedule else "draft (scenari broadcast schedule %d)" % broadcast.id
        print(f"Broadcast {broadcast.id} created, {state}; segment {communication.describe_segment(segment)} "
              f"reaches {counts['total']} subscribers now.")
        return 0
    if args.action == "preview":
        async with db.transaction() as session:
            broadcast = await outbox.get_broadcast(session, args.id)
            if broadcast is None:
                raise LookupError(f"no broadcast {args.id}")
            counts = await audiences.count(session, broadcast.segment)
        for lang in [args.lang] if args.lang else ["it", "en"]:
            message = communication.with_rsvp_buttons(communication.compose(broadcast, lang, plan, catalog), broadcast, lang)
            print(f"--- {lang} ---\n{message.html}")
            for button in message.buttons:
                print(f"[{button['text']}]")
            if message.document_path:
                print(f"(document: {message.document_path})")
        print(f"--- reaches {counts['total']} subscribers now (it {counts['it']}, en {counts['en']})")
        if args.to is not None:
            if not settings.telegram_bot_token:
                raise ValueError("TELEGRAM_BOT_TOKEN is not set: cannot send the preview")
            from bot.telegram.sender import build_sender_bot, send_preview

            bot = build_sender_bot(settings.telegram_bot_token, settings.telegram_api_base)
            try:
                message = communication.compose(broadcast, args.lang or settings.lang, plan, catalog)
                await send_preview(bot, args.to, communication.with_rsvp_buttons(message, broadcast, args.lang or settings.lang))
            finally:
                await bot.session.close()
            print(f"Preview sent to {args.to}.")
        return 0
    if args.action == "schedule":
        async with db.transaction() as session:
            broadcast = await outbox.schedule(session, args.id, parse_time(args.at, zone))
        if broadcast is None:
            raise LookupError(f"no broadcast {args.id}")
        if broadcast.status != "scheduled":
            print(f"Broadcast {args.id} is {broadcast.status}: not scheduled again.", file=sys.stderr)
            return 1
        when = broadcast.scheduled_at.astimezone(ZoneInfo(zone)) if broadcast.scheduled_at else None
        print(f"Broadcast {args.id} scheduled for {when:%Y-%m-%d %H:%M} ({zone}).")
        return 0
    if args.action == "status":
        async with db.transaction() as session:
            items = [await outbox.get_broadcast(session, args.id)] if args.id else await outbox.list_broadcasts(session)
            rows = [(b, await outbox.counts(session, b.id)) for b in items if b is not None]
        if not rows:
            print("No broadcasts." if not args.id else f"No broadcast {args.id}.")
            return 0 if not args.id else 2
        for b, counts in rows:
            print(status_line(b, counts))
        return 0
    if args.action == "cancel":
        async with db.transaction() as session:
            n = await outbox.cancel(session, args.id)
        if n is None:
            print(f"Broadcast {args.id} is unknown or finished: nothing to cancel.", file=sys.stderr)
            return 1
        print(f"Broadcast {args.id} cancelled; {n} messages not sent.")
        return 0
    if args.action == "resend-uncertain":
        async with db.transaction() as session:
            n = await outbox.resend_uncertain(session, args.id)
        print(f"{n} uncertain messages of broadcast {args.id} queued again (their recipients may get them twice).")
        return 0
    return await _send(args, settings, db, plan, catalog)


async def _send(args: argparse.Namespace, settings: Settings, db: Database, plan: Any, catalog: Any) -> int:
    import dataclasses

    from bot.telegram.sender import Sender, build_sender_bot

    if not settings.telegram_bot_token:
        print("TELEGRAM_BOT_TOKEN is not set: nothing can be sent.", file=sys.stderr)
        return 2
    if args.rate is not None:
        plan = dataclasses.replace(plan, rate=args.rate)
    bot = build_sender_bot(settings.telegram_bot_token, settings.telegram_api_base)
    sender = Sender(db, bot, plan, catalog, lease_seconds=args.lease, batch=args.batch, concurrency=args.concurrency)
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stop.set)
    try:
        stats = await sender.run(stop, until_done=args.until_done)
    finally:
        await bot.session.close()
    elapsed = max(1e-9, __import__("time").monotonic() - stats.started)
    print(f"Sender {sender.holder}: sent {stats.sent}, failed {stats.failed}, blocked {stats.blocked}, "
          f"skipped {stats.skipped}, retried {stats.retried}, flood waits {stats.flood_waits}, "
          f"uncertain {stats.uncertain} in {elapsed:.1f} s.")
    return 0


async def _event(args: argparse.Namespace, db: Database, plan: Any, zone: str) -> int:
    from storage import audiences, events, outbox

    from bot.service import communication
    from bot.service.communication import parse_time, resolve_segment

    if args.action == "create":
        at = parse_time(args.at, zone)
        if at is None:
            raise ValueError("--at is required")
        if args.capacity is not None and args.capacity < 1:
            raise ValueError("--capacity must be at least 1")
        async with db.transaction() as session:
            event = await events.create_event(session, args.title, args.place, at, args.capacity, args.description)
        print(f"Event {event.id} created: {args.title}, {plan.local(at, 'it')}, {args.place}"
              f"{f', {args.capacity} places' if args.capacity else ''}.")
        return 0
    if args.action == "invite":
        async with db.transaction() as session:
            segment = await resolve_segment(session, args.segment)
            broadcast = await communication.invite(session, args.id, segment, plan, parse_time(args.at, zone), "cli")
            counts = await audiences.count(session, segment)
        print(f"Invitation to event {args.id} scheduled as broadcast {broadcast.id} for {counts['total']} subscribers.")
        return 0
    if args.action == "list":
        async with db.transaction() as session:
            listing = [(e, await events.counts(session, e.id)) for e in await events.list_events(session)]
        for e, counts in listing:
            cap = e.capacity if e.capacity is not None else "∞"
            print(f"#{e.id} {plan.local(outbox.aware(e.starts_at), 'it')} {e.title} ({e.place}) — confirmed "
                  f"{counts.get('confirmed', 0)}/{cap}, waiting {counts.get('waiting', 0)}, maybe {counts.get('maybe', 0)}, "
                  f"no {counts.get('declined', 0)}")
        return 0
    from exports.attendance import write_attendance

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
