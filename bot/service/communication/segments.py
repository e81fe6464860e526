"""Segments: who a broadcast reaches, written ``category=firm,culture;lang=it`` or saved by name.

The filters themselves, and the counting, are :mod:`storage.audiences`'; here they are read
from what an analyst types and written back for the status lines.
"""

from __future__ import annotations

import re
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from storage import audiences


def parse_segment(spec: str) -> dict[str, list[str]]:
    """``category=firm,culture;lang=it`` (or ``all``) → a checked segment."""
    spec = (spec or "").strip()
    if spec in ("", "all", "tutti"):
        return {}
    segment: dict[str, list[str]] = {}
    for part in re.split(r"[;\s]+", spec):
        if not part:
            continue
        if "=" not in part:
            raise audiences.SegmentError(f"expected filter=value, got {part!r}")
        key, values = part.split("=", 1)
        segment[key.strip().lower()] = [v for v in values.split(",") if v.strip()]
    return audiences.check_segment(segment)


def describe_segment(segment: dict[str, Any]) -> str:
    """A segment as an analyst writes it (``all`` for everybody)."""
    if not segment:
        return "all"
    return ";".join(f"{k}={','.join(v)}" for k, v in sorted(segment.items()))


async def resolve_segment(session: AsyncSession, spec: str) -> dict[str, Any]:
    """A saved segment's name, or a spec (:func:`parse_segment`)."""
    saved = await audiences.get_segment(session, spec) if spec and "=" not in spec and spec not in ("all", "tutti") else None
    return saved if saved is not None else parse_segment(spec)
