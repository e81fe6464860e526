"""What the service answers a transport: the messages to show and the run they belong to.

Apart from the conversation so that the modules it calls (invitations, listening) can build a
reply without importing the conversation back.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from dialogs import Message

CONSENT_KEY = "_consent"  # the pseudo-prompt of the consent question (not a questionnaire's question)
MENU_KEY = "_menu"  # the pseudo-prompt of the questionnaire menu (the service's "which questionnaire?")
PARTICIPATION = "participation"  # the purpose a consent is recorded for
UNDER_AGE = "under_age"  # the age gate's stop reason (plans/*/questionnaires/fragments/age_gate.yaml)


@dataclass
class Reply:
    """What to show, and enough context for a transport to tie buttons to a run."""

    messages: list[Message] = field(default_factory=list)
    lang: str = "it"
    run_id: str | None = None
    questionnaire_id: str | None = None
    stored: bool = False
    completed: bool = False
    rejected: bool = False
    stopped: bool = False  # the run was just stopped by a stop rule (e.g. under the minimum age)
    answer_text: str | None = None
