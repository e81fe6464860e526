"""From engine messages and run state to what the templates show: bubbles and one question form
(and back: :func:`input_of` reads an answer form as the engine's input).

Rendering is generic on purpose: a message kind or question type this module does not know
still shows its text, its options and a way to answer (typing), so new engine features degrade
gracefully instead of breaking the page.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field, replace as dataclasses_replace
from typing import Any

from markupsafe import Markup, escape
from starlette.datastructures import ImmutableMultiDict

import dialogs
from dialogs import Input, Message, Questionnaire, RunState
from dialogs.calculations import interpolate
from dialogs.flow import has_value, item_env, position, value_at
from dialogs.i18n import speaking

from bot.service.catalog import QuestionnaireCatalog

from .texts import translate

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
    rank: int | None = None  # in a ranking: this option's place in the order so far


@dataclass
class PromptView:
    key: str
    type: str
    text: str
    control: str  # buttons | checkboxes | ranking | review | textarea | line | typed_options
    options: list[OptionView] = field(default_factory=list)
    hint: str | None = None
    input_hint: str | None = None
    inputmode: str | None = None
    progress: tuple[int, int] | None = None
    can_skip: bool = False
    can_go_back: bool = False
    errors: list[str] = field(default_factory=list)
    draft: str | None = None


def open_questionnaires(catalog: QuestionnaireCatalog, lang: str) -> list[dict[str, str]]:
    """The questionnaires anyone may start, as the home page and the message pages list them."""
    items = []
    for qid in catalog.ids():
        q = catalog.current(qid)
        items.append({
            "id": qid, "title": q.title.get(lang),
            "description": q.description.get(lang) if q.description else "",
        })
    return items


def consent_view(consent: Message, notice_url: str | None = None) -> dict[str, Any]:
    """The consent question as the page shows it: the notice's lines, the question, yes and no.

    The line giving the full notice's address (``notice_url``) is left out: the page links to
    /informativa instead.
    """
    lines = [line for line in consent.text.split("\n") if line.strip() and not (notice_url and notice_url in line)]
    return {
        "notice": lines[:-1], "question": lines[-1] if lines else "",
        "options": [{"value": o.value, "label": o.label} for o in consent.options],
    }


def input_of(form: ImmutableMultiDict[str, str]) -> Input:
    """The engine's input from an answer form: a button pressed, boxes ticked, text typed, back or skip."""
    key = form.get("key") or None
    if "choice" in form:
        return Input("choice", form.get("choice", ""), question_key=key)
    action = form.get("action", "answer")
    if action in ("back", "skip"):
        return Input(action, question_key=key)  # type: ignore[arg-type]
    if action == "done":
        selected = [value for value in form.getlist("selected") if value.strip()]
        if not selected:
            return Input("done", question_key=key)
        return Input("text", ",".join(selected), question_key=key)
    if action == "answer":
        return Input("text", form.get("text", ""), question_key=key)
    return Input("show", question_key=key)


def css_kind(kind: str) -> str:
    return re.sub(r"[^a-z0-9-]", "", kind.lower()) or "info"


def prompt_view(message: Message, lang: str) -> PromptView:
    qtype = message.question_type or ""
    options = [
        OptionView(index=i, value=o.value, label=o.label, selected=o.selected, rank=o.rank)
        for i, o in enumerate(message.options, start=1)
    ]
    input_hint: str | None = None
    inputmode: str | None = None
    if options and qtype in BUTTON_TYPES:
        control = "buttons"
    elif options and (qtype == "ranking" or message.ranking):
        # each press puts the option next in the order (again: takes it out); the engine keeps
        # the order so far in the run state, so it survives a reload and works without script
        control = "ranking"
        input_hint = translate("ranking_hint", lang)
    elif options and qtype == "review":  # the summary, a button per answer to change, and submit
        control = "review"
    elif options and (qtype in CHECKBOX_TYPES or (message.multiple and not qtype)):
        control = "checkboxes"
    elif options:  # a type this channel does not know: list the options, answer by typing
        control = "typed_options"
        input_hint = translate("numbers_hint", lang)
    elif qtype in NUMBER_TYPES:
        control = "line"
        inputmode = "numeric" if qtype == "integer" else "decimal"
        input_hint = translate("number_hint", lang)
    elif qtype == "date":
        control = "line"
        input_hint = translate("date_hint", lang)
    elif qtype in BUTTON_TYPES:  # a choice without buttons: a long list, searched by typing a name
        control = "line"
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
    """The conversation so far, rebuilt from the run state: intro, notes, each question and answer.

    Walks the positions the run visited (questions, repeat-group items, follow-ups), so an
    interview with repeat groups reads back in full, not only its top-level questions.
    """
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

    seen: set[str] = set()
    for token in state.history:
        if token == state.current or token in seen:
            continue
        seen.add(token)
        said = _exchange(q, state, token, lang)
        if said is None:
            continue
        add_notes(position(token).key)
        bubbles.append(Bubble("bot", "question", said[0]))
        bubbles.append(Bubble("user", "answer", said[1]))
    if state.current and include_current:
        try:
            add_notes(position(state.current).key)
        except ValueError:
            pass
    return bubbles


def visible_tokens(history: list[str] | tuple[str, ...], current: str | None) -> list[str]:
    """The positions :func:`thread` reads back, in order: each visited once, the current one left out."""
    return [token for token in dict.fromkeys(history) if token != current]  # first visits, in order


def step_bubbles(
    q: Questionnaire, before: tuple[tuple[str, ...], str | None], state: RunState, lang: str
) -> list[Bubble] | None:
    """What one step forward adds to :func:`thread` (``include_current``), without rebuilding it.

    ``before`` is the run's (history, current) when the page was shown. A plain step forward —
    the question shown is now read back after the ones before it, and nothing before changed —
    adds its question and answer and the notes before the new question: exactly the bubbles a
    reload's full thread would end with. Anything else (back, a change from the summary, a
    repeat group's notes met again, a question with notes that reads back nothing) returns
    None: the caller shows the whole page instead.
    """
    history, answered = before
    if answered is None or state.current == answered:
        return None
    earlier = visible_tokens(history, answered)
    if answered in earlier or visible_tokens(state.history, state.current) != [*earlier, answered]:
        return None
    notes = _notes_before(q)
    try:
        answered_key = position(answered).key
        current_key = position(state.current).key if state.current else None
    except ValueError:
        return None
    bubbles: list[Bubble] = []
    said = _exchange(q, state, answered, lang)
    if said is None:
        if answered_key in notes:
            return None  # the full thread would drop the notes shown before it
    else:
        bubbles += [Bubble("bot", "question", said[0]), Bubble("user", "answer", said[1])]
    if current_key is not None and current_key in notes:
        if current_key == answered_key or any(position(token).key == current_key for token in earlier):
            return None  # notes already shown once (a repeat group's next item): the full thread decides
        bubbles += [Bubble("bot", "note", text.get(lang)) for _, text in notes[current_key]]
    return bubbles


def bubbles_html(bubbles: list[Bubble], said: tuple[str, str], once: bool = False) -> Markup:
    """The thread's messages as the pages show them (``<li class="bubble …">``), escaped.

    Built here rather than by a template loop: a long interview's page has a hundred of them,
    and a Jinja macro call per message costs several times this. ``said`` is what a screen
    reader hears before each (the bot's name, "you"); ``once`` marks messages said once, outside
    the run's thread, which the page script (static/answer.js) does not add twice.
    """
    voices = (escape(said[0]), escape(said[1]))
    mark = " data-once" if once else ""
    lines = []
    for b in bubbles:
        # kept on the bubble: a thread's bubbles are shown again on the run's next pages
        # (bot.web.citizen.WebChannel._thread_after), each escaped once
        key = (b.speaker, b.kind, b.text, voices, mark)
        known = b.__dict__.get("_html")
        if known is None or known[0] != key:
            known = b.__dict__["_html"] = (key, (
                f'<li class="bubble {escape(b.speaker)} {escape(b.kind)}"{mark}><span class="visually-hidden">'
                f'{voices[b.speaker == "user"]}</span> <span class="text">{escape(b.text)}</span></li>'))
        lines.append(known[1])
    return Markup("\n".join(lines))


def _exchange(q: Questionnaire, state: RunState, token: str, lang: str) -> tuple[str, str] | None:
    """(question text, answer text) of one answered position; None for steps that ask nothing."""
    try:
        pos = position(token)
        if pos.kind not in ("question", "item", "more") or not has_value(q, state, pos):
            return None
        question = q.question(pos.key)
        value = value_at(q, state, pos)
        if pos.kind == "more":
            assert question.follow_up is not None
            return question.follow_up.text.get(lang), str(value) if value is not None else dialogs.i18n.translate("skipped", lang)
        # filled as it was asked: "Età di ${member_name}" reads back "Età di Luca"
        text = question.text.get(lang)
        if "${" in text:  # the environment of earlier answers is built only for a text that uses it
            text = interpolate(q, text, item_env(q, state, pos), lang)
        group = q.group_of(question.key) if pos.kind == "item" else None
        if group is not None:
            label = group.item_label.get(lang) if group.item_label else group.text.get(lang)
            text = f"{label} {pos.index + 1} — {text}"
        return text, dialogs.describe(q, question, value, lang)
    except Exception:  # a position or question kind this channel cannot describe: show what we can
        return None


_NOTES: dict[int, tuple[Any, dict[str, list[tuple[str, Any]]]]] = {}


def _notes_before(q: Questionnaire) -> dict[str, list[tuple[str, Any]]]:
    """For each question, the unconditional notes right before it in the questionnaire.

    Kept per list of questions (copies of a questionnaire with other parameters or lists share
    it), so a page view does not walk the whole questionnaire again.
    """
    known = _NOTES.get(id(q.questions))
    if known is not None and known[0] is q.questions:
        return known[1]
    found = _walk_notes(q)
    if len(_NOTES) > 256:
        _NOTES.clear()
    _NOTES[id(q.questions)] = (q.questions, found)  # holding the list: its id is not reused meanwhile
    return found


def _walk_notes(q: Questionnaire) -> dict[str, list[tuple[str, Any]]]:
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


# The engine's errors written for the chat, where the confirm button reads «Fatto»: on the web the
# buttons say «Conferma le scelte» / «Conferma l'ordine», and so must the error beside them.
_CHAT_BUTTON_ERRORS = {"none_selected": "web_none_selected", "rank_exactly": "web_rank_exactly"}
_REGISTERS = (None, "tu", "lei")


def web_errors(errors: list[str], lang: str, options: int = 0) -> list[str]:
    """``errors`` with the chat's wording of a confirm button replaced by the web's button label.

    The engine gives its messages as text; the one way to know which it sent is to compare with
    what it would say (in each register, for each count of a ranking up to ``options``).
    """
    if not errors:
        return errors
    known: dict[str, str] = {}
    for register in _REGISTERS:
        with speaking(register):
            for engine_key, web_key in _CHAT_BUTTON_ERRORS.items():
                counts = range(1, max(options, 1) + 1) if engine_key == "rank_exactly" else [None]
                for n in counts:
                    params = {} if n is None else {"n": n}
                    known.setdefault(dialogs.i18n.translate(engine_key, lang, **params),
                                     translate(web_key, lang, **params))
    return [known.get(text, text) for text in errors]


def keep_ticked(prompt: PromptView, draft: str | None) -> None:
    """After a refused multiple choice, the boxes as the respondent ticked them (not cleared)."""
    if prompt.control != "checkboxes" or draft is None:
        return
    ticked = {part for part in draft.split(",") if part}
    for option in prompt.options:
        option.selected = str(option.index) in ticked
    prompt.draft = None


def completion_bubbles(bubbles: list[Bubble], lang: str) -> list[Bubble]:
    """The end of a questionnaire thanks once: after an outro, the engine's "Grazie! …" is said without it."""
    kinds = [b.kind for b in bubbles]
    if "completed" not in kinds or kinds.index("completed") == 0:
        return bubbles
    done = bubbles[kinds.index("completed")]
    before = bubbles[kinds.index("completed") - 1]
    thanks = done.text.split("!", 1)[0].strip().lower() if "!" in done.text else ""
    if not thanks or before.speaker != "bot" or thanks not in before.text.lower():
        return bubbles  # nothing said it before: the engine's line thanks, once
    return [dataclasses_replace(b, text=translate("completed_saved", lang)) if b.kind == "completed" else b
            for b in bubbles]


def question_html(prompt: PromptView, lang: str, csrf: str, run_id: str | None, action: str) -> Markup:
    """The question to answer now (``<section id="domanda">``): its form, escaped.

    The whole page shows it (templates/_question.html calls this) and so does the fragment a
    page script asks for after an answer (:func:`answer_fragment_html`). Built here rather than by
    a template: it is on every answer's path, and a template with macros and an include costs
    several times this (a Jinja context, a macro object per block, each render).
    """
    e = escape
    described = [name for name, present in (("q-hint", prompt.hint), ("q-input-hint", prompt.input_hint),
                                            ("q-error", prompt.errors)) if present]
    describedby = f' aria-describedby="{e(" ".join(described))}"' if described else ""
    invalid = ' aria-invalid="true"' if prompt.errors else ""
    if prompt.progress:
        k, n = prompt.progress
        heading = e(translate("progress", lang, k=k, n=n))
        progress = f'<progress max="{e(n)}" value="{e(k)}" aria-hidden="true"></progress>\n'
    else:
        heading, progress = e(translate("your_answer", lang)), ""
    hints = "".join((
        f'<p class="hint" id="q-hint">{e(prompt.hint)}</p>' if prompt.hint else "",
        f'<p class="hint" id="q-input-hint">{e(prompt.input_hint)}</p>' if prompt.input_hint else "",
    ))
    errors = (f'<div class="field-error" id="q-error" role="alert">'
              f'{"".join(f"<p>{e(text)}</p>" for text in prompt.errors)}</div>') if prompt.errors else ""
    control = prompt.control
    parts: list[str] = []
    if control in ("buttons", "ranking", "review", "checkboxes"):
        parts.append(f'<fieldset{describedby}>\n<legend class="question bubble bot">{e(prompt.text)}</legend>\n'
                     f'{hints}\n{errors}\n')
        if control == "buttons":
            scale = " scale" if prompt.type == "scale" else ""
            parts.append(f'<div class="choices{scale}">\n')
            parts.extend(f'<button type="submit" name="choice" value="{e(o.value)}" class="choice">{e(o.label)}</button>\n'
                         for o in prompt.options)
            parts.append("</div>\n</fieldset>\n")
        elif control == "ranking":
            parts.append('<div class="choices ranking">\n')
            for o in prompt.options:
                rank = f'<span class="rank">{e(translate("rank_label", lang, n=o.rank))}</span> ' if o.rank else ""
                parts.append(f'<button type="submit" name="choice" value="{e(o.value)}" class="choice'
                             f'{" ranked" if o.rank else ""}" aria-pressed="{"true" if o.rank else "false"}">'
                             f'{rank}{e(o.label)}</button>\n')
            parts.append('</div>\n</fieldset>\n<div class="actions"><button type="submit" name="action" value="done" '
                         f'class="primary">{e(translate("confirm_order", lang))}</button></div>\n')
        elif control == "review":
            parts.append('<div class="choices review">\n')
            parts.extend(f'<button type="submit" name="choice" value="{e(o.value)}" class="choice'
                         f'{" primary" if o.value == "_submit" else ""}">{e(o.label)}</button>\n' for o in prompt.options)
            parts.append("</div>\n</fieldset>\n")
        else:
            parts.append('<ul class="checks">\n')
            parts.extend(f'<li><input type="checkbox" id="opt-{e(o.index)}" name="selected" value="{e(o.index)}"'
                         f'{" checked" if o.selected else ""}{invalid}>\n'
                         f'<label for="opt-{e(o.index)}">{e(o.label)}</label></li>\n' for o in prompt.options)
            parts.append('</ul>\n</fieldset>\n<div class="actions"><button type="submit" name="action" value="done" '
                         f'class="primary">{e(translate("confirm_choices", lang))}</button></div>\n')
    else:
        parts.append(f'<label for="answer" class="question bubble bot">{e(prompt.text)}</label>\n')
        if control == "typed_options":
            parts.append(f'<ol class="typed-options">{"".join(f"<li>{e(o.label)}</li>" for o in prompt.options)}</ol>\n')
        parts.append(f"{hints}\n{errors}\n")
        if control == "line":
            inputmode = f' inputmode="{e(prompt.inputmode)}"' if prompt.inputmode else ""
            value = f' value="{e(prompt.draft)}"' if prompt.draft else ""
            parts.append(f'<input type="text" id="answer" name="text" autocomplete="off"{inputmode}{describedby}'
                         f'{invalid}{value}>\n')
        else:
            parts.append(f'<textarea id="answer" name="text" rows="4"{describedby}{invalid}>{e(prompt.draft or "")}'
                         '</textarea>\n')
        parts.append('<div class="actions"><button type="submit" name="action" value="answer" class="primary">'
                     f'{e(translate("send", lang))}</button></div>\n')
    if prompt.can_skip or prompt.can_go_back:
        parts.append('<div class="nav-actions">\n')
        if prompt.can_skip:
            parts.append(f'<button type="submit" name="action" value="skip" class="secondary">{e(translate("skip", lang))}'
                         '</button>\n')
        if prompt.can_go_back:
            parts.append(f'<button type="submit" name="action" value="back" class="secondary">{e(translate("back", lang))}'
                         '</button>\n')
        parts.append("</div>\n")
    return Markup(
        '<section id="domanda" class="current" aria-labelledby="domanda-h">\n'
        f'<h2 id="domanda-h" tabindex="-1">{heading}</h2>\n{progress}'
        f'<form method="post" action="{e(action)}" class="answer" novalidate>\n'
        f'<input type="hidden" name="csrf" value="{e(csrf)}">\n'
        f'<input type="hidden" name="key" value="{e(prompt.key)}">\n'
        f'<input type="hidden" name="run" value="{e(run_id)}">\n'
        f'{"".join(parts)}</form>\n</section>\n'
    )


def answer_fragment_html(lang: str, csrf: str, context: dict[str, Any]) -> str:
    """What one answer changes on the questionnaire's page, for its script (static/answer.js).

    The messages it adds to the thread (as questionnaire.html shows them, :func:`bubbles_html`)
    and the question now (:func:`question_html`); ``context`` is
    :meth:`bot.web.citizen.WebChannel._answer_view`'s. Not a page: never shown on its own.
    """
    said = (translate("bot_said", lang), translate("you_said", lang))
    return (
        '<section class="conversation" aria-labelledby="thread-h">\n'
        f'<h2 id="thread-h" class="visually-hidden">{escape(translate("conversation", lang))}</h2>\n'
        f'<ol class="thread">\n{bubbles_html(context["thread"], said)}\n{bubbles_html(context["once"], said, once=True)}\n'
        '</ol>\n</section>\n'
        f'{question_html(context["prompt"], lang, csrf, context["run_id"], context["action"])}'
    )
