"""Fixtures for the engine tests: the small all-types questionnaire and a chat driver."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from dialogs import Input, Message, Questionnaire, RunState, Step, handle, load_file, start

DATA = Path(__file__).resolve().parents[1] / "data" / "questionnaires"


class Chat:
    """Drives the engine the way a transport does: one input at a time, keeping the state."""

    def __init__(self, q: Questionnaire, lang: str = "it", now: datetime | None = None) -> None:
        self.q = q
        self.step = start(q, lang=lang, now=now)
        self.state: RunState = self.step.state

    def send(
        self,
        kind: str,
        value: str | None = None,
        question_key: str | None = None,
        now: datetime | None = None,
        expire_after: timedelta | None = None,
    ) -> Step:
        self.step = handle(self.q, self.state, Input(kind, value, question_key), now=now, expire_after=expire_after)  # type: ignore[arg-type]
        self.state = self.step.state
        return self.step

    def say(self, text: str, **kwargs: Any) -> Step:
        return self.send("text", text, **kwargs)

    def answer(self, **answers: str) -> None:
        """Answer by typing, in order; fails if a different question is asked or one is refused."""
        for key, text in answers.items():
            assert self.state.current == key, f"expected {key}, the engine asks {self.state.current}"
            step = self.say(text)
            assert not step.rejected, f"{key}={text!r} refused: {self.texts}"

    @property
    def current(self) -> str | None:
        return self.state.current

    @property
    def messages(self) -> list[Message]:
        return self.step.messages

    @property
    def texts(self) -> list[str]:
        return [m.text for m in self.step.messages]

    @property
    def errors(self) -> list[str]:
        return [m.text for m in self.step.messages if m.kind == "error"]

    @property
    def prompt(self) -> Message:
        prompts = [m for m in self.step.messages if m.kind == "prompt"]
        assert prompts, f"no question shown; messages: {self.texts}"
        return prompts[-1]


@pytest.fixture(scope="session")
def prova() -> Questionnaire:
    return load_file(DATA / "all_types.yaml")


@pytest.fixture
def chat() -> Callable[..., Chat]:
    return Chat
