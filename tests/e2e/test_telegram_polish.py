"""The polish seen on Telegram (issue 19, item 4), as people meet it in the real bot: one register
("tu" or "Lei") per questionnaire, a question count that does not grow, one thank-you, a greeting,
help and unknown commands, follow-ups tagged with themes, interview cards in words, one newsletter
question for raters."""

from __future__ import annotations

import re

import pytest
from aiogram import Dispatcher

from bot.settings import Settings
from bot.telegram.app import build_dispatcher
from nlp.worker import tag_pending
from storage import Database, register
from storage import tags as tag_store
from storage.register import ActorRow
from tests.support.fake_bot_api import FakeBotAPI, SimulatedUser
from tests.support.fake_bot_api.chats import ChatMessage

from tests.e2e.helpers import stored_answers

RATER = 9301
PROGRESS = re.compile(r"Domanda (\d+) di (\d+)")
OPTIN = "ricevere qui gli aggiornamenti"


@pytest.fixture
def with_rater(db: Database, settings: Settings) -> Dispatcher:
    """The real bot on the shipped plan's questionnaires, with one rater."""
    return build_dispatcher(db, settings.model_copy(update={"raters": frozenset({RATER})}))


async def invite(db: Database, code: str, organisation: str) -> str:
    async with db.transaction() as session:
        await register.import_actors(session, [ActorRow(code, organisation, "trade_association", "Referente", 2)])
        actor = await register.get_actor(session, code)
        return (await register.create_invitation(session, actor)).token


def is_prompt(message: ChatMessage) -> bool:
    """A question just asked (a new message: pressing a button also edits the old one)."""
    return bool(PROGRESS.search(message.text or "")) or "riepilogo" in (message.text or "")


async def next_prompt(user: SimulatedUser, action: str) -> ChatMessage:
    """Type ``action`` ("/salta" is a command, "press:X" presses X) and wait for the next question."""
    if action.startswith("press:"):
        await user.press(action.removeprefix("press:"))
    elif action.startswith("/"):
        await user.send_command(action)
    else:
        await user.send_text(action)
    return await user.wait_for(is_prompt, kinds=("sent",))


# The whole interview, as tests/bot/test_interview_cards.py answers it through the service.
INTERVIEW = [
    "Presidente", "2", "Portare la banda ultralarga in tutte le zone artigianali", "1", "press:No",
    "1,6,3", "1", "/salta", "5", "/salta", "/salta", "press:Sì",
    "Bottega digitale", "2", "press:Città digitale e telecomunicazioni",
    "Un servizio comune di vendita online per le botteghe artigiane del centro", "press:Sì",
    "Scuola di restauro", "1", "press:Tradizione e identità",
    "Corsi serali di restauro del legno aperti ai giovani della provincia", "press:No",
]


async def test_an_interview_speaks_lei_throughout_and_its_count_never_grows(
    api: FakeBotAPI, with_rater: Dispatcher, db: Database,
) -> None:
    token = await invite(db, "cna", "CNA Cremona")
    actor = api.user(user_id=9311, language_code="it")
    async with api.polling(with_rater):
        await actor.send_command(f"/start ascolto_{token}")
        consent = await actor.wait_text("privacy")
        assert "Accetta di partecipare?" in consent.text and "I suoi diritti" in consent.text
        assert "Accetti" not in consent.text and "I tuoi diritti" not in consent.text
        await actor.press("Accetto")
        first = await actor.wait_for(is_prompt, kinds=("sent",))
        counts = [PROGRESS.search(first.text).groups()]
        await actor.send_text("Presidente")
        category = await actor.wait_for(is_prompt, kinds=("sent",))
        await actor.send_text("forse")  # not one of the options: the error says "Lei" as the questions do
        error = await actor.wait_text("Scelga una delle opzioni proposte (può anche scriverne il numero).")
        assert "Scegli" not in error.text
        await actor.wait_for(is_prompt, kinds=("sent",))
        counts.append(PROGRESS.search(category.text).groups())
        prompt = category
        for action in INTERVIEW[1:]:
            prompt = await next_prompt(actor, action)
            found = PROGRESS.search(prompt.text or "")
            if found:
                counts.append(found.groups())
        assert "Ecco il riepilogo delle sue risposte. Può cambiarne una" in prompt.text  # the summary in "Lei"
        await actor.press("Invia le risposte ✔")
        await actor.wait_text("è registrata (n. 2)")
        closing = [m.text or "" for m in actor.messages[-6:]]
    # the total shrinks when an answer rules questions out, never grows; the place only moves on
    steps = [(int(k), int(n)) for k, n in counts]
    totals = [n for _, n in steps]
    assert all(later <= earlier for earlier, later in zip(totals, totals[1:])), steps
    assert all(later >= earlier for (earlier, _), (later, _) in zip(steps, steps[1:])), steps
    assert steps[0] == (1, 13) and steps[-1] == (11, 11)  # the two "collaborate with whom?" never came
    # one thank-you (the interview's own), then the answers saved, in "Lei"
    thanks = [text for text in closing if "Grazie" in text]
    assert thanks == ["Grazie: il suo contributo entra nell'analisi delle convergenze del piano strategico."], closing
    assert "Il questionario è completo e le risposte sono state salvate." in closing
    assert await stored_answers(db, 9311, "ascolto")  # the interview was stored


async def rate_first_card(rater: SimulatedUser) -> ChatMessage:
    await rater.send_command("/valuta")
    listed = await rater.wait_text("Schede da valutare")
    await rater.press(listed.buttons[0])
    card = await rater.wait_text("📋 Scheda n.")
    for _ in range(5):
        scale = await rater.wait_for(lambda m: bool(m.button_rows) and m.button_rows[0] == ["1", "2", "3", "4", "5"])
        assert scale.text
        await rater.press("4")
    await rater.wait_text("Un commento")
    await rater.press("Salta ➡")
    await rater.wait_text("Media ponderata della sua valutazione")
    return card


async def test_a_rater_reads_an_interview_card_in_words_and_is_offered_the_news_once(
    api: FakeBotAPI, with_rater: Dispatcher, db: Database,
) -> None:
    token = await invite(db, "cna", "CNA Cremona")
    actor, rater = api.user(user_id=9321, language_code="it"), api.user(user_id=RATER, language_code="it")
    async with api.polling(with_rater):
        await actor.send_command(f"/start ascolto_{token}")
        await actor.wait_text("privacy")
        await actor.press("Accetto")
        await actor.wait_for(is_prompt, kinds=("sent",))
        for action in INTERVIEW:
            await next_prompt(actor, action)
        await actor.press("Invia le risposte ✔")
        await actor.wait_text("è registrata (n. 2)")
        card = await rate_first_card(rater)
        await rater.wait_text(OPTIN)  # the first rating: asked whether to receive the plan's news
        second = await rate_first_card(rater)
        await rater.send_command("/aiuto")  # a marker: everything the second rating said came before it
        await rater.wait_text("/iscriviti")
    assert "• Ambito: Città digitale e telecomunicazioni" in card.text, card.text
    assert "• Stato: In progettazione" in card.text and "citta_digitale" not in card.text and "design" not in card.text
    assert "• Ambito: Tradizione e identità" in second.text and "• Stato: Idea" in second.text
    asked = [m.text for m in rater.messages if OPTIN in (m.text or "")]
    assert len(asked) == 1, asked  # not again after the second rating


async def test_a_vision_says_tu_thanks_once_and_its_follow_up_is_tagged(
    api: FakeBotAPI, dispatcher: Dispatcher, db: Database, theme_tagger,
) -> None:
    user = api.user(user_id=9331, language_code="it")
    async with api.polling(dispatcher):
        await user.send_command("/start visione")
        consent = await user.wait_text("privacy")
        assert "Accetti di partecipare?" in consent.text and "I tuoi diritti" in consent.text
        await user.press("Accetto")
        await user.wait_text("quanti anni hai?")
        for typed, asked in (("34", "Dove vivi"), ("1", "Che rapporto hai"), ("1", "Quale di queste idee"),
                             ("1", "Con parole tue"), ("boh", "Puoi dirci qualcosa di più")):
            await user.send_text(typed)
            await user.wait_text(asked)
        await user.send_text("Servono più treni per Milano e piste ciclabili sicure")
        await user.wait_text("che cosa dovrebbe cambiare per primo")
        await user.send_command("/salta")
        await user.wait_text(OPTIN.replace("ricevere", "Vuoi ricevere"))  # the news offered in "tu" too
        closing = [m.text or "" for m in user.messages[-3:]]
    assert [text for text in closing if "Grazie" in text] == ["Grazie! Puoi mandare una nuova visione quando vuoi."]
    assert await tag_pending(db, theme_tagger) >= 2  # the vision's own text ("boh") and its follow-up
    async with db.transaction() as session:
        texts = await tag_store.free_text_answers(session)
        themes = await tag_store.effective_themes(session)
    follow_up = next(answer_id for answer_id, text in texts.items() if text.startswith("Servono più treni"))
    assert "mobilita" in {tag.theme_id for tag in themes[follow_up]}


async def test_first_words_help_and_an_unknown_command(api: FakeBotAPI, dispatcher: Dispatcher) -> None:
    user = api.user(user_id=9341, language_code="it")
    async with api.polling(dispatcher):
        await user.send_text("ciao")
        greeting = await user.wait_text("Ciao!")
        assert "Non hai un questionario in corso" not in greeting.text
        menu = await user.wait_for(lambda m: bool(m.buttons))
        assert "La tua visione di Cremona" in menu.buttons
        await user.send_command("/aiuto")
        help_text = (await user.wait_text("/aiuto")).text
        for command in ("/vota", "/iscriviti", "/disiscrivi"):
            assert command in help_text
        await user.send_command("/start visione")
        await user.wait_text("privacy")
        await user.press("Accetto")
        await user.wait_text("quanti anni hai?")
        await user.send_command("/pippo")
        await user.wait_text("Non conosco questo comando")
        again = await user.wait_text("quanti anni hai?")  # the open question again, nothing lost
        assert "Domanda 1 di" in again.text
