"""The printable report (the seed's "studio preliminare"): the dashboard's own charts and tables in one PDF.

Nothing is drawn twice: each section takes the dashboard's SVG charts (:func:`.views.section_charts`)
and its table views (:func:`.views.table_view`) of the same suppressed tables (:mod:`.cache`), and
``templates/report.html`` lays them out for A4 paper; WeasyPrint turns that HTML and CSS into a PDF.
:func:`report_html` is pure (tables in, HTML out), :func:`report_pdf` adds the PDF; both the
``scenari report`` command (:mod:`bot.cli.report`) and ``/analisi/report.pdf`` (:mod:`.report_page`)
call them. WeasyPrint is imported only when a PDF is asked for.

Quotes are those of the exports' ``quotes`` table (consenting respondents, never from a
suppressed cell, cut short) without even their pseudonym; ``quotes=False`` leaves them out, for a
copy that goes beyond the analysts (the privacy notice promises aggregate tables only).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from typing import TYPE_CHECKING, Any

from jinja2 import Environment, FileSystemLoader, select_autoescape
from markupsafe import Markup

from .report_texts import rt
from .texts import header_language, number
from .views import SECTIONS, TableView, section_charts, section_title, table_view

if TYPE_CHECKING:  # pandas and the tables load with the tables, not at start-up
    from .cache import Tables

TEMPLATES = Path(__file__).resolve().parent.parent / "templates"
MAX_ROWS = 30  # rows of a table in print; the downloads have them all
QUOTE_THEMES, QUOTES_PER_THEME = 8, 3

# section → its tables (and the columns printed), in the order of the charts of that section
REPORT: dict[str, list[tuple[str, list[str] | None]]] = {
    "profili": [("innovation_vs_baseline", ["label", "firms", "pct", "baseline_pct", "difference_pp"]),
                ("innovation_profiles", ["label", "firms", "anticipatrice_pct", "inseguitrice_pct",
                                         "non_innovativa_pct"])],
    "convergenza": [("convergence", ["rank", "label", "units", "categories_above", "entropy", "group_score"])],
    "priorita": [("shared_priorities", ["rank", "label", "categories", "units", "group_score"]),
                 ("priorities", ["rank", "label", "points", "first", "mentions", "score"])],
    "visioni": [("visions", ["kind_label", "vision_label", "units", "kind_units", "share"])],
    "progetti": [("projects", ["rank", "title", "theme_label", "stage_label", "raters", "overall", "sd", "agreement"])],
    "rete": [("network_summary", None),
             ("network_centrality", ["rank", "actor", "category", "degree", "degree_centrality"])],
}

# a printed column header in words (the downloads keep the ids)
HEADERS: dict[str, tuple[str, str]] = {
    "label": ("voce", "item"), "firms": ("imprese", "firms"), "pct": ("oggi %", "now %"),
    "baseline_pct": ("2004 %", "2004 %"), "difference_pp": ("differenza (punti)", "difference (points)"),
    "anticipatrice_pct": ("anticipatrici %", "forerunners %"), "inseguitrice_pct": ("inseguitrici %", "followers %"),
    "non_innovativa_pct": ("non innovative %", "non-innovative %"), "rank": ("#", "#"), "units": ("unità", "units"),
    "categories_above": ("categorie", "categories"), "categories": ("categorie", "categories"),
    "entropy": ("entropia", "entropy"), "group_score": ("punteggio di gruppo", "group score"),
    "points": ("punti Borda", "Borda points"), "first": ("al primo posto", "ranked first"),
    "mentions": ("citata", "mentions"), "score": ("punteggio", "score"), "kind_label": ("chi", "who"),
    "vision_label": ("visione", "vision"), "kind_units": ("rispondenti", "respondents"), "share": ("quota", "share"),
    "title": ("progetto", "project"), "theme_label": ("tema", "theme"), "stage_label": ("fase", "stage"),
    "raters": ("valutatori", "raters"), "overall": ("valutazione", "rating"), "sd": ("dev. st.", "s.d."),
    "agreement": ("accordo", "agreement"), "kind": ("legami", "ties"), "actors": ("attori", "actors"),
    "active_actors": ("attori attivi", "active actors"), "edges": ("legami", "ties"),
    "density": ("densità", "density"), "reciprocity": ("reciprocità", "reciprocity"), "actor": ("attore", "actor"),
    "organisation": ("organizzazione", "organisation"), "category": ("categoria", "category"),
    "degree": ("partner", "partners"), "degree_centrality": ("centralità", "centrality"),
}
# the same in German (a plan that speaks it)
HEADERS_DE: dict[str, str] = {
    "label": "Eintrag", "firms": "Unternehmen", "pct": "heute %", "baseline_pct": "2004 %",
    "difference_pp": "Differenz (Punkte)", "anticipatrice_pct": "Vorreiter %", "inseguitrice_pct": "Nachzügler %",
    "non_innovativa_pct": "nicht innovativ %", "rank": "#", "units": "Einheiten", "categories_above": "Kategorien",
    "categories": "Kategorien", "entropy": "Entropie", "group_score": "Gruppenwert", "points": "Borda-Punkte",
    "first": "an erster Stelle", "mentions": "Nennungen", "score": "Wert", "kind_label": "wer",
    "vision_label": "Vision", "kind_units": "Antwortende", "share": "Anteil", "title": "Projekt",
    "theme_label": "Thema", "stage_label": "Phase", "raters": "Bewertende", "overall": "Bewertung", "sd": "Std.-Abw.",
    "agreement": "Übereinstimmung", "kind": "Verbindungen", "actors": "Akteure", "active_actors": "aktive Akteure",
    "edges": "Verbindungen", "density": "Dichte", "reciprocity": "Gegenseitigkeit", "actor": "Akteur",
    "organisation": "Organisation", "category": "Kategorie", "degree": "Partner", "degree_centrality": "Zentralität",
}


@dataclass
class Block:
    """One chart (or none) with the table of its numbers, kept together on the page when they fit."""

    chart: Markup | None
    table: TableView


@dataclass
class Section:
    key: str
    title: str
    description: str
    blocks: list[Block]
    quotes: list[tuple[str, list[tuple[str, str]]]] = field(default_factory=list)  # theme → (quote, category)
    reading: list[tuple[str, str]] = field(default_factory=list)  # the network's reading: (topic, sentence)


def _printed(view: TableView, lang: str) -> TableView:
    """The view with its headers in words."""
    i = 0 if lang != "en" else 1
    view.columns = [(HEADERS_DE.get(c) if lang == "de" else None) or HEADERS[c][i] if c in HEADERS else c
                    for c in view.columns]
    return view


def _quotes(tables: Tables) -> list[tuple[str, list[tuple[str, str]]]]:
    """The first themes' quotes, each with the category of who wrote it; never the pseudonym."""
    frame = tables.tables["quotes"].frame
    out: list[tuple[str, list[tuple[str, str]]]] = []
    for label in list(dict.fromkeys(str(x) for x in frame["label"]))[:QUOTE_THEMES]:
        rows = frame[frame["label"] == label].head(QUOTES_PER_THEME)
        out.append((label, [(str(q), str(c)) for q, c in zip(rows["quote"], rows["category"])]))
    return out


def _reading(tables: Tables, lang: str) -> list[tuple[str, str]]:
    """The governance measures' plain-language reading of the network (:mod:`exports.governance`):
    (topic, sentence); none when the tables were built without those measures."""
    try:
        from exports.governance import reading_lines  # networkx: only once the tables exist
    except ImportError:
        return []
    try:
        return list(reading_lines(tables, lang))
    except KeyError:  # tables built without the governance analysis
        return []


def sections(tables: Tables, lang: str, *, quotes: bool = True) -> list[Section]:
    """The report's sections after the method: each dashboard chart beside its table."""
    out = []
    for key, wanted in REPORT.items():
        charts: list[Markup | None] = list(section_charts(key, tables, lang))
        blocks = []
        for i, (name, columns) in enumerate(wanted):
            chart = charts[i] if i < len(charts) else None
            blocks.append(Block(chart, _printed(table_view(tables.tables[name], columns, MAX_ROWS), lang)))
        section = Section(key, section_title(key, lang), tables.tables[wanted[0][0]].description, blocks)
        if key == "priorita" and quotes:
            section.quotes = _quotes(tables)
        if key == "rete":
            section.reading = _reading(tables, lang)
        out.append(section)
    return out


def figures(tables: Tables, lang: str, k: int) -> list[tuple[str, str]]:
    """The data in short: answers, completed questionnaires, actors, cards, ratings (totals only; a
    total of 1…k-1, such as one questionnaire filled in by a single person, is hidden like any cell)."""
    counts = tables.counts

    def shown(n: int) -> str:
        return "–" if 0 < n < k else number(n)

    rows = [(rt("answers", lang), shown(counts.get("answers", 0)))]
    rows += [(rt("runs", lang, q=key.removeprefix("runs_")), shown(v)) for key, v in counts.items()
             if key.startswith("runs_")]
    rows += [(rt(key, lang), shown(counts.get(key, 0))) for key in ("actors", "cards", "ratings")]
    return rows


def environment() -> Environment:
    """The templates of the web app, autoescaped, with the report's texts as ``rt``."""
    env = Environment(loader=FileSystemLoader(str(TEMPLATES)), autoescape=select_autoescape(["html"]))
    env.globals["rt"] = rt
    return env


def report_html(tables: Tables, lang: str, k: int, city: str, *, quotes: bool = True,
                now: datetime | None = None, selection: str | None = None) -> str:
    """The whole report as one HTML page with its print CSS (pure: the tables in, text out).

    ``selection`` says on the cover which of the dashboard's filters made these tables (None: all)."""
    from exports.tables.language import localised  # the tables' titles and descriptions in their language

    lang = header_language(lang)
    tables = localised(tables)
    runs = sum(v for key, v in tables.counts.items() if key.startswith("runs_"))
    made = rt("made", lang, when=(now or tables.computed_at or datetime.now(timezone.utc)).strftime("%d/%m/%Y %H:%M"),
              answers=number(tables.counts.get("answers", 0)), runs=number(runs))
    context: dict[str, Any] = {
        "lang": lang, "k": k, "city": city, "made": made, "quotes": quotes, "selection": selection,
        "figures": figures(tables, lang, k), "sections": sections(tables, lang, quotes=quotes),
    }
    return environment().get_template("report.html").render(context)


class ReportUnavailable(RuntimeError):
    """The PDF cannot be made on this machine (a system library is missing); the message says which."""


def report_pdf(tables: Tables, lang: str, k: int, city: str, *, quotes: bool = True,
               selection: str | None = None) -> bytes:
    """The report as PDF bytes (seconds of CPU: run it in a worker thread from the event loop)."""
    for name in ("weasyprint", "weasyprint.progress"):  # not its step-by-step progress in the service's log
        logging.getLogger(name).setLevel(logging.WARNING)
    try:
        from weasyprint import HTML  # slow to import (Pango, fonts): only when a report is made
    except OSError as exc:  # the Python package is there, the system's Pango is not
        raise ReportUnavailable("the PDF needs the Pango library (Debian: apt-get install libpango-1.0-0 "
                                f"libpangoft2-1.0-0): {exc}") from exc

    html = report_html(tables, lang, k, city, quotes=quotes, selection=selection)
    return HTML(string=html, base_url=str(TEMPLATES)).write_pdf()  # type: ignore[no-any-return]
