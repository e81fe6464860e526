"""The age gate in Telegram, through the fake Bot API: a 12-year-old who consented is stopped
politely and told what a parent can do; a later "15" reopens nothing; a 15-year-old goes on.
The threshold is the deployment's SCENARI_MINIMUM_AGE."""

from __future__ import annotations

from aiogram import Dispatcher
from sqlalchemy import func, select

from bot.settings import Settings
from bot.telegram.app import build_dispatcher
from storage import Database
from storage.models import Answer, Consent, Respondent, Run
from tests.support.fake_bot_api import FakeBotAPI


async def held(db: Database, user_id: int) -> tuple[list[str], int, list[bool]]:
    """The user's runs' statuses, how many answers they hold, and their consent decisions."""
    async with db.transaction() as session:
        respondent = await session.scalar(select(Respondent.id).where(Respondent.external_id == str(user_id)))
        statuses = (await session.execute(select(Run.status).where(Run.respondent_id == respondent).order_by(Run.id))).scalars().all()
        answers = await session.scalar(
            select(func.count()).select_from(Answer).join(Run, Run.id == Answer.run_id).where(Run.respondent_id == respondent))
        consents = (await session.execute(
            select(Consent.granted).where(Consent.respondent_id == respondent).order_by(Consent.id))).scalars().all()
    return list(statuses), int(answers or 0), list(consents)


async def test_a_twelve_year_old_is_stopped_and_a_fifteen_year_old_goes_on(
    api: FakeBotAPI, dispatcher: Dispatcher, db: Database
) -> None:
    child = api.user(user_id=8012, first_name="Sara", language_code="it")
    teen = api.user(user_id=8015, first_name="Marco", language_code="it")
    async with api.polling(dispatcher):
        await child.send_command("/start visione")
        await child.wait_text("privacy")
        await child.press("Accetto")
        await child.wait_text("Prima di cominciare: quanti anni hai?")
        await child.send_text("12")
        stop = await child.wait_text("almeno 14 anni")
        assert "chiedi a un genitore" in stop.text
        await child.wait_text("privacy@comune.cremona.example")  # whom a parent can write to
        await child.send_text("15")  # a bigger age now: the stopped run is not reopened
        await child.wait_text("Non hai un questionario in corso")

        await teen.send_command("/start visione")
        await teen.wait_text("privacy")
        await teen.press("Accetto")
        await teen.wait_text("quanti anni hai?")
        await teen.send_text("15")
        await teen.wait_text("Dove vivi?")
    assert not any("Dove vivi?" in (m.text or "") for m in child.messages)
    assert await held(db, 8012) == (["stopped"], 0, [True, False])
    assert await held(db, 8015) == (["active"], 1, [True])
    assert api.unanswered_callbacks() == []


async def test_the_threshold_is_the_deployments_setting(api: FakeBotAPI, db: Database, settings: Settings) -> None:
    stricter = build_dispatcher(db, settings.model_copy(update={"minimum_age": 16}))
    user = api.user(user_id=8016, language_code="en")
    async with api.polling(stricter):
        await user.send_command("/start visione")
        await user.wait_text("privacy")
        await user.press("I agree")
        prompt = await user.wait_text("how old are you?")
        assert "under 16" in prompt.text
        await user.send_text("15")
        await user.wait_text("at least 16")
    assert (await held(db, 8016))[0] == ["stopped"]
