"""Firms of the business survey (imprese) straight into the database, for the profile tables.

``ISSUE_SECTOR_C`` is issue 16's example: sector C, 10 firms, 3 anticipatrici, 6 inseguitrici and
1 non innovativa — before secondary suppression a reader computed the 1 as 10 − 3 − 6.
"""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

from sqlalchemy import insert

from storage import Database
from storage.models import Answer, Consent, Respondent, Run, RunOutcome

T0 = datetime(2026, 3, 1, 9, 0, tzinfo=timezone.utc)

# (sector, size, profile) per firm
ISSUE_SECTOR_C: list[tuple[str, str, str]] = (
    [("C", "micro", "anticipatrice")] * 2 + [("C", "small", "anticipatrice")]
    + [("C", "micro", "inseguitrice")] * 3 + [("C", "small", "inseguitrice")] * 3
    + [("C", "small", "non_innovativa")]
)


async def build_firms(db: Database, firms: list[tuple[str, str, str]], first_id: int = 500) -> None:
    respondents, consents, runs, answers, outcomes = [], [], [], [], []
    for n, (sector, size, profile) in enumerate(firms):
        rid = first_id + n
        when = T0 + timedelta(minutes=n)
        respondents.append(dict(id=rid, pseudonym=f"firm{rid:04d}", channel="test", external_id=str(rid), language="it"))
        consents.append(dict(respondent_id=rid, purpose="participation", granted=True, notice_version="t", decided_at=T0))
        runs.append(dict(id=rid, public_id=f"firmrun{rid:06d}", respondent_id=rid, questionnaire_id="imprese",
                         questionnaire_version=1, status="completed", state={}, started_at=when, updated_at=when,
                         completed_at=when))
        for i, (key, value) in enumerate((("ateco_section", sector), ("employees", size))):
            answers.append(dict(id=rid * 10 + i, run_id=rid, question_key=key, item_index=0, value=value, raw=None,
                                skipped=False, is_current=True))
        outcomes.append(dict(run_id=rid, key="profile", value=profile))
    async with db.transaction() as session:
        for model, rows in ((Respondent, respondents), (Consent, consents), (Run, runs), (Answer, answers),
                            (RunOutcome, outcomes)):
            await session.execute(insert(model), rows)
