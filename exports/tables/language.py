"""The convergence workbook in the deployment's language: sheet names, README headers, table titles
and descriptions, in Italian for an Italian deployment (``Options.lang``), English on request, German for a
plan that speaks it (Bozen/Bolzano; its words in :mod:`exports.tables.language_de`).

The tables keep their identifiers (``priorities``, ``network_edges`` …) everywhere a program reads
them — the dashboard's downloads, ``scenari tables export --tables``, the CSV/Parquet file names;
only what a person reads in the workbook changes. :func:`localised` gives a copy of the tables
with their titles and descriptions in ``Options.lang``; :func:`sheet_name` and :data:`README_HEADERS`
are for the writer (exports/tables/writer.py), which decides the workbook's sheets.
"""

from __future__ import annotations

import re
from dataclasses import replace
from typing import Any

from dialogs.i18n import deployment_language

from . import language_de as de
from .base import Table, Tables
from .governance import WAVE_GAP_DAYS

# table → (sheet, title, description) per language; a description may use {quotes} and {top}
TEXTS: dict[str, dict[str, tuple[str, str, str]]] = {
    "shared_priorities": {
        "it": ("priorità_condivise", "Priorità strategiche condivise",
               "I temi ordinati come priorità strategiche condivise, con le categorie che li condividono e fino a "
               "{quotes} citazioni rappresentative (di chi ha acconsentito, mai da una cella soppressa)."),
        "en": ("shared_priorities", "Shared strategic priorities",
               "Themes ranked as shared strategic priorities, with the categories that share them and up to "
               "{quotes} representative quotes (consenting respondents, never from a suppressed cell)."),
    },
    "convergence": {
        "it": ("convergenza", "Convergenza dei temi",
               "Tema × categoria di attori: unità distinte (attori del registro, cittadini) i cui obiettivi o visioni "
               "portano il tema, la loro quota in ogni categoria e gli indici di convergenza; nell'ordine delle "
               "priorità condivise (per group_score)."),
        "en": ("convergence", "Convergence of the themes",
               "Theme × actor category: distinct units (actors of the register, citizens) whose objectives or visions "
               "carry the theme, their share within each category, and the convergence indices. Ordered as shared "
               "strategic priorities (by group_score)."),
    },
    "convergence_cells": {
        "it": ("convergenza_celle", "Convergenza (formato lungo)", "Una riga per tema × categoria (per le tabelle pivot)."),
        "en": ("convergence_cells", "Convergence (long form)", "One row per theme × category (for pivoting)."),
    },
    "quotes": {
        "it": ("citazioni", "Citazioni", "Le parole dietro i numeri: citazioni rappresentative per tema, con pseudonimi."),
        "en": ("quotes", "Quotes", "The words behind the numbers: representative quotes per theme, pseudonymous."),
    },
    "priorities": {
        "it": ("priorità", "Priorità (Borda)",
               "Graduatoria delle tre priorità indicate nelle interviste (conteggio di Borda), tutte le categorie insieme."),
        "en": ("priorities", "Priorities (Borda)",
               "Aggregated ranking of the three priorities of the interviews (Borda count), all categories together."),
    },
    "priorities_by_category": {
        "it": ("priorità_per_categoria", "Priorità per categoria", "Lo stesso conteggio di Borda in ogni categoria."),
        "en": ("priorities_by_category", "Priorities by category", "The same Borda count within each category."),
    },
    "visions": {
        "it": ("visioni", "Visioni",
               "Le visioni della città scelte, per tipo di rispondente (categorie di attori del registro; cittadini)."),
        "en": ("visions", "Visions",
               "Distribution of the chosen visions of the city by respondent kind (actor categories of the register; "
               "citizens)."),
    },
    "vision_themes": {
        "it": ("temi_visioni", "Temi delle visioni",
               "I temi trovati (NLP, prima i tag rivisti) nelle visioni scritte con parole proprie, per tipo di rispondente."),
        "en": ("vision_themes", "Themes of the visions",
               "Themes found (NLP, reviewed tags first) in the visions written in the respondents' own words, by kind."),
    },
    "innovation_profiles": {
        "it": ("profili_innovazione", "Profilo di innovazione delle imprese",
               "Imprese anticipatrici / inseguitrici / non innovative per settore (sezione ATECO) e dimensione, "
               "accanto alla baseline."),
        "en": ("innovation_profiles", "Innovation profiles of the firms",
               "Anticipatrici / inseguitrici / non innovative by sector (ATECO section) and size, beside the baseline."),
    },
    "innovation_vs_baseline": {
        "it": ("profili_baseline", "Profili e baseline", "I profili di tutte le imprese accanto alla baseline."),
        "en": ("innovation_vs_baseline", "Profiles and baseline", "All firms' profiles beside the baseline."),
    },
    "obstacles_by_profile": {
        "it": ("ostacoli_per_profilo", "Ostacoli per profilo",
               "Gli ostacoli all'innovazione più citati da ogni profilo (un'impresa ne cita fino a tre)."),
        "en": ("obstacles_by_profile", "Obstacles by profile",
               "The obstacles to innovation most cited by each profile (a firm cites up to three)."),
    },
    "projects": {
        "it": ("progetti", "Progetti: graduatoria",
               "Le schede progetto ordinate per valutazione complessiva, con la media di ogni indice e l'accordo "
               "dei valutatori."),
        "en": ("projects", "Projects: ranking",
               "Project cards ranked by overall rating, with the mean of each index and the agreement of the raters."),
    },
    "projects_priorities": {
        "it": ("progetti_priorità", "Progetti × priorità condivise",
               "Quali schede servono quali priorità condivise: una colonna per tema tra le prime {top} priorità "
               "condivise, nel loro ordine."),
        "en": ("projects_priorities", "Projects × shared priorities",
               "Which cards serve which shared priorities: one column per theme among the top {top} shared "
               "priorities, in their order."),
    },
    "network_edges": {
        "it": ("rete_collaborazioni", "Rete: collaborazioni",
               "Chi collabora (oggi) o vorrebbe collaborare (desiderata) con chi: attori del registro per codice "
               "(le organizzazioni sono pubbliche; nessuna persona è nominata)."),
        "en": ("network_edges", "Network: collaborations",
               "Who collaborates (current) or would collaborate (wished) with whom: actors of the register by code "
               "(organisations are public; no person is named)."),
    },
    "network_categories": {
        "it": ("rete_per_categoria", "Rete per categoria",
               "Legami tra categorie (righe: chi nomina; colonne: chi è nominato)."),
        "en": ("network_categories", "Network by category",
               "Edges between categories (rows: who names; columns: who is named)."),
    },
    "network_summary": {
        "it": ("rete_misure", "Rete: misure", "Misure della rete delle collaborazioni."),
        "en": ("network_summary", "Network: measures", "Measures of the collaboration network."),
    },
    "network_centrality": {
        "it": ("rete_centralità", "Attori più centrali",
               "Attori per centralità di grado (partner distinti, in entrambe le direzioni, attuali o desiderati)."),
        "en": ("network_centrality", "Most central actors",
               "Actors by degree centrality (distinct partners, either direction, current or wished)."),
    },
    "governance_reading": {
        "it": ("governance_lettura", "Governance: lettura",
               "Che cosa dicono le misure della governance, in parole semplici."),
        "en": ("governance_reading", "Governance: reading", "What the governance measures say, in plain words."),
    },
    "governance_summary": {
        "it": ("governance_misure", "Governance: misure",
               "Frammentazione, centralizzazione e reciprocità della rete delle collaborazioni attuali e di quelle "
               "desiderate (networkx)."),
        "en": ("governance_summary", "Governance: measures",
               "Fragmentation, centralisation and reciprocity of the current and the wished collaboration networks "
               "(networkx)."),
    },
    "governance_components": {
        "it": ("governance_componenti", "Governance: componenti",
               "Le componenti connesse (gruppi di attori legati da qualche percorso di legami), per categoria e "
               "attore."),
        "en": ("governance_components", "Governance: components",
               "The connected components (groups of actors linked by some path of ties), by category and actor."),
    },
    "governance_communities": {
        "it": ("governance_comunità", "Governance: comunità",
               "Comunità: gruppi di attori con più legami tra loro che verso gli altri (modularità, metodo di Louvain)."),
        "en": ("governance_communities", "Governance: communities",
               "Communities: groups of actors with more ties among them than towards the others (Louvain "
               "modularity)."),
    },
    "governance_brokers": {
        "it": ("governance_intermediari", "Governance: intermediari",
               "Intermediari: gli attori che stanno sul maggior numero di percorsi più brevi tra gli altri "
               "(centralità di intermediazione)."),
        "en": ("governance_brokers", "Governance: brokers",
               "Brokers: the actors on the most shortest paths between the others (betweenness centrality)."),
    },
    "governance_waves": {
        "it": ("governance_ondate", "Governance: ondate",
               "Le ondate di interviste di ascolto (una nuova ondata dopo {gap} giorni senza interviste) e la rete "
               "attuale di ciascuna."),
        "en": ("governance_waves", "Governance: waves",
               "Waves of listening interviews (a new wave after {gap} days without any) and the current network of "
               "each."),
    },
    "governance_stability": {
        "it": ("governance_stabilità", "Governance: stabilità dei legami",
               "I legami tra ondate consecutive, tra gli attori intervistati in entrambe."),
        "en": ("governance_stability", "Governance: stability of the ties",
               "Ties between consecutive waves, among the actors interviewed in both."),
    },
    "consensus_shared": {
        "it": ("consenso_condiviso", "Affermazioni condivise",
               "Le affermazioni di ogni turno ordinate per consenso tra categorie C = Π_c (A_c+1)/(S_c+2)."),
        "en": ("consensus_shared", "Shared statements",
               "Statements of each round ranked by cross-category consensus C = Π_c (A_c+1)/(S_c+2)."),
    },
    "consensus_by_category": {
        "it": ("consenso_per_categoria", "Voti per affermazione e categoria",
               "D'accordo, in disaccordo e passo per affermazione e categoria dichiarata, con la quota d'accordo "
               "smussata."),
        "en": ("consensus_by_category", "Votes per statement and category",
               "Agree, disagree and pass per statement and declared category, with the smoothed agree rate."),
    },
    "consensus_distinctive": {
        "it": ("consenso_distintivo", "Affermazioni distintive per categoria",
               "Affermazioni con cui una categoria è d'accordo (o in disaccordo) più di tutti gli altri, entrambi i "
               "test z al 90 %."),
        "en": ("consensus_distinctive", "Distinctive statements per category",
               "Statements a category agrees (or disagrees) with more than everyone else, both z-tests at 90 %."),
    },
    "consensus_divisive": {
        "it": ("consenso_divisivo", "Affermazioni divisive",
               "Le affermazioni con la distanza più ampia tra le quote d'accordo smussate delle categorie."),
        "en": ("consensus_divisive", "Divisive statements",
               "Statements with the largest gap between the categories' smoothed agree rates."),
    },
    "consensus_groups": {
        "it": ("gruppi_di_opinione", "Gruppi di opinione e categorie dichiarate",
               "Gruppi trovati dai voti (PCA + k-means) e le categorie dichiarate dei loro membri."),
        "en": ("consensus_groups", "Opinion groups beside declared categories",
               "Groups found from the votes (PCA + k-means) and the declared categories of their members."),
    },
}

README_SHEET = {"it": "LEGGIMI", "en": "README"}
README_HEADERS = {"it": ("sezione", "nome", "significato"), "en": ("section", "name", "meaning")}
WORKBOOK_TITLE = {"it": "Scenari — tabelle delle convergenze", "en": "Scenari — convergence tables"}
LANGUAGES = ("it", "en", "de")  # the languages the workbook has words for (`scenari tables export --lang`)
# the README's "about" rows ({k}, {threshold}) and, in the workbook only, its section words
ABOUT = {
    "it": {"k": "{k}: il conteggio più piccolo mostrato (soppressione delle celle piccole)",
           "threshold": "{threshold}: la quota sopra la quale una categoria condivide un tema (θ)",
           "docs": "docs/convergence.md spiega ogni formula"},
    "en": {"k": "{k}: smallest count shown (small-cell suppression)",
           "threshold": "{threshold}: share above which a category shares a theme (θ)",
           "docs": "docs/convergence.md explains every formula"},
}
SECTIONS_IT = {"about": "informazioni", "count": "conteggio", "formula": "formula", "table": "foglio",
               "column": "colonna"}
# chart titles in English (the tables' own are Italian); a table without one here: its English title
CHARTS_EN = {"convergence": "Convergence (group score)", "shared_priorities": "Categories sharing the theme",
             "priorities": "Priorities (Borda points)", "network_centrality": "Most central actors",
             "projects": "Projects (rating)", "governance_brokers": "Brokers (betweenness)"}
CHART_PATTERNS_EN = ((r"Profili: oggi e (.+)", r"Profiles: today and \1"),)

# German (exports/tables/language_de.py), merged here so every reader of TEXTS (the dashboard too) has it
for _name, _entry in de.TEXTS_DE.items():
    TEXTS.setdefault(_name, {})["de"] = _entry
README_SHEET["de"], README_HEADERS["de"], WORKBOOK_TITLE["de"] = (de.README_SHEET_DE, de.README_HEADERS_DE,
                                                                  de.WORKBOOK_TITLE_DE)
ABOUT["de"] = de.ABOUT_DE
SECTIONS = {"it": SECTIONS_IT, "de": de.SECTIONS_DE}  # English: the section names themselves
CHARTS = {"en": (CHARTS_EN, CHART_PATTERNS_EN), "de": (de.CHARTS_DE, de.CHART_PATTERNS_DE)}


def text_language(lang: str | None, offered: tuple[str, ...] = LANGUAGES) -> str:
    """The language to write in: ``lang`` when these texts have it, else the plan's default
    language, else Italian (the language every built-in text has), as :class:`dialogs.i18n.Catalogue`
    falls back. A plan may list a language (say ``fr``) these texts lack: the analyst still reads words."""
    for code in (lang, deployment_language()):
        if code in offered:
            return code
    return "it"


def _lang(lang: str) -> str:
    return text_language(lang)


def sheet_name(table: str, lang: str) -> str:
    """The table's sheet in ``lang`` (at most 31 characters, Excel's limit); its name if unknown."""
    entry = TEXTS.get(table, {}).get(_lang(lang))
    return (entry[0] if entry else table)[:31]


def localised(tables: Tables) -> Tables:
    """The tables with their titles, descriptions and column meanings in ``tables.options.lang``
    (frames unchanged, shared)."""
    lang, o = _lang(tables.options.lang), tables.options
    out: dict[str, Table] = {}
    for name, table in tables.tables.items():
        entry = TEXTS.get(name, {}).get(lang)
        if entry is None:  # a table added since: its own words
            out[name] = table
            continue
        _, title, description = entry
        columns = {column: column_meaning(meaning, lang) for column, meaning in table.columns.items()}
        out[name] = replace(table, title=title, description=description.format(quotes=o.quotes, top=o.top_priorities,
                                                                             gap=WAVE_GAP_DAYS),
                            columns=columns, chart=_chart(name, table.chart, title, lang))
    return Tables(out, tables.computed_at, tables.counts, tables.options)


def _chart(name: str, chart: dict[str, Any] | None, title: str, lang: str) -> dict[str, Any] | None:
    """The chart with its title in ``lang``: the tables name their charts in Italian."""
    if not chart:
        return chart
    if lang == "it":
        return {**chart, "title": chart.get("title") or title}
    named, patterns = CHARTS.get(lang, CHARTS["en"])
    english = named.get(name)
    if english is None:
        for pattern, template in patterns:
            if re.fullmatch(pattern, str(chart.get("title", ""))):
                english = re.sub(pattern, template, str(chart["title"]))
                break
    return {**chart, "title": english or title}


# Column headers of the workbook's sheets in Italian, for the tables written since the workbook speaks
# Italian (the governance tables); the files (CSV, Parquet) and every program keep the identifiers.
HEADERS_IT: dict[str, dict[str, str]] = {
    "governance_reading": {"topic": "argomento", "reading": "lettura"},
    "governance_summary": {
        "kind": "tipo", "actors": "attori", "active_actors": "attori_con_legami", "edges": "legami",
        "components": "componenti", "largest_component": "componente_maggiore", "largest_share": "quota_maggiore",
        "component_sizes": "dimensioni_componenti", "density": "densità", "reciprocity": "reciprocità",
        "centralisation": "centralizzazione", "structure": "struttura", "communities": "comunità",
        "modularity": "modularità", "cross_category_share": "quota_tra_categorie",
        "also_other_kind": "anche_altro_tipo", "only_this_kind": "solo_questo_tipo"},
    "governance_components": {"kind": "tipo", "component": "componente", "actors": "attori",
                              "categories": "categorie", "members": "membri"},
    "governance_communities": {"kind": "tipo", "community": "comunità", "actors": "attori",
                               "categories": "categorie", "members": "membri"},
    "governance_brokers": {"kind": "tipo", "rank": "posizione", "actor": "attore", "category": "categoria",
                           "organisation": "organizzazione", "betweenness": "intermediazione", "degree": "grado"},
    "governance_waves": {"wave": "ondata", "first_day": "primo_giorno", "last_day": "ultimo_giorno",
                         "actors": "attori", "current_edges": "legami_attuali", "wished_edges": "legami_desiderati",
                         "components": "componenti", "density": "densità", "reciprocity": "reciprocità",
                         "centralisation": "centralizzazione", "structure": "struttura"},
    "governance_stability": {"from_wave": "da_ondata", "to_wave": "a_ondata", "kind": "tipo",
                             "actors_both": "attori_in_entrambe", "returning_share": "quota_ritorni",
                             "edges_before": "legami_prima", "edges_after": "legami_dopo", "stable": "stabili",
                             "new": "nuovi", "dropped": "persi", "stability": "stabilità",
                             "wished_realised": "desiderati_realizzati"},
}


def column_headers(table: str, lang: str) -> dict[str, str]:
    """The workbook's header for each column of ``table`` in ``lang`` that has one (identifier → header)."""
    return HEADERS_IT.get(table, {}) if _lang(lang) == "it" else {}


def about_text(key: str, lang: str, **values: Any) -> str:
    """One of the README's "about" rows (k, threshold, docs) in ``lang``."""
    return ABOUT[_lang(lang)][key].format(**values)


def section_word(section: str, lang: str) -> str:
    """A README section (about, count, formula, table, column) as the workbook's reader reads it."""
    return SECTIONS.get(_lang(lang), {}).get(section, section)


def readme_words(lang: str) -> tuple[str, tuple[str, str, str], str]:
    """The README sheet's name, its three headers and the workbook's title, in ``lang``."""
    lang = _lang(lang)
    return README_SHEET[lang], README_HEADERS[lang], WORKBOOK_TITLE[lang]


# What a column means, in Italian, by its English text (a text changed since stays English: nothing is
# lost); a few texts are made per category or index and are matched by pattern.
COLUMNS_IT: dict[str, str] = {
    "place by group_score": "posizione per group_score",
    "a representative quote — the category of who wrote it": "una citazione rappresentativa — la categoria di chi l'ha scritta",
    "place by group_score (then categories_above, units)": "posizione per group_score (poi categories_above, unità)",
    "theme id (lists/themes.yaml)": "codice del tema (lists/themes.yaml)",
    "theme label": "nome del tema",
    "distinct units carrying the theme, all categories": "unità distinte che portano il tema, tutte le categorie",
    "normalised entropy of the category shares (1 = evenly shared, 0 = one category only)":
        "entropia normalizzata delle quote per categoria (1 = condiviso in modo uniforme, 0 = una sola categoria)",
    "Π over categories of (n+1)/(N+2)": "Π sulle categorie di (n+1)/(N+2)",
    "distinct units of the category carrying the theme": "unità distinte della categoria che portano il tema",
    "units of the category": "unità della categoria",
    "units / category_units": "units / category_units",
    "the respondent's pseudonym": "lo pseudonimo del rispondente",
    "units ranking the theme first": "unità che mettono il tema al primo posto",
    "units ranking the theme at all": "unità che mettono il tema in graduatoria",
    "units who answered the priorities question": "unità che hanno risposto alla domanda sulle priorità",
    "points / (3 × respondents): 1 = everybody ranked it first": "punti / (3 × rispondenti): 1 = tutti l'hanno messo al primo posto",
    "units of the kind who chose the vision": "unità del tipo che hanno scelto la visione",
    "units of the kind who answered": "unità del tipo che hanno risposto",
    "units / kind_units": "units / kind_units",
    "the strategic theme the vision stands for": "il tema strategico che la visione rappresenta",
    "units of the kind whose written vision carries the theme": "unità del tipo la cui visione scritta porta il tema",
    "units of the kind who wrote a vision": "unità del tipo che hanno scritto una visione",
    "all, sector (ATECO section) or size (employees)": "tutte, settore (sezione ATECO) o dimensione (addetti)",
    "firms in the group": "imprese del gruppo",
    "share of the group's firms, %": "quota delle imprese del gruppo, %",
    "baseline, %": "baseline, %",
    "share of all firms now, %": "quota di tutte le imprese oggi, %",
    "pct − baseline_pct, percentage points": "pct − baseline_pct, punti percentuali",
    "place within the profile": "posizione nel profilo",
    "firms of the profile citing it": "imprese del profilo che lo citano",
    "firms of the profile": "imprese del profilo",
    "firms / profile_firms, %": "firms / profile_firms, %",
    "raters who completed a rating": "valutatori che hanno completato una valutazione",
    "population standard deviation of the raters' overall ratings":
        "deviazione standard (della popolazione) delle valutazioni complessive dei valutatori",
    "1 − sd/2 (1 = all raters agree; 0 = half rated 1, half 5)":
        "1 − sd/2 (1 = tutti i valutatori d'accordo; 0 = metà ha dato 1, metà 5)",
    "declared = the card's theme; text = found in the card's text (NLP); empty = neither":
        "declared = il tema della scheda; text = trovato nel testo della scheda (NLP); vuoto = nessuno dei due",
    "how many of these priorities the card serves": "quante di queste priorità la scheda serve",
    "current (collaborates_with) or wished (would_collaborate)": "attuale (collaborates_with) o desiderata (would_collaborate)",
    "actor who answered": "attore che ha risposto",
    "actor named": "attore nominato",
    "actors in the register (n)": "attori del registro (n)",
    "directed edges m": "legami orientati m",
    "m / (n·(n−1))": "m / (n·(n−1))",
    "share of edges whose reverse edge exists": "quota dei legami ricambiati",
    "actors naming this one": "attori che nominano questo",
    "actors this one names": "attori che questo nomina",
    "distinct partners": "partner distinti",
    "degree / (n − 1)": "grado / (n − 1)",
    "in_current + in_wished": "in_current + in_wished",
    "fragmentation, structure, brokers, communities, reciprocity, wished, stability":
        "frammentazione, struttura, intermediari, comunità, reciprocità, desiderate, stabilità",
    "the reading": "la lettura",
    "actors with at least one tie (naming or named)": "attori con almeno un legame (che nominano o nominati)",
    "connected components of the active actors": "componenti connesse degli attori con legami",
    "actors of the largest component / active actors": "attori della componente più grande / attori con legami",
    "actors in each component, largest first": "attori di ogni componente, dalla più grande",
    "m / (n·(n−1)), n = actors in the register": "m / (n·(n−1)), n = attori del registro",
    "Freeman's degree centralisation: 1 = a star (hub-and-spoke), 0 = all alike (peers)":
        "centralizzazione di grado di Freeman: 1 = a stella (hub-and-spoke), 0 = tutti alla pari",
    "communities of two actors or more (Louvain modularity)": "comunità di due o più attori (modularità, Louvain)",
    "modularity of the communities found": "modularità delle comunità trovate",
    "share of ties between actors of different categories": "quota dei legami tra attori di categorie diverse",
    "ties that are both current and wished": "legami sia attuali sia desiderati",
    "ties of this kind only": "legami solo di questo tipo",
    "actors by category and ordinal (no code)": "attori per categoria e numero d'ordine (nessun codice)",
    "normalised betweenness centrality (undirected)": "centralità di intermediazione normalizzata (non orientata)",
    "actors interviewed in the wave (latest interview of each)":
        "attori intervistati nell'ondata (l'ultima intervista di ciascuno)",
    "Freeman's degree centralisation of the wave's current ties":
        "centralizzazione di grado di Freeman dei legami attuali dell'ondata",
    "actors interviewed in both waves": "attori intervistati in entrambe le ondate",
    "actors_both / actors of the later wave": "actors_both / attori dell'ondata successiva",
    "ties named in both waves": "legami indicati in entrambe le ondate",
    "ties named only in the later wave": "legami indicati solo nell'ondata successiva",
    "ties named only in the earlier wave": "legami indicati solo nell'ondata precedente",
    "stable / (stable + new + dropped) (Jaccard)": "stabili / (stabili + nuovi + persi) (Jaccard)",
    "wished ties of the earlier wave current in the later":
        "legami desiderati nell'ondata precedente e attuali nella successiva",
    "1 = the most shared across categories (only with seen ≥ min votes)":
        "1 = la più condivisa tra le categorie (solo con seen ≥ voti minimi)",
    "Π over the round's categories of the smoothed agree rate (1/2 for a cell under the minimum)":
        "Π sulle categorie del turno della quota d'accordo smussata (1/2 per una cella sotto il minimo)",
    "categories of the round (≥ k voters)": "categorie del turno (≥ k votanti)",
    "categories whose cell counts": "categorie la cui cella conta",
    "votes (agree + disagree + pass)": "voti (d'accordo + in disaccordo + passo)",
    "(agree + 1) / (seen + 2), all voters": "(agree + 1) / (seen + 2), tutti i votanti",
    "voters of the category in the round": "votanti della categoria nel turno",
    "agree / seen": "agree / seen",
    "(agree + 1) / (seen + 2)": "(agree + 1) / (seen + 2)",
    "seen ≥ max(k, min votes per category)": "seen ≥ max(k, voti minimi per categoria)",
    "(A+1)/(S+2) in the category": "(A+1)/(S+2) nella categoria",
    "the same over every other voter": "lo stesso su tutti gli altri votanti",
    "rate_in / rate_out": "rate_in / rate_out",
    "Pol.is prop-test of the rate in the category against 1/2": "test delle proporzioni di Pol.is della quota nella categoria contro 1/2",
    "two-proportion z, in vs out": "z di due proporzioni, dentro contro fuori",
    "highest minus lowest smoothed agree rate": "quota d'accordo smussata più alta meno la più bassa",
    "the category agreeing most": "la categoria più d'accordo",
    "the category agreeing least": "la categoria meno d'accordo",
    "A = the largest": "A = il più grande",
    "members of the group in the category": "membri del gruppo nella categoria",
    "participants / group_size": "participants / group_size",
    "how well separated the groups are (−1…1)": "quanto sono separati i gruppi (−1…1)",
}
COLUMN_PATTERNS_IT: tuple[tuple[str, str], ...] = (
    (r"categories whose share ≥ (?:threshold θ = )?(.+)", r"categorie con quota ≥ \1"),
    (r"units of category (\S+) carrying the theme", r"unità della categoria \1 che portano il tema"),
    (r"(n_\S+) / units of category (\S+) who answered", r"\1 / unità della categoria \2 che hanno risposto"),
    (r"count of 1…(\d+) units or category under (\d+): hidden", r"conteggio di 1…\1 unità o categoria sotto \2: nascosto"),
    (r"the answer, at most (\d+) characters", r"la risposta, al più \1 caratteri"),
    (r"Borda points: (.+), unranked 0", r"punti Borda: \1, non in graduatoria 0"),
    (r"mean over raters of (.+) \(weights: (.+)\)", r"media sui valutatori di \1 (pesi: \2)"),
    (r"mean of index (\S+) across raters", r"media dell'indice \1 tra i valutatori"),
    (r"rated by 1…(\d+) raters: scores hidden", r"valutata da 1…\1 valutatori: punteggi nascosti"),
    (r"edges towards that category \((.+)\)", r"legami verso quella categoria (\1)"),
    (r"peer \(< (.+)\), mixed, hub \(≥ (.+)\)", r"peer = tra pari (< \1), mixed = intermedia, hub = a stella (≥ \2)"),
)


def column_meaning(text: str, lang: str) -> str:
    """What a column means in ``lang`` (English as the tables say it; Italian from the lists above, German from language_de)."""
    lang = _lang(lang)
    if lang == "en":
        return text
    known, patterns = (COLUMNS_IT, COLUMN_PATTERNS_IT) if lang == "it" else (de.COLUMNS_DE, de.COLUMN_PATTERNS_DE)
    if text in known:
        return known[text]
    for pattern, template in patterns:
        if re.fullmatch(pattern, text):
            return re.sub(pattern, template, text)
    return text


# The README's formulas in Italian, by name (exports.tables.writer.FORMULAS, consensus' too)
FORMULAS_IT: dict[str, str] = {
    "unit": "un attore del registro per le interviste (ascolto), un rispondente per i cittadini (visione); di ogni "
            "unità conta solo l'ultima compilazione completata",
    "carries": "un'unità porta un tema quando un tag effettivo (la decisione di una persona prevale sulla macchina) "
               "di uno dei suoi obiettivi o delle sue visioni in testo libero lo nomina, o quando ha scelto una "
               "visione che lo rappresenta",
    "share": "s = n / N: unità della categoria che portano il tema / unità della categoria",
    "categories_above": "numero di categorie (con N ≥ k) la cui quota s ≥ θ",
    "entropy": "H = −Σ pᵢ ln pᵢ / ln m, pᵢ = sᵢ / Σ s sulle m categorie con N ≥ k",
    "group_score": "G = Π sulle categorie con N ≥ k di (n + 1) / (N + 2)",
    "Borda": "il posto 1 di R = 3 vale 3 punti, il posto 2 ne vale 2, il posto 3 ne vale 1; punti sommati sulle unità",
    "agreement": "1 − sd / 2, sd = deviazione standard (della popolazione) delle valutazioni complessive dei "
                 "valutatori (scala 1–5)",
    "suppression": "un conteggio di 1 … k−1 unità è lasciato vuoto, con ogni numero che ne deriva; una categoria (o "
                   "un gruppo) con meno di k unità è vuota per intero; vuoto ≠ 0; le celle soppresse contano 0 negli "
                   "indici",
    "secondary suppression": "dove un vuoto si potrebbe ricavare da un totale stampato (le imprese di una riga meno i "
                             "profili mostrati, la riga «all» meno gli altri settori), altre celle sono svuotate perché "
                             "nessuna si possa ricavare; un vuoto è allora «pochi» o «nascosto per proteggere pochi» "
                             "(docs/convergence.md)",
    "consensus_cell": "per affermazione × categoria: A d'accordo, D in disaccordo, P passo, S = A + D + P viste; "
                      "quota d'accordo smussata r = (A + 1) / (S + 2) (Laplace)",
    "consensus": "C = Π sulle categorie del turno (≥ k votanti) di r_c; una cella con S < max(k, min_category_votes) "
                 "entra come 1/2; in graduatoria solo con S ≥ min_votes (consenso informato dai gruppi di Pol.is, "
                 "categorie dichiarate)",
    "distinctive": "ratio = r_in / r_out; tenuta quando z_in = 2√(S_in+1)((A_in+1)/(S_in+1) − ½) > 1,2816 e lo z di "
                   "due proporzioni (dentro contro fuori, smussato +1) > 1,2816 (unilaterale al 90 %); anche per il "
                   "disaccordo",
    "divisive": "gap = max_c r_c − min_c r_c sulle celle che contano (≥ 2)",
    "opinion_groups": "PCA (2 componenti) di d'accordo 1 / in disaccordo −1 / passo 0, mancante = media "
                      "dell'affermazione, proiezioni scalate di √(affermazioni / votate); k-means, k = 2…5 per "
                      "silhouette; partecipanti con ≥ 7 voti",
}


def formulas(items: tuple[tuple[str, str], ...], lang: str) -> tuple[tuple[str, str], ...]:
    """The README's (name, formula) rows in ``lang``: Italian or German where known, else as given."""
    lang = _lang(lang)
    if lang == "en":
        return items
    known = FORMULAS_IT if lang == "it" else de.FORMULAS_DE
    return tuple((name, known.get(name, text)) for name, text in items)
