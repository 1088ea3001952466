"""Where a dataset comes from: the recent-datasets list, the file and folder pickers, drops, the empty state.

``DatasetSource`` is the row at the top of the Data page; it emits
``chosen(path)`` when the user picks a dataset (it does not check or store
anything). ``EmptyDataset`` is the page shown while no dataset is chosen,
with the accepted formats and a way to each source. ``dropped_dataset``
says which dataset a drag carries. GUI thread.
"""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QFont, QFontDatabase
from PySide6.QtWidgets import QComboBox, QFileDialog, QFrame, QHBoxLayout, QLabel, QPushButton, QVBoxLayout, QWidget

from lorastudio.core.base.paths import demo_dataset_dir


def dropped_dataset(mime) -> Path | None:
    """The one folder or data file (.jsonl, or one the Data page converts: .json, .csv, .tsv, .parquet, .arrow)
    a drag carries, or None."""
    urls = mime.urls() if mime.hasUrls() else []
    if len(urls) != 1 or not urls[0].isLocalFile():
        return None
    path = Path(urls[0].toLocalFile())
    if path.is_dir() or (path.is_file() and path.suffix.lower() in (".jsonl", ".json", ".csv", ".tsv", ".parquet", ".arrow")):
        return path
    return None


class DatasetSource(QWidget):
    chosen = Signal(str)
    recheck_requested = Signal()

    def __init__(self, settings, parent: QWidget | None = None):
        super().__init__(parent)
        self.settings = settings
        self.current = ""
        self.combo = QComboBox()
        self.combo.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon)
        self.combo.setMinimumContentsLength(24)
        self.combo.setToolTip(self.tr("The dataset, and the ones used recently"))
        self.folder_button = QPushButton(self.tr("Choose Folder…"))
        self.folder_button.setToolTip(self.tr("A folder with train.jsonl, and valid.jsonl / test.jsonl if you have them"))
        self.file_button = QPushButton(self.tr("Choose File…"))
        self.file_button.setToolTip(self.tr("One .jsonl file, split into train / valid / test on this page (⌘O)"))
        self.recheck_button = QPushButton(self.tr("Check Again"))
        self.recheck_button.setToolTip(self.tr("Read the files again, after fixing them in another app"))
        label = QLabel(self.tr("Dataset:"))
        label.setBuddy(self.combo)
        row = QHBoxLayout(self)
        row.setContentsMargins(0, 0, 0, 0)
        row.addWidget(label)
        row.addWidget(self.combo, 1)
        for button in (self.folder_button, self.file_button, self.recheck_button):
            row.addWidget(button)
        self.combo.activated.connect(self._on_activated)
        self.folder_button.clicked.connect(self.choose_folder)
        self.file_button.clicked.connect(self.choose_file)
        self.recheck_button.clicked.connect(self.recheck_requested)

    def choose_file(self) -> None:
        path, _ = QFileDialog.getOpenFileName(self, self.tr("Open Dataset"), self._start_directory(),
                                              self.tr("JSON Lines (*.jsonl);;Data to convert (*.json *.csv *.tsv *.parquet *.arrow);;All Files (*)"))
        if path:
            self.chosen.emit(path)

    def choose_folder(self) -> None:
        path = QFileDialog.getExistingDirectory(self, self.tr("Choose a Dataset Folder"), self._start_directory())
        if path:
            self.chosen.emit(path)

    def _start_directory(self) -> str:
        if self.current and Path(self.current).expanduser().exists():
            return str(Path(self.current).expanduser().parent)
        return self.settings.last_directory() or str(Path.home())

    def show_current(self, current: str) -> None:
        """List ``current`` first, then the recent datasets that still exist, then the demo's."""
        self.current = current
        self.recheck_button.setEnabled(bool(current))
        demo = str(demo_dataset_dir())
        paths = [current] if current else []
        for path in self.settings.recent("datasets") + [demo]:
            if path not in paths and Path(path).exists():
                paths.append(path)
        self.combo.blockSignals(True)
        self.combo.clear()
        if not current:
            self.combo.addItem(self.tr("No dataset chosen"), "")
        for path in paths:
            p = Path(path)
            text = self.tr("Demo dataset (Captain Juniper)") if path == demo else f"{p.name}  —  {p.parent}"
            self.combo.addItem(text, path)
            self.combo.setItemData(self.combo.count() - 1, path, Qt.ItemDataRole.ToolTipRole)
        self.combo.setCurrentIndex(0)
        self.combo.blockSignals(False)

    def _on_activated(self, index: int) -> None:
        path = self.combo.itemData(index)
        if path and path != self.current:
            self.chosen.emit(path)


class EmptyDataset(QWidget):
    """What the Data page shows before a dataset is chosen."""

    def __init__(self, source: DatasetSource, parent: QWidget | None = None):
        super().__init__(parent)
        card = QFrame()
        card.setObjectName("card")
        title = QLabel(self.tr("Drop a dataset here"))
        font = title.font()
        font.setPointSizeF(font.pointSizeF() * 1.4)
        font.setWeight(QFont.Weight.DemiBold)
        title.setFont(font)
        text = QLabel(self.tr(
            "A folder with train.jsonl (and valid.jsonl, test.jsonl), or one .jsonl file that LoRA Studio splits. "
            "Each line is one example in one of these formats:"))
        text.setWordWrap(True)
        formats = QLabel('{"messages": [{"role": "user", "content": "…"}, {"role": "assistant", "content": "…"}]}\n'
                         '{"prompt": "…", "completion": "…"}\n{"text": "…"}')
        formats.setObjectName("muted")
        formats.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        formats.setFont(QFontDatabase.systemFont(QFontDatabase.SystemFont.FixedFont))
        self.folder_button = QPushButton(self.tr("Choose Folder…"))
        self.folder_button.setObjectName("primary")
        self.file_button = QPushButton(self.tr("Choose File…"))
        self.demo_button = QPushButton(self.tr("Use the Demo Dataset"))
        self.demo_button.setToolTip(self.tr("Captain Juniper, a ship's cat who answers questions in short chats"))
        self.folder_button.clicked.connect(source.choose_folder)
        self.file_button.clicked.connect(source.choose_file)
        self.demo_button.clicked.connect(lambda: source.chosen.emit(str(demo_dataset_dir())))
        buttons = QHBoxLayout()
        for button in (self.folder_button, self.file_button, self.demo_button):
            buttons.addWidget(button)
        buttons.addStretch(1)
        inner = QVBoxLayout(card)
        inner.setContentsMargins(28, 24, 28, 24)
        inner.setSpacing(10)
        for widget in (title, text, formats):
            inner.addWidget(widget)
        inner.addLayout(buttons)
        outer = QVBoxLayout(self)
        outer.setContentsMargins(0, 12, 0, 0)
        outer.addWidget(card)
        outer.addStretch(1)
