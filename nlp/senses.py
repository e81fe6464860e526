"""Word senses from the taxonomy: a term's neighbours decide which theme it votes for.

*sicurezza* is public safety, except in *sicurezza sul lavoro* (work),
*sicurezza stradale* (mobility) or *sicurezza energetica* (energy);
*accoglienza* is tourism, except next to *migranti* or *profughi*. The
taxonomy states these as data (``senses`` of a theme, see
:mod:`nlp.taxonomy` and docs/nlp.md); this module compiles them against the
pipeline's lemmatiser and applies them to the matches of one text.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Callable, Sequence

from .taxonomy import Taxonomy
from .text import match_key


@dataclass(frozen=True)
class SenseRule:
    """One compiled sense: ``exact`` match keys, ``prefixes``, ``window`` and the new theme."""

    exact: frozenset[str]
    prefixes: tuple[str, ...]
    window: int
    then: str | None

    def applies(self, norms: Sequence[str], start: int, end: int) -> bool:
        """True when a neighbour within the window is one of the rule's words."""
        lo, hi = max(0, start - self.window), min(len(norms), end + self.window)
        for k in (*range(lo, start), *range(end, hi)):
            word = norms[k]
            if word in self.exact or (self.prefixes and word.startswith(self.prefixes)):
                return True
        return False


class SenseRules:
    """All senses of a taxonomy, keyed by (theme id, entry match key)."""

    def __init__(self, taxonomy: Taxonomy, entry_key: Callable[[str], str], word_key: Callable[[str], str]) -> None:
        """``entry_key`` turns a taxonomy entry into the key the tagger uses for a match
        (lemma by lemma); ``word_key`` turns one neighbour word into a match key."""
        self.rules: dict[tuple[str, str], list[SenseRule]] = {}
        for theme in taxonomy.themes:
            for sense in theme.senses:
                exact: set[str] = set()
                prefixes: list[str] = []
                for word in sense.near:
                    if word.endswith("*"):
                        prefixes.append(match_key(word[:-1]))
                    else:
                        exact.update({word_key(word), match_key(word)})
                rule = SenseRule(frozenset(exact), tuple(prefixes), sense.window, sense.then)
                self.rules.setdefault((theme.id, entry_key(sense.term)), []).append(rule)

    def __bool__(self) -> bool:
        return bool(self.rules)

    def has(self, theme_id: str, key: str) -> bool:
        """True when some sense is stated for this theme's entry."""
        return (theme_id, key) in self.rules

    def resolve(self, theme_id: str, key: str, norms: Sequence[str], start: int, end: int) -> str | None:
        """The theme this match votes for: its own, another (``then``), or None (does not count)."""
        for rule in self.rules.get((theme_id, key), ()):
            if rule.applies(norms, start, end):
                return rule.then
        return theme_id
