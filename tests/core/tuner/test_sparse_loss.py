"""The sparse loss (output layer on the loss positions only) equals mlx-lm's default_loss."""

import numpy as np
import pytest

from lorastudio.core.runs import folder as runs
from lorastudio.core.tuner.loop import train_run
from lorastudio.core.runs.events import Finished, TrainReport, ValReport
from lorastudio.core.tuner.sparse_loss import INDEX_MULTIPLE, loss_positions, sparse_loss_for


def _lora_model(tiny_model, dropout=0.0):
    import mlx.core as mx
    from mlx_lm.tuner.utils import linear_to_lora_layers
    from mlx_lm.utils import load

    model, _ = load(str(tiny_model))
    mx.random.seed(0)
    model.freeze()
    linear_to_lora_layers(model, 2, {"rank": 4, "scale": 10.0, "dropout": dropout})
    return model


def test_positions_are_those_default_loss_counts():
    rng = np.random.default_rng(0)
    for _ in range(50):
        rows, width = int(rng.integers(1, 6)), int(rng.integers(2, 70))
        lengths = [int(n) for n in rng.integers(0, width + 3, rows)]
        offsets = [int(rng.integers(0, n + 2)) for n in lengths]
        index, weight = loss_positions(offsets, lengths, width)
        steps = np.arange(1, width)
        mask = (steps >= np.array(offsets)[:, None]) & (steps <= np.array(lengths)[:, None])
        expected = np.flatnonzero(mask.reshape(-1))
        assert list(index[weight > 0]) == list(expected)
        assert len(index) % INDEX_MULTIPLE == 0 and len(index) >= len(expected)
        assert not weight[len(expected):].any()


@pytest.mark.parity
def test_same_loss_and_gradients_as_default_loss(tiny_model):
    import mlx.core as mx
    import mlx.nn as nn
    from mlx.utils import tree_flatten
    from mlx_lm.tuner.trainer import default_loss

    model = _lora_model(tiny_model)
    loss = sparse_loss_for(model, ([5, 6, 7, 8, 9, 10, 11, 12], 0))
    assert loss is not None and model.training
    rng = np.random.default_rng(1)
    width = 41
    tokens = mx.array(rng.integers(1, 300, (3, width)).astype(np.int32))
    offsets, lengths = [0, 12, 30], [40, 25, 38]
    index, weight = loss_positions(offsets, lengths, width)
    pairs = mx.array(list(zip(offsets, lengths)))
    (a, ta), ga = nn.value_and_grad(model, default_loss)(model, tokens, pairs)
    (b, tb), gb = nn.value_and_grad(model, loss)(model, tokens, pairs, mx.array(index), mx.array(weight))
    assert int(ta.item()) == int(tb.item()) == 40 + 14 + 9
    assert a.item() == pytest.approx(b.item(), rel=1e-5)
    for (name, x), (_, y) in zip(tree_flatten(ga), tree_flatten(gb)):
        assert np.allclose(np.array(x), np.array(y), rtol=1e-4, atol=1e-6), name


def test_models_with_other_logits_keep_default_loss(tiny_model):
    model = _lora_model(tiny_model)
    real_call = type(model).__call__

    class Scaled(type(model)):
        def __call__(self, inputs, cache=None, input_embeddings=None):
            return real_call(self, inputs, cache, input_embeddings) * 0.5  # e.g. a logit scale

    model.__class__ = Scaled
    assert sparse_loss_for(model, [5, 6, 7, 8]) is None


@pytest.mark.parity
@pytest.mark.parametrize("batching", ["mlx-lm", "bucketed"])
def test_training_gives_the_same_losses_with_and_without_it(tiny_config, tmp_path, monkeypatch, batching):
    from lorastudio.core.tuner import sparse_loss

    used = []
    real = sparse_loss.sparse_loss_for
    monkeypatch.setattr(sparse_loss, "sparse_loss_for", lambda *a: used.append(real(*a)) or used[-1])

    def losses(sparse):
        config = tiny_config.replace(batching=batching, mask_prompt=True, iters=6, sparse_loss=sparse, logit_free_loss=False)
        events = []
        assert isinstance(train_run(runs.create_run(config, tmp_path / f"{batching}-{sparse}"), events.append), Finished)
        return [(e.kind, e.iteration, e.train_loss if isinstance(e, TrainReport) else e.val_loss)
                for e in events if isinstance(e, (TrainReport, ValReport))]

    sparse = losses(True)
    assert len(used) == 1 and used[0] is not None  # the tiny llama takes the sparse path
    dense = losses(False)
    assert len(used) == 1  # sparse_loss: false never asks for it
    assert [e[:2] for e in sparse] == [e[:2] for e in dense]
    for a, b in zip(sparse, dense):
        assert a[2] == pytest.approx(b[2], rel=1e-5, abs=1e-6), (a, b)
