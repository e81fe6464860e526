"""The dashboard's one text catalogue (Italian first, English, German for a plan that speaks it), for its
pages, its audit log and its charts.

Looked up with :func:`translate`; the templates call it as the Jinja global ``tx`` (the citizens' texts,
:mod:`bot.web.texts`, share the Jinja environment as ``wt``).
"""

from __future__ import annotations

from dialogs.i18n import Catalogue, deployment_language

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
    "report_download": {"it": "Scarica lo studio preliminare (PDF, stampabile)",
                        "en": "Download the preliminary study (printable PDF)"},
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
    "runs_axis": {"it": "questionari completati al giorno", "en": "questionnaires completed per day"},
    "runs_axis_week": {"it": "questionari completati alla settimana", "en": "questionnaires completed per week"},
    # the filters (exports.filters): one form of GET parameters on every dashboard page
    "filters_title": {"it": "Filtri", "en": "Filters"},
    "filters_apply": {"it": "Applica i filtri", "en": "Apply the filters"},
    "filters_clear": {"it": "Togli i filtri", "en": "Clear the filters"},
    "filters_help": {"it": "Valgono per ogni grafico, tabella e download di questa pagina. Più valori di un filtro: "
                           "basta uno; filtri diversi: tutti insieme. Tieni premuto Ctrl (⌘ su Mac) per sceglierne più d'uno. "
                           "Le date contano a settimane intere (dal lunedì alla domenica), per riservatezza.",
                     "en": "They apply to every chart, table and download on this page. Several values of one filter: "
                           "any of them; different filters: all together. Hold Ctrl (⌘ on a Mac) to choose more than one. "
                           "Dates count in whole weeks (Monday to Sunday), for privacy."},
    "filter_questionnaires": {"it": "Questionario", "en": "Questionnaire"},
    "filter_channels": {"it": "Canale", "en": "Channel"},
    "filter_categories": {"it": "Categoria di attori", "en": "Actor category"},
    "filter_municipalities": {"it": "Comune", "en": "Municipality"},
    "filter_profiles": {"it": "Profilo di innovazione", "en": "Innovation profile"},
    "filter_age_bands": {"it": "Fascia d'età", "en": "Age band"},
    "filter_since": {"it": "Dal giorno", "en": "From"},
    "filter_until": {"it": "Al giorno (compreso)", "en": "To (included)"},
    "filter_step": {"it": "Serie nel tempo", "en": "Time series"},
    "step_auto": {"it": "automatica", "en": "automatic"},
    "step_giorno": {"it": "per giorno", "en": "by day"},
    "step_settimana": {"it": "per settimana", "en": "by week"},
    "filters_active": {"it": "Filtri attivi: {what}. Rispondenti selezionati: {n}.",
                       "en": "Active filters: {what}. Respondents selected: {n}."},
    "filters_bad": {"it": "Un filtro non è valido: scrivi le date come AAAA-MM-GG, e la fine non prima dell'inizio.",
                    "en": "A filter is not valid: write dates as YYYY-MM-DD, and the end not before the start."},
    "filters_too_few": {"it": "Con questi filtri restano meno di {m} rispondenti: per riservatezza non mostriamo nulla. "
                              "Allarga i filtri.",
                        "en": "These filters leave fewer than {m} respondents: for privacy nothing is shown. "
                              "Widen the filters."},
    "filters_too_close": {"it": "Questi filtri differiscono da una vista più ampia per meno di {m} rispondenti (o la prima "
                                "o l'ultima settimana scelta ne ha meno di {m}): confrontandole si potrebbe riconoscere "
                                "qualcuno, quindi non mostriamo nulla. Allarga o restringi i filtri.",
                          "en": "These filters differ from a wider view by fewer than {m} respondents (or the first or "
                                "last week chosen has fewer than {m}): comparing the two could single someone out, so "
                                "nothing is shown. Widen or narrow the filters."},
    # the per-question page (/analisi/domande)
    "questions_title": {"it": "Domanda per domanda", "en": "Question by question"},
    "questions_lead": {"it": "Frequenze delle risposte a ogni domanda a scelta: conteggi e quote sulle persone che "
                             "hanno risposto; i conteggi sotto {k} sono nascosti (–), e con essi quelli che li "
                             "farebbero ricavare dal totale.",
                       "en": "Frequencies of the answers to each choice question: counts and shares of those who "
                             "answered; counts under {k} are hidden (–), with those that would let them be worked "
                             "out from the total."},
    "questions_pick": {"it": "Scegli un questionario nei filtri per vederne le domande.",
                       "en": "Choose a questionnaire in the filters to see its questions."},
    "questions_answered": {"it": "{n} persone hanno risposto.", "en": "{n} people answered."},
    "questions_hidden": {"it": "Meno di {k} persone hanno risposto: nascosto per riservatezza.",
                         "en": "Fewer than {k} people answered: hidden for privacy."},
    "questions_multiple": {"it": "Più risposte possibili: le quote non sommano a 100%.",
                           "en": "Several answers possible: the shares do not add up to 100%."},
    "questions_long": {"it": "Delle {n} risposte possibili sono elencate solo quelle date.",
                       "en": "Of the {n} possible answers only those given are listed."},
    "col_option": {"it": "risposta", "en": "answer"},
    "col_count": {"it": "persone", "en": "people"},
    "col_share": {"it": "quota", "en": "share"},
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


# German (a plan that speaks it: Bozen/Bolzano), merged into TX below; a plan's texts.yaml (layer
# ``dashboard``) can still reword any of them.
TX_DE: dict[str, str] = {
    "dashboard": "Auswertung",
    "login_title": "Anmeldung für Analystinnen und Analysten",
    "username": "Benutzername",
    "password": "Passwort",
    "login": "Anmelden",
    "logout": "Abmelden",
    "bad_login": "Benutzername oder Passwort falsch.",
    "locked": "Zu viele fehlgeschlagene Versuche: die Anmeldung ist bis {until} UTC gesperrt. Bitte versuchen Sie es "
              "später erneut.",
    "too_fast": "Zu viele Versuche in kurzer Zeit: bitte warten Sie eine Minute und versuchen Sie es erneut.",
    "control_chars": "Das Formular enthält Steuerzeichen (zum Beispiel ein Nullzeichen): bitte geben Sie es ohne "
                     "diese erneut ein.",
    "bad_form": "Das Formular ist abgelaufen oder stammt nicht von dieser Seite: bitte laden Sie die Seite neu und "
                "versuchen Sie es erneut.",
    "computed": "Tabellen berechnet am {when} UTC aus {answers} Antworten ({runs} abgeschlossene Fragebögen); "
                "Anzahlen unter {k} sind ausgeblendet (–).",
    "download": "Herunterladen",
    "report_download": "Vorstudie herunterladen (PDF, druckbar)",
    "table_word": "Tabelle",
    "hidden_note": "– = weniger als {k} Antwortende: aus Datenschutzgründen ausgeblendet.",
    "rows_more": "Angezeigt werden {shown} von {total} Zeilen: die heruntergeladene Datei enthält alle.",
    "empty": "Noch keine Daten.",
    "publish_title": "Öffentliche Ergebnisseite",
    "publish_explain": "Wählen Sie die Tabellen, die auf /risultati gezeigt werden (nur zusammengefasste Werte, "
                       "kleine Zellen ausgeblendet).",
    "publish": "Auswahl speichern",
    "published_ok": "Auswahl gespeichert.",
    "results_title": "Ergebnisse der Bürgerbeteiligung",
    "results_none": "Es wurden noch keine Ergebnisse veröffentlicht.",
    "results_intro": "Was sich bisher ergeben hat, in zusammengefasster Form: keine einzelne Antwort wird gezeigt, "
                     "und Gruppen mit weniger als {k} Personen sind ausgeblendet.",
    "results_caption": "Aktualisiert am {when} UTC, aus {answers} Antworten.",
    "low": "wenig",
    "high": "viel",
    "hidden": "ausgeblendet (weniger als k)",
    "answers_axis": "Antworten pro Tag",
    "runs_axis": "abgeschlossene Fragebögen pro Tag",
    "runs_axis_week": "abgeschlossene Fragebögen pro Woche",
    "filters_title": "Filter",
    "filters_apply": "Filter anwenden",
    "filters_clear": "Filter entfernen",
    "filters_help": "Sie gelten für jedes Diagramm, jede Tabelle und jeden Download dieser Seite. Mehrere Werte "
                    "eines Filters: einer genügt; verschiedene Filter: alle zusammen. Halten Sie Strg (⌘ am Mac) "
                    "gedrückt, um mehrere zu wählen. Aus Datenschutzgründen zählen die Daten in ganzen Wochen "
                    "(Montag bis Sonntag).",
    "filter_questionnaires": "Fragebogen",
    "filter_channels": "Kanal",
    "filter_categories": "Akteurskategorie",
    "filter_municipalities": "Gemeinde",
    "filter_profiles": "Innovationsprofil",
    "filter_age_bands": "Altersgruppe",
    "filter_since": "Ab dem",
    "filter_until": "Bis zum (einschließlich)",
    "filter_step": "Zeitreihe",
    "step_auto": "automatisch",
    "step_giorno": "pro Tag",
    "step_settimana": "pro Woche",
    "filters_active": "Aktive Filter: {what}. Ausgewählte Antwortende: {n}.",
    "filters_bad": "Ein Filter ist ungültig: schreiben Sie die Daten als JJJJ-MM-TT, das Ende nicht vor dem Beginn.",
    "filters_too_few": "Mit diesen Filtern bleiben weniger als {m} Antwortende: aus Datenschutzgründen wird nichts "
                       "gezeigt. Bitte erweitern Sie die Filter.",
    "filters_too_close": "Diese Filter unterscheiden sich von einer breiteren Ansicht um weniger als {m} Antwortende "
                         "(oder die erste bzw. letzte gewählte Woche hat weniger als {m}): ein Vergleich könnte "
                         "einzelne Personen erkennbar machen, daher wird nichts gezeigt. Bitte erweitern oder "
                         "verengen Sie die Filter.",
    "questions_title": "Frage für Frage",
    "questions_lead": "Häufigkeiten der Antworten auf jede Auswahlfrage: Anzahlen und Anteile an den Personen, die "
                      "geantwortet haben; Anzahlen unter {k} sind ausgeblendet (–), ebenso jene, aus denen sie sich "
                      "über die Summe errechnen ließen.",
    "questions_pick": "Wählen Sie in den Filtern einen Fragebogen, um seine Fragen zu sehen.",
    "questions_answered": "{n} Personen haben geantwortet.",
    "questions_hidden": "Weniger als {k} Personen haben geantwortet: aus Datenschutzgründen ausgeblendet.",
    "questions_multiple": "Mehrere Antworten möglich: die Anteile ergeben zusammen nicht 100 %.",
    "questions_long": "Von den {n} möglichen Antworten sind nur die gegebenen aufgeführt.",
    "col_option": "Antwort",
    "col_count": "Personen",
    "col_share": "Anteil",
    "audit_title": "Tätigkeitsprotokoll",
    "audit_lead": "Anmeldungen, Downloads, Veröffentlichungen, Importe, Änderungen an Konten, Exporte und Löschungen "
                  "personenbezogener Daten, seit {since} (höchstens {limit} Zeilen, die neuesten zuerst).",
    "audit_since": "Ab dem",
    "audit_show": "Anzeigen",
    "audit_bad_day": "Ungültiges Datum: schreiben Sie JJJJ-MM-TT, zum Beispiel 2026-12-01.",
    "audit_col_when": "wann (UTC)",
    "audit_col_who": "wer",
    "audit_col_action": "Vorgang",
    "audit_col_outcome": "Ergebnis",
    "audit_col_object": "Gegenstand",
    "audit_col_details": "Einzelheiten",
    "audit_action_login": "Anmeldung",
    "audit_action_download": "Download",
    "audit_action_publish": "Veröffentlichung",
    "audit_action_coding_import": "Import der Kodierung",
    "audit_action_account": "Konto",
    "audit_action_privacy_export": "Datenexport",
    "audit_action_erasure": "Löschung",
    "audit_action_retention": "Aufbewahrung",
    "audit_outcome_ok": "erfolgreich",
    "audit_outcome_refused": "abgelehnt",
}
for _key, _text in TX_DE.items():
    TX[_key]["de"] = _text


# the one lookup of this catalogue (dialogs.i18n.Catalogue): translate(key, lang, **params)
translate = Catalogue(TX, layer="dashboard").translate


# column id → header, for the columns the dashboard shows (the downloads keep the ids)
HEADERS: dict[str, tuple[str, str]] = {
    "rank": ("posizione", "rank"), "theme": ("tema (codice)", "theme (code)"), "label": ("voce", "item"),
    "group_score": ("punteggio di gruppo", "group score"), "categories_above": ("categorie sopra soglia", "categories above threshold"),
    "categories": ("categorie", "categories"), "entropy": ("entropia", "entropy"), "units": ("unità", "units"),
    "quote_1": ("citazione 1", "quote 1"), "quote_2": ("citazione 2", "quote 2"), "quote_3": ("citazione 3", "quote 3"),
    "category": ("categoria", "category"), "category_label": ("categoria", "category"),
    "category_units": ("unità della categoria", "units of the category"), "share": ("quota", "share"),
    "suppressed": ("nascosto", "hidden"), "respondent": ("rispondente", "respondent"), "quote": ("citazione", "quote"),
    "points": ("punti", "points"), "first": ("primi posti", "first places"), "mentions": ("menzioni", "mentions"),
    "respondents": ("rispondenti", "respondents"), "score": ("punteggio", "score"), "kind": ("tipo", "kind"),
    "kind_label": ("tipo di rispondente", "kind of respondent"), "vision": ("visione (codice)", "vision (code)"),
    "vision_label": ("visione", "vision"), "kind_units": ("unità del tipo", "units of the kind"),
    "breakdown": ("suddivisione", "breakdown"), "group": ("gruppo", "group"), "firms": ("imprese", "firms"),
    "profile": ("profilo (codice)", "profile (code)"), "pct": ("% oggi", "% now"), "baseline_pct": ("% 2004", "% 2004"),
    "difference_pp": ("differenza (punti %)", "difference (% points)"), "profile_label": ("profilo", "profile"),
    "obstacle": ("ostacolo (codice)", "obstacle (code)"), "obstacle_label": ("ostacolo", "obstacle"),
    "profile_firms": ("imprese del profilo", "firms of the profile"), "card": ("scheda", "card"), "title": ("titolo", "title"),
    "promoter": ("promotore", "promoter"), "theme_label": ("tema", "theme"), "stage": ("fase (codice)", "stage (code)"),
    "stage_label": ("fase", "stage"),
    "raters": ("valutatori", "raters"), "overall": ("punteggio complessivo", "overall score"),
    "sd": ("deviazione standard", "standard deviation"), "agreement": ("accordo", "agreement"), "serves": ("serve", "serves"),
    "source": ("da", "from"), "source_category": ("categoria di chi indica", "category of the source"),
    "target": ("a", "to"), "target_category": ("categoria indicata", "category of the target"),
    "actors": ("attori", "actors"), "active_actors": ("attori attivi", "active actors"), "edges": ("legami", "ties"),
    "density": ("densità", "density"), "reciprocity": ("reciprocità", "reciprocity"), "actor": ("attore", "actor"),
    "organisation": ("organizzazione", "organisation"), "in_current": ("indicato oggi", "named now"),
    "out_current": ("indica oggi", "names now"), "in_wished": ("desiderato da", "wished by"),
    "out_wished": ("desidera", "wishes"), "degree": ("grado", "degree"), "degree_centrality": ("centralità", "centrality"),
    "named_by": ("indicato da", "named by"), "day": ("giorno", "day"), "questionnaire": ("questionario", "questionnaire"),
    "channel": ("canale", "channel"), "runs": ("questionari completati", "questionnaires completed"),
    "answers": ("risposte", "answers"), "topic": ("argomento", "topic"), "reading": ("lettura", "reading"),
}
PREFIXES: dict[str, tuple[str, str]] = {"n_": ("n.", "n."), "share_": ("quota", "share"), "mean_": ("media", "mean")}
# the same headers in German (a plan that speaks it); a column missing here falls back as header() says
HEADERS_DE: dict[str, str] = {
    "rank": "Rang", "theme": "Thema (Kennung)", "label": "Eintrag", "group_score": "Gruppenwert",
    "categories_above": "Kategorien über der Schwelle", "categories": "Kategorien", "entropy": "Entropie",
    "units": "Einheiten", "quote_1": "Zitat 1", "quote_2": "Zitat 2", "quote_3": "Zitat 3",
    "category": "Kategorie", "category_label": "Kategorie", "category_units": "Einheiten der Kategorie",
    "share": "Anteil", "suppressed": "ausgeblendet", "respondent": "antwortende Person", "quote": "Zitat",
    "points": "Punkte", "first": "erste Plätze", "mentions": "Nennungen", "respondents": "Antwortende",
    "score": "Wert", "kind": "Art", "kind_label": "Art der Antwortenden", "vision": "Vision (Kennung)",
    "vision_label": "Vision", "kind_units": "Einheiten der Art", "breakdown": "Aufschlüsselung", "group": "Gruppe",
    "firms": "Unternehmen", "profile": "Profil (Kennung)", "pct": "% heute", "baseline_pct": "% 2004",
    "difference_pp": "Differenz (Prozentpunkte)", "profile_label": "Profil", "obstacle": "Hindernis (Kennung)",
    "obstacle_label": "Hindernis", "profile_firms": "Unternehmen des Profils", "card": "Projektblatt",
    "title": "Titel", "promoter": "Träger", "theme_label": "Thema", "stage": "Phase (Code)", "stage_label": "Phase", "raters": "Bewertende",
    "overall": "Gesamtbewertung", "sd": "Standardabweichung", "agreement": "Übereinstimmung", "serves": "dient",
    "source": "von", "source_category": "Kategorie der nennenden Seite", "target": "an",
    "target_category": "Kategorie der genannten Seite", "actors": "Akteure", "active_actors": "aktive Akteure",
    "edges": "Verbindungen", "density": "Dichte", "reciprocity": "Gegenseitigkeit", "actor": "Akteur",
    "organisation": "Organisation", "in_current": "heute genannt", "out_current": "nennt heute",
    "in_wished": "gewünscht von", "out_wished": "wünscht", "degree": "Grad", "degree_centrality": "Zentralität",
    "named_by": "genannt von", "day": "Tag", "questionnaire": "Fragebogen", "channel": "Kanal",
    "runs": "abgeschlossene Fragebögen", "answers": "Antworten", "topic": "Thema", "reading": "Lesart",
}
PREFIXES_DE: dict[str, str] = {"n_": "Anz.", "share_": "Anteil", "mean_": "Mittelwert"}


def header_language(lang: str) -> str:
    """The headers' language: ``lang`` when they have it, else the plan's default language, else Italian."""
    for code in (lang, deployment_language()):
        if code in ("it", "en", "de"):
            return code
    return "it"


def header(column: str, lang: str, labels: dict[str, str] | None = None) -> str:
    """A column's header in ``lang``: its word, or a prefix word and a category's label, or the id spaced."""
    lang = header_language(lang)
    i = 0 if lang != "en" else 1
    if column in HEADERS:
        return HEADERS_DE.get(column, HEADERS[column][i]) if lang == "de" else HEADERS[column][i]
    for prefix, word in PREFIXES.items():
        if column.startswith(prefix):
            rest = column[len(prefix):]
            said = PREFIXES_DE[prefix] if lang == "de" else word[i]
            return f"{said} {(labels or {}).get(rest, rest.replace('_', ' '))}"
    if labels and column in labels:
        return labels[column]
    return column.replace("_", " ")


def tx_word(prefix: str, name: str, lang: str) -> str:
    """A stored name (an audit action, an outcome) in words; the name itself when the catalogue has none."""
    key = f"{prefix}{name}"
    return translate(key, lang) if key in TX else name


def number(n: int) -> str:
    """A count with dots between thousands (12.345), in both languages as the dashboard always showed it."""
    return f"{n:,}".replace(",", ".")
