"""The Chat page's message box and its buttons: Send (Stop while answering), Regenerate, Clear.

Return starts a new line; Cmd+Return (Ctrl+Return off the Mac) sends and
Escape stops the answer. The widget only says what was asked for; the Chat
panel does it. GUI thread.
"""

from __future__ import annotations

from PySide6.QtCore import QEvent, Qt, Signal
from PySide6.QtGui import QKeySequence
from PySide6.QtWidgets import QHBoxLayout, QPlainTextEdit, QPushButton, QSizePolicy, QVBoxLayout, QWidget

SEND_KEYS = QKeySequence(Qt.Modifier.CTRL | Qt.Key.Key_Return)  # Cmd+Return on macOS


def send_shortcut_text() -> str:
    return SEND_KEYS.toString(QKeySequence.SequenceFormat.NativeText)


class ChatInput(QWidget):
    send_requested = Signal()
    stop_requested = Signal()
    regenerate_requested = Signal()
    clear_requested = Signal()

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self.box = QPlainTextEdit()
        self.box.setTabChangesFocus(True)
        self.box.setPlaceholderText(self.tr("Message the model… ({keys} sends)").format(keys=send_shortcut_text()))
        self.box.setToolTip(self.tr("Return adds a line; {keys} sends; Esc stops the answer").format(keys=send_shortcut_text()))
        line = self.box.fontMetrics().lineSpacing()
        self.box.setFixedHeight(line * 4 + 14)
        self.box.installEventFilter(self)

        self.send_button = QPushButton(self.tr("Send"))
        self.send_button.setObjectName("primary")
        self.send_button.setToolTip(self.tr("Send the message ({keys})").format(keys=send_shortcut_text()))
        self.stop_button = QPushButton(self.tr("Stop"))
        self.stop_button.setToolTip(self.tr("Stop the answer after the current token (Esc)"))
        self.regenerate_button = QPushButton(self.tr("Regenerate"))
        self.regenerate_button.setToolTip(self.tr("Answer the last message again, replacing the last answer"))
        self.clear_button = QPushButton(self.tr("Clear"))
        self.clear_button.setToolTip(self.tr("Start a new conversation (the system prompt stays)"))
        buttons = QVBoxLayout()
        buttons.setSpacing(4)
        for button in (self.send_button, self.stop_button, self.regenerate_button, self.clear_button):
            button.setSizePolicy(QSizePolicy.Policy.Preferred, QSizePolicy.Policy.Fixed)
            buttons.addWidget(button)
        buttons.addStretch(1)
        layout = QHBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.box, 1)
        layout.addLayout(buttons)

        self.send_button.clicked.connect(self.send_requested)
        self.stop_button.clicked.connect(self.stop_requested)
        self.regenerate_button.clicked.connect(self.regenerate_requested)
        self.clear_button.clicked.connect(self.clear_requested)
        self.set_answering(False)

    def text(self) -> str:
        return self.box.toPlainText()

    def set_text(self, text: str) -> None:
        self.box.setPlainText(text)

    def set_answering(self, answering: bool) -> None:
        """While an answer streams, Stop takes Send's place."""
        self.send_button.setVisible(not answering)
        self.stop_button.setVisible(answering)

    def eventFilter(self, watched, event) -> bool:  # noqa: N802 (Qt override)
        if watched is self.box and event.type() == QEvent.Type.KeyPress:
            key, mods = event.key(), event.modifiers()
            if key in (Qt.Key.Key_Return, Qt.Key.Key_Enter) and mods & Qt.KeyboardModifier.ControlModifier:
                self.send_requested.emit()
                return True
            if key == Qt.Key.Key_Escape:
                self.stop_requested.emit()
                return True
        return super().eventFilter(watched, event)
