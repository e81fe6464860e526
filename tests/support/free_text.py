"""Store free-text answers the way a respondent does: through the Conversation service."""

from __future__ import annotations

from bot.service.conversation import Conversation
from dialogs import Input
from storage import Database

CHANNEL = "telegram"
# imprese up to its first free-text question (innovation_example) ...
TO_EXAMPLE = ["2", "2", "1", "1,2"]
# ... and from there to the last one (city_role)
TO_CITY_ROLE = ["1", "3,5", "1", "1,2", "1", "4", "si", "1,2", "1", "1"]


async def send(db: Database, conversation: Conversation, user: str, value: str):
    async with db.transaction() as session:
        respondent = await conversation.lookup(session, CHANNEL, user)
        return await conversation.handle(session, respondent, Input("text", value))


async def answer_imprese(
    db: Database, conversation: Conversation, user: str, example: str, city_role: str | None = None
) -> None:
    """Consent, then answer imprese with ``example`` (and ``city_role``: the whole survey)."""
    async with db.transaction() as session:
        respondent = await conversation.lookup(session, CHANNEL, user, "it")
        await conversation.start(session, respondent, "imprese")
    async with db.transaction() as session:
        respondent = await conversation.lookup(session, CHANNEL, user)
        await conversation.decide_consent(session, respondent, True, "imprese")
    values = [*TO_EXAMPLE, example]
    if city_role is not None:
        values += [*TO_CITY_ROLE, city_role]
    for value in values:
        reply = await send(db, conversation, user, value)
        assert reply.stored, (value, [m.text for m in reply.messages])
