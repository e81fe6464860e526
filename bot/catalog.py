"""Which questionnaires exist, and the exact definition each run must continue with."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy.ext.asyncio import AsyncSession

from dialogs import Questionnaire, load_data, load_directory
from storage import repository


class UnknownQuestionnaire(LookupError):
    pass


class QuestionnaireCatalog:
    """Definitions from the built-in folder (and an optional extra one), by id.

    A run started on an older version continues on the snapshot stored with it, so editing
    a file never changes a questionnaire under someone's feet.
    """

    def __init__(self, questionnaires: dict[str, Questionnaire]) -> None:
        self._current = questionnaires
        self._snapshots: dict[tuple[str, int], Questionnaire] = {}

    @classmethod
    def load(cls, extra_directory: Path | None = None) -> QuestionnaireCatalog:
        found = load_directory()
        if extra_directory:
            found.update(load_directory(extra_directory))
        return cls(found)

    def ids(self, open_only: bool = True) -> list[str]:
        return [qid for qid, q in self._current.items() if q.open or not open_only]

    def current(self, questionnaire_id: str) -> Questionnaire:
        try:
            return self._current[questionnaire_id]
        except KeyError:
            raise UnknownQuestionnaire(questionnaire_id) from None

    def __contains__(self, questionnaire_id: object) -> bool:
        return questionnaire_id in self._current

    async def register(self, session: AsyncSession, q: Questionnaire) -> None:
        await repository.register_definition(session, q.id, q.version, q.model_dump(mode="json"))

    async def for_run(self, session: AsyncSession, questionnaire_id: str, version: int) -> Questionnaire:
        current = self._current.get(questionnaire_id)
        if current is not None and current.version == version:
            return current
        key = (questionnaire_id, version)
        if key not in self._snapshots:
            stored = await repository.get_definition(session, questionnaire_id, version)
            if stored is None:
                raise UnknownQuestionnaire(f"{questionnaire_id} v{version}")
            self._snapshots[key] = load_data(stored, source=f"database:{questionnaire_id}@{version}")
        return self._snapshots[key]
