"""The sidebar's list of recent runs: state, name and last losses, one click to open.

Selecting a run makes it the app's current run (its curves, its adapter in
Chat, its report); "All runs…" opens the Runs page. Refreshes when runs
change. GUI thread (reading a few small files per run).
"""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import QListWidget, QListWidgetItem, QPushButton, QVBoxLayout, QWidget

from lorastudio.core.runs import folder as runs
from lorastudio.ui.widgets.runs_table import state_text

STATE_MARKS = {"finished": "✓", "stopped": "■", "failed": "✕", "running": "▶", "paused": "❚❚", "starting": "…", "created": "·"}
SHOWN = 8


class RecentRuns(QWidget):
    run_opened = Signal(object)  # Path
    show_all = Signal()

    def __init__(self, state, training, parent: QWidget | None = None):
        super().__init__(parent)
        self.state = state
        self.list = QListWidget()
        self.list.setObjectName("recentRuns")
        self.list.setWordWrap(True)
        self.list.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.list.setTextElideMode(Qt.TextElideMode.ElideMiddle)
        self.all_button = QPushButton(self.tr("All runs…"))
        self.all_button.setFlat(True)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.list, 1)
        layout.addWidget(self.all_button)
        self.list.itemClicked.connect(self._on_clicked)
        self.all_button.clicked.connect(self.show_all)
        state.runs_changed.connect(self.refresh)
        state.current_run_changed.connect(self._select)
        training.run_ended.connect(lambda _: self.refresh())
        self.refresh()

    def refresh(self) -> None:
        self.list.clear()
        found = runs.list_runs(self.state.runs_root)
        if not found:
            item = QListWidgetItem(self.tr("No runs yet.\nPress Start on the Train page."))
            item.setFlags(Qt.ItemFlag.NoItemFlags)
            self.list.addItem(item)
        for summary in found[:SHOWN]:
            loss = summary.last_val_loss if summary.last_val_loss is not None else summary.last_train_loss
            detail = f"  {loss:.3f}" if loss is not None else ""
            item = QListWidgetItem(f"{STATE_MARKS.get(summary.state, '?')}  {summary.name}{detail}")
            item.setToolTip(f"{summary.path}\n{state_text(summary.state)} · {summary.iteration}/{summary.total_iters} · {summary.model}")
            item.setData(Qt.ItemDataRole.UserRole, str(summary.path))
            self.list.addItem(item)
        self.all_button.setText(self.tr("All runs ({count})…").format(count=len(found)))
        self._select(self.state.current_run)

    def _on_clicked(self, item: QListWidgetItem) -> None:
        path = item.data(Qt.ItemDataRole.UserRole)
        if path:
            from pathlib import Path

            self.state.set_current_run(Path(path))
            self.run_opened.emit(Path(path))

    def _select(self, run_dir) -> None:
        for i in range(self.list.count()):
            item = self.list.item(i)
            if run_dir is not None and item.data(Qt.ItemDataRole.UserRole) == str(run_dir):
                self.list.setCurrentItem(item)
                return
        self.list.clearSelection()
