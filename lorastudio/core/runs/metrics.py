"""A run's events as plot-ready series (loss, validation, throughput, learning rate, memory), and their durations as text.

``RunSeries`` grows one event at a time (the live plots) or is built from a
run's ``metrics.jsonl`` (past runs, overlays, the report). Plain Python
lists of floats; any thread, one writer.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from lorastudio.core.runs.events import Event, Failed, Finished, Started, Stopped, TestReport, TrainReport, ValReport


@dataclass
class RunSeries:
    iterations: list[int] = field(default_factory=list)
    train_loss: list[float] = field(default_factory=list)
    learning_rate: list[float] = field(default_factory=list)
    tokens_per_second: list[float] = field(default_factory=list)
    iterations_per_second: list[float] = field(default_factory=list)
    trained_tokens: list[int] = field(default_factory=list)
    peak_memory_gb: list[float] = field(default_factory=list)
    val_iterations: list[int] = field(default_factory=list)
    val_loss: list[float] = field(default_factory=list)
    total_iters: int = 0
    start_iteration: int = 0
    test: TestReport | None = None
    ended: Event | None = None
    started: Started | None = None

    def add(self, event: Event) -> bool:
        """Take one event; True when a series changed."""
        if isinstance(event, TrainReport):
            self.iterations.append(event.iteration)
            self.train_loss.append(event.train_loss)
            self.learning_rate.append(event.learning_rate)
            self.tokens_per_second.append(event.tokens_per_second)
            self.iterations_per_second.append(event.iterations_per_second)
            self.trained_tokens.append(event.trained_tokens)
            self.peak_memory_gb.append(event.peak_memory_gb)
            return True
        if isinstance(event, ValReport):
            self.val_iterations.append(event.iteration)
            self.val_loss.append(event.val_loss)
            return True
        if isinstance(event, Started):
            self.started = event
            self.total_iters = event.total_iters
            self.start_iteration = event.start_iteration
            self.ended = None
        elif isinstance(event, TestReport):
            self.test = event
        elif isinstance(event, (Finished, Stopped, Failed)):
            self.ended = event
        return False

    @classmethod
    def from_events(cls, events: list[Event]) -> "RunSeries":
        series = cls()
        for event in events:
            series.add(event)
        return series

    @classmethod
    def from_run(cls, run_dir: Path) -> "RunSeries":
        from lorastudio.core.runs.folder import read_metrics

        return cls.from_events(read_metrics(run_dir))

    @property
    def last_iteration(self) -> int:
        return max((self.iterations[-1] if self.iterations else 0), (self.val_iterations[-1] if self.val_iterations else 0))


def format_duration(seconds: float | None) -> str:
    """A clock-style duration, "03:07" or "1:02:09"; "--:--" when unknown (the CLI and the app share it)."""
    if seconds is None or seconds != seconds or seconds < 0:
        return "--:--"
    seconds = int(round(seconds))
    hours, rest = divmod(seconds, 3600)
    minutes, secs = divmod(rest, 60)
    return f"{hours}:{minutes:02d}:{secs:02d}" if hours else f"{minutes:02d}:{secs:02d}"
