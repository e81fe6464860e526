"""Webhook answers per second with one `scenari serve` instance, then two, on one PostgreSQL database.

The deployment of README "Deployment: PostgreSQL, webhook, several instances", measured: N real
``scenari serve`` processes in webhook mode on one PostgreSQL database (a fresh one per N, dropped
after), a Bot API stand-in that answers every call at once (in this process, so what is measured is
the service's own work: webhook, dispatcher, engine, storage), and a load generator in a second
process that is Telegram and the reverse proxy: it POSTs each simulated person's answers to the
webhook, round robin over the instances, each person's next answer once the last got its 200.
First the respondents start the questionnaire and accept the notice through the webhook, then:

* flat out: every person answers as fast as the 200s come back; answers/s;
* paced: one answer every 1/rate s (default 100/s) from the next idle person; p50/p99 of the POST.

Ends with ``RESULT`` lines: the one-instance figure is the baseline; the N-instance rate carries
``ceiling=`` N times the one-instance rate of this run (linear scaling) and ``ratio=`` rate/ceiling
(1 = linear); ``instances_scaling`` is rate(N)/rate(1). On one machine the instances, PostgreSQL and
the load generator share its cores: the ratio says what this machine gives, not a cluster. Without a
PostgreSQL server (``--database-url``, default SCENARI_BENCH_POSTGRES_URL) it says so and measures
nothing. Run:
`nice -n 10 .venv/bin/python bench/bench_instances.py --database-url postgresql+asyncpg://postgres@127.0.0.1:5432/test [--quick]`.
"""

from __future__ import annotations

import argparse
import asyncio
import itertools
import json
import os
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

WEBHOOK_URL = "https://scenari.example.org/telegram/webhook"
WEBHOOK_PATH = "/telegram/webhook"
SECRET_HEADER = "X-Telegram-Bot-Api-Secret-Token"
TOKEN = "123456:bench-instances"
FIRST_USER = 700_000


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def message_update(update_id: int, user: int, text: str) -> dict[str, Any]:
    """A private text message as Telegram POSTs it (a leading /command gets its entity)."""
    message: dict[str, Any] = {
        "message_id": update_id, "date": int(time.time()), "text": text,
        "chat": {"id": user, "type": "private", "first_name": "U"},
        "from": {"id": user, "is_bot": False, "first_name": "U", "language_code": "it"},
    }
    if text.startswith("/"):
        message["entities"] = [{"type": "bot_command", "offset": 0, "length": len(text.split()[0])}]
    return {"update_id": update_id, "message": message}


def button_update(update_id: int, user: int, data: str) -> dict[str, Any]:
    person = {"id": user, "is_bot": False, "first_name": "U", "language_code": "it"}
    return {"update_id": update_id, "callback_query": {
        "id": str(update_id), "from": person, "chat_instance": "1", "data": data,
        "message": {"message_id": 1, "date": int(time.time()), "text": "…",
                    "chat": {"id": user, "type": "private", "first_name": "U"}}}}


# --- the load generator (second process): Telegram and the reverse proxy ---------------------------


class Proxy:
    """Round robin over the instances' webhooks: what a reverse proxy in front of them does."""

    def __init__(self, ports: list[int], secret: str) -> None:
        import aiohttp

        self.urls = [f"http://127.0.0.1:{p}{WEBHOOK_PATH}" for p in ports]
        self.turn = itertools.count()
        self.headers = {SECRET_HEADER: secret}
        self.http = aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=300),
                                          connector=aiohttp.TCPConnector(limit=0))

    async def post(self, update: dict[str, Any]) -> float:
        """POST one update; its latency in ms (anything but a 200 is an error: nothing is retried here)."""
        started = time.perf_counter()
        async with self.http.post(self.urls[next(self.turn) % len(self.urls)], json=update,
                                  headers=self.headers) as response:
            body = await response.read()
            if response.status != 200:
                raise RuntimeError(f"webhook answered {response.status}: {body[:200]!r}")
        return (time.perf_counter() - started) * 1000

    async def close(self) -> None:
        await self.http.close()


async def client_main(ports: list[int], secret: str, users: int, answers: int, rate: float,
                      seconds: float) -> dict[str, Any]:
    proxy = Proxy(ports, secret)
    ids = itertools.count(10_000_000)
    answered = dict.fromkeys(range(FIRST_USER, FIRST_USER + users), 0)

    async def answer(user: int) -> float:
        latency = await proxy.post(message_update(next(ids), user, f"risposta {answered[user]} di {user}"))
        answered[user] += 1
        return latency

    async def flat_out(user: int) -> None:
        for _ in range(answers):
            await answer(user)

    try:
        started = time.perf_counter()
        await asyncio.gather(*(flat_out(u) for u in answered))
        elapsed = time.perf_counter() - started
        idle: asyncio.Queue[int] = asyncio.Queue()
        for user in answered:
            idle.put_nowait(user)
        latencies: list[float] = []

        async def one(user: int, scheduled: float) -> None:
            await answer(user)
            latencies.append((time.perf_counter() - scheduled) * 1000)  # waiting for an idle person counts too
            idle.put_nowait(user)

        tasks = []
        start = time.perf_counter()
        for n in range(int(rate * seconds)):
            target = start + n / rate
            delay = target - time.perf_counter()
            if delay > 0:
                await asyncio.sleep(delay)
            user = await idle.get()
            tasks.append(asyncio.create_task(one(user, target)))
        await asyncio.gather(*tasks)
        paced_elapsed = time.perf_counter() - start
    finally:
        await proxy.close()
    latencies.sort()
    return {"answers": users * answers, "seconds": elapsed, "rate": users * answers / elapsed,
            "paced": len(latencies), "paced_rate": len(latencies) / paced_elapsed,
            "p50": statistics.median(latencies), "p99": latencies[max(0, int(len(latencies) * 0.99) - 1)],
            "total": sum(answered.values())}


# --- the bench (first process): the Bot API stand-in, the instances -------------------------------


class InstantBotAPI:
    """Answers every Bot API call at once; keeps the webhook's secret and each chat's last buttons."""

    def __init__(self) -> None:
        self.port = free_port()
        self.secret = ""
        self.webhooks = 0
        self.sent = 0
        self.buttons: dict[int, dict[str, str]] = {}  # chat → button text → callback_data
        self.ids = itertools.count(1)
        self._runner: Any = None

    async def start(self) -> None:
        from aiohttp import web

        app = web.Application()
        app.router.add_route("*", "/{tail:.*}", self._handle)
        self._runner = web.AppRunner(app, access_log=None)
        await self._runner.setup()
        await web.TCPSite(self._runner, "127.0.0.1", self.port).start()

    async def stop(self) -> None:
        await self._runner.cleanup()

    async def _handle(self, request: Any) -> Any:
        from aiohttp import web

        method = request.path.rsplit("/", 1)[-1].lower()
        params = dict(await request.post()) if request.method == "POST" else {}
        if request.content_type == "application/json":
            params = await request.json()
        result: Any = True
        if method == "getme":
            result = {"id": 123456, "is_bot": True, "first_name": "Bench", "username": "bench_bot"}
        elif method == "setwebhook":
            self.secret = str(params.get("secret_token", ""))
            self.webhooks += 1
        elif method in ("sendmessage", "editmessagetext", "senddocument"):
            self.sent += 1
            chat = int(params.get("chat_id", 0))
            markup = params.get("reply_markup")
            if isinstance(markup, str) and markup:
                rows = json.loads(markup).get("inline_keyboard", [])
                self.buttons[chat] = {b["text"]: b.get("callback_data", "") for row in rows for b in row}
            result = {"message_id": next(self.ids), "date": int(time.time()), "text": str(params.get("text", "")),
                      "chat": {"id": chat, "type": "private", "first_name": "U"}}
        elif method == "getmycommands":
            result = []
        return web.json_response({"ok": True, "result": result})


def write_questionnaire(folder: Path, questions: int) -> None:
    import yaml

    from bench.bench_bot import bench_questionnaire

    q = bench_questionnaire(questions)
    q["spec_version"] = 1
    (folder / "bench.yaml").write_text(yaml.safe_dump(q, allow_unicode=True), encoding="utf-8")


def spawn(database_url: str, api: InstantBotAPI, tmp: Path, name: str) -> tuple[subprocess.Popen[bytes], int]:
    home = tmp / name
    home.mkdir()
    port = free_port()
    env = {**os.environ, "SCENARI_DATABASE_URL": database_url, "TELEGRAM_BOT_TOKEN": TOKEN,
           "TELEGRAM_API_BASE": f"http://127.0.0.1:{api.port}", "TELEGRAM_WEBHOOK_URL": WEBHOOK_URL,
           "SCENARI_SECRET_KEY": "bench-instances-secret-key-0123456789abcdef",  # one webhook secret for all
           "SCENARI_QUESTIONNAIRES_DIR": str(tmp / "questionnaires"), "SCENARI_EXPORTS_DIR": str(home / "exports"),
           "SCENARI_AGGREGATE_MINUTES": "1440", "SCENARI_LOG_LEVEL": "WARNING"}
    scenari = Path(sys.executable).with_name("scenari")
    with (home / "serve.log").open("wb") as log:  # a file, not a pipe nobody reads while it runs
        process = subprocess.Popen([str(scenari), "serve", "--host", "127.0.0.1", "--port", str(port)], env=env,
                                   cwd=home, stdout=log, stderr=log)
    return process, port


async def consent_all(api: InstantBotAPI, ports: list[int], users: int) -> None:
    """Every person: /start bench, then the notice's "Accetto" — through the webhook, as on Telegram."""
    proxy = Proxy(ports, api.secret)
    ids = itertools.count(1)
    try:
        async def one(user: int) -> None:
            await proxy.post(message_update(next(ids), user, "/start bench"))
            data = api.buttons.get(user, {}).get("Accetto")
            if not data:
                raise RuntimeError(f"no 'Accetto' button after /start (buttons: {api.buttons.get(user)})")
            await proxy.post(button_update(next(ids), user, data))

        for first in range(0, users, 50):
            await asyncio.gather(*(one(FIRST_USER + n) for n in range(first, min(users, first + 50))))
    finally:
        await proxy.close()


async def measure(server_url: str, instances: int, args: argparse.Namespace) -> dict[str, Any]:
    """N instances on a fresh PostgreSQL database: consent, then the load generator; its figures."""
    from bench.pgtemp import temporary_database
    from storage import Database, upgrade_database

    api = InstantBotAPI()
    await api.start()
    try:
        async with temporary_database(server_url, "bench_instances") as url:
            db = Database(url)
            await upgrade_database(db)  # once, before the instances start
            await db.dispose()
            with tempfile.TemporaryDirectory() as tmp:
                folder = Path(tmp) / "questionnaires"
                folder.mkdir()
                write_questionnaire(folder, args.answers + int(args.rate * args.seconds / args.users) + 20)
                started = [spawn(url, api, Path(tmp), f"i{n}") for n in range(instances)]
                try:
                    deadline = time.monotonic() + 300
                    while api.webhooks < instances:  # each registered its webhook: each handles updates
                        for process, _ in started:
                            if process.poll() is not None:
                                log = Path(tmp, f"i{started.index((process, _))}", "serve.log")
                                raise RuntimeError(f"scenari serve exited: {log.read_text(errors='replace')[-2000:]}")
                        if time.monotonic() > deadline:
                            raise RuntimeError("the instances did not start")
                        await asyncio.sleep(0.1)
                    ports = [port for _, port in started]
                    await consent_all(api, ports, args.users)
                    client = await asyncio.create_subprocess_exec(
                        sys.executable, __file__, "--client", ",".join(map(str, ports)), "--secret", api.secret,
                        "--users", str(args.users), "--answers", str(args.answers), "--rate", str(args.rate),
                        "--seconds", str(args.seconds), stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE)
                    out, err = await asyncio.wait_for(client.communicate(), timeout=900)
                    if client.returncode != 0:
                        raise RuntimeError(f"load generator failed:\n{err.decode()[-3000:]}")
                    figures: dict[str, Any] = json.loads(out.decode().strip().splitlines()[-1])
                finally:
                    for process, _ in started:
                        process.send_signal(signal.SIGTERM)
                    for process, _ in started:  # off the loop: the stand-in answers while they stop
                        try:
                            await asyncio.to_thread(process.wait, 60)
                        except subprocess.TimeoutExpired:
                            process.kill()
            figures["stored"] = await _count_answers(url)
    finally:
        await api.stop()
    return figures


async def _count_answers(url: str) -> int:
    from sqlalchemy import func, select

    from storage import Database
    from storage.models import Answer

    db = Database(url)
    try:
        async with db.transaction() as session:
            return int(await session.scalar(select(func.count()).select_from(Answer)) or 0)
    finally:
        await db.dispose()


async def bench(args: argparse.Namespace) -> None:
    counts = [1, args.instances]
    figures = {n: await measure(args.database_url, n, args) for n in counts}
    one, many = figures[1], figures[args.instances]
    n = args.instances
    print(f"webhook answers through N `scenari serve` instances on one PostgreSQL database, {args.users} people, "
          f"load generator (Telegram + round-robin proxy) in a second process:")
    for count, f in figures.items():
        print(f"  {count} instance{'s' if count > 1 else ''}: flat out {f['rate']:7.0f} answers/s "
              f"({f['answers']} in {f['seconds']:.1f} s; {f['stored']} answers stored, {f['total']} sent); "
              f"paced {args.rate:.0f}/s: p50 {f['p50']:.1f} ms, p99 {f['p99']:.1f} ms (achieved {f['paced_rate']:.0f}/s)")
    for count, f in figures.items():
        if f["stored"] != f["total"]:  # every 200 is a stored answer, or the figure means nothing
            print(f"  WARNING: {count} instance(s): {f['stored']} answers stored for {f['total']} acknowledged")
    scaling = many["rate"] / one["rate"]
    print(f"scaling {n} instances / 1: {scaling:.2f}x (linear: {n:.2f}x; this machine has {os.cpu_count()} cores "
          "for the instances, PostgreSQL and the load generator together)")
    ceiling = n * one["rate"]
    print(f"RESULT instances_1_webhook_answers {one['rate']:.0f} answers/s")
    print(f"RESULT instances_{n}_webhook_answers {many['rate']:.0f} answers/s ceiling={ceiling:.0f} "
          f"ratio={many['rate'] / ceiling:.2f}")
    print(f"RESULT instances_scaling {scaling:.2f} x")
    print(f"RESULT instances_1_p99_at_{args.rate:.0f} {one['p99']:.1f} ms")
    print(f"RESULT instances_{n}_p99_at_{args.rate:.0f} {many['p99']:.1f} ms")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database-url", default=os.environ.get("SCENARI_BENCH_POSTGRES_URL"),
                        help="the PostgreSQL server (a database of its own is created per run and dropped)")
    parser.add_argument("--instances", type=int, default=2, help="compared with one (default 2)")
    parser.add_argument("--users", type=int, default=100)
    parser.add_argument("--answers", type=int, default=20, help="answers per person, flat out")
    parser.add_argument("--rate", type=float, default=100.0, help="the paced phase's answers/s")
    parser.add_argument("--seconds", type=float, default=5.0, help="length of the paced phase")
    parser.add_argument("--quick", action="store_true", help="30 people × 10 answers, 3 s paced: about a minute")
    parser.add_argument("--client", metavar="PORTS", help=argparse.SUPPRESS)  # the load generator process
    parser.add_argument("--secret", default="", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.quick:
        args.users, args.answers, args.seconds = 30, 10, 3.0
    if args.client:
        ports = [int(p) for p in args.client.split(",")]
        print(json.dumps(asyncio.run(client_main(ports, args.secret, args.users, args.answers, args.rate,
                                                 args.seconds))))
        return
    if not args.database_url:
        print("no PostgreSQL server: pass --database-url (or set SCENARI_BENCH_POSTGRES_URL); nothing measured")
        return
    asyncio.run(bench(args))


if __name__ == "__main__":
    main()
