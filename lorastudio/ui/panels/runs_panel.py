"""The Runs panel: every run with its state and losses; open, continue, reveal, delete, compare.

The table (``RunsTable``) lists ``lorastudio.core.runs.folder.list_runs``; the list
is read on a pool thread (``LatestTask``: every run's metrics file is read)
and re-read when ``AppState.runs_changed`` fires or a run starts or ends
(once more after the reading under way), while the training run's row
follows its live events. Selecting runs overlays their loss curves
(``LossOverlay``) and diffs their ``config.yaml`` (``ConfigDiffView``); their
metrics and configs are read on a pool thread too, and only the latest
selection's are shown. Opening a run makes it the app's current run and asks the window for
the Train page (``open_requested``). GUI thread.
"""

from __future__ import annotations

import sys
from pathlib import Path

from PySide6.QtCore import Qt, QUrl, Signal
from PySide6.QtGui import QAction, QDesktopServices, QKeySequence
from PySide6.QtWidgets import (
    QFrame,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QMenu,
    QMessageBox,
    QPushButton,
    QSplitter,
    QStackedWidget,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from lorastudio.core.runs import folder as runs
from lorastudio.core.runs.events import TrainReport, ValReport
from lorastudio.core.runs.metrics import RunSeries
from lorastudio.ui.tasks import LatestTask, error_text
from lorastudio.ui.widgets.banner import Banner
from lorastudio.ui.widgets.config_diff import ConfigDiffView
from lorastudio.ui.widgets.loss_overlay import LossOverlay, assign_colors
from lorastudio.ui.widgets.runs_table import RunsTable, platform_key, state_text

CONTINUABLE = ("stopped", "failed")


def load_comparison(paths: list[Path]) -> list[tuple[Path, RunSeries, dict, str]]:
    """Each run's series and config as a dict (``{}`` and the reason when it cannot be read). Any thread."""
    out = []
    for path in paths:
        try:
            config, error = runs.load_config(path).to_dict(), ""
        except Exception as exc:  # noqa: BLE001 - a damaged config still shows its curves
            config, error = {}, str(exc)
        out.append((path, RunSeries.from_run(path), config, error))
    return out


class RunsPanel(QWidget):
    open_requested = Signal(object)  # Path: the window shows the Train page
    train_requested = Signal()  # the empty state's "Go to Train"
    refreshed = Signal()  # the table shows the runs on disk
    comparison_shown = Signal()  # the overlay and the diff show the selection

    def __init__(self, state, training, theme, parent: QWidget | None = None):
        super().__init__(parent)
        self.state = state
        self.training = training
        self.theme = theme
        self._lister = LatestTask(self)  # reads the runs folder
        self._comparer = LatestTask(self)  # reads the selected runs: only the latest selection's are shown
        self._slots: dict[str, int] = {}
        self._selection_banner = False

        self.table = RunsTable()
        self.overlay = LossOverlay()
        self.diff = ConfigDiffView()
        self.banner = Banner(self)
        self._build_toolbar()
        self._build_layout()
        self._build_actions()

        self._lister.result.connect(self._on_listed)
        self._lister.failed.connect(self._on_listing_failed)
        self._comparer.result.connect(self._on_compared)
        self._comparer.failed.connect(self._on_compare_failed)
        self.table.selection_changed.connect(self._on_selection)
        self.table.open_requested.connect(self.open_run)
        state.runs_changed.connect(self.refresh)
        state.current_run_changed.connect(self.table.set_current)
        # Bound methods, not lambdas: Qt drops them when the panel goes away.
        training.run_started.connect(self._on_run_boundary)
        training.run_ended.connect(self._on_run_boundary)
        training.state_changed.connect(self._on_training_state)
        training.event.connect(self._on_training_event)
        theme.changed.connect(self._apply_colors)
        self._apply_colors(theme.colors)
        self._on_selection([])
        self.refresh()

    # --- building ----------------------------------------------------------------
    def _build_toolbar(self) -> None:
        self.filter = QLineEdit()
        self.filter.setPlaceholderText(self.tr("Filter runs"))
        self.filter.setToolTip(self.tr("Show only the runs whose name, model, dataset or state contains this text"))
        self.filter.setClearButtonEnabled(True)
        self.filter.setMinimumWidth(160)
        self.filter.setMaximumWidth(260)
        self.filter.textChanged.connect(self.table.set_filter)
        self.count_label = QLabel()
        self.count_label.setObjectName("muted")
        self.open_button = QPushButton(self.tr("Open"))
        self.open_button.setToolTip(self.tr("Make this the current run: its curves on Train, its adapter in Chat, its report (double-click or Return)"))
        self.continue_button = QPushButton(self.tr("Continue"))
        self.continue_button.setToolTip(self.tr("Resume a stopped or failed run from its last checkpoint, exactly where it left off"))
        reveal = self.tr("Show in Finder") if sys.platform == "darwin" else self.tr("Open Folder")
        self.reveal_button = QPushButton(reveal)
        self.reveal_button.setToolTip(self.tr("Open the run's folder: config.yaml, metrics, adapters"))
        self.delete_button = QPushButton(self.tr("Delete…"))
        self.delete_button.setToolTip(self.tr("Remove the selected runs and their adapters from disk (asks first)"))
        self.open_button.clicked.connect(lambda: self._with_one(self.open_run))
        self.continue_button.clicked.connect(lambda: self._with_one(self.continue_run))
        self.reveal_button.clicked.connect(lambda: self._with_one(self.reveal_run))
        self.delete_button.clicked.connect(self.delete_selected)
        self.toolbar = QHBoxLayout()
        self.toolbar.addWidget(self.filter)
        self.toolbar.addWidget(self.count_label)
        self.toolbar.addStretch(1)
        for button in (self.open_button, self.continue_button, self.reveal_button, self.delete_button):
            self.toolbar.addWidget(button)

    def _build_layout(self) -> None:
        self.tabs = QTabWidget()
        self.tabs.setDocumentMode(True)
        self.tabs.addTab(self.overlay, self.tr("Loss curves"))
        self.tabs.addTab(self.diff, self.tr("Settings"))
        self.splitter = QSplitter(Qt.Orientation.Vertical)
        self.splitter.setChildrenCollapsible(False)
        self.splitter.addWidget(self.table)
        self.splitter.addWidget(self.tabs)
        self.splitter.setStretchFactor(0, 2)
        self.splitter.setStretchFactor(1, 3)
        content = QWidget()
        content_layout = QVBoxLayout(content)
        content_layout.setContentsMargins(0, 0, 0, 0)
        content_layout.addLayout(self.toolbar)
        content_layout.addWidget(self.banner)
        content_layout.addWidget(self.splitter, 1)

        self.empty = self._build_empty_state()
        self.pages = QStackedWidget()
        self.pages.addWidget(content)
        self.pages.addWidget(self.empty)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.pages)

    def _build_empty_state(self) -> QWidget:
        card = QFrame()
        card.setObjectName("card")
        card.setMaximumWidth(520)
        title = QLabel(self.tr("No runs yet"))
        title.setObjectName("pageTitle")
        title.setAlignment(Qt.AlignmentFlag.AlignCenter)
        text = QLabel(self.tr(
            "Choose a model and a dataset, set the parameters, then press Start training on the Train page. "
            "Every run is kept here with its settings, loss curves and adapters, ready to reopen, compare or continue."
        ))
        text.setWordWrap(True)
        text.setAlignment(Qt.AlignmentFlag.AlignCenter)
        text.setObjectName("muted")
        self.go_train_button = QPushButton(self.tr("Go to Train"))
        self.go_train_button.setObjectName("primary")
        self.go_train_button.clicked.connect(self.train_requested)
        inner = QVBoxLayout(card)
        inner.setContentsMargins(28, 24, 28, 24)
        inner.setSpacing(12)
        inner.addWidget(title)
        inner.addWidget(text)
        inner.addWidget(self.go_train_button, 0, Qt.AlignmentFlag.AlignHCenter)
        page = QWidget()
        outer = QVBoxLayout(page)
        outer.addStretch(1)
        row = QHBoxLayout()
        row.addStretch(1)
        row.addWidget(card, 4)
        row.addStretch(1)
        outer.addLayout(row)
        outer.addStretch(2)
        return page

    def _build_actions(self) -> None:
        def action(text, slot, *keys) -> QAction:
            act = QAction(text, self.table)
            act.setShortcuts([QKeySequence(k) for k in keys])
            act.setShortcutContext(Qt.ShortcutContext.WidgetShortcut)
            act.triggered.connect(slot)
            self.table.addAction(act)
            return act

        self.open_action = action(self.open_button.text(), lambda: self._with_one(self.open_run), Qt.Key.Key_Return, Qt.Key.Key_Enter)
        self.continue_action = action(self.continue_button.text(), lambda: self._with_one(self.continue_run))
        self.reveal_action = action(self.reveal_button.text(), lambda: self._with_one(self.reveal_run))
        self.delete_action = action(self.delete_button.text(), self.delete_selected,
                                    QKeySequence.StandardKey.Delete, "Backspace", "Ctrl+Backspace")
        self.table.setContextMenuPolicy(Qt.ContextMenuPolicy.CustomContextMenu)
        self.table.customContextMenuRequested.connect(self._context_menu)

    def _context_menu(self, pos) -> None:
        menu = QMenu(self)
        menu.addAction(self.open_action)
        menu.addAction(self.continue_action)
        menu.addAction(self.reveal_action)
        menu.addSeparator()
        menu.addAction(self.delete_action)
        menu.exec(self.table.viewport().mapToGlobal(pos))

    # --- the list ----------------------------------------------------------------
    @property
    def loading(self) -> bool:
        """The runs folder is being read."""
        return self._lister.running

    def refresh(self) -> None:
        """Re-read the runs folder off the GUI thread; ``refreshed`` follows."""
        if self._lister.running:
            # The list being read is still worth showing: one more pass once it is in.
            self._lister.again(self.refresh)
            return
        self._lister.run(runs.list_runs, self.state.runs_root)

    def _on_listing_failed(self, message: str, details: str) -> None:
        self.banner.show_error(self.tr("Could not read the runs folder: {error}").format(error=message), details)

    def _on_listed(self, summaries) -> None:
        self.table.set_runs(summaries)
        self.table.set_current(self.state.current_run)
        self.pages.setCurrentIndex(1 if not summaries else 0)
        count = len(summaries)
        self.count_label.setText(self.tr("1 run") if count == 1 else self.tr("{count} runs").format(count=count))
        self.refreshed.emit()

    def _on_run_boundary(self, *_) -> None:
        self.refresh()

    def _on_training_state(self, *_) -> None:
        self._update_buttons()

    def _on_training_event(self, event) -> None:
        run_dir = self.training.run_dir
        if run_dir is not None and isinstance(event, (TrainReport, ValReport)):
            self.table.update_live(run_dir, event)
            self.overlay.add_event(run_dir, event)

    # --- selection and comparison ----------------------------------------------
    def _on_selection(self, paths: list[Path]) -> None:
        self._update_buttons()
        if self._selection_banner:  # it spoke of the previous selection
            self.banner.hide()
            self._selection_banner = False
        self._comparer.cancel()  # the previous selection's runs are not shown any more
        if not paths:
            self._slots = {}
            self.table.set_compare_colors({})
            self.overlay.show_runs([])
            self.overlay.set_hint(self.tr(
                "Select a run to see its loss curves. Hold {key} or Shift while clicking to select several and "
                "compare their curves and settings."
            ).format(key=platform_key()))
            self.diff.show_configs([], [], [])
            self.tabs.setTabText(1, self.tr("Settings"))
            self.comparison_shown.emit()
            return
        self._comparer.run(load_comparison, list(paths))

    def _on_compare_failed(self, message: str, details: str) -> None:
        self.banner.show_error(self.tr("Could not read the selected runs: {error}").format(error=message), details)

    def _on_compared(self, loaded) -> None:
        self._slots = assign_colors([p for p, *_ in loaded], self._slots)
        colors = {path: self.overlay.color_of(self._slots[str(path)]) for path, *_ in loaded}
        self.table.set_compare_colors(colors)
        empty = not any(series.iterations or series.val_iterations for _, series, _, _ in loaded)
        self.overlay.set_hint(self.tr("Nothing to plot: the selected runs ended before their first reported step.") if empty else "")
        self.overlay.show_runs([(path, path.name, series, self._slots[str(path)]) for path, series, _, _ in loaded])
        tips = [f"{path}\n{error}" if error else str(path) for path, _, _, error in loaded]
        self.diff.show_configs([p.name for p, *_ in loaded], [c for _, _, c, _ in loaded],
                               [colors[p] for p, *_ in loaded], tips)
        differ = len(self.diff.differing_keys())
        self.tabs.setTabText(1, self.tr("Settings ({count} differ)").format(count=differ) if differ else self.tr("Settings"))
        self._show_failure(loaded)
        self.comparison_shown.emit()

    def _show_failure(self, loaded) -> None:
        """A single failed run says why, with the child's traceback one click away."""
        summary = self.table.summary(loaded[0][0]) if len(loaded) == 1 else None
        if summary is None or summary.state != "failed":
            return
        ended = loaded[0][1].ended
        details = getattr(ended, "details", "") or ""
        self.banner.show_error(
            self.tr("Run {name} failed: {error}").format(name=summary.name, error=summary.message or state_text("failed")), details
        )
        self._selection_banner = True

    def _update_buttons(self) -> None:
        paths = self.table.selected_paths()
        one = len(paths) == 1
        for widget in (self.open_button, self.open_action, self.reveal_button, self.reveal_action):
            widget.setEnabled(one)
        for widget in (self.delete_button, self.delete_action):
            widget.setEnabled(bool(paths))
        can_continue = False
        if one and not self.training.busy:
            from lorastudio.core.tuner.resume_state import latest

            summary = self.table.summary(paths[0])
            can_continue = summary is not None and summary.state in CONTINUABLE and latest(paths[0]) is not None
        self.continue_button.setEnabled(can_continue)
        self.continue_action.setEnabled(can_continue)

    # --- commands ----------------------------------------------------------------
    def _with_one(self, command) -> None:
        paths = self.table.selected_paths()
        if len(paths) == 1:
            command(paths[0])

    def open_run(self, path: Path) -> None:
        """Make ``path`` the current run (Train, Chat and Report follow) and ask for the Train page."""
        self.state.set_current_run(Path(path))
        self.open_requested.emit(Path(path))

    def continue_run(self, path: Path) -> None:
        """Resume a stopped or failed run in the training child; the Train page shows it."""
        if self.training.busy:
            self.banner.show_info(self.tr("A run is training now; continue this one when it has ended."))
            return
        self.state.set_current_run(Path(path))  # the Train page shows its curves so far first
        self.training.resume_run(Path(path))
        self.open_requested.emit(Path(path))

    def reveal_run(self, path: Path) -> None:
        QDesktopServices.openUrl(QUrl.fromLocalFile(str(path)))

    def delete_selected(self) -> None:
        paths = self.table.selected_paths()
        if not paths or not self._confirm_delete([p.name for p in paths]):
            return
        deleted, errors = [], []
        for path in paths:
            try:
                runs.delete_run(path)
                deleted.append(path)
            except (runs.RunError, OSError) as exc:
                errors.append(error_text(exc))
        if self.state.current_run is not None and self.state.current_run in deleted:
            self.state.set_current_run(None)
        self._selection_banner = False
        if errors:
            self.banner.show_error(self.tr("Could not delete: {error}").format(error="\n".join(errors)))
        elif len(deleted) == 1:
            self.banner.show_success(self.tr("Deleted {name}.").format(name=deleted[0].name))
        else:
            self.banner.show_success(self.tr("Deleted {count} runs.").format(count=len(deleted)))
        if deleted:
            self.state.notify_runs_changed()

    def _confirm_delete(self, names: list[str]) -> bool:
        box = QMessageBox(self)
        box.setIcon(QMessageBox.Icon.Warning)
        box.setWindowTitle(self.tr("Delete runs"))
        if len(names) == 1:
            box.setText(self.tr("Delete the run “{name}”?").format(name=names[0]))
        else:
            box.setText(self.tr("Delete these {count} runs?").format(count=len(names)))
        listing = "\n".join(f"• {name}" for name in names) + "\n\n" if len(names) > 1 else ""
        box.setInformativeText(listing + self.tr("Their settings, metrics, checkpoints and adapters are removed from disk. This cannot be undone."))
        delete = box.addButton(self.tr("Delete"), QMessageBox.ButtonRole.DestructiveRole)
        cancel = box.addButton(QMessageBox.StandardButton.Cancel)
        box.setDefaultButton(cancel)
        box.exec()
        return box.clickedButton() is delete

    # --- theme -------------------------------------------------------------------
    def _apply_colors(self, colors) -> None:
        self.table.apply_colors(colors)
        self.overlay.apply_colors(colors)
        self.diff.apply_colors(colors)
        if self.table.selected_paths():  # the palette has light and dark shades: redraw swatches too
            self._on_selection(self.table.selected_paths())
