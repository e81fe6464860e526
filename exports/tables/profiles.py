"""The innovation profile of firms: anticipatrici / inseguitrici / non innovative, beside a baseline.

A firm's profile is the outcome of its latest ``imprese`` run (docs/innovation-profile.md);
tables by sector (ATECO section) and size, all firms beside the baseline, and the obstacles
each profile cites. Blanks: :func:`exports.complements.profile_cells` (primary and secondary).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
import pandas as pd

from .. import complements
from ..vocabulary import Vocabulary
from .base import Analysis, Prepared, Table, explode_list, frame_of, label_of

ALL_FIRMS = {"it": "Tutte le imprese", "en": "All firms"}


def _firms(p: Prepared) -> tuple[pd.DataFrame, pd.DataFrame]:
    """run_id, ateco_section, employees, profile of each firm with a profile; and its answers."""
    inputs = p.options.inputs
    runs = p.runs[p.runs["questionnaire_id"] == inputs.business].sort_values(["completed_at", "run_id"],
                                                                             na_position="first")
    runs = runs.groupby("respondent_id").tail(1)  # a firm that answered twice counts once, as it is now
    answers = p.all_answers[p.all_answers["run_id"].isin(runs["run_id"])]
    firms = pd.DataFrame({"run_id": runs["run_id"]}).set_index("run_id")
    for column, key in (("ateco_section", inputs.sector), ("employees", inputs.size)):
        values = answers[answers["question_key"] == key].drop_duplicates("run_id", keep="last").set_index("run_id")["value"]
        firms[column] = values
    outcomes = frame_of(p.data.outcomes, ["run_id", "key", "value"])
    profiles = outcomes[outcomes["key"] == inputs.profile] if not outcomes.empty else outcomes
    firms["profile"] = profiles.set_index("run_id")["value"] if not profiles.empty else pd.Series(dtype=object)
    return firms[firms["profile"].notna()].reset_index(), answers


def _row(vocab: Vocabulary, breakdown: str, group: str, label: str, frame: pd.DataFrame) -> dict[str, Any]:
    total = len(frame)  # true counts here; suppression (primary and secondary) in _profile_table
    record: dict[str, Any] = {"breakdown": breakdown, "group": group, "label": label, "firms": total}
    for profile in vocab.profiles:
        n = int((frame["profile"] == profile).sum())
        record[profile] = n
        record[f"{profile}_pct"] = np.nan if total == 0 else round(100.0 * n / total, 1)
        record[f"{profile}_baseline_pct"] = vocab.baseline.get(profile)
    return record


def _profile_table(p: Prepared, firms: pd.DataFrame) -> pd.DataFrame:
    """One row for all firms, one per sector and per size; blanks where a count could be worked out."""
    lang, vocab = p.options.lang, p.vocab
    profiles = list(vocab.profiles)
    rows = [_row(vocab, "all", "all", ALL_FIRMS[lang if lang in ("it", "en") else "it"], firms)]
    for breakdown, key, kind in (("sector", "ateco_section", "sectors"), ("size", "employees", "sizes")):
        codes = list(getattr(vocab, kind)) + sorted(set(firms[key].dropna().astype(str)) - set(getattr(vocab, kind)))
        for code in codes:
            part = firms[firms[key] == code]
            if len(part):
                rows.append(_row(vocab, breakdown, code, vocab.label(kind, code, lang), part))
    table = pd.DataFrame(rows)
    blank = complements.profile_cells(table, profiles, p.options.k)
    firms_hidden = np.array([(i, "firms") in blank for i in range(len(table))], dtype=bool)
    for profile in profiles:
        hidden = np.array([(i, profile) in blank for i in range(len(table))], dtype=bool)
        table[profile] = table[profile].astype("Int64").mask(hidden)
        table[f"{profile}_pct"] = table[f"{profile}_pct"].mask(hidden | firms_hidden)  # n / firms would show firms
    table["firms"] = table["firms"].astype("Int64").mask(firms_hidden)
    return table


def _beside(p: Prepared, all_row: Mapping[str, Any]) -> pd.DataFrame:
    profiles, vocab = list(p.vocab.profiles), p.vocab
    beside = pd.DataFrame({
        "profile": profiles,
        "label": [vocab.label("profiles", x, p.options.lang) for x in profiles],
        "firms": pd.array([all_row[x] for x in profiles], dtype="Int64"),
        "pct": [all_row[f"{x}_pct"] for x in profiles],
        "baseline_pct": [vocab.baseline.get(x) for x in profiles],
    })
    beside["difference_pp"] = (beside["pct"] - beside["baseline_pct"]).round(1)
    return beside


def _obstacles(p: Prepared, answers: pd.DataFrame, firms: pd.DataFrame, all_row: Mapping[str, Any]) -> pd.DataFrame:
    """The obstacles each profile cites, ranked; a profile blanked in the workbook stays blank here."""
    k, profiles = p.options.k, list(p.vocab.profiles)
    key = p.options.inputs.obstacles
    obstacles = explode_list(answers[answers["question_key"] == key]).drop_duplicates(["run_id", "value"])
    obstacles = obstacles.merge(firms[["run_id", "profile"]], on="run_id", how="inner")
    per_profile = firms.groupby("profile")["run_id"].nunique()
    counts = obstacles.groupby(["profile", "value"])["run_id"].nunique().rename("n").reset_index()
    counts["profile_firms"] = counts["profile"].map(per_profile).astype("int64")
    counts = counts.sort_values(["profile", "n", "value"], ascending=[True, False, True])
    counts["rank"] = counts.groupby("profile").cumcount() + 1
    # a profile whose count the workbook blanks (secondarily) must not show here as profile_firms
    withheld = (counts["profile_firms"] < k) | counts["profile"].map(lambda x: pd.isna(all_row.get(x))).astype(bool)
    hidden = (counts["profile_firms"] < k) | (counts["n"] < k)
    counts["profile"] = pd.Categorical(counts["profile"], categories=profiles + sorted(set(counts["profile"]) - set(profiles)))
    table = pd.DataFrame({
        "profile": counts["profile"].astype(str),
        "profile_label": counts["profile"].astype(str).map(label_of(p, "profiles")),
        "rank": counts["rank"].astype("Int64").mask(hidden),
        "obstacle": counts["value"],
        "obstacle_label": counts["value"].map(label_of(p, "obstacles")),
        "firms": counts["n"].astype("Int64").mask(hidden),
        "profile_firms": counts["profile_firms"].astype("Int64").mask(withheld),
        "pct": (100.0 * counts["n"] / counts["profile_firms"]).round(1).mask(hidden | withheld),
    }).assign(_order=counts["profile"].cat.codes.to_numpy())
    table = table.sort_values(["_order", "rank"], na_position="last", kind="mergesort")
    return table.drop(columns="_order").reset_index(drop=True)


def _tables(baseline: str, profiles: Sequence[str], table: pd.DataFrame, beside: pd.DataFrame,
            obstacles: pd.DataFrame) -> list[Table]:
    pcols = {p_: f"firms with profile {p_}" for p_ in profiles}
    return [
        Table("innovation_profiles", "Profilo di innovazione delle imprese", "Anticipatrici / inseguitrici / non "
              f"innovative by sector (ATECO section) and size, beside the baseline ({baseline}).", table,
              {"breakdown": "all, sector (ATECO section) or size (employees)", "firms": "firms in the group",
               **pcols, "*_pct": "share of the group's firms, %", "*_baseline_pct": f"{baseline}, %"}),
        Table("innovation_vs_baseline", "Profili e baseline", f"All firms' profiles beside {baseline}.", beside,
              {"pct": "share of all firms now, %", "baseline_pct": f"{baseline}, %",
               "difference_pp": "pct − baseline_pct, percentage points"},
              chart={"type": "bar", "categories": "label", "values": ["pct", "baseline_pct"],
                     "title": f"Profili: oggi e {baseline}"}),
        Table("obstacles_by_profile", "Ostacoli per profilo", "The obstacles to innovation most cited by each "
              "profile (a firm cites up to three).", obstacles,
              {"rank": "place within the profile", "firms": "firms of the profile citing it",
               "profile_firms": "firms of the profile", "pct": "firms / profile_firms, %"}),
    ]


def build(p: Prepared, built: Mapping[str, Table]) -> list[Table]:
    """``innovation_profiles``, ``innovation_vs_baseline`` and ``obstacles_by_profile``."""
    firms, answers = _firms(p)
    table = _profile_table(p, firms)
    all_row = table.to_dict("records")[0]
    labels = p.vocab.baseline_label
    baseline = labels.get(p.options.lang, labels.get("it", "baseline"))
    return _tables(baseline, list(p.vocab.profiles), table, _beside(p, all_row), _obstacles(p, answers, firms, all_row))


ANALYSIS = Analysis(("innovation_profiles", "innovation_vs_baseline", "obstacles_by_profile"),
                    lambda i: frozenset({i.sector, i.size, i.obstacles}), build)
