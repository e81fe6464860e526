"""The communication plan, channel-neutral: opt-in, segments, messages, reminders, feedback, events.

Everything here decides *what* to send and to whom, and writes it to the durable outbox
(:mod:`storage.outbox`) as rich text and buttons as data (:mod:`.markup`); a channel's sender
(today :mod:`bot.telegram.sender`) delivers it at that channel's pace and draws the buttons.

* **Opt-in** (:mod:`.optin`): :class:`NewsletterOptIn` is an ``on_completed`` hook of the
  conversation: when a respondent the plan can reach completes a questionnaire and was never
  asked, it asks (sì / no). ``/disiscrivi`` revokes; both are consents of purpose ``newsletter``.
* **Broadcasts** (:mod:`.broadcasts`, :mod:`.segments`): Markdown texts in Italian and English
  (:func:`markdown_html` makes safe rich text), buttons to a questionnaire or the results, an
  optional document; :func:`expand_due` turns a due broadcast into one outbox row per recipient.
* **Reminders** (:mod:`.reminders`): a run stopped for ``delays[i]`` gets reminder ``i`` (at
  most N per run), moved out of the quiet hours (:mod:`.plan`), with a resume button.
* **Feedback** (:mod:`.feedback`): once per aggregate snapshot, a personal summary to each
  participant who opted in; counts under k are never shown.
* **Events** (:mod:`.events`): invitations with RSVP buttons, the waiting list, a reminder the
  day before.

:func:`communication_loop` (:mod:`.loop`) runs the scans every minute beside the sender. The
names below are the package's interface; its modules import each other, never this one.
"""

from __future__ import annotations

from .broadcasts import Composed, compose, compose_row, expand_due, parse_button, render_buttons, status_line
from .events import event_html, invite, rsvp_buttons, rsvp_reply, scan_event_reminders, with_rsvp_buttons
from .feedback import scan_feedback
from .loop import communication_loop
from .markup import markdown_html
from .optin import NEWSLETTER_KEY, NewsletterOptIn, privacy_lines, set_subscription
from .plan import Plan, parse_time
from .reminders import reminder_due_again, scan_reminders
from .segments import describe_segment, parse_segment, resolve_segment
from ..texts import translate

__all__ = [
    "NEWSLETTER_KEY", "Composed", "NewsletterOptIn", "Plan", "communication_loop",
    "compose", "compose_row", "describe_segment", "event_html", "expand_due", "invite", "markdown_html",
    "parse_button", "parse_segment", "parse_time", "privacy_lines", "reminder_due_again", "render_buttons",
    "resolve_segment", "rsvp_buttons", "rsvp_reply", "scan_event_reminders", "scan_feedback", "scan_reminders",
    "set_subscription", "status_line", "translate", "with_rsvp_buttons",
]
