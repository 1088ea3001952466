"""Editors for lists, mappings and optional sub-configurations of the configuration.

LoRA keys (comma-separated, with the usual projections one click away), a
schedule's numbers, evaluation prompts (one a line), optimizer options (YAML's
inline mapping, for the chosen optimizer only) and a checkable box that
switches an optional sub-configuration (the learning-rate schedule) on and
off. Same contract as ``config_controls``. GUI thread.
"""

from __future__ import annotations

import dataclasses
from typing import Any

import yaml
from PySide6.QtGui import QAction
from PySide6.QtWidgets import QGroupBox, QHBoxLayout, QLineEdit, QMenu, QPlainTextEdit, QPushButton, QWidget

from lorastudio.core.config.train_config import ConfigError, TrainConfig, load_yaml
from lorastudio.core.config.mlx_command import format_number
from lorastudio.ui.config_strings import label
from lorastudio.ui.widgets.config_controls import Control, Invalid, parse_number
from lorastudio.ui.widgets.config_fields import FieldSpec, changes_for, value_of

# Module paths offered for LoRA keys (the attention and MLP projections of llama-like models).
COMMON_KEYS = (
    "self_attn.q_proj", "self_attn.k_proj", "self_attn.v_proj", "self_attn.o_proj",
    "mlp.gate_proj", "mlp.up_proj", "mlp.down_proj",
)


class KeysControl(Control):
    """LoRA keys: comma-separated module paths, with the usual ones a click away."""

    def __init__(self, spec: FieldSpec):
        box = QWidget()
        self.edit = QLineEdit()
        self.edit.setMinimumWidth(160)
        self.edit.setPlaceholderText(self.tr("All linear layers"))
        self.add = QPushButton(self.tr("Common keys"))
        self.add.setToolTip(self.tr("Add or remove the usual attention and MLP projections"))
        self.menu = QMenu(self.add)
        self.actions: dict[str, QAction] = {}
        for key in COMMON_KEYS:
            action = self.menu.addAction(key)
            action.setCheckable(True)
            action.toggled.connect(lambda on, k=key: self._toggle(k, on))
            self.actions[key] = action
        self.add.setMenu(self.menu)
        row = QHBoxLayout(box)
        row.setContentsMargins(0, 0, 0, 0)
        row.addWidget(self.edit, 1)
        row.addWidget(self.add)
        super().__init__(spec, box, [self.edit])
        self.menu.aboutToShow.connect(self._sync_menu)
        self.edit.textEdited.connect(lambda _: self.edited.emit(self.keys() or None))

    def keys(self) -> list[str]:
        return [k.strip() for k in self.edit.text().split(",") if k.strip()]

    def _display(self, value: Any) -> None:
        self.edit.setText(", ".join(value or []))

    def _sync_menu(self) -> None:
        present = set(self.keys())
        for key, action in self.actions.items():
            action.blockSignals(True)
            action.setChecked(key in present)
            action.blockSignals(False)

    def _toggle(self, key: str, on: bool) -> None:
        keys = [k for k in self.keys() if k != key]
        if on:
            keys.append(key)
        self.edit.setText(", ".join(keys))
        self.edited.emit(keys or None)


class NumberListControl(Control):
    """A list of numbers, comma-separated (a schedule's arguments)."""

    def __init__(self, spec: FieldSpec):
        edit = QLineEdit()
        edit.setMinimumWidth(160)
        edit.setPlaceholderText(self.tr("Numbers separated by commas, e.g. 1e-5, 1000"))
        super().__init__(spec, edit)
        edit.textEdited.connect(self._on_edit)

    def _display(self, value: Any) -> None:
        self.widget.setText(", ".join(format_number(v) for v in value or []))

    def _on_edit(self, text: str) -> None:
        self.edited.emit([parse_number(part) for part in text.split(",") if part.strip()])


class LinesControl(Control):
    """A list of texts, one a line (evaluation prompts)."""

    def __init__(self, spec: FieldSpec):
        edit = QPlainTextEdit()
        edit.setPlaceholderText(self.tr("One per line"))
        edit.setTabChangesFocus(True)
        edit.setFixedHeight(edit.fontMetrics().lineSpacing() * 4 + 14)
        edit.setMinimumWidth(160)
        super().__init__(spec, edit)
        edit.textChanged.connect(self._on_edit)

    def _display(self, value: Any) -> None:
        self.widget.setPlainText("\n".join(value or []))

    def _on_edit(self) -> None:
        lines = [line.strip() for line in self.widget.toPlainText().splitlines()]
        self.edited.emit([line for line in lines if line])


class MappingControl(Control):
    """A mapping typed as YAML's inline form, ``weight_decay: 0.01, betas: [0.9, 0.98]``.

    For ``optimizer_config`` it edits the options of the chosen optimizer only.
    """

    def __init__(self, spec: FieldSpec):
        edit = QLineEdit()
        edit.setMinimumWidth(160)
        edit.setPlaceholderText(self.tr("e.g. weight_decay: 0.01"))
        super().__init__(spec, edit)
        edit.textEdited.connect(self._on_edit)

    def value_from(self, config: TrainConfig) -> Any:
        value = value_of(config, self.name)
        return value.get(config.optimizer, {}) if self.name == "optimizer_config" else value

    def changes(self, config: TrainConfig, value: Any) -> dict:
        if self.name == "optimizer_config" and isinstance(value, dict):
            value = {**config.optimizer_config, config.optimizer: value}
        return changes_for(config, self.name, value)

    def _display(self, value: Any) -> None:
        text = yaml.safe_dump(value or {}, default_flow_style=True, sort_keys=False).strip()
        self.widget.setText(text[1:-1].strip() if text.startswith("{") else text)

    def _on_edit(self, text: str) -> None:
        body = text.strip()
        try:
            value = load_yaml(body if body.startswith("{") else "{" + body + "}", self.name)
        except ConfigError as exc:
            value = Invalid(exc)
        self.edited.emit(value)


class SectionSwitch(Control):
    """An optional sub-configuration: a checkable box whose fields the form lays out inside it."""

    def __init__(self, spec: FieldSpec):
        box = QGroupBox(label(spec.name))
        box.setCheckable(True)
        super().__init__(spec, box)
        self.label_in_widget = True
        box.toggled.connect(self.edited.emit)

    def value_from(self, config: TrainConfig) -> Any:
        return getattr(config, self.name) is not None

    def changes(self, config: TrainConfig, value: Any) -> dict:
        if not value:
            return {self.name: None}
        start = dataclasses.asdict(self.spec.type())
        if self.name == "lr_schedule":
            # Start from the current constant rate, decaying over the whole run.
            start["arguments"] = [config.learning_rate, config.iters]
        return {self.name: start}

    def _display(self, value: Any) -> None:
        self.widget.setChecked(bool(value))
