"""mlx-lm's training loss with the output layer run only where the loss is taken.

mlx-lm's ``default_loss`` computes logits (rows x width x vocabulary) for
every position, then masks out the prompt (with ``mask_prompt``) and the
padding. On a chat dataset most positions are prompt: SmolLM2's output layer
(576 x 49,152) and the cross-entropy over its vocabulary are about a third of
a training step's arithmetic, and the logits dominate the activations' memory.
``sparse_loss`` gathers the hidden states of the positions that carry loss
(``Batch.loss_index``, padded with weight-0 entries to a multiple of
``INDEX_MULTIPLE`` so the compiled step sees few shapes) and runs the output
layer and the cross-entropy on those alone. The loss is the same sum over the
same positions divided by the same count; only the order of the float sum
differs.

``sparse_loss_for(model)`` returns the loss for models whose forward pass is
``output_layer(model.model(inputs))`` (checked on a few tokens against the
model's own logits), or None, in which case the engine keeps ``default_loss``.
Used by the engine with ``batching: bucketed`` only; ``batching: mlx-lm``
keeps mlx-lm's loss bit for bit. Runs on the training thread.
"""

from __future__ import annotations

from typing import Callable

import numpy as np

INDEX_MULTIPLE = 32  # loss positions are padded to a multiple of this (one compiled shape per bucket)


def loss_positions(offsets, lengths, width: int, multiple: int = INDEX_MULTIPLE) -> tuple[np.ndarray, np.ndarray]:
    """Flat indices into the (rows, width - 1) targets that ``default_loss`` counts, and their weights.

    ``default_loss`` keeps target step ``s`` (1-based) of a row when
    ``offset <= s <= length``; the indices are padded with weight-0 entries.
    """
    columns = width - 1
    picked = []
    for row, (offset, length) in enumerate(zip(offsets, lengths)):
        first, last = max(int(offset), 1), min(int(length), columns)
        if last >= first:
            picked.append(np.arange(row * columns + first - 1, row * columns + last, dtype=np.uint32))
    index = np.concatenate(picked) if picked else np.zeros(0, np.uint32)
    size = max(multiple, -(-len(index) // multiple) * multiple)
    padded = np.zeros(size, np.uint32)
    padded[: len(index)] = index
    weight = np.zeros(size, np.float32)
    weight[: len(index)] = 1.0
    return padded, weight


def _output_layer(model) -> Callable | None:
    inner = getattr(model, "model", None)
    if inner is None or not callable(inner):
        return None
    args = getattr(model, "args", None)
    if not getattr(args, "tie_word_embeddings", False) and callable(getattr(model, "lm_head", None)):
        return model.lm_head
    embed = getattr(inner, "embed_tokens", None)
    if embed is not None and callable(getattr(embed, "as_linear", None)):
        return embed.as_linear
    return None


def sparse_loss_for(model, sample) -> Callable | None:
    """The sparse loss for ``model``, or None when its logits are not ``output_layer(model.model(x))``.

    The first tokens of ``sample`` (a training item: tokens, or tokens and
    offset) are run both ways with dropout off; the model is left in training mode.
    """
    import mlx.core as mx
    import mlx.nn as nn

    head = _output_layer(model)
    tokens = sample[0] if isinstance(sample, tuple) else sample
    if head is None or len(tokens) == 0:
        return None
    x = mx.array(np.asarray(tokens[:8], dtype=np.int32).reshape(1, -1))
    model.eval()
    try:
        same = bool(mx.allclose(model(x), head(model.model(x)), rtol=1e-5, atol=1e-5).item())
    except Exception:  # noqa: BLE001 - any other forward signature: keep mlx-lm's loss
        same = False
    finally:
        model.train()
    if not same:
        return None

    def sparse_loss(model, batch, lengths, index, weight):
        inputs, targets = batch[:, :-1], batch[:, 1:]
        hidden = model.model(inputs)
        picked = hidden.reshape(-1, hidden.shape[-1])[index]
        logits = _output_layer(model)(picked)
        ce = nn.losses.cross_entropy(logits, targets.reshape(-1)[index]) * weight
        ntoks = weight.sum()
        return ce.astype(mx.float32).sum() / ntoks, ntoks.astype(mx.int32)

    return sparse_loss
