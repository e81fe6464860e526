"""Broadcast delivery: messages per second through the local Bot API server, and pacing at 30/s.

10,000 subscribers (SQLite/WAL, synchronous=FULL) get a newsletter through the real sender
(`scenari broadcast send --until-done`, a process of its own, the production code path: claim
with a lease, mark inflight, call, record) and the local Bot API server of the tests (in this
process, which also records when each call arrived):

1. the rate limit lifted (``--rate 0``): messages/s the sender can push — the aim is ≥ 1,000/s,
   so that the real limit is always Telegram's ~30/s;
2. ``--rate 30`` to a segment of ``--paced`` subscribers: the measured rate and its jitter
   (spread of the gaps between consecutive calls, and messages per whole second).

Run: `.venv/bin/python bench/bench_broadcast.py [--recipients 10000 --paced 600]`.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from storage import Database, outbox, upgrade_database  # noqa: E402
from storage.models import Consent, Respondent  # noqa: E402
from tests.support.fake_bot_api import DEFAULT_TOKEN, FakeBotAPI  # noqa: E402

SCENARI = Path(sys.executable).parent / "scenari"


async def populate(db: Database, api: FakeBotAPI, n: int, paced: int) -> None:
    async with db.transaction() as session:
        people = [Respondent(channel="telegram", external_id=str(100_000 + i), language="en" if i < paced else "it")
                  for i in range(n)]
        session.add_all(people)
        await session.flush()
        session.add_all(Consent(respondent_id=p.id, purpose=purpose, granted=True, notice_version="bench")
                        for p in people for purpose in ("participation", "newsletter"))
    for i in range(n):
        api.user(100_000 + i, language_code="en" if i < paced else "it")


async def send(api: FakeBotAPI, url: str, rate: float, concurrency: int) -> float:
    env = {**os.environ, "TELEGRAM_BOT_TOKEN": DEFAULT_TOKEN, "TELEGRAM_API_BASE": api.base_url,
           "SCENARI_DATABASE_URL": url, "SCENARI_LOG_LEVEL": "WARNING"}
    started = time.perf_counter()
    process = await asyncio.create_subprocess_exec(
        str(SCENARI), "broadcast", "send", "--until-done", "--rate", str(rate), "--concurrency", str(concurrency),
        "--batch", "2000", env=env, stdout=asyncio.subprocess.PIPE,
    )
    out, _ = await process.communicate()
    print("   ", out.decode().strip())
    return time.perf_counter() - started


async def main(n: int, paced: int, concurrency: int) -> None:
    folder = Path(tempfile.mkdtemp(prefix="bench-broadcast-"))
    url = f"sqlite+aiosqlite:///{folder / 'bench.db'}"
    db = Database(url)
    await upgrade_database(db)
    async with FakeBotAPI() as api:
        await populate(db, api, n, paced)
        async with db.transaction() as session:
            await outbox.create_broadcast(session, segment={}, text_it="Newsletter di **dicembre**: [programma](https://example.org)",
                                          status="scheduled")
        print(f"1) {n} recipients, rate limit lifted (concurrency {concurrency}):")
        await send(api, url, 0, concurrency)
        times = sorted(c.at for c in api.calls_of("sendMessage") if c.status == 200)
        assert len(times) == n, len(times)
        unlimited = (len(times) - 1) / (times[-1] - times[0])
        print(f"   {len(times)} messages in {times[-1] - times[0]:.2f} s at the server: {unlimited:,.0f} messages/s")

        before = len(api.calls_of("sendMessage"))
        async with db.transaction() as session:
            await outbox.create_broadcast(session, segment={"lang": ["en"]}, text_it="x", text_en="Paced **news**",
                                          status="scheduled")
        print(f"2) {paced} recipients at --rate 30:")
        await send(api, url, 30, concurrency)
        paced_times = sorted(c.at for c in api.calls_of("sendMessage")[before:] if c.status == 200)
        assert len(paced_times) == paced, len(paced_times)
        gaps = [b - a for a, b in zip(paced_times, paced_times[1:])]
        rate = (len(paced_times) - 1) / (paced_times[-1] - paced_times[0])
        start = paced_times[0]
        per_second: dict[int, int] = {}
        for t in paced_times:
            per_second[int(t - start)] = per_second.get(int(t - start), 0) + 1
        whole = [per_second.get(s, 0) for s in range(int(paced_times[-1] - start))]
        gaps_ms = sorted(g * 1000 for g in gaps)
        print(f"   measured rate {rate:.2f} messages/s (target 30); gap between calls: mean "
              f"{statistics.mean(gaps_ms):.1f} ms, sd {statistics.pstdev(gaps_ms):.2f} ms, "
              f"p1 {gaps_ms[len(gaps_ms) // 100]:.1f} ms, p99 {gaps_ms[len(gaps_ms) * 99 // 100]:.1f} ms; "
              f"messages per whole second: min {min(whole)}, max {max(whole)} over {len(whole)} s")
    await db.dispose()


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--recipients", type=int, default=10_000)
    parser.add_argument("--paced", type=int, default=600)
    parser.add_argument("--concurrency", type=int, default=64)
    args = parser.parse_args()
    asyncio.run(main(args.recipients, args.paced, args.concurrency))
