"""User-facing texts of the engine, Italian first. Transports add their own catalogues."""

from __future__ import annotations

from collections.abc import Mapping
from contextvars import ContextVar
from typing import Any

DEFAULT_LANGUAGE = "it"

# The register a questionnaire speaks in (its `register:`, "lei" or "tu"; None: as written). An entry's
# ``it@lei`` / ``it@tu`` text is read instead of its ``it`` one while a questionnaire's texts are drawn, so
# the engine's errors, the consent and the thank-yous address the respondent as the questions do.
REGISTERS = ("lei", "tu")
_REGISTER: ContextVar[str | None] = ContextVar("scenari_register", default=None)


class speaking:  # noqa: N801 - used as a function: ``with speaking("lei"):``
    """Look texts up in ``register`` inside the block (None: each text as written).

    A context variable rather than one more parameter of every function that draws a text: the
    engine, the service and the transports set it where they know the questionnaire, and each
    asyncio task (one update, one web request) carries its own value. A class, not a
    ``@contextmanager`` generator: it is entered several times per answer on the hot path, and a
    generator-based one costs several times as much to enter and leave.
    """

    __slots__ = ("register", "_token")

    def __init__(self, register: str | None) -> None:
        self.register = register

    def __enter__(self) -> None:
        self._token = _REGISTER.set(self.register)

    def __exit__(self, *exc: object) -> None:
        _REGISTER.reset(self._token)


def current_register() -> str | None:
    return _REGISTER.get()

MESSAGES: dict[str, dict[str, str]] = {
    "control_chars": {
        "it": "Il testo contiene caratteri di controllo (per esempio un carattere nullo) che non si possono "
              "salvare. Lo riscriva senza, per favore: le risposte già date sono salve.",
        "it@tu": "Il testo contiene caratteri di controllo (per esempio un carattere nullo) che non si possono "
                 "salvare. Riscrivilo senza, per favore: le risposte già date sono salve.",
        "en": "The text contains control characters (such as a null character) that cannot be saved. "
              "Please type it again without them: your answers so far are safe.",
    },
    "choose_option": {
        "it": "Scegli una delle opzioni proposte (puoi anche scriverne il numero).",
        "it@lei": "Scelga una delle opzioni proposte (può anche scriverne il numero).",
        "en": "Please choose one of the options offered (you can also type its number).",
    },
    "not_integer": {
        "it": "Serve un numero intero, per esempio 12.",
        "en": "Please enter a whole number, for example 12.",
    },
    "not_number": {
        "it": "Serve un numero, per esempio 3,5.",
        "en": "Please enter a number, for example 3.5.",
    },
    "out_of_range": {
        "it": "Il valore deve essere compreso tra {min} e {max}.",
        "en": "The value must be between {min} and {max}.",
    },
    "below_min": {"it": "Il valore deve essere almeno {min}.", "en": "The value must be at least {min}."},
    "above_max": {"it": "Il valore deve essere al massimo {max}.", "en": "The value must be at most {max}."},
    "too_long": {
        "it": "Il testo è troppo lungo ({length} caratteri): il massimo è {limit}. Puoi accorciarlo?",
        "it@lei": "Il testo è troppo lungo ({length} caratteri): il massimo è {limit}. Può accorciarlo?",
        "en": "The text is too long ({length} characters): the limit is {limit}. Could you shorten it?",
    },
    "empty": {"it": "La risposta non può essere vuota.", "en": "The answer cannot be empty."},
    "not_date": {
        "it": "Serve una data come 31/12/2024.",
        "en": "Please enter a date such as 31/12/2024.",
    },
    "not_time": {
        "it": "Serve un orario come 14:30.",
        "en": "Please enter a time such as 14:30.",
    },
    "not_datetime": {
        "it": "Servono data e ora, come 31/12/2024 14:30.",
        "en": "Please enter a date and time such as 31/12/2024 14:30.",
    },
    "too_many": {
        "it": "Puoi scegliere al massimo {max} opzioni.",
        "it@lei": "Può scegliere al massimo {max} opzioni.",
        "en": "You can choose at most {max} options.",
    },
    "none_selected": {
        "it": "Seleziona almeno un'opzione, poi conferma con «Fatto».",
        "it@lei": "Selezioni almeno un'opzione, poi confermi con «Fatto».",
        "en": "Select at least one option, then confirm with “Done”.",
    },
    "rank_exactly": {
        "it": "Metti in ordine {n} voci: premile dalla più importante, poi conferma con «Fatto».",
        "it@lei": "Metta in ordine {n} voci: le prema dalla più importante, poi confermi con «Fatto».",
        "en": "Put {n} items in order: press them from the most important, then confirm with “Done”.",
    },
    # a long list (dialogs.lookup): typed letters, the matches offered as buttons
    "search_other": {"it": "🔎 Altro: scrivi per cercare", "it@lei": "🔎 Altro: scriva per cercare", "en": "🔎 Other: type to search"},
    "search_again": {"it": "🔎 Cerca di nuovo", "en": "🔎 Search again"},
    "search_type": {
        "it": "Scrivi le prime lettere del nome: ti propongo le voci che corrispondono.",
        "it@lei": "Scriva le prime lettere del nome: le propongo le voci che corrispondono.",
        "en": "Type the first letters of the name: I will offer the entries that match.",
    },
    "search_pick": {
        "it": "Scegli una delle voci trovate, oppure scrivi altre lettere.",
        "it@lei": "Scelga una delle voci trovate, oppure scriva altre lettere.",
        "en": "Choose one of the entries found, or type other letters.",
    },
    "search_found": {
        "it": "{n} voci corrispondono a «{text}»: scegli quella giusta, oppure scrivi di nuovo.",
        "it@lei": "{n} voci corrispondono a «{text}»: scelga quella giusta, oppure scriva di nuovo.",
        "en": "{n} entries match “{text}”: choose the right one, or type again.",
    },
    "search_many": {
        "it": "{n} voci corrispondono a «{text}»; ecco le prime {shown}: scrivi qualche lettera in più per restringere.",
        "it@lei": "{n} voci corrispondono a «{text}»; ecco le prime {shown}: scriva qualche lettera in più per restringere.",
        "en": "{n} entries match “{text}”; here are the first {shown}: type a few more letters to narrow them down.",
    },
    "search_close": {
        "it": "Nessuna voce comincia con «{text}»; forse cercavi una di queste?",
        "it@lei": "Nessuna voce comincia con «{text}»; forse cercava una di queste?",
        "en": "No entry starts with “{text}”; did you mean one of these?",
    },
    "no_match_choose": {
        "it": "Scegli una delle opzioni proposte, oppure scrivi le prime lettere del nome: nessuna voce corrisponde a «{text}».",
        "it@lei": "Scelga una delle opzioni proposte, oppure scriva le prime lettere del nome: nessuna voce corrisponde a «{text}».",
        "en": "Please choose one of the options offered, or type the first letters of the name: nothing matches “{text}”.",
    },
    "no_match": {
        "it": "Nessuna voce corrisponde a «{text}»: prova con le prime lettere del nome.",
        "it@lei": "Nessuna voce corrisponde a «{text}»: provi con le prime lettere del nome.",
        "en": "Nothing matches “{text}”: try the first letters of the name.",
    },
    "add_another": {"it": "Vuoi aggiungerne un altro?", "it@lei": "Vuole aggiungerne un altro?", "en": "Would you like to add another?"},
    "item_label": {"it": "n. {n}", "en": "no. {n}"},
    "review_intro": {
        "it": "Ecco il riepilogo delle tue risposte. Puoi cambiarne una con i pulsanti, oppure inviare.",
        "it@lei": "Ecco il riepilogo delle sue risposte. Può cambiarne una con i pulsanti, oppure inviare.",
        "en": "Here is a summary of your answers. You can change one with the buttons, or submit.",
    },
    "review_change": {"it": "✏️ {n}. {text}", "en": "✏️ {n}. {text}"},
    "review_submit": {"it": "Invia le risposte ✔", "en": "Submit my answers ✔"},
    "follow_up_skip": {"it": "(puoi anche saltare)", "it@lei": "(può anche saltare)", "en": "(you may also skip)"},
    "cannot_skip": {
        "it": "Questa domanda è obbligatoria e non si può saltare.",
        "en": "This question is required and cannot be skipped.",
    },
    "at_start": {"it": "Sei già alla prima domanda.", "it@lei": "È già alla prima domanda.", "en": "You are already at the first question."},
    "question_closed": {
        "it": "Questa domanda è chiusa: rispondi all'ultima domanda qui sotto.",
        "it@lei": "Questa domanda è chiusa: risponda all'ultima domanda qui sotto.",
        "en": "This question is closed: please answer the latest question below.",
    },
    "expired": {
        "it": "Il questionario è rimasto fermo troppo a lungo ed è scaduto. Le risposte date finora sono conservate; puoi ricominciare quando vuoi.",
        "it@lei": "Il questionario è rimasto fermo troppo a lungo ed è scaduto. Le risposte date finora sono conservate; può ricominciare quando vuole.",
        "en": "The questionnaire was idle for too long and has expired. Your answers so far are kept; you can start again whenever you like.",
    },
    "paused": {
        "it": "Questionario sospeso: le risposte date finora sono conservate. Puoi riprendere quando vuoi.",
        "it@lei": "Questionario sospeso: le risposte date finora sono conservate. Può riprendere quando vuole.",
        "en": "Questionnaire paused: your answers so far are kept. You can resume whenever you like.",
    },
    "resumed": {"it": "Riprendiamo da dove eri rimasto.", "it@lei": "Riprendiamo da dove si era fermato.",
                "en": "Let's continue where you left off."},
    "not_active": {
        "it": "Questo questionario non è in corso.",
        "en": "This questionnaire is not in progress.",
    },
    "completed": {
        "it": "Grazie! Il questionario è completo e le risposte sono state salvate.",
        "en": "Thank you! The questionnaire is complete and your answers have been saved.",
    },
    # after a questionnaire's own outro (which thanks already): the run is saved, without a second "Grazie!"
    "completed_saved": {
        "it": "Il questionario è completo e le risposte sono state salvate.",
        "en": "The questionnaire is complete and your answers have been saved.",
    },
    "progress": {"it": "Domanda {k} di {n}", "en": "Question {k} of {n}"},
    "current_answer": {"it": "Risposta attuale: {answer}", "en": "Current answer: {answer}"},
    "invalid": {"it": "Risposta non valida.", "en": "Invalid answer."},
    "skipped": {"it": "(saltata)", "en": "(skipped)"},
    "status": {
        "it": "Sei alla domanda {k} di {n} del questionario «{title}».",
        "it@lei": "È alla domanda {k} di {n} del questionario «{title}».",
        "en": "You are at question {k} of {n} of “{title}”.",
    },
    # the end of a run (dialogs.summary): the respondent's outcome beside everyone else's
    "so_far": {"it": "Come si distribuiscono i rispondenti finora ({n}):", "en": "How respondents are distributed so far ({n}):"},
    # the outcome's baseline_label names the comparison in the respondent's words («Cremona, indagine Censis 2004: 12,4%»)
    "line": {"it": "• {label}: {share} ({source}: {baseline})", "en": "• {label}: {share} ({source}: {baseline})"},
    "reference": {"it": "valore di riferimento", "en": "reference value"},
    "line_no_baseline": {"it": "• {label}: {share}", "en": "• {label}: {share}"},
    "yours": {"it": "{title}: {label}", "en": "{title}: {label}"},
}


# A deployment's plan may override or add texts of any layer (its texts.yaml: a city's own wording,
# a third language). The bot sets them once at start-up (bot.service.plan), layer → key → lang → text;
# they are looked up before the layer's own, whatever the order the layers' modules were imported in.
_OVERRIDES: dict[str, dict[str, dict[str, str]]] = {}
# The deployment's default language: what a text missing in the respondent's language falls back to
# before the catalogue's own fallback (Italian, the language every built-in text has).
_DEFAULT: list[str] = []
# Every named catalogue, so a plan's texts.yaml can be checked against the keys that exist.
CATALOGUES: dict[str, Catalogue] = {}


def set_overrides(overrides: Mapping[str, Mapping[str, Mapping[str, str]]], default_language: str | None = None) -> None:
    """Replace the plan's texts (layer → key → language → text) and its default language."""
    _OVERRIDES.clear()
    _OVERRIDES.update({layer: {key: dict(entry) for key, entry in keys.items()} for layer, keys in overrides.items()})
    _DEFAULT[:] = [default_language] if default_language else []


def deployment_language() -> str | None:
    """The plan's default language (None before a plan is in use), for the texts kept outside a
    :class:`Catalogue` (the workbook's words, the dashboard's headers) to fall back the same way."""
    return _DEFAULT[0] if _DEFAULT else None


class Catalogue:
    """One layer's texts, Italian first, behind the one lookup every layer calls: :meth:`translate`.

    Each layer (the engine here, then ``bot.service``, ``bot.telegram``, ``bot.web``, the dashboard) keeps
    its texts as data and exposes ``translate = Catalogue(TEXTS).translate``, so a caller reads the same
    name whatever layer the text belongs to. A named ``layer`` can be overridden by a plan's texts.yaml.
    """

    def __init__(self, texts: Mapping[str, Mapping[str, str]], *, below: Catalogue | None = None,
                 fallback: str = DEFAULT_LANGUAGE, whole_floats: bool = False, layer: str | None = None) -> None:
        self.layer = layer
        if layer is not None:
            CATALOGUES[layer] = self
        self.texts = texts
        # a key this layer lacks is looked up in the layer below, so a text shared by two layers is kept once
        self.below = below
        self.fallback = fallback
        # the engine's texts print a whole float (a bound such as 3.0) as 3; the other layers format their own numbers
        self.whole_floats = whole_floats

    def __contains__(self, key: object) -> bool:
        return key in self.texts or key in self._overrides() or (self.below is not None and key in self.below)

    def languages(self, key: str) -> set[str]:
        """The languages ``key`` is written in: built in, or added by the plan's texts.yaml."""
        if key not in self.texts and key not in self._overrides() and self.below is not None:
            return self.below.languages(key)
        codes = {*self.texts.get(key, {}), *self._overrides().get(key, {})}
        return {code.split("@")[0] for code in codes}

    def _overrides(self) -> Mapping[str, Mapping[str, str]]:
        return _OVERRIDES.get(self.layer, {}) if self.layer is not None else {}

    def translate(self, key: str, lang: str, /, **params: Any) -> str:
        """The text ``key`` in ``lang`` (falling back to the deployment's default language, then
        Italian), with ``params`` filled in; the plan's texts first. In a questionnaire's register
        (:func:`speaking`) an entry's ``it@lei`` text comes before its ``it`` one.

        ``key`` and ``lang`` are positional-only so a ``{lang}`` placeholder can be filled like any other.
        """
        added = self._overrides().get(key)
        if key not in self.texts and added is None and self.below is not None:
            return self.below.translate(key, lang, **params)
        entry = {**self.texts.get(key, {}), **(added or {})}
        register = _REGISTER.get()
        template = next(
            (text for code in (lang, *_DEFAULT, self.fallback)
             for text in ((entry.get(f"{code}@{register}") if register else None), entry.get(code)) if text),
            None,
        ) or next(iter(entry.values()))
        if self.whole_floats:
            params = {k: _fmt(v) for k, v in params.items()}
        return template.format(**params)


CATALOGUE = Catalogue(MESSAGES, whole_floats=True, layer="engine")
translate = CATALOGUE.translate


def number(value: float, lang: str, decimals: int | None = None) -> str:
    """A number as a respondent reads it: a decimal comma in Italian, a point in English.

    With ``decimals`` it is fixed-point with thousands grouped (a rating's mean: 3,00, 1.234,50);
    without, the shortest form (a calculated score: 3 for 3.0, 3,5). The one number formatter of
    the texts, so a score prints the same in the engine and in the service.
    """
    if decimals is None:
        formatted = f"{value:g}"
        return formatted if lang == "en" else formatted.replace(".", ",")
    formatted = f"{value:,.{decimals}f}"
    if lang == "it":
        formatted = formatted.replace(",", "_").replace(".", ",").replace("_", ".")
    return formatted


def _fmt(value: Any) -> Any:
    if isinstance(value, float) and value.is_integer():
        return int(value)
    return value
