"""The web's parity with the chat's /proponi and the summary of a closed round, on /vota (issue 19).

A web participant proposes a statement (pending, its author kept, never put to the vote before
a moderator approves it), politely refused when empty, too long, too many or outside a round.
When a round is closed, a web voter who agreed to the news finds the chat's personal summary
— the very statements :func:`bot.service.deliberation.summarise` writes to a Telegram voter,
with the same suppression — with their own vote beside each.
"""

from __future__ import annotations

from sqlalchemy import select

from bot.service import deliberation as service
from bot.service.communication import set_subscription
from storage import Database, deliberation, repository
from storage.models import OutboxMessage, Respondent, Statement
from tests.support.web_pages import Form, Page, WebUser
from tests.web.test_web_voting import STATEMENTS, consented, form_of, open_round, press, subscribe


async def joined(user: WebUser, db: Database) -> tuple[int, Page]:
    rid = await open_round(db)
    await consented(user)
    await subscribe(user)
    page = await press(user, await user.get("/vota"), "join")
    return rid, page


async def propose(user: WebUser, page: Page, text: str) -> Page:
    """Type ``text`` in the page's proposal form and send it."""
    found = [f for f in page.forms() if f.action == "/vota" and "text" in f.fields]
    assert found, "no proposal form"
    return await user.submit(found[0], {"text": text, "action": "propose"})


async def pending(db: Database) -> list[tuple[str, str, str | None]]:
    async with db.transaction() as session:
        rows = await session.execute(select(Statement.text, Statement.source, Respondent.channel)
                                     .outerjoin(Respondent, Respondent.id == Statement.author_respondent_id)
                                     .where(Statement.status == deliberation.PENDING).order_by(Statement.id))
        return [tuple(r) for r in rows]  # type: ignore[misc]


async def test_a_participant_proposes_and_is_refused_politely(user: WebUser, db: Database):
    page = await user.get("/vota")
    assert "Proponi un'affermazione" not in page.text  # no round: nothing to propose to
    _, page = await joined(user, db)
    page = await propose(user, page, "")
    assert "Scrivi la tua proposta prima di inviarla" in page.text and await pending(db) == []
    long = "Una proposta lunghissima " * 8
    page = await propose(user, page, long)
    assert "La proposta è un po' lunga: al massimo 140 caratteri (questa ne ha 199)" in page.text
    assert " ".join(long.split()) in page.html  # given back in the field, to shorten
    page = await propose(user, page, "  Più   alberi nei cortili\n delle scuole  ")
    assert "Grazie! La tua proposta sarà letta da un moderatore" in page.text
    assert await pending(db) == [("Più alberi nei cortili delle scuole", "participant", "web")]
    assert "Affermazione 1 di 2" in page.text  # pending: never put to the vote
    for n in range(4):
        page = await propose(user, page, f"Una piazza per i ragazzi numero {n}")
    page = await propose(user, page, "Una proposta di troppo per oggi")
    assert "Hai già 5 proposte in attesa di un moderatore" in page.text and len(await pending(db)) == 5
    csrf_less = await user.client.post("/vota", data={"action": "propose", "text": "Senza il token della pagina"})
    assert csrf_less.status_code == 403 and len(await pending(db)) == 5


async def test_a_proposal_outside_a_round_changes_nothing(user: WebUser, db: Database):
    await consented(user)
    page = await user.get("/vota")
    csrf = [f for f in page.forms() if "csrf" in f.hidden][0].hidden["csrf"]
    page = await user.submit(Form(action="/vota", method="post", hidden={"csrf": csrf}),
                             {"action": "propose", "text": "Più verde in ogni quartiere"})
    assert "Non c'è una consultazione aperta per te" in page.text and await pending(db) == []


async def _others_vote(db: Database, rid: int) -> list[int]:
    """Four Telegram voters who agreed to the news: all agree with the first statement, disagree with the second."""
    ids = []
    async with db.transaction() as session:
        statements = {s.text: s.id for s in await deliberation.list_statements(session, deliberation.APPROVED)}
        for n in range(4):
            person = await repository.get_or_create_respondent(session, "telegram", str(5000 + n))
            await set_subscription(session, person, True)
            await deliberation.add_participants(session, rid, [person.id], status="active")
            await deliberation.record_vote(session, rid, statements[STATEMENTS[0]], person.id, "agree")
            await deliberation.record_vote(session, rid, statements[STATEMENTS[1]], person.id, "disagree")
            ids.append(person.id)
    return ids


async def _vote_all(user: WebUser, page: Page, db: Database) -> dict[str, str]:
    """The web user agrees with the first statement shown, disagrees with the second: text → choice."""
    mine = {}
    async with db.transaction() as session:
        texts = {str(s.id): s.text for s in await deliberation.list_statements(session, deliberation.APPROVED)}
    for choice in ("agree", "disagree"):
        form = [f for f in page.forms() if f.hidden.get("action") == "vote" and len(f.buttons) == 3][0]  # not "change"
        mine[texts[form.hidden["statement"]]] = choice
        page = await user.submit(form, {"choice": choice})
    return mine


async def test_a_closed_round_shows_the_chats_summary_with_my_votes(user: WebUser, db: Database, web_settings):
    rid, page = await joined(user, db)
    mine = await _vote_all(user, page, db)
    others = await _others_vote(db, rid)
    page = await user.get("/vota")
    assert "Com'è andata" not in page.text  # still open: no summary yet
    async with db.transaction() as session:
        await deliberation.close_round(session, rid)
    assert await service.summarise(db, rid, web_settings) == 4  # the chat's summaries, to the Telegram voters
    async with db.transaction() as session:
        chat = (await session.scalars(select(OutboxMessage).where(OutboxMessage.respondent_id == others[0]))).one()
    sent = [line.split(". ", 1)[1] for line in chat.payload["html"].split("\n")[1:]]
    assert sent and set(sent) <= set(STATEMENTS)
    page = await user.get("/vota")
    assert "Com'è andata: «Consultazione di prova»" in page.text and "grazie dei tuoi 2 voti" in page.text
    label = {"agree": "👍 D'accordo", "disagree": "👎 Non d'accordo"}
    shown = [page.text.index(f"«{text}» — il tuo voto: {label[mine[text]]}") for text in sent]
    assert shown == sorted(shown)  # the chat's statements, in the chat's order, each with my vote
    async with db.transaction() as session:
        assert (await session.scalars(select(OutboxMessage).where(OutboxMessage.chat_id.is_(None)))).first() is None
    # withdrawing the news withdraws the summary, as in the chat
    page = await user.submit(form_of(await user.get("/notizie"), "/notizie"), {"newsletter": "no"})
    assert "Com'è andata" not in (await user.get("/vota")).text


async def test_too_few_votes_are_not_a_result(user: WebUser, db: Database):
    rid, page = await joined(user, db)
    await _vote_all(user, page, db)
    async with db.transaction() as session:
        await deliberation.close_round(session, rid)
    page = await user.get("/vota")
    assert "I voti sono ancora troppo pochi per indicare affermazioni condivise" in page.text
    assert "il tuo voto" not in page.text and STATEMENTS[0] not in page.text and STATEMENTS[1] not in page.text
