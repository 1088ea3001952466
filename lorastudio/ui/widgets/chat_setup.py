"""The Chat page's right-hand column: which model and adapter, Load, the system prompt, sampling.

The model list starts with the current configuration's model (it follows the
Model page) and gains any folder picked with Choose…; the adapter comes from
``AdapterPicker``. This column only holds the choices; the Chat panel loads
and talks to the engine. GUI thread.
"""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QComboBox,
    QFileDialog,
    QFrame,
    QHBoxLayout,
    QLabel,
    QPlainTextEdit,
    QPushButton,
    QScrollArea,
    QSizePolicy,
    QVBoxLayout,
    QWidget,
)

from lorastudio.core.models.loading import ModelError, check_model_folder
from lorastudio.ui.names import display_name
from lorastudio.ui.tasks import error_text
from lorastudio.ui.widgets.adapter_picker import AdapterPicker
from lorastudio.ui.widgets.sampling_form import SamplingForm


def _title(text: str) -> QLabel:
    label = QLabel(text)
    font = label.font()
    font.setBold(True)
    label.setFont(font)
    return label


class ChatSetup(QScrollArea):
    model_changed = Signal(str)  # the model now chosen ("" when none)
    load_requested = Signal()
    problem = Signal(str)  # a picked folder that is not a model, said for people

    def __init__(self, runs_root: Path, parent: QWidget | None = None):
        super().__init__(parent)
        self.setWidgetResizable(True)
        self.setFrameShape(QFrame.Shape.NoFrame)
        self.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)

        self.model_box = QComboBox()
        self.model_box.setToolTip(self.tr("The base model to talk to"))
        self.model_box.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon)
        self.model_box.setMinimumContentsLength(10)
        self.model_box.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Fixed)
        self.choose_button = QPushButton(self.tr("Choose…"))
        self.choose_button.setToolTip(self.tr("Pick another MLX model folder (config.json and model*.safetensors)"))
        self.picker = AdapterPicker(runs_root)
        self.load_button = QPushButton(self.tr("Load Model"))
        self.load_button.setToolTip(self.tr("Load the model now; otherwise it loads with your first message. "
                                            "Changing the adapter later does not reload it."))
        self.system_box = QPlainTextEdit()
        self.system_box.setPlaceholderText(self.tr("Optional: how the assistant should behave, e.g. “Answer in one sentence.”"))
        self.system_box.setToolTip(self.tr("The system prompt, sent before the conversation with every message"))
        self.system_box.setTabChangesFocus(True)
        self.system_box.setFixedHeight(self.system_box.fontMetrics().lineSpacing() * 4 + 14)
        self.sampling = SamplingForm()

        model_row = QHBoxLayout()
        model_row.setSpacing(6)
        model_row.addWidget(self.model_box, 1)
        model_row.addWidget(self.choose_button)
        content = QWidget()
        column = QVBoxLayout(content)
        column.setContentsMargins(12, 0, 6, 6)
        column.setSpacing(6)
        column.addWidget(_title(self.tr("Model")))
        column.addLayout(model_row)
        column.addSpacing(8)
        column.addWidget(_title(self.tr("Adapter")))
        column.addWidget(self.picker)
        column.addSpacing(4)
        column.addWidget(self.load_button)
        column.addSpacing(12)
        column.addWidget(_title(self.tr("System prompt")))
        column.addWidget(self.system_box)
        column.addSpacing(8)
        column.addWidget(self.sampling)
        column.addStretch(1)
        self.setWidget(content)
        self.setMinimumWidth(250)

        self.choose_button.clicked.connect(self.choose_model)
        self.load_button.clicked.connect(self.load_requested)
        self.model_box.currentIndexChanged.connect(lambda _: self.model_changed.emit(self.selected_model()))

    # --- the model ------------------------------------------------------------------
    def selected_model(self) -> str:
        return self.model_box.currentData() or ""

    def set_config_model(self, model: str) -> None:
        """The first entry follows the configuration's model (chosen on the Model page)."""
        before = self.selected_model()
        model = (model or "").strip()
        self.model_box.blockSignals(True)
        if self.model_box.count() == 0:
            self.model_box.addItem("", "")
        if model:
            self.model_box.setItemText(0, display_name(model))
            self.model_box.setItemData(0, self.tr("{path}\nThe model of the current configuration").format(path=model),
                                       Qt.ItemDataRole.ToolTipRole)
        else:
            self.model_box.setItemText(0, self.tr("(no model chosen yet)"))
            self.model_box.setItemData(0, self.tr("Choose a model on the Model page, or a folder with Choose…"),
                                       Qt.ItemDataRole.ToolTipRole)
        self.model_box.setItemData(0, model)
        self.model_box.blockSignals(False)
        if self.selected_model() != before:
            self.model_changed.emit(self.selected_model())

    def add_model(self, folder: str) -> bool:
        """Offer a model folder and choose it; False (and ``problem``) when it is not one."""
        try:
            check_model_folder(Path(folder).expanduser())
        except ModelError as exc:
            self.problem.emit(error_text(exc))
            return False
        index = self.model_box.findData(folder)
        if index < 0:
            self.model_box.addItem(display_name(folder), folder)
            index = self.model_box.count() - 1
            self.model_box.setItemData(index, folder, Qt.ItemDataRole.ToolTipRole)
        self.model_box.setCurrentIndex(index)
        return True

    def choose_model(self) -> None:
        start = self.selected_model()
        start = start if start and Path(start).expanduser().is_dir() else str(Path.home())
        folder = QFileDialog.getExistingDirectory(self, self.tr("Choose a Model Folder"), start)
        if folder:
            self.add_model(folder)

    # --- the rest -------------------------------------------------------------------
    def system_prompt(self) -> str:
        return self.system_box.toPlainText().strip()

    def set_load_state(self, text: str, enabled: bool) -> None:
        self.load_button.setText(text)
        self.load_button.setEnabled(enabled)
