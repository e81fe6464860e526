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
    """The respondent's classification, what it means, and the distribution beside the baseline (named by
    its ``baseline_label``, e.g. «Cremona, indagine Censis 2004: 12,4%»)."""
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
            # the comparison named in words beside each share, never the analysts' "baseline"
            source = outcome.baseline_label.get(lang) if outcome.baseline_label else translate("reference", lang)
            for option, label in outcome.labels.items():
                share = percent(100 * counts.get(option, 0) / total, lang)
                if option in outcome.baseline:
                    lines.append(
                        translate("line", lang, label=label.get(lang), share=share, source=source,
                                  baseline=percent(outcome.baseline[option], lang))
                    )
                else:
                    lines.append(translate("line_no_baseline", lang, label=label.get(lang), share=share))
        blocks.append("\n".join(lines))
    return "\n\n".join(blocks)
