"""A plan folder: everything one city's deployment is made of, in one place (SCENARI_PLAN_DIR).

Scenari's code knows no city. A plan folder holds the city's data, and this module is the one
place that knows its layout, so that a new city is a new folder (docs/plans.md), not a fork::

    plans/<city>/
      plan.yaml               name, city, languages (the first is the default), time zone,
                              tables: which questionnaires and questions feed which table
      questionnaires/*.yaml   the questionnaires (baseline figures such as the 2004 survey's
                              live in their outcomes)
      questionnaires/lists/   shared choice lists (YAML) and data lists (CSV) they name
      questionnaires/fragments/  question blocks they include (the age gate, age_gate.yaml)
      taxonomy.yaml           the themes free-text answers are tagged with
      register/actors.csv     the stakeholder register (`scenari actors import`)
      register/categories.csv the actor categories and their labels
      privacy.yaml            the privacy notice shown before consent
      texts.yaml              texts of the layers' catalogues the plan overrides or adds
                              (a third language, a city's own wording)

The library layers (dialogs, nlp, storage, exports) never read the settings: the bot resolves
each part here and passes the path down. Only paths and the small manifest are read here, so
``bot.settings`` can use it at start-up; loading and checking the parts is ``bot.service.plan``'s.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import Any

# The shipped example plan, Cremona's (the repository's plans/ folder): SCENARI_PLAN_DIR's default.
DEFAULT_PLAN_DIR = Path(__file__).resolve().parent.parent / "plans" / "cremona"

MANIFEST = "plan.yaml"
QUESTIONNAIRES = "questionnaires"
LISTS = "lists"  # inside questionnaires/, so a questionnaire's relative lookup finds them
TAXONOMY = "taxonomy.yaml"
REGISTER = "register/actors.csv"
CATEGORIES = "register/categories.csv"
PRIVACY = "privacy.yaml"
TEXTS = "texts.yaml"

# An ISO 639-1 language code (a region, "pt-br", is not needed by any plan yet).
LANGUAGE = re.compile(r"^[a-z]{2}$")
FALLBACK_LANGUAGES = ("it", "en")  # a folder without plan.yaml: Cremona's


class PlanError(ValueError):
    """The plan folder or its manifest cannot be used; the message names the file."""


@dataclass(frozen=True)
class PlanFolder:
    """Where each part of a plan lives. ``extra_questionnaires`` is SCENARI_QUESTIONNAIRES_DIR."""

    root: Path
    extra_questionnaires: Path | None = field(default=None)

    @property
    def manifest_path(self) -> Path:
        return self.root / MANIFEST

    @property
    def questionnaires(self) -> Path:
        return self.root / QUESTIONNAIRES

    @property
    def lists(self) -> Path:
        return self.questionnaires / LISTS

    @property
    def taxonomy(self) -> Path:
        return self.root / TAXONOMY

    @property
    def register(self) -> Path:
        return self.root / REGISTER

    @property
    def categories(self) -> Path:
        return self.root / CATEGORIES

    @property
    def privacy(self) -> Path:
        return self.root / PRIVACY

    @property
    def texts(self) -> Path:
        return self.root / TEXTS

    @cached_property
    def manifest(self) -> dict[str, Any]:
        """plan.yaml as a mapping (empty when the folder has none)."""
        return read_manifest(self.manifest_path)

    @property
    def name(self) -> str:
        return str(self.manifest.get("name") or self.root.name)

    @property
    def languages(self) -> tuple[str, ...]:
        """The plan's languages, its default first."""
        found = self.manifest.get("languages")
        if not found:
            return FALLBACK_LANGUAGES
        return tuple(str(lang) for lang in found)

    @property
    def default_language(self) -> str:
        return self.languages[0]

    def load_questionnaires(self) -> dict[str, Any]:
        """The plan's questionnaires by id, then the extra folder's (same id: the extra one wins);
        the plan's lists are every file's last place to find a shared or data list.
        Raises ``dialogs.DefinitionError``."""
        from dialogs import load_directory  # pydantic models: not at settings' import time

        found = load_directory(self.questionnaires, shared_lists=self.lists)
        if self.extra_questionnaires:
            found.update(load_directory(self.extra_questionnaires, shared_lists=self.lists))
        return found

    def table_inputs(self) -> Any:
        """plan.yaml's ``tables:`` as ``exports.options.TableInputs`` (Cremona's where it says
        nothing). Raises :class:`PlanError` naming the entry that is wrong."""
        from exports.options import TableInputs  # light (no pandas)

        try:
            return TableInputs.from_mapping(self.manifest.get("tables"))
        except ValueError as exc:
            raise PlanError(f"{self.manifest_path}: {exc}") from None

    def sources(self) -> Any:
        """What the tables label their codes with and which questions feed them, as
        ``exports.options.PlanSources``."""
        from exports.options import PlanSources  # light (no pandas); only the callers that build tables

        return PlanSources(questionnaires=self.questionnaires, lists=self.lists, taxonomy=self.taxonomy,
                           tables=self.table_inputs())

    def language_for(self, wanted: str | None, default: str | None = None) -> str:
        """``wanted`` when the plan speaks it (``de-AT`` → ``de``), else the default language."""
        code = (wanted or "").strip().lower()[:2]
        return code if code in self.languages else (default or self.default_language)


def read_manifest(path: Path) -> dict[str, Any]:
    """Read and shape-check plan.yaml; a missing file is an empty manifest (Cremona's defaults)."""
    import yaml  # light, but not needed by a process that never reads a plan

    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        return {}
    except OSError as exc:
        raise PlanError(f"{path}: cannot read ({exc.strerror or exc})") from None
    try:
        data = yaml.safe_load(text) or {}
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f"line {mark.line + 1}" if mark else "file"
        raise PlanError(f"{path}: {where}: not valid YAML: {getattr(exc, 'problem', exc)}") from None
    if not isinstance(data, dict):
        raise PlanError(f"{path}: file: the top level must be a mapping (name, languages …)")
    languages = data.get("languages")
    if languages is not None:
        if not isinstance(languages, list) or not languages:
            raise PlanError(f"{path}: languages: a list of language codes, the default first (e.g. [de, it, en])")
        bad = [str(lang) for lang in languages if not isinstance(lang, str) or not LANGUAGE.fullmatch(lang)]
        if bad:
            raise PlanError(f"{path}: languages: not a two-letter language code: {', '.join(map(repr, bad))}")
        if len(set(languages)) != len(languages):
            raise PlanError(f"{path}: languages: a language is listed twice")
    return data


_PLANS: dict[tuple[Path, Path | None], PlanFolder] = {}


def plan_at(root: Path | str, extra_questionnaires: Path | str | None = None) -> PlanFolder:
    """The plan of a folder, made once per process (its manifest is read once)."""
    key = (Path(root), Path(extra_questionnaires) if extra_questionnaires else None)
    if key not in _PLANS:
        _PLANS[key] = PlanFolder(*key)
    return _PLANS[key]

