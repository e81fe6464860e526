"""The options of the tables and of the scheduled jobs: plain dataclasses, cheap to import.

The service builds them from its settings (``bot.settings.Settings.table_options()`` and
``schedule_options()``); nothing in ``exports`` reads bot's settings (.importlinter forbids the
import), so a job or a table is configured by values a test can write out in one line.
This module imports neither pandas nor APScheduler: ``bot.settings`` imports it at start-up.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, fields
from pathlib import Path
from typing import Any

DEFAULT_K = 3
DEFAULT_THRESHOLD = 0.2
DEFAULT_QUOTES = 3
DEFAULT_TOP_PRIORITIES = 8

DEFAULT_MINUTES = 15.0
DEFAULT_DIR = Path("var/exports")
DEFAULT_REPORT_TIME = "02:30"
DEFAULT_REPORT_TZ = "Europe/Rome"
DEFAULT_AUDIT_DAYS = 730


# Cremona's inputs, the defaults of :class:`TableInputs` (a plan.yaml without ``tables:``).
# A chosen vision of the city (lists/visions.yaml) → the strategic theme it speaks for
# (lists/themes.yaml). Visions naming no theme ("a city closed in on itself") carry none.
DEFAULT_VISION_THEMES: tuple[tuple[str, str], ...] = (
    ("citta_innovazione", "innovazione"),
    ("citta_tradizione", "tradizione"),
    ("citta_collaborazione", "collaborazione"),
    ("polo_benessere", "benessere_sport"),
    ("citta_talenti", "talenti_formazione"),
    ("citta_musica", "musica_liuteria"),
    ("nodo_padano", "logistica_po"),
    ("citta_digitale", "citta_digitale"),
    ("citta_turismo", "turismo_cultura"),
    ("made_in_cremona", "made_in_cremona"),
)
# The project card's own areas (progetto.yaml `theme`) → the plan's theme ids. Cards from an
# interview's projects already use theme ids (ascolto.yaml `project_theme`).
DEFAULT_CARD_THEMES: tuple[tuple[str, str], ...] = (
    ("innovation", "innovazione"),
    ("talents", "talenti_formazione"),
    ("music_culture", "musica_liuteria"),
    ("tourism", "turismo_cultura"),
    ("agrifood", "made_in_cremona"),
    ("manufacturing", "made_in_cremona"),
    ("logistics", "logistica_po"),
    ("digital", "citta_digitale"),
    ("environment", "ambiente"),
    ("wellbeing_sport", "benessere_sport"),
    ("social", "coesione_sociale"),
)
DEFAULT_VISION_TEXTS = ("vision_text", "vision_text_more", "become", "become_more", "change_first")
DEFAULT_CARD_TEXTS = ("title", "description", "description_more", "results", "project_title", "project_summary",
                      "project_summary_more")


@dataclass(frozen=True)
class TableInputs:
    """Which questionnaires and questions feed which table: data of the plan (plan.yaml
    ``tables:``, docs/plans.md), so no city's question keys are written into the tables' code.
    A plan without the section gets Cremona's (the shipped example, these defaults); a plan that
    writes it gets exactly what it names: an entry left out, empty or null is switched off (its
    tables come out empty), so no Cremona key lingers in another city's tables. Tuples, so the
    value is hashable (a cache key).

    * listening units: ``interviews`` (an actor of the register, or the category it declares in
      ``declared_category``) and ``citizens`` (a respondent, category "citizen");
    * ``objective_texts`` + ``vision_texts``: free texts whose themes count for convergence;
      ``vision_texts`` alone feed ``vision_themes``;
    * ``chosen``: a multiple choice whose options stand for themes (``chosen_themes`` maps an
      option to a theme; an option that is itself a theme id needs no entry), labelled by the
      shared list ``chosen_list``;
    * ``priorities``: the interviews' ranked themes; ``collaborates``/``would_collaborate``: the
      register codes they name;
    * ``business``: the firms' survey, its outcome ``profile`` and the questions ``sector``,
      ``size``, ``obstacles``;
    * ``projects``: the card submissions' questionnaire, ``card_texts`` tagged, ``card_themes``.
    """

    interviews: tuple[str, ...] = ("ascolto",)
    citizens: tuple[str, ...] = ("visione",)
    declared_category: str = "category"
    objective_texts: tuple[str, ...] = ("objective", "objective_more")
    vision_texts: tuple[str, ...] = DEFAULT_VISION_TEXTS
    chosen: str = "visions"
    chosen_list: str = "visions"
    chosen_themes: tuple[tuple[str, str], ...] = DEFAULT_VISION_THEMES
    priorities: str = "priorities"
    collaborates: str = "collaborates_with"
    would_collaborate: str = "would_collaborate"
    business: str = "imprese"
    profile: str = "profile"
    sector: str = "ateco_section"
    size: str = "employees"
    obstacles: str = "obstacles"
    projects: str = "progetto"
    card_texts: tuple[str, ...] = DEFAULT_CARD_TEXTS
    card_themes: tuple[tuple[str, str], ...] = DEFAULT_CARD_THEMES

    @property
    def listening(self) -> tuple[str, ...]:
        return self.interviews + tuple(q for q in self.citizens if q not in self.interviews)

    @property
    def questionnaires(self) -> tuple[str, ...]:
        """Every questionnaire the tables read, in this order (``runs_<id>`` of the counts)."""
        found: list[str] = []
        for q in (*self.listening, self.business, self.projects):
            if q and q not in found:
                found.append(q)
        return tuple(found)

    @property
    def convergence_texts(self) -> frozenset[str]:
        return frozenset(self.objective_texts) | frozenset(self.vision_texts)

    def theme_of_choice(self) -> dict[str, str]:
        return dict(self.chosen_themes)

    def theme_of_card(self) -> dict[str, str]:
        return dict(self.card_themes)

    @classmethod
    def from_mapping(cls, data: Mapping[str, Any] | None) -> TableInputs:
        """plan.yaml's ``tables:`` section; a ``ValueError`` names the entry that is wrong.

        The file's shape (docs/plans.md)::

            tables:
              interviews: [ascolto]          # or a single id; [] or null: none
              citizens: [visione]
              objective_texts: [objective]   # free texts whose themes count
              chosen: {key: visions, list: visions, themes: {citta_musica: musica_liuteria}}
              business: {questionnaire: imprese, profile: profile, sector: ateco_section, …}
              projects: {questionnaire: progetto, texts: [title], themes: {innovation: innovazione}}
              network: {collaborates: collaborates_with, would_collaborate: would_collaborate}
        """
        if data is None:
            return cls()
        if not isinstance(data, Mapping):
            raise ValueError("tables: a mapping (interviews, citizens, objective_texts …)")
        # written: what it leaves out is off, not Cremona's
        values: dict[str, Any] = {f.name: () if isinstance(f.default, tuple) else "" for f in fields(cls)}
        plain = {"interviews": list, "citizens": list, "objective_texts": list, "vision_texts": list,
                 "declared_category": str, "priorities": str}
        groups = {
            "chosen": {"key": "chosen", "list": "chosen_list", "themes": "chosen_themes"},
            "business": {"questionnaire": "business", "profile": "profile", "sector": "sector", "size": "size",
                         "obstacles": "obstacles"},
            "projects": {"questionnaire": "projects", "texts": "card_texts", "themes": "card_themes"},
            "network": {"collaborates": "collaborates", "would_collaborate": "would_collaborate"},
        }
        for name, entry in data.items():
            if name in plain:
                values[name] = _field(f"tables.{name}", entry, plain[name])
            elif name in groups:
                if entry is None:  # the whole input switched off
                    continue
                if not isinstance(entry, Mapping):
                    raise ValueError(f"tables.{name}: a mapping of {', '.join(groups[name])}")
                for sub, value in entry.items():
                    target = groups[name].get(str(sub))
                    if target is None:
                        raise ValueError(f"tables.{name}.{sub}: unknown; the entries are {', '.join(groups[name])}")
                    kind = dict if target.endswith("themes") else list if target.endswith("texts") else str
                    values[target] = _field(f"tables.{name}.{sub}", value, kind)
            else:
                raise ValueError(f"tables.{name}: unknown; the entries are {', '.join([*plain, *groups])}")
        return cls(**values)

    def named(self) -> list[tuple[str, str, str]]:
        """What the plan names, for checking: (where, questionnaire ids it should be in, key).

        ``questionnaire ids`` is ``"|".join`` of the questionnaires one of which must ask the
        key, or "" for a questionnaire id itself."""
        listening = "|".join(self.listening)
        out: list[tuple[str, str, str]] = [("interviews", "", q) for q in self.interviews]
        out += [("citizens", "", q) for q in self.citizens]
        for q in (self.business, self.projects):
            if q:
                out.append(("business" if q == self.business else "projects", "", q))
        if self.declared_category and self.interviews:
            out.append(("declared_category", "|".join(self.interviews), self.declared_category))
        out += [("objective_texts", listening, k) for k in self.objective_texts]
        out += [("vision_texts", listening, k) for k in self.vision_texts]
        for where, key in (("chosen.key", self.chosen), ("priorities", self.priorities),
                           ("network.collaborates", self.collaborates),
                           ("network.would_collaborate", self.would_collaborate)):
            if key:
                out.append((where, listening, key))
        if self.business:
            out += [(f"business.{w}", self.business, k) for w, k in
                    (("sector", self.sector), ("size", self.size), ("obstacles", self.obstacles)) if k]
        return out


def _field(where: str, value: Any, kind: type) -> Any:
    """One entry of ``tables:`` in TableInputs' shape: a string, a tuple of strings or of pairs."""
    if kind is str:
        if value is None:
            return ""
        if not isinstance(value, str):
            raise ValueError(f"{where}: a question key or questionnaire id, not {value!r}")
        return value
    if kind is list:
        if value is None:
            return ()
        if isinstance(value, str):
            return (value,)
        if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
            raise ValueError(f"{where}: a list of question keys or questionnaire ids")
        return tuple(value)
    if value is None:
        return ()
    if not isinstance(value, Mapping) or not all(isinstance(k, str) and isinstance(v, str) for k, v in value.items()):
        raise ValueError(f"{where}: a mapping of option values to theme ids")
    return tuple((str(k), str(v)) for k, v in value.items())


@dataclass(frozen=True)
class PlanSources:
    """Where the deployment's plan keeps what the tables label their codes with: its
    questionnaires (the survey's lists, the baseline), its shared lists and its taxonomy.
    The bot resolves them from SCENARI_PLAN_DIR (bot/plan.py); left unset, codes are their own
    labels, since no city is built into this package."""

    questionnaires: Path | None = None
    lists: Path | None = None
    taxonomy: Path | None = None
    tables: TableInputs = TableInputs()  # which questionnaires and keys feed which table (plan.yaml)


@dataclass(frozen=True)
class Options:
    """How the convergence tables are computed (docs/convergence.md)."""

    k: int = DEFAULT_K  # smallest count shown; 1 disables suppression
    threshold: float = DEFAULT_THRESHOLD  # share above which a category "shares" a theme
    quotes: int = DEFAULT_QUOTES
    top_priorities: int = DEFAULT_TOP_PRIORITIES  # columns of the project × priority table
    lang: str = "it"
    weights: Mapping[str, float] | None = None  # of the five rating indices (equal if None)
    sources: PlanSources | None = None  # the plan's labels and table inputs (None: codes only, Cremona's keys)

    def __post_init__(self) -> None:
        if self.k < 1:
            raise ValueError("k must be at least 1")
        if not 0 < self.threshold <= 1:
            raise ValueError("the threshold is a share between 0 (excluded) and 1")

    @property
    def inputs(self) -> TableInputs:
        """Which questionnaires and keys feed which table: the plan's, else Cremona's."""
        return self.sources.tables if self.sources is not None else TableInputs()


@dataclass(frozen=True)
class ScheduleOptions:
    """What the scheduled jobs (:mod:`exports.scheduler`) need to know: where, how often, for whom."""

    tables: Options = field(default_factory=Options)
    exports_dir: Path = DEFAULT_DIR  # the workbooks; the nightly package in its nightly/ folder
    aggregate_minutes: float = DEFAULT_MINUTES  # the convergence job's interval
    spacy_model: str | None = None  # the tagger run before each rebuild (None: nlp's default)
    report_time: str = DEFAULT_REPORT_TIME  # HH:MM of the nightly package, in report_timezone
    report_timezone: str = DEFAULT_REPORT_TZ
    report_package: str | None = None  # "csv" or "parquet": the nightly package also as a zip of files
    # storage.retention's policy, run daily under the same lease
    retention_free_text_days: int | None = None
    retention_contact_days: int | None = None
    audit_retention_days: int = DEFAULT_AUDIT_DAYS


RAW_VALUES: tuple[str, ...] = ("labels", "codes", "both")


@dataclass(frozen=True)
class RawOptions:
    """How a raw export (:mod:`exports.raw`) writes its cells, so an analyst needs no cleaning.

    ``values``: a choice's label (the default, what a reader wants), its code (what a script
    wants), or both side by side (``key`` then ``key_label``); the 0/1 column of each option of
    a multiple choice is there in every mode. ``joined`` also keeps the whole selection in one
    cell ("a; b"). ``lang`` is the language of the labels, the question texts and the sheets
    (the deployment's, SCENARI_LANG); ``timezone`` the zone the run times are given in (the
    city's, SCENARI_TIMEZONE), stated in the codebook since a spreadsheet has no time zones.
    """

    values: str = "labels"
    lang: str = "it"
    timezone: str = DEFAULT_REPORT_TZ
    joined: bool = False

    def __post_init__(self) -> None:
        if self.values not in RAW_VALUES:
            raise ValueError(f"values must be one of {', '.join(RAW_VALUES)}, not {self.values!r}")
