"""The top of the Model page: a field for a folder or a repo id, Choose Folder, Import GGUF, Recent Models.

It only says what the user picked (``chosen(text)``) or wants to browse for
(``folder_requested``, ``gguf_requested``); the Model panel decides what the
text is and does the work. GUI thread.
"""

from __future__ import annotations

from typing import Callable

from PySide6.QtCore import Signal
from PySide6.QtWidgets import QFrame, QHBoxLayout, QLabel, QLineEdit, QMenu, QPushButton, QVBoxLayout, QWidget


def recent_entry(item: str, name: str) -> str:
    """A recent model as a menu line: its name, then where it is (when that says more)."""
    return f"{name}    {item}" if name != item else item


class ModelChooser(QFrame):
    chosen = Signal(str)  # a path or a repo id, as typed or picked
    folder_requested = Signal()
    gguf_requested = Signal()

    def __init__(self, recent: Callable[[], list[str]], name_of: Callable[[str], str], parent: QWidget | None = None):
        super().__init__(parent)
        self.setObjectName("card")
        self._recent, self._name_of = recent, name_of
        title = QLabel(self.tr("Choose a model"))
        bold = title.font()
        bold.setBold(True)
        title.setFont(bold)
        self.source = QLineEdit()
        self.source.setPlaceholderText(self.tr("A model folder, or a Hugging Face repo id such as mlx-community/Qwen3-0.6B-4bit"))
        self.source.setToolTip(self.tr("Type a folder path or a repo id (owner/name) and press Return. "
                                       "Repo ids are downloaded from Hugging Face."))
        self.source.setClearButtonEnabled(True)
        self.use_button = QPushButton(self.tr("Use"))
        self.use_button.setToolTip(self.tr("Use the folder or download the repo id typed on the left"))
        self.folder_button = QPushButton(self.tr("Choose Folder…"))
        self.folder_button.setToolTip(self.tr("Pick a local MLX model folder (config.json and model*.safetensors)"))
        self.gguf_button = QPushButton(self.tr("Import GGUF File…"))
        self.gguf_button.setToolTip(self.tr("Convert a llama GGUF file (Q4_0, Q4_1, Q8_0, F16, F32) into an MLX model folder"))
        self.recent_button = QPushButton(self.tr("Recent Models"))
        self.recent_button.setToolTip(self.tr("Models you used before"))
        self.recent_menu = QMenu(self)
        self.recent_button.setMenu(self.recent_menu)
        hint = QLabel(self.tr("You can also drop a model folder or a .gguf file onto this page."))
        hint.setObjectName("muted")
        hint.setWordWrap(True)

        source_row = QHBoxLayout()
        source_row.addWidget(self.source, 1)
        source_row.addWidget(self.use_button)
        button_row = QHBoxLayout()
        for button in (self.folder_button, self.gguf_button, self.recent_button):
            button_row.addWidget(button)
        button_row.addStretch(1)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(18, 14, 18, 14)
        layout.setSpacing(10)
        layout.addWidget(title)
        layout.addLayout(source_row)
        layout.addLayout(button_row)
        layout.addWidget(hint)

        self.source.returnPressed.connect(self._use_typed)
        self.use_button.clicked.connect(self._use_typed)
        self.folder_button.clicked.connect(self.folder_requested)
        self.gguf_button.clicked.connect(self.gguf_requested)
        self.recent_menu.aboutToShow.connect(self.fill_recent_menu)
        self.fill_recent_menu()

    def _use_typed(self) -> None:
        if self.source.text().strip():
            self.chosen.emit(self.source.text().strip())

    def show_model(self, text: str) -> None:
        """Show the configured model in the field, unless the user is typing there."""
        if not self.source.hasFocus():
            self.source.setText(text)

    def fill_recent_menu(self) -> None:
        self.recent_menu.clear()
        recent = self._recent()
        for item in recent:
            action = self.recent_menu.addAction(recent_entry(item, self._name_of(item)))
            action.setToolTip(item)
            action.triggered.connect(lambda checked=False, text=item: self.chosen.emit(text))
        if not recent:
            self.recent_menu.addAction(self.tr("No recent models")).setEnabled(False)

    def set_busy(self, busy: bool) -> None:
        for widget in (self.source, self.use_button, self.folder_button, self.gguf_button, self.recent_button):
            widget.setEnabled(not busy)
