"""Texts shown at the end of a run: the respondent's outcome beside everyone else's."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from .i18n import translate
from .model import Questionnaire


def percent(value: float, lang: str) -> str:
    text = f"{value:.1f}%"
    return text.replace(".", ",") if lang == "it" else text


def outcome_report(
    q: Questionnaire,
    outcomes: Mapping[str, Any],
    distributions: Mapping[str, Mapping[str, int]],
    lang: str,
) -> str:
    """The respondent's classification, what it means, and the distribution beside the baseline."""
    blocks: list[str] = []
    for outcome in q.outcomes:
        value = outcomes.get(outcome.key)
        if value is None:
            continue
        lines = [translate("yours", lang, title=outcome.title.get(lang), label=outcome.labels[value].get(lang))]
        if value in outcome.descriptions:
            lines.append(outcome.descriptions[value].get(lang))
        counts = distributions.get(outcome.key, {})
        total = sum(counts.values())
        if total:
            lines.append("")
            lines.append(translate("so_far", lang, n=total))
            for option, label in outcome.labels.items():
                share = percent(100 * counts.get(option, 0) / total, lang)
                if option in outcome.baseline:
                    lines.append(
                        translate("line", lang, label=label.get(lang), share=share,
                           baseline=percent(outcome.baseline[option], lang))
                    )
                else:
                    lines.append(translate("line_no_baseline", lang, label=label.get(lang), share=share))
            if outcome.baseline_label:
                lines.append(translate("baseline_note", lang, label=outcome.baseline_label.get(lang)))
        blocks.append("\n".join(lines))
    return "\n\n".join(blocks)
