"""The printable report's texts (Italian first), kept apart from the dashboard's catalogue.

Looked up with :func:`rt`; a key missing here falls back to the dashboard's catalogue
(:mod:`.texts`), so "hidden_note", "rows_more" … are written once.
"""

from __future__ import annotations

from dialogs.i18n import Catalogue

from .texts import translate as dashboard_translate

TEXTS: dict[str, dict[str, str]] = {
    "report_title": {"it": "Studio preliminare", "en": "Preliminary study"},
    "report_subtitle": {"it": "Disegnare scenari condivisi — {city}", "en": "Designing shared scenarios — {city}"},
    "report_lead": {
        "it": "Che cosa è emerso dall'ascolto della città: i profili di innovazione delle imprese accanto alla "
              "baseline del 2004, la convergenza dei temi tra le categorie di attori, le priorità condivise, le "
              "visioni, la graduatoria dei progetti e la rete delle collaborazioni.",
        "en": "What the listening to the city has shown: the firms' innovation profiles beside the 2004 baseline, "
              "the convergence of the themes across actor categories, the shared priorities, the visions, the "
              "project ranking and the collaboration network.",
    },
    "report_internal": {
        "it": "Documento di lavoro per gli analisti: contiene citazioni brevi e pseudonime. Prima di diffonderlo, "
              "stampatelo senza citazioni (scenari report --no-quotes).",
        "en": "Working document for the analysts: it holds short, pseudonymous quotes. Before circulating it, "
              "print it without quotes (scenari report --no-quotes).",
    },
    "report_no_quotes": {
        "it": "Edizione senza citazioni: solo tabelle aggregate, con le celle piccole nascoste.",
        "en": "Edition without quotes: aggregate tables only, small cells hidden.",
    },
    "report_unavailable": {
        "it": "Lo studio preliminare in PDF non si può preparare su questo server (manca una libreria di sistema). "
              "Le tabelle restano scaricabili; avvisate chi gestisce il servizio.",
        "en": "The preliminary study cannot be made as a PDF on this server (a system library is missing). The "
              "tables can still be downloaded; please tell whoever runs the service.",
    },
    "contents": {"it": "Indice", "en": "Contents"},
    "page": {"it": "Pagina", "en": "Page"},
    "of": {"it": "di", "en": "of"},
    "method": {"it": "Metodo", "en": "Method"},
    "method_text": {
        "it": "L'ascolto raccoglie le interviste agli attori del registro, le visioni dei cittadini, l'indagine "
              "sull'innovazione delle imprese, le schede progetto e le loro valutazioni, per chat (Telegram) e sul "
              "web. Le risposte libere sono ricondotte ai temi della tassonomia del piano. Per ogni tema si contano "
              "le unità (un attore del registro, o un cittadino) che lo portano in ciascuna categoria di attori: un "
              "tema è una priorità condivisa quando lo portano più categorie (punteggio di gruppo, entropia). Le "
              "imprese sono classificate anticipatrici, inseguitrici o non innovative come nell'indagine Censis del "
              "2004 su Cremona, che resta la baseline. I progetti sono ordinati per valutazione complessiva, con "
              "l'accordo tra i valutatori (1 = pieno accordo). La rete riporta le collaborazioni attuali e "
              "desiderate dichiarate dagli attori.",
        "en": "The listening gathers the interviews of the register's actors, the citizens' visions, the firms' "
              "innovation survey, the project cards and their ratings, by chat (Telegram) and on the web. Free-text "
              "answers are tagged with the themes of the plan's taxonomy. For each theme the units (an actor of the "
              "register, or a citizen) carrying it are counted in each actor category: a theme is a shared priority "
              "when several categories carry it (group score, entropy). Firms are classed as forerunners, followers "
              "or non-innovative as in the 2004 Censis survey of Cremona, which stays the baseline. Projects are "
              "ranked by overall rating, with the raters' agreement (1 = full agreement). The network shows the "
              "current and wished collaborations the actors declared.",
    },
    "privacy_text": {
        "it": "Riservatezza: ogni conteggio di 1…{below} rispondenti è nascosto (–), insieme alle celle da cui si "
              "potrebbe ricavarlo; sono le stesse tabelle delle esportazioni e del cruscotto. Nessun nome né "
              "identificativo di chat compare nel documento.",
        "en": "Privacy: every count of 1…{below} respondents is hidden (–), together with the cells it could be "
              "worked out from; these are the same tables as the exports and the dashboard. No name and no chat id "
              "appears in this document.",
    },
    "figures": {"it": "I dati in sintesi", "en": "The data in short"},
    "figure_col": {"it": "voce", "en": "item"},
    "value_col": {"it": "numero", "en": "number"},
    "quotes": {"it": "Citazioni", "en": "Quotes"},
    "quotes_lead": {
        "it": "Le parole dietro i numeri: brevi estratti, solo di chi ha dato il consenso e mai da una cella "
              "nascosta; accanto, la categoria di chi ha scritto (nessun nome, nessuno pseudonimo).",
        "en": "The words behind the numbers: short excerpts, only from respondents who consented and never from "
              "a hidden cell; beside each, the category of who wrote it (no name, no pseudonym).",
    },
    "no_quotes": {"it": "Nessuna citazione utilizzabile.", "en": "No quote can be used."},
    "network_reading": {"it": "Lettura della rete", "en": "Reading the network"},
    "made": {"it": "Generato il {when} UTC da {answers} risposte ({runs} questionari completati).",
             "en": "Made on {when} UTC from {answers} answers ({runs} completed questionnaires)."},
    "selection": {"it": "Solo la selezione del cruscotto — {what}: {n} rispondenti.",
                  "en": "Only the dashboard's selection — {what}: {n} respondents."},
    "answers": {"it": "risposte", "en": "answers"},
    "runs": {"it": "questionari completati: {q}", "en": "completed questionnaires: {q}"},
    "actors": {"it": "attori del registro", "en": "actors of the register"},
    "cards": {"it": "schede progetto", "en": "project cards"},
    "ratings": {"it": "valutazioni", "en": "ratings"},
}

# German (a plan that speaks it: Bozen/Bolzano), merged into TEXTS
TEXTS_DE: dict[str, str] = {
    "report_title": "Vorstudie",
    "report_subtitle": "Gemeinsame Szenarien entwerfen — {city}",
    "report_lead": "Was die Anhörung der Stadt ergeben hat: die Innovationsprofile der Unternehmen neben der "
                   "Ausgangsbasis von 2004, die Konvergenz der Themen zwischen den Akteurskategorien, die gemeinsamen "
                   "Prioritäten, die Visionen, die Reihung der Projekte und das Netzwerk der Zusammenarbeit.",
    "report_internal": "Arbeitsunterlage für die Analystinnen und Analysten: sie enthält kurze, pseudonyme Zitate. "
                       "Vor der Weitergabe bitte ohne Zitate drucken (scenari report --no-quotes).",
    "report_no_quotes": "Ausgabe ohne Zitate: nur zusammengefasste Tabellen, kleine Zellen ausgeblendet.",
    "report_unavailable": "Die Vorstudie kann auf diesem Server nicht als PDF erstellt werden (eine Systembibliothek "
                          "fehlt). Die Tabellen können weiterhin heruntergeladen werden; bitte verständigen Sie die "
                          "für den Dienst zuständige Stelle.",
    "contents": "Inhalt",
    "page": "Seite",
    "of": "von",
    "method": "Methode",
    "method_text": "Die Anhörung umfasst die Interviews mit den Akteuren des Registers, die Visionen der Bürgerinnen "
                   "und Bürger, die Innovationsumfrage bei den Unternehmen, die Projektblätter und ihre Bewertungen, "
                   "per Chat (Telegram) und im Web. Frei formulierte Antworten werden den Themen der Taxonomie des "
                   "Plans zugeordnet. Für jedes Thema werden die Einheiten (ein Akteur des Registers oder eine "
                   "Bürgerin bzw. ein Bürger), die es tragen, in jeder Akteurskategorie gezählt: ein Thema ist eine "
                   "gemeinsame Priorität, wenn mehrere Kategorien es tragen (Gruppenwert, Entropie). Die Unternehmen "
                   "werden wie in der Censis-Erhebung 2004 zu Cremona, die die Ausgangsbasis bleibt, als Vorreiter, "
                   "Nachzügler oder nicht innovativ eingestuft. Die Projekte werden nach Gesamtbewertung gereiht, mit "
                   "der Übereinstimmung der Bewertenden (1 = volle Übereinstimmung). Das Netzwerk zeigt die heutige "
                   "und die gewünschte Zusammenarbeit, wie die Akteure sie angegeben haben.",
    "privacy_text": "Datenschutz: jede Anzahl von 1…{below} Antwortenden ist ausgeblendet (–), ebenso die Zellen, aus "
                    "denen sie sich errechnen ließe; es sind dieselben Tabellen wie in den Exporten und in der "
                    "Auswertung. Kein Name und keine Chat-Kennung erscheint in diesem Dokument.",
    "figures": "Die Daten im Überblick",
    "figure_col": "Eintrag",
    "value_col": "Anzahl",
    "quotes": "Zitate",
    "quotes_lead": "Die Worte hinter den Zahlen: kurze Auszüge, nur von Personen mit Einwilligung und nie aus einer "
                   "ausgeblendeten Zelle; daneben die Kategorie der schreibenden Person (kein Name, kein Pseudonym).",
    "no_quotes": "Kein Zitat verwendbar.",
    "network_reading": "Lesart des Netzwerks",
    "made": "Erstellt am {when} UTC aus {answers} Antworten ({runs} abgeschlossene Fragebögen).",
    "selection": "Nur die Auswahl des Dashboards — {what}: {n} Antwortende.",
    "answers": "Antworten",
    "runs": "abgeschlossene Fragebögen: {q}",
    "actors": "Akteure des Registers",
    "cards": "Projektblätter",
    "ratings": "Bewertungen",
}
for _key, _text in TEXTS_DE.items():
    TEXTS[_key]["de"] = _text

rt = Catalogue(TEXTS, below=dashboard_translate.__self__).translate  # type: ignore[attr-defined]
