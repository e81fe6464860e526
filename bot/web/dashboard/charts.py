"""Small charts drawn on the server as SVG: no script, no library, readable without the numbers.

Every chart is an ``<svg role="img">`` with a ``<title>`` and a ``<desc>`` (its text
alternative: what it shows and the main finding in words); the page also shows the same data
as a table. Colours come from a sequential blue scale whose steps are also told apart by
lightness (and suppressed cells are hatched grey, never a colour of the scale), so the heat
map reads in greyscale too. Only presentation attributes are used — the CSP forbids inline
``style`` — and every text is escaped.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from itertools import count
from typing import Any

from markupsafe import Markup, escape

# light → dark; text on the three darkest steps is white (contrast ≥ 4.5:1 either way)
SCALE = ("#eef4fb", "#c6dbef", "#85b3db", "#3a80bf", "#175a9c", "#08306b")
DARK_FROM = 3
SUPPRESSED = "#d9d9d9"
INK = "#1b1b1b"
MUTED = "#454545"
SERIES = ("#0a4a82", "#b3541e", "#2e7d32", "#6a3d9a", "#a1000e", "#4d4d4d", "#00838f", "#8d6e00")
DASHES = ("", "6 3", "2 3", "8 3 2 3", "1 2", "10 4")
_ids = count(1)


def _id(prefix: str) -> str:
    return f"{prefix}{next(_ids)}"


def _t(value: Any) -> str:
    return str(escape("" if value is None else str(value)))


def _clip(text: str, n: int) -> str:
    text = str(text)
    return text if len(text) <= n else text[: n - 1] + "…"


def _open(width: int, height: int, title: str, desc: str, cls: str = "chart") -> tuple[str, str]:
    tid, did = _id("t"), _id("d")
    head = (f'<svg class="{cls}" xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width} {height}" '
            f'role="img" aria-labelledby="{tid} {did}" font-family="system-ui, sans-serif" font-size="13">'
            f'<title id="{tid}">{_t(title)}</title><desc id="{did}">{_t(desc)}</desc>')
    return head, "</svg>"


def step(share: float | None) -> int | None:
    """The colour step of a share in [0, 1]; None when it is suppressed."""
    if share is None or (isinstance(share, float) and math.isnan(share)):
        return None
    return min(len(SCALE) - 1, max(0, int(math.ceil(share * (len(SCALE) - 1)))))


def _hatch() -> tuple[str, str]:
    pid = _id("h")
    return pid, (f'<defs><pattern id="{pid}" width="6" height="6" patternUnits="userSpaceOnUse" '
                 f'patternTransform="rotate(45)"><rect width="6" height="6" fill="{SUPPRESSED}"/>'
                 f'<line x1="0" y1="0" x2="0" y2="6" stroke="#8a8a8a" stroke-width="2"/></pattern></defs>')


@dataclass
class Cell:
    share: float | None  # None: suppressed
    label: str  # shown in the cell (e.g. "40%" or "–")


def heatmap(rows: Sequence[str], columns: Sequence[str], cells: Sequence[Sequence[Cell]], *, title: str,
            desc: str, legend_low: str, legend_high: str, legend_hidden: str) -> Markup:
    """Rows × columns, each cell coloured by its share; suppressed cells hatched."""
    label_w = min(260, 40 + 7 * max((len(r) for r in rows), default=10))
    cell_w, cell_h, head_h = 64, 30, 110
    width = label_w + cell_w * max(1, len(columns)) + 10
    height = head_h + cell_h * len(rows) + 70
    head, tail = _open(width, height, title, desc, "chart heatmap")
    pid, defs = _hatch()
    out = [head, defs]
    for j, column in enumerate(columns):
        x = label_w + j * cell_w + cell_w / 2
        out.append(f'<text x="{x:.0f}" y="{head_h - 8}" transform="rotate(-40 {x:.0f} {head_h - 8})" fill="{INK}">'
                   f'{_t(_clip(column, 22))}</text>')
    for i, row in enumerate(rows):
        y = head_h + i * cell_h
        out.append(f'<text x="{label_w - 8}" y="{y + 20}" text-anchor="end" fill="{INK}">{_t(_clip(row, 34))}</text>')
        for j, cell in enumerate(cells[i]):
            x = label_w + j * cell_w
            s = step(cell.share)
            fill = f"url(#{pid})" if s is None else SCALE[s]
            ink = "#ffffff" if s is not None and s >= DARK_FROM else INK
            out.append(f'<rect x="{x}" y="{y}" width="{cell_w - 2}" height="{cell_h - 2}" fill="{fill}" '
                       f'stroke="#ffffff"><title>{_t(row)} × {_t(columns[j])}: {_t(cell.label)}</title></rect>')
            out.append(f'<text x="{x + cell_w / 2 - 1:.0f}" y="{y + 19}" text-anchor="middle" fill="{ink}" '
                       f'font-size="12">{_t(cell.label)}</text>')
    # legend: the scale from low to high, and the hatch
    ly = head_h + cell_h * len(rows) + 24
    out.append(f'<text x="10" y="{ly + 14}" fill="{MUTED}">{_t(legend_low)}</text>')
    lx = 10 + 7 * len(legend_low) + 10
    for k, colour in enumerate(SCALE):
        out.append(f'<rect x="{lx + k * 24}" y="{ly}" width="22" height="20" fill="{colour}" stroke="#8a8a8a"/>')
    lx += 24 * len(SCALE) + 8
    out.append(f'<text x="{lx}" y="{ly + 14}" fill="{MUTED}">{_t(legend_high)}</text>')
    lx += 7 * len(legend_high) + 24
    out.append(f'<rect x="{lx}" y="{ly}" width="22" height="20" fill="url(#{pid})" stroke="#8a8a8a"/>')
    out.append(f'<text x="{lx + 28}" y="{ly + 14}" fill="{MUTED}">{_t(legend_hidden)}</text>')
    out.append(tail)
    return Markup("".join(out))


@dataclass
class Bar:
    label: str
    values: list[float | None]  # one per series; None: suppressed / unknown
    note: str = ""  # printed after the bars (e.g. "3 valutatori, accordo 0,82")


def bars(items: Sequence[Bar], *, title: str, desc: str, series: Sequence[str] = (), maximum: float | None = None,
         fmt: str = "{:.2f}", hidden: str = "–") -> Markup:
    """Horizontal bars, one group per item, one bar per series, longest scale = ``maximum``."""
    nseries = max(1, max((len(b.values) for b in items), default=1))
    values = [v for b in items for v in b.values if v is not None and not (isinstance(v, float) and math.isnan(v))]
    top = maximum if maximum else (max(values) if values else 1.0) or 1.0
    label_w = min(280, 40 + 7 * max((len(b.label) for b in items), default=10))
    bar_h, gap = 16, 10
    group_h = nseries * bar_h + gap
    plot_w = 360
    legend_h = 28 if len(series) > 1 else 0
    noted = any(b.note for b in items)
    width = label_w + plot_w + (60 + 7 * max(len(b.note) for b in items) if noted else 150)
    height = legend_h + group_h * len(items) + 10
    head, tail = _open(width, height, title, desc, "chart bars")
    out = [head]
    lx = label_w
    if len(series) > 1:
        for k, name in enumerate(series):
            out.append(f'<rect x="{lx}" y="4" width="14" height="14" fill="{SERIES[k % len(SERIES)]}"/>'
                       f'<text x="{lx + 20}" y="16" fill="{INK}">{_t(name)}</text>')
            lx += 40 + 7 * len(name)
    for i, item in enumerate(items):
        y0 = legend_h + i * group_h
        out.append(f'<text x="{label_w - 8}" y="{y0 + nseries * bar_h / 2 + 5:.0f}" text-anchor="end" fill="{INK}">'
                   f'{_t(_clip(item.label, 38))}</text>')
        for k, value in enumerate(item.values):
            y = y0 + k * bar_h
            colour = SERIES[k % len(SERIES)]
            if value is None or (isinstance(value, float) and math.isnan(value)):
                out.append(f'<text x="{label_w + 4}" y="{y + 12}" fill="{MUTED}">{_t(hidden)}</text>')
                continue
            w = max(1.0, plot_w * min(1.0, float(value) / top)) if value > 0 else 0
            text = fmt.format(value)
            out.append(f'<rect x="{label_w}" y="{y + 1}" width="{w:.1f}" height="{bar_h - 3}" fill="{colour}">'
                       f'<title>{_t(item.label)}{(" — " + _t(series[k])) if k < len(series) else ""}: {_t(text)}'
                       f'</title></rect>')
            out.append(f'<text x="{label_w + w + 6:.1f}" y="{y + 12}" fill="{INK}" font-size="12">{_t(text)}</text>')
        if item.note:
            out.append(f'<text x="{label_w + plot_w + 60}" y="{y0 + 12}" fill="{MUTED}" font-size="12">'
                       f'{_t(item.note)}</text>')
    out.append(f'<line x1="{label_w}" y1="{legend_h}" x2="{label_w}" y2="{height - 6}" stroke="{MUTED}"/>')
    out.append(tail)
    return Markup("".join(out))


def lines(series: dict[str, list[tuple[date, float]]], *, title: str, desc: str, y_label: str) -> Markup:
    """One line per series over days; colour and dash pattern both tell the series apart."""
    points = [p for values in series.values() for p in values]
    width, height, left, bottom, top_pad = 720, 320, 56, 44, 16
    legend_h = 22 * ((len(series) + 2) // 3)
    height += legend_h
    head, tail = _open(width, height, title, desc, "chart lines")
    out = [head]
    if not points:
        out.append(f'<text x="{left}" y="60" fill="{MUTED}">–</text>{tail}')
        return Markup("".join(out))
    days = sorted({d for d, _ in points})
    first, last = days[0], days[-1]
    span = max(1, (last - first).days)
    ymax = max(v for _, v in points) or 1
    ymax = _nice(ymax)
    plot_w, plot_h = width - left - 20, height - legend_h - bottom - top_pad

    def xy(d: date, v: float) -> tuple[float, float]:
        return left + plot_w * ((d - first).days / span if span else 0.5), top_pad + plot_h * (1 - v / ymax)

    for k in range(5):
        v = ymax * k / 4
        _, y = xy(first, v)
        out.append(f'<line x1="{left}" y1="{y:.1f}" x2="{left + plot_w}" y2="{y:.1f}" stroke="#d0d4da"/>'
                   f'<text x="{left - 6}" y="{y + 4:.1f}" text-anchor="end" fill="{MUTED}" font-size="11">{v:g}</text>')
    ticks = sorted({first + timedelta(days=round(span * i / 5)) for i in range(6)}) if first != last else [first]
    for i, d in enumerate(ticks):  # up to six dates along the axis; the ends aligned inside the chart
        x, _ = xy(d, 0)
        anchor = "middle" if len(ticks) == 1 else "start" if i == 0 else "end" if i == len(ticks) - 1 else "middle"
        out.append(f'<line x1="{x:.1f}" y1="{top_pad + plot_h}" x2="{x:.1f}" y2="{top_pad + plot_h + 5}" '
                   f'stroke="{MUTED}"/><text x="{x:.1f}" y="{top_pad + plot_h + 18}" text-anchor="{anchor}" '
                   f'fill="{MUTED}" font-size="11">{d.isoformat()}</text>')
    out.append(f'<text x="14" y="{top_pad + plot_h / 2:.0f}" transform="rotate(-90 14 {top_pad + plot_h / 2:.0f})" '
               f'text-anchor="middle" fill="{MUTED}" font-size="11">{_t(y_label)}</text>')
    for k, (name, values) in enumerate(series.items()):
        colour, dash = SERIES[k % len(SERIES)], DASHES[k % len(DASHES)]
        pts = " ".join(f"{x:.1f},{y:.1f}" for x, y in (xy(d, v) for d, v in sorted(values)))
        dash_attr = f' stroke-dasharray="{dash}"' if dash else ""
        out.append(f'<polyline points="{pts}" fill="none" stroke="{colour}" stroke-width="2.5"{dash_attr}/>')
        for d, v in values:
            x, y = xy(d, v)
            out.append(f'<circle cx="{x:.1f}" cy="{y:.1f}" r="3" fill="{colour}"><title>{_t(name)}, {d.isoformat()}: '
                       f'{v:g}</title></circle>')
        lx = left + (k % 3) * 220
        ly = height - legend_h + 22 * (k // 3) + 2
        out.append(f'<line x1="{lx}" y1="{ly + 8}" x2="{lx + 28}" y2="{ly + 8}" stroke="{colour}" stroke-width="2.5"'
                   f'{dash_attr}/><text x="{lx + 34}" y="{ly + 12}" fill="{INK}" font-size="12">{_t(_clip(name, 26))}</text>')
    out.append(tail)
    return Markup("".join(out))


def _nice(value: float) -> float:
    magnitude = 10 ** math.floor(math.log10(value)) if value > 0 else 1
    for m in (1, 2, 2.5, 5, 10):
        if value <= m * magnitude:
            return m * magnitude
    return 10 * magnitude


def network(nodes: Sequence[tuple[str, str]], edges: Sequence[tuple[str, str, str]], *, title: str, desc: str,
            categories: dict[str, str], kinds: dict[str, str], names: dict[str, str] | None = None) -> Markup:
    """Actors on a circle, grouped by category (colour and position); current edges solid, wished dashed.

    ``names`` (code → organisation) labels the nodes in words; a code without one shows the code."""
    names = names or {}
    size, legend_w = 520, 240
    head, tail = _open(size + legend_w, size, title, desc, "chart network")
    out = [head]
    order = sorted(nodes, key=lambda n: (list(categories).index(n[1]) if n[1] in categories else 99, n[0]))
    colour_of = {c: SERIES[i % len(SERIES)] for i, c in enumerate(categories)}
    r, cx, cy = size / 2 - 70, size / 2, size / 2
    pos: dict[str, tuple[float, float, float]] = {}
    for i, (code, _cat) in enumerate(order):
        a = 2 * math.pi * i / max(1, len(order)) - math.pi / 2
        pos[code] = (cx + r * math.cos(a), cy + r * math.sin(a), a)
    degree: dict[str, int] = {}
    for s, t, _k in edges:
        degree[s] = degree.get(s, 0) + 1
        degree[t] = degree.get(t, 0) + 1
    for s, t, kind in edges:
        if s in pos and t in pos:
            dash = ' stroke-dasharray="5 4"' if kind == "wished" else ""
            out.append(f'<line x1="{pos[s][0]:.1f}" y1="{pos[s][1]:.1f}" x2="{pos[t][0]:.1f}" y2="{pos[t][1]:.1f}" '
                       f'stroke="#6b7280" stroke-width="1.4"{dash}><title>{_t(s)} → {_t(t)} ({_t(kinds.get(kind, kind))})'
                       f'</title></line>')
    for code, cat in order:
        x, y, a = pos[code]
        radius = 4 + min(10, 1.5 * degree.get(code, 0))
        out.append(f'<circle cx="{x:.1f}" cy="{y:.1f}" r="{radius:.1f}" fill="{colour_of.get(cat, MUTED)}" '
                   f'stroke="#ffffff"><title>{_t(names.get(code, code))} ({_t(categories.get(cat, cat))}): {degree.get(code, 0)}'
                   f'</title></circle>')
        lx, ly = cx + (r + 16) * math.cos(a), cy + (r + 16) * math.sin(a)
        anchor = "start" if math.cos(a) > 0.2 else "end" if math.cos(a) < -0.2 else "middle"
        out.append(f'<text x="{lx:.1f}" y="{ly + 4:.1f}" text-anchor="{anchor}" fill="{INK}" font-size="11">'
                   f'{_t(_clip(names.get(code, code), 22))}</text>')
    y = 20
    for cat, label in categories.items():
        if any(c == cat for _, c in nodes):
            out.append(f'<circle cx="{size + 16}" cy="{y}" r="6" fill="{colour_of[cat]}"/>'
                       f'<text x="{size + 28}" y="{y + 4}" fill="{INK}" font-size="12">{_t(_clip(label, 28))}</text>')
            y += 20
    for kind, label in kinds.items():
        dash = ' stroke-dasharray="5 4"' if kind == "wished" else ""
        out.append(f'<line x1="{size + 8}" y1="{y}" x2="{size + 24}" y2="{y}" stroke="#6b7280" stroke-width="2"{dash}/>'
                   f'<text x="{size + 28}" y="{y + 4}" fill="{INK}" font-size="12">{_t(label)}</text>')
        y += 20
    out.append(tail)
    return Markup("".join(out))
