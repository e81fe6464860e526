"""The bot's connection retries: capped backoff for as long as it takes, one log line a minute.

The schedule runs on an injected sleep and clock: nothing here waits for real time.
"""

from __future__ import annotations

import logging

from bot.service.health import BotStatus, describe, keep_trying


class FakeTime:
    def __init__(self) -> None:
        self.now = 0.0
        self.sleeps: list[float] = []

    def clock(self) -> float:
        return self.now

    async def sleep(self, seconds: float) -> None:
        self.sleeps.append(seconds)
        self.now += seconds


async def test_retries_back_off_to_a_cap_log_once_a_minute_and_return_the_result(caplog):
    time = FakeTime()
    calls = 0

    async def attempt() -> str:
        nonlocal calls
        calls += 1
        if calls <= 12:
            raise ConnectionRefusedError(111, "Connection refused to 123:SECRET-TOKEN")
        return "connected"

    with caplog.at_level(logging.INFO, logger="scenari.bot"):
        result = await keep_trying(attempt, what="connecting", secret="123:SECRET-TOKEN",
                                   sleep=time.sleep, clock=time.clock)
    assert result == "connected" and calls == 13
    assert time.sleeps == [1, 2, 4, 8, 16, 30, 30, 30, 30, 30, 30, 30]  # doubling, capped at 30 s
    warnings = [r for r in caplog.records if r.levelno == logging.WARNING]
    # failures at t = 0, 1, 3, 7, 15, 31, 61, 91, 121, 151, 181, 211: logged at 0, 61, 121, 181
    assert len(warnings) == 4
    assert [r.fields["failures"] for r in warnings] == [1, 7, 9, 11]  # type: ignore[attr-defined]
    assert all("SECRET-TOKEN" not in str(r.fields) for r in warnings)  # type: ignore[attr-defined]
    assert caplog.records[-1].getMessage() == "connecting succeeded"


def test_the_status_states_the_kind_of_error_never_its_text():
    status = BotStatus(mode="polling")
    assert status.as_json()["connected"] is False and status.as_json()["failures"] == 0
    status.down(ConnectionRefusedError("to https://api.telegram.org/bot123:SECRET/getMe"))
    status.down(ConnectionRefusedError("again"))
    shown = status.as_json()
    assert shown["failures"] == 2 and shown["last_error"] == "ConnectionRefusedError" and "SECRET" not in str(shown)
    status.up()
    assert status.as_json()["connected"] is True and status.as_json()["failures"] == 0
    assert BotStatus().as_json() == {"configured": False, "connected": False}
    assert describe(RuntimeError("bad 123:SECRET here"), "123:SECRET") == "RuntimeError: bad *** here"
