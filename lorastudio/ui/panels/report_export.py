"""Exporting a run's report: Markdown with its charts, the self-contained HTML page, an A4 PDF.

Markdown and HTML are the core's ``write_report`` files (written into the run
folder, as the training child does at the end of a run) copied to where the
user chose; the Markdown's ``report_files/`` charts go into a ``<name>_files``
folder beside the copy, like a browser's "Save Page As", so two exports into
one folder never overwrite each other's charts. The PDF is the report as the
window shows it (Qt's rich text, light colours), laid out on A4 pages with a
footer; Qt keeps table rows whole and repeats a table's header row on each
page. Every function here runs on a worker thread (``ui.tasks.Task``): they
use files, QTextDocument, QImage and QPdfWriter, never a widget.
"""

from __future__ import annotations

import shutil
from pathlib import Path

from PySide6.QtCore import QMarginsF, QRectF, QSizeF, Qt
from PySide6.QtGui import (
    QAbstractTextDocumentLayout,
    QColor,
    QFont,
    QImage,
    QPageLayout,
    QPageSize,
    QPainter,
    QPalette,
    QPdfWriter,
    QTextBlock,
    QTextCursor,
    QTextDocument,
    QTextFormat,
)

from lorastudio.core.base import atomic
from lorastudio.core.estimate.forecast import predict_peak_gb
from lorastudio.core.report.writer import FILES_DIR, plot_names, write_report
from lorastudio.ui.panels import report_view as rv
from lorastudio.ui.theme import LIGHT

FORMATS = ("md", "html", "pdf")
LAYOUT_DPI = 96  # the document is laid out in these pixels, then scaled to the PDF's resolution
PDF_DPI = 300
PDF_BODY_PT = 10.0
MARGINS_MM = QMarginsF(18, 16, 18, 14)  # left, top, right, bottom
FOOTER_PX = 28  # layout pixels kept under the text of each page for its footer


def default_file_name(run_name: str, lang: str, fmt: str) -> str:
    """``demo-report.md``; Chinese reports get ``.zh`` as the core names them (``demo-report.zh.pdf``)."""
    safe = "".join(ch if ch not in '/\\:*?"<>|' else "-" for ch in run_name).strip() or "run"
    suffix = f".{fmt}" if lang == "en" else f".{lang}.{fmt}"
    return f"{safe}-report{suffix}"


def with_suffix(path: str | Path, fmt: str) -> Path:
    """The chosen path, with the format's extension added when the user left it out."""
    path = Path(path)
    return path if path.suffix.lower() == f".{fmt}" else path.with_name(path.name + f".{fmt}")


def export(run_dir: str | Path, lang: str, fmt: str, dest: str | Path, font_family: str = "") -> list[Path]:
    """Write the report of ``run_dir`` as ``fmt`` to ``dest``; the files written, the report first."""
    if fmt == "md":
        return export_markdown(run_dir, lang, dest)
    if fmt == "html":
        return [export_html(run_dir, lang, dest)]
    if fmt == "pdf":
        return [export_pdf(run_dir, lang, dest, font_family)]
    raise ValueError(f"export format must be one of {', '.join(FORMATS)} (got {fmt!r})")


def _same_file(a: Path, b: Path) -> bool:
    try:
        return a.resolve() == b.resolve()
    except OSError:
        return False


def export_markdown(run_dir: str | Path, lang: str, dest: str | Path) -> list[Path]:
    """``dest`` and its charts in ``<dest stem>_files/`` (the Markdown links them there)."""
    run_dir, dest = Path(run_dir), Path(dest)
    (written,) = write_report(run_dir, lang, ("md",), predict_peak_gb=predict_peak_gb)
    if _same_file(written, dest):  # saved over the run's own report: its charts are beside it already
        return [written] + [run_dir / FILES_DIR / name for name in plot_names(lang).values()]
    files_dir = dest.with_name(f"{dest.stem}_files")
    text = written.read_text(encoding="utf-8").replace(f"]({FILES_DIR}/", f"]({files_dir.name}/")
    files_dir.mkdir(parents=True, exist_ok=True)
    charts = []
    for name in plot_names(lang).values():
        target = files_dir / name
        atomic.write_bytes(target, (run_dir / FILES_DIR / name).read_bytes())
        charts.append(target)
    atomic.write_text(dest, text)
    return [dest] + charts


def export_html(run_dir: str | Path, lang: str, dest: str | Path) -> Path:
    """The self-contained page (CSS and SVG charts inline): one file, nothing beside it."""
    run_dir, dest = Path(run_dir), Path(dest)
    (written,) = write_report(run_dir, lang, ("html",), predict_peak_gb=predict_peak_gb)
    if not _same_file(written, dest):
        with atomic.atomic_path(dest) as tmp:
            shutil.copyfile(written, tmp)
    return dest


def _layout_device() -> QImage:
    """A 96-dpi paint device, so the layout (and the PDF) is the same on every platform."""
    image = QImage(1, 1, QImage.Format.Format_ARGB32_Premultiplied)
    dots_per_meter = round(LAYOUT_DPI / 0.0254)
    image.setDotsPerMeterX(dots_per_meter)
    image.setDotsPerMeterY(dots_per_meter)
    return image


def pdf_document(data: rv.ReportData, text_width: float, page_height: float, font_family: str = "") -> QTextDocument:
    """The report as a paginated QTextDocument (light colours, charts sharp in print)."""
    document = QTextDocument()
    device = _layout_device()
    document.documentLayout().setPaintDevice(device)
    document.layout_device = device  # the layout keeps only a pointer: the image must live as long as the document
    document.setDocumentMargin(0)
    document.setUseDesignMetrics(True)  # print metrics, not the screen's hinted ones
    document.setPageSize(QSizeF(text_width, page_height))
    font = QFont(font_family) if font_family else QFont()
    font.setPointSizeF(PDF_BODY_PT)
    style = rv.Style(LIGHT, PDF_BODY_PT, chart_width=int(min(rv.CHART_WIDTH, text_width)), for_print=True)
    rv.fill_document(document, data, style, device_pixel_ratio=3.0, font=font)
    keep_with_next(document)
    return document


def _leads_in(block: QTextBlock) -> bool:
    """A heading, or a paragraph that introduces what follows ("How to load the adapter:")."""
    if block.blockFormat().headingLevel() > 0:
        return True
    text = block.text().rstrip()
    return bool(text) and text[-1] in ":：" and block.textList() is None and len(text) < 200


def keep_with_next(document: QTextDocument, passes: int = 8) -> int:
    """Move a heading (or a lead-in line) left alone at the foot of a page to the next page.

    Qt has no "keep with next", so after each layout every lead-in whose next
    block starts on a later page gets a page break before it, until nothing
    moves. Returns how many were moved.
    """
    layout = document.documentLayout()
    page = document.pageSize().height()
    moved = 0
    for _ in range(passes):
        changed = False
        block = document.begin()
        while block.isValid():
            following = block.next()
            if following.isValid() and _leads_in(block) and block.blockFormat().pageBreakPolicy() == QTextFormat.PageBreakFlag.PageBreak_Auto:
                here = layout.blockBoundingRect(block)
                there = layout.blockBoundingRect(following)
                first_line = there.top() + min(there.height(), 2 * here.height())
                if int(here.top() // page) != int(first_line // page) and here.top() % page > 1:
                    fmt = block.blockFormat()
                    fmt.setPageBreakPolicy(QTextFormat.PageBreakFlag.PageBreak_AlwaysBefore)
                    QTextCursor(block).setBlockFormat(fmt)
                    changed = True
                    moved += 1
                    break  # everything below moved: measure again
            block = following
        if not changed:
            break
    return moved


def export_pdf(run_dir: str | Path, lang: str, dest: str | Path, font_family: str = "") -> Path:
    """An A4 PDF of the report with "name · page n of m" footers, written atomically."""
    dest = Path(dest)
    data = rv.load_report(run_dir, lang)
    with atomic.atomic_path(dest) as tmp:
        writer = QPdfWriter(str(tmp))
        writer.setPageLayout(QPageLayout(QPageSize(QPageSize.PageSizeId.A4), QPageLayout.Orientation.Portrait,
                                         MARGINS_MM, QPageLayout.Unit.Millimeter))
        writer.setResolution(PDF_DPI)
        writer.setTitle(data.name)
        writer.setCreator("LoRA Studio")
        scale = PDF_DPI / LAYOUT_DPI
        paint = writer.pageLayout().paintRectPixels(PDF_DPI)
        width, height = paint.width() / scale, paint.height() / scale
        page_height = height - FOOTER_PX
        document = pdf_document(data, width, page_height, font_family)
        pages = max(1, document.pageCount())
        footer_font = QFont(document.defaultFont())
        footer_font.setPixelSize(round(PDF_BODY_PT * 0.8 * LAYOUT_DPI / 72))  # the painter is in layout pixels
        context = QAbstractTextDocumentLayout.PaintContext()
        context.palette.setColor(QPalette.ColorRole.Text, QColor(LIGHT.foreground))
        painter = QPainter(writer)
        try:
            painter.scale(scale, scale)
            for page in range(pages):
                if page:
                    writer.newPage()
                painter.save()
                painter.setClipRect(QRectF(0, 0, width, page_height))
                painter.translate(0, -page * page_height)
                context.clip = QRectF(0, page * page_height, width, page_height)
                document.documentLayout().draw(painter, context)
                painter.restore()
                painter.setFont(footer_font)
                painter.setPen(QColor(LIGHT.muted))
                footer = QRectF(0, height - FOOTER_PX * 0.6, width, FOOTER_PX * 0.6)
                painter.drawText(footer, Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter, data.name)
                painter.drawText(footer, Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter, f"{page + 1} / {pages}")
        finally:
            painter.end()
    return dest
