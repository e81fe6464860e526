"""The communication plan in chat: the newsletter opt-in, reminders' resume button, RSVPs, and
the analysts' newsletters (/newsletter, /anteprima, /invii).

* ``/disiscrivi`` revokes the newsletter consent (no more news, feedback or reminders);
  ``/iscriviti`` gives it; the question at the end of a questionnaire has sì / no buttons.
* A reminder's *Riprendi* button resumes the run it names; an invitation's Sì / No / Forse
  records the answer (a full event puts a "sì" on the waiting list).
* Analysts (``SCENARI_ANALYSTS``) write a newsletter in the chat::

      /newsletter category=firm [at 2026-12-10 09:00]
      Testo in **Markdown** …
      --- en
      English text …
      +button questionnaire:imprese

  The bot answers with the preview exactly as recipients get it, how many it reaches, and the
  buttons *Invia* (schedules it: now or at the time given) and *Annulla*. ``/anteprima ID``
  previews any broadcast, ``/invii [ID]`` shows sent / pending / failed / blocked.
"""

from __future__ import annotations

import logging
import re

from aiogram import Router
from aiogram.filters import Command
from aiogram.types import CallbackQuery, InlineKeyboardButton, InlineKeyboardMarkup, Message
from sqlalchemy.ext.asyncio import AsyncSession

from dialogs import Input
from storage import audiences, outbox as store
from storage.models import Respondent

from bot.service import communication
from bot.service.conversation import Conversation
from ...settings import Settings
from ..callbacks import BroadcastButton, NewsletterButton, ResumeButton, RsvpButton
from ..outbox import Outbox
from ..render import telegram_method
from ..texts import translate
from .common import close_pressed

log = logging.getLogger("scenari.telegram")


# --- subscribers ---------------------------------------------------------------------------------


async def newsletter_button(
    callback: CallbackQuery, callback_data: NewsletterButton, session: AsyncSession, respondent: Respondent,
    outbox: Outbox,
) -> None:
    outbox.toast(callback.id)
    chat_id = close_pressed(callback, outbox)
    outbox.text(chat_id, await communication.set_subscription(session, respondent, callback_data.granted))


async def unsubscribe(message: Message, session: AsyncSession, respondent: Respondent, outbox: Outbox) -> None:
    outbox.text(message.chat.id, await communication.set_subscription(session, respondent, False))


async def subscribe(message: Message, session: AsyncSession, respondent: Respondent, conversation: Conversation,
                    outbox: Outbox) -> None:
    if respondent.id is None or not await conversation.has_consent(session, respondent):
        outbox.show(message.chat.id, conversation.menu(respondent.language))  # consent to take part comes first
        return
    outbox.text(message.chat.id, await communication.set_subscription(session, respondent, True))


async def resume_button(
    callback: CallbackQuery, callback_data: ResumeButton, session: AsyncSession, respondent: Respondent,
    conversation: Conversation, outbox: Outbox,
) -> None:
    reply = await conversation.handle(session, respondent, Input("resume"), run_id=callback_data.run)
    if reply.rejected:
        errors = [m.text for m in reply.messages if m.kind in ("error", "info")]
        outbox.toast(callback.id, errors[0] if errors else None)
        return
    outbox.toast(callback.id)
    outbox.show(callback.message.chat.id, reply)  # type: ignore[union-attr]


async def rsvp_button(
    callback: CallbackQuery, callback_data: RsvpButton, session: AsyncSession, respondent: Respondent,
    settings: Settings, outbox: Outbox,
) -> None:
    chat_id = callback.message.chat.id  # type: ignore[union-attr]
    if respondent.id is None:
        outbox.toast(callback.id, communication.translate("rsvp_closed", respondent.language))
        return
    reply = await communication.rsvp_reply(
        session, callback_data.event, respondent, callback_data.answer, chat_id, communication.Plan.from_settings(settings)
    )
    outbox.toast(callback.id)
    outbox.text(chat_id, reply)


# --- analysts: newsletters from the chat ------------------------------------------------------------


def parse_newsletter(source: str) -> tuple[str, str | None, str, str | None, list[str], dict[str, str]]:
    """(segment, at, Italian text, English text, button specs, the other languages' texts) of a
    /newsletter message: Italian first, then a ``--- en`` (or a bare ``---``) line before the English
    text and ``--- de`` before the German one, and so on."""
    lines = source.split("\n")
    head = lines[0].split(maxsplit=1)
    spec = head[1].strip() if len(head) > 1 else ""
    at = None
    match = re.search(r"\s*\bat\s+(\d{4}-\d{2}-\d{2}[ T]\d{1,2}:\d{2})\s*$", spec)
    if match:
        at, spec = match.group(1), spec[: match.start()].strip()
    buttons = [line.strip()[len("+button"):].strip() for line in lines[1:] if line.strip().startswith("+button")]
    body = [line for line in lines[1:] if not line.strip().startswith("+button")]
    sections: dict[str, list[str]] = {"it": []}
    target = sections["it"]
    for line in body:
        marker = re.fullmatch(r"\s*---\s*([a-zA-Z]{2})?\s*", line)
        if marker:
            target = sections.setdefault((marker.group(1) or "en").lower(), [])
            continue
        target.append(line)
    texts = {lang: "\n".join(lines).strip() for lang, lines in sections.items()}
    others = {lang: text for lang, text in texts.items() if lang not in ("it", "en") and text}
    return spec or "all", at, texts["it"], texts.get("en") or None, buttons, others


async def newsletter(
    message: Message, session: AsyncSession, respondent: Respondent, conversation: Conversation, settings: Settings,
    outbox: Outbox,
) -> None:
    lang = respondent.language
    if not settings.is_analyst(message.from_user.id if message.from_user else None):
        outbox.text(message.chat.id, translate("newsletter_not_analyst", lang))
        return
    spec, at_text, text_it, text_en, button_specs, texts = parse_newsletter(message.text or "")
    if not text_it:
        outbox.text(message.chat.id, translate("usage", lang))
        return
    plan = communication.Plan.from_settings(settings)
    try:
        segment = await communication.resolve_segment(session, spec)
        at = communication.parse_time(at_text, plan.timezone)
        buttons = [communication.parse_button(b, conversation.catalog) for b in button_specs]
    except ValueError as exc:
        outbox.text(message.chat.id, translate("error", lang, error=exc))
        return
    broadcast = await store.create_broadcast(
        session, segment=segment, text_it=text_it, text_en=text_en, texts=texts, buttons=buttons,
        created_by=f"telegram:{message.from_user.id if message.from_user else '?'}", status="draft", scheduled_at=at,
    )
    counts = await audiences.count(session, segment, plan.newsletter_since)
    composed = communication.compose(broadcast, lang, plan, conversation.catalog)
    outbox.call(telegram_method(message.chat.id, composed))
    when = f", {plan.local(at, lang)}" if at else ""
    markup = InlineKeyboardMarkup(inline_keyboard=[[
        InlineKeyboardButton(text=translate("send", lang), callback_data=BroadcastButton(id=broadcast.id, action="send").pack()),
        InlineKeyboardButton(text=translate("cancel", lang), callback_data=BroadcastButton(id=broadcast.id, action="cancel").pack()),
    ]])
    outbox.text(message.chat.id, translate("draft", lang, id=broadcast.id, segment=communication.describe_segment(segment),
                                    n=counts["total"], it=counts["it"], en=counts["en"], when=when,
                                    by_language=", ".join(f"{k} {v}" for k, v in counts.items() if k != "total")), markup)


async def broadcast_button(
    callback: CallbackQuery, callback_data: BroadcastButton, session: AsyncSession, respondent: Respondent,
    settings: Settings, outbox: Outbox,
) -> None:
    lang = respondent.language
    if not settings.is_analyst(callback.from_user.id if callback.from_user else None):
        outbox.toast(callback.id, translate("newsletter_not_analyst", lang))
        return
    outbox.toast(callback.id)
    chat_id = close_pressed(callback, outbox)
    broadcast = await store.get_broadcast(session, callback_data.id)
    if broadcast is None:
        outbox.text(chat_id, translate("not_found", lang, id=callback_data.id))
        return
    if callback_data.action == "cancel":
        await store.cancel(session, broadcast.id)
        outbox.text(chat_id, translate("cancelled", lang, id=broadcast.id))
        return
    at = store.aware(broadcast.scheduled_at)
    scheduled = await store.schedule(session, broadcast.id, at)
    plan = communication.Plan.from_settings(settings)
    when = f" ({plan.local(at, lang)})" if at else ""
    if scheduled is None or scheduled.status != "scheduled":
        outbox.text(chat_id, translate("not_found", lang, id=callback_data.id))
        return
    outbox.text(chat_id, translate("scheduled", lang, id=broadcast.id, when=when))


async def preview(
    message: Message, session: AsyncSession, respondent: Respondent, conversation: Conversation, settings: Settings,
    outbox: Outbox,
) -> None:
    lang = respondent.language
    if not settings.is_analyst(message.from_user.id if message.from_user else None):
        outbox.text(message.chat.id, translate("newsletter_not_analyst", lang))
        return
    args = (message.text or "").split()[1:]
    if not args or not args[0].isdigit():
        outbox.text(message.chat.id, "/anteprima ID")
        return
    broadcast = await store.get_broadcast(session, int(args[0]))
    if broadcast is None:
        outbox.text(message.chat.id, translate("not_found", lang, id=args[0]))
        return
    preview_lang = args[1] if len(args) > 1 and args[1] in ("it", "en") else lang
    composed = communication.compose(broadcast, preview_lang, communication.Plan.from_settings(settings), conversation.catalog)
    composed = communication.with_rsvp_buttons(composed, broadcast, preview_lang)
    outbox.call(telegram_method(message.chat.id, composed))


async def status(message: Message, session: AsyncSession, respondent: Respondent, settings: Settings, outbox: Outbox) -> None:
    lang = respondent.language
    if not settings.is_analyst(message.from_user.id if message.from_user else None):
        outbox.text(message.chat.id, translate("newsletter_not_analyst", lang))
        return
    args = (message.text or "").split()[1:]
    if args and args[0].isdigit():
        found = await store.get_broadcast(session, int(args[0]))
        items = [found] if found is not None else []
    else:
        items = await store.list_broadcasts(session, limit=10)
    lines = [communication.status_line(b, await store.counts(session, b.id)) for b in items]
    outbox.text(message.chat.id, "\n".join(lines) if lines else translate("none", lang))


def build_router() -> Router:
    """A fresh router (a router can belong to one dispatcher only)."""
    router = Router(name="communication")
    router.callback_query.register(newsletter_button, NewsletterButton.filter())
    router.callback_query.register(resume_button, ResumeButton.filter())
    router.callback_query.register(rsvp_button, RsvpButton.filter())
    router.callback_query.register(broadcast_button, BroadcastButton.filter())
    router.message.register(unsubscribe, Command("disiscrivi", "unsubscribe"))
    router.message.register(subscribe, Command("iscriviti", "subscribe"))
    router.message.register(newsletter, Command("newsletter"))
    router.message.register(preview, Command("anteprima", "preview"))
    router.message.register(status, Command("invii", "broadcasts"))
    return router
