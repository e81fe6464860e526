"""From engine messages and run state to what the templates show: bubbles and one question form.

Rendering is generic on purpose: a message kind or question type this module does not know
still shows its text, its options and a way to answer (typing), so new engine features degrade
gracefully instead of breaking the page.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

import dialogs
from dialogs import Message, Questionnaire, RunState

from .texts import wt

BUTTON_TYPES = frozenset({"single", "yesno", "scale"})
CHECKBOX_TYPES = frozenset({"multiple"})
NUMBER_TYPES = frozenset({"integer", "decimal"})


@dataclass
class Bubble:
    speaker: str  # "bot" or "user"
    kind: str  # a CSS-safe message kind: info, note, question, answer, error, completed, …
    text: str


@dataclass
class OptionView:
    index: int
    value: str
    label: str
    selected: bool = False


@dataclass
class PromptView:
    key: str
    type: str
    text: str
    control: str  # buttons | checkboxes | textarea | line | typed_options
    options: list[OptionView] = field(default_factory=list)
    hint: str | None = None
    input_hint: str | None = None
    inputmode: str | None = None
    progress: tuple[int, int] | None = None
    can_skip: bool = False
    can_go_back: bool = False
    errors: list[str] = field(default_factory=list)
    draft: str | None = None


def css_kind(kind: str) -> str:
    return re.sub(r"[^a-z0-9-]", "", kind.lower()) or "info"


def prompt_view(message: Message, lang: str) -> PromptView:
    qtype = message.question_type or ""
    options = [
        OptionView(index=i, value=o.value, label=o.label, selected=o.selected)
        for i, o in enumerate(message.options, start=1)
    ]
    input_hint: str | None = None
    inputmode: str | None = None
    if options and qtype in BUTTON_TYPES:
        control = "buttons"
    elif options and (qtype in CHECKBOX_TYPES or (message.multiple and not qtype)):
        control = "checkboxes"
    elif options:  # a type this channel does not know: list the options, answer by typing
        control = "typed_options"
        input_hint = wt("numbers_hint", lang)
    elif qtype in NUMBER_TYPES:
        control = "line"
        inputmode = "numeric" if qtype == "integer" else "decimal"
        input_hint = wt("number_hint", lang)
    elif qtype == "date":
        control = "line"
        input_hint = wt("date_hint", lang)
    else:
        control = "textarea"
    return PromptView(
        key=message.question_key or "",
        type=qtype,
        text=message.text,
        control=control,
        options=options,
        hint=message.hint,
        input_hint=input_hint,
        inputmode=inputmode,
        progress=message.progress,
        can_skip=message.can_skip,
        can_go_back=message.can_go_back,
    )


def current_prompt(messages: list[Message]) -> Message | None:
    """The question to answer now: the last prompt (or the last message offering options)."""
    for message in reversed(messages):
        if message.kind == "prompt" or (message.options and message.question_key and message.kind != "error"):
            return message
    return None


def thread(q: Questionnaire, state: RunState, lang: str, include_current: bool = False) -> list[Bubble]:
    """The conversation so far, rebuilt from the run state: intro, notes, each question and answer."""
    bubbles: list[Bubble] = []
    if q.intro:
        bubbles.append(Bubble("bot", "info", q.intro.get(lang)))
    notes_before = _notes_before(q)
    shown_notes: set[str] = set()

    def add_notes(key: str) -> None:
        for note_key, text in notes_before.get(key, []):
            if note_key not in shown_notes:
                shown_notes.add(note_key)
                bubbles.append(Bubble("bot", "note", text.get(lang)))

    for key in state.history:
        if key == state.current or key not in state.answers:
            continue
        try:
            question = q.question(key)
            answer = dialogs.describe(q, question, state.answers[key], lang)
        except Exception:  # a question kind this channel cannot describe: show what we can
            continue
        add_notes(key)
        bubbles.append(Bubble("bot", "question", question.text.get(lang)))
        bubbles.append(Bubble("user", "answer", answer))
    if state.current and include_current:
        add_notes(state.current)
    return bubbles


def _notes_before(q: Questionnaire) -> dict[str, list[tuple[str, Any]]]:
    """For each question, the unconditional notes right before it in the questionnaire."""
    found: dict[str, list[tuple[str, Any]]] = {}
    pending: list[tuple[str, Any]] = []
    for question in q.questions:
        if question.type == "note":
            if not question.relevant:
                pending.append((question.key, question.text))
            continue
        if pending:
            found[question.key] = pending
            pending = []
    return found


def transient(messages: list[tuple[str, str]], already: list[Bubble]) -> tuple[list[Bubble], list[str]]:
    """Split a post's messages into bubbles for the thread and errors for the question form."""
    shown = {b.text for b in already}
    bubbles: list[Bubble] = []
    errors: list[str] = []
    for kind, text in messages:
        if kind == "error":
            errors.append(text)
        elif text not in shown:
            bubbles.append(Bubble("bot", css_kind(kind), text))
            shown.add(text)
    return bubbles, errors
