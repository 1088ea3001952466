"""The training loop: mlx-lm's LoRA training, made stoppable, pausable and exactly resumable.

Built from mlx-lm's own parts (``linear_to_lora_layers``, ``default_loss``,
``evaluate``, ``build_schedule``, its optimizers and its compiled step) and
laid out like ``mlx_lm.tuner.trainer.train`` line for line, so that with the
same seed it takes the same steps and reports the same losses as
``mlx_lm.lora``. What it adds: a stop and pause check before every step,
checkpoints and resume state written atomically, the best-validation adapter,
early stopping, a test-set evaluation, and events instead of console output.
With ``sparse_loss`` (the default) it is faster than mlx-lm on the same
batches: the output layer is computed only where the loss is taken
(``lorastudio.core.tuner.sparse_loss``; the same losses to float rounding);
``batching: bucketed`` also computes fewer padding tokens. With
``sparse_loss: false`` and ``batching: mlx-lm`` the losses are bit-equal.

On several ranks (``Ranks``, joined with ``join_ranks`` in a process mlx.launch
started) every rank runs this loop on its share of each global batch; the
token-weighted gradient sums, loss sums and token counts are all-summed across
ranks (``all_sum_tree``), so the step is one process's to float rounding (not
mlx-lm's mean of the ranks' means). The ranks agree before each step whether to
stop; only rank 0 writes files.

Runs on one thread of the training child process (``lorastudio.core.train.worker``)
or, in tests, of the test process; the model and every MLX array live and die
on that thread. ``emit`` receives frozen events of plain Python values.
"""

from __future__ import annotations

import math
import threading
import time
from dataclasses import dataclass, field
from functools import partial
from pathlib import Path
from typing import Callable

from lorastudio.core.base import atomic

from lorastudio.core.tuner import resume_state

from lorastudio.core.runs import folder as runs
from lorastudio.core.config.train_config import TrainConfig, optimizer_class, validate_for_training
from lorastudio.core.runs.describe import STOP_TERMINATED, STOP_USER, status
from lorastudio.core.runs.events import (
    CheckpointSaved,
    Event,
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

Emit = Callable[[Event], None]


@dataclass
class Control:
    """Requests from another thread: stop (save and end) and pause. Thread-safe."""

    stop_requested: threading.Event = field(default_factory=threading.Event)
    running: threading.Event = field(default_factory=threading.Event)  # cleared while paused
    stop_reason: str = STOP_USER

    def __post_init__(self):
        self.running.set()

    def stop(self, reason: str = STOP_USER) -> None:
        self.stop_reason = reason
        self.stop_requested.set()
        self.running.set()  # a paused loop must wake up to stop

    def pause(self) -> None:
        self.running.clear()

    def resume(self) -> None:
        self.running.set()

    @property
    def paused(self) -> bool:
        return not self.running.is_set()


class TrainingError(RuntimeError):
    """A run that cannot start or go on, said for a person."""


@dataclass(frozen=True)
class Ranks:
    """This process's place in a data-parallel run: rank ``rank`` of ``size`` (MLX's group).

    One process is rank 0 of 1. Every rank runs the same loop on its share of each
    global batch; MLX sums the token-weighted gradients across ranks, and only rank 0
    writes files and speaks.
    """

    rank: int = 0
    size: int = 1
    group: object = None

    @property
    def writes(self) -> bool:
        return self.rank == 0

    def any(self, flag: bool) -> bool:
        """True on every rank when ``flag`` is true on any (one small all-sum; every rank must call it)."""
        if self.size == 1:
            return flag
        import mlx.core as mx

        total = mx.distributed.all_sum(mx.array(1.0 if flag else 0.0), group=self.group, stream=mx.cpu)
        return total.item() > 0

    def gather(self, values: list[float]) -> list[list[float]]:
        """Every rank's ``values`` (the same length on each), rank by rank, on every rank."""
        if self.size == 1:
            return [list(values)]
        import mlx.core as mx

        n = len(values)
        mine = [0.0] * (n * self.size)
        mine[self.rank * n : (self.rank + 1) * n] = values
        total = mx.distributed.all_sum(mx.array(mine, dtype=mx.float32), group=self.group, stream=mx.cpu).tolist()
        return [total[r * n : (r + 1) * n] for r in range(self.size)]


def join_ranks(backend: str | None, expected: int) -> Ranks:
    """Join the distributed group this process was launched into (mlx.launch); it must have ``expected`` ranks."""
    import mlx.core as mx

    try:
        group = mx.distributed.init(strict=True, backend=backend or "any")
    except RuntimeError as exc:
        raise TrainingError(f"could not join the distributed run ({backend or 'any'} backend): {exc}") from exc
    if group.size() != expected:
        raise TrainingError(f"the distributed run has {group.size()} rank(s) but {expected} were launched")
    return Ranks(group.rank(), group.size(), group)


def all_sum_tree(tree, group):
    """The sum across ranks of every array in ``tree``: one all-sum per dtype (the arrays laid end to end)."""
    import mlx.core as mx
    from mlx.utils import tree_flatten, tree_map_with_path

    by_dtype: dict = {}
    for key, value in tree_flatten(tree):
        by_dtype.setdefault(value.dtype, []).append((key, value))
    summed = {}
    for items in by_dtype.values():
        joined = mx.distributed.all_sum(mx.concatenate([v.reshape(-1) for _, v in items]), group=group)
        offset = 0
        for key, value in items:
            summed[key] = joined[offset : offset + value.size].reshape(value.shape)
            offset += value.size
    # The tree's own shape, empty containers included (the step adds it to the accumulated gradient).
    return tree_map_with_path(lambda path, _: summed[path], tree)


# ----------------------------------------------------------------------------
# set-up


@dataclass
class Prepared:
    """The loaded pieces of a run, ready to train."""

    config: TrainConfig
    model: object
    tokenizer: object
    train_set: object
    valid_set: object
    test_set: object
    iters: int
    model_path: Path


def data_checked(run_dir: Path, config: TrainConfig) -> bool:
    """True when the run's data was checked when the run was made and has not changed since."""
    from lorastudio.core.data.datasets import fingerprint

    recorded = runs.read_status(run_dir).get("data_checked")
    return bool(recorded) and recorded == fingerprint(config.data)


def load_datasets(config: TrainConfig, tokenizer, trusted: bool = False):
    """mlx-lm dataset objects for train/valid/test, every line checked first (unless ``trusted``:
    checked already and unchanged, see ``data_checked``)."""
    from mlx_lm.tuner.datasets import CacheDataset

    from lorastudio.core.data.datasets import check_dataset, to_mlx_dataset
    from lorastudio.core.data.keys import DataKeys

    keys = DataKeys.from_config(config)
    report = check_dataset(
        config.data, keys, valid_fraction=config.valid_fraction, test_fraction=config.test_fraction,
        split_seed=config.split_seed, trusted=trusted,
    )
    report.raise_if_errors()
    if config.mask_prompt and report.format == "text":
        raise TrainingError("mask_prompt: plain-text data has no prompt to mask; turn mask_prompt off")
    sets = []
    for name in ("train", "valid", "test"):
        records = report.splits.get(name) or []
        sets.append(CacheDataset(to_mlx_dataset(records, tokenizer, keys, config.mask_prompt)) if records else [])
    return sets


def build_optimizer(config: TrainConfig):
    """The optimizer and learning rate (or schedule) exactly as mlx_lm.lora builds them."""
    from mlx_lm.tuner.utils import build_schedule

    if config.lr_schedule is not None:
        schedule = config.lr_schedule
        lr = build_schedule(
            {"name": schedule.name, "arguments": schedule.arguments, "warmup": schedule.warmup, "warmup_init": schedule.warmup_init}
        )
    else:
        lr = config.learning_rate
    return optimizer_class(config.optimizer)(learning_rate=lr, **config.optimizer_config.get(config.optimizer, {}))


def adapter_config(config: TrainConfig, model_path: Path) -> dict:
    """What mlx-lm writes to adapter_config.json (its args), so its loaders accept ours."""
    data = config.to_dict()
    data["model"] = str(model_path)
    if config.fine_tune_type == "full":
        data["lora_parameters"] = None
    else:
        data["lora_parameters"] = config.lora_dict()
    return data


def prepare(run_dir: Path, emit: Emit, writes: bool = True) -> Prepared:
    """Load model, tokenizer and data; apply the adapters (mlx_lm.lora's order of seeding).

    Every rank of a distributed run does the same (the same seeds: equal replicas);
    only the one that ``writes`` writes the adapter's config.
    """
    import mlx.core as mx
    import numpy as np

    from lorastudio.core.models.info import apply_fine_tune
    from lorastudio.core.models.loading import load_model, resolve_model

    config = runs.load_config(run_dir)
    problems = validate_for_training(config)
    if problems:
        raise TrainingError("; ".join(str(p) for p in problems))
    # mlx_lm.lora seeds NumPy first; every later draw (data order) follows from it.
    np.random.seed(config.seed)
    emit(status("model", config.model))
    model_path = resolve_model(config.model, progress=lambda text, frac: emit(Status("download", f"{text} ({frac:.0%})")))
    model, tokenizer, _ = load_model(model_path)
    emit(status("data", config.data))
    train_set, valid_set, test_set = load_datasets(config, tokenizer, trusted=data_checked(run_dir, config))
    if config.test and not test_set:
        raise TrainingError(f"test: the dataset {config.data} has no test split (add test.jsonl or set test_fraction)")
    # mlx_lm.lora's train_model: seed MLX, freeze, convert to LoRA, then resume weights.
    mx.random.seed(config.seed)
    apply_fine_tune(model, config)
    if config.resume_adapter_file:
        model.load_weights(config.resume_adapter_file, strict=False)
    if writes:
        atomic.write_json(run_dir / runs.ADAPTER_CONFIG, adapter_config(config, model_path))
    return Prepared(config, model, tokenizer, train_set, valid_set, test_set, config.resolved_iters(len(train_set)), model_path)


# ----------------------------------------------------------------------------
# the loop


def _save_adapters(run_dir: Path, model, iteration: int | None) -> Path:
    from mlx.utils import tree_flatten

    weights = dict(tree_flatten(model.trainable_parameters()))
    atomic.save_safetensors(run_dir / runs.ADAPTERS, weights)
    if iteration is not None:
        atomic.save_safetensors(run_dir / f"{iteration:07d}_adapters.safetensors", weights)
        return run_dir / f"{iteration:07d}_adapters.safetensors"
    return run_dir / runs.ADAPTERS


def _save_best(run_dir: Path, model) -> Path:
    from mlx.utils import tree_flatten

    best = run_dir / "best"
    best.mkdir(exist_ok=True)
    atomic.save_safetensors(best / runs.ADAPTERS, dict(tree_flatten(model.trainable_parameters())))
    atomic.write_text(best / runs.ADAPTER_CONFIG, (run_dir / runs.ADAPTER_CONFIG).read_text(encoding="utf-8"))
    return best


def device_description() -> str:
    import mlx.core as mx

    from lorastudio.core.base import blas

    device = mx.default_device()
    if device == mx.cpu:
        return f"CPU ({blas.describe()})"
    return f"GPU ({mx.device_info().get('device_name', 'unknown')})" if hasattr(mx, "device_info") else "GPU"


class _Training:
    """One run's training in this process: the pieces of ``mlx_lm.tuner.trainer.train``, kept apart.

    The arithmetic is mlx-lm's, in its order (the same losses, bit for bit with
    ``sparse_loss: false``); what is split here is only who does what: set-up,
    one step, validation, reports, checkpoints and the end.
    """

    def __init__(self, run_dir: Path, emit: Emit, control: Control, resume: bool, ranks: Ranks | None = None):
        import mlx.core as mx
        import mlx.nn as nn
        from mlx_lm.tuner.trainer import default_loss, grad_checkpoint

        from lorastudio.core.tuner.batching import BatchStream
        from lorastudio.core.tuner.sparse_loss import INDEX_MULTIPLE

        self.run_dir, self.emit, self.control = run_dir, emit, control
        self.ranks = ranks or Ranks()
        self.wall_start = time.perf_counter()
        self.p = prepare(run_dir, emit, writes=self.ranks.writes)
        self.cfg, self.model = self.p.config, self.p.model
        self.optimizer = build_optimizer(self.cfg)
        self.stream = BatchStream(self.p.train_set, self.cfg.batch_size, self.cfg.max_seq_length, self.cfg.batching)
        self.stream.rank, self.stream.ranks = self.ranks.rank, self.ranks.size
        self._check_sizes()
        self.local_tokens = 0  # this rank's tokens since the last report (its share of the throughput)
        self.counters = resume_state.Counters()
        self.grad_accum = None
        if resume:
            self._restore()
        if self.cfg.grad_checkpoint:
            grad_checkpoint(self.model.layers[0])
        # The output layer only on the positions that carry loss (the same loss, less work;
        # lorastudio.core.tuner.sparse_loss), chunk by chunk so the batch's logits are never held
        # at once (lorastudio.core.tuner.logit_free), or mlx-lm's own loss, bit for bit.
        sparse, self.eval_loss = self._losses()
        if sparse is not None:
            self.stream.loss_index_multiple = INDEX_MULTIPLE
        self.loss_value_and_grad = nn.value_and_grad(self.model, sparse or default_loss)
        self.state = [self.model.state, self.optimizer.state, mx.random.state]
        self.step = self._compiled_step()
        self.stream.micro_batch_size = getattr(self.cfg, "micro_batch_size", None) or 0
        if self.stream.micro_batch_size or self.ranks.size > 1:
            self.micro_step, self.apply_step = self._compiled_micro_steps()

    def _check_sizes(self) -> None:
        cfg, size = self.cfg, self.ranks.size
        if self.p.valid_set and len(self.p.valid_set) < cfg.batch_size:
            raise TrainingError(
                f"The validation set has {len(self.p.valid_set)} example(s) but batch_size is {cfg.batch_size}: "
                "lower batch_size or add validation examples."
            )
        # mlx-lm's evaluation gives each rank batch_size / ranks rows of every batch.
        if size > 1 and cfg.batch_size % size:
            raise TrainingError(f"batch_size ({cfg.batch_size}) must be a multiple of the number of ranks ({size})")

    def _losses(self):
        """(training loss or None for mlx-lm's, validation loss) as the config asks and the model allows."""
        from mlx_lm.tuner.trainer import default_loss

        from lorastudio.core.tuner.logit_free import logit_free_eval_loss_for, logit_free_loss_for
        from lorastudio.core.tuner.sparse_loss import sparse_loss_for

        if not self.cfg.sparse_loss:
            return None, default_loss
        sample = self.p.train_set[self.stream.batch_indices[0][0]]
        if self.cfg.logit_free_loss:
            train = logit_free_loss_for(self.model, sample)
            if train is not None:
                return train, logit_free_eval_loss_for(self.model) or default_loss
        return sparse_loss_for(self.model, sample), default_loss

    def _restore(self) -> None:
        state_file = resume_state.latest(self.run_dir)
        if state_file is None:
            raise TrainingError(f"run {self.run_dir.name} has no resume state to continue from")
        self.counters, self.grad_accum = resume_state.load(state_file, self.model, self.optimizer)
        self.stream.restore(self.counters.stream)
        self.emit(status("resume", self.counters.iteration))

    def _compiled_step(self):
        """The step of mlx_lm.tuner.trainer.train, unchanged."""
        import mlx.core as mx
        from mlx.nn.utils import average_gradients
        from mlx.utils import tree_map

        model, optimizer, loss_value_and_grad = self.model, self.optimizer, self.loss_value_and_grad
        accum_steps = self.cfg.grad_accumulation_steps

        @partial(mx.compile, inputs=self.state, outputs=self.state)
        def step(batch, prev_grad, do_update):
            (lvalue, toks), grad = loss_value_and_grad(model, *batch)
            if prev_grad is not None:
                grad = tree_map(lambda x, y: x + y, grad, prev_grad)
            if do_update:
                grad = average_gradients(grad)
                if accum_steps > 1:
                    grad = tree_map(lambda x: x / accum_steps, grad)
                optimizer.update(model, grad)
                grad = None
            return lvalue, toks, grad

        return step

    def _compiled_micro_steps(self):
        """Exact micro-batching: the steps of a batch run as several micro-batches.

        Each micro-batch's gradient of its mean loss is weighted by its token count and
        summed; the sum divided by the batch's token count is the gradient of the whole
        batch's mean loss (mlx-lm's ``grad_accumulation_steps`` averages the means instead,
        another step when micro-batches carry different token counts). After that the
        update is the step of ``_compiled_step``, unchanged.
        """
        import mlx.core as mx
        from mlx.nn.utils import average_gradients
        from mlx.utils import tree_map

        model, optimizer, loss_value_and_grad = self.model, self.optimizer, self.loss_value_and_grad
        accum_steps = self.cfg.grad_accumulation_steps

        @partial(mx.compile, inputs=self.state, outputs=self.state)
        def micro_step(batch, grad_sum, loss_sum, token_sum):
            (lvalue, toks), grad = loss_value_and_grad(model, *batch)
            weight = toks.astype(mx.float32)
            grad = tree_map(lambda g: g * weight, grad)
            if grad_sum is not None:
                grad = tree_map(lambda x, y: x + y, grad, grad_sum)
            return grad, loss_sum + lvalue * weight, token_sum + weight

        ranks = self.ranks

        @partial(mx.compile, inputs=self.state, outputs=self.state)
        def apply_step(grad_sum, loss_sum, token_sum, prev_grad, do_update):
            if ranks.size > 1:
                # Across ranks as across micro-batches: the token-weighted sums, summed, over
                # every rank's tokens (not a mean of the ranks' means).
                grad_sum = all_sum_tree(grad_sum, ranks.group)
                loss_sum = mx.distributed.all_sum(loss_sum, group=ranks.group)
                token_sum = mx.distributed.all_sum(token_sum, group=ranks.group)
            grad = tree_map(lambda g: g / token_sum, grad_sum)
            if prev_grad is not None:
                grad = tree_map(lambda x, y: x + y, grad, prev_grad)
            if do_update:
                if ranks.size == 1:
                    grad = average_gradients(grad)  # mlx-lm's (nothing to average in one process)
                if accum_steps > 1:
                    grad = tree_map(lambda x: x / accum_steps, grad)
                optimizer.update(model, grad)
                grad = None
            return grad, loss_sum / token_sum, token_sum

        return micro_step, apply_step

    def _run_parts(self, batch, do_update: bool):
        """One batch as its micro-batches: (mean loss, token count) of the whole batch."""
        import mlx.core as mx

        from mlx.utils import tree_map

        grad_sum, loss_sum, token_sum = None, mx.array(0.0), mx.array(0.0)
        for part in batch.parts:
            grad_sum, loss_sum, token_sum = self.micro_step(part.inputs(), grad_sum, loss_sum, token_sum)
            # One micro-batch at a time: evaluating here keeps only the gradient sum alive.
            mx.eval(grad_sum, loss_sum, token_sum)
        if grad_sum is None:  # no row for this rank (a last batch smaller than the ranks): it adds nothing
            grad_sum = tree_map(mx.zeros_like, self.model.trainable_parameters())
        self.grad_accum, loss, tokens = self.apply_step(grad_sum, loss_sum, token_sum, self.grad_accum, do_update)
        return loss, tokens.astype(mx.int32)

    def announce(self) -> None:
        from lorastudio.core.models.info import count_parameters

        counts = count_parameters(self.model)
        self.emit(Started(
            run_dir=str(self.run_dir),
            total_iters=self.p.iters,
            start_iteration=self.counters.iteration,
            trainable_parameters=counts.trainable,
            total_parameters=counts.total,
            train_examples=len(self.p.train_set),
            valid_examples=len(self.p.valid_set),
            test_examples=len(self.p.test_set),
            device=device_description(),
            ranks=self.ranks.size,
        ))

    def _evaluate(self, dataset, num_batches: int) -> float:
        """mlx-lm's ``evaluate`` with our evaluation loss, in micro-batches when training uses them."""
        from mlx_lm.tuner.trainer import evaluate, iterate_batches

        from lorastudio.core.tuner.batching import in_micro_batches

        size, batch_size = self.stream.micro_batch_size, self.cfg.batch_size
        if size and size < batch_size:
            iterate_batches = in_micro_batches(iterate_batches, size)
            if num_batches != -1:
                num_batches *= -(-batch_size // size)
        return evaluate(model=self.model, dataset=dataset, loss=self.eval_loss, batch_size=batch_size,
                        num_batches=num_batches, max_seq_length=self.cfg.max_seq_length, iterate_batches=iterate_batches)

    def validate(self, iteration: int) -> ValReport:
        cfg, counters = self.cfg, self.counters
        tic = time.perf_counter()
        val_loss = self._evaluate(self.p.valid_set, cfg.val_batches)
        self.model.train()
        improved = counters.best_val_loss is None or val_loss < counters.best_val_loss
        if improved:
            counters.best_val_loss, counters.best_iteration = val_loss, iteration
            counters.evals_without_improvement = 0
        else:
            counters.evals_without_improvement += 1
        report = ValReport(iteration=iteration, val_loss=val_loss, val_time=time.perf_counter() - tic, is_best=improved)
        self.emit(report)
        if improved and cfg.keep_best and self.ranks.writes:
            self.emit(CheckpointSaved(iteration=iteration, path=str(_save_best(self.run_dir, self.model)), reason="best"))
        return report

    def report_train(self, iteration: int) -> None:
        import mlx.core as mx

        counters = self.counters
        steps = counters.report_steps
        if steps == 0:
            return
        seconds = max(counters.report_time, 1e-9)
        rank_rates = None
        if self.ranks.size > 1:
            # Each rank's own tokens over its own step time; the computed tokens of all ranks.
            shares = self.ranks.gather([float(self.local_tokens), seconds, float(counters.report_computed_tokens)])
            rank_rates = [tokens / max(spent, 1e-9) for tokens, spent, _ in shares]
            counters.report_computed_tokens = int(sum(computed for _, _, computed in shares))
        self.local_tokens = 0
        counters.trained_tokens += counters.report_tokens
        lr = self.optimizer.learning_rate
        self.emit(TrainReport(
            iteration=iteration,
            train_loss=counters.report_loss_sum / steps,
            learning_rate=float(lr.item()) if isinstance(lr, mx.array) else float(lr),
            iterations_per_second=steps / seconds,
            tokens_per_second=counters.report_tokens / seconds,
            trained_tokens=counters.trained_tokens,
            peak_memory_gb=mx.get_peak_memory() / 1e9,
            computed_tokens_per_second=counters.report_computed_tokens / seconds,
            elapsed_s=counters.elapsed_train_s,
            rank_tokens_per_second=rank_rates,
        ))
        counters.report_loss_sum = 0.0
        counters.report_tokens = counters.report_steps = counters.report_computed_tokens = 0
        counters.report_time = 0.0

    def save(self, iteration: int | None) -> Path:
        """The adapter (numbered when ``iteration`` is given) and the resume state beside it (rank 0 only)."""
        if not self.ranks.writes:
            return self.run_dir / (runs.ADAPTERS if iteration is None else f"{iteration:07d}_adapters.safetensors")
        path = _save_adapters(self.run_dir, self.model, iteration)
        self.counters.stream = self.stream.state()
        self.counters.numpy_random = resume_state.numpy_random_state()
        resume_state.save(self.run_dir, self.counters, self.model, self.optimizer, self.grad_accum)
        return path

    def train_step(self, it: int, batch, loss_sum):
        """One optimizer step (or one accumulation step); returns the running loss sum."""
        import mlx.core as mx

        cfg, counters = self.cfg, self.counters
        tic = time.perf_counter()
        do_update = it % cfg.grad_accumulation_steps == 0
        if batch.parts is not None:  # micro-batches, or a rank's share (none at all in a batch smaller than the ranks)
            lvalue, toks = self._run_parts(batch, do_update)
        else:
            lvalue, toks, self.grad_accum = self.step(batch.inputs(), self.grad_accum, do_update)
        loss_sum = loss_sum + lvalue
        mx.eval(self.state, loss_sum, toks, self.grad_accum)
        if cfg.clear_cache_threshold and mx.get_cache_memory() > cfg.clear_cache_threshold:
            mx.clear_cache()
        seconds = time.perf_counter() - tic
        counters.iteration = it
        counters.report_time += seconds
        counters.elapsed_train_s += seconds
        counters.report_steps += 1
        counters.report_tokens += int(toks.item())
        counters.report_computed_tokens += batch.computed_tokens
        self.local_tokens += batch.real_tokens
        counters.report_loss_sum = float(loss_sum.item())
        return loss_sum

    def _wait_if_paused(self, it: int) -> None:
        control = self.control
        if control.paused and not control.stop_requested.is_set():
            self.emit(Paused(iteration=it - 1))
            control.running.wait()
            if not control.stop_requested.is_set():
                self.emit(Resumed(iteration=it - 1))

    def _stops_early(self) -> bool:
        patience = self.cfg.early_stopping_patience
        if patience and self.counters.evals_without_improvement >= patience:
            self.emit(status("early_stop", patience))
            return True
        return False

    def run_steps(self) -> str | None:
        """Every step to the end, a stop or early stopping; the stop reason when stopped."""
        cfg, p = self.cfg, self.p
        self.model.train()
        # Accumulated as mlx-lm does (a Python number, then an array evaluated with the step).
        loss_sum = self.counters.report_loss_sum
        for it in range(self.counters.iteration + 1, p.iters + 1):
            self._wait_if_paused(it)
            # Every rank stops at the same step, or the others would wait on the all-sum.
            if self.ranks.any(self.control.stop_requested.is_set()):
                return self.control.stop_reason if self.control.stop_requested.is_set() else STOP_TERMINATED
            batch = self.stream.next()
            if p.valid_set and (it == 1 or it % cfg.steps_per_eval == 0 or it == p.iters):
                self.validate(it - 1)
                if self._stops_early():
                    return None
            loss_sum = self.train_step(it, batch, loss_sum)
            if it % cfg.steps_per_report == 0 or it == p.iters:
                self.report_train(it)
                loss_sum = 0.0
            if it % cfg.save_every == 0:
                path = self.save(it)
                self.emit(CheckpointSaved(iteration=it, path=str(path), reason="periodic"))
        return None

    def test(self) -> None:
        self.emit(status("test"))
        tic = time.perf_counter()
        test_loss = self._evaluate(self.p.test_set, self.cfg.test_batches)
        self.emit(TestReport(test_loss=test_loss, test_ppl=math.exp(test_loss), test_time=time.perf_counter() - tic))

    def end(self, stop_reason: str | None) -> Event:
        """The last report and adapter; the test set after a full run; the terminal event (not emitted)."""
        done = self.counters.iteration
        self.report_train(done)
        path = self.save(None)
        if stop_reason is not None:
            self.emit(CheckpointSaved(iteration=done, path=str(path), reason="stop"))
            return Stopped(iteration=done, reason=stop_reason, adapter_path=str(self.run_dir))
        self.emit(CheckpointSaved(iteration=done, path=str(path), reason="final"))
        if self.cfg.test:
            self.test()
        return Finished(iteration=done, adapter_path=str(self.run_dir), elapsed_s=time.perf_counter() - self.wall_start,
                        best_val_loss=self.counters.best_val_loss, best_iteration=self.counters.best_iteration)


def train_run(
    run_dir: str | Path, emit: Emit, control: Control | None = None, resume: bool = False, emit_terminal: bool = True,
    ranks: Ranks | None = None,
) -> Event:
    """Train the run in ``run_dir`` to its end or a stop; return the terminal event.

    With ``emit_terminal=False`` the Finished or Stopped event is returned but
    not emitted, so the caller can do more (evaluation, the report) after the
    model is released and announce the end last. Exceptions propagate (the
    worker turns them into a Failed event). ``ranks``: this process's place in
    a distributed run (``join_ranks``); every rank calls this with its own.
    """
    training = _Training(Path(run_dir), emit, control or Control(), resume, ranks)
    training.announce()
    ended = training.end(training.run_steps())
    if emit_terminal:
        emit(ended)
    return ended
