"""/privacy: what the service holds about this browser's respondent, its download and its erasure;
/informativa: the plan's privacy notice in full (bot.service.notice).

The same report, export and erasure as the chat's /privacy and /cancella (the Conversation
service and :mod:`bot.service.personal_data`); erasing also gives the browser a new identity,
since the old one is gone with the data.
"""

from __future__ import annotations

import logging

from starlette.requests import Request
from starlette.responses import Response

from bot.service import notice as privacy_notice, personal_data
from bot.service import texts as service_texts

from . import newsletter
from .citizen import CHANNEL, WebChannel
from .forms import FormError
from .session import WebSession
from .texts import translate

log = logging.getLogger("scenari.web")


class PrivacyPages:
    """The privacy page, its download of the respondent's data, and the erasure form's post."""

    def __init__(self, web: WebChannel) -> None:
        self.web = web

    async def show(self, request: Request) -> Response:
        ws = self.web.sessions.read(request)
        async with self.web.transaction() as session:
            respondent = await self.web.respondent(session, ws)
            lang = respondent.language
            report = await self.web.conversation.privacy_report(session, respondent)
            news = (await newsletter.subscription(session, respondent, self.web.conversation.notice)).state
        return self._page(request, ws, lang, report, held=respondent.id is not None, news=news)

    def _page(
        self, request: Request, ws: WebSession, lang: str, report: str, held: bool, error: str | None = None,
        status: int = 200, news: str = "never",
    ) -> Response:
        footer = service_texts.translate("privacy_footer", lang)  # the chat's "/cancella" hint: here the form below does it
        # the news line names the chat's /disiscrivi: here its own section says it, with the button
        chat_only = {footer, *(service_texts.translate(f"privacy_newsletter_{k}", lang) for k in ("on", "off", "paused"))}
        lines = [line for line in report.split("\n") if line.strip() not in chat_only]
        erased = request.query_params.get("cancellato") == "1" and not held
        return self.web.page(request, ws, lang, "privacy.html", {
            "title": translate("privacy_title", lang), "lines": lines, "held": held, "error": error,
            "erased": service_texts.translate("erased", lang) if erased else None, "newsletter": news,
        }, status)

    async def notice(self, request: Request) -> Response:
        """The full privacy notice, in the browser's language (the default one where it has no text)."""
        ws = self.web.sessions.read(request)
        lang = self.web.lang(ws)
        notice = self.web.conversation.notice
        return self.web.page(request, ws, lang, "informativa.html", {
            "title": notice.text(notice.title, lang),
            "version": notice.version_words(notice.version, lang),
            "sections": privacy_notice.full_sections(notice, lang),
        })

    async def my_data(self, request: Request) -> Response:
        """The privacy page's download (bot.service.personal_data): nothing held → back to the page."""
        ws = self.web.sessions.read(request)
        async with self.web.transaction() as session:
            respondent = await self.web.respondent(session, ws)
            data = (await personal_data.export(session, respondent.id, "respondent", self.web.conversation.notice)
                    if respondent.id else None)
        if data is None:
            return self.web.redirect(request, ws, "/privacy")
        response = Response(data.content, media_type="application/json", headers={
            "content-disposition": f'attachment; filename="{data.filename}"', "cache-control": "no-store"})
        return self.web.sessions.attach(response, request, ws)

    async def erase(self, request: Request) -> Response:
        ws = self.web.sessions.read(request)
        try:
            form = await self.web.checked_form(request, ws)
        except FormError as error:
            return self.web.form_refused(request, ws, error)
        async with self.web.transaction() as session:
            respondent = await self.web.respondent(session, ws)
            lang = respondent.language
            if form.get("confirm") != "yes":
                report = await self.web.conversation.privacy_report(session, respondent)
                return self._page(
                    request, ws, lang, report, held=respondent.id is not None,
                    error=translate("erase_needs_confirm", lang), status=400,
                )
            await self.web.conversation.erase(session, respondent)
        log.info("respondent erased", extra={"fields": {"channel": CHANNEL}})
        self.web.flashes.forget(ws.respondent_id)
        self.web.consents.forget(ws.respondent_id)
        fresh = self.web.sessions.renew()  # the old id is gone with the data: a new browser identity
        return self.web.redirect(request, fresh, "/privacy?cancellato=1", lang)
