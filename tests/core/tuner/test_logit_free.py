"""The logit-free losses (output layer and cross-entropy chunk by chunk) equal mlx-lm's default_loss, in less memory."""

import json

import numpy as np
import pytest

from lorastudio.core.tuner.logit_free import (
    MIN_CHUNK_ROWS,
    ROW_MULTIPLE,
    chunk_rows_for,
    chunked_cross_entropy_sum,
    logit_free_eval_loss_for,
    logit_free_loss_for,
)
from lorastudio.core.tuner.sparse_loss import loss_positions

WIDTH = 41
MASKED = ([0, 12, 30], [40, 25, 38])  # mask_prompt-style offsets and lengths (default_loss counts 40 + 14 + 9)
EVERY = ([0, 0, 0], [40, 40, 40])  # every position trained


def _model(tiny_model, tied=True, quantized=False, lora=True, **changes):
    """The tiny llama's architecture with fresh random weights: LoRA (non-zero B) or every weight trained."""
    import mlx.core as mx
    import mlx.nn as nn
    from mlx.utils import tree_flatten, tree_unflatten
    from mlx_lm.models import llama
    from mlx_lm.tuner.utils import linear_to_lora_layers

    config = json.loads((tiny_model / "config.json").read_text())
    config.update(tie_word_embeddings=tied, **changes)
    mx.random.seed(0)
    model = llama.Model(llama.ModelArgs.from_dict(config))
    mx.eval(model.parameters())
    if quantized:
        nn.quantize(model, group_size=32, bits=4)
    if lora:
        model.freeze()
        linear_to_lora_layers(model, config["num_hidden_layers"], {"rank": 4, "scale": 10.0, "dropout": 0.0})
        # LoRA's B starts at zero, which makes every A gradient zero: give B values so they count.
        b = [(k, 0.05 * mx.random.normal(v.shape)) for k, v in tree_flatten(model.trainable_parameters()) if k.endswith("lora_b")]
        model.update(tree_unflatten(b))
    mx.eval(model.parameters())
    model.train()
    return model


def _batch(offsets_lengths, seed=1, vocab=300):
    import mlx.core as mx

    offsets, lengths = offsets_lengths
    tokens = mx.array(np.random.default_rng(seed).integers(1, vocab, (len(lengths), WIDTH)).astype(np.int32))
    index, weight = loss_positions(offsets, lengths, WIDTH)
    return tokens, mx.array(list(zip(offsets, lengths))), mx.array(index), mx.array(weight)


def _assert_same_gradients(ga, gb):
    from mlx.utils import tree_flatten

    flat_a, flat_b = tree_flatten(ga), tree_flatten(gb)
    assert [k for k, _ in flat_a] == [k for k, _ in flat_b]
    for (name, x), (_, y) in zip(flat_a, flat_b):
        assert np.allclose(np.array(x), np.array(y), rtol=1e-4, atol=1e-6), name


MODELS = {
    "lora-untied": dict(tied=False),
    "lora-tied": dict(tied=True),
    "lora-quantized-tied": dict(tied=True, quantized=True),
    "lora-quantized-untied": dict(tied=False, quantized=True),
    "full-untied": dict(tied=False, lora=False),
    "full-tied": dict(tied=True, lora=False),
}


def test_chunk_rows_for():
    for vocab in (300, 32_000, 49_152, 152_064, 10**9):
        rows = chunk_rows_for(vocab)
        assert rows % ROW_MULTIPLE == 0 and rows >= MIN_CHUNK_ROWS
    assert chunk_rows_for(49_152) == 320  # 64 MB of float32 logits
    assert chunk_rows_for(49_152, budget_bytes=128 * 2**20) == 672
    assert chunk_rows_for(152_064) * 152_064 * 4 <= 64 * 2**20
    assert chunk_rows_for(10**9) == MIN_CHUNK_ROWS


@pytest.mark.parity
@pytest.mark.parametrize("chunk_rows", [8, 48])  # many chunks; a last partial chunk (64 and 128 positions)
@pytest.mark.parametrize("positions", ["masked", "every"])
@pytest.mark.parametrize("kind", list(MODELS))
def test_same_loss_and_gradients_as_default_loss(tiny_model, kind, positions, chunk_rows):
    import mlx.nn as nn
    from mlx.utils import tree_flatten
    from mlx_lm.tuner.trainer import default_loss

    model = _model(tiny_model, **MODELS[kind])
    loss = logit_free_loss_for(model, ([5, 6, 7, 8, 9, 10, 11, 12], 0), chunk_rows=chunk_rows)
    assert loss is not None and model.training
    tokens, pairs, index, weight = _batch(MASKED if positions == "masked" else EVERY)
    (a, ta), ga = nn.value_and_grad(model, default_loss)(model, tokens, pairs)
    (b, tb), gb = nn.value_and_grad(model, loss)(model, tokens, pairs, index, weight)
    assert int(ta.item()) == int(tb.item()) == (40 + 14 + 9 if positions == "masked" else 120)
    assert a.item() == pytest.approx(b.item(), rel=1e-5)
    _assert_same_gradients(ga, gb)
    names = [k for k, _ in tree_flatten(gb)]
    if kind.startswith("full"):  # the output layer is trained and gets its gradient
        head = "lm_head.weight" if "untied" in kind else "model.embed_tokens.weight"
        assert head in names and np.abs(np.array(dict(tree_flatten(gb))[head])).max() > 0
    else:
        assert all("lora" in k for k in names) and len(names) == 2 * 7 * 2


@pytest.mark.parity
@pytest.mark.parametrize("kind", ["lora-tied", "full-untied"])
def test_compiled_training_steps_match_default_loss(tiny_model, kind):
    """Three optimizer steps in a compiled step like the loop's: the same losses and weights either way."""
    import mlx.core as mx
    import mlx.nn as nn
    import mlx.optimizers as optim
    from mlx.utils import tree_flatten
    from mlx_lm.tuner.trainer import default_loss

    def train(use_logit_free):
        model = _model(tiny_model, **MODELS[kind])
        optimizer = optim.SGD(learning_rate=0.1)  # linear in the gradient: Adam would magnify rounding of ~0 gradients
        loss = logit_free_loss_for(model, [5, 6, 7, 8], chunk_rows=16) if use_logit_free else default_loss
        value_and_grad = nn.value_and_grad(model, loss)
        state = [model.state, optimizer.state]

        @mx.compile
        def step(*batch):
            (value, _), grad = value_and_grad(model, *batch)
            optimizer.update(model, grad)
            return value

        step = mx.compile(step, inputs=state, outputs=state)
        losses = []
        for seed, positions in ((1, MASKED), (2, EVERY), (3, MASKED)):
            tokens, pairs, index, weight = _batch(positions, seed=seed)
            value = step(tokens, pairs, index, weight) if use_logit_free else step(tokens, pairs)
            mx.eval(value, state)
            losses.append(value.item())
        return losses, {k: np.array(v) for k, v in tree_flatten(model.trainable_parameters())}

    initial = {k: np.array(v) for k, v in tree_flatten(_model(tiny_model, **MODELS[kind]).trainable_parameters())}
    (dense, weights_a), (chunked, weights_b) = train(False), train(True)
    assert chunked == pytest.approx(dense, rel=1e-5)
    moved = max(np.abs(weights_a[k] - initial[k]).max() for k in initial)
    assert moved > 1e-2  # the steps changed the model, by far more than the tolerance below
    for name, value in weights_a.items():
        assert np.allclose(value, weights_b[name], rtol=1e-4, atol=1e-5), name


def test_chunked_sum_leaves_the_module_as_it_was():
    import mlx.core as mx
    import mlx.nn as nn

    mx.random.seed(0)
    head = nn.Linear(16, 50, bias=True)
    before = {k: v for k, v in head.parameters().items()}
    hidden, targets = mx.random.normal((37, 16)), mx.random.randint(0, 50, (37,))
    weights = (mx.arange(37) % 3 != 0).astype(mx.float32)

    def dense(params, hidden):
        head.update(params)
        return (nn.losses.cross_entropy(head(hidden), targets) * weights).sum()

    def chunked(params, hidden):
        head.update(params)
        return chunked_cross_entropy_sum(head, head, hidden, targets, weights, chunk_rows=8)

    (a, ga), (b, gb) = (mx.value_and_grad(f, argnums=(0, 1))(head.parameters(), hidden) for f in (dense, chunked))
    assert b.dtype == mx.float32 and a.item() == pytest.approx(b.item(), rel=1e-5)
    _assert_same_gradients(ga, gb)
    head.update(before)
    assert chunked_cross_entropy_sum(head, head, hidden, targets, weights, 8).item() == pytest.approx(a.item(), rel=1e-5)
    assert all(head.parameters()[k] is v for k, v in before.items())  # not the arrays a chunk was given
    assert chunked_cross_entropy_sum(head, head, hidden[:0], targets[:0], weights[:0], 8).item() == 0.0


@pytest.mark.parity
@pytest.mark.parametrize("kind", ["lora-untied", "lora-tied", "lora-quantized-tied"])
def test_eval_loss_equals_default_loss(tiny_model, kind):
    import mlx.core as mx
    from mlx_lm.tuner.trainer import default_loss, evaluate

    model = _model(tiny_model, **MODELS[kind])
    model.eval()
    loss = logit_free_eval_loss_for(model, chunk_rows=24)
    assert loss is not None and not model.training  # the check leaves the mode as it found it
    for positions in (MASKED, EVERY, ([0, 5, 41], [40, 3, 39])):  # the last: rows with nothing to count
        tokens, pairs, _, _ = _batch(positions)
        (a, ta), (b, tb) = default_loss(model, tokens, pairs), loss(model, tokens, pairs)
        assert int(ta.item()) == int(tb.item())
        assert a.item() == pytest.approx(b.item(), rel=1e-5)
    rng = np.random.default_rng(3)
    dataset = []
    for _ in range(10):
        n = int(rng.integers(8, 70))
        dataset.append((rng.integers(1, 300, n).tolist(), int(rng.integers(0, n // 2))))
    runs = [evaluate(model, dataset, batch_size=2, num_batches=-1, loss=f) for f in (default_loss, loss)]
    assert runs[1] == pytest.approx(runs[0], rel=1e-5)
    mx.eval(model.parameters())


def test_models_with_other_logits_keep_default_loss(tiny_model):
    model = _model(tiny_model)
    real_call = type(model).__call__

    class Scaled(type(model)):
        def __call__(self, inputs, cache=None, input_embeddings=None):
            return real_call(self, inputs, cache, input_embeddings) * 0.5  # e.g. a logit scale

    model.__class__ = Scaled
    assert logit_free_loss_for(model, [5, 6, 7, 8]) is None
    assert logit_free_eval_loss_for(model) is None
    assert model.training


def test_peak_memory_far_below_default_loss(tiny_model):
    """A vocabulary large next to the rest (32,000 x 64): default_loss's peak is its logits; here it is not."""
    import mlx.core as mx
    import mlx.nn as nn
    from mlx_lm.tuner.trainer import default_loss

    model = _model(tiny_model, vocab_size=32_000, tied=False)
    rows, width = 4, 513
    tokens = mx.array(np.random.default_rng(0).integers(1, 32_000, (rows, width)).astype(np.int32))
    pairs = mx.array([[0, width - 1]] * rows)
    index, weight = (mx.array(a) for a in loss_positions([0] * rows, [width - 1] * rows, width))
    loss = logit_free_loss_for(model, [5, 6, 7, 8], chunk_rows=128)
    eval_loss = logit_free_eval_loss_for(model, chunk_rows=32)

    def measure(fn, *args):
        """The peak of ``fn`` above what was alive before it (other tests may keep arrays alive)."""
        mx.eval(model.parameters())
        mx.clear_cache()
        before = mx.get_active_memory()
        mx.reset_peak_memory()
        out = fn(*args)
        mx.eval(out)
        return out, mx.get_peak_memory() - before

    ((a, _), _), dense_peak = measure(nn.value_and_grad(model, default_loss), model, tokens, pairs)
    ((b, _), _), free_peak = measure(nn.value_and_grad(model, loss), model, tokens, pairs, index, weight)
    (c, _), dense_eval_peak = measure(default_loss, model, tokens[:2], pairs[:2])  # half the batch: time
    (d, _), free_eval_peak = measure(eval_loss, model, tokens[:2], pairs[:2])
    logits_bytes = rows * (width - 1) * 32_000 * 4
    assert dense_peak > 3 * logits_bytes  # the logits and their gradient dominate
    assert free_peak < 0.35 * dense_peak, (free_peak, dense_peak)  # measured 0.20 (219 of 1,075 MB)
    assert free_eval_peak < 0.35 * dense_eval_peak, (free_eval_peak, dense_eval_peak)  # measured 0.18
    assert a.item() == pytest.approx(b.item(), rel=1e-5)
    assert c.item() == pytest.approx(d.item(), rel=1e-5)
