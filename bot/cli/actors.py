"""`scenari actors …`: the stakeholder register and its invitation links.

    scenari actors import FILE          # add or update actors from a CSV or XLSX file (idempotent)
    scenari actors list
    scenari actors invite --actor CODE … | --all-pending [--new] [--email [--send]]
    scenari actors remind --email [--send]  # contacts invited by e-mail who have not answered
    scenari actors emails [--resend-uncertain]  # what the e-mails did: queued, sent, failed, skipped …
    scenari actors revoke TOKEN|LINK

With ``--email`` each contact with a ``contact_email`` is sent its link (bot.service.mailing):
the e-mails are queued in the outbox, and `scenari serve` delivers them (bot.mail.sender);
``--send`` delivers them from this command instead and waits until none is due.

The register file's format is :mod:`storage.register_file`'s; its tables are exported with
`scenari export --table` (:mod:`bot.cli.exports`).
"""

from __future__ import annotations

import argparse
import csv
import sys
from pathlib import Path

from storage import Database, register
from storage.register import RegisterError
from storage.register_file import read_register

from storage.outbox import email as email_outbox

from bot.service import mailing
from bot.service.invitations import PREFIX, deep_link
from bot.settings import Settings

from .commands import with_database


def add_actors(parser: argparse.ArgumentParser) -> None:
    actors = parser.add_subparsers(dest="action", required=True)
    imp = actors.add_parser("import", help="add or update actors from a CSV or XLSX file (idempotent)")
    imp.add_argument("file", type=Path)
    with_database(imp, _import)
    with_database(actors.add_parser("list", help="list the actors, their state and invitations"), _list)
    invite = actors.add_parser("invite", help="make invitation links (/start ascolto_<token>)")
    which = invite.add_mutually_exclusive_group(required=True)
    which.add_argument("--actor", "-a", action="append", metavar="CODE", help="an actor's code (repeatable)")
    which.add_argument("--all-pending", action="store_true", help="every actor that has not answered yet")
    invite.add_argument("--new", action="store_true", help="a fresh token even if an unused one exists")
    invite.add_argument("--email", action="store_true",
                        help="e-mail each contact its link (queued; `scenari serve` delivers, or add --send)")
    invite.add_argument("--send", action="store_true", help="with --email: deliver the queued e-mails now, then exit")
    with_database(invite, _invite)
    remind = actors.add_parser("remind", help="e-mail a reminder to contacts who have not answered (SCENARI_EMAIL_REMINDER_DAYS)")
    remind.add_argument("--email", action="store_true", required=True, help="by e-mail (the only way for now)")
    remind.add_argument("--send", action="store_true", help="deliver the queued e-mails now, then exit")
    with_database(remind, _remind)
    emails = actors.add_parser("emails", help="the invitation e-mails: queued, sent, failed, skipped, uncertain …")
    emails.add_argument("--resend-uncertain", action="store_true",
                        help="queue again the e-mails whose SMTP answer was lost (a copy may arrive twice)")
    with_database(emails, _emails)
    revoke = actors.add_parser("revoke", help="withdraw an invitation token (or link)")
    revoke.add_argument("token")
    with_database(revoke, _revoke)


async def _import(args: argparse.Namespace, settings: Settings, db: Database) -> int:
    path: Path = args.file
    if not path.is_file():
        print(f"No such file: {path}", file=sys.stderr)
        return 2
    try:
        rows = read_register(path)
        async with db.transaction() as session:
            result = await register.import_actors(session, rows)
    except RegisterError as exc:
        print(f"{path}: {len(exc.errors)} errors, nothing stored:", file=sys.stderr)
        for error in exc.errors:
            print(f"  {error}", file=sys.stderr)
        return 1
    except (OSError, UnicodeDecodeError, csv.Error, ValueError) as exc:
        print(f"{path}: cannot read the file ({exc})", file=sys.stderr)
        return 1
    print(f"Imported {path.name}: {result.added} added, {result.updated} updated, {result.unchanged} unchanged.")
    return 0


async def _list(args: argparse.Namespace, settings: Settings, db: Database) -> int:
    async with db.transaction() as session:
        actors = await register.list_actors(session)
        invitations = await register.invitations_of(session)
    if not actors:
        print("The register is empty: import one with `scenari actors import FILE`.")
        return 0
    sent: dict[str, list[register.InvitationSummary]] = {}
    for invitation in invitations:
        sent.setdefault(invitation.actor_code, []).append(invitation)
    print(f"{'code':<24} {'category':<19} {'state':<9} {'links':>5} {'used':>4}  organisation")
    for actor in actors:
        mine = sent.get(actor.code, [])
        used = sum(1 for i in mine if i.used_at is not None)
        print(f"{actor.code:<24} {actor.category:<19} {actor.state:<9} {len(mine):>5} {used:>4}  {actor.organisation}")
    states = {state: sum(1 for a in actors if a.state == state) for state in ("new", "invited", "answered")}
    print(f"{len(actors)} actors: {states['new']} not invited, {states['invited']} invited, {states['answered']} answered.")
    return 0


async def _invite(args: argparse.Namespace, settings: Settings, db: Database) -> int:
    async with db.transaction() as session:
        if args.all_pending:
            actors = await register.actors_by_state(session, register.STATE_NEW, register.STATE_INVITED)
        else:
            actors = []
            unknown = []
            for code in args.actor:
                actor = await register.get_actor(session, code.strip().lower())
                (actors.append(actor) if actor is not None else unknown.append(code))
            if unknown:
                print(f"Unknown actor code(s): {', '.join(unknown)} (see `scenari actors list`)", file=sys.stderr)
                return 2
        if args.email:  # the links go by e-mail: queued here, printed nowhere
            queued = await mailing.queue_invitations(session, actors, new=args.new,
                                                     default_language=settings.plan.default_language)
            actors = []
        open_tokens: dict[str, str] = {}
        if not args.new:
            for invitation in await register.invitations_of(session, [a.id for a in actors]):
                if invitation.used_at is None and invitation.revoked_at is None:
                    open_tokens.setdefault(invitation.actor_code, invitation.token)
        lines = []
        made = 0
        for actor in actors:
            token = open_tokens.get(actor.code)
            if token is None:
                token = (await register.create_invitation(session, actor)).token
                made += 1
            lines.append(f"{actor.code}\t{actor.organisation}\t{deep_link(token, settings.telegram_bot_username)}")
    if args.email:
        return await _report_queued(queued, "invitation", args, settings, db)
    for line in lines:
        print(line)
    note = "" if settings.telegram_bot_username else " (set TELEGRAM_BOT_USERNAME to print t.me links)"
    print(f"{len(lines)} invitations, {made} new{note}.", file=sys.stderr)
    return 0


async def _remind(args: argparse.Namespace, settings: Settings, db: Database) -> int:
    async with db.transaction() as session:
        queued = await mailing.queue_reminders(session, settings.email_reminder_days,
                                               default_language=settings.plan.default_language)
    return await _report_queued(queued, "reminder", args, settings, db)


async def _report_queued(queued: mailing.Queued, what: str, args: argparse.Namespace, settings: Settings, db: Database) -> int:
    """Say what was queued (by actor code, never an address), then deliver it with --send."""
    print(f"{len(queued.queued)} {what} e-mails queued" + (f": {', '.join(queued.queued)}" if queued.queued else "") + ".")
    for label, codes in (("already queued or sent, not again", queued.already), ("no contact_email in the register", queued.no_address),
                         ("unsubscribed", queued.unsubscribed), ("not due yet (or every reminder had)", queued.not_due)):
        if codes:
            print(f"  {len(codes)} {label}: {', '.join(codes)}")
    if not args.send:
        if queued.queued:
            where = "`scenari serve` sends them" if settings.smtp_host else "set SCENARI_SMTP_HOST; then `scenari serve` sends them"
            print(f"{where} (or run this again with --send).", file=sys.stderr)
        return 0
    if not settings.smtp_host:
        print("Cannot send: SCENARI_SMTP_HOST is not set (the e-mails stay queued).", file=sys.stderr)
        return 2
    from bot.mail.sender import sender_from_settings
    from bot.web.session import DEFAULT_KEY_FILE, load_secret_key

    secret = mailing.unsubscribe_secret(load_secret_key(settings.secret_key, DEFAULT_KEY_FILE))
    stats = await sender_from_settings(settings, db, secret).run(until_done=True, idle_seconds=0.2)
    print(f"Sent {stats.sent}, failed {stats.failed}, to retry later {stats.retried}, skipped {stats.skipped}, "
          f"uncertain {stats.uncertain}.")
    return 0 if not stats.failed else 1


async def _emails(args: argparse.Namespace, settings: Settings, db: Database) -> int:
    async with db.transaction() as session:
        if args.resend_uncertain:
            print(f"{await email_outbox.resend_uncertain(session)} uncertain e-mails queued again.")
        counts = await email_outbox.counts(session)
    if not counts:
        print("No e-mail queued yet: `scenari actors invite --email --all-pending`.")
        return 0
    names = {email_outbox.INVITATION: "invitations", email_outbox.REMINDER: "reminders"}
    for kind in (email_outbox.INVITATION, email_outbox.REMINDER):
        mine = {status: n for (k, status), n in counts.items() if k == kind}
        if mine:
            print(f"{names[kind]}: " + ", ".join(f"{status} {n}" for status, n in sorted(mine.items())))
    return 0


async def _revoke(args: argparse.Namespace, settings: Settings, db: Database) -> int:
    token = args.token.strip().rsplit("start=", 1)[-1].removeprefix("/start").strip().removeprefix(PREFIX)
    async with db.transaction() as session:
        invitation = await register.revoke_invitation(session, token)
        if invitation is None:
            print(f"No such invitation: {token}", file=sys.stderr)
            return 1
        actor = await register.actor_by_id(session, invitation.actor_id)
        organisation = actor.organisation if actor else "?"
    used = " (it had already been used; the respondent keeps their answers)" if invitation.used_at else ""
    print(f"Revoked the invitation of {organisation}{used}.")
    return 0


COMMANDS = {"actors": add_actors}
