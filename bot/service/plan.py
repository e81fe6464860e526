"""Using and checking a plan folder (bot/plan.py says what it holds).

:func:`use_plan` makes a process speak the plan: its texts.yaml over the layers' catalogues and
its default language as the fallback of every text. :func:`validate_plan` checks the whole folder
in one run — manifest, questionnaires, lists, taxonomy, register, baseline, privacy notice, texts —
and returns one located line per problem (``scenari plan validate``), so an author fixes them all
at once rather than one per start-up.
"""

from __future__ import annotations

import csv
import difflib
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from bot.plan import LANGUAGE, PlanError, PlanFolder, read_manifest
from dialogs import i18n

# The layers whose texts a plan may override, by the name their Catalogue registers under.
LAYERS = ("engine", "service", "telegram", "web", "dashboard", "terminal", "email")


@dataclass
class Findings:
    """What checking a plan found: errors (the plan cannot run as it is) and warnings (it runs,
    e.g. a text without its German translation: that respondent reads the default language)."""

    errors: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)


# --- texts -----------------------------------------------------------------------------------


def read_texts(path: Path) -> tuple[dict[str, dict[str, dict[str, str]]], list[str]]:
    """texts.yaml as layer → key → language → text, and the problems of its shape.

    The file::

        web:                        # the layer: engine, service, telegram, web, dashboard, terminal
          start: {de: Beginnen}     # a key of that layer's catalogue, its texts by language
    """
    if not path.exists():
        return {}, []
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    except (OSError, yaml.YAMLError) as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f"line {mark.line + 1}" if mark else "file"
        return {}, [f"{path}: {where}: cannot be read: {getattr(exc, 'problem', None) or exc}"]
    if not isinstance(data, dict):
        return {}, [f"{path}: file: the top level maps a layer ({', '.join(LAYERS)}) to its texts"]
    found: dict[str, dict[str, dict[str, str]]] = {}
    problems: list[str] = []
    for layer, keys in data.items():
        if layer not in LAYERS:
            problems.append(f"{path}: {layer}: not a layer of texts; the layers are {', '.join(LAYERS)}")
            continue
        if not isinstance(keys, dict):
            problems.append(f"{path}: {layer}: a mapping of text keys to {{language: text}}")
            continue
        for key, entry in keys.items():
            where = f"{path}: {layer}.{key}"
            if not isinstance(entry, dict) or not entry:
                problems.append(f"{where}: a mapping of languages to texts, e.g. {{de: …}}")
                continue
            bad = [str(lang) for lang, text in entry.items()
                   if not (isinstance(lang, str) and LANGUAGE.fullmatch(lang) and isinstance(text, str) and text)]
            if bad:
                problems.append(f"{where}: not a two-letter language with a text: {', '.join(bad)}")
                continue
            found.setdefault(str(layer), {})[str(key)] = dict(entry)
    return found, problems


def use_plan(plan: PlanFolder) -> None:
    """Speak the plan: its texts over the layers' catalogues, its default language as the
    fallback. Called wherever a process builds its conversation (every transport); a texts.yaml
    that cannot be read is left out here (``scenari plan validate`` says why)."""
    texts, _ = read_texts(plan.texts)
    i18n.set_overrides(texts, plan.default_language)


# --- the whole folder ------------------------------------------------------------------------


def validate_plan(plan: PlanFolder, catalogues: Mapping[str, Any] | None = None) -> Findings:
    """Every problem of a plan folder, each located by file (and line, key or row).

    ``catalogues`` are the layers' text catalogues (``dialogs.i18n.CATALOGUES`` once the layers
    are imported: ``bot.cli.plan`` imports them), for texts.yaml keys that do not exist.
    """
    found = Findings()
    if not plan.root.is_dir():
        found.errors.append(f"{plan.root}: not a folder (SCENARI_PLAN_DIR names the plan folder)")
        return found
    try:
        read_manifest(plan.manifest_path)
        languages: tuple[str, ...] = plan.languages
    except PlanError as exc:
        found.errors.append(str(exc))
        languages = ()
    if not plan.manifest_path.exists():
        found.warnings.append(f"{plan.manifest_path}: missing: the plan speaks Italian and English (it, en)")
    default = languages[0] if languages else None
    questionnaires = _questionnaires(plan, default, languages, found)
    themes = _taxonomy(plan, found)
    _lists(plan, themes, found)
    _register(plan, found)
    _baseline(questionnaires, found)
    _tables(plan, questionnaires, themes, found)
    _privacy(plan, languages, found)
    _texts(plan, languages, catalogues if catalogues is not None else i18n.CATALOGUES, found)
    return found


def _questionnaires(plan: PlanFolder, default: str | None, languages: tuple[str, ...], found: Findings) -> list[Any]:
    from dialogs.checks import texts_of
    from dialogs.loader import check_file

    folder = plan.questionnaires
    files = sorted(folder.glob("*.yaml")) if folder.is_dir() else []
    if not files:
        found.errors.append(f"{folder}: no questionnaire (a plan needs at least one *.yaml file here)")
        return []
    loaded, ids = [], {}
    for path in files:
        report = check_file(path, default, plan.lists)
        found.errors.extend(str(error).split(" (and ", 1)[0] for error in report.errors)
        q = report.questionnaire
        if q is None:
            continue
        if q.id in ids:
            found.errors.append(f"{path}: id: {q.id!r} is also the id of {ids[q.id].name}")
        ids[q.id] = path
        loaded.append(q)
        for where, text in texts_of(q):
            missing = [lang for lang in languages[1:] if not text.has(lang)]
            if missing:
                found.warnings.append(f"{path}: {where}: no translation in {', '.join(missing)}")
    return loaded


def _taxonomy(plan: PlanFolder, found: Findings) -> set[str] | None:
    if not plan.taxonomy.exists():
        found.warnings.append(f"{plan.taxonomy}: missing: free-text answers will not be tagged with themes")
        return None
    from nlp.taxonomy import TaxonomyError, load_taxonomy  # the checks of `scenari themes validate`

    try:
        taxonomy = load_taxonomy(plan.taxonomy)
    except TaxonomyError as exc:
        found.errors.extend(line if line.startswith(str(plan.root))
                            else f"{plan.taxonomy}: {line.removeprefix(plan.taxonomy.name + ': ')}"
                            for line in str(exc).splitlines())
        return _theme_ids(plan.taxonomy)  # its ids still check the themes list: every mistake at once
    return set(taxonomy.ids)


def _theme_ids(path: Path) -> set[str] | None:
    """The theme ids an invalid taxonomy file names, when it is YAML at all."""
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, yaml.YAMLError):
        return None
    themes = data.get("themes") if isinstance(data, dict) else None
    if not isinstance(themes, list):
        return None
    return {str(t["id"]) for t in themes if isinstance(t, dict) and "id" in t}


def _lists(plan: PlanFolder, themes: set[str] | None, found: Findings) -> None:
    """Each shared list a YAML list of choices; the themes list's values the taxonomy's ids."""
    if not plan.lists.is_dir():
        return
    for path in sorted(plan.lists.glob("*.yaml")):
        try:
            choices = yaml.safe_load(path.read_text(encoding="utf-8"))
        except yaml.YAMLError as exc:
            found.errors.append(f"{path}: file: not valid YAML: {getattr(exc, 'problem', exc)}")
            continue
        if not isinstance(choices, list) or not all(isinstance(c, dict) and "value" in c for c in choices):
            found.errors.append(f"{path}: file: a shared list is a YAML list of choices ({{value: …, label: …}})")
            continue
        if path.stem == "themes" and themes is not None:
            for i, choice in enumerate(choices, 1):
                if str(choice["value"]) not in themes:
                    found.errors.append(f"{path}: choice {i}: {choice['value']!r} is not a theme id of "
                                        f"{plan.taxonomy.name} (the tables count them together)")


def _register(plan: PlanFolder, found: Findings) -> None:
    from storage.register import CATEGORIES, RegisterError
    from storage.register_file import read_register

    if plan.register.exists():
        try:
            read_register(plan.register)
        except RegisterError as exc:
            found.errors.extend(f"{plan.register}: {error}" for error in exc.errors)
    if plan.categories.exists():
        with plan.categories.open(encoding="utf-8", newline="") as handle:
            for line, row in enumerate(csv.DictReader(handle), 2):
                if row.get("code") not in CATEGORIES:
                    found.errors.append(f"{plan.categories}: row {line}: unknown category {row.get('code')!r} "
                                        f"(known: {', '.join(CATEGORIES)})")


def _baseline(questionnaires: Iterable[Any], found: Findings) -> None:
    """A baseline (the 2004 survey's shares) names the outcome's values and is a set of shares."""
    for q in questionnaires:
        for outcome in q.outcomes:
            baseline = getattr(outcome, "baseline", None) or {}
            if not baseline:
                continue
            where = f"questionnaire {q.id!r}: outcome {outcome.key!r}: baseline"
            unknown = sorted(set(baseline) - set(getattr(outcome, "labels", {}) or {}))
            if unknown:
                found.errors.append(f"{where}: {', '.join(unknown)} is not one of the outcome's values")
            if any(not 0 <= value <= 100 for value in baseline.values()):
                found.errors.append(f"{where}: each share is a percentage between 0 and 100")
            elif abs(sum(baseline.values()) - 100) > 1.5:
                found.warnings.append(f"{where}: the shares add up to {sum(baseline.values()):g}, not 100")


def _tables(plan: PlanFolder, questionnaires: list[Any], themes: set[str] | None, found: Findings) -> None:
    """plan.yaml ``tables:``: every questionnaire, question and outcome it names exists, and the
    themes its choices and cards map to are themes. Without the section the tables read
    Cremona's questionnaires: a warning when the plan lacks them (those tables come out empty)."""
    try:
        inputs = plan.table_inputs()
    except PlanError as exc:
        found.errors.append(str(exc))
        return
    where = f"{plan.manifest_path}: tables"
    written = isinstance(plan.manifest.get("tables"), Mapping)
    by_id = {q.id: q for q in questionnaires}
    # a file that does not load has its own errors: what it asks is not reported again here
    files = plan.questionnaires.glob("*.yaml") if plan.questionnaires.is_dir() else ()
    broken = {path.stem for path in files} - set(by_id)
    missing_ids: list[str] = []
    for entry, within, name in inputs.named():
        if not within:
            if name not in by_id and name not in broken:
                missing_ids.append(name)
                if written:
                    found.errors.append(f"{where}.{entry}: no questionnaire {name!r} in the plan "
                                        f"(the plan's are {', '.join(sorted(by_id)) or 'none'})")
            continue
        asked = [by_id[q] for q in within.split("|") if q in by_id]
        if not asked or any(q in broken for q in within.split("|")):
            continue  # the questionnaire is missing (reported above) or does not load (its own errors)
        keys = sorted({k for q in asked for k in _keys(q)})
        if name not in keys:
            hint = next(iter(difflib.get_close_matches(name, keys, n=1)), None)
            found.errors.append(f"{where}.{entry}: no question {name!r} in {', '.join(q.id for q in asked)}"
                                + (f"; did you mean {hint!r}?" if hint else ""))
    if not written and missing_ids:
        found.warnings.append(f"{where}: missing: the tables read Cremona's questionnaires "
                              f"({', '.join(dict.fromkeys(missing_ids))}), not in this plan: name yours in plan.yaml "
                              "(docs/plans.md, \"The tables' inputs\")")
        return
    business = by_id.get(inputs.business)
    if business is not None and inputs.profile and not any(o.key == inputs.profile for o in business.outcomes):
        found.errors.append(f"{where}.business.profile: no outcome {inputs.profile!r} in {business.id}")
    if inputs.chosen_list and not (plan.lists / f"{inputs.chosen_list}.yaml").exists():
        found.errors.append(f"{where}.chosen.list: no shared list {plan.lists / (inputs.chosen_list + '.yaml')}")
    if themes is not None:
        themes = themes | _list_values(plan.lists / "themes.yaml")  # the tables label both
        for entry, pairs in (("chosen.themes", inputs.chosen_themes), ("projects.themes", inputs.card_themes)):
            bad = sorted({theme for _, theme in pairs if theme not in themes})
            if bad:
                found.errors.append(f"{where}.{entry}: not a theme id of {plan.taxonomy.name}: {', '.join(bad)}")


def _keys(q: Any) -> list[str]:
    """A questionnaire's answer keys: its questions', those inside repeat groups, and a text's
    follow-up (``<key>_more``)."""
    questions = [sub for question in q.questions for sub in (question, *question.questions)]
    return [key for question in questions
            for key in (question.key, *((f"{question.key}_more",) if question.follow_up is not None else ()))]


def _list_values(path: Path) -> set[str]:
    try:
        items = yaml.safe_load(path.read_text(encoding="utf-8")) or []
    except (OSError, yaml.YAMLError):
        return set()
    return {str(item["value"]) for item in items if isinstance(item, dict) and "value" in item}


def _privacy(plan: PlanFolder, languages: tuple[str, ...], found: Findings) -> None:
    """The privacy notice, with the checks `scenari serve` starts with (bot.service.notice)."""
    from bot.service.notice import check_notice

    found.errors.extend(check_notice(plan.privacy, languages or None))


def _texts(plan: PlanFolder, languages: tuple[str, ...], catalogues: Mapping[str, Any], found: Findings) -> None:
    texts, problems = read_texts(plan.texts)
    found.errors.extend(problems)
    for layer, keys in texts.items():
        catalogue = catalogues.get(layer)
        known = set(getattr(catalogue, "texts", {}) or {}) if catalogue is not None else None
        if known is None:
            continue
        from dialogs.expressions import suggest

        for key, entry in keys.items():
            if key not in known:
                hint = suggest(key, sorted(known))
                found.errors.append(f"{plan.texts}: {layer}.{key}: no such text in the {layer} layer"
                                    + (f"; did you mean {hint!r}?" if hint else ""))
            # "it@lei" is Italian in one register (dialogs.i18n.speaking)
            other = sorted({code.split("@")[0] for code in entry} - set(languages)) if languages else []
            if other:
                found.warnings.append(f"{plan.texts}: {layer}.{key}: {', '.join(other)} is not a language of "
                                      "the plan (plan.yaml languages)")
    # a language of the plan that no built-in text has must come from texts.yaml: list what is missing
    for layer in LAYERS:
        catalogue = catalogues.get(layer)
        if catalogue is None:
            continue
        for lang in languages:
            if lang in ("it", "en"):
                continue
            missing = [key for key, entry in catalogue.texts.items()
                       if lang not in entry and lang not in texts.get(layer, {}).get(key, {})]
            if missing:
                shown = ", ".join(missing[:8]) + (f" … ({len(missing)} in all)" if len(missing) > 8 else "")
                found.warnings.append(f"{plan.texts}: {layer}: no {lang!r} text for {shown} "
                                      f"(shown in {languages[0] if languages[0] != lang else 'Italian'})")
