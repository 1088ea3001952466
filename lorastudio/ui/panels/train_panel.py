"""The Train panel: Start, Pause/Resume, Stop, continue a run; live plots, progress, reports table, log.

It drives a ``TrainingController`` and draws what the controller's events
say; when a past run is selected (``AppState.current_run``) it shows that
run's curves from its ``metrics.jsonl``. GUI thread.
"""

from __future__ import annotations

import time
from pathlib import Path

from PySide6.QtCore import Qt, QTimer
from PySide6.QtWidgets import (
    QAbstractItemView,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QMessageBox,
    QPlainTextEdit,
    QProgressBar,
    QPushButton,
    QSplitter,
    QTableWidget,
    QTableWidgetItem,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from lorastudio.core.runs import folder as runs
from lorastudio.core.config.train_config import validate_for_training
from lorastudio.core.runs.describe import describe_event, eta_seconds
from lorastudio.core.runs.events import Failed, Finished, Started, Status, Stopped, TrainReport, ValReport
from lorastudio.core.runs.metrics import RunSeries, format_duration
from lorastudio.ui import training_controller as tc
from lorastudio.ui.i18n import core_language
from lorastudio.ui.names import short_name
from lorastudio.ui.panels.rank_logs import RankLogs
from lorastudio.ui.widgets.banner import Banner
from lorastudio.ui.widgets.plots import TrainingPlots
from lorastudio.ui.widgets.runs_table import state_text



class ReportsTable(QTableWidget):
    """One row per report step, like the seed report's table."""

    COLUMNS = ("step", "train loss", "val loss", "steps/s", "tokens/s", "trained tokens", "peak GB")

    def __init__(self, parent: QWidget | None = None):
        super().__init__(0, len(self.COLUMNS), parent)
        self.setHorizontalHeaderLabels(
            [self.tr("Step"), self.tr("Train loss"), self.tr("Val loss"), self.tr("Steps/s"), self.tr("Tokens/s"),
             self.tr("Trained tokens"), self.tr("Peak GB")]
        )
        self.verticalHeader().hide()
        self.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.setAlternatingRowColors(True)
        self.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Stretch)
        self._rows: dict[int, int] = {}

    def clear_rows(self) -> None:
        self.setRowCount(0)
        self._rows.clear()

    def _row(self, iteration: int) -> int:
        if iteration not in self._rows:
            row = self.rowCount()
            self.insertRow(row)
            self._rows[iteration] = row
            self._set(row, 0, str(iteration))
        return self._rows[iteration]

    def _set(self, row: int, column: int, text: str) -> None:
        item = QTableWidgetItem(text)
        item.setTextAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        self.setItem(row, column, item)

    def add_event(self, event) -> None:
        if isinstance(event, TrainReport):
            row = self._row(event.iteration)
            for column, text in (
                (1, f"{event.train_loss:.3f}"), (3, f"{event.iterations_per_second:.3f}"),
                (4, f"{event.tokens_per_second:,.1f}"), (5, f"{event.trained_tokens:,}"), (6, f"{event.peak_memory_gb:.3f}"),
            ):
                self._set(row, column, text)
            self.scrollToBottom()
        elif isinstance(event, ValReport):
            self._set(self._row(event.iteration), 2, f"{event.val_loss:.3f}")


class TrainPanel(QWidget):
    def __init__(self, state, controller: tc.TrainingController, theme, parent: QWidget | None = None):
        super().__init__(parent)
        self.state = state
        self.controller = controller
        self._started_at: float | None = None
        self._start_iteration = 0
        self._shown_run: Path | None = None

        self.start_button = QPushButton(self.tr("Start training"))
        self.start_button.setObjectName("primary")
        self.start_button.setToolTip(self.tr("Train the current model on the current data with these parameters (⌘R)"))
        self.pause_button = QPushButton(self.tr("Pause"))
        self.pause_button.setToolTip(self.tr("Pause after the current step; the run keeps its place"))
        self.stop_button = QPushButton(self.tr("Stop"))
        self.stop_button.setToolTip(self.tr("Stop after the current step and save the adapter (⌘.)"))
        self.continue_button = QPushButton(self.tr("Continue run"))
        self.continue_button.setToolTip(self.tr("Resume the selected stopped or failed run from its last checkpoint, exactly where it left off"))
        self.status_label = QLabel()
        self.status_label.setObjectName("muted")
        controls = QHBoxLayout()
        for button in (self.start_button, self.pause_button, self.stop_button, self.continue_button):
            controls.addWidget(button)
        controls.addSpacing(12)
        controls.addWidget(self.status_label, 1)

        self.progress = QProgressBar()
        self.progress.setTextVisible(False)
        self.progress.setFixedHeight(8)
        self.progress_label = QLabel()

        self.banner = Banner(self)
        self.plots = TrainingPlots()
        self.table = ReportsTable()
        self.log = QPlainTextEdit()
        self.log.setReadOnly(True)
        self.log.setMaximumBlockCount(5000)
        tabs = QTabWidget()
        tabs.addTab(self.table, self.tr("Reports"))
        tabs.addTab(self.log, self.tr("Log"))
        self.rank_logs = RankLogs()  # a distributed run's log of each rank
        tabs.addTab(self.rank_logs, self.tr("Rank logs"))
        splitter = QSplitter(Qt.Orientation.Vertical)
        splitter.addWidget(self.plots)
        splitter.addWidget(tabs)
        splitter.setStretchFactor(0, 3)
        splitter.setStretchFactor(1, 1)

        layout = QVBoxLayout(self)
        layout.addLayout(controls)
        layout.addWidget(self.progress)
        layout.addWidget(self.progress_label)
        layout.addWidget(self.banner)
        layout.addWidget(splitter, 1)

        self.start_button.clicked.connect(self.start)
        self.pause_button.clicked.connect(self.toggle_pause)
        self.stop_button.clicked.connect(self.controller.stop)
        self.continue_button.clicked.connect(self.continue_run)
        controller.event.connect(self.on_event)
        controller.state_changed.connect(self._update_buttons)
        controller.run_started.connect(self._on_run_started)
        controller.run_ended.connect(self._on_run_ended)
        controller.error.connect(self._on_error)
        state.current_run_changed.connect(self.show_run)
        state.config_changed.connect(lambda _: self._update_idle_text())
        theme.changed.connect(self.plots.apply_colors)
        self.plots.apply_colors(theme.colors)
        self._timer = QTimer(self)
        self._timer.setInterval(1000)
        self._timer.timeout.connect(self._update_progress_label)
        self._update_buttons(controller.state)
        self._update_idle_text()

    # --- commands --------------------------------------------------------------
    def start(self) -> None:
        if self.controller.busy:
            return
        problems = validate_for_training(self.state.config)
        if problems:
            QMessageBox.warning(self, self.tr("Cannot start"), "\n".join(p.with_field(core_language()) for p in problems))
            return
        self._reset_view()
        self.banner.show_info(self.tr("Starting: checking the data and loading the model…"))
        self.controller.start(self.state.config)

    def toggle_pause(self) -> None:
        if self.controller.state == tc.PAUSED:
            self.controller.resume()
        else:
            self.controller.pause()

    def continue_run(self) -> None:
        run_dir = self.state.current_run
        if run_dir is None or self.controller.busy:
            return
        self._reset_view()
        self.plots.show_series(RunSeries.from_run(run_dir))
        for event in runs.read_metrics(run_dir):
            self.table.add_event(event)
        self.controller.resume_run(run_dir)

    # --- showing runs ----------------------------------------------------------
    def _reset_view(self) -> None:
        self.banner.hide()
        self.table.clear_rows()
        self.log.clear()
        self.plots.show_series(RunSeries())
        self.progress.setValue(0)

    def show_run(self, run_dir: Path | None) -> None:
        """Show a past run's curves (not while a live run is on screen)."""
        if self.controller.busy or run_dir is None or run_dir == self._shown_run:
            self._update_buttons(self.controller.state)
            return
        self._shown_run = run_dir
        self._reset_view()
        self.rank_logs.set_run(run_dir)
        events = runs.read_metrics(run_dir)
        series = RunSeries.from_events(events)
        self.plots.show_series(series)
        for event in events:
            self.table.add_event(event)
            self._log(event)
        self._set_progress(series.last_iteration, series.total_iters)
        state, message = runs.effective_state(run_dir)
        self.progress_label.setText(self.tr("Run {name}: {state}, step {step} of {total}").format(
            name=run_dir.name, state=state_text(state).lower(), step=series.last_iteration, total=series.total_iters))
        if state == "failed":
            self.banner.show_error(self.tr("This run failed: {error}").format(error=message), _failure_details(events))
        self._update_buttons(self.controller.state)

    # --- events ----------------------------------------------------------------
    def _on_run_started(self, run_dir: Path) -> None:
        self._shown_run = run_dir
        self.rank_logs.set_run(run_dir)
        self.state.set_current_run(run_dir)
        self.state.notify_runs_changed()
        self._log_line(self.tr("Run folder: {path}").format(path=run_dir))

    def on_event(self, event) -> None:
        self.plots.add_event(event)
        self.table.add_event(event)
        self._log(event)
        if isinstance(event, Started):
            self.banner.hide()
            self._started_at = time.time()
            self._start_iteration = event.start_iteration
            self._set_progress(event.start_iteration, event.total_iters)
            self._timer.start()
        elif isinstance(event, TrainReport):
            self._set_progress(event.iteration, self.plots.series.total_iters)
        elif isinstance(event, Status):
            self.banner.show_info(event.message)

    def _on_run_ended(self, event) -> None:
        self._timer.stop()
        self.rank_logs.set_run(self._shown_run)
        self._update_progress_label()
        if isinstance(event, Failed):
            self.banner.show_error(self.tr("Training failed: {error}").format(error=event.error), event.details)
        elif isinstance(event, Stopped):
            self.banner.show_info(self.tr("Stopped after step {step}; the adapter is saved. Continue the run at any time.").format(step=event.iteration))
        elif isinstance(event, Finished):
            self.banner.show_success(self.tr("Finished {steps} steps. Chat with the adapter or read the report.").format(steps=event.iteration))
        self.state.notify_runs_changed()

    def _on_error(self, message: str) -> None:
        self.banner.show_error(self.tr("Could not start: {error}").format(error=message))

    # --- text ------------------------------------------------------------------
    def _log(self, event) -> None:
        line = describe_event(event, core_language())
        if line:
            self._log_line(line)

    def _log_line(self, line: str) -> None:
        self.log.appendPlainText(f"{time.strftime('%H:%M:%S')}  {line}")

    def _set_progress(self, iteration: int, total: int) -> None:
        self.progress.setMaximum(max(total, 1))
        self.progress.setValue(min(iteration, max(total, 1)))
        self._update_progress_label()

    def _update_progress_label(self) -> None:
        if self._started_at is None or not self.controller.busy:
            return
        series = self.plots.series
        done = series.last_iteration - self._start_iteration
        elapsed = time.time() - self._started_at
        eta = eta_seconds(elapsed, done, series.total_iters - series.last_iteration)
        speed = self.tr(" · {tps:,.0f} tokens/s").format(tps=series.tokens_per_second[-1]) if series.tokens_per_second else ""
        self.progress_label.setText(
            self.tr("Step {step} of {total} · {elapsed} elapsed · ETA {eta}").format(
                step=series.last_iteration, total=series.total_iters, elapsed=format_duration(elapsed), eta=format_duration(eta)
            ) + speed
        )

    def _update_idle_text(self) -> None:
        if self.controller.busy:
            return
        config = self.state.config
        model = Path(config.model).name or self.tr("(no model)")
        data = short_name(config.data) or self.tr("(no data)")
        self.status_label.setText(self.tr("Ready: {model} on {data}, {iters} steps").format(model=model, data=data, iters=config.iters))

    def _update_buttons(self, state: str) -> None:
        busy = state != tc.IDLE
        self.start_button.setEnabled(not busy)
        self.pause_button.setEnabled(state in (tc.RUNNING, tc.PAUSED))
        self.pause_button.setText(self.tr("Resume") if state == tc.PAUSED else self.tr("Pause"))
        self.stop_button.setEnabled(state in (tc.RUNNING, tc.PAUSED, tc.STARTING))
        run = self.state.current_run
        can_continue = False
        if not busy and run is not None:
            from lorastudio.core.tuner.resume_state import latest

            run_state, _ = runs.effective_state(run)
            can_continue = run_state in ("stopped", "failed") and latest(run) is not None
        self.continue_button.setEnabled(can_continue)
        labels = {
            tc.IDLE: "", tc.STARTING: self.tr("Starting…"), tc.RUNNING: self.tr("Training…"),
            tc.PAUSED: self.tr("Paused"), tc.STOPPING: self.tr("Stopping after this step…"),
        }
        if busy:
            self.status_label.setText(labels.get(state, state))
        else:
            self._update_idle_text()


def _failure_details(events) -> str:
    for event in reversed(events):
        if isinstance(event, Failed):
            return event.details
    return ""
