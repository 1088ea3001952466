"""Training batches with a state that can be saved and restored.

``BatchStream`` yields exactly the batches of mlx-lm's
``iterate_batches(loop=True)``: indices ordered by ``dataset.itemlen``, cut
into batches, a fresh permutation of the batches each epoch drawn from
NumPy's global random state, rows padded to one plus a multiple of 32 and
truncated to ``max_seq_length``. Unlike mlx-lm's generator, its position
(the epoch's permutation and the index in it) is plain data, so a stopped
run resumes on the very next batch.

With ``strategy="bucketed"`` (LoRA Studio's faster choice) the examples are
ordered by their real token count and rows are padded to a multiple of 8
instead of 32: a batch holds examples of similar length, so far fewer
padding tokens are computed, while every example is still seen once per
epoch with the same loss. Batch order is drawn the same way. Bucketed
batches can also carry the positions the loss is taken on
(``loss_index_multiple``), for the engine's sparse loss
(``lorastudio.core.tuner.sparse_loss``).

In a distributed run every rank draws the same order and takes its own
consecutive share of each batch's rows (``rank_share``), always as parts, so
the loop sums the token-weighted gradients across ranks as across
micro-batches.

Using NumPy's *global* state is deliberate: ``mlx_lm.lora`` seeds it once
and validation draws from it too, so sharing it keeps our data order equal
to mlx-lm's, draw for draw. The training child owns its process, so nothing
else draws in between. Runs on the training thread.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

PAD_TO = {"mlx-lm": 32, "bucketed": 8}  # rows are padded to one plus a multiple of this
STRATEGIES = tuple(PAD_TO)


@dataclass
class Batch:
    tokens: object  # mx.array (batch, length) int32
    lengths: object  # mx.array (batch, 2): loss offset and length of each row
    real_tokens: int  # tokens that are not padding
    computed_tokens: int  # rows x length, padding included
    # With a sparse loss (lorastudio.core.tuner.sparse_loss): the flat target positions that carry
    # loss, padded, and their weights (1 real, 0 padding); None otherwise.
    loss_index: object = None
    loss_weight: object = None
    # With micro-batching: the batch as consecutive micro-batches of rows (each padded on its own;
    # ``tokens`` and ``lengths`` are then None), whose gradients the step sums token-weighted.
    parts: list | None = None

    def inputs(self) -> tuple:
        """The arrays the loss takes: tokens, lengths (and the loss positions with a sparse loss)."""
        if self.loss_index is None:
            return (self.tokens, self.lengths)
        return (self.tokens, self.lengths, self.loss_index, self.loss_weight)


class BatchStream:
    """An endless, resumable stream of padded batches equal to mlx-lm's."""

    def __init__(self, dataset, batch_size: int, max_seq_length: int, strategy: str = "mlx-lm"):
        if strategy not in PAD_TO:
            raise ValueError(f"batching must be one of {', '.join(STRATEGIES)} (got {strategy!r})")
        if len(dataset) < batch_size:
            raise ValueError(
                f"The training set has {len(dataset)} example(s) but batch_size is {batch_size}: "
                "lower batch_size or add examples."
            )
        self.dataset = dataset
        self.batch_size = batch_size
        self.max_seq_length = max_seq_length
        self.pad_to = PAD_TO[strategy]
        if strategy == "bucketed":
            # Real token counts (tokenizing every example once; CacheDataset keeps them).
            order = sorted(range(len(dataset)), key=lambda i: len(dataset[i][0]))
        else:
            # mlx-lm sorts by CacheDataset.itemlen, which measures the *record*
            # (for a chat record, its number of keys), so in practice batches are
            # consecutive records in file order. Kept as is: it is what mlx-lm does.
            order = sorted(range(len(dataset)), key=dataset.itemlen)
        self.batch_indices = [order[i : i + batch_size] for i in range(0, len(order) - batch_size + 1, batch_size)]
        if strategy == "bucketed" and len(order) % batch_size:
            # mlx-lm drops the last len % batch_size examples every epoch; a
            # smaller last batch trains on them too (the loss is a per-token mean).
            self.batch_indices.append(order[len(order) - len(order) % batch_size :])
        self.permutation: list[int] = []
        self.position = 0
        self.epoch = 0
        self.truncated_rows = 0
        self.loss_index_multiple = 0  # > 0: batches carry loss positions for the sparse loss
        self.micro_batch_size = 0  # > 0 and below the batch size: batches come in parts of this many rows
        # A distributed run: this process is rank ``rank`` of ``ranks`` and takes its share of each batch.
        self.rank, self.ranks = 0, 1

    def __len__(self) -> int:
        return len(self.batch_indices)

    def next(self) -> Batch:
        if self.position >= len(self.permutation):
            self.permutation = [int(i) for i in np.random.permutation(len(self.batch_indices))]
            self.position = 0
            self.epoch += 1
        indices = self.batch_indices[self.permutation[self.position]]
        self.position += 1
        if self.ranks > 1:
            indices = indices[slice(*rank_share(len(indices), self.rank, self.ranks))]
        items = [self.dataset[j] for j in indices]
        size = self.micro_batch_size
        if self.ranks == 1 and (not size or size >= len(items)):
            return make_batch(items, self.max_seq_length, self, self.pad_to, self.loss_index_multiple)
        # In parts: micro-batches, or (distributed) this rank's rows as one part, none when it has no row.
        size = size or len(items) or 1
        parts = [make_batch(items[i : i + size], self.max_seq_length, self, self.pad_to, self.loss_index_multiple)
                 for i in range(0, len(items), size)]
        return Batch(tokens=None, lengths=None, real_tokens=sum(p.real_tokens for p in parts),
                     computed_tokens=sum(p.computed_tokens for p in parts), parts=parts)

    # --- state for exact resume -------------------------------------------------
    def state(self) -> dict:
        return {"permutation": self.permutation, "position": self.position, "epoch": self.epoch}

    def restore(self, state: dict) -> None:
        if state["permutation"] and max(state["permutation"]) >= len(self.batch_indices):
            raise ValueError("the saved data order does not fit this dataset (was the data changed since the run started?)")
        self.permutation = list(state["permutation"])
        self.position = int(state["position"])
        self.epoch = int(state.get("epoch", 0))


def rank_share(rows: int, rank: int, ranks: int) -> tuple[int, int]:
    """The rows ``[start, end)`` of a batch of ``rows`` that rank ``rank`` of ``ranks`` trains on.

    Consecutive, as equal as can be (the first ranks take one more when it does not divide):
    the ranks' shares together are the whole batch, each row once, whatever the ranks.
    """
    return rows * rank // ranks, rows * (rank + 1) // ranks


def make_batch(
    items: list, max_seq_length: int, stats: BatchStream | None = None, pad_to: int = 32, loss_index_multiple: int = 0
) -> Batch:
    """Pad ``(tokens, offset)`` items into one batch as mlx-lm does (it pads to 1 + a multiple of 32).

    With ``loss_index_multiple`` the batch also carries the positions the loss is taken on.
    """
    import mlx.core as mx

    if items and isinstance(items[0], tuple) and len(items[0]) == 2:
        sequences, offsets = zip(*items)
    else:
        sequences, offsets = items, [0] * len(items)
    lengths = [len(x) for x in sequences]
    longest = max(lengths)
    if longest > max_seq_length and stats is not None:
        stats.truncated_rows += sum(1 for n in lengths if n > max_seq_length)
    width = min(1 + pad_to * ((longest + pad_to - 1) // pad_to), max_seq_length)
    array = np.zeros((len(sequences), width), np.int32)
    for row, seq in enumerate(sequences):
        n = min(lengths[row], max_seq_length)
        array[row, :n] = seq[:n]
        lengths[row] = n
    loss_index = loss_weight = None
    if loss_index_multiple:
        from lorastudio.core.tuner.sparse_loss import loss_positions

        index, weight = loss_positions(offsets, lengths, width, loss_index_multiple)
        loss_index, loss_weight = mx.array(index), mx.array(weight)
    return Batch(
        tokens=mx.array(array),
        lengths=mx.array(list(zip(offsets, lengths))),
        real_tokens=int(sum(lengths)),
        computed_tokens=int(array.size),
        loss_index=loss_index,
        loss_weight=loss_weight,
    )


def in_micro_batches(iterate_batches, micro_batch_size: int):
    """``iterate_batches`` (mlx-lm's signature) whose batches come as parts of ``micro_batch_size`` rows.

    For validation and test under micro-batching: mlx-lm's ``evaluate`` sums each yielded
    batch's loss times its token count and divides by all tokens, so the parts give the full
    batches' loss to float rounding, with the parts' activations and logits alive instead of
    the whole batch's. The parts keep their batch's padded width: the same positions count.
    """

    def parts(*args, **kwargs):
        for tokens, lengths in iterate_batches(*args, **kwargs):
            for row in range(0, tokens.shape[0], micro_batch_size):
                yield tokens[row : row + micro_batch_size], lengths[row : row + micro_batch_size]

    return parts

