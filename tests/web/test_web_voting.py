"""The web's /vota and /notizie (the chat's /vota, /iscriviti, /disiscrivi) through the plain forms.

Same stores as the chat: the vote rows and their history (storage.deliberation), the newsletter
consent under the notice's version (storage.audiences reads it). Refusals change nothing.
"""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from storage import Database, audiences, deliberation
from storage.models import Consent, Vote, VoteEvent, utcnow
from tests.support.web_pages import Page, WebUser

STATEMENTS = ("Più piste ciclabili in centro città", "Un teatro aperto ai giovani ogni sera")


async def open_round(db: Database, segment: dict | None = None) -> int:
    async with db.transaction() as session:
        for text in STATEMENTS:
            await deliberation.add_statement(session, text, "moderator", status=deliberation.APPROVED)
        return (await deliberation.open_round(session, "Consultazione di prova", segment or {})).id


async def consented(user: WebUser) -> Page:
    """A browser that accepted to take part (the consent every questionnaire asks first)."""
    await user.get("/q/visione")
    return await user.press("Accetto")


def form_of(page: Page, target: str, **hidden: str):
    found = [f for f in page.forms() if f.action == target and all(f.hidden.get(k) == v for k, v in hidden.items())]
    assert found, [(f.action, f.hidden) for f in page.forms()]
    return found[0]


async def press(user: WebUser, page: Page, value: str) -> Page:
    """Press the /vota button whose value is ``value`` ("join", "pause")."""
    found = [(f, b) for f in page.forms() if f.action == "/vota" for b in f.buttons if b.value == value]
    assert found, page.text[-400:]
    form, button = found[0]
    return await user.submit(form, {button.name: button.value})


async def subscribe(user: WebUser) -> Page:
    page = await user.get("/notizie")
    return await user.submit(form_of(page, "/notizie"), {"newsletter": "yes"})


async def news_consents(db: Database) -> list[tuple[bool, str]]:
    async with db.transaction() as session:
        rows = await session.execute(select(Consent.granted, Consent.notice_version)
                                     .where(Consent.purpose == audiences.NEWSLETTER).order_by(Consent.id))
        return [(bool(g), v) for g, v in rows]


async def test_subscribing_needs_consent_first_and_withdrawing_never(user: WebUser, db: Database, app):
    page = await user.get("/notizie")
    assert "Non ti sei iscritto" in page.text and "serve prima il consenso a partecipare" in page.text
    await consented(user)
    page = await subscribe(user)
    assert "Fatto: ricevi gli aggiornamenti del piano" in page.text and "Ricevi gli aggiornamenti" in page.text
    version = app.state.web.conversation.notice.version
    assert await news_consents(db) == [(True, version)]  # the chat's consent, versioned as the notice
    page = await user.get("/privacy")
    assert "/disiscrivi" not in page.text  # the chat's command has no meaning here: the page has the button
    page = await user.submit(form_of(page, "/notizie", next="/privacy"), {"newsletter": "no"})
    assert "non riceverai più aggiornamenti" in page.text and "Non ricevi gli aggiornamenti" in page.text
    assert await news_consents(db) == [(True, version), (False, version)]


async def test_news_forms_without_the_csrf_token_are_refused(user: WebUser, db: Database):
    await consented(user)
    response = await user.client.post("/notizie", data={"newsletter": "yes"})
    assert response.status_code == 403 and await news_consents(db) == []
    rid = await open_round(db)
    response = await user.client.post("/vota", data={"action": "join", "round": str(rid)})
    assert response.status_code == 403


async def test_the_end_of_a_questionnaire_offers_the_news_once(user: WebUser, db: Database):
    await consented(user)
    page = await user.type("38")
    page = await user.press("Cremona, quartieri")
    page = await user.tick("Ci vivo")
    page = await user.tick("Città digitale")
    page = await user.type("Una città più verde e viva per tutti")
    page = await user.type("Le piste")
    assert "Vuoi ricevere gli aggiornamenti del piano" in page.text
    page = await user.submit(form_of(page, "/notizie"), {"newsletter": "no"})
    assert "Va bene: non riceverai aggiornamenti" in page.text
    assert "Le piste" in page.text  # back on the end page, the conversation still read back
    assert "Vuoi ricevere gli aggiornamenti del piano" not in page.text  # answered: not asked again
    assert [g for g, _ in await news_consents(db)] == [False]


async def test_a_subscriber_joins_votes_changes_pauses_and_resumes(user: WebUser, db: Database):
    rid = await open_round(db)
    await consented(user)
    page = await user.get("/vota")
    assert "Non c'è una consultazione aperta per te" in page.text  # not subscribed: not in the round's audience
    await subscribe(user)
    page = await user.get("/vota")
    assert "È aperta la consultazione «Consultazione di prova»" in page.text
    page = await press(user, page, "join")
    assert "Affermazione 1 di 2" in page.text
    first = form_of(page, "/vota", action="vote")
    shown = first.hidden["statement"]
    page = await user.get("/vota")  # a reload shows the same statement
    assert form_of(page, "/vota", action="vote").hidden["statement"] == shown
    page = await user.submit(first, {"choice": "agree"})
    assert "Voto registrato." in page.text and "Affermazione 2 di 2" in page.text
    change = [f for f in page.forms() if f.hidden.get("statement") == shown]
    page = await user.submit(change[0], {"choice": "disagree"})  # the last vote changed
    assert "Voto cambiato" in page.text and "Affermazione 2 di 2" in page.text
    page = await press(user, page, "pause")  # "Basta per ora"
    assert "ci fermiamo qui" in page.text and "Affermazione" not in page.text
    page = await user.get("/vota?riprendi=1")
    assert "Affermazione 2 di 2" in page.text
    page = await user.submit(form_of(page, "/vota", action="vote"), {"choice": "pass"})
    assert "Hai votato tutte le affermazioni per ora" in page.text
    async with db.transaction() as session:
        votes = sorted((await session.execute(select(Vote.choice).where(Vote.round_id == rid))).scalars())
        presses = len((await session.execute(select(VoteEvent.id).where(VoteEvent.round_id == rid))).all())
    assert votes == ["disagree", "pass"] and presses == 3  # every press kept in the history


async def test_a_vote_on_a_closed_round_changes_nothing(user: WebUser, db: Database):
    rid = await open_round(db)
    await consented(user)
    await subscribe(user)
    page = await user.get("/vota")
    page = await press(user, page, "join")
    form = form_of(page, "/vota", action="vote")
    async with db.transaction() as session:
        round_ = await deliberation.get_round(session, rid)
        round_.closes_at = utcnow() - timedelta(minutes=1)  # type: ignore[union-attr]
    page = await user.submit(form, {"choice": "agree"})
    assert page.status == 200 and "Questa consultazione è chiusa" in page.text
    async with db.transaction() as session:
        assert (await session.execute(select(Vote.id))).first() is None


async def test_a_round_for_another_segment_is_not_offered(user: WebUser, db: Database):
    await open_round(db, {"completed": ["imprese"]})
    await consented(user)
    await subscribe(user)
    page = await user.get("/vota")
    assert "Non c'è una consultazione aperta per te" in page.text
