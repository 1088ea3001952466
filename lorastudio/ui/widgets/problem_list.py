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
        self.setRootIsDecorated(False)
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

    def set_groups(self, groups, problems) -> None:
        """Show core ``ProblemGroup``s: a problem found on many lines is one row with its line ranges and
        count, its lines (the stored ``Problem``s) under it; a problem found once is its own row as in
        ``set_problems``."""
        from lorastudio.core.data.groups import same

        self.set_problems(problems)
        if not any(group.count > 1 and group.ranges for group in groups):
            return
        self.clear()
        self.setRootIsDecorated(True)
        lang = core_language()
        ordered = sorted(groups, key=lambda g: (g.severity != "error", g.file, not g.ranges,
                                                g.ranges[0][0] if g.ranges else 0))
        for group in ordered:
            # Past the per-file cap a group's lines are not stored: the group stands for itself.
            members = [p for p in self.problems if same(group, p)] or [group]
            if group.count == 1 or members == [group]:
                for problem in members:
                    item = self._item(problem, lang)
                    if problem is group and group.count > 1:
                        item.setText(1, self._lines_text(group))
                    self.addTopLevelItem(item)
                continue
            item = self._item(members[0], lang)
            item.setText(1, self._lines_text(group))
            for problem in members:
                item.addChild(self._item(problem, lang))
            self.addTopLevelItem(item)
        self._recolor()

    def _lines_text(self, group) -> str:
        return self.tr("{file}, lines {ranges} ({count})").format(
            file=group.file, ranges=group.ranges_text() + (", …" if len(group.ranges) > 8 else ""),
            count=f"{group.count:,}")

    def _item(self, problem, lang: str) -> QTreeWidgetItem:
        error = problem.severity == "error"
        style = self.style()
        where = problem.file if problem.line is None else self.tr("{file}, line {line}").format(
            file=problem.file, line=f"{problem.line:,}")
        message = problem.text(lang)
        item = QTreeWidgetItem([self.tr("Error") if error else self.tr("Warning"), where, message])
        item.setIcon(0, style.standardIcon(QStyle.StandardPixmap.SP_MessageBoxCritical if error
                                           else QStyle.StandardPixmap.SP_MessageBoxWarning))
        item.setData(0, PROBLEM_ROLE, problem)
        item.setToolTip(2, message)
        item.setTextAlignment(1, Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignTop)
        return item

    def select_index(self, index: int) -> None:
        item = self.topLevelItem(index)
        if item is not None:
            self.setCurrentItem(item)

    def apply_colors(self, colors: Colors) -> None:
        self._colors = colors
        self._recolor()

    def _recolor(self) -> None:
        items = [self.topLevelItem(i) for i in range(self.topLevelItemCount())]
        items += [item.child(j) for item in items for j in range(item.childCount())]
        for item in items:
            error = item.data(0, PROBLEM_ROLE).severity == "error"
            item.setForeground(0, QBrush(QColor(self._colors.bad if error else self._colors.warn)))
            font = item.font(0)
            font.setBold(True)
            item.setFont(0, font)

    def _on_current(self, current: QTreeWidgetItem | None, _previous) -> None:
        if current is not None:
            self.problem_selected.emit(current.data(0, PROBLEM_ROLE))
