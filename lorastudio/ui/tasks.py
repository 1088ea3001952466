"""Run one function off the GUI thread and hear about it on the GUI thread.

``Task(fn, *args)`` runs ``fn(*args, progress=report)`` on Qt's global thread
pool when ``fn`` takes a ``progress`` keyword; ``report(text, fraction)``
emits ``progress`` and raises ``Cancelled`` once ``cancel()`` was called, so
long jobs (a GGUF import, a dataset's token statistics) stop at their next
progress report. ``result`` or ``failed`` is emitted exactly once, then
``done``. Signals arrive queued on the GUI thread; the function itself must
not touch widgets, and hands back only Python values (MLX arrays stay on the
pool thread that made them).
"""

from __future__ import annotations

import inspect
import threading
import traceback

from PySide6.QtCore import QObject, QRunnable, QThreadPool, Signal


class Cancelled(Exception):
    """Raised inside a task's progress callback after ``cancel()``."""


class Task(QObject):
    progress = Signal(str, float)
    result = Signal(object)
    failed = Signal(str, str)  # message for people, details (traceback)
    cancelled = Signal()
    done = Signal()

    def __init__(self, fn, *args, parent: QObject | None = None, **kwargs):
        super().__init__(parent)
        self._fn, self._args, self._kwargs = fn, args, kwargs
        self._cancel = threading.Event()
        self.running = False

    def start(self) -> "Task":
        self.running = True
        QThreadPool.globalInstance().start(_Runner(self))
        return self

    def cancel(self) -> None:
        self._cancel.set()

    @property
    def is_cancelled(self) -> bool:
        return self._cancel.is_set()

    def _report(self, text: str, fraction: float) -> None:
        if self._cancel.is_set():
            raise Cancelled()
        self._emit(self.progress, text, float(fraction))

    def _emit(self, signal, *args) -> None:
        # A task parented to a widget can outlive it (the window closed while
        # it ran): its signals then have no source, and nobody is listening.
        try:
            signal.emit(*args)
        except RuntimeError:
            self._cancel.set()

    def _run(self) -> None:
        kwargs = dict(self._kwargs)
        try:
            if "progress" in inspect.signature(self._fn).parameters:
                kwargs["progress"] = self._report
        except (TypeError, ValueError):
            pass
        try:
            value = self._fn(*self._args, **kwargs)
        except Cancelled:
            self._emit(self.cancelled)
        except Exception as exc:  # noqa: BLE001 - every failure reaches the window
            self._emit(self.failed, str(exc) or type(exc).__name__, traceback.format_exc())
        else:
            if self._cancel.is_set():
                self._emit(self.cancelled)
            else:
                self._emit(self.result, value)
        finally:
            self.running = False
            self._emit(self.done)


class _Runner(QRunnable):
    def __init__(self, task: Task):
        super().__init__()
        self.task = task  # holds the Task alive until it ran

    def run(self) -> None:
        self.task._run()
