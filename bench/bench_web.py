"""Answers per second through the web channel, beside the Telegram path, in the same run.

The bench starts ``scenari serve`` (the real service: uvicorn, the app, the background jobs) on a
free 127.0.0.1 port with a temporary SQLite database (WAL, synchronous=FULL), then a *second
process* — this file with ``--client`` — is the load generator: many simulated browsers
(aiohttp, one cookie jar each) answer a questionnaire of free-text questions through the
plain HTML forms. One answer is what a browser does: POST the form (CSRF token, run id,
question key, text) → the engine runs, the answer is committed → 303 → GET the page with the
next question, rendered. Its latency is that whole round trip.

Two ways of posting: "fetch" (what the page's script, bot/web/static/answer.js, sends: the POST's
response is the answer's fragment — the bubbles it adds and the next question's form) and "navigate" (a plain form submission: POST → 303 → GET). The ceiling is measured in the
same run under the same load: a minimal FastAPI app on the same uvicorn settings and SQLite pragmas,
one INSERT per answer, group commit (:func:`ceiling_app`). Printed: answers/s flat out (both ways),
p50/p99 of an answer at a paced 200 answers/s (fetch), then the Telegram path's answers/s
(bench/bench_bot.py's driver, in process) as a baseline, and each server's CPU time per answer
(from /proc: on a shared machine steadier than answers/s). Ends with ``RESULT`` lines carrying
``ceiling=`` and ``ratio=``. With
``--database-url`` (a PostgreSQL server) the service is measured on PostgreSQL too, in a database of
its own (dropped after), and printed beside SQLite (RESULT names ending ``_pg``). Every server is
started once and warmed up; then ``--rounds`` rounds (3, or 1 with ``--quick``) measure each of them
in turn, each round in another order, and the figures are the medians over the rounds (the flat-out
rate of each round is printed too): this machine's speed drifts by tens of percent within a minute,
so one measure of the ceiling and then one of the service would compare two machines. Run:
`nice -n 10 .venv/bin/python bench/bench_web.py [--quick | --browsers 100 --answers 20] [--rounds 3]
[--database-url postgresql+asyncpg://postgres@127.0.0.1:5432/test]`.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import os
import re
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from starlette.requests import Request  # the ceiling app's endpoints name it (FastAPI reads the annotation)

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

CSRF = re.compile(r'name="csrf" value="([^"]+)"')
KEY = re.compile(r'name="key" value="([^"]*)"')
RUN = re.compile(r'name="run" value="([^"]*)"')


# --- the load generator (second process) --------------------------------------------------------


# The page script's fetch() of the form (bot/web/static/answer.js; not a navigation): it asks for
# the answer's fragment — the bubbles the answer adds and the next question's form, which carries
# the csrf/key/run fields the client reads — instead of 303 + GET (bot.web.citizen). The ceiling
# app answers every fetch with its (already minimal) page of the next question, the same size as a
# fragment. Without it (mode "navigate") a browser's plain form submission is measured: POST → 303 → GET.
FETCH_HEADERS = {"Sec-Fetch-Mode": "cors", "Sec-Fetch-Dest": "empty", "Sec-Fetch-Site": "same-origin",
                 "X-Scenari-Fragment": "answer"}


class Browser:
    def __init__(self, url: str, n: int, mode: str = "fetch") -> None:
        import aiohttp

        self.url = url
        self.n = n
        self.headers = FETCH_HEADERS if mode == "fetch" else {"Sec-Fetch-Mode": "navigate", "Sec-Fetch-Dest": "document"}
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
        async with self.http.post(f"{self.url}/q/bench", data=data, headers=self.headers) as r:  # 200, or 303 → GET
            await self._read(r)
        self.answered += 1
        return (time.perf_counter() - started) * 1000

    async def close(self) -> None:
        await self.http.close()


async def client_main(
    url: str, browsers: int, answers: int, rate: float, seconds: float, mode: str = "fetch"
) -> dict[str, Any]:
    pool = [Browser(url, n, mode) for n in range(browsers)]
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
    if total == 0:  # flat out only
        for b in pool:
            await b.close()
        return {"answers": browsers * answers, "seconds": elapsed, "rate": flat, "paced": 0, "paced_rate": 0.0,
                "p50": 0.0, "p99": 0.0, "max": 0.0}
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


# --- the ceiling (a minimal app on the same stack) ----------------------------------------------


CEILING_PAGE = (
    '<!doctype html><html lang="it"><head><meta charset="utf-8"><title>Domanda</title></head><body>'
    '<form method="post" action="/q/bench"><input type="hidden" name="csrf" value="{csrf}">'
    '<input type="hidden" name="run" value="{run}"><input type="hidden" name="key" value="q{n}">'
    '<label for="text">Domanda {n}</label><textarea id="text" name="text"></textarea>'
    '<button name="action" value="answer">Invia</button></form></body></html>'
)


def ceiling_app(database: str) -> Any:
    """The same protocol on the bare stack: FastAPI, uvicorn, aiosqlite with the service's pragmas.

    One answer is one INSERT, group-committed (one transaction and one fsync for the answers that
    arrive together), then 303 → GET of the next question, or the next question in the POST's
    response for a fetch — what the project's web path would cost with nothing of its own.
    """
    import secrets
    from contextlib import asynccontextmanager
    from urllib.parse import parse_qsl

    import aiosqlite
    from fastapi import FastAPI
    from fastapi.responses import HTMLResponse, RedirectResponse

    queue: asyncio.Queue[tuple[tuple[str, str, str], asyncio.Future[None]]] = asyncio.Queue()
    answered: dict[str, int] = {}

    async def writer(connection: aiosqlite.Connection) -> None:
        while True:
            batch = [await queue.get()]
            while len(batch) < 64 and not queue.empty():
                batch.append(queue.get_nowait())
            await connection.execute("BEGIN IMMEDIATE")
            await connection.executemany("INSERT INTO answer (who, key, text) VALUES (?, ?, ?)", [row for row, _ in batch])
            await connection.commit()
            for _, future in batch:
                future.set_result(None)

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> Any:
        connection = await aiosqlite.connect(database, isolation_level=None)
        for pragma in ("journal_mode=WAL", "synchronous=FULL", "foreign_keys=ON", "busy_timeout=30000"):
            await connection.execute(f"PRAGMA {pragma}")
        await connection.execute("CREATE TABLE IF NOT EXISTS answer (id INTEGER PRIMARY KEY, who TEXT, key TEXT, text TEXT)")
        task = asyncio.create_task(writer(connection))
        yield
        task.cancel()
        await connection.close()

    app = FastAPI(lifespan=lifespan)

    def page(who: str) -> HTMLResponse:
        return HTMLResponse(CEILING_PAGE.format(csrf=who, run=who, n=answered.get(who, 0)))

    @app.get("/q/bench")
    async def show(request: Request) -> HTMLResponse:
        who = request.cookies.get("who")
        response = page(who or "")
        if not who:
            who = secrets.token_urlsafe(16)
            response = page(who)
            response.set_cookie("who", who, httponly=True, samesite="lax")
        return response

    @app.post("/q/bench")
    async def answer(request: Request) -> Any:
        who = request.cookies.get("who", "")
        form = dict(parse_qsl((await request.body()).decode("utf-8")))
        if "text" in form:
            future: asyncio.Future[None] = asyncio.get_running_loop().create_future()
            await queue.put(((who, form.get("key", ""), form["text"]), future))
            await future  # committed before the reply
            answered[who] = answered.get(who, 0) + 1
        if request.headers.get("sec-fetch-mode", "navigate") != "navigate":
            return page(who)
        return RedirectResponse("/q/bench", status_code=303)

    return app


def serve_ceiling(port: int, database: str) -> None:
    import uvicorn

    from bot.runtime.serve import _server_config

    uvicorn.Server(_server_config(ceiling_app(database), "127.0.0.1", port)).run()



# --- SQL statements per answer (in process) -----------------------------------------------------


async def count_sql(answers: int = 20) -> dict[str, float]:
    """Statements the database is sent per answer, one browser, both ways of posting (and SELECTs).

    The real app over httpx's ASGI transport on a temporary SQLite database; an SQLAlchemy
    ``before_cursor_execute`` listener counts what reaches the driver (BEGIN/COMMIT included).
    """
    import httpx
    from sqlalchemy import event
    from sqlalchemy.engine import Engine

    from bot.service.catalog import QuestionnaireCatalog
    from bot.settings import Settings
    from bot.web import create_app
    from bench.bench_bot import bench_questionnaire
    from dialogs import load_data
    from storage import Database, upgrade_database

    figures: dict[str, float] = {}
    with tempfile.TemporaryDirectory() as tmp:
        settings = Settings(SCENARI_DATABASE_URL=f"sqlite:///{tmp}/web.db",  # type: ignore[call-arg]
                            SCENARI_SECRET_KEY="bench-secret-key-0123456789abcdef")
        db = Database(settings.database_url)
        await upgrade_database(db)
        q = bench_questionnaire(2 * answers + 10)
        q["spec_version"] = 1
        catalog = QuestionnaireCatalog({"bench": load_data(q)})
        app = create_app(settings, db, catalog=catalog, key_file=Path(tmp) / "key")
        statements: list[str] = []
        # every engine of the process: the writer's and the page views' reading one
        event.listen(Engine, "before_cursor_execute",
                     lambda _c, _cur, sql, *_: statements.append(sql.lstrip().split(None, 1)[0].upper()))
        for mode in ("fetch", "navigate"):
            headers = FETCH_HEADERS if mode == "fetch" else {"Sec-Fetch-Mode": "navigate", "Sec-Fetch-Dest": "document"}
            async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://127.0.0.1",
                                         follow_redirects=True) as http:
                page = (await http.get("/q/bench")).text
                csrf = CSRF.search(page).group(1)  # type: ignore[union-attr]
                page = (await http.post("/q/bench", data={"csrf": csrf, "consent": "yes"})).text
                statements.clear()
                for n in range(answers):
                    key, run = KEY.search(page).group(1), RUN.search(page).group(1)  # type: ignore[union-attr]
                    csrf = CSRF.search(page).group(1)  # type: ignore[union-attr]  # renewed at consent
                    response = await http.post("/q/bench", headers=headers, data={
                        "csrf": csrf, "key": key, "run": run, "action": "answer", "text": f"risposta {n}"})
                    assert response.status_code == 200, re.sub(r"<[^>]+>", " ", response.text)[-1500:]
                    page = response.text
                if os.environ.get("BENCH_SQL_LOG"):
                    print(mode, statements[:40], file=sys.stderr)
                figures[mode] = len(statements) / answers
                figures[f"{mode}_select"] = statements.count("SELECT") / answers
        await app.state.web.committer.close() if hasattr(app.state, "web") else None
        await db.dispose()
    return figures


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


def settle(pid: int, quiet: float = 0.1, window: float = 0.5, limit: float = 30.0, freeze: bool = False) -> float:
    """Wait until the server process is idle (under ``quiet`` of a core over two ``window`` s in a
    row: the job has pauses); the seconds waited.

    After the warm-up, `scenari serve` runs its start-up jobs (the convergence job tags the new
    answers and rebuilds the tables, in a thread of the same process) for a few seconds; the
    figures are of the service at work, not of that, and the ceiling app settles the same way.
    Linux (/proc); elsewhere no wait.
    """
    stat = Path(f"/proc/{pid}/stat")
    if not stat.exists():
        return 0.0
    tick = os.sysconf("SC_CLK_TCK")

    def cpu() -> float:
        fields = stat.read_text().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / tick  # utime + stime

    started = time.monotonic()
    calm = 0
    while time.monotonic() - started < limit and calm < 2:
        before = cpu()
        time.sleep(window)
        calm = calm + 1 if cpu() - before < quiet * window else 0
    # then (``freeze``: after the warm-up) the garbage collector's freeze of what start-up and the
    # warm-up imported: a full pass (0.1-0.3 s of the event loop, once) three quiet seconds after
    # the last import (bot/web/app.py, _freeze_long_lived) — inside a one-second flat-out run it
    # would be a fifth of it. The ceiling app waits the same.
    if freeze:
        time.sleep(FREEZE_AFTER)
    return time.monotonic() - started


#: seconds `scenari serve` waits after its modules stop changing before it freezes them, plus one
FREEZE_AFTER = 4.0


def cpu_seconds(pid: int) -> float:
    """CPU time (user + system) the process ``pid`` has used so far; 0 where /proc is not there."""
    stat = Path(f"/proc/{pid}/stat")
    if not stat.exists():
        return 0.0
    fields = stat.read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def load(url: str, args: argparse.Namespace, mode: str = "fetch", paced: bool = True,
         server: int | None = None, flat: bool = True) -> dict[str, Any]:
    """The load generator, in a process of its own, against the server at ``url``: flat out, then
    paced (``paced``); ``flat=False`` skips the flat-out part.

    With ``server`` (its pid) the figures also carry ``cpu_ms``: the server's CPU time per answer
    over the whole load (the browsers' start included, and whatever else the server ran meanwhile)
    — on a shared machine a steadier measure than answers per second, which the neighbours' load moves.
    """
    before = cpu_seconds(server) if server else 0.0
    client = subprocess.run(
        [sys.executable, __file__, "--client", url, "--browsers", str(args.browsers), "--answers",
         str(args.answers if flat else 0), "--rate", str(args.rate), "--seconds", str(args.seconds if paced else 0), "--mode", mode],
        capture_output=True, text=True, timeout=600,
    )
    if client.returncode != 0:  # aiohttp's "Unclosed client session" lines would hide the error itself
        errors = "\n".join(line for line in client.stderr.splitlines()
                           if not line.startswith(("Unclosed client session", "client_session:")))
        raise RuntimeError(f"load generator failed:\n{errors[-3000:]}")
    figures = json.loads(client.stdout.strip().splitlines()[-1])
    if server:
        figures["cpu_ms"] = (cpu_seconds(server) - before) * 1000 / (figures["answers"] + figures["paced"])
    return figures


def measure(url: str, args: argparse.Namespace, server: int) -> dict[str, Any]:
    """Flat out (fetch, then navigate: answers/s and the server's CPU an answer), then paced (fetch: latency)."""
    figures = load(url, args, "fetch", paced=False, server=server)
    navigate = load(url, args, "navigate", paced=False, server=server)
    figures["navigate_rate"], figures["navigate_cpu_ms"] = navigate["rate"], navigate["cpu_ms"]
    paced = load(url, args, "fetch", flat=False)
    figures.update({key: paced[key] for key in ("paced", "paced_rate", "p50", "p99", "max")})
    return figures


@contextmanager
def ceiling_server(args: argparse.Namespace) -> Iterator[tuple[str, int, Callable[[], int] | None]]:
    """The minimal app (:func:`ceiling_app`) up, warmed up and idle: its URL and pid."""
    with tempfile.TemporaryDirectory() as tmp:
        port = free_port()
        url = f"http://127.0.0.1:{port}"
        server = subprocess.Popen([sys.executable, __file__, "--ceiling-app", str(port), f"{tmp}/ceiling.db"],
                                  stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        try:
            wait_for(url + "/q/bench", server)
            load(url, args, "navigate", paced=False)  # warm-up, not counted
            settle(server.pid, freeze=True)
            yield url, server.pid, None
        finally:
            _stop(server)


@contextmanager
def service_server(database_url: str, args: argparse.Namespace) -> Iterator[tuple[str, int, Callable[[], int] | None]]:
    """`scenari serve` on ``database_url`` up, warmed up and idle: its URL, pid, and a count of the answers stored."""
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
            load(url, args, "navigate", paced=False)  # warm-up (start-up jobs, first imports), not counted
            settle(server.pid, freeze=True)  # the start-up jobs, run after the warm-up's answers
            yield url, server.pid, lambda: _count_answers(database_url)
        finally:
            _stop(server)


def _stop(server: subprocess.Popen[bytes]) -> None:
    server.terminate()
    try:
        server.wait(timeout=20)
    except subprocess.TimeoutExpired:
        server.kill()


def in_rounds(args: argparse.Namespace, postgres_url: str | None = None) -> dict[str, list[dict[str, Any]]]:
    """Every server up at once, then ``args.rounds`` rounds that measure each in turn (each round in
    another order): the figures of every round, per server ("ceiling", "sqlite", "postgresql").

    Interleaved because this machine's speed drifts by tens of percent within a minute (other
    processes, frequency): one measure of the ceiling, then one of the service, compared two
    different machines. Each server is idle (settled) before each of its measures.
    """
    with contextlib.ExitStack() as stack:
        tmp = stack.enter_context(tempfile.TemporaryDirectory())
        servers = {"ceiling": stack.enter_context(ceiling_server(args)),
                   "sqlite": stack.enter_context(service_server(f"sqlite:///{tmp}/web.db", args))}
        if postgres_url:
            servers["postgresql"] = stack.enter_context(service_server(postgres_url, args))
        names = list(servers)
        rounds: dict[str, list[dict[str, Any]]] = {name: [] for name in names}
        for n in range(args.rounds):
            for name in names[n % len(names):] + names[:n % len(names)]:
                url, pid, _ = servers[name]
                settle(pid)
                rounds[name].append(measure(url, args, pid))
        for name, (_, _, stored) in servers.items():
            if stored is not None:
                rounds[name][-1]["stored"] = stored()
    return rounds


def medians(runs: list[dict[str, Any]]) -> dict[str, Any]:
    """Each figure's median over the rounds (``rate_all``: every round's flat-out rate, for the spread)."""
    figures = {key: statistics.median(run[key] for run in runs) for key in runs[0] if key != "stored"}
    figures["rate_all"] = [run["rate"] for run in runs]
    figures["navigate_rate_all"] = [run["navigate_rate"] for run in runs]
    if "stored" in runs[-1]:
        figures["stored"] = runs[-1]["stored"]
    return figures


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--browsers", type=int, default=100)
    parser.add_argument("--answers", type=int, default=20, help="answers per browser, flat out")
    parser.add_argument("--rate", type=float, default=200.0)
    parser.add_argument("--seconds", type=float, default=5.0)
    parser.add_argument("--quick", action="store_true",
                        help="50 browsers × 20 answers, 3 s paced: under a minute (1,000 answers a measure, "
                             "past the start-up burst the full size's 2,000 also leave behind)")
    parser.add_argument("--database-url", default=os.environ.get("SCENARI_BENCH_POSTGRES_URL"),
                        help="a PostgreSQL server: the web figures on it too, beside SQLite's, in a database of "
                             "its own, dropped after (default: SCENARI_BENCH_POSTGRES_URL)")
    parser.add_argument("--rounds", type=int, default=None,
                        help="interleaved rounds, each measuring every server once; medians reported (default 3, quick 1)")
    parser.add_argument("--client", metavar="URL", help=argparse.SUPPRESS)  # the load generator process
    parser.add_argument("--mode", default="fetch", choices=("fetch", "navigate"), help=argparse.SUPPRESS)
    parser.add_argument("--ceiling-app", nargs=2, metavar=("PORT", "DB"), help=argparse.SUPPRESS)  # the minimal app
    parser.add_argument("--count-sql", action="store_true", help="only count SQL statements per answer, in process")
    args = parser.parse_args()
    if args.count_sql:
        sql = asyncio.run(count_sql())
        for mode in ("fetch", "navigate"):
            print(f"RESULT web_sql_per_answer_{mode} {sql[mode]:.2f} statements selects={sql[mode + '_select']:.2f}")
        return
    if args.ceiling_app:
        serve_ceiling(int(args.ceiling_app[0]), args.ceiling_app[1])
        return
    if args.quick:
        args.browsers, args.answers, args.seconds = 50, 20, 3.0
    if args.client:
        result = asyncio.run(client_main(args.client, args.browsers, args.answers, args.rate, args.seconds, args.mode))
        print(json.dumps(result))
        return

    if args.rounds is None:
        args.rounds = 1 if args.quick else 3
    rounds = asyncio.run(_on_postgres(args.database_url, args)) if args.database_url else in_rounds(args)
    ceiling = medians(rounds.pop("ceiling"))
    figures = {name: medians(runs) for name, runs in rounds.items()}
    bot = asyncio.run(telegram_rate(args.browsers, args.answers))

    print(f"web channel (HTTP POST → engine → commit → next page), {args.browsers} browsers, "
          f"load generator in a second process; 'fetch': the POST's response is the next page, "
          f"'navigate': a plain form submission, POST → 303 → GET; medians of {args.rounds} interleaved rounds:")
    for name, web in {"ceiling (minimal FastAPI + aiosqlite app, group commit)": ceiling, **figures}.items():
        print(f"  {name}:")
        stored = f"; {web['stored']} answers stored" if "stored" in web else ""
        spread = f"; rounds {' / '.join(f'{r:.0f}' for r in web['rate_all'])} fetch, " \
                 f"{' / '.join(f'{r:.0f}' for r in web['navigate_rate_all'])} navigate"
        print(f"    flat out:   {web['rate']:8.0f} answers/s fetch, {web['navigate_rate']:8.0f} navigate "
              f"({web['answers']:.0f} answers in {web['seconds']:.1f} s{spread}{stored})")
        print(f"    paced {args.rate:.0f}/s: p50 {web['p50']:.1f} ms, p99 {web['p99']:.1f} ms, max {web['max']:.1f} ms "
              f"({web['paced']} answers, achieved {web['paced_rate']:.0f}/s)")
        if web.get("cpu_ms"):
            print(f"    server CPU: {web['cpu_ms']:.2f} ms an answer fetch, "
                  f"{web['navigate_cpu_ms']:.2f} ms navigate (the browsers' start included)")
    print(f"telegram path (bench_bot driver, in process, SQLite): {bot:8.0f} answers/s")
    print(f"ratio web/telegram (SQLite): {figures['sqlite']['rate'] / bot:.2f}")

    def ratio(value: float, top: float) -> str:
        return f"ceiling={top:.0f} ratio={value / top:.2f}" if top else ""

    for name, web in figures.items():
        suffix = "" if name == "sqlite" else "_pg"
        print(f"RESULT web_answers{suffix} {web['rate']:.0f} answers/s {ratio(web['rate'], ceiling['rate'])}")
        print(f"RESULT web_answers_navigate{suffix} {web['navigate_rate']:.0f} answers/s "
              f"{ratio(web['navigate_rate'], ceiling['navigate_rate'])}")
        print(f"RESULT web_p99_at_{args.rate:.0f}{suffix} {web['p99']:.1f} ms ceiling={ceiling['p99']:.1f}")
        print(f"RESULT web_paced_achieved{suffix} {web['paced_rate']:.0f} answers/s "
              f"{ratio(web['paced_rate'], ceiling['paced_rate'])}")
        if web.get("cpu_ms") and ceiling.get("cpu_ms"):  # the server's CPU an answer: lower is better
            print(f"RESULT web_cpu_per_answer{suffix} {web['cpu_ms']:.2f} ms ceiling={ceiling['cpu_ms']:.2f} "
                  f"ratio={ceiling['cpu_ms'] / web['cpu_ms']:.2f}")
            print(f"RESULT web_cpu_per_answer_navigate{suffix} {web['navigate_cpu_ms']:.2f} ms "
                  f"ceiling={ceiling['navigate_cpu_ms']:.2f} ratio={ceiling['navigate_cpu_ms'] / web['navigate_cpu_ms']:.2f}")
    print(f"RESULT web_baseline_telegram_path {bot:.0f} answers/s")


async def _on_postgres(server_url: str, args: argparse.Namespace) -> dict[str, list[dict[str, Any]]]:
    """:func:`in_rounds` with the service on PostgreSQL too, in a database of its own (dropped after)."""
    from bench.pgtemp import temporary_database

    async with temporary_database(server_url, "bench_web") as url:
        return await asyncio.to_thread(in_rounds, args, url)


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
