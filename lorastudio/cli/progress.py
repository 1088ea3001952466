"""The command line's live progress line for a training run.

``ProgressPrinter.handle(event)`` redraws one line in a terminal
(iteration, loss, tokens/s, elapsed time, ETA) and prints a plain line per
report when the output is not a terminal (a log file, CI). Runs on the
command line's main thread.
"""

from __future__ import annotations

import shutil
import sys
import time

from lorastudio.core.runs.events import (
    CheckpointSaved,
    Event,
    Failed,
    Finished,
    Paused,
    Resumed,
    Started,
    Status,
    Stopped,
    TestReport,
    TrainReport,
    ValReport,
)
from lorastudio.core.runs.metrics import format_duration



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
        done = self.iteration - self.start_iteration
        if self.started_at is None or done <= 0:
            return None
        elapsed = time.time() - self.started_at
        return elapsed / done * (self.total - self.iteration)

    def status_line(self) -> str:
        width = len(str(self.total or 0))
        parts = [f"[{self.iteration:>{width}}/{self.total}]"]
        if self.loss is not None:
            parts.append(f"loss {self.loss:.3f}")
        if self.val_loss is not None:
            parts.append(f"val {self.val_loss:.3f}")
        if self.tokens_per_second is not None:
            parts.append(f"{self.tokens_per_second:,.0f} tok/s")
        elapsed = time.time() - self.started_at if self.started_at else 0
        parts.append(f"{format_duration(elapsed)} elapsed")
        parts.append(f"ETA {format_duration(self.eta())}")
        return " | ".join(parts)

    # --- events ---------------------------------------------------------------
    def handle(self, event: Event) -> None:
        if isinstance(event, Status):
            self._print(f"{event.message}")
        elif isinstance(event, Started):
            self.total = event.total_iters
            self.start_iteration = self.iteration = event.start_iteration
            self.started_at = time.time()
            share = 100.0 * event.trainable_parameters / max(event.total_parameters, 1)
            self._print(
                f"Training on {event.device}: {event.train_examples} train / {event.valid_examples} valid examples, "
                f"trainable {share:.3f}% ({event.trainable_parameters / 1e6:.3f}M / {event.total_parameters / 1e6:.3f}M)"
            )
        elif isinstance(event, TrainReport):
            self.iteration = event.iteration
            self.loss = event.train_loss
            self.tokens_per_second = event.tokens_per_second
            self._redraw()
        elif isinstance(event, ValReport):
            self.val_loss = event.val_loss
            best = " (best so far)" if event.is_best else ""
            self._print(f"Validation loss after {event.iteration} steps: {event.val_loss:.3f}{best} [{event.val_time:.1f} s]")
        elif isinstance(event, CheckpointSaved):
            if event.reason == "periodic":
                self._print(f"Saved checkpoint {event.path}")
        elif isinstance(event, Paused):
            self._print(f"Paused after step {event.iteration}")
        elif isinstance(event, Resumed):
            self._print("Resumed")
        elif isinstance(event, TestReport):
            self._print(f"Test loss {event.test_loss:.3f}, perplexity {event.test_ppl:.3f}")
        elif isinstance(event, Stopped):
            self._print(f"Stopped after step {event.iteration} ({event.reason}); adapter saved.")
        elif isinstance(event, Finished):
            best = ""
            if event.best_val_loss is not None:
                best = f"; best validation loss {event.best_val_loss:.3f} after {event.best_iteration} steps"
            self._print(f"Finished {event.iteration} steps in {format_duration(event.elapsed_s)}{best}.")
        elif isinstance(event, Failed):
            self._print(f"Training failed: {event.error}")
