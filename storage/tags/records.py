"""The plain records and constants the tags modules take and return (no SQL, no spaCy)."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime


MACHINE = "machine"
HUMAN = "human"
CONFIRM, ADD, REMOVE = "confirm", "add", "remove"
HUMAN_METHOD = "human"


@dataclass(frozen=True)
class PendingText:
    """A free-text answer the tagger has not seen yet."""

    answer_id: int
    text: str


@dataclass(frozen=True)
class MachineTag:
    theme_id: str
    score: float
    evidence: tuple[str, ...] = ()
    negated_evidence: tuple[str, ...] = ()
    negated: bool = False  # only rejected mentions ("niente turismo"): kept for reviewers, not a vote
    method: str = ""  # who suggested it (rules, learned:<version>, both); "" = the pass's method


@dataclass(frozen=True)
class TaggedText:
    """The tagger's output for one answer, ready to store."""

    answer_id: int
    method: str
    taxonomy_version: str
    keywords: tuple[str, ...] = ()
    tags: tuple[MachineTag, ...] = ()


@dataclass(frozen=True)
class EffectiveTag:
    """A theme an answer counts for, and where it comes from (the audit trail)."""

    theme_id: str
    source: str  # 'machine' or 'human'
    decision: str | None  # human: 'confirm' or 'add'
    score: float | None
    evidence: tuple[str, ...]
    method: str
    taxonomy_version: str
    tagged_at: datetime
    coder: str | None = None
    sheet: str | None = None
    sheet_row: int | None = None


@dataclass(frozen=True)
class ReviewInput:
    """One coded text from a coding sheet: what was suggested and what the coder decided.

    ``accept`` None with added/removed themes means the coder corrected the suggestions
    (kept minus removed, plus added); None with no edits means the row was not reviewed.
    """

    answer_id: int
    suggested: tuple[str, ...]
    accept: bool | None
    add: tuple[str, ...] = ()
    remove: tuple[str, ...] = ()
    coder: str = ""
    sheet_row: int | None = None

    @property
    def reviewed(self) -> bool:
        return self.accept is not None or bool(self.add) or bool(self.remove)

    @property
    def final_themes(self) -> tuple[str, ...]:
        keep = [] if self.accept is False else [t for t in self.suggested if t not in self.remove]
        return tuple(dict.fromkeys([*keep, *(t for t in self.add if t not in self.remove)]))


@dataclass
class ReviewSheetRow:
    """A current free-text answer as the coding sheet shows it."""

    answer_id: int
    text: str
    suggested: list[str] = field(default_factory=list)  # machine themes that vote
    evidence: list[str] = field(default_factory=list)  # "theme: words", rejected mentions marked
    human: dict[str, str] = field(default_factory=dict)  # theme -> latest human decision
    reviewed: bool = False


def _chunks(items: Sequence[int], size: int) -> Iterable[Sequence[int]]:
    """Slices of ``items``: an IN (…) list stays under the databases' parameter limits."""
    for start in range(0, len(items), size):
        yield items[start : start + size]
