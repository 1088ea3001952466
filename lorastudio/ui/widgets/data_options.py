"""The Data panel's settings: how one .jsonl file is split, and the record keys (Advanced).

``SplitControls`` edits ``valid_fraction``, ``test_fraction`` and
``split_seed`` (shown as percentages); ``KeyOverrides`` is a collapsed
"Advanced" section with ``chat_feature``, ``prompt_feature``,
``completion_feature`` and ``text_feature``. Both emit ``changed`` with the
config fields to update and take a ``TrainConfig`` to show; they never
touch the config themselves. GUI thread.
"""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QDoubleSpinBox,
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QSpinBox,
    QToolButton,
    QWidget,
)

MAX_HELD_OUT = 90  # percent: valid + test, so training keeps at least a tenth


class SplitControls(QWidget):
    changed = Signal(dict)  # {"valid_fraction": ..., "test_fraction": ..., "split_seed": ...}

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self.valid = self._percent(self.tr("Share of the file held out to measure validation loss during training"))
        self.test = self._percent(self.tr("Share of the file held out for the test loss after training"))
        self.seed = QSpinBox()
        self.seed.setRange(0, 2**31 - 1)
        self.seed.setToolTip(self.tr("The same seed always gives the same split"))
        self.seed.setMinimumWidth(80)
        row = QHBoxLayout(self)
        row.setContentsMargins(0, 0, 0, 0)
        title = QLabel(self.tr("Split this file:"))
        row.addWidget(title)
        row.addSpacing(4)
        for text, widget in ((self.tr("Validation"), self.valid), (self.tr("Test"), self.test), (self.tr("Seed"), self.seed)):
            label = QLabel(text)
            label.setBuddy(widget)
            row.addWidget(label)
            row.addWidget(widget)
            row.addSpacing(8)
        row.addStretch(1)
        for box in (self.valid, self.test, self.seed):
            box.valueChanged.connect(self._emit)

    @staticmethod
    def _percent(tip: str) -> QDoubleSpinBox:
        box = QDoubleSpinBox()
        box.setRange(0, MAX_HELD_OUT)
        box.setDecimals(1)
        box.setSingleStep(5)
        box.setSuffix(" %")
        box.setToolTip(tip)
        box.setMinimumWidth(84)
        return box

    def show_config(self, config) -> None:
        for box, value in ((self.valid, config.valid_fraction * 100), (self.test, config.test_fraction * 100)):
            box.blockSignals(True)
            box.setMaximum(MAX_HELD_OUT)
            box.setValue(value)
            box.blockSignals(False)
        self.seed.blockSignals(True)
        self.seed.setValue(config.split_seed)
        self.seed.blockSignals(False)
        self._limit()

    def _limit(self) -> None:
        # Held-out shares must leave examples to train on.
        for box, other in ((self.valid, self.test), (self.test, self.valid)):
            box.blockSignals(True)
            box.setMaximum(MAX_HELD_OUT - other.value())
            box.blockSignals(False)

    def _emit(self) -> None:
        self._limit()
        self.changed.emit({
            "valid_fraction": round(self.valid.value() / 100, 4),
            "test_fraction": round(self.test.value() / 100, 4),
            "split_seed": self.seed.value(),
        })


class KeyOverrides(QWidget):
    """The names of the record keys, for data that does not use mlx-lm's defaults.

    The widget is the collapsible body; ``toggle`` is the "Advanced" button
    that opens it, for the panel to place where it fits.
    """

    changed = Signal(dict)  # config fields -> new key names
    FIELDS = ("chat_feature", "prompt_feature", "completion_feature", "text_feature")
    DEFAULTS = {"chat_feature": "messages", "prompt_feature": "prompt", "completion_feature": "completion", "text_feature": "text"}

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self.toggle = QToolButton()
        self.toggle.setText(self.tr("Advanced: record keys"))
        self.toggle.setCheckable(True)
        self.toggle.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextBesideIcon)
        self.toggle.setArrowType(Qt.ArrowType.RightArrow)
        self.toggle.setAutoRaise(True)
        self.toggle.setToolTip(self.tr("Use other key names than messages / prompt / completion / text"))
        grid = QGridLayout(self)
        grid.setContentsMargins(18, 2, 0, 6)
        grid.setHorizontalSpacing(10)
        labels = {
            "chat_feature": (self.tr("Chat messages key:"), self.tr("Key of the list of messages in chat records")),
            "prompt_feature": (self.tr("Prompt key:"), self.tr("Key of the prompt in prompt/completion records")),
            "completion_feature": (self.tr("Completion key:"), self.tr("Key of the completion in prompt/completion records")),
            "text_feature": (self.tr("Text key:"), self.tr("Key of the text in plain-text records")),
        }
        self.edits: dict[str, QLineEdit] = {}
        for i, name in enumerate(self.FIELDS):
            text, tip = labels[name]
            edit = QLineEdit()
            edit.setPlaceholderText(self.DEFAULTS[name])
            edit.setToolTip(tip)
            edit.setMinimumWidth(120)
            edit.editingFinished.connect(self._emit)
            label = QLabel(text)
            label.setBuddy(edit)
            grid.addWidget(label, i // 2, (i % 2) * 2)
            grid.addWidget(edit, i // 2, (i % 2) * 2 + 1)
            self.edits[name] = edit
        grid.setColumnStretch(1, 1)
        grid.setColumnStretch(3, 1)
        self.hide()
        self.toggle.toggled.connect(self._expand)

    def _expand(self, open_: bool) -> None:
        self.toggle.setArrowType(Qt.ArrowType.DownArrow if open_ else Qt.ArrowType.RightArrow)
        self.setVisible(open_)

    def show_config(self, config) -> None:
        for name, edit in self.edits.items():
            value = getattr(config, name)
            if edit.text() != value:
                edit.setText(value)
        if any(getattr(config, name) != default for name, default in self.DEFAULTS.items()):
            self.toggle.setChecked(True)  # never hide keys that differ from the defaults

    def values(self) -> dict:
        return {name: edit.text().strip() or self.DEFAULTS[name] for name, edit in self.edits.items()}

    def _emit(self) -> None:
        self.changed.emit(self.values())
