"""A questionnaire's web pages speak its register: "Lei" around a Lei questionnaire, "tu" around a tu one.

The plan's questionnaires declare how they address the respondent in Italian (``register: lei`` for
the firms' survey, the projects' sheet and the stakeholders' interview; ``register: tu`` for the
citizens' vision). The engine's and the service's texts follow it already; these tests walk the
pages a person sees through the plain forms and the page script's fragments — the consent step,
the questions with their hints and headings, the refusals, a stale form, the end page with the
news offer, the invitation — and check that the words around the questions (the web's own
texts, bot.web.texts) are in the same register as the questions, and that pages tied to no
questionnaire, and English, are as they were.
"""

from __future__ import annotations

import re
import string
from html import unescape

import httpx
import pytest

from bot.web.texts import TEXTS
from storage import Database
from tests.support.web_pages import Page, WebUser, asgi_client
from tests.web.test_web_invitations import choose, invite

FRAGMENT = {"Sec-Fetch-Mode": "cors", "Sec-Fetch-Dest": "empty", "Sec-Fetch-Site": "same-origin",
            "X-Scenari-Fragment": "answer"}

# Words that say "tu" to the reader, with a Lei form the page could use instead. Button and link labels
# that name an action («Invia», «Salta la domanda», «Leggi l'informativa completa») are the same in both
# registers, as the chat's buttons are, and are not among them.
TU = re.compile(r"\b(tua|tuo|tuoi|tue|Tu:|ti|hai|Hai|puoi|Puoi|vuoi|Vuoi|Scrivi|Premi|premi|Seleziona|Ricarica|"
                r"riprova|Attiva|Controlla|ricevi|riceverai|rispondi|Accetti)\b")
# and their Lei forms, which a tu page never shows
LEI = re.compile(r"\b(sua|suo|suoi|Lei:|Ha già|Può|può|Vuole|Scriva|Prema|Selezioni|Ricarichi|riprovi|Attivi|"
                 r"Controlli|riceve|riceverà|risponde|Accetta)\b")


def visible(html: str) -> str:
    """What a person reads on ``html``: its text, without tags, hidden fields or the list of other
    questionnaires (their titles are theirs: «La tua visione di Cremona» on every message page)."""
    html = re.sub(r'<ul class="cards">.*?</ul>', " ", html, flags=re.S)
    return " ".join(unescape(re.sub(r"<[^>]+>", " ", html)).split())


def says(response: httpx.Response | Page, *texts: str) -> str:
    text = visible(response.html if isinstance(response, Page) else response.text)
    for expected in texts:
        assert expected in text, f"{expected!r} not on the page: {text[-900:]}"
    return text


def in_lei(text: str, allowed: tuple[str, ...] = ()) -> None:
    """No "tu" word on a Lei questionnaire's page (``allowed``: known texts that are not the web's)."""
    for known in allowed:
        text = text.replace(known, " ")
    found = TU.findall(text)
    assert not found, f"'tu' on a Lei page: {found} in {text[-900:]}"


def in_tu(text: str) -> None:
    found = LEI.findall(text)
    assert not found, f"'Lei' on a tu page: {found} in {text[-900:]}"


async def fragment(user: WebUser, extra: dict[str, str]) -> httpx.Response:
    """An answer sent as the page script sends it: only what it changed comes back."""
    assert user.page is not None
    form = user.page.question_form()
    response = await user.client.post(form.action, data={**form.hidden, **extra}, headers=FRAGMENT)
    assert response.status_code == 200 and response.headers.get("x-scenari-fragment") == "answer"
    return response


async def refusals(user: WebUser, qid: str) -> list[str]:
    """The message pages of three posts the questionnaire's page refuses: no session token, too long, a NUL."""
    texts = []
    response = await user.client.post(f"/q/{qid}", data={"text": "x"})  # a form without the session's token
    assert response.status_code == 403
    texts.append(visible(response.text))
    response = await user.client.post(f"/q/{qid}", content=b"text=" + b"x" * 70_000,
                                      headers={"content-type": "application/x-www-form-urlencoded"})
    assert response.status_code == 413
    texts.append(visible(response.text))
    response = await user.client.post(f"/q/{qid}", data={"choice": "a\x00b"})  # a NUL where no text is typed
    assert response.status_code == 400
    texts.append(visible(response.text))
    return texts


async def complete_imprese(user: WebUser, last: list[Page]) -> Page:
    """The firms' survey from its fourth question (the innovations) to the end, the shortest way
    (``last`` gets the page of its last question)."""
    page = await user.tick("Di prodotto o servizio")
    page = await user.press("Salta la domanda")
    page = await user.press("Sì, in modo continuativo")
    page = await user.type("12,5")
    page = await user.tick("Università (Politecnico, Cattolica …)")
    page = await user.tick("Consulenza informatica e digitale")
    page = await user.press("Banda ultralarga (fibra, ≥100 Mbit/s)")
    page = await user.press("4")
    page = await user.press("Sì")
    page = await user.tick("Digitalizzazione")
    page = await user.tick("Costi troppo alti")
    last.append(await user.press("Sì, in modo rilevante"))
    page = await user.type("Più banda larga e meno burocrazia")
    assert page.status == 200 and "Il questionario è completo" in page.text, page.text[-600:]
    return page


async def test_a_lei_questionnaire_s_pages_say_lei_from_the_consent_to_the_end(user: WebUser, app):
    page = await user.get("/q/imprese")
    in_lei(says(page, "Accetta di partecipare?", "I suoi dati"))
    page = await user.press("Accetto")
    in_lei(says(page, "In quale settore opera", "I suoi dati", "🔎 Altro: scriva per cercare"))

    # the page script's fragment: the answer read back in the thread, under "Lei" for a screen reader
    response = await fragment(user, {"choice": page.question_form().buttons[1].value})
    text = says(response, "Lei: Manifattura e industria", "Quanti addetti")
    assert "Tu:" not in text
    in_lei(text)

    page = await user.get("/q/imprese")
    in_lei(says(page, "Lei: Manifattura e industria"))
    page = await user.press("10–49")
    page = await user.press("Cremona")
    page = await user.tick()  # nothing ticked: refused beside the web's button
    assert page.errors == ["Selezioni almeno un'opzione, poi prema «Conferma le scelte»."]
    in_lei(visible(page.html))

    forged, too_long, control = await refusals(user, "imprese")
    assert "Ricarichi la pagina e riprovi" in forged and "Lo accorci e riprovi" in too_long
    assert "Torni indietro, riscriva senza e riprovi" in control
    for text in (forged, too_long, control):
        in_lei(text)

    await user.get("/q/imprese")
    stale: list[Page] = []
    page = await complete_imprese(user, stale)
    # the end page offers the plan's news in "Lei"; the purpose's description is the privacy notice's own
    # text (plans/cremona/privacy.yaml), read in its it@lei wording
    text = says(page, "Vuole ricevere gli aggiornamenti del piano", "gli aggiornamenti (come gli inviti a votare "
                "nelle consultazioni) li trova su queste pagine", "Inviarle, solo se lo chiede, aggiornamenti")
    in_lei(text)
    [offer] = [form for form in page.forms() if form.action == "/notizie"]
    page = await user.submit(offer, {"newsletter": "no"})
    in_lei(says(page, "Va bene: non riceverà aggiornamenti. Può iscriversi quando vuole"))

    page = await user.get("/q/imprese")  # coming back: thanked, and asked whether to answer again
    in_lei(says(page, "Ha già completato questo questionario: grazie! Può compilarlo di nuovo, se vuole."))
    form = stale[0].question_form()  # the last question's form again, the run done
    page = await user.submit(form, {form.fields[0]: "Meno burocrazia", "action": "answer"})
    in_lei(says(page, "Questa domanda è chiusa: risponda all'ultima domanda qui sotto."))

    # the pages tied to no questionnaire are as written, whatever was answered before
    for path in ("/", "/privacy", "/notizie"):
        text = says(await user.get(path), "I tuoi dati")
        assert "I suoi dati" not in text


async def test_a_tu_questionnaire_s_pages_say_tu(user: WebUser, app):
    async with asgi_client(app) as client:  # a Lei respondent's answer first: the committer's writer starts in it
        firm = WebUser(client)
        await firm.get("/q/imprese")
        in_lei(says(await firm.press("Accetto"), "In quale settore opera"))

    page = await user.get("/q/visione")
    in_tu(says(page, "Accetti di partecipare?", "I tuoi dati"))
    page = await user.press("Accetto")
    in_tu(says(page, "quanti anni hai?"))
    response = await fragment(user, {"text": "38", "action": "answer"})
    in_tu(says(response, "Tu: 38", "Dove vivi?"))

    page = await user.get("/q/visione")
    page = await user.press("Cremona, quartieri")
    page = await user.tick()
    assert page.errors == ["Seleziona almeno un'opzione, poi premi «Conferma le scelte»."]
    in_tu(visible(page.html))

    forged, too_long, control = await refusals(user, "visione")
    assert "Ricarica la pagina e riprova" in forged and "Accorcialo e riprova" in too_long
    assert "Torna indietro, riscrivi senza e riprova" in control
    for text in (forged, too_long, control):
        in_tu(text)

    page = await user.get("/q/visione")
    page = await user.tick("Ci vivo")
    page = await user.tick("Città digitale")
    page = await user.type("Una città più verde e viva per tutti")
    stale = page
    page = await user.type("Le piste")
    in_tu(says(page, "Vuoi ricevere gli aggiornamenti del piano", "li trovi su queste pagine",
               "Inviarti, solo se lo chiedi, aggiornamenti"))
    [offer] = [form for form in page.forms() if form.action == "/notizie"]
    page = await user.submit(offer, {"newsletter": "no"})
    in_tu(says(page, "Va bene: non riceverai aggiornamenti. Puoi iscriverti quando vuoi"))

    # the last question's form again, the run done: refused in "tu" (said by the service, in the committer's task)
    form = stale.question_form()
    page = await user.submit(form, {form.fields[0]: "Le piste ciclabili", "action": "answer"})
    in_tu(says(page, "Questa domanda è chiusa: rispondi all'ultima domanda qui sotto."))


async def test_the_listening_interview_says_lei_from_the_invitation_to_its_review(user: WebUser, db: Database, app):
    page = await user.get("/q/ascolto?t=")
    in_lei(says(page, "Il link d'invito è incompleto: manca il codice. Controlli il messaggio che ha ricevuto."))

    token = await invite(db)
    page = await user.get(f"/q/ascolto?t={token}")
    in_lei(says(page, "Accetta di partecipare?", "I suoi dati"))
    page = await user.press("Accetto")
    page = await user.type("Segretario generale")
    page = await user.press("Associazioni di categoria")
    page = await user.type("Più formazione tecnica per le imprese artigiane")
    page = await user.press("Medio termine (2–5 anni)")
    page = await user.press("No")
    assert "tre priorità strategiche" in page.question, page.text[-500:]
    in_lei(says(page, "Prema le voci in ordine, dalla più importante; prema di nuovo una voce per toglierla. "
                      "Poi confermi."))
    for value in ("innovazione", "tradizione", "collaborazione"):
        page = await choose(user, value)
    page = await user.press("Conferma l'ordine")
    page = await user.tick("Innovare partendo dalla tradizione")
    page = await user.press("Salta la domanda")
    page = await user.tick("Musica e liuteria")
    page = await user.tick("Sindacati")
    page = await user.tick("UIL Cremona")
    page = await user.press("Salta la domanda")
    page = await user.press("No")
    # the review asks no numbered question: its heading is the respondent's answer
    assert any(b.value == "_submit" for b in page.question_form().buttons), page.text[-500:]
    in_lei(says(page, "La sua risposta"))
    page = await choose(user, "_submit")
    in_lei(says(page, "Intervista completata", "Vuole ricevere gli aggiornamenti", "può disiscriversi quando vuole"))
    page = await user.get("/q/ascolto")
    in_lei(says(page, "Ha già completato questa intervista: grazie per il suo contributo!"))


async def test_english_is_the_same_whatever_the_register(user: WebUser):
    page = await user.get("/q/imprese")
    [switch] = [form for form in page.forms() if form.action == "/lingua"]
    page = await user.submit(switch, {"lang": "en"})
    text = says(page, "Your data", "Read the full privacy notice")
    page = await user.press("I agree")
    response = await fragment(user, {"choice": page.question_form().buttons[0].value})
    text += " " + says(response, "You: ")
    assert not re.search(r"\b(suoi|sua|Lei)\b", text)


@pytest.mark.parametrize("key", sorted(key for key, entry in TEXTS.items() if "it@lei" in entry))
def test_a_lei_text_says_what_its_tu_text_says(key: str):
    """The same placeholders in both registers (a missing one would fail only on a Lei page), and really another text."""
    entry = TEXTS[key]

    def fields(text: str) -> set[str]:
        return {name for _, name, _, _ in string.Formatter().parse(text) if name}

    assert fields(entry["it@lei"]) == fields(entry["it"])
    assert entry["it@lei"] != entry["it"] and not TU.search(entry["it@lei"])


async def test_a_server_error_on_a_lei_questionnaire_s_page_says_lei(user: WebUser, app, monkeypatch: pytest.MonkeyPatch):
    """The error page of a failure on /q/{qid} (bot.web.app's handler, outside the channel's own register)."""
    async def broken(*args: object, **kwargs: object) -> object:
        raise RuntimeError("the database went away")

    monkeypatch.setattr(app.state.web, "_read_page", broken)  # reading the page's run fails
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app, raise_app_exceptions=False),
                                 base_url="http://scenari.test") as client:
        lei = await client.get("/q/imprese")
        tu = await client.get("/q/visione")
    assert lei.status_code == tu.status_code == 500
    assert "riprovi tra poco" in visible(lei.text) and "riprova tra poco" in visible(tu.text)
