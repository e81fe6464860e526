"""One XLSForm import in progress: where each question's row is, and what went wrong."""

from __future__ import annotations

from ..loader import DefinitionError
from ..model import DEFAULT_LANGUAGE


class ImportJob:
    """One import: the source name, the rows of each question, and what went wrong."""

    def __init__(self, source: str, default_language: str | None) -> None:
        self.source = source
        self.requested_language = default_language
        self.default = default_language or DEFAULT_LANGUAGE
        self.rows: dict[str, int] = {}
        self.errors: list[DefinitionError] = []
        self.warnings: list[DefinitionError] = []
        self.used_lists: dict[str, list[str]] = {}
        self.repeat_counts: dict[str, int] = {}
        self.raw_rows: dict[str, dict[str, str]] = {}
        self.filters: dict[str, str] = {}
        self.data_lists: dict[str, dict[str, str]] = {}  # select_one_from_file: list name → its file
        self.parameters: dict[str, int | float | str] = {}  # constant calculates marked scenari_parameter

    def error(self, where: str, reason: str) -> None:
        self.errors.append(DefinitionError(self.source, where, reason))

    def warn(self, where: str, reason: str) -> None:
        self.warnings.append(DefinitionError(self.source, where, reason))

    def at(self, key: str) -> str:
        row = self.rows.get(key)
        return f"survey row {row}" if row else f"question {key!r}"
