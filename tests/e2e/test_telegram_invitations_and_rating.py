"""Invitation links, a project card and its rating by several raters, as people meet them in Telegram."""

from __future__ import annotations

import math
from pathlib import Path

import pytest
from aiogram import Dispatcher

from bot.service.catalog import QuestionnaireCatalog
from bot.settings import Settings
from bot.telegram.app import build_dispatcher
from storage import Database, ratings, register
from storage.models import Actor
from storage.register import ActorRow
from tests.e2e.conftest import ANALYST_ID
from tests.e2e.helpers import stored_answers
from tests.support.fake_bot_api import FakeBotAPI, SimulatedUser

ROOT = Path(__file__).resolve().parents[2]
RATERS = (9101, 9102)  # plus the analyst


@pytest.fixture
def listening_settings(settings: Settings) -> Settings:
    return settings.model_copy(update={
        "raters": frozenset(RATERS),
        "rating_weights": {"strategic_role": 2.0, "feasibility": 1.0, "change_capacity": 1.0, "economic_impact": 1.0, "coherence": 1.0},
    })


@pytest.fixture
def listening(db: Database, listening_settings: Settings) -> Dispatcher:
    """The real bot, with a two-question stand-in for the interview (tests/data/listening)."""
    return build_dispatcher(db, listening_settings, QuestionnaireCatalog.load(ROOT / "tests" / "data" / "listening"))


async def invite(db: Database, code: str, organisation: str) -> str:
    async with db.transaction() as session:
        await register.import_actors(session, [ActorRow(code, organisation, "third_sector", "Referente", 2)])
        actor = await register.get_actor(session, code)
        return (await register.create_invitation(session, actor)).token


async def actor_state(db: Database, code: str) -> str:
    async with db.transaction() as session:
        actor: Actor | None = await register.get_actor(session, code)
        assert actor is not None
        return actor.state


async def test_an_invited_actor_consents_answers_and_is_marked(api: FakeBotAPI, listening: Dispatcher, db: Database) -> None:
    token = await invite(db, "libera", "Libera Cremona")
    revoked = await invite(db, "uil", "UIL Cremona")
    async with db.transaction() as session:
        await register.revoke_invitation(session, revoked)
    actor = api.user(user_id=6001, language_code="it")
    stranger = api.user(user_id=6002, language_code="it")
    english = api.user(user_id=6005, language_code="en")
    async with api.polling(listening):
        await actor.send_command(f"/start ascolto_{token}")
        notice = await actor.wait_text("privacy")
        assert notice.buttons == ["Accetto", "Non accetto"]
        await actor.press("Accetto")
        await actor.wait_text("intervista di ascolto per «Libera Cremona»")
        await actor.wait_text("Qual è il suo ruolo")
        assert await actor_state(db, "libera") == "invited"
        await actor.send_text("Referente provinciale")
        await actor.wait_text("Su quale orizzonte")
        await actor.press("Lungo periodo")
        await actor.wait_text("Grazie per l'intervista")
        assert await actor_state(db, "libera") == "answered"
        # the same link again: thanked, not interviewed twice
        await actor.send_command(f"/start ascolto_{token}")
        await actor.wait_text("è già stata completata")
        # somebody else with the same link, an unknown token, a revoked one
        await stranger.send_command(f"/start ascolto_{token}")
        await stranger.wait_text("già stato usato da un'altra persona")
        await stranger.send_command("/start ascolto_zzzzzzzzzzzzzzzzzzzzzzzz")
        await stranger.wait_text("non risulta valido")
        await stranger.send_command(f"/start ascolto_{revoked}")
        await stranger.wait_text("è stato ritirato")
        await english.send_command(f"/start ascolto_{revoked}")
        await english.wait_text("This invitation has been withdrawn")
    assert await stored_answers(db, 6001, "ascolto") == {"role": "Referente provinciale", "horizon": "long"}
    assert await stored_answers(db, 6002, "ascolto") == {}
    assert await actor_state(db, "uil") == "invited"


async def test_a_reused_own_link_resumes_the_interview(api: FakeBotAPI, listening: Dispatcher, db: Database) -> None:
    token = await invite(db, "cisl", "CISL Asse del Po")
    actor = api.user(user_id=6011, language_code="it")
    async with api.polling(listening):
        await actor.send_command(f"/start ascolto_{token}")
        await actor.wait_text("privacy")
        await actor.press("Accetto")
        await actor.wait_text("Qual è il suo ruolo")
        await actor.send_text("Segretaria generale")
        await actor.wait_text("Su quale orizzonte")
        await actor.send_command(f"/start ascolto_{token}")
        await actor.wait_text("Su quale orizzonte")
    assert await stored_answers(db, 6011, "ascolto") == {"role": "Segretaria generale"}
    assert await actor_state(db, "cisl") == "invited"


async def submit_project(user: SimulatedUser) -> None:
    await user.send_command("/start progetto")
    await user.wait_text("privacy")
    await user.press("Accetto")
    await user.wait_text("quanti anni ha?")  # the age gate comes first, in the card's "Lei"
    await user.send_text("45")
    await user.wait_text("titolo del progetto")
    await user.send_text("Distretto della liuteria digitale")
    await user.wait_text("Chi lo promuove")
    await user.send_text("Consorzio Liutai")
    await user.wait_text("Con quali partner")
    await user.press("Salta ➡")
    await user.wait_text("In quale ambito")
    await user.press("Musica, liuteria e cultura")
    await user.wait_text("in che cosa consiste")
    await user.send_text("Un laboratorio condiviso di scansione 3D e acustica per i liutai.")
    await user.wait_text("A che punto è")
    await user.press("In progettazione")
    await user.wait_text("Quanto costa")
    await user.send_text("250.000")
    await user.wait_text("quali fonti")
    await user.press("Fondi europei")
    await user.wait_for(lambda m: "✓ Fondi europei" in m.buttons)
    await user.press("Fondazioni")
    await user.wait_for(lambda m: "✓ Fondazioni" in m.buttons)
    await user.press("Fatto ✔")
    await user.wait_text("In che anno è iniziato")
    await user.send_text("2026")
    await user.wait_text("In che anno dovrebbe concludersi")
    await user.send_text("2025")
    await user.wait_text("non può precedere")
    await user.send_text("2028")
    await user.wait_text("Quali risultati")
    await user.send_text("Nuove botteghe e più visitatori al Museo del Violino.")
    await user.wait_text("è registrata (n. 1)")


async def rate(user: SimulatedUser, scores: list[int], comment: str | None) -> str:
    await user.send_command("/valuta")
    listed = await user.wait_text("Schede da valutare (1)")
    assert listed.buttons == ["Distretto della liuteria digitale — Consorzio Liutai"]
    await user.press("Distretto della liuteria digitale — Consorzio Liutai")
    card = await user.wait_text("Scheda n. 1: Distretto della liuteria digitale")
    assert "Promotore: Consorzio Liutai" in card.text and "Costo: 250.000,00 €" in card.text
    assert "Fonti di finanziamento: Fondi europei, Fondazioni" in card.text and "Periodo: 2026–2028" in card.text
    for question, score in zip(("Ruolo strategico", "Fattibilità", "Capacità di gestire", "Impatto", "Coerenza"), scores):
        prompt = await user.wait_text(question)
        assert prompt.button_rows[0] == ["1", "2", "3", "4", "5"]
        await user.press(str(score))
    await user.wait_text("Un commento")
    if comment:
        await user.send_text(comment)
    else:
        await user.press("Salta ➡")
    done = await user.wait_text("Media ponderata della sua valutazione")
    return done.text


async def test_a_project_card_rated_by_three_raters(
    api: FakeBotAPI, listening: Dispatcher, db: Database
) -> None:
    promoter = api.user(user_id=6021, language_code="it")
    curious = api.user(user_id=6022, language_code="it")
    first, second = (api.user(user_id=uid, language_code="it") for uid in RATERS)
    analyst = api.user(user_id=ANALYST_ID, language_code="it")
    async with api.polling(listening):
        await submit_project(promoter)
        await curious.send_command("/valuta")
        await curious.wait_text("riservata al gruppo di valutazione")
        text = await rate(first, [5, 4, 3, 4, 5], "Molto coerente con il distretto musicale")
        assert "4,33" in text and "Schede ancora da valutare: 0." in text
        await rate(second, [3, 3, 2, 2, 3], None)
        await rate(analyst, [4, 4, 4, 4, 4], None)
        await first.send_command("/valuta")
        await first.wait_text("Non ci sono schede da valutare")
    # by hand, strategic role weighing 2 of 6: 26/6, 16/6, 24/6 → mean 11/3, sd √(14/27)
    async with db.transaction() as session:
        score = await ratings.card_score(session, 1)
        exported = await ratings.export_ratings(session)
    assert score is not None and score.raters == 3
    assert score.overall == pytest.approx(11 / 3)
    assert score.sd == pytest.approx(math.sqrt(14 / 27))
    assert (score.min, score.max) == (pytest.approx(16 / 6), pytest.approx(26 / 6))
    assert score.index_means["strategic_role"] == pytest.approx(4.0)
    assert [r.comment for r in exported] == ["Molto coerente con il distretto musicale", None, None]
    assert await stored_answers(db, 6021, "progetto") == {
        "age": 45, "title": "Distretto della liuteria digitale", "promoter": "Consorzio Liutai", "partners": None,
        "theme": "music_culture", "description": "Un laboratorio condiviso di scansione 3D e acustica per i liutai.",
        "stage": "design", "cost": 250000.0, "funding": ["eu", "foundations"], "start_year": 2026, "end_year": 2028,
        "results": "Nuove botteghe e più visitatori al Museo del Violino.",
    }
    assert api.unanswered_callbacks() == []


async def test_the_rating_questionnaire_is_not_offered_to_the_public(api: FakeBotAPI, listening: Dispatcher) -> None:
    user = api.user(user_id=6031, language_code="it")
    async with api.polling(listening):
        await user.send_command("/start valutazione")
        await user.wait_text("Non conosco il questionario «valutazione»")
        menu = await user.wait_for(lambda m: bool(m.buttons))
    assert "Scheda di un progetto" in menu.buttons and "Valutazione di un progetto" not in menu.buttons
