"""The training report as a Qt rich-text document: the core's report blocks in Qt's HTML subset.

Qt's QTextDocument reads only a subset of HTML and CSS, and no inline SVG, so
the report shown in the window (and printed to PDF) is not the exported HTML
page. The same blocks (``report.build_blocks``) are written here in what Qt
lays out well: headings in point sizes, tables with cell padding and a
repeated header row, one-cell tables as boxes for commands and notes. Each
chart is drawn from its SVG (``QSvgRenderer``) into a ``QImage`` that the
document holds as an image resource named ``chart:<file name>``.

Colours are a ``theme.Colors`` set: the palette's (light or dark) on screen,
the light one in a PDF. ``load_report`` reads the run (plain Python, meant for
a worker thread); the other functions use QImage, QSvgRenderer and
QTextDocument only, which Qt allows on any thread.
"""

from __future__ import annotations

import html
import re
from dataclasses import dataclass, field
from pathlib import Path

from PySide6.QtCore import QByteArray, QRectF, QUrl
from PySide6.QtGui import QColor, QFont, QImage, QPainter, QPalette, QTextDocument, QTextImageFormat
from PySide6.QtSvg import QSvgRenderer

from lorastudio.core.report.doc import B, Bullets, C, Code, Compare, Figure, Heading, Note, Para, Rule, Table, spans
from lorastudio.ui.theme import DARK, LIGHT, Colors

CHART_SCHEME = "chart"
# The size the core draws its charts at (svg_plot.line_chart's defaults).
CHART_WIDTH, CHART_HEIGHT = 760, 360
MONO = "Menlo, 'SF Mono', Monaco, Consolas, 'DejaVu Sans Mono', 'Liberation Mono', monospace"


@dataclass
class ReportData:
    """A run's report as the core builds it: blocks and chart SVGs, plus the run's state."""

    run_dir: Path
    lang: str
    name: str
    state: str  # as in status.json: finished, stopped, failed, running, paused, ...
    iteration: int = 0
    total_iters: int = 0
    blocks: list = field(default_factory=list)
    charts: dict[str, str] = field(default_factory=dict)  # file name -> SVG text, in report order


def load_report(run_dir: str | Path, lang: str) -> ReportData:
    """Read the run folder and build its report (worker thread: it reads metrics.jsonl)."""
    from lorastudio.core.report import writer as report  # here: the window opens without the report code
    from lorastudio.core.estimate.forecast import predict_peak_gb
    from lorastudio.core.report.facts import collect

    if not Path(run_dir).is_dir():  # deleted or moved since it was selected
        raise FileNotFoundError(f"no run folder at {run_dir}")
    facts = collect(run_dir)
    names = report.plot_names(lang)
    charts = {names["loss"]: report.loss_chart(facts, lang), names["throughput"]: report.throughput_chart(facts, lang)}
    blocks = report.build_blocks(facts, lang, predict_peak_gb, plots=charts)
    return ReportData(Path(run_dir), lang, facts.name, facts.state, facts.iteration, facts.total_iters, blocks, charts)


def chart_url(name: str) -> QUrl:
    return QUrl(f"{CHART_SCHEME}:{name}")


# ----------------------------------------------------------------------------
# colours


def colors_for(palette: QPalette) -> Colors:
    """The app's light or dark colour set, whichever matches this palette's background."""
    return DARK if palette.color(QPalette.ColorRole.Base).lightness() < 128 else LIGHT


def mix(a: str, b: str, share_of_b: float) -> str:
    """``a`` blended towards ``b`` (0 = a, 1 = b), as #rrggbb."""
    ca, cb = QColor(a), QColor(b)
    channels = [round(x + (y - x) * share_of_b) for x, y in zip(ca.getRgb()[:3], cb.getRgb()[:3])]
    return "#{:02x}{:02x}{:02x}".format(*channels)


# ----------------------------------------------------------------------------
# charts


def themed_svg(svg: str, c: Colors) -> str:
    """The chart's SVG as Qt should draw it, in the colours of ``c``.

    QtSvg draws the shape inside a ``<clipPath>`` that is not in ``<defs>``
    (a black box over the grid), so the clip path moves into ``<defs>``. In
    dark mode the chart's paper, text, grid and lines take the app's dark
    colours (those of its live plots).
    """
    from lorastudio.core.report import svg_plot

    svg = re.sub(r"(<clipPath\b.*?</clipPath>)", r"<defs>\1</defs>", svg, flags=re.S)
    if c.dark:
        paper = c.card
        for old, new in (
            (svg_plot.BLUE, c.train), (svg_plot.ORANGE, c.valid), (svg_plot.GREEN, c.speed), (svg_plot.PURPLE, c.iters),
            ('fill="#ffffff"', f'fill="{paper}"'), ('stroke="#ffffff"', f'stroke="{paper}"'),
            ('fill="#f8f9fa"', f'fill="{c.background}"'), (svg_plot.TEXT, c.foreground),
            (svg_plot.MUTED, c.muted), (svg_plot.GRID, c.grid), (svg_plot.AXIS, c.border),
        ):
            svg = svg.replace(old, new)
    return svg


def render_chart(svg: str, width: int, c: Colors, device_pixel_ratio: float = 1.0) -> QImage:
    """The chart drawn ``width`` logical pixels wide (its aspect kept), sharp at ``device_pixel_ratio``."""
    renderer = QSvgRenderer(QByteArray(themed_svg(svg, c).encode("utf-8")))
    size = renderer.defaultSize()
    aspect = size.height() / size.width() if size.width() > 0 else CHART_HEIGHT / CHART_WIDTH
    height = round(width * aspect)
    image = QImage(round(width * device_pixel_ratio), round(height * device_pixel_ratio), QImage.Format.Format_ARGB32_Premultiplied)
    image.fill(QColor(c.card if c.dark else "#ffffff"))
    painter = QPainter(image)
    painter.setRenderHints(QPainter.RenderHint.Antialiasing | QPainter.RenderHint.TextAntialiasing | QPainter.RenderHint.SmoothPixmapTransform)
    renderer.render(painter)
    # a hairline frame, so the chart reads as a card on a page of the same colour
    painter.setPen(QColor(c.border))
    painter.drawRect(QRectF(0.5, 0.5, image.width() - 1, image.height() - 1))
    painter.end()
    image.setDevicePixelRatio(device_pixel_ratio)
    return image


def chart_height(width: int) -> int:
    return round(width * CHART_HEIGHT / CHART_WIDTH)


def chart_images(document: QTextDocument) -> list[tuple[str, QImage]]:
    """The charts a document shows, as (resource name, image), in document order."""
    found = []
    block = document.begin()
    while block.isValid():
        it = block.begin()
        while not it.atEnd():
            fmt = it.fragment().charFormat()
            if fmt.isImageFormat():
                name = QTextImageFormat(fmt).name()
                if name.startswith(f"{CHART_SCHEME}:"):
                    found.append((name, document.resource(QTextDocument.ResourceType.ImageResource, QUrl(name))))
            it += 1
        block = block.next()
    return found


# ----------------------------------------------------------------------------
# blocks -> Qt's HTML subset


@dataclass(frozen=True)
class Style:
    """What the HTML needs to know about where it is shown."""

    colors: Colors
    base_pt: float  # the body text size
    chart_width: int  # logical pixels
    for_print: bool = False


_EMOJI = re.compile("[\U0001F000-\U0001FAFF\u2705\u274C\uFE0F]")
_has_emoji_font: bool | None = None


def _drop_emoji(text: str) -> str:
    """The core's text has a few emoji (🚀 ✅); without a colour emoji font they would be empty boxes."""
    global _has_emoji_font
    if not _EMOJI.search(text):
        return text
    if _has_emoji_font is None:
        from PySide6.QtGui import QFontDatabase

        _has_emoji_font = any("emoji" in family.lower() for family in QFontDatabase.families())
    if _has_emoji_font:
        return text
    cleaned = _EMOJI.sub("", text)
    return cleaned.lstrip() if _EMOJI.match(text) else cleaned  # "🚀 This run" -> "This run"


def _spans(text, style: Style) -> str:
    c = style.colors
    out = []
    for span in spans(text):
        if isinstance(span, B):
            out.append(f"<b>{html.escape(span.text)}</b>")
        elif isinstance(span, C):
            code = html.escape(span.text)
            out.append(f'<code style="font-family: {MONO}; background-color: {c.card}; color: {c.foreground};">{code}</code>')
        else:
            out.append(html.escape(_drop_emoji(str(span))))
    return "".join(out)


def _items(items, style: Style) -> str:
    parts = ['<ul style="margin-top: 2px; margin-bottom: 4px;">']
    for item in items:
        children = _items(item.children, style) if item.children else ""
        parts.append(f"<li>{_spans(item.text, style)}{children}</li>")
    parts.append("</ul>")
    return "".join(parts)


def _box(inner: str, background: str, border: str, padding: int = 10) -> str:
    """A one-cell table: Qt's way to draw a padded, filled box around blocks."""
    return (
        f'<table width="100%" cellspacing="0" cellpadding="{padding}" border="1" '
        f'style="border-collapse: collapse; border-style: solid; border-color: {border}; margin-top: 6px; margin-bottom: 10px;">'
        f'<tr><td bgcolor="{background}">{inner}</td></tr></table>'
    )


def _pre(text: str, style: Style, size_pt: float) -> str:
    # pre-wrap: a long traceback line or path wraps instead of widening the page.
    # line-height: at small sizes Qt clips an underscore of one line under the next.
    return (
        f'<pre style="font-family: {MONO}; font-size: {size_pt:.1f}pt; white-space: pre-wrap; line-height: 125%; '
        f'margin: 0; color: {style.colors.foreground};">{html.escape(text.rstrip())}</pre>'
    )


def _table(block: Table, style: Style) -> str:
    c = style.colors
    align = block.align or ["l"] * len(block.header)

    def cell_align(i: int) -> str:
        return "right" if i < len(align) and align[i] == "r" else "left"

    # Rules under each row only (no cell walls): Qt draws cell borders this way when the table has none.
    line = f"border-bottom: 1px solid {c.grid};"
    head = "".join(
        f'<th align="{cell_align(i)}" bgcolor="{c.card}" style="border-bottom: 1px solid {c.border};">{_spans(h, style)}</th>'
        for i, h in enumerate(block.header)
    )
    rows = "".join(
        "<tr>" + "".join(f'<td align="{cell_align(i)}" style="{line}">{_spans(v, style)}</td>' for i, v in enumerate(row)) + "</tr>"
        for row in block.rows
    )
    # <thead> makes it a header row: Qt repeats it on each page of a PDF.
    return (
        f'<table width="100%" cellspacing="0" cellpadding="5" border="0" '
        f'style="border-collapse: collapse; margin-top: 8px; margin-bottom: 12px;">'
        f"<thead><tr>{head}</tr></thead><tbody>{rows}</tbody></table>"
    )


def _note(block: Note, style: Style) -> str:
    c = style.colors
    accent = {"ok": c.good, "warn": c.warn, "error": c.bad}.get(block.kind, c.border)
    icon = {"ok": "✓", "warn": "!", "error": "✕"}.get(block.kind, "")
    inner = f'<p style="margin: 0;"><b style="color: {accent};">{icon}</b>&nbsp; {_spans(block.text, style)}</p>'
    if block.details:
        inner += f'<p style="margin-top: 6px; margin-bottom: 0;">{_pre(block.details, style, style.base_pt * 0.82)}</p>'
    return _box(inner, mix(c.background, accent, 0.10), mix(c.background, accent, 0.55))


def _figure(block: Figure, style: Style) -> str:
    name = block.path.rsplit("/", 1)[-1]
    width = style.chart_width
    return (
        f'<p align="center" style="margin-top: 14px; margin-bottom: 2px;">'
        f'<img src="{CHART_SCHEME}:{html.escape(name)}" width="{width}" height="{chart_height(width)}"></p>'
        f'<p align="center" style="margin-top: 0; margin-bottom: 14px; color: {style.colors.muted}; font-size: {style.base_pt * 0.88:.1f}pt;">'
        f"{html.escape(block.caption)}</p>"
    )


def _compare(block: Compare, style: Style) -> str:
    c = style.colors
    head = f'<p><b>{_spans(block.title, style)}</b> {html.escape(block.prompt)}</p>'

    def answer(title: str, text: str) -> str:
        body = html.escape(text).replace("\n", "<br>")
        return f'<td width="50%" valign="top"><p style="color: {c.muted}; margin-bottom: 4px;"><b>{html.escape(title)}</b></p>{body}</td>'

    pair = (
        f'<table width="100%" cellspacing="0" cellpadding="8" border="1" style="border-collapse: collapse; border-style: solid; '
        f'border-color: {c.border}; margin-bottom: 12px;"><tr>{answer(block.left_title, block.left)}{answer(block.right_title, block.right)}</tr></table>'
    )
    return head + pair


def to_qt_html(blocks: list, style: Style) -> str:
    """The report in the HTML subset QTextDocument renders, figures as ``chart:`` images."""
    c = style.colors
    sizes = {1: 1.75, 2: 1.38, 3: 1.15, 4: 1.0, 5: 1.0, 6: 1.0}
    body = []
    for block in blocks:
        if isinstance(block, Heading):
            level = min(max(block.level, 1), 6)
            color = f" color: {c.muted};" if level >= 4 else ""
            top = {1: 0, 2: 22, 3: 16}.get(level, 12)
            body.append(
                f'<h{level} style="font-size: {style.base_pt * sizes[level]:.1f}pt; margin-top: {top}px; margin-bottom: 8px;{color}">'
                f"{_spans(block.text, style)}</h{level}>"
            )
        elif isinstance(block, Para):
            body.append(f'<p style="margin-top: 6px; margin-bottom: 6px;">{_spans(block.text, style)}</p>')
        elif isinstance(block, Note):
            body.append(_note(block, style))
        elif isinstance(block, Bullets):
            body.append(_items(block.items, style))
        elif isinstance(block, Table):
            body.append(_table(block, style))
        elif isinstance(block, Code):
            body.append(_box(_pre(block.text, style, style.base_pt * 0.9), c.card, c.border, padding=12))
        elif isinstance(block, Figure):
            body.append(_figure(block, style))
        elif isinstance(block, Compare):
            body.append(_compare(block, style))
        elif isinstance(block, Rule):
            body.append(f'<hr style="margin-top: 14px; margin-bottom: 4px; background-color: {c.grid};">')
    color = "" if not style.for_print else f" color: {c.foreground};"
    return f'<html><body style="font-size: {style.base_pt:.1f}pt;{color}">' + "\n".join(body) + "</body></html>"


def fill_document(document: QTextDocument, data: ReportData, style: Style, device_pixel_ratio: float = 1.0,
                  font: QFont | None = None) -> None:
    """Put the report into ``document``: its charts as image resources, then its text."""
    document.clear()  # and the previous report's charts
    if font is not None:
        document.setDefaultFont(font)
    document.setIndentWidth(24)  # Qt's default (40 px) pushes nested lists far right
    for name, svg in data.charts.items():
        document.addResource(QTextDocument.ResourceType.ImageResource, chart_url(name),
                             render_chart(svg, style.chart_width, style.colors, device_pixel_ratio))
    document.setHtml(to_qt_html(data.blocks, style))
