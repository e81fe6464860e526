"""Invitation links in the browser: the invited person answers a closed questionnaire to the end.

The listening interview (`ascolto`) is closed: it opens only through a personal invitation link,
`/q/ascolto?t=<token>`. These tests walk it through the plain HTML forms (JavaScript off) over
every kind of step it has — text with a follow-up, single choice, a repeat group with "add
another?", a ranking, multiple choices (one list filled at run time from the register, filtered
by an earlier answer), yes/no, skipping, the review step with a change — and check what is
stored, who may come back, and that nobody else can use the link.
"""

from __future__ import annotations

from typing import Any

import httpx
from fastapi import FastAPI
from sqlalchemy import select

from storage import Database, register
from storage.models import Answer, Respondent, Run
from storage.register import ActorRow
from tests.support.web_pages import Page, WebUser, asgi_client

INVITED = "Confartigianato Cremona"


async def invite(db: Database) -> str:
    """The register of three actors and an invitation for the first, as `scenari actors invite` makes."""
    async with db.transaction() as session:
        await register.import_actors(session, [
            ActorRow("confart", INVITED, "trade_association", None, 2),
            ActorRow("uil", "UIL Cremona", "union", None, 3),
            ActorRow("arvedi", "Arvedi", "firm", None, 4),
        ])
        actor = await register.get_actor(session, "confart")
        assert actor is not None
        return (await register.create_invitation(session, actor)).token


async def interview_answers(db: Database) -> dict[tuple[str, int], Any]:
    async with db.transaction() as session:
        rows = await session.execute(
            select(Answer.question_key, Answer.item_index, Answer.value)
            .join(Run, Run.id == Answer.run_id)
            .join(Respondent, Respondent.id == Run.respondent_id)
            .where(Respondent.channel == "web", Run.questionnaire_id == "ascolto", Answer.is_current.is_(True))
        )
        return {(key, index): value for key, index, value in rows.all()}


async def choose(user: WebUser, value: str) -> Page:
    """Press the option button whose value is ``value`` (single choice, ranking, review)."""
    assert user.page is not None
    form = user.page.question_form()
    assert any(b.name == "choice" and b.value == value for b in form.buttons), [b.value for b in form.buttons]
    return await user.submit(form, {"choice": value})


async def expect(page: Page, question: str) -> Page:
    assert page.status == 200, page.text[:500]
    assert question in page.question, f"expected {question!r}, the page asks {page.question!r}: {page.text[-600:]}"
    form = page.question_form()
    assert form.hidden.get("key") and (form.buttons or form.fields or form.checkboxes)
    return page


async def test_an_invited_person_answers_the_listening_interview_to_the_end(user: WebUser, db: Database):
    token = await invite(db)
    page = await user.get(f"/q/ascolto?t={token}")
    assert page.status == 200 and "Accetta di partecipare?" in page.text
    page = await user.press("Accetto")
    assert f"l'intervista di ascolto per «{INVITED}»" in page.text
    await expect(page, "Qual è il suo ruolo")

    page = await user.get(f"/q/ascolto?t={token}")  # the link again: the same form, nothing lost
    assert "Riprendiamo" in page.text
    await expect(page, "Qual è il suo ruolo")

    page = await expect(await user.type("Segretario generale"), "In quale categoria")              # text
    page = await expect(await user.press("Associazioni di categoria"), "Obiettivo 1 — Quale obiettivo")  # single
    page = await expect(await user.type("boh"), "Può dirmi qualcosa di più?")                        # follow-up
    page = await expect(await user.type("Più formazione tecnica per le imprese artigiane"), "Obiettivo 1 — In che orizzonte")
    page = await expect(await user.press("Medio termine (2–5 anni)"), "un altro obiettivo")          # add another?
    page = await expect(await user.press("Sì"), "Obiettivo 2 — Quale obiettivo")
    page = await expect(await user.type("Un distretto della liuteria aperto ai giovani"), "Obiettivo 2 — In che orizzonte")
    page = await expect(await user.press("Lungo termine (oltre 5 anni)"), "un altro obiettivo")
    page = await expect(await user.press("No"), "tre priorità strategiche")
    assert "Un distretto della liuteria aperto ai giovani" in page.text  # the thread reads repeat items back

    # ranking: each press puts the next item in the order; pressing again takes it out
    for value in ("innovazione", "tradizione", "collaborazione"):
        page = await choose(user, value)
    assert "1º Innovazione" in page.text and "3º Collaborazione tra attori" in page.text
    page = await choose(user, "tradizione")
    assert "2º Collaborazione tra attori" in page.text and "Tradizione e identità" in page.text
    page = await choose(user, "musica_liuteria")
    assert "3º Musica e liuteria" in page.text
    page = await expect(await user.press("Conferma l'ordine"), "Come vede Cremona")

    page = await user.tick("Innovare partendo dalla tradizione", "Custodire la tradizione", "Una città che collabora e fa rete")
    assert page.errors, "three visions where two at most are allowed"                               # multiple, max 2
    page = await expect(await user.tick("Innovare partendo dalla tradizione"), "che città immagina")
    page = await expect(await user.press("Salta la domanda"), "Su quali risorse")                      # optional: skip
    page = await expect(await user.tick("Musica e liuteria", "Qualità della vita"), "Con quali tipi di attori collabora")
    page = await expect(await user.tick("Sindacati"), "Con quali di questi collabora?")
    form = page.question_form()
    assert [b.label for b in form.checkboxes] == ["UIL Cremona"]  # the register, filtered by the category
    page = await expect(await user.tick("UIL Cremona"), "vorrebbe collaborare in futuro")
    page = await expect(await user.press("Salta la domanda"), "porta avanti progetti")
    page = await expect(await user.press("Sì"), "Progetto 1 — Titolo del progetto")                   # yes/no
    page = await expect(await user.type("Bottega scuola"), "Progetto 1 — A che punto è?")
    page = await expect(await user.press("In progettazione"), "Progetto 1 — A quale tema")
    page = await expect(await user.press("Innovazione"), "Progetto 1 — In poche righe")
    page = await expect(await user.type("Apprendistato in bottega per venti giovani ogni anno"), "un altro progetto")
    page = await user.press("No")

    # the review: every answer, a button to change each, and submit
    assert "Bottega scuola" in page.text and "UIL Cremona" in page.text
    review = page.question_form()
    change_role = next(b for b in review.buttons if "Qual è il suo ruolo" in b.text)
    page = await expect(await user.submit(review, {"choice": change_role.value}), "Qual è il suo ruolo")
    page = await user.type("Direttore")
    assert "Direttore" in page.text and any(b.value == "_submit" for b in page.question_form().buttons)
    page = await choose(user, "_submit")
    assert page.status == 200 and "Intervista completata" in page.text
    assert "il suo contributo entra nell'analisi" in page.text

    stored = await interview_answers(db)
    assert stored[("role", 0)] == "Direttore"
    assert stored[("category", 0)] == "trade_association"
    assert stored[("objective", 0)] == "boh" and stored[("objective_more", 0)].startswith("Più formazione")
    assert stored[("horizon", 1)] == "long"
    assert stored[("priorities", 0)] == ["innovazione", "collaborazione", "musica_liuteria"]
    assert stored[("visions", 0)] == ["citta_innovazione"]
    assert stored[("vision_text", 0)] is None
    assert stored[("collaborates_with", 0)] == ["uil"]
    assert stored[("project_title", 0)] == "Bottega scuola"
    async with db.transaction() as session:
        actor = await register.get_actor(session, "confart")
        assert actor is not None and actor.state == "answered"

    page = await user.get("/q/ascolto")  # coming back later: thanked, nothing to restart
    assert page.status == 200 and "Ha già completato questa intervista" in page.text
    assert not any(b.name == "start" for f in page.forms() for b in f.buttons)


async def test_the_link_is_bound_to_the_browser_that_accepted_it(user: WebUser, app: FastAPI, db: Database):
    token = await invite(db)
    await user.get(f"/q/ascolto?t={token}")
    page = await expect(await user.press("Accetto"), "Qual è il suo ruolo")
    page = await expect(await user.type("Presidente"), "In quale categoria")

    async with asgi_client(app) as other_client:  # someone else opens the same link
        other = WebUser(other_client)
        page = await other.get(f"/q/ascolto?t={token}")
        assert page.status == 200 and "già stato usato da un'altra persona" in page.text
        assert not any(b.name in ("consent", "choice") for f in page.forms() for b in f.buttons)
        page = await other.get("/q/ascolto")  # no token, no run: the interview is not theirs
        assert "manca il codice" in page.text and 'name="key"' not in page.html
        forged = httpx.Response(200, text=user.page.html if user.page else "")
        form = Page(forged).question_form()
        refused = await other.submit(form, {"choice": "firm"})
        assert 'name="key"' not in refused.html
    assert ("category", 0) not in await interview_answers(db)

    page = await user.get("/q/ascolto")  # the invited browser resumes where it was
    await expect(page, "In quale categoria")
    page = await expect(await user.press("Imprese"), "Obiettivo 1 — Quale obiettivo")
    assert (await interview_answers(db))[("category", 0)] == "firm"
