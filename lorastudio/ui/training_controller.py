"""Start, steer and watch training from the GUI.

``TrainingController`` owns at most one ``TrainingJob`` (the core's training
child process). A ``QThread`` (``_EventPump``) creates the job, then blocks on
its event stream and re-emits each event as a Qt signal, which Qt queues to
the GUI thread. If the child dies, the core ends the stream with a ``Failed``
event carrying the last lines of its log; the window keeps the curves and
stays usable. The controller's methods run on the GUI thread; the pump's
``run`` on its own thread and touches no widget.
"""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QObject, QThread, Signal

from lorastudio.core.config.train_config import TrainConfig
from lorastudio.core.runs.events import Event, Failed, Finished, Paused, Resumed, Started, Stopped
from lorastudio.ui.i18n import core_language
from lorastudio.ui.tasks import error_text

# What the controller says it is doing.
IDLE, STARTING, RUNNING, PAUSED, STOPPING = "idle", "starting", "running", "paused", "stopping"


class _EventPump(QThread):
    """Creates the job (data checks may take a while) and forwards its events."""

    job_created = Signal(object)  # TrainingJob
    event = Signal(object)  # core Event
    could_not_start = Signal(str)

    def __init__(self, start, parent: QObject | None = None):
        super().__init__(parent)
        self._start = start
        self._language = core_language()  # read here, on the GUI thread

    def run(self) -> None:
        try:
            job = self._start()
        except Exception as exc:  # noqa: BLE001 - shown to the user, nothing crashes
            self.could_not_start.emit(error_text(exc, self._language))
            return
        self.job_created.emit(job)
        for event in job.events():
            self.event.emit(event)


class TrainingController(QObject):
    event = Signal(object)  # every core Event of the current run
    state_changed = Signal(str)
    run_started = Signal(object)  # Path of the run folder
    run_ended = Signal(object)  # the terminal Event (Finished, Stopped or Failed)
    error = Signal(str)  # the run could not start (bad config or data)

    def __init__(self, runs_root: Path, parent: QObject | None = None):
        super().__init__(parent)
        self.runs_root = Path(runs_root)
        self.job = None
        self.run_dir: Path | None = None
        self._pump: _EventPump | None = None
        self._state = IDLE

    # --- state ---------------------------------------------------------------
    @property
    def state(self) -> str:
        return self._state

    @property
    def busy(self) -> bool:
        return self._state != IDLE

    def _set_state(self, state: str) -> None:
        if state != self._state:
            self._state = state
            self.state_changed.emit(state)

    # --- commands ------------------------------------------------------------
    def start(self, config: TrainConfig) -> None:
        """Begin a new run of ``config`` (checks and the child start off the GUI thread)."""
        from lorastudio.core.train.demo import import_demo_model_for, is_missing_demo_model
        from lorastudio.core.train.jobs import start_training

        def launch():
            if is_missing_demo_model(config.model):  # first Start of the demo
                import_demo_model_for(config.model)
            return start_training(config, root=self.runs_root)

        self._launch(launch)

    def resume_run(self, run_dir: Path, iters: int | None = None) -> None:
        """Continue a stopped, failed or finished run from its latest state."""
        from lorastudio.core.train.jobs import resume_training

        self._launch(lambda: resume_training(run_dir, root=self.runs_root, iters=iters))

    def _launch(self, start) -> None:
        if self.busy:
            self.error.emit(self.tr("A run is already in progress."))
            return
        self._set_state(STARTING)
        pump = _EventPump(start, self)
        pump.job_created.connect(self._on_job)
        pump.event.connect(self._on_event)
        pump.could_not_start.connect(self._on_could_not_start)
        pump.finished.connect(pump.deleteLater)
        self._pump = pump
        pump.start()

    def stop(self) -> None:
        if self.job is not None and self._state in (RUNNING, PAUSED, STARTING):
            self._set_state(STOPPING)
            self.job.stop()

    def pause(self) -> None:
        if self.job is not None and self._state == RUNNING:
            self.job.pause()

    def resume(self) -> None:
        if self.job is not None and self._state == PAUSED:
            self.job.resume()

    def kill(self) -> None:
        """End the child at once (used when quitting with a run in progress)."""
        if self.job is not None:
            self.job.kill()

    def wait(self, msecs: int = 10000) -> bool:
        """Block until the pump thread ends (at shutdown)."""
        pump = self._pump
        if pump is None:
            return True
        try:
            return pump.wait(msecs)
        except RuntimeError:  # the finished pump was already deleted
            return True

    # --- from the pump (queued to the GUI thread) ------------------------------
    def _on_job(self, job) -> None:
        self.job = job
        self.run_dir = job.run_dir
        self.run_started.emit(job.run_dir)

    def _on_could_not_start(self, message: str) -> None:
        self._set_state(IDLE)
        self._pump = None
        self.error.emit(message)

    def _on_event(self, event: Event) -> None:
        if isinstance(event, Started) or isinstance(event, Resumed):
            if self._state != STOPPING:
                self._set_state(RUNNING)
        elif isinstance(event, Paused):
            self._set_state(PAUSED)
        self.event.emit(event)
        if isinstance(event, (Finished, Stopped, Failed)):
            self.job = None
            self._set_state(IDLE)
            self.run_ended.emit(event)
