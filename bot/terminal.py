"""`scenari chat`: answer any questionnaire in the terminal, on the same engine and store.

How an author tries a questionnaire without Telegram; it reads lines from stdin, so a whole
run can be piped in (``printf '1\n2\n…' | scenari chat --questionnaire imprese``).
"""

from __future__ import annotations

import sys
from collections.abc import Iterator
from typing import TYPE_CHECKING, TextIO

from dialogs import Input, Message
from dialogs.answers import fold
from dialogs.i18n import Catalogue, speaking
from storage import Database

from bot.service.conversation import Conversation
from bot.service.notice import full_text
from bot.service.reply import CONSENT_KEY, Reply

if TYPE_CHECKING:  # pragma: no cover
    from sqlalchemy.ext.asyncio import AsyncSession

    from storage.models import Respondent

CHANNEL = "cli"

COMMANDS = {
    "/indietro": "back", "/back": "back",
    "/salta": "skip", "/skip": "skip",
    "/annulla": "pause", "/cancel": "pause",
    "/riprendi": "resume", "/resume": "resume",
    "/stato": "show", "/status": "show",
}
TEXTS: dict[str, dict[str, str]] = {  # the terminal's own texts, Italian first
    "help": {
        "it": "Comandi: /indietro, /salta, /stato, /annulla, /riprendi, /lingua it|en, /informativa, /privacy, /cancella, /esci",
        "en": "Commands: /indietro (back), /salta (skip), /stato (status), /annulla (pause), /riprendi (resume), /lingua it|en, /informativa (privacy notice), /privacy, /cancella (erase), /esci (quit)",
    },
    "choice_hint": {
        "it": "(scrivi il numero o il testo dell'opzione)",
        "it@lei": "(scriva il numero o il testo dell'opzione)",
        "en": "(type the option's number or text)",
    },
    "multi_hint": {
        "it": "(scrivi uno o più numeri separati da virgole, es. 1,3)",
        "it@lei": "(scriva uno o più numeri separati da virgole, es. 1,3)",
        "en": "(type one or more numbers separated by commas, e.g. 1,3)",
    },
    "rank_hint": {
        "it": "(scrivi i numeri in ordine di importanza, separati da virgole, es. 3,1,5)",
        "it@lei": "(scriva i numeri in ordine di importanza, separati da virgole, es. 3,1,5)",
        "en": "(type the numbers in order of importance, separated by commas, e.g. 3,1,5)",
    },
    "review_hint": {
        "it": "(scrivi il numero della risposta da cambiare, oppure «invia» per inviare)",
        "it@lei": "(scriva il numero della risposta da cambiare, oppure «invia» per inviare)",
        "en": "(type the number of the answer to change, or “submit” to send)",
    },
    "skip_hint": {
        "it": "(facoltativa: una riga vuota o /salta per saltarla)",
        "en": "(optional: an empty line or /salta skips it)",
    },
    "input_ended": {
        "it": "Input terminato prima della fine: le risposte date finora sono salvate; riprendi con lo stesso comando.",
        "it@lei": "Input terminato prima della fine: le risposte date finora sono salvate; riprenda con lo stesso comando.",
        "en": "Input ended before the end: your answers so far are saved; resume with the same command.",
    },
    "unknown_command": {
        "it": "Comando sconosciuto.",
        "en": "Unknown command.",
    },
}
# the one lookup of this catalogue (dialogs.i18n.Catalogue): translate(key, lang, **params)
translate = Catalogue(TEXTS, layer="terminal").translate


def render(message: Message, lang: str) -> str:
    lines: list[str] = []
    if message.kind == "error":
        return f"! {message.text}"
    if message.progress:
        k, n = message.progress
        lines.append(f"[{k}/{n}] {message.text}")
    else:
        lines.append(message.text)
    if message.hint:
        lines.append(f"  ({message.hint})")
    for number, option in enumerate(message.options, start=1):
        if option.rank is not None:
            mark = f"[{option.rank}] "
        else:
            mark = "[x] " if option.selected else ("[ ] " if message.multiple else "")
        lines.append(f"  {number}) {mark}{option.label}")
    if message.kind == "prompt" and message.options:
        if message.question_type == "review":  # its last option is typed as a word, not its label
            hint = "review_hint"
        else:
            hint = "rank_hint" if message.ranking else ("multi_hint" if message.multiple else "choice_hint")
        lines.append("  " + translate(hint, lang))
    if message.kind == "prompt" and message.can_skip:
        lines.append("  " + translate("skip_hint", lang))
    return "\n".join(lines)


def _lines(stream: TextIO) -> Iterator[str]:
    for line in stream:
        yield line.rstrip("\n")


async def run_chat(
    db: Database,
    conversation: Conversation,
    questionnaire_id: str,
    respondent_ref: str,
    lang: str,
    stdin: TextIO = sys.stdin,
    stdout: TextIO = sys.stdout,
) -> int:
    """Drive one questionnaire until it completes (0), the user quits or input ends (3).

    Every text is drawn in the questionnaire's register ("tu" or "Lei"), the terminal's own hints too.
    """
    with speaking(conversation.register_of(questionnaire_id)):
        return await _run_chat(db, conversation, questionnaire_id, respondent_ref, lang, stdin, stdout)


async def _run_chat(
    db: Database, conversation: Conversation, questionnaire_id: str, respondent_ref: str, lang: str,
    stdin: TextIO, stdout: TextIO,
) -> int:
    chat = _Chat(db, conversation, questionnaire_id, respondent_ref, lang, stdout)
    reply = await chat.start()
    if reply.rejected and not reply.run_id and not chat.awaiting_consent:
        return 2
    for raw in _lines(stdin):
        status = await chat.line(raw.strip())
        if status is not None:
            return status
    print(translate("input_ended", chat.current_lang), file=stdout)
    return 3


class _Chat:
    """One terminal conversation: its language, whether consent is awaited, and the last reply shown."""

    def __init__(self, db: Database, conversation: Conversation, questionnaire_id: str, respondent_ref: str,
                 lang: str, stdout: TextIO) -> None:
        self.db, self.conversation, self.stdout = db, conversation, stdout
        self.questionnaire_id, self.respondent_ref, self.lang = questionnaire_id, respondent_ref, lang
        self.current_lang = lang
        self.awaiting_consent = False
        self.reply: Reply | None = None

    def show(self, reply: Reply) -> None:
        for message in reply.messages:
            print(render(message, reply.lang), file=self.stdout)
        self.stdout.flush()

    async def start(self) -> Reply:
        """Look the respondent up, start the questionnaire and show its first prompt."""
        async with self.db.transaction() as session:
            respondent = await self.conversation.lookup(session, CHANNEL, self.respondent_ref, self.lang)
            self.current_lang = respondent.language
            reply = await self.conversation.start(session, respondent, self.questionnaire_id)
        self.show(reply)
        self.awaiting_consent = _asks_consent(reply)
        self.reply = reply
        return reply

    async def line(self, text: str) -> int | None:
        """Answer one typed line; the exit status when the chat ends with it, else None."""
        assert self.reply is not None, "start() comes first"
        if text in ("/esci", "/quit", "/exit"):
            return 0 if self.reply.completed else 3
        if text in ("/aiuto", "/help"):
            print(translate("help", self.current_lang), file=self.stdout)
            return None
        if text in ("/informativa", "/notice"):  # the privacy notice in full, before consent too
            print(full_text(self.conversation.notice, self.current_lang), file=self.stdout)
            return None
        async with self.db.transaction() as session:
            respondent = await self.conversation.lookup(session, CHANNEL, self.respondent_ref, self.lang)
            if not self.awaiting_consent and text == "/cancella":
                self.show(await self.conversation.erase(session, respondent))
                return 0
            reply = await self._answer(session, respondent, text)
        if reply is None:
            return None
        self.show(reply)
        self.awaiting_consent = _asks_consent(reply)
        self.reply = reply
        if reply.completed or reply.stopped:  # stopped: the age gate ended the run politely
            return 0
        if not self.awaiting_consent and not reply.run_id:
            return 0 if not reply.rejected else 3  # declined consent, or nothing to answer
        return None

    async def _answer(self, session: AsyncSession, respondent: Respondent, text: str) -> Reply | None:
        """The conversation's reply to a line; None when the line is answered here (privacy, unknown)."""
        conversation = self.conversation
        if self.awaiting_consent:
            decision = _consent_decision(text)
            if decision is None:
                return conversation.consent_prompt(respondent.language, self.questionnaire_id)
            return await conversation.decide_consent(session, respondent, decision, self.questionnaire_id)
        if text.startswith("/lingua") or text.startswith("/language"):
            return await self._set_language(session, respondent, text)
        if text == "/privacy":
            print(await conversation.privacy_report(session, respondent), file=self.stdout)
            return None
        if text.startswith("/") and text.split()[0] in COMMANDS:
            return await conversation.handle(session, respondent, Input(COMMANDS[text.split()[0]]))  # type: ignore[arg-type]
        if text.startswith("/"):
            print(f"! {translate('unknown_command', self.current_lang)} {translate('help', self.current_lang)}", file=self.stdout)
            return None
        if not text:  # an empty line skips an optional question (a required one says so)
            return await conversation.handle(session, respondent, Input("skip"))
        return await conversation.handle(session, respondent, Input("text", text))

    async def _set_language(self, session: AsyncSession, respondent: Respondent, text: str) -> Reply:
        """`/lingua en`, or a bare `/lingua` to switch; then the current prompt again, in it."""
        languages = self.conversation.languages  # the plan's; a bare /lingua moves to the next one
        following = languages[(languages.index(self.current_lang) + 1) % len(languages)] if self.current_lang in languages else languages[0]
        wanted = text.split(maxsplit=1)[1].strip().lower() if " " in text else following
        reply = await self.conversation.set_language(session, respondent, self.conversation.language_for(wanted))
        self.current_lang = reply.lang
        current = await self.conversation.current_prompt(session, respondent)
        reply.messages.extend(current.messages)
        reply.run_id = current.run_id  # still in a run: keep reading lines
        return reply


def _asks_consent(reply: Reply) -> bool:
    return any(m.question_key == CONSENT_KEY for m in reply.messages)


def _consent_decision(text: str) -> bool | None:
    answer = fold(text)
    if answer in ("1", "si", "sì", "s", "yes", "y", "accetto", "i agree", "ok", "ja", "j", "ich stimme zu", "oui"):
        return True
    if answer in ("2", "no", "n", "non accetto", "i do not agree", "nein", "ich stimme nicht zu", "non"):
        return False
    return None
