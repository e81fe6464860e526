"""An XLSForm written by someone else, imported with `scenari questionnaires import` into the
deployment's questionnaires folder, answered in Telegram (issue 18, "Done when"): the group's
heading, a repeat of two people, the region → province → town cascade (each list holds only the
matching choices), a calculation shown in a later note; buttons and typed answers; the answers
come out of `scenari export -q famiglie --format csv`.

The plan (Cremona's) speaks Italian and English: a French Telegram user reads the form in
Italian, the plan's default, although the workbook has French labels.
"""

from __future__ import annotations

import csv
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from aiogram import Dispatcher

from bot.settings import Settings
from bot.telegram.app import build_dispatcher
from storage import Database, upgrade_database
from tests.support.cli import scenari
from tests.support.fake_bot_api import DEFAULT_TOKEN, FakeBotAPI, SimulatedUser
from tests.support.xlsforms import import_household


@pytest.fixture
def questionnaires(tmp_path: Path) -> Path:
    return import_household(tmp_path / "author")


@pytest.fixture
async def database(tmp_path: Path) -> AsyncIterator[Database]:
    """A SQLite file, so that the operator's `scenari export` reads what the bot stored."""
    db = Database(f"sqlite+aiosqlite:///{tmp_path / 'famiglie.db'}")
    await upgrade_database(db)
    try:
        yield db
    finally:
        await db.dispose()


@pytest.fixture
def bot(api: FakeBotAPI, database: Database, questionnaires: Path, tmp_path: Path) -> Dispatcher:
    settings = Settings(  # type: ignore[call-arg]
        SCENARI_DATABASE_URL=database.url, TELEGRAM_BOT_TOKEN=DEFAULT_TOKEN, TELEGRAM_API_BASE=api.base_url,
        SCENARI_QUESTIONNAIRES_DIR=str(questionnaires),
    )
    return build_dispatcher(database, settings)


async def _press(user: SimulatedUser, label: str, then: str) -> None:
    await user.press(label)
    await user.wait_text(then)


async def _type(user: SimulatedUser, text: str, then: str) -> None:
    await user.send_text(text)
    await user.wait_text(then)


async def test_the_imported_form_is_completed_in_telegram_and_exported(
    api: FakeBotAPI, bot: Dispatcher, database: Database, questionnaires: Path, tmp_path: Path
) -> None:
    user = api.user(user_id=1818, first_name="Maria", language_code="it")
    async with api.polling(bot):
        await user.send_command("/start famiglie")
        notice = await user.wait_text("privacy")
        assert notice.buttons == ["Accetto", "Non accetto"]
        await _press(user, "Accetto", "Come si chiama?")
        texts = " ".join(t or "" for t in user.texts)
        assert "Benvenuti all'indagine sulle famiglie." in texts and "Chi risponde" in texts  # the group's heading
        await _type(user, "Maria", "Quanti anni ha?")
        await _type(user, "16", "Tra 18 e 110 anni.")  # the form's own constraint message
        await user.wait_text("Quanti anni ha?")  # asked again
        await _type(user, "45", "In quale regione?")
        assert user.last_message.buttons[:2] == ["Lombardia", "Emilia-Romagna"]
        await _press(user, "Lombardia", "In quale provincia?")
        province = user.last_message
        assert "Piacenza" not in province.buttons  # Emilia-Romagna's
        assert province.buttons[:2] == ["Cremona", "Milano"]
        await _press(user, "Cremona", "In quale comune?")
        town = user.last_message
        assert town.buttons[:2] == ["Crema", "Soresina"] and "Rho" not in town.buttons and "Bobbio" not in town.buttons
        await _press(user, "Soresina", "Quante persone vivono in casa")
        await _type(user, "3", "Nome della persona")

        # the repeat: two people, the second too old for the school question
        await _type(user, "Luca", "Età di Luca")
        await _type(user, "12", "Va a scuola?")
        await _press(user, "Sì", "aggiungerne un altro?")
        await _press(user, "Sì", "Le altre persone 2")
        await _type(user, "Anna", "Età di Anna")
        await _type(user, "70", "aggiungerne un altro?")
        await _press(user, "No", "Da dove viene il reddito")

        await _type(user, "1,2", "Reddito mensile")  # typed numbers for a multiple choice
        await _type(user, "3000", "Sono circa 1000 euro a persona.")  # the calculation, in a later note
        await user.wait_text("Quanto è soddisfatto del quartiere?")
        await _press(user, "4", "A che ora")
        await _type(user, "18:30", "Grazie! Il questionario è completo e le risposte sono state salvate.")
        await user.wait_text("aggiornamenti del piano")  # the newsletter offer closes the run
    texts = " ".join(t or "" for t in user.texts)
    assert "Ha elencato" not in texts  # 3 of 3 people listed: the check's note stays silent
    assert "Che cosa non va?" not in texts  # satisfied: no complaint asked
    assert api.unanswered_callbacks() == []

    out = tmp_path / "famiglie.csv"
    exported = scenari("export", "-q", "famiglie", "--format", "csv", "--out", str(out),
                       env={"SCENARI_DATABASE_URL": f"sqlite:///{tmp_path / 'famiglie.db'}",
                            "SCENARI_QUESTIONNAIRES_DIR": str(questionnaires)}, cwd=tmp_path)
    assert exported.returncode == 0, exported.stderr
    assert exported.stdout.startswith("Exported 1 runs of famiglie (1 completed, 0 partial)")
    [run] = _rows(out)
    assert {k: run[k] for k in ("status", "resp_name", "resp_age", "region", "province", "town", "hh_size",
                                "members_items", "listed", "income_sources_work", "income_sources_benefits",
                                "per_person", "satisfaction", "best_time", "comments")} == {
        "status": "Completata", "resp_name": "Maria", "resp_age": "45", "region": "Lombardia",
        "province": "Cremona", "town": "Soresina", "hh_size": "3", "members_items": "2", "listed": "3",
        "income_sources_work": "1", "income_sources_benefits": "0", "per_person": "1000", "satisfaction": "4",
        "best_time": "18:30", "comments": "",
    }
    members = [(m["item"], m["member_name"], m["member_age"], m["member_school"])
               for m in _rows(tmp_path / "famiglie-members.csv")]
    assert members == [("1", "Luca", "12", "Sì"), ("2", "Anna", "70", "")]


def _rows(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle))


async def test_a_french_telegram_user_reads_the_plan_default_italian(api: FakeBotAPI, bot: Dispatcher) -> None:
    """The workbook has French, the plan (it, en) does not: Telegram's French app gets Italian,
    and /lingua offers Italian and English, the form's English labels then."""
    user = api.user(user_id=1819, first_name="Chloé", language_code="fr")
    async with api.polling(bot):
        await user.send_command("/start famiglie")
        notice = await user.wait_text("privacy")
        assert notice.buttons == ["Accetto", "Non accetto"]
        await _press(user, "Accetto", "Come si chiama?")
        texts = " ".join(t or "" for t in user.texts)
        assert "Benvenuti all'indagine sulle famiglie." in texts
        assert "Bienvenue" not in texts and "Comment vous appelez-vous" not in texts
        await user.send_command("/lingua")
        choose = await user.wait_text("Scegli la lingua")
        assert choose.buttons == ["Italiano", "English"]  # the plan's languages, no French
        await _press(user, "English", "Language set: English.")
        await user.wait_text("What is your name?")  # the imported form's English labels
