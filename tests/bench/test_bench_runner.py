"""bench/run_all.py, the runner behind `make bench`: it reads the benchmarks' RESULT lines and writes one
table, and a benchmark that fails is listed with its error instead of stopping the run.

No figure is measured here and nothing asserts time: the scripts under test are tiny stand-ins.
"""

from __future__ import annotations

from datetime import datetime, timezone
from pathlib import Path

from bench.run_all import Result, ScriptRun, parse_result, parse_results, postgres_url, render_table, run_script

INFO = {"cores": "2", "load": "1.50, 1.20, 0.90", "platform": "Linux", "python": "3.12.0"}


def test_a_result_line_with_ceiling_and_ratio() -> None:
    r = parse_result("RESULT web_answers 612 answers/s ceiling=790 ratio=0.77")
    assert r == Result("web_answers", "612", "answers/s", "790", "0.77")


def test_p99_and_ceiling_only_lines_leave_the_missing_fields_empty() -> None:
    assert parse_result("RESULT bot_p99_at_200 41.5 ms") == Result("bot_p99_at_200", "41.5", "ms")
    peak = parse_result("RESULT tables_1m_peak 700 MiB ceiling=650")
    assert peak is not None and (peak.ceiling, peak.ratio) == ("650", "")


def test_other_lines_are_not_results() -> None:
    text = "answers/s: 44\nRESULT\n  RESULT a 1 s\nRESULTS x 1 s\nRESULT b 2\n"
    assert [r.name for r in parse_results(text)] == ["a", "b"]


def test_the_table_lists_figures_failures_and_scripts_without_results() -> None:
    runs = [
        ScriptRun("bench_bot", [Result("bot_answers", "300", "answers/s", "1000", "0.30"),
                                Result("bot_p99_at_200", "12.0", "ms")], 20.0),
        ScriptRun("bench_web", [], 3.0, error="exit 1: RuntimeError: scenari serve did not start"),
        ScriptRun("bench_odd", [], 1.0),
    ]
    md = render_table(runs, started=datetime(2026, 12, 2, 14, 0, tzinfo=timezone.utc), info=INFO,
                      commit="abc1234", quick=True)
    assert "2026-12-02 14:00 UTC" in md and "2 cores, load average at start 1.50, 1.20, 0.90" in md
    assert "commit: abc1234" in md
    assert "| bench_bot | bot_answers | 300 | answers/s | 1000 | 0.30 |" in md
    assert "| bench_bot | bot_p99_at_200 | 12.0 | ms | — | — |" in md
    assert "| bench_web | **failed** |" in md
    assert "failed: exit 1: RuntimeError: scenari serve did not start" in md
    assert "| bench_odd | **no RESULT lines** |" in md


def test_a_failing_script_keeps_its_figures_and_its_last_error_line(tmp_path: Path) -> None:
    script = tmp_path / "bench_broken.py"
    script.write_text("print('RESULT first 1.5 s')\nraise SystemExit('no database here')\n", encoding="utf-8")
    run = run_script(script, [], timeout=120, log=tmp_path / "broken.log")
    assert run.results == [Result("first", "1.5", "s")]
    assert run.error == "exit 1: no database here"
    assert "RESULT first 1.5 s" in (tmp_path / "broken.log").read_text(encoding="utf-8")


def test_the_postgres_server_measured_is_the_one_named_first():
    named, environment = "postgresql+asyncpg://a@h/x", "postgresql+asyncpg://b@h/y"
    assert postgres_url(named, environment) == named
    assert postgres_url(None, environment) == environment
    assert postgres_url(named, environment, sqlite_only=True) is None
