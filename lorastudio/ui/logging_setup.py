"""The app's log file (macOS ~/Library/Logs/LoRA Studio/lorastudio.log) and uncaught errors.

``setup_logging()`` sends Python logging to the log file; ``install_excepthook``
turns an uncaught exception on the GUI thread into a dialog with the details
instead of a closed window. GUI thread.
"""

from __future__ import annotations

import logging
import logging.handlers
import sys
import traceback
from pathlib import Path

from lorastudio.core.paths import log_dir


def log_file() -> Path:
    return log_dir() / "lorastudio.log"


def setup_logging() -> Path:
    path = log_file()
    path.parent.mkdir(parents=True, exist_ok=True)
    handler = logging.handlers.RotatingFileHandler(path, maxBytes=2_000_000, backupCount=3, encoding="utf-8")
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    root = logging.getLogger()
    if not any(isinstance(h, logging.handlers.RotatingFileHandler) for h in root.handlers):
        root.addHandler(handler)
    root.setLevel(logging.INFO)
    return path


def install_excepthook(parent_getter) -> None:
    """Show uncaught exceptions in a dialog (and log them) instead of quitting."""

    def hook(kind, value, tb):
        details = "".join(traceback.format_exception(kind, value, tb))
        logging.getLogger("lorastudio").error("Uncaught exception:\n%s", details)
        try:
            from lorastudio.ui.dialogs import show_error_details

            show_error_details(parent_getter(), str(value) or kind.__name__, details)
        except Exception:  # noqa: BLE001 - never let the hook itself crash
            sys.__excepthook__(kind, value, tb)

    sys.excepthook = hook
