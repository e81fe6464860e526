"""The outbox's rich text, and the authors' Markdown turned into it.

Every message of the plan is stored as a small HTML subset — ``<b>``, ``<i>``, ``<s>``,
``<code>``, ``<a href>``, a new line for a line break — in ``outbox_messages.payload["html"]``
and in an event's invitation, and composed into it from a newsletter's Markdown
(:func:`markdown_html`). It is the one format a channel's sender reads: Telegram's takes it as
it is (parse mode HTML); a channel with other markup converts these five tags. Being stored,
it stays what the rows already in a database hold: changing it needs a migration.
"""

from __future__ import annotations

import html
import re

_CODE = re.compile(r"`([^`\n]+)`")
_LINK = re.compile(r"\[([^\]\n]+)\]\(([^)\s]+)\)")
_BOLD = re.compile(r"(\*\*|__)(?=\S)(.+?)(?<=\S)\1")
_ITALIC = re.compile(r"(?<![\w*])([*_])(?=\S)(.+?)(?<=\S)\1(?![\w*])")
_STRIKE = re.compile(r"~~(?=\S)(.+?)(?<=\S)~~")
_TAG = re.compile(r"</?([a-z]+)[^>]*>")
SAFE_URL = re.compile(r"^(https?://|tg://)[^\s<>\"']+$", re.I)


def markdown_html(source: str) -> str:
    """A small Markdown (bold, italic, strike, code, links, headings, bullets) as rich text.

    Everything is escaped first, so no HTML of the author's reaches a recipient; links must be
    http(s) or tg. If the markers do not nest properly the text is sent plain (escaped).
    """
    lines = []
    for line in source.replace("\r\n", "\n").split("\n"):
        heading = re.match(r"^\s{0,3}#{1,6}\s+(.*)$", line)
        bullet = re.match(r"^\s*[-*+]\s+(.*)$", line)
        if heading:
            lines.append(f"<b>{_inline(heading.group(1))}</b>")
        elif bullet:
            lines.append(f"• {_inline(bullet.group(1))}")
        else:
            lines.append(_inline(line))
    rendered = "\n".join(lines).strip("\n")
    return rendered if _balanced(rendered) else html.escape(source.strip())


def _inline(line: str) -> str:
    codes: list[str] = []

    def keep(match: re.Match[str]) -> str:
        codes.append(f"<code>{html.escape(match.group(1))}</code>")
        return f"\x00{len(codes) - 1}\x00"

    line = _CODE.sub(keep, line)
    links: list[tuple[str, str]] = []

    def link(match: re.Match[str]) -> str:
        label, url = match.group(1), match.group(2)
        if not SAFE_URL.match(url):
            return match.group(0)
        links.append((label, url))
        return f"\x01{len(links) - 1}\x01"

    line = _LINK.sub(link, line)
    line = html.escape(line, quote=False)
    line = _BOLD.sub(lambda m: f"<b>{m.group(2)}</b>", line)
    line = _STRIKE.sub(lambda m: f"<s>{m.group(1)}</s>", line)
    line = _ITALIC.sub(lambda m: f"<i>{m.group(2)}</i>", line)
    line = re.sub(
        "\x01(\\d+)\x01",
        lambda m: f'<a href="{html.escape(links[int(m.group(1))][1], quote=True)}">{html.escape(links[int(m.group(1))][0], quote=False)}</a>',
        line,
    )
    return re.sub("\x00(\\d+)\x00", lambda m: codes[int(m.group(1))], line)


def _balanced(rendered: str) -> bool:
    stack: list[str] = []
    for match in _TAG.finditer(rendered):
        name = match.group(1)
        if match.group(0).startswith("</"):
            if not stack or stack.pop() != name:
                return False
        else:
            stack.append(name)
    return not stack


def escape(value: str) -> str:
    """A value shown as typed inside rich text (``<``, ``>``, ``&`` and quotes escaped)."""
    return html.escape(value)
