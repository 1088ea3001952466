"""The training configuration: every `mlx_lm.lora` option plus LoRA Studio's own.

One typed dataclass, ``TrainConfig``, with help text, group, unit and bounds in
each field's metadata (the app builds its form and tooltips from them). It
loads from and saves to YAML that ``mlx_lm.lora -c FILE`` accepts unchanged:
the keys are mlx-lm's, ``train: true`` is written for it, and the product's
own keys (``keep_best``, ``early_stopping_patience``, ``epochs``, split
ratios, evaluation prompts) are extra keys that mlx-lm ignores.

Validation collects every problem, each naming its field and the reason;
unknown keys are reported with a suggestion. Plain Python, any thread.
"""

from __future__ import annotations

import copy
import dataclasses
import difflib
import math
import os
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

OPTIMIZERS = ("adam", "adamw", "muon", "sgd", "adafactor")
FINE_TUNE_TYPES = ("lora", "dora", "full")
SCHEDULES = ("cosine_decay", "linear_schedule", "exponential_decay", "step_decay")
BATCHINGS = ("bucketed", "mlx-lm")


def _f(default, help: str, group: str = "advanced", unit: str = "", **extra):
    """A dataclass field whose metadata carries the form's label text and bounds."""
    meta = {"help": help, "group": group, "unit": unit, **extra}
    if isinstance(default, (list, dict)):
        return field(default_factory=lambda: copy.deepcopy(default), metadata=meta)
    return field(default=default, metadata=meta)


@dataclass
class LoraParameters:
    """Which layers get adapters and how big they are (mlx-lm's ``lora_parameters``)."""

    keys: list[str] | None = _f(
        None,
        "Module paths inside each trained block that get adapters, e.g. self_attn.q_proj. "
        "Empty means every linear layer of the trained blocks.",
        group="basic",
    )
    rank: int = _f(8, "Rank of the low-rank matrices: more capacity, more memory.", group="basic", min=1, max=1024)
    scale: float = _f(
        20.0,
        "Multiplier on the adapter's output (PEFT's alpha / rank; alpha 16 at rank 8 is scale 2).",
        group="basic",
        min=0.0,
    )
    dropout: float = _f(0.0, "Dropout on the adapter input during training.", min=0.0, max=0.99)


@dataclass
class LrSchedule:
    """A learning-rate schedule from ``mlx.optimizers.schedulers`` with optional linear warmup."""

    name: str = _f("cosine_decay", "Schedule function.", choices=SCHEDULES)
    arguments: list[float] = _f(
        [1e-5, 1000],
        "Arguments of the schedule, starting with the initial learning rate "
        "(cosine_decay: init, decay_steps[, end]).",
    )
    warmup: int = _f(0, "Steps of linear warmup before the schedule starts.", unit="steps", min=0)
    warmup_init: float = _f(0.0, "Learning rate at the first warmup step.", min=0.0)


@dataclass
class TrainConfig:
    """Everything one training run needs. Field order is the form's order."""

    # --- what to train on -------------------------------------------------
    model: str = _f("", "Local MLX model folder or Hugging Face repo id.", group="basic")
    data: str = _f(
        "",
        "Folder with train.jsonl / valid.jsonl / test.jsonl, or one .jsonl file to split.",
        group="basic",
    )
    fine_tune_type: str = _f("lora", "lora, dora or full fine-tuning.", group="basic", choices=FINE_TUNE_TYPES)
    # --- the optimizer ----------------------------------------------------
    optimizer: str = _f("adam", "Optimizer.", choices=OPTIMIZERS)
    optimizer_config: dict = _f(
        {name: {} for name in OPTIMIZERS},
        "Extra arguments per optimizer, e.g. {adamw: {weight_decay: 0.01}}.",
    )
    learning_rate: float = _f(1e-5, "Step size of the optimizer.", group="basic", min=0.0)
    lr_schedule: LrSchedule | None = _f(None, "Learning-rate schedule; empty keeps it constant.")
    # --- the adapter ------------------------------------------------------
    num_layers: int = _f(
        16, "How many of the last transformer blocks get adapters; -1 for all.", group="basic", unit="layers", min=-1
    )
    lora_parameters: LoraParameters = field(
        default_factory=LoraParameters, metadata={"help": "LoRA layer settings.", "group": "basic", "unit": ""}
    )
    # --- how long and how ---------------------------------------------------
    batch_size: int = _f(4, "Examples per step.", group="basic", unit="examples", min=1)
    iters: int = _f(1000, "Training steps (iterations).", group="basic", unit="steps", min=1)
    epochs: float | None = _f(
        None, "Train this many passes over the training set instead of a fixed number of steps.", unit="epochs", min=0.0
    )
    max_seq_length: int = _f(2048, "Longer examples are truncated to this many tokens.", group="basic", unit="tokens", min=2)
    grad_checkpoint: bool = _f(False, "Recompute activations in the backward pass: less memory, about 30% slower.")
    grad_accumulation_steps: int = _f(1, "Steps whose gradients are summed before one optimizer update.", unit="steps", min=1)
    mask_prompt: bool = _f(False, "Compute the loss on the answer only, not on the prompt.", group="basic")
    seed: int = _f(0, "Random seed for adapter initialisation, dropout and data order.", min=0)
    # --- reporting, evaluation and saving ----------------------------------
    steps_per_report: int = _f(10, "Steps between training-loss reports.", unit="steps", min=1)
    steps_per_eval: int = _f(200, "Steps between validation runs.", unit="steps", min=1)
    val_batches: int = _f(25, "Validation batches per evaluation; -1 for the whole validation set.", unit="batches", min=-1)
    save_every: int = _f(100, "Save a numbered checkpoint every this many steps.", unit="steps", min=1)
    test: bool = _f(False, "Compute test-set loss and perplexity after training.")
    test_batches: int = _f(500, "Test batches; -1 for the whole test set.", unit="batches", min=-1)
    # --- mlx-lm odds and ends ------------------------------------------------
    adapter_path: str = _f("adapters", "Where mlx_lm.lora writes adapters (LoRA Studio uses the run folder).")
    resume_adapter_file: str | None = _f(None, "Start from these adapter weights (a .safetensors file).")
    clear_cache_threshold: int = _f(0, "Clear MLX's allocator cache when it grows past this many bytes; 0 never.", unit="bytes", min=0)
    chat_feature: str = _f("messages", "Key of the message list in chat data.")
    prompt_feature: str = _f("prompt", "Key of the prompt in completion data.")
    completion_feature: str = _f("completion", "Key of the completion in completion data.")
    text_feature: str = _f("text", "Key of the text in plain-text data.")
    trust_remote_code: bool = _f(False, "Allow a model folder to run its own Python code.")
    report_to: str | None = _f(None, "mlx_lm.lora only: wandb or swanlab logging (LoRA Studio ignores it).")
    project_name: str | None = _f(None, "mlx_lm.lora only: project name for report_to.")
    # --- LoRA Studio's own ----------------------------------------------------
    keep_best: bool = _f(True, "Keep the adapter with the lowest validation loss in best/.", group="basic")
    early_stopping_patience: int = _f(
        0, "Stop after this many validations without improvement; 0 never stops early.", unit="evaluations", min=0
    )
    valid_fraction: float = _f(0.1, "Share of a single .jsonl file held out for validation.", min=0.0, max=0.9)
    test_fraction: float = _f(0.0, "Share of a single .jsonl file held out for testing.", min=0.0, max=0.9)
    split_seed: int = _f(0, "Seed of the split of a single .jsonl file.", min=0)
    batching: str = _f(
        "mlx-lm",
        "mlx-lm batches exactly like mlx_lm.lora (the same examples in each batch). bucketed groups "
        "examples of similar token length and pads rows to a multiple of 8: fewer padding tokens "
        "and faster steps, but batches mix lengths less, which changes the loss curve step by step.",
        choices=BATCHINGS,
    )
    sparse_loss: bool = _f(
        True,
        "Run the output layer and the cross-entropy only at the tokens that carry loss (not the "
        "masked prompt, not padding): the same loss and gradients as mlx-lm, in less time and "
        "memory. Off: mlx-lm's own loss, bit for bit.",
    )
    eval_prompts: list[str] = _f([], "Held-out prompts answered by the base model and the adapter after training.")

    # ------------------------------------------------------------------------
    def to_dict(self) -> dict:
        """A plain dict in mlx-lm's key layout (with ``train: true`` for ``mlx_lm.lora``)."""
        out: dict[str, Any] = {"train": True}
        out.update(dataclasses.asdict(self))
        return out

    def to_yaml(self) -> str:
        return dump_yaml(self.to_dict())

    def save(self, path: str | os.PathLike) -> None:
        """Write the YAML atomically."""
        from lorastudio.core.base.atomic import write_text

        write_text(path, self.to_yaml())

    @classmethod
    def from_dict(cls, data: dict, source: str = "config") -> "TrainConfig":
        """Build and validate; raises ``ConfigError`` listing every problem."""
        return parse_config(data, source)

    @classmethod
    def load(cls, path: str | os.PathLike) -> "TrainConfig":
        path = Path(path)
        try:
            text = path.read_text(encoding="utf-8")
        except FileNotFoundError:
            raise ConfigError([FieldProblem("", f"no such file: {path}")], str(path)) from None
        except UnicodeDecodeError as exc:
            raise ConfigError([FieldProblem("", f"not UTF-8 text ({exc.reason} at byte {exc.start})")], str(path)) from None
        return parse_config(load_yaml(text, str(path)), str(path))

    def replace(self, **changes) -> "TrainConfig":
        """A validated copy with some fields changed (nested keys as dicts)."""
        merged = self.to_dict()
        merged.update(changes)
        return parse_config(merged, "config")

    def resolved_iters(self, train_examples: int) -> int:
        """Steps to run: ``iters``, or ``epochs`` worth of full batches when epochs is set."""
        if self.epochs is None:
            return self.iters
        steps_per_epoch = max(1, train_examples // self.batch_size)
        return max(1, math.ceil(self.epochs * steps_per_epoch))

    def lora_dict(self) -> dict:
        """``lora_parameters`` as mlx-lm's ``linear_to_lora_layers`` wants it."""
        params = dataclasses.asdict(self.lora_parameters)
        if params["keys"] is None:
            del params["keys"]
        return params


# ----------------------------------------------------------------------------
# Errors


@dataclass(frozen=True)
class FieldProblem:
    """One thing wrong with one field (``field`` is a dotted path, empty for the file)."""

    field: str
    message: str

    def __str__(self) -> str:
        return f"{self.field}: {self.message}" if self.field else self.message


class ConfigError(ValueError):
    """Invalid configuration; ``problems`` lists every field at fault."""

    def __init__(self, problems: list[FieldProblem], source: str = "config"):
        self.problems = problems
        self.source = source
        lines = "\n".join(f"  {p}" for p in problems)
        super().__init__(f"{source}: {len(problems)} problem(s):\n{lines}")


# ----------------------------------------------------------------------------
# YAML that mlx_lm.lora reads the same way


def _float_representer(dumper: yaml.SafeDumper, value: float) -> yaml.Node:
    # Python's repr is the shortest text that reads back to the same float; only
    # its exponent form needs a touch ("1e-05" -> "1.0e-5"), because YAML 1.1
    # readers want a dot in the mantissa and a signed exponent.
    text = repr(value)
    if math.isfinite(value) and "e" in text:
        mantissa, exponent = text.split("e")
        if "." not in mantissa:
            mantissa += ".0"
        return dumper.represent_scalar("tag:yaml.org,2002:float", f"{mantissa}e{int(exponent):+d}")
    return yaml.SafeDumper.represent_float(dumper, value)


class _Dumper(yaml.SafeDumper):
    pass


_Dumper.add_representer(float, _float_representer)


def dump_yaml(data: dict) -> str:
    return yaml.dump(data, Dumper=_Dumper, sort_keys=False, allow_unicode=True, default_flow_style=False)


class _Loader(yaml.SafeLoader):
    """SafeLoader that also reads 1e-5 (no dot) as a float, as mlx_lm.lora's loader does."""


_Loader.add_implicit_resolver(
    "tag:yaml.org,2002:float",
    re.compile(
        r"""^(?:[-+]?(?:[0-9][0-9_]*)\.[0-9_]*(?:[eE][-+]?[0-9]+)?
        |[-+]?(?:[0-9][0-9_]*)(?:[eE][-+]?[0-9]+)
        |\.[0-9_]+(?:[eE][-+][0-9]+)?
        |[-+]?\.(?:inf|Inf|INF)
        |\.(?:nan|NaN|NAN))$""",
        re.X,
    ),
    list("-+0123456789."),
)


def load_yaml(text: str, source: str = "config") -> dict:
    """Parse YAML text into a dict; a syntax error names the line."""
    try:
        data = yaml.load(text, Loader=_Loader)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f"line {mark.line + 1}, column {mark.column + 1}: " if mark else ""
        problem = getattr(exc, "problem", None) or str(exc)
        raise ConfigError([FieldProblem("", f"{where}invalid YAML: {problem}")], source) from None
    if data is None:
        return {}
    if not isinstance(data, dict):
        raise ConfigError([FieldProblem("", "the file must hold a mapping of option: value")], source)
    return data


# ----------------------------------------------------------------------------
# Parsing and validation

# Keys mlx_lm.lora knows that have no field here, and what to say about them.
_MLX_ONLY_KEYS = {
    "train": None,  # always true for LoRA Studio; written for mlx_lm.lora
    "config": None,
    "hf_dataset": "Hugging Face datasets are not supported; point data at a local folder or .jsonl file",
}


def _describe(value: Any) -> str:
    text = repr(value)
    return text if len(text) <= 60 else text[:57] + "..."


def _check_number(name: str, value: Any, kind: type, meta: dict, problems: list, optional: bool = False):
    """Coerce and bound-check a number; append a problem and return None when wrong."""
    if value is None and optional:
        return None
    is_bool = isinstance(value, bool)
    if kind is int:
        if is_bool or not isinstance(value, int):
            if isinstance(value, float) and value.is_integer() and not is_bool:
                value = int(value)
            else:
                problems.append(FieldProblem(name, f"must be a whole number (got {_describe(value)})"))
                return None
    else:
        if is_bool or not isinstance(value, (int, float)):
            problems.append(FieldProblem(name, f"must be a number (got {_describe(value)})"))
            return None
        value = float(value)
        if not math.isfinite(value):
            problems.append(FieldProblem(name, f"must be a finite number (got {value})"))
            return None
    low, high = meta.get("min"), meta.get("max")
    if low is not None and value < low:
        problems.append(FieldProblem(name, f"must be at least {low} (got {value})"))
        return None
    if high is not None and value > high:
        problems.append(FieldProblem(name, f"must be at most {high} (got {value})"))
        return None
    return value


def _parse_fields(cls, data: dict, prefix: str, problems: list[FieldProblem]) -> dict:
    """Validate ``data`` against dataclass ``cls``; returns kwargs for the fields that passed."""
    known = {f.name: f for f in dataclasses.fields(cls)}
    kwargs: dict[str, Any] = {}
    for key, value in data.items():
        name = f"{prefix}{key}"
        f = known.get(key)
        if f is None:
            if not prefix and key in _MLX_ONLY_KEYS:
                if _MLX_ONLY_KEYS[key] and value:
                    problems.append(FieldProblem(name, _MLX_ONLY_KEYS[key]))
                continue
            hint = difflib.get_close_matches(str(key), list(known), n=1)
            suggestion = f" (did you mean '{hint[0]}'?)" if hint else ""
            problems.append(FieldProblem(name, f"unknown key{suggestion}"))
            continue
        checked = _check_value(name, f, value, problems)
        if checked is not _INVALID:
            kwargs[key] = checked
    return kwargs


_INVALID = object()


def _check_value(name: str, f: dataclasses.Field, value: Any, problems: list[FieldProblem]):
    meta = dict(f.metadata)
    type_text = str(f.type)
    optional = "None" in type_text
    before = len(problems)
    if f.name == "lora_parameters":
        return _parse_lora(value, problems)
    if f.name == "lr_schedule":
        return _parse_schedule(value, problems)
    if f.name == "optimizer_config":
        return _parse_optimizer_config(value, problems)
    if value is None and optional:
        return None
    if type_text.startswith("bool"):
        if not isinstance(value, bool):
            problems.append(FieldProblem(name, f"must be true or false (got {_describe(value)})"))
            return _INVALID
        return value
    if type_text.startswith("int"):
        out = _check_number(name, value, int, meta, problems)
        if out is not None and f.name in ("val_batches", "test_batches") and out == 0:
            problems.append(FieldProblem(name, "must be -1 (all) or at least 1 (got 0)"))
            return _INVALID
        if out is not None and f.name == "num_layers" and out == 0:
            problems.append(FieldProblem(name, "must be -1 (all layers) or at least 1 (got 0)"))
            return _INVALID
        return _INVALID if len(problems) > before else out
    if type_text.startswith("float"):
        out = _check_number(name, value, float, meta, problems, optional)
        if out is not None and f.name in ("learning_rate", "epochs") and out <= 0:
            problems.append(FieldProblem(name, f"must be greater than 0 (got {out})"))
            return _INVALID
        return _INVALID if len(problems) > before else out
    if type_text.startswith("list"):
        if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
            problems.append(FieldProblem(name, f"must be a list of strings (got {_describe(value)})"))
            return _INVALID
        return list(value)
    # strings
    if not isinstance(value, str):
        if isinstance(value, (int, float)) and not isinstance(value, bool) and f.name in ("model", "data"):
            value = str(value)
        else:
            problems.append(FieldProblem(name, f"must be text (got {_describe(value)})"))
            return _INVALID
    choices = meta.get("choices")
    if choices and value.lower() not in choices:
        problems.append(FieldProblem(name, f"must be one of {', '.join(choices)} (got {_describe(value)})"))
        return _INVALID
    return value.lower() if choices else value


def _parse_lora(value: Any, problems: list[FieldProblem]):
    if value is None:
        return LoraParameters()
    if not isinstance(value, dict):
        problems.append(FieldProblem("lora_parameters", f"must be a mapping of rank, scale, dropout, keys (got {_describe(value)})"))
        return _INVALID
    if "alpha" in value and "scale" not in value:
        problems.append(
            FieldProblem(
                "lora_parameters.alpha",
                "mlx-lm uses 'scale' (the multiplier itself, PEFT's alpha / rank), not 'alpha'",
            )
        )
        value = {k: v for k, v in value.items() if k != "alpha"}
    kwargs = _parse_fields(LoraParameters, value, "lora_parameters.", problems)
    if "keys" in kwargs and kwargs["keys"] is not None and len(kwargs["keys"]) == 0:
        kwargs["keys"] = None
    return LoraParameters(**kwargs)


def _parse_schedule(value: Any, problems: list[FieldProblem]):
    if value is None or value == {}:
        return None
    if not isinstance(value, dict):
        problems.append(FieldProblem("lr_schedule", f"must be a mapping with name and arguments (got {_describe(value)})"))
        return _INVALID
    before = len(problems)
    kwargs: dict[str, Any] = {}
    for key, item in value.items():
        name = f"lr_schedule.{key}"
        if key == "name":
            if item not in SCHEDULES:
                problems.append(FieldProblem(name, f"must be one of {', '.join(SCHEDULES)} (got {_describe(item)})"))
            kwargs["name"] = item
        elif key == "arguments":
            if not isinstance(item, list) or not item or not all(
                isinstance(a, (int, float)) and not isinstance(a, bool) for a in item
            ):
                problems.append(FieldProblem(name, f"must be a non-empty list of numbers (got {_describe(item)})"))
            else:
                kwargs["arguments"] = list(item)
        elif key == "warmup":
            kwargs["warmup"] = _check_number(name, item, int, {"min": 0}, problems)
        elif key == "warmup_init":
            kwargs["warmup_init"] = _check_number(name, item, float, {"min": 0.0}, problems)
        else:
            problems.append(FieldProblem(name, "unknown key (expected name, arguments, warmup, warmup_init)"))
    if "name" not in value:
        problems.append(FieldProblem("lr_schedule.name", "is required"))
    if "arguments" not in value:
        problems.append(FieldProblem("lr_schedule.arguments", "is required"))
    if len(problems) > before:
        return _INVALID
    return LrSchedule(**kwargs)


def _parse_optimizer_config(value: Any, problems: list[FieldProblem]):
    if value is None:
        return {name: {} for name in OPTIMIZERS}
    if not isinstance(value, dict):
        problems.append(FieldProblem("optimizer_config", f"must be a mapping of optimizer name to options (got {_describe(value)})"))
        return _INVALID
    out = {name: {} for name in OPTIMIZERS}
    for name, options in value.items():
        if name not in OPTIMIZERS:
            problems.append(FieldProblem(f"optimizer_config.{name}", f"unknown optimizer (expected one of {', '.join(OPTIMIZERS)})"))
            continue
        if options is None:
            options = {}
        if not isinstance(options, dict):
            problems.append(FieldProblem(f"optimizer_config.{name}", f"must be a mapping of option: value (got {_describe(options)})"))
            continue
        allowed = _optimizer_arguments(name)
        for key in options:
            if allowed is not None and key not in allowed:
                problems.append(
                    FieldProblem(f"optimizer_config.{name}.{key}", f"not an argument of {name} (it takes {', '.join(sorted(allowed))})")
                )
        out[name] = dict(options)
    return out


def _optimizer_arguments(name: str) -> set[str] | None:
    """The keyword arguments an MLX optimizer accepts besides learning_rate."""
    import inspect

    try:
        import mlx.optimizers as optim
    except ImportError:  # validation still works without MLX, just less strictly
        return None
    cls = {"adam": optim.Adam, "adamw": optim.AdamW, "muon": optim.Muon, "sgd": optim.SGD, "adafactor": optim.Adafactor}[name]
    params = inspect.signature(cls.__init__).parameters
    return {p for p in params if p not in ("self", "learning_rate")}


def parse_config(data: dict, source: str = "config") -> TrainConfig:
    """Validate a mapping (from YAML or the form) and build a ``TrainConfig``."""
    if not isinstance(data, dict):
        raise ConfigError([FieldProblem("", "the configuration must be a mapping of option: value")], source)
    problems: list[FieldProblem] = []
    kwargs = _parse_fields(TrainConfig, data, "", problems)
    config = TrainConfig(**kwargs) if not problems else None
    if config is not None:
        problems.extend(_cross_checks(config))
    if problems:
        raise ConfigError(problems, source)
    return config


def _cross_checks(config: TrainConfig) -> list[FieldProblem]:
    """Rules that involve more than one field."""
    problems = []
    if config.valid_fraction + config.test_fraction >= 1.0:
        problems.append(FieldProblem("valid_fraction", "valid_fraction + test_fraction must leave examples to train on"))
    if config.fine_tune_type == "full" and config.keep_best:
        pass  # allowed: best/ then holds full weights of the trained layers
    return problems


def validate_for_training(config: TrainConfig) -> list[FieldProblem]:
    """Problems that only matter when a run starts (empty model or data)."""
    problems = []
    if not config.model.strip():
        problems.append(FieldProblem("model", "choose a model folder or a Hugging Face repo id"))
    if not config.data.strip():
        problems.append(FieldProblem("data", "choose a dataset folder or a .jsonl file"))
    return problems


def field_help() -> dict[str, dict]:
    """Metadata of every field, dotted for nested ones (for forms and --help)."""
    out = {}
    for cls, prefix in ((TrainConfig, ""), (LoraParameters, "lora_parameters."), (LrSchedule, "lr_schedule.")):
        for f in dataclasses.fields(cls):
            out[prefix + f.name] = dict(f.metadata)
    return out
