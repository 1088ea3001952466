"""The training child process: runs one run's engine and streams its events.

Started by ``lorastudio.core.train.jobs`` as ``python -m lorastudio _train-worker
RUN [--resume]``. Its original stdout carries only events, one JSON object a
line; everything else that would print to stdout (mlx-lm's warnings) is sent
to stderr, which the parent writes to the run's ``worker.log``. Commands
arrive on stdin, one a line: ``pause``, ``resume``, ``stop``; end of input
(the parent went away) also stops, saving the adapter. Each event is also
appended to ``metrics.jsonl`` and reflected in ``status.json`` here, so the
run's files are complete even if nobody is listening.

Threads: the engine runs on the main thread; one daemon thread reads stdin.
"""

from __future__ import annotations

import gc
import os
import signal
import sys
import threading
import traceback
from pathlib import Path

from lorastudio.core.base import atomic

from lorastudio.core.runs import folder as runs
from lorastudio.core.base.environment import describe_machine
from lorastudio.core.tuner.loop import Control, TrainingError, train_run
from lorastudio.core.runs.describe import (
    FAIL_ERROR,
    FAIL_OUT_OF_MEMORY,
    STOP_INTERRUPTED,
    STOP_PARENT_GONE,
    STOP_TERMINATED,
    status,
    text,
)
from lorastudio.core.runs.events import (
    Event,
    Failed,
    Finished,
    Paused,
    Resumed,
    Started,
    Status,
    Stopped,
    TrainReport,
    ValReport,
)

ENVIRONMENT = "environment.json"

# Errors whose message is already written for a person: no traceback in the summary.
_READABLE = (TrainingError, ValueError, FileNotFoundError)


class Recorder:
    """Writes each event to metrics.jsonl, status.json and the event stream."""

    def __init__(self, run_dir: Path, stream):
        self.run_dir = run_dir
        self.metrics = runs.MetricsWriter(run_dir)
        self.stream = stream
        self.iteration = 0

    def emit(self, event: Event, record: bool = True) -> None:
        if record:
            self.metrics.write(event)
        self._update_status(event)
        try:
            self.stream.write(event.to_json() + "\n")
            self.stream.flush()
        except (BrokenPipeError, OSError):
            pass  # the parent is gone; the run's files still record everything

    def _update_status(self, event: Event) -> None:
        if isinstance(event, (TrainReport, ValReport)):
            self.iteration = max(self.iteration, event.iteration)
        if isinstance(event, Started):
            runs.write_status(self.run_dir, "running", pid=os.getpid(), total_iters=event.total_iters, message="")
        elif isinstance(event, TrainReport):
            runs.write_status(self.run_dir, "running", iteration=event.iteration)
        elif isinstance(event, Paused):
            runs.write_status(self.run_dir, "paused", iteration=event.iteration)
        elif isinstance(event, Resumed):
            runs.write_status(self.run_dir, "running", iteration=event.iteration)
        elif isinstance(event, Finished):
            runs.write_status(self.run_dir, "finished", iteration=event.iteration, pid=None, message="")
        elif isinstance(event, Stopped):
            runs.write_status(self.run_dir, "stopped", iteration=event.iteration, pid=None, message=event.reason)
        elif isinstance(event, Failed):
            runs.write_status(self.run_dir, "failed", pid=None, message=event.error)


def after_training(run_dir: Path, emit, ended: Event) -> None:
    """Evaluate a finished run (base vs adapter) and write its reports (English and Chinese) as ``ended`` says it ended.

    Failures here are reported and never turn a trained run into a failed one.
    """
    from lorastudio.core.estimate.forecast import predict_peak_gb
    from lorastudio.core.train.evaluation import evaluate_run
    from lorastudio.core.report.writer import write_reports

    if isinstance(ended, Finished):
        try:
            evaluate_run(run_dir, status=lambda stage, detail="": emit(status(stage, detail)))
        except Exception as exc:  # noqa: BLE001 - the adapter is trained and saved already
            print(traceback.format_exc(), file=sys.stderr, flush=True)
            emit(Status("evaluate_failed", f"Evaluation failed: {exc}"))
    emit(status("report"))
    for problem in write_reports(run_dir, predict_peak_gb=predict_peak_gb, log=sys.stderr, ending=ended):
        emit(Status("report_failed", problem))


def _read_commands(control: Control) -> None:
    for line in sys.stdin:
        command = line.strip().lower()
        if command == "pause":
            control.pause()
        elif command == "resume":
            control.resume()
        elif command == "stop":
            control.stop()
    control.stop(STOP_PARENT_GONE)


# Training is background work: a little below normal CPU priority, so that on a CPU (where
# training takes every core) the window that watches it still gets the core it needs to draw
# at once. An otherwise idle machine gives the child the same CPU time either way.
WORKER_NICENESS = 5


def main(run_dir: str, resume: bool = False) -> int:
    run_path = Path(run_dir)
    if hasattr(os, "nice"):
        try:
            os.nice(WORKER_NICENESS)
        except OSError:
            pass
    # fd 1 becomes the event channel's copy; fd 1 itself now points at stderr,
    # so stray prints from libraries cannot corrupt the event stream.
    events_out = os.fdopen(os.dup(1), "w", encoding="utf-8", buffering=1)
    os.dup2(2, 1)
    recorder = Recorder(run_path, events_out)
    control = Control()
    threading.Thread(target=_read_commands, args=(control,), daemon=True, name="commands").start()
    signal.signal(signal.SIGTERM, lambda *_: control.stop(STOP_TERMINATED))
    signal.signal(signal.SIGINT, lambda *_: control.stop(STOP_INTERRUPTED))
    runs.write_status(run_path, "starting", pid=os.getpid())
    try:
        if not (run_path / ENVIRONMENT).exists():
            atomic.write_json(run_path / ENVIRONMENT, describe_machine())
        ended = train_run(run_path, recorder.emit, control, resume=resume, emit_terminal=False)
        gc.collect()  # let the training model go before evaluation loads the model again
        # The reports describe the run as it ended; the end itself is announced (and recorded)
        # once the evaluation and the reports are done, so a listener can open them at once.
        after_training(run_path, recorder.emit, ended)
        recorder.emit(ended)
        return 0
    except BaseException as exc:  # noqa: BLE001 - every failure must reach the run's files
        details = traceback.format_exc()
        print(details, file=sys.stderr, flush=True)
        code = FAIL_ERROR
        if isinstance(exc, _READABLE):
            error = str(exc)
        elif isinstance(exc, MemoryError):
            code, error = FAIL_OUT_OF_MEMORY, text("fail.out_of_memory")
        else:
            error = f"{type(exc).__name__}: {exc}"
        failed = Failed(error=error, details=details[-4000:], iteration=recorder.iteration or None, code=code)
        recorder.metrics.write(failed)  # the report of a failed run says why
        try:
            from lorastudio.core.report.writer import write_reports

            write_reports(run_path, log=sys.stderr)
        except Exception:  # noqa: BLE001 - the failure itself is what matters (even a broken import)
            print(traceback.format_exc(), file=sys.stderr, flush=True)
        recorder.emit(failed, record=False)
        return 1
    finally:
        recorder.metrics.close()
