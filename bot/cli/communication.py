"""`scenari audience …` and `scenari broadcast …`: segments and newsletters (events, reminders: bot.cli.events).

    scenari audience preview SEGMENT                 # how many a segment reaches (never who)
    scenari audience define NAME SEGMENT | list
    scenari broadcast create --segment SEG --text-it FILE|TEXT [--text-en …] [--text de=FILE|TEXT …]
                             [--button …] [--document PATH]
    scenari broadcast preview ID [--to TELEGRAM_ID] [--lang it|en|de…]
    scenari broadcast schedule ID [--at "YYYY-MM-DD HH:MM"]   # city time (Europe/Rome); now by default
    scenari broadcast status [ID] | cancel ID | resend-uncertain ID
    scenari broadcast send [--until-done]            # run the sender in the foreground

SEGMENT: ``all``, a saved name, or filters ``key=v1,v2;key=v`` over lang, category, completed,
incomplete, profile, municipality, invitation (storage.audiences). A wrong segment, time or id
is one line ``Error: …`` and exit status 2 (:func:`planned`).
"""

from __future__ import annotations

import argparse
import asyncio
import dataclasses
import functools
import signal
import sys
import time
from collections.abc import Awaitable, Callable
from datetime import datetime, timezone
from pathlib import Path
from typing import Any, TypeAlias
from zoneinfo import ZoneInfo

from storage import Database, audiences, outbox

from bot.service import communication
from bot.service.catalog import QuestionnaireCatalog
from bot.service.communication import Plan, describe_segment, parse_segment, parse_time, resolve_segment, status_line
from bot.settings import Settings

from .commands import DatabaseHandler, one_line_errors, with_database

# A command of the plan: the arguments, the settings, the database, the plan, and the catalogue
# (a QuestionnaireCatalog) for the commands that draw questionnaire buttons or scan runs, else None.
PlanHandler: TypeAlias = Callable[[argparse.Namespace, Settings, Database, Plan, Any], Awaitable[int]]


def planned(handler: PlanHandler, *, catalog: bool = False) -> DatabaseHandler:
    """The handler, given the settings' plan (and the catalogue); a refused value is one line, exit 2.

    A wrong segment or time is a ValueError (storage.audiences.SegmentError is one), a missing
    broadcast or event a LookupError.
    """

    @functools.wraps(handler)
    async def run(args: argparse.Namespace, settings: Settings, db: Database) -> int:
        plan = Plan.from_settings(settings)
        found = QuestionnaireCatalog.load(settings.plan) if catalog else None
        return await handler(args, settings, db, plan, found)

    return one_line_errors(run, ValueError, LookupError)


def add_audience(parser: argparse.ArgumentParser) -> None:
    a = parser.add_subparsers(dest="action", required=True)
    preview = a.add_parser("preview", help="how many people a segment reaches")
    preview.add_argument("segment")
    with_database(preview, planned(_audience_preview))
    define = a.add_parser("define", help="save a segment under a name")
    define.add_argument("name")
    define.add_argument("segment")
    with_database(define, planned(_audience_define))
    with_database(a.add_parser("list", help="the saved segments"), planned(_audience_list))


def add_broadcast(parser: argparse.ArgumentParser) -> None:
    b = parser.add_subparsers(dest="action", required=True)
    create = b.add_parser("create", help="write a broadcast (a draft until scheduled)")
    create.add_argument("--segment", default="all")
    create.add_argument("--text-it", required=True, help="Markdown text, or a file holding it")
    create.add_argument("--text-en", default=None, help="the English text (Italian is sent when missing)")
    create.add_argument("--text", action="append", default=[], metavar="LANG=TEXT",
                        help="the text in another language of the plan, e.g. de=newsletter.de.md (repeatable; "
                             "Italian is sent to a reader whose language has none)")
    create.add_argument("--button", action="append", default=[],
                        help="questionnaire:<id>, results, or url:<https://…>|<label> (repeatable)")
    create.add_argument("--document", type=Path, default=None, help="a file sent with the message (text ≤ 1024 chars)")
    create.add_argument("--schedule", nargs="?", const="now", default=None, help="schedule at once (now or a time)")
    show = b.add_parser("preview", help="show a broadcast as recipients get it (and send it to yourself)")
    show.add_argument("id", type=int)
    show.add_argument("--to", type=int, default=None, help="your Telegram user id: the preview is sent there")
    show.add_argument("--lang", default=None, help="one of the plan's languages (default: each of them)")
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
    for command, handler in ((create, _create), (show, _preview), (sched, _schedule), (status, _status),
                             (cancel, _cancel), (again, _resend_uncertain), (send, _send)):
        with_database(command, planned(handler, catalog=True))  # every broadcast command reads the questionnaires


# --- audience ------------------------------------------------------------------------------------


async def _audience_preview(args: argparse.Namespace, settings: Settings, db: Database, plan: Plan, catalog: Any) -> int:
    async with db.transaction() as session:
        segment = await resolve_segment(session, args.segment)
        counts = await audiences.count(session, segment, plan.newsletter_since)
    print(f"Segment {describe_segment(segment)} reaches {counts['total']} subscribers "
          f"(it {counts['it']}, en {counts['en']}).")
    return 0


async def _audience_define(args: argparse.Namespace, settings: Settings, db: Database, plan: Plan, catalog: Any) -> int:
    async with db.transaction() as session:
        await audiences.save_segment(session, args.name, parse_segment(args.segment))
        print(f"Segment {args.name!r} saved.")
    return 0


async def _audience_list(args: argparse.Namespace, settings: Settings, db: Database, plan: Plan, catalog: Any) -> int:
    async with db.transaction() as session:
        for name, definition in await audiences.list_segments(session):
            print(f"{name:<20} {describe_segment(definition)}")
    return 0


# --- broadcast -----------------------------------------------------------------------------------


def _text(value: str | None) -> str | None:
    """The text itself, or the content of the file it names."""
    if value is None:
        return None
    path = Path(value)
    if len(value) < 300 and "\n" not in value and path.is_file():
        return path.read_text(encoding="utf-8")
    return value


def _other_texts(specs: list[str], languages: tuple[str, ...]) -> dict[str, str]:
    """``--text de=…`` options → language → text, each a language of the plan other than it and en."""
    texts: dict[str, str] = {}
    for spec in specs:
        lang, sep, value = spec.partition("=")
        lang = lang.strip().lower()
        if not sep or not value.strip():
            raise ValueError(f"--text {spec!r}: write LANG=TEXT or LANG=FILE, e.g. de=newsletter.de.md")
        if lang in ("it", "en"):
            raise ValueError(f"--text {lang}=…: the {lang} text is --text-{lang}")
        if lang not in languages:
            raise ValueError(f"--text {lang}=…: {lang!r} is not a language of the plan ({', '.join(languages)})")
        texts[lang] = _text(value) or ""
    return texts


async def _create(args: argparse.Namespace, settings: Settings, db: Database, plan: Plan, catalog: Any) -> int:
    text_it = _text(args.text_it) or ""
    text_en = _text(args.text_en)
    texts = _other_texts(args.text, settings.plan.languages)
    buttons = [communication.parse_button(spec, catalog) for spec in args.button]
    document = None
    if args.document is not None:
        if not args.document.is_file():
            raise ValueError(f"no such file: {args.document}")
        if max(len(communication.markdown_html(text)) for text in (text_it, text_en or "", *texts.values())) > 1024:
            raise ValueError("with a document the text is its caption: at most 1024 characters")
        document = str(args.document.resolve())
    at = parse_time(args.schedule, settings.city_timezone) if args.schedule else None
    async with db.transaction() as session:
        segment = await resolve_segment(session, args.segment)
        broadcast = await outbox.create_broadcast(
            session, segment=segment, text_it=text_it, text_en=text_en, texts=texts, buttons=buttons,
            document_path=document,
            created_by="cli", status="scheduled" if args.schedule else "draft",
            scheduled_at=(at or datetime.now(timezone.utc)) if args.schedule else None,
        )
        counts = await audiences.count(session, segment, plan.newsletter_since)
    state = "scheduled" if args.schedule else "draft (scenari broadcast schedule %d)" % broadcast.id
    print(f"Broadcast {broadcast.id} created, {state}; segment {describe_segment(segment)} "
          f"reaches {counts['total']} subscribers now.")
    return 0


async def _preview(args: argparse.Namespace, settings: Settings, db: Database, plan: Plan, catalog: Any) -> int:
    async with db.transaction() as session:
        broadcast = await outbox.get_broadcast(session, args.id)
        if broadcast is None:
            raise LookupError(f"no broadcast {args.id}")
        counts = await audiences.count(session, broadcast.segment, plan.newsletter_since)
    languages = list(dict.fromkeys(["it", "en", *settings.plan.languages]))
    if args.lang and args.lang not in languages:
        raise ValueError(f"--lang {args.lang}: not a language of the plan ({', '.join(languages)})")
    for lang in [args.lang] if args.lang else languages:
        message = communication.with_rsvp_buttons(communication.compose(broadcast, lang, plan, catalog), broadcast, lang)
        print(f"--- {lang} ---\n{message.html}")
        for button in message.buttons:
            print(f"[{button['text']}]")
        if message.document_path:
            print(f"(document: {message.document_path})")
    per_language = ", ".join(f"{lang} {n}" for lang, n in counts.items() if lang != "total")
    print(f"--- reaches {counts['total']} subscribers now ({per_language})")
    if args.to is not None:
        if not settings.telegram_bot_token:
            raise ValueError("TELEGRAM_BOT_TOKEN is not set: cannot send the preview")
        # aiogram: slow to import, and needed only to send the preview
        from bot.telegram import build_bot
        from bot.telegram.sender import send_preview

        bot = build_bot(settings, retry=False)
        try:
            lang = args.lang or settings.lang
            message = communication.compose(broadcast, lang, plan, catalog)
            await send_preview(bot, args.to, communication.with_rsvp_buttons(message, broadcast, lang))
        finally:
            await bot.session.close()
        print(f"Preview sent to {args.to}.")
    return 0


async def _schedule(args: argparse.Namespace, settings: Settings, db: Database, plan: Plan, catalog: Any) -> int:
    zone = settings.city_timezone
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


async def _status(args: argparse.Namespace, settings: Settings, db: Database, plan: Plan, catalog: Any) -> int:
    async with db.transaction() as session:
        items = [await outbox.get_broadcast(session, args.id)] if args.id else await outbox.list_broadcasts(session)
        rows = [(b, await outbox.counts(session, b.id)) for b in items if b is not None]
    if not rows:
        print("No broadcasts." if not args.id else f"No broadcast {args.id}.")
        return 0 if not args.id else 2
    for b, counts in rows:
        print(status_line(b, counts))
    return 0


async def _cancel(args: argparse.Namespace, settings: Settings, db: Database, plan: Plan, catalog: Any) -> int:
    async with db.transaction() as session:
        n = await outbox.cancel(session, args.id)
    if n is None:
        print(f"Broadcast {args.id} is unknown or finished: nothing to cancel.", file=sys.stderr)
        return 1
    print(f"Broadcast {args.id} cancelled; {n} messages not sent.")
    return 0


async def _resend_uncertain(args: argparse.Namespace, settings: Settings, db: Database, plan: Plan, catalog: Any) -> int:
    async with db.transaction() as session:
        n = await outbox.resend_uncertain(session, args.id)
    print(f"{n} uncertain messages of broadcast {args.id} queued again (their recipients may get them twice).")
    return 0


async def _send(args: argparse.Namespace, settings: Settings, db: Database, plan: Plan, catalog: Any) -> int:
    # aiogram: slow to import, and needed only to send
    from bot.telegram import build_bot
    from bot.telegram.sender import Sender

    if not settings.telegram_bot_token:
        print("TELEGRAM_BOT_TOKEN is not set: nothing can be sent.", file=sys.stderr)
        return 2
    if args.rate is not None:
        plan = dataclasses.replace(plan, rate=args.rate)
    bot = build_bot(settings, retry=False)
    sender = Sender(db, bot, plan, catalog, lease_seconds=args.lease, batch=args.batch, concurrency=args.concurrency)
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stop.set)
    try:
        stats = await sender.run(stop, until_done=args.until_done)
    finally:
        await bot.session.close()
    elapsed = max(1e-9, time.monotonic() - stats.started)
    print(f"Sender {sender.holder}: sent {stats.sent}, failed {stats.failed}, blocked {stats.blocked}, "
          f"skipped {stats.skipped}, retried {stats.retried}, flood waits {stats.flood_waits}, "
          f"uncertain {stats.uncertain} in {elapsed:.1f} s.")
    return 0


COMMANDS = {"audience": add_audience, "broadcast": add_broadcast}
