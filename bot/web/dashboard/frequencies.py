"""The per-question page's tables: for each choice question, how many people gave each answer.

Like a survey tool's per-question report (KoboToolbox's, LimeSurvey's): counts and shares of the
people who answered, from the filtered rows, one person once (their latest completed run). A count
of 1 … k−1 is hidden, and for a one-answer question — whose counts add up to the total printed —
so are the cells that would let it be worked out (:func:`exports.disclosure.protect`). A question
fewer than k people answered is hidden whole.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from dialogs import Questionnaire

from .texts import number, translate
from .views import TableView

ADDITIVE = ("single", "yesno", "scale")  # one answer each: the counts add up to those who answered
COUNTED = (*ADDITIVE, "multiple")
TOTAL = ("total",)
LONG_LIST = 25  # options beyond which the answers nobody gave are left out


def _latest(answers: Iterable[Any], questionnaire_id: str) -> dict[str, dict[int, Any]]:
    """question key → respondent → the value of their latest answer (top-level questions only)."""
    out: dict[str, dict[int, Any]] = {}
    for a in answers:
        if a.questionnaire_id == questionnaire_id and a.item_index == 0 and a.value is not None:
            out.setdefault(a.question_key, {})[a.respondent_id] = a.value  # in answer order: the latest wins
    return out


def question_tables(q: Questionnaire, answers: Iterable[Any], k: int, lang: str) -> list[TableView]:
    from exports.disclosure import line, protect  # numpy: loaded with the tables already

    given = _latest(answers, q.id)
    out: list[TableView] = []
    for question in q.questions:
        if question.type not in COUNTED:
            continue
        by_person = given.get(question.key, {})
        try:
            choices = [(c.value, c.label.get(lang)) for c in q.choices_for(question)]
        except Exception:  # a list filled at run time (the register): its codes are its labels
            choices = []
        counts: dict[str, int] = {}
        for value in by_person.values():
            for v in (value if isinstance(value, list) else [value]):
                counts[str(v)] = counts.get(str(v), 0) + 1
        known = {v for v, _ in choices}
        choices += [(v, v) for v in sorted(counts) if v not in known]
        n = len(by_person)
        title = question.text.get(lang) if question.text is not None else question.key
        name = f"q-{question.key}"
        if n < k:
            out.append(TableView(name, f"{title} ({question.key})", translate("questions_hidden", lang, k=k)
                                 if n else translate("empty", lang), [], [], 0, []))
            continue
        small = {v for v, _ in choices if 0 < counts.get(v, 0) < k}
        hidden = set(small)
        if question.type in ADDITIVE and small:
            values: dict[Any, int] = {v: counts.get(v, 0) for v, _ in choices}
            values[TOTAL] = n
            hidden = protect(values, small, [line([v for v, _ in choices], TOTAL)],
                             cost=lambda key, c: float("inf") if key == TOTAL else float(c))
        rows = []
        long_list = len(choices) > LONG_LIST
        for value, label in choices:
            c = counts.get(value, 0)
            if long_list and c == 0:
                continue  # a long list (the municipalities): only the answers given
            shown = value not in hidden
            rows.append([str(label), number(c) if shown else "–", f"{round(100 * c / n)}%" if shown else "–"])
        note = translate("questions_answered", lang, n=number(n))
        if question.type == "multiple":
            note += " " + translate("questions_multiple", lang)
        if long_list:
            note += " " + translate("questions_long", lang, n=len(choices))
        out.append(TableView(name, f"{title} ({question.key})", note,
                             [translate("col_option", lang), translate("col_count", lang), translate("col_share", lang)],
                             rows, len(rows), [False, True, True]))
    return out
