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

from .options import PlanSources

CITIZEN = "citizen"
CITIZEN_LABEL = {"it": "Cittadini", "en": "Citizens"}

# A chosen vision of the city (lists/visions.yaml) → the strategic theme it speaks for
# (lists/themes.yaml). Visions naming no theme ("a city closed in on itself") carry none.
VISION_THEMES: dict[str, str] = {
    "citta_innovazione": "innovazione",
    "citta_tradizione": "tradizione",
    "citta_collaborazione": "collaborazione",
    "polo_benessere": "benessere_sport",
    "citta_talenti": "talenti_formazione",
    "citta_musica": "musica_liuteria",
    "nodo_padano": "logistica_po",
    "citta_digitale": "citta_digitale",
    "citta_turismo": "turismo_cultura",
    "made_in_cremona": "made_in_cremona",
}

# The project card's own areas (progetto.yaml `theme`) → the plan's theme ids. Cards from an
# interview's projects already use theme ids (ascolto.yaml `project_theme`).
CARD_THEMES: dict[str, str] = {
    "innovation": "innovazione",
    "talents": "talenti_formazione",
    "music_culture": "musica_liuteria",
    "tourism": "turismo_cultura",
    "agrifood": "made_in_cremona",
    "manufacturing": "made_in_cremona",
    "logistics": "logistica_po",
    "digital": "citta_digitale",
    "environment": "ambiente",
    "wellbeing_sport": "benessere_sport",
    "social": "coesione_sociale",
}


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
    imprese = _questionnaire(sources, "imprese")

    def choices(key: str) -> dict[str, dict[str, str]]:
        try:
            question = imprese.question(key) if imprese is not None else None
        except KeyError:
            question = None
        if imprese is None or question is None:
            return {}
        return {c.value: _texts(c.label) for c in imprese.choices_for(question)}

    profile = next((o for o in imprese.outcomes if o.key == "profile"), None) if imprese is not None else None
    ascolto = _questionnaire(sources, "ascolto")
    try:
        max_rank = (ascolto.question("priorities").max_rank if ascolto is not None else None) or 3
    except KeyError:
        max_rank = 3
    label = profile.baseline_label if profile is not None else None
    return Vocabulary(
        themes=themes,
        visions=_shared(sources.lists, "visions"),
        categories=categories,
        sectors=choices("ateco_section"),
        sizes=choices("employees"),
        obstacles=choices("obstacles"),
        profiles={value: _texts(text) for value, text in profile.labels.items()} if profile is not None else {},
        baseline=dict(profile.baseline) if profile is not None else {},
        baseline_label=_texts(label) if label else {"it": "baseline", "en": "baseline"},
        priorities_max_rank=int(max_rank),
    )
