"""Salience: which of the themes a text touches it is actually *about*, and how sure we are.

A long programme paragraph touches many themes with one word each; the
themes it is about have more, more specific evidence. For each theme:

* every distinct matched entry weighs by kind (:data:`KIND_WEIGHT`: a phrase
  more than a single word, a *weak* generic word much less), divided by the
  number of themes the same words matched (a word shared by two themes is
  half as telling for each), and grows slowly with repetition
  (``1 + REPEAT_GAIN * ln(count)``);
* a match near the start of the text weighs more, up to ``1 + LEAD_BONUS``
  times, decaying as ``exp(-position / LEAD_SCALE)`` over the first few
  dozen words (:func:`position_weight`): people and programmes alike state
  what they are writing about first (a title, a topic sentence: "Libri gratis
  fino alle superiori"), and what follows in a long text is detail, examples
  and side remarks;
* in a text of :data:`LONE_FROM` content words or more, a theme whose whole
  evidence is one single word said once ("cultura", "digitali") weighs
  :data:`LONE_WORD` of it: one word in passing is the
  weakest sign that a text is about a theme, and "patrimonio economico e
  culturale", "strumenti digitali" are about something else. With
  :data:`RELATIVE_HALF` this lifted the precision of the small themes on the
  development set (tourism/culture 0.52 → 0.55, innovation 0.52 → 0.56) for
  a loss of recall (0.80 → 0.75 at worst), see docs/nlp.md;
* a word that names a *means* rather than a subject (:data:`MEANS`:
  investments, funding, tax relief, reforms, laws, plans, collaboration)
  weighs :data:`MEANS_WEIGHT` of itself when the text also names a subject
  of another theme: "investimenti sulla ricerca sanitaria", "agevolazioni
  per l'acquisto della prima casa", "la riforma delle pensioni" are about
  research, housing and pensions. Alone ("servono investimenti") it counts
  in full, so a chat answer keeps every theme it names. A phrase headed by
  a money word (:data:`MEANS_HEADS`: "investimenti privati", "fondi europei")
  is a means too (taxonomy 2026.6, +0.001 macro-F1 on the development set);
  "riforma fiscale", "politiche attive", "spesa pubblica" are subjects;
* in a long text, a word naming *who* a policy is for (:data:`PEOPLE`:
  households, workers, firms, pupils, the elderly, patients ...) weighs
  :data:`PEOPLE_WEIGHT` of itself when another theme names a subject: "il
  taglio del cuneo fiscale per imprese e lavoratori" is about tax, "più
  psicologi per gli studenti" about health. In a shorter answer the people
  named are often the subject ("gli anziani non sanno usare internet") and
  count in full;
* in a long text, a match right after "di" (del, della, degli ...) that
  follows a matched noun of another theme is its complement
  (:data:`GENITIVE_WEIGHT`): "gli stipendi *degli insegnanti*", "la
  digitalizzazione *del patrimonio culturale*" are about pay and
  digitisation first;
* an adjective right after a matched noun of another theme is a *modifier*
  (:data:`MODIFIER_WEIGHT`): "settore *turistico*", "ricerca *sanitaria*",
  "processo *tributario*", "nuove tecnologie *digitali*" are about the
  head noun; the adjective's theme keeps a trace, not a vote of its own.
  A second adjective coordinated by "e" qualifies the same noun ("patrimonio
  economico e *culturale*"), and so does one stacked on an unmatched adjective
  ("formazione specialistica *medica*", "scuole tecniche *professionali*");
  a weak generic adjective is no head ("figure professionali *turistiche*"),
  see ``ThemeTagger._head_before``.
  A form test decides what is an adjective (:func:`nlp.morphology.looks_adjective`);
* the sum is divided by a length factor ``1 + content_words / LENGTH_SCALE``
  so one mention in a 120-word text weighs less than in a 10-word answer.

The text keeps the themes whose salience reaches :data:`MIN_SALIENCE` *and*
a share of the strongest theme's that grows with length,
``RELATIVE_FLOOR * n / (n + RELATIVE_HALF)`` for ``n`` content words: in a
short chat answer every theme named counts (a third of the top at 5 words),
in a 40-word paragraph a secondary theme needs 80% of the main one's
evidence, so a text gets the themes it is about, not every theme one of its
words touches. No fixed count. From :data:`LONG_FROM` content words on the
share grows faster (:data:`LONG_RELATIVE_HALF`: 70% of the top at 12 words,
86% at 30): a chat reply often names two or three things it wants, a
programme paragraph is about one. And in such a text a theme that clearly
dominates keeps it to itself: when the top theme's evidence is broader than
one word said once (:meth:`Evidence.breadth`), a secondary theme resting on
one word said once is a side remark and is dropped unless it is as salient
as the top (:func:`select`). On the development set these long-text rules
(people, complements, the steeper share, dominance) took
macro-F1 from 0.775 to 0.789 with the chat regression set unchanged, see
docs/nlp.md.

The confidence stored and shown is ``sigmoid(A * ln(salience) + B)``: monotone
in salience, in [0, 1]. A and B (:data:`CALIBRATION`) were fitted by logistic
regression of "this theme was right" on ln(salience), over the themes kept
on the indecis.it development set (1,062 real programme excerpts, labels
mapped to themes as ``shared/nlp-dev/score.py`` does; a kept theme counts
right when the text's label maps to it; refitted for taxonomy 2026.6) — see docs/nlp.md. A confidence of
0.7 means that, on such texts, about 7 in 10 themes given with it were right.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Callable

KIND_WEIGHT = {"phrase": 1.6, "term": 1.0, "problem": 1.0, "weak": 0.35, "similarity": 0.8}
REPEAT_GAIN = 0.8
LEAD_BONUS = 1.0
LEAD_SCALE = 20.0
LENGTH_SCALE = 30.0
MIN_SALIENCE = 0.3
RELATIVE_FLOOR = 1.0
RELATIVE_HALF = 10.0
LONG_RELATIVE_HALF = 5.0  # RELATIVE_HALF from LONG_FROM content words on, see select()
LONE_WORD = 0.6
LONG_FROM = 12  # content words: in a shorter answer (a chat reply) every theme named counts in full
LONE_FROM = LONG_FROM
MEANS_WEIGHT = 0.5
MODIFIER_WEIGHT = 0.3
GENITIVE_WEIGHT = 0.7
DOMINANT_BREADTH = 2  # Evidence.breadth() of a top theme that dominates a long text, see select()
DOMINANT_FROM = LONG_FROM
#: Match keys (accent-free lemmas) of words naming the means of a policy, not its subject.
MEANS = frozenset(
    {
        "investimento", "investire", "finanziamento", "finanziare", "incentivo", "incentivare", "agevolazione",
        "agevolare", "fondo", "risorsa", "riforma", "riformare", "legge", "decreto", "normativa", "governo",
        "politica", "politico", "piano", "credito", "detrazione", "deduzione", "sgravio", "esenzione",
        "defiscalizzazione", "decontribuzione", "fiscale", "spesa", "bilancio", "sostegno", "promozione",
        "sviluppo", "crescita", "collaborazione", "partnership", "coordinamento", "sinergia", "rete", "pnrr",
        "bonus", "contributo",
    }
)
#: Match keys of words naming *who* a policy is for (households, workers, firms, pupils, the elderly ...),
#: not what it is about; see the module docstring.
PEOPLE = frozenset(
    {
        "famiglia", "lavoratore", "lavoratrice", "impresa", "azienda", "imprenditore", "studente", "giovane", "ragazzo",
        "ragazza", "anziano", "disabile", "persona con disabilita", "genitore", "figlio", "bambino", "cittadino",
        "donna", "pmi", "paziente", "vittima", "pensionato", "dipendente", "contribuente", "consumatore", "utente",
        "operatore", "professionista", "commerciante", "agricoltore", "docente", "insegnante", "alunno", "minore",
        "turista", "investitore", "migrante", "immigrato",
    }
)
#: Heads of phrases that name money as a means ("investimenti privati", "fondi europei", "credito d'imposta"):
#: such a phrase weighs like its head word in MEANS. Not "riforma", "legge", "politica", "spesa": "riforma
#: fiscale", "legge elettorale", "politiche attive", "spesa pubblica" name a subject.
MEANS_HEADS = frozenset(
    {"investimento", "finanziamento", "fondo", "risorsa", "incentivo", "agevolazione", "credito", "detrazione",
     "contributo", "bonus"}
)
PEOPLE_WEIGHT = 0.5
#: (A, B) of the logistic calibration, see the module docstring.
CALIBRATION = (1.109, 0.456)


@dataclass
class Evidence:
    """What voted for one theme in one text: entry key -> [surface, kind weight, count, strong].

    The surface is first a ``(start, end)`` token range, turned into text by
    :meth:`resolve_surfaces` once per theme (slicing a Doc costs).
    """

    entries: dict[str, list] = field(default_factory=dict)

    def add(self, key: str, surface: "str | tuple[int, int]", weight: float, strong: bool = True) -> None:
        """One match of entry ``key``; ``strong`` is False for weak generic words."""
        entry = self.entries.get(key)
        if entry is None:
            self.entries[key] = [surface, weight, 1, strong]
        else:
            entry[2] += 1
            entry[3] = entry[3] or strong
            if weight > entry[1]:
                entry[0], entry[1] = surface, weight

    def resolve_surfaces(self, text_of: Callable[[int, int], str]) -> None:
        """Replace token ranges by their text (``text_of(start, end)``)."""
        for entry in self.entries.values():
            if isinstance(entry[0], tuple):
                entry[0] = text_of(*entry[0])

    def has_strong(self) -> bool:
        """True when some entry is more than a weak generic word."""
        return any(entry[3] for entry in self.entries.values())

    def raw(self) -> float:
        """Weighted evidence; 0 when only weak words voted (they support, never make, a theme)."""
        if not self.has_strong():
            return 0.0
        return sum(weight * (1.0 + REPEAT_GAIN * math.log(count)) for _, weight, count, _ in self.entries.values())

    def lone(self) -> bool:
        """True when the whole evidence is one single word, said once (see :data:`LONE_WORD`)."""
        if len(self.entries) != 1:
            return False
        ((key, entry),) = self.entries.items()
        return entry[2] == 1 and " " not in key

    def breadth(self) -> int:
        """How broad the strong evidence is: distinct entries that are not weak generic words, a phrase
        or a word said more than once counting two. 1 is a single word said once, in passing."""
        return sum(
            1 + (" " in key) + (entry[2] > 1) for key, entry in self.entries.items() if entry[3]
        )

    def surfaces(self) -> tuple[str, ...]:
        return tuple(entry[0] for entry in self.entries.values())


def position_weight(start: int) -> float:
    """How much more a match starting at token ``start`` weighs (lead of the text, see module docstring)."""
    return 1.0 + LEAD_BONUS * math.exp(-start / LEAD_SCALE)


def salience(raw: float, content_words: int, lone: bool = False) -> float:
    """Evidence relative to the text's length (see module docstring); ``lone``: see :data:`LONE_WORD`."""
    if lone and content_words >= LONE_FROM:
        raw *= LONE_WORD
    return raw / (1.0 + content_words / LENGTH_SCALE)


def confidence(value: float) -> float:
    """Calibrated confidence in [0, 1] of a theme with this salience."""
    if value <= 0:
        return 0.0
    a, b = CALIBRATION
    return round(1.0 / (1.0 + math.exp(-(a * math.log(value) + b))), 4)


def select(
    saliences: dict[str, float], content_words: int, breadth: dict[str, int] | None = None
) -> dict[str, float]:
    """The themes the text is about: above the absolute and the relative floor.

    The relative floor grows with the text's length: in a ten-word answer
    every theme named counts; in a long paragraph a secondary theme must be
    nearly as well evidenced as the main one, and from :data:`LONG_FROM`
    content words on it grows faster (:data:`LONG_RELATIVE_HALF`).

    ``breadth`` (theme id -> :meth:`Evidence.breadth`) lets a theme that
    clearly dominates a long text keep it to itself: when the strongest
    theme's breadth is :data:`DOMINANT_BREADTH` or more (two words, a phrase,
    a word repeated), a secondary theme resting on one word said once is a
    side remark of a text about something else ("la riforma del percorso di
    abilitazione degli insegnanti ... *assunzione*"), not a second subject,
    unless it is as salient as the top. In an answer shorter than
    :data:`DOMINANT_FROM` content words every theme named counts.
    """
    saliences = {theme_id: value for theme_id, value in saliences.items() if value > 0}
    if not saliences:
        return {}
    top_id = max(saliences, key=saliences.__getitem__)
    top = saliences[top_id]
    half = RELATIVE_HALF if content_words < LONG_FROM else LONG_RELATIVE_HALF
    relative = RELATIVE_FLOOR * content_words / (content_words + half)
    floor = max(MIN_SALIENCE, relative * top)
    kept = {theme_id: value for theme_id, value in saliences.items() if value >= floor}
    if breadth and len(kept) > 1 and content_words >= DOMINANT_FROM and breadth.get(top_id, 0) >= DOMINANT_BREADTH:
        kept = {
            theme_id: value
            for theme_id, value in kept.items()
            if theme_id == top_id or breadth.get(theme_id, 0) >= 2 or value >= top
        }
    return kept


def fit_calibration(saliences: list[float], correct: list[bool], iterations: int = 50) -> tuple[float, float]:
    """Fit (A, B) of ``sigmoid(A * ln(salience) + B)`` by logistic regression (Newton's method).

    ``saliences`` are those of kept themes, ``correct`` whether each was right
    by a gold coding. A small ridge keeps the fit finite on separable data.
    Returns A and B; A > 0 keeps the confidence monotone in salience.
    """
    x = [math.log(max(v, 1e-6)) for v in saliences]
    a, b = 0.0, 0.0
    ridge = 1e-3
    for _ in range(iterations):
        ga = gb = haa = hab = hbb = 0.0
        for xi, yi in zip(x, correct):
            p = 1.0 / (1.0 + math.exp(-(a * xi + b)))
            ga += (p - yi) * xi
            gb += p - yi
            w = p * (1.0 - p)
            haa += w * xi * xi
            hab += w * xi
            hbb += w
        ga += ridge * a
        haa += ridge
        hbb += ridge
        det = haa * hbb - hab * hab
        if det <= 0:
            break
        da = (hbb * ga - hab * gb) / det
        db = (haa * gb - hab * ga) / det
        a, b = a - da, b - db
        if abs(da) + abs(db) < 1e-9:
            break
    return round(a, 3), round(b, 3)
