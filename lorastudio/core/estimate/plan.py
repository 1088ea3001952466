"""Make it fit: training settings that fit a machine's memory with headroom, from the estimate alone.

``plan_fit(model, config, device=..., memory_gb=..., batch_lengths=...)``
asks ``forecast.estimate_for_model`` about one change at a time and stops as
soon as the prediction fits with headroom, which is the estimate's own
verdict "fits" (up to ``forecast.FIT_SHARE`` of the usable memory), not
"tight". The changes come in this order:

1. what leaves the result unchanged: ``sparse_loss`` and ``logit_free_loss``
   on, ``grad_checkpoint`` on, ``micro_batch_size`` halved down to 1 (exact
   micro-batching: the same step), then ``clear_cache_threshold`` (the
   estimate does not count MLX's cache of freed buffers, so this step lowers
   no prediction; it keeps the real footprint near the predicted one);
2. then what changes the result: fewer ``num_layers``, a lower LoRA rank, a
   shorter ``max_seq_length``, a 4-bit copy of a model not quantized yet (its
   prediction: the estimate of a config.json with a ``quantization`` entry,
   written to a temporary folder). When nothing but the 4-bit copy can make
   it fit (its weights alone leave no room), it comes first of these.

A step is taken only when it lowers the prediction by at least ``MIN_GAIN``
of it, or makes it fit; a ladder (halving) ends at its first step that
does not. Every step records what it changed, whether it keeps the result,
the settings after it, the predicted total, seconds per step (on this
machine's own device only) and the verdict. ``memory_gb`` plans for a
memory size other than this machine's: the usable part and the limit follow
``forecast.machine_memory``'s rules for the device (Metal: 75% usable, tight
up to 90%), the verdict ``forecast.verdict_for``'s.

``micro_batch_size`` is counted by ``estimate_for_model`` itself (a step at the
micro-batch with the gradient sum, validation in micro-batches), so every
prediction is that estimate as it is.

``result_preserving(plan)`` is the part of a plan that keeps the result
(``lorastudio train --fit`` applies it); ``FitPlan.lines(lang)`` says the
plan in English or Chinese (``plan_messages``). Runs on any thread that may
import MLX (the estimate builds lazy skeletons there, never evaluated).
"""

from __future__ import annotations

import dataclasses
import json
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from lorastudio.core.config.train_config import TrainConfig
from lorastudio.core.estimate.forecast import (
    FIT_SHARE,
    METAL_LIMIT,
    METAL_WORKING_SET,
    MemoryEstimate,
    machine_memory,
    verdict_for,
)
from lorastudio.core.estimate.messages import text as estimate_text
from lorastudio.core.estimate.plan_messages import text

# A step must lower the predicted peak by this share of it (or make it fit) to be worth taking.
MIN_GAIN = 0.01
# max_seq_length is halved down to this many tokens at the shortest.
MIN_SEQ_LENGTH = 64
# The 4-bit copy the plan predicts (mlx_lm.convert -q's defaults).
QUANTIZATION = {"group_size": 64, "bits": 4}
# clear_cache_threshold: this share of the usable memory, in whole MB (at least 1 MB).
CACHE_SHARE = 0.05
# The settings a plan turns, as FitStep.settings reports them.
KNOBS = ("sparse_loss", "logit_free_loss", "grad_checkpoint", "micro_batch_size", "clear_cache_threshold",
         "num_layers", "rank", "max_seq_length")
DEVICE_NAMES = {"cpu": "CPU", "metal": "Metal", "cuda": "CUDA", "gpu": "GPU"}


@dataclass(frozen=True)
class Prediction:
    """The estimate of one set of settings: peak GB, seconds per step (None when unknown), verdict."""

    total_gb: float
    seconds_per_step: float | None
    verdict: str


@dataclass(frozen=True)
class FitStep:
    """One change of a plan, the settings after it and its prediction."""

    knob: str  # "logit_free", "grad_checkpoint", "micro_batch", "clear_cache", "num_layers", "rank",
    #            "max_seq_length" or "quantize"
    before: Any
    after: Any
    keeps_result: bool
    config: TrainConfig  # the settings after this step
    quantized: bool  # the plan trains a 4-bit copy of the model from this step on
    total_gb: float
    seconds_per_step: float | None
    verdict: str

    @property
    def settings(self) -> dict[str, Any]:
        """The settings a plan turns, after this step (and "quantized": a 4-bit copy or not)."""
        return {**settings_of(self.config), "quantized": self.quantized}

    def change(self, lang: str = "en") -> str:
        """What this step changes, in ``lang``."""
        values: dict[str, Any] = {"before": self.before, "after": self.after}
        if self.knob == "micro_batch":
            values["batch"] = self.config.batch_size
        if self.knob == "clear_cache":
            values = {"threshold": f"{self.after:,}", "size": size_text(self.after / 1e9)}
        return text("change." + self.knob, lang, **values)


@dataclass(frozen=True)
class FitPlan:
    """What it takes to fit: the steps in order, the final settings, and whether they fit with headroom."""

    model: str
    device: str
    memory_given: bool  # planned for a memory size given by the caller, not this machine's
    usable_gb: float
    limit_gb: float
    machine_gb: float
    start_config: TrainConfig
    start: Prediction
    steps: tuple[FitStep, ...] = ()
    rest: tuple[FitStep, ...] = field(default=())  # steps of the whole plan left out (result_preserving)
    quantize_first: bool = False  # the 4-bit copy came first of the result-changing steps: nothing else could fit

    @property
    def fit_gb(self) -> float:
        """The most that fits with headroom: ``FIT_SHARE`` of the usable memory."""
        return FIT_SHARE * self.usable_gb

    @property
    def config(self) -> TrainConfig:
        """The settings after the last step (the start's when there is none)."""
        return self.steps[-1].config if self.steps else self.start_config

    @property
    def quantized(self) -> bool:
        """Whether the plan trains a 4-bit copy of the model (the config keeps naming the model itself)."""
        return bool(self.steps) and self.steps[-1].quantized

    @property
    def final(self) -> Prediction:
        last = self.steps[-1] if self.steps else None
        return Prediction(last.total_gb, last.seconds_per_step, last.verdict) if last else self.start

    @property
    def total_gb(self) -> float:
        return self.final.total_gb

    @property
    def verdict(self) -> str:
        return self.final.verdict

    @property
    def fits(self) -> bool:
        """Whether the final settings fit with headroom (verdict "fits")."""
        return self.final.verdict == "fits"

    @property
    def keeps_result(self) -> bool:
        """Whether every step keeps the result."""
        return all(step.keeps_result for step in self.steps)

    def changed_settings(self) -> dict[str, Any]:
        """{setting: value} of the settings the plan changed, the final values."""
        start, end = settings_of(self.start_config), settings_of(self.config)
        changed = {name: value for name, value in end.items() if start[name] != value}
        if self.quantized:
            changed["quantized"] = True
        return changed

    def lines(self, lang: str = "en") -> list[str]:
        """The plan for the command line and the app, in ``lang`` ("en" or "zh")."""
        where = text("where.given" if self.memory_given else "where.machine", lang,
                     memory=size_text(self.machine_gb), device=DEVICE_NAMES.get(self.device, self.device))
        lines = [text("heading", lang, usable=size_text(self.usable_gb), where=where, fit=size_text(self.fit_gb),
                      share=FIT_SHARE),
                 text("start", lang, total=size_text(self.start.total_gb), time=_time(self.start.seconds_per_step, lang),
                      verdict=verdict_text(self.start.verdict, lang))]
        if not self.steps and self.fits:
            return lines + [text("fits_already", lang)]
        for number, step in enumerate(self.steps, 1):
            if step.knob == "quantize" and self.quantize_first:
                lines.append(text("quantize_first", lang))
            lines.append(text("step", lang, number=number, change=step.change(lang),
                              kind=text("kind.keeps" if step.keeps_result else "kind.changes", lang),
                              total=size_text(step.total_gb), time=_time(step.seconds_per_step, lang),
                              verdict=verdict_text(step.verdict, lang)))
        if self.steps:
            lines.append(text("settings", lang, settings=_settings_text(self.changed_settings(), lang)))
        return lines + [self._ending(lang)]

    def _ending(self, lang: str) -> str:
        total, verdict = size_text(self.total_gb), verdict_text(self.verdict, lang)
        if self.fits:
            return text("result.fits", lang, total=total, fit=size_text(self.fit_gb))
        if self.rest:
            changes = "; ".join(step.change(lang) for step in self.rest)
            return text("result.rest", lang, total=total, verdict=verdict, changes=changes)
        return text("result.no_fit", lang, total=total, verdict=verdict, fit=size_text(self.fit_gb))


def settings_of(config: TrainConfig) -> dict[str, Any]:
    """The settings a plan turns, read from ``config`` (``rank`` is the LoRA rank)."""
    values = {name: getattr(config, name) for name in KNOBS if name != "rank"}
    values["rank"] = config.lora_parameters.rank
    return {name: values[name] for name in KNOBS}


def _settings_text(settings: dict[str, Any], lang: str) -> str:
    words = []
    for name, value in settings.items():
        if name == "quantized":
            words.append(text("settings.quantized", lang))
        else:
            shown = "true" if value is True else "false" if value is False else value
            words.append(f"{'lora_parameters.rank' if name == 'rank' else name}: {shown}")
    return ", ".join(words)


def size_text(gb: float) -> str:
    """GB with 2 or 3 decimals, or MB below 0.1 GB (the tiny model's sizes)."""
    if gb >= 0.995:
        return f"{gb:.2f} GB"
    if gb >= 0.0995:
        return f"{gb:.3f} GB"
    return f"{gb * 1000:.1f} MB"


def verdict_text(verdict: str, lang: str = "en") -> str:
    """The estimate's word for a verdict in ``lang``."""
    return estimate_text("verdict." + verdict.replace(" ", "_"), lang)


def _time(seconds: float | None, lang: str) -> str:
    if seconds is None:
        return ""
    if seconds < 1:
        duration = estimate_text("time.seconds", lang, value=f"{seconds:.2f}")
    elif seconds < 120:
        duration = estimate_text("time.seconds", lang, value=f"{seconds:.1f}")
    elif seconds < 7200:
        duration = estimate_text("time.minutes", lang, value=f"{seconds / 60:.1f}")
    else:
        duration = estimate_text("time.hours", lang, value=f"{seconds / 3600:.1f}")
    return text("time", lang, time=duration)


# ----------------------------------------------------------------------------
# memory of a device, given or this machine's


def memory_for(device: str, memory_gb: float | None = None) -> tuple[float, float, float]:
    """(usable, limit, machine) in GB: ``machine_memory(device)``, or its rules applied to ``memory_gb``."""
    if memory_gb is None:
        return machine_memory(device)
    if memory_gb <= 0:
        raise ValueError(f"the memory to plan for must be above 0 GB, not {memory_gb:g}")
    if device == "metal":
        return METAL_WORKING_SET * memory_gb, METAL_LIMIT * memory_gb, memory_gb
    return memory_gb, memory_gb, memory_gb


def for_memory(estimate: MemoryEstimate, memory_gb: float | None) -> MemoryEstimate:
    """``estimate`` against ``memory_gb`` of memory (its device's rules) instead of this machine's."""
    if memory_gb is None:
        return estimate
    usable, limit, machine = memory_for(estimate.device, memory_gb)
    return dataclasses.replace(estimate, usable_gb=usable, limit_gb=limit, machine_gb=machine)


# ----------------------------------------------------------------------------
# predictions


class _Predictor:
    """The estimate of a config on the model (or its 4-bit copy), the batch lengths capped as the config caps them."""

    def __init__(self, model: str | Path, device: str, usable: float, limit: float, batch_lengths: list[int] | None,
                 logit_rows: list[int] | None, measure_speed: bool):
        self.model, self.device, self.usable, self.limit = model, device, usable, limit
        self.lengths, self.rows, self.measure_speed = batch_lengths or None, logit_rows or None, measure_speed

    def estimate(self, config: TrainConfig, source: str | Path | None = None) -> MemoryEstimate:
        """``estimate_for_model`` of ``config`` on the model (or ``source``), at the planner's batch lengths."""
        from lorastudio.core.estimate.forecast import estimate_for_model

        width = max(1, config.max_seq_length - 1)
        lengths = [min(n, width) for n in self.lengths] if self.lengths else None
        rows = None
        if self.rows and lengths and config.sparse_loss:
            rows = [min(r, config.batch_size * n) for r, n in zip(self.rows, lengths)]
        return estimate_for_model(source or self.model, config, batch_lengths=lengths, device=self.device,
                                  measure_speed=self.measure_speed, logit_rows=rows)

    def predict(self, config: TrainConfig, source: str | Path | None = None) -> Prediction:
        direct = self.estimate(config, source)
        return Prediction(direct.total_gb, direct.seconds_per_step, self.verdict(direct.total_gb))

    def verdict(self, total_gb: float) -> str:
        return verdict_for(total_gb, self.usable, self.limit)


def _quantized_config(model: str | Path, folder: Path) -> Path | None:
    """A config.json in ``folder`` for a 4-bit copy of ``model``; None when the model is quantized already."""
    from lorastudio.core.models.info import read_config

    model_config, _ = read_config(model)
    if model_config.get("quantization") or model_config.get("quantization_config"):
        return None
    path = folder / "config.json"
    path.write_text(json.dumps({**model_config, "quantization": dict(QUANTIZATION)}), encoding="utf-8")
    return path


# ----------------------------------------------------------------------------
# the planner


class _Planner:
    """Takes the steps one at a time, each predicted from the settings the steps before it left."""

    def __init__(self, predictor: _Predictor, config: TrainConfig):
        self.predictor, self.config = predictor, config
        self.source: Path | None = None  # the 4-bit copy's config.json, once the plan takes it
        self.start = self.current = predictor.predict(config)
        self.steps: list[FitStep] = []
        self.quantize_first = False

    @property
    def fits(self) -> bool:
        return self.current.verdict == "fits"

    def take(self, knob: str, before: Any, after: Any, config: TrainConfig, keeps_result: bool,
             source: Path | None = None, always: bool = False) -> bool:
        """Take the step when it lowers the prediction by ``MIN_GAIN`` or makes it fit (or ``always``)."""
        source = source or self.source
        new = self.predictor.predict(config, source)
        if not always and new.verdict != "fits" and self.current.total_gb - new.total_gb < MIN_GAIN * self.current.total_gb:
            return False
        self.steps.append(FitStep(knob=knob, before=before, after=after, keeps_result=keeps_result, config=config,
                                  quantized=source is not None, total_gb=new.total_gb,
                                  seconds_per_step=new.seconds_per_step, verdict=new.verdict))
        self.config, self.source, self.current = config, source, new
        if not keeps_result and not self.fits:
            self.keep_result()  # a change to the result can let a step that keeps it help again
        return True

    # --- what keeps the result ---------------------------------------------------------

    def keep_result(self) -> None:
        for step in (self._logit_free, self._checkpoint, self._micro_batches, self._clear_cache):
            if self.fits:
                return
            step()

    def _logit_free(self) -> None:
        if not (self.config.sparse_loss and self.config.logit_free_loss):
            self.take("logit_free", False, True, self.config.replace(sparse_loss=True, logit_free_loss=True), True)

    def _checkpoint(self) -> None:
        if not self.config.grad_checkpoint:
            self.take("grad_checkpoint", False, True, self.config.replace(grad_checkpoint=True), True)

    def _micro_batches(self) -> None:
        size = min(self.config.micro_batch_size or self.config.batch_size, self.config.batch_size)
        while size > 1 and not self.fits:
            half = size // 2
            if not self.take("micro_batch", size, half, self.config.replace(micro_batch_size=half), True):
                return
            size = half

    def _clear_cache(self) -> None:
        if not self.config.clear_cache_threshold:
            threshold = max(1, round(CACHE_SHARE * self.predictor.usable * 1e3)) * 1_000_000
            self.take("clear_cache", 0, threshold, self.config.replace(clear_cache_threshold=threshold), True,
                      always=True)

    # --- what changes the result -------------------------------------------------------

    def change_result(self) -> None:
        with tempfile.TemporaryDirectory(prefix="lorastudio-plan-") as folder:
            quantized = _quantized_config(self.predictor.model, Path(folder))
            if quantized is not None and not self._fits_at_floor():
                self.quantize_first = self.take("quantize", False, True, self.config, False, source=quantized)
            for ladder in (self._fewer_layers, self._lower_rank, self._shorter_sequences):
                if self.fits:
                    return
                ladder()
            if quantized is not None and self.source is None and not self.fits:
                self.take("quantize", False, True, self.config, False, source=quantized)

    def _fits_at_floor(self) -> bool:
        """Whether the model as it is fits at the least of every setting the plan turns."""
        config = self.config
        floor: dict[str, Any] = {"sparse_loss": True, "logit_free_loss": True, "grad_checkpoint": True,
                                 "num_layers": 1, "max_seq_length": min(config.max_seq_length, MIN_SEQ_LENGTH)}
        if config.batch_size > 1:
            floor["micro_batch_size"] = 1
        if config.fine_tune_type != "full":
            floor["lora_parameters"] = {**config.to_dict()["lora_parameters"], "rank": 1}
        return self.predictor.predict(config.replace(**floor), self.source).verdict == "fits"

    def _fewer_layers(self) -> None:
        from lorastudio.core.estimate.memory import describe

        layers = describe(self.source or self.predictor.model, self.config)[0].layers
        count = layers if self.config.num_layers < 0 else min(self.config.num_layers, layers)
        while count > 1 and not self.fits:
            half = count // 2
            if not self.take("num_layers", count, half, self.config.replace(num_layers=half), False):
                return
            count = half

    def _lower_rank(self) -> None:
        if self.config.fine_tune_type == "full":
            return
        rank = self.config.lora_parameters.rank
        while rank > 1 and not self.fits:
            half = rank // 2
            lora = {**self.config.to_dict()["lora_parameters"], "rank": half}
            if not self.take("rank", rank, half, self.config.replace(lora_parameters=lora), False):
                return
            rank = half

    def _shorter_sequences(self) -> None:
        longest = self.config.max_seq_length
        if self.predictor.lengths:
            longest = min(longest, max(self.predictor.lengths) + 1)  # shorter than the widest batch, or no change
        length = self.config.max_seq_length
        rung = 2 ** ((longest - 1).bit_length() - 1)  # the largest power of two below it
        while rung >= MIN_SEQ_LENGTH and not self.fits:
            if not self.take("max_seq_length", length, rung, self.config.replace(max_seq_length=rung), False):
                return
            length, rung = rung, rung // 2


# ----------------------------------------------------------------------------
# public API


def plan_fit(model: str | Path, config: TrainConfig, *, device: str | None = None, memory_gb: float | None = None,
             batch_lengths: list[int] | None = None, logit_rows: list[int] | None = None,
             measure_speed: bool = True) -> FitPlan:
    """The settings that make ``config`` fit with headroom on ``model`` (a folder or a bare config.json).

    ``device``: "cpu", "metal" or "cuda" (default: this machine's MLX device);
    ``memory_gb``: plan for this much memory (the device's RAM or GPU memory)
    instead of this machine's; ``batch_lengths`` and ``logit_rows``: the
    training's own batches, as ``forecast.estimate_for_model`` takes them
    (default: every batch ``max_seq_length`` wide). ``measure_speed``: time the
    device for seconds per step (given for this machine's own device only).
    A config that fits already gives a plan without steps.
    """
    from lorastudio.core.estimate import speed

    device = device or speed.device_kind()
    usable, limit, machine = memory_for(device, memory_gb)
    planner = _Planner(_Predictor(model, device, usable, limit, batch_lengths, logit_rows, measure_speed), config)
    if not planner.fits:
        planner.keep_result()
    if not planner.fits:
        planner.change_result()
    return FitPlan(model=str(model), device=device, memory_given=memory_gb is not None, usable_gb=usable,
                   limit_gb=limit, machine_gb=machine, start_config=config, start=planner.start,
                   steps=tuple(planner.steps), quantize_first=planner.quantize_first)


def plan_for_config(config: TrainConfig, *, device: str | None = None, memory_gb: float | None = None,
                    measure_speed: bool = True) -> FitPlan | None:
    """``plan_fit`` for a training config: its model, and its batch lengths from its data when possible.

    None when the model is not on this machine (a repo id not downloaded yet),
    as ``forecast.estimate_for_config`` has no estimate then.
    """
    from lorastudio.core.estimate.forecast import _local_model, data_lengths

    source = _local_model(config.model.strip()) if config.model.strip() else None
    if source is None:
        return None
    lengths = rows = None
    if config.data.strip() and source.is_dir():
        try:  # the loss positions are counted as with the sparse loss, which the plan may turn on
            lengths, rows = data_lengths(config.replace(sparse_loss=True), source) or (None, None)
        except Exception:  # noqa: BLE001 - unreadable data or tokenizer: every batch max_seq_length wide
            lengths = rows = None
    return plan_fit(source, config, device=device, memory_gb=memory_gb, batch_lengths=lengths, logit_rows=rows,
                    measure_speed=measure_speed)


def result_preserving(config_or_plan: TrainConfig | FitPlan, **options) -> FitPlan | None:
    """The part of a plan that keeps the result: its steps up to the first that changes it.

    Given a config, plans it first (``plan_for_config(config, **options)``;
    None when that has no plan). The steps left out are the part's ``rest``;
    its ``config`` is what ``lorastudio train --fit`` trains.
    """
    plan = config_or_plan if isinstance(config_or_plan, FitPlan) else plan_for_config(config_or_plan, **options)
    if plan is None:
        return None
    keep = 0
    while keep < len(plan.steps) and plan.steps[keep].keeps_result:
        keep += 1
    return dataclasses.replace(plan, steps=plan.steps[:keep], rest=plan.steps[keep:] + plan.rest, quantize_first=False)
