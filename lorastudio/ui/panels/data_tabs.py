"""The three tabs of the Data panel: Problems, Preview and Token lengths.

Each tab lays out its widgets and draws what the panel hands it; the panel
(``data_panel.py``) owns the configuration and the checking, tokenizing
jobs. The Problems tab reads the lines around a problem itself, in the
background, and says the core's problems in the interface language. GUI thread.
"""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QUrl, Qt, Signal
from PySide6.QtGui import QDesktopServices
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QFrame,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QSpinBox,
    QSplitter,
    QStackedWidget,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from lorastudio.ui.i18n import core_language
from lorastudio.ui.panels import data_jobs
from lorastudio.ui.tasks import LatestTask
from lorastudio.ui.widgets.file_lines import FileLinesView
from lorastudio.ui.widgets.length_histogram import LengthHistogram, StatsTable
from lorastudio.ui.widgets.problem_list import ProblemList
from lorastudio.ui.widgets.token_preview import TokenPreview


def _message_label(text: str = "") -> QLabel:
    label = QLabel(text)
    label.setObjectName("muted")
    label.setWordWrap(True)
    label.setAlignment(Qt.AlignmentFlag.AlignCenter)
    label.setMargin(24)
    return label


def _problem_path(problem, report) -> Path | None:
    """The file a problem is in: a file of the folder, or the single file; None for the dataset as a whole."""
    if report is None:
        return None
    base = Path(report.path)
    path = base / problem.file if base.is_dir() else base if problem.file == base.name else None
    return path if path is not None and path.is_file() else None


class ForeignNote(QFrame):
    """Above the tabs when the dataset is in a foreign format: what it is, and Convert…."""

    convert_requested = Signal()

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self.setObjectName("card")
        self.label = QLabel()
        self.label.setWordWrap(True)
        self.button = QPushButton(self.tr("Convert…"))
        self.button.setToolTip(self.tr("Write it as an mlx-lm dataset folder (train/valid/test.jsonl) and use that"))
        self.button.clicked.connect(self.convert_requested)
        row = QHBoxLayout(self)
        row.setContentsMargins(10, 6, 10, 6)
        row.addWidget(self.label, 1)
        row.addWidget(self.button)
        self.hide()

    def show_source(self, what: str) -> None:
        self.label.setText(self.tr("{what}: not a format mlx-lm reads as it is. Convert it into a dataset folder "
                                   "to train on it.").format(what=what))
        self.show()


class ProblemsTab(QWidget):
    """The problems, and the selected problem's line in its file."""

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self.list = ProblemList()
        self.lines = FileLinesView()
        self.where = QLabel()
        self.where.setWordWrap(True)
        self.where.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.open_button = QPushButton(self.tr("Open File"))
        self.open_button.setToolTip(self.tr("Open the file in its default app to fix it, then choose Check Again"))
        self.open_button.clicked.connect(self._open_file)
        self.open_button.setEnabled(False)
        self.file_path = ""
        self.problem = None
        self.lines_job = LatestTask(self)
        self.lines_job.result.connect(self._on_lines)
        bar = QHBoxLayout()
        bar.setContentsMargins(0, 4, 0, 0)
        bar.addWidget(self.where, 1)
        bar.addWidget(self.open_button)
        bottom = QWidget()
        bottom_layout = QVBoxLayout(bottom)
        bottom_layout.setContentsMargins(0, 0, 0, 0)
        bottom_layout.addLayout(bar)
        bottom_layout.addWidget(self.lines, 1)
        splitter = QSplitter(Qt.Orientation.Vertical)
        splitter.addWidget(self.list)
        splitter.addWidget(bottom)
        splitter.setStretchFactor(0, 1)
        splitter.setStretchFactor(1, 1)
        splitter.setChildrenCollapsible(False)
        self.empty = _message_label(self.tr("No problems: every line of every file can be trained on."))
        self.stack = QStackedWidget()
        self.stack.addWidget(self.empty)
        self.stack.addWidget(splitter)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(8, 8, 8, 8)
        layout.addWidget(self.stack)

    def set_problems(self, problems, groups=None) -> None:
        """Show ``problems``; with ``groups`` (the core's ``ProblemGroup``s) one found on many lines is one row."""
        if groups is None:
            self.list.set_problems(problems)
        else:
            self.list.set_groups(groups, problems)
        self.stack.setCurrentIndex(1 if problems else 0)
        self.lines.show_message("")
        self.where.setText(self.tr("Select a problem to see its line."))
        self.open_button.setEnabled(False)

    def show_problem(self, problem, report) -> None:
        """Show the lines around ``problem`` in its file of ``report`` (read in the background)."""
        self.problem = problem
        path = _problem_path(problem, report)
        self._show_location(str(path) if path else "", problem)
        if path is None:
            self.lines.show_message(self.tr("This problem is about the dataset as a whole, not one line."))
            return
        self.lines_job.run(data_jobs.read_lines_around, str(path), problem.line)

    def _on_lines(self, lines) -> None:
        if lines.error:
            self.lines.show_message(self.tr("Cannot read the file: {error}").format(error=lines.error))
        elif self.problem is not None:
            self.lines.show_lines(lines, self.problem.line, self.problem.severity)

    def _show_location(self, path: str, problem) -> None:
        self.file_path = path
        self.open_button.setEnabled(bool(path))
        message = problem.text(core_language())
        if problem.line is None:
            self.where.setText(self.tr("{file} (the whole file): {message}").format(file=problem.file, message=message))
        else:
            self.where.setText(self.tr("{file}, line {line}: {message}").format(
                file=problem.file, line=f"{problem.line:,}", message=message))

    def _open_file(self) -> None:
        if self.file_path:
            QDesktopServices.openUrl(QUrl.fromLocalFile(self.file_path))


class PreviewTab(QWidget):
    """One example as the model sees it, with the split and example pickers and the mask toggle."""

    example_changed = Signal()
    mask_toggled = Signal(bool)

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self.split = QComboBox()
        self.split.setToolTip(self.tr("Which split to take examples from"))
        self.split.setMinimumWidth(130)
        self.index = QSpinBox()
        self.index.setMinimum(1)
        self.index.setMinimumWidth(80)
        self.index.setToolTip(self.tr("Example number in the split"))
        self.count = QLabel()
        self.previous = QToolButton()
        self.previous.setArrowType(Qt.ArrowType.LeftArrow)
        self.previous.setToolTip(self.tr("Previous example"))
        self.next = QToolButton()
        self.next.setArrowType(Qt.ArrowType.RightArrow)
        self.next.setToolTip(self.tr("Next example"))
        self.location = QLabel()
        self.location.setObjectName("muted")
        self.location.setAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        self.mask = QCheckBox(self.tr("Train on answers only (mask the prompt)"))
        self.mask.setToolTip(self.tr("Compute the loss on the answer only, not on the prompt (mask_prompt). "
                                     "Greyed tokens carry no loss."))
        bar = QHBoxLayout()
        bar.addWidget(self.split)
        bar.addSpacing(6)
        bar.addWidget(self.previous)
        bar.addWidget(self.index)
        bar.addWidget(self.count)
        bar.addWidget(self.next)
        bar.addStretch(1)
        bar.addWidget(self.mask)
        self.note = QLabel()
        self.note.setObjectName("muted")
        self.note.setWordWrap(True)
        self.note.hide()
        self.view = TokenPreview()
        self.legend = QLabel()
        self.legend.setTextFormat(Qt.TextFormat.RichText)
        self.numbers = QLabel()
        self.numbers.setObjectName("muted")
        foot = QHBoxLayout()
        foot.addWidget(self.legend)
        foot.addSpacing(12)
        foot.addWidget(self.location, 1)
        foot.addSpacing(12)
        foot.addWidget(self.numbers)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(8, 8, 8, 8)
        layout.addLayout(bar)
        layout.addWidget(self.note)
        layout.addWidget(self.view, 1)
        layout.addLayout(foot)
        self.split.currentIndexChanged.connect(self._on_split)
        self.index.valueChanged.connect(lambda _: self.example_changed.emit())
        self.previous.clicked.connect(lambda: self.index.setValue(self.index.value() - 1))
        self.next.clicked.connect(lambda: self.index.setValue(self.index.value() + 1))
        self.mask.toggled.connect(self.mask_toggled)
        self._sizes: dict[str, int] = {}
        self.set_splits({})

    def set_splits(self, sizes: dict[str, int]) -> None:
        """Offer the splits that have examples, keeping the current choice when it still exists."""
        names = {"train": self.tr("Train"), "valid": self.tr("Validation"), "test": self.tr("Test")}
        current = self.split.currentData()
        self.split.blockSignals(True)
        self.split.clear()
        for name, size in sizes.items():
            if size:
                self.split.addItem(self.tr("{split} ({count})").format(split=names.get(name, name), count=f"{size:,}"), name)
        found = self.split.findData(current)
        self.split.setCurrentIndex(found if found >= 0 else 0)
        self.split.blockSignals(False)
        self._sizes = sizes
        self._on_split(emit=False)

    def current(self) -> tuple[str | None, int]:
        """(split, 0-based index) of the example on show."""
        return self.split.currentData(), self.index.value() - 1

    def _on_split(self, *_args, emit: bool = True) -> None:
        size = self._sizes.get(self.split.currentData(), 0)
        self.index.blockSignals(True)
        self.index.setMaximum(max(size, 1))
        self.index.blockSignals(False)
        self.count.setText(self.tr("of {count}").format(count=f"{size:,}"))
        for widget in (self.index, self.previous, self.next, self.split):
            widget.setEnabled(size > 0)
        if emit:
            self.example_changed.emit()

    def update_buttons(self) -> None:
        self.previous.setEnabled(self.index.value() > self.index.minimum())
        self.next.setEnabled(self.index.value() < self.index.maximum())


class LengthsTab(QWidget):
    """The token-length histogram of the training split, the max_seq_length control and the numbers."""

    max_seq_length_changed = Signal(int)

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self.max_seq_length = QSpinBox()
        self.max_seq_length.setRange(2, 1_048_576)
        self.max_seq_length.setSingleStep(128)
        self.max_seq_length.setSuffix(self.tr(" tokens"))
        self.max_seq_length.setMinimumWidth(120)
        self.max_seq_length.setKeyboardTracking(False)
        self.max_seq_length.setToolTip(self.tr("Longer examples are truncated to this many tokens (max_seq_length); "
                                               "their end is never trained"))
        label = QLabel(self.tr("Max sequence length:"))
        label.setBuddy(self.max_seq_length)
        self.caption = QLabel()
        self.caption.setObjectName("muted")
        self.caption.setWordWrap(True)
        bar = QHBoxLayout()
        bar.addWidget(label)
        bar.addWidget(self.max_seq_length)
        bar.addSpacing(12)
        bar.addWidget(self.caption, 1)
        self.histogram = LengthHistogram()
        self.table = StatsTable()
        content = QWidget()
        row = QHBoxLayout(content)
        row.setContentsMargins(0, 0, 0, 0)
        row.addWidget(self.histogram, 1)
        side = QVBoxLayout()
        side.addWidget(self.table)
        side.addStretch(1)
        row.addLayout(side)
        self.message = _message_label()
        self.stack = QStackedWidget()
        self.stack.addWidget(self.message)
        self.stack.addWidget(content)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(8, 8, 8, 8)
        layout.addLayout(bar)
        layout.addWidget(self.stack, 1)
        self.max_seq_length.valueChanged.connect(self.max_seq_length_changed)

    def show_message(self, text: str) -> None:
        self.message.setText(text)
        self.stack.setCurrentIndex(0)

    def show_stats(self, stats, max_seq_length: int) -> None:
        train = stats.splits.get("train")
        self.histogram.show_stats(train, max_seq_length)
        self.table.show_stats(stats)
        self.stack.setCurrentIndex(1)

    def set_limit(self, value: int) -> None:
        self.max_seq_length.blockSignals(True)
        self.max_seq_length.setValue(value)
        self.max_seq_length.blockSignals(False)
        self.histogram.set_max_seq_length(value)
