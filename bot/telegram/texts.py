"""Texts of the Telegram transport, Italian first."""

from __future__ import annotations

from typing import Any

from dialogs.i18n import translate

TEXTS: dict[str, dict[str, str]] = {
    "done": {"it": "Fatto ✔", "en": "Done ✔"},
    "back": {"it": "⬅ Indietro", "en": "⬅ Back"},
    "skip": {"it": "Salta ➡", "en": "Skip ➡"},
    "private_only": {
        "it": "Funziono solo in chat privata: scrivimi direttamente, così le tue risposte restano riservate.",
        "en": "I only work in private chats: write to me directly, so your answers stay private.",
    },
    "text_only": {
        "it": "Posso leggere solo messaggi di testo e i pulsanti: ripeto la domanda.",
        "en": "I can only read text messages and buttons: here is the question again.",
    },
    "edited": {
        "it": "Ho visto la modifica, ma la risposta registrata resta quella originale. Per cambiarla usa /indietro.",
        "en": "I saw the edit, but the recorded answer stays the original one. To change it use /indietro.",
    },
    "unknown_command": {
        "it": "Non conosco questo comando. Ecco quelli disponibili:",
        "en": "I don't know that command. These are the available ones:",
    },
    "apology": {
        "it": "Mi dispiace, qualcosa è andato storto dalla mia parte. Le risposte già date sono al sicuro: riprova tra poco o scrivi /stato.",
        "en": "Sorry, something went wrong on my side. Your answers so far are safe: try again shortly or send /stato.",
    },
    "not_analyst": {
        "it": "Le esportazioni sono riservate agli analisti del piano. Se pensi di doverle ricevere, contatta il gruppo di lavoro.",
        "en": "Exports are reserved to the plan's analysts. If you think you should receive them, contact the working group.",
    },
    "choose_export": {"it": "Quale questionario vuoi esportare?", "en": "Which questionnaire do you want to export?"},
    "export_caption": {
        "it": "Esportazione «{title}»: {n} compilazioni, identificativi pseudonimi.",
        "en": "Export “{title}”: {n} runs, pseudonymous ids.",
    },
    "erase_confirm": {
        "it": "Vuoi davvero cancellare tutti i tuoi dati (risposte, consensi, preferenze)? L'operazione non si può annullare.",
        "en": "Do you really want to erase all your data (answers, consents, preferences)? This cannot be undone.",
    },
    "erase_yes": {"it": "Sì, cancella tutto", "en": "Yes, erase everything"},
    "erase_no": {"it": "No, tieni i dati", "en": "No, keep my data"},
    "erase_kept": {"it": "Va bene, non ho cancellato nulla.", "en": "All right, nothing was erased."},
    "my_data_caption": {
        "it": "I tuoi dati in un file JSON: consensi, questionari e risposte, con il tuo codice {pseudonym}.",
        "en": "Your data in a JSON file: consents, questionnaires and answers, under your code {pseudonym}.",
    },
    "my_data_none": {"it": "Non conservo nessun dato su di te.", "en": "I hold no data about you."},
    "choose_language": {"it": "Scegli la lingua:", "en": "Choose your language:"},
    "help": {
        "it": (
            "Rispondo ai questionari del piano strategico della città.\n"
            "/start – scegli un questionario\n/indietro – torna alla domanda precedente\n"
            "/salta – salta una domanda facoltativa\n/stato – a che punto sei\n"
            "/annulla – sospendi (le risposte restano)\n/riprendi – riprendi\n"
            "/lingua – italiano / English\n/privacy – i dati che conserviamo su di te\n"
            "/imieidati – scarica i tuoi dati (file JSON)\n"
            "/cancella – cancella tutti i tuoi dati\n/aiuto – questo messaggio"
        ),
        "en": (
            "I run the questionnaires of the city's strategic plan.\n"
            "/start – choose a questionnaire\n/indietro – back to the previous question\n"
            "/salta – skip an optional question\n/stato – where you are\n"
            "/annulla – pause (your answers are kept)\n/riprendi – resume\n"
            "/lingua – italiano / English\n/privacy – the data we hold about you\n"
            "/imieidati – download your data (a JSON file)\n"
            "/cancella – erase all your data\n/aiuto – this message"
        ),
    },
    "closed": {"it": "Questa domanda è chiusa.", "en": "This question is closed."},
}

COMMANDS: dict[str, list[tuple[str, str]]] = {
    "it": [
        ("start", "Scegli un questionario"),
        ("indietro", "Torna alla domanda precedente"),
        ("salta", "Salta una domanda facoltativa"),
        ("stato", "A che punto sono"),
        ("annulla", "Sospendi il questionario"),
        ("riprendi", "Riprendi il questionario"),
        ("lingua", "Italiano / English"),
        ("privacy", "I dati che conservate su di me"),
        ("imieidati", "Scarica i miei dati"),
        ("cancella", "Cancella tutti i miei dati"),
        ("aiuto", "Aiuto"),
    ],
    "en": [
        ("start", "Choose a questionnaire"),
        ("indietro", "Back to the previous question"),
        ("salta", "Skip an optional question"),
        ("stato", "Where am I"),
        ("annulla", "Pause the questionnaire"),
        ("riprendi", "Resume the questionnaire"),
        ("lingua", "Italiano / English"),
        ("privacy", "The data you hold about me"),
        ("imieidati", "Download my data"),
        ("cancella", "Erase all my data"),
        ("aiuto", "Help"),
    ],
}


def tt(key: str, lang: str, /, **params: Any) -> str:
    return translate(TEXTS, key, lang, **params)
