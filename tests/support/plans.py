"""The shipped example plans, for tests: the library layers take paths, and these are Cremona's
and Bolzano's (bot/plan.py knows the layout)."""

from __future__ import annotations

from pathlib import Path

from bot.plan import PlanFolder, plan_at

ROOT = Path(__file__).resolve().parents[2]
CREMONA: PlanFolder = plan_at(ROOT / "plans" / "cremona")
BOLZANO: PlanFolder = plan_at(ROOT / "plans" / "bolzano")

CREMONA_QUESTIONNAIRES = CREMONA.questionnaires
CREMONA_LISTS = CREMONA.lists
CREMONA_TAXONOMY = CREMONA.taxonomy
CREMONA_SOURCES = CREMONA.sources()
