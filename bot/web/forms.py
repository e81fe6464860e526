"""Reading the forms the browser posts: one size-capped, control-character-checked parser.

Both sides of the web app use it — the citizens' pages (:mod:`bot.web.citizen`) and the
analysts' dashboard (:mod:`bot.web.dashboard`) — so it lives apart from either: our forms are
``application/x-www-form-urlencoded`` only, which needs no multipart parser.
"""

from __future__ import annotations

from urllib.parse import parse_qsl, urlsplit

from starlette.datastructures import ImmutableMultiDict
from starlette.requests import Request

from dialogs.answers import has_control_characters

MAX_FORM_BYTES = 64 * 1024


class FormError(Exception):
    """A post refused before any work: ``status`` to answer, ``text_key`` of the page's explanation."""

    def __init__(self, status: int, text_key: str) -> None:
        super().__init__(text_key)
        self.status = status
        self.text_key = text_key


async def read_form(
    request: Request, limit: int = MAX_FORM_BYTES, free_text: frozenset[str] = frozenset()
) -> ImmutableMultiDict[str, str]:
    """An urlencoded form body, at most ``limit`` bytes (our forms post nothing else).

    A control character (a NUL, an escape…) in any field but the ``free_text`` ones refuses the
    form (400, ``control_chars``): no id, token or name with one reaches the database. Typed
    answers (``free_text``) go on to the engine, which refuses them with the question again.
    """
    content_type = request.headers.get("content-type", "").split(";")[0].strip().lower()
    if content_type != "application/x-www-form-urlencoded":
        raise FormError(400, "bad_form")
    declared = request.headers.get("content-length", "")
    if declared.isdigit() and int(declared) > limit:
        raise FormError(413, "too_large")
    chunks: list[bytes] = []
    size = 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > limit:
            raise FormError(413, "too_large")
        chunks.append(chunk)
    try:
        pairs = parse_qsl(b"".join(chunks).decode("utf-8", "replace"), keep_blank_values=True, max_num_fields=200)
    except ValueError:
        raise FormError(400, "bad_form") from None
    if any(has_control_characters(name) or (name not in free_text and has_control_characters(value))
           for name, value in pairs):
        raise FormError(400, "control_chars")
    return ImmutableMultiDict(pairs)


def safe_next(target: str | None) -> str:
    """Only a path on this site (no scheme, no host, no protocol-relative //)."""
    if not target or not target.startswith("/") or target.startswith("//") or "\\" in target:
        return "/"
    parts = urlsplit(target)
    if parts.scheme or parts.netloc:
        return "/"
    return target
