"""The output layer and cross-entropy without ever holding rows x length x vocabulary logits.

mlx-lm's ``default_loss`` builds the logits of every position (batch x length x
vocabulary, float32 for the cross-entropy) and keeps them, and their gradient,
for the backward pass; with a large vocabulary they are most of a training
step's memory (the seed's Qwen2 job: 152,064 words; SmolLM2 4 x 1023 tokens:
3.3 of 4.4 GB). ``sparse_loss`` already runs the output layer only where the
loss is taken, but on all those positions at once. Here the positions are cut
into chunks of ``chunk_rows`` rows (``chunk_rows_for``: about
``DEFAULT_BUDGET_BYTES`` of float32 logits per chunk) and each chunk's loss and
its gradient are computed together in the forward pass ("gradient in the
forward", the shape of Liger Kernel's fused linear cross-entropy): a chunk's
logits live only while that chunk is computed; what is kept for the backward
pass is d(loss)/d(hidden rows) (rows x hidden) and, when the output layer is
trained, d(loss)/d(its parameters); the backward pass only scales them by the
incoming cotangent. No logits are recomputed, so the arithmetic is that of
``default_loss`` (one output-layer forward and its backward); only the order of
the float sums differs. Checkpointing each chunk (``mx.checkpoint`` with the
head's parameters as inputs, the ``mlx.nn.utils.checkpoint`` pattern), the
other way to the same end, recomputes every chunk's logits in the backward
pass. One value_and_grad step on SmolLM2's shapes (hidden 576, vocabulary
49,152 tied, 2 layers, 4 x 1024 tokens, every position trained, compiled, 2 shared
CPU cores with OpenBLAS, default_loss rerun with each; chunks of 320 rows):

    LoRA:                  default_loss 13.1 s 4.10 GB; this 11.4 s 1.41 GB; checkpointed 14.1 s 2.57 GB
    full (head trained):   default_loss 14.3 s 4.44 GB; this 13.4 s 1.88 GB; checkpointed 19.6 s 2.87 GB

- ``chunked_cross_entropy_sum``: the float32 sum of weighted cross-entropies of
  ``head_fn(hidden)`` against targets, chunk by chunk, with gradients for the
  hidden rows and for the head module's trainable parameters (dense, quantized
  or tied output layers).
- ``logit_free_loss_for(model, sample)``: ``sparse_loss_for``'s training loss
  (``loss(model, batch, lengths, index, weight)``) computed that way.
- ``logit_free_eval_loss_for(model)``: ``default_loss``'s signature and value
  for validation and test evaluation (no gradients), chunked over positions.

Both check, as ``sparse_loss_for`` does (it is called for that), that the
model's logits are ``output_layer(model.model(x))``, and return None otherwise.
Part 1 of project issue 11 ("logit-free loss for every position"). Runs on the
training thread, like every MLX array of the model.
"""

from __future__ import annotations

from typing import Callable

from lorastudio.core.tuner.sparse_loss import _output_layer, sparse_loss_for

# About 64 MB of float32 logits per chunk. Measured on SmolLM2's shapes (hidden 576,
# vocabulary 49,152, tied, 4 x 1024 tokens, LoRA, 2 CPU cores with OpenBLAS; default_loss
# 13.0 s a step, peak 4.10 GB): chunks of 96, 160, 320 (64 MB) and 672 rows (128 MB) all
# stepped in 11.2-11.8 s (within this machine's noise), 64 rows ~10% slower than 160 (an
# earlier run); peaks 1.23, 1.23, 1.41 and 2.07 GB. MLX runs a few chunks side by side
# (it allocates the outputs of the next queued operations before the previous ones finish),
# so a chunk costs ~10x its logits at the peak: 64 MB keeps that small next to the model's
# own activations while leaving a GPU's matmuls hundreds of rows. With the output layer
# trained every chunk adds a parameter-sized gradient: fewer, larger chunks are cheaper there
# (full fine-tuning, same shapes: 320 rows 13.4 s 1.88 GB, 160 rows ~18-21 s 1.64 GB).
DEFAULT_BUDGET_BYTES = 64 * 2**20
MIN_CHUNK_ROWS = 32
ROW_MULTIPLE = 32  # the sparse loss pads its positions to a multiple of 32: chunks align with it


def chunk_rows_for(vocab_size: int, budget_bytes: int = DEFAULT_BUDGET_BYTES) -> int:
    """Rows per chunk so that one chunk's float32 logits take about ``budget_bytes``.

    A multiple of ``ROW_MULTIPLE``, at least ``MIN_CHUNK_ROWS``.
    """
    rows = int(budget_bytes) // (4 * max(int(vocab_size), 1))
    return max(MIN_CHUNK_ROWS, rows // ROW_MULTIPLE * ROW_MULTIPLE)


def _head_module(head_fn):
    """The module that owns ``head_fn``'s parameters (the ``nn.Embedding`` of ``as_linear``)."""
    return getattr(head_fn, "__self__", head_fn)


def _vocab_size(head_module) -> int:
    return int(head_module.weight.shape[0])  # Linear, QuantizedLinear, Embedding, QuantizedEmbedding


def _chunks(rows: int, chunk_rows: int) -> list[tuple[int, int]]:
    return [(start, min(start + chunk_rows, rows)) for start in range(0, rows, chunk_rows)]


_CROSS_ENTROPY_SUM = []  # the custom function, built on first use (MLX is imported lazily)


def _cross_entropy_sum():
    """``(logits, targets, weights) -> (float32 sum of weighted cross-entropies, log-sum-exp)``.

    Its gradient w.r.t. the logits is ``(softmax - one_hot) * weight``, one
    elementwise pass over the logits from the log-sum-exp kept by the forward
    (differentiating ``nn.losses.cross_entropy`` instead builds a zero matrix,
    a scatter and a softmax: more chunk x vocabulary buffers). The log-sum-exp
    is for that backward only: its own cotangent is ignored. Float32 throughout,
    whatever the logits' dtype; the gradient comes back in the logits' dtype.
    """
    if _CROSS_ENTROPY_SUM:
        return _CROSS_ENTROPY_SUM[0]
    import mlx.core as mx

    @mx.custom_function
    def cross_entropy_sum(logits, targets, weights):
        wide = logits.astype(mx.float32)
        lse = mx.logsumexp(wide, axis=-1, keepdims=True)
        score = mx.take_along_axis(wide, targets[:, None], axis=-1)
        return ((lse - score) * weights.astype(mx.float32)[:, None]).sum(), lse

    @cross_entropy_sum.vjp
    def cross_entropy_sum_vjp(primals, cotangents, outputs):
        logits, targets, weights = primals
        scale = weights.astype(mx.float32)[:, None] * cotangents[0].astype(mx.float32)
        one_hot = mx.arange(logits.shape[-1], dtype=targets.dtype)[None] == targets[:, None]
        grad = (mx.exp(logits.astype(mx.float32) - outputs[1]) - one_hot) * scale
        return grad.astype(logits.dtype), mx.zeros_like(targets), mx.zeros_like(weights)

    _CROSS_ENTROPY_SUM.append(cross_entropy_sum)
    return cross_entropy_sum


def chunked_cross_entropy_sum(head_module, head_fn: Callable, hidden, targets, weights, chunk_rows: int):
    """The float32 sum over rows of ``cross_entropy(head_fn(hidden_row), target) * weight``, chunk by chunk.

    ``hidden`` is (rows, hidden size), ``targets`` (rows,) token ids and
    ``weights`` (rows,) (0/1 for a mask, any dtype). ``head_module`` owns the
    output layer's parameters: the ``nn.Linear`` or ``nn.QuantizedLinear``
    itself (``head_fn`` is then the module), or the ``nn.Embedding`` whose
    ``as_linear`` is ``head_fn``. Its trainable parameters get their gradient
    (full fine-tuning with the output layer trained), frozen ones none (LoRA,
    quantized). Differentiable w.r.t. ``hidden`` and those parameters, not
    w.r.t. ``weights`` (their gradient is taken as zero).

    The gradient is computed in the forward pass, chunk after chunk, and kept
    (``hidden``'s size, plus the head's parameters when trained); the backward
    pass scales it by the incoming cotangent. A chunk's logits exist only while
    that chunk is computed and are never recomputed. A trained head costs a
    parameter-sized gradient and sum per chunk: give it larger chunks.
    """
    import mlx.core as mx

    if int(hidden.shape[0]) == 0:
        return mx.array(0.0, dtype=mx.float32)
    params = head_module.trainable_parameters()
    try:
        return _fused(head_module, head_fn, chunk_rows)(params, hidden, targets, weights)[0]
    finally:
        head_module.update(params)  # leave the module holding the arrays it had, not a chunk's


def _fused(head_module, head_fn, chunk_rows: int):
    """A custom function: forward = (loss sum, d/d hidden, d/d params), vjp = those scaled by the cotangent."""
    import mlx.core as mx
    from mlx.utils import tree_flatten, tree_map

    cross_entropy_sum = _cross_entropy_sum()

    def chunk_loss(params, hidden, targets, weights):
        head_module.update(params)
        return cross_entropy_sum(head_fn(hidden), targets, weights)[0]

    chunk_value_and_grad = mx.value_and_grad(chunk_loss, argnums=(0, 1))

    @mx.custom_function
    def fused(params, hidden, targets, weights):
        total, grad_hidden, grad_params, previous = None, [], None, None
        for start, stop in _chunks(int(hidden.shape[0]), chunk_rows):
            inputs = [hidden[start:stop], targets[start:stop], weights[start:stop]]
            if previous is not None:  # after the previous chunk: unordered, MLX runs several side by side
                inputs = mx.depends(inputs, previous)
            value, (g_params, g_hidden) = chunk_value_and_grad(params, *inputs)
            total = value if total is None else total + value
            grad_hidden.append(g_hidden)
            grad_params = g_params if grad_params is None else tree_map(lambda a, b: a + b, grad_params, g_params)
            # The running sums too: else every chunk's parameter gradient would wait for a late sum.
            previous = [total, g_hidden] + [g for _, g in tree_flatten(grad_params)]
        return total, mx.concatenate(grad_hidden, axis=0), grad_params

    @fused.vjp
    def fused_vjp(primals, cotangents, outputs):
        _, _, targets, weights = primals
        scale = cotangents[0]
        _, grad_hidden, grad_params = outputs
        return (tree_map(lambda g: g * scale.astype(g.dtype), grad_params),
                grad_hidden * scale.astype(grad_hidden.dtype), mx.zeros_like(targets), mx.zeros_like(weights))

    return fused


def _plain_sum(head_fn: Callable, hidden, targets, weights, chunk_rows: int):
    """The same sum for evaluation: no gradient, ``nn.losses.cross_entropy`` as ``default_loss`` has it."""
    import mlx.core as mx
    import mlx.nn as nn

    total = None
    for start, stop in _chunks(int(hidden.shape[0]), chunk_rows):
        inputs = [hidden[start:stop], targets[start:stop], weights[start:stop]]
        if total is not None:
            inputs = mx.depends(inputs, total)
        rows, chunk_targets, chunk_weights = inputs
        part = (nn.losses.cross_entropy(head_fn(rows), chunk_targets) * chunk_weights).astype(mx.float32).sum()
        total = part if total is None else total + part
    return mx.array(0.0, dtype=mx.float32) if total is None else total


def logit_free_loss_for(model, sample, chunk_rows: int | None = None) -> Callable | None:
    """``sparse_loss_for(model, sample)``'s loss with the output layer run chunk by chunk, or None.

    The loss is ``loss(model, batch, lengths, index, weight) -> (loss, ntoks)``
    (``index``, ``weight``: ``sparse_loss.loss_positions``); None when the
    model's logits are not ``output_layer(model.model(x))``. Made for
    ``nn.value_and_grad`` (compiled or not): its forward computes the gradient
    too, so for a loss value alone use ``logit_free_eval_loss_for``.
    """
    if sparse_loss_for(model, sample) is None:
        return None
    rows = chunk_rows or chunk_rows_for(_vocab_size(_head_module(_output_layer(model))))

    def logit_free_loss(model, batch, lengths, index, weight):
        import mlx.core as mx

        inputs, targets = batch[:, :-1], batch[:, 1:]
        hidden = model.model(inputs)
        picked = hidden.reshape(-1, hidden.shape[-1])[index]
        head_fn = _output_layer(model)
        total = chunked_cross_entropy_sum(_head_module(head_fn), head_fn, picked, targets.reshape(-1)[index],
                                          weight, rows)
        ntoks = weight.sum()
        return total / ntoks, ntoks.astype(mx.int32)

    return logit_free_loss


def logit_free_eval_loss_for(model, chunk_rows: int | None = None) -> Callable | None:
    """A loss with ``default_loss``'s signature and value that never builds every position's logits, or None.

    ``loss(model, batch, lengths) -> (loss, ntoks)`` for ``mlx_lm``'s
    ``evaluate`` (validation and test; no gradients): the positions
    ``default_loss`` masks in are weighted 1, the others 0, chunk by chunk.
    None when the model's logits are not ``output_layer(model.model(x))``
    (checked on a few token ids); the model's training mode is left as found.
    """
    head_fn = _output_layer(model)
    if head_fn is None:
        return None
    vocab = _vocab_size(_head_module(head_fn))
    training = getattr(model, "training", True)
    try:
        qualifies = sparse_loss_for(model, [t % vocab for t in range(1, 9)]) is not None
    finally:
        model.train(training)
    if not qualifies:
        return None
    rows = chunk_rows or chunk_rows_for(vocab)

    def logit_free_eval_loss(model, batch, lengths):
        import mlx.core as mx

        inputs, targets = batch[:, :-1], batch[:, 1:]
        hidden = model.model(inputs)
        steps = mx.arange(1, targets.shape[1] + 1)
        mask = mx.logical_and(steps >= lengths[:, 0:1], steps <= lengths[:, 1:])
        total = _plain_sum(_output_layer(model), hidden.reshape(-1, hidden.shape[-1]), targets.reshape(-1),
                           mask.reshape(-1), rows)
        ntoks = mask.sum()
        return total / ntoks, ntoks

    return logit_free_eval_loss
