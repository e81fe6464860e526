"""The review step: every answer in one message, each with a button to change it."""

from __future__ import annotations

from . import i18n
from .answers import describe
from .calculations import environment
from .flow import REVIEW, Position, first_of_item, is_relevant, items
from .model import SILENT_TYPES, Questionnaire
from .state import Message, Option, RunState

_LABEL_LENGTH = 48
_ANSWER_LENGTH = 160  # the whole summary must fit one chat message …
_MESSAGE_LENGTH = 3800  # … (Telegram's limit is 4096): long answers are cut shorter if needed
_SHORTER = (160, 100, 60, 32)


def _short(text: str, limit: int = _ANSWER_LENGTH) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


def review_message(q: Questionnaire, state: RunState) -> Message:
    """The summary, each answer cut to the longest length that keeps it within one message."""
    for limit in _SHORTER:
        message = _review_message(q, state, limit)
        if len(message.text) <= _MESSAGE_LENGTH:
            break
    return message


def _review_message(q: Questionnaire, state: RunState, limit: int) -> Message:
    lang = state.lang
    lines = [i18n.translate("review_intro", lang), ""]
    options: list[Option] = []
    number = 0
    env = environment(q, state)
    for question in q.questions:
        if question.type in SILENT_TYPES or not is_relevant(question, env):
            continue
        number += 1
        short = question.text.get(lang)
        short = short if len(short) <= _LABEL_LENGTH else short[: _LABEL_LENGTH - 1] + "…"
        if question.type == "repeat":
            rows = items(state, question.key)
            lines.append(f"{number}. {question.text.get(lang)}")
            for index, row in enumerate(rows, start=1):
                parts = []
                for sub in question.questions:
                    if sub.key in row:
                        more = row.get(f"{sub.key}_more")
                        text = describe(q, sub, row[sub.key], lang)
                        parts.append(_short(f"{text} (+ {more})" if more else text, limit))
                lines.append(f"   {index}) " + " · ".join(parts))
            first = first_of_item(q, state, question, 0) if rows else None  # skip logic inside items
            target = first.token if first is not None else Position("add", question.key, 0).token
        else:
            answer = describe(q, question, state.answers.get(question.key), lang)
            more = state.answers.get(f"{question.key}_more")
            if more:
                answer = f"{answer} (+ {more})"
            answer = _short(answer, limit)
            lines.append(f"{number}. {question.text.get(lang)}\n   → {answer}")
            target = Position("question", question.key).token
        options.append(Option(value=target, label=i18n.translate("review_change", lang, n=number, text=short)))
    options.append(Option(value="_submit", label=i18n.translate("review_submit", lang)))
    return Message(
        kind="prompt", text="\n".join(lines), question_key=REVIEW, question_type="review",
        options=tuple(options), can_go_back=False,
    )
