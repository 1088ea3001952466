"""Seconds per training step: floating-point operations per token over this device's measured speed.

The device's speed is measured, not looked up: a matrix multiply of the
model's kind (float32, bfloat16, float16 or quantized weights) is timed once
on this machine, with MLX's default device, and the GFLOP/s are cached in
``<data home>/device-speed.json`` under the device, MLX version, BLAS and
kind. A table of constants per chip would be wrong on every machine it does
not list, and on a Linux CPU the speed varies 25-fold with the BLAS MLX
loaded (see ``lorastudio.core.base.blas``). Measuring costs well under a second.

A training step reaches only part of that speed (smaller matrices, attention,
element-wise work, the loss): ``STEP_EFFICIENCY`` is that part. On the CPU it
was measured with SmolLM2-135M on a busy 2-core Linux machine
(``bench/calibrate_memory.py``: ratios 0.2-1.4, median 0.7, under load that
changed by the minute), so the time is good to about a factor of two there.
For GPUs no matmul speed could be measured beside the 14B runs: 0.6 is a
guess, to be replaced by a measurement on a Mac (``docs/memory.md``).
Imports MLX lazily; call it on a thread where MLX may run.
"""

from __future__ import annotations

import json
import time

from lorastudio.core.config.train_config import TrainConfig
from lorastudio.core.estimate.memory import ModelShape, TrainShape

CACHE_FILE = "device-speed.json"
# Fraction of the measured matmul speed that a whole training step reaches
# (see the module docstring for where each number comes from).
STEP_EFFICIENCY = {"cpu": 0.5, "metal": 0.6, "cuda": 0.6, "gpu": 0.6}


def device_kind() -> str:
    """"cpu", "metal", "cuda" (or "gpu"): where MLX computes by default."""
    import mlx.core as mx

    if mx.default_device() == mx.cpu:
        return "cpu"
    if mx.metal.is_available():
        return "metal"
    cuda = getattr(mx, "cuda", None)
    if cuda is not None and cuda.is_available():
        return "cuda"
    return "gpu"


def _device_name() -> str:
    import mlx.core as mx

    try:
        return str(mx.device_info().get("device_name", "")) or device_kind()
    except Exception:  # noqa: BLE001 - older MLX without device_info
        return device_kind()


def weights_kind(shape: ModelShape) -> str:
    """The kind of matrix multiply the model's layers do: "float32", "bfloat16", "4-bit float16", ...

    The activation dtype matters for quantized weights too: on MLX's CPU a
    4-bit multiply ran at 2 GFLOP/s with float32, 0.3 with bfloat16 and 0.05
    with float16 inputs.
    """
    return f"{shape.quantization} {shape.dtype}" if shape.quantization else shape.dtype


def _time_matmul(kind: str) -> float:
    """GFLOP/s of one square matrix multiply of ``kind`` (grown until it takes ~20 ms)."""
    import mlx.core as mx

    words = kind.split()
    dtype = {"float32": mx.float32, "float16": mx.float16, "bfloat16": mx.bfloat16}.get(words[-1], mx.bfloat16)
    bits = int(words[0].split("-")[0]) if words[0].endswith("-bit") else None
    n, best = 256, None
    while True:
        x = mx.random.normal((n, n)).astype(dtype)
        w = mx.random.normal((n, n)).astype(dtype)
        if bits:
            wq, scales, biases = mx.quantize(w, group_size=64, bits=bits)

            def run():
                return mx.quantized_matmul(x, wq, scales, biases, transpose=True, group_size=64, bits=bits)
        else:

            def run():
                return x @ w
        mx.eval(run())  # warm up (kernels, BLAS threads)
        times = []
        for _ in range(3):
            tic = time.perf_counter()
            mx.eval(run())
            times.append(time.perf_counter() - tic)
        best = min(times)
        if best >= 0.02 or n >= 4096:
            break
        n *= 2
    return 2.0 * n**3 / max(best, 1e-9) / 1e9


def matmul_gflops(kind: str, refresh: bool = False) -> float:
    """This device's matmul speed for ``kind`` in GFLOP/s, measured once and cached."""
    from importlib import metadata

    from lorastudio.core.base import atomic

    from lorastudio.core.base import blas
    from lorastudio.core.base.paths import data_home

    try:
        mlx_version = metadata.version("mlx")
    except metadata.PackageNotFoundError:
        mlx_version = "?"
    device = device_kind()
    key = f"{device}|{_device_name()}|mlx {mlx_version}|{blas.describe() if device == 'cpu' else ''}|{kind}"
    path = data_home() / CACHE_FILE
    try:
        cache = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        cache = {}
    if not refresh and isinstance(cache.get(key), (int, float)) and cache[key] > 0:
        return float(cache[key])
    value = _time_matmul(kind)
    cache[key] = value
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        atomic.write_json(path, cache)
    except OSError:
        pass  # a read-only data home only costs a new measurement next time
    return value


def flops_per_token(shape: ModelShape, train: TrainShape, config: TrainConfig, length: int) -> float:
    """Floating-point operations of one token of a training step on rows of ``length`` tokens.

    Forward: 2 per weight of every linear layer and the output layer, plus the
    attention (q.k and p.v over ``length`` keys). Backward: only the trained
    layers and the output layer pass gradients (the frozen layers below need
    none), at the cost of one more forward for the inputs' gradients; full
    fine-tuning adds the weights' gradients. Checkpointing repeats the trained
    layers' forward.
    """
    attention = 4.0 * shape.heads * shape.head_dim * length  # q.k and p.v, per layer
    layer = 2.0 * shape.layer_matmul_parameters + attention
    head = 2.0 * shape.head_parameters
    lora = 2.0 * train.lora_flops_per_token
    forward = shape.layers * layer + head + lora
    backward = train.trained_layers * (2.0 * shape.layer_matmul_parameters + 2.0 * attention) + head + 2.0 * lora
    if train.fine_tune_type == "full":
        backward += train.trained_layers * 2.0 * shape.layer_matmul_parameters
    recompute = train.trained_layers * layer if config.grad_checkpoint else 0.0
    return forward + backward + recompute


def seconds_per_step(shape: ModelShape, train: TrainShape, config: TrainConfig, batch: int,
                     lengths: list[int], gflops: float, device: str, logit_rows: list[int] | None = None) -> float:
    """Mean seconds of one step over batches whose rows have the given lengths.

    ``logit_rows`` (one per batch): positions the output layer runs on when the
    loss skips the others (``lorastudio.core.tuner.sparse_loss``).
    """
    if not lengths or gflops <= 0:
        return 0.0
    head = 4.0 * shape.head_parameters  # forward and input-gradient multiplies of the output layer
    total = 0.0
    for i, n in enumerate(lengths):
        flops = flops_per_token(shape, train, config, n) * n * batch
        if logit_rows is not None:
            flops -= head * max(0, n * batch - logit_rows[i])
        total += flops
    return total / len(lengths) / (gflops * 1e9 * STEP_EFFICIENCY.get(device, 0.6))
