"""Small text helpers shared by the pipeline, the taxonomy and the tagger.

Citizens write on a phone keyboard: no accents ("citta", "piu", "perche"), or
an apostrophe instead of the accent ("e'", "citta'"), chat abbreviations
("nn", "x", "cmq") and curly apostrophes. Every comparison the tagger makes
goes through :func:`match_key`, applied identically to the taxonomy and to the
text, so both sides meet on the same accent-free, lower-case form.
"""

from __future__ import annotations

import unicodedata
from functools import lru_cache

#: Chat abbreviations seen in Italian messages, mapped to the word they stand
#: for. Applied before lemmatisation, so "nn" is a negation cue and "x" a
#: preposition. Kept short on purpose: only unambiguous shorthand.
CHAT_ABBREVIATIONS: dict[str, str] = {
    "nn": "non",
    "x": "per",
    "xke": "perché",
    "xké": "perché",
    "xchè": "perché",
    "xché": "perché",
    "xche": "perché",
    "perke": "perché",
    "perkè": "perché",
    "perchè": "perché",
    "cmq": "comunque",
    "qlc": "qualche",
    "qlcs": "qualcosa",
    "qcs": "qualcosa",
    "qualke": "qualche",
    "ke": "che",
    "k": "che",
    "tt": "tutto",
    "sn": "sono",
    "trp": "troppo",
    "qnd": "quando",
    "qst": "questo",
    "qsto": "questo",
    "bn": "bene",
    "dx": "destra",
    "sx": "sinistra",
    "nessun": "nessuno",
    "pò": "po'",  # not "po": that is the river Po
    "univ": "università",
    "uni": "università",
    "unicr": "università",
    "tlc": "telecomunicazione",
    "amm": "amministrazione",
    "cr": "cremona",
}

_COMBINING = {"Mn"}


@lru_cache(maxsize=200_000)
def strip_accents(text: str) -> str:
    """Remove diacritics: "città" -> "citta", "perché" -> "perche".

    Cached because the same few thousand word forms recur in every batch.
    """
    if text.isascii():
        return text
    decomposed = unicodedata.normalize("NFD", text)
    return "".join(ch for ch in decomposed if unicodedata.category(ch) not in _COMBINING)


@lru_cache(maxsize=200_000)
def clean_word(text: str) -> str:
    """Lower-case a token and undo keyboard habits before lemmatisation.

    - curly apostrophe -> straight one;
    - trailing apostrophe used as an accent ("citta'", "e'", "piu'") -> the
      accented vowel, except elided articles/prepositions ("l'", "dell'",
      "un po'") which are kept;
    - chat abbreviations ("nn", "x") -> full word.
    """
    word = text.lower().replace("’", "'").replace("`", "'").replace("´", "'")
    if len(word) > 2 and word.endswith("'") and word[-2] in "aeiou" and word != "po'":
        # "citta'" -> "città"; "perche'" -> "perché" (close e is the common case)
        vowel = word[-2]
        accented = {"a": "à", "e": "é" if word.endswith("che'") else "è", "i": "ì", "o": "ò", "u": "ù"}[vowel]
        word = word[:-2] + accented
    return CHAT_ABBREVIATIONS.get(word, word)


def match_key(lemma: str) -> str:
    """The form used for matching: lower-case, accent-free lemma."""
    return strip_accents(lemma.lower())
