"""/convergenze, /iscrivi_report and /disiscrivi_report through the fake Bot API, and the nightly send."""

from __future__ import annotations

import io
import zipfile
from pathlib import Path

import pytest
from aiogram import Dispatcher
from openpyxl import load_workbook
from sqlalchemy import func, select, text

from bot.settings import Settings
from bot.telegram.app import build_dispatcher
from bot.telegram.handlers.reports import register_analyst_commands, telegram_notifier
from bot.telegram.texts import COMMANDS
from exports.tables import Options
from exports.scheduler import ConvergenceJob, NightlyPackage
from storage import Database, jobs
from storage.models import ReportSnapshot, ReportSubscription
from tests.e2e.conftest import ANALYST_ID
from tests.support.convergence_city import build_city
from tests.support.fake_bot_api import DEFAULT_TOKEN, FakeBotAPI
from tests.support.plans import CREMONA_SOURCES


@pytest.fixture
def report_settings(api: FakeBotAPI, tmp_path: Path) -> Settings:
    return Settings(  # type: ignore[call-arg]
        SCENARI_DATABASE_URL=f"sqlite:///{tmp_path / 'scenari.db'}", TELEGRAM_BOT_TOKEN=DEFAULT_TOKEN,
        TELEGRAM_API_BASE=api.base_url, SCENARI_ANALYSTS=str(ANALYST_ID), SCENARI_EXPORTS_DIR=str(tmp_path / "exports"),
    )


@pytest.fixture
def reports_dispatcher(db: Database, report_settings: Settings) -> Dispatcher:
    return build_dispatcher(db, report_settings)


async def test_convergenze_builds_then_sends_the_latest_and_refuses_others(
    api: FakeBotAPI, reports_dispatcher: Dispatcher, db: Database, tmp_path: Path
) -> None:
    await build_city(db)
    analyst = api.user(user_id=ANALYST_ID)
    curious = api.user(user_id=6101, language_code="en")
    async with api.polling(reports_dispatcher):
        await curious.send_command("/convergenze")
        await curious.wait_text("reserved to the plan's analysts")
        await curious.send_command("/iscrivi_report")
        await curious.wait_text("reserved to the plan's analysts")
        await analyst.send_command("/convergenze")
        await analyst.wait_text("le preparo adesso")
        first = await analyst.wait_for(lambda m: m.document is not None, timeout=30)
        assert "da 96 risposte" in first.caption and "Europe/Rome" in first.caption, first.caption
        await analyst.send_command("/convergenze")  # now a snapshot exists: sent as it is
        second = await analyst.wait_for(lambda m: m.document is not None and m.message_id > first.message_id,
                                        timeout=30)
    assert not curious.documents
    book = load_workbook(io.BytesIO(second.document.content))
    assert book.sheetnames[0] == "LEGGIMI" and "priorità_condivise" in book.sheetnames  # the plan speaks Italian
    assert second.document.content == first.document.content
    async with db.transaction() as session:
        assert await session.scalar(select(func.count()).select_from(ReportSnapshot)) == 1  # built once
        latest = await jobs.latest_snapshot(session)
    assert latest.kind == "on_demand" and latest.answers == 96 and Path(latest.path).parent == tmp_path / "exports"
    assert sum("le preparo adesso" in (t or "") for t in analyst.texts) == 1


async def _city(db: Database) -> None:
    """The hand-made city; on PostgreSQL its explicit ids then move the sequences past them."""
    await build_city(db)
    if db.backend == "postgresql":
        async with db.transaction() as session:
            await session.execute(text(
                "SELECT setval(pg_get_serial_sequence('respondents', 'id'), (SELECT MAX(id) FROM respondents))"))


async def test_subscribe_receive_the_nightly_package_and_unsubscribe(
    api: FakeBotAPI, reports_dispatcher: Dispatcher, db: Database, tmp_path: Path
) -> None:
    await _city(db)
    analyst = api.user(user_id=ANALYST_ID)
    async with api.polling(reports_dispatcher) as bot:
        await analyst.send_command("/iscrivi_report")
        await analyst.wait_text("ogni notte alle 02:30 (Europe/Rome)")
        await analyst.send_command("/iscrivi_report")
        await analyst.wait_text("È già iscritto")
        async with db.transaction() as session:
            [sub] = await jobs.subscriptions(session)
        assert sub.chat_id == ANALYST_ID and sub.language == "it"
        job = ConvergenceJob(db, tmp_path / "nightly", Options(sources=CREMONA_SOURCES, k=3), tag=False, kind="nightly", stem="report",
                             latest="report-latest.xlsx", package_format="csv")
        nightly = NightlyPackage(job, notify=telegram_notifier(bot))
        result = await nightly()
        assert nightly.sent == [ANALYST_ID] and result.package is not None and result.package.suffix == ".zip"
        workbook = await analyst.wait_for(lambda m: m.document is not None and m.document.filename.endswith(".xlsx"))
        package = await analyst.wait_for(lambda m: m.document is not None and m.document.filename.endswith(".zip"))
        assert workbook.caption.startswith("Pacchetto notturno") and "96 risposte" in workbook.caption
        assert "foglio LEGGIMI" in workbook.caption
        assert load_workbook(io.BytesIO(workbook.document.content)).sheetnames[0] == "LEGGIMI"
        with zipfile.ZipFile(io.BytesIO(package.document.content)) as archive:  # scripts' names: the ids
            assert {"README.csv", "shared_priorities.csv"} <= set(archive.namelist())
        await analyst.send_command("/disiscrivi_report")
        await analyst.wait_text("non riceverà più")
        await analyst.send_command("/disiscrivi_report")
        await analyst.wait_text("Non risulta iscritto")
    async with db.transaction() as session:
        assert await session.scalar(select(func.count()).select_from(ReportSubscription)) == 0
        snapshot = await jobs.latest_snapshot(session, ("nightly",))
    assert snapshot is not None and snapshot.package_path == str(result.package)


async def test_analyst_commands_only_in_analysts_menus(api: FakeBotAPI, report_settings: Settings) -> None:
    analyst = api.user(user_id=ANALYST_ID)
    other = api.user(user_id=6102)
    bot = api.make_bot()
    try:
        from bot.telegram.app import register_commands

        await register_commands(bot)
        assert await register_analyst_commands(bot, report_settings, COMMANDS) == 1
    finally:
        await bot.session.close()
    mine = [c["command"] for c in api.visible_commands(analyst.user_id, "it")]
    theirs = [c["command"] for c in api.visible_commands(other.user_id, "it")]
    assert {"convergenze", "iscrivi_report", "disiscrivi_report", "export"} <= set(mine) and "privacy" in mine
    assert "convergenze" not in theirs and "privacy" in theirs
    assert "convergenze" in [c["command"] for c in api.visible_commands(analyst.user_id, "en")]
