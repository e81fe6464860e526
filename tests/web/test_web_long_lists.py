"""The web, a long list, JavaScript off: the usual municipalities are buttons; "🔎 Altro" opens
a text field, the typed letters come back as buttons of the matches, one press answers. imprese speaks «Lei» (its `register: lei`), and so do its search hints."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select

from bot.web.session import SESSION_COOKIE
from storage import Database
from storage.models import Answer, Respondent, Run
from tests.support.web_pages import Page, WebUser


async def _answers(db: Database, user: WebUser) -> dict[str, Any]:
    external_id = (user.cookie(SESSION_COOKIE) or "").rsplit(".", 1)[0]
    async with db.transaction() as session:
        rows = await session.execute(
            select(Answer.question_key, Answer.value)
            .join(Run, Run.id == Answer.run_id)
            .join(Respondent, Respondent.id == Run.respondent_id)
            .where(Respondent.channel == "web", Respondent.external_id == external_id, Answer.is_current.is_(True))
        )
        return dict(rows.all())


def _buttons(page: Page) -> list[str]:
    return [b.text for b in page.question_form().buttons if b.name == "choice"]


async def _to_the_town(user: WebUser) -> Page:
    await user.get("/q/imprese")
    page = await user.press("Accetto")
    assert _buttons(page)[-1] == "🔎 Altro: scriva per cercare"
    await user.press("Manifattura e industria")
    page = await user.press("1–9")
    assert page.question.startswith("In quale comune")
    assert _buttons(page) == ["Cremona", "Crema", "Casalmaggiore", "Soresina", "Castelleone", "Pizzighettone",
                              "🔎 Altro: scriva per cercare"]
    return page


async def test_a_town_off_the_buttons_by_typing_then_pressing_a_match(user: WebUser, db: Database):
    await _to_the_town(user)
    page = await user.press("🔎 Altro: scriva per cercare")
    assert page.question.startswith("In quale comune") and _buttons(page) == []
    assert page.question_form().fields == ["text"]  # a text field to type in
    assert '<input type="text" id="answer" name="text"' in page.html  # one line, a name, not a textarea
    assert "Scriva le prime lettere del nome" in page.text
    page = await user.type("casal")
    assert page.question.startswith("In quale comune") and page.errors == []
    assert _buttons(page)[:2] == ["Casalbuttano ed Uniti", "Casale Cremasco-Vidolasco"]
    assert _buttons(page)[-1] == "🔎 Cerca di nuovo"
    page = await user.press("Casaletto di Sopra")
    assert page.question.startswith("Negli ultimi tre anni")
    assert (await _answers(db, user))["municipality"] == "casaletto_di_sopra"


async def test_nothing_found_keeps_the_text_then_a_unique_start_answers(user: WebUser, db: Database):
    await _to_the_town(user)
    await user.press("🔎 Altro: scriva per cercare")
    page = await user.type("Milano")
    assert page.errors == ["Nessuna voce corrisponde a «Milano»: provi con le prime lettere del nome."]
    assert 'value="Milano"' in page.html or ">Milano<" in page.html  # the draft is kept to correct
    page = await user.type("Vailat")
    assert page.question.startswith("Negli ultimi tre anni")
    assert (await _answers(db, user))["municipality"] == "vailate"
