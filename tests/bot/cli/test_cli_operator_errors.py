"""The machine's failures, as an operator meets them: one line naming cause and setting, exit 2.

Each case runs the real `scenari` command in a subprocess, the way an operator would: a
PostgreSQL that cannot be reached or lacks the database, a read-only file system under var/
(a real read-only tmpfs mount), a busy port for `serve`, and an `analysts add` whose insert
fails — which used to print the new password's argon2 hash inside a traceback.
"""

from __future__ import annotations

import socket
import sqlite3
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy.engine import make_url

from tests.support.cli import scenari

PASSWORD = "una-password-lunga-e-segreta"


def one_line(result: subprocess.CompletedProcess[str]) -> str:
    """The single line of standard error (and no traceback anywhere)."""
    assert result.returncode == 2, result.stderr
    assert "Traceback" not in result.stderr + result.stdout
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    return lines[0]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_an_unreachable_postgresql_is_one_line_with_the_password_masked():
    url = f"postgresql+asyncpg://scenari:{PASSWORD}@127.0.0.1:{free_port()}/scenari"
    line = one_line(scenari("db", "upgrade", env={"SCENARI_DATABASE_URL": url}))
    assert "cannot reach the database set by SCENARI_DATABASE_URL" in line and "connection refused" in line
    assert PASSWORD not in line and "scenari:***@127.0.0.1" in line


def test_a_missing_postgresql_database_is_named(postgres_url_or_skip: str):
    url = make_url(postgres_url_or_skip).set(database="scenari_no_such_database", password=PASSWORD)
    line = one_line(scenari("analysts", "list", env={"SCENARI_DATABASE_URL": url.render_as_string(hide_password=False)}))
    assert "SCENARI_DATABASE_URL" in line and 'database "scenari_no_such_database" does not exist' in line
    assert PASSWORD not in line


@pytest.fixture
def postgres_url_or_skip() -> str:
    import os

    url = os.environ.get("SCENARI_TEST_POSTGRES_URL")
    if not url:
        pytest.skip("SCENARI_TEST_POSTGRES_URL is not set (.ci/run sets it): no PostgreSQL server to ask")
    return url


@pytest.fixture
def read_only_dir(tmp_path: Path) -> Iterator[Path]:
    """A real read-only file system (a tmpfs mounted ro): chmod alone does not stop root."""
    folder = tmp_path / "ro"
    folder.mkdir()
    mounted = subprocess.run(["mount", "-t", "tmpfs", "-o", "ro,size=1m", "tmpfs", str(folder)], capture_output=True)
    if mounted.returncode != 0:
        pytest.skip(f"cannot mount a read-only tmpfs here: {mounted.stderr.decode().strip()}")
    try:
        yield folder
    finally:
        subprocess.run(["umount", str(folder)], check=True)


@pytest.mark.parametrize("command", [("db", "upgrade"), ("analysts", "list"), ("questionnaires", "list")])
def test_a_read_only_var_folder_is_one_line_naming_the_setting(read_only_dir: Path, command: tuple[str, ...]):
    result = scenari(*command, cwd=read_only_dir)  # the default database: var/scenari.db under the working folder
    if command == ("questionnaires", "list"):  # needs no database: it must still work
        assert result.returncode == 0, result.stderr
        return
    line = one_line(result)
    assert line == "Scenari cannot write var: read-only file system (the database file is set by SCENARI_DATABASE_URL)."


def test_serve_on_a_busy_port_is_one_line_naming_the_setting(tmp_path: Path):
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        port = busy.getsockname()[1]
        result = scenari("serve", "--port", str(port), env={
            "SCENARI_DATABASE_URL": f"sqlite:///{tmp_path / 'serve.db'}", "SCENARI_SECRET_KEY": "k" * 32,
        })
    line = one_line(result)
    assert line.startswith(f"Scenari cannot listen on 127.0.0.1:{port}: address already in use")
    assert "SCENARI_PORT" in line and "serving" not in result.stdout


def test_a_failing_analysts_add_prints_neither_the_hash_nor_the_password(tmp_path: Path):
    env = {"SCENARI_DATABASE_URL": f"sqlite:///{tmp_path / 'analysts.db'}"}
    assert scenari("db", "upgrade", env=env).returncode == 0
    with sqlite3.connect(tmp_path / "analysts.db") as con:  # the insert fails inside the database
        con.execute("CREATE TRIGGER refuse BEFORE INSERT ON analyst_accounts "
                    "BEGIN SELECT RAISE(ABORT, 'database or disk is full'); END")
    result = scenari("analysts", "add", "anna", "--password-stdin", env=env, stdin=PASSWORD + "\n")
    line = one_line(result)
    assert "SCENARI_DATABASE_URL" in line and "database or disk is full" in line
    assert "$argon2" not in result.stderr + result.stdout and PASSWORD not in result.stderr + result.stdout
