"""The texts of the export files (sheet names, codebook headers, what a column means), Italian first.

An analyst of an Italian deployment gets an Italian workbook, English on request (``--lang en``), German
for a plan that speaks it (``--lang de``, Bozen/Bolzano):
the files' words are kept here as one :class:`dialogs.i18n.Catalogue` (layer ``exports``, which
a plan's texts.yaml can override like any other). Column names stay the same in every language,
so a script written against one export reads the next.
"""

from __future__ import annotations

from dialogs.i18n import Catalogue

TEXTS: dict[str, dict[str, str]] = {
    # sheets of the raw workbook
    "sheet_answers": {"it": "risposte", "en": "answers"},
    "sheet_codebook": {"it": "codebook", "en": "codebook"},
    "sheet_codes": {"it": "codici", "en": "codes"},
    "sheet_about": {"it": "informazioni", "en": "about"},
    # codebook headers
    "cb_table": {"it": "tabella", "en": "table"},
    "cb_column": {"it": "colonna", "en": "column"},
    "cb_stata": {"it": "nome_sav_dta", "en": "sav_dta_name"},
    "cb_source": {"it": "domanda", "en": "question_key"},
    "cb_kind": {"it": "genere", "en": "kind"},
    "cb_type": {"it": "tipo", "en": "type"},
    "cb_question": {"it": "testo", "en": "question"},
    "cb_codes": {"it": "codici", "en": "codes"},
    "cb_numbers": {"it": "numeri_sav_dta", "en": "sav_dta_numbers"},
    "cb_number": {"it": "numero", "en": "number"},
    "cb_code": {"it": "codice", "en": "code"},
    "cb_label": {"it": "etichetta", "en": "label"},
    "about_name": {"it": "voce", "en": "name"},
    "about_value": {"it": "valore", "en": "value"},
    # the run's own columns
    "meta_respondent": {"it": "Rispondente (pseudonimo)", "en": "Respondent (pseudonym)"},
    "meta_run": {"it": "Compilazione (identificativo pseudonimo)", "en": "Run (pseudonymous id)"},
    "meta_status": {"it": "Stato della compilazione", "en": "Status of the run"},
    "meta_complete": {"it": "Compilazione completata (1) o parziale (0)", "en": "Run completed (1) or partial (0)"},
    "meta_answered": {"it": "Domande con una risposta", "en": "Questions answered"},
    "meta_version": {"it": "Versione del questionario", "en": "Questionnaire version"},
    "meta_started_at": {"it": "Inizio (ora di {tz})", "en": "Started (time in {tz})"},
    "meta_updated_at": {"it": "Ultima risposta (ora di {tz})", "en": "Last answer (time in {tz})"},
    "meta_completed_at": {"it": "Invio (ora di {tz})", "en": "Submitted (time in {tz})"},
    "meta_duration": {"it": "Durata in minuti (dall'inizio all'invio)", "en": "Duration in minutes (start to submission)"},
    "meta_item": {"it": "Elemento (1, 2 …) della domanda ripetuta", "en": "Item (1, 2 …) of the repeated question"},
    "status_completed": {"it": "Completata", "en": "Completed"},
    "status_active": {"it": "Parziale, in corso", "en": "Partial, in progress"},
    "status_expired": {"it": "Parziale, abbandonata", "en": "Partial, abandoned"},
    "chosen": {"it": "Scelta", "en": "Chosen"},
    "not_chosen": {"it": "Non scelta", "en": "Not chosen"},
    "yes_1": {"it": "Sì", "en": "Yes"},
    "no_0": {"it": "No", "en": "No"},
    # how a column came from its question
    "col_option": {"it": "{question} — {option}", "en": "{question} — {option}"},
    "col_rank": {"it": "{question} — posizione {rank}", "en": "{question} — rank {rank}"},
    "col_joined": {"it": "{question} (tutte le scelte, separate da «; »)", "en": "{question} (every choice, separated by \"; \")"},
    "col_label": {"it": "{question} (etichetta)", "en": "{question} (label)"},
    "col_more": {"it": "Approfondimento di «{question}»: {follow_up}", "en": "Follow-up of \"{question}\": {follow_up}"},
    "col_items": {"it": "{question}: quanti elementi (ognuno nel foglio «{sheet}»)",
                  "en": "{question}: how many items (each in the sheet \"{sheet}\")"},
    "col_extra": {"it": "Risposta a una domanda non più presente nella versione {version}",
                  "en": "Answer to a question no longer in version {version}"},
    "col_computed": {"it": "Calcolato: {expression}", "en": "Computed: {expression}"},
    "scale_ends": {"it": "{low} = {low_label} … {high} = {high_label}", "en": "{low} = {low_label} … {high} = {high_label}"},
    # the about sheet
    "about_questionnaire": {"it": "questionario", "en": "questionnaire"},
    "about_title": {"it": "titolo", "en": "title"},
    "about_version": {"it": "versione corrente", "en": "current version"},
    "about_exported_at": {"it": "esportato il", "en": "exported at"},
    "about_timezone": {"it": "fuso orario delle date", "en": "time zone of the times"},
    "about_values": {"it": "valori", "en": "values"},
    "about_values_labels": {"it": "etichette delle scelte (i codici nel codebook)",
                            "en": "labels of the choices (the codes in the codebook)"},
    "about_values_codes": {"it": "codici delle scelte (le etichette nel codebook)",
                           "en": "codes of the choices (the labels in the codebook)"},
    "about_values_both": {"it": "codici e, accanto, le etichette (colonne *_label)",
                          "en": "codes and, beside them, the labels (*_label columns)"},
    "about_runs": {"it": "compilazioni", "en": "runs"},
    "about_runs_value": {"it": "{total}: {completed} completate, {partial} parziali",
                         "en": "{total}: {completed} completed, {partial} partial"},
    "about_options": {"it": "scelte multiple", "en": "multiple choices"},
    "about_options_value": {
        "it": "una colonna 0/1 per opzione, domanda_opzione (vuota se la domanda non ha risposta)",
        "en": "one 0/1 column per option, question_option (blank when the question was not answered)"},
    "about_sav_dta": {"it": "file .sav e .dta", "en": ".sav and .dta files"},
    "about_sav_dta_value": {
        "it": "le scelte sono numeri con etichette di valore (numeri_sav_dta nel codebook); nomi al più di 29 caratteri (nome_sav_dta)",
        "en": "choices are numbers with value labels (sav_dta_numbers in the codebook); names of at most 29 characters (sav_dta_name)"},
    "about_privacy": {"it": "riservatezza", "en": "privacy"},
    "about_privacy_value": {"it": "solo pseudonimi: nessun nome, nessun identificativo di chat",
                            "en": "pseudonyms only: no names, no chat ids"},
}

# German (a plan that speaks it: Bozen/Bolzano), beside the Italian and English above; a plan's texts.yaml
# (layer ``exports``) can still reword any of them.
TEXTS_DE: dict[str, str] = {
    "sheet_answers": "antworten", "sheet_codebook": "codebook", "sheet_codes": "codes", "sheet_about": "info",
    "cb_table": "tabelle", "cb_column": "spalte", "cb_stata": "name_sav_dta", "cb_source": "frage",
    "cb_kind": "art", "cb_type": "typ", "cb_question": "text", "cb_codes": "codes",
    "cb_numbers": "zahlen_sav_dta", "cb_number": "zahl", "cb_code": "code", "cb_label": "bezeichnung",
    "about_name": "eintrag", "about_value": "wert",
    "meta_respondent": "Antwortende Person (Pseudonym)",
    "meta_run": "Befragung (pseudonyme Kennung)",
    "meta_status": "Stand der Befragung",
    "meta_complete": "Befragung abgeschlossen (1) oder unvollständig (0)",
    "meta_answered": "Beantwortete Fragen",
    "meta_version": "Version des Fragebogens",
    "meta_started_at": "Beginn (Uhrzeit {tz})",
    "meta_updated_at": "Letzte Antwort (Uhrzeit {tz})",
    "meta_completed_at": "Abgabe (Uhrzeit {tz})",
    "meta_duration": "Dauer in Minuten (vom Beginn bis zur Abgabe)",
    "meta_item": "Eintrag (1, 2 …) der wiederholten Frage",
    "status_completed": "Abgeschlossen",
    "status_active": "Unvollständig, in Bearbeitung",
    "status_expired": "Unvollständig, abgebrochen",
    "chosen": "Gewählt", "not_chosen": "Nicht gewählt", "yes_1": "Ja", "no_0": "Nein",
    "col_option": "{question} — {option}",
    "col_rank": "{question} — Rang {rank}",
    "col_joined": "{question} (alle Antworten, getrennt durch „; “)",
    "col_label": "{question} (Bezeichnung)",
    "col_more": "Vertiefung zu „{question}“: {follow_up}",
    "col_items": "{question}: wie viele Einträge (jeder im Blatt „{sheet}“)",
    "col_extra": "Antwort auf eine Frage, die es in Version {version} nicht mehr gibt",
    "col_computed": "Berechnet: {expression}",
    "scale_ends": "{low} = {low_label} … {high} = {high_label}",
    "about_questionnaire": "Fragebogen",
    "about_title": "Titel",
    "about_version": "Aktuelle Version",
    "about_exported_at": "Exportiert am",
    "about_timezone": "Zeitzone der Zeitangaben",
    "about_values": "Werte",
    "about_values_labels": "Bezeichnungen der Antworten (die Codes im Codebook)",
    "about_values_codes": "Codes der Antworten (die Bezeichnungen im Codebook)",
    "about_values_both": "Codes und daneben die Bezeichnungen (Spalten *_label)",
    "about_runs": "Befragungen",
    "about_runs_value": "{total}: {completed} abgeschlossen, {partial} unvollständig",
    "about_options": "Mehrfachauswahl",
    "about_options_value": "eine 0/1-Spalte je Option, frage_option (leer, wenn die Frage nicht beantwortet wurde)",
    "about_sav_dta": "Dateien .sav und .dta",
    "about_sav_dta_value": "die Antworten sind Zahlen mit Wertebezeichnungen (zahlen_sav_dta im Codebook); Namen "
                           "mit höchstens 29 Zeichen (name_sav_dta)",
    "about_privacy": "Datenschutz",
    "about_privacy_value": "nur Pseudonyme: keine Namen, keine Chat-Kennungen",
}
for _key, _text in TEXTS_DE.items():
    TEXTS[_key]["de"] = _text

translate = Catalogue(TEXTS, layer="exports").translate
