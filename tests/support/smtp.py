"""A local SMTP server for the e-mail tests (aiosmtpd): STARTTLS with a certificate made for the test, a login, and faults.

``SmtpServer`` runs aiosmtpd's controller in its own thread. With ``tls=True`` (the default) it
offers STARTTLS with a self-signed certificate made by ``openssl`` for 127.0.0.1 and *requires*
it before ``MAIL`` and before ``AUTH``, so a client that stayed in clear text gets nothing
through; ``ca_file`` is the certificate for the client to trust. Every accepted message is
parsed into ``messages`` (:class:`email.message.EmailMessage`), with the envelope beside it.

Faults, to drive the outbox's rules: ``refuse_rcpt`` answers RCPT with a code (e.g. 451: try
later, 550: no such mailbox) for the next N recipients; ``stall_data`` takes the message and
answers only after the given seconds (a client with a shorter timeout sees the line go quiet
*after* DATA: the server may have it — it does, here).
"""

from __future__ import annotations

import asyncio
import email
import email.policy
import shutil
import socket
import ssl
import subprocess
import threading
from dataclasses import dataclass, field
from email.message import EmailMessage
from pathlib import Path
from typing import Any

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult, LoginPassword

USER, PASSWORD = "scenari", "a-test-password"


def openssl_path() -> str | None:
    return shutil.which("openssl")


def make_certificate(folder: Path) -> tuple[Path, Path]:
    """A self-signed certificate and key for 127.0.0.1 / localhost, valid for a day."""
    cert, key = folder / "smtp-cert.pem", folder / "smtp-key.pem"
    subprocess.run(
        [openssl_path() or "openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", str(key), "-out", str(cert),
         "-days", "1", "-subj", "/CN=localhost", "-addext", "subjectAltName=IP:127.0.0.1,DNS:localhost"],
        check=True, capture_output=True,
    )
    return cert, key


@dataclass
class Received:
    sender: str
    recipients: list[str]
    message: EmailMessage
    tls: bool  # whether the transaction ran over TLS (after STARTTLS)
    user: str | None


@dataclass
class Handler:
    received: list[Received] = field(default_factory=list)
    refuse_rcpt: list[int] = field(default_factory=list)  # codes for the next RCPTs, one each
    stall_data: float = 0.0
    lock: threading.Lock = field(default_factory=threading.Lock)

    async def handle_RCPT(self, server: Any, session: Any, envelope: Any, address: str, options: list[str]) -> str:
        with self.lock:
            code = self.refuse_rcpt.pop(0) if self.refuse_rcpt else 0
        if code:
            return f"{code} {'try again later' if code < 500 else 'no such mailbox'}"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        message = email.message_from_bytes(envelope.original_content or envelope.content, policy=email.policy.default)
        login = session.auth_data
        with self.lock:
            self.received.append(Received(
                envelope.mail_from, list(envelope.rcpt_tos), message,  # type: ignore[arg-type]
                tls=session.ssl is not None, user=login.login.decode() if isinstance(login, LoginPassword) else None,
            ))
        if self.stall_data:
            await asyncio.sleep(self.stall_data)
        return "250 Message accepted for delivery"


def _authenticate(server: Any, session: Any, envelope: Any, mechanism: str, auth_data: Any) -> AuthResult:
    ok = isinstance(auth_data, LoginPassword) and auth_data.login == USER.encode() and auth_data.password == PASSWORD.encode()
    return AuthResult(success=ok, handled=False, auth_data=auth_data)


class SmtpServer:
    def __init__(self, folder: Path, tls: bool = True) -> None:
        self.handler = Handler()
        with socket.socket() as s:
            s.bind(("127.0.0.1", 0))
            self.port = s.getsockname()[1]
        self.ca_file: Path | None = None
        options: dict[str, Any] = {"authenticator": _authenticate, "auth_required": True}
        if tls:
            cert, key = make_certificate(folder)
            context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
            context.load_cert_chain(str(cert), str(key))
            options.update(tls_context=context, require_starttls=True, auth_require_tls=True)
            self.ca_file = cert
        else:
            options.update(auth_require_tls=False)
        self.controller = Controller(self.handler, hostname="127.0.0.1", port=self.port, server_hostname="localhost",
                                     ready_timeout=10, **options)

    @property
    def messages(self) -> list[Received]:
        with self.handler.lock:
            return list(self.handler.received)

    def __enter__(self) -> SmtpServer:
        self.controller.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.controller.stop()

    def client_context(self) -> ssl.SSLContext:
        """What the client trusts: exactly this server's certificate."""
        return ssl.create_default_context(cafile=str(self.ca_file)) if self.ca_file else ssl.create_default_context()

    def settings(self) -> dict[str, Any]:
        """The SCENARI_SMTP_* settings that reach this server."""
        values: dict[str, Any] = {
            "SCENARI_SMTP_HOST": "127.0.0.1", "SCENARI_SMTP_PORT": self.port, "SCENARI_SMTP_USER": USER,
            "SCENARI_SMTP_PASSWORD": PASSWORD, "SCENARI_SMTP_STARTTLS": self.ca_file is not None,
            "SCENARI_EMAIL_FROM": "piano@comune.example.it", "SCENARI_EMAIL_RATE": 0,
        }
        if self.ca_file:
            values["SCENARI_SMTP_CA_FILE"] = str(self.ca_file)
        return values
