"""A citizen sends a vision and an invited actor gives the listening interview, in Telegram:
buttons, typed text, a follow-up, ranking buttons, "add another?", the review and its buttons."""

from __future__ import annotations

import csv
from pathlib import Path

from aiogram import Dispatcher
from sqlalchemy import select

from storage import Database, register
from storage.models import Answer, Respondent, Run
from storage.register import ActorRow
from tests.support.fake_bot_api import FakeBotAPI, SimulatedUser

ROOT = Path(__file__).resolve().parents[2]
DONE = "Fatto ✔"
SKIP = "Salta ➡"
BACK = "⬅ Indietro"


async def stored(db: Database, user_id: int, questionnaire: str) -> dict[tuple[str, int], object]:
    """The current answers of the user's latest run, keyed by (question, item index)."""
    async with db.transaction() as session:
        run = await session.scalar(
            select(Run).join(Respondent, Respondent.id == Run.respondent_id)
            .where(Respondent.external_id == str(user_id), Run.questionnaire_id == questionnaire)
            .order_by(Run.id.desc())
        )
        assert run is not None
        rows = await session.execute(
            select(Answer.question_key, Answer.item_index, Answer.value)
            .where(Answer.run_id == run.id, Answer.is_current.is_(True))
        )
        return {(key, index): value for key, index, value in rows.all()}


async def toggle(user: SimulatedUser, label: str, shown_as: str) -> None:
    """Press an option of a multiple choice or ranking; wait until its button reads ``shown_as``."""
    await user.press(label)
    await user.wait_for(lambda m: shown_as in m.buttons)


# --- the citizens' vision ----------------------------------------------------------------------------


async def test_a_citizen_sends_a_vision_with_buttons_and_words(api: FakeBotAPI, dispatcher: Dispatcher, db: Database) -> None:
    user = api.user(user_id=7001, first_name="Giulia", language_code="it")
    async with api.polling(dispatcher):
        await user.send_command("/start visione")
        await user.wait_text("privacy")
        await user.press("Accetto")
        await user.wait_text("Prima di cominciare: quanti anni hai?")  # the age gate, typed
        await user.send_text("22")
        await user.wait_text("Dove vivi?")
        await user.press("Cremona, quartieri")
        await user.wait_text("Che rapporto hai con Cremona?")
        await toggle(user, "Ci vivo", "✓ Ci vivo")
        await toggle(user, "Ci studio", "✓ Ci studio")
        await user.press(DONE)
        visions = await user.wait_text("Quale di queste idee di città")
        assert "Città della musica" in visions.buttons and "Made in Cremona" in visions.buttons
        await toggle(user, "Città dei talenti", "✓ Città dei talenti")
        await toggle(user, "Città della musica", "✓ Città della musica")
        await user.press(DONE)
        await user.wait_text("che cosa dovrebbe diventare Cremona?")
        await user.send_text("boh")
        more = await user.wait_text("Puoi dirci qualcosa di più?")
        assert SKIP in more.buttons
        await user.send_text("Una città dove i giovani restano dopo l'università")
        last = await user.wait_text("che cosa dovrebbe cambiare per primo?")
        assert SKIP in last.buttons
        await user.send_text("I treni per Milano")
        await user.wait_text("Grazie! Puoi mandare una nuova visione quando vuoi.")
    assert await stored(db, 7001, "visione") == {
        ("age", 0): 22, ("area", 0): "cremona_districts", ("relation", 0): ["lives", "studies"],
        ("visions", 0): ["citta_talenti", "citta_musica"], ("become", 0): "boh",
        ("become_more", 0): "Una città dove i giovani restano dopo l'università",
        ("change_first", 0): "I treni per Milano",
    }
    # the closed questions show what was chosen; no keyboard is left open but the last
    texts = [m.text for m in user.messages]
    assert any(t.endswith("✅ Città dei talenti, Città della musica") for t in texts if t)
    assert [m for m in user.messages[:-3] if m.buttons] == []
    assert api.unanswered_callbacks() == []


async def test_a_rich_vision_gets_no_follow_up(api: FakeBotAPI, dispatcher: Dispatcher, db: Database) -> None:
    user = api.user(user_id=7002, language_code="en")
    async with api.polling(dispatcher):
        await user.send_command("/start visione")
        await user.wait_text("privacy")
        await user.press("I agree")
        await user.wait_text("how old are you?")
        await user.send_text("67")
        await user.wait_text("Where do you live?")
        await user.press("Crema area")
        await user.wait_text("relation to Cremona")
        await user.send_text("4")
        await user.wait_text("ideas of the city")
        await user.send_text("1")
        await user.wait_text("what should Cremona become?")
        await user.send_text("A city of music known all over Europe")
        await user.wait_text("what should change first?")
        await user.press("Skip ➡")
        await user.wait_text("You can send a new vision whenever you like.")
    answers = await stored(db, 7002, "visione")
    assert ("become_more", 0) not in answers
    assert answers[("change_first", 0)] is None


# --- the listening interview -----------------------------------------------------------------------------


async def invite_from_register(db: Database, code: str) -> str:
    """Import the seed register (so the collaboration questions have actors), invite one actor."""
    with (ROOT / "plans" / "cremona" / "register" / "actors.csv").open(encoding="utf-8") as handle:
        rows = [
            ActorRow(row["code"], row["organisation"], row["category"], row["contact_person"] or None, line)
            for line, row in enumerate(csv.DictReader(handle), start=2)
        ]
    async with db.transaction() as session:
        await register.import_actors(session, rows)
        actor = await register.get_actor(session, code)
        assert actor is not None
        return (await register.create_invitation(session, actor)).token


async def test_an_invited_actor_gives_the_interview_and_reviews_it(api: FakeBotAPI, dispatcher: Dispatcher, db: Database) -> None:
    token = await invite_from_register(db, "comune_cremona")
    user = api.user(user_id=7101, first_name="Elena", language_code="it")
    async with api.polling(dispatcher):
        await user.send_command(f"/start ascolto_{token}")
        await user.wait_text("privacy")
        await user.press("Accetto")
        await user.wait_text("intervista di ascolto per «Comune di Cremona»")
        await user.wait_text("Qual è il suo ruolo nell'organizzazione?")
        await user.send_text("Assessore allo sviluppo economico")
        await user.wait_text("In quale categoria")
        await user.press("Enti pubblici")

        # objectives: a repeat group, with "add another?" and a follow-up on a thin answer
        await user.wait_text("Obiettivo 1 — Quale obiettivo strategico")
        await user.send_text("Attrarre nuove imprese innovative in città")
        await user.wait_text("Obiettivo 1 — In che orizzonte di tempo?")
        await user.press("Lungo termine (oltre 5 anni)")
        another = await user.wait_text("Vuole indicare un altro obiettivo strategico?")
        assert another.buttons == ["Sì", "No", BACK]
        await user.press("Sì")
        await user.wait_text("Obiettivo 2 — Quale obiettivo strategico")
        await user.press(BACK)  # back across "add another?" …
        await user.wait_text("Vuole indicare un altro obiettivo strategico?")
        await user.press("Sì")  # … and forward again
        await user.wait_text("Obiettivo 2 — Quale obiettivo strategico")
        await user.send_text("boh")
        await user.wait_text("Può dirmi qualcosa di più? Anche una frase in più ci aiuta a capire.")
        await user.send_text("Rigenerare le aree dismesse vicino alla stazione")
        await user.wait_text("Obiettivo 2 — In che orizzonte di tempo?")
        await user.press("Medio termine (2–5 anni)")
        await user.wait_text("Vuole indicare un altro obiettivo strategico?")
        await user.press("No")

        # priorities: ranking buttons show each pick's place
        ranking = await user.wait_text("Quali sono le tre priorità strategiche")
        assert DONE in ranking.buttons and not any(b[0].isdigit() for b in ranking.buttons)
        await toggle(user, "Innovazione", "1. Innovazione")
        await toggle(user, "Turismo e cultura", "2. Turismo e cultura")
        await user.press("1. Innovazione")  # taken out: tourism moves up
        await user.wait_for(lambda m: "1. Turismo e cultura" in m.buttons and "Innovazione" in m.buttons)
        await toggle(user, "Innovazione", "2. Innovazione")
        await toggle(user, "Lavoro e occupazione", "3. Lavoro e occupazione")
        await user.press("Ambiente e qualità della vita")  # a fourth: refused with a toast
        toast = await user.wait_callback_answer()
        assert toast.text == "Metta in ordine 3 voci: le prema dalla più importante, poi confermi con «Fatto»."  # the interview's "Lei"
        await user.press(DONE)
        await user.wait_text("Come vede Cremona nel futuro?")
        closed = [m.text for m in user.messages if m.text and "tre priorità" in m.text]
        assert closed[-1].endswith("✅ 1. Turismo e cultura, 2. Innovazione, 3. Lavoro e occupazione")

        await toggle(user, "Città della musica", "✓ Città della musica")
        await toggle(user, "Città digitale", "✓ Città digitale")
        await user.press(DONE)
        await user.wait_text("Con parole sue, che città immagina")
        await user.press(SKIP)
        await user.wait_text("Su quali risorse del territorio")
        await user.send_text("3,4")

        # collaborations: the register, filtered by the categories chosen
        await user.wait_text("Con quali tipi di attori collabora già?")
        await toggle(user, "Cultura", "✓ Cultura")
        await user.press(DONE)
        partners = await user.wait_text("Con quali di questi collabora?")
        assert partners.buttons == [
            "Consorzio Liutai Antonio Stradivari Cremona", "Fondazione Museo del Violino Antonio Stradivari",
            "Fondazione Teatro Amilcare Ponchielli", DONE, BACK, SKIP,
        ]
        await toggle(user, "Fondazione Museo del Violino Antonio Stradivari", "✓ Fondazione Museo del Violino Antonio Stradivari")
        await user.press(DONE)
        await user.wait_text("Con quali tipi di attori vorrebbe collaborare in futuro?")
        await toggle(user, "Università e formazione", "✓ Università e formazione")
        await user.press(DONE)
        await user.wait_text("Con quali di questi vorrebbe collaborare?")
        await toggle(user, "Politecnico di Milano – Polo territoriale di Cremona", "✓ Politecnico di Milano – Polo territoriale di Cremona")
        await user.press(DONE)

        # projects: one item, then no more
        await user.wait_text("La sua organizzazione porta avanti progetti")
        await user.press("Sì")
        await user.wait_text("Progetto 1 — Titolo del progetto")
        await user.send_text("Cremona Music Hub")
        await user.wait_text("Progetto 1 — A che punto è?")
        await user.press("Finanziato")
        await user.wait_text("Progetto 1 — A quale tema strategico")
        await user.press("Musica e liuteria")
        await user.wait_text("Progetto 1 — In poche righe")
        await user.send_text("Sale prova e studi di registrazione per i giovani musicisti della città")
        await user.wait_text("Vuole descrivere un altro progetto?")
        await user.press("No")

        # the review: every answer, a change button each, then submit
        summary = await user.wait_text("Ecco il riepilogo delle sue risposte.")
        assert "1. Qual è il suo ruolo nell'organizzazione?\n   → Assessore allo sviluppo economico" in summary.text
        assert "   1) Attrarre nuove imprese innovative in città · Lungo termine (oltre 5 anni)" in summary.text
        assert "   2) boh (+ Rigenerare le aree dismesse vicino alla stazione) · Medio termine (2–5 anni)" in summary.text
        assert "   → 1. Turismo e cultura, 2. Innovazione, 3. Lavoro e occupazione" in summary.text
        assert "   → Fondazione Museo del Violino Antonio Stradivari" in summary.text
        assert "   → (saltata)" in summary.text
        assert summary.buttons[0] == "✏️ 1. Qual è il suo ruolo nell'organizzazione?"
        assert summary.buttons[-1] == "Invia le risposte ✔"
        assert len(summary.buttons) == 14
        await user.press("✏️ 1. Qual è il suo ruolo nell'organizzazione?")
        again = await user.wait_text("Risposta attuale: Assessore allo sviluppo economico")
        assert again.text.startswith("Domanda 1 di 13\nQual è il suo ruolo nell'organizzazione?")
        await user.send_text("Assessora allo sviluppo economico")
        summary = await user.wait_text("Ecco il riepilogo delle sue risposte.")
        assert "   → Assessora allo sviluppo economico" in summary.text
        await user.press("Invia le risposte ✔")
        await user.wait_text("Grazie: il suo contributo entra nell'analisi")
        await user.wait_text("Il questionario è completo")
    assert await stored(db, 7101, "ascolto") == {
        ("role", 0): "Assessora allo sviluppo economico",
        ("category", 0): "public_body",
        ("objective", 0): "Attrarre nuove imprese innovative in città",
        ("horizon", 0): "long",
        ("objective", 1): "boh",
        ("objective_more", 1): "Rigenerare le aree dismesse vicino alla stazione",
        ("horizon", 1): "medium",
        ("priorities", 0): ["turismo_cultura", "innovazione", "lavoro"],
        ("visions", 0): ["citta_musica", "citta_digitale"],
        ("vision_text", 0): None,
        ("assets", 0): ["music", "university"],
        ("collab_categories", 0): ["culture"],
        ("collaborates_with", 0): ["museo_violino"],
        ("wish_categories", 0): ["university_training"],
        ("would_collaborate", 0): ["polimi_cremona"],
        ("has_projects", 0): "yes",
        ("project_title", 0): "Cremona Music Hub",
        ("project_stage", 0): "funded",
        ("project_theme", 0): "musica_liuteria",
        ("project_summary", 0): "Sale prova e studi di registrazione per i giovani musicisti della città",
    }
    assert api.unanswered_callbacks() == []
