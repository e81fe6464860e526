"""A deliberation round in Telegram: participants of several categories vote, change a vote, press a
stale button, pause and resume; a participant proposes a statement and a moderator approves it."""

from __future__ import annotations

import pytest
from aiogram import Dispatcher
from sqlalchemy import select

from bot.service import deliberation as service
from bot.settings import Settings
from bot.telegram.app import build_dispatcher
from storage import Database, deliberation, register, repository
from storage.models import Consent, OutboxMessage, RespondentActor, Vote, VoteEvent
from storage.register import ActorRow
from tests.e2e.conftest import ANALYST_ID
from tests.support.fake_bot_api import ChatMessage, FakeBotAPI, SimulatedUser

FIRMS = (8101, 8102, 8103)
CITIZENS = (8201, 8202, 8203)
MODERATOR = 8301
STATEMENTS = ("Più piste ciclabili sicure verso le scuole", "Un nuovo parcheggio sotto la piazza del Duomo",
              "Il Museo del Violino aperto anche la sera")


@pytest.fixture
def moderated(settings: Settings) -> Settings:
    return settings.model_copy(update={"moderators": frozenset({MODERATOR})})


@pytest.fixture
def bot(db: Database, moderated: Settings) -> Dispatcher:
    return build_dispatcher(db, moderated)


async def _city(db: Database) -> list[int]:
    """Six subscribers (three answering for a firm of the register, three citizens) and three statements."""
    async with db.transaction() as session:
        await register.import_actors(session, [ActorRow("arvedi", "Acciaierie Arvedi", "firm", None, 2)])
        actor = await register.get_actor(session, "arvedi")
        for user in FIRMS + CITIZENS:
            person = await repository.get_or_create_respondent(session, "telegram", str(user), "it")
            session.add(Consent(respondent_id=person.id, purpose="newsletter", granted=True, notice_version="2026-11"))
            if user in FIRMS:
                session.add(RespondentActor(respondent_id=person.id, actor_id=actor.id))
        await session.flush()
    ids = []
    for text in STATEMENTS:
        lemmas = await service.lemmas_of(text)
        async with db.transaction() as session:
            ids.append((await service.create_statement(session, text, "moderator", lemmas, status="approved")).id)
    return ids


def _is_statement(m: ChatMessage) -> bool:
    return "Affermazione" in (m.text or "") and not any(b.startswith("✓") for b in m.buttons)


async def _next(user: SimulatedUser) -> ChatMessage:
    return await user.wait_for(_is_statement, kinds=("sent",))


async def _vote_all(user: SimulatedUser, choice: str) -> None:
    await user.send_command("/vota")
    for _ in STATEMENTS:
        await _next(user)
        await user.press(choice)
    await user.wait_text("Ha votato tutte le affermazioni")


async def test_telegram_deliberation_round_votes_changes_stale_pause(api: FakeBotAPI, bot: Dispatcher, db: Database,
                                                                     moderated: Settings) -> None:
    ids = await _city(db)
    async with db.transaction() as session:
        round_id = (await deliberation.open_round(session, "giugno", {}, min_votes=1, min_category_votes=1)).id
    new, enqueued = await service.invite(db, round_id, moderated)
    assert new == enqueued == 6  # one invitation each, in the communication plan's outbox
    async with db.transaction() as session:
        invitations = list(await session.scalars(select(OutboxMessage).where(OutboxMessage.dedupe_key.like("dlinv%"))))
    assert "Scriva /vota" in invitations[0].payload["html"]

    firm, other_firm = api.user(user_id=FIRMS[0], language_code="it"), api.user(user_id=FIRMS[1], language_code="it")
    citizen = api.user(user_id=CITIZENS[0], language_code="it")
    stranger = api.user(user_id=8999, language_code="it")
    async with api.polling(bot):
        # a firm votes on the first statement, then the next comes by itself
        await firm.send_command("/vota")
        first = await _next(firm)
        assert first.buttons == ["👍 D'accordo", "👎 Non d'accordo", "🤷 Passo", "⏸ Basta per ora"]
        await firm.press("👍 D'accordo", message=first)
        second = await _next(firm)
        assert first.text.endswith("Il suo voto: 👍 D'accordo") and "✓ 👍 D'accordo" in first.buttons
        # a second press on the first message changes the vote (and keeps the history)
        await firm.press("👎 Non d'accordo", message=first)
        answer = await firm.wait_callback_answer()
        assert answer.text == "Voto cambiato: 👎 Non d'accordo"
        await firm.wait_for(lambda m: m.message_id == first.message_id and "✓ 👎 Non d'accordo" in m.buttons)
        # "basta per ora" pauses; /vota shows the same statement again
        await firm.press("⏸ Basta per ora", message=second)
        await firm.wait_text("ci fermiamo qui")
        await firm.send_command("/vota")
        again = await _next(firm)
        assert again.text == second.text
        await firm.press("🤷 Passo", message=again)
        await _next(firm)
        await firm.press("👍 D'accordo")
        await firm.wait_text("Ha votato tutte le affermazioni")
        # the others vote: firms agree with everything, citizens disagree
        await _vote_all(other_firm, "👍 D'accordo")
        await _vote_all(citizen, "👎 Non d'accordo")
        # somebody not invited
        await stranger.send_command("/vota")
        await stranger.wait_text("Non c'è una consultazione aperta")
        # a participant proposes a statement: pending, shown to nobody
        await citizen.send_command("/proponi Più alberi nei cortili delle scuole")
        await citizen.wait_text("sarà letta da un moderatore")
        await other_firm.send_command("/vota")
        await other_firm.wait_text("Ha votato tutte le affermazioni")
        # the round closes: an old button is refused politely and changes nothing
        async with db.transaction() as session:
            await deliberation.close_round(session, round_id)
        await firm.press("👍 D'accordo", message=first)
        assert (await firm.wait_callback_answer()).text == "Questa consultazione è chiusa: grazie di aver partecipato!"
        # a button of another round (never shown to this user) is refused too
        await citizen.press_stale(f"dv:{round_id + 7}:{ids[0]}:a", first)
        assert (await citizen.wait_callback_answer()).text == "Questa votazione non è per lei."
        await firm.send_command("/vota")
        await firm.wait_text("Non c'è una consultazione aperta")

    async with db.transaction() as session:
        votes = {(r, s): c for r, s, c in await session.execute(
            select(Vote.respondent_id, Vote.statement_id, Vote.choice))}
        firm_id = (await repository.get_respondent(session, "telegram", str(FIRMS[0]))).id
        first_id = next(i for i, text in zip(ids, STATEMENTS) if text in first.text)
        assert votes[(firm_id, first_id)] == "disagree"
        history = [c for (c,) in await session.execute(select(VoteEvent.choice).where(
            VoteEvent.respondent_id == firm_id, VoteEvent.statement_id == first_id).order_by(VoteEvent.id))]
        assert history == ["agree", "disagree"]
        assert len(votes) == 9
        pending = await deliberation.list_statements(session, "pending")
        assert [s.text for s in pending] == ["Più alberi nei cortili delle scuole"]
    for user in (firm, other_firm, citizen, stranger):
        assert not any("alberi nei cortili" in (m.text or "") for m in user.messages if m.from_bot), user
    # the personal summary goes to the voters who opted in
    assert await service.summarise(db, round_id, moderated) == 3
    async with db.transaction() as session:
        summary = await session.scalar(select(OutboxMessage).where(OutboxMessage.dedupe_key.like("dlsum%")))
    assert "più condivise" in summary.payload["html"] or "troppo pochi" in summary.payload["html"]


async def test_telegram_deliberation_moderation_approve_edit_reject_merge(api: FakeBotAPI, bot: Dispatcher,
                                                                          db: Database) -> None:
    ids = await _city(db)
    async with db.transaction() as session:
        round_id = (await deliberation.open_round(session, "luglio", {})).id
        citizen_id = (await repository.get_respondent(session, "telegram", str(CITIZENS[0]))).id
        await deliberation.add_participants(session, round_id, [citizen_id])
    citizen = api.user(user_id=CITIZENS[0], language_code="it")
    moderator = api.user(user_id=MODERATOR, language_code="it")
    analyst = api.user(user_id=ANALYST_ID, language_code="it")
    async with api.polling(bot):
        await citizen.send_command("/modera")
        await citizen.wait_text("riservata ai moderatori")
        await citizen.send_command("/proponi Piste ciclabili più sicure verso le scuole!")  # a near-duplicate
        await citizen.wait_text("sarà letta da un moderatore")
        await citizen.send_command("/proponi Un mercato contadino ogni sabato")
        await citizen.wait_text("sarà letta da un moderatore")
        await citizen.send_command("/proponi Vietare tutto a tutti")
        await citizen.wait_text("sarà letta da un moderatore")
        await moderator.send_command("/modera")
        shown = await moderator.wait_text("Proposta #")
        assert "proposta da un partecipante" in shown.text and "Simile a #" in shown.text
        assert str(CITIZENS[0]) not in shown.text  # never who wrote it
        await moderator.press(f"🔗 Unisci a #{ids[0]}")
        await moderator.wait_text("Unita a #")
        nxt = await moderator.wait_text("Un mercato contadino")
        await moderator.press("✏️ Modifica", message=nxt)
        await moderator.wait_text("/modifica")
        proposal_id = int(nxt.text.split("#")[1].split(" ")[0])
        await moderator.send_command(f"/modifica {proposal_id} Un mercato contadino in piazza ogni sabato")
        await moderator.wait_text("approvata con il nuovo testo")
        last = await moderator.wait_text("Vietare tutto")
        await analyst.send_command("/modera")  # analysts moderate too
        await analyst.wait_text("Vietare tutto")
        await moderator.press("❌ Rifiuta", message=last)
        await moderator.wait_text("Nessuna proposta in attesa")
        # the participant now votes: the approved rewrite is among the statements, the rejected one never
        await citizen.send_command("/vota")
        seen = []
        for _ in range(4):
            m = await _next(citizen)
            seen.append(m.text)
            await citizen.press("👍 D'accordo", message=m)
        await citizen.wait_text("Ha votato tutte le affermazioni")
    assert any("mercato contadino in piazza" in t for t in seen)
    assert not any("Vietare" in t or "Piste ciclabili più sicure verso" in t for t in seen)
    async with db.transaction() as session:
        statuses = {s.text: s.status for s in await deliberation.list_statements(session)}
    assert statuses["Vietare tutto a tutti"] == "rejected"
    assert statuses["Piste ciclabili più sicure verso le scuole!"] == "merged"
