"""The Model panel: choose the model (folder, Hugging Face repo id, GGUF import) and see what it is.

Choosing a model sets ``config.model`` in the app's state; every other
panel hears it through ``config_changed``. The card below shows the model's
facts, the trainable share of the current LoRA settings and the memory
verdict, recomputed (debounced, in the background, stale results dropped)
whenever the configuration changes; the estimate's words are the core's, asked
for in the interface language. When the verdict is tight or will not fit,
the card's "Make it fit…" opens ``FitDialog`` (the fit plan, applied
through the state). Long actions (a download, a GGUF
import, the demo model's import, a float32 copy) run one at a time as a
``Task`` with a progress bar and a Cancel button. Errors are written into
the card, never shown as dialogs. GUI thread; the work itself runs on Qt's
thread pool (see ``model_jobs``).
"""

from __future__ import annotations

import shutil
from pathlib import Path

from PySide6.QtCore import Qt, QTimer, Signal
from PySide6.QtWidgets import QFileDialog, QFrame, QScrollArea, QVBoxLayout, QWidget
from shiboken6 import isValid

from lorastudio.core.config.train_config import ConfigError
from lorastudio.core.train.demo import is_missing_demo_model
from lorastudio.core.models.demo_model import MODEL_NAME as DEMO_MODEL_NAME
from lorastudio.core.models.loading import (
    ModelError,
    check_model_folder,
    looks_like_repo_id,
    resolve_model,
)
from lorastudio.core.base.paths import models_root
from lorastudio.ui.i18n import core_language
from lorastudio.ui.names import display_name, hf_cache_repo
from lorastudio.ui.panels import model_jobs
from lorastudio.ui.tasks import LatestTask, Task, error_text
from lorastudio.ui.panels.fit_dialog import FitDialog, open_fit_dialog
from lorastudio.ui.widgets.gguf_card import GgufCard
from lorastudio.ui.widgets.job_strip import JobStrip
from lorastudio.ui.widgets.model_card import ModelCard
from lorastudio.ui.widgets.model_chooser import ModelChooser

DEBOUNCE_MS = 300  # typing a rank or a layer count recomputes once, not per keystroke
COST_FIELDS = ("lora_parameters", "num_layers", "fine_tune_type")


class ModelPanel(QWidget):
    job_progress = Signal(str, float)  # stage text, fraction
    job_finished = Signal(str, str)  # job kind ("download", "gguf", "demo", "float32"), outcome ("done", "cancelled", "failed")
    analysis_done = Signal()  # the card got a fresh (non-stale) result

    def __init__(self, state, theme, settings, parent: QWidget | None = None):
        super().__init__(parent)
        self.state, self.theme, self.settings = state, theme, settings
        self._tasks: set[Task] = set()  # keeps running tasks referenced until they are done
        self._import_target: Path | None = None
        self._generation = {"facts": 0, "trainable": 0, "estimate": 0}
        self._pending: set[str] = set()
        self._ready = False  # the configured model is a usable folder
        self._layers: int | None = None
        self._demo_reason = ""
        self._demo_reason_asked = False
        self._shown_config = None
        # The GGUF file last chosen: its header is read in the background, an older file's answer dropped.
        self._gguf_path: Path | None = None
        self._gguf_preview = LatestTask(self)
        self.fit_dialog: FitDialog | None = None  # the "Make it fit" dialog last opened

        self.chooser = ModelChooser(lambda: self.settings.recent("models"), display_name)
        self.jobs = JobStrip()

        self.gguf_card = GgufCard()
        self.card = ModelCard()

        content = QWidget()
        column = QVBoxLayout(content)
        column.setContentsMargins(0, 0, 6, 0)
        column.setSpacing(12)
        column.addWidget(self.chooser)
        column.addWidget(self.jobs)
        column.addWidget(self.gguf_card)
        column.addWidget(self.card)
        column.addStretch(1)
        scroll = QScrollArea()
        scroll.setWidgetResizable(True)
        scroll.setFrameShape(QFrame.Shape.NoFrame)
        scroll.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        scroll.setWidget(content)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(scroll)
        self.setAcceptDrops(True)

        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.timeout.connect(self._launch_analysis)

        self.chooser.chosen.connect(self.use_text)
        self.chooser.folder_requested.connect(self.choose_folder)
        self.chooser.gguf_requested.connect(self.choose_gguf)
        self.jobs.progress.connect(self.job_progress)
        self.jobs.failed.connect(self._on_job_failed)
        self.jobs.cancelled.connect(self._on_job_cancelled)
        self.jobs.finished.connect(self._on_job_finished)
        self._gguf_preview.result.connect(self._on_gguf_preview)
        self._gguf_preview.failed.connect(self._on_gguf_preview_failed)
        self.gguf_card.import_requested.connect(self.import_gguf)
        self.card.import_demo_requested.connect(self.import_demo)
        self.card.download_requested.connect(lambda: self.download(self.state.config.model.strip()))
        self.card.float32_requested.connect(self.use_float32_copy)
        self.card.fit_requested.connect(self.make_it_fit)
        state.config_changed.connect(self._on_config_changed)
        self.refresh()

    # --- choosing ------------------------------------------------------------------
    def use_text(self, text: str) -> None:
        """Use what the user gave: a model folder, a .gguf file (shown for import) or a repo id (downloaded)."""
        text = text.strip()
        if not text or self.busy:
            return
        self.card.set_notice("")
        path = Path(text).expanduser()
        if path.is_file() and path.suffix.lower() == ".gguf":
            self.show_gguf(path)
            return
        if looks_like_repo_id(text):
            self.download(text)
            return
        try:
            folder = resolve_model(text)  # a local path here: nothing is downloaded
        except ModelError as exc:
            self.card.set_notice(self.tr("Not used: {error}").format(error=error_text(exc)))
            return
        self._use_folder(folder)

    def choose_folder(self) -> None:
        folder = QFileDialog.getExistingDirectory(self, self.tr("Choose a model folder"), self.settings.last_directory())
        if folder:
            self.settings.set_last_directory(str(Path(folder).parent))
            self.use_text(folder)

    def choose_gguf(self) -> None:
        path, _ = QFileDialog.getOpenFileName(self, self.tr("Choose a GGUF file"), self.settings.last_directory(),
                                              self.tr("GGUF files (*.gguf);;All files (*)"))
        if path:
            self.settings.set_last_directory(str(Path(path).parent))
            self.use_text(path)

    def _use_folder(self, folder: Path, recent: str | None = None) -> None:
        before = self.state.config
        try:
            self.state.update_config(model=str(folder))
        except ConfigError as exc:
            self.card.set_notice(self.tr("Not used: {error}").format(error=error_text(exc)))
            return
        self.settings.add_recent("models", recent or str(folder))
        if self.state.config is before:
            self.refresh()  # the same model as before, which may have just appeared (an import)

    # --- drag and drop -----------------------------------------------------------------
    @staticmethod
    def _dropped_path(mime) -> Path | None:
        for url in mime.urls() if mime.hasUrls() else []:
            if url.isLocalFile():
                path = Path(url.toLocalFile())
                if path.is_dir() or path.suffix.lower() == ".gguf":
                    return path
        return None

    def dragEnterEvent(self, event) -> None:  # noqa: N802 (Qt override)
        if not self.busy and self._dropped_path(event.mimeData()) is not None:
            event.acceptProposedAction()

    def dropEvent(self, event) -> None:  # noqa: N802 (Qt override)
        path = self._dropped_path(event.mimeData())
        if path is not None:
            event.acceptProposedAction()
            self.use_text(str(path))

    # --- the card ------------------------------------------------------------------------
    def refresh(self) -> None:
        """Look at the configured model again and recompute everything the card shows."""
        config = self.state.config
        self._shown_config = config
        self.chooser.show_model(config.model)
        for part in self._generation:  # whatever is still being computed is for another model now
            self._generation[part] += 1
        self._ready, self._layers = False, None
        model = config.model.strip()
        if not model:
            self.card.show_empty()
            return
        path = Path(model).expanduser()
        tag = self.tr("demo model") if path.name.startswith(DEMO_MODEL_NAME) else ""
        if hf_cache_repo(model):
            tag = self.tr("from Hugging Face")
        if not path.exists() and looks_like_repo_id(model):
            self.card.show_model(model, "", self.tr("Hugging Face repo id"))
        else:
            self.card.show_model(display_name(model), str(path), tag)
        if is_missing_demo_model(model):
            self.card.show_demo_missing(self._demo_reason)
            if not self._demo_reason and not self._demo_reason_asked:
                self._demo_reason_asked = True
                self._run(Task(model_jobs.demo_model_reason), self._on_demo_reason)
            return
        if not path.exists():
            if looks_like_repo_id(model):
                self.card.show_not_downloaded(model)
            else:
                self.card.show_problem(self.tr("{path} does not exist (moved or deleted?). Choose the model again.").format(path=model))
            return
        try:
            check_model_folder(path)
        except ModelError as exc:
            self.card.show_problem(error_text(exc))
            return
        self._ready = True
        self.card.show_status(self.tr("Reading the model's config.json and weight headers…"))
        self._schedule({"facts", "trainable", "estimate"}, 0)

    def _on_demo_reason(self, reason: str) -> None:
        self._demo_reason = reason
        if is_missing_demo_model(self.state.config.model):
            self.card.show_demo_missing(reason)

    def _on_config_changed(self, config) -> None:
        before = self._shown_config
        if before is None or config.model != before.model:
            self.refresh()
            return
        self._shown_config = config
        changed = {f for f in COST_FIELDS if getattr(config, f) != getattr(before, f)}
        self._schedule({"trainable", "estimate"} if changed else {"estimate"}, DEBOUNCE_MS)

    def _schedule(self, parts: set[str], delay_ms: int) -> None:
        if not self._ready:
            return
        self._pending |= parts
        if "trainable" in parts:
            self.card.set_trainable_pending()
        if "estimate" in parts:
            self.card.set_estimate_pending()
        self._timer.start(delay_ms)

    def _launch_analysis(self) -> None:
        parts, self._pending = self._pending, set()
        if not parts or not self._ready:
            return
        config = self.state.config
        lang = core_language()  # the core's sentences (the estimate) in the interface language, read here
        # The estimate runs apart: a slow estimate must not hold back the facts and the share.
        for group in (tuple(sorted(parts - {"estimate"})), tuple(parts & {"estimate"})):
            if not group:
                continue
            tokens = {}
            for part in group:
                self._generation[part] += 1
                tokens[part] = self._generation[part]
            task = Task(model_jobs.analyse, config.model.strip(), config, group, lang)
            task.failed.connect(self._alive(lambda message, _details: self.card.show_problem(message)))
            self._run(task, lambda out, tokens=tokens, config=config: self._on_analysis(out, tokens, config))

    def _on_analysis(self, out: dict, tokens: dict, config) -> None:
        fresh = {part for part, token in tokens.items() if self._generation[part] == token}
        if "facts" in fresh:
            if "facts" in out:
                self._layers = out["facts"].layers
                self.card.set_facts(out["facts"])
                self.card.set_advice(out.get("advice"))
            else:
                self._ready = False
                self.card.show_problem(out.get("facts_error", ""))
                return
        if "trainable" in fresh:
            if "trainable" in out:
                self.card.set_trainable(out["trainable"], self._lora_text(config))
            else:
                self.card.set_trainable_error(out.get("trainable_error", ""))
        if "estimate" in fresh:
            estimate = out.get("estimate", {})
            if "verdict" in estimate:
                self.card.set_estimate(estimate["verdict"], estimate["summary"])
            else:
                self.card.set_estimate_unavailable(estimate.get("error", ""))
        if fresh:
            self.analysis_done.emit()

    def make_it_fit(self) -> FitDialog:
        """Open the "Make it fit" dialog for the current configuration (window-modal, not blocking)."""
        self.fit_dialog = open_fit_dialog(self.state, self, self.fit_dialog)
        return self.fit_dialog

    def _lora_text(self, config) -> str:
        """What is trained, in words: the kind, rank and scale, which modules, how many layers."""
        total = self._layers
        all_layers = config.num_layers == -1 or (total is not None and config.num_layers >= total)
        n = total if config.num_layers == -1 and total is not None else config.num_layers
        if config.fine_tune_type == "full":
            if all_layers:
                return self.tr("Full fine-tuning of all {total} layers").format(total=total or n)
            return self.tr("Full fine-tuning of the last {n} of {total} layers").format(n=n, total=total or "?")
        lora = config.lora_parameters
        keys = ", ".join(lora.keys) if lora.keys else self.tr("every linear layer")
        kind = "DoRA" if config.fine_tune_type == "dora" else "LoRA"
        if all_layers:
            return self.tr("{kind} rank {rank}, scale {scale:g} on {keys}, in all {total} layers").format(
                kind=kind, rank=lora.rank, scale=lora.scale, keys=keys, total=total or n)
        return self.tr("{kind} rank {rank}, scale {scale:g} on {keys}, in the last {n} of {total} layers").format(
            kind=kind, rank=lora.rank, scale=lora.scale, keys=keys, n=n, total=total or "?")

    # --- GGUF ------------------------------------------------------------------------------
    def show_gguf(self, path: Path) -> None:
        """Read the file's header in the background, then show what it is and how it would be imported."""
        self._gguf_path = Path(path)
        self._gguf_preview.run(model_jobs.gguf_preview, str(path), core_language())

    def _on_gguf_preview(self, summary: dict) -> None:
        path = self._gguf_path
        self.gguf_card.show_summary(path, summary, summary["cpu_training"], summary["cpu_reason"],
                                    lambda dtype: model_jobs.gguf_output_dir(models_root(), path, dtype))

    def _on_gguf_preview_failed(self, message: str, _details: str) -> None:
        self.card.set_notice(self.tr("Not used: {error}").format(error=message))

    def import_gguf(self, path: Path, dtype: str | None) -> None:
        from lorastudio.core.models.gguf_import import import_gguf

        target = model_jobs.gguf_output_dir(models_root(), path, dtype)
        started = self._start_job("gguf", self.tr("Importing {name}…").format(name=Path(path).name),
                                  import_gguf, str(path), str(target), on_result=self._on_gguf_imported, dtype=dtype)
        if started:
            self._import_target = target

    def _on_gguf_imported(self, folder) -> None:
        self.gguf_card.hide()
        self._use_folder(Path(folder))
        source, chosen = model_jobs.imported_precision(folder)
        self.card.set_notice(self.tr("Imported into {path} (the file's quantization {source}; imported as {chosen})")
                             .format(path=folder, source=source, chosen=chosen), "info")

    # --- long jobs ------------------------------------------------------------------------
    def download(self, repo_id: str) -> None:
        self._start_job("download", self.tr("Downloading {repo} from Hugging Face…").format(repo=repo_id),
                        resolve_model, repo_id, on_result=lambda folder: self._use_folder(Path(folder), repo_id))

    def import_demo(self) -> None:
        from lorastudio.core.train.demo import import_demo_model_for

        self._start_job("demo", self.tr("Importing the demo model SmolLM2-135M-Instruct…"),
                        import_demo_model_for, self.state.config.model, on_result=lambda folder: self._use_folder(Path(folder)))

    def use_float32_copy(self) -> None:
        from lorastudio.core.models.loading import float32_copy

        model = Path(self.state.config.model).expanduser()
        self._start_job("float32", self.tr("Making a float32 copy of {name}…").format(name=display_name(str(model))),
                        float32_copy, model, on_result=lambda folder: self._use_folder(Path(folder)),
                        cancellable=False)  # mlx_lm.convert cannot be interrupted

    @property
    def busy(self) -> bool:
        return self.jobs.busy

    def _start_job(self, kind: str, text: str, fn, *args, on_result, cancellable: bool = True, **kwargs) -> bool:
        if self.jobs.busy:
            return False
        task = Task(fn, *args, **kwargs)
        task.result.connect(self._alive(on_result))
        self.card.set_notice("")
        self._set_busy(True)
        return self.jobs.start(kind, text, task, cancellable)

    def _on_job_failed(self, kind: str, message: str) -> None:
        texts = {
            "gguf": self.tr("The import failed: {error}"),
            "demo": self.tr("Importing the demo model failed: {error}"),
            "float32": self.tr("The float32 copy failed: {error}"),
        }
        self.card.set_notice(texts.get(kind, "{error}").format(error=message))

    def _on_job_cancelled(self, kind: str) -> None:
        if kind == "gguf" and self._import_target is not None and self._import_target.exists():
            # The import finished just as Cancel was pressed: the user asked for nothing, so nothing stays.
            shutil.rmtree(self._import_target, ignore_errors=True)
        self.card.set_notice(self.tr("Cancelled: nothing was kept."), "info")

    def _on_job_finished(self, kind: str, outcome: str) -> None:
        self._import_target = None
        self._set_busy(False)
        if outcome != "done":
            self.refresh()  # a cancelled import may still have finished; show what is there
        self.job_finished.emit(kind, outcome)

    def _set_busy(self, busy: bool) -> None:
        self.chooser.set_busy(busy)
        self.card.set_actions_enabled(not busy)
        self.gguf_card.set_busy(busy)

    def _run(self, task: Task, on_result) -> Task:
        self._tasks.add(task)
        task.result.connect(self._alive(on_result))
        task.done.connect(lambda: self._tasks.discard(task))
        return task.start()

    def _alive(self, fn):
        """``fn`` only while this panel exists (a task may end after the window was rebuilt)."""
        def call(*args):
            if isValid(self):
                fn(*args)
        return call
