"""Session fixtures for the nlp tests: the pipeline is built once (~0.5 s)."""

from __future__ import annotations

from pathlib import Path

import pytest

from nlp import ThemeTagger, load_eval_items, load_pipeline, load_taxonomy
from tests.support.plans import CREMONA_TAXONOMY

EVAL_FILE = Path(__file__).resolve().parent.parent / "data" / "nlp_eval.yaml"


@pytest.fixture(scope="session")
def taxonomy():
    return load_taxonomy(CREMONA_TAXONOMY)


@pytest.fixture(scope="session")
def offline_nlp():
    return load_pipeline(None)


@pytest.fixture(scope="session")
def tagger(offline_nlp, taxonomy):
    return ThemeTagger(offline_nlp, taxonomy)


@pytest.fixture(scope="session")
def eval_items():
    return load_eval_items(EVAL_FILE)
