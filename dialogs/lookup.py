"""Long lists in a chat: the respondent types a few letters and is offered the matches.

A single choice with more options than a chat can show as buttons (``LONG_LIST``), or one
naming ``suggested`` options, is not drawn as a wall of 113 buttons. Its prompt offers the
suggested options (or none) and a "search" button; typed text is looked up in the labels,
accents, case and punctuation aside — the start of the label, the start of each word, then
anywhere in it, then (only when none of these finds anything) close spellings. An exact match,
a unique one, or the only label that starts with the text is the answer; several come back as
a short list of buttons; close spellings are offered, never taken alone. Transports need
nothing new: they already draw options as buttons and pass typed text on.

Between turns, what is on offer lives in ``state.pending`` under the question's token (as a
multiple choice's ticks do): absent before the first search, ``[]`` while asking to type,
the values of the matches after one.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from rapidfuzz import fuzz

from . import i18n
from .answers import InvalidAnswer, fold
from .model import Choice, Question
from .state import Option

LONG_LIST = 20  # more visible options than this: type to search
MAX_MATCHES = 8  # matches offered as buttons at once
SEARCH = "_search"  # the button that asks to type instead (not a valid choice value)
_FUZZY_CUTOFF = 85  # typos score 90 and more; unrelated words under 75
_FUZZY_MIN_LENGTH = 4  # shorter text is a prefix, not a misspelling


@dataclass(frozen=True)
class Offer:
    """No answer yet: the values to offer next (``[]``: ask to type) and what to say about them."""

    values: list[str]
    note: str | None = None


def is_long(question: Question, choices: list[Choice]) -> bool:
    return question.type == "single" and (bool(question.suggested) or len(choices) > LONG_LIST)


def offered(question: Question, choices: list[Choice], pending: list[str] | None, current: Any) -> list[Choice]:
    """The choices the prompt shows: the last matches, else the suggested ones (and the current
    answer, so that "keep it" is one press), each only while its choice filter still shows it."""
    by_value = {c.value: c for c in choices}
    if pending is not None:
        values = pending
    else:
        values = [*question.suggested, *([str(current)] if current is not None and current not in question.suggested else [])]
    return [by_value[v] for v in values if v in by_value]


def options(shown: list[Choice], pending: list[str] | None, lang: str) -> tuple[Option, ...]:
    """The buttons: the choices shown and, after them, the one to type a search instead."""
    if not shown:
        return ()
    search = Option(value=SEARCH, label=i18n.translate("search_again" if pending else "search_other", lang))
    return (*(Option(value=c.value, label=c.label.get(lang)) for c in shown), search)


def hint(pending: list[str] | None, shown: list[Choice], lang: str) -> str | None:
    """What to do now: type (nothing shown), or pick among the matches; nothing before a search."""
    if not shown:
        return i18n.translate("search_type", lang)
    return i18n.translate("search_pick", lang) if pending else None


def answer(choices: list[Choice], shown: list[Choice], kind: str, raw: str, lang: str) -> str | Offer:
    """A pressed button or typed text → the chosen value, or the next offer."""
    if kind == "choice":
        if raw == SEARCH:
            return Offer([])
        if raw not in {c.value for c in choices}:
            raise InvalidAnswer("choose_option")
        return raw
    text = raw.strip()
    if not text:
        raise InvalidAnswer("empty")
    if text.isdigit() and shown and 1 <= int(text) <= len(shown) + 1:  # a number shown (the last: search)
        return shown[int(text) - 1].value if int(text) <= len(shown) else Offer([])
    wanted = normal(text)
    for choice in choices:
        if wanted == normal(choice.value) or wanted in {normal(label) for label in choice.label.values.values()}:
            return choice.value
    found, starting = matches(choices, wanted)
    if len(found) == 1 or starting == 1:  # the one match, or the one label that starts so
        return found[0].value
    close = not found
    if close:
        found = close_matches(choices, wanted)
    if not found:
        raise InvalidAnswer("no_match_choose" if shown else "no_match", text=text)  # buttons shown: say so
    top = found[:MAX_MATCHES]
    key = "search_close" if close else ("search_found" if len(found) == len(top) else "search_many")
    return Offer([c.value for c in top], i18n.translate(key, lang, n=len(found), shown=len(top), text=text))


def normal(text: str) -> str:
    """Lower case, no accents, punctuation as spaces: "Ca' d'Andrea" → "ca d andrea"."""
    return " ".join(re.sub(r"[^a-z0-9]+", " ", fold(text)).split())


def matches(choices: list[Choice], wanted: str) -> tuple[list[Choice], int]:
    """Choices whose label starts with ``wanted``, then those where each typed word starts a
    word of the label ("cas uniti"), then those containing it, each group in list order; and
    how many the first group holds."""
    words = wanted.split()
    if not words:
        return [], 0
    starts: list[Choice] = []
    by_word: list[Choice] = []
    inside: list[Choice] = []
    for choice in choices:
        labels = [normal(label) for label in choice.label.values.values()]
        if any(label.startswith(wanted) for label in labels):
            starts.append(choice)
        elif any(_words_start(words, label.split()) for label in labels):
            by_word.append(choice)
        elif len(wanted) >= 3 and any(wanted in label for label in labels):
            inside.append(choice)
    return [*starts, *by_word, *inside], len(starts)


def close_matches(choices: list[Choice], wanted: str) -> list[Choice]:
    """Labels spelt close to ``wanted`` ("Pizzigetone"), best first; offered, never taken alone.

    The typed text is compared with the label's start of the same length and with each of its
    words, not with the whole label: a typo in the first letters scores high, while a sentence
    sharing a "di" with a long label ("boh, un po' di tutto") does not.
    """
    if len(wanted) < _FUZZY_MIN_LENGTH:
        return []
    scored = []
    for choice in choices:
        score = max(_closeness(wanted, normal(label)) for label in choice.label.values.values())
        if score >= _FUZZY_CUTOFF:
            scored.append((score, choice))
    scored.sort(key=lambda pair: -pair[0])  # stable: list order among equals
    return [choice for _, choice in scored]


def _closeness(wanted: str, label: str) -> float:
    return max(fuzz.ratio(wanted, label[: len(wanted)]), *(fuzz.ratio(wanted, word) for word in label.split()))


def _words_start(typed: list[str], label_words: list[str]) -> bool:
    return all(any(word.startswith(part) for word in label_words) for part in typed)
