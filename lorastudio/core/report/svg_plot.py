"""Line charts as standalone SVG text, for reports (no matplotlib, no Qt).

``line_chart`` draws one or two y axes (left and right), "nice" ticks
(1, 2, 2.5, 5 x 10^k), light grid lines, axis titles, a legend, lines and
markers. The output is a complete ``<svg>`` element with its own fonts and
colours: it reads the same as a file beside a Markdown report and inlined in
an HTML one. Pure functions, any thread.
"""

from __future__ import annotations

import hashlib
import math
from dataclasses import dataclass
from xml.sax.saxutils import escape

FONT = "-apple-system, BlinkMacSystemFont, 'Segoe UI', 'PingFang SC', 'Noto Sans CJK SC', 'Microsoft YaHei', Helvetica, Arial, sans-serif"
TEXT = "#1f2933"
MUTED = "#616e7c"
GRID = "#e4e7eb"
AXIS = "#9aa5b1"

BLUE = "#2f6fde"
ORANGE = "#e8710a"
GREEN = "#1e8e3e"
PURPLE = "#8e44ad"

MAX_MARKERS = 60


@dataclass(frozen=True)
class Series:
    label: str
    points: list[tuple[float, float]]
    color: str = BLUE
    style: str = "line"  # "line", "markers" or "line+markers"
    axis: str = "left"  # "left" or "right"
    dashed: bool = False


def nice_ticks(low: float, high: float, target: int = 5) -> list[float]:
    """Round tick values covering [low, high], about ``target`` of them."""
    if not (math.isfinite(low) and math.isfinite(high)):
        return [0.0, 1.0]
    if high < low:
        low, high = high, low
    if high == low:
        pad = abs(low) * 0.1 or 1.0
        low, high = low - pad, high + pad
    raw = (high - low) / max(1, target)
    magnitude = 10 ** math.floor(math.log10(raw))
    step = next(m * magnitude for m in (1, 2, 2.5, 5, 10) if m * magnitude >= raw)
    first = math.floor(low / step + 1e-9) * step
    ticks = []
    value = first
    while value < high + step * 0.999:
        ticks.append(round(value, 12))
        value += step
    if len(ticks) < 2:
        ticks.append(round(first + step, 12))
    return ticks


def format_tick(value: float, step: float) -> str:
    """Tick text with just enough decimals for the step, thousands separated."""
    if step >= 1:
        return f"{value:,.0f}" if abs(step - round(step)) < 1e-9 else f"{value:,.1f}"
    decimals = min(6, max(0, -math.floor(math.log10(step) + 1e-9)))
    if abs(step * 10**decimals - round(step * 10**decimals)) > 1e-6:
        decimals += 1
    return f"{value:.{decimals}f}"


def _range(series: list[Series], index: int, include_zero: bool) -> tuple[float, float]:
    values = [p[index] for s in series for p in s.points if math.isfinite(p[index])]
    if not values:
        return 0.0, 1.0
    low, high = min(values), max(values)
    if include_zero:
        low = min(low, 0.0)
    return low, high


class _Scale:
    def __init__(self, ticks: list[float], start: float, end: float):
        self.ticks = ticks
        self.low, self.high = ticks[0], ticks[-1]
        self.start, self.end = start, end

    @property
    def step(self) -> float:
        return self.ticks[1] - self.ticks[0] if len(self.ticks) > 1 else 1.0

    def __call__(self, value: float) -> float:
        span = self.high - self.low or 1.0
        return self.start + (value - self.low) / span * (self.end - self.start)


def _text(x: float, y: float, text: str, anchor: str = "middle", size: int = 12, color: str = MUTED, **extra) -> str:
    attrs = "".join(f' {k.replace("_", "-")}="{v}"' for k, v in extra.items())
    return (
        f'<text x="{x:.1f}" y="{y:.1f}" text-anchor="{anchor}" font-size="{size}" fill="{color}"{attrs}>'
        f"{escape(text)}</text>"
    )


def _text_width(text: str, size: int = 12) -> float:
    """Rough width of a label: CJK characters are about twice as wide as Latin ones."""
    return sum(size if ord(c) >= 0x2E80 else size * 0.6 for c in text)


def _marker(x: float, y: float, color: str) -> str:
    return f'<circle cx="{x:.1f}" cy="{y:.1f}" r="4.5" fill="{color}" stroke="#ffffff" stroke-width="1.5"/>'


@dataclass(frozen=True)
class _Frame:
    """The chart's size and its plot area: x from ``x0`` to ``x1``, y from ``y0`` (bottom) up to ``y1``."""

    width: int
    height: int
    x0: int
    x1: int
    y0: int
    y1: int


def line_chart(
    series: list[Series],
    title: str,
    x_label: str,
    y_label: str,
    y2_label: str | None = None,
    width: int = 760,
    height: int = 360,
    empty_text: str = "No data yet",
    zero_based: bool = False,
    integer_x: bool = True,
) -> str:
    """A complete SVG document text of the series (both y axes when any series uses the right one)."""
    left_series = [s for s in series if s.axis == "left" and s.points]
    right_series = [s for s in series if s.axis == "right" and s.points]
    has_right = bool(right_series) and y2_label is not None
    margin_left, margin_right = 72, 76 if has_right else 28
    margin_top, margin_bottom = 48, 58
    frame = _Frame(width, height, margin_left, width - margin_right, height - margin_bottom, margin_top)
    parts = _header(frame, title)
    plotted = [s for s in series if s.points]
    if not plotted:
        parts.extend(_empty_plot(frame, empty_text))
        parts.append("</svg>")
        return "\n".join(parts)

    xs = _x_scale(plotted, frame, integer_x)
    left = _Scale(nice_ticks(*_range(left_series or plotted, 1, zero_based), 5), frame.y0, frame.y1)
    right = _Scale(nice_ticks(*_range(right_series, 1, zero_based), 5), frame.y0, frame.y1) if has_right else None
    parts.extend(_axes(frame, xs, left, right))
    parts.extend(_axis_titles(frame, x_label, y_label, y2_label if right is not None else None))
    parts.extend(_data(frame, repr((title, series)), plotted, xs, left, right))
    parts.extend(_legend(frame, plotted))
    parts.append("</svg>")
    return "\n".join(parts)


def _header(frame: _Frame, title: str) -> list[str]:
    """The opening ``<svg>`` tag, the accessible title, the white background and the visible title."""
    width, height = frame.width, frame.height
    return [
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width} {height}" width="{width}" height="{height}" '
        f'role="img" aria-label="{escape(title, {chr(34): "&quot;"})}" font-family="{escape(FONT, {chr(34): "&quot;"})}">',
        f"<title>{escape(title)}</title>",
        f'<rect x="0" y="0" width="{width}" height="{height}" fill="#ffffff"/>',
        _text(frame.x0, 26, title, anchor="start", size=15, color=TEXT, font_weight="600"),
    ]


def _empty_plot(frame: _Frame, empty_text: str) -> list[str]:
    x0, x1, y0, y1 = frame.x0, frame.x1, frame.y0, frame.y1
    return [
        f'<rect x="{x0}" y="{y1}" width="{x1 - x0}" height="{y0 - y1}" fill="#f8f9fa" stroke="{GRID}"/>',
        _text((x0 + x1) / 2, (y0 + y1) / 2, empty_text, size=14),
    ]


def _x_scale(plotted: list[Series], frame: _Frame, integer_x: bool) -> _Scale:
    """The x scale; iteration axes span at least 4 and keep only whole-number ticks."""
    x_low, x_high = _range(plotted, 0, False)
    if integer_x and x_high - x_low < 4:
        x_high = x_low + 4
    xs = _Scale(nice_ticks(x_low, x_high, 6), frame.x0, frame.x1)
    if integer_x:
        xs.ticks = [t for t in xs.ticks if abs(t - round(t)) < 1e-9] or xs.ticks
    return xs


def _axes(frame: _Frame, xs: _Scale, left: _Scale, right: _Scale | None) -> list[str]:
    """Grid lines, tick marks and tick labels, then the axis lines."""
    x0, x1, y0, y1 = frame.x0, frame.x1, frame.y0, frame.y1
    parts = []
    for tick in left.ticks:
        y = left(tick)
        parts.append(f'<line x1="{x0}" y1="{y:.1f}" x2="{x1}" y2="{y:.1f}" stroke="{GRID}" stroke-width="1"/>')
        parts.append(_text(x0 - 8, y + 4, format_tick(tick, left.step), anchor="end", size=11))
    if right is not None:
        for tick in right.ticks:
            parts.append(_text(x1 + 8, right(tick) + 4, format_tick(tick, right.step), anchor="start", size=11))
    for tick in xs.ticks:
        x = xs(tick)
        parts.append(f'<line x1="{x:.1f}" y1="{y0}" x2="{x:.1f}" y2="{y0 + 5}" stroke="{AXIS}" stroke-width="1"/>')
        parts.append(_text(x, y0 + 19, format_tick(tick, xs.step), size=11))
    parts.append(f'<line x1="{x0}" y1="{y0}" x2="{x1}" y2="{y0}" stroke="{AXIS}" stroke-width="1.2"/>')
    parts.append(f'<line x1="{x0}" y1="{y0}" x2="{x0}" y2="{y1}" stroke="{AXIS}" stroke-width="1.2"/>')
    if right is not None:
        parts.append(f'<line x1="{x1}" y1="{y0}" x2="{x1}" y2="{y1}" stroke="{AXIS}" stroke-width="1.2"/>')
    return parts


def _axis_titles(frame: _Frame, x_label: str, y_label: str, y2_label: str | None) -> list[str]:
    """The x title under the plot, the y titles turned along the left and (when ``y2_label``) right edges."""
    mid = (frame.y0 + frame.y1) / 2
    parts = [
        _text((frame.x0 + frame.x1) / 2, frame.height - 14, x_label, size=12, color=TEXT),
        _text(18, mid, y_label, size=12, color=TEXT, transform=f"rotate(-90 18 {mid:.1f})"),
    ]
    if y2_label is not None:
        xr = frame.width - 14
        parts.append(_text(xr, mid, y2_label, size=12, color=TEXT, transform=f"rotate(90 {xr} {mid:.1f})"))
    return parts


def _data(
    frame: _Frame, identity: str, plotted: list[Series], xs: _Scale, left: _Scale, right: _Scale | None
) -> list[str]:
    """The lines and markers, clipped to the plot area.

    The clip path's id comes from ``identity`` (the chart's title and series), so
    several charts inlined in one page do not share an id.
    """
    x0, x1, y0, y1 = frame.x0, frame.x1, frame.y0, frame.y1
    clip = "clip-" + hashlib.sha1(identity.encode("utf-8")).hexdigest()[:10]
    parts = [
        f'<clipPath id="{clip}"><rect x="{x0 - 6}" y="{y1 - 6}" width="{x1 - x0 + 12}" height="{y0 - y1 + 12}"/></clipPath>',
        f'<g clip-path="url(#{clip})">',
    ]
    for s in plotted:
        scale = right if (s.axis == "right" and right is not None) else left
        points = [(xs(x), scale(y)) for x, y in s.points if math.isfinite(y)]
        if "line" in s.style and len(points) > 1:
            path = " ".join(f"{x:.1f},{y:.1f}" for x, y in points)
            dash = ' stroke-dasharray="6 4"' if s.dashed else ""
            parts.append(
                f'<polyline points="{path}" fill="none" stroke="{s.color}" stroke-width="2.2" '
                f'stroke-linejoin="round" stroke-linecap="round"{dash}/>'
            )
        # Markers on a dense line only blur it; a lone point still needs one.
        if ("markers" in s.style and (len(points) <= MAX_MARKERS or "line" not in s.style)) or len(points) == 1:
            parts.extend(_marker(x, y, s.color) for x, y in points)
    parts.append("</g>")
    return parts


def _legend(frame: _Frame, plotted: list[Series]) -> list[str]:
    """One row in the header, right-aligned, so it never covers the data."""
    swatch, gap = 22, 18
    parts = []
    x = frame.x1
    for s in reversed(plotted):
        width_needed = swatch + 6 + _text_width(s.label)
        x -= width_needed
        cy = 22
        if "line" in s.style:
            dash = ' stroke-dasharray="6 4"' if s.dashed else ""
            parts.append(f'<line x1="{x:.1f}" y1="{cy}" x2="{x + swatch:.1f}" y2="{cy}" stroke="{s.color}" stroke-width="2.2"{dash}/>')
        if "markers" in s.style or "line" not in s.style:
            parts.append(_marker(x + swatch / 2, cy, s.color))
        parts.append(_text(x + swatch + 6, cy + 4, s.label, anchor="start", size=12, color=TEXT))
        x -= gap
    return parts
