"""Synthetic runs of every questionnaire, for tests and benchmarks (``scenari simulate``).

:func:`simulate` fills a database — empty or not: it appends after the highest ids — with a
seeded, reproducible city: a register of actors and their listening interviews (``ascolto``,
with objectives, ranked priorities, visions, collaborations naming register actors and project
items that become cards), citizens' visions (``visione``), the business survey (``imprese``,
its outcomes scored by the questionnaire's own rules), project cards (``progetto``), raters'
ratings (``valutazione`` runs and ``ratings`` rows), consents, and machine theme tags on most
free texts (some left for the tagger, a few reviewed by a person). Every code comes from the
questionnaire definitions, so the data passes the same checks as real answers.

It is fast because it does not go through the conversation engine: rows are generated in
memory in batches and written with Core ``executemany`` (one INSERT statement per table per
batch), in one transaction. The same seed on an empty database gives the same rows.
"""

from __future__ import annotations

import hashlib
import random
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from typing import Any

from sqlalchemy import Table, func, insert, select, text
from sqlalchemy.ext.asyncio import AsyncConnection

from dialogs import Questionnaire, load_file
from dialogs.engine import evaluate_outcomes
from dialogs.loader import builtin_directory

from .database import Database
from .models import (
    Actor,
    Answer,
    AnswerTag,
    Card,
    Consent,
    QuestionnaireVersion,
    Rating,
    RespondentActor,
    Respondent,
    Run,
    RunOutcome,
    TaggedAnswer,
)

CHANNEL = "simulated"
T0 = datetime(2026, 3, 1, 8, 0, tzinfo=timezone.utc)
BATCH_ROWS = 50_000
METHOD = "simulate"
INDICES = ("strategic_role", "feasibility", "change_capacity", "economic_impact", "coherence")
# share of respondents by questionnaire (the interviews and raters are bounded by the register)
SHARES = {"visione": 0.64, "imprese": 0.33, "progetto": 0.03}
FILLER = ("per la città", "nei prossimi anni", "insieme alle imprese", "per i giovani", "con le scuole",
          "lungo il Po", "nel centro storico", "per tutta la provincia", "con più investimenti", "subito")

# the order tables are written in (foreign keys first)
ORDER: tuple[type[Any], ...] = (Actor, Respondent, Consent, RespondentActor, Run, Answer, TaggedAnswer, AnswerTag,
                                RunOutcome, Card, Rating)


@dataclass
class SimulationResult:
    counts: dict[str, int] = field(default_factory=dict)  # table → rows written
    seconds: float = 0.0

    @property
    def answers(self) -> int:
        return self.counts.get("answers", 0)


class _Vocab:
    def __init__(self) -> None:
        d = builtin_directory()
        self.q: dict[str, Questionnaire] = {name: load_file(d / f"{name}.yaml")
                                             for name in ("ascolto", "visione", "imprese", "progetto", "valutazione")}

    def codes(self, qid: str, key: str) -> list[str]:
        q = self.q[qid]
        return [str(c.value) for c in q.choices_for(q.question(key))]

    def labels(self, qid: str, key: str) -> dict[str, str]:
        q = self.q[qid]
        return {str(c.value): c.label.it for c in q.choices_for(q.question(key))}


class _Writer:
    """Buffers rows per table and writes them in foreign-key order with executemany."""

    def __init__(self, connection: AsyncConnection) -> None:
        self.connection = connection
        self.rows: dict[type[Any], list[dict[str, Any]]] = defaultdict(list)
        self.pending = 0
        self.counts: dict[str, int] = defaultdict(int)

    def add(self, model: type[Any], **values: Any) -> None:
        self.rows[model].append(values)
        self.pending += 1

    async def maybe_flush(self) -> None:
        if self.pending >= BATCH_ROWS:
            await self.flush()

    async def flush(self, until: type[Any] | None = None) -> None:
        for model in ORDER:
            batch = self.rows.pop(model, None)
            if batch:
                table: Table = model.__table__
                await self.connection.execute(insert(table), batch)
                self.counts[table.name] += len(batch)
            if model is until:
                break
        self.pending = sum(len(v) for v in self.rows.values())


async def _next_ids(connection: AsyncConnection) -> dict[str, int]:
    ids = {}
    for model in (Actor, Respondent, Run, Answer, Card):
        table = model.__table__
        ids[table.name] = int(await connection.scalar(select(func.coalesce(func.max(table.c.id), 0)))) + 1
    return ids


async def simulate(db: Database, respondents: int, seed: int = 1,
                   progress: Callable[[int], None] | None = None) -> SimulationResult:
    """Add ``respondents`` synthetic respondents (and a register sized to them); returns rows written."""
    import time

    started = time.perf_counter()
    if respondents < 1:
        raise ValueError("respondents must be at least 1")
    rnd = random.Random(seed)
    vocab = _Vocab()
    themes = vocab.codes("ascolto", "priorities")
    theme_label = vocab.labels("ascolto", "priorities")
    visions = vocab.codes("ascolto", "visions")
    categories = [c for c in vocab.codes("ascolto", "category")]
    imprese = vocab.q["imprese"]
    ask = {key: vocab.codes("imprese", key) for key in (
        "ateco_section", "employees", "municipality", "innovations", "rd", "collaborations", "advanced_services",
        "broadband", "needs", "obstacles", "plans")}
    card_themes = vocab.codes("progetto", "theme")
    funding = vocab.codes("progetto", "funding")
    stages = vocab.codes("progetto", "stage")
    ascolto_stages = vocab.codes("ascolto", "project_stage")
    horizons = vocab.codes("ascolto", "horizon")
    assets = vocab.codes("ascolto", "assets")
    age, area, relation = (vocab.codes("visione", k) for k in ("age_band", "area", "relation"))

    n_actors = max(12, min(400, respondents // 40))
    n_interviews = min(respondents, max(3, round(n_actors * 1.1)))
    n_raters = min(max(0, respondents - n_interviews), max(3, min(40, respondents // 500)))
    rest = respondents - n_interviews - n_raters
    kinds = rnd.choices(list(SHARES), weights=list(SHARES.values()), k=rest)
    kinds = ["ascolto"] * n_interviews + kinds + ["valutazione"] * n_raters

    async with db.engine.begin() as connection:
        ids = await _next_ids(connection)
        w = _Writer(connection)
        for q in vocab.q.values():  # the definitions runs point to (exports, the tagger read them)
            known = await connection.scalar(select(func.count()).select_from(QuestionnaireVersion.__table__).where(
                QuestionnaireVersion.__table__.c.questionnaire_id == q.id,
                QuestionnaireVersion.__table__.c.version == q.version))
            if not known:
                await connection.execute(insert(QuestionnaireVersion.__table__), [{
                    "questionnaire_id": q.id, "version": q.version, "definition": q.model_dump(mode="json"),
                    "registered_at": T0}])
        tag = f"{seed % 100000}"
        actor_ids = list(range(ids["actors"], ids["actors"] + n_actors))
        actor_category: dict[int, str] = {}
        actor_code: dict[int, str] = {}
        for a in actor_ids:
            category = rnd.choice(categories)
            actor_category[a], actor_code[a] = category, f"s{tag}_{a}"
            w.add(Actor, id=a, code=actor_code[a], organisation=f"Organizzazione simulata {a}", category=category,
                  contact_person=None, state="answered", created_at=T0, answered_at=T0)
        by_category: dict[str, list[str]] = defaultdict(list)
        for a in actor_ids:
            by_category[actor_category[a]].append(actor_code[a])

        counter = {"run": ids["runs"], "answer": ids["answers"], "card": ids["cards"]}
        cards: list[int] = []
        raters: list[int] = []
        minute = [0]

        def when() -> datetime:
            minute[0] += 1
            return T0 + timedelta(minutes=minute[0])

        def new_run(respondent: int, qid: str) -> tuple[int, datetime]:
            run_id = counter["run"]
            counter["run"] += 1
            at = when()
            w.add(Run, id=run_id, public_id=_public(seed, "r", run_id), respondent_id=respondent, questionnaire_id=qid,
                  questionnaire_version=vocab.q[qid].version, status="completed", state={}, started_at=at,
                  updated_at=at, completed_at=at)
            return run_id, at

        def answer(run_id: int, key: str, value: Any, at: datetime, item: int = 0, themes_of: list[str] | None = None
                   ) -> int:
            answer_id = counter["answer"]
            counter["answer"] += 1
            w.add(Answer, id=answer_id, run_id=run_id, question_key=key, item_index=item, value=value,
                  raw=value if isinstance(value, str) else None, skipped=False, is_current=True, answered_at=at)
            if themes_of is not None and rnd.random() < 0.85:  # the rest wait for the tagger
                w.add(TaggedAnswer, answer_id=answer_id, keywords=[theme_label[t].split()[0].lower() for t in themes_of],
                      method=METHOD, taxonomy_version="sim", tagged_at=at)
                for t in themes_of:
                    negated = rnd.random() < 0.03
                    w.add(AnswerTag, answer_id=answer_id, theme_id=t, source="machine", decision=None,
                          score=round(0.4 + 0.6 * rnd.random(), 3), evidence=[theme_label[t].split()[0].lower()],
                          negated_evidence=[], negated=negated, method=METHOD, taxonomy_version="sim", tagged_at=at,
                          coder=None, review_id=None)
                    if rnd.random() < 0.02:
                        w.add(AnswerTag, answer_id=answer_id, theme_id=t, source="human",
                              decision="remove" if rnd.random() < 0.3 else "confirm", score=None, evidence=[],
                              negated_evidence=[], negated=False, method="review", taxonomy_version="sim",
                              tagged_at=at, coder="sim", review_id=None)
            return answer_id

        def prose(chosen: list[str]) -> str:
            words = " e ".join(theme_label[t].lower() for t in chosen)
            return f"Vorrei {words} {rnd.choice(FILLER)}, {rnd.choice(FILLER)}."

        def card(run_id: int, item: int, qid: str, title: str, theme: str, stage: str, fields: dict[str, Any],
                 at: datetime) -> None:
            card_id = counter["card"]
            counter["card"] += 1
            cards.append(card_id)
            w.add(Card, id=card_id, source_run_id=run_id, item_index=item, questionnaire_id=qid,
                  questionnaire_version=vocab.q[qid].version, title=title, promoter=fields.get("promoter"), theme=theme,
                  stage=stage, cost=fields.get("cost"), fields=fields, created_at=at)

        linked = 0
        for offset, kind in enumerate(kinds):
            rid = ids["respondents"] + offset
            w.add(Respondent, id=rid, pseudonym=_public(seed, "p", rid), channel=CHANNEL, external_id=f"{tag}-{rid}",
                  language="it" if rnd.random() < 0.93 else "en", created_at=T0)
            w.add(Consent, respondent_id=rid, purpose="participation", granted=rnd.random() > 0.03,
                  notice_version="sim", decided_at=T0)
            if kind == "ascolto":
                actor = actor_ids[linked % n_actors] if linked < n_actors * 1.05 else None
                linked += 1
                if actor is not None:
                    w.add(RespondentActor, respondent_id=rid, actor_id=actor, invitation_id=None, linked_at=T0)
                run_id, at = new_run(rid, "ascolto")
                category = actor_category[actor] if actor is not None else rnd.choice(categories)
                answer(run_id, "role", rnd.choice(["Presidente", "Direttrice", "Responsabile progetti", "Segretario"]), at)
                answer(run_id, "category", category, at)
                for item in range(rnd.randint(1, 3)):
                    chosen = rnd.sample(themes, rnd.choice((1, 1, 2)))
                    answer(run_id, "objective", prose(chosen), at, item, chosen)
                    answer(run_id, "horizon", rnd.choice(horizons), at, item)
                answer(run_id, "priorities", rnd.sample(themes, 3), at)
                answer(run_id, "visions", rnd.sample(visions, rnd.randint(1, 3)), at)
                chosen = rnd.sample(themes, rnd.choice((1, 2)))
                answer(run_id, "vision_text", prose(chosen), at, themes_of=chosen)
                answer(run_id, "assets", rnd.sample(assets, rnd.randint(1, 3)), at)
                for cats_key, key in (("collab_categories", "collaborates_with"), ("wish_categories", "would_collaborate")):
                    cats = rnd.sample(categories, rnd.randint(0, 3))
                    if cats:
                        answer(run_id, cats_key, cats, at)
                        pool = [c for cat in cats for c in by_category.get(cat, ())]
                        if actor is not None:
                            pool = [c for c in pool if c != actor_code[actor]]
                        if pool:
                            answer(run_id, key, rnd.sample(pool, min(len(pool), rnd.randint(1, 4))), at)
                has = rnd.random() < 0.6
                answer(run_id, "has_projects", "yes" if has else "no", at)
                for item in range(rnd.randint(1, 2) if has else 0):
                    theme = rnd.choice(themes)
                    title, summary, stage = f"Progetto {theme_label[theme]} {run_id}-{item}", prose([theme]), rnd.choice(ascolto_stages)
                    answer(run_id, "project_title", title, at, item)
                    answer(run_id, "project_stage", stage, at, item)
                    answer(run_id, "project_theme", theme, at, item)
                    answer(run_id, "project_summary", summary, at, item, [theme])
                    card(run_id, item, "ascolto", title, theme, stage, {"project_title": title, "project_summary": summary},
                         at)
            elif kind == "visione":
                run_id, at = new_run(rid, "visione")
                answer(run_id, "age_band", rnd.choice(age), at)
                answer(run_id, "area", rnd.choice(area), at)
                answer(run_id, "relation", rnd.sample(relation, rnd.randint(1, 2)), at)
                answer(run_id, "visions", rnd.sample(visions, rnd.randint(1, 3)), at)
                chosen = rnd.sample(themes, rnd.choice((1, 1, 2)))
                answer(run_id, "become", prose(chosen), at, themes_of=chosen)
                if rnd.random() < 0.6:
                    chosen = rnd.sample(themes, 1)
                    answer(run_id, "change_first", prose(chosen), at, themes_of=chosen)
            elif kind == "imprese":
                run_id, at = new_run(rid, "imprese")
                given: dict[str, Any] = {
                    "ateco_section": rnd.choice(ask["ateco_section"]), "employees": rnd.choice(ask["employees"]),
                    "municipality": rnd.choice(ask["municipality"]),
                    "innovations": rnd.sample([c for c in ask["innovations"] if c != "none"], rnd.randint(1, 3))
                    if rnd.random() < 0.75 else ["none"],
                    "rd": rnd.choice(ask["rd"]),
                    "collaborations": rnd.sample(ask["collaborations"], rnd.randint(1, 2)),
                    "advanced_services": rnd.sample(ask["advanced_services"], rnd.randint(1, 2)),
                    "broadband": rnd.choice(ask["broadband"]), "tlc_adequacy": rnd.randint(1, 5),
                    "training": rnd.choice(["yes", "no"]), "needs": rnd.sample(ask["needs"], rnd.randint(1, 3)),
                    "obstacles": rnd.sample(ask["obstacles"], rnd.randint(1, 3)), "plans": rnd.choice(ask["plans"]),
                }
                if given["rd"] != "none":
                    given["rd_share"] = round(rnd.uniform(0.5, 15), 1)
                for key, value in given.items():
                    answer(run_id, key, value, at)
                if rnd.random() < 0.4:
                    chosen = rnd.sample(themes, 1)
                    answer(run_id, "city_role", prose(chosen), at, themes_of=chosen)
                for key, value in _outcomes(imprese, given).items():
                    w.add(RunOutcome, run_id=run_id, key=key, value=value)
            elif kind == "progetto":
                run_id, at = new_run(rid, "progetto")
                theme = rnd.choice(card_themes)
                title = f"Progetto {theme} {run_id}"
                fields = {"title": title, "promoter": f"Ente {rnd.randint(1, 60)}", "theme": theme,
                          "description": prose([rnd.choice(themes)]), "stage": rnd.choice(stages),
                          "cost": float(rnd.randrange(10, 5000) * 1000), "funding": rnd.sample(funding, rnd.randint(1, 2)),
                          "start_year": rnd.randint(2026, 2028)}
                fields["end_year"] = fields["start_year"] + rnd.randint(0, 4)
                for key, value in fields.items():
                    answer(run_id, key, value, at, themes_of=[rnd.choice(themes)] if key == "description" else None)
                card(run_id, 0, "progetto", title, theme, fields["stage"], fields, at)
            else:
                raters.append(rid)
            await w.maybe_flush()
            if progress is not None and offset % 10_000 == 0:
                progress(offset)
        await w.flush()
        for rater in raters:  # each rater rates up to 15 cards, each through a valutazione run
            for card_id in rnd.sample(cards, min(len(cards), rnd.randint(5, 15))):
                run_id, at = new_run(rater, "valutazione")
                scores = {i: rnd.randint(1, 5) for i in INDICES}
                for key, value in scores.items():
                    answer(run_id, key, value, at)
                w.add(Rating, card_id=card_id, rater_id=rater, run_id=run_id, scores=scores, comment=None,
                      created_at=at, completed_at=at)
            await w.maybe_flush()
        await w.flush()
        if connection.dialect.name == "postgresql":  # explicit ids: move the sequences past them
            for model in (Actor, Respondent, Run, Answer, Card):
                name = model.__table__.name
                await connection.execute(text(
                    f"SELECT setval(pg_get_serial_sequence('{name}', 'id'), (SELECT COALESCE(MAX(id), 1) FROM {name}))"))
    return SimulationResult(dict(w.counts), time.perf_counter() - started)


_OUTCOME_CACHE: dict[tuple[Any, ...], dict[str, Any]] = {}


def _outcomes(q: Questionnaire, answers: dict[str, Any]) -> dict[str, Any]:
    """The questionnaire's own scores and profile (memoised: few distinct answer combinations)."""
    key = tuple(sorted((k, tuple(v) if isinstance(v, list) else v) for k, v in answers.items()))
    found = _OUTCOME_CACHE.get(key)
    if found is None:
        found = _OUTCOME_CACHE[key] = evaluate_outcomes(q, answers)
        if len(_OUTCOME_CACHE) > 200_000:
            _OUTCOME_CACHE.clear()
    return found


def _public(seed: int, kind: str, number: int) -> str:
    """A pseudonym-like public id, unique per (seed, number) and reproducible."""
    return hashlib.blake2b(f"{seed}:{kind}:{number}".encode(), digest_size=6).hexdigest()
