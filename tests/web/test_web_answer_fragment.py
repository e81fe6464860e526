"""The answer's fragment (what static/answer.js asks for): only what the answer changed on the page.

What the user would notice: the bubbles a fragment adds are the thread a reload shows, a refused
answer comes back with its message and the typed text, "back" (which rewrites the thread) gets
the whole page, and an answer sent twice is stored once.
"""

from __future__ import annotations

import re
from html import unescape

import httpx
from sqlalchemy import func, select

from storage import Database
from storage.models import Answer
from tests.support.web_pages import Page, WebUser

FRAGMENT = {"Sec-Fetch-Mode": "cors", "Sec-Fetch-Dest": "empty", "Sec-Fetch-Site": "same-origin",
            "X-Scenari-Fragment": "answer"}
BUBBLE = re.compile(r'<li class="bubble [^"]*"( data-once)?><span class="visually-hidden">[^<]*</span> <span class="text">(.*?)</span></li>', re.S)


async def answers(db: Database) -> int:
    async with db.transaction() as session:
        return int(await session.scalar(select(func.count()).select_from(Answer)) or 0)


def thread_of(html: str) -> list[str]:
    return [" ".join(unescape(text).split()) for _, text in BUBBLE.findall(html)]


class ScriptedUser:
    """What answer.js does with the responses: appends the fragment's bubbles, swaps the question."""

    def __init__(self, user: WebUser, page: Page) -> None:
        self.user = user
        self.thread = thread_of(page.html)
        self.page = page

    async def send(self, extra: dict[str, str]) -> httpx.Response:
        form = self.page.question_form()
        response = await self.user.client.post(form.action, data={**form.hidden, **extra}, headers=FRAGMENT)
        assert response.status_code == 200
        if response.headers.get("x-scenari-fragment") == "answer":
            for once, text in BUBBLE.findall(response.text):
                text = " ".join(unescape(text).split())
                if not (once and text in self.thread):
                    self.thread.append(text)
        else:  # a whole page: it replaces the page's main
            self.thread = thread_of(response.text)
        self.page = Page(response)
        return response

    async def press(self, label: str) -> httpx.Response:
        button = self.page.question_form().button(label)
        return await self.send({button.name: button.value})

    async def type(self, text: str) -> httpx.Response:
        return await self.send({"text": text, "action": "answer"})


async def consented(user: WebUser) -> Page:
    page = await user.get("/q/imprese")
    return await user.press(page.question_form().buttons[0].text)  # accept


async def test_the_fragments_add_up_to_the_thread_a_reload_shows(user: WebUser, db: Database):
    script = ScriptedUser(user, await consented(user))
    first = script.page.question
    response = await script.press("Costruzioni")
    assert response.headers["x-scenari-fragment"] == "answer"
    assert "<html" not in response.text and "<footer" not in response.text  # not a page: the changes only
    assert script.thread[-2:] == [first, "Costruzioni"]
    assert script.page.question.startswith("Quanti addetti")
    form = script.page.question_form()
    assert form.hidden["key"] == "employees" and form.hidden["run"] and form.hidden["csrf"]
    assert await answers(db) == 1  # committed before the fragment was sent

    await script.press("1–9")
    await script.press("Crema")
    await script.send({"selected": ["1", "2"], "action": "done"})  # type: ignore[dict-item]
    await script.type("Un forno elettrico")
    await script.press("Sì, occasionalmente")
    asked = script.page.question

    refused = await script.type("circa un terzo")  # not a number
    assert refused.headers["x-scenari-fragment"] == "answer"
    assert script.page.question == asked and script.page.errors == ["Serve un numero, per esempio 3,5."]
    assert 'value="circa un terzo"' in refused.text  # the typed text, kept to correct
    await script.type("5")
    assert "Con chi collabora" in script.page.question

    reload = await user.get("/q/imprese")
    assert reload.question == script.page.question
    assert thread_of(reload.html) == script.thread  # what the fragments added is what the page holds
    assert await answers(db) == 7


async def test_back_gets_the_whole_page_and_a_resent_answer_is_stored_once(user: WebUser, db: Database):
    script = ScriptedUser(user, await consented(user))
    first = script.page.question
    await script.press("Costruzioni")
    sent = {**script.page.question_form().hidden, "choice": "micro"}
    response = await user.client.post("/q/imprese", data=sent, headers=FRAGMENT)
    assert response.headers.get("x-scenari-fragment") == "answer" and await answers(db) == 2
    again = await user.client.post("/q/imprese", data=sent, headers=FRAGMENT)  # a retry, a double click
    assert again.status_code == 200 and await answers(db) == 2  # the closed question's answer: not stored
    assert Page(again).question == Page(response).question  # the question the run stands at

    script.page = Page(response)
    back = await script.send({"action": "back"})
    assert "x-scenari-fragment" not in back.headers and "<main" in back.text  # the thread changed: all of it
    assert script.page.question.startswith("Quanti addetti")
    assert first in script.thread and "1–9" not in script.thread
    assert thread_of((await user.get("/q/imprese")).html) == script.thread
