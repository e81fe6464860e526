"""The parse modes: Telegram's HTML, MarkdownV2 and legacy Markdown, each parsed to the visible
text plus its entities, with offsets in UTF-16 code units as Telegram counts them.

The parsers *validate* like Telegram does: an unsupported tag or an unescaped reserved character is
the "can't parse entities" error the real server gives, so a test catches what production would.
"""

from __future__ import annotations

import re

from .base import Json, bad_request


class TelegramParseError(ValueError):
    """Raised by the text-markup parsers; message is Telegram's wording."""


def u16(text: str) -> int:
    """Length of ``text`` in UTF-16 code units (Telegram's unit for entity offsets)."""
    return len(text.encode("utf-16-le")) // 2


def byte_offset(text: str, index: int) -> int:
    """Where ``text[index]`` starts in UTF-8 bytes: Telegram's parse errors count in bytes."""
    return len(text[:index].encode("utf-8"))


_HTML_TAGS: dict[str, str] = {
    "b": "bold",
    "strong": "bold",
    "i": "italic",
    "em": "italic",
    "u": "underline",
    "ins": "underline",
    "s": "strikethrough",
    "strike": "strikethrough",
    "del": "strikethrough",
    "tg-spoiler": "spoiler",
    "span": "spoiler",
    "a": "text_link",
    "code": "code",
    "pre": "pre",
    "blockquote": "blockquote",
    "tg-emoji": "custom_emoji",
}
_HTML_NAMED = {"lt": "<", "gt": ">", "amp": "&", "quot": '"'}
_ATTR_RE = re.compile(r"""([a-zA-Z_:-]+)\s*=\s*(?:"([^"]*)"|'([^']*)'|([^\s"'>]+))""")


def parse_html(source: str) -> tuple[str, list[Json]]:
    """Parse Telegram-flavoured HTML; return ``(visible_text, entities)``.

    Raises :class:`TelegramParseError` with Telegram's wording on unsupported
    tags (e.g. ``<br>``, ``<p>``), unescaped ``<``, unmatched/unclosed tags.
    """
    out: list[str] = []
    pos16 = 0
    stack: list[tuple[str, int, Json]] = []
    entities: list[Json] = []
    i, n = 0, len(source)
    while i < n:
        c = source[i]
        if c == "<":
            j = source.find(">", i)
            if j == -1:
                raise TelegramParseError(f"Unclosed start tag at byte offset {byte_offset(source, i)}")
            inner = source[i + 1 : j]
            if inner.startswith("/"):
                name = inner[1:].strip().lower()
                if not stack:
                    raise TelegramParseError(f"Unexpected end tag at byte offset {byte_offset(source, i)}")
                top_name, start, attrs = stack.pop()
                if name != top_name:
                    raise TelegramParseError(
                        f'Unmatched end tag at byte offset {byte_offset(source, i)}, '
                        f'expected "</{top_name}>", found "</{name}>"'
                    )
                length = pos16 - start
                if length > 0:
                    entity: Json = {"type": _HTML_TAGS[top_name], "offset": start, "length": length}
                    if top_name == "a":
                        entity["url"] = attrs.get("href", "")
                    if top_name == "pre" and attrs.get("language"):
                        entity["language"] = attrs["language"]
                    if top_name == "tg-emoji":
                        entity["custom_emoji_id"] = attrs.get("emoji-id", "")
                    entities.append(entity)
            else:
                m = re.match(r"([a-zA-Z][a-zA-Z0-9-]*)", inner)
                name = m.group(1).lower() if m else ""
                if name not in _HTML_TAGS:
                    raise TelegramParseError(
                        f'Unsupported start tag "{name}" at byte offset {byte_offset(source, i)}'
                    )
                attrs = {
                    a.lower(): next(v for v in (v1, v2, v3) if v is not None)
                    for a, v1, v2, v3 in _ATTR_RE.findall(inner[len(name) :])
                }
                if name == "span" and attrs.get("class") != "tg-spoiler":
                    raise TelegramParseError(
                        f'Tag "span" must have class "tg-spoiler" at byte offset {byte_offset(source, i)}'
                    )
                if name == "code" and stack and stack[-1][0] == "pre" and "class" in attrs:
                    lang = attrs["class"].removeprefix("language-")
                    stack[-1][2]["language"] = lang
                stack.append((name, pos16, attrs))
            i = j + 1
            continue
        if c == "&":
            m = re.match(r"&(#x[0-9a-fA-F]+|#[0-9]+|[a-zA-Z]+);", source[i:])
            if m:
                ref = m.group(1)
                decoded: str | None
                if ref.startswith("#x"):
                    decoded = chr(int(ref[2:], 16))
                elif ref.startswith("#"):
                    decoded = chr(int(ref[1:]))
                else:
                    decoded = _HTML_NAMED.get(ref)
                if decoded is not None:
                    out.append(decoded)
                    pos16 += u16(decoded)
                    i += len(m.group(0))
                    continue
        out.append(c)
        pos16 += u16(c)
        i += 1
    if stack:
        raise TelegramParseError(f'Can\'t find end tag corresponding to start tag "{stack[-1][0]}"')
    entities.sort(key=lambda e: (e["offset"], -e["length"]))
    return "".join(out), entities


_MDV2_RESERVED = set("_*[]()~`>#+-=|{}.!")
_MDV2_NAMES = {"*": "Bold", "_": "Italic", "__": "Underline", "~": "Strikethrough", "||": "Spoiler", "[": "TextUrl"}
_MDV2_TYPES = {"*": "bold", "_": "italic", "__": "underline", "~": "strikethrough", "||": "spoiler"}


def parse_markdown_v2(source: str) -> tuple[str, list[Json]]:
    """Parse Telegram MarkdownV2; return ``(visible_text, entities)``.

    Raises :class:`TelegramParseError` e.g. for an unescaped reserved character
    (``Character '.' is reserved and must be escaped with the preceding '\\'``)
    or an unclosed entity.
    """
    out: list[str] = []
    pos16 = 0
    stack: list[tuple[str, int, int]] = []  # marker, start16, source index
    entities: list[Json] = []
    i, n = 0, len(source)

    def emit(s: str) -> None:
        nonlocal pos16
        out.append(s)
        pos16 += u16(s)

    def unescape(s: str) -> str:
        return re.sub(r"\\([\x01-\x7e])", r"\1", s)

    while i < n:
        c = source[i]
        if c == "\\" and i + 1 < n and ord(source[i + 1]) <= 126:
            emit(source[i + 1])
            i += 2
            continue
        if c == "`":
            if source.startswith("```", i):
                end = source.find("```", i + 3)
                if end == -1:
                    raise TelegramParseError(
                        f"Can't find end of Pre entity at byte offset {byte_offset(source, i)}"
                    )
                content = source[i + 3 : end]
                language = None
                if "\n" in content:
                    first, rest = content.split("\n", 1)
                    if first and re.fullmatch(r"[\w+#.-]+", first):
                        language, content = first, rest
                text = unescape(content)
                start = pos16
                emit(text)
                entity: Json = {"type": "pre", "offset": start, "length": pos16 - start}
                if language:
                    entity["language"] = language
                entities.append(entity)
                i = end + 3
                continue
            m = re.compile(r"((?:\\.|[^`\\])*)`", re.S).match(source, i + 1)
            if not m:
                raise TelegramParseError(f"Can't find end of Code entity at byte offset {byte_offset(source, i)}")
            start = pos16
            emit(unescape(m.group(1)))
            entities.append({"type": "code", "offset": start, "length": pos16 - start})
            i = m.end()
            continue
        if c in "*_~|":
            marker = c
            if c == "_" and source.startswith("__", i):
                marker = "__"
            if c == "|":
                if not source.startswith("||", i):
                    raise TelegramParseError("Character '|' is reserved and must be escaped with the preceding '\\'")
                marker = "||"
            if stack and stack[-1][0] == marker:
                _, start, _ = stack.pop()
                if pos16 > start:
                    entities.append({"type": _MDV2_TYPES[marker], "offset": start, "length": pos16 - start})
            else:
                stack.append((marker, pos16, i))
            i += len(marker)
            continue
        if c == "[":
            stack.append(("[", pos16, i))
            i += 1
            continue
        if c == "]" and stack and stack[-1][0] == "[":
            _, start, _ = stack.pop()
            m = re.compile(r"\(((?:\\.|[^)\\])*)\)").match(source, i + 1)
            if not m:
                raise TelegramParseError("Character ']' is reserved and must be escaped with the preceding '\\'")
            if pos16 > start:
                entities.append(
                    {"type": "text_link", "offset": start, "length": pos16 - start, "url": unescape(m.group(1))}
                )
            i = m.end()
            continue
        if c == ">" and (i == 0 or source[i - 1] == "\n"):
            i += 1
            continue
        if c in _MDV2_RESERVED:
            raise TelegramParseError(f"Character '{c}' is reserved and must be escaped with the preceding '\\'")
        emit(c)
        i += 1
    if stack:
        marker, _, idx = stack[-1]
        raise TelegramParseError(
            f"Can't find end of {_MDV2_NAMES[marker]} entity at byte offset {byte_offset(source, idx)}"
        )
    entities.sort(key=lambda e: (e["offset"], -e["length"]))
    return "".join(out), entities


def parse_markdown(source: str) -> tuple[str, list[Json]]:
    """Parse legacy Telegram ``Markdown``; return ``(visible_text, entities)``."""
    out: list[str] = []
    pos16 = 0
    entities: list[Json] = []
    i, n = 0, len(source)
    types = {"*": "bold", "_": "italic", "`": "code"}
    while i < n:
        c = source[i]
        if source.startswith("```", i):
            end = source.find("```", i + 3)
            if end == -1:
                raise TelegramParseError(
                    f"Can't find end of the entity starting at byte offset {byte_offset(source, i)}"
                )
            text = source[i + 3 : end]
            entities.append({"type": "pre", "offset": pos16, "length": u16(text)})
            out.append(text)
            pos16 += u16(text)
            i = end + 3
            continue
        if c in types:
            end = source.find(c, i + 1)
            if end == -1:
                raise TelegramParseError(
                    f"Can't find end of the entity starting at byte offset {byte_offset(source, i)}"
                )
            text = source[i + 1 : end]
            if text:
                entities.append({"type": types[c], "offset": pos16, "length": u16(text)})
            out.append(text)
            pos16 += u16(text)
            i = end + 1
            continue
        if c == "[":
            m = re.compile(r"\[([^\]]*)\]\(([^)]*)\)").match(source, i)
            if m:
                text = m.group(1)
                entities.append({"type": "text_link", "offset": pos16, "length": u16(text), "url": m.group(2)})
                out.append(text)
                pos16 += u16(text)
                i = m.end()
                continue
        out.append(c)
        pos16 += u16(c)
        i += 1
    return "".join(out), entities


def render(text: str, parse_mode: str | None) -> tuple[str, list[Json]]:
    """The visible text and entities of ``text`` sent in ``parse_mode``; a parse error is Telegram's 400."""
    mode = (parse_mode or "").lower()
    try:
        if mode == "html":
            return parse_html(text)
        if mode == "markdownv2":
            return parse_markdown_v2(text)
        if mode == "markdown":
            return parse_markdown(text)
    except TelegramParseError as exc:
        raise bad_request(f"can't parse entities: {exc}") from None
    if mode:
        raise bad_request(f"unsupported parse_mode {parse_mode!r}")
    return text, []


_COMMAND_RE = re.compile(r"(?<!\S)/[A-Za-z0-9_]{1,32}(?:@[A-Za-z0-9_]{3,32})?")


def command_entities(text: str) -> list[Json]:
    """``bot_command`` entities for every ``/command`` token (UTF-16 offsets)."""
    return [
        {"type": "bot_command", "offset": u16(text[: m.start()]), "length": u16(m.group(0))}
        for m in _COMMAND_RE.finditer(text)
    ]
