"""Theme taxonomy: a YAML file, loaded and validated with located errors.

The taxonomy is data, not code, so the city's staff can edit it: every error
names the file, the theme and the reason, and all errors are reported at once
so one run of ``scenari themes validate`` is enough to fix a file.

File format (see ``plans/cremona/taxonomy.yaml`` and docs/nlp.md)::

    version: "2025.1"
    themes:
      - id: turismo_cultura              # [a-z][a-z0-9_]*, unique
        label: {it: Turismo e cultura, en: Tourism and culture}
        description: ...                 # why the theme exists, used for similarity
        terms: [turismo, museo]          # single words, written as lemmas
        phrases: [città d'arte]          # multi-word expressions
        problems: [degrado]              # optional: problem words, never negated
        weak: [evento]                   # optional: generic words, half weight
        senses:                          # optional: when a term does not count here
          - term: accoglienza
            near: [migrante, profugo, richiedente]   # lemmas; "profug*" = any word so starting
            window: 4                    # words either side (default 4)
            then: sicurezza              # optional: counts for this theme instead
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml
from spacy.lang.it.stop_words import STOP_WORDS

from .morphology import derived_forms
from .text import clean_word, strip_accents


TOP_KEYS = {"version", "name", "language", "description", "themes"}
THEME_KEYS = {"id", "label", "description", "terms", "phrases", "problems", "weak", "senses"}
SENSE_KEYS = {"term", "near", "window", "then"}
DEFAULT_SENSE_WINDOW = 4
MAX_SENSE_WINDOW = 12
REQUIRED_THEME_KEYS = ("id", "label", "description", "terms")
LABEL_KEYS = {"it", "en"}  # every label has them (the tables' two columns); a plan may add its own languages
LANGUAGE_RE = re.compile(r"^[a-z]{2}$")
ID_RE = re.compile(r"^[a-z][a-z0-9_]*$")
_ADJECTIVE_ENDINGS = ("ivo", "ico", "ato", "uto", "ito", "oso", "ale", "ile", "ente", "ante")
_STOP_KEYS = {strip_accents(w) for w in STOP_WORDS}


class TaxonomyError(ValueError):
    """A taxonomy file cannot be used; the message lists every problem found."""


@dataclass(frozen=True)
class Sense:
    """A term of a theme that means something else next to certain words.

    ``near`` holds lemmas (a trailing ``*`` matches any word starting so);
    when one of them occurs within ``window`` words of the term, the term
    does not count for its theme, or counts for ``then`` instead.
    """

    term: str
    near: tuple[str, ...]
    window: int = DEFAULT_SENSE_WINDOW
    then: str | None = None


@dataclass(frozen=True)
class Theme:
    id: str
    label_it: str
    label_en: str
    description: str
    terms: tuple[str, ...]
    phrases: tuple[str, ...] = ()
    problems: tuple[str, ...] = ()
    weak: tuple[str, ...] = ()
    senses: tuple[Sense, ...] = ()
    labels: tuple[tuple[str, str], ...] = ()  # the label in the plan's other languages (de, fr …)

    def label(self, lang: str = "it") -> str:
        if lang == "en":
            return self.label_en
        return dict(self.labels).get(lang, self.label_it)


@dataclass(frozen=True)
class Taxonomy:
    version: str
    themes: tuple[Theme, ...]
    source: str = "<memory>"
    name: str = ""
    _by_id: dict[str, Theme] = field(default_factory=dict, compare=False, repr=False)

    def __post_init__(self) -> None:
        self._by_id.update({t.id: t for t in self.themes})

    @property
    def ids(self) -> list[str]:
        return [t.id for t in self.themes]

    def get(self, theme_id: str) -> Theme:
        return self._by_id[theme_id]

    def __contains__(self, theme_id: object) -> bool:
        return theme_id in self._by_id

    def lemma_overrides(self) -> dict[str, str]:
        """Word form -> term, for every single-word term and its regular inflections.

        Terms are written as lemmas, so the lemmatiser must not "correct"
        them (simplemma turns "porto" into "portare") and must bring plurals
        and, for adjective-like endings, feminine forms back to them
        ("innovative" -> "innovativo", which simplemma does not know), the
        accent-free spelling of a term to the term ("mobilita"), and the
        derived words of its root to it ("scolastico" -> "scuola", see
        :mod:`nlp.morphology`); a word that is itself a term stays itself.
        Inflections that are stop words are never overridden.
        """
        exact: dict[str, str] = {}
        variants: dict[str, str] = {}
        derived: dict[str, str] = {}
        for theme in self.themes:
            for term in (*theme.terms, *theme.problems, *theme.weak):
                word = clean_word(term)
                if " " in word or not word.isalpha():
                    continue
                exact[word] = word
                # typed without accent: "mobilita" must not become "mobilitare"
                exact.setdefault(strip_accents(word), word)
                for form in inflections(word):
                    if strip_accents(form) not in _STOP_KEYS:
                        variants.setdefault(form, word)
                for form in derived_forms(word):  # scolastico -> scuola
                    for inflected in (form, *inflections(form)):
                        derived.setdefault(inflected, word)
        derived.update(variants)
        derived.update(exact)
        return derived


def inflections(word: str) -> set[str]:
    """Regular Italian plural (and, for adjective endings, gender) forms."""
    if word.endswith(("are", "ere", "ire")) or not word[-1:] in "aeio":
        return set()  # infinitives and invariable words (città, sport, startup)
    forms: set[str] = set()
    bases = {word}
    if word.endswith(_ADJECTIVE_ENDINGS) and word.endswith("o"):
        bases.add(word[:-1] + "a")
    for base in bases:
        stem, last = base[:-1], base[-1]
        if base.endswith("io"):
            forms.add(base[:-1])  # liutaio -> liutai
        elif base.endswith(("co", "go")):
            forms.update({stem + "hi", stem + "i"})
        elif base.endswith(("ca", "ga")):
            forms.add(stem + "he")
        elif last == "o":
            forms.add(stem + "i")
        elif last == "a":
            forms.add(stem + "e")
            if base.endswith(("ista", "ma")):
                forms.add(stem + "i")
        elif last == "e":
            forms.add(stem + "i")
        if base != word:
            forms.add(base)
    forms.discard(word)
    return forms


def _str_list(value: Any) -> list[str] | None:
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        return None
    return [v.strip() for v in value]


def _check_theme(raw: Any, index: int, where: str, errors: list[str]) -> Theme | None:
    if not isinstance(raw, dict):
        errors.append(f"{where}: themes[{index}] must be a mapping")
        return None
    theme_id = raw.get("id")
    if not isinstance(theme_id, str) or not ID_RE.match(theme_id):
        errors.append(f"{where}: themes[{index}]: id {theme_id!r} must match [a-z][a-z0-9_]*")
        theme_id = f"#{index}"
    here = f"{where}: theme '{theme_id}'"
    before = len(errors)
    for key in sorted(set(raw) - THEME_KEYS):
        errors.append(f"{here}: unknown key '{key}' (allowed: {', '.join(sorted(THEME_KEYS))})")
    for key in REQUIRED_THEME_KEYS:
        if key not in raw:
            errors.append(f"{here}: missing key '{key}'")
    label = raw.get("label")
    if "label" in raw:
        if not isinstance(label, dict) or not LABEL_KEYS <= set(label) or not all(
            isinstance(k, str) and LANGUAGE_RE.fullmatch(k) and isinstance(v, str) and v.strip()
            for k, v in label.items()
        ):
            errors.append(f"{here}: label must be a mapping with non-empty 'it' and 'en' "
                          "(and any other language of the plan, e.g. de)")
    description = raw.get("description")
    if "description" in raw and (not isinstance(description, str) or not description.strip()):
        errors.append(f"{here}: description must be a non-empty string")
    lists = _check_lists(raw, here, errors)
    senses = _check_senses(raw.get("senses"), here, lists, errors) if "senses" in raw else ()
    if len(errors) > before:
        return None
    return Theme(
        id=theme_id,
        label_it=label["it"].strip(),
        label_en=label["en"].strip(),
        labels=tuple((k, v.strip()) for k, v in label.items() if k not in LABEL_KEYS),
        description=" ".join(description.split()),
        terms=tuple(lists["terms"]),
        phrases=tuple(lists["phrases"]),
        problems=tuple(lists["problems"]),
        weak=tuple(lists["weak"]),
        senses=senses,
    )


def _check_lists(raw: dict[str, Any], here: str, errors: list[str]) -> dict[str, list[str]]:
    """A theme's word lists (terms, phrases, problems, weak); a list that is no list of strings is left out."""
    lists: dict[str, list[str]] = {}
    for key in ("terms", "phrases", "problems", "weak"):
        if key not in raw:
            lists[key] = []
            continue
        values = _str_list(raw[key] if raw[key] is not None else [])
        if values is None:
            errors.append(f"{here}: {key} must be a list of strings")
            continue
        if key == "terms" and not values:
            errors.append(f"{here}: terms must not be empty")
        _check_entries(key, values, here, errors)
        lists[key] = values
    return lists


def _check_entries(key: str, values: list[str], here: str, errors: list[str]) -> None:
    """Each entry of one list: not empty, one word or several as the list wants, no duplicate."""
    seen: set[str] = set()
    for value in values:
        if not value:
            errors.append(f"{here}: {key} contains an empty entry")
        elif key in ("terms", "weak") and len(value.split()) != 1:
            errors.append(f"{here}: {key[:-1] if key == 'terms' else 'weak'} term '{value}' has several words: move it to phrases")
        elif key == "phrases" and len(value.split()) < 2:
            errors.append(f"{here}: phrase '{value}' is a single word: move it to terms")
        key_form = strip_accents(value.lower())
        if key_form in seen and value:
            errors.append(f"{here}: duplicate entry '{value}' in {key}")
        seen.add(key_form)


def _check_senses(raw: Any, here: str, lists: dict[str, list[str]], errors: list[str]) -> tuple[Sense, ...]:
    """Validate a theme's ``senses`` list; ``then`` ids are checked once all themes are read."""
    if not isinstance(raw, list):
        errors.append(f"{here}: senses must be a list of mappings with 'term' and 'near'")
        return ()
    own = {strip_accents(v.lower()) for key in ("terms", "phrases", "problems", "weak") for v in lists.get(key, [])}
    senses: list[Sense] = []
    for i, entry in enumerate(raw):
        where = f"{here}: senses[{i}]"
        if not isinstance(entry, dict):
            errors.append(f"{where} must be a mapping with 'term' and 'near'")
            continue
        for key in sorted(set(entry) - SENSE_KEYS):
            errors.append(f"{where}: unknown key '{key}' (allowed: {', '.join(sorted(SENSE_KEYS))})")
        term, near = entry.get("term"), _str_list(entry.get("near"))
        window, then = entry.get("window", DEFAULT_SENSE_WINDOW), entry.get("then")
        ok = True
        if not isinstance(term, str) or strip_accents(term.strip().lower()) not in own:
            errors.append(f"{where}: term {term!r} is not one of this theme's terms, phrases, problems or weak terms")
            ok = False
        if not near or not all(w and w != "*" for w in near):
            errors.append(f"{where}: near must be a non-empty list of words")
            ok = False
        if isinstance(window, bool) or not isinstance(window, int) or not 1 <= window <= MAX_SENSE_WINDOW:
            errors.append(f"{where}: window must be a whole number from 1 to {MAX_SENSE_WINDOW}")
            ok = False
        if then is not None and (not isinstance(then, str) or not ID_RE.match(then)):
            errors.append(f"{where}: then must be a theme id")
            ok = False
        if ok:
            senses.append(Sense(term.strip(), tuple(near), window, then))
    return tuple(senses)


def parse_taxonomy(data: Any, source: str = "<memory>") -> Taxonomy:
    """Validate already-parsed YAML data; raise :class:`TaxonomyError`."""
    where = Path(source).name if source != "<memory>" else source
    errors: list[str] = []
    if not isinstance(data, dict):
        raise TaxonomyError(f"{where}: the file must contain a mapping with 'version' and 'themes'")
    for key in sorted(set(data) - TOP_KEYS):
        errors.append(f"{where}: unknown top-level key '{key}' (allowed: {', '.join(sorted(TOP_KEYS))})")
    version = data.get("version")
    if isinstance(version, (int, float)) and not isinstance(version, bool):
        version = str(version)
    if not isinstance(version, str) or not version.strip():
        errors.append(f"{where}: 'version' is missing or empty")
    raw_themes = data.get("themes")
    themes: list[Theme] = []
    if not isinstance(raw_themes, list) or not raw_themes:
        errors.append(f"{where}: 'themes' must be a non-empty list")
        raw_themes = []
    seen: dict[str, int] = {}
    for index, raw in enumerate(raw_themes):
        theme = _check_theme(raw, index, where, errors)
        raw_id = raw.get("id") if isinstance(raw, dict) else None
        if isinstance(raw_id, str):
            if raw_id in seen:
                errors.append(f"{where}: theme '{raw_id}': duplicate id (also themes[{seen[raw_id]}])")
            else:
                seen[raw_id] = index
        if theme is not None:
            themes.append(theme)
    known = {t.id for t in themes}
    for theme in themes:
        for i, sense in enumerate(theme.senses):
            if sense.then is not None and (sense.then not in known or sense.then == theme.id):
                errors.append(f"{where}: theme '{theme.id}': senses[{i}]: then '{sense.then}' "
                              "must be the id of another theme of this file")
    if errors:
        raise TaxonomyError("\n".join(errors))
    return Taxonomy(version=version.strip(), themes=tuple(themes), source=source, name=str(data.get("name", "")))


# The shipped example plan's taxonomy: what :func:`load_taxonomy` reads when called without a path
# (scripts and evaluation tools calling the public API, e.g. the shared dev-set scorer). The bot
# always passes its plan's path.
EXAMPLE_TAXONOMY_PATH = Path(__file__).resolve().parent.parent / "plans" / "cremona" / "taxonomy.yaml"


def default_taxonomy_path() -> Path:
    """``taxonomy.yaml`` of the plan named by SCENARI_PLAN_DIR when that file exists, else the example's."""
    plan = os.environ.get("SCENARI_PLAN_DIR")
    if plan and (Path(plan) / "taxonomy.yaml").is_file():
        return Path(plan) / "taxonomy.yaml"
    return EXAMPLE_TAXONOMY_PATH


def load_taxonomy(path: str | Path | None = None) -> Taxonomy:
    """Load a taxonomy file: a plan's ``taxonomy.yaml``. The bot passes its plan's path; without
    one, :func:`default_taxonomy_path` decides, so the public API keeps working for scripts."""
    path = Path(path) if path is not None else default_taxonomy_path()
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise TaxonomyError(f"{path}: cannot read file ({exc.strerror or exc})") from exc
    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        at = f" at line {mark.line + 1}, column {mark.column + 1}" if mark else ""
        raise TaxonomyError(f"{path.name}: invalid YAML{at}: {getattr(exc, 'problem', exc)}") from exc
    return parse_taxonomy(data, source=str(path))


def validate_taxonomy_file(path: str | Path) -> Taxonomy:
    """Entry point for ``scenari themes validate [FILE]``.

    Returns the taxonomy when valid; raises :class:`TaxonomyError` whose
    message (one problem per line) can be printed as is.
    """
    return load_taxonomy(path)
