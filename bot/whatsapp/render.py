"""WhatsApp's drawing of what the service says: Cloud API message bodies, the one place buttons and lists are built.

A prompt's choices become what WhatsApp can show (its limits are the Cloud API's, checked by
tests/support/whatsapp.py the same way):

* up to 3 choices with short labels (≤ 20 characters): reply buttons;
* up to 10 rows (the choices with back and skip): a list, a long label cut to the row's 24
  characters with the whole of it in the row's description (≤ 72);
* more: a list of pages, each with its "more" and "earlier" rows, and the respondent may type
  part of a name instead (:func:`search`);
* a multiple choice or a ranking (a list picks one row only): the choices numbered in the text,
  answered by typing their numbers, as in the terminal.

Each button's or row's id says what it does (:func:`encode`, :func:`decode`): an answer, a
navigation, the consent, a questionnaire of the menu, a page of a long list, a vote.
"""

from __future__ import annotations

import html
import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from pywa.types import Button, Section, SectionList, SectionRow

from dialogs import Message, Option, i18n
from dialogs.answers import fold

from bot.service.communication import NEWSLETTER_KEY
from bot.service.reply import CONSENT_KEY, MENU_KEY, Reply
from .texts import translate

TEXT_LIMIT = 4096
BODY_LIMIT = 1024  # an interactive message's body
CAPTION_LIMIT = 1024  # a document's caption
UPLOAD = "upload"  # a body's file to upload first (kept apart in the outbox's payload, never posted)
# the document types the Cloud API documents; a JSON file goes as text/plain, its name keeps ``.json``
DOCUMENT_TYPES = {
    ".txt": "text/plain", ".json": "text/plain", ".csv": "text/plain", ".pdf": "application/pdf",
    ".doc": "application/msword", ".xls": "application/vnd.ms-excel", ".ppt": "application/vnd.ms-powerpoint",
    ".docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    ".xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    ".pptx": "application/vnd.openxmlformats-officedocument.presentationml.presentation",
}
BUTTON_TITLE, ROW_TITLE, ROW_DESCRIPTION, MAX_BUTTONS, MAX_ROWS = 20, 24, 72, 3, 10
PAGE_SIZE = 8  # choices per page of a long list: with "more" and "earlier", 10 rows
SEP = "|"


@dataclass(frozen=True)
class Pressed:
    """What a button or a list row's id says: ``kind`` (a answer, n navigation, c consent, m menu, p page, v vote,
    e erase, o the newsletter's opt-in, r an event's RSVP, w a round's «vota») and its parts."""

    kind: str
    parts: tuple[str, ...]


def encode(kind: str, *parts: object) -> str:
    return SEP.join([kind, *(str(p) for p in parts)])[:200]


def decode(reply_id: str) -> Pressed | None:
    kind, _, rest = reply_id.partition(SEP)
    limits = {"a": 3, "n": 3, "c": 2, "m": 1, "p": 3, "v": 3, "e": 1, "o": 1, "r": 2, "w": 1}
    if kind not in limits:
        return None
    parts = tuple(rest.split(SEP, limits[kind] - 1)) if rest else ()
    return Pressed(kind, parts) if len(parts) == limits[kind] else None


@dataclass(frozen=True)
class Choice:
    id: str
    label: str


def messages(to: str, reply: Reply, page: int = 0) -> list[dict[str, Any]]:
    """The Cloud API bodies that show ``reply`` to ``to`` (a phone number), in order."""
    out: list[dict[str, Any]] = []
    for message in reply.messages:
        out.extend(message_bodies(to, message, reply.lang, reply.run_id, reply.questionnaire_id, page))
    return out


def text_bodies(to: str, text: str) -> list[dict[str, Any]]:
    return [{"messaging_product": "whatsapp", "recipient_type": "individual", "to": to, "type": "text",
             "text": {"body": chunk, "preview_url": False}} for chunk in split_text(text)]


def document_type(filename: str) -> str | None:
    """The MIME type a file is uploaded as, by its extension (None: not a document type WhatsApp takes)."""
    dot = filename.rfind(".")
    return DOCUMENT_TYPES.get(filename[dot:].lower()) if dot >= 0 else None


def caption(text: str) -> str:
    """A text as a document's caption (≤ 1,024 characters; cut with an ellipsis beyond)."""
    return text if len(text) <= CAPTION_LIMIT else text[: CAPTION_LIMIT - 1].rstrip() + "…"


def document_body(to: str, filename: str, text: str, media_id: str | None = None) -> dict[str, Any]:
    """A document message, its ``text`` the caption; without ``media_id`` the sender uploads the file first."""
    document: dict[str, Any] = {"filename": filename}
    if media_id is not None:
        document["id"] = media_id
    if text:
        document["caption"] = caption(text)
    return {"messaging_product": "whatsapp", "recipient_type": "individual", "to": to, "type": "document", "document": document}


def file_body(to: str, filename: str, content: bytes, text: str) -> dict[str, Any]:
    """A document message carrying its file (``content``) to upload: the webhook keeps the file in the
    reply's outbox payload (:func:`outbox_payload`) until the sender has uploaded and sent it."""
    body = document_body(to, filename, text)
    body[UPLOAD] = {"filename": filename, "mime_type": document_type(filename) or "text/plain",
                    "content": content.decode("utf-8")}
    return body


def outbox_payload(body: dict[str, Any]) -> dict[str, Any]:
    """A body as its outbox row keeps it: the Cloud API body under ``message``, a file to upload apart."""
    if UPLOAD not in body:
        return {"message": body}
    message = {k: v for k, v in body.items() if k != UPLOAD}
    return {"message": message, UPLOAD: body[UPLOAD]}


def with_media(body: dict[str, Any], media_id: str) -> dict[str, Any]:
    """``body`` (a document message, reply buttons or a template under a document header) naming the uploaded ``media_id``."""
    body = dict(body)
    if body.get("type") == "document":
        body["document"] = {**body["document"], "id": media_id}
    elif body.get("type") == "template":  # a template's document header
        template = dict(body["template"])
        template["components"] = [
            {**c, "parameters": [{"type": "document", "document": {**p["document"], "id": media_id}}
                                 if p.get("type") == "document" else p for p in c["parameters"]]}
            if c.get("type") == "header" else c
            for c in template["components"]]
        body["template"] = template
    else:
        interactive = dict(body["interactive"])
        interactive["header"] = {"type": "document", "document": {**interactive["header"]["document"], "id": media_id}}
        body["interactive"] = interactive
    return body


def document_buttons(to: str, filename: str, text: str, choices: Sequence[Choice]) -> dict[str, Any]:
    """Reply buttons under a document header (a newsletter's file with its questionnaire's button); no media id yet."""
    body = buttons(to, text, choices)[-1]
    body["interactive"]["header"] = {"type": "document", "document": {"filename": filename}}
    return body


def message_bodies(
    to: str, message: Message, lang: str, run_id: str | None, questionnaire_id: str | None, page: int = 0
) -> list[dict[str, Any]]:
    if message.kind == "error":
        return text_bodies(to, "⚠️ " + message.text)
    if message.kind != "prompt":
        return text_bodies(to, message.text)
    text = prompt_text(message, lang)
    choices = _choices(message, lang, run_id, questionnaire_id)
    if not choices or message.multiple or message.ranking:
        return text_bodies(to, _numbered(message, text, lang))
    navigation = _navigation(message, lang, run_id)
    if len(choices) + len(navigation) <= MAX_BUTTONS and all(len(c.label) <= BUTTON_TITLE for c in choices + navigation):
        return _interactive(to, text, {"buttons": [Button(title=c.label, callback_data=c.id).to_dict() for c in choices + navigation]})
    if len(choices) + len(navigation) <= MAX_ROWS:
        return _interactive(to, text, _list(choices + navigation, lang))
    pages = max(1, -(-len(choices) // PAGE_SIZE))
    page = min(max(page, 0), pages - 1)
    rows = choices[page * PAGE_SIZE:(page + 1) * PAGE_SIZE]
    if page > 0:
        rows.append(Choice(encode("p", run_id or "", message.question_key or "", page - 1), translate("earlier", lang)))
    if page < pages - 1:
        rows.append(Choice(encode("p", run_id or "", message.question_key or "", page + 1), translate("more", lang)))
    footer = translate("page", lang, k=page + 1, n=pages)
    text = f"{text}\n\n{translate('search_hint', lang)}" + _typed_navigation(message, lang)
    return _interactive(to, text, _list(rows, lang), footer=footer)


def prompt_text(message: Message, lang: str) -> str:
    lines = []
    if message.progress:
        k, n = message.progress
        lines.append(f"_{i18n.translate('progress', lang, k=k, n=n)}_")
    *before, question = message.text.split("\n")  # WhatsApp's bold does not cross a line break
    lines.extend(before)
    lines.append(f"*{question}*" if question.strip() else question)
    if message.hint:
        lines.append(f"_{message.hint}_")
    return "\n".join(lines)


def _choices(message: Message, lang: str, run_id: str | None, questionnaire_id: str | None) -> list[Choice]:
    key = message.question_key
    if key == CONSENT_KEY:
        return [Choice(encode("c", int(o.value == "yes"), questionnaire_id or ""), o.label) for o in message.options]
    if key == MENU_KEY:
        return [Choice(encode("m", o.value), o.label) for o in message.options]
    if key == NEWSLETTER_KEY:  # the opt-in asked at the end of a questionnaire (bot.service.communication)
        return [Choice(encode("o", int(o.value == "yes")), o.label) for o in message.options]
    if run_id is None or key is None:
        return []
    return [Choice(encode("a", run_id, key, o.value), o.label) for o in message.options]


def _navigation(message: Message, lang: str, run_id: str | None) -> list[Choice]:
    if run_id is None or message.question_key in (None, CONSENT_KEY, MENU_KEY, NEWSLETTER_KEY):
        return []
    found = []
    if message.can_go_back:
        found.append(Choice(encode("n", run_id, message.question_key, "back"), translate("back", lang)))
    if message.can_skip:
        found.append(Choice(encode("n", run_id, message.question_key, "skip"), translate("skip", lang)))
    return found


def _typed_navigation(message: Message, lang: str) -> str:
    lines = []
    if message.can_go_back:
        lines.append(translate("typed_navigation", lang))
    if message.can_skip:
        lines.append(translate("typed_skip", lang))
    return ("\n" + "\n".join(lines)) if lines else ""


def _numbered(message: Message, text: str, lang: str) -> str:
    """A prompt answered by typing: its choices numbered (with a tick or a rank), and how to answer."""
    lines = [text]
    for number, option in enumerate(message.options, start=1):
        mark = f"[{option.rank}] " if option.rank is not None else ("✓ " if option.selected else "")
        lines.append(f"{number}) {mark}{option.label}")
    if message.options:
        lines.append("")
        lines.append(translate("rank_hint" if message.ranking else "multi_hint", lang))
    return "\n".join(lines) + _typed_navigation(message, lang)


def _row(choice: Choice) -> SectionRow:
    if len(choice.label) <= ROW_TITLE:
        return SectionRow(title=choice.label, callback_data=choice.id)
    title = choice.label[: ROW_TITLE - 1].rstrip() + "…"
    description = choice.label if len(choice.label) <= ROW_DESCRIPTION else choice.label[: ROW_DESCRIPTION - 1] + "…"
    return SectionRow(title=title, callback_data=choice.id, description=description)


def _list(choices: Sequence[Choice], lang: str) -> dict[str, Any]:
    rows, titles = [], set()
    for choice in choices:
        row = _row(choice)
        while row.title in titles:  # two long labels cut alike: WhatsApp wants distinct titles
            row = SectionRow(title=row.title[:-2] + "…" + str(len(titles) % 10), callback_data=row.callback_data,
                             description=row.description)
        titles.add(row.title)
        rows.append(row)
    return SectionList(button_title=translate("choose", lang), sections=[Section(title=translate("choose", lang), rows=rows)]).to_dict()


def _interactive(to: str, text: str, action: dict[str, Any], footer: str | None = None) -> list[dict[str, Any]]:
    """An interactive message; a body over WhatsApp's 1,024 characters goes first as a text of its own."""
    before: list[dict[str, Any]] = []
    if len(text) > BODY_LIMIT:
        head, _, tail = text.rpartition("\n")
        if not head or len(tail) > BODY_LIMIT:
            head, tail = text[: -BODY_LIMIT + 1], text[-BODY_LIMIT + 1:]
        before, text = text_bodies(to, head), tail
    kind = "button" if "buttons" in action else "list"
    interactive: dict[str, Any] = {"type": kind, "body": {"text": text}, "action": action}
    if footer:
        interactive["footer"] = {"text": footer[:60]}
    return before + [{"messaging_product": "whatsapp", "recipient_type": "individual", "to": to, "type": "interactive",
                      "interactive": interactive}]


def buttons(to: str, text: str, choices: Sequence[Choice]) -> list[dict[str, Any]]:
    """Up to three reply buttons under ``text`` (a vote's agree / disagree / pass)."""
    return _interactive(to, text, {"buttons": [Button(title=c.label[:BUTTON_TITLE], callback_data=c.id).to_dict()
                                               for c in choices[:MAX_BUTTONS]]})


def search(options: Sequence[Option], typed: str) -> list[Option]:
    """The options whose label holds every word typed (accents and case ignored)."""
    words = fold(typed).split()
    if not words:
        return []
    return [o for o in options if all(w in fold(o.label) for w in words)]


def split_text(text: str, limit: int = TEXT_LIMIT - 96) -> list[str]:
    """Split a long text (a privacy report) at line breaks into messages WhatsApp accepts."""
    chunks: list[str] = []
    current = ""
    for line in text.split("\n"):
        while len(line) > limit:
            chunks.append(line[:limit])
            line = line[limit:]
        if current and len(current) + len(line) + 1 > limit:
            chunks.append(current)
            current = ""
        current = f"{current}\n{line}" if current else line
    if current:
        chunks.append(current)
    return chunks or [""]


# --- the plan's messages (newsletters, invitations, summaries, feedback) -------------------------

_TAGS = [(re.compile(r"</?(b|strong)>"), "*"), (re.compile(r"</?(i|em)>"), "_"), (re.compile(r"</?(s|strike|del)>"), "~"),
         (re.compile(r"</?code>"), "`"), (re.compile(r"<br\s*/?>"), "\n")]
_LINK = re.compile(r'<a\s+href="([^"]*)"[^>]*>(.*?)</a>', re.S)
_ANY_TAG = re.compile(r"<[^>]+>")


def html_text(rich: str) -> str:
    """The communication plan's rich text (Telegram's HTML subset) as WhatsApp text: *bold*, _italics_, links written out."""
    def link(m: re.Match[str]) -> str:
        url, label = html.unescape(m.group(1)), _ANY_TAG.sub("", m.group(2)).strip()
        return url if not label or html.unescape(label) == url else f"{label} ({url})"

    text = _LINK.sub(link, rich)
    for pattern, mark in _TAGS:
        text = pattern.sub(mark, text)
    return html.unescape(_ANY_TAG.sub("", text)).strip()


def plan_message(rich: str, buttons: Sequence[dict[str, Any]], lang: str) -> tuple[str, list[Choice]]:
    """A plan's message (rich text, buttons as data) as WhatsApp text and up to three reply buttons.

    A link button is written into the text; a questionnaire's, an RSVP or a round's «vota» is a
    reply button, and what to type instead is said too (a template carries no buttons of ours).
    """
    text = html_text(rich)
    lines, choices = [], []
    for b in buttons:
        if b.get("url"):
            lines.append(f"{b.get('text') or ''}: {b['url']}".lstrip(": "))
        elif b.get("action") == "start" and b.get("questionnaire"):
            choices.append(Choice(encode("m", b["questionnaire"]), str(b.get("text") or b["questionnaire"])))
            lines.append(translate("type_to_start", lang, word=b["questionnaire"]))
        elif b.get("action") == "rsvp" and b.get("event") is not None:
            choices.append(Choice(encode("r", b["event"], b.get("answer", "")), str(b.get("text") or "")))
        elif b.get("action") == "vote":
            choices.append(Choice(encode("w", b.get("round", "")), str(b.get("text") or "")))
    if lines:
        text = text + "\n\n" + "\n".join(lines)
    return text[: TEXT_LIMIT - 96], choices[:MAX_BUTTONS]


def template_parameter(text: str, limit: int = 1024) -> str:
    """A text as a template's body parameter: the Cloud API refuses new lines, tabs and runs of spaces there."""
    flat = " ".join(text.split())
    return flat if len(flat) <= limit else flat[: limit - 1].rstrip() + "…"
