"""One simulation's synthetic city: the register, and what each kind of respondent answers.

Every method draws from the one seeded random source in the order the rows are made: the same seed
gives the same rows only as long as no step draws more, less or in another order.
"""

from __future__ import annotations

import random
from collections import defaultdict
from datetime import datetime, timedelta
from typing import Any

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
from .rows import CHANNEL, FILLER, INDICES, METHOD, T0, Vocabulary, Writer, outcomes, public_id

ADULT_AGES = (19, 27, 38, 52, 70)  # a citizen's age before a 0–4 year spread: 18 or over, always


class City:
    """One simulation's state: the random source, the codes, the next ids, what was made so far."""

    def __init__(self, seed: int, rnd: random.Random, vocab: Vocabulary, writer: Writer, ids: dict[str, int]) -> None:
        self.seed, self.rnd, self.vocab, self.w, self.ids = seed, rnd, vocab, writer, ids
        self.tag = f"{seed % 100000}"
        self.themes = vocab.codes("ascolto", "priorities")
        self.theme_label = vocab.labels("ascolto", "priorities")
        self.visions = vocab.codes("ascolto", "visions")
        self.categories = vocab.codes("ascolto", "category")
        self.ask = {key: vocab.codes("imprese", key) for key in (
            "ateco_section", "employees", "municipality", "innovations", "rd", "collaborations", "advanced_services",
            "broadband", "needs", "obstacles", "plans")}
        self.counter = {"run": ids["runs"], "answer": ids["answers"], "card": ids["cards"]}
        self.cards: list[int] = []
        self.raters: list[int] = []
        self.minute = 0
        self.actor_ids: list[int] = []
        self.actor_category: dict[int, str] = {}
        self.actor_code: dict[int, str] = {}
        self.by_category: dict[str, list[str]] = defaultdict(list)
        self.linked = 0

    # --- the register ---------------------------------------------------------------------------

    def add_actors(self, n_actors: int) -> None:
        """The register: ``n_actors`` organisations after the highest actor id, in random categories."""
        self.actor_ids = list(range(self.ids["actors"], self.ids["actors"] + n_actors))
        for a in self.actor_ids:
            category = self.rnd.choice(self.categories)
            self.actor_category[a], self.actor_code[a] = category, f"s{self.tag}_{a}"
            self.w.add(Actor, id=a, code=self.actor_code[a], organisation=f"Organizzazione simulata {a}",
                       category=category, contact_person=None, state="answered", created_at=T0, answered_at=T0)
        for a in self.actor_ids:
            self.by_category[self.actor_category[a]].append(self.actor_code[a])

    # --- rows shared by every questionnaire -----------------------------------------------------

    def when(self) -> datetime:
        self.minute += 1
        return T0 + timedelta(minutes=self.minute)

    def new_run(self, respondent: int, qid: str) -> tuple[int, datetime]:
        run_id = self.counter["run"]
        self.counter["run"] += 1
        at = self.when()
        self.w.add(Run, id=run_id, public_id=public_id(self.seed, "r", run_id), respondent_id=respondent,
                   questionnaire_id=qid, questionnaire_version=self.vocab.q[qid].version, status="completed", state={},
                   started_at=at, updated_at=at, completed_at=at)
        return run_id, at

    def answer(self, run_id: int, key: str, value: Any, at: datetime, item: int = 0,
               themes_of: list[str] | None = None) -> int:
        """One answer; with ``themes_of`` a free text, most of which the machine has already tagged."""
        answer_id = self.counter["answer"]
        self.counter["answer"] += 1
        self.w.add(Answer, id=answer_id, run_id=run_id, question_key=key, item_index=item, value=value,
                   raw=value if isinstance(value, str) else None, skipped=False, is_current=True, answered_at=at)
        if themes_of is not None and self.rnd.random() < 0.85:  # the rest wait for the tagger
            self._tag(answer_id, themes_of, at)
        return answer_id

    def _tag(self, answer_id: int, themes_of: list[str], at: datetime) -> None:
        """The tagger's pass over one answer, and now and then a person's decision on a theme."""
        rnd, label = self.rnd, self.theme_label
        self.w.add(TaggedAnswer, answer_id=answer_id, keywords=[label[t].split()[0].lower() for t in themes_of],
                   method=METHOD, taxonomy_version="sim", tagged_at=at)
        for t in themes_of:
            negated = rnd.random() < 0.03
            self.w.add(AnswerTag, answer_id=answer_id, theme_id=t, source="machine", decision=None,
                       score=round(0.4 + 0.6 * rnd.random(), 3), evidence=[label[t].split()[0].lower()],
                       negated_evidence=[], negated=negated, method=METHOD, taxonomy_version="sim", tagged_at=at,
                       coder=None, review_id=None)
            if rnd.random() < 0.02:
                self.w.add(AnswerTag, answer_id=answer_id, theme_id=t, source="human",
                           decision="remove" if rnd.random() < 0.3 else "confirm", score=None, evidence=[],
                           negated_evidence=[], negated=False, method="review", taxonomy_version="sim",
                           tagged_at=at, coder="sim", review_id=None)

    def prose(self, chosen: list[str]) -> str:
        words = " e ".join(self.theme_label[t].lower() for t in chosen)
        return f"Vorrei {words} {self.rnd.choice(FILLER)}, {self.rnd.choice(FILLER)}."

    def card(self, run_id: int, item: int, qid: str, title: str, theme: str, stage: str, fields: dict[str, Any],
             at: datetime) -> None:
        card_id = self.counter["card"]
        self.counter["card"] += 1
        self.cards.append(card_id)
        self.w.add(Card, id=card_id, source_run_id=run_id, item_index=item, questionnaire_id=qid,
                   questionnaire_version=self.vocab.q[qid].version, title=title, promoter=fields.get("promoter"),
                   theme=theme, stage=stage, cost=fields.get("cost"), fields=fields, created_at=at)

    # --- one respondent -------------------------------------------------------------------------

    def add_respondent(self, rid: int, kind: str) -> None:
        """A respondent, their consent and their run of ``kind`` (raters are kept for later)."""
        rnd = self.rnd
        self.w.add(Respondent, id=rid, pseudonym=public_id(self.seed, "p", rid), channel=CHANNEL,
                   external_id=f"{self.tag}-{rid}", language="it" if rnd.random() < 0.93 else "en", created_at=T0)
        self.w.add(Consent, respondent_id=rid, purpose="participation", granted=rnd.random() > 0.03,
                   notice_version="sim", decided_at=T0)
        if kind == "ascolto":
            self.interview(rid)
        elif kind == "visione":
            self.vision(rid)
        elif kind == "imprese":
            self.business(rid)
        elif kind == "progetto":
            self.project(rid)
        else:
            self.raters.append(rid)

    def interview(self, rid: int) -> None:
        """A listening interview, linked to the next register actor while there are some."""
        rnd, themes, n_actors = self.rnd, self.themes, len(self.actor_ids)
        actor = self.actor_ids[self.linked % n_actors] if self.linked < n_actors * 1.05 else None
        self.linked += 1
        if actor is not None:
            self.w.add(RespondentActor, respondent_id=rid, actor_id=actor, invitation_id=None, linked_at=T0)
        run_id, at = self.new_run(rid, "ascolto")
        category = self.actor_category[actor] if actor is not None else rnd.choice(self.categories)
        self.answer(run_id, "role", rnd.choice(["Presidente", "Direttrice", "Responsabile progetti", "Segretario"]), at)
        self.answer(run_id, "category", category, at)
        horizons = self.vocab.codes("ascolto", "horizon")
        for item in range(rnd.randint(1, 3)):
            chosen = rnd.sample(themes, rnd.choice((1, 1, 2)))
            self.answer(run_id, "objective", self.prose(chosen), at, item, chosen)
            self.answer(run_id, "horizon", rnd.choice(horizons), at, item)
        self.answer(run_id, "priorities", rnd.sample(themes, 3), at)
        self.answer(run_id, "visions", rnd.sample(self.visions, rnd.randint(1, 3)), at)
        chosen = rnd.sample(themes, rnd.choice((1, 2)))
        self.answer(run_id, "vision_text", self.prose(chosen), at, themes_of=chosen)
        self.answer(run_id, "assets", rnd.sample(self.vocab.codes("ascolto", "assets"), rnd.randint(1, 3)), at)
        self._collaborations(run_id, at, actor)
        self._interview_projects(run_id, at)

    def _collaborations(self, run_id: int, at: datetime, actor: int | None) -> None:
        """Categories the actor works (or would work) with, and register actors named in them."""
        rnd = self.rnd
        for cats_key, key in (("collab_categories", "collaborates_with"), ("wish_categories", "would_collaborate")):
            cats = rnd.sample(self.categories, rnd.randint(0, 3))
            if cats:
                self.answer(run_id, cats_key, cats, at)
                pool = [c for cat in cats for c in self.by_category.get(cat, ())]
                if actor is not None:
                    pool = [c for c in pool if c != self.actor_code[actor]]
                if pool:
                    self.answer(run_id, key, rnd.sample(pool, min(len(pool), rnd.randint(1, 4))), at)

    def _interview_projects(self, run_id: int, at: datetime) -> None:
        """The interview's project items, each of which becomes a card."""
        rnd, label = self.rnd, self.theme_label
        ascolto_stages = self.vocab.codes("ascolto", "project_stage")
        has = rnd.random() < 0.6
        self.answer(run_id, "has_projects", "yes" if has else "no", at)
        for item in range(rnd.randint(1, 2) if has else 0):
            theme = rnd.choice(self.themes)
            title, summary, stage = f"Progetto {label[theme]} {run_id}-{item}", self.prose([theme]), rnd.choice(ascolto_stages)
            self.answer(run_id, "project_title", title, at, item)
            self.answer(run_id, "project_stage", stage, at, item)
            self.answer(run_id, "project_theme", theme, at, item)
            self.answer(run_id, "project_summary", summary, at, item, [theme])
            self.card(run_id, item, "ascolto", title, theme, stage, {"project_title": title, "project_summary": summary},
                      at)

    def vision(self, rid: int) -> None:
        """A citizen's vision of the city."""
        rnd, themes = self.rnd, self.themes
        area, relation = (self.vocab.codes("visione", k) for k in ("area", "relation"))
        run_id, at = self.new_run(rid, "visione")
        # the age gate: adults only (a minor's run would be stopped and keep nothing); one draw of
        # five, as the age band of version 1 took, so the rest of the city stays as it was
        age = rnd.choice(ADULT_AGES) + run_id % 5
        self.answer(run_id, "age", age, at)
        for key, value in outcomes(self.vocab.q["visione"], {"age": age}).items():  # the age band, derived
            self.w.add(RunOutcome, run_id=run_id, key=key, value=value)
        self.answer(run_id, "area", rnd.choice(area), at)
        self.answer(run_id, "relation", rnd.sample(relation, rnd.randint(1, 2)), at)
        self.answer(run_id, "visions", rnd.sample(self.visions, rnd.randint(1, 3)), at)
        chosen = rnd.sample(themes, rnd.choice((1, 1, 2)))
        self.answer(run_id, "become", self.prose(chosen), at, themes_of=chosen)
        if rnd.random() < 0.6:
            chosen = rnd.sample(themes, 1)
            self.answer(run_id, "change_first", self.prose(chosen), at, themes_of=chosen)

    def business(self, rid: int) -> None:
        """A business survey, its outcomes scored by the questionnaire's own rules."""
        rnd = self.rnd
        run_id, at = self.new_run(rid, "imprese")
        given = self._business_answers()
        for key, value in given.items():
            self.answer(run_id, key, value, at)
        if rnd.random() < 0.4:
            chosen = rnd.sample(self.themes, 1)
            self.answer(run_id, "city_role", self.prose(chosen), at, themes_of=chosen)
        for key, value in outcomes(self.vocab.q["imprese"], given).items():
            self.w.add(RunOutcome, run_id=run_id, key=key, value=value)

    def _business_answers(self) -> dict[str, Any]:
        rnd, ask = self.rnd, self.ask
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
        return given

    def project(self, rid: int) -> None:
        """A project card filed through the ``progetto`` questionnaire."""
        rnd = self.rnd
        run_id, at = self.new_run(rid, "progetto")
        self.answer(run_id, "age", 25 + run_id % 50, at)  # the age gate: an adult (no draw: the city stays as it was)
        theme = rnd.choice(self.vocab.codes("progetto", "theme"))
        title = f"Progetto {theme} {run_id}"
        fields = {"title": title, "promoter": f"Ente {rnd.randint(1, 60)}", "theme": theme,
                  "description": self.prose([rnd.choice(self.themes)]),
                  "stage": rnd.choice(self.vocab.codes("progetto", "stage")),
                  "cost": float(rnd.randrange(10, 5000) * 1000),
                  "funding": rnd.sample(self.vocab.codes("progetto", "funding"), rnd.randint(1, 2)),
                  "start_year": rnd.randint(2026, 2028)}
        fields["end_year"] = fields["start_year"] + rnd.randint(0, 4)
        for key, value in fields.items():
            self.answer(run_id, key, value, at, themes_of=[rnd.choice(self.themes)] if key == "description" else None)
        self.card(run_id, 0, "progetto", title, theme, fields["stage"], fields, at)

    def rate_cards(self, rater: int) -> None:
        """A rater rates 5 to 15 cards, each through a ``valutazione`` run."""
        rnd = self.rnd
        for card_id in rnd.sample(self.cards, min(len(self.cards), rnd.randint(5, 15))):
            run_id, at = self.new_run(rater, "valutazione")
            scores = {i: rnd.randint(1, 5) for i in INDICES}
            for key, value in scores.items():
                self.answer(run_id, key, value, at)
            self.w.add(Rating, card_id=card_id, rater_id=rater, run_id=run_id, scores=scores, comment=None,
                       created_at=at, completed_at=at)
