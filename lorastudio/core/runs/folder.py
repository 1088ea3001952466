"""Runs: one folder per training run under the runs root.

A run folder holds ``config.yaml`` (runnable by ``mlx_lm.lora -c``),
``status.json``, ``metrics.jsonl`` (every event, appended and flushed),
``adapter_config.json`` + ``adapters.safetensors`` + numbered checkpoints (the
files mlx-lm writes), ``best/`` (the best-validation adapter), ``resume/`` (our
exact-resume state), ``data/`` (the split of a single-file dataset) and
``worker.log`` (the training child's own output). Files are replaced
atomically. Plain Python, any thread; one writer per run at a time (the
training child, or the parent once the child is gone).
"""

from __future__ import annotations

import datetime as dt
import json
import os
import re
import shutil
import signal
import time
from dataclasses import dataclass
from pathlib import Path

from lorastudio.core.base import atomic
from lorastudio.core.base.said import Said
from lorastudio.core.config.train_config import TrainConfig
from lorastudio.core.runs.events import Event, Failed, Finished, Stopped, TrainReport, ValReport, from_json
from lorastudio.core.base.paths import runs_root
from lorastudio.core.runs import messages

CONFIG = "config.yaml"
STATUS = "status.json"
METRICS = "metrics.jsonl"
WORKER_LOG = "worker.log"
ADAPTERS = "adapters.safetensors"
ADAPTER_CONFIG = "adapter_config.json"

ACTIVE_STATES = ("starting", "running", "paused")


@dataclass(frozen=True)
class RunSummary:
    """What the runs list shows for one run."""

    path: Path
    name: str
    state: str
    model: str
    data: str
    created: float
    iteration: int
    total_iters: int
    last_train_loss: float | None
    last_val_loss: float | None
    best_val_loss: float | None
    message: str = ""


class RunError(Said, ValueError):
    """A run folder that is missing or not a run (in English and Chinese: ``messages``)."""

    table = messages.TABLE


def _slug(text: str, limit: int = 40) -> str:
    base = Path(text.rstrip("/")).name or text
    slug = re.sub(r"[^A-Za-z0-9._-]+", "-", base).strip("-.")
    return slug[:limit] or "run"


def create_run(config: TrainConfig, root: str | os.PathLike | None = None, name: str | None = None) -> Path:
    """Make a new run folder with its config and a 'created' status; return its path."""
    root = runs_root(root)
    root.mkdir(parents=True, exist_ok=True)
    stamp = dt.datetime.now().strftime("%Y%m%d-%H%M%S")
    base = name or f"{stamp}-{_slug(config.model)}"
    path = root / base
    n = 2
    while path.exists():
        path = root / f"{base}-{n}"
        n += 1
    path.mkdir()
    config.save(path / CONFIG)
    write_status(path, "created")
    return path


def resolve_run(run: str | os.PathLike, root: str | os.PathLike | None = None) -> Path:
    """A run given as a path or as a folder name under the runs root."""
    candidate = Path(run).expanduser()
    if not candidate.is_dir():
        candidate = runs_root(root) / str(run)
    if not (candidate / CONFIG).is_file():
        raise RunError.say("run.not_found", run=str(run), path=candidate / CONFIG)
    return candidate


def load_config(path: Path) -> TrainConfig:
    return TrainConfig.load(Path(path) / CONFIG)


# ----------------------------------------------------------------------------
# status.json


def write_status(path: Path, state: str, **fields) -> None:
    status = read_status(path) if (Path(path) / STATUS).exists() else {}
    status.update(fields)
    status["state"] = state
    status["updated"] = time.time()
    status.setdefault("created", status["updated"])
    atomic.write_json(Path(path) / STATUS, status)


def read_status(path: Path) -> dict:
    try:
        return json.loads((Path(path) / STATUS).read_text(encoding="utf-8"))
    except (FileNotFoundError, json.JSONDecodeError):
        return {}


def _alive(pid: int | None) -> bool:
    if not pid:
        return False
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    # A zombie child of ours still answers kill(0); treat it as gone.
    try:
        with open(f"/proc/{pid}/stat") as f:
            return f.read().split(") ")[-1][:1] != "Z"
    except OSError:
        return True


def effective_state(path: Path) -> tuple[str, str]:
    """The run's state and message, with a dead 'running' child read as failed."""
    status = read_status(path)
    state = status.get("state", "unknown")
    message = status.get("message", "")
    if state in ACTIVE_STATES and not _alive(status.get("pid")):
        return "failed", message or "the training process ended without finishing (killed or crashed)"
    return state, message


# ----------------------------------------------------------------------------
# metrics.jsonl


class MetricsWriter:
    """Appends events to metrics.jsonl, one flushed line each (a crash keeps every whole line)."""

    def __init__(self, path: Path):
        self._file = open(Path(path) / METRICS, "a", encoding="utf-8")

    def write(self, event: Event) -> None:
        self._file.write(event.to_json() + "\n")
        self._file.flush()
        os.fsync(self._file.fileno())

    def close(self) -> None:
        self._file.close()


def read_metrics(path: Path) -> list[Event]:
    """Every event of a run; a torn or foreign line (from a kill mid-write) is skipped."""
    events = []
    try:
        text = (Path(path) / METRICS).read_text(encoding="utf-8", errors="replace")
    except FileNotFoundError:
        return events
    for line in text.splitlines():
        if not line.strip():
            continue
        try:
            events.append(from_json(line))
        except (ValueError, TypeError):
            continue
    return events


def append_event(path: Path, event: Event) -> None:
    writer = MetricsWriter(path)
    try:
        writer.write(event)
    finally:
        writer.close()


# ----------------------------------------------------------------------------
# listing, opening, deleting


def summarize(path: Path) -> RunSummary:
    path = Path(path)
    status = read_status(path)
    state, message = effective_state(path)
    try:
        config = load_config(path)
        model, data, total = config.model, config.data, config.iters
    except Exception:  # a damaged config still lists the run
        model, data, total = "?", "?", 0
    events = read_metrics(path)
    train = [e for e in events if isinstance(e, TrainReport)]
    val = [e for e in events if isinstance(e, ValReport)]
    for e in events:
        if e.kind == "started":
            total = e.total_iters
    iteration = max([e.iteration for e in train] + [e.iteration for e in val] + [0])
    return RunSummary(
        path=path,
        name=path.name,
        state=state,
        model=status.get("source_model") or model,
        data=status.get("source_data") or data,
        created=status.get("created", path.stat().st_mtime),
        iteration=iteration,
        total_iters=total,
        last_train_loss=train[-1].train_loss if train else None,
        last_val_loss=val[-1].val_loss if val else None,
        best_val_loss=min((e.val_loss for e in val), default=None),
        message=message,
    )


def list_runs(root: str | os.PathLike | None = None) -> list[RunSummary]:
    """Every run under the root, newest first."""
    root = runs_root(root)
    if not root.is_dir():
        return []
    runs = [summarize(p) for p in root.iterdir() if (p / CONFIG).is_file()]
    return sorted(runs, key=lambda r: r.created, reverse=True)


def delete_run(path: str | os.PathLike, root: str | os.PathLike | None = None) -> None:
    """Remove a run folder; refuses while its training child is alive."""
    path = resolve_run(path, root)
    status = read_status(path)
    if status.get("state") in ACTIVE_STATES and _alive(status.get("pid")):
        raise RunError.say("run.still_training", run=path.name, pid=status["pid"])
    shutil.rmtree(path)


def checkpoints(path: Path) -> list[tuple[int, Path]]:
    """Numbered adapter checkpoints of a run, oldest first."""
    found = []
    for f in Path(path).glob("[0-9]" * 7 + "_adapters.safetensors"):
        found.append((int(f.name[:7]), f))
    return sorted(found)


def adapter_dir(path: Path, which: str = "final") -> Path:
    """A folder that ``mlx_lm ... --adapter-path`` loads: the run itself or best/."""
    path = Path(path)
    folder = path / "best" if which == "best" else path
    if not (folder / ADAPTERS).is_file():
        raise RunError.say("run.no_adapter", run=path.name, which=which, path=folder / ADAPTERS)
    return folder


def mark_failed(path: Path, error: str, details: str = "", iteration: int | None = None, code: str = "error") -> Failed:
    """Record a failure the child could not record itself (it was killed)."""
    event = Failed(error=error, details=details, iteration=iteration, code=code)
    append_event(path, event)
    write_status(path, "failed", message=error, pid=None)
    return event


def terminal_event(events: list[Event]) -> Event | None:
    for e in reversed(events):
        if isinstance(e, (Finished, Stopped, Failed)):
            return e
    return None


def signal_name(returncode: int) -> str:
    try:
        return signal.Signals(-returncode).name
    except (ValueError, TypeError):
        return f"signal {-returncode}"
