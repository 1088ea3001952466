"""The ``mlx_lm.lora`` command line that runs a configuration with mlx-lm itself.

``mlx_lm.lora`` has flags for most options but none for ``lora_parameters``,
``lr_schedule`` or ``optimizer_config``, so the command always reads the
whole configuration from a saved YAML with ``-c`` and repeats as flags the
options that differ from mlx-lm's defaults (readable at a glance; a flag wins
over the file, and both hold the same value). Two options must be flags:
mlx-lm gives ``--clear-cache-threshold`` and ``--trust-remote-code`` non-None
defaults, so their values in the file are never read.

``notes`` says what the command does not reproduce (LoRA Studio's own
options, a single .jsonl file that LoRA Studio splits itself). Pure Python,
any thread; nothing here imports MLX.
"""

from __future__ import annotations

import math
import os
import shlex
from dataclasses import dataclass, field
from pathlib import Path

from lorastudio.core.config.train_config import TrainConfig

PROGRAM = "mlx_lm.lora"

# Config field -> mlx_lm.lora flag, from mlx_lm/lora.py build_parser(). Booleans
# are store_true flags: they can only say "true", the file says "false".
FLAGS = {
    "model": "--model",
    "data": "--data",
    "fine_tune_type": "--fine-tune-type",
    "optimizer": "--optimizer",
    "mask_prompt": "--mask-prompt",
    "num_layers": "--num-layers",
    "batch_size": "--batch-size",
    "iters": "--iters",
    "val_batches": "--val-batches",
    "learning_rate": "--learning-rate",
    "steps_per_report": "--steps-per-report",
    "steps_per_eval": "--steps-per-eval",
    "grad_accumulation_steps": "--grad-accumulation-steps",
    "resume_adapter_file": "--resume-adapter-file",
    "adapter_path": "--adapter-path",
    "save_every": "--save-every",
    "test": "--test",
    "test_batches": "--test-batches",
    "max_seq_length": "--max-seq-length",
    "grad_checkpoint": "--grad-checkpoint",
    "clear_cache_threshold": "--clear-cache-threshold",
    "report_to": "--report-to",
    "project_name": "--project-name",
    "seed": "--seed",
    "trust_remote_code": "--trust-remote-code",
}

# mlx_lm.lora's CONFIG_DEFAULTS for the flagged options (a test keeps this in
# step with the installed mlx-lm): a flag is written only when the value differs.
MLX_DEFAULTS = {
    "fine_tune_type": "lora",
    "optimizer": "adam",
    "mask_prompt": False,
    "num_layers": 16,
    "batch_size": 4,
    "iters": 1000,
    "val_batches": 25,
    "learning_rate": 1e-5,
    "steps_per_report": 10,
    "steps_per_eval": 200,
    "grad_accumulation_steps": 1,
    "resume_adapter_file": None,
    "adapter_path": "adapters",
    "save_every": 100,
    "test": False,
    "test_batches": 500,
    "max_seq_length": 2048,
    "grad_checkpoint": False,
    "clear_cache_threshold": 0,
    "report_to": None,
    "project_name": None,
    "seed": 0,
    "trust_remote_code": False,
}

# Flags whose value in the YAML mlx_lm.lora never reads (its argparse default is not None).
ALWAYS_FLAGGED = ("clear_cache_threshold", "trust_remote_code")


@dataclass(frozen=True)
class Note:
    """Something the command does not do as LoRA Studio would; ``code`` lets the UI translate it."""

    code: str
    text: str
    values: dict = field(default_factory=dict)


@dataclass(frozen=True)
class MlxCommand:
    argv: list[str]
    notes: list[Note]

    @property
    def shell(self) -> str:
        """One line for a POSIX shell (macOS Terminal), every argument quoted where needed."""
        return shlex.join(self.argv)


def format_number(value: float | int) -> str:
    """The shortest text that reads back as the same number: 1e-05 becomes 1e-5."""
    if isinstance(value, bool) or not isinstance(value, float):
        return str(value)
    if not math.isfinite(value):
        return repr(value)
    text = repr(value)
    if "e" in text:
        mantissa, exponent = text.split("e")
        return f"{mantissa}e{int(exponent)}"
    return text[:-2] if text.endswith(".0") else text


def _differs(name: str, value) -> bool:
    return name not in MLX_DEFAULTS or value != MLX_DEFAULTS[name]


def mlx_lora_command(config: TrainConfig, config_path: str | os.PathLike) -> MlxCommand:
    """``mlx_lm.lora --model M --data D --train [flags] -c CONFIG_PATH`` for ``config``.

    ``config_path`` must hold ``config`` saved as YAML (``config.save(path)``).
    """
    argv = [PROGRAM]
    if config.model:
        argv += ["--model", config.model]
    if config.data:
        argv += ["--data", config.data]
    argv.append("--train")
    for name, flag in FLAGS.items():
        if name in ("model", "data"):
            continue
        value = getattr(config, name)
        if not (_differs(name, value) or (name in ALWAYS_FLAGGED and value)):
            continue
        if isinstance(value, bool):
            if value:
                argv.append(flag)
        elif value is not None:
            argv += [flag, format_number(value)]
    argv += ["-c", str(config_path)]
    return MlxCommand(argv, notes_for(config))


def notes_for(config: TrainConfig) -> list[Note]:
    """What ``mlx_lm.lora`` will do differently from a LoRA Studio run of ``config``."""
    notes = []
    data = Path(config.data) if config.data else None
    if data is not None and data.suffix.lower() == ".jsonl":
        notes.append(Note(
            "data_file",
            "mlx_lm.lora needs a folder with train.jsonl and valid.jsonl; LoRA Studio splits this single file itself.",
            {"path": config.data},
        ))
    if config.epochs is not None:
        notes.append(Note(
            "epochs",
            "mlx_lm.lora has no epochs: it trains for iters ({iters}) steps.",
            {"iters": config.iters},
        ))
    if config.batching != "mlx-lm":
        notes.append(Note(
            "batching",
            "mlx_lm.lora makes its batches the mlx-lm way, not with LoRA Studio's {batching} batching.",
            {"batching": config.batching},
        ))
    if config.micro_batch_size and config.micro_batch_size < config.batch_size:
        notes.append(Note(
            "micro_batch",
            "mlx_lm.lora runs each batch whole, not as micro-batches of {size}: the same steps, in more memory.",
            {"size": config.micro_batch_size},
        ))
    if config.keep_best:
        notes.append(Note("keep_best", "mlx_lm.lora keeps no best/ adapter (lowest validation loss)."))
    if config.early_stopping_patience:
        notes.append(Note("early_stopping", "mlx_lm.lora does not stop early."))
    if config.eval_prompts:
        notes.append(Note("eval_prompts", "mlx_lm.lora does not answer the evaluation prompts."))
    return notes
