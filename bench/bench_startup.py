"""How long `scenari serve` takes to be useful after a (re)start, beside a bare uvicorn app.

A restart after a crash is downtime, so the figures are measured from the moment the process is
spawned: time to the first HTTP 200 on ``/`` without a Telegram token, the same with a token
(long polling against a local fake Bot API, tests/support/fake_bot_api/), and time until that
fake Bot API sees the bot's first ``getUpdates``. The database is an up-to-date temporary SQLite
file (migrated once before the runs), as after a restart.

The same-run reference is a bare uvicorn "hello" app started the same way (the interpreter,
uvicorn and the socket: what no change to Scenari can remove). Each ``RESULT`` line's ceiling is
the budget the service must meet on this machine (issue 12: HTTP within 3 s, polling within 5 s);
the reference is printed beside it so a slow, busy machine can be told from a slow service.

Run: `nice -n 10 .venv/bin/python bench/bench_startup.py [--quick | --repeat 3]` (``--quick``: one round).
"""

from __future__ import annotations

import argparse
import asyncio
import os
import socket
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

HTTP_BUDGET_S = 3.0
POLL_BUDGET_S = 5.0
TIMEOUT_S = 120.0
HELLO_APP = """
import sys, uvicorn
async def app(scope, receive, send):
    if scope["type"] != "http":
        return
    await send({"type": "http.response.start", "status": 200, "headers": [(b"content-type", b"text/plain")]})
    await send({"type": "http.response.body", "body": b"hello"})
uvicorn.run(app, host="127.0.0.1", port=int(sys.argv[1]), log_level="warning", lifespan="off")
"""


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


async def first_ok(url: str, process: asyncio.subprocess.Process, started: float) -> float:
    """Seconds from ``started`` to the first 200 at ``url`` (polled every 10 ms)."""
    import aiohttp

    async with aiohttp.ClientSession() as http:
        while time.perf_counter() - started < TIMEOUT_S:
            if process.returncode is not None:
                raise RuntimeError(f"the server exited with {process.returncode}")
            try:
                async with http.get(url, timeout=aiohttp.ClientTimeout(total=5)) as response:
                    if response.status == 200:
                        return time.perf_counter() - started
            except (aiohttp.ClientError, asyncio.TimeoutError, OSError):
                pass
            await asyncio.sleep(0.01)
    raise RuntimeError(f"no answer from {url} within {TIMEOUT_S:.0f} s")


async def first_call(api: object, method: str, process: asyncio.subprocess.Process, started: float) -> float:
    while time.perf_counter() - started < TIMEOUT_S:
        if process.returncode is not None:
            raise RuntimeError(f"scenari serve exited with {process.returncode}")
        if api.count(method):  # type: ignore[attr-defined]
            return time.perf_counter() - started
        await asyncio.sleep(0.01)
    raise RuntimeError(f"no {method} within {TIMEOUT_S:.0f} s")


async def stop(process: asyncio.subprocess.Process) -> None:
    if process.returncode is None:
        process.terminate()
        try:
            await asyncio.wait_for(process.wait(), timeout=30)
        except asyncio.TimeoutError:
            process.kill()
            await process.wait()


async def bare_uvicorn() -> float:
    port = free_port()
    started = time.perf_counter()
    process = await asyncio.create_subprocess_exec(sys.executable, "-c", HELLO_APP, str(port))
    try:
        return await first_ok(f"http://127.0.0.1:{port}/", process, started)
    finally:
        await stop(process)


async def scenari_serve(env: dict[str, str], cwd: str, api: object | None = None) -> tuple[float, float | None]:
    """(seconds to the first HTTP 200, seconds to the first getUpdates or None without a bot)."""
    port = free_port()
    scenari = Path(sys.executable).with_name("scenari")
    started = time.perf_counter()
    process = await asyncio.create_subprocess_exec(
        str(scenari), "serve", "--host", "127.0.0.1", "--port", str(port), env=env, cwd=cwd,
        stdout=asyncio.subprocess.DEVNULL, stderr=asyncio.subprocess.DEVNULL,
    )
    try:
        polled = None
        if api is not None:
            http, polled = await asyncio.gather(
                first_ok(f"http://127.0.0.1:{port}/", process, started),
                first_call(api, "getUpdates", process, started),
            )
        else:
            http = await first_ok(f"http://127.0.0.1:{port}/", process, started)
        return http, polled
    finally:
        await stop(process)


def result(name: str, value: float, ceiling: float) -> str:
    return f"RESULT {name} {value:.2f} s ceiling={ceiling:.2f} ratio={value / ceiling:.2f}"


async def main(repeat: int) -> None:
    from tests.support.fake_bot_api import DEFAULT_TOKEN, FakeBotAPI

    with tempfile.TemporaryDirectory() as tmp:
        env = {**os.environ, "SCENARI_DATABASE_URL": f"sqlite:///{tmp}/startup.db", "SCENARI_LOG_LEVEL": "WARNING",
               "SCENARI_SECRET_KEY": "bench-secret-key-0123456789abcdef", "SCENARI_EXPORTS_DIR": f"{tmp}/exports",
               "TELEGRAM_BOT_TOKEN": "", "TELEGRAM_WEBHOOK_URL": ""}
        scenari = Path(sys.executable).with_name("scenari")
        migrate = await asyncio.create_subprocess_exec(str(scenari), "db", "upgrade", env=env, cwd=tmp,
                                                       stdout=asyncio.subprocess.DEVNULL)
        if await migrate.wait() != 0:
            raise RuntimeError("scenari db upgrade failed")
        bare, plain, token_http, token_poll = [], [], [], []
        for _ in range(repeat):
            bare.append(await bare_uvicorn())
            plain.append((await scenari_serve(env, tmp))[0])
            async with FakeBotAPI() as api:
                with_bot = {**env, "TELEGRAM_BOT_TOKEN": DEFAULT_TOKEN, "TELEGRAM_API_BASE": api.base_url}
                http, polled = await scenari_serve(with_bot, tmp, api)
            token_http.append(http)
            token_poll.append(polled or 0.0)
    floor = statistics.median(bare)
    print(f"start-up, median of {repeat} (seconds from spawn):")
    print(f"  bare uvicorn hello app, first HTTP 200 ...... {floor:6.2f}   (same-run reference)")
    for label, values, budget in (
        ("scenari serve, no token, first HTTP 200 ...", plain, HTTP_BUDGET_S),
        ("scenari serve, token, first HTTP 200 ......", token_http, HTTP_BUDGET_S),
        ("scenari serve, token, first getUpdates ....", token_poll, POLL_BUDGET_S),
    ):
        print(f"  {label} {statistics.median(values):6.2f}   budget {budget:.1f}  "
              f"({statistics.median(values) / floor:.1f}x the bare app; runs: {', '.join(f'{v:.2f}' for v in values)})")
    print(result("startup_bare_uvicorn_http", floor, HTTP_BUDGET_S))
    print(result("startup_http_no_token", statistics.median(plain), HTTP_BUDGET_S))
    print(result("startup_http_with_token", statistics.median(token_http), HTTP_BUDGET_S))
    print(result("startup_first_getupdates", statistics.median(token_poll), POLL_BUDGET_S))


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--quick", action="store_true", help="one round instead of --repeat: under a minute")
    args = parser.parse_args()
    asyncio.run(main(1 if args.quick else args.repeat))
