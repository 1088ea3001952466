"""The settings of several runs side by side: one row per setting that differs, one column per run.

``ConfigDiffView.show_configs(names, configs, colors)`` takes each run's
``config.yaml`` as a dict (``TrainConfig.to_dict()``); the comparison itself
is ``lorastudio.core.config.diff``. Nested keys are dotted
(``lora_parameters.rank``); settings every run shares are hidden until
"Show identical settings" is ticked, and then drawn muted. GUI thread.
"""

from __future__ import annotations

from PySide6.QtCore import QCoreApplication, Qt, Signal
from PySide6.QtGui import QColor, QFont
from PySide6.QtWidgets import (
    QAbstractItemView,
    QCheckBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QStackedWidget,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from lorastudio.core.config.train_config import field_help
from lorastudio.core.config.diff import FieldDiff, diff_configs, format_value
from lorastudio.ui.theme import LIGHT, Colors
from lorastudio.ui.widgets.runs_table import _dot


class ConfigDiffView(QWidget):
    shown = Signal()  # the table was rebuilt

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self.summary = QLabel()
        self.summary.setObjectName("muted")
        self.show_all = QCheckBox(self.tr("Show identical settings"))
        self.show_all.setToolTip(self.tr("Also list the settings every selected run shares"))
        top = QHBoxLayout()
        top.setContentsMargins(0, 0, 0, 0)
        top.addWidget(self.summary, 1)
        top.addWidget(self.show_all)

        self.table = QTableWidget(0, 1)
        self.table.verticalHeader().hide()
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setAlternatingRowColors(True)
        self.table.setShowGrid(False)
        self.table.setWordWrap(False)
        self.table.setTextElideMode(Qt.TextElideMode.ElideMiddle)
        self.table.verticalHeader().setDefaultSectionSize(24)
        self.table.horizontalHeader().setTextElideMode(Qt.TextElideMode.ElideMiddle)
        self.hint = QLabel()
        self.hint.setObjectName("muted")
        self.hint.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.hint.setWordWrap(True)
        self.stack = QStackedWidget()
        self.stack.addWidget(self.hint)
        body = QWidget()
        body_layout = QVBoxLayout(body)
        body_layout.setContentsMargins(0, 0, 0, 0)
        body_layout.addLayout(top)
        body_layout.addWidget(self.table, 1)
        self.stack.addWidget(body)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.stack)

        self._colors = LIGHT
        self._names: list[str] = []
        self._tips: list[str] = []
        self._swatches: list[str] = []
        self.rows: list[FieldDiff] = []
        self._help = field_help()
        self.show_all.toggled.connect(lambda _: self._fill())
        self.show_configs([], [], [])

    def show_configs(self, names: list[str], configs: list[dict], swatches: list[str], tips: list[str] | None = None) -> None:
        """Compare ``configs`` (one dict per run) with columns headed by ``names``."""
        self._names, self._swatches = list(names), list(swatches)
        self._tips = list(tips) if tips else list(names)
        self.rows = diff_configs(configs) if len(configs) >= 2 else []
        if len(configs) < 2:
            self.hint.setText(self.tr("Select two or more runs to see which settings differ between them."))
            self.stack.setCurrentIndex(0)
        else:
            self.stack.setCurrentIndex(1)
        self._fill()

    def differing_keys(self) -> list[str]:
        return [row.key for row in self.rows if row.differs]

    def shown_keys(self) -> list[str]:
        return [self.table.item(r, 0).text() for r in range(self.table.rowCount())]

    def _fill(self) -> None:
        rows = self.rows if self.show_all.isChecked() else [row for row in self.rows if row.differs]
        count = sum(row.differs for row in self.rows)
        if self.rows:
            if count == 0:
                self.summary.setText(self.tr("These runs have the same settings."))
            elif count == 1:
                self.summary.setText(self.tr("1 setting differs"))
            else:
                self.summary.setText(self.tr("{count} settings differ").format(count=count))
        table = self.table
        table.clear()
        table.setColumnCount(1 + len(self._names))
        table.setRowCount(len(rows))
        setting = QTableWidgetItem(self.tr("Setting"))
        setting.setTextAlignment(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter)
        table.setHorizontalHeaderItem(0, setting)
        for column, name in enumerate(self._names, start=1):
            header = QTableWidgetItem(name)
            header.setToolTip(self._tips[column - 1])
            header.setTextAlignment(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter)
            if column - 1 < len(self._swatches):
                header.setIcon(_dot(self._swatches[column - 1], square=True))
            table.setHorizontalHeaderItem(column, header)
        muted = QColor(self._colors.muted)
        bold = QFont(table.font())
        bold.setBold(True)
        for r, row in enumerate(rows):
            key = QTableWidgetItem(row.key)
            key.setToolTip(self._help_text(row.key))
            table.setItem(r, 0, key)
            for c, value in enumerate(row.values, start=1):
                text = format_value(value)
                item = QTableWidgetItem(text)
                item.setToolTip(text)
                table.setItem(r, c, item)
            for c in range(table.columnCount()):
                item = table.item(r, c)
                if not row.differs:
                    item.setForeground(muted)
                elif self.show_all.isChecked():
                    item.setFont(bold)  # among all settings, the differing ones stand out
        header = table.horizontalHeader()
        header.setSectionResizeMode(0, QHeaderView.ResizeMode.ResizeToContents)
        for column in range(1, table.columnCount()):
            header.setSectionResizeMode(column, QHeaderView.ResizeMode.Stretch)
        self.shown.emit()

    def _help_text(self, key: str) -> str:
        meta = self._help.get(key)
        if not meta:
            return key
        # Field help is translated in the "ConfigHelp" context (ui/config_strings.py).
        return f"{key}\n{QCoreApplication.translate('ConfigHelp', meta.get('help', ''))}"

    def apply_colors(self, colors: Colors) -> None:
        self._colors = colors
        self._fill()
