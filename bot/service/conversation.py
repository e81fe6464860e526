"""The channel-neutral conversation service: engine + storage, shared by every transport.

A transport (Telegram, the terminal, the web) turns what a person did into a call here and
shows the returned messages. Each call runs inside the caller's transaction: the answer, the
run state and the update's idempotency mark are committed together before anything is shown.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence
from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

import dialogs
from dialogs import Input, Message, Option, Questionnaire, RunState
from dialogs.i18n import speaking
from dialogs.summary import outcome_report
from storage import repository
from storage.models import Respondent, Run

from bot.service import invitations
from bot.service.catalog import QuestionnaireCatalog, UnknownQuestionnaire
from bot.service.communication import NewsletterOptIn, privacy_lines
from bot.service.listening import ListeningHooks
from bot.service.notice import NOTICE_PATH, Notice, default_notice, long_date, notice_of, short_text, use_notice
from bot.service.plan import use_plan
from bot.service.reply import CONSENT_KEY, MENU_KEY, PARTICIPATION, UNDER_AGE, Reply
from bot.settings import Settings
from bot.service.texts import translate

# An ``on_completed`` hook: (session, respondent, run, questionnaire, final state) → messages.
CompletionHook = Callable[[AsyncSession, Respondent, Run, Questionnaire, RunState], Awaitable[list[Message]]]

class Conversation:
    def __init__(
        self,
        catalog: QuestionnaireCatalog,
        expire_after: timedelta | None = None,
        notice: Notice | None = None,
        default_lang: str = "it",
        on_completed: Sequence[CompletionHook] | None = None,
        open_only: bool = True,
        languages: Sequence[str] = ("it", "en"),
        notice_url: str | None = None,
    ) -> None:
        self.catalog = catalog
        # the plan's languages (plan.yaml): a respondent asking for another gets the default
        self.languages = tuple(languages)
        self.expire_after = expire_after
        # the plan's privacy notice (bot.service.notice): the consent question's summary, the version
        # consents are recorded under, and the address of the full notice the summary links to
        self.notice = notice or default_notice()
        self.notice_url = notice_url
        self.default_lang = default_lang
        # False for an author trying questionnaires in the terminal: closed ones start too.
        self.open_only = open_only
        # Run when a run completes, in its transaction; messages they return are shown after
        # the outro. Default: interviews mark their actor, project cards, ratings (bot.service.listening).
        self.on_completed: list[CompletionHook] = (
            list(on_completed) if on_completed is not None else [ListeningHooks()]
        )

    # --- respondents ---------------------------------------------------------------------

    async def respondent(
        self, session: AsyncSession, channel: str, external_id: str, lang: str | None = None
    ) -> Respondent:
        language = self.language_for(lang)
        return await repository.get_or_create_respondent(session, channel, str(external_id), language)

    async def lookup(
        self, session: AsyncSession, channel: str, external_id: str, lang: str | None = None
    ) -> Respondent:
        """The stored respondent, or an unsaved one: nothing is stored before consent."""
        found = await repository.get_respondent(session, channel, str(external_id))
        if found is not None:
            return found
        language = self.language_for(lang)
        return Respondent(channel=channel, external_id=str(external_id), language=language)

    def language_for(self, lang: str | None) -> str:
        """``lang`` when the plan speaks it (``de-AT`` → ``de``), else the default language."""
        code = (lang or "").strip().lower()[:2]
        return code if code in self.languages or code == self.default_lang else self.default_lang

    @property
    def notice_version(self) -> str:
        return self.notice.version

    async def consent_needed(self, session: AsyncSession, respondent: Respondent) -> list[str] | None:
        """None when the consent to take part stands; else the purposes changed since it was given
        (empty: never given, or refused). A new notice asks again only where a purpose changed."""
        latest = await repository.latest_consent(session, respondent.id, PARTICIPATION)
        if latest is None or not latest[0]:
            return []
        if self.notice.changed_since(PARTICIPATION, latest[1]):
            return [PARTICIPATION]
        return None

    async def has_consent(self, session: AsyncSession, respondent: Respondent) -> bool:
        return await self.consent_needed(session, respondent) is None

    # --- the register ("tu" or "Lei") -----------------------------------------------------------

    def register_of(self, questionnaire_id: str | None) -> str | None:
        """The register of a questionnaire (or of the interview an invitation opens); None if unknown."""
        if questionnaire_id and invitations.is_invitation(questionnaire_id):
            questionnaire_id = invitations.INTERVIEW
        if not questionnaire_id or questionnaire_id not in self.catalog:
            return None
        return self.catalog.current(questionnaire_id).register

    async def register_for(self, session: AsyncSession, respondent: Respondent) -> str | None:
        """The register to speak to a respondent in outside a questionnaire's own turn (a transport's
        errors, a button after the end): that of their open run, else of their latest one."""
        if respondent.id is None:
            return None
        run = await repository.open_run(session, respondent.id)
        questionnaire_id = run.questionnaire_id if run is not None else await session.scalar(
            select(Run.questionnaire_id).where(Run.respondent_id == respondent.id)
            .order_by(Run.updated_at.desc(), Run.id.desc()).limit(1)
        )
        return self.register_of(questionnaire_id)

    # --- starting and consent -------------------------------------------------------------

    def menu(self, lang: str) -> Reply:
        options = tuple(
            Option(value=qid, label=self.catalog.current(qid).title.get(lang)) for qid in self.catalog.ids()
        )
        return Reply(
            [Message(kind="prompt", text=translate("choose_questionnaire", lang), question_key=MENU_KEY, options=options)],
            lang=lang,
        )

    async def start(self, session: AsyncSession, respondent: Respondent, questionnaire_id: str) -> Reply:
        """Begin (or resume) a questionnaire, asking for consent first if it was never given."""
        if invitations.is_invitation(questionnaire_id):  # /start ascolto_<token>
            return await invitations.start(self, session, respondent, questionnaire_id)
        lang = respondent.language
        if questionnaire_id not in self.catalog.ids(open_only=self.open_only):
            reply = self.menu(lang)
            reply.messages.insert(0, Message(kind="error", text=translate("unknown_questionnaire", lang, id=questionnaire_id)))
            return reply
        changed = await self.consent_needed(session, respondent)
        if changed is not None:
            return self.consent_prompt(lang, questionnaire_id, changed)
        return await self.begin(session, respondent, questionnaire_id)

    async def begin(
        self, session: AsyncSession, respondent: Respondent, questionnaire_id: str, resume: bool = True
    ) -> Reply:
        """Resume the open run of a questionnaire (or start one), without the menu's checks.

        For callers that checked who may answer (an invitation, a rater's /valuta);
        ``resume=False`` always starts a new run.
        """
        lang = respondent.language
        if resume:
            run = await repository.open_run(session, respondent.id, questionnaire_id, for_update=True)
            if run is not None:
                return await self._apply(session, respondent, run, Input("resume"))
        q = self.catalog.current(questionnaire_id)
        await self.catalog.register(session, q)  # the definition as written, without run-time lists
        step = dialogs.start(await self.catalog.with_runtime_lists(session, q), lang=lang)
        run = await repository.create_run(session, respondent.id, q.id, q.version, step.state.to_json())
        return Reply(step.messages, lang=lang, run_id=run.public_id, questionnaire_id=q.id)

    def consent_prompt(self, lang: str, questionnaire_id: str, changed: Sequence[str] = ()) -> Reply:
        """The consent question, with the notice in short (``changed``: the purposes that changed since
        the respondent's consent, said on its second line)."""
        with speaking(self.register_of(questionnaire_id)):  # "Accetta" before a survey that says "Lei"
            lines = short_text(self.notice, lang, self.notice_url).split("\n")
            if changed:
                purposes = ", ".join(self.notice.label(p, lang) for p in changed)
                lines.insert(1, translate("consent_again", lang, version=self.notice.version_words(self.notice.version, lang),
                                          purposes=purposes))
            options = (
                Option(value="yes", label=translate("consent_accept", lang)),
                Option(value="no", label=translate("consent_decline", lang)),
            )
        message = Message(
            kind="prompt", text="\n".join(lines), question_key=CONSENT_KEY,
            question_type="single", options=options,
        )
        return Reply([message], lang=lang, questionnaire_id=questionnaire_id)

    async def decide_consent(
        self, session: AsyncSession, respondent: Respondent, granted: bool, questionnaire_id: str | None
    ) -> Reply:
        if respondent.id is None:  # first decision: the respondent exists from now on
            respondent = await self.respondent(session, respondent.channel, respondent.external_id, respondent.language)
        await repository.record_consent(session, respondent.id, PARTICIPATION, granted, self.notice_version)
        if not granted:
            with speaking(self.register_of(questionnaire_id)):
                text = translate("consent_declined", respondent.language)
            return Reply([Message(kind="info", text=text)], lang=respondent.language)
        if questionnaire_id and (questionnaire_id in self.catalog or invitations.is_invitation(questionnaire_id)):
            return await self.start(session, respondent, questionnaire_id)
        return self.menu(respondent.language)

    # --- answering ------------------------------------------------------------------------

    async def handle(
        self,
        session: AsyncSession,
        respondent: Respondent,
        action: Input,
        run_id: str | None = None,
        now: datetime | None = None,
    ) -> Reply:
        """Apply one input to the respondent's open run (or the run a button names)."""
        lang = respondent.language
        if run_id is not None:
            run = await repository.get_run_by_public_id(session, run_id)
            if run is None or run.respondent_id != respondent.id or run.status not in repository.OPEN_STATUSES:
                return Reply([Message(kind="error", text=dialogs.i18n.translate("question_closed", lang))], lang=lang, rejected=True)
        else:
            run = await repository.open_run(session, respondent.id, for_update=True)
        if run is None:
            reply = self.menu(lang)
            # someone who writes first ("ciao") is greeted and offered the questionnaires, not told off
            first_contact = respondent.id is None
            reply.messages.insert(0, Message(kind="info", text=translate("greeting" if first_contact else "no_run", lang)))
            reply.rejected = True
            return reply
        return await self._apply(session, respondent, run, action, now)

    async def _apply(
        self, session: AsyncSession, respondent: Respondent, run: Run, action: Input, now: datetime | None = None
    ) -> Reply:
        try:
            q = await self.catalog.for_run(session, run.questionnaire_id, run.questionnaire_version)
        except UnknownQuestionnaire:
            return Reply([Message(kind="error", text=dialogs.i18n.translate("not_active", respondent.language))], rejected=True)
        with speaking(q.register):  # the summary, the thank-yous and the hooks' texts in the questions' register
            return await self._apply_to(session, respondent, run, q, action, now)

    async def _apply_to(
        self, session: AsyncSession, respondent: Respondent, run: Run, q: Questionnaire, action: Input,
        now: datetime | None,
    ) -> Reply:
        state = RunState.from_json(run.state)
        step = dialogs.handle(q, state, action, now=now, expire_after=self.expire_after)
        reply = Reply(
            step.messages, lang=state.lang, run_id=run.public_id, questionnaire_id=q.id,
            completed=step.completed, rejected=step.rejected,
        )
        if step.state == state:
            return reply  # nothing changed (a refused input): nothing to write
        if step.stopped is not None:  # a stop rule ruled the respondent out (the age gate)
            return await self._stopped(session, respondent, run, step, reply, now)
        if step.answer is not None:
            change = step.answer
            await repository.store_answer(
                session, run.id, change.question_key, change.value, change.raw, change.skipped,
                item_index=change.item_index, replaces=change.replaces,
            )
            reply.stored = True
            reply.answer_text = _describe_change(q, change, state.lang)
        await repository.retire_answers(session, run.id, step.cleared)
        for key, index in step.cleared_items:
            await repository.retire_answers(session, run.id, [key], item_index=index)
        # The engine's state is a copy of its own (dialogs.handle never shares the caller's), so it
        # is saved as it is, without copying it a second time.
        await repository.save_run_state(session, run, vars(step.state).copy(), now=now)
        if step.completed:
            await repository.save_outcomes(session, run.id, step.state.outcomes)
            distributions = {
                outcome.key: await repository.outcome_distribution(session, q.id, outcome.key)
                for outcome in q.outcomes
            }
            report = outcome_report(q, step.state.outcomes, distributions, state.lang)
            if report:
                reply.messages.append(Message(kind="info", text=report, outcomes=dict(step.state.outcomes)))
            for hook in self.on_completed:
                reply.messages.extend(await hook(session, respondent, run, q, step.state))
        return reply

    async def _stopped(
        self, session: AsyncSession, respondent: Respondent, run: Run, step: dialogs.Step, reply: Reply,
        now: datetime | None,
    ) -> Reply:
        """Close a run a stop rule ended, keeping nothing the respondent said in it.

        The run stays, as ``stopped`` with its reason as its only outcome, so it counts and can
        never be resumed, nor its answer changed with "back" (a new run can be started). Under
        the minimum age the consent just given is not valid (Codice privacy art. 2-quinquies): it
        is withdrawn, so nothing is processed on it and whoever starts again, a parent with the
        child, is asked afresh; the reply says whom a parent can write to (the notice's controller).
        """
        reply.stopped = True
        await repository.erase_run_answers(session, run.id)
        await repository.save_run_state(session, run, step.state.to_json(), now=now)
        if step.stopped == UNDER_AGE:
            if respondent.id is not None:
                await repository.record_consent(session, respondent.id, PARTICIPATION, False, self.notice_version)
            controller = self.notice.controller
            reply.messages.append(Message(kind="info", text=translate(
                "minor_contact", reply.lang, controller=self.notice.text(controller.name, reply.lang), email=controller.email,
            )))
        return reply

    async def current_prompt(self, session: AsyncSession, respondent: Respondent) -> Reply:
        """Show the open question again (after a duplicate update, a restart, /stato)."""
        return await self.handle(session, respondent, Input("show"))

    # --- preferences and privacy ---------------------------------------------------------------

    async def set_language(self, session: AsyncSession, respondent: Respondent, lang: str) -> Reply:
        lang = self.language_for(lang)  # one of the plan's languages
        respondent.language = lang
        if respondent.id is None:  # not stored before consent: the choice lives in this reply only
            return Reply([Message(kind="info", text=translate("language_set", lang))], lang=lang)
        run = await repository.open_run(session, respondent.id, for_update=True)
        if run is not None:
            state = RunState.from_json(run.state)
            state.lang = lang
            await repository.save_run_state(session, run, state.to_json())
        return Reply([Message(kind="info", text=translate("language_set", lang))], lang=lang)

    async def privacy_report(self, session: AsyncSession, respondent: Respondent) -> str:
        lang = respondent.language
        data = await repository.respondent_data(session, respondent.id) if respondent.id else None
        if data is None:
            return translate("nothing_held", lang)
        lines = [translate("privacy_header", lang, pseudonym=data.pseudonym), translate("privacy_language", lang, lang=language_name(data.language, lang))]
        for purpose, granted, version, decided_at in data.consents:
            lines.append(  # in plain words: the purpose's label, the date, the notice's date (bot.service.notice)
                translate("privacy_consent", lang, purpose=self.notice.label(purpose, lang),
                          decision=translate("granted" if granted else "revoked", lang),
                          date=long_date(decided_at.date(), lang), version=self.notice.version_words(version, lang))
            )
        for (questionnaire_id, status, version, _), rows in zip(data.runs, data.rows):
            try:
                q = await self.catalog.for_run(session, questionnaire_id, version)
            except UnknownQuestionnaire:
                continue
            lines.append("")
            lines.append(translate("privacy_run", lang, title=q.title.get(lang), status=translate(f"status_{status}", lang), n=len(rows)))
            for key, index, value in rows:
                lines.append(_describe_row(q, key, index, value, lang))
        extra = await privacy_lines(session, respondent)  # the newsletter, a blocked bot, meeting answers
        if extra:
            lines.append("")
            lines.extend(extra)
        lines.append("")
        lines.append(translate("privacy_footer", lang))
        return "\n".join(lines)

    async def erase(self, session: AsyncSession, respondent: Respondent) -> Reply:
        lang = respondent.language
        if respondent.id is None:
            return Reply([Message(kind="info", text=translate("nothing_held", lang))], lang=lang)
        await repository.erase_respondent(session, respondent.id)
        return Reply([Message(kind="info", text=translate("erased", lang))], lang=lang)


def language_name(code: str, lang: str) -> str:
    """«italiano» for "it", in ``lang`` (the privacy report speaks words, not codes)."""
    names = dict(pair.split("=", 1) for pair in translate("language_names", lang).split(","))
    return names.get(code, code)


def _describe_row(q: dialogs.Questionnaire, key: str, index: int, value: object, lang: str) -> str:
    try:
        question = q.question(key)
    except KeyError:  # a follow-up ("…_more"): its text is the answer as typed
        return f"– {value}"
    label = question.text.get(lang)
    if q.group_of(key) is not None:
        label = f"{label} ({index + 1})"
    return f"– {label}\n  {dialogs.describe(q, question, value, lang)}"


def _describe_change(q: dialogs.Questionnaire, change: dialogs.AnswerChange, lang: str) -> str:
    """How an answer reads under its closed question (a follow-up's text as typed)."""
    try:
        question = q.question(change.question_key)
    except KeyError:
        return dialogs.describe(q, dialogs.Question(key="more", type="text", text=dialogs.Text(it="-", en="-")), change.value, lang)
    return dialogs.describe(q, question, change.value, lang)


def conversation_from_settings(settings: Settings, catalog: QuestionnaireCatalog, *, open_only: bool = True) -> Conversation:
    """The one way every transport builds its Conversation, so all run the same completion hooks.

    (Interviews mark their actor, projects become cards, ratings are scored, Telegram
    respondents are asked about the newsletter.)
    """
    use_plan(settings.plan)  # the plan's texts and default language, on every transport
    notice = notice_of(settings)  # checked at start-up (bot.cli): here it is read from the cache
    use_notice(notice)  # the newsletter's opt-in records its version too
    catalog.use_parameters({"minimum_age": settings.minimum_age})  # the age gate's threshold
    return Conversation(
        catalog,
        languages=settings.plan.languages,
        expire_after=timedelta(hours=settings.run_expiry_hours),
        notice=notice,
        notice_url=settings.web_base_url + NOTICE_PATH,
        default_lang=settings.lang,
        on_completed=[ListeningHooks(settings.rating_weights), NewsletterOptIn()],
        open_only=open_only,
    )
