"""The API for scripts: ``from lorastudio import train, chat, estimate``.

Three functions over the core, the same the app and the command line use:

- ``estimate(...)``: the predicted peak memory and step time of a run, before training.
- ``train(...)``: a run in the training child process, to its end; events as they come.
- ``chat(model, adapter=...)``: a chat engine with the base model and any adapter.

Each takes a training configuration as a ``TrainConfig``, a YAML file (the one
``mlx_lm.lora -c`` reads) or nothing, with any field given as a keyword on top.
Nothing heavy is imported until a function is called. ``train`` and
``estimate`` run on the calling thread; a ``chat`` engine belongs to the thread
that made it (MLX arrays are thread-local). Examples: ``docs/architecture.md``.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, Callable

if TYPE_CHECKING:
    from lorastudio.core.chat.engine import ChatEngine
    from lorastudio.core.config.train_config import TrainConfig
    from lorastudio.core.estimate.forecast import MemoryEstimate
    from lorastudio.core.runs.events import Event


def config_of(config: "TrainConfig | str | os.PathLike | None" = None, **fields: Any) -> "TrainConfig":
    """A ``TrainConfig`` from a config, a YAML file or the defaults, with ``fields`` laid over it."""
    from lorastudio.core.config.train_config import TrainConfig

    if config is None:
        config = TrainConfig()
    elif not isinstance(config, TrainConfig):
        config = TrainConfig.load(config)
    fields = {k: str(v) if isinstance(v, os.PathLike) else v for k, v in fields.items()}
    return config.replace(**fields) if fields else config


def estimate(config: "TrainConfig | str | os.PathLike | None" = None, **fields: Any) -> "MemoryEstimate | None":
    """The memory and time estimate of a run (``.summary()``, ``.total_gb``, ``.verdict``).

    None when the model is not on this machine (a repo id not downloaded yet).
    """
    from lorastudio.core.estimate.forecast import estimate_for_config

    return estimate_for_config(config_of(config, **fields))


@dataclass(frozen=True)
class TrainedRun:
    """How a run ended: its folder, its state ("finished", "stopped", "failed") and its last event."""

    run_dir: Path
    state: str
    final_event: "Event"

    @property
    def ok(self) -> bool:
        return self.state == "finished"


def train(config: "TrainConfig | str | os.PathLike | None" = None, *, runs_dir: str | os.PathLike | None = None,
          name: str | None = None, on_event: "Callable[[Event], None] | None" = None, **fields: Any) -> TrainedRun:
    """Train in the training child process until the run ends; return how it ended.

    ``on_event`` receives every event (train and validation reports, status
    lines, the end) on this thread. A run that fails returns with state
    "failed" and the reason in ``final_event.error``; bad settings or data
    raise before any run folder is made.
    """
    from lorastudio.core.runs.events import Failed, Finished
    from lorastudio.core.train.jobs import start_training

    root = Path(runs_dir).expanduser().resolve() if runs_dir is not None else None
    job = start_training(config_of(config, **fields), root=root, name=name)
    for event in job.events():
        if on_event is not None:
            on_event(event)
    final = job.terminal_event
    state = "finished" if isinstance(final, Finished) else "failed" if isinstance(final, Failed) else "stopped"
    return TrainedRun(run_dir=job.run_dir, state=state, final_event=final)


def chat(model: str | os.PathLike, adapter: str | os.PathLike | None = None, **options: Any) -> "ChatEngine":
    """A chat engine: ``engine.send(text, SamplingSettings(...)).read()`` answers (streamed when iterated).

    ``adapter`` is a run folder or name, ``RUN@best``, ``RUN@N``, an adapter
    folder or a checkpoint file; ``options`` go to ``ChatEngine`` (for example
    ``system_prompt``, ``runs_dir``).
    """
    from lorastudio.core.chat.engine import ChatEngine

    return ChatEngine(model, adapter, **options)
