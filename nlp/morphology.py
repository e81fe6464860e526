"""Derivational morphology: the adjectives (and a few nouns) built on a term's root.

A taxonomy names *scuola*, *sanità*, *fisco*; citizens and officials write
*scolastico*, *sanitario*, *fiscale*. Regular inflection (plural, feminine) is
handled in :func:`nlp.taxonomy.inflections`; this module adds the derived
words of the same root, so an analyst need not list them all.

How: the term's root (the term minus its final vowel, or minus a known noun
suffix such as ``-ità``, ``-zione``, ``-ismo``; a ``uo`` diphthong loses its
``u`` as Italian does: scuola → scol-) is combined with the common Italian
relational suffixes (``-ale``, ``-ico``, ``-ario``, ``-ivo``, ``-istico`` …).
A candidate is kept only when it is a known Italian word (simplemma's
dictionary) and is its own lemma, so no invented form is ever added; words
that share a root but not a meaning (*porto* → *portale*, *tassa* →
*tassativo*) are in :data:`FALSE_DERIVATIONS`. Derived forms count as the term
itself: weighing them 0.6–0.8 of it was measured flat on the development set
(taxonomy 2026.4), so no weight of their own. The feminine of a noun of
people that simplemma keeps as a lemma of its own (*studentessa*,
*ricercatrice*, *alunna*) counts as its term too (:func:`feminine_forms`,
taxonomy 2026.6).
"""

from __future__ import annotations

from functools import lru_cache

import simplemma

#: (noun ending, replacement before the suffix): "sanità" -> "sanit", "occupazione" -> "occupa".
_ROOT_RULES: tuple[tuple[str, str], ...] = (
    ("zione", "t"),      # migrazione -> migrat(orio), abitazione -> abitat(ivo)
    ("zione", "zion"),   # occupazione -> occupazion(ale)
    ("ismo", "ist"),     # turismo -> turist(ico)
    ("ità", "it"),       # sanità -> sanit(ario)
    ("enza", "enz"),     # previdenza -> previdenz(iale)
    ("ia", "i"),         # industria -> industri(ale)
    ("ia", ""),          # energia -> energ(etico)
)
_SUFFIXES: tuple[str, ...] = (
    "ale", "iale", "ico", "ario", "itario", "ivo", "ativo", "orio", "iero", "istico", "astico",
    "etico", "atico", "ista",
)
#: Same root, other meaning: never derived.
FALSE_DERIVATIONS = frozenset(
    {
        "portale", "tassativo", "casale", "corsivo", "artico", "modale", "campale", "retico", "passivo",
        "pratico", "lavorio", "storico", "cortile", "mostrare", "formale", "centrale", "sociale",
        "locale", "generale", "naturale", "reale", "attivo", "positivo", "normale", "totale",
        "operativo", "organico", "tecnico", "logico", "unico", "pubblico", "politico", "economico",
        "critico", "classico", "fisico", "grafico", "elettrico", "medico", "civico", "speciale",
        "nucleare", "primario", "secondario", "ordinario", "regionale", "nazionale", "capitale",
        "modernista", "storicista", "radicale", "memoriale", "passatista", "dialettico", "festivo",
        "collaborazionista", "mortale", "culturista", "sensoriale", "istitutivo", "notista", "notorio",
        "portico", "lattico", "impresario", "naturista", "decorativo", "statale", "statico", "statista",
        "statistico", "stazionario", "socialista", "socialistico", "integrativo", "medicale", "oratoriale",
        "carrierista", "immaginario", "immaginativo", "consultivo", "consultorio", "fiduciario",
        "decisionista", "energico", "tassista", "salutista", "immobilistico", "tradizionalista",
        "camionale", "immigratorio", "legalitario", "patrimoniale",
        # automatic is not automation, diplomatic not a diploma, a mistral wind not a teacher
        "automatico", "diplomatico", "maestrale", "borsistico", "negoziale", "acquario", "operista",
        "operistico", "incidentale", "cantieristico", "sussidiario", "comunitario", "sindacale", "fondale",
        "fondista", "ordinativo", "furtivo", "mediale", "mediatico", "generico", "dignitario", "costitutivo",
        "armamentario",
        # a hospital incubator is no start-up incubator; "volontaria" is mostly "voluntary", not a volunteer
        "incubatrice", "volontaria",
    }
)


def _roots(term: str) -> set[str]:
    roots: set[str] = set()
    for ending, replacement in _ROOT_RULES:
        if term.endswith(ending) and len(term) - len(ending) >= 3:
            roots.add(term[: -len(ending)] + replacement)
    if term[-1:] in "aeio" and len(term) >= 5:
        roots.add(term[:-1])
    elif term.isalpha() and term[-1:] not in "aeiouàèéìòù":
        roots.add(term)  # sport -> sportivo
    # the mobile diphthong: scuola -> scol-, fuoco -> foc-
    roots |= {r.replace("uo", "o", 1) for r in roots if "uo" in r}
    return {r for r in roots if len(r) >= 3}


#: Feminine of nouns of people: (masculine ending, feminine ending); ricercatore -> ricercatrice,
#: professore -> professoressa, studente -> studentessa, infermiere -> infermiera.
_FEMININE_RULES: tuple[tuple[str, str], ...] = (
    ("tore", "trice"), ("ore", "oressa"), ("ente", "entessa"), ("iere", "iera"),
)
#: Endings of nouns of people whose feminine ends in -a (alunno -> alunna, anziano -> anziana, psicologo ->
#: psicologa). Limited to these: "porto" -> "porta", "scalo" -> "scala", "mutuo" -> "mutua" are other words.
_PERSON_O_ENDINGS: tuple[str, ...] = (
    "ievo", "unno", "iano", "ino", "iglio", "estro", "istro", "ato", "ito", "uto", "otto", "ugo", "ologo", "ario",
)


def feminine_forms(term: str) -> frozenset[str]:
    """Feminine of a noun of people that simplemma treats as a word of its own (the term excluded).

    simplemma brings "pensionata" back to "pensionato" but keeps "alunna", "studentessa",
    "ricercatrice", "infermiera", "psicologa" as lemmas of their own, so "le studentesse" missed
    "studente" and "le ricercatrici" missed "ricercatore". Only the person-noun endings above are
    tried, and only a known word that is its own lemma is kept (never an invented form).
    """
    word = term.lower()
    candidates: set[str] = set()
    for masculine, feminine in _FEMININE_RULES:
        if word.endswith(masculine) and len(word) > len(masculine) + 2:
            candidates.add(word[: -len(masculine)] + feminine)
    if word.endswith(_PERSON_O_ENDINGS):
        candidates.add(word[:-1] + "a")
    return frozenset(
        c for c in candidates
        if c != word and c not in FALSE_DERIVATIONS and simplemma.is_known(c, lang="it")
        and simplemma.lemmatize(c, lang="it") == c
    )


@lru_cache(maxsize=4096)
def derived_forms(term: str) -> frozenset[str]:
    """Known Italian words derived from a one-word term (the term itself excluded), and the
    feminine of a noun of people (:func:`feminine_forms`)."""
    word = term.lower()
    if " " in word or "-" in word or not word.isalpha() or len(word) < 4:
        return frozenset()
    out: set[str] = set(feminine_forms(word))
    for root in _roots(word):
        for suffix in _SUFFIXES:
            candidate = root + suffix
            if candidate == word or candidate in FALSE_DERIVATIONS:
                continue
            if simplemma.is_known(candidate, lang="it") and simplemma.lemmatize(candidate, lang="it") == candidate:
                out.add(candidate)
    return frozenset(out)


#: Endings of Italian relational and qualifying adjectives, every gender and number
#: ("sanitaria", "turistici", "digitali", "energetiche"); see :func:`looks_adjective`.
_ADJECTIVE_ENDINGS: tuple[str, ...] = (
    "ale", "ali", "ile", "ili", "ico", "ica", "ici", "iche", "ario", "aria", "ari", "arie", "ivo", "iva", "ivi",
    "ive", "oso", "osa", "osi", "ose", "iero", "iera", "ieri", "iere", "orio", "oria", "ori", "orie", "ano", "ana",
    "ani", "ane", "ese", "esi",
)
#: Nouns with an adjective's ending that a theme lists ("ospedale", "medico", "traffico").
_NOUNS_LIKE_ADJECTIVES = frozenset(
    {
        "ospedale", "ospedali", "medico", "medici", "traffico", "salario", "salari", "capitale", "capitali",
        "animale", "animali", "tribunale", "tribunali", "personale", "volontario", "volontari", "giornale",
        "canale", "canali", "pubblico", "tecnico", "tecnici", "politico", "politici", "crimine", "comune", "comuni",
        "anziano", "anziani", "sindaco", "porto", "piano", "tema", "festival", "carnevale", "fabbrica", "musica",
        "fisica", "informatica", "logistica", "politica", "pratica", "tecnica", "clinica", "fabbrica", "lirica",
        "critica", "etica", "giustizia", "industria", "polizia", "pensionato", "pensionati", "impiegato",
        "disoccupato", "immigrato", "immigrati", "laureato", "laureati", "dipendente", "dipendenti", "operai",
        "orario", "orari", "calendario", "sanitari", "colori", "lavori", "settori", "operatori", "lavoratori",
        "elettori", "imprenditori", "agricoltori", "allevatori", "ricercatori", "professori", "genitori", "autori",
        "motori", "valori", "fiori", "territori", "interiore", "scuola", "piani", "umani", "mani", "cani", "pane",
        "domani", "italiani", "cittadini", "stranieri", "cantieri", "quartieri", "pensieri", "sentieri", "giardini",
        "mestiere", "mestieri", "consiglieri", "paese", "paesi", "mese", "mesi", "spese", "imprese", "chiese",
    }
)


@lru_cache(maxsize=65536)
def looks_adjective(word: str) -> bool:
    """True when a written word (lower-case) has the form of an adjective ("sanitaria", "turistico").

    Used by salience to tell a modifier ("ricerca *sanitaria*", "settore
    *turistico*") from a head noun: an adjective after a noun names a
    property of what the phrase is about, not its subject. A form test, no
    part-of-speech tagger: wrong on some nouns, which is why
    :data:`_NOUNS_LIKE_ADJECTIVES` lists those a theme may name.
    """
    return len(word) > 4 and word.endswith(_ADJECTIVE_ENDINGS) and word not in _NOUNS_LIKE_ADJECTIVES
