"""The typed model of a questionnaire definition.

A definition is data (YAML on disk, JSON in the database); these classes are what it becomes
once validated. Cross-question rules (unique keys, conditions that only look backwards) live
in :mod:`dialogs.loader`, which reports them with the file and question key.
"""

from __future__ import annotations

import re
import warnings
from functools import cached_property
from typing import Annotated, Any, Literal

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    ValidationInfo,
    field_validator,
    model_serializer,
    model_validator,
)

SPEC_VERSION = 1
DATA_FILE = r"[A-Za-z0-9][A-Za-z0-9_.-]{0,99}\.csv"  # a data list's file: a bare name, never a path
DEFAULT_LANGUAGE = "it"

QuestionType = Literal[
    "note", "single", "multiple", "yesno", "text", "integer", "decimal", "scale", "date",
    "time", "datetime", "ranking", "repeat", "calculate",
]
CHOICE_TYPES = frozenset({"single", "multiple", "yesno", "scale", "ranking"})
SELECTION_TYPES = frozenset({"multiple", "ranking"})  # answered by toggling, then "done"
SILENT_TYPES = frozenset({"note", "calculate"})  # never answered: shown, or computed in passing
MAX_REPEAT = 20

Key = Annotated[str, Field(pattern=r"^[a-z][a-z0-9_]{0,23}$")]  # fits callback data


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


LanguageCode = Annotated[str, Field(pattern=r"^[a-z]{2,3}$")]


class Text(BaseModel):
    """A user-facing text in one or more languages, the questionnaire's default language first.

    Any language code is accepted (``it``, ``en``, ``fr`` …); which ones a questionnaire must
    carry is the loader's rule (the default language everywhere, the others optional, missing
    ones reported as warnings). :meth:`get` falls back to the default language's text, so a
    respondent whose language a text lacks reads the default rather than nothing.
    """

    model_config = ConfigDict(frozen=True)

    values: dict[LanguageCode, Annotated[str, Field(min_length=1)]] = Field(min_length=1)

    @model_validator(mode="before")
    @classmethod
    def _from_mapping(cls, data: Any, info: ValidationInfo) -> Any:
        """Accept ``{it: …, en: …}`` (how files and ``Text(it=…)`` write it), default first."""
        if isinstance(data, Text):
            data = data.values
        if not isinstance(data, dict):
            raise ValueError("a text is a mapping of language codes to texts, e.g. {it: …, en: …}")
        values = data["values"] if set(data) == {"values"} and isinstance(data["values"], dict) else data
        default = (info.context or {}).get("default_language") or DEFAULT_LANGUAGE
        if default in values:
            values = {default: values[default], **{k: v for k, v in values.items() if k != default}}
        return {"values": values}

    @model_serializer
    def _as_mapping(self) -> dict[str, str]:
        return dict(self.values)

    def __hash__(self) -> int:
        return hash(tuple(self.values.items()))

    @property
    def languages(self) -> tuple[str, ...]:
        return tuple(self.values)

    def get(self, lang: str) -> str:
        """The text in ``lang``, else in the default language (the first one)."""
        return self.values.get(lang) or next(iter(self.values.values()))

    def has(self, lang: str) -> bool:
        return lang in self.values

    @property
    def it(self) -> str:
        return self.get("it")

    @property
    def en(self) -> str:
        return self.get("en")


class Choice(_Strict):
    value: Annotated[str, Field(pattern=r"^[A-Za-z0-9_.-]{1,24}$")]
    label: Text
    # Extra columns a `choice_filter` can test (XLSForm's cascading selects), e.g. category.
    attributes: dict[str, str] = Field(default_factory=dict)


ColumnName = Annotated[str, Field(min_length=1, max_length=64)]


class DataList(_Strict):
    """Choices read from a CSV file, one row a choice (XLSForm's ``select_one_from_file``).

    ``file`` is a bare file name, looked for beside the questionnaire (its ``lists/`` folder,
    then its own folder) and then among the shipped lists: never a path, so a definition can
    name no other file. ``value`` and ``label`` name columns (ODK's defaults: ``name`` and
    ``label``); ``label`` may map languages to columns. Every other column becomes an attribute
    a ``choice_filter`` can test. A single label column is a name, the same in every language
    (a municipality), so its choices need no translation.
    """

    file: str
    value: ColumnName = "name"
    label: ColumnName | dict[LanguageCode, ColumnName] = "label"

    @field_validator("file")
    @classmethod
    def _bare_csv_name(cls, value: str) -> str:
        if not re.fullmatch(DATA_FILE, value):
            raise ValueError("a data file is a .csv file name such as comuni.csv (no folders), kept in the lists/ folder")
        return value


class FollowUp(_Strict):
    """One gentle follow-up when an answer is too thin to use ("può dirmi di più?")."""

    when: str
    text: Text
    max_length: int | None = Field(default=None, ge=1, le=4000)


class Stop(_Strict):
    """Ends the run politely when an answer shows the respondent cannot take part (a screen-out).

    ``when`` sees the answer as ``value``, the earlier answers and the questionnaire's
    ``parameters``; when it holds, the run is closed as ``stopped`` with ``reason`` as its only
    outcome, its answers are dropped (the host erases what it stored) and ``text`` is shown. The
    age gate (a child under the minimum age, Codice privacy art. 2-quinquies) is one.
    """

    when: str
    text: Text
    reason: Annotated[str, Field(pattern=r"^[a-z][a-z0-9_]{0,23}$")]


ParameterValue = int | float | str


class Question(_Strict):
    key: Key
    type: QuestionType
    text: Text  # a calculate, never shown, may leave it out: its key stands in
    hint: Text | None = None
    choices: list[Choice] | str = Field(
        default_factory=list,
        description="inline choices, or the name of a list under `lists`",
    )
    # A long list (see dialogs.lookup): the options offered as buttons before the respondent
    # types to search the others.
    suggested: list[str] = Field(default_factory=list)
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
    choice_filter: str | None = None
    max_rank: int | None = Field(default=None, ge=1)
    follow_up: FollowUp | None = None
    stop: Stop | None = None  # end the run when the answer rules the respondent out
    # calculate: a value computed from earlier answers as soon as they are known, usable by
    # later conditions and texts (XLSForm's `calculate`); stored with the run's outcomes.
    calculation: str | None = None
    # repeat groups: the item's questions, how many items, and the "add another?" prompt
    questions: list[Question] = Field(default_factory=list)
    min_items: int = Field(default=1, ge=0)
    max_items: int = Field(default=10, ge=1, le=MAX_REPEAT)
    add_prompt: Text | None = None
    item_label: Text | None = None

    @model_validator(mode="before")
    @classmethod
    def _calculate_needs_no_text(cls, data: Any, info: ValidationInfo) -> Any:
        if isinstance(data, dict) and data.get("type") == "calculate" and not data.get("text"):
            default = (info.context or {}).get("default_language") or DEFAULT_LANGUAGE
            data = {**data, "text": {default: str(data.get("key", "calculate"))}}
        return data

    @property
    def is_required(self) -> bool:
        if self.type in SILENT_TYPES:
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


# `register` (below) is named like ABCMeta.register, a method of the class, never of an instance: pydantic's
# warning about the shadowing says nothing about the field, which reads as any other (q.register).
warnings.filterwarnings("ignore", message='Field name "register" in "Questionnaire" shadows', category=UserWarning)


class Questionnaire(_Strict):
    spec_version: int = SPEC_VERSION
    # The language every text must have (the deployment's SCENARI_LANG); others are optional.
    default_language: LanguageCode = DEFAULT_LANGUAGE
    id: Annotated[str, Field(pattern=r"^[a-z][a-z0-9_]{0,23}$")]
    version: int = Field(ge=1)
    title: Text
    description: Text | None = None
    intro: Text | None = None
    outro: Text | None = None
    open: bool = True
    lists: dict[str, list[Choice]] = Field(default_factory=dict)
    # Lists kept once for every questionnaire (a plan's questionnaires/lists/NAME.yaml), copied
    # into `lists` on load; and lists the host fills at run time (e.g. the register's actors),
    # with the attribute names their choices carry for choice filters.
    shared_lists: list[str] = Field(default_factory=list)
    # Lists read from data files (CSV) on load, copied into `lists` like the shared ones.
    data_lists: dict[str, DataList] = Field(default_factory=dict)
    dynamic_lists: dict[str, list[str]] = Field(default_factory=dict)
    questions: list[Question] = Field(min_length=1)
    computed: list[Computed] = Field(default_factory=list)
    outcomes: list[Outcome] = Field(default_factory=list)
    review: bool = False  # show a summary with "change" buttons before submitting
    # How the questionnaire addresses the respondent in Italian: "lei" (formal) or "tu". The engine's
    # errors, the consent, the summary and the thank-yous follow it (their ``it@lei`` / ``it@tu`` texts,
    # dialogs.i18n.speaking), and an included fragment's NAME.lei.yaml is taken over NAME.yaml.
    register: Literal["lei", "tu"] | None = None
    # Named values every expression and ``${name}`` sees, with their defaults; the host may set
    # them at run time (:meth:`with_parameters`, e.g. the deployment's minimum age), so a
    # threshold lives in the settings while the engine reads no settings.
    parameters: dict[Key, ParameterValue] = Field(default_factory=dict)

    @field_validator("spec_version")
    @classmethod
    def _known_spec(cls, value: int) -> int:
        if value != SPEC_VERSION:
            raise ValueError(f"unsupported spec_version {value}; this engine reads {SPEC_VERSION}")
        return value

    def question(self, key: str) -> Question:
        """A question by key, top-level or inside a repeat group."""
        found = self._by_key.get(key)
        if found is None:
            raise KeyError(key)
        return found

    def group_of(self, key: str) -> Question | None:
        """The repeat group holding ``key``, or None for a top-level question."""
        return self._group_of.get(key)

    @cached_property
    def _by_key(self) -> dict[str, Question]:
        found: dict[str, Question] = {}
        for question in self.questions:
            found[question.key] = question
            for sub in question.questions:
                found[sub.key] = sub
        return found

    @cached_property
    def _group_of(self) -> dict[str, Question]:
        return {sub.key: question for question in self.questions for sub in question.questions}

    def index_of(self, key: str) -> int:
        for index, question in enumerate(self.questions):
            if question.key == key:
                return index
        raise KeyError(key)

    def choices_for(self, question: Question) -> list[Choice]:
        """The question's options, resolving shared lists and the implicit yes/no and scale."""
        if question.type == "yesno":
            return [
                Choice(value="yes", label=Text(it="Sì", en="Yes", fr="Oui", de="Ja", es="Sí")),
                Choice(value="no", label=Text(it="No", en="No", fr="Non", de="Nein", es="No")),
            ]
        if question.type == "scale":
            low = int(question.min if question.min is not None else 1)
            high = int(question.max if question.max is not None else 5)
            return [
                Choice(value=str(n), label=Text(it=str(n), en=str(n))) for n in range(low, high + 1)
            ]
        if isinstance(question.choices, str):
            return self.lists.get(question.choices, [])  # a dynamic list may still be empty
        return question.choices

    def with_parameters(self, values: dict[str, ParameterValue]) -> Questionnaire:
        """A copy with the host's values for the parameters it declares (others are ignored)."""
        known = {name: value for name, value in values.items() if name in self.parameters}
        if not known or all(self.parameters[name] == value for name, value in known.items()):
            return self
        return self.model_copy(update={"parameters": {**self.parameters, **known}})

    def with_lists(self, lists: dict[str, list[Choice]]) -> Questionnaire:
        """A copy with run-time lists filled in (the engine itself never fetches anything)."""
        return self.model_copy(update={"lists": {**self.lists, **lists}})
