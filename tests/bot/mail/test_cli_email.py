"""`scenari actors invite --email`, `remind --email` and `emails` as an operator runs them, against a local SMTP server."""

from __future__ import annotations

import os
import signal
import subprocess
import threading
from pathlib import Path

import pytest

from tests.support.cli import SCENARI, query, scenari
from tests.support.smtp import PASSWORD, SmtpServer, openssl_path

pytestmark = pytest.mark.skipif(openssl_path() is None, reason="openssl is needed to make the SMTP server's certificate")


def test_invite_by_email_queues_then_sends_with_send_and_never_twice(tmp_path: Path) -> None:
    db = tmp_path / "scenari.db"
    sheet = tmp_path / "register.csv"
    sheet.write_text(
        "codice;organizzazione;categoria;referente;email;lingua\n"
        "coldiretti;Coldiretti Cremona;trade_association;Maria Rossi;m.rossi@coldiretti.example.it;\n"
        "univ;Università di Cremona;university_training;;rettorato@univ.example.it;en\n"
        "cgil;CGIL Cremona;union;Luca Bianchi;;\n", encoding="utf-8")
    bad = tmp_path / "bad.csv"
    bad.write_text("organisation,category,email\nX,firm,not-an-address\n", encoding="utf-8")
    refused = scenari("actors", "import", str(bad), db=db)
    assert refused.returncode == 1 and "contact_email 'not-an-address' is not an e-mail address" in refused.stderr
    assert scenari("actors", "import", str(sheet), db=db).returncode == 0

    with SmtpServer(tmp_path) as smtp:
        env = {k: str(v) for k, v in smtp.settings().items()}
        env["SCENARI_PUBLIC_URL"] = "https://scenari.example.it"
        env["SCENARI_EMAIL_SENDER_NAME"] = "Piano strategico di Cremona"
        queued = scenari("actors", "invite", "--all-pending", "--email", db=db, env=env)
        assert queued.returncode == 0, queued.stderr
        assert queued.stdout.splitlines()[0] == "2 invitation e-mails queued: coldiretti, univ."
        assert "1 no contact_email in the register: cgil" in queued.stdout
        assert "`scenari serve` sends them (or run this again with --send)" in queued.stderr
        assert smtp.messages == []  # queued, not sent

        sent = scenari("actors", "invite", "--all-pending", "--email", "--send", db=db, env=env)
        assert sent.returncode == 0, sent.stderr
        assert "2 already queued or sent, not again: coldiretti, univ" in sent.stdout
        assert "Sent 2, failed 0" in sent.stdout
        assert PASSWORD not in sent.stdout + sent.stderr + queued.stdout + queued.stderr
        assert sorted(m.recipients[0] for m in smtp.messages) == ["m.rossi@coldiretti.example.it", "rettorato@univ.example.it"]
        assert all(m.tls for m in smtp.messages)

        again = scenari("actors", "invite", "--actor", "coldiretti", "--email", "--send", db=db, env=env)
        assert "Sent 0" in again.stdout and len(smtp.messages) == 2

        remind = scenari("actors", "remind", "--email", "--send", db=db, env=env)
        assert remind.returncode == 0 and "2 not due yet (or every reminder had)" in remind.stdout

    status = scenari("actors", "emails", db=db)
    assert status.stdout.strip() == "invitations: sent 2"
    assert query(db, "SELECT state FROM actors ORDER BY code") == [("new",), ("invited",), ("invited",)]


def test_sending_without_an_smtp_server_configured_keeps_the_emails_queued(tmp_path: Path) -> None:
    db = tmp_path / "scenari.db"
    sheet = tmp_path / "register.csv"
    sheet.write_text("organisation,category,contact_email\nColdiretti Cremona,firm,m.rossi@coldiretti.example.it\n",
                     encoding="utf-8")
    scenari("actors", "import", str(sheet), db=db)
    result = scenari("actors", "invite", "--all-pending", "--email", "--send", db=db)
    assert result.returncode == 2 and "SCENARI_SMTP_HOST is not set (the e-mails stay queued)" in result.stderr
    assert query(db, "SELECT status FROM outbox_messages WHERE channel = 'email'") == [("pending",)]


def test_a_send_killed_during_its_smtp_transaction_is_held_not_sent_twice(tmp_path: Path) -> None:
    """kill -9 while the server has the message and has not answered: the restarted command sends nothing again."""
    db = tmp_path / "scenari.db"
    sheet = tmp_path / "register.csv"
    sheet.write_text("organisation,category,contact_email\nColdiretti Cremona,firm,m.rossi@coldiretti.example.it\n",
                     encoding="utf-8")
    scenari("actors", "import", str(sheet), db=db)
    with SmtpServer(tmp_path) as smtp:
        env = {k: str(v) for k, v in smtp.settings().items()}
        smtp.handler.stall_data = 60.0  # the message is in, the answer does not come
        clean = {k: v for k, v in os.environ.items() if not k.startswith(("SCENARI_", "TELEGRAM_"))}
        process = subprocess.Popen(
            [str(SCENARI), "actors", "invite", "--all-pending", "--email", "--send"],
            env={**clean, **env, "SCENARI_DATABASE_URL": f"sqlite:///{db}"}, cwd=tmp_path,
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        )
        try:
            for _ in range(600):  # until the server holds the message (a wait, not a time assertion)
                if smtp.messages or process.poll() is not None:
                    break
                threading.Event().wait(0.1)
            assert len(smtp.messages) == 1
            process.send_signal(signal.SIGKILL)
        finally:
            process.wait(timeout=30)
        smtp.handler.stall_data = 0.0
        assert query(db, "SELECT status FROM outbox_messages WHERE channel = 'email'") == [("inflight",)]

        again = scenari("actors", "invite", "--all-pending", "--email", "--send", db=db, env=env)
        assert "Sent 0" in again.stdout and len(smtp.messages) == 1  # the dead sender's row is not taken
        query(db, "UPDATE outbox_messages SET lease_expires_at = '2000-01-01 00:00:00.000000'")  # its lease runs out
        later = scenari("actors", "remind", "--email", "--send", db=db, env=env)
        assert "Sent 0" in later.stdout and len(smtp.messages) == 1
        assert scenari("actors", "emails", db=db).stdout.strip() == "invitations: uncertain 1"
        # the operator decides it did not arrive after all: sent again, on purpose
        resent = scenari("actors", "emails", "--resend-uncertain", db=db)
        assert resent.stdout.splitlines() == ["1 uncertain e-mails queued again.", "invitations: pending 1"]
        scenari("actors", "remind", "--email", "--send", db=db, env=env)
        assert len(smtp.messages) == 2 and smtp.messages[0].message["Message-ID"] == smtp.messages[1].message["Message-ID"]
