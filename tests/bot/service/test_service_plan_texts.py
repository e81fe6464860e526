"""Bozen / Bolzano speaks German everywhere: every text of every layer has its German, built in
or in plans/bolzano/texts.yaml.

The plan's default language is German, so a text without German is shown in Italian to a
German-speaking respondent (dialogs.i18n falls back to the plan's default, then Italian). A new
Italian text added to a layer's catalogue without its German makes this test fail with the list
of keys to translate in plans/bolzano/texts.yaml (or, for a layer a plan cannot override, in
that layer's own catalogue).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from bot.cli.plan import load_catalogues
from bot.service.plan import LAYERS, read_texts, validate_plan
from tests.support.plans import BOLZANO

# WhatsApp's words are not overridable by a plan (bot.service.plan.LAYERS): its catalogue carries
# its German itself. The e-mail layer (interview invitations) is one of LAYERS: checked like the rest.
BUILT_IN_GERMAN = ("whatsapp",)
PLACEHOLDER = re.compile(r"\{[^{}]*\}")
COMMAND = re.compile(r"(?<![\w/])/[a-z_]+")  # /disiscrivi, not TT/MM/JJJJ nor Datenschutzbeauftragte/r
TAG = re.compile(r"</?\w+>")


def _catalogues() -> Mapping[str, Any]:
    return load_catalogues()


def _plan_texts() -> dict[str, dict[str, dict[str, str]]]:
    texts, problems = read_texts(BOLZANO.texts)
    assert problems == []
    return texts


def test_bolzano_has_german_for_every_text_of_every_layer():
    catalogues, texts = _catalogues(), _plan_texts()
    missing: dict[str, list[str]] = {}
    for layer in (*LAYERS, *BUILT_IN_GERMAN):
        assert layer in catalogues, f"no catalogue registers as {layer!r}"
        missing[layer] = [key for key, entry in catalogues[layer].texts.items()
                          if "de" not in entry and "de" not in texts.get(layer, {}).get(key, {})]
    missing = {layer: keys for layer, keys in missing.items() if keys}
    assert missing == {}, "texts without German in plans/bolzano/texts.yaml: " + "; ".join(
        f"{layer}: {', '.join(keys)}" for layer, keys in missing.items())


def test_validate_reports_no_text_shown_in_italian():
    findings = validate_plan(BOLZANO, _catalogues())
    assert findings.errors == []
    assert [w for w in findings.warnings if "no 'de' text" in w] == []


def test_the_german_keeps_the_italian_placeholders_commands_and_markup():
    """A German text is filled with the same parameters as the Italian one: a missing or renamed
    {placeholder} would raise at run time, a changed /command would name a command that does not exist."""
    catalogues, texts = _catalogues(), _plan_texts()
    different = []
    for layer, keys in texts.items():
        for key, entry in keys.items():
            if "de" not in entry:
                continue
            italian = catalogues[layer].texts[key]["it"]
            for what, pattern in (("placeholders", PLACEHOLDER), ("commands", COMMAND), ("markup", TAG)):
                if sorted(pattern.findall(entry["de"])) != sorted(pattern.findall(italian)):
                    different.append(f"{layer}.{key} ({what})")
    assert different == []


def test_list_like_texts_keep_their_items():
    texts = _plan_texts()["service"]
    months = texts["months"]["de"].split(",")
    assert len(months) == 12 and months[0] == "Jänner" and months[11] == "Dezember"
    names = dict(pair.split("=", 1) for pair in texts["language_names"]["de"].split(","))
    catalogue = _catalogues()["service"].texts["language_names"]["it"]
    assert names.keys() == dict(pair.split("=", 1) for pair in catalogue.split(",")).keys()
    assert names["de"] == "Deutsch" and names["it"] == "Italienisch"
