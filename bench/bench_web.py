"""Answers per second through the web channel, beside the Telegram path, in the same run.

The bench starts ``scenari serve`` (the real service: uvicorn, the app, the background jobs) on a
free 127.0.0.1 port with a temporary SQLite database (WAL, synchronous=FULL), then a *second
process* — this file with ``--client`` — is the load generator: many simulated browsers
(aiohttp, one cookie jar each) answer a questionnaire of free-text questions through the
plain HTML forms. One answer is what a browser does: POST the form (CSRF token, run id,
question key, text) → the engine runs, the answer is committed → 303 → GET the page with the
next question, rendered. Its latency is that whole round trip.

Printed: the web path's answers/s flat out, p50/p99 of an answer at a paced 200 answers/s,
then the Telegram path's answers/s (bench/bench_bot.py's driver: dispatcher, engine, storage,
group commit, in process) and the ratio. Ends with ``RESULT`` lines; they carry no ``ceiling=`` yet
(the minimal-app ceiling of issue 15 is not built), the Telegram path is printed as a baseline. With
``--database-url`` (a PostgreSQL server) the service is measured on PostgreSQL too, in a database of
its own (dropped after), and printed beside SQLite (RESULT names ending ``_pg``). Run:
`nice -n 10 .venv/bin/python bench/bench_web.py [--quick | --browsers 100 --answers 20]
[--database-url postgresql+asyncpg://postgres@127.0.0.1:5432/test]`.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import re
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

CSRF = re.compile(r'name="csrf" value="([^"]+)"')
KEY = re.compile(r'name="key" value="([^"]*)"')
RUN = re.compile(r'name="run" value="([^"]*)"')


# --- the load generator (second process) --------------------------------------------------------


class Browser:
    def __init__(self, url: str, n: int) -> None:
        import aiohttp

        self.url = url
        self.n = n
        self.http = aiohttp.ClientSession(
            cookie_jar=aiohttp.CookieJar(unsafe=True),  # cookies for 127.0.0.1
            connector=aiohttp.TCPConnector(limit=1, force_close=False),
        )
        self.csrf = self.key = self.run = ""
        self.answered = 0

    async def _read(self, response: Any) -> str:
        text = await response.text()
        if response.status != 200:
            raise RuntimeError(f"HTTP {response.status} at {response.url}: {text[:300]}")
        for pattern, attr in ((CSRF, "csrf"), (KEY, "key"), (RUN, "run")):
            m = pattern.search(text)
            if m:
                setattr(self, attr, m.group(1))
        return text

    async def start(self) -> None:
        async with self.http.get(f"{self.url}/q/bench") as r:
            await self._read(r)
        async with self.http.post(f"{self.url}/q/bench", data={"csrf": self.csrf, "consent": "yes"}) as r:
            await self._read(r)
        assert self.key and self.run, "no question after consent"

    async def answer(self) -> float:
        """One answer, as a browser gives it; returns its latency in ms."""
        started = time.perf_counter()
        data = {"csrf": self.csrf, "key": self.key, "run": self.run, "action": "answer",
                "text": f"risposta {self.answered} del browser {self.n}"}
        async with self.http.post(f"{self.url}/q/bench", data=data) as r:  # 303, followed: GET /q/bench
            await self._read(r)
        self.answered += 1
        return (time.perf_counter() - started) * 1000

    async def close(self) -> None:
        await self.http.close()


async def client_main(url: str, browsers: int, answers: int, rate: float, seconds: float) -> dict[str, Any]:
    pool = [Browser(url, n) for n in range(browsers)]
    for i in range(0, browsers, 50):
        await asyncio.gather(*(b.start() for b in pool[i:i + 50]))

    async def flat_out(b: Browser) -> None:
        for _ in range(answers):
            await b.answer()

    started = time.perf_counter()
    await asyncio.gather(*(flat_out(b) for b in pool))
    elapsed = time.perf_counter() - started
    flat = browsers * answers / elapsed

    # paced: one answer every 1/rate s, each from the next idle browser
    idle: asyncio.Queue[Browser] = asyncio.Queue()
    for b in pool:
        idle.put_nowait(b)
    latencies: list[float] = []
    late = 0

    async def one(b: Browser, scheduled: float) -> None:
        nonlocal late
        latency = await b.answer()
        latencies.append(latency + max(0.0, (time.perf_counter() - latency / 1000 - scheduled) * 1000))
        idle.put_nowait(b)

    tasks = []
    total = int(rate * seconds)
    start = time.perf_counter()
    for n in range(total):
        target = start + n / rate
        delay = target - time.perf_counter()
        if delay > 0:
            await asyncio.sleep(delay)
        else:
            late += 1
        b = await idle.get()
        tasks.append(asyncio.create_task(one(b, target)))
    await asyncio.gather(*tasks)
    paced_elapsed = time.perf_counter() - start
    for b in pool:
        await b.close()
    latencies.sort()
    return {"answers": browsers * answers, "seconds": elapsed, "rate": flat, "paced": len(latencies),
            "paced_rate": len(latencies) / paced_elapsed,
            "p50": statistics.median(latencies), "p99": latencies[max(0, int(len(latencies) * 0.99) - 1)],
            "max": latencies[-1]}


# --- the bench (first process) ------------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def write_questionnaire(folder: Path, questions: int) -> None:
    import yaml

    from bench.bench_bot import bench_questionnaire

    q = bench_questionnaire(questions)
    q["spec_version"] = 1
    (folder / "bench.yaml").write_text(yaml.safe_dump(q, allow_unicode=True), encoding="utf-8")


def wait_for(url: str, process: subprocess.Popen[bytes], timeout: float = 60) -> None:
    import urllib.request

    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"scenari serve exited with {process.returncode}")
        try:
            with urllib.request.urlopen(f"{url}/", timeout=2):
                return
        except OSError:
            time.sleep(0.1)
    raise RuntimeError("scenari serve did not start")


async def telegram_rate(users: int, questions: int) -> float:
    """bench/bench_bot.py's driver: the real dispatcher, engine and storage, in this process."""
    from aiogram import Bot

    from bench.bench_bot import InstantSession, bench_questionnaire, drive, prepare_runs
    from bot.service.catalog import QuestionnaireCatalog
    from bot.service.conversation import Conversation
    from bot.settings import Settings
    from bot.telegram.app import build_dispatcher
    from dialogs import load_data
    from storage import Database, upgrade_database

    with tempfile.TemporaryDirectory() as tmp:
        catalog = QuestionnaireCatalog({"bench": load_data(bench_questionnaire(questions + 60))})
        settings = Settings(SCENARI_DATABASE_URL=f"sqlite:///{tmp}/bot.db", TELEGRAM_BOT_TOKEN="1:bench")  # type: ignore[call-arg]
        db = Database(settings.database_url)
        await upgrade_database(db)
        dp = build_dispatcher(db, settings, catalog=catalog)
        await prepare_runs(db, Conversation(catalog), users)
        rate = await drive(dp, Bot("1:bench", session=InstantSession()), users, questions)
        await dp["committer"].close()
        await db.dispose()
    return rate


def web_figures(database_url: str, args: argparse.Namespace) -> dict[str, Any]:
    """`scenari serve` on ``database_url``, loaded by the client process: its figures and the answers stored."""
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp) / "questionnaires"
        folder.mkdir()
        per_browser = args.answers + int(args.rate * args.seconds / args.browsers) + 10
        write_questionnaire(folder, per_browser + 5)
        port = free_port()
        url = f"http://127.0.0.1:{port}"
        env = {**os.environ, "SCENARI_DATABASE_URL": database_url, "SCENARI_QUESTIONNAIRES_DIR": str(folder),
               "SCENARI_SECRET_KEY": "bench-secret-key-0123456789abcdef", "SCENARI_LOG_LEVEL": "WARNING",
               "TELEGRAM_BOT_TOKEN": "", "SCENARI_EXPORTS_DIR": f"{tmp}/exports"}
        scenari = Path(sys.executable).with_name("scenari")
        server = subprocess.Popen([str(scenari), "serve", "--host", "127.0.0.1", "--port", str(port)], env=env,
                                  cwd=tmp, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        try:
            wait_for(url, server)
            client = subprocess.run(
                [sys.executable, __file__, "--client", url, "--browsers", str(args.browsers), "--answers",
                 str(args.answers), "--rate", str(args.rate), "--seconds", str(args.seconds)],
                capture_output=True, text=True, timeout=600,
            )
            if client.returncode != 0:
                raise RuntimeError(f"load generator failed:\n{client.stderr[-3000:]}")
            web = json.loads(client.stdout.strip().splitlines()[-1])
        finally:
            server.terminate()
            try:
                server.wait(timeout=20)
            except subprocess.TimeoutExpired:
                server.kill()
        web["stored"] = _count_answers(database_url)
    return web


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--browsers", type=int, default=100)
    parser.add_argument("--answers", type=int, default=20, help="answers per browser, flat out")
    parser.add_argument("--rate", type=float, default=200.0)
    parser.add_argument("--seconds", type=float, default=5.0)
    parser.add_argument("--quick", action="store_true", help="20 browsers × 5 answers, 3 s paced: under a minute")
    parser.add_argument("--database-url", default=os.environ.get("SCENARI_BENCH_POSTGRES_URL"),
                        help="a PostgreSQL server: the web figures on it too, beside SQLite's, in a database of "
                             "its own, dropped after (default: SCENARI_BENCH_POSTGRES_URL)")
    parser.add_argument("--client", metavar="URL", help=argparse.SUPPRESS)  # the load generator process
    args = parser.parse_args()
    if args.quick:
        args.browsers, args.answers, args.seconds = 20, 5, 3.0
    if args.client:
        result = asyncio.run(client_main(args.client, args.browsers, args.answers, args.rate, args.seconds))
        print(json.dumps(result))
        return

    figures: dict[str, dict[str, Any]] = {}
    with tempfile.TemporaryDirectory() as tmp:
        figures["sqlite"] = web_figures(f"sqlite:///{tmp}/web.db", args)
    if args.database_url:
        figures["postgresql"] = asyncio.run(_on_postgres(args.database_url, args))
    bot = asyncio.run(telegram_rate(args.browsers, args.answers))

    print(f"web channel (HTTP POST → engine → commit → 303 → rendered page), {args.browsers} browsers, "
          f"load generator in a second process:")
    for name, web in figures.items():
        print(f"  {name}:")
        print(f"    flat out:   {web['rate']:8.0f} answers/s ({web['answers']} answers in {web['seconds']:.1f} s; "
              f"{web['stored']} answers stored)")
        print(f"    paced {args.rate:.0f}/s: p50 {web['p50']:.1f} ms, p99 {web['p99']:.1f} ms, max {web['max']:.1f} ms "
              f"({web['paced']} answers, achieved {web['paced_rate']:.0f}/s)")
    print(f"telegram path (bench_bot driver, in process, SQLite): {bot:8.0f} answers/s")
    print(f"ratio web/telegram (SQLite): {figures['sqlite']['rate'] / bot:.2f}")
    for name, web in figures.items():
        suffix = "" if name == "sqlite" else "_pg"
        print(f"RESULT web_answers{suffix} {web['rate']:.0f} answers/s")
        print(f"RESULT web_p99_at_{args.rate:.0f}{suffix} {web['p99']:.1f} ms")
        print(f"RESULT web_paced_achieved{suffix} {web['paced_rate']:.0f} answers/s")
    print(f"RESULT web_baseline_telegram_path {bot:.0f} answers/s")


async def _on_postgres(server_url: str, args: argparse.Namespace) -> dict[str, Any]:
    from bench.pgtemp import temporary_database

    async with temporary_database(server_url, "bench_web") as url:
        return await asyncio.to_thread(web_figures, url, args)


def _count_answers(url: str) -> int:
    async def count() -> int:
        from sqlalchemy import func, select

        from storage import Database
        from storage.models import Answer

        db = Database(url)
        try:
            async with db.transaction() as session:
                return int(await session.scalar(select(func.count()).select_from(Answer)) or 0)
        finally:
            await db.dispose()

    return asyncio.run(count())


if __name__ == "__main__":
    main()
