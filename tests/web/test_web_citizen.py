"""A citizen answers `imprese` in the browser channel through plain HTML forms (JavaScript off).

Everything goes through the real ASGI app and the real database (SQLite, and PostgreSQL when
configured): consent, buttons, checkboxes, typed answers, back, skip, bad input, a stale form,
resume with the same cookie, the privacy page and erasure, the language switch, CSRF.
"""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import func, select

from bot.web.session import SESSION_COOKIE
from storage import Database
from storage.models import Answer, Consent, Respondent, Run, RunOutcome
from tests.support.web_pages import WebUser, asgi_client as client_for


def respondent_ref(user: WebUser) -> str:
    cookie = user.cookie(SESSION_COOKIE)
    assert cookie, "the site set no session cookie"
    return cookie.rsplit(".", 1)[0]  # "<random id>.<signature>"


async def web_answers(db: Database, external_id: str) -> dict[str, Any]:
    async with db.transaction() as session:
        rows = await session.execute(
            select(Answer.question_key, Answer.value)
            .join(Run, Run.id == Answer.run_id)
            .join(Respondent, Respondent.id == Run.respondent_id)
            .where(Respondent.channel == "web", Respondent.external_id == external_id, Answer.is_current.is_(True))
        )
        return dict(rows.all())


async def web_runs(db: Database, external_id: str) -> list[tuple[str, str]]:
    async with db.transaction() as session:
        rows = await session.execute(
            select(Run.questionnaire_id, Run.status)
            .join(Respondent, Respondent.id == Run.respondent_id)
            .where(Respondent.channel == "web", Respondent.external_id == external_id)
            .order_by(Run.id)
        )
        return [tuple(row) for row in rows.all()]  # type: ignore[misc]


async def count(db: Database, model: type) -> int:
    async with db.transaction() as session:
        return int(await session.scalar(select(func.count()).select_from(model)) or 0)


async def consent(user: WebUser, questionnaire: str = "imprese") -> None:
    page = await user.get(f"/q/{questionnaire}")
    assert page.status == 200 and "Accetta di partecipare?" in page.text
    page = await user.press("Accetto")
    assert page.status == 200


async def test_home_lists_the_open_questionnaires(user: WebUser):
    page = await user.get("/")
    assert page.status == 200 and page.lang == "it"
    assert "Indagine sull'innovazione nelle imprese" in page.text
    assert 'href="/q/imprese"' in page.html
    assert page.response.headers["content-security-policy"].startswith("default-src 'self'")
    assert page.response.headers["x-frame-options"] == "DENY"
    cookie = page.response.headers["set-cookie"].lower()
    assert "httponly" in cookie and "samesite=lax" in cookie


async def test_a_citizen_completes_imprese_through_the_forms(user: WebUser, db: Database):
    page = await user.get("/q/imprese")
    assert "Prima di iniziare" in page.text
    assert await count(db, Respondent) == 0  # nothing is stored before consent
    page = await user.press("Accetto")
    assert "Benvenuto!" in page.text and "Prima parte: l'impresa." in page.text
    assert page.question.startswith("In quale settore")
    assert "Domanda 1 di" in page.text
    assert page.response.url.fragment == "domanda"  # the page opens at the current question

    page = await user.press("Manifattura e industria")
    assert page.question.startswith("Quanti addetti")
    page = await user.press("10–49")
    assert page.question.startswith("In quale comune")

    # Back: the previous question again, with the answer given so far
    page = await user.press("Torna alla domanda precedente")
    assert page.question.startswith("Quanti addetti")
    assert "Risposta attuale: 10–49" in page.text
    page = await user.press("50–249")
    page = await user.press("Cremona")

    # Multiple choice: nothing ticked is refused, then two boxes
    assert page.question.startswith("Negli ultimi tre anni l'impresa ha introdotto")
    page = await user.tick()
    assert page.errors and "Selezioni almeno un'opzione" in page.errors[0]
    assert 'aria-invalid="true"' in page.html
    page = await user.tick("Nessuna", "Di prodotto o servizio")
    assert page.errors == ["«Nessuna» non si può scegliere insieme ad altre voci."]
    page = await user.tick("Di prodotto o servizio", "Di processo (produzione, logistica)")

    # Optional text: empty and too long are refused with the engine's words, then skipped
    assert page.question.startswith("In due righe")
    page = await user.type("   ")
    assert page.errors == ["La risposta non può essere vuota."]
    page = await user.type("x" * 601)
    assert page.errors == ["Il testo è troppo lungo (601 caratteri): il massimo è 600. Può accorciarlo?"]
    page = await user.press("Salta la domanda")
    assert page.question.startswith("L'impresa svolge attività di ricerca")
    page = await user.press("Sì, in modo continuativo")
    stale = page  # kept to post this old form later

    # Decimal: wrong type and out of range, then an Italian decimal
    assert page.question.startswith("Circa quale percentuale")
    page = await user.type("tanto")
    assert page.errors == ["Serve un numero, per esempio 3,5."]
    assert 'value="tanto"' in page.html  # the refused text is given back to correct
    page = await user.type("150")
    assert page.errors == ["Il valore deve essere compreso tra 0 e 100."]
    page = await user.type("12,5")
    assert page.question.startswith("Con chi collabora")

    # A stale form (the R&S question, already answered and closed) changes nothing
    form = stale.question_form()
    page = await user.submit(form, {"choice": "none"})
    assert page.errors == ["Questa domanda è chiusa: risponda all'ultima domanda qui sotto."]
    assert page.question.startswith("Con chi collabora")

    page = await user.tick("Università (Politecnico, Cattolica …)")
    page = await user.tick("Consulenza informatica e digitale")
    page = await user.press("Banda ultralarga (fibra, ≥100 Mbit/s)")
    assert page.question.startswith("Quanto sono adeguate")
    assert "per niente adeguate" in page.text  # the scale's end labels
    page = await user.press("4")
    page = await user.press("Sì")
    page = await user.tick("Digitalizzazione", "Nuovi prodotti o servizi", "Nuovi mercati, export", "Competenze del personale")
    assert page.errors == ["Può scegliere al massimo 3 opzioni."]
    page = await user.tick("Digitalizzazione", "Competenze del personale")
    page = await user.tick("Costi troppo alti")
    page = await user.press("Sì, in modo rilevante")
    assert page.question.startswith("Che cosa potrebbe fare la città")
    page = await user.type("Più banda larga <b>subito</b> & meno burocrazia")

    # Completed: thanks, the profile, the whole thread (escaped), and a way to answer again
    assert "Il questionario è completo" in page.text
    assert "<b>subito</b>" not in page.html and "&lt;b&gt;subito&lt;/b&gt;" in page.html
    assert "Compila di nuovo" in page.text
    assert "Manifattura e industria" in page.text

    ref = respondent_ref(user)
    answers = await web_answers(db, ref)
    assert answers == {
        "ateco_section": "C", "employees": "medium", "municipality": "cremona",
        "innovations": ["product", "process"], "innovation_example": None, "rd": "continuous",
        "rd_share": 12.5, "collaborations": ["university"], "advanced_services": ["ict"],
        "broadband": "ultra", "tlc_adequacy": 4, "training": "yes",
        "needs": ["digital", "skills"], "obstacles": ["cost"], "plans": "major",
        "city_role": "Più banda larga <b>subito</b> & meno burocrazia",
    }
    assert await web_runs(db, ref) == [("imprese", "completed")]
    assert await count(db, RunOutcome) >= 1

    # Reloading the finished page neither starts nor stores anything
    page = await user.get("/q/imprese")
    assert "Compila di nuovo" in page.text
    assert await web_runs(db, ref) == [("imprese", "completed")]
    # Answering again is an explicit choice
    page = await user.press("Compila di nuovo")
    assert page.question.startswith("In quale settore")
    assert await web_runs(db, ref) == [("imprese", "completed"), ("imprese", "active")]


async def test_coming_back_with_the_same_cookie_resumes(user: WebUser, app, db: Database):
    await consent(user)
    await user.press("Commercio")
    await user.press("1–9")
    cookies = dict(user.client.cookies)

    async with client_for(app) as other_tab:  # a new browser session holding the same cookie
        other_tab.cookies.update(cookies)
        back = WebUser(other_tab)
        page = await back.get("/q/imprese")
        assert page.question.startswith("In quale comune")
        assert "Commercio" in page.text and "1–9" in page.text  # the conversation so far
        assert "Domanda 3 di" in page.text
        page = await back.press("Crema")
        assert page.question.startswith("Negli ultimi tre anni")

    async with client_for(app) as stranger:  # no cookie: a different respondent, nothing shown
        page = await WebUser(stranger).get("/q/imprese")
        assert "Accetta di partecipare?" in page.text and "Commercio" not in page.text

    assert await web_answers(db, respondent_ref(user)) == {
        "ateco_section": "G", "employees": "micro", "municipality": "crema",
    }


async def test_declining_consent_stores_only_the_choice(user: WebUser, db: Database):
    await user.get("/q/imprese")
    page = await user.press("Non accetto")
    assert "non conserviamo nulla oltre alla sua scelta" in page.text
    assert "Accetta di partecipare?" in page.text  # they may change their mind
    assert await count(db, Run) == 0 and await count(db, Answer) == 0
    assert await count(db, Consent) == 1


async def test_privacy_page_shows_what_is_held_and_erases_on_confirmation(user: WebUser, db: Database):
    page = await user.get("/privacy")
    assert "Non conserviamo alcun dato su di te." in page.text
    assert "Cancella i miei dati" not in page.text

    await consent(user)
    await user.press("Costruzioni")
    old_cookie = user.cookie(SESSION_COOKIE)
    page = await user.get("/privacy")
    assert "codice pseudonimo" in page.text
    assert "In quale settore opera principalmente l'impresa?" in page.text and "Costruzioni" in page.text
    assert "/cancella" not in page.text  # the chat's command hint is replaced by the form

    form = page.forms()[-1]
    page = await user.submit(form)  # not confirmed: nothing erased
    assert page.status == 400 and "spunta prima la casella di conferma" in page.text
    assert await count(db, Respondent) == 1

    page = await user.submit(form, {"confirm": "yes"})
    assert page.status == 200 and "tutti i tuoi dati sono stati cancellati" in page.text
    assert await count(db, Respondent) == 0 and await count(db, Answer) == 0 and await count(db, Run) == 0
    assert user.cookie(SESSION_COOKIE) != old_cookie  # a fresh identity for this browser
    page = await user.get("/q/imprese")
    assert "Accetta di partecipare?" in page.text


async def test_language_switch(user: WebUser, db: Database):
    page = await user.get("/q/imprese")
    assert page.lang == "it" and 'lang="en">English</button>' in page.html
    page = await user.submit(page.forms()[0], {"lang": "en"})  # the header's switch
    assert page.lang == "en" and str(page.response.url).endswith("/q/imprese")
    assert "Do you agree to take part?" in page.text and "Business innovation survey" in page.text
    page = await user.press("I agree")
    assert page.question.startswith("What is the firm's main sector?")
    page = await user.press("Manufacturing")
    async with db.transaction() as session:
        stored = await session.scalar(select(Respondent.language).where(Respondent.channel == "web"))
    assert stored == "en"

    page = await user.submit(page.forms()[0], {"lang": "it"})  # back to Italian mid-run
    assert page.lang == "it" and page.question.startswith("Quanti addetti")
    assert "Manifattura e industria" in page.text  # the thread follows the language too


async def test_forms_without_the_session_token_are_refused(user: WebUser, app, db: Database):
    page = await user.get("/q/imprese")
    form = page.question_form()
    page = await user.submit(form, {"csrf": "forged", "consent": "yes"})
    assert page.status == 403 and "Ricarichi la pagina" in page.text  # imprese says "Lei"
    page = await user.client.post("/q/imprese", data={"consent": "yes"})
    assert page.status_code == 403
    async with client_for(app) as no_cookie:  # a cross-site post carries no cookie (SameSite=Lax)
        response = await no_cookie.post("/q/imprese", data={"csrf": form.hidden["csrf"], "consent": "yes"})
        assert response.status_code == 403 and "cookie" in response.text
    assert await count(db, Respondent) == 0 and await count(db, Consent) == 0


@pytest.mark.parametrize(
    ("path", "body", "content_type", "status", "says"),
    [
        ("/q/imprese", b"text=" + b"x" * 70_000, "application/x-www-form-urlencoded", 413, "troppo lungo"),
        ("/q/imprese", b'{"text": "hi"}', "application/json", 400, "Ricarichi la pagina"),  # in its "Lei"
        ("/q/imprese", b"\xff\xfe=\xff&&=", "application/x-www-form-urlencoded", 403, "Ricarichi la pagina"),
        ("/privacy", b"", "application/x-www-form-urlencoded", 403, "Ricarica la pagina"),
        ("/lingua", b"lang=fr", "application/x-www-form-urlencoded", 403, "Ricarica la pagina"),
        ("/", b"", "application/x-www-form-urlencoded", 405, "Ricarica la pagina"),
    ],
)
async def test_bad_requests_get_a_clear_page_never_a_500(user: WebUser, path, body, content_type, status, says):
    await user.get("/")
    response = await user.client.post(path, content=body, headers={"content-type": content_type})
    assert response.status_code == status
    assert '<html lang="it">' in response.text and says in response.text


async def test_answers_with_odd_fields_are_refused_politely(user: WebUser, db: Database):
    await consent(user)
    page = user.page
    assert page is not None
    form = page.question_form()
    for extra in (
        {"choice": "not-an-option"},
        {"choice": ""},
        {"action": "answer", "text": ""},
        {"action": "done", "selected": ["99", "x"]},
        {"action": "teleport"},
        {"run": "nosuchrun", "choice": "C"},
        {"key": "employees", "choice": "micro"},
    ):
        page = await user.submit(form, extra)  # type: ignore[arg-type]
        assert page.status == 200, extra
        assert page.question.startswith("In quale settore"), extra
    assert await web_answers(db, respondent_ref(user)) == {}


async def test_unknown_pages(user: WebUser):
    page = await user.get("/q/nonesiste")
    assert page.status == 404 and "Questa pagina non esiste" in page.text and 'href="/q/imprese"' in page.html
    page = await user.get("/nothing/here")
    assert page.status == 404 and page.lang == "it"


async def test_invitation_links_pass_the_token_to_the_conversation(user: WebUser, app):
    seen: list[str] = []
    conversation = app.state.web.conversation
    original = conversation.start

    async def spy(session, respondent, questionnaire_id):
        seen.append(questionnaire_id)
        return await original(session, respondent, questionnaire_id)

    conversation.start = spy
    page = await user.get("/q/ascolto?t=AbC123")
    assert seen == ["ascolto_AbC123"]
    assert page.status == 200
    page = await user.get("/q/ascolto")
    assert "manca il codice" in page.text and seen == ["ascolto_AbC123"]


async def test_every_open_questionnaire_starts_in_the_browser(user: WebUser, app):
    """Whatever question types a questionnaire uses, its first question renders as a form."""
    await user.get("/")
    for qid in app.state.web.catalog.ids():
        page = await user.get(f"/q/{qid}")
        form = page.question_form()
        if any(b.name == "consent" for b in form.buttons):
            page = await user.press("Accetto")  # consent once, for every questionnaire
        elif any(b.name == "start" for b in form.buttons):
            page = await user.press("Inizia il questionario")
        assert page.status == 200, qid
        form = page.question_form()
        assert form.hidden.get("key") and (form.buttons or form.fields or form.checkboxes), qid
