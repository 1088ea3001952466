"""The list of what is wrong with a dataset: one row per problem, errors before warnings.

Each row shows the severity (an icon and a word, coloured), where
(file and line) and the message in the interface language (the core's
English or Chinese, ``Problem.text``); the full message is also the row's
tooltip. ``problem_selected`` carries the core ``Problem`` of the chosen
row. GUI thread.
"""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QBrush, QColor
from PySide6.QtWidgets import QAbstractItemView, QHeaderView, QStyle, QTreeWidget, QTreeWidgetItem, QWidget

from lorastudio.ui.i18n import core_language
from lorastudio.ui.theme import LIGHT, Colors

PROBLEM_ROLE = Qt.ItemDataRole.UserRole


class ProblemList(QTreeWidget):
    problem_selected = Signal(object)  # core Problem

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self.setColumnCount(3)
        self.setHeaderLabels([self.tr("Severity"), self.tr("Where"), self.tr("Problem")])
        self.setRootIsDecorated(False)
        self.setUniformRowHeights(False)
        self.setWordWrap(True)
        self.setAlternatingRowColors(True)
        self.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        header = self.header()
        header.setStretchLastSection(True)
        header.setSectionResizeMode(0, QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(1, QHeaderView.ResizeMode.ResizeToContents)
        self._colors: Colors = LIGHT
        self.problems: list = []
        self.currentItemChanged.connect(self._on_current)

    def set_problems(self, problems) -> None:
        """Show core ``Problem``s: errors first, then by file and line."""
        self.problems = sorted(problems, key=lambda p: (p.severity != "error", p.file, p.line is None, p.line or 0))
        self.clear()
        style = self.style()
        error_icon = style.standardIcon(QStyle.StandardPixmap.SP_MessageBoxCritical)
        warning_icon = style.standardIcon(QStyle.StandardPixmap.SP_MessageBoxWarning)
        lang = core_language()
        for problem in self.problems:
            error = problem.severity == "error"
            where = problem.file if problem.line is None else self.tr("{file}, line {line}").format(
                file=problem.file, line=f"{problem.line:,}")
            message = problem.text(lang)
            item = QTreeWidgetItem([self.tr("Error") if error else self.tr("Warning"), where, message])
            item.setIcon(0, error_icon if error else warning_icon)
            item.setData(0, PROBLEM_ROLE, problem)
            item.setToolTip(2, message)
            item.setTextAlignment(1, Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignTop)
            self.addTopLevelItem(item)
        self._recolor()

    def select_index(self, index: int) -> None:
        item = self.topLevelItem(index)
        if item is not None:
            self.setCurrentItem(item)

    def apply_colors(self, colors: Colors) -> None:
        self._colors = colors
        self._recolor()

    def _recolor(self) -> None:
        for i in range(self.topLevelItemCount()):
            item = self.topLevelItem(i)
            error = item.data(0, PROBLEM_ROLE).severity == "error"
            item.setForeground(0, QBrush(QColor(self._colors.bad if error else self._colors.warn)))
            font = item.font(0)
            font.setBold(True)
            item.setFont(0, font)

    def _on_current(self, current: QTreeWidgetItem | None, _previous) -> None:
        if current is not None:
            self.problem_selected.emit(current.data(0, PROBLEM_ROLE))
