"""Benchmark: `scenari tables rebuild` work (read + every table + the XLSX workbook) at growing sizes.

    .venv/bin/python bench/bench_scale.py [--answers 100000,300000,1000000] [--quick] [--seed 1] [--before]
                                          [--core] [--keep DIR]

For each size a database is filled by ``storage.simulate`` (seeded; not timed), then a *fresh
subprocess* does the rebuild work once and reports wall time per stage and its peak RSS
(``resource.getrusage(RUSAGE_SELF).ru_maxrss`` of that child), so one size's memory does not
leak into the next:

* project: ``exports.tables.read_data`` (ADBC: the columns straight into Arrow) + ``build_tables``
  + ``write_tables(…, "xlsx")`` (xlsxwriter, constant memory);
* ceiling, in its own child in the same run: the raw ADBC driver running the very queries the
  project runs into Arrow tables (no JSON decoding, no pandas), then xlsxwriter (constant
  memory) writing as many cells as the project's tables have, all numbers (its cheapest cell)
  — what the driver and the writer cost with no analysis at all;
* ``--core``: the previous read path (SQLAlchemy Core rows, JSON decoded per value);
* ``--before``: the first version's path (``storage.aggregates.load``: ORM rows, every question).

It ends with one line per figure: ``RESULT tables_<size> <s> s ceiling=<s> ratio=<ceiling / project>``,
``RESULT tables_<size>_peak <MiB> MiB``, and the straight line through the sizes
(``RESULT tables_per_100k`` and ``RESULT tables_fixed``) that shows whether time grows linearly.
``--quick`` runs 30k and 100k answers (under a minute, fill included).
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
        result = await simulate(db, respondents, seed, questionnaires=ROOT / "plans" / "cremona" / "questionnaires")
    finally:
        await db.dispose()
    return {"counts": result.counts, "seconds": result.seconds}


async def _measure(url: str, mode: str, out: str) -> dict:
    from exports.tables import Options, build_tables, write_tables
    from exports.tables.build import read_data
    from storage import Database, aggregates

    db = Database(url)
    try:
        started = time.perf_counter()
        if mode in ("project", "core"):
            data = await read_data(db, columnar=mode == "project")
        else:
            async with db.transaction() as session:
                data = await aggregates.load(session)
        read = time.perf_counter()
        tables = build_tables(data, Options())
        computed = time.perf_counter()
        write_tables(tables, "xlsx", out)
        total = time.perf_counter() - started
    finally:
        await db.dispose()
    cells = sum((len(t.frame) + 1) * len(t.frame.columns) for t in tables)  # + the README sheet, roughly
    peak_mib = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # Linux: KiB
    return {"answers": tables.counts["answers"], "read_s": read - started, "build_s": computed - read,
            "write_s": total - (computed - started), "tables_s": computed - started, "total_s": total,
            "peak_mib": peak_mib, "cells": cells}


def _ceiling(url: str, cells: int, out: str) -> dict:
    """The raw driver reading the project's queries into Arrow, then xlsxwriter writing ``cells`` cells."""
    import xlsxwriter

    from exports.tables import ANSWER_KEYS
    from storage import Database, aggregates, columnar

    db = Database(url)
    try:
        started = time.perf_counter()
        tables = columnar.read_arrow(db, aggregates._columnar_queries(aggregates.DEFAULT_QUESTIONNAIRES, ANSWER_KEYS))
        assert tables is not None, "no ADBC driver for this database"
        read = time.perf_counter()
        book = xlsxwriter.Workbook(out, {"constant_memory": True})
        ws = book.add_worksheet("cells")
        width = 16
        for i in range(cells):  # numbers: the writer's cheapest cell, so this is a floor
            r, c = divmod(i, width)
            ws.write_number(r, c, i * 0.5)
        book.close()
        total = time.perf_counter() - started
    finally:
        asyncio.run(db.dispose())
    peak_mib = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    return {"read_s": read - started, "write_s": total - (read - started), "total_s": total, "peak_mib": peak_mib,
            "rows": sum(t.num_rows for t in tables.values())}


def _child(*args: str, root: Path = ROOT) -> dict:
    done = subprocess.run([sys.executable, str(root / "bench" / "bench_scale.py"), *args], capture_output=True,
                          text=True, cwd=root)
    if done.returncode != 0:
        raise SystemExit(f"child failed: {done.stderr[-2000:]}")
    return json.loads(done.stdout.strip().splitlines()[-1])


def _baseline_mode(root: Path) -> str:
    """The name the earlier version's bench gives its project path: "project" since it had a
    ceiling, "after" before (any other name would time the ORM path instead)."""
    source = (root.resolve() / "bench" / "bench_scale.py").read_text(encoding="utf-8")
    return "project" if 'mode in ("project", "core")' in source else "after"


def _label(size: int) -> str:
    return f"{size // 1_000_000}m" if size % 1_000_000 == 0 else f"{size // 1000}k" if size % 1000 == 0 else str(size)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--answers", default="100000,300000,1000000")
    parser.add_argument("--quick", action="store_true", help="30k and 100k answers: under a minute")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--before", action="store_true", help="also time the first version's read path (ORM rows)")
    parser.add_argument("--core", action="store_true", help="also time the previous read path (Core rows)")
    parser.add_argument("--keep", type=Path, default=None, help="keep the databases here (reused when present)")
    parser.add_argument("--baseline", type=Path, default=None,
                        help="a copy of the project at an earlier commit: its own bench measures it in the same run")
    parser.add_argument("--fill", nargs=3, metavar=("URL", "RESPONDENTS", "SEED"), help=argparse.SUPPRESS)
    parser.add_argument("--measure", nargs=3, metavar=("URL", "MODE", "OUT"), help=argparse.SUPPRESS)
    parser.add_argument("--ceiling", nargs=3, metavar=("URL", "CELLS", "OUT"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.fill:
        print(json.dumps(asyncio.run(_fill(args.fill[0], int(args.fill[1]), int(args.fill[2])))))
        return 0
    if args.measure:
        print(json.dumps(asyncio.run(_measure(*args.measure))))
        return 0
    if args.ceiling:
        print(json.dumps(_ceiling(args.ceiling[0], int(args.ceiling[1]), args.ceiling[2])))
        return 0
    sizes = [30000, 100000] if args.quick else [int(s) for s in args.answers.split(",") if s.strip()]
    modes = ["project"] + (["core"] if args.core else []) + (["before"] if args.before else [])
    results = []
    with tempfile.TemporaryDirectory() as tmp:
        where = args.keep or Path(tmp)
        where.mkdir(parents=True, exist_ok=True)
        for size in sizes:
            path = where / f"scale-{size}-{args.seed}.db"
            url = f"sqlite+aiosqlite:///{path}"
            if not path.exists():
                filled = _child("--fill", url, str(max(1, round(size / ANSWERS_PER_RESPONDENT))), str(args.seed))
                print(f"filled {path.name}: {filled['counts'].get('answers', 0)} answers in {filled['seconds']:.1f} s",
                      flush=True)
            runs = {mode: _child("--measure", url, mode, str(where / f"out-{size}-{mode}.xlsx")) for mode in modes}
            if args.baseline:  # the earlier version's own measure of its project path ("after" in the oldest)
                runs["baseline"] = _child("--measure", url, _baseline_mode(args.baseline),
                                          str(where / f"out-{size}-baseline.xlsx"), root=args.baseline.resolve())
            runs["ceiling"] = _child("--ceiling", url, str(runs["project"]["cells"]), str(where / f"ceiling-{size}.xlsx"))
            results.append((size, runs))
            for mode, r in runs.items():
                stages = (f"read {r['read_s']:6.2f}" if "read_s" in r else f"read+build {r['tables_s']:6.2f}")
                stages += f"  build {r['build_s']:6.2f}" if "build_s" in r else ""
                stages += f"  write {r['write_s'] if 'write_s' in r else r['total_s'] - r['tables_s']:6.2f}"
                print(f"{size:>9} {mode:<8} {stages}  total {r['total_s']:6.2f} s  peak {r['peak_mib']:5.0f} MiB",
                      flush=True)
    print()
    print("| answers | path | read (s) | build (s) | write XLSX (s) | total (s) | peak RSS (MiB) |")
    print("| ---: | --- | ---: | ---: | ---: | ---: | ---: |")
    for size, runs in results:
        answers = runs["project"]["answers"]
        for mode, r in runs.items():
            build = f"{r['build_s']:.2f}" if "build_s" in r else "—"
            read = f"{r['read_s']:.2f}" if "read_s" in r else f"{r['tables_s']:.2f} (read + build)"
            write = r["write_s"] if "write_s" in r else r["total_s"] - r["tables_s"]
            print(f"| {answers:,} | {mode} | {read} | {build} | {write:.2f} | {r['total_s']:.2f} | {r['peak_mib']:.0f} |")
    print()
    for size, runs in results:
        project, ceiling = runs["project"], runs["ceiling"]
        print(f"RESULT tables_{_label(size)} {project['total_s']:.2f} s ceiling={ceiling['total_s']:.2f} "
              f"ratio={ceiling['total_s'] / project['total_s']:.2f}")
        print(f"RESULT tables_{_label(size)}_peak {project['peak_mib']:.0f} MiB ceiling={ceiling['peak_mib']:.0f}")
        for mode in ("core", "before", "baseline"):
            if mode in runs:
                print(f"RESULT tables_{_label(size)}_{mode} {runs[mode]['total_s']:.2f} s")
    if len(results) >= 2:  # least squares: total = fixed + slope × answers
        xs = [runs["project"]["answers"] / 100_000 for _, runs in results]
        ys = [runs["project"]["total_s"] for _, runs in results]
        mx, my = sum(xs) / len(xs), sum(ys) / len(ys)
        slope = sum((x - mx) * (y - my) for x, y in zip(xs, ys)) / sum((x - mx) ** 2 for x in xs)
        print(f"RESULT tables_per_100k {slope:.2f} s")
        print(f"RESULT tables_fixed {my - slope * mx:.2f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
