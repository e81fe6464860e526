"""The Cloud API emulator refuses what the real API refuses, so the channel's tests can fail."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from tests.support import whatsapp as emulator


def buttons(n: int, title: str = "Scelta") -> dict[str, Any]:
    return {"type": "button", "body": {"text": "Domanda?"},
            "action": {"buttons": [{"type": "reply", "reply": {"id": f"b{i}", "title": f"{title}{i}"}} for i in range(n)]}}


def rows(n: int, title: str = "Riga") -> dict[str, Any]:
    return {"type": "list", "body": {"text": "Domanda?"}, "action": {"button": "Scegli", "sections": [
        {"title": "Tutte", "rows": [{"id": f"r{i}", "title": f"{title}{i}"} for i in range(n)]}]}}


@pytest.mark.parametrize("interactive, accepted", [
    (buttons(3), True), (buttons(4), False), (buttons(1, "x" * 20), False), (buttons(2, "x" * 18), True),
    (rows(10), True), (rows(11), False), (rows(2, "y" * 23), True), (rows(2, "y" * 24), False),
    ({**buttons(2), "body": {"text": "z" * 1025}}, False), ({**buttons(2), "body": {"text": "z" * 1024}}, True),
])
def test_interactive_limits(interactive: dict[str, Any], accepted: bool) -> None:
    body = {"messaging_product": "whatsapp", "to": "393330000000", "type": "interactive", "interactive": interactive}
    if accepted:
        assert emulator.check_message(body) == "interactive"
    else:
        with pytest.raises(emulator.Refused):
            emulator.check_message(body)


async def test_the_window_the_token_and_templates() -> None:
    async with emulator.CloudAPI() as api:
        url = f"{api.base_url}/{api.version}/{api.phone_id}/messages"
        text = {"messaging_product": "whatsapp", "to": "393330000001", "type": "text", "text": {"body": "ciao"}}
        template = {"messaging_product": "whatsapp", "to": "393330000001", "type": "template",
                    "template": {"name": "promemoria", "language": {"code": "it"}}}
        async with httpx.AsyncClient(headers={"Authorization": f"Bearer {api.token}"}) as client:
            refused = await client.post(url, json=text)
            assert refused.status_code == 400 and refused.json()["error"]["code"] == 131047  # never wrote: outside
            assert (await client.post(url, json=template)).status_code == 200
            api.message_payload(api.user("393330000001"), {"type": "text", "text": {"body": "ciao"}})  # they write
            assert (await client.post(url, json=text)).json()["messages"][0]["id"].startswith("wamid.")
            api.advance(hours=24)
            assert (await client.post(url, json=text)).status_code == 400
            assert (await client.post(url, json=text, headers={"Authorization": "Bearer nope"})).status_code == 401
