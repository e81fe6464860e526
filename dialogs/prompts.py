"""The prompt for a position: the question's text, options, hints, progress — one Message.

What a prompt shows is derived from the definition and the run state alone, so any process
(a web page reload, a Telegram ``/stato``) draws the same prompt the engine answered with.
A long list (see :mod:`dialogs.lookup`) shows its matches or suggestions instead of every option.
"""

from __future__ import annotations

from typing import Any

from . import i18n, lookup
from .answers import describe
from .calculations import interpolate
from .flow import Position, has_value, item_env, value_at, visible_choices
from .flow import progress as _progress
from .model import Question, Questionnaire, Text
from .review import review_message
from .state import Message, Option, RunState

YES_NO = [("yes", Text(it="Sì", en="Yes", fr="Oui")), ("no", Text(it="No", en="No", fr="Non"))]


def ticked(q: Questionnaire, state: RunState, pos: Position, choices: list[Any]) -> list[str]:
    """What a multiple/ranking prompt shows ticked: this turn's toggles, else the current answer,
    without values its choice filter no longer offers (an earlier answer changed)."""
    shown = {c.value for c in choices}
    values = state.pending.get(state.current or "", value_at(q, state, pos) or [])
    return [value for value in values if value in shown]


def render(q: Questionnaire, state: RunState, pos: Position, note: str | None = None) -> Message:
    """The prompt at ``pos``; ``note`` replaces a long list's usual hint (what a search found)."""
    lang = state.lang
    if pos.kind == "review":
        return review_message(q, state)
    if pos.kind == "add":
        group = q.question(pos.key)
        text = (group.add_prompt.get(lang) if group.add_prompt else i18n.translate("add_another", lang))
        return Message(
            kind="prompt", text=text, question_key=pos.token, question_type="yesno",
            options=tuple(Option(value=v, label=label.get(lang)) for v, label in YES_NO),
            progress=_progress(q, state, pos), can_go_back=bool(state.history),
        )
    question = q.question(pos.key)
    if pos.kind == "more":
        assert question.follow_up is not None
        return Message(
            kind="prompt", text=question.follow_up.text.get(lang), question_key=pos.token, question_type="text",
            progress=_progress(q, state, pos), can_skip=True, can_go_back=bool(state.history),
            item=pos.index + 1 if pos.in_item else None,
        )
    return _question(q, state, pos, question, note)


def _question(q: Questionnaire, state: RunState, pos: Position, question: Question, note: str | None) -> Message:
    lang, token = state.lang, pos.token
    env = item_env(q, state, pos)
    options, search_hint = _options(q, state, pos, question, env)
    hints = [interpolate(q, question.hint.get(lang), env, lang)] if question.hint else []
    if question.type == "scale" and (question.min_label or question.max_label):
        low, high = options[0].label, options[-1].label
        hints.append(
            f"{low} = {question.min_label.get(lang) if question.min_label else low}, "
            f"{high} = {question.max_label.get(lang) if question.max_label else high}"
        )
    if note or search_hint:
        hints.append(note or search_hint)  # type: ignore[arg-type]
    if has_value(q, state, pos):
        hints.append(i18n.translate("current_answer", lang, answer=describe(q, question, value_at(q, state, pos), lang)))
    text = interpolate(q, question.text.get(lang), env, lang)
    group = q.group_of(question.key)
    if group is not None:
        label = group.item_label.get(lang) if group.item_label else group.text.get(lang)
        text = f"{label} {pos.index + 1} — {text}"
    return Message(
        kind="prompt",
        text=text,
        question_key=token,
        question_type=question.type,
        options=options,
        multiple=question.type in ("multiple", "ranking"),
        ranking=question.type == "ranking",
        progress=_progress(q, state, pos),
        can_skip=not question.is_required,
        can_go_back=any(t != token for t in state.history),
        hint="\n".join(hints) or None,
        item=pos.index + 1 if group is not None else None,
    )


def _options(
    q: Questionnaire, state: RunState, pos: Position, question: Question, env: dict[str, Any]
) -> tuple[tuple[Option, ...], str | None]:
    """The options drawn (ticked and ranked as the answer so far stands), and for a long list
    the hint that goes with what it shows."""
    lang = state.lang
    choices = visible_choices(q, question, env)
    if lookup.is_long(question, choices):
        pending = state.pending.get(pos.token)
        current = value_at(q, state, pos) if has_value(q, state, pos) else None
        shown = lookup.offered(question, choices, pending, current)
        return lookup.options(shown, pending, lang), lookup.hint(pending, shown, lang)
    selected = ticked(q, state, pos, choices) if question.type in ("multiple", "ranking") else []
    options = tuple(
        Option(
            value=c.value, label=c.label.get(lang), selected=c.value in selected,
            rank=selected.index(c.value) + 1 if question.type == "ranking" and c.value in selected else None,
        )
        for c in choices
    )
    return options, None
