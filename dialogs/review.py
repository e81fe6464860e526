"""The review step: every answer in one message, each with a button to change it."""

from __future__ import annotations

from . import i18n
from .answers import describe
from .flow import REVIEW, Position, is_relevant, items
from .model import Questionnaire
from .state import Message, Option, RunState

_LABEL_LENGTH = 48
_ANSWER_LENGTH = 160  # the whole summary must fit one chat message


def _short(text: str) -> str:
    return text if len(text) <= _ANSWER_LENGTH else text[: _ANSWER_LENGTH - 1] + "…"


def review_message(q: Questionnaire, state: RunState) -> Message:
    lang = state.lang
    lines = [i18n.text("review_intro", lang), ""]
    options: list[Option] = []
    number = 0
    for question in q.questions:
        if question.type == "note" or not is_relevant(question, state.answers):
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
                        parts.append(_short(f"{text} (+ {more})" if more else text))
                lines.append(f"   {index}) " + " · ".join(parts))
            first = question.questions[0].key
            target = Position("item", first, 0).token if rows else Position("add", question.key, 0).token
        else:
            answer = describe(q, question, state.answers.get(question.key), lang)
            more = state.answers.get(f"{question.key}_more")
            if more:
                answer = f"{answer} (+ {more})"
            answer = _short(answer)
            lines.append(f"{number}. {question.text.get(lang)}\n   → {answer}")
            target = Position("question", question.key).token
        options.append(Option(value=target, label=i18n.text("review_change", lang, n=number, text=short)))
    options.append(Option(value="_submit", label=i18n.text("review_submit", lang)))
    return Message(
        kind="prompt", text="\n".join(lines), question_key=REVIEW, question_type="review",
        options=tuple(options), can_go_back=False,
    )
