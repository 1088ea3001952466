"""The app's log file (macOS ~/Library/Logs/LoRA Studio/lorastudio.log) and uncaught errors.

``setup_logging()`` sends Python logging to the log file and points
``faulthandler`` at ``crash.log`` beside it, so even a hard crash (a
segfault, an abort) leaves a trace: a packaged app has no console.
``install_excepthook`` turns an uncaught exception into a dialog with the
details instead of a closed window: on the GUI thread (a Qt slot, which
PySide6 hands to ``sys.excepthook`` while the event loop runs), on a QThread
and on a Python thread alike; errors from other threads travel to the GUI
thread through a queued signal, because widgets may only be made there.

Call both on the GUI thread, after the QApplication exists.
"""

from __future__ import annotations

import faulthandler
import logging
import logging.handlers
import os
import sys
import threading
import time
import traceback
from pathlib import Path

from PySide6.QtCore import QObject, Signal, Slot

from lorastudio.core.base.paths import log_dir
from lorastudio.ui import error_dialog

CRASH_LOG = "crash.log"
_CRASH_LOG_MAX = 1_000_000
_kept: dict = {}  # the crash log's open file and the error relay: kept alive for the process


def log_file() -> Path:
    return log_dir() / "lorastudio.log"


def setup_logging() -> Path:
    """Log to the log file (rotated at 2 MB, 3 kept); return its path. Safe to call again."""
    path = log_file()
    path.parent.mkdir(parents=True, exist_ok=True)
    root = logging.getLogger()
    for old in [h for h in root.handlers if getattr(h, "_lorastudio", False)]:
        if old.baseFilename == os.path.abspath(path):
            return path
        root.removeHandler(old)  # the log folder moved (LORASTUDIO_HOME changed): follow it
        old.close()
    handler = logging.handlers.RotatingFileHandler(path, maxBytes=2_000_000, backupCount=3, encoding="utf-8")
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    handler._lorastudio = True
    root.addHandler(handler)
    root.setLevel(logging.INFO)
    _enable_crash_log(path.parent / CRASH_LOG)
    from lorastudio import __version__

    logging.getLogger("lorastudio").info(
        "LoRA Studio %s started (pid %d, %s, Python %s on %s)", __version__, os.getpid(),
        "frozen app" if getattr(sys, "frozen", False) else "from source", sys.version.split()[0], sys.platform)
    return path


def _enable_crash_log(path: Path) -> None:
    """Send faulthandler's tracebacks of a hard crash to ``path`` (unless something already set it up)."""
    if faulthandler.is_enabled() and "crash" not in _kept:
        return  # python -X faulthandler or pytest: leave their choice alone
    try:
        mode = "w" if path.is_file() and path.stat().st_size > _CRASH_LOG_MAX else "a"
        f = open(path, mode, encoding="utf-8")
        f.write(f"--- pid {os.getpid()} started {time.strftime('%Y-%m-%d %H:%M:%S')}\n")
        f.flush()
    except OSError:
        return
    faulthandler.enable(file=f, all_threads=True)
    old = _kept.pop("crash", None)
    _kept["crash"] = f
    if old is not None:
        old.close()


class _ErrorRelay(QObject):
    """Lives on the GUI thread; an emit from any other thread is queued there."""

    error = Signal(str, str)

    def __init__(self, parent_getter):
        super().__init__()
        self._parent_getter = parent_getter
        self._showing = False
        self.error.connect(self.show)

    @Slot(str, str)
    def show(self, message: str, details: str) -> None:
        if self._showing:
            return  # one dialog at a time: a timer raising again must not stack dialogs (it is logged)
        self._showing = True
        try:
            error_dialog.show_error_details(self._parent_getter(), message, f"{details}\nLog file: {log_file()}")
        except Exception:  # noqa: BLE001 - never let the hook itself crash
            logging.getLogger("lorastudio").exception("Could not show the error dialog")
        finally:
            self._showing = False


def install_excepthook(parent_getter) -> None:
    """Show uncaught exceptions of any thread in a dialog (and log them) instead of quitting.

    ``parent_getter()`` returns the window the dialog belongs to (or None).
    """
    relay = _ErrorRelay(parent_getter)
    _kept["relay"] = relay

    def hook(kind, value, tb) -> None:
        if issubclass(kind, KeyboardInterrupt):
            sys.__excepthook__(kind, value, tb)
            return
        details = "".join(traceback.format_exception(kind, value, tb))
        logging.getLogger("lorastudio").error("Uncaught exception (thread %s):\n%s", threading.current_thread().name, details)
        if sys.stderr is not None:
            print(details, file=sys.stderr, end="")  # a terminal user sees it too
        try:
            relay.error.emit(str(value) or kind.__name__, details)
        except Exception:  # noqa: BLE001 - never let the hook itself crash
            sys.__excepthook__(kind, value, tb)

    def thread_hook(args) -> None:
        if args.exc_type is SystemExit:
            return
        hook(args.exc_type, args.exc_value, args.exc_traceback)

    sys.excepthook = hook
    threading.excepthook = thread_hook
