"""From the tables to what the dashboard's templates show: the sections, table views and charts.

Pure functions of the built tables: no request, no database. pandas is never imported here at
module level — these run only once the tables exist, which loaded it already.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from typing import TYPE_CHECKING, Any

from . import charts
from .cache import ACTIVITY
from .texts import header, header_language, translate

if TYPE_CHECKING:  # pandas and the tables load at the first dashboard request, not at start-up
    import pandas as pd

    from .cache import Table, Tables

MAX_ROWS = 60  # rows of a table shown on a page (the downloads have them all)
PUBLISHABLE = ("shared_priorities", "innovation_vs_baseline", "innovation_profiles", "visions")
PUBLIC_COLUMNS = {
    "shared_priorities": ["rank", "label", "categories_above", "categories", "units"],
    "innovation_vs_baseline": ["label", "firms", "pct", "baseline_pct", "difference_pp"],
    "innovation_profiles": None,
    "visions": ["kind_label", "vision_label", "units", "kind_units", "share"],
}

SECTIONS: dict[str, dict[str, Any]] = {
    "attivita": {"it": "Risposte nel tempo", "en": "Answers over time", "de": "Antworten im Zeitverlauf",
                 "tables": [ACTIVITY]},
    "profili": {"it": "Profili di innovazione", "en": "Innovation profiles", "de": "Innovationsprofile",
                "tables": ["innovation_vs_baseline", "innovation_profiles", "obstacles_by_profile"]},
    "convergenza": {"it": "Convergenza temi × attori", "en": "Themes × actors convergence",
                    "de": "Konvergenz Themen × Akteure", "tables": ["convergence", "convergence_cells"]},
    "priorita": {"it": "Priorità condivise", "en": "Shared priorities", "de": "Gemeinsame Prioritäten",
                 "tables": ["shared_priorities", "priorities", "priorities_by_category", "quotes"]},
    "visioni": {"it": "Visioni", "en": "Visions", "de": "Visionen", "tables": ["visions", "vision_themes"]},
    "progetti": {"it": "Progetti", "en": "Projects", "de": "Projekte", "tables": ["projects", "projects_priorities"]},
    "rete": {"it": "Rete di collaborazioni", "en": "Collaboration network", "de": "Netzwerk der Zusammenarbeit",
             "tables": ["network_summary", "network_centrality", "network_categories", "network_edges"]},
}


def section_title(section: str, lang: str) -> str:
    return SECTIONS[section][header_language(lang)]


def _say(lang: str, it: str, en: str, de: str) -> str:
    """A chart's phrase in the page's language (the same fallback as the headers: plan default, Italian)."""
    return {"it": it, "en": en, "de": de}[header_language(lang)]


# --- tables ---------------------------------------------------------------------------------------


def _missing(value: Any) -> bool:
    """A suppressed or empty cell: None, NaN or pandas' NA (pandas is loaded once a table exists)."""
    import pandas as pd  # slow to import: loaded by the tables already, never at start-up

    return value is None or value is pd.NA or (isinstance(value, float) and math.isnan(value))


YES_NO = {"it": ("sì", "no"), "en": ("yes", "no"), "de": ("ja", "nein")}


def _cell(value: Any, lang: str | None = None) -> str:
    if _missing(value):
        return "–"
    if isinstance(value, bool):
        yes, no = YES_NO[header_language(lang or "it")]
        return yes if value else no
    if isinstance(value, float):
        if value == 0:
            return "0"
        return f"{value:.3f}".rstrip("0").rstrip(".") if abs(value) < 1000 else f"{value:,.0f}"
    return str(value)


def _share(value: Any) -> float | None:
    if _missing(value):
        return None
    return float(value)


@dataclass
class TableView:
    name: str
    title: str
    description: str
    columns: list[str]
    rows: list[list[str]]
    total: int
    numeric: list[bool]
    ids: list[str] | None = None  # the columns' ids (the downloads' headers), when the headers are words


CODED_COLUMNS = ("category", "source_category", "target_category")  # cells holding an actor category code


def words(table: Table, lang: str) -> tuple[str, str]:
    """The table's title and description in the page's language (the tables are built in the plan's)."""
    from exports.tables.language import TEXTS  # loaded with the tables already

    if table.name == ACTIVITY:
        return activity_words(table, lang)
    entry = TEXTS.get(table.name, {}).get(header_language(lang))
    if entry is None:
        return table.title, table.description
    return entry[1], entry[2].format(quotes=3, top=5)


def table_view(table: Table, columns: list[str] | None = None, limit: int = MAX_ROWS, lang: str | None = None,
               labels: dict[str, str] | None = None,
               column_labels: dict[str, dict[str, str]] | None = None) -> TableView:
    """The first ``limit`` rows of ``table`` (only ``columns`` when given) as text cells.

    Given ``lang``, the title, description and column headers are in that language, category
    codes in ``labels`` (code → label) are shown as their labels, and so are the codes of the
    columns ``column_labels`` names (e.g. the channel: ``cli`` → «terminale»)."""
    from pandas.api.types import is_bool_dtype, is_numeric_dtype  # slow: loaded by the tables already

    frame = table.frame if columns is None else table.frame[[c for c in columns if c in table.frame.columns]]
    numeric = [is_numeric_dtype(frame[c]) and not is_bool_dtype(frame[c]) for c in frame.columns]
    coded: list[dict[str, str] | None] = [
        (labels if lang is not None and labels and str(c) in CODED_COLUMNS else None)
        or (column_labels or {}).get(str(c)) for c in frame.columns]
    rows = [[coded[i].get(str(v), _cell(v, lang)) if coded[i] and not _missing(v) else _cell(v, lang)  # type: ignore[union-attr]
             for i, v in enumerate(row)] for row in frame.head(limit).itertuples(index=False, name=None)]
    title, description = (table.title, table.description) if lang is None else words(table, lang)
    headers = [str(c) for c in frame.columns] if lang is None else [header(str(c), lang, labels) for c in frame.columns]
    return TableView(table.name, title, description, headers, rows, len(frame), numeric,
                     [str(c) for c in frame.columns])


def activity_words(table: Table, lang: str) -> tuple[str, str]:
    """The dashboard's own "answers over time" table (cache.activity_table, built in Italian) in ``lang``."""
    language = header_language(lang)
    if language == "it":
        return table.title, table.description
    weekly = "per settimana" in table.description
    k = re.search(r"1…(\d+) rispondenti", table.description)
    below = k.group(1) if k else "k−1"
    if language == "de":
        step = "Woche (ab Montag)" if weekly else "Tag"
        return "Antworten im Zeitverlauf", (
            f"Abgeschlossene Fragebögen pro {step} (UTC), Fragebogen und Kanal, mit den verschiedenen Befragten; "
            f"eine Zelle mit 1…{below} Befragten ist ausgeblendet, und mit ihr die Zellen, aus denen sie sich "
            "über die Summen errechnen ließe.")
    step = "week (from Monday)" if weekly else "day"
    return "Answers over time", (
        f"Questionnaires completed per {step} (UTC), questionnaire and channel, with the distinct respondents; "
        f"a cell with 1…{below} respondents is hidden, and with it those that would give it away through the totals.")


# --- charts ---------------------------------------------------------------------------------------

Charts = list[charts.Markup | None]  # a section's charts; None: no data for one


def heatmap_of(frame: pd.DataFrame, row: str, column: str, share: str, hidden: str, lang: str, *, title: str,
               desc_intro: str, row_order: list[str] | None = None) -> charts.Markup | None:
    if frame.empty:
        return None
    rows = row_order or list(dict.fromkeys(frame[row]))
    columns = list(dict.fromkeys(frame[column]))
    lookup = {(r, c): _share(s) for r, c, s in zip(frame[row], frame[column], frame[share])}
    cells = []
    strongest: list[tuple[float, str, str]] = []
    for r in rows:
        line = []
        for c in columns:
            s = lookup.get((r, c))
            line.append(charts.Cell(s, "–" if s is None else f"{round(100 * s)}%"))
            if s is not None:
                strongest.append((s, r, c))
        cells.append(line)
    strongest.sort(reverse=True)
    top = "; ".join(f"{r} — {c}: {round(100 * s)}%" for s, r, c in strongest[:3])
    desc = f"{desc_intro} {len(rows)} × {len(columns)}. " + (_say(lang, "Più alti: ", "Highest: ", "Am höchsten: ") + top
                                                            if top else "")
    return charts.heatmap(rows, columns, cells, title=title, desc=desc, legend_low=translate("low", lang),
                          legend_high=translate("high", lang), legend_hidden=hidden)


def _activity(t: dict[str, Table], lang: str) -> Charts:
    frame = t[ACTIVITY].frame.dropna(subset=["runs"])
    series: dict[str, list[tuple[date, float]]] = {}
    for day, qid, channel, n in zip(frame["day"], frame["questionnaire"], frame["channel"], frame["runs"]):
        series.setdefault(f"{qid} · {channel}", []).append((date.fromisoformat(day), float(n)))
    totals = {name: sum(v for _, v in values) for name, values in series.items()}
    desc = "; ".join(f"{name}: {total:g}" for name, total in sorted(totals.items(), key=lambda x: -x[1]))
    weekly = "per settimana" in t[ACTIVITY].description  # cache.activity_table says its step
    return [charts.lines(series, title=section_title("attivita", lang),
                         desc=desc or translate("empty", lang),
                         y_label=translate("runs_axis_week" if weekly else "runs_axis", lang))]


def _profiles(t: dict[str, Table], lang: str) -> Charts:
    beside = t["innovation_vs_baseline"].frame
    if beside.empty:
        return []
    items = [charts.Bar(str(lbl), [_share(p), _share(b)]) for lbl, p, b in
             zip(beside["label"], beside["pct"], beside["baseline_pct"])]
    desc = "; ".join(f"{b.label}: {_cell(b.values[0])}% / {_cell(b.values[1])}%" for b in items)
    return [charts.bars(items, title=t["innovation_vs_baseline"].title, desc=desc,
                        series=[_say(lang, "oggi", "now", "heute"), "2004"], maximum=100, fmt="{:.0f}%")]


def _convergence(t: dict[str, Table], lang: str) -> Charts:
    cells = t["convergence_cells"].frame
    order = [str(x) for x in t["convergence"].frame["label"]]
    return [heatmap_of(cells, "label", "category_label", "share", translate("hidden", lang), lang,
                       title=t["convergence"].title, row_order=order,
                       desc_intro=_say(lang, "Quota di ogni categoria di attori che porta il tema, temi × categorie:",
                                       "Share of each actor category carrying the theme, themes × categories:",
                                       "Anteil jeder Akteurskategorie, die das Thema trägt, Themen × Kategorien:"))]


def _priorities(t: dict[str, Table], lang: str) -> Charts:
    out: Charts = []
    for name, column in (("shared_priorities", "categories_above"), ("priorities", "points")):
        frame = t[name].frame.head(15)
        if not frame.empty:
            items = [charts.Bar(str(lbl), [_share(v)]) for lbl, v in zip(frame["label"], frame[column])]
            desc = "; ".join(f"{b.label}: {_cell(b.values[0])}" for b in items[:5])
            out.append(charts.bars(items, title=t[name].title, desc=desc, fmt="{:.0f}"))
    return out


def _visions(t: dict[str, Table], lang: str) -> Charts:
    return [heatmap_of(t["visions"].frame, "vision_label", "kind_label", "share", translate("hidden", lang), lang,
                       title=t["visions"].title,
                       desc_intro=_say(lang, "Quota di ogni tipo di rispondente che sceglie la visione:",
                                       "Share of each kind of respondent choosing the vision:",
                                       "Anteil jeder Art von Antwortenden, die die Vision wählt:"))]


def _projects(t: dict[str, Table], lang: str) -> Charts:
    projects = t["projects"].frame.dropna(subset=["overall"]).head(15)  # a project under k raters: no score
    if projects.empty:
        return []
    items = []
    for title, overall, raters, agreement in zip(projects["title"], projects["overall"], projects["raters"],
                                                 projects["agreement"]):
        note = _say(lang, f"{raters} valutatori · accordo {_cell(agreement)}",
                    f"{raters} raters · agreement {_cell(agreement)}",
                    f"{raters} Bewertende · Übereinstimmung {_cell(agreement)}")
        items.append(charts.Bar(str(title), [_share(overall)], note))
    desc = "; ".join(f"{b.label}: {_cell(b.values[0])} ({b.note})" for b in items[:5])
    return [charts.bars(items, title=t["projects"].title, desc=desc, maximum=5, fmt="{:.2f}")]


def _network(t: dict[str, Table], lang: str, labels: dict[str, str] | None = None) -> Charts:
    edges = t["network_edges"].frame
    if edges.empty:
        return []
    categories: dict[str, str] = {}
    for code, cat in list(zip(edges["source"], edges["source_category"])) + list(
            zip(edges["target"], edges["target_category"])):
        categories.setdefault(str(code), str(cat))
    cat_labels = {c: (labels or {}).get(c, c) for c in dict.fromkeys(categories.values())}
    kinds = {"current": _say(lang, "collabora oggi", "collaborates now", "arbeitet heute zusammen"),
             "wished": _say(lang, "vorrebbe collaborare", "would collaborate", "möchte zusammenarbeiten")}
    centrality = t["network_centrality"].frame
    names = {str(a): str(o) for a, o in zip(centrality["actor"], centrality["organisation"]) if not _missing(o)}
    central = centrality.head(3)
    desc = _say(lang, f"{len(categories)} attori, {len(edges)} legami. ", f"{len(categories)} actors, {len(edges)} ties. ",
                f"{len(categories)} Akteure, {len(edges)} Verbindungen. ") + "; ".join(
        f"{a}: {d}" for a, d in zip(central["actor"], central["degree"]))
    return [charts.network(list(categories.items()),
                           list(zip(edges["source"].astype(str), edges["target"].astype(str), edges["kind"])),
                           title=t["network_edges"].title, desc=desc, categories=cat_labels, kinds=kinds,
                           names=names)]


SECTION_CHARTS: dict[str, Callable[[dict[str, Table], str], Charts]] = {
    "attivita": _activity, "profili": _profiles, "convergenza": _convergence, "priorita": _priorities,
    "visioni": _visions, "progetti": _projects, "rete": _network,
}


def section_charts(section: str, tables: Tables, lang: str, labels: dict[str, str] | None = None) -> list[charts.Markup]:
    """The charts of one dashboard section (none for a section without any); ``labels``: category
    code → label, for the network's legend."""
    draw = SECTION_CHARTS.get(section)
    if section == "rete":
        made = _network(tables.tables, lang, labels)
    else:
        made = draw(tables.tables, lang) if draw is not None else []
    return [c for c in made if c is not None]


def public_charts(name: str, tables: Tables, lang: str) -> list[charts.Markup]:
    """The chart shown beside a published table on /risultati (at most one)."""
    section = {"shared_priorities": "priorita", "innovation_vs_baseline": "profili", "visions": "visioni"}.get(name)
    if section is None:
        return []
    made = section_charts(section, tables, lang)
    return made[:1]  # shared priorities: only the first chart (the Borda one is not published)
