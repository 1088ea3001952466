"""Background work for the app: run a function off the GUI thread and hear about it on the GUI thread.

``Task(fn, *args)`` runs ``fn(*args, progress=report)`` on Qt's global thread
pool when ``fn`` takes a ``progress`` keyword; ``report(text, fraction)``
emits ``progress`` and raises ``Cancelled`` once ``cancel()`` was called, so
long jobs (a GGUF import, a dataset's token statistics) stop at their next
progress report. ``result`` or ``failed`` is emitted exactly once, then
``done``. Signals arrive queued on the GUI thread; the function itself must
not touch widgets, and hands back only Python values (MLX arrays stay on the
pool thread that made them). ``failed`` carries the error's message in the
interface language of the moment the task was made (``error_text``: the
core's errors that say themselves in Chinese do, see
``lorastudio.core.base.said``).

``LatestTask`` (GUI thread) is for work asked for again and again (a list,
a preview, a report): the newest request wins and older answers are dropped.
"""

from __future__ import annotations

import inspect
import threading
import traceback
from typing import Callable

from PySide6.QtCore import QObject, QRunnable, QThreadPool, Signal

from lorastudio.core.base.said import words
from lorastudio.ui.i18n import core_language


def error_text(exc: BaseException, lang: str | None = None) -> str:
    """What ``exc`` says to people, in ``lang`` ("en" or "zh") or else the interface language.

    A core error that says itself in a language (``lorastudio.core.base.said``)
    is translated, any other is shown as written. Without ``lang`` the language
    is read now: call it on the GUI thread, or read ``core_language()`` there
    first and pass it to a worker.
    """
    return words(exc, core_language() if lang is None else lang)


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
        self._lang = core_language()  # read here, on the GUI thread: the failure is said in it

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
            self._emit(self.failed, error_text(exc, self._lang), traceback.format_exc())
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


class LatestTask(QObject):
    """One kind of background job of which only the newest request counts. GUI thread.

    ``run(fn, *args)`` starts a ``Task``; a job of this kind still running is
    cancelled and its answers (result, failure, progress) are dropped, so a
    slow old answer never overwrites a newer one. Where the running job's
    answer is still worth having (a list read a moment ago), ``again(start)``
    keeps it and calls ``start()`` once it has been handed on: however many
    passes are asked for meanwhile, one follows. ``cancel`` and ``stop``
    drop the running job and the pass asked for.

    ``running`` is False again before ``result`` or ``failed`` is emitted, so
    a handler may start the next job. Connect bound methods of QObjects: Qt
    drops those connections when either side goes away first.
    """

    result = Signal(object)
    failed = Signal(str, str)  # message for people, details (traceback)
    progress = Signal(str, float)
    running_changed = Signal(bool)

    def __init__(self, parent: QObject | None = None):
        super().__init__(parent)
        self._task: Task | None = None  # the job whose answers count
        self._again: Callable[[], None] | None = None
        # Every job until its last signal is in: Qt names a signal's sender by its address, and a
        # job freed earlier could lend its address to the next one and pass for it.
        self._jobs: set[Task] = set()

    @property
    def running(self) -> bool:
        return self._task is not None

    @property
    def again_due(self) -> bool:
        """A pass asked for with ``again`` is still to start."""
        return self._again is not None

    def run(self, fn, *args) -> None:
        """Start ``fn(*args)`` now (see ``Task``); a job still running is cancelled, its answers dropped.

        A pass asked for with ``again`` stays due: it follows this job instead.
        """
        was_running = self.running
        self._drop()
        task = Task(fn, *args)
        self._task = task
        self._jobs.add(task)
        task.result.connect(self._on_result)
        task.failed.connect(self._on_failed)
        task.progress.connect(self._on_progress)
        task.done.connect(self._on_done)
        task.start()
        if not was_running:
            self.running_changed.emit(True)

    def again(self, start: Callable[[], None]) -> None:
        """Call ``start()`` once the running job has ended and its answer was handed on (now when none runs).

        A later ``again`` before then replaces ``start``: one pass follows, however often it was asked for.
        """
        if self._task is None:
            start()
        else:
            self._again = start

    def cancel(self) -> None:
        """Drop the running job and the pass asked for with ``again``, without a signal."""
        self._again = None
        self._drop()

    def stop(self) -> None:
        """Cancel and say so (nothing is running any more)."""
        was_running = self.running
        self.cancel()
        if was_running:
            self.running_changed.emit(False)

    def _drop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            self._task = None

    def _current(self) -> bool:
        return self._task is not None and self.sender() is self._task

    def _finish(self, signal=None, *args) -> None:
        # Not running any more before the answer is handed on: a handler may start the next job.
        self._task = None
        self.running_changed.emit(False)
        if signal is not None:
            signal.emit(*args)
        if self._task is None:  # else a handler started the next job: the pass follows that one
            start, self._again = self._again, None
            if start is not None:
                start()

    def _on_result(self, value) -> None:
        if self._current():
            self._finish(self.result, value)

    def _on_failed(self, message: str, details: str) -> None:
        if self._current():
            self._finish(self.failed, message, details)

    def _on_progress(self, text: str, fraction: float) -> None:
        if self._current():
            self.progress.emit(text, fraction)

    def _on_done(self) -> None:
        task = self.sender()
        if self._current():  # ended without an answer (cancelled from inside)
            self._finish()
        self._jobs.discard(task)
