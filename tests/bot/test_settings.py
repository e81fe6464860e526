"""Settings from the environment: good values are read, a bad one stops with one clear line."""

from __future__ import annotations

import os
import subprocess
import sys
from datetime import timedelta
from pathlib import Path

import pytest

from bot.settings import DEFAULT_DATABASE_URL, Settings, SettingsError, load_settings
from exports.scheduler import RETENTION_ID, retention_spec
from tests.support.convergence_city import T0

SCENARI = Path(sys.executable).with_name("scenari")


def scenari(*args: str, env: dict[str, str] | None = None, stdin: str | None = None, cwd: Path | None = None):
    """Run the installed `scenari` command with no Scenari/Telegram setting but ``env``."""
    clean = {k: v for k, v in os.environ.items() if not k.startswith(("SCENARI_", "TELEGRAM_"))}
    return subprocess.run(
        [str(SCENARI), *args], input=stdin, capture_output=True, text=True, timeout=120,
        env={**clean, **(env or {})}, cwd=cwd,
    )


@pytest.fixture(autouse=True)
def clean(monkeypatch, tmp_path):
    """No Scenari variable from the outer environment, and no `.env` in the working folder."""
    for name in list(os.environ):
        if name.startswith(("SCENARI_", "TELEGRAM_")):
            monkeypatch.delenv(name)
    monkeypatch.chdir(tmp_path)


def test_defaults():
    settings = load_settings()
    assert settings.database_url == DEFAULT_DATABASE_URL
    assert settings.analysts == frozenset()
    assert settings.lang == "it"
    assert settings.run_expiry_hours == 24 * 14
    assert settings.telegram_bot_token is None
    assert settings.minimum_age == 14  # the age gate's threshold: Italy's age of digital consent


def test_values_from_the_environment(monkeypatch):
    monkeypatch.setenv("SCENARI_ANALYSTS", " 12, 345 ,")
    monkeypatch.setenv("SCENARI_DATABASE_URL", "postgresql://scenari@db/scenari")
    monkeypatch.setenv("SCENARI_LANG", " EN ")
    monkeypatch.setenv("SCENARI_RUN_EXPIRY_HOURS", "1.5")
    monkeypatch.setenv("TELEGRAM_API_BASE", "http://127.0.0.1:8081/")
    monkeypatch.setenv("SCENARI_MINIMUM_AGE", "16")
    settings = load_settings()
    assert settings.minimum_age == 16
    assert settings.analysts == frozenset({12, 345})
    assert settings.database_url == "postgresql://scenari@db/scenari"
    assert settings.lang == "en"
    assert settings.run_expiry_hours == 1.5
    assert settings.telegram_api_base == "http://127.0.0.1:8081"


def test_values_from_a_dotenv_file(tmp_path):
    (tmp_path / ".env").write_text("SCENARI_LANG=en\nSCENARI_ANALYSTS=7\n", encoding="utf-8")
    settings = load_settings()
    assert settings.lang == "en" and settings.analysts == frozenset({7})


@pytest.mark.parametrize(
    ("variable", "value", "message"),
    [
        ("SCENARI_ANALYSTS", "alice,bob", "SCENARI_ANALYSTS: expected comma-separated Telegram user ids, got 'alice'"),
        ("SCENARI_ANALYSTS", "12;34", "SCENARI_ANALYSTS: expected comma-separated Telegram user ids, got '12;34'"),
        ("SCENARI_DATABASE_URL", "mysql://root@localhost/scenari", "SCENARI_DATABASE_URL: only SQLite and PostgreSQL are supported"),
        ("SCENARI_DATABASE_URL", "var/scenari.db", "SCENARI_DATABASE_URL: not a database URL (e.g. sqlite:///var/scenari.db)"),
        ("SCENARI_LANG", "fr", "SCENARI_LANG: 'fr' is not a language of the plan (it, en)"),
        ("SCENARI_LANG", "italiano", "SCENARI_LANG: must be a two-letter language code"),
        ("SCENARI_RUN_EXPIRY_HOURS", "0", "SCENARI_RUN_EXPIRY_HOURS: "),
        ("SCENARI_RUN_EXPIRY_HOURS", "two weeks", "SCENARI_RUN_EXPIRY_HOURS: "),
        ("SCENARI_MINIMUM_AGE", "13", "SCENARI_MINIMUM_AGE: 13 is under 14, the age a child may consent alone in Italy"),
        ("SCENARI_MINIMUM_AGE", "21", "SCENARI_MINIMUM_AGE: 21 is over 18"),
        ("SCENARI_MINIMUM_AGE", "quattordici", "SCENARI_MINIMUM_AGE: "),
        ("TELEGRAM_API_BASE", "api.telegram.org", "TELEGRAM_API_BASE: must start with http:// or https://"),
    ],
)
def test_a_bad_value_names_the_variable(monkeypatch, variable, value, message):
    monkeypatch.setenv(variable, value)
    with pytest.raises(SettingsError) as excinfo:
        load_settings()
    text = str(excinfo.value)
    assert text.startswith(f"Configuration error: {message}")
    assert "\n" not in text


@pytest.mark.parametrize(
    ("variable", "value", "line"),
    [
        ("SCENARI_ANALYSTS", "alice", "Configuration error: SCENARI_ANALYSTS: expected comma-separated Telegram user ids, got 'alice'"),
        ("SCENARI_DATABASE_URL", "mysql://root@localhost/scenari", "Configuration error: SCENARI_DATABASE_URL: only SQLite and PostgreSQL are supported"),
        ("SCENARI_DATABASE_URL", "::::", "Configuration error: SCENARI_DATABASE_URL: not a database URL (e.g. sqlite:///var/scenari.db)"),
    ],
)
def test_scenari_export_stops_on_a_bad_setting(tmp_path, variable, value, line):
    result = scenari("export", "-q", "imprese", "-f", "csv", "-o", str(tmp_path / "out.csv"),
                     env={variable: value}, cwd=tmp_path)
    assert result.returncode == 2
    assert result.stderr.splitlines() == [line]
    assert result.stdout == ""
    assert "Traceback" not in result.stderr
    assert not (tmp_path / "out.csv").exists()
    assert not (tmp_path / "var").exists()  # no database was created either


def test_the_service_schedules_the_retention_job_daily(db):
    spec = retention_spec(Settings(SCENARI_RETENTION_FREE_TEXT_DAYS="30").schedule_options(), db)  # type: ignore[call-arg]
    assert spec.name == RETENTION_ID and spec.work.policy.free_text_days == 30  # type: ignore[attr-defined]
    first = spec.next_after(T0)
    assert spec.next_after(first) - first == timedelta(days=1)


def test_a_plan_whose_languages_are_wrong_is_named_in_one_line(monkeypatch):
    folder = Path(__file__).resolve().parents[1] / "data" / "plans" / "bad_manifest"
    monkeypatch.setenv("SCENARI_PLAN_DIR", str(folder))
    with pytest.raises(SettingsError) as excinfo:
        load_settings()
    assert str(excinfo.value) == (f"Configuration error: SCENARI_PLAN_DIR: {folder / 'plan.yaml'}: languages: "
                                  "not a two-letter language code: 'deutsch'")


def test_the_default_language_is_the_plans_first(monkeypatch, tmp_path):
    (tmp_path / "plan.yaml").write_text("languages: [de, it, en]\n", encoding="utf-8")
    monkeypatch.setenv("SCENARI_PLAN_DIR", str(tmp_path))
    assert load_settings().lang == "de"
    monkeypatch.setenv("SCENARI_LANG", "en")
    assert load_settings().lang == "en"
