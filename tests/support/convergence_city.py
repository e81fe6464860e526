"""A small hand-made city for the convergence tables; every expected number is worked out by hand
in tests/exports/test_exports_convergence.py.

Actors (register): a1 a2 a3 public_body, a4 a5 a6 firm, a7 a8 union. Respondents 1–8 answer the
interview (ascolto) for a1–a8; 9–13 are citizens (visione); 20–29 firms of the survey (imprese);
30–31 submit project cards (progetto); 40–42 rate them. Respondent 2 revoked consent.
"""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from typing import Any

from sqlalchemy import insert

from storage import Database
from storage.models import (
    Actor, Answer, AnswerTag, Card, Consent, Rating, RespondentActor, Respondent, Run, RunOutcome, TaggedAnswer,
)
from storage.ratings import INDICES

T0 = datetime(2026, 3, 1, 9, 0, tzinfo=timezone.utc)
ACTORS = {1: "public_body", 2: "public_body", 3: "public_body", 4: "firm", 5: "firm", 6: "firm", 7: "union", 8: "union"}

# interviewee → (objective text, its themes), priorities, visions, collaborates_with, would_collaborate
INTERVIEWS: dict[int, tuple[str, list[str], list[str] | None, list[str], list[str], list[str]]] = {
    1: ("Innovazione e ambiente per la città", ["innovazione", "ambiente"], ["innovazione", "ambiente", "lavoro"],
        [], ["a2", "a4"], ["a7"]),
    2: ("Più startup e ricerca", ["innovazione"], ["ambiente", "innovazione", "lavoro"], [], [], []),
    3: ("Un polo tecnologico", ["innovazione"], ["innovazione", "lavoro", "mobilita"], [], [], []),
    4: ("Imprese innovative e liuteria", ["innovazione", "musica_liuteria"], ["innovazione", "ambiente", "mobilita"],
        [], ["a1"], []),
    5: ("Ricerca applicata nelle imprese", ["innovazione"], None, [], [], []),
    6: ("Crescere", [], None, ["citta_innovazione"], [], []),
    7: ("Nuove tecnologie per il lavoro", ["innovazione"], None, [], [], []),
    8: ("Tutela dei lavoratori", [], None, [], [], []),
}
# citizen → (become text, its themes, visions)
CITIZENS: dict[int, tuple[str, list[str], list[str]]] = {
    9: ("Una città verde e innovativa", ["innovazione", "ambiente"], ["citta_talenti"]),
    10: ("=HYPERLINK(\"x\") meno smog, più innovazione", ["innovazione", "ambiente"], ["citta_talenti"]),
    11: ("Parchi e startup", ["innovazione", "ambiente"], ["citta_musica"]),
    12: ("Aria pulita", ["ambiente"], ["citta_talenti"]),
    13: ("Più concerti", ["musica_liuteria"], ["citta_musica"]),
}
# firm → (sector, size, profile, obstacles)
FIRMS: dict[int, tuple[str, str, str, list[str]]] = {
    20: ("C", "micro", "anticipatrice", ["cost", "skills"]),
    21: ("C", "micro", "anticipatrice", ["cost", "skills"]),
    22: ("C", "small", "anticipatrice", ["cost"]),
    23: ("C", "small", "inseguitrice", ["bureaucracy"]),
    24: ("C", "small", "inseguitrice", ["bureaucracy"]),
    25: ("C", "micro", "inseguitrice", ["bureaucracy", "cost"]),
    26: ("G", "micro", "inseguitrice", ["hard_to_keep_up"]),
    27: ("G", "small", "non_innovativa", ["closed_culture"]),
    28: ("G", "micro", "non_innovativa", ["closed_culture"]),
    29: ("G", "small", "non_innovativa", ["closed_culture"]),
}
# card → (submitter, theme, description, its themes, {rater: score on every index})
CARDS: dict[int, tuple[int, str, str, list[str], dict[int, int]]] = {
    1: (30, "innovation", "Un incubatore di imprese", ["innovazione"], {40: 5, 41: 3, 42: 4}),
    2: (31, "other", "Piantare alberi lungo il Po", ["ambiente"], {40: 2, 41: 2}),
}


class _Ids:
    def __init__(self) -> None:
        self.run = self.answer = self.tag = 0


async def build_city(db: Database) -> None:
    rows: dict[Any, list[dict[str, Any]]] = {}
    ids = _Ids()

    def add(model: Any, **values: Any) -> None:
        rows.setdefault(model, []).append(values)

    def respondent(rid: int, consent: bool = True) -> None:
        add(Respondent, id=rid, pseudonym=f"pseudo{rid:04d}", channel="test", external_id=str(rid), language="it")
        add(Consent, respondent_id=rid, purpose="participation", granted=True, notice_version="t", decided_at=T0)
        if not consent:
            add(Consent, respondent_id=rid, purpose="participation", granted=False, notice_version="t",
                decided_at=T0 + timedelta(days=1))

    def run(rid: int, qid: str) -> int:
        ids.run += 1
        when = T0 + timedelta(minutes=ids.run)
        add(Run, id=ids.run, public_id=f"run{ids.run:08d}", respondent_id=rid, questionnaire_id=qid,
            questionnaire_version=1, status="completed", state={}, started_at=when, updated_at=when, completed_at=when)
        return ids.run

    def answer(run_id: int, key: str, value: Any, item: int = 0, themes: list[str] | None = None) -> None:
        ids.answer += 1
        add(Answer, id=ids.answer, run_id=run_id, question_key=key, item_index=item, value=value, raw=None,
            skipped=False, is_current=True)
        if themes is not None:
            add(TaggedAnswer, answer_id=ids.answer, keywords=[], method="test", taxonomy_version="t")
            for theme in themes:
                ids.tag += 1
                add(AnswerTag, id=ids.tag, answer_id=ids.answer, theme_id=theme, source="machine", decision=None,
                    score=0.5, evidence=[], negated_evidence=[], negated=False, method="test", taxonomy_version="t")

    for aid, category in ACTORS.items():
        add(Actor, id=aid, code=f"a{aid}", organisation=f"Ente {aid}", category=category, state="answered")
    for rid, (objective, themes, priorities, visions, current, wished) in INTERVIEWS.items():
        respondent(rid, consent=rid != 2)
        add(RespondentActor, respondent_id=rid, actor_id=rid)
        r = run(rid, "ascolto")
        answer(r, "category", ACTORS[rid])
        answer(r, "objective", objective, 0, themes)
        answer(r, "horizon", "medium", 0)
        if priorities:
            answer(r, "priorities", priorities)
        answer(r, "visions", visions)
        answer(r, "collaborates_with", current)
        answer(r, "would_collaborate", wished)
    # a machine tag a person removed does not count: a1's objective would otherwise carry "mobilita"
    ids.tag += 1
    add(AnswerTag, id=ids.tag, answer_id=2, theme_id="mobilita", source="machine", decision=None, score=0.9,
        evidence=[], negated_evidence=[], negated=False, method="test", taxonomy_version="t")
    ids.tag += 1
    add(AnswerTag, id=ids.tag, answer_id=2, theme_id="mobilita", source="human", decision="remove", score=0.9,
        evidence=[], negated_evidence=[], negated=False, method="human", taxonomy_version="t", coder="x")
    for rid, (become, themes, visions) in CITIZENS.items():
        respondent(rid)
        r = run(rid, "visione")
        answer(r, "visions", visions)
        answer(r, "become", become, 0, themes)
    for rid, (sector, size, profile, obstacles) in FIRMS.items():
        respondent(rid)
        r = run(rid, "imprese")
        answer(r, "ateco_section", sector)
        answer(r, "employees", size)
        answer(r, "obstacles", obstacles)
        add(RunOutcome, run_id=r, key="profile", value=profile)
    for rid in (40, 41, 42):
        respondent(rid)
    for cid, (rid, theme, description, themes, scores) in CARDS.items():
        respondent(rid)
        r = run(rid, "progetto")
        answer(r, "title", f"Progetto {cid}")
        answer(r, "description", description, 0, themes)
        add(Card, id=cid, source_run_id=r, item_index=0, questionnaire_id="progetto", questionnaire_version=1,
            title=f"Progetto {cid}", promoter="Comune", theme=theme, stage="idea", fields={})
        for rater, score in scores.items():
            add(Rating, card_id=cid, rater_id=rater, run_id=None, completed_at=T0, scores={i: score for i in INDICES})
    order = [Actor, Respondent, Consent, RespondentActor, Run, Answer, TaggedAnswer, AnswerTag, RunOutcome, Card, Rating]
    async with db.transaction() as session:
        for model in order:
            if rows.get(model):
                await session.execute(insert(model), rows[model])
