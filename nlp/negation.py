"""Rejection-aware negation for citizens' messages.

What matters for a strategic plan is not grammatical negation but whether a
mention is *rejected*. "Non c'è lavoro per i giovani" and "nessuno pensa ai
giovani" are complaints about a lack: they are votes for the theme. "Niente
turismo", "basta con il turismo", "non serve più turismo", "né turismo né
musica", "senza capannoni" reject it. So two kinds of cue are handled:

* **nominal cues** (niente, nulla, nessun*, basta, stop, no, senza, né, contro,
  "mai più", "non più"; *contro* only as a stance, see
  :data:`STANCE_BEFORE_CONTRO`): the first content word after the cue, skipping
  articles and "con"/"a", and the next few tokens up to a clause boundary, are
  rejected. "niente *per* i giovani" is a lack, not a rejection: "per" and
  "di" stop the scope, and so does a "di" complement after the rejected
  word: "stop all'abuso *della custodia cautelare*", "no alla chiusura
  *dell'ospedale*" reject the abuse and the closure, not what the writer
  defends. Three constructions are claims, not rejections: "senza" before an
  infinitive ("salvare l'ambiente senza sacrificare l'economia"), "nessun(o/a)"
  before a noun that is the subject of a verb or of "senza" ("nessun giovane
  trova lavoro", "nessuna famiglia senza casa"), and a clause-initial "senza"
  followed by a main clause ("Senza treni per Milano nessuna azienda verrà").
* **verbal cues** (non, mai, neanche, nemmeno, neppure): only when a predicate
  of need or wish follows ("servire", "volere", "bisogno", "interessare",
  "piacere"...), the words after that predicate are rejected. "Non si investe
  nei giovani" is therefore not a rejection.

Scopes stop at punctuation and at conjunctions ("ma", "e", "però", "perché"...).
Rejections placed *before* the mention ("il turismo non serve") are not
detected: a known limit, measured in the evaluation set.
"""

from __future__ import annotations

from spacy.tokens import Doc, Token

from .text import clean_word, strip_accents

EXTENSION = "scenari_neg_cue"
if not Token.has_extension(EXTENSION):
    Token.set_extension(EXTENSION, default=None)
#: ``doc.user_data`` key: {token index: index of the cue rejecting it}. The
#: tagger reads this dict instead of the token extension (no Token objects).
USER_DATA_KEY = "scenari_rejected"

NOMINAL_CUES = frozenset(
    {"niente", "nulla", "nessuno", "nessuna", "nessun", "basta", "bastaa", "stop", "no", "senza", "contro"}
)
VERBAL_CUES = frozenset({"non", "mai", "neanche", "nemmeno", "neppure"})
#: Predicates of need/wish: "non" is a rejection only when one of them follows.
DESIRE_KEYS = frozenset(
    {
        "servire", "volere", "volerci", "bisogno", "interessare", "piacere", "importare",
        "necessario", "necessita", "utile", "priorita", "prioritario", "sopportare",
        "desiderare", "convenire", "andare bene",
    }
)
#: "contro" rejects only as a stance: at the start of a clause ("Contro la cultura della morte") or
#: after these words ("siamo contro il nucleare"). After a noun or a verb it is the preposition
#: "against" and names the problem fought or suffered: "lotta contro l'evasione", "combattere contro
#: le mafie", "reati contro gli animali", "vaccinazione contro il Covid" are about that theme.
STANCE_BEFORE_CONTRO = frozenset(
    {"sono", "siamo", "sei", "siete", "essere", "stare", "sto", "stiamo", "schierato", "schierati", "schierata",
     "schierate", "schierarsi", "schieriamo", "fermamente", "decisamente", "assolutamente", "totalmente",
     "sempre", "io", "noi", "tutti", "no", "si", "anche", "ancora", "fortemente"}
)
#: Tokens skipped between a nominal cue and the rejected word.
SKIPPABLE = frozenset(
    {
        "con", "a", "al", "allo", "alla", "ai", "agli", "alle", "all'", "il", "lo", "la", "i", "gli",
        "le", "l'", "un", "uno", "una", "un'", "altro", "altri", "altra", "altre", "piu", "ancora",
        "questo", "questa", "questi", "queste", "quel", "quello", "quella", "quei", "quelle",
        "nuovo", "nuovi", "nuova", "nuove", "ulteriore", "ulteriori", "tutto", "tutti", "tutta",
        "tutte",
    }
)
#: Words that end a scope: conjunctions and relative/causal connectives.
BOUNDARY = frozenset(
    {"ma", "pero", "invece", "anzi", "mentre", "perche", "quindi", "bensi", "piuttosto", "e", "ed",
     "o", "oppure", "poi", "pure", "se", "che", "cosi", "tranne", "eccetto", "solo"}
)
#: After a nominal cue these mean "lack of" rather than "reject": stop.
LACK_PREPOSITIONS = frozenset({"per", "di", "da", "in"})
SCOPE_AFTER_PREDICATE = 6
NOMINAL_SCOPE = 4
PREDICATE_WINDOW = 4
#: How far a main clause is looked for after a clause-initial "senza" (see ``_verb_in_sentence``).
SENTENCE_SCOPE = 10
_PUNCT = frozenset(".,;:!?…()[]\"«»-–—/\n")


ALL_CUES = NOMINAL_CUES | VERBAL_CUES | {"ne"}
_INFINITIVE = ("are", "ere", "ire", "rsi")

# orth hash -> (surface, boundary?, accented "né"?); context-free, so cached.
_ORTH_CACHE: dict[int, tuple[str, bool, bool]] = {}


_CUE_HASHES: set[int] = set()


def _cue_hashes(doc: Doc) -> set[int]:
    """Hashes of every spelling a cue can have in a text (case, accents, chat shorthand).

    A superset is harmless (the full check follows); a spelling missing here
    would skip a negation, so it is built from the same normalisation the full
    check uses: every written form whose :func:`clean_word` + accent folding is a cue.
    """
    if not _CUE_HASHES:
        forms = set(ALL_CUES) | {"nn", "né", "nè", "nessun", "nessun'"}
        for word in list(forms):
            forms |= {word.capitalize(), word.upper(), word + "'", word.capitalize() + "'"}
        _CUE_HASHES.update(doc.vocab.strings.add(form) for form in forms)
    return _CUE_HASHES


def _orth_info(doc: Doc, orth: int) -> tuple[str, bool, bool]:
    info = _ORTH_CACHE.get(orth)
    if info is None:
        lex = doc.vocab[orth]
        text = lex.orth_
        surface = strip_accents(clean_word(text))
        boundary = surface in BOUNDARY or lex.is_space or (lex.is_punct and bool(set(text) & _PUNCT))
        info = (surface, boundary, text.lower() in ("né", "nè"))
        if len(_ORTH_CACHE) > 200_000:
            _ORTH_CACHE.clear()
        _ORTH_CACHE[orth] = info
    return info


def mark_negation(doc: Doc) -> None:
    """Set ``token._.scenari_neg_cue`` on rejected tokens (see module doc).

    Works on hash arrays rather than Token objects: creating a Token per word
    was the main cost of the whole tagger.
    """
    n = len(doc)
    if n == 0:
        return
    orths = doc.to_array("ORTH").tolist()
    if _cue_hashes(doc).isdisjoint(orths):
        return  # most short answers: no cue at all, nothing to mark
    infos = [_ORTH_CACHE.get(orth) or _orth_info(doc, orth) for orth in orths]
    surfaces = [i[0] for i in infos]
    if ALL_CUES.isdisjoint(surfaces):
        return
    strings = doc.vocab.strings
    norms = [strings[h] for h in doc.to_array("NORM").tolist()]
    boundary = [i[1] for i in infos]
    # "ne" without accent is also the clitic ("ne abbiamo"): a cue only in pairs.
    plain_ne_is_cue = sum(1 for x in surfaces if x == "ne") >= 2
    ctx = (doc, surfaces, norms, boundary)
    i = 0
    while i < n:
        s = surfaces[i]
        nominal = s in NOMINAL_CUES or (s == "ne" and (infos[i][2] or plain_ne_is_cue))
        start = i + 1
        if s in VERBAL_CUES and start < n and surfaces[start] == "piu":
            nominal, start = True, start + 1  # "non più cemento", "mai più turismo"
        if s == "non" and start < n and surfaces[start] in ("solo", "soltanto"):
            i += 2
            continue
        if s == "non" and i > 0 and surfaces[i - 1] == "se":  # conditional: "se non si investe"
            i += 1
            continue
        if s == "contro" and i > 0 and not boundary[i - 1] and surfaces[i - 1] not in STANCE_BEFORE_CONTRO:
            nominal = False  # the preposition, not a stance (see STANCE_BEFORE_CONTRO)
        if nominal:
            _mark_nominal(ctx, i, start)
        elif s in VERBAL_CUES:
            _mark_verbal(ctx, i)
        i += 1


def _mark_nominal(ctx: tuple, cue: int, start: int) -> None:
    doc, surfaces, norms, boundary = ctx
    n = len(surfaces)
    j = start
    while j < n and surfaces[j] in SKIPPABLE and not boundary[j]:
        j += 1
    if j >= n or surfaces[j] in LACK_PREPOSITIONS or boundary[j]:
        return
    if norms[j].endswith(_INFINITIVE) and norms[j] != surfaces[j]:
        return  # finite verb: "nessuno pensa ai giovani" is a lack, not a rejection
    if surfaces[cue] == "senza" and surfaces[j].endswith(_INFINITIVE):
        return  # "salvare l'ambiente senza sacrificare l'economia": a manner, the object is kept
    if surfaces[cue].startswith("nessun") and _subject_of_clause(surfaces, norms, boundary, j):
        return  # "nessun figlio possa diventare orfano", "nessuna famiglia senza casa": a claim for them
    if surfaces[cue] == "senza" and (cue == 0 or boundary[cue - 1]) and _verb_in_sentence(surfaces, norms, j):
        return  # "Senza giovani una città muore": a condition, what is lacking is what matters
    for k in range(j, min(n, j + NOMINAL_SCOPE)):
        if k > j and (boundary[k] or surfaces[k] in NOMINAL_CUES or surfaces[k] == "ne" or norms[k] == "di"):
            break  # "stop all'abuso *della custodia cautelare*": the complement is what the writer defends
        _reject(doc, k, cue)


def _subject_of_clause(surfaces: list[str], norms: list[str], boundary: list[bool], j: int) -> bool:
    """True when the noun at ``j`` after "nessun(o/a)" is the subject of a verb or of "senza" that
    follows it in the same clause: "nessun giovane trova lavoro" is a lack, "nessun bambino senza
    scuola" a claim; only "nessun capannone" alone rejects."""
    for k in range(j + 1, min(len(surfaces), j + 1 + NOMINAL_SCOPE)):
        if boundary[k]:
            return False
        if surfaces[k] == "senza" or (norms[k].endswith(_INFINITIVE) and norms[k] != surfaces[k]):
            return True
    return False


def _verb_in_sentence(surfaces: list[str], norms: list[str], j: int) -> bool:
    """True when a finite verb follows ``j`` before the next punctuation mark (a main clause after
    a clause-initial "senza ...": "Senza treni per Milano nessuna azienda verrà")."""
    for k in range(j + 1, min(len(surfaces), j + 1 + SENTENCE_SCOPE)):
        if surfaces[k] in _PUNCT or not surfaces[k]:
            return False
        if norms[k].endswith(_INFINITIVE) and norms[k] != surfaces[k]:
            return True
    return False


def _mark_verbal(ctx: tuple, cue: int) -> None:
    doc, surfaces, norms, boundary = ctx
    n = len(surfaces)
    predicate = None
    for k in range(cue + 1, min(n, cue + 1 + PREDICATE_WINDOW)):
        if boundary[k]:
            return
        if norms[k] in DESIRE_KEYS or surfaces[k] in DESIRE_KEYS:
            predicate = k
            break
    if predicate is None:
        return
    for k in range(predicate + 1, min(n, predicate + 1 + SCOPE_AFTER_PREDICATE)):
        if boundary[k] or surfaces[k] in NOMINAL_CUES:
            break
        _reject(doc, k, cue)


def _reject(doc: Doc, index: int, cue: int) -> None:
    doc[index]._.set(EXTENSION, cue)
    doc.user_data.setdefault(USER_DATA_KEY, {})[index] = cue


def is_rejected(span_start_token: Token, span_start: int) -> bool:
    """True when the first token of a match is in the scope of an outside cue."""
    cue = span_start_token._.get(EXTENSION)
    return cue is not None and cue < span_start


def rejected_at(doc: Doc, start: int) -> bool:
    """Same as :func:`is_rejected` for the match starting at ``start``, without a Token."""
    cue = doc.user_data.get(USER_DATA_KEY, {}).get(start)
    return cue is not None and cue < start
