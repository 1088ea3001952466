"""A strip that shows one long job at a time: what it is doing, a progress bar, and Cancel.

The job is a ``lorastudio.ui.tasks.Task`` (a download, a GGUF import, a
float32 copy); the strip starts it, follows its progress (a busy bar until
the first fraction arrives) and says how it ended with ``finished(kind,
outcome)``. Cancel asks the task to stop at its next progress report. GUI
thread; the job runs on Qt's thread pool.
"""

from __future__ import annotations

from PySide6.QtCore import Signal
from PySide6.QtWidgets import QFrame, QHBoxLayout, QLabel, QProgressBar, QPushButton, QVBoxLayout, QWidget

from lorastudio.ui.tasks import Task


class JobStrip(QFrame):
    progress = Signal(str, float)  # stage text, fraction
    failed = Signal(str, str)  # kind, message
    cancelled = Signal(str)  # kind
    finished = Signal(str, str)  # kind, outcome: "done", "failed" or "cancelled"

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self.setObjectName("banner")
        self.label = QLabel()
        self.label.setWordWrap(True)
        self.bar = QProgressBar()
        self.bar.setTextVisible(False)
        self.bar.setFixedHeight(8)
        self.cancel_button = QPushButton(self.tr("Cancel"))
        text = QVBoxLayout()
        text.addWidget(self.label)
        text.addWidget(self.bar)
        layout = QHBoxLayout(self)
        layout.setContentsMargins(12, 8, 12, 8)
        layout.setSpacing(12)
        layout.addLayout(text, 1)
        layout.addWidget(self.cancel_button)
        self.cancel_button.clicked.connect(self.cancel)
        self._task: Task | None = None
        self._kind = ""
        self._outcome = ""
        self._cancellable = True
        self.hide()

    @property
    def busy(self) -> bool:
        return self._task is not None

    @property
    def kind(self) -> str:
        return self._kind

    def start(self, kind: str, text: str, task: Task, cancellable: bool = True) -> bool:
        """Start ``task`` (not started yet) as the one job; False when another job runs.

        ``cancellable=False`` for jobs that cannot stop half-way (Cancel is shown disabled, with the reason).
        """
        if self._task is not None:
            return False
        self._task, self._kind, self._outcome, self._cancellable = task, kind, "done", cancellable
        task.progress.connect(self._on_progress)
        task.failed.connect(self._on_failed)
        task.cancelled.connect(self._on_cancelled)
        task.done.connect(self._on_done)
        self.label.setText(text)
        self.bar.setRange(0, 0)  # busy until the first fraction arrives
        self.cancel_button.setEnabled(cancellable)
        self.cancel_button.setToolTip(self.tr("Stop this job; nothing half-done is kept") if cancellable
                                      else self.tr("This step cannot be interrupted; it takes a few seconds to minutes"))
        self.show()
        task.start()
        return True

    def cancel(self) -> None:
        if self._task is not None and self._cancellable:
            self._task.cancel()
            self.cancel_button.setEnabled(False)
            self.label.setText(self.tr("Cancelling…"))

    def _on_progress(self, text: str, fraction: float) -> None:
        if self._task is None or self._task.is_cancelled:
            return
        if fraction > 0:
            self.bar.setRange(0, 1000)
            self.bar.setValue(int(fraction * 1000))
        if text:
            self.label.setText(text)
        self.progress.emit(text, fraction)

    def _on_failed(self, message: str, _details: str) -> None:
        self._outcome = "failed"
        self.failed.emit(self._kind, message)

    def _on_cancelled(self) -> None:
        self._outcome = "cancelled"
        self.cancelled.emit(self._kind)

    def _on_done(self) -> None:
        kind, outcome = self._kind, self._outcome
        self._task = None
        self.hide()
        self.finished.emit(kind, outcome)
