"""User-facing texts of the service (consent, commands, errors), Italian first."""

from __future__ import annotations

from typing import Any

from dialogs.i18n import translate

TEXTS: dict[str, dict[str, str]] = {
    "consent_notice": {
        "it": (
            "Prima di iniziare, due parole sulla privacy.\n"
            "Le risposte servono al piano strategico della città e sono analizzate solo in forma "
            "aggregata e pseudonima: nessun nome né identificativo Telegram finisce nei rapporti. "
            "Puoi vedere in ogni momento i dati che ti riguardano e cancellarli.\n"
            "Accetti di partecipare?"
        ),
        "en": (
            "Before we start, a word on privacy.\n"
            "Your answers feed the city's strategic plan and are analysed only in aggregate, "
            "pseudonymous form: no name or Telegram id ever appears in reports. You can see "
            "the data we hold about you and erase it at any time.\n"
            "Do you agree to take part?"
        ),
    },
    "consent_accept": {"it": "Accetto", "en": "I agree"},
    "consent_decline": {"it": "Non accetto", "en": "I do not agree"},
    "consent_declined": {
        "it": "Va bene: non conserviamo nulla oltre alla tua scelta. Se cambi idea, ricomincia quando vuoi.",
        "en": "All right: we keep nothing but your choice. If you change your mind, start again whenever you like.",
    },
    "consent_revoked": {
        "it": "Consenso revocato: non ti faremo altre domande.",
        "en": "Consent withdrawn: we will not ask you anything else.",
    },
    "no_run": {
        "it": "Non hai un questionario in corso. Scegline uno per iniziare.",
        "en": "You have no questionnaire in progress. Choose one to start.",
    },
    "unknown_questionnaire": {
        "it": "Non conosco il questionario «{id}». Questi sono quelli aperti:",
        "en": "I don't know the questionnaire “{id}”. These are the open ones:",
    },
    "choose_questionnaire": {
        "it": "Quale questionario vuoi compilare?",
        "en": "Which questionnaire would you like to answer?",
    },
    "language_set": {"it": "Lingua impostata: italiano.", "en": "Language set: English."},
    "erased": {
        "it": "Fatto: tutti i tuoi dati sono stati cancellati. Se scrivi di nuovo, ricominci da zero.",
        "en": "Done: all your data has been erased. If you write again, you start from scratch.",
    },
    "nothing_held": {"it": "Non conserviamo alcun dato su di te.", "en": "We hold no data about you."},
    "privacy_header": {
        "it": "Ecco cosa conserviamo su di te (codice pseudonimo {pseudonym}):",
        "en": "This is what we hold about you (pseudonymous code {pseudonym}):",
    },
    "privacy_language": {"it": "Lingua: {lang}", "en": "Language: {lang}"},
    "privacy_consent": {
        "it": "Consenso «{purpose}»: {decision} il {date} (informativa {version})",
        "en": "Consent “{purpose}”: {decision} on {date} (notice {version})",
    },
    "granted": {"it": "dato", "en": "given"},
    "revoked": {"it": "negato/revocato", "en": "refused/withdrawn"},
    "privacy_run": {
        "it": "Questionario «{title}» ({status}), {n} risposte:",
        "en": "Questionnaire “{title}” ({status}), {n} answers:",
    },
    "status_active": {"it": "in corso", "en": "in progress"},
    "status_paused": {"it": "sospeso", "en": "paused"},
    "status_completed": {"it": "completato", "en": "completed"},
    "status_expired": {"it": "scaduto", "en": "expired"},
    "privacy_footer": {
        "it": "Per cancellare tutto usa /cancella.",
        "en": "To erase everything use /cancella.",
    },
}


def t(key: str, lang: str, /, **params: Any) -> str:
    return translate(TEXTS, key, lang, **params)
