"""Taxonomy loading and validation (used by `scenari themes validate`)."""

from __future__ import annotations

import pytest
import yaml

from nlp import TaxonomyError, parse_taxonomy, validate_taxonomy_file
from nlp.taxonomy import inflections
from tests.support.plans import CREMONA_LISTS, CREMONA_TAXONOMY as DEFAULT_TAXONOMY_PATH

REQUIRED = {
    "innovazione", "tradizione", "collaborazione", "stagnazione", "musica_liuteria", "turismo_cultura",
    "citta_digitale", "talenti_formazione", "benessere_sport", "logistica_po", "made_in_cremona",
    "ambiente", "mobilita", "coesione_sociale",
}


def theme(**overrides):
    base = {"id": "t", "label": {"it": "T", "en": "T"}, "description": "d", "terms": ["parola"]}
    base.update(overrides)
    return base


def write(tmp_path, data, name="tax.yaml"):
    path = tmp_path / name
    path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    return path


def test_packaged_taxonomy_is_valid(taxonomy):
    assert validate_taxonomy_file(DEFAULT_TAXONOMY_PATH).version == taxonomy.version
    assert REQUIRED <= set(taxonomy.ids)
    assert len(taxonomy.ids) == len(set(taxonomy.ids))
    for t in taxonomy.themes:
        assert t.terms and t.label_it and t.label_en and t.description


def test_questionnaire_theme_list_shows_the_taxonomy_labels(taxonomy):
    """The priorities people rank and the themes found in their words are counted together, so the
    shared list offered in the questionnaires must name each theme as the taxonomy does."""
    shared = CREMONA_LISTS / "themes.yaml"
    items = yaml.safe_load(shared.read_text(encoding="utf-8"))
    assert items
    for item in items:
        assert item["value"] in taxonomy, item["value"]
        theme = taxonomy.get(item["value"])
        assert item["label"] == {"it": theme.label_it, "en": theme.label_en}, item["value"]


def test_duplicate_ids_name_file_and_theme(tmp_path):
    path = write(tmp_path, {"version": "1", "themes": [theme(id="a"), theme(id="a")]}, "mine.yaml")
    with pytest.raises(TaxonomyError) as err:
        validate_taxonomy_file(path)
    assert "mine.yaml" in str(err.value) and "theme 'a'" in str(err.value) and "duplicate id" in str(err.value)


@pytest.mark.parametrize(
    ("bad", "reason"),
    [
        (theme(terms=[]), "terms must not be empty"),
        (theme(colour="red"), "unknown key 'colour'"),
        (theme(terms=["due parole"]), "move it to phrases"),
        (theme(phrases=["una"]), "move it to terms"),
        (theme(label={"it": "solo italiano"}), "label must be"),
        (theme(id="Bad Id"), "must match"),
        (theme(terms=["a", "A"]), "duplicate entry"),
        (theme(terms="parola"), "must be a list"),
    ],
)
def test_theme_errors(bad, reason):
    with pytest.raises(TaxonomyError, match=reason):
        parse_taxonomy({"version": "1", "themes": [bad]})


def test_all_errors_reported_at_once():
    with pytest.raises(TaxonomyError) as err:
        parse_taxonomy({"themes": [theme(id="x", terms=[]), theme(id="y", extra=1)], "foo": 1})
    lines = str(err.value).splitlines()
    assert len(lines) == 4  # foo, version, x terms, y extra
    assert any("theme 'x'" in line for line in lines) and any("theme 'y'" in line for line in lines)


def test_file_level_errors(tmp_path):
    with pytest.raises(TaxonomyError, match="cannot read"):
        validate_taxonomy_file(tmp_path / "missing.yaml")
    bad = tmp_path / "bad.yaml"
    bad.write_text("themes: [\n", encoding="utf-8")
    with pytest.raises(TaxonomyError, match="bad.yaml: invalid YAML at line"):
        validate_taxonomy_file(bad)
    with pytest.raises(TaxonomyError, match="must contain a mapping"):
        parse_taxonomy(["a"])


def test_numeric_version_accepted():
    assert parse_taxonomy({"version": 2, "themes": [theme()]}).version == "2"


def test_inflections():
    assert {"innovativa", "innovative", "innovativi"} <= inflections("innovativo")
    assert "liutai" in inflections("liutaio")
    assert "fabbriche" in inflections("fabbrica")
    assert inflections("città") == set() and inflections("collaborare") == set()


def test_overrides_protect_terms(taxonomy):
    overrides = taxonomy.lemma_overrides()
    assert overrides["porto"] == "porto"  # simplemma would say "portare"
    assert overrides["innovative"] == "innovativo"


def test_the_public_api_loads_a_taxonomy_without_a_path(monkeypatch, tmp_path):
    """Evaluation scripts (the shared dev-set scorer among them) call ``load_taxonomy()`` bare:
    they get the shipped example plan's, or the taxonomy of the plan SCENARI_PLAN_DIR names."""
    from nlp import load_taxonomy
    from nlp.taxonomy import EXAMPLE_TAXONOMY_PATH

    monkeypatch.delenv("SCENARI_PLAN_DIR", raising=False)
    assert load_taxonomy().version == load_taxonomy(EXAMPLE_TAXONOMY_PATH).version
    bolzano = EXAMPLE_TAXONOMY_PATH.parent.parent / "bolzano"
    monkeypatch.setenv("SCENARI_PLAN_DIR", str(bolzano))
    assert load_taxonomy().ids == load_taxonomy(bolzano / "taxonomy.yaml").ids != load_taxonomy(EXAMPLE_TAXONOMY_PATH).ids
