"""The Runs page's table: one row per run with its state, model, data, steps, losses and date.

``RunsTable`` shows ``RunSummary`` rows (``set_runs``), sorts on every column
by value (numbers as numbers, dates by time), filters on text, keeps the
selection across refreshes and marks the current run in bold and the runs
being compared with their plot colour. ``update_live`` moves the training
run's row forward from its events without re-reading any file. GUI thread.
"""

from __future__ import annotations

import sys
from pathlib import Path

from PySide6.QtCore import QCoreApplication, QDateTime, QRectF, QItemSelection, QItemSelectionModel, QLocale, QSortFilterProxyModel, Qt, Signal
from PySide6.QtGui import QColor, QFont, QIcon, QPainter, QPen, QPixmap, QStandardItem, QStandardItemModel
from PySide6.QtWidgets import QAbstractItemView, QHeaderView, QTableView, QWidget

from lorastudio.core.runs.events import TrainReport, ValReport
from lorastudio.core.runs.folder import RunSummary
from lorastudio.ui.names import short_name
from lorastudio.ui.theme import LIGHT, Colors

PATH_ROLE = Qt.ItemDataRole.UserRole + 1
SORT_ROLE = Qt.ItemDataRole.UserRole + 2
STATUS, NAME, MODEL, DATA, STEPS, TRAIN, VALID, BEST, DATE = range(9)
NO_VALUE = "—"
MIN_NAME_WIDTH, MAX_NAME_WIDTH = 160, 260


def _mark(color: str, size: int, square: bool, rim: bool) -> QPixmap:
    pixmap = QPixmap(size * 2, size * 2)  # drawn at 2x so it stays crisp on Retina
    pixmap.setDevicePixelRatio(2.0)
    pixmap.fill(Qt.GlobalColor.transparent)
    if color:
        painter = QPainter(pixmap)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        painter.setPen(QPen(QColor(255, 255, 255, 220), 1.0) if rim else Qt.PenStyle.NoPen)
        painter.setBrush(QColor(color))
        rect = QRectF(0.5, 0.5, size - 1, size - 1)
        if square:
            painter.drawRoundedRect(rect, 2.5, 2.5)
        else:
            painter.drawEllipse(rect)
        painter.end()
    return pixmap


def _dot(color: str, size: int = 10, square: bool = False) -> QIcon:
    """A small filled circle (state) or rounded square (plot colour) as an icon."""
    icon = QIcon()
    icon.addPixmap(_mark(color, size, square, rim=False), QIcon.Mode.Normal)
    # Selected rows are accent-coloured: a light rim keeps a blue mark visible, and an
    # explicit pixmap stops the style from tinting the icon with the highlight.
    icon.addPixmap(_mark(color, size, square, rim=True), QIcon.Mode.Selected)
    return icon


def state_color(state: str, colors: Colors) -> str:
    return {
        "finished": colors.good, "stopped": colors.warn, "paused": colors.warn, "failed": colors.bad,
        "running": colors.accent, "starting": colors.accent,
    }.get(state, colors.muted)


class _Proxy(QSortFilterProxyModel):
    """Sorts by each cell's sort value; rows without a value (no loss yet) sort last."""

    def lessThan(self, left, right) -> bool:  # noqa: N802 (Qt override)
        a, b = left.data(SORT_ROLE), right.data(SORT_ROLE)
        if a is None or b is None:
            # None last in ascending order
            return a is not None and b is None
        try:
            return a < b
        except TypeError:  # mixed kinds must not raise inside Qt's sort
            return str(a) < str(b)


class RunsTable(QTableView):
    selection_changed = Signal(list)  # list[Path], in table order
    open_requested = Signal(object)  # Path (double-click, Return)

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self.source = QStandardItemModel(0, 9, self)
        self.source.setHorizontalHeaderLabels([
            self.tr("Status"), self.tr("Run"), self.tr("Model"), self.tr("Dataset"), self.tr("Steps"),
            self.tr("Train loss"), self.tr("Val loss"), self.tr("Best val"), self.tr("Date"),
        ])
        tips = {
            STEPS: self.tr("Steps trained of the steps planned"),
            TRAIN: self.tr("The last reported training loss"),
            VALID: self.tr("The last validation loss"),
            BEST: self.tr("The lowest validation loss of the run (its best/ adapter)"),
            DATE: self.tr("When the run was created"),
        }
        for column, tip in tips.items():
            self.source.horizontalHeaderItem(column).setToolTip(tip)
        for column in range(9):
            right = column in (STEPS, TRAIN, VALID, BEST)
            align = Qt.AlignmentFlag.AlignRight if right else Qt.AlignmentFlag.AlignLeft
            self.source.horizontalHeaderItem(column).setTextAlignment(align | Qt.AlignmentFlag.AlignVCenter)
        self.proxy = _Proxy(self)
        self.proxy.setSourceModel(self.source)
        self.proxy.setFilterCaseSensitivity(Qt.CaseSensitivity.CaseInsensitive)
        self.proxy.setFilterKeyColumn(-1)
        self.setModel(self.proxy)
        self.setSortingEnabled(True)
        self.sortByColumn(DATE, Qt.SortOrder.DescendingOrder)
        self.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.setSelectionMode(QAbstractItemView.SelectionMode.ExtendedSelection)
        self.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.setAlternatingRowColors(True)
        self.setShowGrid(False)
        self.setWordWrap(False)
        self.setTextElideMode(Qt.TextElideMode.ElideMiddle)
        self.verticalHeader().hide()
        self.verticalHeader().setDefaultSectionSize(26)
        header = self.horizontalHeader()
        header.setHighlightSections(False)
        header.setStretchLastSection(False)
        header.setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(NAME, QHeaderView.ResizeMode.Stretch)
        for column in (MODEL, DATA):
            header.setSectionResizeMode(column, QHeaderView.ResizeMode.Interactive)
            header.resizeSection(column, 120)
        self.setMinimumHeight(140)
        self._colors = LIGHT
        self._summaries: dict[str, RunSummary] = {}
        self._current: str | None = None
        self._compare_colors: dict[str, str] = {}
        self.selectionModel().selectionChanged.connect(lambda *_: self.selection_changed.emit(self.selected_paths()))
        self.doubleClicked.connect(self._on_double_click)

    # --- width -----------------------------------------------------------------------
    def resizeEvent(self, event) -> None:  # noqa: N802 (Qt override)
        super().resizeEvent(event)
        self._fit_columns()

    def _fit_columns(self) -> None:
        """Hide Date, then Model, then Dataset when the table is too narrow for every column.

        A run's default name already starts with its date and ends with its model.
        """
        header = self.horizontalHeader()
        widths = {}
        for column in range(9):
            if column == NAME:
                continue
            natural = max(self.sizeHintForColumn(column), header.sectionSizeHint(column))
            widths[column] = 120 if column in (MODEL, DATA) else natural
        # Room for whole names first: elided in the middle, they lose the time that tells runs apart.
        name = min(max(self.sizeHintForColumn(NAME), MIN_NAME_WIDTH), MAX_NAME_WIDTH)
        needed = sum(widths.values()) + name
        hidden = set()
        for column in (DATE, MODEL, DATA):
            if needed <= self.viewport().width():
                break
            hidden.add(column)
            needed -= widths[column]
        for column in (DATE, MODEL, DATA):
            if self.isColumnHidden(column) != (column in hidden):
                self.setColumnHidden(column, column in hidden)

    # --- contents ------------------------------------------------------------------
    def set_runs(self, summaries: list[RunSummary]) -> None:
        """Replace the rows, keeping the selection (by path) and the sort order."""
        selected = [str(p) for p in self.selected_paths()]
        self.setSortingEnabled(False)
        self.source.removeRows(0, self.source.rowCount())
        self._summaries = {str(s.path): s for s in summaries}
        for summary in summaries:
            self.source.appendRow(self._row_items(summary))
        self.setSortingEnabled(True)
        self.sortByColumn(self.horizontalHeader().sortIndicatorSection(), self.horizontalHeader().sortIndicatorOrder())
        self.select_paths([Path(p) for p in selected if p in self._summaries], emit=False)
        self._fit_columns()
        # The selection may have lost runs that are gone: tell the panel either way.
        self.selection_changed.emit(self.selected_paths())

    def _row_items(self, s: RunSummary) -> list[QStandardItem]:
        def cell(text: str, sort, tip: str = "", right: bool = False) -> QStandardItem:
            item = QStandardItem(text)
            item.setData(str(s.path), PATH_ROLE)
            item.setData(sort, SORT_ROLE)  # None (no loss yet) sorts last
            if tip:
                item.setToolTip(tip)
            if right:
                item.setTextAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
            return item

        def loss(value: float | None) -> QStandardItem:
            return cell(f"{value:.3f}" if value is not None else NO_VALUE, value, right=True)

        status_tip = state_text(s.state) + (f"\n{s.message}" if s.message else "")
        status = cell(state_text(s.state), s.state, status_tip)
        status.setIcon(_dot(state_color(s.state, self._colors)))
        created = QDateTime.fromSecsSinceEpoch(int(s.created))
        when = QLocale().toString(created, QLocale.FormatType.ShortFormat)
        tip = self.tr("{path}\nModel: {model}\nDataset: {data}\nCreated: {date}")
        name = cell(s.name, s.name.lower(), tip.format(path=s.path, model=s.model, data=s.data, date=when))
        date = cell(QLocale().toString(created, QLocale.FormatType.ShortFormat), s.created,
                    QLocale().toString(created, QLocale.FormatType.LongFormat))
        items = [
            status, name,
            cell(_short(s.model), _short(s.model).lower(), s.model),
            cell(_short(s.data), _short(s.data).lower(), s.data),
            cell(f"{s.iteration} / {s.total_iters}", s.iteration, right=True),
            loss(s.last_train_loss), loss(s.last_val_loss), loss(s.best_val_loss), date,
        ]
        self._decorate_name(name, str(s.path))
        return items

    def _decorate_name(self, item: QStandardItem, path: str) -> None:
        # A transparent swatch for runs not compared keeps every name at the same place.
        item.setIcon(_dot(self._compare_colors.get(path, ""), square=True))
        font = QFont(self.font())
        font.setBold(path == self._current)
        item.setFont(font)

    def update_live(self, run_dir: Path, event) -> None:
        """Advance the training run's row from a TrainReport or ValReport."""
        path = str(run_dir)
        for row in range(self.source.rowCount()):
            if self.source.item(row, NAME).data(PATH_ROLE) != path:
                continue
            summary = self._summaries.get(path)
            total = summary.total_iters if summary else 0
            if isinstance(event, TrainReport):
                self._set(row, STEPS, f"{event.iteration} / {total}", event.iteration)
                self._set(row, TRAIN, f"{event.train_loss:.3f}", event.train_loss)
            elif isinstance(event, ValReport):
                self._set(row, VALID, f"{event.val_loss:.3f}", event.val_loss)
                best = self.source.item(row, BEST).data(SORT_ROLE)
                if best is None or event.val_loss < best:
                    self._set(row, BEST, f"{event.val_loss:.3f}", event.val_loss)

    def _set(self, row: int, column: int, text: str, sort) -> None:
        item = self.source.item(row, column)
        item.setText(text)
        item.setData(sort, SORT_ROLE)

    # --- selection -----------------------------------------------------------------
    def summary(self, path: Path) -> RunSummary | None:
        return self._summaries.get(str(path))

    def summaries(self) -> list[RunSummary]:
        return list(self._summaries.values())

    def visible_paths(self) -> list[Path]:
        """Paths of the rows shown, in table order."""
        return [Path(self.proxy.index(r, NAME).data(PATH_ROLE)) for r in range(self.proxy.rowCount())]

    def selected_paths(self) -> list[Path]:
        rows = sorted(index.row() for index in self.selectionModel().selectedRows(NAME))
        return [Path(self.proxy.index(r, NAME).data(PATH_ROLE)) for r in rows]

    def select_paths(self, paths: list[Path], emit: bool = True) -> None:
        wanted = {str(p) for p in paths}
        selection = QItemSelection()
        for row in range(self.proxy.rowCount()):
            if self.proxy.index(row, NAME).data(PATH_ROLE) in wanted:
                selection.select(self.proxy.index(row, 0), self.proxy.index(row, self.proxy.columnCount() - 1))
        flags = QItemSelectionModel.SelectionFlag.ClearAndSelect | QItemSelectionModel.SelectionFlag.Rows
        model = self.selectionModel()
        model.blockSignals(not emit)
        model.select(selection, flags)
        model.blockSignals(False)
        self.viewport().update()

    def set_current(self, run_dir: Path | None) -> None:
        """Bold the app's current run."""
        self._current = str(run_dir) if run_dir else None
        for row in range(self.source.rowCount()):
            item = self.source.item(row, NAME)
            self._decorate_name(item, item.data(PATH_ROLE))

    def set_compare_colors(self, colors: dict) -> None:
        """Plot colour per compared run (Path -> "#rrggbb"); others get none."""
        self._compare_colors = {str(p): c for p, c in colors.items()}
        for row in range(self.source.rowCount()):
            item = self.source.item(row, NAME)
            self._decorate_name(item, item.data(PATH_ROLE))

    def set_filter(self, text: str) -> None:
        self.proxy.setFilterFixedString(text)

    def apply_colors(self, colors: Colors) -> None:
        self._colors = colors
        for row in range(self.source.rowCount()):
            item = self.source.item(row, STATUS)
            item.setIcon(_dot(state_color(item.data(SORT_ROLE), colors)))

    def _on_double_click(self, index) -> None:
        path = index.data(PATH_ROLE)
        if path:
            self.open_requested.emit(Path(path))


def _short(path: str) -> str:
    """A model or dataset as its folder or file name (a repo id stays whole)."""
    if not path or path == "?":
        return path or NO_VALUE
    if not path.startswith(("/", "~", ".")) and path.count("/") == 1 and not Path(path).expanduser().exists():
        return path  # a Hugging Face repo id, e.g. mlx-community/Qwen3-0.6B-4bit
    return short_name(path)


def state_text(state: str) -> str:
    """A run state in the interface language."""
    translate = QCoreApplication.translate
    texts = {
        "finished": translate("Runs", "Finished"),
        "stopped": translate("Runs", "Stopped"),
        "failed": translate("Runs", "Failed"),
        "running": translate("Runs", "Training"),
        "paused": translate("Runs", "Paused"),
        "starting": translate("Runs", "Starting"),
        "created": translate("Runs", "Not started"),
    }
    return texts.get(state, translate("Runs", "Unknown"))


def platform_key() -> str:
    return "⌘" if sys.platform == "darwin" else "Ctrl"
