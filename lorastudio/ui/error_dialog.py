"""The dialog for an error that did not stop the app: the message, and details a user can copy.

GUI thread only (``logging_setup`` queues errors of other threads here).
"""

from __future__ import annotations

from PySide6.QtCore import QCoreApplication
from PySide6.QtGui import QGuiApplication
from PySide6.QtWidgets import QDialog, QDialogButtonBox, QLabel, QPlainTextEdit, QVBoxLayout, QWidget


def show_error_details(parent: QWidget | None, message: str, details: str) -> None:
    """A non-fatal error dialog with copyable details."""
    dialog = QDialog(parent)
    dialog.setWindowTitle(QCoreApplication.translate("Errors", "Something went wrong"))
    text = QLabel(message)
    text.setWordWrap(True)
    box = QPlainTextEdit(details)
    box.setReadOnly(True)
    buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
    copy = buttons.addButton(QCoreApplication.translate("Errors", "Copy details"), QDialogButtonBox.ButtonRole.ActionRole)
    copy.clicked.connect(lambda: QGuiApplication.clipboard().setText(f"{message}\n\n{details}"))
    buttons.rejected.connect(dialog.reject)
    layout = QVBoxLayout(dialog)
    layout.addWidget(text)
    layout.addWidget(box, 1)
    layout.addWidget(buttons)
    dialog.resize(640, 400)
    dialog.exec()
