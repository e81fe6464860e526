"""The listening service on a real database: invitation tokens and deep links, the invited actor's
interview, project cards and their ratings, and erasure of all of it."""

from __future__ import annotations

import math
from pathlib import Path

import pytest
from sqlalchemy import func, select

from bot.service import invitations
from bot.service.catalog import QuestionnaireCatalog
from bot.service.conversation import Conversation
from bot.service.listening import ListeningHooks
from dialogs import Input
from storage import Database, ratings, register, repository
from storage.models import Actor, Card, CardScore, Invitation, Rating, RespondentActor, Run
from storage.register import ActorRow

ROOT = Path(__file__).resolve().parents[3]
CHANNEL = "telegram"
WEIGHTS = {"strategic_role": 2.0, "feasibility": 1.0, "change_capacity": 1.0, "economic_impact": 1.0, "coherence": 1.0}


@pytest.fixture
def listening() -> Conversation:
    """The real catalog plus a two-question stand-in for the interview."""
    catalog = QuestionnaireCatalog.load(ROOT / "tests" / "data" / "listening")
    return Conversation(catalog, on_completed=[ListeningHooks(WEIGHTS)])


async def _actor(db: Database, code: str = "libera", name: str = "Libera Cremona") -> tuple[int, str]:
    async with db.transaction() as session:
        await register.import_actors(session, [ActorRow(code, name, "third_sector", None, 2)])
        actor = await register.get_actor(session, code)
        invitation = await register.create_invitation(session, actor)
        assert actor.state == "invited"
        return actor.id, invitation.token


async def test_tokens_fit_deep_links_and_the_consent_button(db: Database) -> None:
    _, token = await _actor(db)
    payload = invitations.payload_for(token)
    assert len(payload) <= 64 and payload.replace("_", "").isalnum() and payload == payload.lower()
    assert len(f"c:1:{payload}".encode()) <= 64  # ConsentButton callback data
    assert invitations.deep_link(token, "ScenariBot") == f"https://t.me/ScenariBot?start=ascolto_{token}"
    assert invitations.deep_link(token, None) == f"/start ascolto_{token}"
    assert len({register.new_token() for _ in range(200)}) == 200


async def _start(db: Database, conversation: Conversation, payload: str, user: str):
    async with db.transaction() as session:
        respondent = await conversation.lookup(session, CHANNEL, user, "it")
        return await conversation.start(session, respondent, payload)


async def _consent(db: Database, conversation: Conversation, payload: str, user: str):
    async with db.transaction() as session:
        respondent = await conversation.lookup(session, CHANNEL, user, "it")
        return await conversation.decide_consent(session, respondent, True, payload)


async def _send(db: Database, conversation: Conversation, user: str, kind: str, value: str | None = None, key: str | None = None, run_id: str | None = None):
    async with db.transaction() as session:
        respondent = await conversation.lookup(session, CHANNEL, user)
        return await conversation.handle(session, respondent, Input(kind, value, key), run_id=run_id)  # type: ignore[arg-type]


async def test_an_invitation_survives_consent_links_the_actor_and_marks_it_answered(db: Database, listening: Conversation) -> None:
    actor_id, token = await _actor(db)
    payload = invitations.payload_for(token)
    reply = await _start(db, listening, payload, "701")
    assert [m.question_key for m in reply.messages] == ["_consent"] and reply.questionnaire_id == payload
    async with db.transaction() as session:  # nothing stored before consent, token still unused
        assert (await register.get_invitation(session, token)).used_at is None
    reply = await _consent(db, listening, payload, "701")
    assert "Libera Cremona" in reply.messages[0].text and reply.questionnaire_id == "ascolto"
    assert reply.messages[-1].question_key == "role"
    reply = await _send(db, listening, "701", "text", "Presidente provinciale")
    reply = await _send(db, listening, "701", "choice", "long", "horizon", run_id=reply.run_id)
    assert reply.completed
    async with db.transaction() as session:
        actor = await session.get(Actor, actor_id)
        invitation = await register.get_invitation(session, token)
        respondent = await repository.get_respondent(session, CHANNEL, "701")
        assert actor.state == "answered" and actor.answered_at is not None
        assert invitation.used_at is not None and invitation.respondent_id == respondent.id
        assert (await register.actor_of(session, respondent.id)).id == actor_id
    # the same person opening the link again is thanked, not interviewed twice
    again = await _start(db, listening, payload, "701")
    assert "già stata completata" in again.messages[0].text


async def test_reused_revoked_and_unknown_tokens_are_refused_politely(db: Database, listening: Conversation) -> None:
    _, token = await _actor(db)
    payload = invitations.payload_for(token)
    await _consent(db, listening, payload, "711")
    reply = await _start(db, listening, payload, "711")  # its own token: resumes the interview
    assert reply.messages[-1].question_key == "role" and not reply.rejected
    async with db.transaction() as session:
        assert await session.scalar(select(func.count()).select_from(Run)) == 1
    reply = await _start(db, listening, payload, "712")  # someone else's token
    assert reply.rejected and "già stato usato" in reply.messages[0].text
    reply = await _start(db, listening, "ascolto_doesnotexist123", "712")
    assert reply.rejected and "non risulta valido" in reply.messages[0].text
    reply = await _start(db, listening, "ascolto_<script>", "712")
    assert reply.rejected and "non risulta valido" in reply.messages[0].text
    _, second = await _actor(db, "uil", "UIL Cremona")
    async with db.transaction() as session:
        await register.revoke_invitation(session, second)
    reply = await _start(db, listening, invitations.payload_for(second), "712")
    assert reply.rejected and "ritirato" in reply.messages[0].text
    async with db.transaction() as session:  # nothing was stored for the refused person
        assert await repository.get_respondent(session, CHANNEL, "712") is None


async def test_one_account_answers_for_one_actor(db: Database, listening: Conversation) -> None:
    _, first = await _actor(db, "cisl", "CISL Asse del Po")
    _, second = await _actor(db, "cna", "CNA Cremona")
    await _consent(db, listening, invitations.payload_for(first), "721")
    reply = await _start(db, listening, invitations.payload_for(second), "721")
    assert reply.rejected and "CISL Asse del Po" in reply.messages[0].text
    async with db.transaction() as session:
        assert (await register.get_invitation(session, second)).used_at is None


PROJECT = [
    ("text", "45", None),  # the age gate
    ("text", "Distretto della liuteria digitale", None),
    ("text", "Consorzio Liutai Antonio Stradivari", None),
    ("skip", None, None),  # partners
    ("choice", "music_culture", "theme"),
    ("text", "Un laboratorio condiviso di scansione 3D e acustica per i liutai.", None),
    ("choice", "design", "stage"),
    ("text", "250.000", None),
    ("text", "5, 6", None),  # funding: EU funds, foundations
    ("text", "2026", None),
    ("text", "2028", None),
    ("text", "Nuove botteghe e visitatori al Museo del Violino.", None),
]


async def complete_project(db: Database, conversation: Conversation, user: str) -> int:
    await _consent(db, conversation, "progetto", user)
    reply = None
    for kind, value, key in PROJECT:
        reply = await _send(db, conversation, user, kind, value, key)
        assert not reply.rejected, reply.messages
    assert reply is not None and reply.completed
    assert any("è registrata (n." in m.text for m in reply.messages)
    async with db.transaction() as session:
        card = (await ratings.list_cards(session))[-1]
        return card.id


async def rate(db: Database, conversation: Conversation, user: str, card_id: int, scores: list[int], comment: str | None = None):
    async with db.transaction() as session:
        rater = await conversation.respondent(session, CHANNEL, user, "it")
        reply = await conversation.begin(session, rater, "valutazione", resume=False)
        run = await repository.get_run_by_public_id(session, reply.run_id)
        await ratings.attach_run(session, card_id, rater.id, run.id)
    for key, score in zip(ratings.INDICES, scores):
        reply = await _send(db, conversation, user, "choice", str(score), key, run_id=reply.run_id)
        assert not reply.rejected
    reply = await _send(db, conversation, user, "text", comment) if comment else await _send(db, conversation, user, "skip")
    assert reply.completed
    return reply


async def test_a_project_becomes_a_card_and_ratings_aggregate_by_hand(db: Database, listening: Conversation) -> None:
    card_id = await complete_project(db, listening, "731")
    async with db.transaction() as session:
        card = await ratings.get_card(session, card_id)
        assert (card.title, card.promoter, card.theme, card.stage, card.cost) == (
            "Distretto della liuteria digitale", "Consorzio Liutai Antonio Stradivari", "music_culture", "design", 250000.0,
        )
        assert card.fields["funding"] == ["eu", "foundations"] and card.fields["end_year"] == 2028
        assert "partners" not in card.fields
    await rate(db, listening, "9001", card_id, [5, 4, 3, 4, 5], "Molto coerente con il distretto musicale")
    await rate(db, listening, "9002", card_id, [3, 3, 2, 2, 3])
    reply = await rate(db, listening, "9003", card_id, [4, 4, 4, 4, 4])
    assert "Media ponderata della sua valutazione: 4,00" in reply.messages[-1].text
    # by hand, strategic role weighing 2 (total weight 6): 26/6, 16/6, 24/6
    overalls = [26 / 6, 16 / 6, 24 / 6]
    async with db.transaction() as session:
        score = await ratings.card_score(session, card_id)
        assert score.raters == 3
        assert score.overall == pytest.approx(11 / 3)
        assert score.sd == pytest.approx(math.sqrt(14 / 27))
        assert (score.min, score.max) == (pytest.approx(min(overalls)), pytest.approx(max(overalls)))
        assert score.index_means == pytest.approx(
            {"strategic_role": 4, "feasibility": 11 / 3, "change_capacity": 3, "economic_impact": 10 / 3, "coherence": 4}
        )
        assert score.weights == WEIGHTS
        rater = await repository.get_respondent(session, CHANNEL, "9001")
        assert await ratings.cards_to_rate(session, rater.id) == []
        exported = await ratings.export_ratings(session, WEIGHTS)
        assert [r.overall for r in exported] == pytest.approx(overalls)
        assert exported[0].comment == "Molto coerente con il distretto musicale"
        # equal weights, recomputed: the plain mean of the 15 scores
        await ratings.recompute_all(session)
        assert (await ratings.card_score(session, card_id)).overall == pytest.approx((21 + 13 + 20) / 15)


async def test_erasure_removes_cards_ratings_and_links(db: Database, listening: Conversation) -> None:
    card_id = await complete_project(db, listening, "741")
    await rate(db, listening, "9011", card_id, [1, 2, 3, 4, 5])
    _, token = await _actor(db)
    await _consent(db, listening, invitations.payload_for(token), "742")
    async with db.transaction() as session:
        for user in ("741", "742"):
            respondent = await repository.get_respondent(session, CHANNEL, user)
            await repository.erase_respondent(session, respondent.id)
    async with db.transaction() as session:
        for model in (Card, Rating, CardScore, RespondentActor):
            assert await session.scalar(select(func.count()).select_from(model)) == 0, model
        invitation = await session.scalar(select(Invitation))
        assert invitation.respondent_id is None and invitation.used_at is not None  # still single-use
