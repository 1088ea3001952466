"""The Parameters panel: the configuration form, presets, YAML load and save, "copy as command".

The form (``widgets/config_form.py``) edits ``AppState.config`` field by
field. Above it: built-in presets (``core.presets``; a preset keeps the
model and data), loading and saving YAML that ``mlx_lm.lora -c`` reads too
(recent files in Settings under "configs"), and the ``mlx_lm.lora`` command
that runs the same training with mlx-lm itself (``core.mlx_command``). A
file that does not load shows every problem the core found, in the
interface language. When the memory estimate of the settings (worked out in
the background while the page is shown, ``model_jobs.memory_estimate``) is
tight or will not fit, the bar shows it with "Make it fit…", which opens
``FitDialog``. Below the bar, the Machines section (``machines_section``): this
machine, several ranks, or several machines from a hostfile. GUI thread.
"""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QTimer
from PySide6.QtGui import QGuiApplication
from PySide6.QtWidgets import (
    QFileDialog,
    QHBoxLayout,
    QLabel,
    QMenu,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from lorastudio.core.config.train_config import ConfigError, TrainConfig
from lorastudio.core.config.mlx_command import Note, mlx_lora_command
from lorastudio.core.config.presets import list_presets
from lorastudio.ui.i18n import core_language
from lorastudio.ui.panels import model_jobs
from lorastudio.ui.tasks import LatestTask
from lorastudio.ui.widgets.banner import Banner
from lorastudio.ui.widgets.config_form import ConfigForm
from lorastudio.ui.panels.fit_dialog import NEEDS_FIT, FitDialog, open_fit_dialog
from lorastudio.ui.panels.machines_section import MachinesSection
from lorastudio.ui.widgets.model_card import VERDICT_STYLES, set_style_name

YAML_SUFFIXES = (".yaml", ".yml")
ESTIMATE_DEBOUNCE_MS = 400  # typing a value estimates once, not per keystroke


class ParamsPanel(QWidget):
    def __init__(self, state, settings, parent: QWidget | None = None):
        super().__init__(parent)
        self.state = state
        self.settings = settings
        self.yaml_path: Path | None = None  # the file last loaded or saved

        self.presets_button = QPushButton(self.tr("Presets"))
        self.presets_button.setToolTip(self.tr("Fill the form with a built-in set of parameters; the model and data stay"))
        self.presets_menu = QMenu(self.presets_button)
        self.presets_menu.setToolTipsVisible(True)
        self.presets_button.setMenu(self.presets_menu)
        self.presets_menu.aboutToShow.connect(self._fill_presets)  # read when first needed, not at start-up

        self.load_button = QPushButton(self.tr("Load…"))
        self.load_button.setToolTip(self.tr("Load a YAML configuration (also one written for mlx_lm.lora -c)"))
        self.recent_button = QPushButton(self.tr("Recent"))
        self.recent_button.setToolTip(self.tr("Load a configuration used recently"))
        self.recent_menu = QMenu(self.recent_button)
        self.recent_menu.setToolTipsVisible(True)
        self.recent_button.setMenu(self.recent_menu)
        self.recent_menu.aboutToShow.connect(self._fill_recent)
        self.save_button = QPushButton(self.tr("Save…"))
        self.save_button.setToolTip(self.tr("Save the configuration as YAML that mlx_lm.lora -c also reads"))
        self.copy_button = QPushButton(self.tr("Copy as mlx_lm.lora Command"))
        self.copy_button.setToolTip(self.tr(
            "Copy a shell command that runs this training with mlx-lm itself. It reads the saved YAML with -c, "
            "because mlx_lm.lora has no flags for the LoRA layers, the schedule or optimizer options."))

        bar = QHBoxLayout()
        bar.setSpacing(8)
        bar.addWidget(self.presets_button)
        bar.addSpacing(8)
        bar.addWidget(self.load_button)
        bar.addWidget(self.recent_button)
        bar.addWidget(self.save_button)
        bar.addStretch(1)
        self._build_fit(bar)
        bar.addWidget(self.copy_button)

        self.banner = Banner(self)
        self.form = ConfigForm(state)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addLayout(bar)
        layout.addWidget(self.banner)
        self.machines = MachinesSection(state)
        layout.addWidget(self.machines)
        layout.addWidget(self.form, 1)

        self.load_button.clicked.connect(lambda: self.load_yaml())
        self.save_button.clicked.connect(lambda: self.save_yaml())
        self.copy_button.clicked.connect(lambda: self.copy_command())
        state.config_changed.connect(lambda _config: self._schedule_estimate())

    # --- make it fit -----------------------------------------------------------------
    def _build_fit(self, bar: QHBoxLayout) -> None:
        """The memory verdict and "Make it fit…", shown only when the settings are tight or will not fit."""
        self.verdict = QLabel()
        self.verdict.setToolTip(self.tr("Estimated peak memory of training with these parameters, against this machine's memory"))
        self.fit_button = QPushButton(self.tr("Make it fit…"))
        self.fit_button.setToolTip(self.tr("Show the settings that make this training fit in memory, and apply them"))
        self.fit_button.clicked.connect(lambda: self.make_it_fit())
        for widget in (self.verdict, self.fit_button):
            widget.hide()
            bar.addWidget(widget)
        bar.addSpacing(8)
        self.fit_dialog: FitDialog | None = None  # the "Make it fit" dialog last opened
        self.verdict_key = ""  # the last estimate's verdict ("" when there is none)
        self._estimate = LatestTask(self)
        self._estimate.result.connect(self._on_estimate)
        self._estimate_timer = QTimer(self)
        self._estimate_timer.setSingleShot(True)
        self._estimate_timer.timeout.connect(self._run_estimate)

    def showEvent(self, event) -> None:  # noqa: N802 (Qt override)
        super().showEvent(event)
        self._schedule_estimate(0)

    def _schedule_estimate(self, delay_ms: int = ESTIMATE_DEBOUNCE_MS) -> None:
        if self.isVisible():  # a hidden page estimates when it is shown again
            self._estimate_timer.start(delay_ms)

    def _run_estimate(self) -> None:
        self._estimate.run(model_jobs.memory_estimate, self.state.config, core_language())

    def _on_estimate(self, estimate: dict) -> None:
        self.verdict_key = estimate.get("verdict", "")
        names = {"tight": self.tr("▲  Tight: it may swap or fail"), "will not fit": self.tr("✕  Will not fit in memory")}
        self.verdict.setText(names.get(self.verdict_key, ""))
        set_style_name(self.verdict, VERDICT_STYLES.get(self.verdict_key, "muted"))
        needed = self.verdict_key in NEEDS_FIT
        self.verdict.setVisible(needed)
        self.fit_button.setVisible(needed)

    def make_it_fit(self) -> FitDialog:
        """Open the "Make it fit" dialog for the current configuration (window-modal, not blocking)."""
        self.fit_dialog = open_fit_dialog(self.state, self, self.fit_dialog)
        return self.fit_dialog

    # --- presets -------------------------------------------------------------------
    def _fill_presets(self) -> None:
        if self.presets_menu.actions():
            return
        defaults = self.presets_menu.addAction(self.tr("Defaults"))
        defaults.setToolTip(self.tr("Every option back to its default (mlx_lm.lora's, for the options it has)"))
        defaults.triggered.connect(lambda: self.apply_preset(None))
        self.presets_menu.addSeparator()
        try:
            presets = list_presets()
        except (ConfigError, OSError) as exc:  # a broken resources folder must not hide the form
            error = exc.text(core_language()) if isinstance(exc, ConfigError) else exc
            self.presets_menu.addAction(self.tr("Presets unavailable: {error}").format(error=error)).setEnabled(False)
            return
        for preset in presets:
            action = self.presets_menu.addAction(preset.name)
            action.setToolTip(preset.description)
            action.setStatusTip(preset.description)
            action.triggered.connect(lambda checked=False, name=preset.name: self.apply_preset(name))

    def apply_preset(self, name: str | None) -> None:
        """Lay a built-in preset (None: the defaults) over the configuration, keeping model and data."""
        current = self.state.config
        if name is None:
            config = TrainConfig(model=current.model, data=current.data)
            message = self.tr("Every option is back to its default; the model and data stay.")
        else:
            preset = next(p for p in list_presets() if p.name == name)
            config = preset.apply(current)
            message = self.tr("Preset {name} applied: {description}").format(name=name, description=preset.description)
        self.state.set_config(config)
        self.form.show_config(config, force=True)
        self.banner.show_success(message)

    # --- YAML ----------------------------------------------------------------------
    def _start_dir(self) -> str:
        if self.yaml_path is not None:
            return str(self.yaml_path.parent)
        return self.settings.last_directory() or str(Path.home())

    def _remember(self, path: Path) -> None:
        self.yaml_path = path
        self.settings.add_recent("configs", str(path))
        self.settings.set_last_directory(str(path.parent))

    def load_yaml(self, path: str | Path | None = None) -> bool:
        """Load a configuration file (asking for it when ``path`` is None); True when loaded."""
        if path is None:
            chosen, _ = QFileDialog.getOpenFileName(
                self, self.tr("Load Configuration"), self._start_dir(),
                self.tr("YAML configuration (*.yaml *.yml);;All files (*)"))
            if not chosen:
                return False
            path = chosen
        path = Path(path)
        try:
            config = TrainConfig.load(path)
            current = self.state.config
            # A file without model or data (a shared recipe) keeps the ones chosen here.
            keep = {key: getattr(current, key) for key in ("model", "data") if not getattr(config, key)}
            if keep:
                config = config.replace(**keep)
        except ConfigError as exc:
            count = len(exc.problems)
            self.banner.show_error(
                self.tr("{file} was not loaded: {count} problem(s), listed below. Nothing was changed.").format(
                    file=path.name, count=count),
                "\n".join(p.with_field(core_language()) for p in exc.problems))
            self.banner.details_button.setChecked(True)  # all of them in sight, not behind a click
            return False
        self.state.set_config(config)
        self.form.show_config(config, force=True)
        self._remember(path)
        self.banner.show_success(self.tr("Loaded {path}").format(path=path))
        return True

    def save_yaml(self, path: str | Path | None = None, title: str | None = None) -> Path | None:
        """Save the configuration (asking where when ``path`` is None); the path written, or None."""
        if path is None:
            start = self.yaml_path or Path(self._start_dir()) / "config.yaml"
            chosen, _ = QFileDialog.getSaveFileName(
                self, title or self.tr("Save Configuration"), str(start),
                self.tr("YAML configuration (*.yaml *.yml)"))
            if not chosen:
                return None
            path = chosen
        path = Path(path)
        if path.suffix.lower() not in YAML_SUFFIXES:
            path = path.with_name(path.name + ".yaml")
        try:
            self.state.config.save(path)
        except OSError as exc:
            self.banner.show_error(self.tr("Could not save {path}: {error}").format(path=path, error=exc.strerror or exc))
            return None
        self._remember(path)
        self.banner.show_success(self.tr("Saved {path}. mlx_lm.lora -c reads it as well.").format(path=path))
        return path

    def _fill_recent(self) -> None:
        self.recent_menu.clear()
        paths = [p for p in self.settings.recent("configs") if Path(p).is_file()]
        if not paths:
            self.recent_menu.addAction(self.tr("No recent configurations")).setEnabled(False)
        for path in paths:
            action = self.recent_menu.addAction(Path(path).name)
            action.setToolTip(path)
            action.triggered.connect(lambda checked=False, p=path: self.load_yaml(p))

    # --- the mlx_lm.lora command ------------------------------------------------------
    def _saved_copy(self) -> Path | None:
        """The file last loaded or saved, when it still holds exactly this configuration."""
        path = self.yaml_path
        try:
            if path is not None and path.read_text(encoding="utf-8") == self.state.config.to_yaml():
                return path
        except OSError:
            pass
        return None

    def copy_command(self) -> str | None:
        """Put the ``mlx_lm.lora`` command on the clipboard (saving the YAML it reads first when needed)."""
        path = self._saved_copy() or self.save_yaml(title=self.tr("Save the Configuration the Command Reads"))
        if path is None:
            return None
        command = mlx_lora_command(self.state.config, path.resolve())
        QGuiApplication.clipboard().setText(command.shell)
        notes = "\n".join(f"• {self._note_text(note)}" for note in command.notes)
        text = self.tr("Copied to the clipboard: {command}").format(command=command.shell)
        if notes:
            text += "\n" + self.tr("Not the same as in LoRA Studio (see details).")
        self.banner.show_info(text)
        if notes:
            self.banner.details.setPlainText(notes)
            self.banner.details_button.show()
        return command.shell

    def _note_text(self, note: Note) -> str:
        texts = {
            "data_file": self.tr("mlx_lm.lora needs a folder with train.jsonl and valid.jsonl; "
                                 "LoRA Studio splits the single file {path} itself."),
            "epochs": self.tr("mlx_lm.lora has no epochs: it trains for iters ({iters}) steps."),
            "batching": self.tr("mlx_lm.lora makes its batches the mlx-lm way, not with LoRA Studio's {batching} batching."),
            "micro_batch": self.tr("mlx_lm.lora runs each batch whole, not as micro-batches of {size}: "
                                   "the same steps, in more memory."),
            "keep_best": self.tr("mlx_lm.lora keeps no best/ adapter (the one with the lowest validation loss)."),
            "early_stopping": self.tr("mlx_lm.lora does not stop early."),
            "eval_prompts": self.tr("mlx_lm.lora does not answer the evaluation prompts."),
        }
        return texts.get(note.code, note.text).format(**note.values)
