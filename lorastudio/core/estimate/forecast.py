"""Will this run fit? Peak memory and seconds per step, estimated before training.

``estimate_for_config(config)`` answers for a training config: the model's
shape from ``config.json`` and its weight headers (a lazy skeleton, no weight
allocated), the batch lengths from the dataset when it and the tokenizer are
at hand (the training's own batches: mlx-lm pads each to one plus a multiple
of 32 of its longest row, bucketed batching to a multiple of 8, capped at
``max_seq_length``; the widest batch sets the peak, the mean sets the time),
or ``max_seq_length`` otherwise. ``estimate_for_model(model,
config)`` answers from a model folder or a bare config.json alone, at
``max_seq_length``: a 14B model can be checked on a laptop.

The peak is the larger of a training step and a validation batch (mlx-lm's
evaluate computes every logit, which matters when the sparse
loss computes only those the loss is taken on). The result,
``MemoryEstimate``, holds the breakdown in GB (weights, adapters, optimizer
state, gradients, activations, logits, other transients), the total,
what this machine gives MLX, a verdict ("fits", "tight", "will not fit") and
seconds per step; ``summary(lang)`` says it all in English or Chinese (the
words, and the notes as keys and values: ``messages``). How the numbers are
made: ``estimate_memory`` (bytes) and ``estimate_speed`` (time); how well
they match measured peaks: ``docs/memory.md``. Any thread that may import MLX (the skeleton's lazy arrays
are built there and never evaluated).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from lorastudio.core.config.train_config import TrainConfig
from lorastudio.core.estimate.messages import Phrase, text

# Below this share of the usable memory the run fits with room for the estimate's
# error (within 15% of measured peaks); above it, it is tight.
FIT_SHARE = 0.85
# Metal lets MLX use about 75% of the RAM as its working set by default (the
# GPU's "recommended working set"). Past it macOS pages GPU memory rather than
# failing: the seed's 14B run peaked at 39.2 GB on a 48 GB M4, 109% of its
# working set, and finished at a steady speed. So on a Mac the run is "tight"
# up to 90% of the RAM and "will not fit" beyond.
METAL_WORKING_SET = 0.75
METAL_LIMIT = 0.90
PAD_TO = 32  # mlx-lm pads each batch to one plus a multiple of 32 (bucketed batching: 8)
# Architectures whose logits are output_layer(model.model(x)), where the
# sparse loss (lorastudio.core.tuner.sparse_loss) runs the output layer
# only on the positions that carry loss. Others keep mlx-lm's loss: all of them.
SPARSE_LOSS_MODELS = {"llama", "mistral", "qwen2", "qwen3", "mixtral", "qwen2_moe", "qwen3_moe", "phi3"}


@dataclass(frozen=True)
class MemoryEstimate:
    """The predicted peak of a run, its parts in GB, this machine's memory and the verdict."""

    model: str
    device: str  # "cpu", "metal", "cuda" or "gpu"
    batch_size: int
    length: int  # tokens per row of the widest batch, as the model sees them
    mean_length: float
    lengths_from: Phrase  # where the batch lengths came from (str() is the English)
    grad_checkpoint: bool
    dtype: str
    weights_gb: float
    adapters_gb: float
    optimizer_gb: float
    gradients_gb: float
    activations_gb: float
    logits_gb: float
    other_gb: float
    usable_gb: float  # what MLX may use on this machine
    limit_gb: float  # past this the run will not fit
    machine_gb: float  # the RAM (or the GPU's memory)
    seconds_per_step: float | None
    tokens_per_step: float
    device_gflops: float | None
    notes: tuple[Phrase, ...] = field(default=())  # each a key of messages.TEXTS and its values

    @property
    def total_gb(self) -> float:
        return sum(self.breakdown().values())

    @property
    def verdict(self) -> str:
        return verdict_for(self.total_gb, self.usable_gb, self.limit_gb)

    def breakdown(self) -> dict[str, float]:
        """{component: GB}; the values add up to ``total_gb``."""
        return {
            "weights": self.weights_gb,
            "adapters": self.adapters_gb,
            "optimizer": self.optimizer_gb,
            "gradients": self.gradients_gb,
            "activations": self.activations_gb,
            "logits": self.logits_gb,
            "other": self.other_gb,
        }

    def summary(self, lang: str = "en") -> str:
        """A few lines for the command line and the app: breakdown, total, machine, verdict, time.

        ``lang``: "en" (what the command line prints) or "zh"; the words are in ``messages.TEXTS``.
        """
        mean = ""
        if self.mean_length and round(self.mean_length) != self.length:
            mean = text("summary.mean", lang, mean=self.mean_length)
        parts = " + ".join(f"{text('part.' + name, lang)} {_gb(value)}" for name, value in self.breakdown().items())
        if self.device == "metal":
            where = text("where.metal", lang, share=METAL_WORKING_SET, ram=self.machine_gb, limit=METAL_LIMIT)
        else:
            where = text(f"where.{self.device}" if self.device in ("cpu", "cuda") else "where.other", lang)
        lines = [
            text("summary.heading", lang, batch=self.batch_size, length=self.length, mean=mean,
                 lengths_from=Phrase.given(self.lengths_from),
                 checkpointing=text("summary.checkpointing" if self.grad_checkpoint else "summary.no_checkpointing", lang),
                 dtype=self.dtype),
            f"  {parts} = {_gb(self.total_gb)} GB",
            "  " + text("summary.machine", lang, usable=self.usable_gb, where=where,
                        verdict=text("verdict." + self.verdict.replace(" ", "_"), lang)),
        ]
        if self.seconds_per_step is not None:
            lines.append("  " + text("summary.time", lang, time=_seconds(self.seconds_per_step, lang),
                                     tokens=self.tokens_per_step, gflops=_gflops(self.device_gflops)))
        lines += ["  " + text("summary.note", lang, note=Phrase.given(note)) for note in self.notes]
        return "\n".join(lines)


def _gb(value: float) -> str:
    return f"{value:.2f}" if value >= 0.995 or value == 0 else f"{value:.3f}"


def _gflops(value: float) -> str:
    return f"{value:,.0f}" if value >= 10 else f"{value:.2g}"


def _seconds(value: float, lang: str = "en") -> str:
    if value < 1:
        return text("time.seconds", lang, value=f"{value:.2f}")
    if value < 120:
        return text("time.seconds", lang, value=f"{value:.1f}")
    if value < 7200:
        return text("time.minutes", lang, value=f"{value / 60:.1f}")
    return text("time.hours", lang, value=f"{value / 3600:.1f}")


def verdict_for(total_gb: float, usable_gb: float, limit_gb: float) -> str:
    """"fits" under FIT_SHARE of the usable memory, "tight" up to the limit, else "will not fit"."""
    if total_gb <= FIT_SHARE * usable_gb:
        return "fits"
    if total_gb <= limit_gb:
        return "tight"
    return "will not fit"


def machine_memory(device: str) -> tuple[float, float, float]:
    """(usable, limit, machine) in GB for ``device`` on this machine."""
    from lorastudio.core.base import environment

    ram = environment.total_memory_bytes() / 1e9
    if device == "metal":
        return METAL_WORKING_SET * ram, METAL_LIMIT * ram, ram
    if device in ("cuda", "gpu"):
        gpu = _gpu_memory_bytes() / 1e9
        if gpu:
            return gpu, gpu, gpu
    return ram, ram, ram


def _gpu_memory_bytes() -> int:
    try:
        import mlx.core as mx

        info = mx.device_info()
    except Exception:  # noqa: BLE001 - no device information on this MLX
        return 0
    for key in ("memory_size", "total_memory", "memory"):
        if isinstance(info.get(key), int) and info[key] > 0:
            return int(info[key])
    return 0


# ----------------------------------------------------------------------------
# batch lengths from the data


def batch_widths(lengths: list[int], batches: list[list[int]], max_seq_length: int, pad_to: int = PAD_TO) -> list[int]:
    """Tokens per row the model sees in each batch, padded as ``lorastudio.core.tuner.batching`` pads them."""
    widths = []
    for indices in batches:
        longest = max(lengths[i] for i in indices)
        width = min(1 + pad_to * ((longest + pad_to - 1) // pad_to), max_seq_length)
        widths.append(width - 1)  # mlx-lm feeds batch[:, :-1] to the model
    return widths


def data_lengths(config: TrainConfig, model_folder: Path) -> tuple[list[int], list[int] | None] | None:
    """The model-side length of every training batch, and its loss positions; None without usable data.

    The batches are the training's own: ``batching.BatchStream`` groups the
    tokenized examples (mlx-lm's order, or by length when bucketed) and the
    rows are padded with its rule, so the widest batch here is the widest the
    run will see. The second list counts, per batch, the positions the sparse
    loss computes logits for (with ``sparse_loss``), or is None.
    """
    from mlx_lm.tuner.datasets import CacheDataset
    from mlx_lm.utils import load_tokenizer

    from lorastudio.core.tuner.batching import BatchStream
    from lorastudio.core.data.datasets import check_dataset, to_mlx_dataset
    from lorastudio.core.data.keys import DataKeys

    keys = DataKeys.from_config(config)
    report = check_dataset(config.data, keys, valid_fraction=config.valid_fraction,
                           test_fraction=config.test_fraction, split_seed=config.split_seed)
    records = report.splits.get("train") or []
    if report.errors or len(records) < config.batch_size:
        return None
    tokenizer = load_tokenizer(model_folder)
    dataset = CacheDataset(to_mlx_dataset(records, tokenizer, keys, config.mask_prompt))
    lengths = []
    for i in range(len(dataset)):
        item = dataset[i]
        tokens = item[0] if isinstance(item, tuple) and len(item) == 2 else item
        lengths.append(len(tokens))
    stream = BatchStream(dataset, config.batch_size, config.max_seq_length, getattr(config, "batching", "mlx-lm"))
    widths = batch_widths(lengths, stream.batch_indices, config.max_seq_length, getattr(stream, "pad_to", PAD_TO))
    return widths, _loss_rows(config, dataset, lengths, stream.batch_indices, widths)


def _loss_rows(config: TrainConfig, dataset, lengths: list[int], batches: list[list[int]],
               widths: list[int]) -> list[int] | None:
    """Per batch, the positions the sparse loss runs the output layer on (with ``sparse_loss`` only)."""
    if not getattr(config, "sparse_loss", False):
        return None
    try:
        from lorastudio.core.tuner.sparse_loss import INDEX_MULTIPLE, loss_positions
    except ImportError:
        return None
    rows = []
    for indices, width in zip(batches, widths):
        offsets = [dataset[i][1] if isinstance(dataset[i], tuple) else 0 for i in indices]
        kept = [min(lengths[i], config.max_seq_length) for i in indices]
        index, _ = loss_positions(offsets, kept, width + 1, INDEX_MULTIPLE)
        rows.append(len(index))
    return rows


# ----------------------------------------------------------------------------
# public API


def logit_free_chunk_rows(vocab: int) -> int:
    """The positions per chunk of the logit-free loss for this vocabulary (``tuner.logit_free``'s own sizing)."""
    from lorastudio.core.tuner.logit_free import chunk_rows_for

    return chunk_rows_for(vocab)


def estimate_for_model(model: str | Path, config: TrainConfig, batch_lengths: list[int] | None = None,
                       device: str | None = None, measure_speed: bool = True,
                       lengths_from: Phrase | str | None = None, logit_rows: list[int] | None = None) -> MemoryEstimate | None:
    """The estimate for ``config``'s settings on a model folder or a bare config.json.

    ``batch_lengths``: the length the model sees in each batch (default: one
    batch at ``max_seq_length``, the worst case mlx-lm pads to);
    ``lengths_from`` says where they came from (a ``messages.Phrase``, or text
    shown as it is in every language). ``device``
    overrides this machine's MLX device ("cpu", "metal", "cuda") to predict
    another backend; the time is only given for this machine's own device.
    ``logit_rows``: per batch, the positions the sparse loss computes logits
    for (with ``sparse_loss``; ``data_lengths`` counts them), used for the
    architectures in ``SPARSE_LOSS_MODELS``.
    """
    from lorastudio.core.estimate import memory as mem
    from lorastudio.core.estimate import speed

    shape, train = mem.describe(model, config)
    here = speed.device_kind()
    device = device or here
    notes = []
    if not batch_lengths:
        batch_lengths = [max(1, config.max_seq_length - 1)]
        lengths_from = lengths_from or Phrase.of("lengths.max_seq_length")
    lengths_from = Phrase.given(lengths_from or Phrase.of("lengths.batches", count=len(batch_lengths)))
    widest = max(batch_lengths)
    sparse = shape.architecture in SPARSE_LOSS_MODELS and config.sparse_loss
    if not sparse or not logit_rows or len(logit_rows) != len(batch_lengths):
        logit_rows = None
    chunk_rows = logit_free_chunk_rows(shape.vocab) if sparse and config.logit_free_loss else None
    step = mem.step_memory(shape, train, config, config.batch_size, widest, fused_attention=device == "cuda",
                           logit_rows=max(logit_rows) if logit_rows else None, chunk_rows=chunk_rows)
    # Validation batches are mlx-lm's (one plus a multiple of 32), forward only: every logit, or
    # chunk by chunk with the logit-free loss; in micro-batches when training uses them.
    eval_length = min(config.max_seq_length, 1 + PAD_TO * -(-(widest + 1) // PAD_TO)) - 1
    validation = mem.eval_memory(shape, train, mem.eval_batch_size(config), eval_length,
                                 fused_attention=device == "cuda", chunk_rows=chunk_rows)
    if validation.total > step.total:
        step = validation
        notes.append(Phrase.of("note.validation_peak"))
    usable, limit, machine = machine_memory(device)
    seconds = gflops = None
    if measure_speed and device == here:
        gflops = speed.matmul_gflops(speed.weights_kind(shape))
        seconds = speed.seconds_per_step(shape, train, config, config.batch_size, batch_lengths, gflops, device,
                                         logit_rows)
    if shape.weights_from == "config.json":
        notes.append(Phrase.of("note.config_weights_quantized", dtype=shape.dtype, quantization=shape.quantization)
                     if shape.quantization else Phrase.of("note.config_weights", dtype=shape.dtype))
    if logit_rows and max(logit_rows) < config.batch_size * widest:
        notes.append(Phrase.of("note.sparse_loss", rows=max(logit_rows), positions=config.batch_size * widest))
    if config.fine_tune_type == "full":
        notes.append(Phrase.of("note.full_fine_tune"))
    gb = 1e9
    return MemoryEstimate(
        model=str(model),
        device=device,
        batch_size=config.batch_size,
        length=widest,
        mean_length=sum(batch_lengths) / len(batch_lengths),
        lengths_from=lengths_from,
        grad_checkpoint=config.grad_checkpoint,
        dtype=shape.dtype + (f", {shape.quantization}" if shape.quantization else ""),
        weights_gb=step.weights / gb,
        adapters_gb=step.adapters / gb,
        optimizer_gb=step.optimizer / gb,
        gradients_gb=step.gradients / gb,
        activations_gb=step.activations / gb,
        logits_gb=step.logits / gb,
        other_gb=step.other / gb,
        usable_gb=usable,
        limit_gb=limit,
        machine_gb=machine,
        seconds_per_step=seconds,
        tokens_per_step=config.batch_size * sum(batch_lengths) / len(batch_lengths),
        device_gflops=gflops,
        notes=tuple(notes),
    )


def _local_model(model: str) -> Path | None:
    """The model's folder (or config.json) on this machine, without downloading anything."""
    from lorastudio.core.models.loading import looks_like_repo_id

    path = Path(model).expanduser()
    if path.exists():
        return path
    if looks_like_repo_id(model):
        try:
            from huggingface_hub import try_to_load_from_cache

            cached = try_to_load_from_cache(model, "config.json")
        except Exception:  # noqa: BLE001 - no hub library or a broken cache: no estimate
            return None
        if isinstance(cached, str):
            return Path(cached).parent
    return None


def estimate_for_config(config: TrainConfig) -> MemoryEstimate | None:
    """The estimate for a training config, batch lengths from its data when possible.

    None when the model is not on this machine yet (a repo id not downloaded)
    or cannot be read; the training itself then reports the real problem.
    """
    from lorastudio.core.estimate.memory import EstimateError
    from lorastudio.core.models.info import ModelInfoError

    if not config.model.strip():
        return None
    source = _local_model(config.model.strip())
    if source is None:
        return None
    lengths = rows = lengths_from = None
    if config.data.strip() and source.is_dir():
        try:
            lengths, rows = data_lengths(config, source) or (None, None)
        except Exception:  # noqa: BLE001 - unreadable data or tokenizer: fall back to max_seq_length
            lengths = rows = None
        if lengths:
            lengths_from = Phrase.of("lengths.data", count=len(lengths))
    try:
        return estimate_for_model(source, config, batch_lengths=lengths, lengths_from=lengths_from, logit_rows=rows)
    except (ModelInfoError, EstimateError, OSError):
        return None


def predict_peak_gb(config: TrainConfig) -> float:
    """The estimated peak memory of ``config`` in GB: the report's predictor for its headroom advice.

    Raises when there is no estimate (the report then falls back to scaling the measured peak).
    """
    estimate = estimate_for_config(config)
    if estimate is None:
        raise ValueError(f"no memory estimate for {config.model}")
    return estimate.total_gb
