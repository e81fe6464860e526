"""The governance reading on the dashboard's network page: what templates/_governance.html shows.

A pure function of the built tables (exports.governance reads their ``governance_*`` tables): the
plain-language reading, a few key figures and the brokers, named by category and ordinal (never by
register code). pandas, networkx and the tables are imported when the page asks, not at start-up.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from .cache import Tables

SECTION = "rete"  # the dashboard section that shows it
WORDS = {
    "it": {"title": "Governance della rete", "figures": "Misure principali", "brokers": "Intermediari",
           "components": "Componenti", "largest": "Componente più grande", "density": "Densità",
           "centralisation": "Centralizzazione (0 = tra pari, 1 = a stella)", "reciprocity": "Reciprocità",
           "communities": "Comunità", "waves": "Ondate di interviste", "stability": "Stabilità dei legami",
           "structure": {"peer": "tra pari", "mixed": "intermedia", "hub": "a stella"}, "none": "–"},
    "en": {"title": "Governance of the network", "figures": "Key figures", "brokers": "Brokers",
           "components": "Components", "largest": "Largest component", "density": "Density",
           "centralisation": "Centralisation (0 = peers, 1 = a star)", "reciprocity": "Reciprocity",
           "communities": "Communities", "waves": "Waves of interviews", "stability": "Stability of the ties",
           "structure": {"peer": "peer-like", "mixed": "mixed", "hub": "hub-and-spoke"}, "none": "–"},
    "de": {"title": "Governance des Netzwerks", "figures": "Wichtigste Kennzahlen", "brokers": "Vermittler",
           "components": "Komponenten", "largest": "Größte Komponente", "density": "Dichte",
           "centralisation": "Zentralisierung (0 = gleichrangig, 1 = sternförmig)", "reciprocity": "Gegenseitigkeit",
           "communities": "Gemeinschaften", "waves": "Interviewwellen", "stability": "Stabilität der Verbindungen",
           "structure": {"peer": "gleichrangig", "mixed": "gemischt", "hub": "sternförmig"}, "none": "–"},
}


def _number(value: Any, lang: str, digits: int = 2) -> str:
    if value is None:
        return "–"
    text = f"{float(value):.{digits}f}"
    return text.replace(".", ",") if lang in ("it", "de") else text


def governance_view(tables: Tables | None, lang: str) -> dict[str, Any] | None:
    """The partial's data: title, reading [(topic, sentence)], figures [(label, value)], brokers;
    None when the tables have no governance measures (not built yet, or a plan without a network)."""
    if tables is None or "governance_summary" not in tables.tables:
        return None
    from exports.governance import governance_summary, reading_lines  # loads pandas/networkx: only here

    from .texts import header_language

    lang = header_language(lang)  # the page's language if the words have it, else the plan's, else Italian
    w = WORDS[lang]
    summary = governance_summary(tables)
    view: dict[str, Any] = {"title": w["title"], "figures_title": w["figures"], "brokers_title": w["brokers"],
                            "reading": reading_lines(tables, lang), "figures": [], "brokers": []}
    if not summary["available"]:
        return view
    now = summary["current"]
    structure = w["structure"].get(now["structure"] or "", w["none"])
    view["figures"] = [
        (w["components"], str(now["components"])),
        (w["largest"], f"{now['largest_component']} / {now['active_actors']}"),
        (w["density"], _number(now["density"], lang, 3)),
        (w["centralisation"], f"{_number(now['centralisation'], lang)} ({structure})"),
        (w["reciprocity"], _number(now["reciprocity"], lang)),
        (w["communities"], str(now["communities"])),
        (w["waves"], str(summary["waves"])),
    ]
    if summary["stability"] is not None:
        view["figures"].append((w["stability"], _number(summary["stability"]["stability"], lang)))
    view["brokers"] = summary["brokers"]
    return view
