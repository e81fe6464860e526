"""Codes and labels the convergence tables need: themes, visions, categories, the survey's lists.

Read from the plan's questionnaire data (``plans/<city>/questionnaires``, passed in as
:class:`exports.options.PlanSources`) and its theme taxonomy, so a new theme or category shows up in
the tables without code changes. A part the plan does not have (a city without the business
survey) leaves its labels empty: the tables then show the codes.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any

import yaml

from dialogs import Questionnaire, load_file

from .options import DEFAULT_CARD_THEMES, DEFAULT_VISION_THEMES, PlanSources

CITIZEN = "citizen"
CITIZEN_LABEL = {"it": "Cittadini", "en": "Citizens", "de": "Bürgerinnen und Bürger"}

# Cremona's visions → themes and card areas → themes (the defaults of a plan without ``tables:``;
# a plan's own are ``PlanSources.tables.chosen_themes`` and ``card_themes``).
VISION_THEMES: dict[str, str] = dict(DEFAULT_VISION_THEMES)
CARD_THEMES: dict[str, str] = dict(DEFAULT_CARD_THEMES)


@dataclass(frozen=True)
class Vocabulary:
    themes: dict[str, dict[str, str]]  # id → {"it": …, "en": …}, in the plan's order
    visions: dict[str, dict[str, str]]
    categories: dict[str, dict[str, str]]  # actor categories, then citizens
    sectors: dict[str, dict[str, str]]
    sizes: dict[str, dict[str, str]]
    obstacles: dict[str, dict[str, str]]
    profiles: dict[str, dict[str, str]]
    baseline: dict[str, float]
    baseline_label: dict[str, str]
    priorities_max_rank: int = 3
    extra: dict[str, Any] = field(default_factory=dict)
    stages: dict[str, dict[str, str]] = field(default_factory=dict)  # a project card's stage (under_way → Avviato)

    def label(self, kind: str, code: Any, lang: str = "it") -> str:
        table: dict[str, dict[str, str]] = getattr(self, kind)
        entry = table.get(str(code))
        # the plan's default language is its lists' first; Italian is Cremona's
        return (entry.get(lang) or entry.get("it") or next(iter(entry.values()), str(code))) if entry else str(code)


def _shared(lists: Path | None, name: str) -> dict[str, dict[str, str]]:
    path = lists / f"{name}.yaml" if lists is not None else None
    if path is None or not path.exists():
        return {}
    raw = yaml.safe_load(path.read_text(encoding="utf-8")) or []
    return {str(item["value"]): dict(item["label"]) for item in raw}


def _texts(text: Any) -> dict[str, str]:
    """A questionnaire's Text as {lang: text}, every language it has."""
    return {lang: value for lang, value in text.values.items() if value} if hasattr(text, "values") else dict(text)


def _questionnaire(sources: PlanSources, name: str) -> Questionnaire | None:
    path = sources.questionnaires / f"{name}.yaml" if sources.questionnaires is not None else None
    if path is None or not path.exists():
        return None
    return load_file(path, shared_lists=sources.lists)


@lru_cache(maxsize=8)
def vocabulary(sources: PlanSources = PlanSources()) -> Vocabulary:  # noqa: B008 - frozen, hashable
    themes = _shared(sources.lists, "themes")
    if sources.taxonomy is not None:
        try:  # taxonomy themes that are not in the shared list (e.g. "giovani") still get a label
            from nlp.taxonomy import load_taxonomy  # the nlp package imports spaCy (seconds): not at import time

            for theme in load_taxonomy(sources.taxonomy).themes:
                themes.setdefault(theme.id, {"it": theme.label_it, "en": theme.label_en, **dict(theme.labels)})
        except Exception:  # pragma: no cover - a broken taxonomy must not stop the exports
            pass
    categories = _shared(sources.lists, "actor_categories")
    categories[CITIZEN] = dict(CITIZEN_LABEL)
    inputs = sources.tables  # which questionnaires and questions the plan's tables read
    imprese = _questionnaire(sources, inputs.business) if inputs.business else None

    def choices(key: str) -> dict[str, dict[str, str]]:
        try:
            question = imprese.question(key) if imprese is not None else None
        except KeyError:
            question = None
        if imprese is None or question is None:
            return {}
        return {c.value: _texts(c.label) for c in imprese.choices_for(question)}

    profile = next((o for o in imprese.outcomes if o.key == inputs.profile), None) if imprese is not None else None
    max_rank = None
    for interview in inputs.interviews if inputs.priorities else ():
        found = _questionnaire(sources, interview)
        try:
            max_rank = found.question(inputs.priorities).max_rank if found is not None else None
        except KeyError:
            continue
        if max_rank:
            break
    max_rank = max_rank or 3
    stages: dict[str, dict[str, str]] = {}
    # a card's stage is the card questionnaire's `stage` or an interview's `project_stage` (bot.service.listening)
    for name, key in ((inputs.projects, "stage"), *((interview, "project_stage") for interview in inputs.interviews)):
        found = _questionnaire(sources, name) if name else None
        try:
            question = found.question(key) if found is not None else None
        except KeyError:
            continue
        if question is not None:
            for c in found.choices_for(question):
                stages.setdefault(c.value, _texts(c.label))
    label = profile.baseline_label if profile is not None else None
    return Vocabulary(
        themes=themes,
        visions=_shared(sources.lists, inputs.chosen_list) if inputs.chosen_list else {},
        categories=categories,
        sectors=choices(inputs.sector),
        sizes=choices(inputs.size),
        obstacles=choices(inputs.obstacles),
        profiles={value: _texts(text) for value, text in profile.labels.items()} if profile is not None else {},
        baseline=dict(profile.baseline) if profile is not None else {},
        baseline_label=_texts(label) if label else {"it": "baseline", "en": "baseline"},
        priorities_max_rank=int(max_rank),
        stages=stages,
    )
