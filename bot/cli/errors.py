"""What went wrong, for an operator: one line naming the cause and the setting, nothing secret.

`scenari` commands meet the same few failures of the machine around them — the database cannot
be reached or does not exist, a folder cannot be written (a read-only file system, a path
whose parent is a file) — and a traceback of a hundred lines says none of it plainly, while its
SQL parameters can hold a password's hash or an answer. :func:`operator_error` turns such an
exception into one line (``bot.cli.main`` prints it and exits 2, importing this module only
then); anything else is a bug and keeps its traceback. The line shows the database URL with
its password masked and the driver's own message, never SQLAlchemy's, which carries the
statement and its parameters.
"""

from __future__ import annotations

import errno
import os
import socket
from pathlib import Path
from typing import Any

from sqlalchemy.engine import make_url
from sqlalchemy.exc import DBAPIError, SQLAlchemyError

from bot.web.session import DEFAULT_KEY_FILE

UNREACHABLE = (ConnectionError, TimeoutError, socket.gaierror)
FILE_ERRNOS = {errno.EROFS, errno.EACCES, errno.EPERM, errno.ENOTDIR, errno.EEXIST, errno.ENOENT, errno.ENOSPC}


def operator_error(exc: BaseException, settings: Any) -> str | None:
    """The one line for ``exc``, or None when it is not the machine's or a setting's fault."""
    url = _shown_url(settings.database_url)
    database = f"the database set by SCENARI_DATABASE_URL ({url})"
    if isinstance(exc, DBAPIError):
        return f"Scenari cannot use {database}: {_first_line(exc.orig) or type(exc.orig).__name__}."
    if isinstance(exc, SQLAlchemyError):  # no driver message: the class says enough, the text may hold SQL
        return f"Scenari cannot use {database}: {type(exc).__name__}."
    if isinstance(exc, UNREACHABLE):
        return f"Scenari cannot reach {database}: {_reason(exc)}."
    if isinstance(exc, OSError) and exc.errno in FILE_ERRNOS and exc.filename:
        path = os.fsdecode(exc.filename)
        return f"Scenari cannot write {path}: {_reason(exc)} ({_setting_for(Path(path), settings)})."
    if _driver_error(exc):  # asyncpg's own (e.g. a missing database) before SQLAlchemy wraps it
        return f"Scenari cannot use {database}: {_first_line(exc) or type(exc).__name__}."
    return None


def _setting_for(path: Path, settings: Any) -> str:
    """Which setting decides where ``path`` is written."""
    candidates: list[tuple[Path, str]] = []
    parsed = make_url(settings.database_url)
    if parsed.get_backend_name() == "sqlite" and parsed.database:
        candidates.append((Path(parsed.database), "the database file is set by SCENARI_DATABASE_URL"))
    candidates.append((DEFAULT_KEY_FILE, "the web's secret key is kept there unless SCENARI_SECRET_KEY is set"))
    exports = getattr(settings, "exports_dir", None)
    if exports:
        candidates.append((Path(exports), "the tables are written into SCENARI_EXPORTS_DIR"))
    target = path.absolute()
    for file, setting in candidates:
        file = file.absolute()
        if target == file or target in file.parents or file in target.parents:
            return setting
    return "set SCENARI_DATABASE_URL, SCENARI_EXPORTS_DIR and SCENARI_SECRET_KEY to writable places"


def _driver_error(exc: BaseException) -> bool:
    module = type(exc).__module__ or ""
    return module.startswith(("asyncpg", "aiosqlite", "sqlite3"))


def _shown_url(url: str) -> str:
    try:
        return make_url(url).render_as_string(hide_password=True)
    except Exception:  # noqa: BLE001 - an unparsable URL is reported by the settings already
        return "?"


def _reason(exc: OSError) -> str:
    text = os.strerror(exc.errno) if exc.errno else (exc.strerror or _first_line(exc) or type(exc).__name__)
    return text.lower()


def _first_line(exc: BaseException | None) -> str:
    text = str(exc or "").strip()
    return text.splitlines()[0] if text else ""
