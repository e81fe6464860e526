"""Broadcast delivery: messages per second through the local Bot API server, and pacing at 30/s.

N subscribers (SQLite/WAL, synchronous=FULL) get a newsletter through the real sender
(`scenari broadcast send --until-done`, a process of its own, the production code path: claim
with a lease, mark inflight, call, record) and the local Bot API server of the tests (in this
process, which also records when each call arrived):

1. the rate limit lifted (``--rate 0``): messages/s the sender can push — the aim is ≥ 1,000/s,
   so that the real limit is always Telegram's ~30/s. Beside it, in the same run, its
   **ceiling**: a process of its own posting the same ``sendMessage`` JSON to the same server
   over one keep-alive aiohttp session, as many calls in flight as the sender, with no storage
   at all — what this server and machine can take. Each of ``--runs`` rounds measures the
   ceiling and the sender one after the other; the medians are reported;
2. ``--rate 30`` to a segment of ``--paced`` subscribers: the measured rate and its jitter
   (spread of the gaps between consecutive calls, and messages per whole second).

Rates are measured at the server, first call to last (a process's start-up is not in them).
Ends with one machine-readable line per figure (``RESULT <name> <value> <unit> [ceiling= ratio=]``).

Run: `nice -n 10 .venv/bin/python bench/bench_broadcast.py [--quick | --recipients 10000 --paced 600 --runs 3]`.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bot.service.notice import default_notice  # noqa: E402
from storage import Database, outbox, upgrade_database  # noqa: E402
from storage.models import Consent, Respondent  # noqa: E402
from tests.support.fake_bot_api import DEFAULT_TOKEN, FakeBotAPI  # noqa: E402

SCENARI = Path(sys.executable).parent / "scenari"
FIRST_CHAT = 100_000
NOTICE = default_notice().version  # the shipped notice's: a consent under an older one reaches no one


async def populate(db: Database, api: FakeBotAPI, n: int, paced: int) -> None:
    async with db.transaction() as session:
        people = [Respondent(channel="telegram", external_id=str(FIRST_CHAT + i), language="en" if i < paced else "it")
                  for i in range(n)]
        session.add_all(people)
        await session.flush()
        session.add_all(Consent(respondent_id=p.id, purpose=purpose, granted=True, notice_version=NOTICE)
                        for p in people for purpose in ("participation", "newsletter"))
    for i in range(n):
        api.user(FIRST_CHAT + i, language_code="en" if i < paced else "it")


def rate_at_server(api: FakeBotAPI, start: int, n: int) -> float:
    """Messages/s between the first and the last successful sendMessage since call ``start``."""
    times = sorted(c.at for c in api.calls[start:] if c.method == "sendMessage" and c.status == 200)
    assert len(times) == n, (len(times), n)
    return (len(times) - 1) / (times[-1] - times[0])


async def send(api: FakeBotAPI, url: str, rate: float, concurrency: int, profile: str | None = None) -> None:
    """The real sender, a process of its own (under py-spy with ``--profile``: collapsed stacks to that file)."""
    spy = [str(SCENARI.parent / "py-spy"), "record", "--nonblocking", "--format", "raw", "-o", profile, "--"] if profile else []
    env = {**os.environ, "TELEGRAM_BOT_TOKEN": DEFAULT_TOKEN, "TELEGRAM_API_BASE": api.base_url,
           "SCENARI_DATABASE_URL": url, "SCENARI_LOG_LEVEL": "WARNING"}
    process = await asyncio.create_subprocess_exec(
        *spy, str(SCENARI), "broadcast", "send", "--until-done", "--rate", str(rate), "--concurrency", str(concurrency),
        "--batch", "2000", env=env, stdout=asyncio.subprocess.PIPE,
    )
    out, _ = await process.communicate()
    print("   ", out.decode().strip())


async def ceiling(api: FakeBotAPI, n: int, concurrency: int) -> None:
    """The raw client, in a process of its own like the sender (see :func:`raw_client`)."""
    process = await asyncio.create_subprocess_exec(
        sys.executable, __file__, "--raw-client", api.base_url, str(n), str(concurrency))
    assert await process.wait() == 0


async def raw_client(base: str, n: int, concurrency: int) -> None:
    """``n`` sendMessage calls as JSON over one keep-alive session, ``concurrency`` in flight, no storage."""
    import aiohttp

    url = f"{base}/bot{DEFAULT_TOKEN}/sendMessage"
    text = "Newsletter di <b>dicembre</b>: <a href=\"https://example.org\">programma</a>"
    chats = iter(range(FIRST_CHAT, FIRST_CHAT + n))
    connector = aiohttp.TCPConnector(limit=concurrency)
    async with aiohttp.ClientSession(connector=connector, json_serialize=json.dumps) as session:
        async def worker() -> None:
            for chat in chats:
                payload = {"chat_id": chat, "text": text, "parse_mode": "HTML", "link_preview_options": {"is_disabled": True}}
                async with session.post(url, json=payload) as response:
                    body = json.loads(await response.read())
                    assert body["ok"], body
        await asyncio.gather(*(worker() for _ in range(concurrency)))


async def main(n: int, paced: int, concurrency: int, runs: int, profile: str | None = None) -> None:
    folder = Path(tempfile.mkdtemp(prefix="bench-broadcast-"))
    url = f"sqlite+aiosqlite:///{folder / 'bench.db'}"
    db = Database(url)
    await upgrade_database(db)
    ceilings: list[float] = []
    project: list[float] = []
    async with FakeBotAPI() as api:
        await populate(db, api, n, paced)
        for round_ in range(1, runs + 1):
            start = len(api.calls)
            await ceiling(api, n, concurrency)
            ceilings.append(rate_at_server(api, start, n))
            async with db.transaction() as session:
                await outbox.create_broadcast(session, segment={}, text_it="Newsletter di **dicembre**: [programma](https://example.org)",
                                              status="scheduled")
            print(f"1.{round_}) {n} recipients, rate limit lifted (concurrency {concurrency}):")
            start = len(api.calls)
            await send(api, url, 0, concurrency, profile if round_ == runs else None)
            project.append(rate_at_server(api, start, n))
            print(f"   sender {project[-1]:,.0f} messages/s at the server; ceiling (raw aiohttp JSON, no storage) "
                  f"{ceilings[-1]:,.0f} messages/s; ratio {project[-1] / ceilings[-1]:.2f}")

        start = len(api.calls)
        async with db.transaction() as session:
            await outbox.create_broadcast(session, segment={"lang": ["en"]}, text_it="x", text_en="Paced **news**",
                                          status="scheduled")
        print(f"2) {paced} recipients at --rate 30:")
        await send(api, url, 30, concurrency)
        paced_times = sorted(c.at for c in api.calls[start:] if c.method == "sendMessage" and c.status == 200)
        assert len(paced_times) == paced, len(paced_times)
        gaps = [b - a for a, b in zip(paced_times, paced_times[1:])]
        rate = (len(paced_times) - 1) / (paced_times[-1] - paced_times[0])
        first = paced_times[0]
        per_second: dict[int, int] = {}
        for t in paced_times:
            per_second[int(t - first)] = per_second.get(int(t - first), 0) + 1
        whole = [per_second.get(s, 0) for s in range(int(paced_times[-1] - first))] or [len(paced_times)]
        gaps_ms = sorted(g * 1000 for g in gaps)
        p99_gap = gaps_ms[len(gaps_ms) * 99 // 100]
        print(f"   measured rate {rate:.2f} messages/s (target 30); gap between calls: mean "
              f"{statistics.mean(gaps_ms):.1f} ms, sd {statistics.pstdev(gaps_ms):.2f} ms, "
              f"p1 {gaps_ms[len(gaps_ms) // 100]:.1f} ms, p99 {p99_gap:.1f} ms; "
              f"messages per whole second: min {min(whole)}, max {max(whole)} over {len(whole)} s")
    await db.dispose()
    value, top = statistics.median(project), statistics.median(ceilings)
    print(f"\nrate limit lifted, median of {runs}: sender {value:,.0f} msg/s (min {min(project):,.0f}, max {max(project):,.0f}); "
          f"ceiling {top:,.0f} msg/s (min {min(ceilings):,.0f}, max {max(ceilings):,.0f})")
    print(f"RESULT broadcast_msgs {value:.0f} msg/s ceiling={top:.0f} ratio={value / top:.2f}")
    print(f"RESULT broadcast_paced_rate {rate:.2f} msg/s ceiling=30 ratio={rate / 30:.2f}")
    print(f"RESULT broadcast_paced_gap_p99 {p99_gap:.1f} ms")


if __name__ == "__main__":
    if sys.argv[1:2] == ["--raw-client"]:
        asyncio.run(raw_client(sys.argv[2], int(sys.argv[3]), int(sys.argv[4])))
        sys.exit(0)
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--recipients", type=int, default=10_000)
    parser.add_argument("--paced", type=int, default=600)
    parser.add_argument("--concurrency", type=int, default=64)
    parser.add_argument("--runs", type=int, default=3, help="rounds of ceiling + sender; medians reported")
    parser.add_argument("--quick", action="store_true", help="3,000 recipients, 90 paced, 2 rounds: under a minute")
    parser.add_argument("--profile", metavar="FILE", help="py-spy the sender's last unlimited round, collapsed stacks to FILE (pip install py-spy)")
    args = parser.parse_args()
    if args.quick:
        args.recipients, args.paced, args.runs = 3_000, 90, 2
    asyncio.run(main(args.recipients, args.paced, args.concurrency, args.runs, args.profile))
