"""The WhatsApp transport's text catalogue, Italian first, English and German (plans/bolzano speaks de); looked up with :func:`translate`."""

from __future__ import annotations

from dialogs.i18n import Catalogue

TEXTS: dict[str, dict[str, str]] = {
    "back": {"it": "⬅ Indietro", "en": "⬅ Back", "de": "⬅ Zurück"},
    "skip": {"it": "Salta ➡", "en": "Skip ➡", "de": "Überspringen ➡"},
    "choose": {"it": "Scegli", "en": "Choose", "de": "Auswählen"},
    "more": {"it": "Altre opzioni ▶", "en": "More options ▶", "de": "Weitere ▶"},
    "earlier": {"it": "◀ Opzioni precedenti", "en": "◀ Earlier options", "de": "◀ Vorherige"},
    "page": {"it": "Pagina {k} di {n}", "en": "Page {k} of {n}", "de": "Seite {k} von {n}"},
    "search_hint": {
        "it": "Oppure scrivi una parte del nome per cercarlo.",
        "en": "Or type part of the name to search for it.",
        "de": "Oder schreib einen Teil des Namens, um ihn zu suchen.",
    },
    "multi_hint": {
        "it": "Scrivi uno o più numeri separati da virgole, per esempio 1,3.",
        "en": "Type one or more numbers separated by commas, e.g. 1,3.",
        "de": "Schreib eine oder mehrere Nummern mit Kommas, zum Beispiel 1,3.",
    },
    "rank_hint": {
        "it": "Scrivi i numeri in ordine di importanza, separati da virgole, per esempio 3,1,5.",
        "en": "Type the numbers in order of importance, separated by commas, e.g. 3,1,5.",
        "de": "Schreib die Nummern nach Wichtigkeit geordnet, mit Kommas, zum Beispiel 3,1,5.",
    },
    "typed_navigation": {
        "it": "Scrivi «indietro» per tornare alla domanda precedente.",
        "en": "Type “back” to go to the previous question.",
        "de": "Schreib „zurück“, um zur vorherigen Frage zu gehen.",
    },
    "typed_skip": {"it": "Scrivi «salta» per saltarla.", "en": "Type “skip” to skip it.", "de": "Schreib „überspringen“, um sie zu überspringen."},
    "no_match": {
        "it": "Non ho trovato nessuna opzione con «{text}»: riprova con un'altra parola o scegli dalla lista.",
        "en": "No option matches “{text}”: try another word or choose from the list.",
        "de": "Ich habe keine Möglichkeit mit „{text}“ gefunden: Versuch es mit einem anderen Wort oder wähle aus der Liste.",
    },
    "matches": {"it": "Ho trovato queste opzioni per «{text}»:", "en": "These options match “{text}”:", "de": "Diese Möglichkeiten passen zu „{text}“:"},
    "text_only": {
        "it": "Posso leggere solo messaggi di testo e i pulsanti: ripeto la domanda.",
        "en": "I can only read text messages and buttons: here is the question again.",
        "de": "Ich kann nur Textnachrichten und Schaltflächen lesen: Ich wiederhole die Frage.",
    },
    "status": {"it": "Sei alla domanda {k} di {n} di «{title}».", "en": "You are at question {k} of {n} of “{title}”.", "de": "Du bist bei Frage {k} von {n} von „{title}“."},
    "reminder": {
        "it": "Hai lasciato a metà «{title}»: le tue risposte sono salvate. Scrivi «riprendi» per continuare da dove eri.",
        "en": "You left “{title}” half way: your answers are saved. Type “resume” to go on where you were.",
        "de": "Du hast „{title}“ nicht fertig ausgefüllt: Deine Antworten sind gespeichert. Schreib „weiter“, um dort weiterzumachen, wo du warst.",
    },
    "erase_confirm": {
        "it": "Vuoi davvero cancellare tutti i tuoi dati (risposte, consensi, preferenze)? L'operazione non si può annullare.",
        "en": "Do you really want to erase all your data (answers, consents, preferences)? This cannot be undone.",
        "de": "Willst du wirklich alle deine Daten löschen (Antworten, Einwilligungen, Einstellungen)? Das kann nicht rückgängig gemacht werden.",
    },
    "erase_yes": {"it": "Sì, cancella tutto", "en": "Yes, erase all", "de": "Ja, alles löschen"},
    "erase_no": {"it": "No, tienili", "en": "No, keep them", "de": "Nein, behalten"},
    "erase_kept": {"it": "Va bene, non ho cancellato nulla.", "en": "All right, nothing was erased.", "de": "In Ordnung, ich habe nichts gelöscht."},
    "my_data_caption": {
        "it": "I tuoi dati in un file JSON: consensi, questionari e risposte, con il tuo codice {pseudonym}.",
        "en": "Your data in a JSON file: consents, questionnaires and answers, under your code {pseudonym}.",
        "de": "Deine Daten in einer JSON-Datei: Einwilligungen, Fragebögen und Antworten, unter deinem Code {pseudonym}.",
    },
    "my_data_none": {"it": "Non conservo nessun dato su di te.", "en": "I hold no data about you.",
                     "de": "Ich speichere keine Daten über dich."},
    "type_to_start": {
        "it": "Per rispondere scriva «{word}».", "en": "To answer, type “{word}”.", "de": "Zum Antworten schreib „{word}“.",
    },
    "pause_hint": {"it": "Scriva «basta» per fermarsi qui.", "en": "Type “stop” to stop here.", "de": "Schreib „stop“, um hier aufzuhören."},
}
# the one lookup of this catalogue (dialogs.i18n.Catalogue): translate(key, lang, **params)
translate = Catalogue(TEXTS, layer="whatsapp").translate
