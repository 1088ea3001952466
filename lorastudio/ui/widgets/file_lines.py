"""A read-only view of some lines of a data file, numbered, with one line highlighted.

The Data panel reads the lines around a problem in the background
(``data_jobs.read_lines_around``) and hands them here; the view numbers
them from the file's real line numbers, marks the problem line with the
error or warning colour, scrolls to it, and notes where a long line was cut
for display. GUI thread.
"""

from __future__ import annotations

from PySide6.QtCore import QRect, QSize, Qt
from PySide6.QtGui import QColor, QFontDatabase, QPainter, QTextCursor, QTextFormat
from PySide6.QtWidgets import QPlainTextEdit, QTextEdit, QWidget

from lorastudio.ui.theme import LIGHT, Colors


class _Gutter(QWidget):
    def __init__(self, view: "FileLinesView"):
        super().__init__(view)
        self.view = view

    def sizeHint(self) -> QSize:  # noqa: N802 (Qt override)
        return QSize(self.view.gutter_width(), 0)

    def paintEvent(self, event) -> None:  # noqa: N802 (Qt override)
        self.view.paint_gutter(event)


class FileLinesView(QPlainTextEdit):
    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self.setReadOnly(True)
        self.setLineWrapMode(QPlainTextEdit.LineWrapMode.NoWrap)
        self.setFont(QFontDatabase.systemFont(QFontDatabase.SystemFont.FixedFont))
        self.setMinimumHeight(90)
        self._gutter = _Gutter(self)
        self._colors: Colors = LIGHT
        self.first = 1  # the file's line number of the first block
        self.highlighted: int | None = None  # the file's line number shown highlighted
        self._severity = "error"
        self.blockCountChanged.connect(lambda _: self._update_margins())
        self.updateRequest.connect(self._on_update_request)
        self._update_margins()

    # --- content ---------------------------------------------------------------
    def show_lines(self, lines, highlight: int | None, severity: str = "error") -> None:
        """Show a ``FileLines``; highlight the file's line ``highlight`` and scroll to it."""
        self.first = lines.first
        self.highlighted = highlight
        self._severity = severity
        text = []
        for line, cut in zip(lines.lines, lines.cut):
            text.append(line + ("  " + self.tr("… [{count} more bytes not shown]").format(count=f"{cut:,}") if cut else ""))
        self.setPlainText("\n".join(text))
        self._update_margins()
        self._highlight()
        if highlight is not None:
            block = self.document().findBlockByNumber(highlight - self.first)
            if block.isValid():
                cursor = QTextCursor(block)
                self.setTextCursor(cursor)
                self.centerCursor()
        else:
            self.moveCursor(QTextCursor.MoveOperation.Start)

    def show_message(self, text: str) -> None:
        self.first, self.highlighted = 1, None
        self.setPlainText(text)
        self.setExtraSelections([])

    def line_text(self, number: int) -> str:
        """The displayed text of the file's line ``number`` (empty when not shown)."""
        block = self.document().findBlockByNumber(number - self.first)
        return block.text() if block.isValid() else ""

    def apply_colors(self, colors: Colors) -> None:
        self._colors = colors
        self._highlight()
        self._gutter.update()

    def _highlight(self) -> None:
        if self.highlighted is None:
            self.setExtraSelections([])
            return
        block = self.document().findBlockByNumber(self.highlighted - self.first)
        if not block.isValid():
            self.setExtraSelections([])
            return
        colour = QColor(self._colors.bad if self._severity == "error" else self._colors.warn)
        colour.setAlpha(60 if self._colors.dark else 40)
        selection = QTextEdit.ExtraSelection()
        selection.format.setBackground(colour)
        selection.format.setProperty(QTextFormat.Property.FullWidthSelection, True)
        selection.cursor = QTextCursor(block)
        selection.cursor.clearSelection()
        self.setExtraSelections([selection])

    # --- the line-number gutter (Qt's "code editor" example) ---------------------
    def gutter_width(self) -> int:
        last = self.first + max(self.blockCount(), 1) - 1
        return 14 + self.fontMetrics().horizontalAdvance("9") * max(3, len(str(last)))

    def _update_margins(self) -> None:
        self.setViewportMargins(self.gutter_width(), 0, 0, 0)

    def _on_update_request(self, rect: QRect, dy: int) -> None:
        if dy:
            self._gutter.scroll(0, dy)
        else:
            self._gutter.update(0, rect.y(), self._gutter.width(), rect.height())

    def resizeEvent(self, event) -> None:  # noqa: N802 (Qt override)
        super().resizeEvent(event)
        rect = self.contentsRect()
        self._gutter.setGeometry(QRect(rect.left(), rect.top(), self.gutter_width(), rect.height()))

    def paint_gutter(self, event) -> None:
        painter = QPainter(self._gutter)
        painter.fillRect(event.rect(), QColor(self._colors.card))
        block = self.firstVisibleBlock()
        top = round(self.blockBoundingGeometry(block).translated(self.contentOffset()).top())
        height = self.fontMetrics().height()
        while block.isValid() and top <= event.rect().bottom():
            bottom = top + round(self.blockBoundingRect(block).height())
            if block.isVisible() and bottom >= event.rect().top():
                number = self.first + block.blockNumber()
                current = number == self.highlighted
                colour = self._colors.bad if current and self._severity == "error" else \
                    self._colors.warn if current else self._colors.muted
                painter.setPen(QColor(colour))
                font = painter.font()
                font.setBold(current)
                painter.setFont(font)
                painter.drawText(0, top, self._gutter.width() - 6, height, Qt.AlignmentFlag.AlignRight, str(number))
            block = block.next()
            top = bottom
