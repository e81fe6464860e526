"""The typed model of a questionnaire definition.

A definition is data (YAML on disk, JSON in the database); these classes are what it becomes
once validated. Cross-question rules (unique keys, conditions that only look backwards) live
in :mod:`dialogs.loader`, which reports them with the file and question key.
"""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

SPEC_VERSION = 1
LANGUAGES = ("it", "en")

QuestionType = Literal[
    "note", "single", "multiple", "yesno", "text", "integer", "decimal", "scale", "date"
]
CHOICE_TYPES = frozenset({"single", "multiple", "yesno", "scale"})

Key = Annotated[str, Field(pattern=r"^[a-z][a-z0-9_]{0,23}$")]  # fits callback data


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Text(_Strict):
    """A user-facing text in every supported language (Italian first)."""

    it: str = Field(min_length=1)
    en: str = Field(min_length=1)

    def get(self, lang: str) -> str:
        return self.en if lang == "en" else self.it


class Choice(_Strict):
    value: Annotated[str, Field(pattern=r"^[A-Za-z0-9_.-]{1,24}$")]
    label: Text


class Question(_Strict):
    key: Key
    type: QuestionType
    text: Text
    hint: Text | None = None
    choices: list[Choice] | str = Field(
        default_factory=list,
        description="inline choices, or the name of a list under `lists`",
    )
    required: bool | None = None
    relevant: str | None = None
    constraint: str | None = None
    constraint_message: Text | None = None
    max_length: int | None = Field(default=None, ge=1, le=4000)
    min: float | None = None
    max: float | None = None
    max_choices: int | None = Field(default=None, ge=1)
    min_label: Text | None = None
    max_label: Text | None = None

    @property
    def is_required(self) -> bool:
        if self.type == "note":
            return False
        return True if self.required is None else self.required

    @property
    def text_limit(self) -> int:
        return self.max_length or 1000


class Computed(_Strict):
    """A score computed from the answers when the run is completed."""

    key: Key
    expression: str


class OutcomeRule(_Strict):
    when: str | None = None
    value: Annotated[str, Field(pattern=r"^[a-z][a-z0-9_]{0,39}$")]


class Outcome(_Strict):
    """A classification (e.g. the innovation profile): first rule whose `when` holds wins."""

    key: Key
    title: Text
    rules: list[OutcomeRule] = Field(min_length=1)
    labels: dict[str, Text]
    descriptions: dict[str, Text] = Field(default_factory=dict)
    baseline: dict[str, float] = Field(default_factory=dict)
    baseline_label: Text | None = None

    @model_validator(mode="after")
    def _labels_cover_values(self) -> Outcome:
        missing = {r.value for r in self.rules} - set(self.labels)
        if missing:
            raise ValueError(f"labels missing for outcome values: {', '.join(sorted(missing))}")
        if self.rules[-1].when is not None:
            raise ValueError("the last rule must have no `when`: it is the default")
        return self


class Questionnaire(_Strict):
    spec_version: int = SPEC_VERSION
    id: Annotated[str, Field(pattern=r"^[a-z][a-z0-9_]{0,23}$")]
    version: int = Field(ge=1)
    title: Text
    description: Text | None = None
    intro: Text | None = None
    outro: Text | None = None
    open: bool = True
    lists: dict[str, list[Choice]] = Field(default_factory=dict)
    questions: list[Question] = Field(min_length=1)
    computed: list[Computed] = Field(default_factory=list)
    outcomes: list[Outcome] = Field(default_factory=list)

    @field_validator("spec_version")
    @classmethod
    def _known_spec(cls, value: int) -> int:
        if value != SPEC_VERSION:
            raise ValueError(f"unsupported spec_version {value}; this engine reads {SPEC_VERSION}")
        return value

    def question(self, key: str) -> Question:
        for question in self.questions:
            if question.key == key:
                return question
        raise KeyError(key)

    def index_of(self, key: str) -> int:
        for index, question in enumerate(self.questions):
            if question.key == key:
                return index
        raise KeyError(key)

    def choices_for(self, question: Question) -> list[Choice]:
        """The question's options, resolving shared lists and the implicit yes/no and scale."""
        if question.type == "yesno":
            return [
                Choice(value="yes", label=Text(it="Sì", en="Yes")),
                Choice(value="no", label=Text(it="No", en="No")),
            ]
        if question.type == "scale":
            low = int(question.min if question.min is not None else 1)
            high = int(question.max if question.max is not None else 5)
            return [
                Choice(value=str(n), label=Text(it=str(n), en=str(n))) for n in range(low, high + 1)
            ]
        if isinstance(question.choices, str):
            return self.lists[question.choices]
        return question.choices
