"""A small deliberation round in the database, with a category under k, for the disclosure tests.

Five firms, six citizens and a union of two (under k = 3: never shown by category) vote on eight
statements; on statement 8 only two firms vote (a cell under k). Firms agree with 1–4 and reject
5–8, citizens the other way round, the union's two members split. :data:`VOTES` is the truth the
attacker's solution is checked against (tests/support/consensus_attack.py).
"""

from __future__ import annotations

from storage import Database, deliberation, register, repository
from storage.models import RespondentActor
from storage.register import ActorRow

PEOPLE: dict[str, str] = {**{f"f{i}": "firm" for i in range(1, 6)}, **{f"c{i}": "citizen" for i in range(1, 7)},
                          "u1": "union", "u2": "union"}
STATEMENTS = 8


def _choice(person: str, statement: int) -> str | None:
    category = PEOPLE[person]
    if statement == 8 and person in ("f3", "f4", "f5", "u2"):
        return None  # statement 8: only two firms (and one unionist) vote
    if person == "f5" and statement == 3 or person == "c6" and statement == 1:
        return "pass"
    if category == "firm" or person == "u2":
        return "agree" if statement <= 4 else "disagree"
    if category == "citizen":
        return "disagree" if statement <= 4 else "agree"
    return "agree"  # u1 agrees with everything


VOTES: list[tuple[int, str, str, str]] = [  # (statement number 1…8, person, category, choice)
    (s, p, PEOPLE[p], c) for s in range(1, STATEMENTS + 1) for p in PEOPLE if (c := _choice(p, s)) is not None]


async def build_round(db: Database) -> dict[int, int]:
    """The round ``maggio`` with :data:`VOTES` stored; returns statement number → statement id."""
    async with db.transaction() as session:
        ids = {p: (await repository.get_or_create_respondent(session, "telegram", str(8100 + i), "it")).id
               for i, p in enumerate(PEOPLE)}
        await register.import_actors(session, [ActorRow("imp", "Imprese del test", "firm"),
                                               ActorRow("sin", "Sindacato del test", "union")])
        actors = {"firm": (await register.get_actor(session, "imp")).id,  # type: ignore[union-attr]
                  "union": (await register.get_actor(session, "sin")).id}  # type: ignore[union-attr]
        for person, category in PEOPLE.items():
            if category in actors:
                session.add(RespondentActor(respondent_id=ids[person], actor_id=actors[category]))
        await session.flush()
        statements = {s: (await deliberation.add_statement(session, f"Affermazione di prova numero {s}", "moderator",
                                                           status="approved")).id for s in range(1, STATEMENTS + 1)}
        round_id = (await deliberation.open_round(session, "maggio", {}, min_votes=3, min_category_votes=3)).id
        await deliberation.add_participants(session, round_id, list(ids.values()))
        for s, person, _, choice in VOTES:
            await deliberation.record_vote(session, round_id, statements[s], ids[person], choice)
    return statements
