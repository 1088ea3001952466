"""The training child process: runs one run's engine and streams its events.

Started by ``lorastudio.core.train.jobs`` as ``python -m lorastudio _train-worker
RUN [--resume]``. Its original stdout carries only events, one JSON object a
line; everything else that would print to stdout (mlx-lm's warnings) is sent
to stderr, which the parent writes to the run's ``worker.log``. Commands
arrive on stdin, one a line: ``pause``, ``resume``, ``stop``; end of input
(the parent went away; for a distributed run, the launcher's "parent-gone") also
stops, saving the adapter. Each event is also
appended to ``metrics.jsonl`` and reflected in ``status.json`` here, so the
run's files are complete even if nobody is listening.

A distributed run (``--distributed N [--backend B]``, started by ``mlx.launch``
through ``lorastudio.core.train.distributed``) runs this on every rank: rank 0 is the
child described above (its stdout reaches the parent through the launcher, its
commands arrive through the launcher too); every other rank trains its share
silently, writes nothing of the run but its own log (``ranks/rank-N.log`` in the
run folder of its machine) and ends after the last step. A rank that gets SIGTERM
(mlx.launch sends it to every rank when one of them ends badly) asks to stop and,
if it is still blocked on an all-sum its dead peer never answers, ends
``distributed.HARD_EXIT_S`` seconds later.

Threads: the engine runs on the main thread; one daemon thread reads stdin.
"""

from __future__ import annotations

import gc
import os
import signal
import socket
import sys
import threading
import traceback
from pathlib import Path

from lorastudio.core.base import atomic

from lorastudio.core.runs import folder as runs
from lorastudio.core.base.environment import describe_machine
from lorastudio.core.train.distributed import HARD_EXIT_S, PARENT_GONE_COMMAND
from lorastudio.core.tuner.loop import Control, Ranks, TrainingError, join_ranks, train_run
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
        elif isinstance(event, TrainReport) and event.rank_tokens_per_second:
            from lorastudio.core.train.distributed import host_rates

            hosts = (runs.read_status(self.run_dir).get("distributed") or {}).get("hosts") or []
            runs.write_status(self.run_dir, "running", iteration=event.iteration,
                              host_tokens_per_second=host_rates(hosts, event.rank_tokens_per_second))
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
        elif command == PARENT_GONE_COMMAND:  # a distributed run's launcher lost its input (distributed.py)
            break
    control.stop(STOP_PARENT_GONE)


# Training is background work: a little below normal CPU priority, so that on a CPU (where
# training takes every core) the window that watches it still gets the core it needs to draw
# at once. An otherwise idle machine gives the child the same CPU time either way.
WORKER_NICENESS = 5


def _hard_exit_later(seconds: float) -> None:
    """End this process in ``seconds`` whatever it is doing (a rank blocked on a dead peer's all-sum)."""
    timer = threading.Timer(seconds, lambda: os._exit(1))
    timer.daemon = True
    timer.start()


def _watch_signals(control: Control) -> None:
    """A distributed rank's SIGTERM and SIGINT, acted on by a thread of their own.

    A Python signal handler runs only when the main thread returns to Python, which a
    rank blocked in an all-sum that a dead peer never answers does not do. But the
    C-level handler writes the signal's number to the wakeup pipe at once, on any
    thread: a thread reading the pipe asks the loop to stop and, after SIGTERM, ends
    the process ``HARD_EXIT_S`` seconds later if it is still there. The Python
    handlers only keep the signals from ending the process first (main thread only).
    """
    read_end, write_end = os.pipe()
    os.set_blocking(write_end, False)
    for signum in (signal.SIGTERM, signal.SIGINT):
        signal.signal(signum, lambda *_: None)
    signal.set_wakeup_fd(write_end)

    def watch():
        while True:
            for signum in os.read(read_end, 64):
                if signum == signal.SIGTERM:
                    control.stop(STOP_TERMINATED)
                    _hard_exit_later(HARD_EXIT_S)
                elif signum == signal.SIGINT:
                    control.stop(STOP_INTERRUPTED)

    threading.Thread(target=watch, daemon=True, name="signals").start()


def follower_main(run_path: Path, resume: bool, ranks: Ranks, control: Control) -> int:
    """A rank other than 0: trains its share, writes only its own log, says nothing."""
    try:
        logs = run_path / "ranks"
        logs.mkdir(exist_ok=True)
        log = os.open(logs / f"rank-{ranks.rank}.log", os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o644)
        os.dup2(log, 2)
        os.dup2(log, 1)
        atomic.write_json(logs / f"rank-{ranks.rank}.json", {"rank": ranks.rank, "ranks": ranks.size, "pid": os.getpid(),
                                                             "host": socket.gethostname()})
    except OSError:
        pass  # no run folder here to write in: the launcher's stderr keeps this rank's lines
    try:
        train_run(run_path, lambda event: None, control, resume=resume, emit_terminal=False, ranks=ranks)
        return 0
    except BaseException:  # noqa: BLE001 - a failed rank must end with a status mlx.launch sees
        print(traceback.format_exc(), file=sys.stderr, flush=True)
        return 1


def main(run_dir: str, resume: bool = False, distributed: int = 0, backend: str | None = None) -> int:
    """The child's life; ``distributed``: the number of ranks this one was launched among (0: alone)."""
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
    ranks, joined, control = None, None, Control()
    if distributed:
        _watch_signals(control)
        try:
            ranks = join_ranks(backend, distributed)
        except TrainingError as exc:
            joined = exc  # said by rank 0 below, as the run's failure
        if ranks is not None and not ranks.writes:
            events_out.close()
            return follower_main(run_path, resume, ranks, control)
    else:
        signal.signal(signal.SIGTERM, lambda *_: control.stop(STOP_TERMINATED))
        signal.signal(signal.SIGINT, lambda *_: control.stop(STOP_INTERRUPTED))
    recorder = Recorder(run_path, events_out)
    threading.Thread(target=_read_commands, args=(control,), daemon=True, name="commands").start()
    runs.write_status(run_path, "starting", pid=os.getpid())
    try:
        if joined is not None:
            raise joined
        if not (run_path / ENVIRONMENT).exists():
            atomic.write_json(run_path / ENVIRONMENT, describe_machine())
        ended = train_run(run_path, recorder.emit, control, resume=resume, emit_terminal=False, ranks=ranks)
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
