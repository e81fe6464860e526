"""End to end (issue 19): an invited stakeholder gets the e-mail and completes the interview from its link.

The register is imported with a contact address, `scenari actors invite --email` queues the
invitation (the service function it calls), the e-mail sender delivers it over STARTTLS to a
local SMTP server (aiosmtpd), and the link is read *from the e-mail the server received* and
opened in headless Chromium, JavaScript off, where the listening interview is answered to the
end. Then: the link is refused in another browser (single use), the contact who answered gets
no reminder, and the e-mail's unsubscribe link works in the browser.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pytest

from bot.mail.sender import EmailSender, Links, SmtpConfig
from bot.service import mailing
from bot.web.session import load_secret_key
from storage import Database, register
from storage.models import utcnow
from storage.outbox import email as email_outbox
from storage.register import ActorRow
from tests.support.cdp import chromium, chromium_path
from tests.support.smtp import PASSWORD, USER, SmtpServer, openssl_path
from tests.web.test_web_browser import ARTIFACTS, LiveServer
from tests.web.test_web_browser_invitation import asks, press, tick, write

pytestmark = [
    pytest.mark.skipif(chromium_path() is None,
                       reason="headless Chromium is not installed (apt-get install chromium; .ci/run installs it)"),
    pytest.mark.skipif(openssl_path() is None, reason="openssl is needed to make the SMTP server's certificate"),
]


@pytest.fixture
def live(tmp_path: Path) -> Iterator[LiveServer]:
    with LiveServer(f"sqlite+aiosqlite:///{tmp_path / 'email.db'}", tmp_path / "secret_key") as server:
        yield server


async def test_the_emailed_link_opens_the_interview_in_the_browser_to_the_end(live: LiveServer, tmp_path: Path):
    db = Database(live.database_url)
    secret = mailing.unsubscribe_secret(load_secret_key(None, live.key_file))  # the web's key, as `scenari serve` has it
    try:
        with SmtpServer(tmp_path) as smtp:
            async with db.transaction() as session:
                await register.import_actors(session, [ActorRow(
                    "coldiretti", "Coldiretti Cremona", "trade_association", "Maria Rossi", 2, "m.rossi@coldiretti.example.it")])
                queued = await mailing.queue_invitations(session, await register.list_actors(session))
            assert queued.queued == ["coldiretti"]
            config = SmtpConfig(host="127.0.0.1", port=smtp.port, username=USER, password=PASSWORD, starttls=True,
                                sender_address="piano@comune.example.it", sender_name="Piano strategico di Cremona",
                                tls_context=smtp.client_context())
            stats = await EmailSender(db, config, Links(live.url, secret), rate=0).run(until_done=True, idle_seconds=0.05)
            assert stats.sent == 1
            [mail] = smtp.messages
            assert mail.tls and mail.recipients == ["m.rossi@coldiretti.example.it"]
            text = mail.message.get_body(preferencelist=("plain",)).get_content()
            link = re.search(re.escape(live.url) + r"/q/ascolto\?t=[a-z0-9]+", text).group(0)  # type: ignore[union-attr]
            unsubscribe = re.search(re.escape(live.url) + r"/email/disiscrivi\?t=\S+", text).group(0)  # type: ignore[union-attr]

            async with chromium(width=390, height=844) as page:
                await page.send("Emulation.setScriptExecutionDisabled", value=True)
                await page.goto(link)
                assert "Accetta di partecipare?" in await page.evaluate("document.body.innerText")
                await press(page, "Accetto")
                assert "Qual è il suo ruolo" in await asks(page)
                await write(page, "Responsabile delle politiche territoriali")
                await press(page, "Associazioni di categoria")
                await write(page, "Filiera corta tra aziende agricole e ristorazione cittadina")
                await press(page, "Breve termine (entro 2 anni)")
                await press(page, "No")
                for theme in ("Collaborazione tra attori", "Innovazione", "Tradizione e identità"):
                    await press(page, theme)
                await press(page, "Conferma l'ordine")
                await tick(page, "Una città che collabora e fa rete")
                await press(page, "Salta la domanda")
                await tick(page, "Filiera agroalimentare")
                await press(page, "Salta la domanda")
                await press(page, "Salta la domanda")
                await press(page, "No")
                assert "Filiera corta tra aziende agricole" in await asks(page)
                await press(page, "Invia le risposte ✔")
                assert "Intervista completata" in await page.evaluate("document.body.innerText")
                await page.screenshot(ARTIFACTS / "email_invitation_completed.png")

            async with chromium(width=390, height=844) as other:  # somebody the e-mail was forwarded to
                await other.send("Emulation.setScriptExecutionDisabled", value=True)
                await other.goto(link)
                assert "già stato usato da un'altra persona" in await other.evaluate("document.body.innerText")

                async with db.transaction() as session:
                    actor = await register.get_actor(session, "coldiretti")
                    reminders = await mailing.queue_reminders(session, (7,), now=utcnow() + timedelta(days=8))
                assert actor is not None and actor.state == "answered"
                assert reminders.queued == []  # who answered is not reminded

                await other.goto(unsubscribe)
                assert "Vuole smettere di ricevere e-mail" in await other.evaluate("document.body.innerText")
                await other.evaluate("document.querySelector('main form button').focus()")
                await other.key("Enter", navigates=True)
                assert "non riceverà più e-mail" in await other.evaluate("document.body.innerText")
            async with db.transaction() as session:
                assert await email_outbox.opted_out(session, ["M.Rossi@coldiretti.example.it"]) == {"m.rossi@coldiretti.example.it"}
            assert len(smtp.messages) == 1
    finally:
        await db.dispose()
