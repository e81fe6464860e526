"""Benchmark: `scenari tables rebuild` work (read + every table + the XLSX workbook) at growing sizes.

    .venv/bin/python bench/bench_scale.py [--answers 10000,100000,1000000] [--seed 1] [--before] [--keep DIR]

For each size a database is filled by ``storage.simulate`` (seeded; not timed), then a *fresh
subprocess* does the rebuild work once and reports wall time and its peak RSS
(``resource.getrusage(RUSAGE_SELF).ru_maxrss``), so one size's memory does not leak into the next:

* after: ``exports.tables.compute_tables`` (Core read of only the questions the tables use,
  JSON decoded in bulk, the total counted with GROUP BY) + ``write_tables(…, "xlsx")``;
* before (``--before``): the first version's path — ``storage.aggregates.load`` (ORM rows, one
  dataclass per answer, every question) + ``build_tables`` + the workbook.

Sizes are in answers; respondents ≈ answers / 8.6 (the simulated mix answers ~8.6 questions each).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
ANSWERS_PER_RESPONDENT = 8.6


async def _fill(url: str, respondents: int, seed: int) -> dict:
    from storage import Database, upgrade_database
    from storage.simulate import simulate

    db = Database(url)
    try:
        await upgrade_database(db)
        result = await simulate(db, respondents, seed)
    finally:
        await db.dispose()
    return {"counts": result.counts, "seconds": result.seconds}


async def _measure(url: str, mode: str, out: str) -> dict:
    from exports.tables import Options, build_tables, compute_tables, write_tables
    from storage import Database, aggregates

    db = Database(url)
    try:
        started = time.perf_counter()
        if mode == "after":
            tables = await compute_tables(db, Options())
        else:
            async with db.transaction() as session:
                data = await aggregates.load(session)
            tables = build_tables(data, Options())
        computed = time.perf_counter() - started
        write_tables(tables, "xlsx", out)
        total = time.perf_counter() - started
    finally:
        await db.dispose()
    peak_mib = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # Linux: KiB
    return {"answers": tables.counts["answers"], "tables_s": computed, "total_s": total, "peak_mib": peak_mib}


def _child(*args: str) -> dict:
    done = subprocess.run([sys.executable, __file__, *args], capture_output=True, text=True, cwd=ROOT)
    if done.returncode != 0:
        raise SystemExit(f"child failed: {done.stderr[-2000:]}")
    return json.loads(done.stdout.strip().splitlines()[-1])


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--answers", default="10000,100000,1000000")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--before", action="store_true", help="also time the first version's read path")
    parser.add_argument("--keep", type=Path, default=None, help="keep the databases here (reused when present)")
    parser.add_argument("--fill", nargs=3, metavar=("URL", "RESPONDENTS", "SEED"), help=argparse.SUPPRESS)
    parser.add_argument("--measure", nargs=3, metavar=("URL", "MODE", "OUT"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.fill:
        print(json.dumps(asyncio.run(_fill(args.fill[0], int(args.fill[1]), int(args.fill[2])))))
        return 0
    if args.measure:
        print(json.dumps(asyncio.run(_measure(*args.measure))))
        return 0
    sizes = [int(s) for s in args.answers.split(",") if s.strip()]
    with tempfile.TemporaryDirectory() as tmp:
        where = args.keep or Path(tmp)
        where.mkdir(parents=True, exist_ok=True)
        rows = []
        for size in sizes:
            path = where / f"scale-{size}-{args.seed}.db"
            url = f"sqlite+aiosqlite:///{path}"
            if not path.exists():
                filled = _child("--fill", url, str(max(1, round(size / ANSWERS_PER_RESPONDENT))), str(args.seed))
                print(f"filled {path.name}: {filled['counts'].get('answers', 0)} answers in {filled['seconds']:.1f} s",
                      flush=True)
            modes = ["after", "before"] if args.before else ["after"]
            for mode in modes:
                result = _child("--measure", url, mode, str(where / f"out-{size}-{mode}.xlsx"))
                rows.append((size, mode, result))
                print(f"{size:>9} {mode:<6} answers={result['answers']:>9}  tables {result['tables_s']:7.2f} s  "
                      f"tables+xlsx {result['total_s']:7.2f} s  peak {result['peak_mib']:7.0f} MiB", flush=True)
    print()
    print("| answers | path | tables (s) | tables + XLSX (s) | peak RSS (MiB) |")
    print("| ---: | --- | ---: | ---: | ---: |")
    for size, mode, r in rows:
        print(f"| {r['answers']:,} | {mode} | {r['tables_s']:.2f} | {r['total_s']:.2f} | {r['peak_mib']:.0f} |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
