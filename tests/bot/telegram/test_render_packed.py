"""A question's buttons carry the callback data aiogram's own ``pack()`` gives (bot.telegram.render.packed).

The keyboard packs its answer and navigation buttons without a pydantic model; a press must
still reach the handler whose ``CallbackData`` filter unpacks it, and a value aiogram refuses
(a separator inside it, data over Telegram's 64 bytes) is refused the same way.
"""

from __future__ import annotations

import pytest

from bot.telegram.callbacks import AnswerButton, NavButton
from bot.telegram.render import packed


@pytest.mark.parametrize("run, key, value", [
    ("abcdef123456", "q1", "si"), ("abcdef123456", "eta", ""), ("0f0f0f0f0f0f", "quartiere", "Città alta"),
])
def test_answer_button_packs_as_aiogram_does(run: str, key: str, value: str) -> None:
    data = packed(AnswerButton, run, key, value)
    assert data == AnswerButton(run=run, key=key, value=value).pack()
    assert AnswerButton.unpack(data) == AnswerButton(run=run, key=key, value=value)


@pytest.mark.parametrize("action", ["back", "skip", "done"])
def test_navigation_button_packs_as_aiogram_does(action: str) -> None:
    data = packed(NavButton, "abcdef123456", "q2", action)
    assert data == NavButton(run="abcdef123456", key="q2", action=action).pack()  # type: ignore[arg-type]


@pytest.mark.parametrize("value", ["a:b", "x" * 60])
def test_a_value_aiogram_refuses_is_refused(value: str) -> None:
    with pytest.raises(ValueError):
        AnswerButton(run="abcdef123456", key="q1", value=value).pack()
    with pytest.raises(ValueError):
        packed(AnswerButton, "abcdef123456", "q1", value)
