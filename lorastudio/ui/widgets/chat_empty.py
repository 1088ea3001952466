"""The Chat page's empty state: what to do first, and suggested first messages.

Shown instead of an empty transcript. The suggestions (the demo's persona
question when the demo data is in use, the configuration's held-out prompts)
are buttons, one a line, that send their text. GUI thread.
"""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import QFrame, QHBoxLayout, QLabel, QPushButton, QSizePolicy, QVBoxLayout, QWidget

SUGGESTION_WIDTH = 360  # longer prompts are elided on their button (the tooltip has them whole)


class EmptyState(QFrame):
    """What to do first, in the middle of an empty transcript, with suggested prompts."""

    suggestion = Signal(str)

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self.title = QLabel()
        font = self.title.font()
        font.setPointSizeF(font.pointSizeF() * 1.35)
        font.setBold(True)
        self.title.setFont(font)
        self.title.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.steps = QLabel()
        self.steps.setObjectName("emptySteps")
        self.steps.setWordWrap(True)
        self.steps.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.steps.setTextFormat(Qt.TextFormat.PlainText)
        # One suggestion a line: a row of long prompts would not fit a narrow window.
        self.chips_column = QVBoxLayout()
        self.chips_column.setSpacing(6)
        self.chips: list[QPushButton] = []
        inner = QVBoxLayout()
        inner.setSpacing(12)
        inner.addWidget(self.title)
        inner.addWidget(self.steps)
        inner.addSpacing(4)
        inner.addLayout(self.chips_column)
        box = QWidget()
        box.setLayout(inner)
        box.setMaximumWidth(520)
        box.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Preferred)
        middle = QHBoxLayout()
        middle.addStretch(1)
        middle.addWidget(box, 100)  # as wide as allowed, centred (wrapped text needs its width)
        middle.addStretch(1)
        layout = QVBoxLayout(self)
        layout.addStretch(1)
        layout.addLayout(middle)
        layout.addStretch(2)

    def set_text(self, title: str, steps: str) -> None:
        self.title.setText(title)
        self.steps.setText(steps)

    def set_suggestions(self, prompts: list[str]) -> None:
        for chip in self.chips:
            self.chips_column.removeWidget(chip)
            chip.deleteLater()
        self.chips = []
        for text in prompts:
            chip = QPushButton(self.fontMetrics().elidedText(text, Qt.TextElideMode.ElideRight, SUGGESTION_WIDTH))
            chip.prompt = text
            chip.setObjectName("suggestion")
            chip.setToolTip(self.tr("Send “{prompt}”").format(prompt=text))
            chip.setCursor(Qt.CursorShape.PointingHandCursor)
            chip.setSizePolicy(QSizePolicy.Policy.Maximum, QSizePolicy.Policy.Fixed)
            chip.setMinimumWidth(60)
            chip.clicked.connect(lambda _=False, t=text: self.suggestion.emit(t))
            self.chips_column.addWidget(chip, 0, Qt.AlignmentFlag.AlignHCenter)
            self.chips.append(chip)

    def suggestions(self) -> list[str]:
        return [chip.prompt for chip in self.chips]

    def apply_colors(self, colors) -> None:
        self.setStyleSheet(f"""
        QLabel#emptySteps {{ color: {colors.muted}; }}
        QPushButton#suggestion {{ background: {colors.card}; color: {colors.foreground}; border: 1px solid {colors.border};
                                  border-radius: 14px; padding: 5px 14px; }}
        QPushButton#suggestion:hover {{ border-color: {colors.accent}; }}
        """)
