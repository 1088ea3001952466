"""A message strip above a panel's content: information, success or an error with details.

An error keeps its details (the last lines of a failed run's log, a
traceback) one click away and copyable, instead of a dialog that blocks the
window. GUI thread.
"""

from __future__ import annotations

from PySide6.QtGui import QGuiApplication
from PySide6.QtWidgets import QFrame, QHBoxLayout, QLabel, QPlainTextEdit, QPushButton, QVBoxLayout, QWidget


class Banner(QFrame):
    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self.setObjectName("banner")
        self.message = QLabel()
        self.message.setWordWrap(True)
        self.message.setTextInteractionFlags(self.message.textInteractionFlags())
        self.details_button = QPushButton(self.tr("Details"))
        self.details_button.setCheckable(True)
        self.copy_button = QPushButton(self.tr("Copy"))
        self.close_button = QPushButton("✕")
        self.close_button.setFlat(True)
        self.close_button.setToolTip(self.tr("Dismiss"))
        self.details = QPlainTextEdit()
        self.details.setReadOnly(True)
        self.details.setMaximumHeight(160)
        self.details.hide()
        row = QHBoxLayout()
        row.addWidget(self.message, 1)
        row.addWidget(self.details_button)
        row.addWidget(self.copy_button)
        row.addWidget(self.close_button)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(10, 6, 10, 6)
        layout.addLayout(row)
        layout.addWidget(self.details)
        self.details_button.toggled.connect(self.details.setVisible)
        self.copy_button.clicked.connect(self._copy)
        self.close_button.clicked.connect(self.hide)
        self.kind = ""
        self.hide()

    def _show(self, kind: str, text: str, details: str = "") -> None:
        self.kind = kind
        self.setProperty("kind", kind)
        self.style().unpolish(self)
        self.style().polish(self)
        self.message.setText(text)
        self.details.setPlainText(details)
        has_details = bool(details.strip())
        self.details_button.setVisible(has_details)
        self.copy_button.setVisible(kind == "error")
        self.details_button.setChecked(False)
        self.show()

    def show_info(self, text: str) -> None:
        self._show("info", text)

    def show_success(self, text: str) -> None:
        self._show("success", text)

    def show_error(self, text: str, details: str = "") -> None:
        self._show("error", text, details)

    def _copy(self) -> None:
        text = self.message.text()
        if self.details.toPlainText():
            text += "\n\n" + self.details.toPlainText()
        QGuiApplication.clipboard().setText(text)
