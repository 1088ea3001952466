"""The memory model behind the estimate: a model's shape and the bytes one training step holds.

``describe(source, config)`` reads what the estimate needs from ``config.json``
and the weight headers only, through ``model_info``'s lazy skeleton (no weight
is ever allocated, so a 14B model is described on a small machine): the
dimensions, the bytes of the weights as they load, the dtype the activations
take, and which parameters the fine-tune trains. ``step_memory(...)`` then
adds up the peak of one training step, in bytes, per component.

How the coefficients were found: the peak MLX reports (``mx.get_peak_memory``)
was measured on the Linux CPU backend (mlx 0.32.4, mlx-lm 0.32.2), one fresh
process per configuration, for 250 random llama models (hidden 64-1024, MLP
1-6x, 1-16 heads, vocabulary 250-8000, 1-6 trained layers, batch 1-16, length
32-1024, LoRA on q/v or on every linear layer, with and without gradient
checkpointing; ``bench/calibrate_memory.py --probes``) and 15 real training
runs of the tiny model and SmolLM2, then fitted to the worst relative error.
Every one of them is within 13.4% (root mean square 5.6%); the real runs
within 11.5%. The coefficients count activation-sized arrays per token (an
array of ``hidden`` numbers is "1 H"), so they scale to any model size; the
14B measurements of mlx-facts.md, which the fit never saw (but for the extra
logits copy of a quantized output layer, taken from the 4-bit run), come
within 5% (``docs/memory.md``). Plain Python; MLX is imported lazily (the
skeleton is built on the calling thread).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from pathlib import Path

from lorastudio.core.config.train_config import TrainConfig

# --- bytes per activation element for each weight dtype ------------------------
DTYPE_BYTES = {"F32": 4, "F16": 2, "BF16": 2, "float32": 4, "float16": 2, "bfloat16": 2}

# --- the fitted coefficients (arrays per token; see the module docstring) ------
# Without checkpointing, every trained layer keeps (per token) about 3.3 arrays
# of hidden size (its input, the normed input, q, the residual after attention),
# 4 of MLP size (gate, up, silu(gate), their product), 1.5 of key/value size,
# and one row of attention scores (heads x length: the softmax output, which the
# unfused attention of MLX's training path keeps for the backward pass; fixed at
# 1, what sweeps of the length at a fixed token count measured).
SAVED_H, SAVED_I, SAVED_KV, SAVED_SCORES = 3.35, 4.02, 1.46, 1.0
# An adapter on o_proj, gate/up_proj or down_proj keeps its input too (1 H, 1 H,
# 1 I). Fixed at 0.5: hidden sizes of 256-512 measured about 1, tiny models
# about 0 (their peak comes during the attention's backward pass instead).
LORA_INPUT = 0.5
# At the peak (the start of the backward pass) the logits and what the loss
# builds from them live together: about 3.9 arrays of batch x length x vocab
# (logits, logits minus their maximum, the exponentials, their gradient).
LOGIT_COPIES = 3.9
# ... plus a quantized output layer's extra copy (4-bit 14B on the H100: +2.5 GB
# at 4 x 2048, one bf16 batch x length x vocab array).
QUANTIZED_HEAD_COPIES = 1.0
# ... plus the transients of the top layer's backward pass.
TRANSIENT_H, TRANSIENT_I, TRANSIENT_SCORES = 13.79, 4.07, 1.64
# With gradient checkpointing each trained layer keeps about 1.4 hidden-size and
# 1 key/value-size arrays per token (its input and a little more); the peak is
# then either at the loss (the logits plus about 35 hidden-size arrays) or while
# one layer is recomputed and differentiated, whichever is larger.
CKPT_SAVED_H, CKPT_SAVED_KV = 1.38, 0.96
CKPT_HEAD_H = 35.12
CKPT_LOGIT_COPIES = 4.14
CKPT_LAYER_H, CKPT_LAYER_I, CKPT_LAYER_SCORES, CKPT_LAYER_KV, CKPT_LAYER_LORA = 25.07, 6.05, 3.51, 3.88, 2.88

# The validation pass (mlx-lm's evaluate, forward only, every position's logits)
# holds about 2 logits-sized arrays plus one layer's forward (5 H, 2 I, 2 rows of
# scores per token): measured on SmolLM2 (2.2-2.3 logits copies in all) and the
# tiny model. It is the peak when the training loss skips most positions
# (the sparse loss with the prompt masked) or with checkpointing.
EVAL_LOGIT_COPIES, EVAL_H, EVAL_I, EVAL_SCORES = 2.0, 5.0, 2.0, 2.0

# With the logit-free loss (lorastudio.core.tuner.logit_free) the output layer runs chunk by
# chunk of ``chunk_rows`` positions and each chunk's gradient is taken in the forward pass: only
# about LOGIT_FREE_COPIES float32 arrays of chunk x vocab live at once (logits, their softmax and
# gradient), plus the kept gradient of the hidden rows (rows x hidden, float32). In validation,
# one chunk's logits and its reduction.
LOGIT_FREE_COPIES = 3.0
EVAL_LOGIT_FREE_COPIES = 2.0
# MLX overlaps consecutive chunks (it allocates the next operations' outputs before the
# previous ones finish). Without checkpointing, where the loss sits on top of every trained
# layer's saved activations, SmolLM2's peaks held about two chunks' worth (1,024 positions in
# chunks of 320: 0.17-0.27 GB above a one-chunk count); with checkpointing one chunk's worth
# matched (bench/calibrate_memory.py, docs/memory.md).
LOGIT_FREE_CHUNKS_ALIVE = 2

# Optimizer state per trained parameter (MLX's optimizers): Adam and AdamW keep
# two moments, SGD and Muon one buffer, Adafactor factored second moments.
OPTIMIZER_COPIES = {"adam": 2, "adamw": 2, "sgd": 1, "muon": 1}

_GROUP_NAMES = {
    "attn_out": ("o_proj", "out_proj", "wo", "dense", "c_proj"),
    "mlp_out": ("down_proj", "w2", "fc2", "c_proj", "dense_4h_to_h"),
}


class EstimateError(ValueError):
    """A model whose shape the estimate cannot read."""


@dataclass(frozen=True)
class ModelShape:
    """What the memory and time of a step depend on, read from config.json and weight headers."""

    architecture: str
    layers: int
    hidden: int
    intermediate: int
    heads: int
    kv_heads: int
    head_dim: int
    vocab: int
    total_parameters: int
    layer_matmul_parameters: int  # multiply-adds per token of one block's linear layers
    head_parameters: int  # the output layer's (vocab x hidden)
    weights_bytes: int
    activation_bytes: int  # bytes of one activation number (see _activation_dtype)
    dtype: str  # "float32", "bfloat16", "float16"
    quantization: str  # "" or e.g. "4-bit"
    quantized_head: bool
    weights_from: str  # "weight files" or "config.json"


@dataclass(frozen=True)
class TrainShape:
    """What a fine-tune config makes trainable on that model."""

    fine_tune_type: str
    trained_layers: int
    trainable_parameters: int
    trainable_bytes: int
    optimizer_bytes: int
    adapter_groups: frozenset  # of "attn_in", "attn_out", "mlp_in", "mlp_out"
    lora_flops_per_token: int  # forward multiply-adds of the adapters, per token
    dora_weight_bytes: int  # DoRA: every adapted weight (float32), rebuilt each step and kept
    dora_layer_bytes: int  # ... of one layer (what checkpointing keeps at once)


def _config_value(config: dict, *names, default=None):
    text = config.get("text_config") if isinstance(config.get("text_config"), dict) else {}
    for name in names:
        if config.get(name) is not None:
            return config[name]
        if text.get(name) is not None:
            return text[name]
    return default


def _header_dtypes(folder: Path | None) -> tuple[dict[str, str], int]:
    """{tensor name: dtype} of a folder's safetensors and their total data bytes."""
    from lorastudio.core.models.info import safetensors_header

    if folder is None:
        return {}, 0
    names: dict[str, str] = {}
    total = 0
    for path in sorted(folder.glob("model*.safetensors")):
        for name, entry in safetensors_header(path).items():
            if name == "__metadata__":
                continue
            names[name] = entry["dtype"]
            start, end = entry["data_offsets"]
            total += end - start
    return names, total


def _activation_dtype(config: dict, dtypes: dict[str, str]) -> str:
    """The dtype the hidden states take: the embedding's, widened by any float32 weight.

    MLX promotes: a float16 embedding output multiplied by a float32 norm
    weight is float32 from the first norm on (GGUF imports keep their norms in
    float32 next to float16 or 4-bit weights).
    """
    names = {"F32": "float32", "F16": "float16", "BF16": "bfloat16"}
    embed = next((names[d] for n, d in dtypes.items()
                  if "embed" in n and n.endswith((".scales", ".weight")) and d in names), None)
    floats = [names[d] for n, d in dtypes.items() if d in names and not n.endswith((".scales", ".biases"))]
    if "float32" in floats or embed == "float32":
        return "float32"
    if embed:
        return embed
    if floats:
        return max(set(floats), key=floats.count)
    text = str(_config_value(config, "torch_dtype", "dtype", default="bfloat16"))
    return text if text in ("float32", "float16", "bfloat16") else "bfloat16"


def _linear_macs(module, active_experts: int = 1) -> int:
    """Multiply-adds per token of a (quantized) linear layer: in x out, per active expert for MoE layers."""
    weight = getattr(module, "weight", None)
    if weight is None or weight.ndim not in (2, 3):
        return 0
    bits = getattr(module, "bits", None)
    rows, cols = weight.shape[-2:]
    per_expert = rows * cols * 32 // bits if bits else rows * cols
    return int(per_expert * (active_experts if weight.ndim == 3 else 1))


def _block_macs(block, active_experts: int) -> int:
    total = 0
    for _, module in block.named_modules():
        if type(module).__name__ in ("Linear", "QuantizedLinear", "SwitchLinear", "QuantizedSwitchLinear"):
            total += _linear_macs(module, active_experts)
    return total


def _groups_of(path: str) -> str:
    parts = path.split(".")
    name = parts[-1]
    in_mlp = any(p in ("mlp", "feed_forward", "ffn", "block_sparse_moe", "switch_mlp") for p in parts[:-1])
    if in_mlp:
        return "mlp_out" if name in _GROUP_NAMES["mlp_out"] else "mlp_in"
    return "attn_out" if name in _GROUP_NAMES["attn_out"] else "attn_in"


def describe(source: str | Path, config: TrainConfig) -> tuple[ModelShape, TrainShape]:
    """The model's shape and what ``config`` trains on it, without allocating a weight."""
    import mlx.core as mx
    from mlx.utils import tree_flatten

    from lorastudio.core.models.info import apply_fine_tune, build_skeleton, count_parameters, read_config

    model_config, folder = read_config(source)
    dtypes, file_bytes = _header_dtypes(folder)
    model = build_skeleton(model_config, set(dtypes) or None)
    total_parameters = count_parameters(model).total
    dtype = _activation_dtype(model_config, dtypes)
    act_bytes = DTYPE_BYTES[dtype]

    layers = list(model.layers)
    hidden = int(_config_value(model_config, "hidden_size", "d_model", "n_embd", default=0))
    heads = int(_config_value(model_config, "num_attention_heads", "n_head", "num_heads", default=0) or 1)
    if not hidden or not layers:
        raise EstimateError(f"{source}: config.json has no hidden_size or no layers the estimate can read")
    kv_heads = int(_config_value(model_config, "num_key_value_heads", "n_kv_heads", default=heads) or heads)
    head_dim = int(_config_value(model_config, "head_dim", default=hidden // heads) or hidden // heads)
    experts = _config_value(model_config, "num_experts_per_tok", "num_experts_per_token", default=None)
    intermediate = int(_config_value(model_config, "intermediate_size", "ffn_dim", "n_inner", default=4 * hidden) or 4 * hidden)
    if experts:
        # Mixture of experts: each token goes through `experts` expert MLPs.
        expert_size = _config_value(model_config, "moe_intermediate_size", default=intermediate)
        intermediate = int(expert_size) * int(experts)
    vocab = int(_config_value(model_config, "vocab_size", default=0) or 0)

    # Weights as they load: the files' bytes when there are files, else the
    # skeleton's element counts in the config's dtype (packed quantized weights
    # are uint32 in the skeleton already).
    if file_bytes:
        weights_bytes, weights_from = file_bytes, "weight files"
    else:
        weights_bytes = 0
        for _, value in tree_flatten(model.parameters()):
            itemsize = act_bytes if value.dtype == mx.float32 else value.itemsize
            weights_bytes += value.size * itemsize
        weights_from = "config.json"

    quantization = model_config.get("quantization") or {}
    quant_text = f"{quantization.get('bits', 4)}-bit" if quantization else ""
    head = getattr(model, "lm_head", None)
    if head is None:
        inner = getattr(model, "model", None) or getattr(model, "language_model", None)
        head = getattr(inner, "embed_tokens", None) if inner is not None else None
    quantized_head = head is not None and hasattr(head, "bits")
    shape = ModelShape(
        architecture=str(model_config.get("model_type")),
        layers=len(layers),
        hidden=hidden,
        intermediate=intermediate,
        heads=heads,
        kv_heads=kv_heads,
        head_dim=head_dim,
        vocab=vocab,
        total_parameters=total_parameters,
        layer_matmul_parameters=_block_macs(layers[-1], int(experts or 1)),
        head_parameters=vocab * hidden,
        weights_bytes=int(weights_bytes),
        activation_bytes=act_bytes,
        dtype=dtype,
        quantization=quant_text,
        quantized_head=quantized_head,
        weights_from=weights_from,
    )
    return shape, _train_shape(model, config, shape, apply_fine_tune)


def _train_shape(model, config: TrainConfig, shape: ModelShape, apply_fine_tune) -> TrainShape:
    from mlx.utils import tree_flatten

    apply_fine_tune(model, config)
    trained = len(model.layers) if config.num_layers < 0 else min(config.num_layers, len(model.layers))
    trainable = tree_flatten(model.trainable_parameters())
    count = sum(v.size for _, v in trainable)
    # LoRA and DoRA matrices are float32 whatever the model's dtype (mlx-lm makes
    # them with mx.random.uniform / mx.zeros); full fine-tuning trains the weights.
    param_bytes = 4 if config.fine_tune_type != "full" else shape.activation_bytes
    trainable_bytes = count * param_bytes
    if config.optimizer == "adafactor":
        state = 0
        for _, value in trainable:
            dims = value.shape
            state += (math.prod(dims[:-1]) + math.prod(dims[:-2] + dims[-1:])) if len(dims) >= 2 else value.size
        optimizer_bytes = state * param_bytes
    else:
        optimizer_bytes = OPTIMIZER_COPIES.get(config.optimizer, 2) * trainable_bytes

    groups: set[str] = set()
    lora_macs = 0
    dora_total = dora_layer = 0
    for layer in model.layers[len(model.layers) - trained:]:
        in_layer = 0
        for path, module in layer.named_modules():
            kind = type(module).__name__
            if config.fine_tune_type == "full" and kind in ("Linear", "QuantizedLinear"):
                groups.add(_groups_of(path))
            if hasattr(module, "lora_a"):
                groups.add(_groups_of(path))
                lora_macs += int(module.lora_a.size + module.lora_b.size)
                if kind.startswith("DoRA"):
                    # DoRA rebuilds weight + scale * B.A (float32, as the adapter
                    # is) to normalise it; measured: all of them are alive at the
                    # peak without checkpointing, one layer's with it.
                    in_layer += _linear_macs(module.linear) * 4
        dora_total += in_layer
        dora_layer = max(dora_layer, in_layer)
    return TrainShape(
        fine_tune_type=config.fine_tune_type,
        trained_layers=trained,
        trainable_parameters=int(count),
        trainable_bytes=int(trainable_bytes),
        optimizer_bytes=int(optimizer_bytes),
        adapter_groups=frozenset(groups),
        lora_flops_per_token=lora_macs,
        dora_weight_bytes=dora_total,
        dora_layer_bytes=dora_layer,
    )


# ----------------------------------------------------------------------------
# the bytes of one step


@dataclass(frozen=True)
class StepMemory:
    """Bytes of each component at the peak of one training step."""

    weights: int
    adapters: int
    optimizer: int
    gradients: int
    activations: int
    logits: int
    other: int

    @property
    def total(self) -> int:
        return self.weights + self.adapters + self.optimizer + self.gradients + self.activations + self.logits + self.other


def step_memory(shape: ModelShape, train: TrainShape, config: TrainConfig, batch: int, length: int,
                fused_attention: bool = False, logit_rows: int | None = None,
                chunk_rows: int | None = None) -> StepMemory:
    """The peak of one step on a ``batch`` x ``length`` batch (the length the model sees).

    ``fused_attention``: the backend's training attention keeps no
    length x length scores (MLX's CUDA backend; the CPU and Metal use the
    unfused attention when training). ``logit_rows``: positions whose logits
    are computed, when the loss runs the output layer only where it is taken
    (``lorastudio.core.tuner.sparse_loss``); default every position.
    ``chunk_rows``: with the logit-free loss, the positions of one chunk.
    With ``micro_batch_size`` one micro-batch is alive at a time (and the
    gradient sum beside the gradient).
    """
    micro = config.micro_batch_size if config.micro_batch_size and config.micro_batch_size < batch else None
    if micro:
        logit_rows = None if logit_rows is None else -(-logit_rows * micro // batch)
        batch = micro
    tokens = batch * length
    element = tokens * shape.activation_bytes  # bytes of one per-token number over the batch
    rows = tokens if logit_rows is None else min(logit_rows, tokens)
    H, I = shape.hidden, shape.intermediate
    kv = shape.kv_heads * shape.head_dim
    scores = 0 if fused_attention else shape.heads * length
    groups = train.adapter_groups
    lora_inputs = H * ("attn_out" in groups) + H * ("mlp_in" in groups) + I * ("mlp_out" in groups)
    n = train.trained_layers
    logit_copies = LOGIT_COPIES if not config.grad_checkpoint else CKPT_LOGIT_COPIES
    logit_copies += QUANTIZED_HEAD_COPIES if shape.quantized_head else 0.0
    logits = logit_copies * shape.vocab * rows * shape.activation_bytes
    if chunk_rows:
        alive = chunk_rows * (1 if config.grad_checkpoint else LOGIT_FREE_CHUNKS_ALIVE)
        logits = LOGIT_FREE_COPIES * shape.vocab * min(alive, rows) * 4 + rows * H * 4

    if not config.grad_checkpoint:
        per_layer = SAVED_H * H + SAVED_I * I + SAVED_KV * kv + SAVED_SCORES * scores + LORA_INPUT * lora_inputs
        activations = n * per_layer * element
        other = (TRANSIENT_H * H + TRANSIENT_I * I + TRANSIENT_SCORES * scores) * element
    else:
        activations = n * (CKPT_SAVED_H * H + CKPT_SAVED_KV * kv) * element
        at_loss = logits + CKPT_HEAD_H * H * element
        recompute = (CKPT_LAYER_H * H + CKPT_LAYER_I * I + CKPT_LAYER_SCORES * scores + CKPT_LAYER_KV * kv
                     + CKPT_LAYER_LORA * lora_inputs) * element
        other = max(at_loss, recompute) - logits
    other += train.dora_layer_bytes if config.grad_checkpoint else train.dora_weight_bytes
    gradients = train.trainable_bytes * (2 if config.grad_accumulation_steps > 1 or micro else 1)
    return StepMemory(
        weights=shape.weights_bytes,
        # Fully fine-tuned weights are part of the weights already.
        adapters=0 if train.fine_tune_type == "full" else train.trainable_bytes,
        optimizer=train.optimizer_bytes,
        gradients=int(gradients),
        activations=int(activations),
        logits=int(logits),
        other=int(other),
    )


def eval_batch_size(config: TrainConfig) -> int:
    """Rows of one validation batch alive at a time: the micro-batch under micro-batching
    (``lorastudio.core.tuner.batching.in_micro_batches``), else the whole batch."""
    micro = config.micro_batch_size
    return micro if micro and micro < config.batch_size else config.batch_size


def eval_memory(shape: ModelShape, train: TrainShape, batch: int, length: int,
                fused_attention: bool = False, chunk_rows: int | None = None) -> StepMemory:
    """The peak of a validation batch: weights, adapters and optimizer state, and one forward pass.

    ``chunk_rows``: with the logit-free loss, validation runs the output layer chunk by chunk too.
    """
    element = batch * length * shape.activation_bytes
    scores = 0 if fused_attention else shape.heads * length
    copies = EVAL_LOGIT_COPIES + (QUANTIZED_HEAD_COPIES if shape.quantized_head else 0.0)
    logits = copies * shape.vocab * element
    if chunk_rows:
        logits = EVAL_LOGIT_FREE_COPIES * shape.vocab * min(chunk_rows, batch * length) * 4
    return StepMemory(
        weights=shape.weights_bytes,
        adapters=0 if train.fine_tune_type == "full" else train.trainable_bytes,
        optimizer=train.optimizer_bytes,
        gradients=0,
        activations=0,
        logits=int(logits),
        other=int((EVAL_H * shape.hidden + EVAL_I * shape.intermediate + EVAL_SCORES * scores) * element),
    )
