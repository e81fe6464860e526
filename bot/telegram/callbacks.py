"""Callback data: small, typed, and tied to the run and question a button belongs to.

Telegram allows 64 bytes. Run ids are 12 hex characters, question keys at most 24 and
choice values at most 24, so ``a:<run>:<key>:<value>`` always fits; aiogram checks it too.
"""

from __future__ import annotations

from typing import Literal

from aiogram.filters.callback_data import CallbackData
from pydantic import Field


class AnswerButton(CallbackData, prefix="a"):
    run: str
    key: str
    value: str


class NavButton(CallbackData, prefix="n"):
    run: str
    key: str
    action: Literal["back", "skip", "done"]


class ConsentButton(CallbackData, prefix="c"):
    granted: bool
    questionnaire: str


class MenuButton(CallbackData, prefix="m"):
    questionnaire: str


class EraseButton(CallbackData, prefix="x"):
    confirmed: bool


class LanguageButton(CallbackData, prefix="l"):
    lang: str = Field(pattern="^[a-z]{2}$")  # one of the plan's languages (checked by the handler)


class ExportButton(CallbackData, prefix="e"):
    questionnaire: str


# --- the communication plan (bot.telegram.handlers.communication, bot.telegram.sender) ----------------------


class NewsletterButton(CallbackData, prefix="nl"):
    granted: bool


class ResumeButton(CallbackData, prefix="rs"):
    run: str


class RsvpButton(CallbackData, prefix="ev"):
    event: int
    answer: Literal["yes", "no", "maybe"]


class BroadcastButton(CallbackData, prefix="bc"):
    id: int
    action: Literal["send", "cancel"]


# --- deliberation rounds (bot.telegram.handlers.deliberation) -------------------------------------


class VoteButton(CallbackData, prefix="dv"):
    round: int
    statement: int
    choice: Literal["a", "d", "p"]


class VotePauseButton(CallbackData, prefix="dp"):
    round: int


class ModerateButton(CallbackData, prefix="md"):
    statement: int
    action: Literal["approve", "edit", "reject", "merge"]
    target: int = 0
