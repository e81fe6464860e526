"""The Telegram transport (aiogram 3): Updates in, engine calls, Bot API calls out."""

from .lazy_schemas import import_aiogram

import_aiogram()  # first, before any module here imports aiogram: its 633 schemas then build on first use

from .app import build_bot, build_dispatcher, run_polling  # noqa: E402

__all__ = ["build_bot", "build_dispatcher", "run_polling"]
