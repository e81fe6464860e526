"""The privacy notice in Telegram: in short with a link at consent, in full with /informativa."""

from __future__ import annotations

from aiogram import Dispatcher
from sqlalchemy import func, select

from storage import Database
from storage.models import Respondent
from tests.support.fake_bot_api import FakeBotAPI


async def test_the_notice_in_short_at_consent_and_in_full_on_request(api: FakeBotAPI, dispatcher: Dispatcher, db: Database):
    user = api.user(user_id=5201)
    async with api.polling(dispatcher):
        await user.send_command("/start imprese")
        consent = await user.wait_text("Accetta di partecipare?")  # imprese says "Lei"
        assert "Titolare del trattamento: Comune di Cremona" in consent.text
        assert "L'informativa completa: http://127.0.0.1:8000/informativa" in consent.text
        assert consent.buttons == ["Accetto", "Non accetto"]

        await user.send_command("/informativa")  # before consenting: reading it stores nothing
        first = await user.wait_text("INFORMATIVA SUL TRATTAMENTO DEI DATI PERSONALI")
        last = await user.wait_text("La stessa informativa sul web: http://127.0.0.1:8000/informativa")
        notice = "\n".join(m.text or "" for m in user.messages[user.messages.index(first):user.messages.index(last) + 1])
        for expected in ("Informativa del 1º novembre 2026", "Responsabile della protezione dei dati (RPD/DPO)",
                         "rpd@comune.cremona.example", "• Partecipazione al piano strategico — ",
                         "Per quanto tempo li conserviamo", "Garante per la protezione dei dati personali"):
            assert expected in notice, expected
        assert all(len(m.text or "") <= 4096 for m in user.messages)

        await user.send_command("/aiuto")
        assert "/informativa – l'informativa sulla privacy" in (await user.wait_text("/informativa")).text
    async with db.transaction() as session:
        assert await session.scalar(select(func.count()).select_from(Respondent)) == 0
