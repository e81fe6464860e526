"""Which questionnaires exist, and the exact definition each run must continue with."""

from __future__ import annotations

import time
from collections.abc import Awaitable, Callable

from pathlib import Path

from sqlalchemy.ext.asyncio import AsyncSession

from bot.plan import PlanFolder, plan_at
from bot.settings import DEFAULT_PLAN_DIR
from dialogs import Questionnaire, load_data
from dialogs.model import Choice, Text
from storage import repository
from storage.register import list_actors

# A run-time list: loaded from the database, then cached for a short while.
ListProvider = Callable[[AsyncSession], Awaitable[list[Choice]]]
LIST_TTL_SECONDS = 30.0


async def register_actors(session: AsyncSession) -> list[Choice]:
    """The stakeholder register as choices (value = actor code; category for choice filters)."""
    return [
        Choice(value=actor.code, label=Text(it=actor.organisation, en=actor.organisation),
               attributes={"category": actor.category})
        for actor in await list_actors(session)
    ]


DEFAULT_PROVIDERS: dict[str, ListProvider] = {"actors": register_actors}


class UnknownQuestionnaire(LookupError):
    pass


class QuestionnaireCatalog:
    """Definitions from the plan's folder (and SCENARI_QUESTIONNAIRES_DIR's), by id.

    A run started on an older version continues on the snapshot stored with it, so editing
    a file never changes a questionnaire under someone's feet.
    """

    def __init__(
        self, questionnaires: dict[str, Questionnaire], providers: dict[str, ListProvider] | None = None
    ) -> None:
        self._current = questionnaires
        self._snapshots: dict[tuple[str, int], Questionnaire] = {}
        self._providers = DEFAULT_PROVIDERS if providers is None else providers
        self._lists: dict[str, tuple[float, list[Choice]]] = {}
        # values of the questionnaires' parameters set by the deployment (the age gate's
        # minimum age): applied to every run's definition, current or stored
        self.parameters: dict[str, int | float | str] = {}

    @classmethod
    def load(cls, plan: PlanFolder | Path | None = None) -> QuestionnaireCatalog:
        """The catalogue of a plan (``settings.plan``); a bare folder is an extra folder on top
        of the shipped example plan, and nothing is the shipped example plan alone."""
        if not isinstance(plan, PlanFolder):
            plan = plan_at(DEFAULT_PLAN_DIR, plan)
        return cls(plan.load_questionnaires())

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
        """Store the definition a run starts with, once per version.

        Every run's start asks; the answer is nearly always "stored already", which a one-column
        SELECT says without loading the stored definition or serialising this one (35 KB of JSON
        for the firms' survey: ~1 ms of the event loop per start when both were done every time).
        """
        if not await repository.definition_registered(session, q.id, q.version):
            await repository.register_definition(session, q.id, q.version, q.model_dump(mode="json"))

    async def for_run(self, session: AsyncSession, questionnaire_id: str, version: int) -> Questionnaire:
        current = self._current.get(questionnaire_id)
        if current is not None and current.version == version:
            return await self.with_runtime_lists(session, current)
        key = (questionnaire_id, version)
        if key not in self._snapshots:
            stored = await repository.get_definition(session, questionnaire_id, version)
            if stored is None:
                raise UnknownQuestionnaire(f"{questionnaire_id} v{version}")
            self._snapshots[key] = load_data(stored, source=f"database:{questionnaire_id}@{version}")
        return await self.with_runtime_lists(session, self._snapshots[key])

    def use_parameters(self, values: dict[str, int | float | str]) -> None:
        """Set the deployment's values of the questionnaires' parameters (e.g. ``minimum_age``
        from SCENARI_MINIMUM_AGE): the engine reads no settings, so they come this way."""
        self.parameters = dict(values)

    async def with_runtime_lists(self, session: AsyncSession, q: Questionnaire) -> Questionnaire:
        """Fill the lists a questionnaire takes from the database (e.g. the register) and the
        deployment's parameter values."""
        q = q.with_parameters(self.parameters) if self.parameters else q
        if not q.dynamic_lists:
            return q
        lists: dict[str, list[Choice]] = {}
        now = time.monotonic()
        for name in q.dynamic_lists:
            cached = self._lists.get(name)
            if cached is None or now - cached[0] > LIST_TTL_SECONDS:
                provider = self._providers.get(name)
                cached = (now, await provider(session) if provider else [])
                self._lists[name] = cached
            lists[name] = cached[1]
        return q.with_lists(lists)
