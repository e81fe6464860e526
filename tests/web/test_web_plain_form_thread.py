"""Plain forms (JavaScript off): the page after each answer shows the whole conversation so far.

The page right after an answer's post (its 303 → GET) is built from what the post committed,
and its thread from the one the page before showed plus what the answer added
(bot.web.citizen.WebChannel._thread_after). What the user would notice if that went wrong: a
thread that differs from the one a reload shows — a missing note, a stale answer after going
back and answering again, a question twice.
"""

from __future__ import annotations

from tests.support.web_pages import Page, WebUser
from tests.web.test_web_answer_fragment import thread_of


async def answer_something(user: WebUser, page: Page, step: int) -> Page:
    """Whatever the question asks for: its first button, its first box, or a number typed."""
    form = page.question_form()
    choices = [b for b in form.buttons if b.name == "choice"]
    if choices:
        return await user.submit(form, {"choice": choices[step % len(choices)].value})
    if form.checkboxes:
        return await user.tick(form.checkboxes[step % len(form.checkboxes)].label)
    return await user.submit(form, {form.fields[0]: str(step + 1), "action": "answer"})


async def test_each_page_after_an_answer_shows_the_thread_a_reload_shows(user: WebUser):
    page = await user.get("/q/imprese")
    page = await user.press(page.question_form().buttons[0].text)  # accept
    seen = 0
    for step in range(12):
        if step in (4, 8):  # back rewrites the thread; then a different answer to the same question
            page = await user.submit(page.question_form(), {"action": "back"})
        else:
            page = await answer_something(user, page, step)
        after_post = thread_of(page.html)
        reload = await user.get("/q/imprese")
        assert after_post == thread_of(reload.html), f"step {step}"
        assert len(after_post) >= seen or step in (4, 8)
        seen = len(after_post)
        page = reload
    assert seen > 8  # the run went well past its first questions (and their notes)


async def test_another_tab_answering_in_between_is_shown_on_the_next_page(user: WebUser, client):
    page = await user.get("/q/imprese")
    page = await user.press(page.question_form().buttons[0].text)
    page = await answer_something(user, page, 0)
    page = await answer_something(user, page, 1)
    # the same browser's second tab answers the current question, then this tab's stale form is sent
    other = WebUser(client)
    other.page = await other.get("/q/imprese")
    await answer_something(other, other.page, 2)
    refused = await answer_something(user, page, 3)  # that question is closed now: refused, page shown anew
    reload = await user.get("/q/imprese")
    assert thread_of(refused.html) == thread_of(reload.html)
    after = await answer_something(user, reload, 4)
    assert thread_of(after.html) == thread_of((await user.get("/q/imprese")).html)
