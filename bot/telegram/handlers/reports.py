"""/convergenze, /iscrivi_report, /disiscrivi_report: the convergence tables for analysts.

* ``/convergenze`` sends the latest convergence workbook (the newest snapshot of
  :mod:`storage.jobs`) as a document, its caption naming when it was computed and from how many
  answers. With none yet (or its file gone), it says so and builds one on the spot.
* ``/iscrivi_report`` / ``/disiscrivi_report`` subscribe to the nightly package
  (``exports.scheduler`` sends it through :func:`telegram_notifier`).

Only ``SCENARI_ANALYSTS``; anybody else gets a polite refusal. The handlers run inside the update's
group-commit unit of work, so they only read the snapshot row and write the subscription there;
reading all answers and writing the workbook happen after the commit, off the shared transaction,
via ``outbox.later`` (as /export does), and the CPU-heavy part in a thread.
"""

from __future__ import annotations

import logging
from pathlib import Path

from aiogram import Bot, Router
from aiogram.filters import Command
from aiogram.types import BotCommand, BotCommandScopeChat, FSInputFile, Message
from sqlalchemy.ext.asyncio import AsyncSession

from exports.lease import run_job_now
from exports.scheduler import ConvergenceJob, Notify, caption, convergence_spec
from storage import Database, jobs
from storage.models import Respondent

from bot.service.conversation import Conversation
from ...settings import Settings
from ..outbox import Outbox
from ..texts import translate

log = logging.getLogger("scenari.telegram")
BUILD_WAIT_SECONDS = 180.0  # another instance is rebuilding: wait this long for its snapshot


COMMANDS: dict[str, list[tuple[str, str]]] = {
    "it": [
        ("export", "Esporta le risposte di un questionario"),
        ("convergenze", "Le tabelle delle convergenze (XLSX)"),
        ("iscrivi_report", "Ricevi il pacchetto ogni notte"),
        ("disiscrivi_report", "Non ricevere più il pacchetto notturno"),
    ],
    "en": [
        ("export", "Export a questionnaire's answers"),
        ("convergenze", "The convergence tables (XLSX)"),
        ("iscrivi_report", "Get the package every night"),
        ("disiscrivi_report", "Stop the nightly package"),
    ],
}


def _refuse(message: Message, lang: str, outbox: Outbox, what: str) -> None:
    log.warning("%s refused", what, extra={"fields": {"user": "not-analyst", "update_chat": message.chat.id}})
    outbox.text(message.chat.id, translate("reports_not_analyst", lang))


def _usable(snapshot: jobs.Snapshot | None) -> bool:
    return snapshot is not None and Path(snapshot.path).is_file()


async def convergence_tables(
    message: Message, session: AsyncSession, respondent: Respondent, settings: Settings, outbox: Outbox, db: Database,
) -> None:
    lang = respondent.language
    if not settings.is_analyst(message.from_user.id if message.from_user else None):
        _refuse(message, lang, outbox, "convergence tables")
        return
    chat_id = message.chat.id
    ready = await jobs.latest_snapshot(session)  # one indexed row: fine inside the unit of work
    if not _usable(ready):
        outbox.text(chat_id, translate("building", lang))

    async def send(bot: Bot) -> None:
        snapshot = ready if _usable(ready) else await _build(db, settings)
        if snapshot is None:
            await bot.send_message(chat_id, translate("failed", lang))
            return
        path = Path(snapshot.path)
        await bot.send_document(
            chat_id, FSInputFile(path, filename=f"scenari-convergenze-{snapshot.computed_at:%Y%m%d-%H%M}.xlsx"),
            caption=caption(snapshot.computed_at, snapshot.answers, lang, settings.report_timezone),
        )
        log.info("convergence tables sent", extra={"fields": {"snapshot": snapshot.id, "answers": snapshot.answers}})

    outbox.later(send)


async def _build(db: Database, settings: Settings) -> jobs.Snapshot | None:
    """Rebuild now under the convergence job's lease (or wait for the instance rebuilding)."""
    options = settings.schedule_options()
    job = ConvergenceJob(db, options.exports_dir, options.tables, tag=False)
    job.kind = "on_demand"
    try:
        outcome = await run_job_now(db, convergence_spec(options, job), wait_seconds=BUILD_WAIT_SECONDS)
    except Exception:
        log.exception("building the convergence tables on demand failed")
        return None
    if outcome.ran and not outcome.ok:
        return None
    async with db.transaction() as session:
        snapshot = await jobs.latest_snapshot(session)
    return snapshot if _usable(snapshot) else None


async def subscribe(
    message: Message, session: AsyncSession, respondent: Respondent, conversation: Conversation, settings: Settings,
    outbox: Outbox,
) -> None:
    lang = respondent.language
    if not settings.is_analyst(message.from_user.id if message.from_user else None):
        _refuse(message, lang, outbox, "report subscription")
        return
    if respondent.id is None:  # an analyst who never answered anything: store them now
        respondent = await conversation.respondent(session, respondent.channel, respondent.external_id, lang)
    new = await jobs.subscribe(session, respondent.id, message.chat.id, lang)
    outbox.text(message.chat.id, translate("subscribed" if new else "already", lang, at=settings.report_time,
                                    tz=settings.report_timezone))


async def unsubscribe(message: Message, session: AsyncSession, respondent: Respondent, settings: Settings,
                      outbox: Outbox) -> None:
    lang = respondent.language
    if not settings.is_analyst(message.from_user.id if message.from_user else None):
        _refuse(message, lang, outbox, "report subscription")
        return
    gone = respondent.id is not None and await jobs.unsubscribe(session, respondent.id)
    outbox.text(message.chat.id, translate("unsubscribed" if gone else "not_subscribed", lang))


def telegram_notifier(bot: Bot) -> Notify:
    """How the nightly job sends a file to an analyst: one document per call."""

    async def notify(chat_id: int, path: Path, text: str) -> None:
        await bot.send_document(chat_id, FSInputFile(path, filename=path.name), caption=text[:1024])

    return notify


async def register_analyst_commands(bot: Bot, settings: Settings, public: dict[str, list[tuple[str, str]]]) -> int:
    """Each analyst's own command menu: the public commands plus theirs (BotCommandScopeChat).

    The public menu never shows them. An analyst who has not opened the bot yet cannot get a
    menu (Telegram: chat not found); that is logged and skipped. Returns the menus set.
    """
    done = 0
    for analyst in sorted(settings.analysts):
        try:
            for lang, language_code in (("it", None), ("it", "it"), ("en", "en")):
                await bot.set_my_commands(
                    [BotCommand(command=c, description=d) for c, d in public[lang] + COMMANDS[lang]],
                    scope=BotCommandScopeChat(chat_id=analyst), language_code=language_code,
                )
            done += 1
        except Exception as exc:
            log.warning("analyst command menu not set: %s", type(exc).__name__)
    return done


def build_router() -> Router:
    """A fresh router (a router can belong to one dispatcher only)."""
    router = Router(name="reports")
    router.message.register(convergence_tables, Command("convergenze", "convergence"))
    router.message.register(subscribe, Command("iscrivi_report", "subscribe_report"))
    router.message.register(unsubscribe, Command("disiscrivi_report", "unsubscribe_report"))
    return router

