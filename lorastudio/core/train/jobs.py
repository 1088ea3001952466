"""Start, watch and steer training runs; the child process is an implementation detail.

``start_training(config)`` makes a run folder and starts the training child
(``lorastudio.core.train.worker``); the returned ``TrainingJob`` yields the child's
events, and ``stop``/``pause``/``resume``/``kill`` steer it. If the child dies
without saying why (SIGKILL, a Metal abort, out of memory), ``events()``
ends with a ``Failed`` event carrying the last lines of its log, and the run
is marked failed with its metrics and checkpoints kept.

A distributed run (a config with ``ranks`` > 1 or a ``hostfile``) starts MLX's
launcher instead, which starts the child once per rank
(``lorastudio.core.train.distributed``); rank 0's events reach ``events()`` through
it, commands reach every rank, and ``kill`` ends the launcher's whole process group.

``events()`` blocks on the child's output: call it from a worker thread in a
GUI (the app's QThread), directly on the command line. The other methods are
safe from any thread.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
from pathlib import Path
from typing import Iterator

from lorastudio.core.runs import folder as runs
from lorastudio.core.config.train_config import ConfigError, TrainConfig, validate_for_training
from lorastudio.core.runs.describe import FAIL_ENDED, FAIL_KILLED
from lorastudio.core.runs.events import TERMINAL, Event, Failed, from_json
from lorastudio.core.train.distributed import Plan, check_batch, check_reachable, launch_command, plan_for

WORKER_COMMAND = "_train-worker"


def worker_command(run_dir: Path, resume: bool, plan: Plan | None = None) -> list[str]:
    """The command line of the training child (a frozen app runs itself); with a plan, the launcher's."""
    if getattr(sys, "frozen", False):
        cmd = [sys.executable, WORKER_COMMAND, str(run_dir)]
    else:
        cmd = [sys.executable, "-m", "lorastudio", WORKER_COMMAND, str(run_dir)]
    cmd += ["--resume"] if resume else []
    if plan is None:
        return cmd
    cmd += ["--distributed", str(plan.ranks)] + (["--backend", plan.backend] if plan.backend else [])
    return launch_command(plan, cmd)


def _child_env() -> dict:
    env = dict(os.environ)
    package_parent = str(Path(__file__).resolve().parents[3])
    env["PYTHONPATH"] = os.pathsep.join(p for p in (package_parent, env.get("PYTHONPATH", "")) if p)
    env["PYTHONUNBUFFERED"] = "1"
    env.setdefault("TOKENIZERS_PARALLELISM", "false")
    return env


def log_tail(run_dir: Path, lines: int = 20) -> str:
    """The last lines the child wrote to its log (for a failure message)."""
    try:
        with open(Path(run_dir) / runs.WORKER_LOG, "rb") as f:
            f.seek(0, os.SEEK_END)
            f.seek(max(0, f.tell() - 16384))
            text = f.read().decode("utf-8", errors="replace")
    except FileNotFoundError:
        return ""
    return "\n".join(text.splitlines()[-lines:])


def describe_exit(returncode: int) -> str:
    if returncode < 0:
        name = runs.signal_name(returncode)
        if name == "SIGKILL":
            return "was killed (SIGKILL; the system may have run out of memory)"
        return f"was terminated by {name}"
    return f"exited with status {returncode}"


class TrainingJob:
    """One running training child and its event stream."""

    def __init__(self, run_dir: Path, resume: bool = False, plan: Plan | None = None):
        self.run_dir = Path(run_dir)
        self.plan = plan
        self._terminal: Event | None = None
        self._lock = threading.Lock()
        runs.write_status(self.run_dir, "starting", pid=None)
        log = open(self.run_dir / runs.WORKER_LOG, "ab")
        try:
            self.process = subprocess.Popen(
                worker_command(self.run_dir, resume, plan),
                stdin=subprocess.PIPE,
                stdout=subprocess.PIPE,
                stderr=log,
                env=_child_env(),
                # Its own process group: Ctrl-C in a terminal reaches the parent only,
                # which then asks the child to stop and save. Not its own session: on
                # Linux a new session is a new scheduler autogroup, and the child's lower
                # priority (worker.WORKER_NICENESS) would then not yield to the window.
                process_group=0,
            )
        finally:
            log.close()
        runs.write_status(self.run_dir, "starting", pid=self.process.pid)

    @property
    def pid(self) -> int:
        return self.process.pid

    @property
    def terminal_event(self) -> Event | None:
        return self._terminal

    def events(self) -> Iterator[Event]:
        """Every event until the child ends; always ends with Finished, Stopped or Failed."""
        for raw in self.process.stdout:
            line = raw.decode("utf-8", errors="replace").strip()
            if not line:
                continue
            try:
                event = from_json(line)
            except (ValueError, TypeError):
                continue
            if isinstance(event, TERMINAL):
                self._terminal = event
            yield event
        returncode = self.process.wait()
        if self._terminal is None:
            error = f"The training process {describe_exit(returncode)}."
            if self.plan is not None and returncode >= 0:
                # mlx.launch ends with 0 whatever its ranks did; its log says which one ended how.
                error = "A rank of the distributed run ended before finishing (see worker.log and ranks/)."
            code = FAIL_KILLED if returncode == -signal.SIGKILL else FAIL_ENDED
            self._terminal = runs.mark_failed(self.run_dir, error, details=log_tail(self.run_dir), code=code)
            self._write_reports_for_the_dead_child()
            yield self._terminal

    def _write_reports_for_the_dead_child(self) -> None:
        """A killed child wrote no report: write it here, so the run's files say it failed."""
        try:
            from lorastudio.core.report.writer import write_reports

            with open(self.run_dir / runs.WORKER_LOG, "a", encoding="utf-8") as log:
                write_reports(self.run_dir, log=log)
        except Exception:  # noqa: BLE001 - the failure is recorded already; the report is a bonus
            pass

    def _send(self, command: str) -> None:
        with self._lock:
            try:
                self.process.stdin.write(f"{command}\n".encode())
                self.process.stdin.flush()
            except (BrokenPipeError, OSError, ValueError):
                pass  # already ended

    def stop(self) -> None:
        """Ask the child to stop after the current step and save the adapter."""
        self._send("stop")

    def pause(self) -> None:
        self._send("pause")

    def resume(self) -> None:
        self._send("resume")

    def kill(self) -> None:
        """End the child at once (SIGKILL; a distributed run's launcher with its local ranks); the run is
        marked failed by ``events()``."""
        try:
            if self.plan is not None:
                os.killpg(self.process.pid, signal.SIGKILL)
            else:
                os.kill(self.process.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass

    def wait(self, timeout: float | None = None) -> int:
        return self.process.wait(timeout)

    def run_to_end(self) -> Event:
        """Consume every event; return the terminal one."""
        for _ in self.events():
            pass
        return self._terminal


def prepare_data(config: TrainConfig, run_dir: Path) -> TrainConfig:
    """Check the dataset; a single .jsonl file is split into the run's data/ folder.

    Returns the config the run will use (``data`` pointing at a folder, so that
    ``mlx_lm.lora -c config.yaml`` reads the same split).
    """
    from lorastudio.core.data.datasets import check_dataset, write_split
    from lorastudio.core.data.keys import DataKeys

    keys = DataKeys.from_config(config)
    if config.hf_dataset:  # mlx-lm's hf_dataset, from the local cache: written as the run's data/ folder
        from lorastudio.core.data.convert import hf_dataset_folder

        folder = hf_dataset_folder(config.hf_dataset, keys, run_dir / "data", with_test=config.test)
        config = config.replace(data=str(folder), hf_dataset=None)
    report = check_dataset(
        config.data, keys, valid_fraction=config.valid_fraction, test_fraction=config.test_fraction, split_seed=config.split_seed
    )
    report.raise_if_errors()
    source = Path(config.data).expanduser()
    if source.is_file():
        folder = run_dir / "data"
        write_split(report, folder)
        return config.replace(data=str(folder))
    return config.replace(data=str(source.resolve()))


def start_training(config: TrainConfig, root: str | os.PathLike | None = None, name: str | None = None) -> TrainingJob:
    """Check config and data, make the run folder, start the child; return the job."""
    from lorastudio.core.models.loading import check_model_reachable

    problems = validate_for_training(config)
    if problems:
        raise ConfigError(problems, "training")
    plan = plan_for(config)
    if plan is not None:
        check_batch(config, plan)
        check_reachable(plan)  # a host that cannot be reached fails the start, named, before anything trains
    check_model_reachable(config.model)  # before the run folder: a model not to be had leaves nothing
    run_dir = runs.create_run(config, root, name)
    try:
        used = prepare_data(config, run_dir)
    except Exception:
        import shutil

        shutil.rmtree(run_dir, ignore_errors=True)
        raise
    from lorastudio.core.data.datasets import fingerprint

    used.save(run_dir / runs.CONFIG)
    # The data as checked here: the child reads it again without checking every line twice.
    runs.write_status(run_dir, "created", source_data=config.data, source_model=config.model,
                      data_checked=fingerprint(used.data), **({"distributed": plan.record()} if plan else {}))
    return TrainingJob(run_dir, plan=plan)


def resume_training(run: str | os.PathLike, root: str | os.PathLike | None = None, iters: int | None = None) -> TrainingJob:
    """Continue a stopped, failed or finished run from its latest resume state.

    ``iters`` extends (or sets) the total number of steps.
    """
    from lorastudio.core.tuner import resume_state

    run_dir = runs.resolve_run(run, root)
    state, _ = runs.effective_state(run_dir)
    if state in runs.ACTIVE_STATES:
        raise runs.RunError(f"run {run_dir.name} is still training")
    if resume_state.latest(run_dir) is None:
        raise runs.RunError(f"run {run_dir.name} has no saved state to resume from (it stopped before its first checkpoint)")
    if iters is not None:
        config = runs.load_config(run_dir).replace(iters=iters, epochs=None)
        config.save(run_dir / runs.CONFIG)
    plan = plan_for(runs.load_config(run_dir))
    if plan is not None:
        check_reachable(plan)
        runs.write_status(run_dir, state, distributed=plan.record())
    return TrainingJob(run_dir, resume=True, plan=plan)


__all__ = ["TrainingJob", "start_training", "resume_training", "Failed"]
