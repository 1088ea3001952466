"""The Report panel: the training report of the selected run, in the window, and its export.

It shows ``AppState.current_run``'s report (the core's ``lorastudio.core.report.writer``)
as a rich-text document with its loss and throughput charts, in English or
Chinese, in the palette's colours (``report_view``). Reading the run and
building the report happen on a worker thread (``ui.tasks.LatestTask``: the
newest request wins) while a busy bar runs; the report is rebuilt when
another run is selected, when the language changes, when the shown run's
training ends, and on Refresh. A run
still training shows its report so far, with a note. Export writes Markdown
(with its charts), the self-contained HTML page or an A4 PDF
(``report_export``, also on a worker thread). GUI thread.
"""

from __future__ import annotations

import sys
from pathlib import Path

from PySide6.QtCore import QEvent, QProcess, Qt, QTimer, QUrl, Signal
from PySide6.QtGui import QTextCursor, QDesktopServices
from PySide6.QtWidgets import (
    QComboBox,
    QFileDialog,
    QHBoxLayout,
    QLabel,
    QMenu,
    QProgressBar,
    QPushButton,
    QStackedWidget,
    QStyle,
    QTextBrowser,
    QVBoxLayout,
    QWidget,
)

from lorastudio.ui.i18n import resolve_language
from lorastudio.ui.panels import report_view as rv
from lorastudio.ui.tasks import LatestTask, Task
from lorastudio.ui.widgets.banner import Banner

ACTIVE_STATES = ("starting", "running", "paused")
MAX_TEXT_WIDTH = 900  # a readable column on a wide window; the rest is margin
MIN_MARGIN = 18


def reveal_in_file_manager(path: Path) -> None:
    """Show ``path`` selected in Finder (macOS), or open its folder elsewhere."""
    if sys.platform == "darwin":
        QProcess.startDetached("open", ["-R", str(path)])
    else:
        QDesktopServices.openUrl(QUrl.fromLocalFile(str(path.parent)))


class EmptyState(QWidget):
    """What the page says when no run is selected, with the two ways to get one."""

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        title = QLabel(self.tr("No run selected"))
        title.setStyleSheet("font-size: 16pt; font-weight: 600;")
        title.setAlignment(Qt.AlignmentFlag.AlignCenter)
        text = QLabel(self.tr(
            "The report of a run appears here: its settings, the loss and speed at every step, the charts, "
            "and advice for the next run.\n\nPick a run on the Runs page (or under Recent runs in the sidebar), "
            "or train one on the Train page."))
        text.setObjectName("muted")
        text.setWordWrap(True)
        text.setAlignment(Qt.AlignmentFlag.AlignCenter)
        text.setMinimumWidth(300)
        text.setMaximumWidth(460)
        self.runs_button = QPushButton(self.tr("Open Runs"))
        self.runs_button.setToolTip(self.tr("Every run with its state and losses; select one to read its report"))
        self.train_button = QPushButton(self.tr("Go to Train"))
        self.train_button.setToolTip(self.tr("Train a run with the current model, data and parameters"))
        buttons = QHBoxLayout()
        buttons.addStretch(1)
        buttons.addWidget(self.runs_button)
        buttons.addWidget(self.train_button)
        buttons.addStretch(1)
        layout = QVBoxLayout(self)
        layout.addStretch(2)
        layout.addWidget(title)
        layout.addSpacing(6)
        # Centred by stretches, not by an alignment flag: an aligned label loses its
        # height-for-width and clips its wrapped lines.
        centred = QHBoxLayout()
        centred.addStretch(1)
        centred.addWidget(text, 4)
        centred.addStretch(1)
        layout.addLayout(centred)
        layout.addSpacing(14)
        layout.addLayout(buttons)
        layout.addStretch(3)


class ReportPanel(QWidget):
    report_shown = Signal(object)  # the run folder whose report is now on screen, or None (empty state)
    report_failed = Signal(str)  # the report could not be built
    exported = Signal(object)  # list[Path]: the files an export wrote, the report first
    show_runs_requested = Signal()
    train_requested = Signal()

    def __init__(self, state, training, settings, parent: QWidget | None = None):
        super().__init__(parent)
        self.state = state
        self.training = training
        self.settings = settings
        self.data: rv.ReportData | None = None  # the report on screen
        self.last_export: Path | None = None
        self._loader = LatestTask(self)  # builds the report: only the newest request's is shown
        self._exporting: Task | None = None
        self._position = 0.0  # scroll position (fraction) to restore once a rebuilt report is in
        self._geometry: tuple[int, int, float] | None = None  # (margin, chart width, pixel ratio) shown
        self._colors = None  # the colour set the shown document was built with

        toolbar = self._build_toolbar()
        self._build_layout(toolbar)

        # Resizes and palette changes come in bursts: lay the report out again once they settle.
        self._relayout = QTimer(self)
        self._relayout.setSingleShot(True)
        self._relayout.setInterval(120)
        self._relayout.timeout.connect(lambda: self._present(force=False))

        self._connect()
        self._update_busy()
        self._on_current_run(state.current_run)

    # --- building --------------------------------------------------------------
    def _build_toolbar(self) -> QHBoxLayout:
        """Language, Refresh, the busy bar, Show in Finder and Export, in one row."""
        self.language = QComboBox()
        self.language.addItem("English", "en")  # each language named in itself: not translated
        self.language.addItem("中文", "zh")
        self.language.setToolTip(self.tr("The language of the report (the numbers are the same in both)"))
        app_language = resolve_language(self.settings.language())
        self.language.setCurrentIndex(1 if app_language.startswith("zh") else 0)
        self.refresh_button = QPushButton(self.tr("Refresh"))
        self.refresh_button.setToolTip(self.tr("Read the run folder again and rebuild the report"))
        self.busy_bar = QProgressBar()
        self.busy_bar.setRange(0, 0)
        self.busy_bar.setFixedSize(90, 6)
        self.busy_bar.setTextVisible(False)
        self.busy_label = QLabel()
        self.busy_label.setObjectName("muted")
        self.export_button = QPushButton(self.tr("Export"))
        self.export_button.setToolTip(self.tr("Save the report as Markdown (with its charts), a web page or a PDF"))
        menu = QMenu(self.export_button)
        self.export_actions = {
            "md": menu.addAction(self.tr("Markdown and Charts…"), lambda: self.export_report("md")),
            "html": menu.addAction(self.tr("Web Page (HTML)…"), lambda: self.export_report("html")),
            "pdf": menu.addAction(self.tr("PDF (A4)…"), lambda: self.export_report("pdf")),
        }
        self.export_button.setMenu(menu)
        reveal = self.tr("Show in Finder") if sys.platform == "darwin" else self.tr("Open Folder")
        self.reveal_button = QPushButton(reveal)
        self.reveal_button.setToolTip(self.tr("Show the last exported report in its folder"))
        self.reveal_button.hide()

        toolbar = QHBoxLayout()
        toolbar.addWidget(QLabel(self.tr("Language:")))
        toolbar.addWidget(self.language)
        toolbar.addWidget(self.refresh_button)
        toolbar.addSpacing(10)
        toolbar.addWidget(self.busy_bar)
        toolbar.addWidget(self.busy_label)
        toolbar.addStretch(1)
        toolbar.addWidget(self.reveal_button)
        toolbar.addWidget(self.export_button)
        return toolbar

    def _build_layout(self, toolbar: QHBoxLayout) -> None:
        """The toolbar over the banner over the report (or the empty state)."""
        self.banner = Banner(self)
        self.browser = QTextBrowser()
        self.browser.setOpenLinks(False)
        self.browser.setMinimumWidth(360)
        self.empty = EmptyState()
        self.stack = QStackedWidget()
        self.stack.addWidget(self.empty)
        self.stack.addWidget(self.browser)

        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addLayout(toolbar)
        layout.addWidget(self.banner)
        layout.addWidget(self.stack, 1)

    def _connect(self) -> None:
        """Buttons, the report's builder, and the app's state and training."""
        self.refresh_button.clicked.connect(self.refresh)
        self.language.currentIndexChanged.connect(lambda _: self.refresh())
        self.reveal_button.clicked.connect(self.reveal_export)
        self.empty.runs_button.clicked.connect(self.show_runs_requested)
        self.empty.train_button.clicked.connect(self.train_requested)
        self.browser.viewport().installEventFilter(self)
        self._loader.result.connect(self._on_loaded)
        self._loader.failed.connect(self._on_load_failed)
        self._loader.running_changed.connect(self._update_busy)
        self.state.current_run_changed.connect(self._on_current_run)
        self.training.run_started.connect(self._on_run_boundary)
        self.training.run_ended.connect(self._on_run_boundary)

    # --- what is shown ---------------------------------------------------------
    @property
    def lang(self) -> str:
        return self.language.currentData()

    @property
    def loading(self) -> bool:
        return self._loader.running

    @property
    def exporting(self) -> bool:
        return self._exporting is not None

    def refresh(self) -> None:
        """Rebuild the shown run's report (keeping the reading position)."""
        self._load(keep_position=True)

    def _on_current_run(self, run_dir) -> None:
        self._load(keep_position=False)

    def _on_run_boundary(self, *_) -> None:
        """A run started (a stopped one continued) or ended: rebuild its report if it is the one shown."""
        run = self.state.current_run
        if run is not None and self.training.run_dir is not None and Path(self.training.run_dir) == Path(run):
            self.refresh()

    def _load(self, keep_position: bool) -> None:
        run = self.state.current_run
        if run is None:
            self._show_empty()
            return
        same_run = self.data is not None and self.data.run_dir == Path(run)
        if self._loader.running and same_run and keep_position:
            # The report in flight is still worth showing: build it once more when it is in.
            self._loader.again(self.refresh)
            return
        self._position = self._scroll_fraction() if same_run and keep_position else 0.0
        if not same_run:
            self.data = None
            self.banner.hide()
            self.browser.clear()
            self.stack.setCurrentWidget(self.browser)
        # A report still in flight was asked for before this (another run, or a fresh look): it is dropped.
        self._loader.run(rv.load_report, Path(run), self.lang)
        self._update_busy()

    def _on_loaded(self, data: rv.ReportData) -> None:
        self.data = data
        self.stack.setCurrentWidget(self.browser)
        self._present(force=True)
        self._show_state_note(data)
        self._update_busy()  # Export needs a report
        self.report_shown.emit(data.run_dir)

    def _on_load_failed(self, message: str, details: str) -> None:
        self.banner.show_error(self.tr("Could not build the report: {error}").format(error=message), details)
        self.report_failed.emit(message)

    def _show_empty(self) -> None:
        self._loader.cancel()
        self.data = None
        self.banner.hide()
        self.browser.clear()
        self.stack.setCurrentWidget(self.empty)
        self._update_busy()
        self.report_shown.emit(None)

    def _show_state_note(self, data: rv.ReportData) -> None:
        training_it = self.training.busy and self.training.run_dir is not None and Path(self.training.run_dir) == data.run_dir
        if training_it or data.state in ACTIVE_STATES:
            self.banner.show_info(self.tr(
                "This run is still training (step {step} of {total}): this is its report so far. It is rebuilt when "
                "the training ends; Refresh rebuilds it now.").format(step=data.iteration, total=data.total_iters))
        elif self.banner.kind == "info" or self.banner.kind == "error":
            self.banner.hide()

    # --- layout and colours ----------------------------------------------------
    def _geometry_now(self) -> tuple[int, int, float]:
        width = self.browser.viewport().width()
        bar = self.browser.verticalScrollBar()
        if not bar.isVisible() and not self.style().styleHint(QStyle.StyleHint.SH_ScrollBar_Transient, None, bar):
            # A report is taller than the page: leave room for the scroll bar that is about to appear,
            # or the first layout is a few pixels too wide and flashes a horizontal one.
            width -= bar.sizeHint().width()
        margin = max(MIN_MARGIN, (width - MAX_TEXT_WIDTH) // 2)
        chart = max(280, min(rv.CHART_WIDTH, width - 2 * margin - 6))
        return margin, chart, self.browser.devicePixelRatioF()

    def _present(self, force: bool) -> None:
        """Lay the loaded report out for the browser's width, pixel ratio and palette."""
        if self.data is None:
            return
        geometry = self._geometry_now()
        colors = rv.colors_for(self.browser.palette())
        if not force and geometry == self._geometry and colors == self._colors:
            return
        if not force:
            self._position = self._scroll_fraction()
        self._geometry, self._colors = geometry, colors
        margin, chart_width, ratio = geometry
        document = self.browser.document()
        font = self.browser.font()
        style = rv.Style(colors, max(10.5, font.pointSizeF()), chart_width)
        rv.fill_document(document, self.data, style, ratio, font)
        frame = document.rootFrame().frameFormat()
        frame.setMargin(MIN_MARGIN)
        frame.setLeftMargin(margin)
        frame.setRightMargin(margin)
        frame.setBottomMargin(2 * MIN_MARGIN)
        document.rootFrame().setFrameFormat(frame)
        # Filling the document leaves the browser's text cursor at its end, and a
        # browser scrolls to its cursor when shown: park the cursor at the top.
        self.browser.moveCursor(QTextCursor.MoveOperation.Start)
        self._restore_position()

    def _scroll_fraction(self) -> float:
        bar = self.browser.verticalScrollBar()
        return bar.value() / bar.maximum() if bar.maximum() > 0 else 0.0

    def _restore_position(self) -> None:
        document = self.browser.document()
        document.documentLayout().blockBoundingRect(document.lastBlock())  # lays the whole document out now
        bar = self.browser.verticalScrollBar()
        bar.setValue(round(self._position * bar.maximum()))

    def eventFilter(self, watched, event) -> bool:
        if watched is self.browser.viewport() and event.type() == QEvent.Type.Resize and self.data is not None:
            self._relayout.start()
        return super().eventFilter(watched, event)

    def changeEvent(self, event) -> None:
        if event.type() in (QEvent.Type.PaletteChange, QEvent.Type.ApplicationPaletteChange) and self.data is not None:
            self._relayout.start()
        super().changeEvent(event)

    def chart_images(self) -> list[tuple[str, object]]:
        """The charts in the shown document, as (resource name, QImage), in document order."""
        return rv.chart_images(self.browser.document())

    # --- export ----------------------------------------------------------------
    def export_report(self, fmt: str) -> None:
        """Ask where, then write the report as ``fmt`` ("md", "html" or "pdf") off the GUI thread."""
        if self.data is None or self._exporting is not None:
            return
        from lorastudio.ui.panels import report_export as rx  # here: QPdfWriter and the core's writer only when used

        titles = {"md": self.tr("Export Report as Markdown"), "html": self.tr("Export Report as a Web Page"),
                  "pdf": self.tr("Export Report as PDF")}
        filters = {"md": self.tr("Markdown (*.md)"), "html": self.tr("Web page (*.html)"), "pdf": self.tr("PDF document (*.pdf)")}
        folder = Path(self.settings.last_directory() or Path.home())
        start = folder / rx.default_file_name(self.data.name, self.lang, fmt)
        chosen, _ = QFileDialog.getSaveFileName(self, titles[fmt], str(start), filters[fmt])
        if not chosen:
            return
        dest = rx.with_suffix(chosen, fmt)
        self.settings.set_last_directory(str(dest.parent))
        task = Task(rx.export, self.data.run_dir, self.lang, fmt, dest, self.browser.font().family())
        task.result.connect(self._on_exported)
        task.failed.connect(self._on_export_failed)
        task.done.connect(self._on_export_done)
        self._exporting = task.start()
        self._update_busy()

    def _on_exported(self, files: list[Path]) -> None:
        self.last_export = Path(files[0])
        self.reveal_button.show()
        self.banner.show_success(self.tr("Exported the report to {path}").format(path=self.last_export))
        self.exported.emit(list(files))

    def _on_export_failed(self, message: str, details: str) -> None:
        self.banner.show_error(self.tr("Could not export the report: {error}").format(error=message), details)

    def _on_export_done(self) -> None:
        self._exporting = None
        self._update_busy()

    def reveal_export(self) -> None:
        if self.last_export is not None:
            reveal_in_file_manager(self.last_export)

    def _update_busy(self, *_) -> None:
        busy = self._loader.running or self._exporting is not None
        self.busy_bar.setVisible(busy)
        self.busy_label.setText(
            self.tr("Exporting…") if self._exporting is not None else self.tr("Building the report…") if busy else "")
        has_run = self.state.current_run is not None
        self.refresh_button.setEnabled(has_run)
        self.export_button.setEnabled(self.data is not None and self._exporting is None)
