"""Training events: frozen dataclasses of plain Python numbers and strings.

The training child emits them as JSON lines (one object a line, with an
``event`` key naming the type); the parent turns the lines back into these
objects; ``metrics.jsonl`` of a run holds the same lines. Nothing here holds
an ``mx.array``, so events cross threads and processes freely.
"""

from __future__ import annotations

import dataclasses
import json
import time
from dataclasses import dataclass, field
from typing import ClassVar


@dataclass(frozen=True)
class Event:
    kind: ClassVar[str] = "event"
    time: float = field(default_factory=time.time, kw_only=True)

    def to_json(self) -> str:
        data = {"event": self.kind, **dataclasses.asdict(self)}
        return json.dumps(data, ensure_ascii=False, allow_nan=True)


@dataclass(frozen=True)
class Status(Event):
    """A stage of the run's set-up or tear-down, for progress text.

    ``message`` is the English line; ``lorastudio.core.runs.describe`` says a
    known ``stage`` in other languages too, filled in with ``detail``.
    """

    kind: ClassVar[str] = "status"
    stage: str
    message: str
    detail: str = ""


@dataclass(frozen=True)
class Started(Event):
    """Training is about to take its first step (or first step after a resume)."""

    kind: ClassVar[str] = "started"
    run_dir: str
    total_iters: int
    start_iteration: int
    trainable_parameters: int
    total_parameters: int
    train_examples: int
    valid_examples: int
    test_examples: int
    device: str
    ranks: int = 1  # processes training it together (data-parallel; lorastudio.core.train.distributed)


@dataclass(frozen=True)
class TrainReport(Event):
    """Averages over the steps since the previous report (mlx-lm's train report)."""

    kind: ClassVar[str] = "train_report"
    iteration: int
    train_loss: float
    learning_rate: float
    iterations_per_second: float
    tokens_per_second: float
    trained_tokens: int
    peak_memory_gb: float
    # Tokens actually computed, padding included, per second (raw throughput).
    computed_tokens_per_second: float = 0.0
    elapsed_s: float = 0.0
    # A distributed run: each rank's own tokens per second, rank by rank (None in one process).
    rank_tokens_per_second: list[float] | None = None


@dataclass(frozen=True)
class ValReport(Event):
    """Validation loss after ``iteration`` training steps."""

    kind: ClassVar[str] = "val_report"
    iteration: int
    val_loss: float
    val_time: float
    is_best: bool = False


@dataclass(frozen=True)
class CheckpointSaved(Event):
    kind: ClassVar[str] = "checkpoint"
    iteration: int
    path: str
    reason: str  # "periodic", "best", "final", "stop"


@dataclass(frozen=True)
class Paused(Event):
    kind: ClassVar[str] = "paused"
    iteration: int


@dataclass(frozen=True)
class Resumed(Event):
    kind: ClassVar[str] = "resumed"
    iteration: int


@dataclass(frozen=True)
class TestReport(Event):
    __test__ = False  # not a pytest class
    kind: ClassVar[str] = "test_report"
    test_loss: float
    test_ppl: float
    test_time: float


@dataclass(frozen=True)
class Stopped(Event):
    """Training ended early (user stop, early stopping); the adapter was saved."""

    kind: ClassVar[str] = "stopped"
    iteration: int
    reason: str  # a code: "user", "terminated", "interrupted", "parent_gone" (lorastudio.core.runs.describe)
    adapter_path: str


@dataclass(frozen=True)
class Finished(Event):
    """The run is complete: every step taken (or stopped) and everything saved."""

    kind: ClassVar[str] = "finished"
    iteration: int
    adapter_path: str
    elapsed_s: float
    best_val_loss: float | None = None
    best_iteration: int | None = None


@dataclass(frozen=True)
class Failed(Event):
    """The run failed; ``error`` is one line for people, ``details`` the last log lines.

    ``code`` says how (``lorastudio.core.runs.describe``): "error" (``error`` is the
    message), "killed", "ended" (``error`` says how) or "out_of_memory".
    """

    kind: ClassVar[str] = "failed"
    error: str
    details: str = ""
    iteration: int | None = None
    code: str = "error"


EVENT_TYPES: dict[str, type[Event]] = {
    cls.kind: cls
    for cls in (Status, Started, TrainReport, ValReport, CheckpointSaved, Paused, Resumed, TestReport, Stopped, Finished, Failed)
}

# A run ends with exactly one of these.
TERMINAL = (Finished, Stopped, Failed)


def from_json(line: str) -> Event:
    """Parse one JSON line back into its event; raises ValueError on anything else."""
    data = json.loads(line)
    if not isinstance(data, dict) or data.get("event") not in EVENT_TYPES:
        raise ValueError(f"not a training event: {line[:80]!r}")
    cls = EVENT_TYPES[data.pop("event")]
    names = {f.name for f in dataclasses.fields(cls)}
    return cls(**{k: v for k, v in data.items() if k in names})
