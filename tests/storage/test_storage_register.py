"""The stakeholder register on a real database: import by code or name, located conflicts, codes,
the shipped example register, and the migration of the listening tables."""

from __future__ import annotations

import csv
from pathlib import Path

import pytest
from sqlalchemy import func, select

from storage import Database, register
from storage.models import Actor
from storage.register import ActorRow, RegisterError
from storage.register_file import read_register
from tests.support.schema import schema_drift
from tests.support.schema import table_of as _table_of  # noqa: F401 - tests/bot/service/communication imports it from here

ROOT = Path(__file__).resolve().parents[2]


def rows(*items: tuple[str | None, str, str]) -> list[ActorRow]:
    return [ActorRow(code, name, category, None, line) for line, (code, name, category) in enumerate(items, start=2)]


async def test_import_is_idempotent_and_matches_by_code_or_name(db: Database) -> None:
    first = rows(("comune_cremona", "Comune di Cremona", "public_body"), (None, "CGIL Cremona", "union"))
    async with db.transaction() as session:
        result = await register.import_actors(session, first)
    assert (result.added, result.updated, result.unchanged) == (2, 0, 0)
    async with db.transaction() as session:
        result = await register.import_actors(session, first)
        assert (result.added, result.updated, result.unchanged) == (0, 0, 2)
        # by name (a generated code is kept), and by code (the name changes)
        changed = rows((None, "  cgil   CREMONA ", "union"), ("comune_cremona", "Comune di Cremona (Settore Sviluppo)", "public_body"))
        result = await register.import_actors(session, changed)
        assert (result.added, result.updated, result.unchanged) == (0, 2, 0)
    async with db.transaction() as session:
        actors = {a.code: a for a in await register.list_actors(session)}
    assert set(actors) == {"comune_cremona", "cgil_cremona"}
    assert actors["comune_cremona"].organisation == "Comune di Cremona (Settore Sviluppo)"
    assert actors["cgil_cremona"].state == "new"


async def test_conflicting_rows_are_located_and_nothing_is_stored(db: Database) -> None:
    async with db.transaction() as session:
        await register.import_actors(session, rows(("cna", "CNA Cremona", "trade_association"), ("uil", "UIL Cremona", "union")))
    bad = rows(
        ("cisl", "CISL Asse del Po", "union"),
        ("cna", "UIL Cremona", "union"),  # code of one actor, name of another
        ("cisl", "CISL bis", "union"),  # repeats a code of this file
        (None, "cisl asse del po", "union"),  # repeats a name of this file
    )
    with pytest.raises(RegisterError) as caught:
        async with db.transaction() as session:
            await register.import_actors(session, bad)
    assert [e.split(":")[0] for e in caught.value.errors] == ["riga 3", "riga 4", "riga 5"]
    async with db.transaction() as session:
        assert await session.scalar(select(func.count()).select_from(Actor)) == 2


def test_slugs_fit_choice_values() -> None:
    assert register.slug("Università Cattolica del Sacro Cuore – Campus di Cremona") == "universita_cattolica_del"
    assert register.slug("CGIL", taken={"cgil"}) == "cgil_2"
    assert register.CODE_PATTERN.match(register.slug("!!!"))


async def test_migration_matches_the_models(db: Database) -> None:
    mine = {"actors", "invitations", "respondent_actors", "cards", "ratings", "card_scores"}
    assert await schema_drift(db, mine) == []


def test_example_register_and_categories_ship_and_agree() -> None:
    with (ROOT / "plans" / "cremona" / "register" / "categories.csv").open(encoding="utf-8") as handle:
        listed = {row["code"]: (row["label_it"], row["label_en"]) for row in csv.DictReader(handle)}
    assert listed == register.CATEGORIES
    actors = read_register(ROOT / "plans" / "cremona" / "register" / "actors.csv")
    names = " ".join(a.organisation for a in actors)
    for expected in ("Comune di Cremona", "Provincia di Cremona", "Camera di Commercio", "CNA", "Confartigianato",
                     "Politecnico di Milano", "Cattolica", "CGIL", "CISL", "UIL", "Libera", "CremonaFiere",
                     "Consorzio Liutai Antonio Stradivari"):
        assert expected in names
    assert {a.category for a in actors} <= set(register.CATEGORIES)
