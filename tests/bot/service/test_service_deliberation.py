"""The deliberation service on a real database: near-duplicate statements flagged by lemmas or by
spelling, and proposals cut from the objectives and visions people wrote."""

from __future__ import annotations

import pytest

from bot.service import deliberation as service
from storage import Database


async def _statement(db: Database, text: str, status: str = "pending", source: str = "moderator") -> int:
    lemmas = await service.lemmas_of(text)
    async with db.transaction() as session:
        return (await service.create_statement(session, text, source, lemmas, status=status)).id


async def test_deliberation_near_duplicates_are_flagged_by_lemmas_or_ratio(db: Database) -> None:
    first = await _statement(db, "Più piste ciclabili sicure", "approved")
    async with db.transaction() as session:
        lemmas = await service.lemmas_of("Piste ciclabili più sicure!")
        flagged = await service.create_statement(session, "Piste ciclabili più sicure!", "participant", lemmas)
        assert flagged.duplicate_of_id == first and flagged.similarity == pytest.approx(1.0)
        typo = await service.create_statement(session, "Più piste cicalbili sicure", "participant",
                                               await service.lemmas_of("Più piste cicalbili sicure"))
        assert typo.duplicate_of_id in (first, flagged.id) and typo.similarity >= 0.85
        other = await service.create_statement(session, "Un teatro aperto ai giovani musicisti", "participant",
                                               await service.lemmas_of("Un teatro aperto ai giovani musicisti"))
        assert other.duplicate_of_id is None


async def test_deliberation_proposals_come_from_objectives_and_visions(db: Database) -> None:
    assert service.statement_from("Vorrei una città più verde. E anche più sicura!") == "Vorrei una città più verde."
    assert service.statement_from("ok") is None
    long = "parola " * 40
    made = service.statement_from(long)
    assert made is not None and len(made) <= 140 and made.endswith("…") and made.startswith("Parola")
