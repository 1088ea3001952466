"""Start the desktop app: QApplication, language, theme, the main window.

``run_app()`` is what ``lorastudio`` without arguments calls. Heavy modules
(MLX, mlx-lm, transformers) are not imported here: panels load them in the
background when they first need them, so the window shows fast. GUI thread.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

from lorastudio.core.config.train_config import ConfigError, TrainConfig, load_yaml, parse_config


def initial_config(settings) -> TrainConfig:
    """The last configuration the user edited, or the demo's: model and dataset chosen, ready to Start."""
    saved = settings.last_config_yaml()
    if saved:
        try:
            config = parse_config(load_yaml(saved), "saved settings")
            if config.model and config.data:
                return config
        except ConfigError:
            pass
    return demo_start_config()


def demo_start_config() -> TrainConfig:
    """The demo preset on the demo dataset and the demo model's folder (imported on first Start)."""
    from lorastudio.core.train.demo import demo_config
    from lorastudio.core.models.demo_model import demo_model_dir, demo_model_dtype
    from lorastudio.core.base.paths import models_root

    return demo_config(demo_model_dir(models_root(), demo_model_dtype()))


def create_application(argv: list[str] | None = None):
    from PySide6.QtCore import Qt
    from PySide6.QtGui import QGuiApplication, QIcon
    from PySide6.QtWidgets import QApplication

    app = QApplication.instance()
    if app is None:
        QGuiApplication.setHighDpiScaleFactorRoundingPolicy(Qt.HighDpiScaleFactorRoundingPolicy.PassThrough)
        app = QApplication(argv if argv is not None else sys.argv[:1])
    app.setApplicationName("LoRA Studio")
    app.setOrganizationName("LoRA Studio")
    app.setApplicationDisplayName("LoRA Studio")
    from lorastudio import __version__
    from lorastudio.core.base.paths import resources_dir

    app.setApplicationVersion(__version__)
    icon = resources_dir() / "icons" / "lorastudio.png"
    if icon.is_file():
        app.setWindowIcon(QIcon(str(icon)))
    return app


def build_main_window(settings=None, runs_root: Path | None = None):
    """The main window over a fresh AppState (tests pass their own settings and runs folder)."""
    from lorastudio.core.base.paths import runs_root as default_runs_root
    from lorastudio.ui.i18n import install_language
    from lorastudio.ui.main_window import MainWindow
    from lorastudio.ui.settings import Settings
    from lorastudio.ui.state import AppState
    from lorastudio.ui.theme import Theme

    settings = settings or Settings()
    install_language(settings.language())
    theme = Theme(settings.theme())
    state = AppState(initial_config(settings), runs_root or default_runs_root())
    return MainWindow(state, settings, theme)


def run_app(argv: list[str] | None = None) -> int:
    if sys.platform.startswith("linux") and not os.environ.get("DISPLAY") and not os.environ.get("WAYLAND_DISPLAY"):
        if os.environ.get("QT_QPA_PLATFORM") not in ("offscreen", "minimal", "vnc"):
            print("lorastudio: no display found (set QT_QPA_PLATFORM=offscreen to run without one)", file=sys.stderr)
            return 2
    app = create_application(argv)
    from lorastudio.ui.logging_setup import install_excepthook, setup_logging

    setup_logging()
    # Before the window is built: an error while building it is logged and shown too
    # (a packaged app has no console to print it to).
    install_excepthook(lambda: _windows[0] if _windows else None)
    window = build_main_window()
    _keep(window)
    window.show()
    return app.exec()


def _keep(window) -> None:
    """Hold the live main window, and rebuild it when its language changes."""
    _windows[:] = [window]
    window.language_changed.connect(lambda: _keep(rebuild_window(window)))


def rebuild_window(old):
    """Replace the main window with a new one in the current language, keeping the state."""
    from lorastudio.ui.i18n import install_language
    from lorastudio.ui.main_window import MainWindow

    install_language(old.settings.language())
    old.settings.set_geometry(old.saveGeometry())
    if old._chat is not None:
        old._chat.shutdown()
    window = MainWindow(old.state, old.settings, old.theme)
    window.show()
    old.hide()
    old.deleteLater()
    return window


_windows: list = []  # the live main window, kept referenced
