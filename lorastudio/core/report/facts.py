"""The numbers of a run's training report, read from its folder and nothing else.

``collect(run_dir)`` reads ``config.yaml``, ``metrics.jsonl``,
``environment.json``, ``status.json``, ``evaluation.json`` (when present) and
the adapter files, and returns ``RunFacts``: the table rows, the convergence
and speed summaries, the state of the run. The wording lives in
``report_text``; the advice in ``report_advice``. Every number a report shows
comes from here, so a report can be checked against ``metrics.jsonl``.

Iteration numbers follow mlx-lm's console ("Iter N"), as the seed report
does: a training report at Iter N covers steps up to and including N; a
validation at Iter N is measured *before* step N, after N-1 steps (mlx-lm
hands its callback ``it - 1``, which is what ``ValReport.iteration`` holds).
So the first validation, of the untrained adapter, is "Iter 1", and the last
one shares the final row with the last training report.

Plain Python (no MLX), any thread; a run being written to is read as it is.
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass, field
from pathlib import Path

from lorastudio.core.runs import folder as runs
from lorastudio.core.config.train_config import TrainConfig
from lorastudio.core.runs.events import Event, Failed, Finished, Started, Status, Stopped, TestReport, TrainReport, ValReport

# ValReport.iteration + this = the "Iter N" mlx-lm prints for that validation.
VAL_ITER_OFFSET = 1

ENVIRONMENT = "environment.json"
EVALUATION = "evaluation.json"


@dataclass(frozen=True)
class Row:
    """One line of the report's table: a train report, a validation, or both at one Iter."""

    iteration: int
    train_loss: float | None = None
    val_loss: float | None = None
    iterations_per_second: float | None = None
    tokens_per_second: float | None = None
    trained_tokens: int | None = None


@dataclass(frozen=True)
class Trend:
    """A loss from its first to its last report."""

    first_iteration: int
    first: float
    last_iteration: int
    last: float
    best_iteration: int
    best: float

    @property
    def change(self) -> float:
        return self.last - self.first

    @property
    def change_percent(self) -> float:
        return 100.0 * self.change / self.first if self.first else 0.0


@dataclass(frozen=True)
class Rise:
    """A train loss higher than the report before it (for the oscillation rule)."""

    iteration: int
    before: float
    after: float

    @property
    def percent(self) -> float:
        return 100.0 * (self.after - self.before) / self.before if self.before else math.inf


@dataclass(frozen=True)
class Range:
    low: float
    high: float


@dataclass
class RunFacts:
    """Everything a report says about one run, as plain values."""

    run_dir: Path
    name: str
    config: TrainConfig | None
    config_error: str
    environment: dict
    status: dict
    # finished, stopped, failed, running, paused, starting, created
    state: str
    state_message: str
    failure: Failed | None
    stopped: Stopped | None
    finished: Finished | None
    started: Started | None
    resumed_at: list[int]
    train: list[TrainReport]
    val: list[ValReport]
    test: TestReport | None
    evaluation: dict | None
    evaluation_error: str
    adapter_files: list[tuple[str, int]]
    model_path: str
    early_stopped: bool = False
    rows: list[Row] = field(default_factory=list)

    # -- summaries -------------------------------------------------------------
    @property
    def total_iters(self) -> int:
        if self.started is not None:
            return self.started.total_iters
        return self.config.iters if self.config else 0

    @property
    def iteration(self) -> int:
        """Steps taken (the terminal event's count when there is one)."""
        for event in (self.finished, self.stopped):
            if event is not None:
                return event.iteration
        done = [r.iteration for r in self.train] + [v.iteration for v in self.val]
        if self.failure is not None and self.failure.iteration:
            done.append(self.failure.iteration)
        return max(done, default=0)

    def train_trend(self) -> Trend | None:
        return _trend([(r.iteration, r.train_loss) for r in self.train])

    def val_trend(self) -> Trend | None:
        return _trend([(v.iteration + VAL_ITER_OFFSET, v.val_loss) for v in self.val])

    def rises(self) -> list[Rise]:
        """Every train report whose loss is above the previous report's."""
        out = []
        for before, after in zip(self.train, self.train[1:]):
            if after.train_loss > before.train_loss:
                out.append(Rise(after.iteration, before.train_loss, after.train_loss))
        return out

    def speed_range(self) -> Range | None:
        values = [r.iterations_per_second for r in self.train]
        return Range(min(values), max(values)) if values else None

    def tokens_range(self) -> Range | None:
        values = [r.tokens_per_second for r in self.train]
        return Range(min(values), max(values)) if values else None

    def learning_rate_range(self) -> Range | None:
        values = [r.learning_rate for r in self.train]
        return Range(min(values), max(values)) if values else None

    @property
    def peak_memory_gb(self) -> float | None:
        values = [r.peak_memory_gb for r in self.train if r.peak_memory_gb > 0]
        return max(values) if values else None

    @property
    def trained_tokens(self) -> int | None:
        return self.train[-1].trained_tokens if self.train else None

    @property
    def train_seconds(self) -> float | None:
        seconds = self.train[-1].elapsed_s if self.train else 0.0
        return seconds or None

    @property
    def memory_bytes(self) -> int:
        value = self.environment.get("memory_bytes")
        return int(value) if isinstance(value, (int, float)) and value > 0 else 0

    @property
    def epochs_seen(self) -> float | None:
        """How many passes over the training set the steps taken add up to."""
        if self.started is None or not self.started.train_examples or self.config is None:
            return None
        return self.iteration * self.config.batch_size / self.started.train_examples


def _trend(points: list[tuple[int, float]]) -> Trend | None:
    if not points:
        return None
    finite = [p for p in points if math.isfinite(p[1])] or points
    best = min(finite, key=lambda p: p[1])
    return Trend(points[0][0], points[0][1], points[-1][0], points[-1][1], best[0], best[1])


# ----------------------------------------------------------------------------
# reading the folder


def _read_json(path: Path) -> tuple[dict | None, str]:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        return None, ""
    except (OSError, ValueError) as exc:
        return None, f"{path.name}: {exc}"
    if not isinstance(data, dict):
        return None, f"{path.name}: not a JSON object"
    return data, ""


def timeline(events: list) -> tuple[list[TrainReport], list[ValReport], list[int]]:
    """Train and validation reports as the adapter lived them, and where it was resumed.

    A resume from an earlier checkpoint redoes the steps after it: reports
    past the resumed step are dropped when the ``started`` event of the
    resume arrives, and a later report of the same iteration wins.
    """
    train: dict[int, TrainReport] = {}
    val: dict[int, ValReport] = {}
    resumed_at = []
    for event in events:
        if isinstance(event, Started):
            start = event.start_iteration
            if start > 0:
                resumed_at.append(start)
            train = {k: v for k, v in train.items() if k <= start}
            val = {k: v for k, v in val.items() if k <= start}
        elif isinstance(event, TrainReport):
            train[event.iteration] = event
        elif isinstance(event, ValReport):
            val[event.iteration] = event
    return [train[k] for k in sorted(train)], [val[k] for k in sorted(val)], resumed_at


def table_rows(train: list[TrainReport], val: list[ValReport]) -> list[Row]:
    """The report's table: train reports and validations merged by their Iter."""
    rows: dict[int, dict] = {}
    for r in train:
        rows.setdefault(r.iteration, {}).update(
            train_loss=r.train_loss,
            iterations_per_second=r.iterations_per_second,
            tokens_per_second=r.tokens_per_second,
            trained_tokens=r.trained_tokens,
        )
    for v in val:
        rows.setdefault(v.iteration + VAL_ITER_OFFSET, {})["val_loss"] = v.val_loss
    return [Row(iteration=k, **rows[k]) for k in sorted(rows)]


def _run_state(run_dir: Path, events: list, status: dict) -> tuple[str, str, Failed | None, Stopped | None, Finished | None]:
    """The run's state: its last terminal event unless a later start says it went on."""
    last_start = max((i for i, e in enumerate(events) if isinstance(e, Started)), default=-1)
    last_end = max((i for i, e in enumerate(events) if isinstance(e, (Finished, Stopped, Failed))), default=-1)
    terminal = events[last_end] if last_end >= 0 else None
    if terminal is not None and last_end > last_start:
        if isinstance(terminal, Finished):
            return "finished", "", None, None, terminal
        if isinstance(terminal, Stopped):
            return "stopped", terminal.reason, None, terminal, None
        return "failed", terminal.error, terminal, None, None
    state, message = runs.effective_state(run_dir)
    if state in ("unknown", "created"):
        # No status written (an in-process run) but training began: it is under way.
        state = "running" if last_start >= 0 else "created"
    failure = None
    if state == "failed":
        # A child killed before it could say why: the status is all there is.
        failure = Failed(error=message or "the training process ended without finishing", time=0.0)
    return state, message, failure, None, None


def adapter_files(run_dir: Path) -> list[tuple[str, int]]:
    """The adapter files that exist, relative to the run folder, with their sizes in bytes."""
    names = [runs.ADAPTER_CONFIG, runs.ADAPTERS]
    names += [path.name for _, path in runs.checkpoints(run_dir)]
    names += [f"best/{runs.ADAPTER_CONFIG}", f"best/{runs.ADAPTERS}"]
    out = []
    for name in names:
        path = run_dir / name
        try:
            if path.is_file():
                out.append((name, path.stat().st_size))
        except OSError:
            continue
    return out


def _model_path(run_dir: Path, config: TrainConfig | None) -> str:
    """The model as mlx_lm.generate should be given it: the resolved folder when known."""
    data, _ = _read_json(run_dir / runs.ADAPTER_CONFIG)
    if data and isinstance(data.get("model"), str) and data["model"]:
        return data["model"]
    return config.model if config else ""


def collect(run_dir: str | Path, ending: Event | None = None) -> RunFacts:
    """Read a run folder into ``RunFacts``; damaged or missing files become messages, never crashes.

    ``ending``: the run's terminal event, read as the last line of metrics.jsonl when it is not
    written there yet.
    """
    run_dir = Path(run_dir)
    config, config_error = None, ""
    try:
        config = runs.load_config(run_dir)
    except Exception as exc:  # noqa: BLE001 - a damaged config still gets a report
        config_error = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
    events = runs.read_metrics(run_dir) + ([ending] if ending is not None else [])
    status = runs.read_status(run_dir)
    environment, _ = _read_json(run_dir / ENVIRONMENT)
    evaluation, evaluation_error = _read_json(run_dir / EVALUATION)
    state, message, failure, stopped, finished = _run_state(run_dir, events, status)
    train, val, resumed_at = timeline(events)
    started = next((e for e in reversed(events) if isinstance(e, Started)), None)
    last_start = max((i for i, e in enumerate(events) if isinstance(e, Started)), default=-1)
    test = next((e for e in reversed(events[last_start + 1:]) if isinstance(e, TestReport)), None)
    facts = RunFacts(
        run_dir=run_dir,
        name=run_dir.name,
        config=config,
        config_error=config_error,
        environment=environment or {},
        status=status,
        state=state,
        state_message=message,
        failure=failure,
        stopped=stopped,
        finished=finished,
        started=started,
        resumed_at=resumed_at,
        train=train,
        val=val,
        test=test,
        evaluation=evaluation,
        evaluation_error=evaluation_error,
        adapter_files=adapter_files(run_dir),
        model_path=_model_path(run_dir, config),
        early_stopped=any(isinstance(e, Status) and e.stage == "early_stop" for e in events[last_start + 1:]),
    )
    facts.rows = table_rows(train, val)
    return facts
