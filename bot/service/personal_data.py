"""Download my data (GDPR art. 15 and 20): everything held about one respondent, as JSON.

One content for every channel: `/imieidati` in Telegram (the file and the readable summary
of /privacy), the button on the web privacy page, and ``scenari privacy export --respondent
PSEUDONYM`` for a request received by post. Each export is written to the audit log
(who asked, whose data — a pseudonym — and how many questionnaires), never its content.
The file carries no Telegram id or browser id: the person already knows who they are, and a
forwarded file should not identify them more than it must.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from storage import audit, repository

from .notice import Notice, current_notice

FORMAT_VERSION = 1


@dataclass(frozen=True)
class PersonalData:
    pseudonym: str
    content: bytes  # UTF-8 JSON
    questionnaires: int

    @property
    def filename(self) -> str:
        return f"scenari-i-miei-dati-{self.pseudonym}.json"


def _when(value: datetime | None) -> str | None:
    return value.isoformat() if value is not None else None


def _plain(value: Any) -> Any:
    return value if isinstance(value, (str, int, float, bool, list, dict)) or value is None else str(value)


async def export(
    session: AsyncSession, respondent_id: int, requested_by: str, notice: Notice | None = None
) -> PersonalData | None:
    """The respondent's data, or None if nothing is held; the export is audited in ``session``.

    Each consent carries the purpose's plain label and the notice's version in words, from the
    plan's privacy notice (``notice``; default: this process's, bot.service.notice).
    """
    data = await repository.respondent_data(session, respondent_id)
    if data is None:
        return None
    notice = notice or current_notice()
    lang = data.language
    document = {
        "format": f"scenari-personal-data/{FORMAT_VERSION}",
        "pseudonym": data.pseudonym,
        "language": data.language,
        "first_seen": _when(data.created_at),
        "consents": [{"purpose": purpose, "purpose_label": notice.label(purpose, lang),
                      "granted": granted, "notice_version": version,
                      "notice": notice.version_words(version, lang), "decided_at": _when(at)}
                     for purpose, granted, version, at in data.consents],
        "questionnaires": [
            {"questionnaire": qid, "status": status, "version": version,
             "answers": [{"question": key, "item": item, "value": _plain(value)} for key, item, value in rows]}
            for (qid, status, version, _), rows in zip(data.runs, data.rows)
        ],
    }
    content = json.dumps(document, ensure_ascii=False, indent=2).encode("utf-8")
    await audit.record(session, requested_by, "privacy_export", data.pseudonym,
                       detail={"questionnaires": len(data.runs)})
    return PersonalData(data.pseudonym, content, len(data.runs))


respondent_by_pseudonym = repository.respondent_id_by_pseudonym
