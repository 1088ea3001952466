"""The Chat page's transcript: user bubbles, streamed answers, compare rows, and its empty state.

``ChatView`` is a scroll area of messages. A user message is a bubble on the
right; an answer is a card across the width with a title (which adapter
answered), the text (rendered as Markdown with raw HTML off, selectable) and,
once done, its speed. A compare round puts two answers side by side. Tokens
arrive far faster than the eye reads, so an answer repaints at most every
``FLUSH_MS``; the view follows the newest text unless the user scrolled up.
Only the Chat panel writes to it; ``chat_empty.EmptyState`` stands in for
it while it is empty. GUI thread.
"""

from __future__ import annotations

import math

from PySide6.QtCore import QSize, Qt, QTimer
from PySide6.QtGui import QColor, QGuiApplication, QTextBlockFormat, QTextCursor, QTextDocument, QTextFormat
from PySide6.QtWidgets import (
    QFrame,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QScrollArea,
    QSizePolicy,
    QTextBrowser,
    QVBoxLayout,
    QWidget,
)

FLUSH_MS = 40  # repaint a streaming answer at most 25 times a second
BUBBLE_SHARE = 0.78  # a user bubble is at most this share of the view's width
_MARKDOWN = QTextDocument.MarkdownFeature.MarkdownDialectGitHub | QTextDocument.MarkdownFeature.MarkdownNoHTML


class MessageText(QTextBrowser):
    """Selectable message text as tall as its content (no scroll bar of its own)."""

    def __init__(self, markdown: bool, parent: QWidget | None = None):
        super().__init__(parent)
        self.markdown = markdown
        self.code_background: str | None = None  # shade behind code blocks (Markdown has no colours of its own)
        self._text = ""
        self.setFrameShape(QFrame.Shape.NoFrame)
        self.setVerticalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.setOpenExternalLinks(True)
        self.viewport().setAutoFillBackground(False)
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Fixed)
        self.setMinimumWidth(40)
        self.document().setDocumentMargin(0)
        # Scrolling the wheel over a message scrolls the transcript, not this (always fully shown) text.
        self.setFocusPolicy(Qt.FocusPolicy.ClickFocus)

    def text(self) -> str:
        return self._text

    def set_text(self, text: str) -> None:
        self._text = text
        if self.markdown:
            self.document().setMarkdown(text, _MARKDOWN)
            self._shade_code()
        else:
            self.document().setPlainText(text)
        self._fit_height()

    def set_code_background(self, color: str) -> None:
        self.code_background = color
        if self.markdown and self._text:
            self.set_text(self._text)

    def _shade_code(self) -> None:
        if not self.code_background:
            return
        shade = QTextBlockFormat()
        shade.setBackground(QColor(self.code_background))
        block = self.document().begin()
        while block.isValid():
            fmt = block.blockFormat()
            if fmt.nonBreakableLines() or fmt.hasProperty(QTextFormat.Property.BlockCodeFence):
                QTextCursor(block).mergeBlockFormat(shade)
            block = block.next()

    def ideal_width(self, limit: int) -> int:
        """The width the text needs, at most ``limit`` (for bubbles that shrink to short messages)."""
        self.document().setTextWidth(limit)
        return math.ceil(self.document().idealWidth()) + 2

    def _fit_height(self) -> None:
        self.document().setTextWidth(max(self.viewport().width(), 40))
        height = max(math.ceil(self.document().size().height()), self.fontMetrics().height())
        if height != self.height():
            self.setFixedHeight(height)

    def resizeEvent(self, event) -> None:  # noqa: N802 (Qt override)
        super().resizeEvent(event)
        self._fit_height()

    def wheelEvent(self, event) -> None:  # noqa: N802 (Qt override)
        event.ignore()  # let the transcript scroll

    def sizeHint(self) -> QSize:  # noqa: N802 (Qt override)
        return QSize(super().sizeHint().width(), self.height())


class UserBubble(QFrame):
    """What the user wrote, right-aligned and as narrow as the text allows."""

    def __init__(self, text: str, parent: QWidget | None = None):
        super().__init__(parent)
        self.setObjectName("userBubble")
        self.body = MessageText(markdown=False)
        self.body.set_text(text)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(14, 9, 14, 9)
        layout.addWidget(self.body)

    def text(self) -> str:
        return self.body.text()

    def fit(self, limit: int) -> None:
        margins = self.layout().contentsMargins()
        pad = margins.left() + margins.right()
        self.setFixedWidth(min(limit, self.body.ideal_width(limit - pad) + pad))


class AnswerBlock(QFrame):
    """One answer: a title, the streamed text, then its speed (or why it ended)."""

    def __init__(self, title: str, parent: QWidget | None = None):
        super().__init__(parent)
        self.setObjectName("answerBlock")
        self.title = QLabel(title)
        self.title.setObjectName("messageTitle")
        self.body = MessageText(markdown=True)
        self.waiting = QLabel(self.tr("Thinking…"))
        self.waiting.setObjectName("messageMuted")
        self.stats = QLabel()
        self.stats.setObjectName("messageMuted")
        self.stats.setWordWrap(True)
        self.stats.hide()
        self.copy_button = QPushButton(self.tr("Copy"))
        self.copy_button.setFlat(True)
        self.copy_button.setToolTip(self.tr("Copy this answer as text"))
        self.copy_button.hide()
        top = QHBoxLayout()
        top.setContentsMargins(0, 0, 0, 0)
        top.addWidget(self.title, 1)
        top.addWidget(self.copy_button)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(14, 8, 10, 10)
        layout.setSpacing(6)
        layout.addLayout(top)
        layout.addWidget(self.waiting)
        layout.addWidget(self.body)
        layout.addWidget(self.stats)
        self.body.hide()
        self._pending: list[str] = []
        self._text = ""
        self.finished = False
        self.failed = False
        self.stats_value = None
        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.setInterval(FLUSH_MS)
        self._timer.timeout.connect(self._flush)
        self.copy_button.clicked.connect(lambda: QGuiApplication.clipboard().setText(self._text))

    def text(self) -> str:
        return self._text + "".join(self._pending)

    def set_title(self, title: str) -> None:
        self.title.setText(title)

    def append(self, piece: str) -> None:
        self._pending.append(piece)
        if not self._timer.isActive():
            self._timer.start()

    def _flush(self) -> None:
        if self._pending:
            self._text += "".join(self._pending)
            self._pending.clear()
            self._show_text()

    def _show_text(self) -> None:
        self.waiting.setVisible(not self._text and not self.finished)
        self.body.setVisible(bool(self._text))
        self.body.set_text(self._text)

    def finish(self, text: str, stats) -> None:
        """The whole answer as the engine has it (it may complete a character the stream held back)."""
        self._timer.stop()
        self._pending.clear()
        self._text = text
        self.finished = True
        self.stats_value = stats
        self._show_text()
        if not text:
            self.waiting.setText(self.tr("(no text: the model ended its answer at once)"))
            self.waiting.show()
        elif not text.strip():
            self.waiting.setText(self.tr("(only spaces and line breaks)"))
            self.waiting.show()
            self.body.hide()
        if stats is not None:
            self.stats.setText(self.stats_line(stats))
            self.stats.setToolTip(self.stats_details(stats))
            self.stats.show()
        self.copy_button.setVisible(bool(text))

    def stats_line(self, stats) -> str:
        """Speed and time to first token, and why the answer ended when it did not end by itself."""
        values = {"tokens": stats.generated_tokens, "speed": stats.tokens_per_second, "first": stats.time_to_first_token_s}
        if stats.finish_reason == "stopped":
            return self.tr("{tokens} tokens · {speed:.1f} tokens/s · first token {first:.2f} s · stopped").format(**values)
        if stats.finish_reason == "length":
            return self.tr("{tokens} tokens · {speed:.1f} tokens/s · first token {first:.2f} s · reached the token limit").format(**values)
        return self.tr("{tokens} tokens · {speed:.1f} tokens/s · first token {first:.2f} s").format(**values)

    def stats_details(self, stats) -> str:
        return self.tr("Prompt: {prompt} tokens ({cached} reused from the conversation), {prompt_speed:.0f} tokens/s\n"
                       "Answer: {tokens} tokens in {elapsed:.2f} s\nPeak memory: {memory:.3f} GB").format(
            prompt=stats.prompt_tokens, cached=stats.cached_tokens, prompt_speed=stats.prompt_tokens_per_second,
            tokens=stats.generated_tokens, elapsed=stats.elapsed_s, memory=stats.peak_memory_gb)

    def fail(self, message: str) -> None:
        """The answer broke off with an error (the panel's banner says more)."""
        self._timer.stop()
        self._flush()
        self.finished = self.failed = True
        self._show_text()
        self.stats.setText(message)
        self.stats.show()


class ChatView(QScrollArea):
    """The transcript: append messages and answers, follow the newest text."""

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self.setWidgetResizable(True)
        self.setFrameShape(QFrame.Shape.NoFrame)
        self.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.content = QWidget()
        self.content.setObjectName("chatContent")
        self.column = QVBoxLayout(self.content)
        self.column.setContentsMargins(4, 4, 12, 8)
        self.column.setSpacing(10)
        self.column.addStretch(1)
        self.setWidget(self.content)
        self.items: list[QWidget] = []  # rows, in order
        self._code_background: str | None = None
        self._follow = True
        bar = self.verticalScrollBar()
        bar.valueChanged.connect(lambda value: setattr(self, "_follow", value >= bar.maximum() - 8))
        bar.rangeChanged.connect(lambda _lo, hi: bar.setValue(hi) if self._follow else None)

    # --- adding ------------------------------------------------------------------
    def _add(self, row: QWidget) -> None:
        self.column.insertWidget(self.column.count() - 1, row)
        self.items.append(row)

    def add_user(self, text: str) -> UserBubble:
        bubble = UserBubble(text)
        row = QWidget()
        line = QHBoxLayout(row)
        line.setContentsMargins(0, 0, 0, 0)
        line.addStretch(1)
        line.addWidget(bubble)
        row.kind, row.blocks = "user", (bubble,)
        self._add(row)
        bubble.fit(self._bubble_limit())
        self.follow()
        return bubble

    def add_answer(self, title: str) -> AnswerBlock:
        block = AnswerBlock(title)
        block.body.code_background = self._code_background
        block.kind, block.blocks = "answer", (block,)
        self._add(block)
        return block

    def add_compare(self, base_title: str, adapter_title: str) -> tuple[AnswerBlock, AnswerBlock]:
        """Two answers side by side (base model left, adapter right)."""
        base, tuned = AnswerBlock(base_title), AnswerBlock(adapter_title)
        base.setObjectName("baseBlock")
        for block in (base, tuned):
            block.body.code_background = self._code_background
        row = QWidget()
        line = QHBoxLayout(row)
        line.setContentsMargins(0, 0, 0, 0)
        line.setSpacing(10)
        line.addWidget(base, 1, Qt.AlignmentFlag.AlignTop)
        line.addWidget(tuned, 1, Qt.AlignmentFlag.AlignTop)
        row.kind, row.blocks = "compare", (base, tuned)
        self._add(row)
        return base, tuned

    def add_note(self, text: str) -> QLabel:
        """A centred line between messages (a new model, a cleared conversation)."""
        note = QLabel(text)
        note.setObjectName("messageMuted")
        note.setAlignment(Qt.AlignmentFlag.AlignCenter)
        note.setWordWrap(True)
        note.kind, note.blocks = "note", ()
        self._add(note)
        return note

    # --- removing ----------------------------------------------------------------
    def remove_last(self) -> QWidget | None:
        if not self.items:
            return None
        row = self.items.pop()
        self.column.removeWidget(row)
        row.hide()
        row.deleteLater()
        return row

    def clear(self) -> None:
        while self.items:
            self.remove_last()
        self._follow = True

    # --- reading -----------------------------------------------------------------
    def is_empty(self) -> bool:
        return not self.items

    def last_kind(self) -> str:
        return self.items[-1].kind if self.items else ""

    def answers(self) -> list[AnswerBlock]:
        return [b for row in self.items for b in row.blocks if isinstance(b, AnswerBlock)]

    def user_texts(self) -> list[str]:
        return [row.blocks[0].text() for row in self.items if row.kind == "user"]

    # --- look --------------------------------------------------------------------
    def follow(self) -> None:
        """Jump to the newest message and keep following it."""
        self._follow = True
        bar = self.verticalScrollBar()
        bar.setValue(bar.maximum())

    def _bubble_limit(self) -> int:
        return max(160, int(self.viewport().width() * BUBBLE_SHARE))

    def resizeEvent(self, event) -> None:  # noqa: N802 (Qt override)
        super().resizeEvent(event)
        limit = self._bubble_limit()
        for row in self.items:
            if row.kind == "user":
                row.blocks[0].fit(limit)

    def apply_colors(self, colors) -> None:
        self.content.setStyleSheet(transcript_style(colors))
        self._code_background = colors.grid
        for block in self.answers():
            block.body.set_code_background(colors.grid)


def transcript_style(colors) -> str:
    accent = QColor(colors.accent)
    tint = f"rgba({accent.red()}, {accent.green()}, {accent.blue()}, {0.32 if colors.dark else 0.14})"
    return f"""
    QWidget#chatContent {{ background: transparent; }}
    QFrame#userBubble {{ background: {tint}; border-radius: 14px; }}
    QFrame#answerBlock, QFrame#baseBlock {{ background: {colors.card}; border: 1px solid {colors.border}; border-radius: 12px; }}
    QFrame#answerBlock QLabel#messageTitle {{ color: {colors.accent}; font-weight: 600; }}
    QFrame#baseBlock QLabel#messageTitle {{ color: {colors.muted}; font-weight: 600; }}
    QLabel#messageMuted {{ color: {colors.muted}; }}
    QTextBrowser {{ background: transparent; border: none; color: {colors.foreground}; }}
    QPushButton {{ color: {colors.accent}; padding: 2px 6px; }}
    """
