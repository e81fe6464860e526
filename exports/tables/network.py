"""The collaboration network: which actors of the register work (or would work) with which.

Edges come from the interviews' ``collaborates_with`` (current) and ``would_collaborate``
(wished) answers, between actors of the register by code (organisations are public; no person
is named). Tables: the edges, edges between categories, density and reciprocity, centrality.
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np
import pandas as pd

from .base import Analysis, Prepared, Table, explode_list

KINDS = ("current", "wished")


def _actors(p: Prepared) -> tuple[pd.DataFrame, pd.Series]:
    """The register by code, and its categories."""
    actors = p.actors.set_index("code") if not p.actors.empty else pd.DataFrame(columns=["actor_id", "organisation", "category"])
    category = actors["category"] if len(actors) else pd.Series(dtype=object)
    return actors, category


def _edges(p: Prepared, actors: pd.DataFrame, category: pd.Series) -> pd.DataFrame:
    """kind, source, source_category, target, target_category: one row per distinct directed edge."""
    by_id = p.actors.set_index("actor_id")["code"] if not p.actors.empty else pd.Series(dtype=object)
    inputs = p.options.inputs
    kinds = {key: kind for key, kind in ((inputs.collaborates, "current"), (inputs.would_collaborate, "wished")) if key}
    units = p.units[p.units["questionnaire_id"].isin(inputs.interviews) & p.units["actor_id"].notna()]
    answers = p.answers[p.answers["run_id"].isin(units["run_id"]) & p.answers["question_key"].isin(list(kinds))]
    edges = explode_list(answers)
    edges = edges.assign(
        kind=edges["question_key"].map(kinds),
        source=edges["run_id"].map(units.set_index("run_id")["actor_id"]).map(by_id),
        target=edges["value"].astype(str),
    )
    edges = edges[edges["target"].isin(actors.index) & edges["source"].notna() & (edges["source"] != edges["target"])]
    edges = edges.drop_duplicates(["kind", "source", "target"])
    return pd.DataFrame({
        "kind": edges["kind"], "source": edges["source"], "source_category": edges["source"].map(category),
        "target": edges["target"], "target_category": edges["target"].map(category),
    }).sort_values(["kind", "source", "target"]).reset_index(drop=True)


def _between_categories(edge_list: pd.DataFrame, cats: list[str]) -> pd.DataFrame:
    matrices = []
    for kind in KINDS:
        part = edge_list[edge_list["kind"] == kind]
        m = pd.crosstab(part["source_category"], part["target_category"]).reindex(index=cats, columns=cats, fill_value=0)
        m = m.reset_index().rename(columns={"source_category": "source_category"})
        m.insert(0, "kind", kind)
        matrices.append(m)
    matrix = pd.concat(matrices, ignore_index=True) if matrices else pd.DataFrame()
    matrix.columns = [str(c) for c in matrix.columns]
    return matrix.rename(columns={"index": "source_category"})


def _measures(edge_list: pd.DataFrame, n: int) -> pd.DataFrame:
    rows = []
    for kind in (*KINDS, "any"):
        part = edge_list if kind == "any" else edge_list[edge_list["kind"] == kind]
        pairs = set(zip(part["source"], part["target"]))
        m = len(pairs)
        mutual = sum(1 for a, b in pairs if (b, a) in pairs)
        rows.append({
            "kind": kind, "actors": n, "active_actors": len(set(part["source"]) | set(part["target"])),
            "edges": m, "density": round(m / (n * (n - 1)), 4) if n > 1 else np.nan,
            "reciprocity": round(mutual / m, 4) if m else np.nan,
        })
    return pd.DataFrame(rows)


def _centrality(edge_list: pd.DataFrame, actors: pd.DataFrame, category: pd.Series) -> pd.DataFrame:
    """Actors by degree (distinct partners, either direction, current or wished)."""
    n = len(actors)
    degree: dict[str, set[str]] = {}
    for a, b in zip(edge_list["source"], edge_list["target"]):
        degree.setdefault(a, set()).add(b)
        degree.setdefault(b, set()).add(a)
    counts = {
        f"{direction}_{kind}": (edge_list[edge_list["kind"] == kind].groupby(col)[other].nunique())
        for kind in KINDS
        for direction, col, other in (("in", "target", "source"), ("out", "source", "target"))
    }
    central = pd.DataFrame({"actor": sorted(degree)})
    central["organisation"] = central["actor"].map(actors["organisation"]) if len(actors) else None
    central["category"] = central["actor"].map(category)
    for name, series in counts.items():
        central[name] = central["actor"].map(series).fillna(0).astype("int64")
    central["degree"] = central["actor"].map(lambda c: len(degree[c])).astype("int64")
    central["degree_centrality"] = (central["degree"] / (n - 1)).round(4) if n > 1 else np.nan
    central["named_by"] = central["in_current"] + central["in_wished"] if len(central) else pd.Series(dtype="int64")
    central = central.sort_values(["degree", "named_by", "actor"], ascending=[False, False, True]).reset_index(drop=True)
    central.insert(0, "rank", range(1, len(central) + 1))
    return central


def build(p: Prepared, built: Mapping[str, Table]) -> list[Table]:
    """``network_edges``, ``network_categories``, ``network_summary`` and ``network_centrality``."""
    lang = p.options.lang
    actors, category = _actors(p)
    edge_list = _edges(p, actors, category)
    present = set(category.unique())
    cats = [c for c in p.category_order if c in present]
    cat_labels = "; ".join(f"{c} = {p.vocab.label('categories', c, lang)}" for c in cats)
    return [
        Table("network_edges", "Rete: collaborazioni", "Who collaborates (current) or would collaborate (wished) "
              "with whom: actors of the register by code (organisations are public; no person is named).", edge_list,
              {"kind": "current (collaborates_with) or wished (would_collaborate)", "source": "actor who answered",
               "target": "actor named"}),
        Table("network_categories", "Rete per categoria", "Edges between categories (rows: who names; columns: who is "
              "named).", _between_categories(edge_list, cats), {"<category>": f"edges towards that category ({cat_labels})"}),
        Table("network_summary", "Rete: misure", "Simple measures of the collaboration network.",
              _measures(edge_list, len(actors)),
              {"actors": "actors in the register (n)", "edges": "directed edges m", "density": "m / (n·(n−1))",
               "reciprocity": "share of edges whose reverse edge exists"}),
        Table("network_centrality", "Attori più centrali", "Actors by degree centrality (distinct partners, either "
              "direction, current or wished).", _centrality(edge_list, actors, category),
              {"in_*": "actors naming this one", "out_*": "actors this one names", "degree": "distinct partners",
               "degree_centrality": "degree / (n − 1)", "named_by": "in_current + in_wished"},
              chart={"type": "bar", "categories": "actor", "values": ["degree"], "title": "Attori più centrali",
                     "rows": 15}),
    ]


ANALYSIS = Analysis(("network_edges", "network_categories", "network_summary", "network_centrality"),
                    lambda i: frozenset({i.collaborates, i.would_collaborate}), build)
