"""Themes of free-text answers: pending texts, machine tags, human review. Callers own the transaction.

Plain arguments in, plain records out: this module knows nothing of spaCy (``nlp.worker`` and
``nlp.coding`` turn tagger results and coding sheets into the records below).

The rules (see also storage/models/themes.py):

* a free-text answer is a current, not skipped answer to a question whose type is ``text`` in
  the questionnaire definition the run was started with (``questionnaire_versions``);
* it is *pending* while it has no ``tagged_answers`` row;
* machine tags (``answer_tags.source='machine'``) are replaced by retagging; human decisions
  (``source='human'``) are only written by a review and always win over the machine;
* everything hangs off ``answers.id`` with ON DELETE CASCADE, so erasure takes it along.

This package is the public surface (``from storage import tags``; ``tags.X``), one module per
concern: :mod:`.records` (the records and constants), :mod:`.pending`, :mod:`.machine`,
:mod:`.counting` (effective themes) and :mod:`.review` (human review).
"""

from .records import (
    ADD,
    CONFIRM,
    HUMAN,
    HUMAN_METHOD,
    MACHINE,
    REMOVE,
    EffectiveTag,
    MachineTag,
    PendingText,
    ReviewInput,
    ReviewSheetRow,
    TaggedText,
)
from .pending import free_text_answers, text_question_keys, untagged_text_answers
from .machine import clear_machine_tags, keywords, machine_tags, store_tags
from .counting import effective_themes, theme_counts
from .review import apply_review, existing_answers, latest_reviews, review_rows, reviewed_codings

__all__ = [
    "ADD",
    "CONFIRM",
    "HUMAN",
    "HUMAN_METHOD",
    "MACHINE",
    "REMOVE",
    "EffectiveTag",
    "MachineTag",
    "PendingText",
    "ReviewInput",
    "ReviewSheetRow",
    "TaggedText",
    "free_text_answers",
    "text_question_keys",
    "untagged_text_answers",
    "clear_machine_tags",
    "keywords",
    "machine_tags",
    "store_tags",
    "effective_themes",
    "theme_counts",
    "apply_review",
    "existing_answers",
    "latest_reviews",
    "review_rows",
    "reviewed_codings",
]
