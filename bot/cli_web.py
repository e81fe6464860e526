"""`scenari serve`: the one service process — the web channel and, with a token, the Telegram bot.

Registered by :mod:`bot.cli` (``add_commands``, then :func:`dispatch` once the database is
migrated). uvicorn runs programmatically in this event loop; the bot runs beside it, by long
polling, or — with ``TELEGRAM_WEBHOOK_URL`` — by webhook on the web server itself. SIGINT and
SIGTERM stop both cleanly: uvicorn finishes the requests in flight, polling stops, the bot's
session and the database are closed.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import logging
import signal
import sys
from collections.abc import Iterator
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # pragma: no cover
    from storage import Database

    from .settings import Settings

log = logging.getLogger("scenari.serve")


def add_commands(subparsers: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    serve = subparsers.add_parser(
        "serve", help="migrate, then serve the web channel (and the Telegram bot when a token is set)"
    )
    serve.add_argument("--host", default=None, help="address to listen on (default: SCENARI_HOST, 127.0.0.1)")
    serve.add_argument("--port", type=int, default=None, help="port (default: SCENARI_PORT, 8000)")


async def dispatch(args: argparse.Namespace, settings: Settings, db: Database) -> int | None:
    """Run `serve` on the migrated database; None if ``args`` is another command."""
    if args.command != "serve":
        return None
    host = args.host or settings.host
    port = args.port if args.port is not None else settings.port
    return await serve(settings, db, host, port)


async def serve(settings: Settings, db: Database, host: str, port: int) -> int:
    import uvicorn

    from .background import background_jobs
    from .web import create_app

    app = create_app(settings, db)
    config = uvicorn.Config(
        app, host=host, port=port, log_config=None, access_log=False,  # access logs would hold invitation tokens
        lifespan="on", server_header=False, proxy_headers=False,
    )
    server = _make_server(config)
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()

    def request_stop() -> None:
        if stop.is_set():
            server.force_exit = True  # a second Ctrl+C: stop waiting for open connections
        stop.set()
        server.should_exit = True

    installed = []
    for signum in (signal.SIGINT, signal.SIGTERM):
        with contextlib.suppress(NotImplementedError, RuntimeError):
            loop.add_signal_handler(signum, request_stop)
            installed.append(signum)

    url = f"http://{_display_host(host)}:{port}"
    mode = (
        "web only: set TELEGRAM_BOT_TOKEN (in the environment or .env) to add the Telegram bot; "
        "`.venv/bin/scenari chat --questionnaire imprese` also works in a terminal"
    )
    jobs = background_jobs(settings, db)  # tagging, tables, sender: once per process
    scheduler = await jobs.__aenter__()
    tasks: dict[str, asyncio.Task[object]] = {"web": asyncio.create_task(_run_web(server), name="web")}
    if settings.telegram_bot_token and settings.telegram_webhook_url:
        from .telegram.handlers.reports import telegram_notifier

        mode = f"Telegram bot by webhook at {settings.telegram_webhook_url}"
        scheduler.attach_notifier(telegram_notifier(app.state.telegram.bot))  # nightly reports
    elif settings.telegram_bot_token:
        from .telegram.app import serve_bot

        mode = f"Telegram bot by long polling via {settings.telegram_api_base or 'api.telegram.org'}"
        tasks["bot"] = asyncio.create_task(serve_bot(settings, db, stop=stop, scheduler=scheduler), name="bot")
    print(f"Scenari is serving {url} ({mode}; Ctrl+C stops).", flush=True)
    status = 0
    try:
        pending = set(tasks.values())
        while pending:
            done, pending = await asyncio.wait(pending, return_when=asyncio.FIRST_COMPLETED)
            for task in done:
                name = task.get_name()
                failure = None if task.cancelled() else task.exception()
                if failure is not None or not stop.is_set():
                    # One half ended on its own (failed, or could not start): stop the other too.
                    if failure is not None:
                        log.error(f"{name} stopped", exc_info=failure)
                        print(f"Scenari: the {name} part failed: {_describe(failure)}", file=sys.stderr)
                    else:
                        print(f"Scenari: the {name} part stopped.", file=sys.stderr)
                    status = 1
                    request_stop()
    finally:
        for signum in installed:
            loop.remove_signal_handler(signum)
        await jobs.__aexit__(None, None, None)
    print("Scenari stopped.", flush=True)
    return status


def _make_server(config: object) -> object:
    """uvicorn's Server without its own signal handling (this process handles signals for both)."""
    import uvicorn

    class Server(uvicorn.Server):
        @contextlib.contextmanager
        def capture_signals(self) -> Iterator[None]:
            yield

    return Server(config)  # type: ignore[arg-type]


async def _run_web(server: object) -> None:
    try:
        await server.serve()  # type: ignore[attr-defined]
    except SystemExit as exc:  # uvicorn exits when it cannot bind or the app fails to start
        raise RuntimeError(f"the web server could not start (exit {exc.code}); is the port free?") from None
    if not server.started:  # type: ignore[attr-defined]
        raise RuntimeError("the web server could not start; is the port free?")


def _display_host(host: str) -> str:
    if host in ("0.0.0.0", "::", ""):
        return "127.0.0.1"
    return f"[{host}]" if ":" in host else host


def _describe(error: BaseException) -> str:
    text = str(error).strip() or type(error).__name__
    return text.splitlines()[0]
