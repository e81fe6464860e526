"""The dashboard's one text catalogue (Italian first), for its pages, its audit log and its charts.

Looked up with :func:`translate`; the templates call it as the Jinja global ``tx`` (the citizens' texts,
:mod:`bot.web.texts`, share the Jinja environment as ``wt``).
"""

from __future__ import annotations

from dialogs.i18n import Catalogue

TX: dict[str, dict[str, str]] = {
    "dashboard": {"it": "Analisi", "en": "Analysis"},
    "login_title": {"it": "Accesso analisti", "en": "Analysts' login"},
    "username": {"it": "Nome utente", "en": "User name"},
    "password": {"it": "Password", "en": "Password"},
    "login": {"it": "Accedi", "en": "Log in"},
    "logout": {"it": "Esci", "en": "Log out"},
    "bad_login": {"it": "Nome utente o password errati.", "en": "Wrong user name or password."},
    "locked": {"it": "Troppi tentativi non riusciti: accesso bloccato fino alle {until} UTC. Riprova più tardi.",
               "en": "Too many failed attempts: login is locked until {until} UTC. Try again later."},
    "too_fast": {"it": "Troppi tentativi in poco tempo: attendi un minuto e riprova.",
                 "en": "Too many attempts in a short time: wait a minute and try again."},
    "control_chars": {
        "it": "Il modulo contiene caratteri di controllo (per esempio un carattere nullo): riscrivi senza e riprova.",
        "en": "The form contains control characters (such as a null character): type it again without them and retry.",
    },
    "bad_form": {"it": "Il modulo è scaduto o non viene da questa pagina: ricarica la pagina e riprova.",
                 "en": "The form has expired or did not come from this page: reload the page and try again."},
    "computed": {"it": "Tabelle calcolate il {when} UTC da {answers} risposte ({runs} questionari completati); "
                       "i conteggi sotto {k} sono nascosti (–).",
                 "en": "Tables computed on {when} UTC from {answers} answers ({runs} completed questionnaires); "
                       "counts under {k} are hidden (–)."},
    "download": {"it": "Scarica", "en": "Download"},
    "table_word": {"it": "tabella", "en": "table"},
    "hidden_note": {"it": "– = meno di {k} rispondenti: nascosto per riservatezza.",
                    "en": "– = fewer than {k} respondents: hidden for privacy."},
    "rows_more": {"it": "Mostrate {shown} righe di {total}: il file scaricato le contiene tutte.",
                  "en": "Showing {shown} of {total} rows: the downloaded file has them all."},
    "empty": {"it": "Nessun dato ancora.", "en": "No data yet."},
    "publish_title": {"it": "Pagina pubblica dei risultati", "en": "Public results page"},
    "publish_explain": {"it": "Scegli le tabelle da mostrare su /risultati (solo aggregati, celle piccole nascoste).",
                        "en": "Choose the tables shown on /risultati (aggregates only, small cells hidden)."},
    "publish": {"it": "Salva la scelta", "en": "Save the choice"},
    "published_ok": {"it": "Scelta salvata.", "en": "Choice saved."},
    "results_title": {"it": "Risultati dell'ascolto", "en": "Results of the listening"},
    "results_none": {"it": "Non ci sono ancora risultati pubblicati.", "en": "No results have been published yet."},
    "results_intro": {"it": "Che cosa è emerso finora, in forma aggregata: nessuna risposta singola è mostrata, e i "
                            "gruppi con meno di {k} persone sono nascosti.",
                      "en": "What has emerged so far, in aggregate: no single answer is shown, and groups of fewer "
                            "than {k} people are hidden."},
    "results_caption": {"it": "Aggiornato il {when} UTC, da {answers} risposte.",
                        "en": "Updated on {when} UTC, from {answers} answers."},
    "low": {"it": "poco", "en": "few"},
    "high": {"it": "molto", "en": "many"},
    "hidden": {"it": "nascosto (meno di k)", "en": "hidden (fewer than k)"},
    "answers_axis": {"it": "risposte al giorno", "en": "answers per day"},
    # the audit log page (/analisi/registro)
    "audit_title": {"it": "Registro delle attività", "en": "Audit log"},
    "audit_lead": {"it": "Accessi, download, pubblicazioni, importazioni, modifiche agli account, esportazioni e "
                         "cancellazioni di dati personali, dal {since} (al massimo {limit} righe, le più recenti prima).",
                   "en": "Logins, downloads, publications, imports, account changes, personal data exports and "
                         "erasures, since {since} (at most {limit} rows, newest first)."},
    "audit_since": {"it": "Dal giorno", "en": "Since"},
    "audit_show": {"it": "Mostra", "en": "Show"},
    "audit_bad_day": {"it": "Data non valida: scrivi AAAA-MM-GG, per esempio 2026-12-01.",
                      "en": "Not a valid date: write YYYY-MM-DD, for example 2026-12-01."},
    "audit_col_when": {"it": "quando (UTC)", "en": "when (UTC)"},
    "audit_col_who": {"it": "chi", "en": "who"},
    "audit_col_action": {"it": "azione", "en": "action"},
    "audit_col_outcome": {"it": "esito", "en": "outcome"},
    "audit_col_object": {"it": "oggetto", "en": "object"},
    "audit_col_details": {"it": "dettagli", "en": "details"},
    # an audit event's action and outcome, by their stored name ("audit_action_" + name)
    "audit_action_login": {"it": "accesso", "en": "login"},
    "audit_action_download": {"it": "download", "en": "download"},
    "audit_action_publish": {"it": "pubblicazione", "en": "publication"},
    "audit_action_coding_import": {"it": "importazione codifica", "en": "coding import"},
    "audit_action_account": {"it": "account", "en": "account"},
    "audit_action_privacy_export": {"it": "esportazione dati", "en": "data export"},
    "audit_action_erasure": {"it": "cancellazione", "en": "erasure"},
    "audit_action_retention": {"it": "conservazione", "en": "retention"},
    "audit_outcome_ok": {"it": "riuscito", "en": "ok"},
    "audit_outcome_refused": {"it": "rifiutato", "en": "refused"},
}


# the one lookup of this catalogue (dialogs.i18n.Catalogue): translate(key, lang, **params)
translate = Catalogue(TX, layer="dashboard").translate


def tx_word(prefix: str, name: str, lang: str) -> str:
    """A stored name (an audit action, an outcome) in words; the name itself when the catalogue has none."""
    key = f"{prefix}{name}"
    return translate(key, lang) if key in TX else name


def number(n: int) -> str:
    """A count with dots between thousands (12.345), in both languages as the dashboard always showed it."""
    return f"{n:,}".replace(",", ".")
