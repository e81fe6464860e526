"""Governance measures of the collaboration network: is it fragmented, peer-like, stable?

The seed diagnoses Cremona's governance as a network that is *fragmented* (many independent
actors), *stable* (the same actors over time) and *peer-like* (each sets its own strategy). These
tables measure each word, with networkx, on the ties the listening interviews name
(``collaborates_with``: current, ``would_collaborate``: wished; plan.yaml ``tables.network``):

* **fragmentation** — the connected components of the actors who have a tie (named or naming),
  their sizes, the share of the largest; the density m / (n·(n−1)) over the register's n actors;
* **peer-like or hub-and-spoke** — Freeman's degree centralisation of the undirected graph of
  those actors, Σ (d_max − d_i) / ((n−1)(n−2)): 1 for a star, 0 when every actor has as many
  partners; under :data:`PEER_BELOW` the network reads as *peer-like*, from :data:`HUB_FROM` on as
  *hub-and-spoke*, in between as *mixed*;
* **brokers** — betweenness centrality (normalised, undirected): who lies on the shortest paths
  between the others (exact up to :data:`EXACT_BETWEENNESS` actors, beyond that estimated from as
  many sources drawn with a fixed seed); **communities** — Louvain modularity, fixed seed (the same
  tables every rebuild; ~10x faster than greedy modularity on a 400-actor simulated register);
* **reciprocity** — the share of directed ties whose reverse is named too;
* **current vs wished** — how many wished ties exist already, how many would be new;
* **waves and stability** — a *wave* is a campaign of listening interviews: the completed
  interviews sorted by time, a new wave starting after :data:`WAVE_GAP_DAYS` days without any
  (the plan's campaigns are periods of interviewing with pauses between them; a corrected
  re-submission days later stays in its wave). In each wave an actor's latest interview counts.
  Between two consecutive waves, among the actors who answered in both, a tie is *stable* when
  named in both, *new* or *dropped* otherwise; stability = |stable| / |before ∪ after| (Jaccard).

Actors are organisations of the public register (docs/convergence.md: the network is not
suppressed); the tables still name them by their category and an ordinal ("Enti pubblici #2",
numbered by register code within the category) rather than by code, so a page never shows a raw
code such as ``s1_9``; ``organisation`` is given beside it in the brokers' table, as
``network_centrality`` does. :func:`governance_reading` gives the plain-language reading (Italian
or English) and :func:`governance_summary` its figures, for the dashboard and the report.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import networkx as nx
import numpy as np
import pandas as pd
from dialogs.i18n import deployment_language

from ..vocabulary import Vocabulary
from .base import Analysis, Prepared, Table, Tables, explode_list, frame_of

KINDS = ("current", "wished")
WAVE_GAP_DAYS = 90  # a pause this long without a completed interview separates two waves
PEER_BELOW = 0.25  # degree centralisation under this: peer-like
HUB_FROM = 0.5  # from this on: hub-and-spoke
STABLE_FROM = 0.5  # ties' stability (Jaccard) from this on: stable
BROKERS = 10  # brokers listed per kind
EXACT_BETWEENNESS = 150  # actors up to which betweenness is exact (beyond: estimated from this many sources)
SEED = 17  # Louvain's and the betweenness sample's: the same communities and brokers every rebuild
TABLES = ("governance_reading", "governance_summary", "governance_components", "governance_communities",
          "governance_brokers", "governance_waves", "governance_stability")


# --- the measures, on plain edge lists (tests/exports/test_governance.py checks them by hand) ---------


@dataclass(frozen=True)
class Measures:
    """One network's governance figures (``nodes``: the register's n, for density)."""

    nodes: int
    active: int
    edges: int
    components: list[list[str]]  # largest first; each sorted
    density: float
    reciprocity: float
    centralisation: float
    betweenness: dict[str, float]
    degree: dict[str, int]
    communities: list[list[str]]  # largest first; only of two actors or more
    modularity: float

    @property
    def structure(self) -> str:
        """``peer`` | ``mixed`` | ``hub`` by degree centralisation (``""`` when undefined)."""
        return structure_of(self.centralisation)


def structure_of(centralisation: float) -> str:
    if centralisation is None or (isinstance(centralisation, float) and math.isnan(centralisation)):
        return ""
    return "peer" if centralisation < PEER_BELOW else "hub" if centralisation >= HUB_FROM else "mixed"


def digraph(edges: list[tuple[str, str]] | set[tuple[str, str]]) -> nx.DiGraph:
    """The directed graph of ``edges`` (no self-loops)."""
    g = nx.DiGraph()
    g.add_edges_from((a, b) for a, b in edges if a != b)
    return g


def degree_centralisation(u: nx.Graph) -> float:
    """Freeman's degree centralisation of an undirected graph: 1 for a star, 0 for a regular graph;
    NaN under three nodes."""
    n = u.number_of_nodes()
    if n < 3:
        return math.nan
    degrees = [d for _, d in u.degree()]
    top = max(degrees)
    return sum(top - d for d in degrees) / ((n - 1) * (n - 2))


def measure(edges: list[tuple[str, str]] | set[tuple[str, str]], nodes: int, full: bool = True) -> Measures:
    """Every measure of the directed ``edges`` among ``nodes`` actors (n for the density); without
    ``full``, no brokers or communities (the waves' rows need neither)."""
    g = digraph(edges)
    u = g.to_undirected()
    m = g.number_of_edges()
    components = sorted((sorted(c) for c in nx.connected_components(u)), key=lambda c: (-len(c), c))
    communities: list[list[str]] = []
    modularity = math.nan
    betweenness: dict[str, float] = {v: 0.0 for v in u.nodes}
    if full and u.number_of_edges():
        found = nx.community.louvain_communities(u, seed=SEED)
        modularity = float(nx.community.modularity(u, found))
        communities = sorted((sorted(c) for c in found if len(c) > 1), key=lambda c: (-len(c), c))
    if full and u.number_of_nodes() > 2:
        sample = EXACT_BETWEENNESS if u.number_of_nodes() > EXACT_BETWEENNESS else None
        betweenness = nx.betweenness_centrality(u, k=sample, normalized=True, seed=SEED)
    return Measures(
        nodes=nodes, active=u.number_of_nodes(), edges=m, components=components,
        density=m / (nodes * (nodes - 1)) if nodes > 1 else math.nan,
        reciprocity=float(nx.reciprocity(g)) if m else math.nan,
        centralisation=degree_centralisation(u), betweenness=betweenness, degree=dict(u.degree()),
        communities=communities, modularity=modularity)


@dataclass(frozen=True)
class Change:
    """Ties of the actors who answered in two waves."""

    actors_both: int
    before: int
    after: int
    stable: int
    new: int
    dropped: int

    @property
    def stability(self) -> float:
        union = self.stable + self.new + self.dropped
        return self.stable / union if union else math.nan


def change(before: set[tuple[str, str]], after: set[tuple[str, str]], answered_both: set[str]) -> Change:
    """Which ties named by the actors answering in both waves stayed, came or went."""
    b = {e for e in before if e[0] in answered_both}
    a = {e for e in after if e[0] in answered_both}
    return Change(len(answered_both), len(b), len(a), len(a & b), len(a - b), len(b - a))


def waves_of(times: pd.Series, gap_days: int = WAVE_GAP_DAYS) -> pd.Series:
    """Wave number (1, 2, …) of each completion time: a new wave after a pause over ``gap_days``."""
    order = times.sort_values(kind="stable")
    gaps = order.diff() > pd.Timedelta(days=gap_days)
    return (gaps.cumsum() + 1).astype("int64").reindex(times.index)


# --- from the prepared frames ------------------------------------------------------------------------


def pseudonyms(actors: pd.DataFrame, vocab: Vocabulary, lang: str) -> dict[str, str]:
    """code → "<category label> #<ordinal>" ("Enti pubblici #2"), numbered by code within the category of the register."""
    out: dict[str, str] = {}
    for category, group in actors.sort_values("code").groupby("category", sort=False):
        label = vocab.label("categories", category, lang)
        for i, code in enumerate(group["code"], start=1):
            out[str(code)] = f"{label} #{i}"
    return out


def _interviews(p: Prepared) -> pd.DataFrame:
    """run_id, code, completed_at of every completed interview run speaking for a register actor."""
    inputs = p.options.inputs
    respondents = frame_of(p.data.respondents, ["respondent_id", "pseudonym", "actor_id", "consent"])
    runs = p.runs[p.runs["questionnaire_id"].isin(inputs.interviews)]
    runs = runs.merge(respondents[["respondent_id", "actor_id"]], on="respondent_id", how="inner")
    runs = runs[runs["actor_id"].notna()]
    codes = p.actors.set_index("actor_id")["code"] if not p.actors.empty else pd.Series(dtype=object)
    runs = runs.assign(code=runs["actor_id"].map(codes))
    return runs[runs["code"].notna()][["run_id", "code", "completed_at"]].reset_index(drop=True)


def _ties(p: Prepared, runs: pd.DataFrame, known: set[str]) -> dict[str, set[tuple[str, str]]]:
    """kind → the directed ties named in ``runs`` (run_id, code) towards actors of the register."""
    inputs = p.options.inputs
    kinds = {key: kind for key, kind in ((inputs.collaborates, "current"), (inputs.would_collaborate, "wished"))
             if key}
    out: dict[str, set[tuple[str, str]]] = {kind: set() for kind in KINDS}
    answers = p.all_answers[p.all_answers["run_id"].isin(runs["run_id"]) & p.all_answers["question_key"].isin(
        list(kinds))]
    if answers.empty:
        return out
    named = explode_list(answers)
    source = named["run_id"].map(runs.set_index("run_id")["code"])
    # plain lists: iterating pandas' Arrow-backed strings costs ~1 µs a value (0.3 s at 1M answers)
    for key, a, b in zip(named["question_key"].tolist(), source.tolist(), named["value"].astype(str).tolist()):
        if isinstance(a, str) and b in known and a != b:
            out[kinds[key]].add((a, b))
    return out


def _latest(runs: pd.DataFrame) -> pd.DataFrame:
    """Each actor's latest run (by completion, then run id)."""
    return runs.sort_values(["completed_at", "run_id"], na_position="first").groupby("code", sort=False).tail(1)


def _composition(members: list[str], category: Mapping[str, str], label: Mapping[str, str]) -> str:
    counts: dict[str, int] = {}
    for code in members:
        counts[category.get(code, "")] = counts.get(category.get(code, ""), 0) + 1
    return "; ".join(f"{label.get(c, c)}: {n}" for c, n in sorted(counts.items(), key=lambda x: (-x[1], x[0])))


def _round(value: float, digits: int = 4) -> float:
    return round(value, digits) if not math.isnan(value) else np.nan


def build(p: Prepared, built: Mapping[str, Table]) -> list[Table]:
    """The governance tables, in :data:`TABLES`' order."""
    lang = p.options.lang
    actors = p.actors if not p.actors.empty else pd.DataFrame(columns=["actor_id", "code", "organisation", "category"])
    actors = actors.assign(category=actors["category"].fillna("other"))  # every actor gets a label
    known = set(actors["code"].astype(str))
    n = len(actors)
    name = pseudonyms(actors, p.vocab, lang)
    category = dict(zip(actors["code"].astype(str), actors["category"]))
    organisation = dict(zip(actors["code"].astype(str), actors["organisation"]))
    cat_label = {c: p.vocab.label("categories", c, lang) for c in set(category.values())}
    interviews = _interviews(p)
    ties = _ties(p, _latest(interviews), known)
    measured = {kind: measure(ties[kind], n) for kind in KINDS}

    summary, components, communities, brokers = [], [], [], []
    for kind in KINDS:
        m, other = measured[kind], ties["wished" if kind == "current" else "current"]
        sizes = [len(c) for c in m.components]
        cross = sum(1 for a, b in ties[kind] if category.get(a) != category.get(b))
        summary.append({
            "kind": kind, "actors": n, "active_actors": m.active, "edges": m.edges,
            "components": len(m.components), "largest_component": sizes[0] if sizes else 0,
            "largest_share": _round(sizes[0] / m.active) if sizes else np.nan,
            "component_sizes": ", ".join(map(str, sizes)), "density": _round(m.density),
            "reciprocity": _round(m.reciprocity), "centralisation": _round(m.centralisation),
            "structure": m.structure, "communities": len(m.communities), "modularity": _round(m.modularity),
            "cross_category_share": _round(cross / m.edges) if m.edges else np.nan,
            "also_other_kind": len(ties[kind] & other), "only_this_kind": len(ties[kind] - other),
        })
        for i, members in enumerate(m.components, start=1):
            components.append({"kind": kind, "component": i, "actors": len(members),
                               "categories": _composition(members, category, cat_label),
                               "members": "; ".join(sorted(name[c] for c in members))})
        for i, members in enumerate(m.communities, start=1):
            communities.append({"kind": kind, "community": i, "actors": len(members),
                                "categories": _composition(members, category, cat_label),
                                "members": "; ".join(sorted(name[c] for c in members))})
        ranked = sorted((v for v in m.betweenness.items() if v[1] > 0), key=lambda x: (-x[1], name[x[0]]))
        for rank, (code, value) in enumerate(ranked[:BROKERS], start=1):
            brokers.append({"kind": kind, "rank": rank, "actor": name[code], "category": cat_label[category[code]],
                            "organisation": organisation[code], "betweenness": round(value, 4),
                            "degree": m.degree.get(code, 0)})

    waves, stability = _waves(interviews, p, known, n)
    frames = {
        "governance_summary": pd.DataFrame(summary),
        "governance_components": _frame(components, ["kind", "component", "actors", "categories", "members"]),
        "governance_communities": _frame(communities, ["kind", "community", "actors", "categories", "members"]),
        "governance_brokers": _frame(brokers, ["kind", "rank", "actor", "category", "organisation", "betweenness",
                                               "degree"]),
        "governance_waves": waves, "governance_stability": stability,
    }
    reading = pd.DataFrame({"topic": [], "reading": []}, dtype=object)
    tables = _tables(reading, frames)
    sentences = reading_lines(tables, lang)
    tables[0].frame = pd.DataFrame(sentences, columns=["topic", "reading"], dtype=object)
    return tables


def _frame(rows: list[dict[str, Any]], columns: list[str]) -> pd.DataFrame:
    return pd.DataFrame(rows, columns=columns) if rows else pd.DataFrame({c: pd.Series(dtype=object) for c in columns})


def _waves(interviews: pd.DataFrame, p: Prepared, known: set[str], n: int) -> tuple[pd.DataFrame, pd.DataFrame]:
    """One row per wave (its period and measures), one per pair of consecutive waves and kind."""
    timed = interviews[interviews["completed_at"].notna()]
    wave_cols = ["wave", "first_day", "last_day", "actors", "current_edges", "wished_edges", "components",
                 "density", "reciprocity", "centralisation", "structure"]
    stab_cols = ["from_wave", "to_wave", "kind", "actors_both", "returning_share", "edges_before", "edges_after",
                 "stable", "new", "dropped", "stability", "wished_realised"]
    if timed.empty:
        return _frame([], wave_cols), _frame([], stab_cols)
    timed = timed.assign(wave=waves_of(timed["completed_at"]))
    rows, per_wave = [], {}
    for wave, runs in timed.groupby("wave", sort=True):
        latest = _latest(runs)
        ties = _ties(p, latest, known)
        current = measure(ties["current"], n, full=False)
        per_wave[int(wave)] = (set(latest["code"]), ties)
        rows.append({"wave": int(wave), "first_day": runs["completed_at"].min().date().isoformat(),
                     "last_day": runs["completed_at"].max().date().isoformat(), "actors": len(latest),
                     "current_edges": len(ties["current"]), "wished_edges": len(ties["wished"]),
                     "components": len(current.components), "density": _round(current.density),
                     "reciprocity": _round(current.reciprocity), "centralisation": _round(current.centralisation),
                     "structure": current.structure})
    changes = []
    numbers = sorted(per_wave)
    for a, b in zip(numbers, numbers[1:]):
        (actors_a, ties_a), (actors_b, ties_b) = per_wave[a], per_wave[b]
        both = actors_a & actors_b
        for kind in KINDS:
            c = change(ties_a[kind], ties_b[kind], both)
            realised = len({e for e in ties_a["wished"] & ties_b["current"] if e[0] in both}) if kind == "current" \
                else np.nan
            changes.append({"from_wave": a, "to_wave": b, "kind": kind, "actors_both": c.actors_both,
                            "returning_share": _round(len(both) / len(actors_b)) if actors_b else np.nan,
                            "edges_before": c.before, "edges_after": c.after, "stable": c.stable, "new": c.new,
                            "dropped": c.dropped, "stability": _round(c.stability), "wished_realised": realised})
    stability = _frame(changes, stab_cols)
    stability["wished_realised"] = stability["wished_realised"].astype("Int64")  # blank on the wished rows
    return _frame(rows, wave_cols), stability


def _tables(reading: pd.DataFrame, f: dict[str, pd.DataFrame]) -> list[Table]:
    return [
        Table("governance_reading", "Governance: lettura", "What the governance measures say, in plain words.",
              reading, {"topic": "fragmentation, structure, brokers, communities, reciprocity, wished, stability",
                        "reading": "the reading"}),
        Table("governance_summary", "Governance: misure", "Fragmentation, centralisation and reciprocity of the "
              "current and the wished collaboration networks (networkx).", f["governance_summary"],
              {"active_actors": "actors with at least one tie (naming or named)",
               "components": "connected components of the active actors",
               "largest_share": "actors of the largest component / active actors",
               "component_sizes": "actors in each component, largest first",
               "density": "m / (n·(n−1)), n = actors in the register",
               "reciprocity": "share of edges whose reverse edge exists",
               "centralisation": "Freeman's degree centralisation: 1 = a star (hub-and-spoke), 0 = all alike (peers)",
               "structure": f"peer (< {PEER_BELOW}), mixed, hub (≥ {HUB_FROM})",
               "communities": "communities of two actors or more (Louvain modularity)",
               "modularity": "modularity of the communities found",
               "cross_category_share": "share of ties between actors of different categories",
               "also_other_kind": "ties that are both current and wished",
               "only_this_kind": "ties of this kind only"}),
        Table("governance_components", "Governance: componenti", "The connected components (groups of actors "
              "linked by some path of ties), by category and actor.", f["governance_components"],
              {"members": "actors by category and ordinal (no code)"}),
        Table("governance_communities", "Governance: comunità", "Communities: groups of actors with more ties "
              "among them than towards the others (Louvain modularity).", f["governance_communities"],
              {"members": "actors by category and ordinal (no code)"}),
        Table("governance_brokers", "Governance: intermediari", "Brokers: the actors on the most shortest paths "
              "between the others (betweenness centrality).", f["governance_brokers"],
              {"betweenness": "normalised betweenness centrality (undirected)", "degree": "distinct partners"},
              chart={"type": "bar", "categories": "actor", "values": ["betweenness"],
                     "title": "Intermediari (betweenness)", "rows": BROKERS}),
        Table("governance_waves", "Governance: ondate", f"Waves of listening interviews (a new wave after "
              f"{WAVE_GAP_DAYS} days without any) and the current network of each.", f["governance_waves"],
              {"actors": "actors interviewed in the wave (latest interview of each)",
               "centralisation": "Freeman's degree centralisation of the wave's current ties"}),
        Table("governance_stability", "Governance: stabilità dei legami", "Ties between consecutive waves, among "
              "the actors interviewed in both.", f["governance_stability"],
              {"actors_both": "actors interviewed in both waves",
               "returning_share": "actors_both / actors of the later wave",
               "stable": "ties named in both waves", "new": "ties named only in the later wave",
               "dropped": "ties named only in the earlier wave",
               "stability": "stable / (stable + new + dropped) (Jaccard)",
               "wished_realised": "wished ties of the earlier wave current in the later"}),
    ]


# --- the plain-language reading ---------------------------------------------------------------------

WORDS: dict[str, dict[str, str]] = {
    "it": {
        "empty": "Nessuna collaborazione indicata finora: la rete non si può ancora leggere.",
        "fragmented": "La rete è frammentata: {components} componenti separate tra {active} attori collegati "
                      "(la più grande ne riunisce {largest}, il {share} %).",
        "connected": "La rete è connessa: tutti i {active} attori collegati stanno in un'unica componente.",
        "density": "Densità {density}: esiste il {pct} % dei legami possibili tra i {n} attori del registro.",
        "peer": "Struttura tra pari: centralizzazione {c} (0 = tutti alla pari, 1 = a stella); nessun attore fa da "
                "perno, ognuno segue la propria strategia.",
        "mixed": "Struttura intermedia: centralizzazione {c} (0 = tutti alla pari, 1 = a stella); alcuni attori "
                 "hanno molti più legami degli altri.",
        "hub": "Struttura a stella (hub-and-spoke): centralizzazione {c} (0 = tutti alla pari, 1 = a stella); "
               "pochi attori concentrano i legami.",
        "brokers": "Intermediari (fanno da ponte tra gli altri): {names}.",
        "no_brokers": "Nessun attore fa da ponte tra gli altri.",
        "communities": "{count} comunità (gruppi più legati al loro interno), modularità {q}.",
        "reciprocity": "Reciprocità {pct} %: dei legami indicati, questa quota è ricambiata.",
        "wished": "Collaborazioni desiderate: {wished}, di cui {new} nuove (non ancora in atto); la rete desiderata "
                  "avrebbe {components} invece di {now}.",
        "component": "componente", "components": "componenti",
        "one_wave": "Una sola ondata di interviste finora: la stabilità dei legami si misurerà alla seconda.",
        "stable": "Tra l'ondata {a} e la {b} la rete è stabile: dei legami degli attori intervistati in entrambe "
                  "({both}) il {pct} % resta uguale (stabili {stable}, nuovi {new}, persi {dropped}).",
        "unstable": "Tra l'ondata {a} e la {b} la rete cambia: dei legami degli attori intervistati in entrambe "
                    "({both}) solo il {pct} % resta uguale (stabili {stable}, nuovi {new}, persi {dropped}).",
        "topics": "frammentazione|densità|struttura|intermediari|comunità|reciprocità|desiderate|stabilità",
    },
    "en": {
        "empty": "No collaboration named so far: the network cannot be read yet.",
        "fragmented": "The network is fragmented: {components} separate components among {active} linked actors "
                      "(the largest holds {largest}, {share} %).",
        "connected": "The network is connected: all {active} linked actors are in one component.",
        "density": "Density {density}: {pct} % of the possible ties among the register's {n} actors exist.",
        "peer": "Peer-like structure: centralisation {c} (0 = all alike, 1 = a star); no actor is a hub, each "
                "follows its own strategy.",
        "mixed": "Mixed structure: centralisation {c} (0 = all alike, 1 = a star); some actors have many more ties "
                 "than the others.",
        "hub": "Hub-and-spoke structure: centralisation {c} (0 = all alike, 1 = a star); a few actors hold the ties.",
        "brokers": "Brokers (bridging the others): {names}.",
        "no_brokers": "No actor bridges the others.",
        "communities": "{count} communities (groups tied more closely within), modularity {q}.",
        "reciprocity": "Reciprocity {pct} %: this share of the ties named is returned.",
        "wished": "Wished collaborations: {wished}, {new} of them new (not yet under way); the wished network would "
                  "have {components} instead of {now}.",
        "component": "component", "components": "components",
        "one_wave": "One wave of interviews so far: the stability of the ties will be measured at the second.",
        "stable": "Between waves {a} and {b} the network is stable: of the ties of the actors interviewed in both "
                  "({both}), {pct} % stay the same (stable {stable}, new {new}, dropped {dropped}).",
        "unstable": "Between waves {a} and {b} the network changes: of the ties of the actors interviewed in both "
                    "({both}), only {pct} % stay the same (stable {stable}, new {new}, dropped {dropped}).",
        "topics": "fragmentation|density|structure|brokers|communities|reciprocity|wished|stability",
    },
    "de": {
        "empty": "Bisher wurde keine Zusammenarbeit genannt: das Netzwerk lässt sich noch nicht lesen.",
        "fragmented": "Das Netzwerk ist zersplittert: {components} getrennte Komponenten unter {active} verbundenen "
                      "Akteuren (die größte umfasst {largest}, {share} %).",
        "connected": "Das Netzwerk ist zusammenhängend: alle {active} verbundenen Akteure gehören zu einer einzigen "
                     "Komponente.",
        "density": "Dichte {density}: {pct} % der möglichen Verbindungen zwischen den {n} Akteuren des Registers "
                   "bestehen.",
        "peer": "Gleichrangige Struktur: Zentralisierung {c} (0 = alle gleichrangig, 1 = sternförmig); kein Akteur "
                "bildet einen Knotenpunkt, jeder verfolgt seine eigene Strategie.",
        "mixed": "Gemischte Struktur: Zentralisierung {c} (0 = alle gleichrangig, 1 = sternförmig); einige Akteure "
                 "haben deutlich mehr Verbindungen als die anderen.",
        "hub": "Sternförmige Struktur (hub-and-spoke): Zentralisierung {c} (0 = alle gleichrangig, 1 = sternförmig); "
               "wenige Akteure bündeln die Verbindungen.",
        "brokers": "Vermittler (bilden Brücken zwischen den anderen): {names}.",
        "no_brokers": "Kein Akteur bildet eine Brücke zwischen den anderen.",
        "communities": "{count} Gemeinschaften (Gruppen, die untereinander enger verbunden sind), Modularität {q}.",
        "reciprocity": "Gegenseitigkeit {pct} %: dieser Anteil der genannten Verbindungen wird erwidert.",
        "wished": "Gewünschte Zusammenarbeit: {wished}, davon {new} neu (noch nicht im Gang); das gewünschte "
                  "Netzwerk hätte {components} statt {now}.",
        "component": "Komponente", "components": "Komponenten",
        "one_wave": "Bisher nur eine Interviewwelle: die Stabilität der Verbindungen wird ab der zweiten gemessen.",
        "stable": "Zwischen Welle {a} und Welle {b} ist das Netzwerk stabil: von den Verbindungen der in beiden "
                  "befragten Akteure ({both}) bleiben {pct} % gleich (stabil {stable}, neu {new}, weggefallen "
                  "{dropped}).",
        "unstable": "Zwischen Welle {a} und Welle {b} verändert sich das Netzwerk: von den Verbindungen der in "
                    "beiden befragten Akteure ({both}) bleiben nur {pct} % gleich (stabil {stable}, neu {new}, "
                    "weggefallen {dropped}).",
        "topics": "Zersplitterung|Dichte|Struktur|Vermittler|Gemeinschaften|Gegenseitigkeit|gewünscht|Stabilität",
    },
}


def _words(lang: str) -> Mapping[str, str]:
    """The reading's words in ``lang``; else the plan's default language; else Italian (as dialogs.i18n)."""
    for code in (lang, deployment_language()):
        if code in WORDS:
            return WORDS[code]
    return WORDS["it"]


def _number(value: Any, lang: str, digits: int = 2) -> str:
    text = f"{float(value):.{digits}f}"
    return text.replace(".", ",") if lang in ("it", "de") else text  # a decimal comma in Italian and German


def _pct(value: Any) -> str:
    return f"{round(100 * float(value))}"


def _count(n: int, w: Mapping[str, str]) -> str:
    return f"{n} {w['component'] if n == 1 else w['components']}"


def _missing(value: Any) -> bool:
    return value is None or value is pd.NA or (isinstance(value, float) and math.isnan(value))


def governance_summary(tables: Tables | Mapping[str, pd.DataFrame]) -> dict[str, Any]:
    """The reading's figures as plain Python values (for the report and the dashboard)."""
    frame = tables.__getitem__  # Tables and a mapping alike: name → frame
    summary = frame("governance_summary").set_index("kind") if len(frame("governance_summary")) else None
    out: dict[str, Any] = {"available": summary is not None and int(summary.loc["current", "edges"]) > 0}
    if summary is None:
        return out
    for kind in KINDS:
        row = summary.loc[kind]
        out[kind] = {key: (None if _missing(row[key]) else row[key].item() if hasattr(row[key], "item") else row[key])
                     for key in row.index}
    brokers = frame("governance_brokers")
    out["brokers"] = brokers[brokers["kind"] == "current"]["actor"].head(3).tolist()
    waves, stability = frame("governance_waves"), frame("governance_stability")
    out["waves"] = len(waves)
    last = stability[stability["kind"] == "current"].tail(1)
    out["stability"] = None if last.empty or _missing(last["stability"].iloc[0]) else {
        key: (v.item() if hasattr(v, "item") else v) for key, v in last.iloc[0].items()}
    return out


def reading_lines(tables: Tables | Mapping[str, pd.DataFrame] | list[Table], lang: str) -> list[tuple[str, str]]:
    """(topic, sentence) of the plain-language reading, in ``lang`` (Italian, English or German)."""
    if isinstance(tables, list):
        tables = {t.name: t.frame for t in tables}
    w = _words(lang)
    topics = w["topics"].split("|")
    s = governance_summary(tables)
    if not s["available"]:
        return [(topics[0], w["empty"])]
    now, wished = s["current"], s["wished"]
    lines: list[tuple[str, str]] = []
    if now["components"] > 1:
        lines.append((topics[0], w["fragmented"].format(components=now["components"], active=now["active_actors"],
                                                        largest=now["largest_component"],
                                                        share=_pct(now["largest_share"]))))
    else:
        lines.append((topics[0], w["connected"].format(active=now["active_actors"])))
    if now["density"] is not None:
        lines.append((topics[1], w["density"].format(density=_number(now["density"], lang, 3),
                                                     pct=_number(100 * now["density"], lang, 1), n=now["actors"])))
    if now["structure"]:
        lines.append((topics[2], w[now["structure"]].format(c=_number(now["centralisation"], lang))))
    names = s["brokers"]
    lines.append((topics[3], w["brokers"].format(names=", ".join(names)) if names else w["no_brokers"]))
    if now["communities"]:
        lines.append((topics[4], w["communities"].format(count=now["communities"],
                                                         q=_number(now["modularity"], lang))))
    if now["reciprocity"] is not None:
        lines.append((topics[5], w["reciprocity"].format(pct=_pct(now["reciprocity"]))))
    if wished["edges"]:
        lines.append((topics[6], w["wished"].format(wished=wished["edges"], new=wished["only_this_kind"],
                                                    components=_count(wished["components"], w),
                                                    now=_count(now["components"], w))))
    change_ = s["stability"]
    if change_ is None:
        lines.append((topics[7], w["one_wave"]))
    else:
        key = "stable" if change_["stability"] >= STABLE_FROM else "unstable"
        lines.append((topics[7], w[key].format(a=change_["from_wave"], b=change_["to_wave"],
                                               both=change_["actors_both"], pct=_pct(change_["stability"]),
                                               stable=change_["stable"], new=change_["new"],
                                               dropped=change_["dropped"])))
    return lines


def governance_reading(tables: Tables | Mapping[str, pd.DataFrame], lang: str = "it") -> str:
    """The plain-language reading as one paragraph ("La rete è frammentata: 4 componenti …")."""
    return " ".join(sentence for _, sentence in reading_lines(tables, lang))


ANALYSIS = Analysis(TABLES, lambda i: frozenset({i.collaborates, i.would_collaborate}), build)
