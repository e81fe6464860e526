"""The e-mail sender: delivers the outbox's e-mail rows over SMTP (aiosmtplib), one at a time, at a pace.

The same rules as Telegram's sender (:mod:`bot.telegram.sender`, :mod:`storage.outbox`):

1. **claim** a few due e-mail rows with a lease (one short transaction);
2. **pace**: one e-mail every ``1/rate`` seconds (``SCENARI_EMAIL_RATE``; 0: no limit);
3. **mark inflight** the row right before its SMTP transaction (skipped instead, and never sent,
   when the address unsubscribed, the actor answered, the link was revoked …);
4. **send**: ``MAIL FROM``, ``RCPT TO``, ``DATA`` on a connection opened with STARTTLS (unless
   turned off) and the login, kept open for the batch;
5. **record** the outcome right after the server's answer.

What an SMTP answer means for the row:

* the connection, STARTTLS, the login, ``MAIL`` or ``RCPT`` failed (refused, timed out, 4xx) —
  nothing was handed over: again after an exponential backoff, *failed* after ``max_attempts``;
  a 5xx to ``MAIL`` / ``RCPT`` / ``DATA`` — the server refused this e-mail: *failed*;
* ``DATA`` sent and no answer (the line dropped, a timeout) — the server may have accepted it:
  *uncertain*, not sent again (policy ``hold``, SCENARI_SENDER_UNCERTAIN) or again with the
  backoff (``resend``); a kill in that window is the same case, resolved by
  :func:`storage.outbox.recover`. The Message-ID is the row's own, so a resent copy is the same
  message to the receiving side.

Addresses are never logged; row ids are.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import secrets
import socket
import ssl
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from email.message import EmailMessage
from email.utils import formataddr, formatdate
from typing import Any

import aiosmtplib

from storage import Database, outbox
from storage.models import utcnow
from storage.outbox import email as email_outbox

from bot.service import mailing

log = logging.getLogger("scenari.email")


def new_holder() -> str:
    return f"email:{socket.gethostname()}:{os.getpid()}:{secrets.token_hex(3)}"


@dataclass(frozen=True)
class SmtpConfig:
    """How to reach the SMTP server and whom the e-mails are from. The password is never printed."""

    host: str
    port: int = 587
    username: str | None = None
    password: str | None = field(default=None, repr=False)
    starttls: bool = True
    tls: bool = False  # TLS from the first byte (port 465): instead of STARTTLS
    timeout: float = 30.0
    sender_address: str = "scenari@localhost"
    sender_name: str = "Scenari"
    tls_context: ssl.SSLContext | None = field(default=None, repr=False)  # tests trust their own certificate

    @classmethod
    def from_settings(cls, settings: Any) -> SmtpConfig:
        port = settings.smtp_port or (465 if settings.smtp_tls else 587)
        return cls(
            host=settings.smtp_host, port=port, username=settings.smtp_user or None,
            password=settings.smtp_password or None, starttls=settings.smtp_starttls and not settings.smtp_tls,
            tls=settings.smtp_tls, timeout=settings.smtp_timeout,
            sender_address=settings.email_from or f"scenari@{settings.smtp_host}",
            sender_name=mailing.sender_name(settings),
            tls_context=ssl.create_default_context(cafile=str(settings.smtp_ca_file)) if settings.smtp_ca_file else None,
        )


@dataclass(frozen=True)
class Links:
    """Where the e-mails' links point, and the key their unsubscribe tokens are signed with."""

    base_url: str
    unsubscribe_secret: str = field(repr=False)


@dataclass
class EmailStats:
    sent: int = 0
    failed: int = 0
    skipped: int = 0
    retried: int = 0
    uncertain: int = 0


class _NotHandedOver(Exception):
    """The SMTP server never took the message (connect, STARTTLS, login, MAIL, RCPT): safe to try again."""

    def __init__(self, error: BaseException, permanent: bool = False) -> None:
        super().__init__(f"{type(error).__name__}: {error}")
        self.permanent = permanent


class EmailSender:
    """Delivers e-mail rows (see the module's docstring); :meth:`run` is the loop."""

    def __init__(
        self,
        db: Database,
        config: SmtpConfig,
        links: Links,
        *,
        rate: float = 1.0,
        uncertain: str = "hold",
        holder: str | None = None,
        batch: int = 20,
        lease_seconds: float = 120.0,
        max_attempts: int = 6,
        base_backoff: float = 30.0,
        max_backoff: float = 3600.0,
        maintenance_seconds: float = 30.0,
        clock: Callable[[], datetime] = utcnow,
        monotonic: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], Awaitable[Any]] = asyncio.sleep,
    ) -> None:
        self.db = db
        self.config = config
        self.links = links
        self.interval = 1.0 / rate if rate > 0 else 0.0
        self.uncertain = uncertain
        self.holder = holder or new_holder()
        self.batch = batch
        self.lease_seconds = lease_seconds
        self.max_attempts = max_attempts
        self.base_backoff = base_backoff
        self.max_backoff = max_backoff
        self.maintenance_seconds = maintenance_seconds
        self.clock = clock
        self.monotonic = monotonic
        self.sleep = sleep
        self.stats = EmailStats()
        self._next_slot = 0.0
        self._last_maintenance = float("-inf")
        self._smtp: aiosmtplib.SMTP | None = None

    # --- the loop ------------------------------------------------------------------------------

    async def run(self, stop: asyncio.Event | None = None, until_done: bool = False, idle_seconds: float = 5.0) -> EmailStats:
        """Send until ``stop`` is set (or, with ``until_done``, until no e-mail is due or in this sender's hands)."""
        stop = stop or asyncio.Event()
        try:
            while not stop.is_set():
                if self.monotonic() - self._last_maintenance >= self.maintenance_seconds:
                    await self.maintain()
                async with self.db.transaction() as session:
                    rows = await email_outbox.claim(session, self.holder, self.batch, self.lease_seconds, self.clock())
                if not rows:
                    await self._disconnect()
                    if until_done and await self._nothing_due():
                        break
                    await self._pause(stop, idle_seconds)
                    continue
                for row in rows:
                    if stop.is_set():
                        break
                    await self._pace(stop)
                    if stop.is_set():
                        break
                    await self._deliver(row)
        finally:
            await self._disconnect()
            with contextlib.suppress(Exception):
                async with self.db.transaction() as session:
                    await outbox.release(session, self.holder)  # claimed, never attempted: back at once
        return self.stats

    async def maintain(self) -> None:
        """Rows of a dead holder: claimed → pending, inflight → uncertain (or pending, policy resend)."""
        self._last_maintenance = self.monotonic()
        async with self.db.transaction() as session:
            recovered = await outbox.recover(session, self.clock(), self.uncertain)
        if recovered["uncertain"]:
            log.warning("e-mails interrupted during their SMTP transaction", extra={"fields": {**recovered, "policy": self.uncertain}})

    async def _nothing_due(self) -> bool:
        await self.maintain()
        async with self.db.transaction() as session:
            return await email_outbox.unfinished(session, self.holder, self.clock()) == 0

    async def _pause(self, stop: asyncio.Event, seconds: float) -> None:
        with contextlib.suppress(asyncio.TimeoutError):
            await asyncio.wait_for(stop.wait(), timeout=seconds)

    async def _pace(self, stop: asyncio.Event) -> None:
        now = self.monotonic()
        if self._next_slot > now:
            await self.sleep(self._next_slot - now)
        self._next_slot = max(self._next_slot, self.monotonic()) + self.interval

    # --- one e-mail ----------------------------------------------------------------------------

    async def _deliver(self, row: email_outbox.EmailClaimed) -> None:
        async with self.db.transaction() as session:
            await outbox.renew(session, self.holder, self.lease_seconds, self.clock())
            send, skipped = await email_outbox.mark_inflight(session, self.holder, [row], self.clock())
        if skipped:
            self.stats.skipped += 1
            log.info("e-mail skipped", extra={"fields": {"row": row.id}})
            return
        recipient = send.get(row.id)
        if recipient is None:
            return  # the lease was taken over: another sender has it
        message = self._message(row, recipient)
        outcome = await self._send(row, message)
        async with self.db.transaction() as session:
            await outbox.record(session, self.holder, [outcome], self.clock())
            if outcome.status == "retry":  # back in the queue for later (record leaves it claimed)
                await email_outbox.back_in_line(session, self.holder, row.id)

    def _message(self, row: email_outbox.EmailClaimed, recipient: email_outbox.Recipient) -> EmailMessage:
        composed = mailing.compose(
            row.kind, row.language, to=row.address, organisation=recipient.organisation,
            contact_person=recipient.contact_person, token=row.token, row_id=row.id, base_url=self.links.base_url,
            sender_name=self.config.sender_name, secret=self.links.unsubscribe_secret,
        )
        message = EmailMessage()
        message["From"] = formataddr((self.config.sender_name, self.config.sender_address))
        message["To"] = composed.to
        message["Subject"] = composed.subject
        message["Date"] = formatdate(localtime=False)
        domain = self.config.sender_address.rpartition("@")[2] or "localhost"
        message["Message-ID"] = f"<scenari-{row.id}-{row.token[:8]}@{domain}>"  # the row's: a resent copy is the same message
        message["Content-Language"] = row.language
        message["Auto-Submitted"] = "auto-generated"
        for name, value in composed.headers.items():
            message[name] = value
        message.set_content(composed.text)
        message.add_alternative(composed.html, subtype="html")
        return message

    async def _send(self, row: email_outbox.EmailClaimed, message: EmailMessage) -> outbox.Outcome:
        tries = row.attempts + 1
        try:
            smtp = await self._connection()
            try:
                await smtp.mail(self.config.sender_address)
                await smtp.rcpt(row.address)
            except aiosmtplib.SMTPResponseException as exc:
                with contextlib.suppress(Exception):
                    await smtp.rset()
                raise _NotHandedOver(exc, permanent=exc.code >= 500) from exc
            except (aiosmtplib.SMTPException, OSError, asyncio.TimeoutError) as exc:
                await self._disconnect()
                raise _NotHandedOver(exc) from exc
            try:
                await smtp.data(message.as_bytes())
            except aiosmtplib.SMTPDataError as exc:  # the server answered: it did not take it
                if exc.code >= 500:
                    raise _NotHandedOver(exc, permanent=True) from exc
                raise _NotHandedOver(exc) from exc
        except _NotHandedOver as exc:
            error = str(exc)[:300]
            if exc.permanent or tries >= self.max_attempts:
                self.stats.failed += 1
                log.warning("e-mail failed", extra={"fields": {"row": row.id, "error": error}})
                return outbox.Outcome(row.id, "failed", error=error)
            self.stats.retried += 1
            delay = min(self.max_backoff, self.base_backoff * 2 ** (tries - 1))
            log.warning("e-mail not handed over: again later", extra={"fields": {"row": row.id, "error": error, "in_s": delay}})
            return outbox.Outcome(row.id, "retry", error=error, not_before=self.clock() + timedelta(seconds=delay))
        except (aiosmtplib.SMTPException, OSError, asyncio.TimeoutError) as exc:
            # DATA was sent and no answer came: the server may have accepted it
            await self._disconnect()
            error = f"{type(exc).__name__}: {exc}"[:300]
            if self.uncertain != "resend":
                self.stats.uncertain += 1
                log.warning("answer lost after DATA: e-mail uncertain", extra={"fields": {"row": row.id, "error": error}})
                return outbox.Outcome(row.id, "uncertain", error=error)
            self.stats.retried += 1
            return outbox.Outcome(row.id, "retry", error=error,
                                  not_before=self.clock() + timedelta(seconds=min(self.max_backoff, self.base_backoff * 2 ** (tries - 1))))
        self.stats.sent += 1
        return outbox.Outcome(row.id, "sent")

    async def _connection(self) -> aiosmtplib.SMTP:
        """The open connection, or a new one (STARTTLS, login); a failure here hands nothing over."""
        if self._smtp is not None and self._smtp.is_connected:
            return self._smtp
        c = self.config
        smtp = aiosmtplib.SMTP(
            hostname=c.host, port=c.port, use_tls=c.tls, start_tls=c.starttls if not c.tls else False,
            username=c.username, password=c.password, timeout=c.timeout, tls_context=c.tls_context,
        )
        try:
            await smtp.connect()
        except (aiosmtplib.SMTPException, OSError, asyncio.TimeoutError, ssl.SSLError) as exc:
            with contextlib.suppress(Exception):
                smtp.close()
            raise _NotHandedOver(exc) from exc
        self._smtp = smtp
        return smtp

    async def _disconnect(self) -> None:
        smtp, self._smtp = self._smtp, None
        if smtp is not None and smtp.is_connected:
            with contextlib.suppress(Exception):
                await asyncio.wait_for(smtp.quit(), timeout=5)
            with contextlib.suppress(Exception):
                smtp.close()


# --- beside the service ------------------------------------------------------------------------


def sender_from_settings(settings: Any, db: Database, unsubscribe_secret: str, **options: Any) -> EmailSender:
    return EmailSender(
        db, SmtpConfig.from_settings(settings), Links(settings.web_base_url, unsubscribe_secret),
        rate=settings.email_rate, uncertain=settings.sender_uncertain, **options,
    )


@contextlib.asynccontextmanager
async def email_task(settings: Any, db: Database, unsubscribe_secret: str) -> Any:
    """Run the e-mail sender and the daily reminder scan beside the service; stop both on exit.

    Nothing runs without ``SCENARI_SMTP_HOST``.
    """
    if not settings.smtp_host:
        yield None
        return
    sender = sender_from_settings(settings, db, unsubscribe_secret)
    stop = asyncio.Event()
    tasks = [asyncio.create_task(sender.run(stop), name="email-sender"),
             asyncio.create_task(_reminder_loop(settings, db, stop), name="email-reminders")]
    log.info("e-mail sender started", extra={"fields": {"host": settings.smtp_host, "rate": settings.email_rate}})
    try:
        yield sender
    finally:
        stop.set()
        await asyncio.gather(*tasks, return_exceptions=True)


async def _reminder_loop(settings: Any, db: Database, stop: asyncio.Event, every_seconds: float = 3600.0) -> None:
    """Queue the reminders that are due, once an hour (the sender delivers them)."""
    while not stop.is_set():
        try:
            async with db.transaction() as session:
                done = await mailing.queue_reminders(session, settings.email_reminder_days,
                                                     default_language=settings.plan.default_language)
            if done.queued:
                log.info("e-mail reminders queued", extra={"fields": {"reminders": len(done.queued)}})
        except Exception:
            log.exception("queueing e-mail reminders failed")
        with contextlib.suppress(asyncio.TimeoutError):
            await asyncio.wait_for(stop.wait(), timeout=every_seconds)
