"""The communication plan's texts (Italian first, English), looked up with :func:`text`.

Some are rich text (the outbox's format, :mod:`.markup`): their ``<b>`` marks the title of a
meeting or a firm's profile, and the values put into them are escaped by the caller.
"""

from __future__ import annotations

from typing import Any

from dialogs.i18n import translate

TEXTS: dict[str, dict[str, str]] = {
    "optin_question": {
        "it": "Vuole ricevere qui gli aggiornamenti del piano strategico (newsletter, risultati, inviti agli incontri)? "
              "Al massimo qualche messaggio al mese; può disiscriversi quando vuole con /disiscrivi.",
        "en": "Would you like to receive the strategic plan's news here (newsletter, results, invitations to meetings)? "
              "A few messages a month at most; you can unsubscribe at any time with /disiscrivi.",
    },
    "optin_yes": {"it": "Sì, mi iscrivo", "en": "Yes, subscribe me"},
    "optin_no": {"it": "No, grazie", "en": "No, thanks"},
    "subscribed": {
        "it": "Iscrizione registrata: riceverà gli aggiornamenti del piano. Per annullarla: /disiscrivi.",
        "en": "You are subscribed to the plan's news. To unsubscribe: /disiscrivi.",
    },
    "not_subscribed": {
        "it": "Va bene, nessun aggiornamento. Se cambia idea: /iscriviti.",
        "en": "All right, no news. If you change your mind: /iscriviti.",
    },
    "unsubscribed": {
        "it": "Fatto: non riceverà più aggiornamenti né promemoria. Per iscriversi di nuovo: /iscriviti.",
        "en": "Done: you will receive no more news or reminders. To subscribe again: /iscriviti.",
    },
    "was_not_subscribed": {
        "it": "Non risulta iscritto agli aggiornamenti. Per iscriversi: /iscriviti.",
        "en": "You are not subscribed to the news. To subscribe: /iscriviti.",
    },
    "privacy_newsletter_on": {
        "it": "Aggiornamenti del piano: iscritto (/disiscrivi per annullare).",
        "en": "Plan news: subscribed (/disiscrivi to unsubscribe).",
    },
    "privacy_newsletter_off": {"it": "Aggiornamenti del piano: non iscritto.", "en": "Plan news: not subscribed."},
    "privacy_unreachable": {
        "it": "Risulta che ha bloccato il bot: non le inviamo nulla.",
        "en": "You appear to have blocked the bot: we send you nothing.",
    },
    "privacy_rsvp": {"it": "Incontro «{title}»: {status}", "en": "Meeting “{title}”: {status}"},
    "rsvp_confirmed": {"it": "posto confermato", "en": "place confirmed"},
    "rsvp_waiting": {"it": "in lista d'attesa", "en": "on the waiting list"},
    "rsvp_maybe": {"it": "forse", "en": "maybe"},
    "rsvp_declined": {"it": "non partecipa", "en": "not attending"},
    "reminder": {
        "it": "Buongiorno! Il questionario «{title}» è rimasto a metà: le risposte date finora sono salvate. "
              "Quando ha qualche minuto, può riprendere da dove si era fermato.",
        "en": "Hello! The questionnaire “{title}” was left half-way: your answers so far are saved. "
              "When you have a few minutes, you can pick up where you left off.",
    },
    "resume": {"it": "▶ Riprendi", "en": "▶ Resume"},
    "answer_questionnaire": {"it": "📝 Rispondi: {title}", "en": "📝 Answer: {title}"},
    "results": {"it": "📊 I risultati", "en": "📊 The results"},
    "event_invite": {
        "it": "📅 <b>{title}</b>\n{when}\n📍 {place}{description}\n\nParteciperà?",
        "en": "📅 <b>{title}</b>\n{when}\n📍 {place}{description}\n\nWill you attend?",
    },
    "rsvp_yes": {"it": "Sì", "en": "Yes"},
    "rsvp_no": {"it": "No", "en": "No"},
    "rsvp_maybe_button": {"it": "Forse", "en": "Maybe"},
    "rsvp_done_confirmed": {
        "it": "Perfetto, il suo posto a «{title}» è confermato. Le ricorderemo l'incontro il giorno prima.",
        "en": "Great, your place at “{title}” is confirmed. We will remind you the day before.",
    },
    "rsvp_done_waiting": {
        "it": "L'incontro «{title}» è al completo: è in lista d'attesa (posizione {position}). "
              "Le scriveremo se si libera un posto.",
        "en": "“{title}” is full: you are on the waiting list (position {position}). "
              "We will write to you if a place frees up.",
    },
    "rsvp_done_maybe": {
        "it": "Segnato come «forse». Può confermare in ogni momento con il pulsante Sì.",
        "en": "Marked as “maybe”. You can confirm at any time with the Yes button.",
    },
    "rsvp_done_declined": {"it": "Grazie di averci avvisato.", "en": "Thank you for letting us know."},
    "rsvp_closed": {"it": "Le iscrizioni a questo incontro sono chiuse.", "en": "Registration for this meeting is closed."},
    "rsvp_promoted": {
        "it": "Buone notizie: si è liberato un posto a «{title}» ({when}, {place}) e ora è confermato per lei. "
              "Se non può più venire, prema No sull'invito.",
        "en": "Good news: a place freed up at “{title}” ({when}, {place}) and it is now confirmed for you. "
              "If you can no longer come, press No on the invitation.",
    },
    "event_reminder": {
        "it": "⏰ Promemoria: domani <b>{title}</b>, {when}, {place}. A presto!",
        "en": "⏰ Reminder: tomorrow <b>{title}</b>, {when}, {place}. See you soon!",
    },
    "feedback_header": {
        "it": "📊 Sono disponibili nuovi risultati del piano strategico. Ecco una sintesi per lei.",
        "en": "📊 New results of the strategic plan are available. Here is a summary for you.",
    },
    "feedback_profile": {
        "it": "Il profilo di innovazione della sua impresa: <b>{label}</b>.",
        "en": "Your firm's innovation profile: <b>{label}</b>.",
    },
    "feedback_distribution": {
        "it": "Come si distribuiscono oggi le {n} imprese che hanno risposto:",
        "en": "How the {n} firms that answered are distributed today:",
    },
    "feedback_too_few": {
        "it": "Le risposte sono ancora troppo poche per mostrare la distribuzione delle imprese.",
        "en": "There are still too few answers to show how firms are distributed.",
    },
    "feedback_small": {"it": "meno di {k}", "en": "fewer than {k}"},
    "feedback_themes": {
        "it": "Dei temi dei vostri obiettivi, sono tra le priorità condivise della città:",
        "en": "Of your objectives' themes, these are among the city's shared priorities:",
    },
    "feedback_no_themes": {
        "it": "I temi dei vostri obiettivi non sono (ancora) tra le priorità più condivise: il confronto continua agli incontri.",
        "en": "Your objectives' themes are not (yet) among the most shared priorities: the discussion goes on at the meetings.",
    },
    "feedback_priorities": {
        "it": "Le priorità più condivise finora: {themes}.",
        "en": "The most shared priorities so far: {themes}.",
    },
}


def text(key: str, lang: str, /, **params: Any) -> str:
    """The text ``key`` in ``lang`` (Italian when missing), with ``params`` filled in."""
    return translate(TEXTS, key, lang, **params)
