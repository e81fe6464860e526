"""Stored learned theme models (``learned_models``). Callers own the transaction.

The model itself is an opaque document for this module: ``nlp.learned`` turns it into plain
JSON data, and we keep it gzip-compressed. A tagger uses the newest model trained for its own
taxonomy version; models of other versions stay as history until someone trains again.
"""

from __future__ import annotations

import gzip
import json
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from .models import LearnedModel, utcnow


@dataclass(frozen=True)
class StoredModel:
    """One stored model: its id (the model's version), what it was trained for, its data."""

    id: int
    taxonomy_version: str
    rules_method: str
    trained_at: datetime
    texts: int
    themes: tuple[str, ...]
    metrics: dict[str, Any]
    data: dict[str, Any]


async def save_model(
    session: AsyncSession,
    *,
    taxonomy_version: str,
    rules_method: str,
    texts: int,
    themes: list[str],
    data: dict[str, Any],
    metrics: dict[str, Any] | None = None,
    now: datetime | None = None,
) -> int:
    """Store a newly trained model; returns its id (the version the suggestions will carry)."""
    row = LearnedModel(
        taxonomy_version=taxonomy_version,
        rules_method=rules_method[:120],
        trained_at=now or utcnow(),
        texts=texts,
        themes=list(themes),
        metrics=dict(metrics or {}),
        payload=gzip.compress(json.dumps(data, separators=(",", ":")).encode("utf-8")),
    )
    session.add(row)
    await session.flush()
    return row.id


async def latest_model_id(session: AsyncSession, taxonomy_version: str) -> int | None:
    """Id of the newest model for ``taxonomy_version`` (cheap: lets a worker notice a new one)."""
    return await session.scalar(
        select(func.max(LearnedModel.id)).where(LearnedModel.taxonomy_version == taxonomy_version)
    )


async def latest_model(session: AsyncSession, taxonomy_version: str) -> StoredModel | None:
    """The newest model trained for ``taxonomy_version``, or None when there is none."""
    model_id = await latest_model_id(session, taxonomy_version)
    if model_id is None:
        return None
    row = await session.get(LearnedModel, model_id)
    if row is None:  # pragma: no cover - deleted between the two statements
        return None
    return StoredModel(
        id=row.id,
        taxonomy_version=row.taxonomy_version,
        rules_method=row.rules_method,
        trained_at=row.trained_at,
        texts=row.texts,
        themes=tuple(row.themes or ()),
        metrics=dict(row.metrics or {}),
        data=json.loads(gzip.decompress(row.payload).decode("utf-8")),
    )
