"""The Convert dialog of the Data page: a foreign dataset (Alpaca, ShareGPT, a CSV table, Parquet, a
Hugging Face dataset, ...) turned into an mlx-lm dataset folder.

It says what the source is ("Alpaca, 1,204 records"), lets the user pick the
records' format, map a table's columns to roles (a small form, one row a
column), set the split, seed and output folder, and previews the first records
as the model will see them (the chat template applied with the model's
tokenizer when there is one; a record that will be rejected shows why). The
preview and the conversion run on Qt's thread pool (``data_jobs``); the
dialog emits ``converted(folder)`` when the folder is written, and the page
then uses it. GUI thread.
"""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QTimer, Signal
from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QFileDialog,
    QFormLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPlainTextEdit,
    QPushButton,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

from lorastudio.core.data.formats import COLUMN_ROLES, suggested_output
from lorastudio.ui.i18n import core_language
from lorastudio.ui.panels import data_jobs
from lorastudio.ui.tasks import LatestTask

#: The formats offered (``--format``): auto is each record's own.
FORMATS = ("auto", "alpaca", "sharegpt", "openai", "completions", "text")
TABLES = ("csv", "tsv", "parquet", "arrow", "hf")


class ColumnMapping(QWidget):
    """One row a column: the column's name and its role (a combo box of ``COLUMN_ROLES``)."""

    changed = Signal()

    def __init__(self, columns: list[str], mapping: dict[str, str] | None, parent: QWidget | None = None):
        super().__init__(parent)
        names = {"system": self.tr("System prompt"), "user": self.tr("User"), "assistant": self.tr("Assistant"),
                 "prompt": self.tr("Prompt"), "completion": self.tr("Completion"), "text": self.tr("Text"),
                 "ignore": self.tr("Not used")}
        layout = QFormLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        self.combos: dict[str, QComboBox] = {}
        for column in columns:
            combo = QComboBox()
            for role in COLUMN_ROLES:
                combo.addItem(names[role], role)
            combo.setCurrentIndex(combo.findData((mapping or {}).get(column, "ignore")))
            combo.currentIndexChanged.connect(lambda _index: self.changed.emit())
            self.combos[column] = combo
            layout.addRow(column, combo)

    def mapping(self) -> dict[str, str]:
        return {column: combo.currentData() for column, combo in self.combos.items()}

    def set_role(self, column: str, role: str) -> None:
        combo = self.combos[column]
        combo.setCurrentIndex(combo.findData(role))


class ConvertDialog(QDialog):
    converted = Signal(str)  # the folder written

    def __init__(self, path: str, source, tokenizer=None, parent: QWidget | None = None):
        super().__init__(parent)
        self.setWindowTitle(self.tr("Convert the Dataset"))
        self.path, self.source, self.tokenizer = path, source, tokenizer
        self.result = None
        self.previewer, self.converter = LatestTask(self), LatestTask(self)
        self._timer = QTimer(self)  # a change settles before the preview is made again
        self._timer.setSingleShot(True)
        self._timer.setInterval(150)
        self._timer.timeout.connect(self.refresh_preview)
        self._build()
        self.previewer.result.connect(self._on_preview)
        self.previewer.failed.connect(lambda message, _details: self.preview.setPlainText(message))
        self.converter.result.connect(self._on_converted)
        self.converter.failed.connect(self._on_failed)
        self.converter.running_changed.connect(lambda running: self.convert_button.setEnabled(not running))
        self.refresh_preview()

    # --- layout ---------------------------------------------------------------------------
    def _build(self) -> None:
        lang = core_language()
        self.what = QLabel(self.tr("{path}: {what}").format(path=Path(self.path).name, what=self.source.describe(lang)))
        self.what.setWordWrap(True)
        self.format = QComboBox()
        names = {"auto": self.tr("Each record's own"), "alpaca": "Alpaca", "sharegpt": "ShareGPT",
                 "openai": "OpenAI chat", "completions": self.tr("Prompt/completion"), "text": self.tr("Plain text")}
        for fmt in FORMATS:
            self.format.addItem(names[fmt], fmt)
        self.format.currentIndexChanged.connect(lambda _index: self._timer.start())
        self.mapping = None
        form = QFormLayout()
        form.addRow(self.tr("Records:"), self.format)
        if self.source.container in TABLES and self.source.columns and self.source.format in (None, "columns"):
            self.format.setEnabled(False)
            self.mapping = ColumnMapping(self.source.columns, self.source.mapping)
            self.mapping.changed.connect(self._timer.start)
            box = QGroupBox(self.tr("Columns"))
            QVBoxLayout(box).addWidget(self.mapping)
            form.addRow(box)
        form.addRow(self.tr("Split:"), self._split_row())
        form.addRow(self.tr("Into folder:"), self._output_row())
        self.preview = QPlainTextEdit()
        self.preview.setReadOnly(True)
        self.preview.setMinimumHeight(220)
        self.status = QLabel()
        self.status.setWordWrap(True)
        self.convert_button = QPushButton(self.tr("Convert"))
        self.convert_button.setDefault(True)
        self.convert_button.clicked.connect(self.start)
        cancel = QPushButton(self.tr("Cancel"))
        cancel.clicked.connect(self.reject)
        buttons = QHBoxLayout()
        buttons.addWidget(self.status, 1)
        buttons.addWidget(cancel)
        buttons.addWidget(self.convert_button)
        layout = QVBoxLayout(self)
        layout.addWidget(self.what)
        layout.addLayout(form)
        layout.addWidget(QLabel(self.tr("The first records as the model will see them:")))
        layout.addWidget(self.preview, 1)
        layout.addLayout(buttons)
        self.resize(720, 640)

    def _split_row(self) -> QWidget:
        row = QWidget()
        layout = QHBoxLayout(row)
        layout.setContentsMargins(0, 0, 0, 0)
        self.shares = {}
        keep = bool(self.source.splits)
        for name, label, value in (("train", self.tr("train"), 90), ("valid", self.tr("valid"), 10),
                                   ("test", self.tr("test"), 0)):
            spin = QSpinBox()
            spin.setRange(0, 100)
            spin.setSuffix(" %")
            spin.setValue(value)
            spin.setEnabled(not keep)
            self.shares[name] = spin
            layout.addWidget(QLabel(label))
            layout.addWidget(spin)
        self.seed = QSpinBox()
        self.seed.setRange(0, 2**31 - 1)
        self.seed.setEnabled(not keep)
        layout.addWidget(QLabel(self.tr("seed")))
        layout.addWidget(self.seed)
        self.keep_splits = QComboBox()
        self.keep_splits.addItem(self.tr("The source's own splits"), True)
        self.keep_splits.addItem(self.tr("New split"), False)
        self.keep_splits.setVisible(keep)
        self.keep_splits.currentIndexChanged.connect(self._on_keep)
        layout.addWidget(self.keep_splits)
        layout.addStretch(1)
        return row

    def _on_keep(self) -> None:
        keep = self.keep_splits.currentData()
        for spin in (*self.shares.values(), self.seed):
            spin.setEnabled(not keep)

    def _output_row(self) -> QWidget:
        row = QWidget()
        layout = QHBoxLayout(row)
        layout.setContentsMargins(0, 0, 0, 0)
        self.output = QLineEdit(str(suggested_output(self.path)))
        browse = QPushButton(self.tr("Choose…"))
        browse.clicked.connect(self._choose_output)
        layout.addWidget(self.output, 1)
        layout.addWidget(browse)
        return row

    def _choose_output(self) -> None:
        folder = QFileDialog.getExistingDirectory(self, self.tr("Folder for the Converted Dataset"),
                                                  str(Path(self.output.text()).parent))
        if folder:
            self.output.setText(folder)

    # --- what the user chose ---------------------------------------------------------------
    def options(self) -> dict:
        """The conversion's options as ``data_jobs.convert`` takes them."""
        keep = bool(self.source.splits) and self.keep_splits.currentData()
        split = None if keep else tuple(self.shares[name].value() / 100 for name in ("train", "valid", "test"))
        return {"fmt": self.format.currentData(), "mapping": self.mapping.mapping() if self.mapping else None,
                "split": split, "seed": self.seed.value()}

    def refresh_preview(self) -> None:
        self._timer.stop()
        options = self.options()
        self.previewer.run(data_jobs.convert_preview, self.path, options["fmt"], options["mapping"], self.tokenizer,
                           core_language())

    def _on_preview(self, texts: list[str]) -> None:
        self.preview.setPlainText(("\n" + "─" * 40 + "\n").join(texts))  # a rule between records

    def start(self) -> None:
        options = self.options()
        if options["split"] is not None and options["split"][0] <= 0:
            self.status.setText(self.tr("Keep some of the records for training."))
            return
        self.status.setText(self.tr("Converting…"))
        self.converter.run(data_jobs.convert, self.path, self.output.text().strip(), options["fmt"], options["mapping"],
                           options["split"], options["seed"])

    def _on_converted(self, result) -> None:
        self.result = result
        written = result.written
        self.status.setText(self.tr("Wrote {train} train / {valid} valid / {test} test records; {rejected} rejected.")
                            .format(rejected=f"{len(result.rejects):,}", **{k: f"{v:,}" for k, v in written.items()}))
        self.converted.emit(str(result.out))
        self.accept()

    def _on_failed(self, message: str, _details: str) -> None:
        self.status.setText(self.tr("Not converted: {error}").format(error=message))
