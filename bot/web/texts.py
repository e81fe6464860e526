"""Texts of the web pages, Italian first (the engine's and the service's texts come with replies)."""

from __future__ import annotations

from dialogs import i18n

# The questionnaire's pages speak its register (``register: lei`` or ``tu``): an entry's ``it`` text says
# "tu", its ``it@lei`` text says the same in "Lei", read while a questionnaire's page is built
# (dialogs.i18n.speaking, set by bot.web.citizen where the page's questionnaire is known). Sentences that
# address the respondent, possessives and hints have one; the labels of buttons and links that name an
# action («Invia», «Salta la domanda», «Conferma le scelte») are kept in both, as the engine's and the
# chat's buttons are («Invia le risposte», «Salta», «Riprendi»), and as the Lei errors quote them.
TEXTS: dict[str, dict[str, str]] = {
    "site_title": {"it": "Scenari — ascolto della città", "en": "Scenari — listening to the city"},
    "site_name": {"it": "Scenari", "en": "Scenari"},
    "tagline": {
        "it": "Il piano strategico della città ascolta chi ci vive e ci lavora.",
        "en": "The city's strategic plan listens to those who live and work here.",
    },
    "skip_link": {"it": "Vai al contenuto", "en": "Skip to content"},
    "language": {"it": "Lingua", "en": "Language"},
    "open_questionnaires": {"it": "Questionari aperti", "en": "Open questionnaires"},
    "none_open": {"it": "Al momento non ci sono questionari aperti.", "en": "No questionnaire is open at the moment."},
    "answer_it": {"it": "Compila «{title}»", "en": "Answer “{title}”"},
    "privacy_link": {"it": "I tuoi dati", "it@lei": "I suoi dati", "en": "Your data"},
    "notice_link": {"it": "Informativa privacy", "en": "Privacy notice"},
    "notice_read": {"it": "Leggi l'informativa completa", "en": "Read the full privacy notice"},
    "notice_explain": {
        "it": "Chi tratta i tuoi dati, perché, per quanto tempo e come esercitare i tuoi diritti:",
        "en": "Who processes your data, why, for how long, and how to exercise your rights:",
    },
    "notice_your_data": {
        "it": "Vedi, scarica o cancella i dati che conserviamo su di te",
        "en": "See, download or erase the data we hold about you",
    },
    "home_link": {"it": "Tutti i questionari", "en": "All questionnaires"},
    "conversation": {"it": "La conversazione", "en": "The conversation"},
    "you_said": {"it": "Tu:", "it@lei": "Lei:", "en": "You:"},
    "bot_said": {"it": "Scenari:", "en": "Scenari:"},
    "send": {"it": "Invia", "en": "Send"},
    "confirm_choices": {"it": "Conferma le scelte", "en": "Confirm choices"},
    "confirm_order": {"it": "Conferma l'ordine", "en": "Confirm the order"},
    "ranking_hint": {
        "it": "Premi le voci in ordine, dalla più importante; premi di nuovo una voce per toglierla. Poi conferma.",
        "it@lei": "Prema le voci in ordine, dalla più importante; prema di nuovo una voce per toglierla. Poi confermi.",
        "en": "Press the items in order, most important first; press an item again to take it out. Then confirm.",
    },
    "rank_label": {"it": "{n}º", "en": "#{n}"},
    "closed_done_title": {"it": "Intervista completata", "en": "Interview completed"},
    "closed_completed": {
        "it": "Hai già completato questa intervista: grazie per il tuo contributo!",
        "it@lei": "Ha già completato questa intervista: grazie per il suo contributo!",
        "en": "You have already completed this interview: thank you for your contribution!",
    },
    "skip": {"it": "Salta la domanda", "en": "Skip the question"},
    "back": {"it": "Torna alla domanda precedente", "en": "Back to the previous question"},
    "your_answer": {"it": "La tua risposta", "it@lei": "La sua risposta", "en": "Your answer"},
    "numbers_hint": {
        "it": "Scrivi il numero o il testo dell'opzione (più opzioni: numeri separati da virgole, es. 1,3).",
        "it@lei": "Scriva il numero o il testo dell'opzione (più opzioni: numeri separati da virgole, es. 1,3).",
        "en": "Type the option's number or text (several options: numbers separated by commas, e.g. 1,3).",
    },
    "number_hint": {"it": "Un numero, per esempio 12 o 3,5.", "en": "A number, for example 12 or 3.5."},
    "date_hint": {"it": "Una data nel formato gg/mm/aaaa.", "en": "A date as dd/mm/yyyy."},
    "consent_title": {"it": "Prima di iniziare", "en": "Before we start"},
    "start": {"it": "Inizia il questionario", "en": "Start the questionnaire"},
    "start_again": {"it": "Compila di nuovo", "en": "Answer again"},
    "not_started": {
        "it": "Non hai una compilazione in corso di questo questionario.",
        "it@lei": "Non ha una compilazione in corso di questo questionario.",
        "en": "You have no answers in progress for this questionnaire.",
    },
    "already_completed": {
        "it": "Hai già completato questo questionario: grazie! Puoi compilarlo di nuovo, se vuoi.",
        "it@lei": "Ha già completato questo questionario: grazie! Può compilarlo di nuovo, se vuole.",
        "en": "You have already completed this questionnaire: thank you! You can answer it again if you like.",
    },
    "privacy_title": {"it": "I tuoi dati", "en": "Your data"},
    "privacy_intro": {
        "it": "Questo browser è collegato a un codice casuale, conservato in un cookie tecnico: nessun nome, nessun indirizzo email.",
        "en": "This browser is linked to a random code kept in a technical cookie: no name, no email address.",
    },
    "download_title": {"it": "Scarica i tuoi dati", "en": "Download your data"},
    "download_explain": {
        "it": "Un file JSON con tutto ciò che conserviamo di te: consensi, questionari e risposte.",
        "en": "A JSON file with everything we hold about you: consents, questionnaires and answers.",
    },
    "download_button": {"it": "Scarica i miei dati (JSON)", "en": "Download my data (JSON)"},
    "erase_title": {"it": "Cancella tutto", "en": "Erase everything"},
    "erase_explain": {
        "it": "La cancellazione elimina il consenso, le compilazioni e tutte le risposte. Non si può annullare.",
        "en": "Erasing deletes your consent, your questionnaires and all your answers. It cannot be undone.",
    },
    "erase_confirm": {
        "it": "Confermo: voglio cancellare tutti i miei dati",
        "en": "I confirm: I want to erase all my data",
    },
    "erase_button": {"it": "Cancella i miei dati", "en": "Erase my data"},
    "erase_needs_confirm": {
        "it": "Per cancellare, spunta prima la casella di conferma.",
        "en": "To erase, first tick the confirmation box.",
    },
    "bad_form": {
        "it": "Il modulo è scaduto o non viene da questa pagina. Ricarica la pagina e riprova: le risposte già date sono salve.",
        "it@lei": "Il modulo è scaduto o non viene da questa pagina. Ricarichi la pagina e riprovi: le risposte già date sono salve.",
        "en": "The form has expired or did not come from this page. Reload the page and try again: your answers so far are safe.",
    },
    "cookies_needed": {
        "it": "Per rispondere serve un cookie tecnico (solo un codice casuale). Attiva i cookie per questo sito e ricarica la pagina.",
        "it@lei": "Per rispondere serve un cookie tecnico (solo un codice casuale). Attivi i cookie per questo sito e ricarichi la pagina.",
        "en": "Answering needs a technical cookie (just a random code). Enable cookies for this site and reload the page.",
    },
    "too_large": {
        "it": "Il testo inviato è troppo lungo. Accorcialo e riprova.",
        "it@lei": "Il testo inviato è troppo lungo. Lo accorci e riprovi.",
        "en": "What you sent is too long. Please shorten it and try again.",
    },
    "control_chars": {
        "it": "Il modulo contiene caratteri di controllo (per esempio un carattere nullo) che non si possono "
              "salvare. Torna indietro, riscrivi senza e riprova: le risposte già date sono salve.",
        "it@lei": "Il modulo contiene caratteri di controllo (per esempio un carattere nullo) che non si possono "
                  "salvare. Torni indietro, riscriva senza e riprovi: le risposte già date sono salve.",
        "en": "The form contains control characters (such as a null character) that cannot be saved. "
              "Go back, type it again without them and retry: your answers so far are safe.",
    },
    "not_found_title": {"it": "Pagina non trovata", "en": "Page not found"},
    "not_found": {
        "it": "Questa pagina non esiste. Ecco i questionari aperti:",
        "en": "This page does not exist. These are the open questionnaires:",
    },
    "error_title": {"it": "Qualcosa è andato storto", "en": "Something went wrong"},
    "server_error": {
        "it": "Mi dispiace, qualcosa è andato storto dalla nostra parte. Le risposte già date sono al sicuro: riprova tra poco.",
        "it@lei": "Mi dispiace, qualcosa è andato storto dalla nostra parte. Le risposte già date sono al sicuro: riprovi tra poco.",
        "en": "Sorry, something went wrong on our side. Your answers so far are safe: try again shortly.",
    },
    "invitation_title": {"it": "Invito", "en": "Invitation"},
    "invitation_missing": {
        "it": "Il link d'invito è incompleto: manca il codice. Controlla il messaggio che hai ricevuto.",
        "it@lei": "Il link d'invito è incompleto: manca il codice. Controlli il messaggio che ha ricevuto.",
        "en": "The invitation link is incomplete: the code is missing. Check the message you received.",
    },
    # the engine's errors that name the chat's «Fatto» button, as the web's buttons say them (bot.web.views.web_errors)
    "web_none_selected": {
        "it": "Seleziona almeno un'opzione, poi premi «Conferma le scelte».",
        "it@lei": "Selezioni almeno un'opzione, poi prema «Conferma le scelte».",
        "en": "Select at least one option, then press “Confirm choices”.",
    },
    "web_rank_exactly": {
        "it": "Metti in ordine {n} voci: premile dalla più importante, poi premi «Conferma l'ordine».",
        "it@lei": "Metta in ordine {n} voci: le prema dalla più importante, poi prema «Conferma l'ordine».",
        "en": "Put {n} items in order: press them from the most important, then press “Confirm the order”.",
    },
    # the end of a questionnaire: the outro has thanked already, so this line does not thank again
    "completed_saved": {
        "it": "Il questionario è completo e le risposte sono state salvate.",
        "en": "The questionnaire is complete and your answers have been saved.",
    },
    "completed_title": {"it": "Questionario completato", "en": "Questionnaire completed"},
    # /vota: a consultation's statements, one at a time (bot.web.voting)
    "vote_link": {"it": "Vota le proposte", "en": "Vote on the proposals"},
    "vote_title": {"it": "Consultazione", "en": "Consultation"},
    "vote_explain": {
        "it": "Brevi affermazioni nate da ciò che cittadini e organizzazioni hanno detto, una alla volta: "
              "per ciascuna scegli D'accordo, Non d'accordo o Passo. Puoi fermarti quando vuoi e riprendere più tardi.",
        "en": "Short statements drawn from what citizens and organisations said, one at a time: for each choose "
              "Agree, Disagree or Pass. You can stop whenever you like and go on later.",
    },
    "vote_until": {"it": "Aperta fino al {date}.", "en": "Open until {date}."},
    "vote_progress": {"it": "Affermazione {k} di {n}", "en": "Statement {k} of {n}"},
    "vote_choices": {"it": "Il tuo voto", "en": "Your vote"},
    "vote_pause": {"it": "Basta per ora", "en": "Enough for now"},
    "vote_your_vote": {"it": "Hai votato «{choice}» su: «{text}»", "en": "You voted “{choice}” on: “{text}”"},
    "vote_change": {"it": "Cambia il voto:", "en": "Change your vote:"},
    "vote_join_title": {"it": "È aperta la consultazione «{name}»", "en": "The consultation “{name}” is open"},
    "vote_join_button": {"it": "Comincia a votare", "en": "Start voting"},
    "vote_resume": {"it": "Riprendi a votare", "en": "Go on voting"},
    "vote_paused_web": {
        "it": "Va bene, ci fermiamo qui. I tuoi voti sono salvati: torna su questa pagina quando vuoi riprendere.",
        "en": "All right, let's stop here. Your votes are saved: come back to this page whenever you want to go on.",
    },
    "vote_done_web": {
        "it": "Hai votato tutte le affermazioni per ora: grazie! Se ne arriveranno di nuove, le troverai qui.",
        "en": "You have voted on every statement for now: thank you! If new ones arrive, you will find them here.",
    },
    "vote_none_web": {
        "it": "Non c'è una consultazione aperta per te in questo momento. Le consultazioni si aprono per chi riceve "
              "gli aggiornamenti del piano: puoi iscriverti dalla pagina «Aggiornamenti del piano».",
        "en": "There is no consultation open for you right now. Consultations open to those who receive the "
              "plan's news: you can subscribe on the “Plan news” page.",
    },
    # /notizie: the plan's news, opted in and withdrawn on the web (bot.web.newsletter)
    "news_title": {"it": "Aggiornamenti del piano", "en": "Plan news"},
    "news_web_explain": {
        "it": "Sul web non ti chiediamo né un indirizzo email né un numero: gli aggiornamenti (come gli inviti a "
              "votare nelle consultazioni) li trovi su queste pagine, in questo browser, quando torni.",
        "it@lei": "Sul web non le chiediamo né un indirizzo email né un numero: gli aggiornamenti (come gli inviti a "
                  "votare nelle consultazioni) li trova su queste pagine, in questo browser, quando torna.",
        "en": "On the web we ask for no e-mail address and no number: the news (such as invitations to vote in "
              "consultations) is on these pages, in this browser, when you come back.",
    },
    "news_version": {"it": "Il consenso si riferisce all'{version}.", "en": "The consent is given under the privacy {version}."},
    "news_state_on": {"it": "Ricevi gli aggiornamenti del piano.", "en": "You receive the plan's news."},
    "news_state_off": {"it": "Non ricevi gli aggiornamenti del piano.", "en": "You do not receive the plan's news."},
    "news_state_never": {"it": "Non ti sei iscritto agli aggiornamenti del piano.", "en": "You have not subscribed to the plan's news."},
    "news_state_paused": {
        "it": "Gli aggiornamenti sono sospesi: l'informativa sulla newsletter è cambiata dopo la tua iscrizione. "
              "Se vuoi continuare a riceverli, conferma qui sotto.",
        "en": "The news is paused: the privacy notice on the newsletter changed after you subscribed. "
              "If you want to go on receiving it, confirm below.",
    },
    "news_more": {"it": "Che cosa sono e come iscriversi", "en": "What they are and how to subscribe"},
    "news_subscribe": {"it": "Sì, voglio gli aggiornamenti", "en": "Yes, I want the news"},
    "news_confirm": {"it": "Confermo l'iscrizione", "en": "I confirm my subscription"},
    "news_withdraw": {"it": "Non voglio più gli aggiornamenti", "en": "I no longer want the news"},
    "news_no": {"it": "No, grazie", "en": "No, thanks"},
    "news_offer_question": {
        "it": "Vuoi ricevere gli aggiornamenti del piano (risultati, consultazioni, incontri)?",
        "it@lei": "Vuole ricevere gli aggiornamenti del piano (risultati, consultazioni, incontri)?",
        "en": "Would you like to receive the plan's news (results, consultations, meetings)?",
    },
    "news_offer_again": {
        "it": "L'informativa sulla newsletter è cambiata: finché non rispondi di nuovo non ricevi aggiornamenti.",
        "it@lei": "L'informativa sulla newsletter è cambiata: finché non risponde di nuovo non riceve aggiornamenti.",
        "en": "The privacy notice on the newsletter has changed: until you answer again you receive no news.",
    },
    "news_consent_first": {
        "it": "Per ricevere gli aggiornamenti serve prima il consenso a partecipare: lo chiediamo all'inizio di un questionario.",
        "en": "Receiving the news needs your consent to take part first: it is asked at the start of a questionnaire.",
    },
    "news_subscribed": {
        "it": "Fatto: ricevi gli aggiornamenti del piano. Puoi disiscriverti quando vuoi da «Aggiornamenti del piano».",
        "it@lei": "Fatto: riceve gli aggiornamenti del piano. Può disiscriversi quando vuole da «Aggiornamenti del piano».",
        "en": "Done: you receive the plan's news. You can unsubscribe whenever you like on “Plan news”.",
    },
    "news_unsubscribed": {
        "it": "Fatto: non riceverai più aggiornamenti del piano. Puoi iscriverti di nuovo quando vuoi.",
        "it@lei": "Fatto: non riceverà più aggiornamenti del piano. Può iscriversi di nuovo quando vuole.",
        "en": "Done: you will receive no more news from the plan. You can subscribe again whenever you like.",
    },
    "news_not_subscribed": {
        "it": "Va bene: non riceverai aggiornamenti. Puoi iscriverti quando vuoi da «Aggiornamenti del piano».",
        "it@lei": "Va bene: non riceverà aggiornamenti. Può iscriversi quando vuole da «Aggiornamenti del piano».",
        "en": "All right: you will receive no news. You can subscribe whenever you like on “Plan news”.",
    },
    # /vota: a proposal (the chat's /proponi, bot.web.proposals)
    "propose_title": {"it": "Proponi un'affermazione", "en": "Propose a statement"},
    "propose_label": {"it": "La tua proposta", "en": "Your proposal"},
    "propose_hint": {
        "it": "Una frase, al massimo {n} caratteri. Un moderatore la leggerà prima di metterla ai voti, senza il tuo nome.",
        "en": "One sentence, at most {n} characters. A moderator will read it before it is put to the vote, without your name.",
    },
    "propose_button": {"it": "Invia la proposta", "en": "Send the proposal"},
    "propose_done": {
        "it": "Grazie! La tua proposta sarà letta da un moderatore prima di essere messa ai voti, senza il tuo nome.",
        "en": "Thank you! A moderator will read your proposal before it is put to the vote, without your name.",
    },
    "propose_empty": {
        "it": "Scrivi la tua proposta prima di inviarla: una frase, al massimo {n} caratteri.",
        "en": "Please write your proposal before sending it: one sentence, at most {n} characters.",
    },
    "propose_too_long": {
        "it": "La proposta è un po' lunga: al massimo {n} caratteri (questa ne ha {length}). Puoi accorciarla qui sotto.",
        "en": "The proposal is a little long: at most {n} characters (this one has {length}). You can shorten it below.",
    },
    "propose_bad_chars": {
        "it": "La proposta contiene caratteri che non possiamo salvare: li abbiamo tolti, controlla il testo e inviala di nuovo.",
        "en": "The proposal has characters we cannot store: we took them out, please check the text and send it again.",
    },
    "propose_too_many": {
        "it": "Grazie! Hai già {n} proposte in attesa di un moderatore: potrai proporne altre quando saranno state lette.",
        "en": "Thank you! You already have {n} proposals waiting for a moderator: you can propose more once they are read.",
    },
    # /vota: the personal summary of a closed round (bot.web.summary; the chat's is bot.service.deliberation.summarise)
    "vote_summary_title": {"it": "Com'è andata: «{name}»", "en": "How it went: “{name}”"},
    "vote_summary": {
        "it": "La consultazione «{name}» si è chiusa: grazie dei tuoi {votes} voti! Le affermazioni più condivise "
              "tra le diverse categorie (istituzioni, associazioni, imprese, cittadini …) sono state:",
        "en": "The consultation “{name}” has closed: thank you for your {votes} votes! The statements most shared "
              "across the categories (institutions, associations, firms, citizens …) were:",
    },
    "vote_summary_none": {
        "it": "La consultazione «{name}» si è chiusa: grazie dei tuoi {votes} voti! I voti sono ancora troppo pochi "
              "per indicare affermazioni condivise; i risultati arriveranno con la prossima tornata.",
        "en": "The consultation “{name}” has closed: thank you for your {votes} votes! There are still too few votes "
              "to point to shared statements; the results will come with the next round.",
    },
    "vote_summary_mine": {"it": "il tuo voto: {choice}", "en": "your vote: {choice}"},
    "vote_summary_unvoted": {"it": "non l'hai votata", "en": "you did not vote on it"},
    # /notizie: the plan's published news and meetings, for a subscriber (bot.web.news)
    "news_published_title": {"it": "Le notizie per te", "en": "News for you"},
    "news_published_none": {
        "it": "Per ora non ci sono notizie del piano per te: quando ne pubblicheremo, le troverai qui.",
        "en": "There is no news from the plan for you yet: when we publish some, you will find it here.",
    },
    "news_published_hint": {
        "it": "Le stesse notizie e gli stessi inviti che chi si è iscritto in chat riceve su Telegram, dalla più recente.",
        "en": "The same news and invitations the chat's subscribers receive on Telegram, newest first.",
    },
    "news_published_on": {"it": "Pubblicata il {date}", "en": "Published on {date}"},
    "news_document": {
        "it": "In chat questa notizia arriva con un documento allegato, che qui non è disponibile.",
        "en": "In the chat this news comes with an attached document, which is not available here.",
    },
    "news_rsvp_legend": {"it": "Parteciperai?", "en": "Will you attend?"},
    "news_rsvp_state": {"it": "La tua risposta: {status}.", "en": "Your answer: {status}."},
    "news_rsvp_position": {"it": "in lista d'attesa (posizione {position})", "en": "on the waiting list (position {position})"},
    "news_rsvp_confirmed": {
        "it": "Perfetto, il tuo posto a «{title}» è confermato. Ti aspettiamo!",
        "en": "Great, your place at “{title}” is confirmed. We look forward to seeing you!",
    },
    "news_rsvp_waiting": {
        "it": "L'incontro «{title}» è al completo: sei in lista d'attesa (posizione {position}). Se si libera un posto, "
              "lo vedrai su questa pagina.",
        "en": "“{title}” is full: you are on the waiting list (position {position}). If a place frees up, "
              "you will see it on this page.",
    },
    "news_rsvp_maybe": {
        "it": "Segnato come «forse». Puoi confermare in ogni momento con il pulsante Sì.",
        "en": "Marked as “maybe”. You can confirm at any time with the Yes button.",
    },
    "news_rsvp_declined": {"it": "Grazie di averci avvisato.", "en": "Thank you for letting us know."},
    "news_rsvp_unknown": {
        "it": "Questo incontro non è tra le notizie per te: nessuna risposta è stata registrata.",
        "en": "This meeting is not among the news for you: no answer was recorded.",
    },
    "footer": {
        "it": "Risposte analizzate solo in forma aggregata e pseudonima.",
        "en": "Answers are analysed only in aggregate, pseudonymous form.",
    },
}


# the one lookup of this catalogue (dialogs.i18n.Catalogue): translate(key, lang, **params)
translate = i18n.Catalogue(TEXTS, below=i18n.CATALOGUE, layer="web").translate  # the engine's texts ("progress") below
