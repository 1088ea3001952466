"""The training configuration: every `mlx_lm.lora` option plus LoRA Studio's own.

One typed dataclass, ``TrainConfig``. Each field's metadata describes it
completely: help text, unit, the form's tab (``group``) and box
(``section``), and the rules its values follow (bounds, choices, ...; see
``RULES``). The validator and the app's form are driven by that metadata, so
a new field is one declaration here. It loads from and saves to YAML that
``mlx_lm.lora -c FILE`` accepts unchanged: the keys are mlx-lm's,
``train: true`` is written for it, and the product's own keys
(``keep_best``, ``early_stopping_patience``, ``epochs``, split ratios,
evaluation prompts) are extra keys that mlx-lm ignores.

Validation collects every problem, each naming its field and the reason
(a key of ``messages.TEXTS`` and its values: English and Chinese);
unknown keys are reported with a suggestion. Only the rules the metadata
cannot say (several fields at once, or the outside world) are code. Plain
Python, any thread.
"""

from __future__ import annotations

import copy
import dataclasses
import difflib
import functools
import math
import os
import re
import typing
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from lorastudio.core.config import messages

OPTIMIZERS = ("adam", "adamw", "muon", "sgd", "adafactor")
FINE_TUNE_TYPES = ("lora", "dora", "full")
SCHEDULES = ("cosine_decay", "linear_schedule", "exponential_decay", "step_decay")
BATCHINGS = ("bucketed", "mlx-lm")

# The boxes of the app's form, in its order; every field's metadata names one as its
# ``section`` (the app gives each a translated title; a test checks every field has one).
SECTIONS = ("source", "adapter", "optimisation", "training", "evaluation", "saving", "data", "other")

# What a field's metadata may say about its values besides its type; ``_check_value``
# enforces them, and a test checks no field uses a key outside these and the
# descriptive ones (help, unit, group, section).
RULES = {
    "min": "a number's inclusive lower bound",
    "max": "a number's inclusive upper bound",
    "above": "a number's exclusive lower bound, checked after min (with min 0.0 and above 0, "
    "-1 reads 'at least 0.0' and 0 reads 'greater than 0')",
    "all": "-1 means all (this word names it in the message), so 0, between -1 and 1, is refused",
    "choices": "the allowed texts, matched whatever their case and stored lower-case",
    "non_empty": "a list needs at least one item",
    "number_as_text": "a number is taken as its text (YAML reads a folder named 2024 as a number)",
    "required": "must be given whenever its sub-configuration is",
    "expects": "what a mapping must look like, in words, for the message when it is something else",
    "list_keys": "an unknown key inside this sub-configuration is answered with the known keys",
    "to_train": "must not be empty when a run starts; the text says what to choose",
}
DESCRIPTIVE = ("help", "unit", "group", "section")


def _f(default, help: str, *, section: str, group: str = "advanced", unit: str = "", **rules):
    """A dataclass field with its metadata: the form's texts and place, and the ``RULES`` of its values.

    ``section`` has no default, so a new field cannot forget its box in the form.
    A list, mapping or sub-configuration default is copied for each instance.
    """
    meta = {"help": help, "group": group, "unit": unit, "section": section, **rules}
    if isinstance(default, (list, dict)) or dataclasses.is_dataclass(default):
        return field(default_factory=lambda: copy.deepcopy(default), metadata=meta)
    return field(default=default, metadata=meta)


@dataclass
class LoraParameters:
    """Which layers get adapters and how big they are (mlx-lm's ``lora_parameters``)."""

    keys: list[str] | None = _f(
        None,
        "Module paths inside each trained block that get adapters, e.g. self_attn.q_proj. "
        "Empty means every linear layer of the trained blocks.",
        section="adapter",
        group="basic",
    )
    rank: int = _f(
        8, "Rank of the low-rank matrices: more capacity, more memory.", section="adapter", group="basic", min=1, max=1024
    )
    scale: float = _f(
        20.0,
        "Multiplier on the adapter's output (PEFT's alpha / rank; alpha 16 at rank 8 is scale 2).",
        section="adapter",
        group="basic",
        min=0.0,
    )
    dropout: float = _f(0.0, "Dropout on the adapter input during training.", section="adapter", min=0.0, max=0.99)


@dataclass
class LrSchedule:
    """A learning-rate schedule from ``mlx.optimizers.schedulers`` with optional linear warmup."""

    name: str = _f("cosine_decay", "Schedule function.", section="optimisation", choices=SCHEDULES, required=True)
    arguments: list[float] = _f(
        [1e-5, 1000],
        "Arguments of the schedule, starting with the initial learning rate "
        "(cosine_decay: init, decay_steps[, end]).",
        section="optimisation",
        non_empty=True,
        required=True,
    )
    warmup: int = _f(0, "Steps of linear warmup before the schedule starts.", section="optimisation", unit="steps", min=0)
    warmup_init: float = _f(0.0, "Learning rate at the first warmup step.", section="optimisation", min=0.0)


@dataclass
class TrainConfig:
    """Everything one training run needs. Field order is the form's order."""

    # --- what to train on -------------------------------------------------
    model: str = _f(
        "",
        "Local MLX model folder or Hugging Face repo id.",
        section="source",
        group="basic",
        number_as_text=True,
        to_train="choose a model folder or a Hugging Face repo id",
    )
    data: str = _f(
        "",
        "Folder with train.jsonl / valid.jsonl / test.jsonl, or one .jsonl file to split.",
        section="source",
        group="basic",
        number_as_text=True,
        to_train="choose a dataset folder or a .jsonl file",
    )
    fine_tune_type: str = _f(
        "lora", "lora, dora or full fine-tuning.", section="adapter", group="basic", choices=FINE_TUNE_TYPES
    )
    # --- the optimizer ----------------------------------------------------
    optimizer: str = _f("adam", "Optimizer.", section="optimisation", choices=OPTIMIZERS)
    optimizer_config: dict = _f(
        {name: {} for name in OPTIMIZERS},
        "Extra arguments per optimizer, e.g. {adamw: {weight_decay: 0.01}}.",
        section="optimisation",
        expects="a mapping of optimizer name to options",
    )
    learning_rate: float = _f(1e-5, "Step size of the optimizer.", section="training", group="basic", min=0.0, above=0)
    lr_schedule: LrSchedule | None = _f(
        None,
        "Learning-rate schedule; empty keeps it constant.",
        section="optimisation",
        expects="a mapping with name and arguments",
        list_keys=True,
    )
    # --- the adapter ------------------------------------------------------
    num_layers: int = _f(
        16,
        "How many of the last transformer blocks get adapters; -1 for all.",
        section="adapter",
        group="basic",
        unit="layers",
        min=-1,
        all="all layers",
    )
    lora_parameters: LoraParameters = _f(
        LoraParameters(),
        "LoRA layer settings.",
        section="adapter",
        group="basic",
        expects="a mapping of rank, scale, dropout, keys",
    )
    # --- how long and how ---------------------------------------------------
    batch_size: int = _f(4, "Examples per step.", section="training", group="basic", unit="examples", min=1)
    iters: int = _f(1000, "Training steps (iterations).", section="training", group="basic", unit="steps", min=1)
    epochs: float | None = _f(
        None,
        "Train this many passes over the training set instead of a fixed number of steps.",
        section="training",
        unit="epochs",
        min=0.0,
        above=0,
    )
    max_seq_length: int = _f(
        2048, "Longer examples are truncated to this many tokens.", section="training", group="basic", unit="tokens", min=2
    )
    grad_checkpoint: bool = _f(
        False, "Recompute activations in the backward pass: less memory, about 30% slower.", section="training"
    )
    grad_accumulation_steps: int = _f(
        1, "Steps whose gradients are summed before one optimizer update.", section="optimisation", unit="steps", min=1
    )
    micro_batch_size: int | None = _f(
        None,
        "Run each batch as micro-batches of this many examples, their gradients summed by token count: "
        "the same step as the whole batch, in less memory (activations shrink with the micro-batch). "
        "Empty: the whole batch at once.",
        section="optimisation",
        unit="examples",
        min=1,
    )
    mask_prompt: bool = _f(False, "Compute the loss on the answer only, not on the prompt.", section="training", group="basic")
    seed: int = _f(0, "Random seed for adapter initialisation, dropout and data order.", section="training", min=0)
    # --- reporting, evaluation and saving ----------------------------------
    steps_per_report: int = _f(10, "Steps between training-loss reports.", section="evaluation", unit="steps", min=1)
    steps_per_eval: int = _f(200, "Steps between validation runs.", section="evaluation", unit="steps", min=1)
    val_batches: int = _f(
        25,
        "Validation batches per evaluation; -1 for the whole validation set.",
        section="evaluation",
        unit="batches",
        min=-1,
        all="all",
    )
    save_every: int = _f(100, "Save a numbered checkpoint every this many steps.", section="saving", unit="steps", min=1)
    test: bool = _f(False, "Compute test-set loss and perplexity after training.", section="evaluation")
    test_batches: int = _f(
        500, "Test batches; -1 for the whole test set.", section="evaluation", unit="batches", min=-1, all="all"
    )
    # --- mlx-lm odds and ends ------------------------------------------------
    adapter_path: str = _f(
        "adapters", "Where mlx_lm.lora writes adapters (LoRA Studio uses the run folder).", section="saving"
    )
    resume_adapter_file: str | None = _f(
        None, "Start from these adapter weights (a .safetensors file).", section="saving"
    )
    clear_cache_threshold: int = _f(
        0,
        "Clear MLX's allocator cache when it grows past this many bytes; 0 never.",
        section="other",
        unit="bytes",
        min=0,
    )
    chat_feature: str = _f("messages", "Key of the message list in chat data.", section="data")
    prompt_feature: str = _f("prompt", "Key of the prompt in completion data.", section="data")
    completion_feature: str = _f("completion", "Key of the completion in completion data.", section="data")
    text_feature: str = _f("text", "Key of the text in plain-text data.", section="data")
    hf_dataset: dict | None = _f(
        None,
        "A Hugging Face dataset in the local cache instead of data, as mlx_lm.lora reads it: path (name or "
        "folder), name (configuration), train_split, valid_split, test_split (e.g. train[:80%]) and the "
        "*_feature keys of its columns; a list of them is concatenated. Nothing is downloaded.",
        section="data",
    )
    trust_remote_code: bool = _f(False, "Allow a model folder to run its own Python code.", section="other")
    report_to: str | None = _f(
        None, "mlx_lm.lora only: wandb or swanlab logging (LoRA Studio ignores it).", section="other"
    )
    project_name: str | None = _f(None, "mlx_lm.lora only: project name for report_to.", section="other")
    # --- several processes or machines (lorastudio.core.train.distributed) ---------------
    ranks: int = _f(
        1, "Training processes on this machine, data-parallel through MLX's distributed layer (the same steps "
        "as one process); 1: one process. Ignored with a hostfile.", section="other", unit="processes", min=1,
    )
    hostfile: str | None = _f(
        None, "mlx.launch hostfile (JSON) of the machines that train this run together, one rank each; "
        "empty: this machine only.", section="other",
    )
    backend: str | None = _f(
        None, "Distributed backend of MLX: ring, jaccl, mpi or nccl; empty: MLX's choice (ring, or nccl on CUDA).",
        section="other", choices=("ring", "jaccl", "jaccl-ring", "mpi", "nccl"),
    )
    # --- LoRA Studio's own ----------------------------------------------------
    keep_best: bool = _f(
        True, "Keep the adapter with the lowest validation loss in best/.", section="saving", group="basic"
    )
    early_stopping_patience: int = _f(
        0,
        "Stop after this many validations without improvement; 0 never stops early.",
        section="evaluation",
        unit="evaluations",
        min=0,
    )
    valid_fraction: float = _f(
        0.1, "Share of a single .jsonl file held out for validation.", section="data", min=0.0, max=0.9
    )
    test_fraction: float = _f(0.0, "Share of a single .jsonl file held out for testing.", section="data", min=0.0, max=0.9)
    split_seed: int = _f(0, "Seed of the split of a single .jsonl file.", section="data", min=0)
    batching: str = _f(
        "mlx-lm",
        "mlx-lm batches exactly like mlx_lm.lora (the same examples in each batch). bucketed groups "
        "examples of similar token length and pads rows to a multiple of 8: fewer padding tokens "
        "and faster steps, but batches mix lengths less, which changes the loss curve step by step.",
        section="training",
        choices=BATCHINGS,
    )
    sparse_loss: bool = _f(
        True,
        "Run the output layer and the cross-entropy only at the tokens that carry loss (not the "
        "masked prompt, not padding): the same loss and gradients as mlx-lm, in less time and "
        "memory. Off: mlx-lm's own loss, bit for bit.",
        section="training",
    )
    logit_free_loss: bool = _f(
        True,
        "With the sparse loss: run the output layer and the cross-entropy in chunks of positions, so the "
        "logits of the whole batch (rows x length x vocabulary) are never held at once, in training, "
        "validation and test: the same loss and gradients in far less memory. Off: all positions at once.",
        section="training",
    )
    eval_prompts: list[str] = _f(
        [], "Held-out prompts answered by the base model and the adapter after training.", section="evaluation"
    )

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
            raise ConfigError([FieldProblem.of("", "file.missing", path=str(path))], str(path)) from None
        except UnicodeDecodeError as exc:
            problem = FieldProblem.of("", "file.not_utf8", utf8_error=exc.reason, start=exc.start)
            raise ConfigError([problem], str(path)) from None
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
    """One thing wrong with one field (``field`` is a dotted path, empty for the file).

    ``message`` is the English sentence (the command line prints it); ``key``
    and ``values`` name it in ``messages.TEXTS`` so that ``text("zh")`` can say
    it in Chinese. A problem made with a message alone (``key`` "") has no
    other language and ``text`` returns the message.
    """

    field: str
    message: str
    key: str = ""
    values: tuple[tuple[str, Any], ...] = ()  # (name, value) pairs: a tuple keeps the problem hashable

    @classmethod
    def of(cls, field: str, key: str, **values: Any) -> FieldProblem:
        """The problem ``key`` of ``messages.TEXTS`` with its values, its English message filled in."""
        return cls(field, messages.text(key, "en", **values), key, tuple(values.items()))

    def text(self, lang: str = "en") -> str:
        """The message in ``lang`` ("en" or "zh"), without the field."""
        if lang == "en" or not self.key:
            return self.message
        return messages.text(self.key, lang, **dict(self.values))

    def with_field(self, lang: str = "en") -> str:
        """"field: message" in ``lang`` (the field name as it is); ``str()`` is the English one."""
        text = self.text(lang)
        if not self.field:
            return text
        return f"{self.field}：{text}" if lang == "zh" else f"{self.field}: {text}"

    def __str__(self) -> str:
        return self.with_field("en")


class ConfigError(ValueError):
    """Invalid configuration; ``problems`` lists every field at fault. ``str()`` is English, ``text(lang)`` any."""

    def __init__(self, problems: list[FieldProblem], source: str = "config"):
        self.problems = problems
        self.source = source
        super().__init__(self.text("en"))

    def text(self, lang: str = "en") -> str:
        """Where the configuration came from, how many problems, and each on a line of its own, in ``lang``."""
        lines = "".join(f"\n  {p.with_field(lang)}" for p in self.problems)
        return messages.error_head(self.source, len(self.problems), lang) + lines


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
        problem = getattr(exc, "problem", None) or str(exc)
        if mark:
            found = FieldProblem.of("", "yaml.invalid_at", line=mark.line + 1, column=mark.column + 1, problem=problem)
        else:
            found = FieldProblem.of("", "yaml.invalid", problem=problem)
        raise ConfigError([found], source) from None
    if data is None:
        return {}
    if not isinstance(data, dict):
        raise ConfigError([FieldProblem.of("", "yaml.not_mapping")], source)
    return data


# ----------------------------------------------------------------------------
# Parsing and validation

# Keys mlx_lm.lora knows that have no field here, and what to say about them (a key of
# ``messages.TEXTS``; the outside world: mlx_lm.lora's own options).
_MLX_ONLY_KEYS = {
    "train": None,  # always true for LoRA Studio; written for mlx_lm.lora
    "config": None,
}

_INVALID = object()


def _describe(value: Any) -> str:
    text = repr(value)
    return text if len(text) <= 60 else text[:57] + "..."


@functools.cache
def _types(cls) -> dict[str, Any]:
    """Each field's annotation as a type (this module's annotations are strings)."""
    return typing.get_type_hints(cls)


def _parse_fields(cls, data: dict, prefix: str, problems: list[FieldProblem], list_keys: bool = False) -> dict:
    """Validate ``data`` against dataclass ``cls``; returns kwargs for the fields that passed."""
    known = {f.name: f for f in dataclasses.fields(cls)}
    kwargs: dict[str, Any] = {}
    for key, value in data.items():
        name = f"{prefix}{key}"
        f = known.get(key)
        if f is None:
            if not prefix and key in _MLX_ONLY_KEYS:
                if _MLX_ONLY_KEYS[key] and value:
                    problems.append(FieldProblem.of(name, _MLX_ONLY_KEYS[key]))
                continue
            if list_keys:
                problems.append(FieldProblem.of(name, "key.unknown_expected", known=tuple(known)))
                continue
            hint = difflib.get_close_matches(str(key), list(known), n=1)
            if hint:
                problems.append(FieldProblem.of(name, "key.unknown_hint", hint=hint[0]))
            else:
                problems.append(FieldProblem.of(name, "key.unknown"))
            continue
        checked = _check_value(name, f, _types(cls)[key], value, problems)
        if checked is not _INVALID:
            kwargs[key] = checked
    for key, f in known.items():
        if f.metadata.get("required") and key not in data:
            problems.append(FieldProblem.of(f"{prefix}{key}", "key.required"))
    return kwargs


def _check_value(name: str, f: dataclasses.Field, kind: Any, value: Any, problems: list[FieldProblem]):
    """One value checked against its field's type and metadata: the value to store, or ``_INVALID``."""
    if name in _VALUE_RULES:  # a value its annotation cannot say (a mapping or a list of mappings)
        return _VALUE_RULES[name](name, value, problems)
    meta = f.metadata
    optional = type(None) in typing.get_args(kind)
    if optional:
        kind = next(a for a in typing.get_args(kind) if a is not type(None))
    if kind is dict or dataclasses.is_dataclass(kind):
        return _check_mapping(name, f, kind, optional, value, problems)
    if value is None and optional:
        return None
    if kind is bool:
        if not isinstance(value, bool):
            problems.append(FieldProblem.of(name, "value.bool", got=_describe(value)))
            return _INVALID
        return value
    if kind in (int, float):
        out = _check_number(name, value, kind, meta, problems)
        return _INVALID if out is None else out
    if typing.get_origin(kind) is list:
        return _check_list(name, kind, optional, meta, value, problems)
    # text
    if not isinstance(value, str):
        if meta.get("number_as_text") and _is_number(value):
            value = str(value)
        else:
            problems.append(FieldProblem.of(name, "value.text", got=_describe(value)))
            return _INVALID
    choices = meta.get("choices")
    if choices and value.lower() not in choices:
        problems.append(FieldProblem.of(name, "value.choice", choices=tuple(choices), got=_describe(value)))
        return _INVALID
    return value.lower() if choices else value


def _check_number(name: str, value: Any, kind: type, meta: typing.Mapping, problems: list[FieldProblem]):
    """Coerce and bound-check a number; append a problem and return None when wrong."""
    is_bool = isinstance(value, bool)
    if kind is int:
        if is_bool or not isinstance(value, int):
            if isinstance(value, float) and value.is_integer() and not is_bool:
                value = int(value)
            else:
                problems.append(FieldProblem.of(name, "value.whole", got=_describe(value)))
                return None
    else:
        if is_bool or not isinstance(value, (int, float)):
            problems.append(FieldProblem.of(name, "value.number", got=_describe(value)))
            return None
        value = float(value)
        if not math.isfinite(value):
            problems.append(FieldProblem.of(name, "value.finite", got=value))
            return None
    low, high, above = meta.get("min"), meta.get("max"), meta.get("above")
    if low is not None and value < low:
        problems.append(FieldProblem.of(name, "value.min", low=low, got=value))
        return None
    if high is not None and value > high:
        problems.append(FieldProblem.of(name, "value.max", high=high, got=value))
        return None
    if above is not None and value <= above:
        problems.append(FieldProblem.of(name, "value.above", above=above, got=value))
        return None
    if meta.get("all") and value != -1 and value < 1:
        problems.append(FieldProblem.of(name, "value.all", all=meta["all"], got=value))
        return None
    return value


def _check_list(name: str, kind: Any, optional: bool, meta: typing.Mapping, value: Any, problems: list[FieldProblem]):
    """A list of texts or of numbers, as its annotation says."""
    numbers = (typing.get_args(kind) or (str,))[0] in (int, float)
    non_empty = meta.get("non_empty", False)
    fits = isinstance(value, list) and all(_is_number(item) if numbers else isinstance(item, str) for item in value)
    if not fits or (non_empty and not value):
        key = f"value.{'non_empty_' if non_empty else ''}{'numbers' if numbers else 'strings'}"
        problems.append(FieldProblem.of(name, key, got=_describe(value)))
        return _INVALID
    if optional and not value:
        return None  # an empty optional list and none mean the same; one spelling keeps configs comparable
    return list(value)


def _is_number(value: Any) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def _check_mapping(name: str, f: dataclasses.Field, kind: Any, optional: bool, value: Any, problems: list[FieldProblem]):
    """A plain mapping or a sub-configuration (a nested dataclass, checked field by field)."""
    if value is None or (optional and value == {}):
        # "lora_parameters:" with nothing under it reads as None: the defaults
        # (an optional sub-configuration: not set).
        return None if optional else f.default_factory()
    if not isinstance(value, dict):
        expects = f.metadata.get("expects", "a mapping")
        problems.append(FieldProblem.of(name, "value.mapping", expects=expects, got=_describe(value)))
        return _INVALID
    rule = _RULES_IN_CODE.get(name)
    if rule is not None:
        value = rule(name, value, problems)
    if kind is dict:
        return value
    before = len(problems)
    kwargs = _parse_fields(kind, value, f"{name}.", problems, f.metadata.get("list_keys", False))
    return _INVALID if len(problems) > before else kind(**kwargs)


# --- the rules the metadata cannot say ---------------------------------------------


def _peft_alpha(name: str, value: dict, problems: list[FieldProblem]) -> dict:
    """PEFT's ``alpha`` in ``lora_parameters``: explained, not converted.

    Code because it involves the outside world and several keys: PEFT configs
    say alpha where mlx-lm says scale (alpha / rank, so converting needs the
    rank too); with scale also given, alpha is just an unknown key.
    """
    if "alpha" in value and "scale" not in value:
        problems.append(FieldProblem.of(f"{name}.alpha", "lora.alpha"))
        value = {k: v for k, v in value.items() if k != "alpha"}
    return value


def _optimizer_options(name: str, value: dict, problems: list[FieldProblem]) -> dict:
    """Each optimizer's options, checked against the arguments its MLX class takes.

    Code because the allowed keys come from the outside world (MLX's optimizer
    signatures, read when MLX is installed).
    """
    out = {optimizer: {} for optimizer in OPTIMIZERS}
    for optimizer, options in value.items():
        if optimizer not in OPTIMIZERS:
            problems.append(FieldProblem.of(f"{name}.{optimizer}", "optimizer.unknown", optimizers=OPTIMIZERS))
            continue
        if options is None:
            options = {}
        if not isinstance(options, dict):
            problems.append(FieldProblem.of(f"{name}.{optimizer}", "value.options", got=_describe(options)))
            continue
        allowed = _optimizer_arguments(optimizer)
        for key in options:
            if allowed is not None and key not in allowed:
                takes = tuple(sorted(allowed))
                problems.append(
                    FieldProblem.of(f"{name}.{optimizer}.{key}", "optimizer.argument", optimizer=optimizer, arguments=takes)
                )
        out[optimizer] = dict(options)
    return out


def optimizer_class(name: str):
    """The MLX optimizer class of an ``optimizer`` value (one of ``OPTIMIZERS``), as mlx_lm.lora maps it."""
    import mlx.optimizers as optim

    return {"adam": optim.Adam, "adamw": optim.AdamW, "muon": optim.Muon, "sgd": optim.SGD, "adafactor": optim.Adafactor}[name]


def _optimizer_arguments(name: str) -> set[str] | None:
    """The keyword arguments an MLX optimizer accepts besides learning_rate."""
    import inspect

    try:
        cls = optimizer_class(name)
    except ImportError:  # validation still works without MLX, just less strictly
        return None
    params = inspect.signature(cls.__init__).parameters
    return {p for p in params if p not in ("self", "learning_rate")}


# Run on a mapping field's value (dotted name) once it is known to be a mapping, before its keys are checked.
_RULES_IN_CODE = {"lora_parameters": _peft_alpha, "optimizer_config": _optimizer_options}

# mlx-lm's keys of one ``hf_dataset`` entry (``mlx_lm/tuner/datasets.py: load_custom_hf_dataset``) plus ``name``.
HF_DATASET_KEYS = ("path", "name", "config", "train_split", "valid_split", "test_split", "prompt_feature",
                   "completion_feature", "text_feature", "chat_feature")


def _hf_dataset(name: str, value: Any, problems: list[FieldProblem]):
    """mlx-lm's ``hf_dataset``: one mapping or a list of them, each with a ``path``.

    Code because its shape (a mapping or a list of mappings) is mlx-lm's, which
    the metadata cannot say.
    """
    if value in (None, {}, []):
        return None
    entries = value if isinstance(value, list) else [value]
    before = len(problems)
    for i, entry in enumerate(entries):
        at = f"{name}[{i}]" if isinstance(value, list) else name
        if not isinstance(entry, dict):
            problems.append(FieldProblem.of(at, "key.hf_dataset", got=_describe(entry)))
            continue
        if not entry.get("path"):
            problems.append(FieldProblem.of(f"{at}.path", "key.required"))
        for key, item in entry.items():
            if key not in HF_DATASET_KEYS:
                problems.append(FieldProblem.of(f"{at}.{key}", "key.unknown_expected", known=HF_DATASET_KEYS))
            elif key == "config" and not isinstance(item, dict):
                problems.append(FieldProblem.of(f"{at}.{key}", "value.mapping", expects="a mapping", got=_describe(item)))
            elif key != "config" and not isinstance(item, str):
                problems.append(FieldProblem.of(f"{at}.{key}", "value.text", got=_describe(item)))
    return _INVALID if len(problems) > before else copy.deepcopy(value)


_VALUE_RULES = {"hf_dataset": _hf_dataset}


def _cross_checks(config: TrainConfig) -> list[FieldProblem]:
    """Rules that involve more than one field (run once every field is valid on its own)."""
    problems = []
    # The two split fractions are each bounded by their metadata, but only their sum says
    # whether a single .jsonl file leaves examples to train on.
    if config.valid_fraction + config.test_fraction >= 1.0:
        problems.append(FieldProblem.of("valid_fraction", "split.no_train"))
    return problems


def parse_config(data: dict, source: str = "config") -> TrainConfig:
    """Validate a mapping (from YAML or the form) and build a ``TrainConfig``."""
    if not isinstance(data, dict):
        raise ConfigError([FieldProblem.of("", "config.not_mapping")], source)
    problems: list[FieldProblem] = []
    kwargs = _parse_fields(TrainConfig, data, "", problems)
    config = TrainConfig(**kwargs) if not problems else None
    if config is not None:
        problems.extend(_cross_checks(config))
    if problems:
        raise ConfigError(problems, source)
    return config


def validate_for_training(config: TrainConfig) -> list[FieldProblem]:
    """Problems that only matter when a run starts: the fields whose metadata says ``to_train`` are empty."""
    problems = []
    for f in dataclasses.fields(TrainConfig):
        reason = f.metadata.get("to_train")
        if f.name == "data" and config.hf_dataset:
            continue  # the data is the Hugging Face dataset
        if reason and not str(getattr(config, f.name) or "").strip():
            problems.append(FieldProblem.of(f.name, "value.to_train", reason=reason))
    return problems


def field_help() -> dict[str, dict]:
    """Metadata of every field, dotted for nested ones (for forms and --help)."""
    out = {}
    for cls, prefix in ((TrainConfig, ""), (LoraParameters, "lora_parameters."), (LrSchedule, "lr_schedule.")):
        for f in dataclasses.fields(cls):
            out[prefix + f.name] = dict(f.metadata)
    return out
