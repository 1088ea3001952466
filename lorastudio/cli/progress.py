"""The command line's live progress line for a training run.

``ProgressPrinter.handle(event)`` redraws one line in a terminal
(iteration, loss, tokens/s, elapsed time, ETA; for a run on several ranks, each host's
tokens/s) and prints a plain line per
report when the output is not a terminal (a log file, CI). ``StageLine`` does
the same for a core job's ``progress(stage, fraction)`` (one stage per tensor
of a GGUF import). Runs on the command line's main thread.
"""

from __future__ import annotations

import shutil
import sys
import time

from lorastudio.core.runs.describe import describe_event, eta_seconds
from lorastudio.core.runs.events import CheckpointSaved, Event, Started, TrainReport, ValReport
from lorastudio.core.runs.metrics import format_duration



def _rank_hosts(run_dir: str, ranks: int) -> list[str]:
    """The host of each rank, as the run's status.json records it (rank numbers when it does not)."""
    from lorastudio.core.runs.folder import read_status

    hosts = (read_status(run_dir).get("distributed") or {}).get("hosts") or []
    return hosts if len(hosts) == ranks else [f"rank {r}" for r in range(ranks)]


class ProgressPrinter:
    def __init__(self, stream=None):
        self.stream = stream or sys.stdout
        self.tty = hasattr(self.stream, "isatty") and self.stream.isatty()
        self.total = 0
        self.start_iteration = 0
        self.started_at: float | None = None
        self.iteration = 0
        self.loss: float | None = None
        self.val_loss: float | None = None
        self.tokens_per_second: float | None = None
        self.hosts: list[str] = []  # a distributed run's host of each rank (its status.json)
        self.host_rates: dict[str, float] = {}
        self._line_open = False

    # --- output helpers -------------------------------------------------------
    def _print(self, text: str) -> None:
        if self._line_open:
            self.stream.write("\n")
            self._line_open = False
        self.stream.write(text + "\n")
        self.stream.flush()

    def _redraw(self) -> None:
        line = self.status_line()
        if self.tty:
            width = shutil.get_terminal_size((100, 20)).columns - 1
            self.stream.write("\r" + line[:width].ljust(width))
            self.stream.flush()
            self._line_open = True
        else:
            self._print(line)

    def eta(self) -> float | None:
        if self.started_at is None:
            return None
        return eta_seconds(time.time() - self.started_at, self.iteration - self.start_iteration, self.total - self.iteration)

    def status_line(self) -> str:
        width = len(str(self.total or 0))
        parts = [f"[{self.iteration:>{width}}/{self.total}]"]
        if self.loss is not None:
            parts.append(f"loss {self.loss:.3f}")
        if self.val_loss is not None:
            parts.append(f"val {self.val_loss:.3f}")
        if self.tokens_per_second is not None:
            parts.append(f"{self.tokens_per_second:,.0f} tok/s")
        if self.host_rates:
            hosts = ", ".join(f"{host} {rate:,.0f}" for host, rate in self.host_rates.items())
            parts.append(f"{len(self.hosts)} ranks ({hosts} tok/s)")
        elapsed = time.time() - self.started_at if self.started_at else 0
        parts.append(f"{format_duration(elapsed)} elapsed")
        parts.append(f"ETA {format_duration(self.eta())}")
        return " | ".join(parts)

    # --- events ---------------------------------------------------------------
    def handle(self, event: Event) -> None:
        """Keep the figures of the progress line; print every other event as its line (English)."""
        if isinstance(event, Started):
            self.total = event.total_iters
            self.start_iteration = self.iteration = event.start_iteration
            self.started_at = time.time()
            if event.ranks > 1:
                self.hosts = _rank_hosts(event.run_dir, event.ranks)
        elif isinstance(event, TrainReport):
            self.iteration = event.iteration
            self.loss = event.train_loss
            self.tokens_per_second = event.tokens_per_second
            if event.rank_tokens_per_second:
                from lorastudio.core.train.distributed import host_rates

                self.host_rates = host_rates(self.hosts, event.rank_tokens_per_second)
            self._redraw()
            return
        elif isinstance(event, ValReport):
            self.val_loss = event.val_loss
        elif isinstance(event, CheckpointSaved) and event.reason != "periodic":
            return  # the stop, final and best adapters are said by the lines that follow them
        line = describe_event(event)
        if line:
            self._print(line)


class StageLine:
    """``progress(stage, fraction)`` for a core job: one line redrawn in a terminal, one line per stage otherwise."""

    def __init__(self, stream=None):
        self.stream = stream or sys.stdout
        self.tty = hasattr(self.stream, "isatty") and self.stream.isatty()
        self._line_open = False

    def __call__(self, stage: str, fraction: float) -> None:
        line = f"{fraction:4.0%} {stage}"
        if self.tty:
            width = shutil.get_terminal_size((100, 20)).columns - 1
            self.stream.write("\r" + line[:width].ljust(width))
            self._line_open = True
        else:
            self.stream.write(line + "\n")
        self.stream.flush()

    def close(self) -> None:
        """End the redrawn line (nothing to do when every stage had its own line)."""
        if self._line_open:
            self.stream.write("\n")
            self.stream.flush()
            self._line_open = False
