"""The dashboard's filter form: the filters of a request, and the form's fields in the page's language.

The filters are plain GET parameters (:class:`exports.filters.Filters`), so a filtered page can be
bookmarked and the form works without JavaScript; every link of the page that shows data (the
sections, the downloads, the per-question page) carries the same query string.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from starlette.requests import Request

from exports.filters import PARAMETERS, SINCE, UNTIL, Filters, FilterError, question_labels
from exports.options import PlanSources

from .texts import header_language, translate

STEP = "passo"


@dataclass
class Field:
    name: str  # the GET parameter
    label: str
    choices: list[tuple[str, str, bool]]  # value, label, chosen


def read(request: Request) -> tuple[Filters | None, str | None]:
    """The request's filters and time step; None when a filter cannot be read (the page says so)."""
    step = request.query_params.get(STEP) or None
    try:
        return Filters.from_query(request.query_params), step
    except FilterError:
        return None, step


# the channels whose name is a word of the page's language (the others are names: Telegram, Web, WhatsApp)
CHANNEL_WORDS = {
    "it": {"cli": "terminale", "simulated": "simulato"},
    "en": {"cli": "terminal", "simulated": "simulated"},
    "de": {"cli": "Terminal", "simulated": "simuliert"},
}


def labeller(sources: PlanSources | None, lang: str) -> dict[str, dict[str, str]]:
    """facet → code → label, from the plan (categories, profiles, municipalities, age bands)."""
    from exports.vocabulary import vocabulary  # reads the plan's lists: at the first dashboard request

    sources = sources or PlanSources()
    v = vocabulary(sources)
    return {
        "categories": {code: v.label("categories", code, lang) for code in v.categories},
        "profiles": {code: v.label("profiles", code, lang) for code in v.profiles},
        "municipalities": question_labels(sources.questionnaires, sources.lists, "municipality", lang),
        "age_bands": question_labels(sources.questionnaires, sources.lists, "age_band", lang),
        "channels": {"telegram": "Telegram", "web": "Web", "whatsapp": "WhatsApp",
                     **CHANNEL_WORDS.get(header_language(lang), CHANNEL_WORDS["en"])},
    }


def fields(filters: Filters, offered: dict[str, list[str]], labels: dict[str, dict[str, str]],
           lang: str) -> list[Field]:
    out = []
    for attr, name in PARAMETERS.items():
        chosen = set(getattr(filters, attr))
        values = sorted(set(offered.get(attr, [])) | chosen,
                        key=lambda v: labels.get(attr, {}).get(v, v).lower())
        out.append(Field(name, translate(f"filter_{attr}", lang),
                         [(v, labels.get(attr, {}).get(v, v), v in chosen) for v in values]))
    return out


def described(filters: Filters, labels: dict[str, dict[str, str]], lang: str) -> str:
    """The active filters in words ("Categoria di attori: Imprese; Dal giorno: 2026-11-01")."""
    parts = []
    for attr in PARAMETERS:
        values = getattr(filters, attr)
        if values:
            parts.append(f"{translate(f'filter_{attr}', lang)}: "
                         + ", ".join(labels.get(attr, {}).get(v, v) for v in values))
    if filters.start:
        parts.append(f"{translate('filter_since', lang)}: {filters.start.isoformat()}")
    if filters.end:
        parts.append(f"{translate('filter_until', lang)}: {filters.end.isoformat()}")
    return "; ".join(parts)


def context(filters: Filters, step: str | None, offered: dict[str, list[str]], labels: dict[str, dict[str, str]],
            lang: str, action: str) -> dict[str, Any]:
    """What analisi_filters.html shows, and the query string every data link of the page keeps."""
    query = filters.query()
    step_part = f"{STEP}={step}" if step in ("giorno", "settimana") else ""
    full = query + (("&" if query else "?") + step_part if step_part else "")
    return {
        "filter_fields": fields(filters, offered, labels, lang), "since": filters.since, "until": filters.until,
        "since_name": SINCE, "until_name": UNTIL, "step_name": STEP, "step": step or "",
        "filter_action": action, "query": query, "full_query": full, "filtered": not filters.empty,
    }
