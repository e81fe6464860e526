"""Export files are private: created readable by their owner only (mode 0600), whatever the umask.

Exports hold pseudonymous answers and free-text quotes; a world-readable file (the usual 0644)
would hand them to every account on the machine. Every writer in this package goes through
:func:`write_private`; an existing file is tightened too, since it is being replaced.
"""

from __future__ import annotations

import os
from pathlib import Path

PRIVATE_MODE = 0o600


def write_private(path: Path | str, content: bytes) -> Path:
    """Write ``content`` to ``path`` (mode 0600, created or truncated)."""
    path = Path(path)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, PRIVATE_MODE)
    try:
        os.fchmod(fd, PRIVATE_MODE)  # an older, wider file keeps its mode on O_CREAT: narrow it
        with os.fdopen(fd, "wb") as handle:
            fd = -1
            handle.write(content)
    finally:
        if fd != -1:
            os.close(fd)
    return path


def copy_private(source: Path | str, target: Path | str) -> Path:
    """Copy ``source`` to ``target`` as a private file."""
    return write_private(target, Path(source).read_bytes())
