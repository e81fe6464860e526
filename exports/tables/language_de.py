"""The convergence workbook's words in German, for a plan that speaks it (Bozen/Bolzano).

Data only, merged into :mod:`exports.tables.language` at import: the sheet names, titles and
descriptions (``TEXTS_DE``), the README's words, the column meanings by their English text
(``COLUMNS_DE``, patterns in ``COLUMN_PATTERNS_DE``) and the formulas (``FORMULAS_DE``). Kept apart
so the Italian and English module stays readable; the wording is that of a South Tyrolean
administration ("Gemeinde", "Akteure", "Datenschutz"). Sheet names stay under Excel's 31 characters.
"""

from __future__ import annotations

# table → (sheet, title, description); a description may use {quotes}, {top} and {gap}
TEXTS_DE: dict[str, tuple[str, str, str]] = {
    "shared_priorities": ("gemeinsame_prioritäten", "Gemeinsame strategische Prioritäten",
                          "Die Themen als gemeinsame strategische Prioritäten gereiht, mit den Kategorien, die sie "
                          "teilen, und bis zu {quotes} typischen Zitaten (nur von Personen mit Einwilligung, nie aus "
                          "einer unterdrückten Zelle)."),
    "convergence": ("konvergenz", "Konvergenz der Themen",
                    "Thema × Akteurskategorie: eindeutige Einheiten (Akteure des Registers, Bürgerinnen und Bürger), "
                    "deren Ziele oder Visionen das Thema tragen, ihr Anteil in jeder Kategorie und die "
                    "Konvergenzindizes; in der Reihenfolge der gemeinsamen Prioritäten (nach group_score)."),
    "convergence_cells": ("konvergenz_zellen", "Konvergenz (Langformat)",
                          "Eine Zeile je Thema × Kategorie (für Pivot-Tabellen)."),
    "quotes": ("zitate", "Zitate", "Die Worte hinter den Zahlen: typische Zitate je Thema, mit Pseudonymen."),
    "priorities": ("prioritäten", "Prioritäten (Borda)",
                   "Gesamtreihung der drei in den Interviews genannten Prioritäten (Borda-Zählung), alle Kategorien "
                   "zusammen."),
    "priorities_by_category": ("prioritäten_je_kategorie", "Prioritäten je Kategorie",
                               "Dieselbe Borda-Zählung innerhalb jeder Kategorie."),
    "visions": ("visionen", "Visionen",
                "Die gewählten Visionen der Stadt nach Art der Antwortenden (Akteurskategorien des Registers; "
                "Bürgerinnen und Bürger)."),
    "vision_themes": ("themen_der_visionen", "Themen der Visionen",
                      "Die Themen (NLP, geprüfte Schlagwörter zuerst), die in den frei formulierten Visionen "
                      "gefunden wurden, nach Art der Antwortenden."),
    "innovation_profiles": ("innovationsprofile", "Innovationsprofile der Unternehmen",
                            "Vorreiter / Nachzügler / nicht innovative Unternehmen nach Sektor (ATECO-Abschnitt) und "
                            "Größe, neben der Ausgangsbasis."),
    "innovation_vs_baseline": ("profile_ausgangsbasis", "Profile und Ausgangsbasis",
                               "Die Profile aller Unternehmen neben der Ausgangsbasis."),
    "obstacles_by_profile": ("hindernisse_je_profil", "Hindernisse je Profil",
                             "Die von jedem Profil am häufigsten genannten Innovationshindernisse (ein Unternehmen "
                             "nennt bis zu drei)."),
    "projects": ("projekte", "Projekte: Reihung",
                 "Die Projektblätter nach Gesamtbewertung gereiht, mit dem Mittelwert jedes Index und der "
                 "Übereinstimmung der Bewertenden."),
    "projects_priorities": ("projekte_prioritäten", "Projekte × gemeinsame Prioritäten",
                            "Welche Projektblätter welchen gemeinsamen Prioritäten dienen: eine Spalte je Thema unter "
                            "den ersten {top} gemeinsamen Prioritäten, in ihrer Reihenfolge."),
    "network_edges": ("netz_zusammenarbeit", "Netzwerk: Zusammenarbeit",
                      "Wer mit wem zusammenarbeitet (heute) oder zusammenarbeiten möchte (gewünscht): Akteure des "
                      "Registers nach Kennung (Organisationen sind öffentlich; keine Person wird genannt)."),
    "network_categories": ("netz_je_kategorie", "Netzwerk je Kategorie",
                           "Verbindungen zwischen Kategorien (Zeilen: wer nennt; Spalten: wer genannt wird)."),
    "network_summary": ("netz_kennzahlen", "Netzwerk: Kennzahlen", "Kennzahlen des Netzwerks der Zusammenarbeit."),
    "network_centrality": ("netz_zentralität", "Zentralste Akteure",
                           "Akteure nach Gradzentralität (verschiedene Partner, in beide Richtungen, heute oder "
                           "gewünscht)."),
    "governance_reading": ("governance_lesart", "Governance: Lesart",
                           "Was die Governance-Kennzahlen aussagen, in einfachen Worten."),
    "governance_summary": ("governance_kennzahlen", "Governance: Kennzahlen",
                           "Zersplitterung, Zentralisierung und Gegenseitigkeit des heutigen und des gewünschten "
                           "Netzwerks der Zusammenarbeit (networkx)."),
    "governance_components": ("governance_komponenten", "Governance: Komponenten",
                              "Die zusammenhängenden Komponenten (Gruppen von Akteuren, die über einen Pfad von "
                              "Verbindungen verknüpft sind), nach Kategorie und Akteur."),
    "governance_communities": ("governance_gemeinschaften", "Governance: Gemeinschaften",
                               "Gemeinschaften: Gruppen von Akteuren mit mehr Verbindungen untereinander als nach "
                               "außen (Modularität, Louvain-Methode)."),
    "governance_brokers": ("governance_vermittler", "Governance: Vermittler",
                           "Vermittler: die Akteure, die auf den meisten kürzesten Pfaden zwischen den anderen liegen "
                           "(Betweenness-Zentralität)."),
    "governance_waves": ("governance_wellen", "Governance: Wellen",
                         "Die Wellen der Anhörungsinterviews (eine neue Welle nach {gap} Tagen ohne Interviews) und "
                         "das heutige Netzwerk jeder Welle."),
    "governance_stability": ("governance_stabilität", "Governance: Stabilität der Verbindungen",
                             "Die Verbindungen zwischen aufeinanderfolgenden Wellen, unter den in beiden befragten "
                             "Akteuren."),
    "consensus_shared": ("konsens_gemeinsam", "Gemeinsame Aussagen",
                         "Die Aussagen jeder Runde nach kategorieübergreifendem Konsens gereiht, "
                         "C = Π_c (A_c+1)/(S_c+2)."),
    "consensus_by_category": ("konsens_je_kategorie", "Stimmen je Aussage und Kategorie",
                              "Zustimmung, Ablehnung und Enthaltung je Aussage und angegebener Kategorie, mit der "
                              "geglätteten Zustimmungsquote."),
    "consensus_distinctive": ("konsens_kennzeichnend", "Kennzeichnende Aussagen je Kategorie",
                              "Aussagen, denen eine Kategorie stärker zustimmt (oder die sie stärker ablehnt) als "
                              "alle anderen, beide z-Tests bei 90 %."),
    "consensus_divisive": ("konsens_strittig", "Strittige Aussagen",
                           "Die Aussagen mit dem größten Abstand zwischen den geglätteten Zustimmungsquoten der "
                           "Kategorien."),
    "consensus_groups": ("meinungsgruppen", "Meinungsgruppen und angegebene Kategorien",
                         "Aus den Stimmen gefundene Gruppen (PCA + k-means) und die angegebenen Kategorien ihrer "
                         "Mitglieder."),
}

README_SHEET_DE = "LIESMICH"
README_HEADERS_DE = ("abschnitt", "name", "bedeutung")
WORKBOOK_TITLE_DE = "Scenari — Konvergenztabellen"
ABOUT_DE = {
    "k": "{k}: die kleinste angezeigte Anzahl (Unterdrückung kleiner Zellen)",
    "threshold": "{threshold}: der Anteil, ab dem eine Kategorie ein Thema teilt (θ)",
    "docs": "docs/convergence.md erklärt jede Formel",
}
SECTIONS_DE = {"about": "info", "count": "anzahl", "formula": "formel", "table": "blatt", "column": "spalte"}
# chart titles (the tables name their charts in Italian); a table without one here: its German title
CHARTS_DE = {"convergence": "Konvergenz (group score)", "shared_priorities": "Kategorien, die das Thema teilen",
             "priorities": "Prioritäten (Borda-Punkte)", "network_centrality": "Zentralste Akteure",
             "projects": "Projekte (Bewertung)", "governance_brokers": "Vermittler (Betweenness)"}
CHART_PATTERNS_DE = ((r"Profili: oggi e (.+)", r"Profile: heute und \1"),)

# What a column means, in German, by its English text (a text changed since stays English).
COLUMNS_DE: dict[str, str] = {
    "place by group_score": "Rang nach group_score",
    "a representative quote — the category of who wrote it": "ein typisches Zitat — die Kategorie der Person, die es schrieb",
    "place by group_score (then categories_above, units)": "Rang nach group_score (dann categories_above, Einheiten)",
    "theme id (lists/themes.yaml)": "Kennung des Themas (lists/themes.yaml)",
    "theme label": "Bezeichnung des Themas",
    "distinct units carrying the theme, all categories": "eindeutige Einheiten, die das Thema tragen, alle Kategorien",
    "normalised entropy of the category shares (1 = evenly shared, 0 = one category only)":
        "normierte Entropie der Kategorieanteile (1 = gleichmäßig geteilt, 0 = nur eine Kategorie)",
    "Π over categories of (n+1)/(N+2)": "Π über die Kategorien von (n+1)/(N+2)",
    "distinct units of the category carrying the theme": "eindeutige Einheiten der Kategorie, die das Thema tragen",
    "units of the category": "Einheiten der Kategorie",
    "units / category_units": "units / category_units",
    "the respondent's pseudonym": "das Pseudonym der antwortenden Person",
    "units ranking the theme first": "Einheiten, die das Thema an erste Stelle setzen",
    "units ranking the theme at all": "Einheiten, die das Thema überhaupt reihen",
    "units who answered the priorities question": "Einheiten, die die Frage zu den Prioritäten beantwortet haben",
    "points / (3 × respondents): 1 = everybody ranked it first":
        "Punkte / (3 × Antwortende): 1 = alle haben es an erste Stelle gesetzt",
    "units of the kind who chose the vision": "Einheiten dieser Art, die die Vision gewählt haben",
    "units of the kind who answered": "Einheiten dieser Art, die geantwortet haben",
    "units / kind_units": "units / kind_units",
    "the strategic theme the vision stands for": "das strategische Thema, für das die Vision steht",
    "units of the kind whose written vision carries the theme": "Einheiten dieser Art, deren geschriebene Vision das Thema trägt",
    "units of the kind who wrote a vision": "Einheiten dieser Art, die eine Vision geschrieben haben",
    "all, sector (ATECO section) or size (employees)": "alle, Sektor (ATECO-Abschnitt) oder Größe (Beschäftigte)",
    "firms in the group": "Unternehmen der Gruppe",
    "share of the group's firms, %": "Anteil der Unternehmen der Gruppe, %",
    "baseline, %": "Ausgangsbasis, %",
    "share of all firms now, %": "Anteil aller Unternehmen heute, %",
    "pct − baseline_pct, percentage points": "pct − baseline_pct, Prozentpunkte",
    "place within the profile": "Rang innerhalb des Profils",
    "firms of the profile citing it": "Unternehmen des Profils, die es nennen",
    "firms of the profile": "Unternehmen des Profils",
    "firms / profile_firms, %": "firms / profile_firms, %",
    "raters who completed a rating": "Bewertende, die eine Bewertung abgeschlossen haben",
    "population standard deviation of the raters' overall ratings":
        "Standardabweichung (der Grundgesamtheit) der Gesamtbewertungen der Bewertenden",
    "1 − sd/2 (1 = all raters agree; 0 = half rated 1, half 5)":
        "1 − sd/2 (1 = alle Bewertenden einig; 0 = die Hälfte gab 1, die Hälfte 5)",
    "declared = the card's theme; text = found in the card's text (NLP); empty = neither":
        "declared = das Thema des Projektblatts; text = im Text des Blatts gefunden (NLP); leer = keines von beiden",
    "how many of these priorities the card serves": "wie vielen dieser Prioritäten das Projektblatt dient",
    "current (collaborates_with) or wished (would_collaborate)": "heute (collaborates_with) oder gewünscht (would_collaborate)",
    "actor who answered": "Akteur, der geantwortet hat",
    "actor named": "genannter Akteur",
    "actors in the register (n)": "Akteure im Register (n)",
    "directed edges m": "gerichtete Verbindungen m",
    "m / (n·(n−1))": "m / (n·(n−1))",
    "share of edges whose reverse edge exists": "Anteil der erwiderten Verbindungen",
    "actors naming this one": "Akteure, die diesen nennen",
    "actors this one names": "Akteure, die dieser nennt",
    "distinct partners": "verschiedene Partner",
    "degree / (n − 1)": "Grad / (n − 1)",
    "in_current + in_wished": "in_current + in_wished",
    "fragmentation, structure, brokers, communities, reciprocity, wished, stability":
        "Zersplitterung, Struktur, Vermittler, Gemeinschaften, Gegenseitigkeit, gewünscht, Stabilität",
    "the reading": "die Lesart",
    "actors with at least one tie (naming or named)": "Akteure mit mindestens einer Verbindung (nennend oder genannt)",
    "connected components of the active actors": "zusammenhängende Komponenten der Akteure mit Verbindungen",
    "actors of the largest component / active actors": "Akteure der größten Komponente / Akteure mit Verbindungen",
    "actors in each component, largest first": "Akteure jeder Komponente, die größte zuerst",
    "m / (n·(n−1)), n = actors in the register": "m / (n·(n−1)), n = Akteure im Register",
    "Freeman's degree centralisation: 1 = a star (hub-and-spoke), 0 = all alike (peers)":
        "Gradzentralisierung nach Freeman: 1 = sternförmig (hub-and-spoke), 0 = alle gleichrangig",
    "communities of two actors or more (Louvain modularity)": "Gemeinschaften aus zwei oder mehr Akteuren (Modularität, Louvain)",
    "modularity of the communities found": "Modularität der gefundenen Gemeinschaften",
    "share of ties between actors of different categories": "Anteil der Verbindungen zwischen Akteuren verschiedener Kategorien",
    "ties that are both current and wished": "Verbindungen, die sowohl heute bestehen als auch gewünscht sind",
    "ties of this kind only": "Verbindungen nur dieser Art",
    "actors by category and ordinal (no code)": "Akteure nach Kategorie und laufender Nummer (keine Kennung)",
    "normalised betweenness centrality (undirected)": "normierte Betweenness-Zentralität (ungerichtet)",
    "actors interviewed in the wave (latest interview of each)":
        "in der Welle befragte Akteure (jeweils das letzte Interview)",
    "Freeman's degree centralisation of the wave's current ties":
        "Gradzentralisierung nach Freeman der heutigen Verbindungen der Welle",
    "actors interviewed in both waves": "in beiden Wellen befragte Akteure",
    "actors_both / actors of the later wave": "actors_both / Akteure der späteren Welle",
    "ties named in both waves": "in beiden Wellen genannte Verbindungen",
    "ties named only in the later wave": "nur in der späteren Welle genannte Verbindungen",
    "ties named only in the earlier wave": "nur in der früheren Welle genannte Verbindungen",
    "stable / (stable + new + dropped) (Jaccard)": "stabil / (stabil + neu + weggefallen) (Jaccard)",
    "wished ties of the earlier wave current in the later":
        "in der früheren Welle gewünschte Verbindungen, die in der späteren bestehen",
    "1 = the most shared across categories (only with seen ≥ min votes)":
        "1 = die über die Kategorien am meisten geteilte (nur mit seen ≥ Mindeststimmen)",
    "Π over the round's categories of the smoothed agree rate (1/2 for a cell under the minimum)":
        "Π über die Kategorien der Runde der geglätteten Zustimmungsquote (1/2 für eine Zelle unter dem Minimum)",
    "categories of the round (≥ k voters)": "Kategorien der Runde (≥ k Abstimmende)",
    "categories whose cell counts": "Kategorien, deren Zelle zählt",
    "votes (agree + disagree + pass)": "Stimmen (Zustimmung + Ablehnung + Enthaltung)",
    "(agree + 1) / (seen + 2), all voters": "(agree + 1) / (seen + 2), alle Abstimmenden",
    "voters of the category in the round": "Abstimmende der Kategorie in der Runde",
    "agree / seen": "agree / seen",
    "(agree + 1) / (seen + 2)": "(agree + 1) / (seen + 2)",
    "seen ≥ max(k, min votes per category)": "seen ≥ max(k, Mindeststimmen je Kategorie)",
    "(A+1)/(S+2) in the category": "(A+1)/(S+2) in der Kategorie",
    "the same over every other voter": "dasselbe über alle anderen Abstimmenden",
    "rate_in / rate_out": "rate_in / rate_out",
    "Pol.is prop-test of the rate in the category against 1/2":
        "Anteilstest nach Pol.is der Quote in der Kategorie gegen 1/2",
    "two-proportion z, in vs out": "z-Test zweier Anteile, innen gegen außen",
    "highest minus lowest smoothed agree rate": "höchste minus niedrigste geglättete Zustimmungsquote",
    "the category agreeing most": "die Kategorie mit der größten Zustimmung",
    "the category agreeing least": "die Kategorie mit der geringsten Zustimmung",
    "A = the largest": "A = die größte",
    "members of the group in the category": "Mitglieder der Gruppe in der Kategorie",
    "participants / group_size": "participants / group_size",
    "how well separated the groups are (−1…1)": "wie deutlich die Gruppen getrennt sind (−1…1)",
}
COLUMN_PATTERNS_DE: tuple[tuple[str, str], ...] = (
    (r"categories whose share ≥ (?:threshold θ = )?(.+)", r"Kategorien mit Anteil ≥ \1"),
    (r"units of category (\S+) carrying the theme", r"Einheiten der Kategorie \1, die das Thema tragen"),
    (r"(n_\S+) / units of category (\S+) who answered", r"\1 / Einheiten der Kategorie \2, die geantwortet haben"),
    (r"count of 1…(\d+) units or category under (\d+): hidden",
     r"Anzahl von 1…\1 Einheiten oder Kategorie unter \2: ausgeblendet"),
    (r"the answer, at most (\d+) characters", r"die Antwort, höchstens \1 Zeichen"),
    (r"Borda points: (.+), unranked 0", r"Borda-Punkte: \1, nicht gereiht 0"),
    (r"mean over raters of (.+) \(weights: (.+)\)", r"Mittelwert über die Bewertenden von \1 (Gewichte: \2)"),
    (r"mean of index (\S+) across raters", r"Mittelwert des Index \1 über die Bewertenden"),
    (r"rated by 1…(\d+) raters: scores hidden", r"von 1…\1 Bewertenden bewertet: Werte ausgeblendet"),
    (r"edges towards that category \((.+)\)", r"Verbindungen zu dieser Kategorie (\1)"),
    (r"peer \(< (.+)\), mixed, hub \(≥ (.+)\)",
     r"peer = gleichrangig (< \1), mixed = gemischt, hub = sternförmig (≥ \2)"),
)

# The README's formulas in German, by name (exports.tables.writer.FORMULAS, consensus' too)
FORMULAS_DE: dict[str, str] = {
    "unit": "ein Akteur des Registers bei den Interviews (ascolto), eine antwortende Person bei den Bürgerinnen und "
            "Bürgern (visione); von jeder Einheit zählt nur die letzte abgeschlossene Befragung",
    "carries": "eine Einheit trägt ein Thema, wenn ein gültiges Schlagwort (die Entscheidung einer Person geht der "
               "Maschine vor) eines ihrer Ziele oder ihrer frei formulierten Visionen es nennt, oder wenn sie eine "
               "Vision gewählt hat, die dafür steht",
    "share": "s = n / N: Einheiten der Kategorie, die das Thema tragen / Einheiten der Kategorie",
    "categories_above": "Anzahl der Kategorien (mit N ≥ k), deren Anteil s ≥ θ",
    "entropy": "H = −Σ pᵢ ln pᵢ / ln m, pᵢ = sᵢ / Σ s über die m Kategorien mit N ≥ k",
    "group_score": "G = Π über die Kategorien mit N ≥ k von (n + 1) / (N + 2)",
    "Borda": "Rang 1 von R = 3 bringt 3 Punkte, Rang 2 bringt 2, Rang 3 bringt 1; Punkte über die Einheiten summiert",
    "agreement": "1 − sd / 2, sd = Standardabweichung (der Grundgesamtheit) der Gesamtbewertungen der Bewertenden "
                 "(Skala 1–5)",
    "suppression": "eine Anzahl von 1 … k−1 Einheiten bleibt leer, ebenso jede daraus abgeleitete Zahl; eine "
                   "Kategorie (oder Gruppe) mit weniger als k Einheiten bleibt ganz leer; leer ≠ 0; unterdrückte "
                   "Zellen zählen in den Indizes als 0",
    "secondary suppression": "wo sich ein leerer Wert aus einer gedruckten Summe errechnen ließe (die Unternehmen "
                             "einer Zeile minus die gezeigten Profile, die Zeile «all» minus die übrigen Sektoren), "
                             "werden weitere Zellen geleert, damit keiner errechnet werden kann; ein leerer Wert ist "
                             "dann «wenige» oder «ausgeblendet, um wenige zu schützen» (docs/convergence.md)",
    "consensus_cell": "je Aussage × Kategorie: A Zustimmung, D Ablehnung, P Enthaltung, S = A + D + P gesehen; "
                      "geglättete Zustimmungsquote r = (A + 1) / (S + 2) (Laplace)",
    "consensus": "C = Π über die Kategorien der Runde (≥ k Abstimmende) von r_c; eine Zelle mit "
                 "S < max(k, min_category_votes) geht mit 1/2 ein; gereiht nur mit S ≥ min_votes (Konsens nach den "
                 "Gruppen von Pol.is, angegebene Kategorien)",
    "distinctive": "ratio = r_in / r_out; gilt, wenn z_in = 2√(S_in+1)((A_in+1)/(S_in+1) − ½) > 1,2816 und der "
                   "z-Test zweier Anteile (innen gegen außen, geglättet +1) > 1,2816 (einseitig bei 90 %); ebenso "
                   "für die Ablehnung",
    "divisive": "gap = max_c r_c − min_c r_c über die zählenden Zellen (≥ 2)",
    "opinion_groups": "PCA (2 Komponenten) von Zustimmung 1 / Ablehnung −1 / Enthaltung 0, fehlend = Mittelwert der "
                      "Aussage, Projektionen skaliert mit √(Aussagen / abgestimmt); k-means, k = 2…5 nach "
                      "Silhouette; Teilnehmende mit ≥ 7 Stimmen",
}
