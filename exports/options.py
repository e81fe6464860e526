"""The options of the tables and of the scheduled jobs: plain dataclasses, cheap to import.

The service builds them from its settings (``bot.settings.Settings.table_options()`` and
``schedule_options()``); nothing in ``exports`` reads bot's settings (.importlinter forbids the
import), so a job or a table is configured by values a test can write out in one line.
This module imports neither pandas nor APScheduler: ``bot.settings`` imports it at start-up.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

DEFAULT_K = 3
DEFAULT_THRESHOLD = 0.2
DEFAULT_QUOTES = 3
DEFAULT_TOP_PRIORITIES = 8

DEFAULT_MINUTES = 15.0
DEFAULT_DIR = Path("var/exports")
DEFAULT_REPORT_TIME = "02:30"
DEFAULT_REPORT_TZ = "Europe/Rome"
DEFAULT_AUDIT_DAYS = 730


@dataclass(frozen=True)
class PlanSources:
    """Where the deployment's plan keeps what the tables label their codes with: its
    questionnaires (the survey's lists, the baseline), its shared lists and its taxonomy.
    The bot resolves them from SCENARI_PLAN_DIR (bot/plan.py); left unset, codes are their own
    labels, since no city is built into this package."""

    questionnaires: Path | None = None
    lists: Path | None = None
    taxonomy: Path | None = None


@dataclass(frozen=True)
class Options:
    """How the convergence tables are computed (docs/convergence.md)."""

    k: int = DEFAULT_K  # smallest count shown; 1 disables suppression
    threshold: float = DEFAULT_THRESHOLD  # share above which a category "shares" a theme
    quotes: int = DEFAULT_QUOTES
    top_priorities: int = DEFAULT_TOP_PRIORITIES  # columns of the project × priority table
    lang: str = "it"
    weights: Mapping[str, float] | None = None  # of the five rating indices (equal if None)
    sources: PlanSources | None = None  # the plan's labels (None: codes only)

    def __post_init__(self) -> None:
        if self.k < 1:
            raise ValueError("k must be at least 1")
        if not 0 < self.threshold <= 1:
            raise ValueError("the threshold is a share between 0 (excluded) and 1")


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
