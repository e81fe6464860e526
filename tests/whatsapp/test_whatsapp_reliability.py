"""Nothing lost, nothing doubled on WhatsApp: `scenari serve` killed with SIGKILL, twice, and restarted.

First killed right after acknowledging a webhook (its reply queued, not sent yet): the restarted
process sends it. Then killed while the Cloud API had a reply and had not answered yet: the
restarted process holds that row as uncertain and never sends it twice; the respondent asks
«stato» and goes on. The answers are stored once each, and every message the emulator received
is one outbox row's.
"""

from __future__ import annotations

import asyncio
import os
import signal
import socket
import sys
from pathlib import Path

import httpx
from sqlalchemy import select

from storage import Database
from storage.models import OutboxMessage
from tests.support import whatsapp as emulator
from tests.support.polling import until
from tests.whatsapp.conftest import whatsapp_env
from tests.whatsapp.test_whatsapp_channel import answer_count, stored_answers

SCENARI = Path(sys.executable).with_name("scenari")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


async def _spawn(cloud: emulator.CloudAPI, url: str, port: int, tmp_path: Path) -> asyncio.subprocess.Process:
    env = {**os.environ, **whatsapp_env(cloud), "SCENARI_DATABASE_URL": url, "SCENARI_PORT": str(port),
           "SCENARI_SECRET_KEY": "k" * 32, "SCENARI_WHATSAPP_LEASE_SECONDS": "3"}
    for name in ("TELEGRAM_BOT_TOKEN", "TELEGRAM_WEBHOOK_URL"):
        env.pop(name, None)
    process = await asyncio.create_subprocess_exec(str(SCENARI), "serve", env=env, cwd=str(tmp_path),
                                                   stdout=asyncio.subprocess.DEVNULL, stderr=asyncio.subprocess.PIPE)

    async def serving() -> bool:
        if process.returncode is not None:
            raise RuntimeError((await process.stderr.read()).decode())  # type: ignore[union-attr]
        try:
            async with httpx.AsyncClient() as client:
                return (await client.get(f"http://127.0.0.1:{port}/healthz")).status_code == 200
        except httpx.TransportError:
            return False

    await until(serving, timeout=180)
    cloud.webhook_url = f"http://127.0.0.1:{port}/whatsapp/webhook"
    return process


async def _kill(process: asyncio.subprocess.Process) -> None:
    process.send_signal(signal.SIGKILL)
    await process.wait()


async def _rows(url: str) -> list[tuple[str, str | None]]:
    db = Database(url)
    try:
        async with db.transaction() as session:
            return [(status, wamid) for status, wamid in await session.execute(
                select(OutboxMessage.status, OutboxMessage.provider_message_id).where(OutboxMessage.channel == "whatsapp"))]
    finally:
        await db.dispose()


async def test_a_killed_service_sends_each_reply_once(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'killed.db'}"
    port = free_port()
    async with emulator.CloudAPI() as cloud:
        user = cloud.user("393330000020")
        process = await _spawn(cloud, url, port, tmp_path)
        try:
            await user.send_text("imprese")
            await user.wait_text("privacy")
            await user.press("Accetto")
            await user.wait_text("In quale settore")
            await user.send_text("commercio")
            await user.wait_text("Quanti addetti")
            await user.press("1–9")  # acknowledged: the answer and its reply are committed …
        finally:
            await _kill(process)  # … and the process dies before (or while) sending the reply
        process = await _spawn(cloud, url, port, tmp_path)
        try:
            await user.wait_text("In quale comune", timeout=120)  # the queued reply, sent by the new process
            cloud.answer_delay = 30.0  # the Cloud API takes the next reply and is slow to answer …
            await user.press("Castelleone")
            await user.wait_text("introdotto innovazioni")
        finally:
            await _kill(process)  # … and the process dies while the API has it
        cloud.answer_delay = 0.0
        process = await _spawn(cloud, url, port, tmp_path)
        try:
            # its lease runs out (3 s): held as uncertain, not sent again
            await until(lambda: _has_uncertain(url), timeout=120)
            await user.expect_silence(2.0)
            assert sum("introdotto innovazioni" in m.text for m in user.messages) == 1
            await user.send_text("stato")
            status = await user.wait_text("Sei alla domanda")
            assert "4 di 16" in status.text
            await user.wait_text("introdotto innovazioni")
            await user.send_text("1")
            await user.wait_text("innovazione più importante")
        finally:
            process.send_signal(signal.SIGTERM)
            await asyncio.wait_for(process.wait(), 60)
        rows = await _rows(url)
    sent = [wamid for status, wamid in rows if status == "sent"]
    assert len(set(sent)) == len(sent) and set(sent) <= {m.id for m in cloud.sent}
    # The second kill always leaves one uncertain row (the API held that reply). The first kill may
    # land after the API took its reply too: then that row is uncertain as well, never resent.
    uncertain = [status for status, _ in rows].count("uncertain")
    assert 1 <= uncertain <= 2
    # every message the API took is a sent row's or an uncertain one's, each at most once
    assert len(sent) + 1 <= len(cloud.sent) <= len(sent) + uncertain
    db = Database(url)
    try:
        answers = await stored_answers(db, user.wa_id, "imprese")
        assert {k: answers[k] for k in ("ateco_section", "employees", "municipality")} == {
            "ateco_section": "G", "employees": "micro", "municipality": "castelleone"}
        assert answers["innovations"] == ["product"]
        assert await answer_count(db, user.wa_id) == 4
    finally:
        await db.dispose()


async def _has_uncertain(url: str) -> bool:
    return any(status == "uncertain" for status, _ in await _rows(url))
