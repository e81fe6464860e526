"""Exports of the register, the project cards and their ratings (CSV or XLSX).

Pseudonymous like every export: respondents and raters appear by pseudonym only; actors'
organisations are public, their contact persons are personal data and are never exported.
Text cells are neutralised for spreadsheets.
"""

from __future__ import annotations

import io
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import pandas as pd

from storage.ratings import INDICES, CardExport, RatingExport
from storage.register import ActorExport

from .raw import ExportFormat, _cell, _naive_utc
from .files import write_private
from .safety import neutralise_frame

CARD_FIELDS = ("partners", "description", "funding", "start_year", "end_year", "results")
SCORE_COLUMNS = ["raters", "overall", "sd", "min", "max"] + [f"mean_{key}" for key in INDICES]


def actors_frame(actors: Sequence[ActorExport]) -> pd.DataFrame:
    columns = ["code", "organisation", "category", "state", "invitations", "invitations_used", "respondents",
               "created_at", "answered_at"]
    return pd.DataFrame.from_records(
        [
            {**{c: getattr(a, c) for c in columns}, "created_at": _naive_utc(a.created_at), "answered_at": _naive_utc(a.answered_at)}
            for a in actors
        ],
        columns=columns,
    )


def cards_frame(cards: Sequence[CardExport]) -> pd.DataFrame:
    """One row per card: what it says and its aggregate rating across raters."""
    extra = sorted({key for c in cards for key in c.fields} - set(CARD_FIELDS) - {"title", "promoter", "theme", "stage", "cost"})
    columns = ["card", "source_run", "source_item", "questionnaire", "submitted_by", "title", "promoter", "theme",
               "stage", "cost", *CARD_FIELDS, *extra, "created_at", *SCORE_COLUMNS]
    records = []
    for c in cards:
        record: dict[str, Any] = {
            "card": c.card, "source_run": c.source_run, "source_item": c.source_item, "questionnaire": c.questionnaire,
            "submitted_by": c.submitted_by, "title": c.title, "promoter": c.promoter, "theme": c.theme,
            "stage": c.stage, "cost": c.cost, "created_at": _naive_utc(c.created_at),
        }
        for key in (*CARD_FIELDS, *extra):
            record[key] = _cell(c.fields.get(key))
        record.update(_scores(c))
        records.append(record)
    return pd.DataFrame.from_records(records, columns=columns)


def ratings_frame(ratings: Sequence[RatingExport], cards: Sequence[CardExport] = ()) -> pd.DataFrame:
    """One row per completed rating, with its card's aggregate beside it (``card_…`` columns)."""
    by_card = {c.card: c for c in cards}
    card_columns = [f"card_{name}" for name in SCORE_COLUMNS]
    columns = ["card", "title", "rater", *INDICES, "overall", "comment", "completed_at", *card_columns]
    records = []
    for r in ratings:
        record: dict[str, Any] = {
            "card": r.card, "title": r.title, "rater": r.rater, **{key: r.scores.get(key) for key in INDICES},
            "overall": r.overall, "comment": r.comment, "completed_at": _naive_utc(r.completed_at),
        }
        card = by_card.get(r.card)
        if card is not None:
            record.update({f"card_{name}": value for name, value in _scores(card).items()})
        records.append(record)
    return pd.DataFrame.from_records(records, columns=columns)


def _scores(card: CardExport) -> dict[str, Any]:
    return {
        "raters": card.raters, "overall": card.overall, "sd": card.sd, "min": card.min, "max": card.max,
        **{f"mean_{key}": card.index_means.get(key) for key in INDICES},
    }


def table_bytes(table: str, rows: Sequence[Any], fmt: ExportFormat, cards: Sequence[CardExport] | None = None) -> bytes:
    if table == "actors":
        frame = actors_frame(rows)
    elif table == "cards":
        frame = cards_frame(rows)
    elif table == "ratings":
        frame = ratings_frame(rows, cards or ())
    else:
        raise ValueError(f"unknown table {table!r}; use actors, cards or ratings")
    frame = neutralise_frame(frame)
    buffer = io.BytesIO()
    if fmt == "csv":
        frame.to_csv(buffer, index=False, encoding="utf-8")
    elif fmt == "xlsx":
        with pd.ExcelWriter(buffer, engine="openpyxl") as writer:
            frame.to_excel(writer, sheet_name=table, index=False)
            if table == "ratings" and cards:
                neutralise_frame(cards_frame(cards)).to_excel(writer, sheet_name="cards", index=False)
    else:
        raise ValueError(f"unknown export format {fmt!r}; use csv or xlsx")
    return buffer.getvalue()


def write_table(
    table: str, rows: Sequence[Any], fmt: ExportFormat, out: Path | str, cards: Sequence[CardExport] | None = None
) -> Path:
    out = Path(out)
    out.parent.mkdir(parents=True, exist_ok=True)
    write_private(out, table_bytes(table, rows, fmt, cards))
    return out
