"""SQLAlchemy 2 typed models, one module per area. The schema itself is made only by the Alembic migrations.

This package is the public surface: ``from storage.models import X`` works for every model, for
``Base`` (whose ``metadata`` Alembic's env and the schema-drift test read) and for the helpers.
Importing it imports every area, so ``Base.metadata`` always holds every table.
"""

from .base import NAMING, Base, JSONValue, new_pseudonym, utcnow
from .respondents import Answer, Consent, ProcessedUpdate, QuestionnaireVersion, Respondent, Run, RunOutcome
from .themes import AnswerTag, LearnedModel, TaggedAnswer, TagReview
from .listening import Actor, Card, CardScore, Invitation, Rating, RespondentActor
from .jobs import JobSchedule, ReportSnapshot, ReportSubscription
from .analysts import AnalystAccount, LoginThrottle, PublishedTable
from .communication import Broadcast, EmailOptOut, Event, EventRsvp, OutboxMessage, RecipientStatus, Segment, WhatsAppEarlyStatus, WhatsAppWindow
from .deliberation import DeliberationParticipant, DeliberationRound, Statement, Vote, VoteEvent
from .audit import AuditEvent

__all__ = [
    "NAMING",
    "Base",
    "JSONValue",
    "new_pseudonym",
    "utcnow",
    # respondents, runs and answers
    "Respondent",
    "Consent",
    "QuestionnaireVersion",
    "Run",
    "Answer",
    "RunOutcome",
    "ProcessedUpdate",
    # themes of free-text answers
    "TaggedAnswer",
    "TagReview",
    "AnswerTag",
    "LearnedModel",
    # listening
    "Actor",
    "Invitation",
    "RespondentActor",
    "Card",
    "Rating",
    "CardScore",
    # scheduled jobs and reports
    "JobSchedule",
    "ReportSnapshot",
    "ReportSubscription",
    # analysts of the dashboard
    "AnalystAccount",
    "LoginThrottle",
    "PublishedTable",
    # communication plan
    "Segment",
    "Broadcast",
    "EmailOptOut",
    "OutboxMessage",
    "WhatsAppEarlyStatus",
    "WhatsAppWindow",
    "RecipientStatus",
    "Event",
    "EventRsvp",
    # deliberation
    "Statement",
    "DeliberationRound",
    "DeliberationParticipant",
    "Vote",
    "VoteEvent",
    # audit log
    "AuditEvent",
]
