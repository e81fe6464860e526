"""The attendance list of a workshop or meeting, for the organisers (CSV or XLSX).

One row per person who answered the invitation: confirmed first, then the waiting list in
order, then "maybe" and "no". Pseudonyms and the organisation from the public register only —
never a Telegram id or a contact person.
"""

from __future__ import annotations

import io
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import pandas as pd

from .files import write_private
from .safety import neutralise_frame

COLUMNS = ["status", "waiting_position", "answer", "respondent", "organisation", "category", "language",
           "answered_at", "waiting_since"]


def attendance_frame(rows: Sequence[dict[str, Any]]) -> pd.DataFrame:
    frame = pd.DataFrame(list(rows), columns=COLUMNS)
    for column in ("answered_at", "waiting_since"):
        frame[column] = pd.to_datetime(frame[column], utc=True).dt.tz_convert("Europe/Rome").dt.tz_localize(None)
    frame["waiting_position"] = frame["waiting_position"].astype("Int64")
    return frame


def write_attendance(rows: Sequence[dict[str, Any]], path: Path | str, title: str = "") -> Path:
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    frame = neutralise_frame(attendance_frame(rows))
    if path.suffix.lower() == ".csv":
        return write_private(path, frame.to_csv(index=False).encode("utf-8"))
    buffer = io.BytesIO()
    with pd.ExcelWriter(buffer, engine="openpyxl") as writer:
        frame.to_excel(writer, sheet_name=_sheet(title), index=False)
    return write_private(path, buffer.getvalue())


def _sheet(title: str) -> str:
    clean = "".join(c for c in title if c not in "[]:*?/\\")[:31].strip()
    return clean or "presenze"
