"""The Chat page's adapter choice: the base model alone, or any checkpoint of any run.

Two lists: the run ("None (base model)" first, then every run that has an
adapter, newest first) and which of that run's adapters: the final (latest)
one, the best by validation loss (``best/``), or a numbered checkpoint. The
choice is a path that ``lorastudio.core.chat.adapters.resolve_adapter``
accepts, or None. Reading the runs means reading each run's metrics, so
``run_adapters`` runs off the GUI thread (``LatestTask``), first when the
picker is shown and again when runs change (once more after a reading under
way). GUI thread; ``run_adapters`` is plain Python for any thread.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import QComboBox, QSizePolicy, QVBoxLayout, QWidget

from lorastudio.core.runs import folder as runs
from lorastudio.ui.tasks import LatestTask
from lorastudio.ui.widgets.runs_table import state_text

FINAL, BEST, STEP = "final", "best", "step"


@dataclass(frozen=True)
class AdapterChoice:
    spec: str  # a path resolve_adapter accepts
    kind: str  # FINAL, BEST or STEP
    iteration: int | None = None  # the step of a checkpoint (or of the final adapter of an ended run)
    loss: float | None = None  # the best validation loss, for best/


@dataclass(frozen=True)
class RunAdapters:
    path: Path
    name: str
    state: str
    model: str
    choices: tuple[AdapterChoice, ...]


def run_adapters(root) -> list[RunAdapters]:
    """Every run under ``root`` that has at least one adapter file, newest first (any thread)."""
    found = []
    for summary in runs.list_runs(root):
        path = summary.path
        ended = summary.state in ("finished", "stopped")
        choices = []
        if (path / runs.ADAPTERS).is_file():
            choices.append(AdapterChoice(str(path), FINAL, summary.iteration if ended else None))
        if (path / "best" / runs.ADAPTERS).is_file():
            choices.append(AdapterChoice(str(path / "best"), BEST, None, summary.best_val_loss))
        for step, file in reversed(runs.checkpoints(path)):
            choices.append(AdapterChoice(str(file), STEP, step))
        if choices:
            found.append(RunAdapters(path, summary.name, summary.state, summary.model, tuple(choices)))
    return found


class AdapterPicker(QWidget):
    changed = Signal(object)  # the adapter now chosen: a path, or None for the base model
    refreshed = Signal()  # the lists were (re)read

    def __init__(self, runs_root: Path, parent: QWidget | None = None):
        super().__init__(parent)
        self.runs_root = Path(runs_root)
        self.run_box = QComboBox()
        self.run_box.setToolTip(self.tr("The run whose adapter answers, or none: the base model alone"))
        self.checkpoint_box = QComboBox()
        self.checkpoint_box.setToolTip(self.tr("Which of the run's adapters: the final one, the one with the best "
                                               "validation loss, or the checkpoint saved at a step"))
        for box in (self.run_box, self.checkpoint_box):
            box.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon)
            box.setMinimumContentsLength(12)
            box.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Fixed)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(6)
        layout.addWidget(self.run_box)
        layout.addWidget(self.checkpoint_box)
        self.runs: list[RunAdapters] = []
        self._wanted: tuple[str, str | None] | None = None  # ("run", path) or ("spec", spec) until listed
        self._awaited_run: str | None = None  # the current run before it had an adapter: chosen once it has one
        self._listed = False
        self._lister = LatestTask(self)
        self._lister.result.connect(self._on_listed)
        self._lister.failed.connect(self._on_listing_failed)
        self._last: str | None = None
        self._fill([])
        self.run_box.currentIndexChanged.connect(self._on_run_chosen)
        self.checkpoint_box.currentIndexChanged.connect(lambda _: self._emit_if_changed())

    # --- reading the runs ---------------------------------------------------------
    def showEvent(self, event) -> None:  # noqa: N802 (Qt override)
        super().showEvent(event)
        if not self._listed:
            self.refresh()

    def refresh(self) -> None:
        """Read the runs again (in the background); the choice stays when it still exists."""
        self._listed = True
        if self._lister.running:
            # The runs being read are still worth showing: one more pass once they are in.
            self._lister.again(self.refresh)
            return
        self._lister.run(run_adapters, self.runs_root)

    def listing(self) -> bool:
        """True while the runs are being read (or read again next): the choice may still change when they arrive."""
        return self._lister.running or self._lister.again_due

    def mark_stale(self) -> None:
        """Runs changed: read them now if shown, else when next shown."""
        if self.isVisible():
            self.refresh()
        else:
            self._listed = False

    def _on_listing_failed(self, message: str, details: str) -> None:
        self._on_listed(self.runs)  # keep the lists as they are

    def _on_listed(self, found: list[RunAdapters]) -> None:
        previous, wanted = self.spec(), self._wanted
        self._wanted = None
        if self._awaited_run and any(str(r.path) == self._awaited_run for r in found):
            wanted = ("run", self._awaited_run)
        self._fill(found)
        self._select(("spec", previous))  # the same adapter as before, when it is still there
        if wanted is not None:
            self._select(wanted)
        self.refreshed.emit()

    def _fill(self, found: list[RunAdapters]) -> None:
        self.runs = found
        self.run_box.blockSignals(True)
        self.run_box.clear()
        self.run_box.addItem(self.tr("None (base model)"), None)
        for run in found:
            self.run_box.addItem(run.name, str(run.path))
            self.run_box.setItemData(self.run_box.count() - 1, self.tr("{name}\nTrained on {model}\nState: {state}").format(
                name=run.path, model=run.model, state=state_text(run.state)), Qt.ItemDataRole.ToolTipRole)
        self.run_box.blockSignals(False)
        self._fill_checkpoints()

    def _fill_checkpoints(self) -> None:
        run = self.current_run()
        self.checkpoint_box.blockSignals(True)
        self.checkpoint_box.clear()
        for choice in run.choices if run is not None else ():
            self.checkpoint_box.addItem(self.choice_text(choice), choice.spec)
            self.checkpoint_box.setItemData(self.checkpoint_box.count() - 1, choice.spec, Qt.ItemDataRole.ToolTipRole)
        self.checkpoint_box.setVisible(run is not None)
        self.checkpoint_box.blockSignals(False)

    def choice_text(self, choice: AdapterChoice) -> str:
        if choice.kind == FINAL:
            if choice.iteration:
                return self.tr("Final adapter (step {step})").format(step=choice.iteration)
            return self.tr("Latest saved adapter")
        if choice.kind == BEST:
            if choice.loss is not None:
                return self.tr("Best validation loss ({loss:.3f})").format(loss=choice.loss)
            return self.tr("Best validation loss")
        return self.tr("Checkpoint at step {step}").format(step=choice.iteration)

    # --- choosing ------------------------------------------------------------------
    def current_run(self) -> RunAdapters | None:
        path = self.run_box.currentData()
        return next((r for r in self.runs if str(r.path) == path), None)

    def spec(self) -> str | None:
        """The chosen adapter as a path, or None for the base model."""
        if self.current_run() is None:
            return None
        return self.checkpoint_box.currentData()

    def label(self) -> str:
        """The choice in words: "RUN", "RUN (best)", "RUN (step N)"; "" for the base model."""
        run = self.current_run()
        if run is None:
            return ""
        return f"{run.name} · {self.checkpoint_box.currentText()}"

    def select_run(self, run_dir) -> None:
        """Choose a run (its final adapter, or the first it has).

        A run without an adapter yet (one just started) leaves the choice as it is and is chosen
        once it has one, unless the user picks something else before.
        """
        if not self._listed or self.listing():
            self._wanted = ("run", str(run_dir) if run_dir else None)
            return
        self._select(("run", str(run_dir) if run_dir else None))

    def select_spec(self, spec: str | None, quiet: bool = False) -> None:
        """Choose exactly this adapter path (or None); ``quiet``: without ``changed`` (putting back what the engine has)."""
        if not self._listed or self.listing():
            self._wanted = ("spec", spec)
            return
        self._select(("spec", spec), quiet)

    def _select(self, wanted: tuple[str, str | None], quiet: bool = False) -> None:
        kind, value = wanted
        run_path, spec = value, None
        if kind == "run":
            if value is None:
                return  # no current run: keep the choice
            if self.run_box.findData(value) < 0:
                self._awaited_run = value
                return
            self._awaited_run = None
        if kind == "spec" and value:
            run_path = next((str(r.path) for r in self.runs for c in r.choices if c.spec == value), None)
            spec = value
        index = max(0, self.run_box.findData(run_path)) if run_path else 0
        self.run_box.blockSignals(True)
        self.run_box.setCurrentIndex(index)
        self.run_box.blockSignals(False)
        self._fill_checkpoints()
        if spec is not None:
            self.checkpoint_box.setCurrentIndex(max(0, self.checkpoint_box.findData(spec)))
        if quiet:
            self._last = self.spec()
        else:
            self._emit_if_changed()

    def _on_run_chosen(self, _index: int) -> None:
        self._awaited_run = None  # the user's own choice wins
        self._fill_checkpoints()
        self._emit_if_changed()

    def _emit_if_changed(self) -> None:
        spec = self.spec()
        if spec != self._last:
            self._last = spec
            self.changed.emit(spec)
