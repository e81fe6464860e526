"""Shared by the communication tests: subscribers made straight in the store, sends counted per chat."""

from __future__ import annotations

from collections import Counter

from storage import Database, repository
from storage.audiences import NEWSLETTER
from tests.support.fake_bot_api import FakeBotAPI


async def subscribers(db: Database, api: FakeBotAPI | None, ids: list[int], lang: str = "it",
                      opt_in: bool = True) -> dict[int, int]:
    """Telegram respondents with consent (and the newsletter opt-in); returns user id → respondent id."""
    made = {}
    async with db.transaction() as session:
        for uid in ids:
            if api is not None:
                api.user(uid, language_code=lang)
            r = await repository.get_or_create_respondent(session, "telegram", str(uid), lang)
            await repository.record_consent(session, r.id, "participation", True, "test")
            if opt_in:
                await repository.record_consent(session, r.id, NEWSLETTER, True, "test")
            made[uid] = r.id
    return made


def sends_per_chat(api: FakeBotAPI, method: str = "sendMessage") -> Counter[int]:
    return Counter(int(c.params["chat_id"]) for c in api.calls_of(method))
