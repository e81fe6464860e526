"""`scenari chat`: answer any questionnaire in the terminal, on the same engine and store.

How an author tries a questionnaire without Telegram; it reads lines from stdin, so a whole
run can be piped in (``printf '1\n2\n…' | scenari chat --questionnaire imprese``).
"""

from __future__ import annotations

import sys
from collections.abc import Iterator
from typing import TextIO

from dialogs import Input, Message
from dialogs.answers import fold
from storage import Database

from bot.service.conversation import Conversation
from bot.service.reply import CONSENT_KEY, Reply

CHANNEL = "cli"

COMMANDS = {
    "/indietro": "back", "/back": "back",
    "/salta": "skip", "/skip": "skip",
    "/annulla": "pause", "/cancel": "pause",
    "/riprendi": "resume", "/resume": "resume",
    "/stato": "show", "/status": "show",
}
HELP = {
    "it": "Comandi: /indietro, /salta, /stato, /annulla, /riprendi, /lingua it|en, /privacy, /cancella, /esci",
    "en": "Commands: /indietro (back), /salta (skip), /stato (status), /annulla (pause), /riprendi (resume), /lingua it|en, /privacy, /cancella (erase), /esci (quit)",
}
CHOICE_HINT = {
    "it": "(scrivi il numero o il testo dell'opzione)",
    "en": "(type the option's number or text)",
}
MULTI_HINT = {
    "it": "(scrivi uno o più numeri separati da virgole, es. 1,3)",
    "en": "(type one or more numbers separated by commas, e.g. 1,3)",
}
RANK_HINT = {
    "it": "(scrivi i numeri in ordine di importanza, separati da virgole, es. 3,1,5)",
    "en": "(type the numbers in order of importance, separated by commas, e.g. 3,1,5)",
}
REVIEW_HINT = {
    "it": "(scrivi il numero della risposta da cambiare, oppure «invia» per inviare)",
    "en": "(type the number of the answer to change, or “submit” to send)",
}
SKIP_HINT = {
    "it": "(facoltativa: una riga vuota o /salta per saltarla)",
    "en": "(optional: an empty line or /salta skips it)",
}
EOF_TEXT = {
    "it": "Input terminato prima della fine: le risposte date finora sono salvate; riprendi con lo stesso comando.",
    "en": "Input ended before the end: your answers so far are saved; resume with the same command.",
}
UNKNOWN_COMMAND = {
    "it": "Comando sconosciuto.",
    "en": "Unknown command.",
}


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
            hint = REVIEW_HINT
        else:
            hint = RANK_HINT if message.ranking else (MULTI_HINT if message.multiple else CHOICE_HINT)
        lines.append("  " + hint[lang])
    if message.kind == "prompt" and message.can_skip:
        lines.append("  " + SKIP_HINT[lang])
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
    """Drive one questionnaire until it completes (0), the user quits or input ends (3)."""

    def show(reply: Reply) -> None:
        for message in reply.messages:
            print(render(message, reply.lang), file=stdout)
        stdout.flush()

    async with db.transaction() as session:
        respondent = await conversation.lookup(session, CHANNEL, respondent_ref, lang)
        current_lang = respondent.language
        reply = await conversation.start(session, respondent, questionnaire_id)
    show(reply)
    awaiting_consent = _asks_consent(reply)
    if reply.rejected and not reply.run_id and not awaiting_consent:
        return 2
    for raw in _lines(stdin):
        text = raw.strip()
        if text in ("/esci", "/quit", "/exit"):
            return 0 if reply.completed else 3
        if text in ("/aiuto", "/help"):
            print(HELP[current_lang], file=stdout)
            continue
        async with db.transaction() as session:
            respondent = await conversation.lookup(session, CHANNEL, respondent_ref, lang)
            if awaiting_consent:
                decision = _consent_decision(text)
                if decision is None:
                    reply = conversation.consent_prompt(respondent.language, questionnaire_id)
                else:
                    reply = await conversation.decide_consent(session, respondent, decision, questionnaire_id)
            elif text.startswith("/lingua") or text.startswith("/language"):
                wanted = text.split(maxsplit=1)[1].strip().lower() if " " in text else ("en" if current_lang == "it" else "it")
                reply = await conversation.set_language(session, respondent, "en" if wanted.startswith("en") else "it")
                current_lang = reply.lang
                current = await conversation.current_prompt(session, respondent)
                reply.messages.extend(current.messages)
                reply.run_id = current.run_id  # still in a run: keep reading lines
            elif text == "/privacy":
                print(await conversation.privacy_report(session, respondent), file=stdout)
                continue
            elif text == "/cancella":
                reply = await conversation.erase(session, respondent)
                show(reply)
                return 0
            elif text.startswith("/") and text.split()[0] in COMMANDS:
                reply = await conversation.handle(session, respondent, Input(COMMANDS[text.split()[0]]))  # type: ignore[arg-type]
            elif text.startswith("/"):
                print(f"! {UNKNOWN_COMMAND[current_lang]} {HELP[current_lang]}", file=stdout)
                continue
            elif not text:  # an empty line skips an optional question (a required one says so)
                reply = await conversation.handle(session, respondent, Input("skip"))
            else:
                reply = await conversation.handle(session, respondent, Input("text", text))
        show(reply)
        awaiting_consent = _asks_consent(reply)
        if reply.completed:
            return 0
        if not awaiting_consent and not reply.run_id:
            return 0 if not reply.rejected else 3  # declined consent, or nothing to answer
    print(EOF_TEXT[current_lang], file=stdout)
    return 3


def _asks_consent(reply: Reply) -> bool:
    return any(m.question_key == CONSENT_KEY for m in reply.messages)


def _consent_decision(text: str) -> bool | None:
    answer = fold(text)
    if answer in ("1", "si", "sì", "s", "yes", "y", "accetto", "i agree", "ok"):
        return True
    if answer in ("2", "no", "n", "non accetto", "i do not agree"):
        return False
    return None
