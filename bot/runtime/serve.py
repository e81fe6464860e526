"""`scenari serve`: the one service process — the web channel and, with a token, the Telegram bot.

:func:`serve` is the process, given the settings and the migrated database; its command line
(``--host``, ``--port``) is :mod:`bot.cli.serve`. uvicorn runs programmatically in this event
loop; the bot runs beside it, by long polling, or — with ``TELEGRAM_WEBHOOK_URL`` — by webhook
on the web server itself. SIGINT and SIGTERM stop both cleanly: uvicorn finishes the requests in
flight, polling stops, the bot's session and the database are closed.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import signal
import socket
import sys
from collections.abc import Callable, Iterator
from typing import TYPE_CHECKING, Any

import uvicorn

from bot.runtime.background import background_jobs
from bot.service.health import BotStatus
from bot.service.imports import import_off_loop
from bot.web import create_app

if TYPE_CHECKING:  # pragma: no cover
    from storage import Database

    from bot.settings import Settings

log = logging.getLogger("scenari.serve")


async def serve(settings: Settings, db: Database, host: str, port: int) -> int:
    """Serve until SIGINT/SIGTERM; 0 then, 2 if the address cannot be listened on.

    The web comes first and never waits for Telegram: the socket is bound and the first page
    served before aiogram, spaCy or the background jobs are loaded; those then load off the event
    loop (bot.service.imports), the bot connects with capped backoff for as long as it takes (its state
    is in ``/readyz``), and a bot that fails leaves the web serving.
    """
    try:
        listening = _listen(host, port)
    except OSError as exc:
        _cannot_listen(host, port, exc)
        return 2
    status = BotStatus(mode=_bot_mode(settings))
    try:
        app = create_app(settings, db, bot_status=status)
    except BaseException:
        listening.close()
        raise
    try:
        whatsapp = _whatsapp(app, settings, db)
    except BaseException:
        listening.close()
        raise
    server = _make_server(_server_config(app, host, port))
    stop = asyncio.Event()
    request_stop = _stopper(server, stop)
    installed = _install_signal_handlers(request_stop)
    tasks: dict[str, asyncio.Task[object]] = {"web": asyncio.create_task(_run_web(server, listening), name="web")}
    notifier = _NotifierSlot()
    if status.mode == "polling":
        tasks["bot"] = asyncio.create_task(_polling(settings, db, stop, notifier, status), name="bot")
    if whatsapp is not None:
        tasks["whatsapp"] = asyncio.create_task(whatsapp.run(stop), name="whatsapp")
    channels = "; WhatsApp by webhook at /whatsapp/webhook" if whatsapp is not None else ""
    print(f"Scenari is serving http://{_display_host(host)}:{port} ({_mode_line(settings)}{channels}; Ctrl+C stops).",
          flush=True)
    jobs = background_jobs(settings, db)  # tagging, tables, sender: once per process, loaded off the loop
    entered = False
    try:
        scheduler = await jobs.__aenter__()
        entered = True
        if app.state.telegram is not None:
            app.state.telegram.attach_scheduler(scheduler)  # nightly reports through the webhook's bot
        notifier.forward_to(scheduler)
        return await _supervise(tasks, stop, request_stop)
    finally:
        if not entered:  # the jobs could not start: stop the halves already running
            request_stop()
        await asyncio.gather(*tasks.values(), return_exceptions=True)
        loop = asyncio.get_running_loop()
        for signum in installed:
            loop.remove_signal_handler(signum)
        if entered:
            await jobs.__aexit__(None, None, None)
        print("Scenari stopped.", flush=True)


def _whatsapp(app: Any, settings: Settings, db: Database) -> Any:
    """Meta's webhook and the WhatsApp sender, when SCENARI_WHATSAPP_* are set (pywa imported only then)."""
    if not settings.whatsapp_enabled:
        return None
    from bot.whatsapp.channel import install

    return install(app, settings, db)


def _cannot_listen(host: str, port: int, exc: OSError) -> None:
    reason = (exc.strerror or str(exc)).lower()
    print(f"Scenari cannot listen on {_display_host(host)}:{port}: {reason} "
          "(the port is SCENARI_PORT or --port, the address SCENARI_HOST or --host).", file=sys.stderr)


def _bot_mode(settings: Settings) -> str:
    """How the bot half runs: "off" without a token, by webhook when its URL is set, else by polling."""
    if not settings.telegram_bot_token:
        return "off"
    return "webhook" if settings.telegram_webhook_url else "polling"


def _mode_line(settings: Settings) -> str:
    """The start-up line's account of the bot half (and, without one, how to add it)."""
    mode = _bot_mode(settings)
    if mode == "webhook":
        return f"Telegram bot by webhook at {settings.telegram_webhook_url}"
    if mode == "polling":
        return f"Telegram bot by long polling via {settings.telegram_api_base or 'api.telegram.org'}"
    return (
        "web only: set TELEGRAM_BOT_TOKEN (in the environment or .env) to add the Telegram bot; "
        "`.venv/bin/scenari chat --questionnaire imprese` also works in a terminal"
    )


def _server_config(app: object, host: str, port: int) -> uvicorn.Config:
    return uvicorn.Config(
        app, host=host, port=port, log_config=None, access_log=False,  # access logs would hold invitation tokens
        lifespan="on", server_header=False,
        proxy_headers=False,  # the app honours X-Forwarded-* itself, from SCENARI_FORWARDED_ALLOW_IPS only
    )


def _stopper(server: Any, stop: asyncio.Event) -> Callable[[], None]:
    """What SIGINT/SIGTERM call: the first asks both halves to stop, a second stops waiting."""

    def request_stop() -> None:
        if stop.is_set():
            server.force_exit = True  # a second Ctrl+C: stop waiting for open connections
        stop.set()
        server.should_exit = True

    return request_stop


def _install_signal_handlers(request_stop: Callable[[], None]) -> list[int]:
    """SIGINT and SIGTERM call ``request_stop`` where the loop allows it; the signals installed."""
    loop = asyncio.get_running_loop()
    installed = []
    for signum in (signal.SIGINT, signal.SIGTERM):
        with contextlib.suppress(NotImplementedError, RuntimeError):
            loop.add_signal_handler(signum, request_stop)
            installed.append(signum)
    return installed


async def _supervise(tasks: dict[str, asyncio.Task[object]], stop: asyncio.Event, request_stop: Any) -> int:
    """Wait for both halves; the web ending stops the service, the bot ending leaves the web serving."""
    status = 0
    pending = set(tasks.values())
    while pending:
        done, pending = await asyncio.wait(pending, return_when=asyncio.FIRST_COMPLETED)
        for task in done:
            name = task.get_name()
            failure = None if task.cancelled() else task.exception()
            if failure is not None:
                log.error(f"{name} stopped", exc_info=failure)
                print(f"Scenari: the {name} part failed: {_describe(failure)}", file=sys.stderr)
            if name == "web" and not stop.is_set():
                if failure is None:
                    print("Scenari: the web part stopped.", file=sys.stderr)
                status = 1
                request_stop()
            elif failure is not None:
                print("Scenari: the web goes on without the bot; see the log and /readyz.", file=sys.stderr)
    return status


async def _polling(settings: Settings, db: Database, stop: asyncio.Event, notifier: Any, status: Any) -> None:
    telegram = await import_off_loop("bot.telegram.app")  # aiogram: seconds of imports the web need not wait for
    await telegram.serve_bot(settings, db, stop=stop, scheduler=notifier, status=status)


class _NotifierSlot:
    """Where the polling bot hands its nightly-report notifier before the scheduler exists."""

    def __init__(self) -> None:
        self.notify: Any = None
        self.scheduler: Any = None

    def attach_notifier(self, notify: Any) -> None:
        self.notify = notify
        if self.scheduler is not None:
            self.scheduler.attach_notifier(notify)

    def forward_to(self, scheduler: Any) -> None:
        self.scheduler = scheduler
        if self.notify is not None:
            scheduler.attach_notifier(self.notify)


def _listen(host: str, port: int) -> socket.socket:
    """The listening socket, bound here so that a busy port is reported as such (OSError)."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM)
    try:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind((host, port))
    except OSError:
        sock.close()
        raise
    sock.set_inheritable(True)
    return sock


def _make_server(config: object) -> object:
    """uvicorn's Server without its own signal handling (this process handles signals for both)."""
    class Server(uvicorn.Server):
        @contextlib.contextmanager
        def capture_signals(self) -> Iterator[None]:
            yield

    return Server(config)  # type: ignore[arg-type]


async def _run_web(server: object, listening: socket.socket) -> None:
    try:
        await server.serve(sockets=[listening])  # type: ignore[attr-defined]
    except SystemExit as exc:  # uvicorn exits when the app fails to start
        raise RuntimeError(f"the web server could not start (exit {exc.code})") from None
    finally:
        listening.close()
    if not server.started:  # type: ignore[attr-defined]
        raise RuntimeError("the web server could not start")


def _display_host(host: str) -> str:
    if host in ("0.0.0.0", "::", ""):
        return "127.0.0.1"
    return f"[{host}]" if ":" in host else host


def _describe(error: BaseException) -> str:
    text = str(error).strip() or type(error).__name__
    return text.splitlines()[0]
