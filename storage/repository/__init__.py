"""Repository functions: plain arguments in, typed records out. Callers own the transaction.

Nothing here commits: the caller (a bot middleware, the CLI's unit of work) wraps a whole
update in one transaction, so an answer, the run state and the "update processed" mark are
durable together or not at all.

This package is the public surface (``from storage import repository``; ``repository.X``), one
module per concern: :mod:`.respondents` (and consent), :mod:`.updates` (inbound idempotency),
:mod:`.runs` (definitions, runs, answers) and :mod:`.privacy` (exports, a person's data, erasure).
"""

from .respondents import (
    change_external_id,
    consent_given,
    latest_consent,
    get_or_create_respondent,
    get_respondent,
    record_consent,
    set_language,
)
from .updates import claim_update
from .runs import (
    OPEN_STATUSES,
    answer_history,
    answer_rows,
    create_run,
    current_answers,
    get_definition,
    get_run,
    get_run_by_public_id,
    open_run,
    outcome_distribution,
    definition_registered,
    register_definition,
    retire_answers,
    erase_run_answers,
    save_outcomes,
    save_run_state,
    store_answer,
)
from .privacy import (
    ExportRun,
    RespondentData,
    erase_respondent,
    export_runs,
    respondent_data,
    respondent_id_by_pseudonym,
)

__all__ = [
    "change_external_id",
    "consent_given",
    "latest_consent",
    "get_or_create_respondent",
    "get_respondent",
    "record_consent",
    "set_language",
    "claim_update",
    "OPEN_STATUSES",
    "answer_history",
    "answer_rows",
    "create_run",
    "current_answers",
    "get_definition",
    "get_run",
    "get_run_by_public_id",
    "open_run",
    "outcome_distribution",
    "definition_registered",
    "register_definition",
    "retire_answers",
    "erase_run_answers",
    "save_outcomes",
    "save_run_state",
    "store_answer",
    "ExportRun",
    "RespondentData",
    "erase_respondent",
    "export_runs",
    "respondent_data",
    "respondent_id_by_pseudonym",
]
