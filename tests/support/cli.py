"""The `scenari` command as an operator runs it: the installed script, in a subprocess, clean environment.

``scenari(*args)`` runs it with no ``SCENARI_*`` or ``TELEGRAM_*`` variable from the outer
environment but those in ``env`` (nor a `.env`, unless ``cwd`` holds one); ``db=`` points it at a
SQLite file and runs it from that file's folder. ``query`` reads what a command left in that file.
"""

from __future__ import annotations

import os
import sqlite3
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
SCENARI = Path(sys.executable).with_name("scenari")


def scenari(
    *args: str,
    env: dict[str, str] | None = None,
    stdin: str | None = None,
    cwd: Path | None = None,
    db: Path | None = None,
) -> subprocess.CompletedProcess[str]:
    """Run the installed `scenari ARGS`; ``db``: the SQLite file to use (``env`` may still override it)."""
    clean = {k: v for k, v in os.environ.items() if not k.startswith(("SCENARI_", "TELEGRAM_"))}
    if db is not None:
        clean["SCENARI_DATABASE_URL"] = f"sqlite:///{db}"
        cwd = cwd or db.parent
    return subprocess.run(
        [str(SCENARI), *args], input=stdin, capture_output=True, text=True, timeout=120,
        env={**clean, **(env or {})}, cwd=cwd,
    )


def query(db: Path, sql: str) -> list[tuple]:  # type: ignore[type-arg]
    """The rows of ``sql`` on the SQLite file ``db`` (or nothing, for a statement)."""
    with sqlite3.connect(db) as connection:
        return connection.execute(sql).fetchall()
