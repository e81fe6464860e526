"""The state of one run: plain data, saved as JSON between turns so any process can resume it."""

from __future__ import annotations

import copy
from dataclasses import dataclass, field, fields
from datetime import datetime, timezone
from typing import Any, Literal

# "stopped": ended by a question's ``stop`` rule (e.g. under the minimum age), its answers dropped
RunStatus = Literal["active", "paused", "completed", "expired", "stopped"]


def utcnow() -> datetime:
    return datetime.now(timezone.utc)


@dataclass
class RunState:
    questionnaire_id: str
    version: int
    lang: str = "it"
    status: RunStatus = "active"
    current: str | None = None
    history: list[str] = field(default_factory=list)
    answers: dict[str, Any] = field(default_factory=dict)
    pending: dict[str, list[str]] = field(default_factory=dict)
    outcomes: dict[str, Any] = field(default_factory=dict)
    updated_at: str = field(default_factory=lambda: utcnow().isoformat())
    reviewing: bool = False  # the summary was reached: answered questions are not asked again

    def to_json(self) -> dict[str, Any]:
        return {name: plain_copy(getattr(self, name)) for name in _RUN_FIELDS}

    def copy(self) -> RunState:
        """A deep copy (the engine never mutates its caller's state), without ``copy.deepcopy``'s cost."""
        return RunState(**self.to_json())

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> RunState:
        return cls(**data)

    @property
    def last_activity(self) -> datetime:
        return datetime.fromisoformat(self.updated_at)


_RUN_FIELDS = tuple(f.name for f in fields(RunState))


def plain_copy(value: Any) -> Any:
    """A deep copy of JSON-shaped data, as the run state is (it is saved as JSON between turns).

    Several times cheaper than ``copy.deepcopy`` or ``dataclasses.asdict``, which look up a
    copier per object and keep a memo; both were on every answer's path. Anything that is
    not a dict, list, tuple or scalar is handed to ``copy.deepcopy``.
    """
    if isinstance(value, (str, int, float)) or value is None:  # bool is an int
        return value
    if isinstance(value, dict):
        return {key: plain_copy(item) for key, item in value.items()}
    if isinstance(value, list):
        return [plain_copy(item) for item in value]
    if isinstance(value, tuple):
        return tuple(plain_copy(item) for item in value)
    return copy.deepcopy(value)


@dataclass(frozen=True)
class Option:
    value: str
    label: str
    selected: bool = False
    rank: int | None = None  # position in a ranking answer (1 = top priority)


@dataclass(frozen=True)
class Message:
    """Something to show the respondent; transports decide how (buttons, forms, lines)."""

    kind: Literal["prompt", "note", "error", "info", "completed"]
    text: str
    question_key: str | None = None
    question_type: str | None = None
    options: tuple[Option, ...] = ()
    multiple: bool = False
    progress: tuple[int, int] | None = None
    can_skip: bool = False
    can_go_back: bool = False
    hint: str | None = None
    refresh: bool = False
    ranking: bool = False
    item: int | None = None  # 1-based item number inside a repeat group
    outcomes: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class AnswerChange:
    """An answer the caller must store (durably, before replying)."""

    question_key: str
    value: Any
    raw: str | None
    skipped: bool = False
    item_index: int = 0
    replaces: bool = False  # the position already held an answer, which becomes history


@dataclass(frozen=True)
class Input:
    """What the respondent did. ``question_key`` marks a button tied to a question."""

    kind: Literal["text", "choice", "toggle", "done", "back", "skip", "pause", "resume", "show"]
    value: str | None = None
    question_key: str | None = None


@dataclass
class Step:
    state: RunState
    messages: list[Message]
    answer: AnswerChange | None = None
    cleared: list[str] = field(default_factory=list)
    cleared_items: list[tuple[str, int]] = field(default_factory=list)  # (key, item) retired
    completed: bool = False
    rejected: bool = False
    stopped: str | None = None  # the stop rule's reason when the run was just stopped
