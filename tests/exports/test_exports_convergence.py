"""The convergence tables on a hand-made city (tests/support/convergence_city.py), numbers by hand.

Units with k = 3: public_body a1 a2 a3 (N = 3), firm a4 a5 a6 (N = 3), union a7 a8 (N = 2: below k,
left out), citizens 9–13 (N = 5).
"""

from __future__ import annotations

import math

import pandas as pd
import pytest

from exports.tables import Options, build_tables, suppress
from exports.tables.convergence import group_score, normalised_entropy
from storage import aggregates
from storage import tags as tag_store
from tests.support.convergence_city import build_city
from tests.support.plans import CREMONA_SOURCES


async def _tables(db, **options):
    await build_city(db)
    async with db.transaction() as session:
        data = await aggregates.load(session)
    return build_tables(data, Options(sources=CREMONA_SOURCES, **options))


def _row(frame: pd.DataFrame, **where):
    mask = pd.Series(True, index=frame.index)
    for column, value in where.items():
        mask &= frame[column] == value
    found = frame[mask]
    assert len(found) == 1, (where, found)
    return found.iloc[0]


def test_formulas_by_hand():
    assert group_score(pd.Series([3, 3, 3]).to_numpy(float), pd.Series([3, 3, 5]).to_numpy(float)) == pytest.approx(
        (4 / 5) * (4 / 5) * (4 / 7))
    assert normalised_entropy(pd.Series([0.5, 0.5]).to_numpy(float)) == pytest.approx(1.0)
    assert normalised_entropy(pd.Series([0.8, 0.0, 0.0]).to_numpy(float)) == 0.0
    assert math.isnan(normalised_entropy(pd.Series([0.3]).to_numpy(float)))
    assert suppress(pd.Series([0, 1, 2, 3, 7]), 3).tolist() == [0, pd.NA, pd.NA, 3, 7]


async def test_effective_tags_query_matches_storage_tags(db):
    await build_city(db)
    async with db.transaction() as session:
        rows = await aggregates.effective_tags(session)
        reference = await tag_store.effective_themes(session)  # no definitions stored: it sees no texts
    assert {(r.answer_id, r.theme_id) for r in rows if r.answer_id == 2} == {(2, "innovazione"), (2, "ambiente")}
    assert all(r.theme_id != "mobilita" for r in rows)  # the machine's guess a person removed
    assert reference == {} or {(a, t.theme_id) for a, ts in reference.items() for t in ts} >= {
        (r.answer_id, r.theme_id) for r in rows}


async def test_convergence_scores_and_suppression(db):
    tables = await _tables(db, k=3, threshold=0.2)
    conv = tables["convergence"]
    innov = _row(conv, theme="innovazione")
    # n = 3 of 3 public bodies, 3 of 3 firms (a6 through the vision it chose), 3 of 5 citizens
    assert innov["rank"] == 1
    assert innov["group_score"] == pytest.approx((4 / 5) * (4 / 5) * (4 / 7))  # = 64/175
    assert innov["categories_above"] == 3
    p = [1 / 2.6, 1 / 2.6, 0.6 / 2.6]
    assert innov["entropy"] == pytest.approx(-sum(x * math.log(x) for x in p) / math.log(3), abs=1e-4)
    # 10 units (a1–a7, citizens 9–11) = 3 + 3 + 3 + the union's hidden 1: the total would give it away,
    # so it is blanked too (secondary suppression); the indices do not use it
    assert pd.isna(innov["units"])
    assert (innov["n_public_body"], innov["n_firm"], innov["n_citizen"]) == (3, 3, 3)
    assert innov["share_citizen"] == pytest.approx(0.6)
    assert pd.isna(innov["n_union"]) and pd.isna(innov["share_union"])  # 2 unions: the category is hidden
    ambiente = _row(conv, theme="ambiente")
    # only a1 among public bodies: a 1-unit cell, hidden and counted as 0; 4 of 5 citizens
    assert pd.isna(ambiente["n_public_body"])
    assert ambiente["group_score"] == pytest.approx((1 / 5) * (1 / 5) * (5 / 7))
    assert (ambiente["rank"], ambiente["categories_above"], ambiente["entropy"]) == (2, 1, 0.0)
    talenti = _row(conv, theme="talenti_formazione")  # 3 citizens chose "città dei talenti"
    assert (talenti["rank"], talenti["group_score"]) == (3, pytest.approx(4 / 175))
    musica = _row(conv, theme="musica_liuteria")  # a4 (1 firm) and citizens 11, 13 (2): all hidden
    assert musica["group_score"] == pytest.approx(1 / 175)
    assert pd.isna(musica["n_firm"]) and pd.isna(musica["n_citizen"]) and pd.isna(musica["units"]) is False
    assert _row(conv, theme="mobilita")["n_public_body"] == 0  # the removed tag does not count
    cells = tables["convergence_cells"]
    two = _row(cells, theme="innovazione", category="union")
    assert two["suppressed"] and pd.isna(two["units"]) and pd.isna(two["category_units"])


async def test_shared_priorities_quotes(db):
    tables = await _tables(db, k=3)
    shared = tables["shared_priorities"]
    assert shared["theme"].tolist()[:3] == ["innovazione", "ambiente", "talenti_formazione"]
    quotes = tables["quotes"]
    innov = quotes[quotes["theme"] == "innovazione"]
    # one per category first (respondent 2 revoked consent; a6 carries it by a vision, no words)
    assert sorted(innov["respondent"]) == ["pseudo0001", "pseudo0004", "pseudo0009"]
    assert set(innov["category"]) == {"Enti pubblici", "Imprese", "Cittadini"}
    ambiente = quotes[quotes["theme"] == "ambiente"]
    # a1's words are in a 1-unit public-body cell: never quoted
    assert sorted(ambiente["respondent"]) == ["pseudo0009", "pseudo0010", "pseudo0011"]
    assert quotes[quotes["theme"] == "musica_liuteria"].empty  # every cell of it is hidden
    first = _row(shared, theme="innovazione")
    assert first["quote_1"] == "Innovazione e ambiente per la città — Enti pubblici"
    assert first["categories"] == "Enti pubblici, Imprese, Cittadini"


async def test_borda_count(db):
    tables = await _tables(db, k=1)
    pri = tables["priorities"]
    # a1 [inn, amb, lav], a2 [amb, inn, lav], a3 [inn, lav, mob], a4 [inn, amb, mob]: 3-2-1 points
    assert pri["theme"].tolist()[:4] == ["innovazione", "ambiente", "lavoro", "mobilita"]
    innov = _row(pri, theme="innovazione")
    assert (innov["points"], innov["first"], innov["mentions"], innov["respondents"]) == (11, 3, 4, 4)
    assert innov["score"] == pytest.approx(11 / 12, abs=1e-4)
    assert [_row(pri, theme=t)["points"] for t in ("ambiente", "lavoro", "mobilita")] == [7, 4, 2]
    by_cat = tables["priorities_by_category"]
    public = by_cat[by_cat["category"] == "public_body"].set_index("theme")["points"]
    assert (public["innovazione"], public["ambiente"], public["lavoro"], public["mobilita"]) == (8, 5, 4, 1)

    hidden = build_tables(await _reload(db), Options(sources=CREMONA_SOURCES, k=3))["priorities"]
    assert pd.isna(_row(hidden, theme="mobilita")["points"])  # 2 mentions
    assert _row(hidden, theme="ambiente")["points"] == 7 and pd.isna(_row(hidden, theme="ambiente")["first"])
    cat3 = build_tables(await _reload(db), Options(sources=CREMONA_SOURCES, k=3))["priorities_by_category"]
    assert cat3[cat3["category"] == "firm"]["points"].isna().all()  # one firm answered: all hidden


async def _reload(db):
    async with db.transaction() as session:
        return await aggregates.load(session)


async def test_visions_by_kind(db):
    tables = await _tables(db, k=3)
    visions = tables["visions"]
    talents = _row(visions, kind="citizen", vision="citta_talenti")
    assert (talents["units"], talents["kind_units"], talents["share"]) == (3, 5, pytest.approx(0.6))
    assert pd.isna(_row(visions, kind="citizen", vision="citta_musica")["units"])  # 2 citizens
    assert _row(visions, kind="citizen", vision="cremona_ferma")["units"] == 0
    assert visions[visions["kind"] == "union"]["units"].isna().all()
    themes = tables["vision_themes"]
    assert _row(themes, kind="citizen", theme="ambiente")["units"] == 4


async def test_innovation_profiles_beside_baseline(db):
    tables = await _tables(db, k=3)
    beside = tables["innovation_vs_baseline"].set_index("profile")
    assert beside["firms"].tolist() == [3, 4, 3]
    assert beside["pct"].tolist() == [30.0, 40.0, 30.0]
    assert beside["baseline_pct"].tolist() == [12.4, 34.3, 53.2]
    assert beside["difference_pp"].tolist() == [17.6, 5.7, -23.2]
    profiles = tables["innovation_profiles"]
    g = _row(profiles, breakdown="sector", group="G")
    assert (g["anticipatrice"], g["non_innovativa"]) == (0, 3)
    assert pd.isna(g["inseguitrice"]) and pd.isna(g["inseguitrice_pct"])  # one firm
    # 4 − 0 − 3 would give the 1 back (and C's inseguitrici = 4 − 1): G's total, C's total and C's
    # inseguitrici are blanked as complements, with the shares that would show them
    assert pd.isna(g["firms"]) and pd.isna(g["non_innovativa_pct"])
    c = _row(profiles, breakdown="sector", group="C")
    assert pd.isna(c["firms"]) and pd.isna(c["inseguitrice"]) and c["anticipatrice"] == 3
    assert g["inseguitrice_baseline_pct"] == 34.3
    micro = _row(profiles, breakdown="size", group="micro")
    assert micro["firms"] == 5 and pd.isna(micro["anticipatrice"])  # 2 of 5
    obstacles = tables["obstacles_by_profile"]
    cost = _row(obstacles, profile="anticipatrice", obstacle="cost")
    assert (cost["rank"], cost["firms"], cost["profile_firms"], cost["pct"]) == (1, 3, 3, 100.0)
    assert pd.isna(_row(obstacles, profile="anticipatrice", obstacle="skills")["firms"])  # 2 firms
    assert _row(obstacles, profile="inseguitrice", obstacle="bureaucracy")["pct"] == 75.0
    unhidden = build_tables(await _reload(db), Options(sources=CREMONA_SOURCES, k=1))["innovation_profiles"]
    assert _row(unhidden, breakdown="size", group="micro")[["anticipatrice", "inseguitrice", "non_innovativa"]].tolist() == [2, 2, 1]


async def test_projects_ranking_agreement_and_priorities(db):
    tables = await _tables(db, k=3)
    projects = tables["projects"]
    first = _row(projects, card=1)
    sd = math.sqrt(((5 - 4) ** 2 + (3 - 4) ** 2 + 0) / 3)
    assert (first["rank"], first["raters"], first["overall"]) == (1, 3, 4.0)
    assert first["sd"] == pytest.approx(sd, abs=1e-3) and first["agreement"] == pytest.approx(1 - sd / 2, abs=1e-3)
    assert first["theme"] == "innovazione" and first["mean_feasibility"] == 4.0
    # the stage as the card's questionnaire words it, beside its code
    assert (first["stage"], first["stage_label"]) == ("idea", "È un'idea")
    second = _row(projects, card=2)  # two raters: scores hidden
    assert second["suppressed"] and pd.isna(second["overall"]) and pd.isna(second["rank"])
    matrix = tables["projects_priorities"].set_index("card")
    assert list(matrix.columns[3:6]) == ["innovazione", "ambiente", "talenti_formazione"]
    assert matrix.loc[1, "innovazione"] == "declared+text" and matrix.loc[1, "ambiente"] == ""
    assert matrix.loc[2, "ambiente"] == "text" and matrix.loc[2, "serves"] == 1
    shown = build_tables(await _reload(db), Options(sources=CREMONA_SOURCES, k=1, lang="en"))["projects"]
    assert _row(shown, card=2)["stage_label"] == "It is an idea"
    assert (_row(shown, card=2)["rank"], _row(shown, card=2)["overall"], _row(shown, card=2)["agreement"]) == (2, 2.0, 1.0)


async def test_collaboration_network(db):
    tables = await _tables(db, k=3)
    edges = tables["network_edges"]
    assert list(zip(edges["kind"], edges["source"], edges["target"])) == [
        ("current", "a1", "a2"), ("current", "a1", "a4"), ("current", "a4", "a1"), ("wished", "a1", "a7")]
    summary = tables["network_summary"].set_index("kind")
    assert summary.loc["current", "edges"] == 3 and summary.loc["current", "actors"] == 8
    assert summary.loc["current", "density"] == pytest.approx(3 / 56, abs=1e-4)
    assert summary.loc["current", "reciprocity"] == pytest.approx(2 / 3, abs=1e-4)
    central = tables["network_centrality"]
    top = central.iloc[0]
    assert (top["actor"], top["degree"], top["out_current"], top["in_current"], top["out_wished"]) == ("a1", 3, 2, 1, 1)
    assert top["degree_centrality"] == pytest.approx(3 / 7, abs=1e-4)
    matrix = tables["network_categories"]
    current = matrix[matrix["kind"] == "current"].set_index("source_category")
    assert (current.loc["public_body", "public_body"], current.loc["public_body", "firm"],
            current.loc["firm", "public_body"], current.loc["union", "firm"]) == (1, 1, 1, 0)


async def test_no_telegram_ids_or_internal_ids_in_tables(db):
    tables = await _tables(db, k=1)
    for table in tables:
        assert not {"respondent_id", "external_id", "rater_id", "actor_id", "contact_person"} & set(table.frame.columns)
        text = table.frame.astype(str).to_string()
        assert "test" not in set(table.frame.astype(str).to_numpy().ravel()), table.name  # the channel name
        assert "external" not in text


async def test_empty_database_gives_empty_tables(db):
    async with db.transaction() as session:
        data = await aggregates.load(session)
    tables = build_tables(data, Options(sources=CREMONA_SOURCES))
    assert tables["quotes"].empty and tables["network_edges"].empty and tables["projects"].empty
    assert tables["innovation_vs_baseline"]["baseline_pct"].tolist() == [12.4, 34.3, 53.2]
