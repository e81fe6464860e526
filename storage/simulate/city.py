"""One simulation's synthetic city: the register, and what each kind of respondent answers.

Every respondent is walked through the real engine (:mod:`.walk`): the engine asks, checks and
skips; this module only decides what a plausible person of each kind would answer. Answers are
related, so the tables show something: each category of actors has its own priorities, a firm's
size and innovativeness shape its R&D, services, obstacles and plans, a good project card gets
better ratings. Every method draws from the one seeded random source, in the order the rows are
made: the same seed on an empty database gives the same rows.
"""

from __future__ import annotations

import math
import random
import re
from collections import defaultdict
from dataclasses import replace
from datetime import datetime, timedelta
from typing import Any

from dialogs import Questionnaire
from dialogs.answers import rank_size
from dialogs.model import Choice, Text

from ..models import (
    Actor,
    Answer,
    AnswerTag,
    Card,
    Consent,
    Rating,
    Respondent,
    RespondentActor,
    Run,
    RunOutcome,
    TaggedAnswer,
)
from .campaign import WEEKS, Campaign, partial_status
from .rows import CHANNEL, FILLER, INDICES, METHOD, T0, Vocabulary, Writer, public_id
from .walk import SKIP, Asked, Walk, draw_number, walk

ADULT_AGES = (19, 27, 38, 52, 70)  # a citizen's age before a 0–4 year spread
ROLES = ("Presidente", "Direttrice", "Responsabile progetti", "Segretario", "Dirigente", "Coordinatrice")
SHORT = ("più verde", "lavoro", "boh", "servizi migliori", "più giovani")  # too short: the engine asks for more
EXCLUSIVE = re.compile(r"selected\(value,\s*'([^']+)'\)")
# A big city (the benchmarks' million answers) walks this many citizens per questionnaire through
# the engine, then gives the next ones an already walked — so already checked — run at a new time:
# the engine's half a millisecond per answer would otherwise make a million answers take minutes.
POOL = 5000
PER_CATEGORY = 4  # actors of each category in the register, at least
REUSED = ("visione", "imprese")


def exclusive_options(question: Any) -> set[str]:
    """Options a constraint forbids to combine (``not (selected(value, 'none') and count(value) > 1)``)."""
    constraint = question.constraint or ""
    return set(EXCLUSIVE.findall(constraint)) if "count(value)" in constraint else set()


def _shifted(done: Walk, at: datetime) -> Walk:
    """The same run, started at ``at`` (its answers as far apart as they were)."""
    delta = at - (done.started_at or at)
    answers = [replace(given, at=given.at + delta) for given in done.answers]
    updated = (done.updated_at or at) + delta
    state = {**done.state, "updated_at": updated.isoformat()} if done.state else {}
    return replace(done, answers=answers, started_at=at, updated_at=updated, state=state)


def _sigmoid(x: float) -> float:
    return 1 / (1 + math.exp(-x))


class City:
    """One simulation's state: the random source, the questionnaires, the next ids, what was made so far."""

    def __init__(self, seed: int, rnd: random.Random, vocab: Vocabulary, writer: Writer, ids: dict[str, int]) -> None:
        self.seed, self.rnd, self.vocab, self.w, self.ids = seed, rnd, vocab, writer, ids
        self.tag = f"{seed % 100000}"
        self.campaign = Campaign(rnd)
        self.themes = vocab.codes("ascolto", "priorities")
        self.theme_label = vocab.labels("ascolto", "priorities")
        self.categories = vocab.codes("ascolto", "category")
        self.counter = {"run": ids["runs"], "answer": ids["answers"], "card": ids["cards"]}
        self.cards: list[tuple[int, float]] = []  # (card id, how good the project is)
        self.raters: list[int] = []
        self.shortlist: list[tuple[int, float]] = []  # the cards the raters' panel looks at
        self.actor_ids: list[int] = []
        self.actor_category: dict[int, str] = {}
        self.actor_code: dict[int, str] = {}
        self.actor_name: dict[int, str] = {}
        self.linked = 0
        self.pending: dict[str, list[str]] = {}  # the themes of the free text just written
        self.walked: dict[str, list[Walk]] = defaultdict(list)
        # what the city cares about: a few themes everyone mentions, and each category's own
        popular = rnd.sample(self.themes, len(self.themes))
        self.popularity = {t: 1 / (1 + i) ** 0.8 for i, t in enumerate(popular)}
        self.affinity = {c: set(rnd.sample(self.themes, 3)) for c in self.categories}
        self.ascolto: Questionnaire = vocab.q["ascolto"]

    # --- the register ---------------------------------------------------------------------------

    @staticmethod
    def register_size(n_actors: int, plan: list[dict[str, str]], categories: list[str]) -> int:
        """How many actors :meth:`add_actors` registers: ``n_actors``, or more so every category has a few."""
        count = {c: sum(1 for row in plan[:n_actors] if row["category"] == c) for c in categories}
        return max(n_actors, min(len(plan), n_actors) + sum(max(0, PER_CATEGORY - n) for n in count.values()))

    def add_actors(self, n_actors: int, plan: list[dict[str, str]], known: dict[str, tuple[int, str, str]]) -> None:
        """The register: the plan's actors (those already registered kept as they are), then
        synthetic ones, each in the category with fewest actors so far, up to ``n_actors`` and
        until every category has :data:`PER_CATEGORY` (a table cell shows from 3 actors)."""
        next_id = self.ids["actors"]
        per_category: dict[str, int] = defaultdict(int)
        for row in plan[:n_actors]:
            if row["code"] in known:
                a, category, name = known[row["code"]]
            else:
                a, category, name = next_id, row["category"], row["organisation"]
                next_id += 1
                self.w.add(Actor, id=a, code=row["code"], organisation=name, category=category,
                           contact_person=None, state="answered", created_at=T0, answered_at=T0)
            self._keep(a, row["code"], category, name)
            per_category[category] += 1
        while len(self.actor_ids) < n_actors or min(per_category.get(c, 0) for c in self.categories) < PER_CATEGORY:
            fewest = min(per_category.get(c, 0) for c in self.categories)
            category = self.rnd.choice([c for c in self.categories if per_category.get(c, 0) == fewest])
            a, code = next_id, f"s{self.tag}_{next_id}"
            next_id += 1
            name = f"Organizzazione simulata {a}"
            self.w.add(Actor, id=a, code=code, organisation=name, category=category, contact_person=None,
                       state="answered", created_at=T0, answered_at=T0)
            self._keep(a, code, category, name)
            per_category[category] += 1
        self.rnd.shuffle(self.actor_ids)  # interviews in no particular order of the register
        self.ascolto = self.ascolto.with_lists({"actors": [
            Choice(value=self.actor_code[a], label=Text(it=self.actor_name[a], en=self.actor_name[a]),
                   attributes={"category": self.actor_category[a]}) for a in sorted(self.actor_ids)]})

    def _keep(self, a: int, code: str, category: str, name: str) -> None:
        self.actor_ids.append(a)
        self.actor_category[a], self.actor_code[a], self.actor_name[a] = category, code, name

    # --- rows shared by every questionnaire -----------------------------------------------------

    def run(self, respondent: int, q: Questionnaire, at: datetime, lang: str, overrides: dict[str, Any],
            more: Any = None) -> tuple[int, Walk]:
        """Walk one run through the engine, then write it and its answers (and tags, outcomes)."""
        pool = self.walked[q.id]
        if q.id in REUSED and len(pool) >= POOL:
            done = _shifted(self.rnd.choice(pool), at)
        else:
            size = sum(1 for question in q.questions if question.type not in ("note", "calculate"))
            leave = self.campaign.leaves(q.id, size)
            done = walk(q, lambda asked: self.choose(asked, overrides), self.campaign.seconds, at, lang, leave,
                        more or (lambda group, n: self.rnd.random() < 0.45 / (n + 1)), self.pending)
            if q.id in REUSED:
                pool.append(done)
        run_id = self.counter["run"]
        self.counter["run"] += 1
        completed = done.status == "completed"
        self.w.add(Run, id=run_id, public_id=public_id(self.seed, "r", run_id), respondent_id=respondent,
                   questionnaire_id=q.id, questionnaire_version=q.version,
                   status="completed" if completed else partial_status(done.updated_at), state=done.state,
                   started_at=done.started_at, updated_at=done.updated_at,
                   completed_at=done.updated_at if completed else None)
        for given in done.answers:
            answer_id = self.counter["answer"]
            self.counter["answer"] += 1
            self.w.add(Answer, id=answer_id, run_id=run_id, question_key=given.key, item_index=given.item,
                       value=given.value, raw=given.raw, skipped=given.skipped, is_current=True,
                       answered_at=given.at)
            if given.themes and self.rnd.random() < 0.85:  # the rest wait for the tagger
                self._tag(answer_id, given.themes, given.at)
        if completed:
            for key, value in done.outcomes.items():
                self.w.add(RunOutcome, run_id=run_id, key=key, value=value)
        return run_id, done

    def _tag(self, answer_id: int, themes_of: list[str], at: datetime) -> None:
        """The tagger's pass over one answer, and now and then a person's decision on a theme."""
        rnd, label = self.rnd, self.theme_label
        self.w.add(TaggedAnswer, answer_id=answer_id, keywords=[label[t].split()[0].lower() for t in themes_of],
                   method=METHOD, taxonomy_version="sim", tagged_at=at)
        for t in themes_of:
            self.w.add(AnswerTag, answer_id=answer_id, theme_id=t, source="machine", decision=None,
                       score=round(0.4 + 0.6 * rnd.random(), 3), evidence=[label[t].split()[0].lower()],
                       negated_evidence=[], negated=rnd.random() < 0.03, method=METHOD, taxonomy_version="sim",
                       tagged_at=at, coder=None, review_id=None)
            if rnd.random() < 0.02:
                self.w.add(AnswerTag, answer_id=answer_id, theme_id=t, source="human",
                           decision="remove" if rnd.random() < 0.3 else "confirm", score=None, evidence=[],
                           negated_evidence=[], negated=False, method="review", taxonomy_version="sim",
                           tagged_at=at, coder="sim", review_id=None)

    # --- choosing answers -------------------------------------------------------------------------

    def choose(self, asked: Asked, overrides: dict[str, Any]) -> Any:
        """What to answer: a kind's own rule for this question, else a plausible draw for its type."""
        rnd, question = self.rnd, asked.question
        if asked.follow_up:  # asked to say more after a too-short text: most do
            return SKIP if rnd.random() < 0.2 else self.text(asked.key, self.pick_themes(rnd.choice((1, 2))))
        rule = overrides.get(asked.key)
        if rule is not None:
            return rule(asked)
        if not question.is_required and rnd.random() < (0.35 if question.type == "text" else 0.1):
            return SKIP
        return self.draw(asked)

    def draw(self, asked: Asked) -> Any:
        """A valid-looking answer for the question's type (the engine has the last word)."""
        rnd, question, kind = self.rnd, asked.question, asked.question.type
        values = [c.value for c in asked.choices]
        if kind == "single" and values:
            suggested = [v for v in question.suggested if v in values]
            return rnd.choice(suggested if suggested and rnd.random() < 0.8 else values)
        if kind == "yesno":
            return rnd.choice(("yes", "no"))
        if kind == "scale":
            return rnd.choices(values, weights=[1 + min(i, len(values) - 1 - i) + i / 2 for i in range(len(values))])[0]
        if kind == "multiple" and values:
            return self.several(question, values)
        if kind == "ranking" and values:
            return self.ranked(values, rank_size(question, asked.choices), {})
        if kind == "integer":
            return int(draw_number(rnd, question, 0, 100))
        if kind == "decimal":
            return round(draw_number(rnd, question, 0, 100), 1)
        if kind == "text":
            return self.text(asked.key, self.pick_themes(rnd.choice((1, 1, 2))), asked.question.follow_up is not None)
        if kind == "date":
            return (T0 + timedelta(days=rnd.randrange(WEEKS * 7))).date().isoformat()
        return SKIP

    def several(self, question: Any, values: list[str], weights: dict[str, float] | None = None,
                alone: float = 0.12, most: int = 3) -> list[str]:
        """A multiple choice: an exclusive option ("none") alone, or a few of the others."""
        rnd = self.rnd
        exclusive = [v for v in values if v in exclusive_options(question)]
        if exclusive and rnd.random() < alone:
            return [exclusive[0]]
        pool = [v for v in values if v not in exclusive] or values
        top = min(most, question.max_choices or most, len(pool))
        return self.ranked(pool, rnd.randint(1, top), weights or {})

    def ranked(self, values: list[str], n: int, weights: dict[str, float]) -> list[str]:
        """``n`` distinct values, the heavier first more often (weighted, without replacement)."""
        rnd, pool, chosen = self.rnd, list(values), []
        for _ in range(min(n, len(pool))):
            pick = rnd.choices(pool, weights=[weights.get(v, 1.0) for v in pool])[0]
            chosen.append(pick)
            pool.remove(pick)
        return chosen

    def pick_themes(self, n: int, category: str | None = None) -> list[str]:
        favour = self.affinity.get(category, set()) if category else set()
        return self.ranked(self.themes, n, {t: self.popularity[t] * (4.0 if t in favour else 1.0) for t in self.themes})

    def text(self, key: str, chosen: list[str], may_be_short: bool = False) -> str:
        """A free text about ``chosen`` themes (remembered for the tagger); now and then too short."""
        rnd = self.rnd
        if may_be_short and rnd.random() < 0.06:
            return rnd.choice(SHORT)
        self.pending[key] = chosen
        words = " e ".join(self.theme_label[t].lower() for t in chosen)
        return f"Vorrei {words} {rnd.choice(FILLER)}, {rnd.choice(FILLER)}."

    # --- one respondent -------------------------------------------------------------------------

    def add_respondent(self, rid: int, kind: str, at: datetime) -> None:
        """A respondent, their consent and their run of ``kind`` (raters are kept for later)."""
        rnd = self.rnd
        lang = "it" if rnd.random() < 0.93 else "en"
        if kind == "ascolto" and self.linked < len(self.actor_ids) * 1.05:  # an invited actor, by appointment
            at = self.campaign.start(0.0, min(35.0, WEEKS * 7 - 1.0), office=True)
        elif kind == "valutazione":  # the raters are named before the campaign and rate near its end
            at = T0
        self.w.add(Respondent, id=rid, pseudonym=public_id(self.seed, "p", rid), channel=CHANNEL,
                   external_id=f"{self.tag}-{rid}", language=lang, created_at=at)
        self.w.add(Consent, respondent_id=rid, purpose="participation", granted=rnd.random() > 0.03,
                   notice_version="sim", decided_at=at)
        if kind == "ascolto":
            self.interview(rid, at, lang)
        elif kind == "visione":
            self.vision(rid, at, lang)
        elif kind == "imprese":
            self.business(rid, at, lang)
        elif kind == "progetto":
            self.project(rid, at, lang)
        else:
            self.raters.append(rid)

    def age(self, asked: Asked) -> int:
        """Old enough for the age gate (a minor's run keeps nothing, so none is simulated)."""
        low = int(self.vocab.q["visione"].parameters.get("minimum_age", 14))
        if self.rnd.random() < 0.04:
            return self.rnd.randint(max(low, 14), 17)
        return max(low, self.rnd.choice(ADULT_AGES) + self.rnd.randint(0, 4))

    def interview(self, rid: int, at: datetime, lang: str) -> None:
        """A listening interview by an invited register actor, who names others they work with."""
        rnd, n_actors = self.rnd, len(self.actor_ids)
        actor = self.actor_ids[self.linked % n_actors] if self.linked < n_actors * 1.05 else None
        self.linked += 1
        if actor is not None:
            self.w.add(RespondentActor, respondent_id=rid, actor_id=actor, invitation_id=None, linked_at=at)
        category = self.actor_category[actor] if actor is not None else rnd.choice(self.categories)
        own = self.actor_code.get(actor) if actor is not None else None
        item_theme: list[str] = []

        def others(asked: Asked, share: float, avoid: str | None = None) -> Any:
            named = set(asked.env.get(avoid) or ()) if avoid and rnd.random() < 0.7 else set()
            pool = [c.value for c in asked.choices if c.value != own and c.value not in named]
            if not pool or rnd.random() > share:
                return SKIP
            return rnd.sample(pool, min(len(pool), rnd.randint(1, 4)))

        def kinds(share: float) -> Any:
            if rnd.random() > share:
                return SKIP
            present = set(self.actor_category.values())
            weights = {c: 3.0 if c in present else 0.2 for c in self.categories}
            return self.ranked(self.categories, rnd.randint(1, 3), weights)

        def title(asked: Asked) -> str:
            item_theme[:] = self.pick_themes(1, category)
            return f"Progetto {self.theme_label[item_theme[0]]} {rid}-{asked.pos.index + 1}"

        overrides = {
            "role": lambda asked: rnd.choice(ROLES),
            "category": lambda asked: category,
            "objective": lambda asked: self.text("objective", self.pick_themes(rnd.choice((1, 1, 2)), category), True),
            "priorities": lambda asked: self.ranked(
                [c.value for c in asked.choices], rank_size(asked.question, asked.choices),
                {t: self.popularity[t] * (6.0 if t in self.affinity[category] else 1.0) for t in self.themes}),
            "vision_text": lambda asked: SKIP if rnd.random() < 0.1 else self.text(
                "vision_text", self.pick_themes(rnd.choice((1, 2)), category), True),
            "collab_categories": lambda asked: kinds(0.9),
            "collaborates_with": lambda asked: others(asked, 0.95),
            "wish_categories": lambda asked: kinds(0.8),
            "would_collaborate": lambda asked: others(asked, 0.9, avoid="collaborates_with"),
            "has_projects": lambda asked: "yes" if rnd.random() < 0.6 else "no",
            "project_title": title,
            "project_theme": lambda asked: item_theme[0] if item_theme else rnd.choice(self.themes),
            "project_summary": lambda asked: self.text("project_summary", list(item_theme) or self.pick_themes(1)),
        }
        more = lambda group, n: rnd.random() < (0.55 if group == "objectives" else 0.3) / (n + 0.5) * 1.5
        run_id, done = self.run(rid, self.ascolto, at, lang, overrides, more)
        if done.status == "completed":
            self._interview_cards(run_id, done)

    def _interview_cards(self, run_id: int, done: Walk) -> None:
        """Each project item of a completed interview becomes a card."""
        items: dict[int, dict[str, Any]] = defaultdict(dict)
        for given in done.answers:
            if given.key.startswith("project_") and not given.skipped:
                items[given.item][given.key] = given.value
        for item, fields in sorted(items.items()):
            if "project_title" in fields:
                self.card(run_id, item, "ascolto", fields, fields.get("project_theme"), fields.get("project_stage"),
                          done.updated_at)

    def card(self, run_id: int, item: int, qid: str, fields: dict[str, Any], theme: str | None, stage: str | None,
             at: datetime | None) -> None:
        card_id = self.counter["card"]
        self.counter["card"] += 1
        self.cards.append((card_id, self.rnd.gauss(0.0, 0.9)))
        title = fields.get("project_title") or fields.get("title") or f"Progetto {card_id}"
        self.w.add(Card, id=card_id, source_run_id=run_id, item_index=item, questionnaire_id=qid,
                   questionnaire_version=self.vocab.q[qid].version, title=title, promoter=fields.get("promoter"),
                   theme=theme, stage=stage, cost=fields.get("cost"), fields=fields, created_at=at)

    def vision(self, rid: int, at: datetime, lang: str) -> None:
        """A citizen's vision of the city (the age gate first, as the engine asks it)."""
        rnd = self.rnd
        overrides = {
            "age": self.age,
            "become": lambda asked: self.text("become", self.pick_themes(rnd.choice((1, 1, 2))), True),
            "change_first": lambda asked: SKIP if rnd.random() < 0.4 else self.text("change_first",
                                                                                  self.pick_themes(1)),
        }
        self.run(rid, self.vocab.q["visione"], at, lang, overrides)

    def business(self, rid: int, at: datetime, lang: str) -> None:
        """A business survey: one latent innovativeness, raised by size, shapes the answers."""
        rnd = self.rnd
        firm = {"z": rnd.gauss(0.0, 1.0)}

        def ordinal(asked: Asked, slope: float) -> str:
            values = [c.value for c in asked.choices]
            return rnd.choices(values, weights=[math.exp(firm["z"] * slope * (len(values) / 2 - i)) for i in
                                                range(len(values))])[0]

        def size(asked: Asked) -> str:
            values = [c.value for c in asked.choices]
            chosen = rnd.choices(values, weights=(0.55, 0.3, 0.11, 0.04)[: len(values)] or None)[0]
            firm["z"] += 0.5 * values.index(chosen)
            return chosen

        def none_or_some(asked: Asked, weights: dict[str, float] | None = None, shift: float = 0.0) -> list[str]:
            alone = _sigmoid(-1.3 * firm["z"] - 1.2 + shift)
            return self.several(asked.question, [c.value for c in asked.choices], weights, alone=alone,
                                most=max(1, min(3, 1 + round(firm["z"] + rnd.random()))))

        def obstacles(asked: Asked) -> list[str]:
            high = firm["z"] > 0
            weights = {"cost": 3.0 if high else 1.5, "bureaucracy": 2.5 if high else 1.0, "skills": 2.0,
                       "no_strategy": 0.6 if high else 2.5, "closed_culture": 0.5 if high else 2.0,
                       "low_education": 0.4 if high else 1.5, "hard_to_keep_up": 1.0 if high else 2.0}
            return self.several(asked.question, [c.value for c in asked.choices], weights, alone=0.08)

        def tlc(asked: Asked) -> int:
            band = {"ultra": 4, "basic": 3, "poor": 1}.get(asked.env.get("broadband"), 3)
            return max(1, min(5, band + rnd.choice((-1, 0, 0, 1))))

        overrides = {
            "employees": size,
            "innovations": none_or_some,
            "innovation_example": lambda asked: SKIP if rnd.random() < 0.4 else self.text(
                "innovation_example", self.pick_themes(1)),
            "rd": lambda asked: ordinal(asked, 1.0),
            "rd_share": lambda asked: SKIP if rnd.random() < 0.15 else round(
                min(60.0, math.exp(rnd.gauss(0.6 + 0.5 * firm["z"], 0.7))), 1),
            "collaborations": lambda asked: none_or_some(asked, {"university": 1 + max(0, firm["z"]),
                                                                 "research_centre": 1 + max(0, firm["z"])}),
            "advanced_services": lambda asked: none_or_some(asked, None, shift=0.3),
            "broadband": lambda asked: ordinal(asked, 0.4),
            "tlc_adequacy": tlc,
            "training": lambda asked: "yes" if rnd.random() < _sigmoid(firm["z"]) else "no",
            "obstacles": obstacles,
            "plans": lambda asked: ordinal(asked, 0.8),
            "city_role": lambda asked: SKIP if rnd.random() < 0.6 else self.text("city_role", self.pick_themes(1)),
        }
        self.run(rid, self.vocab.q["imprese"], at, lang, overrides)

    def project(self, rid: int, at: datetime, lang: str) -> None:
        """A project card filed through the ``progetto`` questionnaire, by one of the register's actors."""
        rnd = self.rnd
        theme = self.pick_themes(1)
        promoter = self.actor_name[rnd.choice(self.actor_ids)] if self.actor_ids else "Associazione simulata"
        partners = [self.actor_name[a] for a in rnd.sample(self.actor_ids, min(len(self.actor_ids), 2))]
        overrides = {
            "age": self.age,
            "title": lambda asked: f"{self.theme_label[theme[0]]}: progetto {rid}",
            "promoter": lambda asked: promoter,
            "partners": lambda asked: SKIP if rnd.random() < 0.4 or not partners else ", ".join(partners),
            "theme": lambda asked: theme[0] if theme[0] in {c.value for c in asked.choices} else self.draw(asked),
            "description": lambda asked: self.text("description", theme),
            "cost": lambda asked: SKIP if rnd.random() < 0.3 else float(round(math.exp(rnd.gauss(12.0, 1.2)), -3)),
            "start_year": lambda asked: SKIP if rnd.random() < 0.1 else rnd.randint(2026, 2028),
            "end_year": lambda asked: SKIP if rnd.random() < 0.1 else int(asked.env.get("start_year") or 2026)
            + rnd.randint(0, 4),
        }
        run_id, done = self.run(rid, self.vocab.q["progetto"], at, lang, overrides)
        if done.status == "completed":
            fields = {g.key: g.value for g in done.answers if not g.skipped and g.key != "age"}
            self.card(run_id, 0, "progetto", fields, fields.get("theme"), fields.get("stage"), done.updated_at)

    def rate_cards(self, rater: int) -> None:
        """A rater rates 8 to 15 cards of the panel's shortlist, each through a ``valutazione`` run,
        near the campaign's end: the raters share an agenda, so cards reach the k raters a score needs."""
        rnd, q = self.rnd, self.vocab.q["valutazione"]
        if not self.shortlist:
            self.shortlist = rnd.sample(self.cards, min(len(self.cards), 10 + len(self.raters)))
        at = self.campaign.start(WEEKS * 7 - 14.0, WEEKS * 7 - 1.0)
        for card_id, quality in rnd.sample(self.shortlist, min(len(self.shortlist), rnd.randint(8, 15))):
            leniency = rnd.gauss(0.0, 0.4)

            def score(asked: Asked) -> int:
                return max(1, min(5, round(3 + quality + leniency + rnd.gauss(0.0, 0.7))))

            overrides: dict[str, Any] = {key: score for key in INDICES}
            overrides["comment"] = lambda asked: SKIP if rnd.random() < 0.85 else self.text("comment",
                                                                                            self.pick_themes(1))
            run_id, done = self.run(rater, q, at, "it", overrides)
            if done.status == "completed":
                scores = {g.key: g.value for g in done.answers if g.key in INDICES}
                self.w.add(Rating, card_id=card_id, rater_id=rater, run_id=run_id, scores=scores, comment=None,
                           created_at=done.started_at, completed_at=done.updated_at)
            at = done.updated_at + timedelta(seconds=rnd.uniform(20, 600))
