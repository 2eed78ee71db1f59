"""Hand-built inline SVG charts for the proposal.

Why hand-built rather than a plotting library (matplotlib, plotly, pygal):

- no heavy dependency: the proposal needs a few simple chart types (lines, grouped, stacked and plain
  bars); matplotlib alone is ~40 MB installed and slows start-up by about a second;
- exact control: the charts use the document's own fonts (Noto Sans CJK SC for Chinese,
  DejaVu Sans for English), sizes and colours, so they print like the text around them and
  WeasyPrint embeds them as vector graphics;
- deterministic output: the same estimate gives byte-identical SVG (no timestamps, random ids
  or renderer versions), which keeps the committed sample PDFs stable and the tests simple.

Every label is escaped (:func:`markupsafe.escape`); values arrive already computed and their
tick labels are formatted by the caller (with :mod:`xlcompute.fmt`). The coordinates below are
drawing geometry only, never figures of the estimate.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from markupsafe import Markup, escape

__all__ = ["Series", "line_chart", "grouped_bars", "stacked_bars", "horizontal_bars", "tornado_chart", "nice_ticks",
           "PALETTE"]

PALETTE: tuple[str, ...] = ("#1f3a5f", "#2a9d8f", "#e9a23b", "#c8553d", "#6d597a", "#8d99ae")
"""Colour-blind-safe enough on print: dark blue, teal, amber, brick, plum, grey."""

# Seven: the owned bar has seven parts (servers … staff); the seventh must not repeat the first.
_STACK_COLOURS: tuple[str, ...] = ("#1f3a5f", "#3d6a99", "#6c9bc7", "#a9c6e2", "#e9a23b", "#c8553d", "#2a9d8f")
_RENT_COLOUR = "#6d597a"
_GRID = "#d9dee5"
_AXIS = "#4a5561"
_TEXT = "#222831"
_FONT_SIZE = 12
_SMALL = 11


@dataclass(frozen=True)
class Series:
    """One named line or bar series."""

    name: str
    values: Sequence[float]
    emphasis: bool = False


def nice_ticks(hi: float, count: int = 5) -> list[float]:
    """Tick values 0, s, 2s, … covering ``hi`` with a step s of 1, 2, 2.5 or 5 × 10^k."""
    if hi <= 0 or not math.isfinite(hi):
        return [0.0, 1.0]
    raw = hi / count
    mag = 10 ** math.floor(math.log10(raw))
    step = next(m * mag for m in (1, 2, 2.5, 5, 10) if m * mag >= raw)
    n = math.ceil(hi / step - 1e-9)
    return [i * step for i in range(n + 1)]


def _t(x: float, y: float, s: str, *, anchor: str = "middle", size: int = _FONT_SIZE, weight: str = "normal",
       fill: str = _TEXT, rotate: bool = False) -> str:
    transform = f' transform="rotate(-90 {x:.1f} {y:.1f})"' if rotate else ""
    return (f'<text x="{x:.1f}" y="{y:.1f}" text-anchor="{anchor}" font-size="{size}" '
            f'font-weight="{weight}" fill="{fill}"{transform}>{escape(s)}</text>')


def _svg(width: int, height: int, font: str, body: list[str], title: str) -> Markup:
    head = (f'<svg xmlns="http://www.w3.org/2000/svg" class="chart" role="img" width="{width}" height="{height}" '
            f'viewBox="0 0 {width} {height}" font-family="{escape(font)}">'
            f'<title>{escape(title)}</title>')
    return Markup(head + "".join(body) + "</svg>")


def _y_grid(
    ticks: Sequence[float], py: Callable[[float], float], left: float, pw: float, y_format: Callable[[float], str]
) -> list[str]:
    """Horizontal grid lines with their y labels, shared by the line and bar charts."""
    out: list[str] = []
    for tv in ticks:
        y = py(tv)
        out.append(f'<line x1="{left}" y1="{y:.1f}" x2="{left + pw}" y2="{y:.1f}" stroke="{_GRID}" stroke-width="1"/>')
        out.append(_t(left - 8, y + 4, y_format(tv), anchor="end", size=_SMALL))
    return out


def line_chart(
    *,
    x: Sequence[float],
    x_labels: Sequence[str],
    series: Sequence[Series],
    x_title: str,
    y_title: str,
    y_format: Callable[[float], str],
    marker: tuple[float, float, str] | None = None,
    log_x: bool = False,
    font: str = "DejaVu Sans",
    width: int = 640,
    height: int = 210,
) -> Markup:
    """Lines over shared x values (one tick per x), y from zero; ``marker`` labels one point."""
    left, right, top, bottom = 62, 150, 16, 52
    pw, ph = width - left - right, height - top - bottom
    fx: Callable[[float], float] = math.log if log_x else float
    x0, x1 = fx(min(x)), fx(max(x))
    ymax = max(v for s in series for v in s.values)
    ticks = nice_ticks(ymax)
    ytop = ticks[-1]

    def px(v: float) -> float:
        return left + (fx(v) - x0) / ((x1 - x0) or 1) * pw

    def py(v: float) -> float:
        return top + ph - v / ytop * ph

    out: list[str] = _y_grid(ticks, py, left, pw, y_format)
    for xv, lab in zip(x, x_labels):
        xx = px(xv)
        out.append(f'<line x1="{xx:.1f}" y1="{top}" x2="{xx:.1f}" y2="{top + ph}" stroke="{_GRID}" stroke-width="1"/>')
        out.append(_t(xx, top + ph + 17, lab, size=_SMALL))
    out.append(f'<line x1="{left}" y1="{top + ph}" x2="{left + pw}" y2="{top + ph}" stroke="{_AXIS}" stroke-width="1.2"/>')
    out.append(f'<line x1="{left}" y1="{top}" x2="{left}" y2="{top + ph}" stroke="{_AXIS}" stroke-width="1.2"/>')
    out.append(_t(left + pw / 2, height - 8, x_title))
    out.append(_t(16, top + ph / 2, y_title, rotate=True))
    for i, s in enumerate(series):
        colour = PALETTE[i % len(PALETTE)]
        pts = " ".join(f"{px(xv):.1f},{py(yv):.1f}" for xv, yv in zip(x, s.values))
        sw = 3 if s.emphasis else 1.8
        dash = "" if s.emphasis else ' stroke-dasharray="6 4"'
        out.append(f'<polyline points="{pts}" fill="none" stroke="{colour}" stroke-width="{sw}"{dash}/>')
        for xv, yv in zip(x, s.values):
            out.append(f'<circle cx="{px(xv):.1f}" cy="{py(yv):.1f}" r="{3.2 if s.emphasis else 2.4}" fill="{colour}"/>')
        ly = top + 14 + i * 20
        out.append(f'<line x1="{left + pw + 16}" y1="{ly - 4}" x2="{left + pw + 40}" y2="{ly - 4}" '
                   f'stroke="{colour}" stroke-width="{sw}"{dash}/>')
        out.append(_t(left + pw + 46, ly, s.name, anchor="start", size=_SMALL,
                      weight="bold" if s.emphasis else "normal"))
    if marker is not None:
        mx, my, label = marker
        cx, cy = px(mx), py(my)
        out.append(f'<circle cx="{cx:.1f}" cy="{cy:.1f}" r="6" fill="none" stroke="{PALETTE[3]}" stroke-width="2"/>')
        # A white box behind the label keeps it readable where it crosses a line (width estimated
        # from the character count: CJK glyphs are about twice as wide as Latin ones).
        est = sum(_SMALL if ord(ch) > 0x2E80 else _SMALL * 0.62 for ch in label) + 6
        out.append(f'<rect x="{cx + 7:.1f}" y="{cy - 24:.1f}" width="{est:.1f}" height="{_SMALL + 6}" '
                   f'fill="#ffffff" fill-opacity="0.9"/>')
        out.append(_t(cx + 10, cy - 10, label, anchor="start", size=_SMALL, weight="bold", fill=PALETTE[3]))
    return _svg(width, height, font, out, y_title)


def grouped_bars(
    *,
    groups: Sequence[str],
    series: Sequence[Series],
    reference: tuple[float, str] | None,
    highlight: tuple[int, int] | None,
    x_title: str,
    y_title: str,
    y_format: Callable[[float], str],
    font: str = "DejaVu Sans",
    width: int = 640,
    height: int = 225,
) -> Markup:
    """Vertical bars, one group per category and one bar per series; ``reference`` draws a
    dashed horizontal line (e.g. HBM capacity); ``highlight`` = (group, series) gets a frame."""
    left, right, top, bottom = 62, 150, 16, 52
    pw, ph = width - left - right, height - top - bottom
    vmax = max([v for s in series for v in s.values] + ([reference[0]] if reference else []))
    ticks = nice_ticks(vmax)
    ytop = ticks[-1]

    def py(v: float) -> float:
        return top + ph - v / ytop * ph

    out: list[str] = _y_grid(ticks, py, left, pw, y_format)
    gw = pw / len(groups)
    bw = gw * 0.72 / len(series)
    for g, name in enumerate(groups):
        gx = left + g * gw + gw * 0.14
        for i, s in enumerate(series):
            v = s.values[g]
            x = gx + i * bw
            y = py(v)
            frame = (' stroke="#111" stroke-width="2.5"' if highlight == (g, i) else "")
            out.append(f'<rect x="{x:.1f}" y="{y:.1f}" width="{bw - 2:.1f}" height="{top + ph - y:.1f}" '
                       f'fill="{PALETTE[i % len(PALETTE)]}"{frame}/>')
        out.append(_t(left + g * gw + gw / 2, top + ph + 17, name, size=_SMALL))
    out.append(f'<line x1="{left}" y1="{top + ph}" x2="{left + pw}" y2="{top + ph}" stroke="{_AXIS}" stroke-width="1.2"/>')
    out.append(f'<line x1="{left}" y1="{top}" x2="{left}" y2="{top + ph}" stroke="{_AXIS}" stroke-width="1.2"/>')
    out.append(_t(left + pw / 2, height - 8, x_title))
    out.append(_t(16, top + ph / 2, y_title, rotate=True))
    for i, s in enumerate(series):
        ly = top + 14 + i * 20
        out.append(f'<rect x="{left + pw + 16}" y="{ly - 10}" width="14" height="12" fill="{PALETTE[i % len(PALETTE)]}"/>')
        out.append(_t(left + pw + 36, ly, s.name, anchor="start", size=_SMALL))
    if reference is not None:
        # The reference line is named in the legend, not at the line, so it never hits a bar or label.
        rv, rlabel = reference
        y = py(rv)
        line = 'stroke="#b00020" stroke-width="2" stroke-dasharray="7 4"'
        out.append(f'<line x1="{left}" y1="{y:.1f}" x2="{left + pw}" y2="{y:.1f}" {line}/>')
        ly = top + 14 + len(series) * 20
        out.append(f'<line x1="{left + pw + 12}" y1="{ly - 4}" x2="{left + pw + 32}" y2="{ly - 4}" {line}/>')
        out.append(_t(left + pw + 36, ly, rlabel, anchor="start", size=_SMALL, weight="bold", fill="#b00020"))
    return _svg(width, height, font, out, y_title)


def stacked_bars(
    *,
    bars: Sequence[tuple[str, Sequence[tuple[str, float]], str]],
    x_title: str,
    x_format: Callable[[float], str],
    font: str = "DejaVu Sans",
    width: int = 640,
) -> Markup:
    """Horizontal stacked bars: each bar is (label, [(part name, value)], total text). Parts of the
    first bar use the blue-to-amber scale; a single-part bar (the rental alternative) uses plum."""
    left, right, top = 70, 120, 14
    bar_h, gap = 40, 22
    ph = len(bars) * (bar_h + gap)
    legend_rows = math.ceil(max(len(parts) for _, parts, _ in bars) / 3) + 1
    height = top + ph + 44 + legend_rows * 20
    pw = width - left - right
    vmax = max(sum(v for _, v in parts) for _, parts, _ in bars)
    ticks = nice_ticks(vmax)
    xmax = ticks[-1]

    def px(v: float) -> float:
        return left + v / xmax * pw

    out: list[str] = []
    for tv in ticks:
        x = px(tv)
        out.append(f'<line x1="{x:.1f}" y1="{top}" x2="{x:.1f}" y2="{top + ph}" stroke="{_GRID}" stroke-width="1"/>')
        out.append(_t(x, top + ph + 16, x_format(tv), size=_SMALL))
    legend: list[tuple[str, str]] = []
    for b, (label, parts, total_text) in enumerate(bars):
        y = top + b * (bar_h + gap) + gap / 2
        x = float(left)
        single = len(parts) == 1
        for i, (name, v) in enumerate(parts):
            colour = _RENT_COLOUR if single else _STACK_COLOURS[i % len(_STACK_COLOURS)]
            w = v / xmax * pw
            if w > 0:
                out.append(f'<rect x="{x:.1f}" y="{y:.1f}" width="{w:.1f}" height="{bar_h}" fill="{colour}" '
                           f'stroke="#fff" stroke-width="0.8"/>')
            x += w
            if (name, colour) not in legend:
                legend.append((name, colour))
        out.append(_t(left - 8, y + bar_h / 2 + 5, label, anchor="end", weight="bold"))
        out.append(_t(x + 6, y + bar_h / 2 + 5, total_text, anchor="start", size=_SMALL, weight="bold"))
    out.append(f'<line x1="{left}" y1="{top}" x2="{left}" y2="{top + ph}" stroke="{_AXIS}" stroke-width="1.2"/>')
    out.append(f'<line x1="{left}" y1="{top + ph}" x2="{left + pw}" y2="{top + ph}" stroke="{_AXIS}" stroke-width="1.2"/>')
    out.append(_t(left + pw / 2, top + ph + 36, x_title))
    ly0 = top + ph + 58
    # Three legend columns: a name such as "Cloud rental of the work" fits its column in both languages.
    cols = 3
    col_w = (width - left) / cols
    for i, (name, colour) in enumerate(legend):
        lx = left + (i % cols) * col_w
        ly = ly0 + (i // cols) * 20
        out.append(f'<rect x="{lx:.1f}" y="{ly - 10}" width="14" height="12" fill="{colour}"/>')
        out.append(_t(lx + 20, ly, name, anchor="start", size=_SMALL))
    height = ly0 + ((len(legend) - 1) // cols) * 20 + 12
    return _svg(width, int(height), font, out, x_title)


def _text_width(s: str, size: float) -> float:
    """Estimated width of ``s`` at ``size``: CJK glyphs are about twice as wide as Latin ones."""
    return sum(size if ord(ch) > 0x2E80 else size * 0.62 for ch in s)


def horizontal_bars(
    *,
    bars: Sequence[tuple[str, float, str]],
    highlight: int | None,
    x_title: str,
    x_format: Callable[[float], str],
    font: str = "DejaVu Sans",
    width: int = 640,
) -> Markup:
    """One horizontal bar per row (label, value, value text), from zero, in the stacked bars' style;
    ``highlight`` (a row index, e.g. the scenario's own card) is drawn dark, the others teal."""
    bar_h, gap, top = 18, 8, 10  # compact: the chart shares its page with two tables
    # The label column fits the longest label (bold), so a long card name never runs left of the chart.
    left = int(max([40.0] + [_text_width(label, _FONT_SIZE) + 14 for label, _, _ in bars]))
    # Room on the right for the value text of the longest bar.
    right = int(max([60.0] + [_text_width(text, _SMALL) + 14 for _, _, text in bars]))
    ph = len(bars) * (bar_h + gap)
    pw = width - left - right
    ticks = nice_ticks(max([v for _, v, _ in bars] + [0.0]))
    xmax = ticks[-1]

    def px(v: float) -> float:
        return left + max(v, 0.0) / xmax * pw

    out: list[str] = []
    for tv in ticks:
        x = px(tv)
        out.append(f'<line x1="{x:.1f}" y1="{top}" x2="{x:.1f}" y2="{top + ph}" stroke="{_GRID}" stroke-width="1"/>')
        out.append(_t(x, top + ph + 16, x_format(tv), size=_SMALL))
    for i, (label, v, text) in enumerate(bars):
        y = top + i * (bar_h + gap) + gap / 2
        colour = PALETTE[0] if i == highlight else PALETTE[1]
        w = px(v) - left
        if w > 0:
            out.append(f'<rect x="{left}" y="{y:.1f}" width="{w:.1f}" height="{bar_h}" fill="{colour}"/>')
        weight = "bold" if i == highlight else "normal"
        out.append(_t(left - 8, y + bar_h / 2 + 4, label, anchor="end", weight=weight))
        out.append(_t(left + w + 6, y + bar_h / 2 + 4, text, anchor="start", size=_SMALL, weight=weight))
    out.append(f'<line x1="{left}" y1="{top}" x2="{left}" y2="{top + ph}" stroke="{_AXIS}" stroke-width="1.2"/>')
    out.append(f'<line x1="{left}" y1="{top + ph}" x2="{left + pw}" y2="{top + ph}" stroke="{_AXIS}" stroke-width="1.2"/>')
    out.append(_t(left + pw / 2, top + ph + 36, x_title))
    return _svg(width, top + ph + 44, font, out, x_title)


def tornado_chart(
    *,
    rows: Sequence[tuple[str, float, float]],
    base: float,
    legend: tuple[str, str],
    x_title: str,
    x_format: Callable[[float], str],
    font: str = "DejaVu Sans",
    width: int = 640,
) -> Markup:
    """Horizontal bars around ``base``: each row is (label, figure with the input at its P10, figure
    with it at its P90); the widest swing first as given. The axis spans the rows' extremes (not
    from zero), so small swings stay visible; ``legend`` names the two colours."""
    left, right, top, bar_h, gap = 250, 30, 12, 20, 8
    ph = len(rows) * (bar_h + gap)
    lo = min([base] + [min(a, b) for _, a, b in rows])
    hi = max([base] + [max(a, b) for _, a, b in rows])
    pad = (hi - lo) * 0.05 or abs(base) * 0.05 or 1.0
    lo, hi = lo - pad, hi + pad
    # Round ticks (20, 40, 60, not 29, 40, 51): the axis spans whole steps of nice_ticks' step.
    step = nice_ticks(hi - lo, 4)[1]
    lo, hi = math.floor(lo / step) * step, math.ceil(hi / step) * step
    pw = width - left - right

    def px(v: float) -> float:
        return left + (v - lo) / (hi - lo) * pw

    out: list[str] = []
    for i in range(round((hi - lo) / step) + 1):
        tv = lo + i * step
        x = px(tv)
        out.append(f'<line x1="{x:.1f}" y1="{top}" x2="{x:.1f}" y2="{top + ph}" stroke="{_GRID}" stroke-width="1"/>')
        out.append(_t(x, top + ph + 15, x_format(tv), size=_SMALL))
    colours = (PALETTE[1], PALETTE[2])
    for r, (label, at_low, at_high) in enumerate(rows):
        y = top + r * (bar_h + gap) + gap / 2
        for value, colour in ((at_low, colours[0]), (at_high, colours[1])):
            x0, x1 = sorted((px(base), px(value)))
            if x1 - x0 > 0.05:
                out.append(f'<rect x="{x0:.1f}" y="{y:.1f}" width="{x1 - x0:.1f}" height="{bar_h}" fill="{colour}"/>')
        out.append(_t(left - 8, y + bar_h / 2 + 4, label, anchor="end", size=_SMALL))
    bx = px(base)
    out.append(f'<line x1="{bx:.1f}" y1="{top - 4}" x2="{bx:.1f}" y2="{top + ph + 2}" stroke="{_TEXT}" stroke-width="1.5"/>')
    out.append(f'<line x1="{left}" y1="{top + ph}" x2="{left + pw}" y2="{top + ph}" stroke="{_AXIS}" stroke-width="1.2"/>')
    out.append(_t(left + pw / 2, top + ph + 34, x_title))
    ly = top + ph + 54
    for i, (name, colour) in enumerate(zip(legend, colours)):
        lx = left + i * pw / 2
        out.append(f'<rect x="{lx:.1f}" y="{ly - 10}" width="14" height="12" fill="{colour}"/>')
        out.append(_t(lx + 20, ly, name, anchor="start", size=_SMALL))
    return _svg(width, int(ly + 10), font, out, x_title)
