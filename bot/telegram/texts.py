"""The Telegram transport's one text catalogue, Italian first: its buttons and errors, and the handlers' texts
(rating, reports, newsletters); looked up with :func:`translate`.
"""

from __future__ import annotations

from dialogs.i18n import Catalogue

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
        "it@lei": "Posso leggere solo messaggi di testo e i pulsanti: le ripeto la domanda.",
        "en": "I can only read text messages and buttons: here is the question again.",
    },
    "edited": {
        "it": "Ho visto la modifica, ma la risposta registrata resta quella originale. Per cambiarla usa /indietro.",
        "it@lei": "Ho visto la modifica, ma la risposta registrata resta quella originale. Per cambiarla usi /indietro.",
        "en": "I saw the edit, but the recorded answer stays the original one. To change it use /indietro.",
    },
    "unknown_command": {
        "it": "Non conosco questo comando. Ecco quelli disponibili:",
        "en": "I don't know that command. These are the available ones:",
    },
    "apology": {
        "it": "Mi dispiace, qualcosa è andato storto dalla mia parte. Le risposte già date sono al sicuro: riprova tra poco o scrivi /stato.",
        "it@lei": "Mi dispiace, qualcosa è andato storto dalla mia parte. Le risposte già date sono al sicuro: riprovi tra poco o scriva /stato.",
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
    "notice_online": {"it": "La stessa informativa sul web: {url}", "en": "The same notice on the web: {url}"},
    "my_data_none": {"it": "Non conservo nessun dato su di te.", "en": "I hold no data about you."},
    "choose_language": {"it": "Scegli la lingua:", "en": "Choose your language:"},
    "help": {
        "it": (
            "Rispondo ai questionari del piano strategico della città.\n"
            "/start – scegli un questionario\n/indietro – torna alla domanda precedente\n"
            "/salta – salta una domanda facoltativa\n/stato – a che punto sei\n"
            "/annulla – sospendi (le risposte restano)\n/riprendi – riprendi\n"
            "/lingua – italiano / English\n/informativa – l'informativa sulla privacy\n"
            "/privacy – i dati che conserviamo su di te\n"
            "/imieidati – scarica i tuoi dati (file JSON)\n"
            "/cancella – cancella tutti i tuoi dati\n"
            "/iscriviti – ricevi qui le notizie del piano\n/disiscrivi – non riceverle più\n"
            "/vota – vota le affermazioni della consultazione aperta\n/aiuto – questo messaggio"
        ),
        "it@lei": (
            "Rispondo ai questionari del piano strategico della città.\n"
            "/start – scelga un questionario\n/indietro – torna alla domanda precedente\n"
            "/salta – salta una domanda facoltativa\n/stato – a che punto è\n"
            "/annulla – sospende (le risposte restano)\n/riprendi – riprende\n"
            "/lingua – italiano / English\n/informativa – l'informativa sulla privacy\n"
            "/privacy – i dati che conserviamo su di lei\n"
            "/imieidati – scarichi i suoi dati (file JSON)\n"
            "/cancella – cancella tutti i suoi dati\n"
            "/iscriviti – riceva qui le notizie del piano\n/disiscrivi – non riceverle più\n"
            "/vota – voti le affermazioni della consultazione aperta\n/aiuto – questo messaggio"
        ),
        "en": (
            "I run the questionnaires of the city's strategic plan.\n"
            "/start – choose a questionnaire\n/indietro – back to the previous question\n"
            "/salta – skip an optional question\n/stato – where you are\n"
            "/annulla – pause (your answers are kept)\n/riprendi – resume\n"
            "/lingua – italiano / English\n/informativa – the privacy notice\n"
            "/privacy – the data we hold about you\n"
            "/imieidati – download your data (a JSON file)\n"
            "/cancella – erase all your data\n"
            "/iscriviti – get the plan's news here\n/disiscrivi – stop getting them\n"
            "/vota – vote on the statements of the open consultation\n/aiuto – this message"
        ),
    },
    "closed": {"it": "Questa domanda è chiusa.", "en": "This question is closed."},
    # card rating (handlers/rating)
    "not_rater": {
        "it": "La valutazione dei progetti è riservata al gruppo di valutazione del piano. Grazie dell'interesse!",
        "en": "Rating projects is reserved for the plan's assessment group. Thank you for your interest!",
    },
    "nothing": {
        "it": "Non ci sono schede da valutare: le ha già valutate tutte. Grazie!",
        "en": "There are no cards to rate: you have rated them all. Thank you!",
    },
    "choose": {
        "it": "Schede da valutare ({n}). Quale vuole valutare?",
        "en": "Cards to rate ({n}). Which one would you like to rate?",
    },
    "more": {"it": "(le prime {shown})", "en": "(the first {shown})"},
    "gone": {"it": "Questa scheda non esiste più.", "en": "This card no longer exists."},
    "done_already": {"it": "Ha già valutato questa scheda.", "en": "You have already rated this card."},
    "not_active": {
        "it": "La valutazione non è attiva: manca il questionario «valutazione».",
        "en": "Rating is not active: the “valutazione” questionnaire is missing.",
    },
    # the analysts' reports (handlers/reports)
    "reports_not_analyst": {
        "it": "Le tabelle delle convergenze sono riservate agli analisti del piano. Grazie dell'interesse! "
              "Se pensa di doverle ricevere, contatti il gruppo di lavoro.",
        "en": "The convergence tables are reserved to the plan's analysts. Thank you for your interest! "
              "If you think you should receive them, please contact the working group.",
    },
    "building": {
        "it": "Non ci sono ancora tabelle pronte: le preparo adesso, arriveranno tra qualche istante.",
        "en": "No tables are ready yet: I am preparing them now, they will arrive in a moment.",
    },
    "failed": {
        "it": "Mi dispiace, non sono riuscito a preparare le tabelle. Riprovi tra poco.",
        "en": "Sorry, I could not prepare the tables. Please try again shortly.",
    },
    "subscribed": {
        "it": "Iscrizione fatta: riceverà il pacchetto delle tabelle ogni notte alle {at} ({tz}). "
              "Per smettere: /disiscrivi_report",
        "en": "Subscribed: you will receive the tables' package every night at {at} ({tz}). "
              "To stop: /disiscrivi_report",
    },
    "already": {
        "it": "È già iscritto: il pacchetto arriva ogni notte alle {at} ({tz}).",
        "en": "You are already subscribed: the package arrives every night at {at} ({tz}).",
    },
    "unsubscribed": {
        "it": "Fatto: non riceverà più il pacchetto notturno.",
        "en": "Done: you will no longer receive the nightly package.",
    },
    "not_subscribed": {
        "it": "Non risulta iscritto al pacchetto notturno. Per iscriversi: /iscrivi_report",
        "en": "You are not subscribed to the nightly package. To subscribe: /iscrivi_report",
    },
    # newsletters and meetings (handlers/communication)
    "newsletter_not_analyst": {
        "it": "Le newsletter sono riservate agli analisti del piano.",
        "en": "Newsletters are reserved to the plan's analysts.",
    },
    "usage": {
        "it": "Scriva così:\n/newsletter category=firm [at 2026-12-10 09:00]\nTesto in Markdown…\n--- en\nEnglish text…\n"
              "+button questionnaire:imprese\n\nSegmento: all, oppure lang, category, completed, incomplete, profile, "
              "municipality, invitation (es. category=firm,culture;lang=it).",
        "en": "Write:\n/newsletter category=firm [at 2026-12-10 09:00]\nMarkdown text…\n--- en\nEnglish text…\n"
              "+button questionnaire:imprese\n\nSegment: all, or lang, category, completed, incomplete, profile, "
              "municipality, invitation (e.g. category=firm,culture;lang=it).",
    },
    "draft": {
        "it": "Bozza n. {id} per {segment}: raggiunge {n} iscritti ({by_language}){when}. Qui sopra l'anteprima.",
        "en": "Draft no. {id} for {segment}: it reaches {n} subscribers ({by_language}){when}. The preview is above.",
    },
    "send": {"it": "✅ Invia", "en": "✅ Send"},
    "cancel": {"it": "✖ Annulla", "en": "✖ Cancel"},
    "scheduled": {"it": "Newsletter n. {id} programmata{when}. Stato: /invii {id}", "en": "Newsletter no. {id} scheduled{when}. Status: /invii {id}"},
    "cancelled": {"it": "Newsletter n. {id} annullata.", "en": "Newsletter no. {id} cancelled."},
    "not_found": {"it": "Non trovo la newsletter n. {id}.", "en": "I cannot find newsletter no. {id}."},
    "none": {"it": "Nessuna newsletter.", "en": "No newsletters."},
    "error": {"it": "Errore: {error}", "en": "Error: {error}"},
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
        ("informativa", "L'informativa sulla privacy"),
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
        ("informativa", "The privacy notice"),
        ("privacy", "The data you hold about me"),
        ("imieidati", "Download my data"),
        ("cancella", "Erase all my data"),
        ("aiuto", "Help"),
    ],
}


# the one lookup of this catalogue (dialogs.i18n.Catalogue): translate(key, lang, **params)
translate = Catalogue(TEXTS, layer="telegram").translate
