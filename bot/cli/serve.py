"""`scenari serve` (the web channel, and the Telegram bot when a token is set) and `scenari bot`.

The service process itself is :mod:`bot.runtime.serve`; this module only reads the command
line. ``bot`` runs the Telegram bot alone, by long polling, with the background jobs.
"""

from __future__ import annotations

import argparse

from storage import Database

from bot.runtime.background import background_jobs
from bot.settings import Settings

from .commands import with_database

NO_TOKEN_HINT = (
    "No Telegram token: set TELEGRAM_BOT_TOKEN (from @BotFather, in the environment or .env) to run "
    "the bot; meanwhile `make run` serves the web channel and `.venv/bin/scenari chat --questionnaire "
    "imprese` works in this terminal."
)


def add_bot(parser: argparse.ArgumentParser) -> None:
    with_database(parser, _bot)
    parser.set_defaults(needs_notice=True)  # the privacy notice is checked before anything starts


def add_serve(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--host", default=None, help="address to listen on (default: SCENARI_HOST, 127.0.0.1)")
    parser.add_argument("--port", type=int, default=None, help="port (default: SCENARI_PORT, 8000)")
    with_database(parser, _serve)
    parser.set_defaults(needs_notice=True)  # the privacy notice is checked before anything starts


async def _serve(args: argparse.Namespace, settings: Settings, db: Database) -> int:
    host = args.host or settings.host
    port = args.port if args.port is not None else settings.port
    from bot.runtime.serve import serve  # FastAPI and uvicorn (~0.7 s): `scenari bot` never needs them

    return await serve(settings, db, host, port)


async def _bot(args: argparse.Namespace, settings: Settings, db: Database) -> int:
    if not settings.telegram_bot_token:
        print(NO_TOKEN_HINT)
        return 2
    from bot.telegram.app import serve_bot  # aiogram (seconds): at the top, `serve` would wait for it too

    print(f"Scenari bot: long polling via {settings.telegram_api_base or 'api.telegram.org'} (Ctrl+C stops).")
    async with background_jobs(settings, db) as scheduler:
        await serve_bot(settings, db, scheduler=scheduler)
    return 0


COMMANDS = {"bot": add_bot, "serve": add_serve}
