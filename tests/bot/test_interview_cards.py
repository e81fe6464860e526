"""An interview's projects become project cards that raters can assess."""

from __future__ import annotations

from dialogs import Input
from storage import ratings
from storage.register import ActorRow, import_actors


async def test_each_interview_project_becomes_a_card(db, conversation):
    async with db.transaction() as session:
        await import_actors(session, [ActorRow(code="cna", organisation="CNA Cremona", category="trade_association")])
        respondent = await conversation.respondent(session, "telegram", "77")
        await conversation.decide_consent(session, respondent, True, None)
        await conversation.begin(session, respondent, "ascolto")
    inputs = [
        Input("text", "Presidente"), Input("text", "2"),
        Input("text", "Portare la banda ultralarga in tutte le zone artigianali"), Input("text", "1"),
        Input("choice", "no"),
        Input("text", "1,6,3"), Input("text", "1"), Input("skip"), Input("text", "5"),
        Input("skip"), Input("skip"), Input("choice", "yes"),
        Input("text", "Bottega digitale"), Input("text", "2"), Input("text", "citta_digitale"),
        Input("text", "Un servizio comune di vendita online per le botteghe artigiane del centro"),
        Input("choice", "yes"),
        Input("text", "Scuola di restauro"), Input("text", "1"), Input("text", "tradizione"),
        Input("text", "Corsi serali di restauro del legno aperti ai giovani della provincia"),
        Input("choice", "no"),
        Input("choice", "_submit"),
    ]
    for action in inputs:
        async with db.transaction() as session:
            respondent = await conversation.lookup(session, "telegram", "77")
            reply = await conversation.handle(session, respondent, action)
        assert not reply.rejected, (action, [m.text for m in reply.messages])
    assert reply.completed
    async with db.transaction() as session:
        cards = await ratings.list_cards(session)
    assert [(c.title, c.stage, c.theme, c.item_index) for c in cards] == [
        ("Bottega digitale", "design", "citta_digitale", 0),
        ("Scuola di restauro", "idea", "tradizione", 1),
    ]
    assert cards[0].fields["description"].startswith("Un servizio comune")
