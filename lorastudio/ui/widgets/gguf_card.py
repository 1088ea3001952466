"""The GGUF card of the Model page: what a chosen .gguf file is, and how to import it.

Shown after a GGUF file is picked (or dropped): the header's facts from
``lorastudio.core.models.gguf_import.gguf_summary``, the precision to import it in
(float32 recommended when MLX trains on the CPU, with the reason), the folder
it will be written to, and Import. The import itself runs in the Model
panel's job. GUI thread.
"""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QComboBox,
    QFormLayout,
    QFrame,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from lorastudio.ui.widgets.model_card import ElidedLabel, _wrapping_label, breakable, human_bytes, human_count


class GgufCard(QFrame):
    import_requested = Signal(object, object)  # GGUF path, dtype (None keeps the quantization)
    closed = Signal()

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self.setObjectName("card")
        self.path: Path | None = None
        self.summary: dict = {}

        self.title = QLabel()
        font = self.title.font()
        font.setPointSizeF(font.pointSizeF() * 1.15)
        font.setBold(True)
        self.title.setFont(font)
        self.kind = QLabel(self.tr("GGUF file"))
        self.kind.setObjectName("muted")
        self.file = ElidedLabel()
        self.file.setObjectName("muted")
        self.facts = _wrapping_label()
        self.problem = _wrapping_label("error")
        self.problem.hide()

        self.precision = QComboBox()
        self.precision.setToolTip(self.tr("The precision of the imported weights. float32 trains fastest on a CPU; "
                                          "the file's quantization is smallest and trains fast on a GPU."))
        self.reason = _wrapping_label("muted")
        self.reason.setText(" ")
        self.destination = ElidedLabel()
        self.destination.setToolTip("")
        form = QFormLayout()
        form.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.AllNonFixedFieldsGrow)
        form.setHorizontalSpacing(14)
        form.setVerticalSpacing(6)
        precision_column = QVBoxLayout()
        precision_column.setSpacing(4)
        precision_column.addWidget(self.precision, 0, Qt.AlignmentFlag.AlignLeft)
        precision_column.addWidget(self.reason)
        form.addRow(self.tr("Precision:"), precision_column)
        form.addRow(self.tr("Into:"), self.destination)

        self.import_button = QPushButton(self.tr("Import"))
        self.import_button.setObjectName("primary")
        self.import_button.setToolTip(self.tr("Convert the file into an MLX model folder and use it"))
        self.close_button = QPushButton(self.tr("Close"))
        self.close_button.setToolTip(self.tr("Do not import this file"))
        buttons = QHBoxLayout()
        buttons.addStretch(1)
        buttons.addWidget(self.close_button)
        buttons.addWidget(self.import_button)

        header = QHBoxLayout()
        header.addWidget(self.title)
        header.addWidget(self.kind)
        header.addStretch(1)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(18, 14, 18, 14)
        layout.setSpacing(8)
        layout.addLayout(header)
        layout.addWidget(self.file)
        layout.addWidget(self.facts)
        layout.addWidget(self.problem)
        layout.addLayout(form)
        layout.addLayout(buttons)

        self.import_button.clicked.connect(self._request_import)
        self.close_button.clicked.connect(self._close)
        self.precision.currentIndexChanged.connect(lambda _: self.destination_changed())
        self._destination_for = lambda dtype: None
        self.hide()

    def show_summary(self, path: Path, summary: dict, cpu_training: bool, cpu_reason: str, destination_for) -> None:
        """Show a file's header facts; ``destination_for(dtype)`` names the folder an import would write."""
        self.path = Path(path).resolve()
        self.summary = summary
        self._destination_for = destination_for
        self.title.setText(self.path.name)
        self.title.setToolTip(str(summary.get("name") or ""))
        self.file.set_full_text(str(self.path))
        self.facts.setText(self._facts_text(summary))
        types = ", ".join(f"{name} ×{count}" for name, count in summary.get("tensor_types", {}).items())
        self.precision.blockSignals(True)
        self.precision.clear()
        self.precision.addItem(self.tr("As in the file ({types})").format(types=types or "?"), None)
        self.precision.addItem(self.tr("float32 (fastest to train on a CPU)"), "float32")
        self.precision.addItem(self.tr("4-bit (MLX, group 64): smallest"), "4bit")
        self.precision.addItem(self.tr("8-bit (MLX, group 64)"), "8bit")
        self.precision.addItem(self.tr("float16"), "float16")
        self.precision.addItem(self.tr("bfloat16"), "bfloat16")
        self.precision.setCurrentIndex(1 if cpu_training else 0)
        self.precision.blockSignals(False)
        if cpu_training:
            self.reason.setText(self.tr("MLX runs on the CPU here, so float32 is chosen: {reason}").format(reason=cpu_reason))
        else:
            self.reason.setText(self.tr("MLX runs on a GPU here: the file's quantization trains fast (QLoRA) and needs the least memory."))
        problem = summary.get("problem")
        self.problem.setText(breakable(self.tr("This file cannot be imported: {problem}").format(problem=problem)) if problem else "")
        self.problem.setVisible(bool(problem))
        self.import_button.setEnabled(not problem)
        self.destination_changed()
        self.show()

    def _facts_text(self, s: dict) -> str:
        parts = []
        if s.get("architecture"):
            parts.append(self.tr("{arch}, {layers} layers, hidden size {hidden}").format(
                arch=s["architecture"], layers=s.get("layers") or "?", hidden=s.get("hidden_size") or "?"))
        if s.get("heads"):
            parts.append(self.tr("{heads} heads ({kv} key/value)").format(heads=s["heads"], kv=s.get("kv_heads") or s["heads"]))
        if s.get("vocab_size"):
            parts.append(self.tr("vocabulary {n}").format(n=f"{s['vocab_size']:,}"))
        if s.get("context_length"):
            parts.append(self.tr("context {n} tokens").format(n=f"{s['context_length']:,}"))
        if s.get("parameters"):
            parts.append(self.tr("{n} parameters").format(n=human_count(int(s["parameters"]))))
        if s.get("quantization"):
            parts.append(self.tr("quantized {q}").format(q=s["quantization"]))
        if s.get("file_size"):
            parts.append(self.tr("{size} file").format(size=human_bytes(int(s["file_size"]))))
        parts.append(self.tr("chat template included") if s.get("has_chat_template") else self.tr("no chat template"))
        return " · ".join(parts)

    def dtype(self):
        return self.precision.currentData()

    def destination_changed(self) -> None:
        target = self._destination_for(self.dtype())
        self.destination.set_full_text(str(target) if target else "")

    def set_busy(self, busy: bool) -> None:
        self.import_button.setEnabled(not busy and not self.summary.get("problem"))
        self.close_button.setEnabled(not busy)
        self.precision.setEnabled(not busy)

    def _request_import(self) -> None:
        if self.path is not None:
            self.import_requested.emit(self.path, self.dtype())

    def _close(self) -> None:
        self.hide()
        self.closed.emit()
