"""The app's shared state: the configuration being edited, the runs folder, the current run.

Panels receive one ``AppState`` and subscribe to its signals; a change made
in one panel (a model chosen, a LoRA rank typed) reaches every other panel
through ``config_changed``. GUI thread only.
"""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QObject, Signal

from lorastudio.core.config.train_config import TrainConfig


class AppState(QObject):
    config_changed = Signal(object)  # TrainConfig, always valid
    current_run_changed = Signal(object)  # Path | None
    runs_changed = Signal()  # a run was created, changed state or deleted

    def __init__(self, config: TrainConfig, runs_root: Path, parent: QObject | None = None):
        super().__init__(parent)
        self._config = config
        self.runs_root = Path(runs_root)
        self._current_run: Path | None = None

    @property
    def config(self) -> TrainConfig:
        return self._config

    def set_config(self, config: TrainConfig) -> None:
        if config != self._config:
            self._config = config
            self.config_changed.emit(config)

    def update_config(self, **changes) -> TrainConfig:
        """Apply field changes; raises ``ConfigError`` (naming the field) and keeps the old config."""
        config = self._config.replace(**changes)
        self.set_config(config)
        return config

    @property
    def current_run(self) -> Path | None:
        return self._current_run

    def set_current_run(self, run_dir: Path | None) -> None:
        run_dir = Path(run_dir) if run_dir else None
        if run_dir != self._current_run:
            self._current_run = run_dir
            self.current_run_changed.emit(run_dir)

    def notify_runs_changed(self) -> None:
        self.runs_changed.emit()
