"""The declarative base every model shares: one metadata with the naming convention, JSON types.

The schema itself is made only by the Alembic migrations; they and the schema-drift test read
``Base.metadata``, which every module of this package fills by defining its models on ``Base``.
"""

from __future__ import annotations

import secrets
from datetime import datetime, timezone
from typing import Any

from sqlalchemy import JSON, MetaData
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import DeclarativeBase

NAMING = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


# JSONB on PostgreSQL: it compares and groups (plain json cannot), which aggregations need.
JSONValue = JSON().with_variant(JSONB(), "postgresql")


def utcnow() -> datetime:
    return datetime.now(timezone.utc)


def new_pseudonym() -> str:
    """A random public id: exports and callback data carry this, never a Telegram id."""
    return secrets.token_hex(6)


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING)
    type_annotation_map = {dict[str, Any]: JSONValue, Any: JSONValue}
