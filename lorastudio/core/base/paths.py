"""Where LoRA Studio keeps its files: runs, imported models, logs, resources.

The data home is ``$LORASTUDIO_HOME`` when set; otherwise the platform's
place for application data (macOS ``~/Library/Application Support/LoRA
Studio``; Linux ``$XDG_DATA_HOME/lorastudio``, by default
``~/.local/share/lorastudio``). Runs live in ``<home>/runs``, imported models
in ``<home>/models``. Pure functions, any thread.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

APP_NAME = "LoRA Studio"


def data_home() -> Path:
    """The folder that holds runs and imported models."""
    override = os.environ.get("LORASTUDIO_HOME")
    if override:
        return Path(override).expanduser()
    if sys.platform == "darwin":
        return Path.home() / "Library" / "Application Support" / APP_NAME
    xdg = os.environ.get("XDG_DATA_HOME") or str(Path.home() / ".local" / "share")
    return Path(xdg) / "lorastudio"


def runs_root(override: str | os.PathLike | None = None) -> Path:
    """The folder that holds one subfolder per run (``--runs-dir`` wins)."""
    return Path(override).expanduser() if override else data_home() / "runs"


def models_root() -> Path:
    """The folder where imported and converted models are written."""
    return data_home() / "models"


def log_dir() -> Path:
    """The folder for the app's log file (macOS ``~/Library/Logs/LoRA Studio``)."""
    if sys.platform == "darwin" and not os.environ.get("LORASTUDIO_HOME"):
        return Path.home() / "Library" / "Logs" / APP_NAME
    return data_home() / "logs"


def resources_dir() -> Path:
    """The read-only resources (demo data, presets, icons, translations).

    In a PyInstaller bundle they sit under ``sys._MEIPASS``; in a checkout or
    an installed package, beside the package.
    """
    frozen = getattr(sys, "_MEIPASS", None)
    if frozen:
        return Path(frozen) / "resources"
    here = Path(__file__).resolve().parents[2]  # lorastudio/core/base/paths.py -> lorastudio/
    packaged = here / "resources"
    if packaged.is_dir():
        return packaged
    return here.parent / "resources"


def demo_dataset_dir() -> Path:
    """The bundled demo dataset (train/valid/test.jsonl)."""
    return resources_dir() / "demo" / "data"
