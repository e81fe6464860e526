"""The service's one text catalogue, Italian first: consent, commands, errors, invitations, listening,
deliberation and the communication plan; looked up with :func:`translate`.

An entry's ``it`` text is written in one register; where a questionnaire speaks the other (its
``register:``), an ``it@lei`` or ``it@tu`` text says the same in it (dialogs.i18n.speaking).
"""

from __future__ import annotations

from dialogs.i18n import Catalogue

TEXTS: dict[str, dict[str, str]] = {
    # the consent question's short notice, drawn from the plan's privacy.yaml (bot.service.notice.short_text):
    # the first line and the question (the last) are the same in every plan
    "consent_intro": {"it": "Prima di iniziare, due parole sulla privacy.", "en": "Before we start, a word on privacy."},
    "consent_controller": {
        "it": "Titolare del trattamento: {controller} ({email}). Responsabile della protezione dei dati: {dpo}.",
        "en": "Controller: {controller} ({email}). Data Protection Officer: {dpo}.",
    },
    "consent_purposes": {
        "it": "Le risposte sono usate solo in forma pseudonima e aggregata, per: {purposes}.",
        "en": "Answers are used only in pseudonymous, aggregate form, for: {purposes}.",
    },
    "consent_rights": {
        "it": "I tuoi diritti, in ogni momento: {rights}; e il reclamo al {authority}.",
        "it@lei": "I suoi diritti, in ogni momento: {rights}; e il reclamo al {authority}.",
        "en": "Your rights, at any time: {rights}; and a complaint to the {authority}.",
    },
    "consent_link": {"it": "L'informativa completa: {url}", "en": "The full privacy notice: {url}"},
    "consent_question": {"it": "Accetti di partecipare?", "it@lei": "Accetta di partecipare?", "en": "Do you agree to take part?"},
    "consent_again": {
        "it": "Abbiamo aggiornato l'informativa sulla privacy ({version}) e «{purposes}» è cambiata: "
              "ti chiediamo di nuovo il consenso.",
        "it@lei": "Abbiamo aggiornato l'informativa sulla privacy ({version}) e «{purposes}» è cambiata: "
                  "le chiediamo di nuovo il consenso.",
        "en": "We have updated the privacy notice ({version}) and “{purposes}” has changed: "
              "we ask for your consent again.",
    },
    # the full notice (bot.service.notice.full_sections): headings and the frames of its lines
    "notice_controller": {"it": "Titolare del trattamento", "en": "Controller"},
    "notice_dpo": {"it": "Responsabile della protezione dei dati (RPD/DPO)", "en": "Data Protection Officer (DPO)"},
    "notice_data": {"it": "Quali dati trattiamo", "en": "Which data we process"},
    "notice_purposes": {"it": "Perché li trattiamo e su quale base giuridica", "en": "Why we process them, and on which legal basis"},
    "notice_retention": {"it": "Per quanto tempo li conserviamo", "en": "How long we keep them"},
    "notice_recipients": {"it": "Chi può vederli", "en": "Who can see them"},
    "notice_transfers": {"it": "Trasferimenti fuori dall'Unione europea", "en": "Transfers outside the European Union"},
    "notice_provision": {"it": "Partecipazione facoltativa", "en": "Taking part is optional"},
    "notice_rights": {"it": "I tuoi diritti e come esercitarli", "en": "Your rights and how to exercise them"},
    "notice_rights_intro": {
        "it": "Hai diritto, agli artt. 15–22 del GDPR, a:",
        "en": "Under Articles 15–22 GDPR you have the right to:",
    },
    "notice_basis": {
        "it": "Base giuridica: {text} (art. 6, par. 1, lett. {letter}, GDPR).",
        "en": "Legal basis: {text} (Article 6(1)({letter}) GDPR).",
    },
    "notice_email": {"it": "E-mail: {email}", "en": "E-mail: {email}"},
    "notice_pec": {"it": "PEC: {pec}", "en": "Certified e-mail (PEC): {pec}"},
    "notice_phone": {"it": "Telefono: {phone}", "en": "Phone: {phone}"},
    "notice_of_date": {"it": "informativa del {date}", "en": "notice of {date}"},
    "notice_of_month": {"it": "informativa di {month} {year}", "en": "notice of {month} {year}"},
    "notice_version": {"it": "informativa versione «{version}»", "en": "notice version “{version}”"},
    "first_of_month": {"it": "1º", "en": "1"},
    "long_date": {"it": "{day} {month} {year}", "en": "{day} {month} {year}"},
    "months": {
        "it": "gennaio,febbraio,marzo,aprile,maggio,giugno,luglio,agosto,settembre,ottobre,novembre,dicembre",
        "en": "January,February,March,April,May,June,July,August,September,October,November,December",
    },
    "consent_accept": {"it": "Accetto", "en": "I agree"},
    "consent_decline": {"it": "Non accetto", "en": "I do not agree"},
    "consent_declined": {
        "it": "Va bene: non conserviamo nulla oltre alla tua scelta. Se cambi idea, ricomincia quando vuoi.",
        "it@lei": "Va bene: non conserviamo nulla oltre alla sua scelta. Se cambia idea, ricominci quando vuole.",
        "en": "All right: we keep nothing but your choice. If you change your mind, start again whenever you like.",
    },
    "consent_revoked": {
        "it": "Consenso revocato: non ti faremo altre domande.",
        "it@lei": "Consenso revocato: non le faremo altre domande.",
        "en": "Consent withdrawn: we will not ask you anything else.",
    },
    "no_run": {
        "it": "Non hai un questionario in corso. Scegline uno per iniziare.",
        "it@lei": "Non ha un questionario in corso. Ne scelga uno per iniziare.",
        "en": "You have no questionnaire in progress. Choose one to start.",
    },
    # the first words to someone who writes before anything else ("ciao"): a greeting, then the menu
    "greeting": {
        "it": "Ciao! Qui puoi rispondere ai questionari del piano strategico della città: "
              "bastano pochi minuti e le risposte restano riservate. Scegline uno per iniziare.",
        "en": "Hello! Here you can answer the questionnaires of the city's strategic plan: "
              "it takes a few minutes and your answers stay confidential. Choose one to start.",
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
    # a language's name, by its code (an unknown code is shown as it is)
    "language_names": {
        "it": "it=italiano,en=inglese,de=tedesco,fr=francese,es=spagnolo,sl=sloveno",
        "en": "it=Italian,en=English,de=German,fr=French,es=Spanish,sl=Slovenian",
    },
    "privacy_consent": {
        "it": "Consenso «{purpose}»: {decision} il {date} ({version})",
        "en": "Consent “{purpose}”: {decision} on {date} ({version})",
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
    "status_stopped": {"it": "interrotto, risposte cancellate", "en": "stopped, answers erased"},
    # after the age gate stopped a run (bot.service.conversation): whom a parent can write to
    "minor_contact": {
        "it": "Un genitore o chi esercita la responsabilità genitoriale può anche scrivere al titolare del "
              "trattamento, {controller}: {email}.",
        "en": "A parent or guardian can also write to the data controller, {controller}: {email}.",
    },
    "privacy_footer": {
        "it": "Per cancellare tutto usa /cancella.",
        "en": "To erase everything use /cancella.",
    },
    # invitations (bot.service.invitations)
    "invitation_unknown": {
        "it": "Questo invito non risulta valido: controlli di aver copiato il link per intero, "
              "oppure chieda un nuovo link a chi l'ha invitata. Grazie!",
        "en": "This invitation is not valid: please check that you copied the whole link, "
              "or ask whoever invited you for a new one. Thank you!",
    },
    "invitation_revoked": {
        "it": "Questo invito è stato ritirato. Se pensa che sia un errore, chieda un nuovo link "
              "a chi l'ha invitata. Grazie!",
        "en": "This invitation has been withdrawn. If you think this is a mistake, ask whoever "
              "invited you for a new link. Thank you!",
    },
    "invitation_used": {
        "it": "Questo invito è già stato usato da un'altra persona: ogni link vale per una sola "
              "persona. Se le serve un invito, lo chieda a chi l'ha invitata. Grazie!",
        "en": "This invitation has already been used by someone else: each link is for one person "
              "only. If you need an invitation, ask whoever invited you. Thank you!",
    },
    "other_actor": {
        "it": "Da questo account risponde già per «{organisation}»: un account può rispondere per "
              "una sola organizzazione. Per un'altra organizzazione usi un altro account.",
        "en": "This account already answers for “{organisation}”: an account can answer for one "
              "organisation only. For another organisation please use another account.",
    },
    "welcome": {
        "it": "Benvenuto! Questa è l'intervista di ascolto per «{organisation}».",
        "en": "Welcome! This is the listening interview for “{organisation}”.",
    },
    "already_done": {
        "it": "L'intervista per «{organisation}» è già stata completata: grazie ancora per il suo contributo!",
        "en": "The interview for “{organisation}” has already been completed: thank you again for your contribution!",
    },
    "not_active": {
        "it": "L'intervista di ascolto non è ancora attiva: riprovi più tardi con lo stesso link.",
        "en": "The listening interview is not active yet: please try again later with the same link.",
    },
    # listening: cards and ratings (bot.service.listening)
    "card_saved": {
        "it": "La scheda «{title}» è registrata (n. {card}).",
        "en": "The card “{title}” is recorded (no. {card}).",
    },
    "rating_saved": {
        "it": "Media ponderata della sua valutazione: {overall}. Schede ancora da valutare: {left}{more}",
        "en": "Weighted mean of your assessment: {overall}. Cards still to assess: {left}{more}",
    },
    "more": {"it": " — /valuta per continuare.", "en": " — /valuta to continue."},
    "card_header": {"it": "📋 Scheda n. {card}: {title}", "en": "📋 Card no. {card}: {title}"},
    "period": {"it": "Periodo", "en": "Period"},
    # deliberation: the consultation's votes (bot.service.deliberation)
    "invite": {
        "it": "🗳 Si è aperta la consultazione «{name}»{until}. Le proporremo, una alla volta, brevi affermazioni nate "
              "da ciò che cittadini e organizzazioni hanno detto: per ciascuna può rispondere D'accordo, Non d'accordo "
              "o Passo. Scriva /vota per cominciare.",
        "en": "🗳 The consultation “{name}” is open{until}. We will show you short statements drawn from what citizens "
              "and organisations said, one at a time: for each you can answer Agree, Disagree or Pass. "
              "Send /vota to begin.",
    },
    "until": {"it": " fino al {date}", "en": " until {date}"},
    "statement": {"it": "🗳 Affermazione ({left} da votare)\n\n«{text}»", "en": "🗳 Statement ({left} to go)\n\n“{text}”"},
    "your_vote": {"it": "Il suo voto: {choice}", "en": "Your vote: {choice}"},
    "agree": {"it": "👍 D'accordo", "en": "👍 Agree"},
    "disagree": {"it": "👎 Non d'accordo", "en": "👎 Disagree"},
    "pass": {"it": "🤷 Passo", "en": "🤷 Pass"},
    "pause": {"it": "⏸ Basta per ora", "en": "⏸ Enough for now"},
    "done": {
        "it": "Ha votato tutte le affermazioni per ora: grazie! Se ne arriveranno di nuove, scriva /vota.",
        "en": "You have voted on every statement for now: thank you! If new ones arrive, send /vota.",
    },
    "paused": {
        "it": "Va bene, ci fermiamo qui. I suoi voti sono salvati: scriva /vota quando vuole riprendere.",
        "en": "All right, let's stop here. Your votes are saved: send /vota whenever you want to go on.",
    },
    "no_round": {
        "it": "Non c'è una consultazione aperta a cui partecipare in questo momento. Grazie dell'interesse!",
        "en": "There is no open consultation for you to take part in right now. Thank you for your interest!",
    },
    "closed": {"it": "Questa consultazione è chiusa: grazie di aver partecipato!",
               "en": "This consultation is closed: thank you for taking part!"},
    "withdrawn": {"it": "Questa affermazione non è più in votazione.", "en": "This statement is no longer being voted on."},
    "not_participant": {"it": "Questa votazione non è per lei.", "en": "This vote is not for you."},
    "changed": {"it": "Voto cambiato: {choice}", "en": "Vote changed: {choice}"},
    "same": {"it": "Voto già registrato.", "en": "Vote already recorded."},
    "recorded": {"it": "Voto registrato.", "en": "Vote recorded."},
    "propose_usage": {
        "it": "Per proporre un'affermazione scriva /proponi seguito dal testo (una frase, al massimo 140 caratteri).",
        "en": "To propose a statement send /proponi followed by the text (one sentence, at most 140 characters).",
    },
    "too_long": {"it": "Troppo lunga: al massimo 140 caratteri (questa ne ha {n}).",
                 "en": "Too long: at most 140 characters (this one has {n})."},
    "proposed": {
        "it": "Grazie! La sua proposta sarà letta da un moderatore prima di essere messa ai voti, senza il suo nome.",
        "en": "Thank you! A moderator will read your proposal before it is put to the vote, without your name.",
    },
    "summary": {
        "it": "🗳 La consultazione «{name}» si è chiusa: grazie dei suoi {votes} voti! Le affermazioni più condivise "
              "tra le diverse categorie (istituzioni, associazioni, imprese, cittadini …) sono state:",
        "en": "🗳 The consultation “{name}” has closed: thank you for your {votes} votes! The statements most shared "
              "across the different categories (institutions, associations, firms, citizens …) were:",
    },
    "summary_none": {
        "it": "🗳 La consultazione «{name}» si è chiusa: grazie dei suoi {votes} voti! I voti sono ancora troppo pochi "
              "per indicare affermazioni condivise; i risultati arriveranno con la prossima tornata.",
        "en": "🗳 The consultation “{name}” has closed: thank you for your {votes} votes! There are still too few votes "
              "to name shared statements; results will come with the next round.",
    },
    # the communication plan (bot.service.communication); some are rich text (the outbox's format, communication.markup):
    # their <b> marks the title of a meeting or a firm's profile, and the values put into them are escaped by the caller
    "optin_question": {
        "it": "Vuole ricevere qui gli aggiornamenti del piano strategico (newsletter, risultati, inviti agli incontri)? "
              "Al massimo qualche messaggio al mese; può disiscriversi quando vuole con /disiscrivi.",
        "it@tu": "Vuoi ricevere qui gli aggiornamenti del piano strategico (newsletter, risultati, inviti agli incontri)? "
                 "Al massimo qualche messaggio al mese; puoi disiscriverti quando vuoi con /disiscrivi.",
        "en": "Would you like to receive the strategic plan's news here (newsletter, results, invitations to meetings)? "
              "A few messages a month at most; you can unsubscribe at any time with /disiscrivi.",
    },
    "optin_yes": {"it": "Sì, mi iscrivo", "en": "Yes, subscribe me"},
    "optin_no": {"it": "No, grazie", "en": "No, thanks"},
    "subscribed": {
        "it": "Iscrizione registrata: riceverà gli aggiornamenti del piano. Per annullarla: /disiscrivi.",
        "it@tu": "Iscrizione registrata: riceverai gli aggiornamenti del piano. Per annullarla: /disiscrivi.",
        "en": "You are subscribed to the plan's news. To unsubscribe: /disiscrivi.",
    },
    "not_subscribed": {
        "it": "Va bene, nessun aggiornamento. Se cambia idea: /iscriviti.",
        "it@tu": "Va bene, nessun aggiornamento. Se cambi idea: /iscriviti.",
        "en": "All right, no news. If you change your mind: /iscriviti.",
    },
    "unsubscribed": {
        "it": "Fatto: non riceverà più aggiornamenti né promemoria. Per iscriversi di nuovo: /iscriviti.",
        "it@tu": "Fatto: non riceverai più aggiornamenti né promemoria. Per iscriverti di nuovo: /iscriviti.",
        "en": "Done: you will receive no more news or reminders. To subscribe again: /iscriviti.",
    },
    "was_not_subscribed": {
        "it": "Non risulta iscritto agli aggiornamenti. Per iscriversi: /iscriviti.",
        "it@tu": "Non risulti iscritto agli aggiornamenti. Per iscriverti: /iscriviti.",
        "en": "You are not subscribed to the news. To subscribe: /iscriviti.",
    },
    "privacy_newsletter_on": {
        "it": "Aggiornamenti del piano: iscritto (/disiscrivi per annullare).",
        "en": "Plan news: subscribed (/disiscrivi to unsubscribe).",
    },
    "privacy_newsletter_off": {"it": "Aggiornamenti del piano: non iscritto.", "en": "Plan news: not subscribed."},
    "privacy_newsletter_paused": {
        "it": "Aggiornamenti del piano: sospesi, perché l'informativa sulla newsletter è cambiata; "
              "per riceverli di nuovo: /iscriviti.",
        "en": "Plan news: paused, because the privacy notice on the newsletter has changed; "
              "to receive them again: /iscriviti.",
    },
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
        "it@tu": "Ciao! Il questionario «{title}» è rimasto a metà: le risposte date finora sono salvate. "
                 "Quando hai qualche minuto, puoi riprendere da dove ti eri fermato.",
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
    "feedback_hidden": {"it": "non mostrato (farebbe risalire a un gruppo piccolo)",
                        "en": "not shown (it would give a small group away)"},
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


# Each language named in itself, for the language buttons (web header, Telegram /lingua) of a
# plan's languages (plan.yaml `languages`).
LANGUAGE_NAMES: dict[str, str] = {
    "it": "Italiano", "en": "English", "de": "Deutsch", "fr": "Français", "es": "Español", "sl": "Slovenščina",
    "pt": "Português", "ro": "Română", "ar": "العربية", "uk": "Українська", "sq": "Shqip",
}

# the one lookup of this catalogue (dialogs.i18n.Catalogue): translate(key, lang, **params)
translate = Catalogue(TEXTS, layer="service").translate
