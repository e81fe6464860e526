"""What a WhatsApp message means to the conversation service: one inbound message → the bodies to send.

WhatsApp has no commands nor deep links with a payload: a person starts a questionnaire by
writing its name (a ``wa.me/<number>?text=imprese`` link pre-fills it), moves with words
(«indietro», «salta», «stato», «menu», «lingua en»), and answers with the buttons and list rows
:mod:`.render` draws or by typing. A long list can be searched by typing part of a name.
«imieidati» sends the respondent's data as a JSON document (bot.service.personal_data.export,
the same file as Telegram's /imieidati). «iscriviti» and «disiscrivi» give or withdraw the plan's news (the same consent as Telegram's
/iscriviti and /disiscrivi, bot.service.communication.set_subscription); the opt-in offered at
the end of a questionnaire, an event's RSVP and a round invitation's «vota» are buttons.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from dialogs import Input
from storage.models import Respondent

from bot.service import communication, personal_data
from bot.service.communication import Plan
from bot.service.conversation import Conversation
from bot.service.notice import full_text
from bot.service.reply import Reply
from . import render
from .texts import translate
from .voting import PAUSE, Voting

CHANNEL = "whatsapp"

# the words a person types, in Italian, English and German (plans/bolzano)
NAVIGATION = {
    "indietro": "back", "back": "back", "zurück": "back",
    "salta": "skip", "skip": "skip", "überspringen": "skip",
    "annulla": "pause", "cancel": "pause", "pausa": "pause", "pause": "pause",
    "riprendi": "resume", "resume": "resume", "weiter": "resume",
}
STATUS = {"stato", "status", "stand"}
MENU = {"menu", "menù", "menü", "start", "inizia", "ciao", "hello", "hi", "hallo"}
LANGUAGE = {"lingua", "language", "sprache"}
PRIVACY = {"privacy", "dati", "datenschutz"}
NOTICE = {"informativa", "notice", "datenschutzhinweise"}  # the privacy notice in full, before consent too
VOTE = {"vota", "vote", "abstimmen"}
ERASE = {"cancella", "erase", "löschen"}
MY_DATA = {"imieidati", "mydata", "meinedaten"}  # also typed as words: «i miei dati», «my data», «meine daten»
MY_DATA_WORDS = {("i", "miei", "dati"), ("my", "data"), ("meine", "daten")}
SUBSCRIBE = {"iscriviti", "subscribe", "abonnieren"}
UNSUBSCRIBE = {"disiscrivi", "unsubscribe", "abbestellen"}


@dataclass(frozen=True)
class Inbound:
    """A person's message: its id, who wrote, and either what they typed or the id of what they pressed."""

    id: str
    wa_id: str
    text: str | None = None
    pressed: str | None = None
    unsupported: bool = False  # an image, a sticker, a location …


async def answer(session: AsyncSession, conversation: Conversation, respondent: Respondent, message: Inbound,
                 plan: Plan | None = None) -> list[dict[str, Any]]:
    """The Cloud API bodies that answer ``message`` (the caller stores them in the outbox).

    ``plan``: the communication plan's settings an RSVP's reply writes the event's time with."""
    to = message.wa_id
    if message.pressed is not None:
        return await _pressed(session, conversation, respondent, to, message.pressed, plan)
    if message.unsupported or message.text is None:
        reply = await conversation.current_prompt(session, respondent) if respondent.id is not None else conversation.menu(respondent.language)
        return render.text_bodies(to, translate("text_only", respondent.language)) + render.messages(to, reply)
    return await _typed(session, conversation, respondent, to, message.text.strip())


async def _pressed(session: AsyncSession, conversation: Conversation, respondent: Respondent, to: str, reply_id: str,
                   plan: Plan | None = None) -> list[dict[str, Any]]:
    pressed = render.decode(reply_id)
    if pressed is None:
        return await _typed(session, conversation, respondent, to, "stato")
    kind, parts = pressed.kind, pressed.parts
    if kind == "c":
        reply = await conversation.decide_consent(session, respondent, parts[0] == "1", parts[1] or None)
    elif kind == "m":
        reply = await conversation.start(session, respondent, parts[0])
    elif kind == "a":
        reply = await conversation.handle(session, respondent, Input("choice", parts[2], question_key=parts[1]), run_id=parts[0])
    elif kind == "n":
        reply = await conversation.handle(session, respondent, Input(parts[2], question_key=parts[1]), run_id=parts[0])  # type: ignore[arg-type]
    elif kind == "p":
        reply = await conversation.current_prompt(session, respondent)
        page = int(parts[2]) if parts[2].isdigit() else 0
        return render.messages(to, reply, page=page if reply.run_id == parts[0] else 0)
    elif kind == "e":  # the confirmation of «cancella»
        if parts[0] != "1":
            return render.text_bodies(to, translate("erase_kept", respondent.language))
        reply = await conversation.erase(session, respondent)
    elif kind == "o":  # the newsletter's opt-in offered at the end of a questionnaire
        return render.text_bodies(to, await communication.set_subscription(session, respondent, parts[0] == "1"))
    elif kind == "r":  # an event invitation's RSVP
        if not parts[0].isdigit() or parts[1] not in ("yes", "no", "maybe"):
            return render.text_bodies(to, communication.translate("rsvp_closed", respondent.language))
        said = await communication.rsvp_reply(session, int(parts[0]), respondent, parts[1], int(to), plan or Plan())
        return render.text_bodies(to, render.html_text(said))
    elif kind == "w":  # a round invitation's «vota»
        return await Voting(conversation).next_statement(session, respondent, to)
    else:  # "v": a vote in a deliberation round
        return await Voting(conversation).vote(session, respondent, to, parts)
    return render.messages(to, reply)


async def _typed(session: AsyncSession, conversation: Conversation, respondent: Respondent, to: str, text: str) -> list[dict[str, Any]]:
    words = text.lower().lstrip("/").split()
    first = words[0] if words else ""
    lang = respondent.language
    if len(words) == 1 and first in NAVIGATION:
        return render.messages(to, await conversation.handle(session, respondent, Input(NAVIGATION[first])))  # type: ignore[arg-type]
    if len(words) == 1 and first in STATUS:
        reply = await conversation.current_prompt(session, respondent) if respondent.id is not None else conversation.menu(lang)
        return _status(conversation, to, reply) + render.messages(to, reply)
    if first in LANGUAGE and len(words) == 2:
        reply = await conversation.set_language(session, respondent, words[1])
        if respondent.id is not None and await _has_open_run(session, conversation, respondent):
            reply.messages.extend((await conversation.current_prompt(session, respondent)).messages)
        return render.messages(to, reply)
    if len(words) == 1 and first in NOTICE:
        return render.text_bodies(to, full_text(conversation.notice, lang))
    if len(words) == 1 and first in PRIVACY:
        return render.text_bodies(to, await conversation.privacy_report(session, respondent))
    if (len(words) == 1 and first in MY_DATA) or tuple(words) in MY_DATA_WORDS:
        return await my_data(session, conversation, respondent, to)
    if len(words) == 1 and first in ERASE:
        return render.buttons(to, translate("erase_confirm", lang), [
            render.Choice(render.encode("e", 1), translate("erase_yes", lang)),
            render.Choice(render.encode("e", 0), translate("erase_no", lang))])
    if len(words) == 1 and first in UNSUBSCRIBE:
        return render.text_bodies(to, await communication.set_subscription(session, respondent, False))
    if len(words) == 1 and first in SUBSCRIBE:
        if respondent.id is None or not await conversation.has_consent(session, respondent):
            return render.messages(to, conversation.menu(lang))  # consent to take part comes first
        return render.text_bodies(to, await communication.set_subscription(session, respondent, True))
    if len(words) == 1 and first in VOTE:
        return await Voting(conversation).next_statement(session, respondent, to)
    if len(words) == 1 and first in PAUSE:
        paused = await Voting(conversation).pause(session, respondent, to)
        if paused is not None:
            return paused
    if first == "start" and len(words) == 2:
        first, words = words[1], words[1:]
    if len(words) == 1 and (first in conversation.catalog.ids(open_only=conversation.open_only) or first.startswith("ascolto_")):
        return render.messages(to, await conversation.start(session, respondent, first))
    if len(words) == 1 and first in MENU:
        return render.messages(to, conversation.menu(lang))
    if respondent.id is None:  # not stored yet: nothing to answer, the menu
        return render.messages(to, conversation.menu(lang))
    reply = await conversation.handle(session, respondent, Input("text", text))
    if reply.rejected and reply.run_id is not None:
        found = await _search(session, conversation, respondent, to, text)
        if found is not None:
            return found
    return render.messages(to, reply)


async def my_data(session: AsyncSession, conversation: Conversation, respondent: Respondent, to: str) -> list[dict[str, Any]]:
    """The readable summary of «privacy», then the JSON file as a document (Telegram's /imieidati, the same file).

    The export is made and audited in the answer's transaction; the file rides in the reply's
    outbox payload until the sender has uploaded and sent it (the payload is then forgotten,
    storage.outbox.whatsapp.forget_reply). It is this respondent's only: looked up by the
    sender's phone number, exported by their id."""
    lang = respondent.language
    data = (await personal_data.export(session, respondent.id, "respondent", conversation.notice)
            if respondent.id is not None else None)
    if data is None:
        return render.text_bodies(to, translate("my_data_none", lang))
    report = render.text_bodies(to, await conversation.privacy_report(session, respondent))
    caption = translate("my_data_caption", lang, pseudonym=data.pseudonym)
    return report + [render.file_body(to, data.filename, data.content, caption)]


async def _search(session: AsyncSession, conversation: Conversation, respondent: Respondent, to: str, text: str) -> list[dict[str, Any]] | None:
    """Typed-to-search in a long list: one match answers, a few are offered, none says so (None: not a long list)."""
    current = await conversation.current_prompt(session, respondent)
    prompt = next((m for m in current.messages if m.kind == "prompt"), None)
    if prompt is None or prompt.multiple or prompt.ranking or len(prompt.options) <= render.MAX_ROWS - 2:
        return None
    found = render.search(prompt.options, text)
    lang = current.lang
    if len(found) == 1:
        reply = await conversation.handle(session, respondent, Input("choice", found[0].value, question_key=prompt.question_key),
                                          run_id=current.run_id)
        return render.messages(to, reply)
    if not found:
        return render.text_bodies(to, translate("no_match", lang, text=text)) + render.messages(to, current)
    narrowed = Reply([replace(prompt, options=tuple(found[: render.PAGE_SIZE * 3]), text=translate("matches", lang, text=text),
                              progress=None, hint=None)],
                     lang=lang, run_id=current.run_id, questionnaire_id=current.questionnaire_id)
    return render.messages(to, narrowed)


def _status(conversation: Conversation, to: str, reply: Reply) -> list[dict[str, Any]]:
    prompt = next((m for m in reply.messages if m.kind == "prompt" and m.progress), None)
    if prompt is None or not reply.questionnaire_id:
        return []
    title = conversation.catalog.current(reply.questionnaire_id).title.get(reply.lang)
    k, n = prompt.progress  # type: ignore[misc]
    return render.text_bodies(to, translate("status", reply.lang, k=k, n=n, title=title))


async def _has_open_run(session: AsyncSession, conversation: Conversation, respondent: Respondent) -> bool:
    from storage import repository

    return await repository.open_run(session, respondent.id) is not None
