"""Benchmark: rebuilding the convergence tables on a synthetic city.

    .venv/bin/python bench/bench_convergence.py [--respondents 2000] [--seed 7] [--db sqlite+aiosqlite:///...]

Fills a fresh database (a temporary SQLite file unless --db is given) with seeded, reproducible
synthetic runs — interviews of register actors, citizens' visions, the business survey, project
cards and their ratings, theme tags of the free texts — then times, in the same run:

* read: the queries of storage.aggregates.load (one transaction);
* pandas: exports.tables.build_tables (every table) + the XLSX workbook;
* naive: the same convergence counts, Borda points and profile counts with per-row Python loops
  over the same rows (the baseline), checked equal to the pandas results.

Ends with ``RESULT`` lines (best of ``--repeat``, ms). The naive loops are a slower baseline, not a
ceiling, so they are their own line and no ratio is given. ``--quick``: 1,000 respondents, 2 rounds.
"""

from __future__ import annotations

import argparse
import asyncio
import random
import sys
import tempfile
import time
from collections import defaultdict
from datetime import datetime, timedelta, timezone
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from sqlalchemy import insert  # noqa: E402

from bot.plan import plan_at  # noqa: E402
from exports.tables import Options, build_tables, workbook_bytes  # noqa: E402
from exports.tables.convergence import CONVERGENCE_TEXT_KEYS  # noqa: E402
from exports.vocabulary import CITIZEN, VISION_THEMES, vocabulary  # noqa: E402
from storage import Database, upgrade_database  # noqa: E402
from storage import aggregates  # noqa: E402
from storage.models import (  # noqa: E402
    Actor, Answer, AnswerTag, Card, Consent, Rating, RespondentActor, Respondent, Run, RunOutcome, TaggedAnswer,
)
from storage.ratings import INDICES  # noqa: E402

T0 = datetime(2026, 3, 1, tzinfo=timezone.utc)
# Cremona's plan: its lists name the categories and themes the synthetic city is drawn from.
SOURCES = plan_at(Path(__file__).resolve().parents[1] / "plans" / "cremona").sources()
WORDS = ("innovazione ricerca musica liuteria turismo cultura giovani lavoro ambiente mobilità "
         "tradizione imprese rete università formazione sport benessere po logistica digitale").split()


def synthetic_rows(respondents: int, seed: int) -> dict[str, list[dict]]:
    """Rows for every table, as dicts ready for INSERT; about 10 answers per respondent."""
    rnd = random.Random(seed)
    vocab = vocabulary(SOURCES)
    themes = list(vocab.themes)[:15]
    visions = list(vocab.visions)
    categories = [c for c in vocab.categories if c != CITIZEN]
    out: dict[str, list[dict]] = defaultdict(list)
    n_actors = max(10, respondents // 16)
    for a in range(1, n_actors + 1):
        out["actors"].append({"id": a, "code": f"act{a:04d}", "organisation": f"Organisation {a}",
                              "category": rnd.choice(categories), "state": "answered"})
    ids = {"run": 0, "answer": 0, "tag": 0}
    shares = {"ascolto": 0.08, "visione": 0.62, "imprese": 0.27, "progetto": 0.02, "valutazione": 0.01}
    kinds = rnd.choices(list(shares), weights=list(shares.values()), k=respondents)
    rater_ids: list[int] = []
    card_runs: list[int] = []
    next_actor = 1

    def run(respondent: int, qid: str) -> int:
        ids["run"] += 1
        when = T0 + timedelta(minutes=ids["run"])
        out["runs"].append({"id": ids["run"], "public_id": f"run{ids['run']:09d}", "respondent_id": respondent,
                            "questionnaire_id": qid, "questionnaire_version": 1, "status": "completed",
                            "state": {}, "started_at": when, "updated_at": when, "completed_at": when})
        return ids["run"]

    def answer(run_id: int, key: str, value, item: int = 0, tag: bool = False) -> None:
        ids["answer"] += 1
        out["answers"].append({"id": ids["answer"], "run_id": run_id, "question_key": key, "item_index": item,
                               "value": value, "raw": None, "skipped": False, "is_current": True})
        if tag:
            out["tagged"].append({"answer_id": ids["answer"], "keywords": [], "method": "bench", "taxonomy_version": "b"})
            for theme in rnd.sample(themes, rnd.choice((1, 1, 2))):
                ids["tag"] += 1
                human = rnd.random() < 0.05
                out["tags"].append({"id": ids["tag"], "answer_id": ids["answer"], "theme_id": theme,
                                    "source": "human" if human else "machine",
                                    "decision": ("remove" if rnd.random() < 0.3 else "confirm") if human else None,
                                    "score": round(rnd.random(), 3), "evidence": [], "negated_evidence": [],
                                    "negated": rnd.random() < 0.03, "method": "bench", "taxonomy_version": "b"})

    def text() -> str:
        return " ".join(rnd.choices(WORDS, k=rnd.randint(5, 14)))

    for respondent, kind in enumerate(kinds, start=1):
        out["respondents"].append({"id": respondent, "pseudonym": f"p{respondent:011d}", "channel": "bench",
                                   "external_id": str(respondent), "language": "it"})
        out["consents"].append({"respondent_id": respondent, "purpose": "participation",
                                "granted": rnd.random() > 0.03, "notice_version": "bench"})
        if kind == "ascolto":
            if next_actor <= n_actors:
                out["links"].append({"respondent_id": respondent, "actor_id": next_actor})
                next_actor += 1
            r = run(respondent, "ascolto")
            answer(r, "role", "direttore")
            answer(r, "category", rnd.choice(categories))
            for item in range(rnd.randint(1, 3)):
                answer(r, "objective", text(), item, tag=True)
                answer(r, "horizon", rnd.choice(["short", "medium", "long"]), item)
            answer(r, "priorities", rnd.sample(themes, 3))
            answer(r, "visions", rnd.sample(visions, 2))
            answer(r, "vision_text", text(), tag=True)
            answer(r, "collaborates_with", [f"act{rnd.randint(1, n_actors):04d}" for _ in range(rnd.randint(0, 4))])
            answer(r, "would_collaborate", [f"act{rnd.randint(1, n_actors):04d}" for _ in range(rnd.randint(0, 4))])
        elif kind == "visione":
            r = run(respondent, "visione")
            answer(r, "age_band", rnd.choice(["18_29", "30_44", "45_64", "65p"]))
            answer(r, "area", rnd.choice(["cremona_centre", "cremona_districts", "province"]))
            answer(r, "relation", ["lives"])
            answer(r, "visions", rnd.sample(visions, rnd.randint(1, 3)))
            answer(r, "become", text(), tag=True)
            if rnd.random() < 0.6:
                answer(r, "change_first", text(), tag=True)
        elif kind == "imprese":
            r = run(respondent, "imprese")
            for key, choices in (("ateco_section", list(vocab.sectors)), ("employees", list(vocab.sizes)),
                                 ("municipality", ["cremona", "crema"]), ("rd", ["continuous", "occasional", "none"]),
                                 ("broadband", ["ultra", "basic", "poor"]), ("training", ["yes", "no"]),
                                 ("plans", ["major", "minor", "no"])):
                answer(r, key, rnd.choice(choices))
            answer(r, "innovations", rnd.sample(["product", "process", "organisational", "marketing"], rnd.randint(1, 3)))
            answer(r, "collaborations", ["other_firms"])
            answer(r, "advanced_services", ["ict"])
            answer(r, "tlc_adequacy", rnd.randint(1, 5))
            answer(r, "needs", rnd.sample(["digital", "skills", "finance", "new_markets"], 2))
            answer(r, "obstacles", rnd.sample(list(vocab.obstacles)[:-1], rnd.randint(1, 3)))
            out["outcomes"].append({"run_id": r, "key": "profile",
                                    "value": rnd.choices(list(vocab.profiles), weights=[15, 40, 45])[0]})
        elif kind == "progetto":
            r = run(respondent, "progetto")
            answer(r, "title", f"Progetto {r}", tag=True)
            answer(r, "promoter", "Ente")
            answer(r, "theme", rnd.choice(["innovation", "tourism", "digital", "social", "environment"]))
            answer(r, "description", text(), tag=True)
            answer(r, "stage", "design")
            card_runs.append(r)
        else:
            rater_ids.append(respondent)
    for c, r in enumerate(card_runs, start=1):
        out["cards"].append({"id": c, "source_run_id": r, "item_index": 0, "questionnaire_id": "progetto",
                             "questionnaire_version": 1, "title": f"Progetto {r}", "promoter": "Ente",
                             "theme": rnd.choice(["innovation", "tourism", "digital"]), "stage": "design", "fields": {}})
        for rater in rater_ids:
            out["ratings"].append({"card_id": c, "rater_id": rater, "run_id": None, "completed_at": T0,
                                   "scores": {i: rnd.randint(1, 5) for i in INDICES}})
    return out


async def fill(db: Database, rows: dict[str, list[dict]]) -> None:
    plan = [("actors", Actor), ("respondents", Respondent), ("consents", Consent), ("links", RespondentActor),
            ("runs", Run), ("answers", Answer), ("tagged", TaggedAnswer), ("tags", AnswerTag), ("outcomes", RunOutcome),
            ("cards", Card), ("ratings", Rating)]
    async with db.transaction() as session:
        for name, model in plan:
            batch = rows.get(name, [])
            for start in range(0, len(batch), 2000):
                await session.execute(insert(model), batch[start:start + 2000])


# --- the naive baseline: the same numbers with per-row Python loops ---------------------------


def naive(data: aggregates.AggregateData, k: int) -> dict[str, dict]:
    resp = {r.respondent_id: r for r in data.respondents}
    actor_category = {a.actor_id: a.category for a in data.actors}
    latest: dict[tuple[str, str], tuple] = {}
    for run in data.runs:
        if run.questionnaire_id not in ("ascolto", "visione"):
            continue
        r = resp.get(run.respondent_id)
        actor = r.actor_id if r and run.questionnaire_id == "ascolto" else None
        unit = f"a{actor}" if actor is not None else f"r{run.respondent_id}"
        if run.questionnaire_id == "visione":
            category = CITIZEN
        elif actor is not None:
            category = actor_category[actor]
        else:
            category = next((a.value for a in data.answers if a.run_id == run.run_id and a.question_key == "category"),
                            "other")
        key = (unit, run.questionnaire_id)
        if key not in latest or (run.completed_at, run.run_id) >= latest[key][0]:
            latest[key] = ((run.completed_at, run.run_id), unit, category, run.run_id)
    run_unit = {v[3]: (v[1], v[2]) for v in latest.values()}
    tags_of: dict[int, list[str]] = defaultdict(list)
    for t in data.tags:
        tags_of[t.answer_id].append(t.theme_id)
    carriers: dict[tuple[str, str], set[str]] = defaultdict(set)
    borda: dict[str, int] = defaultdict(int)
    for a in data.answers:
        if a.run_id not in run_unit:
            continue
        unit, category = run_unit[a.run_id]
        if a.question_key in CONVERGENCE_TEXT_KEYS:
            for theme in tags_of.get(a.answer_id, ()):
                carriers[(theme, category)].add(unit)
        elif a.question_key == "visions" and isinstance(a.value, list):
            for vision in a.value:
                if vision in VISION_THEMES:
                    carriers[(VISION_THEMES[vision], category)].add(unit)
        elif a.question_key == "priorities" and isinstance(a.value, list):
            for position, theme in enumerate(a.value):
                borda[theme] += 3 - position
    totals: dict[str, set[str]] = defaultdict(set)
    for unit, category in run_unit.values():
        totals[category].add(unit)
    scores: dict[str, float] = {}
    for theme in {t for t, _ in carriers} | set(vocabulary(SOURCES).themes):
        g = 1.0
        for category, members in totals.items():
            if len(members) < k:
                continue
            n = len(carriers.get((theme, category), ()))
            n = n if n >= k else 0
            g *= (n + 1) / (len(members) + 2)
        scores[theme] = g
    profiles: dict[str, int] = defaultdict(int)
    for o in data.outcomes:
        if o.key == "profile":
            profiles[o.value] += 1
    return {"group_score": scores, "borda": dict(borda), "profiles": dict(profiles)}


async def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--respondents", type=int, default=2000)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--db", default=None, help="a database URL (default: a temporary SQLite file)")
    parser.add_argument("--repeat", type=int, default=3, help="time the best of this many rounds")
    parser.add_argument("--quick", action="store_true", help="1,000 respondents, 2 rounds: under a minute")
    args = parser.parse_args()
    if args.quick:
        args.respondents, args.repeat = 1000, 2
    with tempfile.TemporaryDirectory() as tmp:
        db = Database(args.db or f"sqlite+aiosqlite:///{Path(tmp) / 'bench.db'}")
        await upgrade_database(db)
        rows = synthetic_rows(args.respondents, args.seed)
        started = time.perf_counter()
        await fill(db, rows)
        print(f"synthetic data: {len(rows['respondents'])} respondents, {len(rows['runs'])} runs, "
              f"{len(rows['answers'])} answers, {len(rows['tags'])} tags, {len(rows['ratings'])} ratings "
              f"(filled in {time.perf_counter() - started:.2f} s, {db.backend})")
        best = defaultdict(lambda: float("inf"))
        for _ in range(args.repeat):
            t = time.perf_counter()
            async with db.transaction() as session:
                data = await aggregates.load(session)
            best["read (SQL)"] = min(best["read (SQL)"], time.perf_counter() - t)
            t = time.perf_counter()
            tables = build_tables(data, Options(sources=SOURCES))
            best["pandas: all 17 tables"] = min(best["pandas: all 17 tables"], time.perf_counter() - t)
            t = time.perf_counter()
            workbook = workbook_bytes(tables)
            best["xlsx workbook"] = min(best["xlsx workbook"], time.perf_counter() - t)
            t = time.perf_counter()
            baseline = naive(data, 3)
            best["naive loops: 3 tables"] = min(best["naive loops: 3 tables"], time.perf_counter() - t)
        await db.dispose()
    summary = tables["convergence"].set_index("theme")["group_score"]
    for theme, score in baseline["group_score"].items():
        assert abs(summary[theme] - score) < 1e-12, (theme, summary[theme], score)
    points = tables["priorities"].set_index("theme")["points"]
    for theme, value in baseline["borda"].items():
        assert points[theme] == value, (theme, points[theme], value)
    print(f"checked: pandas and naive agree on {len(baseline['group_score'])} group scores and "
          f"{len(baseline['borda'])} Borda totals; workbook {len(workbook) // 1024} KiB")
    for name, seconds in best.items():
        print(f"{name:<26} {seconds * 1000:9.1f} ms  (best of {args.repeat})")
    for name, key in (("read", "read (SQL)"), ("tables", "pandas: all 17 tables"), ("xlsx", "xlsx workbook"),
                      ("baseline_naive_3_tables", "naive loops: 3 tables")):
        print(f"RESULT convergence_{name} {best[key] * 1000:.1f} ms")
    return 0


if __name__ == "__main__":
    sys.exit(asyncio.run(main()))
