"""The newsletter opt-in: asked once, at the end of a first questionnaire, given or revoked by command.

:class:`NewsletterOptIn` is an ``on_completed`` hook of the conversation: a respondent the
plan can reach (the channel :mod:`storage.audiences` covers) who was never asked — or answered
under a notice whose newsletter purpose has changed since (bot.service.notice) — gets a
sì / no question; ``/iscriviti`` and ``/disiscrivi`` change the answer. Both are consents of
purpose ``newsletter``; the privacy report shows them with a blocked bot and meeting answers.
"""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from dialogs import Message, Option, Questionnaire, RunState
from storage import audiences, repository
from storage.models import Event, EventRsvp, Respondent, Run

from ..notice import current_notice
from ..texts import translate

NEWSLETTER_KEY = "_newsletter"  # the pseudo-prompt of the opt-in question (not a questionnaire's question)


def notice_version() -> str:
    """The version of the plan's privacy notice (privacy.yaml) a newsletter decision is recorded under."""
    return current_notice().version


class NewsletterOptIn:
    """``on_completed`` hook: ask a respondent the plan can reach, once, whether they want its news."""

    channels = audiences.CHAT_CHANNELS  # the channels whose respondents the audiences and the outbox reach

    async def __call__(
        self, session: AsyncSession, respondent: Respondent, run: Run, q: Questionnaire, state: RunState
    ) -> list[Message]:
        if respondent.channel not in self.channels or respondent.id is None:
            return []
        notice = current_notice()
        latest = await repository.latest_consent(session, respondent.id, audiences.NEWSLETTER)
        if latest is not None and not notice.changed_since(audiences.NEWSLETTER, latest[1]):
            return []  # asked before: the answer stands until /iscriviti or /disiscrivi (or the purpose changes)
        if latest is None and await _completed_before(session, respondent.id, run.id if run is not None else None):
            return []  # asked at the end of an earlier run and left unanswered: once is enough (a rater rates many cards)
        lang = state.lang
        text = translate("optin_question", lang)
        if latest is not None:  # answered under an older notice: until asked again nothing is sent (storage.audiences)
            again = translate("consent_again", lang, version=notice.version_words(notice.version, lang),
                              purposes=notice.label(audiences.NEWSLETTER, lang))
            text = f"{again}\n{text}"
        options = (Option(value="yes", label=translate("optin_yes", lang)), Option(value="no", label=translate("optin_no", lang)))
        return [Message(kind="prompt", text=text, question_key=NEWSLETTER_KEY, question_type="single", options=options)]


async def _completed_before(session: AsyncSession, respondent_id: int, run_id: int | None) -> bool:
    """Whether the respondent completed another run before this one (and so was offered the news then)."""
    query = select(Run.id).where(Run.respondent_id == respondent_id, Run.status == "completed")
    if run_id is not None:
        query = query.where(Run.id != run_id)
    return await session.scalar(query.limit(1)) is not None


async def set_subscription(session: AsyncSession, respondent: Respondent, granted: bool) -> str:
    """Record the decision; returns the text to show."""
    lang = respondent.language
    if respondent.id is None:
        return translate("was_not_subscribed", lang)
    before = await audiences.subscribed(session, respondent.id)
    await repository.record_consent(session, respondent.id, audiences.NEWSLETTER, granted, notice_version())
    if granted:
        await audiences.clear_unreachable(session, respondent.id)
        return translate("subscribed", lang)
    return translate("unsubscribed" if before else ("not_subscribed" if before is None else "was_not_subscribed"), lang)


async def privacy_lines(session: AsyncSession, respondent: Respondent) -> list[str]:
    """What the privacy report adds: the subscription, a blocked bot, meeting answers."""
    if respondent.id is None:
        return []
    lang = respondent.language
    latest = await repository.latest_consent(session, respondent.id, audiences.NEWSLETTER)
    if latest is None:
        lines = []
    elif latest[0] and current_notice().changed_since(audiences.NEWSLETTER, latest[1]):
        lines = [translate("privacy_newsletter_paused", lang)]  # given under an older notice: nothing is sent
    else:
        lines = [translate("privacy_newsletter_on" if latest[0] else "privacy_newsletter_off", lang)]
    if await audiences.is_unreachable(session, respondent.id):
        lines.append(translate("privacy_unreachable", lang))
    for event, status in await _rsvps_of(session, respondent.id):
        lines.append(translate("privacy_rsvp", lang, title=event, status=translate(f"rsvp_{status}", lang)))
    return lines


async def _rsvps_of(session: AsyncSession, respondent_id: int) -> list[tuple[str, str]]:
    rows = await session.execute(
        select(Event.title, EventRsvp.status).join(EventRsvp, EventRsvp.event_id == Event.id)
        .where(EventRsvp.respondent_id == respondent_id).order_by(Event.starts_at)
    )
    return [(title, status) for title, status in rows]
