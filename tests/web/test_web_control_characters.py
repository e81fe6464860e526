"""A NUL (or another control character) never reaches the database, on either backend.

PostgreSQL cannot store a NUL in text (the request failed with a 500) and SQLite stored it
as-is. Now a typed answer with one is refused politely beside the question, with the text
given back without it; any other form field or link with one gets a polite 400; a login
with one is refused as a bad form. The same on SQLite and PostgreSQL (the `db` fixture).
"""

from __future__ import annotations

import httpx
from fastapi import FastAPI

from bot.web.auth import hash_password
from storage import Database, analysts
from tests.support.web_pages import WebUser
from tests.support.web_pages import ANALYST_PASSWORD as PASSWORD
from tests.support.web_pages import csrf_of
from tests.web.test_web_invitations import expect, interview_answers, invite

NUL = "\x00"


async def test_a_typed_answer_with_a_nul_is_refused_beside_the_question(user: WebUser, db: Database):
    token = await invite(db)
    await user.get(f"/q/ascolto?t={token}")
    page = await expect(await user.press("Accetto"), "Qual è il suo ruolo")
    for bad in (f"Segretario{NUL} generale", "Segretario\x1b[31m generale", "Presidente\x7f"):
        page = await user.type(bad)
        assert page.status == 200
        assert page.errors == [
            "Il testo contiene caratteri di controllo (per esempio un carattere nullo) che non si possono salvare. "
            "Lo riscriva senza, per favore: le risposte già date sono salve."
        ]
        await expect(page, "Qual è il suo ruolo")
        assert NUL not in page.html and "\x1b" not in page.html
    assert "Presidente</textarea>" in page.html  # the draft, without the control character
    assert await interview_answers(db) == {}
    page = await expect(await user.type("Segretario generale\n(dal 2019)\tad interim"), "In quale categoria")
    assert (await interview_answers(db))[("role", 0)] == "Segretario generale\n(dal 2019)\tad interim"


async def test_other_fields_and_links_with_a_nul_get_a_polite_400(user: WebUser, db: Database):
    token = await invite(db)
    page = await user.get(f"/q/ascolto?t={token}%00")  # %00 in the invitation link
    assert page.status == 200 and "Questo invito non risulta valido" in page.text
    page = await user.get(f"/q/ascolto?t={token}")
    consent = page.question_form()
    refused = await user.submit(consent, {"consent": f"yes{NUL}"})
    assert refused.status == 400 and "caratteri di controllo" in refused.text
    page = await expect(await user.submit(consent, {"consent": "yes"}), "Qual è il suo ruolo")
    form = page.question_form()
    for field in ("run", "key", "csrf", "action"):
        refused = await user.submit(form, {field: form.hidden.get(field, "answer") + NUL, "text": "Presidente"})
        assert refused.status == 400 and "caratteri di controllo" in refused.text, field
    refused = await user.submit(form, {f"text{NUL}": "Presidente", "action": "answer"})
    assert refused.status == 400
    assert await interview_answers(db) == {}
    page = await user.get("/privacy")
    lang = await user.client.post("/lingua", data={"csrf": csrf_of(page.html, "/lingua"), "lang": "en", "next": f"/{NUL}"})
    assert lang.status_code == 400 and "control characters" not in lang.text  # still Italian: nothing changed
    assert "caratteri di controllo" in lang.text


async def test_a_login_with_a_nul_is_refused_not_a_server_error(client: httpx.AsyncClient, app: FastAPI, db: Database):
    async with db.transaction() as session:
        await analysts.add_analyst(session, "anna", hash_password(PASSWORD), telegram_id=42)
    for username, password in ((f"anna{NUL}", PASSWORD), ("anna", PASSWORD + NUL), (f"{NUL}", "x")):
        page = await client.get("/analisi/accesso")
        response = await client.post("/analisi/accesso", data={
            "csrf": csrf_of(page.text, "/analisi/accesso"), "username": username, "password": password})
        assert response.status_code == 400, username
        assert "caratteri di controllo" in response.text
        assert response.url.path == "/analisi/accesso"
    page = await client.get("/analisi/accesso")
    response = await client.post("/analisi/accesso", data={
        "csrf": csrf_of(page.text, "/analisi/accesso"), "username": "anna", "password": PASSWORD})
    assert response.status_code == 200 and response.url.path == "/analisi"  # not locked out by those
