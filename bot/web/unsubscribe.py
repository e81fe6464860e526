"""/email/disiscrivi: the unsubscribe link of the invitation and reminder e-mails (issue 19).

``GET`` shows what the link does and a button: a mail scanner that follows every link must not
unsubscribe anybody. ``POST`` does it — from that button, or straight from a mail client's
one-click unsubscribe (RFC 8058, the ``List-Unsubscribe-Post`` header), which comes without a
cookie: the signed token is the credential here, so no CSRF token is asked for. The address is
then on the list every later e-mail is checked against (:func:`bot.service.mailing.unsubscribe`).
"""

from __future__ import annotations

import logging

from starlette.requests import Request
from starlette.responses import Response

from bot.service import mailing

from .citizen import WebChannel
from .forms import FormError, read_form

log = logging.getLogger("scenari.web")


class UnsubscribePages:
    def __init__(self, web: WebChannel) -> None:
        self.web = web
        self.secret = web.sessions.derived_secret(mailing.PURPOSE)
        self.sender = mailing.sender_name(web.settings)

    def _page(self, request: Request, lang: str, texts: list[str], token: str | None = None, kind: str = "info",
              status: int = 200) -> Response:
        ws = self.web.sessions.read(request)
        return self.web.page(request, ws, lang, "unsubscribe.html", {
            "title": mailing.translate("unsubscribe_title", lang), "texts": texts, "kind": kind, "token": token,
            "action": mailing.UNSUBSCRIBE_PATH, "button": mailing.translate("unsubscribe_button", lang),
        }, status)

    async def _lang(self, request: Request, token: str) -> tuple[str, bool]:
        """The page's language (the e-mail's, else the browser's) and whether the link is genuine."""
        async with self.web.transaction() as session:
            lang = await mailing.link_language(session, self.secret, token)
        return (lang or self.web.lang(self.web.sessions.read(request))), lang is not None

    async def confirm(self, request: Request) -> Response:
        token = request.query_params.get("t", "")
        lang, genuine = await self._lang(request, token)
        if not genuine:
            return self._page(request, lang, [mailing.translate("unsubscribe_bad_link", lang)], kind="error", status=400)
        return self._page(request, lang, [mailing.translate("unsubscribe_confirm", lang, sender=self.sender)], token=token)

    async def unsubscribe(self, request: Request) -> Response:
        try:
            form = await read_form(request)
        except FormError:
            form = {}  # type: ignore[assignment]
        token = str(form.get("t") or request.query_params.get("t") or "")
        lang, _ = await self._lang(request, token)
        async with self.web.transaction() as session:
            done = await mailing.unsubscribe(session, self.secret, token,
                                             "link" if "t" in form else "one-click")
        if done is None:
            return self._page(request, lang, [mailing.translate("unsubscribe_bad_link", lang)], kind="error", status=400)
        log.info("e-mail address unsubscribed", extra={"fields": {"new": done}})
        return self._page(request, lang, [mailing.translate("unsubscribe_done", lang, sender=self.sender)])
