"""The Telegram transport (aiogram 3): Updates in, engine calls, Bot API calls out."""

from .app import build_bot, build_dispatcher, run_polling

__all__ = ["build_bot", "build_dispatcher", "run_polling"]
