"""Codes and labels the convergence tables need: themes, visions, categories, the survey's lists.

Read from the questionnaire data (``dialogs/questionnaires``) and the theme taxonomy, so a new
theme or category shows up in the tables without code changes.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any

import yaml

from dialogs import load_file
from dialogs.loader import builtin_directory, shared_lists_directory

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
        return entry.get(lang, entry.get("it", str(code))) if entry else str(code)


def _shared(name: str) -> dict[str, dict[str, str]]:
    raw = yaml.safe_load(Path(shared_lists_directory() / f"{name}.yaml").read_text(encoding="utf-8")) or []
    return {str(item["value"]): dict(item["label"]) for item in raw}


@lru_cache(maxsize=1)
def vocabulary() -> Vocabulary:
    themes = _shared("themes")
    try:  # taxonomy themes that are not in the shared list (e.g. "giovani") still get a label
        from nlp.taxonomy import load_taxonomy  # the nlp package imports spaCy (seconds): not at import time

        for theme in load_taxonomy().themes:
            themes.setdefault(theme.id, {"it": theme.label("it"), "en": theme.label("en")})
    except Exception:  # pragma: no cover - a broken taxonomy must not stop the exports
        pass
    categories = _shared("actor_categories")
    categories[CITIZEN] = dict(CITIZEN_LABEL)
    imprese = load_file(builtin_directory() / "imprese.yaml")

    def choices(key: str) -> dict[str, dict[str, str]]:
        return {c.value: {"it": c.label.it, "en": c.label.en} for c in imprese.choices_for(imprese.question(key))}

    profile = next(o for o in imprese.outcomes if o.key == "profile")
    ascolto = load_file(builtin_directory() / "ascolto.yaml")
    max_rank = ascolto.question("priorities").max_rank or 3
    label = profile.baseline_label
    return Vocabulary(
        themes=themes,
        visions=_shared("visions"),
        categories=categories,
        sectors=choices("ateco_section"),
        sizes=choices("employees"),
        obstacles=choices("obstacles"),
        profiles={value: {"it": text.it, "en": text.en} for value, text in profile.labels.items()},
        baseline=dict(profile.baseline),
        baseline_label={"it": label.it, "en": label.en} if label else {"it": "baseline", "en": "baseline"},
        priorities_max_rank=int(max_rank),
    )
