"""Broadcasts and the durable delivery outbox: one row per recipient, claimed with a lease.

A row moves through these states (``outbox_messages.status``)::

    pending ──claim──▶ claimed ──mark_inflight──▶ inflight ──record──▶ sent | failed | blocked
       ▲                  │                          │                 | uncertain (answer lost once
       │                  │                          │                   sent), or back to claimed:
       └── lease expired ─┘                          │                   429, connection refused)
                                                     └── lease expired ─▶ uncertain (or pending,
                                                                          policy "resend")
    skipped   (at send time the person had opted out, blocked the bot, or a reminder's run moved on)
    cancelled (the broadcast was cancelled before the row was sent)

Each step is one short transaction of its own; the Bot API call happens *between*
:func:`mark_inflight` and :func:`record`, never inside a transaction:

* :func:`claim` takes up to N due rows for one holder with a lease (a conditional ``UPDATE …
  WHERE status = 'pending'``; ``FOR UPDATE SKIP LOCKED`` on PostgreSQL, ``BEGIN IMMEDIATE`` on
  SQLite): two instances never hold the same row.
* :func:`mark_inflight`, right before the call, moves only rows this holder still leases to
  ``inflight`` — a holder whose lease expired (a long pause) and was taken over sends nothing.
* :func:`record`, right after Telegram's answer, stores the outcome and the message id.

**The window no Bot API can close**: between Telegram accepting ``sendMessage`` and
:func:`record`'s commit (a few milliseconds) a crash leaves the row ``inflight``. Telegram has
no idempotency key and a bot cannot read back what it sent, so nobody can tell whether that
message went out. :func:`recover` turns such rows (lease expired) into ``uncertain`` and does
not send them again (policy ``hold``, the default: never twice), or back into ``pending``
(policy ``resend``: never skipped); ``scenari broadcast status`` counts them and ``scenari
broadcast resend-uncertain`` sends them after all. Outside that window a crash is harmless:
``claimed`` rows were never attempted and go back to ``pending``.

Callers own the transaction (one short transaction per call is the intent).

This package is the public surface (``from storage import outbox``; ``outbox.X``), one module per
concern: :mod:`.common` (states, UTC times), :mod:`.broadcasts`, :mod:`.queue` (enqueueing and
what is queued for a person or a run) and :mod:`.delivery` (the sender's steps above).
"""

from .common import FINAL, OPEN, OPT_IN_KINDS, aware
from .broadcasts import (
    broadcasts_by_id,
    cancel,
    counts,
    create_broadcast,
    due_broadcasts,
    finish_broadcasts,
    get_broadcast,
    list_broadcasts,
    resend_uncertain,
    schedule,
    set_document_file_id,
    start_broadcast,
    system_broadcast,
)
from .queue import (
    enqueue,
    existing_keys,
    reminders_of_runs,
    respondent_messages,
    set_recipients,
    stalled_runs,
)
from .delivery import (
    Claimed,
    Outcome,
    claim,
    mark_inflight,
    next_due,
    open_work,
    record,
    recover,
    release,
    renew,
)

__all__ = [
    "FINAL",
    "OPEN",
    "OPT_IN_KINDS",
    "aware",
    "broadcasts_by_id",
    "cancel",
    "counts",
    "create_broadcast",
    "due_broadcasts",
    "finish_broadcasts",
    "get_broadcast",
    "list_broadcasts",
    "resend_uncertain",
    "schedule",
    "set_document_file_id",
    "start_broadcast",
    "system_broadcast",
    "enqueue",
    "existing_keys",
    "reminders_of_runs",
    "respondent_messages",
    "set_recipients",
    "stalled_runs",
    "Claimed",
    "Outcome",
    "claim",
    "mark_inflight",
    "next_due",
    "open_work",
    "record",
    "recover",
    "release",
    "renew",
]
