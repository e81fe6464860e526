"""Run every benchmark and write one table of their figures (var/bench.md) — what `make bench` does.

Each ``bench/bench_*.py`` runs in a process of its own (``--quick`` passed on when given) and ends
with one machine-readable line per figure, ``RESULT <name> <value> <unit> [ceiling=<v>] [ratio=<v>]``
(issue 15). This runner collects those lines into one Markdown table, with what is needed to compare
two tables: the date, the machine (cores, load average when the run started) and the git commit. A
script that fails or times out is listed as failed with its last error line, and the run goes on, so
one broken benchmark never hides the others' figures. Each script's full output is kept in
var/bench-logs/.

Run: `make bench` (full sizes), `make bench QUICK=1` or `make bench-quick` (each under a minute), or
`nice -n 10 .venv/bin/python bench/run_all.py [--quick] [--only bench_bot,bench_nlp]`. PostgreSQL beside
SQLite: ``--database-url postgresql+asyncpg://postgres@127.0.0.1:5432/test`` (or SCENARI_BENCH_POSTGRES_URL
set; with neither, the local server at 127.0.0.1:5432 when it answers; ``--sqlite-only`` to skip it), read by
the scripts that take ``--database-url``; each run makes a database of its own and drops it.
"""

from __future__ import annotations

import argparse
import os
import platform
import socket
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
BENCH = ROOT / "bench"


@dataclass(frozen=True)
class Result:
    """One ``RESULT`` line: a figure, its unit, and its same-run ceiling and ratio when there is one."""

    name: str
    value: str
    unit: str
    ceiling: str = ""
    ratio: str = ""
    extra: dict[str, str] = field(default_factory=dict)


@dataclass
class ScriptRun:
    """What one benchmark script gave: its figures, and why it failed when it did."""

    script: str
    results: list[Result]
    seconds: float
    error: str = ""  # empty when the script exited 0


def parse_result(line: str) -> Result | None:
    """The figure on a ``RESULT`` line, or None for any other line (or a malformed one)."""
    parts = line.strip().split()
    if len(parts) < 3 or parts[0] != "RESULT":
        return None
    name, value, rest = parts[1], parts[2], parts[3:]
    unit = ""
    if rest and "=" not in rest[0]:
        unit, rest = rest[0], rest[1:]
    keys: dict[str, str] = {}
    for part in rest:
        key, sep, val = part.partition("=")
        if sep:
            keys[key] = val
    ceiling, ratio = keys.pop("ceiling", ""), keys.pop("ratio", "")
    return Result(name, value, unit, ceiling, ratio, keys)


def parse_results(text: str) -> list[Result]:
    return [r for r in (parse_result(line) for line in text.splitlines()) if r is not None]


def last_error_line(stderr: str, stdout: str = "") -> str:
    """The line that best says why a script failed: the last non-empty line of stderr, else stdout."""
    for text in (stderr, stdout):
        lines = [line.strip() for line in text.splitlines() if line.strip()]
        if lines:
            return lines[-1]
    return "no output"


def machine() -> dict[str, str]:
    """Cores, load average now (the start of the run), platform and Python: what makes figures comparable."""
    try:
        load = ", ".join(f"{x:.2f}" for x in os.getloadavg())
    except OSError:  # pragma: no cover - not on every platform
        load = "unknown"
    return {"cores": str(os.cpu_count() or "?"), "load": load, "platform": platform.platform(),
            "python": platform.python_version()}


def git_commit(root: Path = ROOT) -> str:
    """The commit measured, marked when the tree has uncommitted changes (then the figures are not its own)."""
    try:
        commit = subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=root, capture_output=True, text=True,
                                timeout=30, check=True).stdout.strip()
        dirty = subprocess.run(["git", "status", "--porcelain", "--untracked-files=no"], cwd=root,
                               capture_output=True, text=True, timeout=30).stdout.strip()
    except (OSError, subprocess.SubprocessError):
        return "unknown"
    return f"{commit} (with uncommitted changes)" if dirty else commit


def _cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ") or "—"


def render_table(runs: list[ScriptRun], *, started: datetime, info: dict[str, str], commit: str,
                 quick: bool) -> str:
    """The Markdown of var/bench.md: a header saying when/where/what, then one row per figure."""
    out = [
        f"# Benchmarks{' (quick sizes)' if quick else ''}",
        "",
        f"- date: {started.strftime('%Y-%m-%d %H:%M UTC')}",
        f"- machine: {info['cores']} cores, load average at start {info['load']}; {info['platform']}, "
        f"Python {info['python']}",
        f"- commit: {commit}",
        f"- PostgreSQL beside SQLite: {info.get('postgres') or 'no (SQLite only)'}",
        "",
        "Ratio as each script defines it (see its docstring): project / ceiling for rates, ceiling / project "
        "for times, so 1 means the project is at its ceiling. No ceiling: a baseline or a figure alone.",
        "",
        "| script | name | value | unit | ceiling | ratio |",
        "| --- | --- | ---: | --- | ---: | ---: |",
    ]
    for run in runs:
        for r in run.results:
            out.append(f"| {run.script} | {_cell(r.name)} | {_cell(r.value)} | {_cell(r.unit)} | {_cell(r.ceiling)} "
                       f"| {_cell(r.ratio)} |")
        if run.error:
            out.append(f"| {run.script} | **failed** | — | — | — | — |")
        elif not run.results:
            out.append(f"| {run.script} | **no RESULT lines** | — | — | — | — |")
    out += ["", "| script | took (s) | status |", "| --- | ---: | --- |"]
    for run in runs:
        status = f"failed: {_cell(run.error)}" if run.error else "ok"
        out.append(f"| {run.script} | {run.seconds:.0f} | {status} |")
    return "\n".join(out) + "\n"


def run_script(path: Path, args: list[str], timeout: float, log: Path) -> ScriptRun:
    """Run one script, echoing its output as it comes; never raises for the script's own failure."""
    started = time.perf_counter()
    with tempfile.TemporaryFile("w+", encoding="utf-8") as err:
        process = subprocess.Popen([sys.executable, str(path), *args], cwd=ROOT, stdout=subprocess.PIPE, stderr=err,
                                   text=True, encoding="utf-8", errors="replace")
        timer = threading.Timer(timeout, process.kill)
        timer.start()
        lines: list[str] = []
        try:
            assert process.stdout is not None
            for line in process.stdout:
                lines.append(line)
                print(f"  {line}", end="", flush=True)
            code = process.wait()
        finally:
            timer.cancel()
        err.seek(0)
        stderr = err.read()
    seconds = time.perf_counter() - started
    stdout = "".join(lines)
    log.write_text(stdout + ("\n--- stderr ---\n" + stderr if stderr else ""), encoding="utf-8")
    error = ""
    if code != 0:
        error = (f"timed out after {timeout:.0f} s" if seconds >= timeout
                 else f"exit {code}: {last_error_line(stderr, stdout)}")
    return ScriptRun(path.stem, parse_results(stdout), seconds, error)


LOCAL_POSTGRES = "postgresql+asyncpg://postgres@127.0.0.1:5432/test"


def postgres_url(given: str | None, environment: str | None, sqlite_only: bool = False) -> str | None:
    """The PostgreSQL server the scripts measure beside SQLite: the one named, else the local one when it
    answers, so that `make bench` on a machine with PostgreSQL reports both (issue 15: "PostgreSQL beside
    SQLite") without anyone having to know the option."""
    if sqlite_only:
        return None
    if given or environment:
        return given or environment
    try:
        with socket.create_connection(("127.0.0.1", 5432), timeout=1):
            return LOCAL_POSTGRES
    except OSError:
        return None


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="pass --quick to every script (each under a minute)")
    parser.add_argument("--only", default="", help="comma-separated script names, e.g. bench_bot,bench_nlp")
    parser.add_argument("--out", type=Path, default=ROOT / "var" / "bench.md")
    parser.add_argument("--timeout", type=float, default=None, help="seconds per script (default 300 quick, 3600 full)")
    parser.add_argument("--database-url", default=None,
                        help="a PostgreSQL server: bench_bot, bench_web and bench_instances measure on it too, "
                             "beside SQLite (sets SCENARI_BENCH_POSTGRES_URL for the scripts)")
    parser.add_argument("--sqlite-only", action="store_true",
                        help="do not look for the local PostgreSQL server (by default, when nothing names one, "
                             f"{LOCAL_POSTGRES} is used if it answers)")
    args = parser.parse_args(argv)
    postgres = postgres_url(args.database_url, os.environ.get("SCENARI_BENCH_POSTGRES_URL"), args.sqlite_only)
    if postgres:
        os.environ["SCENARI_BENCH_POSTGRES_URL"] = postgres
    else:
        os.environ.pop("SCENARI_BENCH_POSTGRES_URL", None)
    print(f"PostgreSQL beside SQLite: {postgres or 'no (SQLite only)'}", flush=True)
    scripts = sorted(BENCH.glob("bench_*.py"))
    if args.only:
        wanted = {name.strip().removesuffix(".py") for name in args.only.split(",") if name.strip()}
        unknown = wanted - {s.stem for s in scripts}
        if unknown:
            parser.error(f"no such benchmark: {', '.join(sorted(unknown))}")
        scripts = [s for s in scripts if s.stem in wanted]
    timeout = args.timeout or (300.0 if args.quick else 3600.0)
    started, info, commit = datetime.now(timezone.utc), machine(), git_commit()
    info["postgres"] = postgres or ""
    logs = args.out.parent / "bench-logs"
    logs.mkdir(parents=True, exist_ok=True)
    runs = []
    for script in scripts:
        print(f"== {script.stem}{' --quick' if args.quick else ''}", flush=True)
        run = run_script(script, ["--quick"] if args.quick else [], timeout, logs / f"{script.stem}.log")
        print(f"== {script.stem}: {'FAILED ' + run.error if run.error else 'ok'} in {run.seconds:.0f} s", flush=True)
        runs.append(run)
    args.out.write_text(render_table(runs, started=started, info=info, commit=commit, quick=args.quick),
                        encoding="utf-8")
    failed = [r.script for r in runs if r.error]
    print(f"wrote {args.out} ({sum(len(r.results) for r in runs)} figures"
          f"{'; failed: ' + ', '.join(failed) if failed else ''})")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
