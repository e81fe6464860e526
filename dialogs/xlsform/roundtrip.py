"""What "the same questionnaire" means across an XLSForm round trip.

Expressions are compared in their canonical spelling (:func:`canonical`: ``rd != 'none'`` and
``rd  !=  "none"`` are one condition) and ``required`` by what it means (unset is required in
Scenari, not in XLSForm, so the export always writes it out). Everything else must be equal.
"""

from __future__ import annotations

from typing import Any

from ..model import SILENT_TYPES, Question, Questionnaire
from .xpath import canonical

EXPRESSION_FIELDS = ("relevant", "constraint", "choice_filter", "calculation")


def comparable(q: Questionnaire) -> Questionnaire:
    """``q`` with its survey expressions canonical and ``required`` spelt out."""
    return q.model_copy(update={"questions": [_question(question) for question in q.questions]})


def _question(question: Question) -> Question:
    update: dict[str, Any] = {
        field: canonical(getattr(question, field)) for field in EXPRESSION_FIELDS if getattr(question, field)
    }
    if question.type not in SILENT_TYPES and question.type != "repeat":
        update["required"] = question.is_required
    if question.questions:
        update["questions"] = [_question(sub) for sub in question.questions]
    return question.model_copy(update=update)
