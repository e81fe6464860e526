"""The WhatsApp transport's text catalogue, Italian first; looked up with :func:`translate`."""

from __future__ import annotations

from dialogs.i18n import Catalogue

TEXTS: dict[str, dict[str, str]] = {
    "back": {"it": "⬅ Indietro", "en": "⬅ Back"},
    "skip": {"it": "Salta ➡", "en": "Skip ➡"},
    "choose": {"it": "Scegli", "en": "Choose"},
    "more": {"it": "Altre opzioni ▶", "en": "More options ▶"},
    "earlier": {"it": "◀ Opzioni precedenti", "en": "◀ Earlier options"},
    "page": {"it": "Pagina {k} di {n}", "en": "Page {k} of {n}"},
    "search_hint": {
        "it": "Oppure scrivi una parte del nome per cercarlo.",
        "en": "Or type part of the name to search for it.",
    },
    "multi_hint": {
        "it": "Scrivi uno o più numeri separati da virgole, per esempio 1,3.",
        "en": "Type one or more numbers separated by commas, e.g. 1,3.",
    },
    "rank_hint": {
        "it": "Scrivi i numeri in ordine di importanza, separati da virgole, per esempio 3,1,5.",
        "en": "Type the numbers in order of importance, separated by commas, e.g. 3,1,5.",
    },
    "typed_navigation": {
        "it": "Scrivi «indietro» per tornare alla domanda precedente.",
        "en": "Type “back” to go to the previous question.",
    },
    "typed_skip": {"it": "Scrivi «salta» per saltarla.", "en": "Type “skip” to skip it."},
    "no_match": {
        "it": "Non ho trovato nessuna opzione con «{text}»: riprova con un'altra parola o scegli dalla lista.",
        "en": "No option matches “{text}”: try another word or choose from the list.",
    },
    "matches": {"it": "Ho trovato queste opzioni per «{text}»:", "en": "These options match “{text}”:"},
    "text_only": {
        "it": "Posso leggere solo messaggi di testo e i pulsanti: ripeto la domanda.",
        "en": "I can only read text messages and buttons: here is the question again.",
    },
    "status": {"it": "Sei alla domanda {k} di {n} di «{title}».", "en": "You are at question {k} of {n} of “{title}”."},
    "reminder": {
        "it": "Hai lasciato a metà «{title}»: le tue risposte sono salvate. Scrivi «riprendi» per continuare da dove eri.",
        "en": "You left “{title}” half way: your answers are saved. Type “resume” to go on where you were.",
    },
    "erase_confirm": {
        "it": "Vuoi davvero cancellare tutti i tuoi dati (risposte, consensi, preferenze)? L'operazione non si può annullare.",
        "en": "Do you really want to erase all your data (answers, consents, preferences)? This cannot be undone.",
    },
    "erase_yes": {"it": "Sì, cancella tutto", "en": "Yes, erase all"},
    "erase_no": {"it": "No, tienili", "en": "No, keep them"},
    "erase_kept": {"it": "Va bene, non ho cancellato nulla.", "en": "All right, nothing was erased."},
    "pause_hint": {"it": "Scriva «basta» per fermarsi qui.", "en": "Type “stop” to stop here."},
}
# the one lookup of this catalogue (dialogs.i18n.Catalogue): translate(key, lang, **params)
translate = Catalogue(TEXTS, layer="whatsapp").translate
