"""The configuration form: every field of ``TrainConfig`` on a Basic and an Advanced tab.

``make_control`` picks each field's editor from its type and metadata (a
check box for a bool, a combo for choices, a spin box for an int, a line
edit for a float, list editors, a checkable box for an optional
sub-configuration); a field's tab is its metadata ``group`` and its box its
metadata ``section`` (one of the core's ``SECTIONS``, in that order, each
with a translated title here). Tooltips carry the field's help and unit in
the interface language.

Each edit goes to ``AppState.update_config`` at once. A value the core
rejects marks its editor (red border, the core's reason under it, in the
interface language: ``FieldProblem.text``) and leaves the state as it was;
the form follows ``config_changed`` for changes made elsewhere (a preset, a
model chosen on another page), leaving alone the editor being typed in.
GUI thread.
"""

from __future__ import annotations

import html
import typing
from typing import Any

from PySide6.QtCore import QCoreApplication, QRectF, Qt
from PySide6.QtGui import QColor, QGuiApplication, QPainter, QPalette, QPen
from PySide6.QtWidgets import (
    QFormLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QScrollArea,
    QSpinBox,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from lorastudio.core.config.train_config import SECTIONS, ConfigError, FieldProblem, TrainConfig
from lorastudio.ui import theme
from lorastudio.ui.config_strings import help_text, label, unit_text
from lorastudio.ui.i18n import core_language
from lorastudio.ui.widgets.config_controls import (
    BoolControl,
    ChoiceControl,
    Control,
    IntControl,
    Invalid,
    NumberControl,
    OptionalNumberControl,
    ReadOnlyControl,
    TextControl,
)
from lorastudio.ui.widgets.config_fields import FieldSpec, field_specs
from lorastudio.ui.widgets.config_list_controls import (
    KeysControl,
    LinesControl,
    MappingControl,
    NumberListControl,
    SectionSwitch,
)

READ_ONLY = ("model", "data")  # chosen on their own pages

TWO_COLUMNS_FROM = 900  # px of form width


def section_title(key: str) -> str:
    """The title of one of the core's ``SECTIONS`` in the interface language (a test checks each has one)."""
    translate = QCoreApplication.translate
    titles = {
        "source": translate("ConfigForm", "Model and data"),
        "adapter": translate("ConfigForm", "Adapter"),
        "optimisation": translate("ConfigForm", "Optimisation"),
        "training": translate("ConfigForm", "Training"),
        "evaluation": translate("ConfigForm", "Steps and evaluation"),
        "saving": translate("ConfigForm", "Saving"),
        "data": translate("ConfigForm", "Data keys and split"),
        "other": translate("ConfigForm", "Other options"),
    }
    return titles.get(key, key)


def make_control(spec: FieldSpec, read_only: bool = False) -> Control | None:
    """The editor for a field; None for a nested configuration that is always there (its fields are edited)."""
    if spec.is_section:
        return SectionSwitch(spec) if spec.optional else None
    if read_only:
        return ReadOnlyControl(spec)
    if spec.type is bool:
        return BoolControl(spec)
    if spec.meta.get("choices"):
        return ChoiceControl(spec)
    if spec.type is dict:
        return MappingControl(spec)
    if typing.get_origin(spec.type) is list:
        item = (typing.get_args(spec.type) or (str,))[0]
        if item in (int, float):
            return NumberListControl(spec)
        return KeysControl(spec) if spec.name.endswith("keys") else LinesControl(spec)
    if spec.type in (int, float):
        if spec.optional:
            return OptionalNumberControl(spec)
        if spec.type is int and spec.unit != "bytes":  # bytes outgrow a 32-bit spin box
            return IntControl(spec)
        return NumberControl(spec)
    return TextControl(spec)


def tooltip(spec: FieldSpec) -> str:
    """Rich text (so Qt wraps it): the help, the unit and the YAML key."""
    translate = QCoreApplication.translate
    parts = [f"<p>{html.escape(help_text(spec.name))}</p>"]
    details = []
    if spec.unit:
        details.append(html.escape(translate("ConfigForm", "Unit: {unit}").format(unit=unit_text(spec.unit))))
    details.append(translate("ConfigForm", "YAML key: {key}").format(key=f"<code>{html.escape(spec.name)}</code>"))
    parts.append("<p>" + "<br>".join(details) + "</p>")
    return "<qt>" + "".join(parts) + "</qt>"


class MarkFrame(QWidget):
    """Holds an editor with a 2 px margin and draws a red rounded border there while its value is wrong.

    Painted rather than styled: a style sheet would cost the editor its
    platform look (a spin box its arrows) and keep the form's palette from
    following a light/dark switch. The colour is read at paint time.
    """

    def __init__(self, editor: QWidget, parent: QWidget | None = None):
        super().__init__(parent)
        self.invalid = False
        layout = QHBoxLayout(self)
        layout.setContentsMargins(2, 2, 2, 2)
        layout.addWidget(editor)

    def set_invalid(self, invalid: bool) -> None:
        if invalid != self.invalid:
            self.invalid = invalid
            self.update()

    def paintEvent(self, event) -> None:  # noqa: N802 (Qt override)
        if not self.invalid:
            return
        dark = QGuiApplication.palette().color(QPalette.ColorRole.Window).lightness() < 128
        painter = QPainter(self)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        painter.setPen(QPen(QColor((theme.DARK if dark else theme.LIGHT).bad), 2))
        painter.drawRoundedRect(QRectF(self.rect()).adjusted(1, 1, -1, -1), 4, 4)


class Columns(QWidget):
    """Group boxes in one column, or two balanced columns when the form is wide."""

    def __init__(self, boxes: list[QWidget], parent: QWidget | None = None):
        super().__init__(parent)
        self.boxes = boxes
        row = QHBoxLayout(self)
        row.setContentsMargins(2, 6, 12, 12)
        row.setSpacing(18)
        self.stacks = [QVBoxLayout(), QVBoxLayout()]
        for stack in self.stacks:
            stack.setSpacing(14)
            row.addLayout(stack, 1)
        self.columns = 0
        self._arrange(1)

    def _arrange(self, columns: int) -> None:
        if columns == self.columns:
            return
        self.columns = columns
        for stack in self.stacks:
            while stack.count():
                stack.takeAt(0)
        heights = [0] * columns
        for box in self.boxes:
            column = heights.index(min(heights))
            self.stacks[column].addWidget(box)
            heights[column] += box.sizeHint().height()
        for stack in self.stacks:
            stack.addStretch(1)
        self.layout().setStretch(1, 1 if columns == 2 else 0)

    def resizeEvent(self, event) -> None:  # noqa: N802 (Qt override)
        self._arrange(2 if event.size().width() >= TWO_COLUMNS_FROM else 1)
        super().resizeEvent(event)


class ConfigForm(QWidget):
    def __init__(self, state, parent: QWidget | None = None):
        super().__init__(parent)
        self.state = state
        self.controls: dict[str, Control] = {}
        self.errors: dict[str, QLabel] = {}
        self.rows: dict[str, QWidget] = {}  # the label-and-editor cell of each field
        self.marks: dict[str, MarkFrame] = {}  # the frame that turns red around an editor
        self._shown: dict[str, Any] = {}
        self._editing: str | None = None
        self._line_height = MarkFrame(QSpinBox()).sizeHint().height()

        sections: dict[tuple[str, str], QFormLayout] = {}
        boxes: dict[str, list[QGroupBox]] = {"basic": [], "advanced": []}
        specs = field_specs()
        by_name = {spec.name: spec for spec in specs}
        for spec in specs:
            control = make_control(spec, read_only=spec.name in READ_ONLY)
            if control is None:
                continue
            parent = by_name.get(spec.parent)
            if parent is not None and parent.optional:  # inside a switchable sub-configuration
                layout = self.controls[parent.name].widget.layout()
            else:
                tab = "basic" if spec.group == "basic" else "advanced"
                key = (tab, spec.section)
                if key not in sections:
                    sections[key] = self._new_section(key[1], boxes[tab])
                layout = sections[key]
            self._add_row(layout, control)
            if isinstance(control.widget, QGroupBox):
                inner = QFormLayout(control.widget)
                self._style_form(inner)

        self.tabs = QTabWidget()
        self.tabs.setDocumentMode(True)
        for tab, title in (("basic", self.tr("Basic")), ("advanced", self.tr("Advanced"))):
            order = [b for key in SECTIONS for b in boxes[tab] if b.property("section") == key]
            area = QScrollArea()
            area.setWidgetResizable(True)
            area.setFrameShape(QScrollArea.Shape.NoFrame)
            area.setWidget(Columns(order))
            self.tabs.addTab(area, title)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.tabs)

        state.config_changed.connect(self.show_config)
        self.show_config(state.config, force=True)

    # --- building ------------------------------------------------------------------
    def _new_section(self, key: str, boxes: list) -> QFormLayout:
        box = QGroupBox(section_title(key))
        box.setProperty("section", key)
        form = QFormLayout(box)
        self._style_form(form)
        if key == "source":
            note = QLabel(self.tr("Chosen on the Model and Data pages."))
            note.setObjectName("muted")
            form.addRow(note)
        boxes.append(box)
        return form

    @staticmethod
    def _style_form(form: QFormLayout) -> None:
        form.setLabelAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignTop)
        form.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.AllNonFixedFieldsGrow)
        form.setRowWrapPolicy(QFormLayout.RowWrapPolicy.DontWrapRows)
        form.setHorizontalSpacing(12)
        form.setVerticalSpacing(9)
        form.setContentsMargins(14, 10, 14, 12)

    def _add_row(self, form: QFormLayout, control: Control) -> None:
        spec = control.spec
        tip = tooltip(spec)
        cell = QWidget()
        column = QVBoxLayout(cell)
        column.setContentsMargins(0, 0, 0, 0)
        column.setSpacing(3)
        row = QHBoxLayout()
        row.setSpacing(8)
        editor = control.widget
        if not control.label_in_widget:
            editor = MarkFrame(control.widget)
            self.marks[spec.name] = editor
        row.addWidget(editor, 0 if control.compact else 1)
        if spec.unit and not control.label_in_widget:
            unit = QLabel(unit_text(spec.unit))
            unit.setObjectName("muted")
            row.addWidget(unit)
        if control.compact:
            row.addStretch(1)
        column.addLayout(row)
        error = QLabel()
        error.setObjectName("error")
        error.setWordWrap(True)
        error.hide()
        column.addWidget(error)
        for widget in (cell, control.widget, *control.editors):
            widget.setToolTip(tip)
        if control.label_in_widget:
            form.addRow(cell)
        else:
            text = QLabel(self.tr("{label}:").format(label=label(spec.name)))
            text.setToolTip(tip)
            # As tall as a one-line editor, so the label sits level with its first line.
            text.setMinimumHeight(min(editor.sizeHint().height(), self._line_height))
            text.setAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
            text.setBuddy(control.editors[0])
            form.addRow(text, cell)
        self.controls[spec.name] = control
        self.errors[spec.name] = error
        self.rows[spec.name] = cell
        control.edited.connect(lambda value, c=control: self._on_edited(c, value))

    # --- state -> form ---------------------------------------------------------------
    def show_config(self, config: TrainConfig, force: bool = False) -> None:
        """Show ``config``; only editors whose value changed are touched unless ``force``."""
        for name, control in self.controls.items():
            value = control.value_from(config)
            if not force and name in self._shown and self._shown[name] == value:
                continue
            self._shown[name] = value
            if name == self._editing:
                continue  # the user is typing here: keep their text as typed
            control.show(config)
            self.set_error(name, [])

    # --- form -> state ---------------------------------------------------------------
    def _on_edited(self, control: Control, value: Any) -> None:
        name = control.name
        if isinstance(value, Invalid):
            self.set_error(name, value.error.problems)
            return
        config = self.state.config
        self._editing = name
        try:
            self.state.update_config(**control.changes(config, value))
        except ConfigError as exc:
            self.set_error(name, exc.problems)
        else:
            self.set_error(name, [])
        finally:
            self._editing = None

    def set_error(self, name: str, problems: list[FieldProblem]) -> None:
        """Mark a field's editors and say why under them (the core's reasons, in the interface language).

        No problems clears. A problem of this very field is its reason alone; one of a key
        inside it, of another field or of the text as a whole names its field (as it is, a
        YAML key) before the reason.
        """
        error = self.errors[name]
        lang = core_language()
        mine = [p for p in problems if p.field == name or p.field.startswith(name + ".")]
        if problems and not mine:  # a rule across fields (e.g. the two split fractions), a YAML syntax error
            lines = [p.with_field(lang) for p in problems]
        else:
            lines = [p.text(lang) if p.field == name else p.with_field(lang) for p in mine]
        error.setText("\n".join(lines))
        error.setVisible(bool(lines))
        mark = self.marks.get(name)
        if mark is not None:
            mark.set_invalid(bool(lines))

    def is_marked(self, name: str) -> bool:
        mark = self.marks.get(name)
        return bool(mark is not None and mark.invalid)

    def error_text(self, name: str) -> str:
        return "" if self.errors[name].isHidden() else self.errors[name].text()
