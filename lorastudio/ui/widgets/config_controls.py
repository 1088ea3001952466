"""Editors for single values of the configuration: text, numbers, check boxes, choices.

A control shows its field's value from a ``TrainConfig`` and emits
``edited`` with what the user typed, parsed when it parses and as the raw
text when it does not, so that the core's validation names the reason
(``AppState.update_config`` does the checking, not the control). An int gets
a spin box, a float a line edit (1e-5 can be typed), a bool a check box,
choices a combo. GUI thread.
"""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import QObject, QSize, Qt, Signal
from PySide6.QtGui import QValidator
from PySide6.QtWidgets import (
    QAbstractSpinBox,
    QCheckBox,
    QComboBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QSizePolicy,
    QSpinBox,
    QWidget,
)

from lorastudio.core.config.train_config import ConfigError, TrainConfig
from lorastudio.core.config.mlx_command import format_number
from lorastudio.ui.config_strings import label
from lorastudio.ui.widgets.config_fields import FieldSpec, changes_for, value_of

NUMBER_WIDTH = 150
INT32 = 2**31 - 1


def parse_number(text: str) -> Any:
    """A number when the text is one, else the text itself (the core then says what is wrong)."""
    text = text.strip()
    for kind in (int, float):
        try:
            return kind(text)
        except ValueError:
            pass
    return text


class Invalid:
    """What a control emits when its text cannot even be read (the core's ``ConfigError``)."""

    def __init__(self, error: ConfigError):
        self.error = error


class Control(QObject):
    """One field's editor: ``widget`` goes into the form; ``editors`` are its inputs (quiet while a value is shown)."""

    edited = Signal(object)

    def __init__(self, spec: FieldSpec, widget: QWidget, editors: list[QWidget] | None = None):
        super().__init__(widget)
        self.spec = spec
        self.widget = widget
        self.editors = editors or [widget]
        self.label_in_widget = False  # a check box carries its own label
        self.compact = False  # keeps its size instead of taking the row's width

    @property
    def name(self) -> str:
        return self.spec.name

    def value_from(self, config: TrainConfig) -> Any:
        return value_of(config, self.name)

    def changes(self, config: TrainConfig, value: Any) -> dict:
        return changes_for(config, self.name, value)

    def show(self, config: TrainConfig) -> None:
        """Display the config's value without emitting ``edited``."""
        blocked = [w.blockSignals(True) for w in self.editors]
        try:
            self._display(self.value_from(config))
        finally:
            for w, was in zip(self.editors, blocked):
                w.blockSignals(was)

    def _display(self, value: Any) -> None:
        raise NotImplementedError


class TextControl(Control):
    def __init__(self, spec: FieldSpec):
        edit = QLineEdit()
        edit.setMinimumWidth(160)
        super().__init__(spec, edit)
        edit.textEdited.connect(self._on_edit)

    def _display(self, value: Any) -> None:
        self.widget.setText("" if value is None else str(value))
        self.widget.setCursorPosition(0)

    def _on_edit(self, text: str) -> None:
        self.edited.emit(None if self.spec.optional and not text.strip() else text)


class ElidedLabel(QLabel):
    """One line of text shortened in the middle to fit its width (a long path keeps both ends)."""

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self.full_text = ""
        self.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Preferred)

    def set_full_text(self, text: str) -> None:
        self.full_text = text
        self._elide()

    def resizeEvent(self, event) -> None:  # noqa: N802 (Qt override)
        super().resizeEvent(event)
        self._elide()

    def _elide(self) -> None:
        self.setText(self.fontMetrics().elidedText(self.full_text, Qt.TextElideMode.ElideMiddle, max(self.width(), 40)))

    def minimumSizeHint(self) -> QSize:  # noqa: N802 (Qt override)
        return QSize(120, super().minimumSizeHint().height())


class ReadOnlyControl(Control):
    """A value chosen on another page (the model, the data), shown as text."""

    def __init__(self, spec: FieldSpec):
        super().__init__(spec, ElidedLabel())
        self.empty_text = self.tr("Not chosen yet")

    def _display(self, value: Any) -> None:
        self.widget.set_full_text(str(value) if value else self.empty_text)
        self.widget.setEnabled(bool(value))  # the muted colour for "not chosen yet"


class NumberControl(Control):
    """A float (or a big int) in a line edit: 1e-5 and 0.00001 both work."""

    def __init__(self, spec: FieldSpec):
        edit = QLineEdit()
        edit.setFixedWidth(NUMBER_WIDTH)
        super().__init__(spec, edit)
        self.compact = True
        edit.textEdited.connect(lambda text: self.edited.emit(parse_number(text)))

    def _display(self, value: Any) -> None:
        self.widget.setText("" if value is None else format_number(value))


class OptionalNumberControl(Control):
    """An optional number: a check box turns it on (e.g. train by epochs instead of steps)."""

    def __init__(self, spec: FieldSpec):
        box = QWidget()
        self.check = QCheckBox()
        self.edit = QLineEdit()
        self.edit.setFixedWidth(NUMBER_WIDTH)
        row = QHBoxLayout(box)
        row.setContentsMargins(0, 0, 0, 0)
        row.addWidget(self.check)
        row.addWidget(self.edit)
        super().__init__(spec, box, [self.check, self.edit])
        self.compact = True
        self.check.setToolTip(self.tr("Use this option; when off it is not set"))
        self.check.toggled.connect(self._on_toggle)
        self.edit.textEdited.connect(lambda text: self.edited.emit(parse_number(text)))

    def _display(self, value: Any) -> None:
        self.check.setChecked(value is not None)
        self.edit.setEnabled(value is not None)
        if value is not None:
            self.edit.setText(format_number(value))

    def _on_toggle(self, on: bool) -> None:
        self.edit.setEnabled(on)
        if on and not self.edit.text().strip():
            self.edit.setText("1")
        self.edited.emit(parse_number(self.edit.text()) if on else None)


class SoftSpinBox(QSpinBox):
    """Arrows stop at the field's bounds; typed text takes any whole number so the core can explain.

    When the field allows -1 for "all", -1 reads as the word ``all_text``.
    """

    def __init__(self, low: int | None, high: int | None, all_text: str = ""):
        super().__init__()
        self._low, self._high, self._all = low, high, all_text
        self.setRange(-INT32, INT32)
        self.setAccelerated(True)
        self.setFixedWidth(NUMBER_WIDTH)

    def stepBy(self, steps: int) -> None:  # noqa: N802 (Qt override)
        value = self.value() + steps * self.singleStep()
        if self._low is not None:
            value = max(value, int(self._low))
        if self._high is not None:
            value = min(value, int(self._high))
        self.setValue(value)

    def stepEnabled(self):  # noqa: N802 (Qt override)
        flag = QAbstractSpinBox.StepEnabledFlag
        out = flag.StepNone
        if self._high is None or self.value() < self._high:
            out |= flag.StepUpEnabled
        if self._low is None or self.value() > self._low:
            out |= flag.StepDownEnabled
        return out

    def textFromValue(self, value: int) -> str:  # noqa: N802 (Qt override)
        return self._all if self._all and value == -1 else str(value)

    def valueFromText(self, text: str) -> int:  # noqa: N802 (Qt override)
        if self._all and text.strip().lower() == self._all.lower():
            return -1
        return int(text)

    def validate(self, text: str, pos: int):
        stripped = text.strip().lower()
        if self._all and stripped and self._all.lower().startswith(stripped):
            exact = stripped == self._all.lower()
            return (QValidator.State.Acceptable if exact else QValidator.State.Intermediate), text, pos
        return super().validate(text, pos)


class IntControl(Control):
    def __init__(self, spec: FieldSpec):
        low, high = spec.meta.get("min"), spec.meta.get("max")
        all_text = self.tr("All") if spec.meta.get("all") else ""  # the field takes -1 for "all"
        spin = SoftSpinBox(low, high, all_text)
        super().__init__(spec, spin)
        self.compact = True
        spin.textChanged.connect(self._on_text)

    def _display(self, value: Any) -> None:
        self.widget.setValue(int(value))

    def _on_text(self, _text: str) -> None:
        text = self.widget.cleanText()
        try:
            self.edited.emit(self.widget.valueFromText(text))
        except ValueError:
            self.edited.emit(text)


class BoolControl(Control):
    def __init__(self, spec: FieldSpec):
        check = QCheckBox(label(spec.name))
        super().__init__(spec, check)
        self.label_in_widget = True
        self.compact = True
        check.toggled.connect(self.edited.emit)

    def _display(self, value: Any) -> None:
        self.widget.setChecked(bool(value))


class ChoiceControl(Control):
    def __init__(self, spec: FieldSpec):
        combo = QComboBox()
        for choice in spec.meta["choices"]:
            combo.addItem(choice, choice)
        combo.setMinimumWidth(NUMBER_WIDTH)
        super().__init__(spec, combo)
        self.compact = True
        combo.activated.connect(lambda index: self.edited.emit(combo.itemData(index)))

    def _display(self, value: Any) -> None:
        self.widget.setCurrentIndex(max(0, self.widget.findData(value)))
