"""Answering without the redirect: a page script's fetch() gets the next page in the POST's response.

A plain form submission keeps post/redirect/get; either way a POST sent twice stores one answer,
and a page view that must change the run (a paused run resumed) still does, as a writer.
"""

from __future__ import annotations

from sqlalchemy import func, select, update

from storage import Database
from storage.models import Answer, Run
from tests.support.web_pages import Page, WebUser

FETCH = {"Sec-Fetch-Mode": "cors", "Sec-Fetch-Dest": "empty", "Sec-Fetch-Site": "same-origin"}
NAVIGATE = {"Sec-Fetch-Mode": "navigate", "Sec-Fetch-Dest": "document"}


async def answers(db: Database) -> int:
    async with db.transaction() as session:
        return int(await session.scalar(select(func.count()).select_from(Answer)) or 0)


async def consented(user: WebUser) -> Page:
    page = await user.get("/q/imprese")
    page = await user.press(page.question_form().buttons[0].text)  # the consent form's first button: accept
    assert page.status == 200 and page.question_form().buttons, page.text[:300]
    return page


def first_choice(page: Page) -> dict[str, str]:
    form = page.question_form()
    button = form.buttons[0]
    return {**form.hidden, button.name: button.value}


async def test_a_fetch_gets_the_next_question_in_the_response_and_a_resent_post_stores_nothing(
    user: WebUser, db: Database
):
    page = await consented(user)
    first = page.question
    data = first_choice(page)
    response = await user.client.post("/q/imprese", data=data, headers=FETCH)
    assert response.status_code == 200 and not response.history  # no redirect to follow
    after = Page(response)
    assert after.question and after.question != first  # the next question, rendered at once
    assert await answers(db) == 1  # committed before the page was sent

    again = Page(await user.client.post("/q/imprese", data=data, headers=FETCH))  # double click, retry
    assert again.status == 200 and again.question == after.question  # still the next question
    assert await answers(db) == 1  # the closed question's answer was not stored twice

    reload = await user.get("/q/imprese")  # a reload is a GET of where the run stands
    assert reload.question == after.question and await answers(db) == 1


async def test_a_plain_form_submission_keeps_post_redirect_get(user: WebUser, db: Database):
    page = await consented(user)
    data = first_choice(page)
    response = await user.client.post("/q/imprese", data=data, headers=NAVIGATE, follow_redirects=False)
    assert response.status_code == 303 and response.headers["location"].startswith("/q/imprese")
    resent = await user.client.post("/q/imprese", data=data, headers=NAVIGATE, follow_redirects=False)
    assert resent.status_code == 303  # a resent form (reload after the POST) …
    assert await answers(db) == 1  # … stores nothing more


async def test_a_page_view_of_a_paused_run_resumes_it(user: WebUser, db: Database):
    page = await consented(user)
    question = page.question
    async with db.transaction() as session:  # paused elsewhere (the chat's /pausa, the same respondent)
        run = await session.scalar(select(Run))
        assert run is not None
        await session.execute(update(Run).where(Run.id == run.id).values(
            status="paused", state={**run.state, "status": "paused"}))
    page = await user.get("/q/imprese")  # a read at first; resuming writes, so it is redone as a writer
    assert page.status == 200 and page.question == question
    async with db.transaction() as session:
        assert await session.scalar(select(Run.status)) == "active"
