"""Turn what a respondent typed or pressed into a typed answer value, or a polite refusal.

Values are JSON-friendly: str for text/single/yes-no/date/time/datetime (ISO: 2024-12-31,
14:30, 2024-12-31T14:30), int for integer and scale,
float for decimal, list[str] for multiple choice.
"""

from __future__ import annotations

import re
import unicodedata
from datetime import date, datetime
from typing import Any

from . import i18n
from .model import Choice, Question, Questionnaire

_YES = {"si", "s", "yes", "y", "ok", "certo", "oui", "ja"}
_NO = {"no", "n", "non", "nein"}


# C0 controls but tab, newline and carriage return; DEL and the C1 controls; lone surrogates.
# Nobody types them on purpose; PostgreSQL cannot store a NUL in text (nor UTF-8 a surrogate),
# so every channel refuses them the same way, politely, before anything is stored.
CONTROL_CHARACTERS = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\ud800-\udfff]")


def has_control_characters(text: str | None) -> bool:
    return bool(text) and CONTROL_CHARACTERS.search(text) is not None  # type: ignore[arg-type]


def without_control_characters(text: str) -> str:
    """``text`` with the characters :data:`CONTROL_CHARACTERS` matches taken out (e.g. a draft)."""
    return CONTROL_CHARACTERS.sub("", text)


class InvalidAnswer(ValueError):
    """The input does not fit the question; ``message(lang)`` says why, in the user's words."""

    def __init__(self, key: str, **params: Any) -> None:
        self.key, self.params = key, params
        super().__init__(key)

    def message(self, lang: str) -> str:
        return i18n.translate(self.key, lang, **self.params)


def fold(text: str) -> str:
    """Lower-case and strip accents, so 'Sì', 'si' and 'SI' compare equal."""
    decomposed = unicodedata.normalize("NFKD", text.strip().lower())
    return "".join(c for c in decomposed if not unicodedata.combining(c))


def parse_text(q: Questionnaire, question: Question, raw: str, choices: list[Choice] | None = None) -> Any:
    """Parse a typed message for ``question`` (``choices``: the options shown, if filtered)."""
    raw = raw.strip()
    kind = question.type
    if not raw:
        raise InvalidAnswer("empty")
    if kind == "text":
        if len(raw) > question.text_limit:
            raise InvalidAnswer("too_long", length=len(raw), limit=question.text_limit)
        return raw
    if kind == "integer":
        return _check_range(question, _parse_int(raw))
    if kind == "decimal":
        return _check_range(question, _parse_decimal(raw))
    if kind == "date":
        return _parse_date(raw)
    if kind == "time":
        return _parse_time(raw)
    if kind == "datetime":
        return _parse_datetime(raw)
    if kind in ("multiple", "ranking"):
        parts = [part for part in re.split(r"[,;]|\s+e\s+|\s+and\s+", raw) if part.strip()]
        values = [match_choice(q, question, part, choices) for part in parts]
        return check_selection(question, list(dict.fromkeys(values)), choices or q.choices_for(question))
    value = match_choice(q, question, raw, choices)
    return int(value) if kind == "scale" else value


def parse_choice(q: Questionnaire, question: Question, value: str, choices: list[Choice] | None = None) -> Any:
    """Validate a pressed button's value (it may come from a stale or forged message)."""
    if value not in {c.value for c in (choices if choices is not None else q.choices_for(question))}:
        raise InvalidAnswer("choose_option")
    return int(value) if question.type == "scale" else value


def match_choice(q: Questionnaire, question: Question, raw: str, choices: list[Choice] | None = None) -> str:
    choices = choices if choices is not None else q.choices_for(question)
    wanted = fold(raw).rstrip(".")
    if question.type == "yesno":
        if wanted in _YES:
            return "yes"
        if wanted in _NO:
            return "no"
    if wanted.isdigit() and question.type != "scale" and 1 <= int(wanted) <= len(choices):
        return choices[int(wanted) - 1].value
    for choice in choices:
        if wanted == fold(choice.value) or wanted in {fold(label) for label in choice.label.values.values()}:
            return choice.value
    raise InvalidAnswer("choose_option")


def check_selection(question: Question, values: list[str], choices: list[Choice] | None = None) -> list[str]:
    if question.type == "ranking":
        wanted = rank_size(question, choices or [])
        if len(values) != wanted:
            raise InvalidAnswer("rank_exactly", n=wanted)
        return values
    if not values:
        raise InvalidAnswer("none_selected")
    if question.max_choices and len(values) > question.max_choices:
        raise InvalidAnswer("too_many", max=question.max_choices)
    return values


def rank_size(question: Question, choices: list[Choice]) -> int:
    """How many items a ranking asks for: ``max_rank``, or every option shown."""
    return min(question.max_rank or len(choices), len(choices)) or 1


def describe(q: Questionnaire, question: Question, value: Any, lang: str) -> str:
    """A human rendering of a stored value, for summaries and "current answer" hints."""
    if value is None:
        return i18n.translate("skipped", lang)
    if question.type in ("single", "yesno", "multiple", "ranking"):
        labels = {c.value: c.label.get(lang) for c in q.choices_for(question)}
        values = value if isinstance(value, list) else [value]
        if question.type == "ranking":
            return ", ".join(f"{n}. {labels.get(v, str(v))}" for n, v in enumerate(values, start=1))
        return ", ".join(labels.get(v, str(v)) for v in values)
    if question.type == "date":
        return date.fromisoformat(value).strftime("%d/%m/%Y")
    if question.type == "datetime":
        return datetime.fromisoformat(value).strftime("%d/%m/%Y %H:%M")
    if isinstance(value, float):
        return _decimal_text(value, lang)
    return str(value)


def _decimal_text(value: float, lang: str) -> str:
    """A decimal answer as the respondent wrote it: 5 for 5.0, 2,5 in Italian (2.5 in English).

    ``str(5.0)`` showed "5.0" in the thread and the summary, a form the respondent never typed;
    the shortest exact form, never in exponent notation (1500000 stays 1500000).
    """
    text = repr(value)
    if "e" in text or "E" in text:
        text = f"{value:.6f}".rstrip("0")
    if text.endswith(".0"):
        text = text[:-2]
    text = text.rstrip(".")
    return text if lang == "en" else text.replace(".", ",")


def _parse_int(raw: str) -> int:
    cleaned = raw.replace(" ", "").replace("\u00a0", "")
    if re.fullmatch(r"[+-]?\d{1,3}(\.\d{3})+", cleaned):  # Italian thousands: 1.500
        cleaned = cleaned.replace(".", "")
    if not re.fullmatch(r"[+-]?\d{1,15}", cleaned):
        raise InvalidAnswer("not_integer")
    return int(cleaned)


def _parse_decimal(raw: str) -> float:
    cleaned = raw.replace(" ", "").replace("\u00a0", "")
    if re.fullmatch(r"[+-]?\d{1,3}(\.\d{3})+(,\d+)?", cleaned):
        cleaned = cleaned.replace(".", "")
    cleaned = cleaned.replace(",", ".")
    if not re.fullmatch(r"[+-]?(\d{1,15}(\.\d*)?|\.\d+)", cleaned):
        raise InvalidAnswer("not_number")
    return float(cleaned)


def _parse_date(raw: str) -> str:
    for fmt in ("%d/%m/%Y", "%d-%m-%Y", "%d.%m.%Y", "%Y-%m-%d", "%d/%m/%y"):
        try:
            return datetime.strptime(raw, fmt).date().isoformat()
        except ValueError:
            continue
    raise InvalidAnswer("not_date")


def _parse_time(raw: str) -> str:
    match = re.fullmatch(r"(\d{1,2})[:.h](\d{2})", raw.strip().lower())
    if match is None or int(match[1]) > 23 or int(match[2]) > 59:
        raise InvalidAnswer("not_time")
    return f"{int(match[1]):02d}:{match[2]}"


def _parse_datetime(raw: str) -> str:
    """A date and a time, "31/12/2024 14:30" or ISO "2024-12-31T14:30"."""
    parts = raw.strip().replace("T", " ").split()
    if len(parts) != 2:
        raise InvalidAnswer("not_datetime")
    try:
        day, clock = _parse_date(parts[0]), _parse_time(parts[1])
    except InvalidAnswer:
        raise InvalidAnswer("not_datetime") from None
    return f"{day}T{clock}"


def _check_range(question: Question, value: float) -> Any:
    low, high = question.min, question.max
    if (low is not None and value < low) or (high is not None and value > high):
        if low is not None and high is not None:
            raise InvalidAnswer("out_of_range", min=low, max=high)
        if low is not None:
            raise InvalidAnswer("below_min", min=low)
        raise InvalidAnswer("above_max", max=high)
    return value


