"""One training example drawn token by token, as the model sees it.

``TokenPreview`` shows a core ``Preview``: every token is a run of text with
its own background (alternating shades, so token boundaries show), prompt
tokens that carry no loss greyed on grey, tokens that ``max_seq_length``
cuts off struck through, line breaks marked with ↵. Hovering a token names
it (position, id, whether it trains). Without a tokenizer it shows the raw
JSON record instead. GUI thread.
"""

from __future__ import annotations

import bisect
import json

from PySide6.QtGui import QColor, QFont, QFontDatabase, QTextBlockFormat, QTextCharFormat, QTextCursor
from PySide6.QtWidgets import QTextEdit, QToolTip, QWidget

from lorastudio.ui.theme import LIGHT, Colors

NEWLINE_MARK = "↵"


def _mix(a: str, b: str, share: float) -> QColor:
    """``share`` of colour ``a`` over colour ``b``."""
    ca, cb = QColor(a), QColor(b)
    return QColor(
        round(ca.red() * share + cb.red() * (1 - share)),
        round(ca.green() * share + cb.green() * (1 - share)),
        round(ca.blue() * share + cb.blue() * (1 - share)),
    )


class TokenPreview(QTextEdit):
    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self.setReadOnly(True)
        self.setMouseTracking(True)
        self.setLineWrapMode(QTextEdit.LineWrapMode.WidgetWidth)
        font = QFontDatabase.systemFont(QFontDatabase.SystemFont.FixedFont)
        font.setStyleHint(QFont.StyleHint.Monospace)
        self.setFont(font)
        self.setMinimumHeight(120)
        self._colors: Colors = LIGHT
        self.preview = None  # the core Preview on show, None for raw text or a message
        self._record: dict | None = None
        self._message = ""
        self._starts: list[int] = []  # document position where each token's text starts

    # --- what to show ----------------------------------------------------------
    def show_preview(self, preview) -> None:
        self.preview, self._record, self._message = preview, None, ""
        self._render()

    def show_raw(self, record: dict) -> None:
        """The record as JSON, for when no tokenizer is available."""
        self.preview, self._record, self._message = None, record, ""
        self._render()

    def show_message(self, text: str) -> None:
        self.preview, self._record, self._message = None, None, text
        self._render()

    def visible_text(self) -> str:
        """The text as shown, without the line-break marks (for tests and copying)."""
        return self.toPlainText().replace(NEWLINE_MARK + "\n", "\n")

    def apply_colors(self, colors: Colors) -> None:
        self._colors = colors
        self._render()

    # --- drawing ---------------------------------------------------------------
    def _render(self) -> None:
        self.clear()
        self._starts = []
        c = self._colors
        cursor = QTextCursor(self.document())
        if self.preview is None:
            fmt = QTextCharFormat()
            fmt.setForeground(QColor(c.muted if self._message else c.foreground))
            text = self._message or json.dumps(self._record, ensure_ascii=False, indent=2)
            cursor.insertText(text, fmt)
            return
        trained = self._trained_shades()
        masked = (QColor(c.masked_bg), _mix(c.masked_fg, c.masked_bg, 0.22))
        spacing = QTextBlockFormat()
        spacing.setLineHeight(140, QTextBlockFormat.LineHeightTypes.ProportionalHeight.value)
        cursor.setBlockFormat(spacing)
        cut_at = self.preview.truncated_at
        mark = QTextCharFormat()
        mark.setForeground(QColor(c.muted))
        for index, piece in enumerate(self.preview.pieces):
            if cut_at is not None and index == cut_at:
                scissors = QTextCharFormat()
                scissors.setForeground(QColor(c.bad))
                scissors.setFontWeight(QFont.Weight.Bold)
                cursor.insertText(" ✂ ", scissors)
            fmt = QTextCharFormat()
            shades = trained if piece.trains else masked
            fmt.setBackground(shades[index % 2])
            fmt.setForeground(QColor(c.foreground if piece.trains else c.masked_fg))
            if cut_at is not None and index >= cut_at:
                fmt.setForeground(QColor(c.bad))
                fmt.setFontStrikeOut(True)
            self._starts.append(cursor.position())
            text = piece.text
            # A line break is invisible; a faint mark shows the token is there.
            parts = text.split("\n")
            for k, part in enumerate(parts):
                if part:
                    cursor.insertText(part, fmt)
                if k < len(parts) - 1:
                    mark.setBackground(fmt.background())
                    cursor.insertText(NEWLINE_MARK, mark)
                    cursor.insertText("\n", fmt)
        self.moveCursor(QTextCursor.MoveOperation.Start)

    def _trained_shades(self) -> tuple[QColor, QColor]:
        c = self._colors
        light, strong = (0.10, 0.22) if not c.dark else (0.22, 0.36)
        return _mix(c.accent, c.background, light), _mix(c.accent, c.background, strong)

    def legend_html(self) -> str:
        """The colour key shown under the preview."""
        c = self._colors

        def swatch(bg: str, fg: str, text: str) -> str:
            return f'<span style="background:{bg};color:{fg}">&nbsp;{text}&nbsp;</span>'

        trained_bg = self._trained_shades()[1].name()
        return "&nbsp;&nbsp;&nbsp;".join((
            swatch(c.masked_bg, c.masked_fg, self.tr("prompt: no loss")),
            swatch(trained_bg, c.foreground, self.tr("trained")),
            swatch(c.background, c.bad, self.tr("✂ cut by max_seq_length")),
        ))

    # --- hover -------------------------------------------------------------------
    def token_at(self, position: int) -> int | None:
        """The index of the token drawn at a document position."""
        if self.preview is None or not self._starts:
            return None
        index = bisect.bisect_right(self._starts, position) - 1
        return index if 0 <= index < len(self.preview.pieces) else None

    def mouseMoveEvent(self, event) -> None:  # noqa: N802 (Qt override)
        super().mouseMoveEvent(event)
        index = self.token_at(self.cursorForPosition(event.position().toPoint()).position())
        if index is None:
            QToolTip.hideText()
            return
        piece = self.preview.pieces[index]
        if self.preview.truncated_at is not None and index >= self.preview.truncated_at:
            role = self.tr("cut off by max_seq_length: never seen in training")
        elif piece.trains:
            role = self.tr("trained: the loss includes predicting this token")
        else:
            role = self.tr("no loss: prompt, or the first token")
        text = self.tr("Token {index} of {count} · id {id}\n{role}").format(
            index=index + 1, count=len(self.preview.pieces), id=piece.token_id, role=role)
        QToolTip.showText(event.globalPosition().toPoint(), text, self)

