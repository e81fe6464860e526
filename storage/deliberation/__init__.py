"""Deliberation: statements, their moderation, rounds, participants and votes (issue 9).

* A **statement** is ≤ 140 characters. It is *pending* until a moderator approves it (possibly
  rewritten: the proposal is kept in ``original_text``), rejects it, or merges it into another.
  Only *approved* statements are ever put to participants (:func:`next_statement`), and no
  function here returns an author to a caller that shows statements.
* A **round** is opened for a segment (storage.audiences) and a period; its participants are
  the segment's recipients when it opened (or later additions); it carries its thresholds.
* A **vote** is stored once per (round, statement, participant); a new press changes it and
  appends to ``vote_events`` (the history). Merging statement A into B moves A's votes to B;
  where one person voted on both, the more recent vote is kept (the other stays in the history).

Callers own the transaction; nothing here commits.

This package is the public surface (``from storage import deliberation``; ``deliberation.X``), one
module per concern: :mod:`.common` (limits, states, the error), :mod:`.statements` (proposal and
moderation), :mod:`.rounds` (rounds, participants, votes), :mod:`.consensus` (what the tables read).
"""

from .common import (
    APPROVED,
    CHOICES,
    CITIZEN,
    FIRM,
    MAX_LENGTH,
    MERGED,
    PENDING,
    REJECTED,
    SOURCE_KEYS,
    SOURCES,
    DeliberationError,
    aware,
)
from .statements import (
    SourceText,
    add_statement,
    approve,
    delete_pending_of,
    get_statement,
    list_statements,
    merge,
    reject,
    similarity_candidates,
    source_texts,
    used_answer_ids,
)
from .rounds import (
    add_participants,
    close_round,
    get_participant,
    get_round,
    is_open,
    list_rounds,
    next_statement,
    open_round,
    participation,
    record_vote,
    remaining,
    round_status,
    set_participant,
    vote_counts,
    voters,
    votes_of,
)
from .consensus import VoteData, load_votes, respondent_categories, simulate_votes

__all__ = [
    "APPROVED",
    "CHOICES",
    "CITIZEN",
    "FIRM",
    "MAX_LENGTH",
    "MERGED",
    "PENDING",
    "REJECTED",
    "SOURCE_KEYS",
    "SOURCES",
    "DeliberationError",
    "aware",
    "SourceText",
    "add_statement",
    "approve",
    "delete_pending_of",
    "get_statement",
    "list_statements",
    "merge",
    "reject",
    "similarity_candidates",
    "source_texts",
    "used_answer_ids",
    "add_participants",
    "close_round",
    "get_participant",
    "get_round",
    "is_open",
    "list_rounds",
    "next_statement",
    "open_round",
    "participation",
    "record_vote",
    "remaining",
    "round_status",
    "set_participant",
    "vote_counts",
    "voters",
    "votes_of",
    "VoteData",
    "load_votes",
    "respondent_categories",
    "simulate_votes",
]
