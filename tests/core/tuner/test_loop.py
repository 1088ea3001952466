"""The training engine in-process on the tiny model: same losses as mlx-lm, exact resume, checkpoints."""

import json
import math
import types

import numpy as np
import pytest
import yaml

from conftest import run_mlx_lm
from lorastudio.core.tuner import resume_state
from lorastudio.core.runs import folder as runs
from lorastudio.core.tuner.loop import Control, TrainingError, train_run
from lorastudio.core.runs.events import CheckpointSaved, Finished, Started, Stopped, TestReport, TrainReport, ValReport


def losses(events):
    return [(e.kind, e.iteration, round(getattr(e, "train_loss", None) or e.val_loss, 7))
            for e in events if isinstance(e, (TrainReport, ValReport))]


def mlx_lm_losses(run_dir, tmp_path):
    """Train the same config with mlx_lm.lora's own train_model (its Python entry)."""
    import mlx_lm.lora as mlx_lora
    from mlx_lm.tuner.callbacks import TrainingCallback
    from mlx_lm.tuner.datasets import load_dataset
    from mlx_lm.utils import load

    with open(run_dir / "config.yaml") as f:
        raw = yaml.load(f, mlx_lora.yaml_loader)
    args = {**mlx_lora.CONFIG_DEFAULTS, **raw, "adapter_path": str(tmp_path / "mlx-lm-adapters")}
    args = types.SimpleNamespace(**args)

    class Recorder(TrainingCallback):
        def __init__(self):
            self.events = []

        def on_train_loss_report(self, info):
            self.events.append(("train_report", info["iteration"], round(info["train_loss"], 7)))

        def on_val_loss_report(self, info):
            self.events.append(("val_report", info["iteration"], round(info["val_loss"], 7)))

    np.random.seed(args.seed)  # what mlx_lm.lora.run does first
    model, tokenizer = load(args.model)
    train_set, valid_set, _ = load_dataset(args, tokenizer)
    recorder = Recorder()
    mlx_lora.train_model(args, model, train_set, valid_set, recorder)
    return recorder.events


@pytest.mark.parity
@pytest.mark.parametrize("sparse_loss", [False, True])
def test_same_losses_as_mlx_lm(tiny_config, tmp_path, sparse_loss):
    # The sparse loss sums the same terms in another order: equal to float rounding.
    config = tiny_config.replace(iters=8, steps_per_eval=4, batching="mlx-lm", sparse_loss=sparse_loss)
    run_dir = runs.create_run(config, tmp_path / "runs")
    events = []
    assert isinstance(train_run(run_dir, events.append), Finished)
    ours = losses(events)
    theirs = mlx_lm_losses(run_dir, tmp_path)
    assert [e[:2] for e in ours] == [e[:2] for e in theirs]
    for a, b in zip(ours, theirs):
        assert a[2] == pytest.approx(b[2], rel=1e-5 if sparse_loss else 0, abs=1e-6), (a, b)


def test_bucketed_batches_cover_each_example_once_per_epoch_with_less_padding(tiny_model, tmp_path):
    from mlx_lm.tuner.datasets import CacheDataset
    from mlx_lm.tuner.trainer import iterate_batches
    from mlx_lm.utils import load_tokenizer

    from lorastudio.core.tuner.batching import BatchStream
    from lorastudio.core.data.datasets import check_dataset, to_mlx_dataset
    from lorastudio.core.base.paths import demo_dataset_dir

    tokenizer = load_tokenizer(tiny_model)
    records = check_dataset(demo_dataset_dir()).splits["train"]
    dataset = CacheDataset(to_mlx_dataset(records, tokenizer))
    lengths = [len(dataset[i][0]) for i in range(len(dataset))]

    def one_epoch(strategy):
        np.random.seed(0)
        stream = BatchStream(dataset, 4, 2048, strategy)
        batches = [stream.next() for _ in range(len(stream))]
        return stream, batches

    stream, bucketed = one_epoch("bucketed")
    seen = sorted(i for b in stream.batch_indices for i in b)
    assert seen == list(range(len(dataset)))  # every example exactly once per epoch
    assert sum(b.real_tokens for b in bucketed) == sum(lengths)
    _, plain = one_epoch("mlx-lm")
    # mlx-lm leaves out the last len % batch_size examples of the file every epoch
    assert sum(b.real_tokens for b in plain) == sum(lengths[: len(dataset) // 4 * 4])
    assert sum(b.computed_tokens for b in bucketed) < 0.9 * sum(b.computed_tokens for b in plain)
    # the mlx-lm strategy yields exactly mlx-lm's own batches
    np.random.seed(0)
    theirs = iterate_batches(dataset, 4, 2048, loop=True)
    for ours in plain:
        tokens, offsets = next(theirs)
        assert np.array_equal(np.array(ours.tokens), np.array(tokens))
        assert np.array_equal(np.array(ours.lengths), np.array(offsets))


@pytest.mark.parity
def test_stopped_and_resumed_run_matches_uninterrupted(tiny_config, tmp_path):
    """Dropout, gradient accumulation and a warmup schedule all continue exactly."""
    config = tiny_config.replace(
        iters=12, steps_per_eval=4, grad_accumulation_steps=2,
        lr_schedule={"name": "cosine_decay", "arguments": [1e-3, 12], "warmup": 2},
    )
    straight = []
    train_run(runs.create_run(config, tmp_path / "runs"), straight.append)

    run_dir = runs.create_run(config, tmp_path / "runs")
    first, control = [], Control()

    def emit(event):
        first.append(event)
        if isinstance(event, TrainReport) and event.iteration == 5:  # mid-accumulation
            control.stop()

    ended = train_run(run_dir, emit, control)
    assert isinstance(ended, Stopped) and ended.iteration == 5
    assert (run_dir / "adapters.safetensors").is_file()
    second = []
    assert isinstance(train_run(run_dir, second.append, resume=True), Finished)
    started = next(e for e in second if isinstance(e, Started))
    assert started.start_iteration == 5
    assert losses(first) + losses(second) == losses(straight)


def test_stop_takes_effect_before_the_next_step(tiny_config, tmp_path):
    run_dir = runs.create_run(tiny_config.replace(iters=1000), tmp_path / "runs")
    control = Control()
    seen = []

    def emit(event):
        seen.append(event)
        if isinstance(event, TrainReport) and event.iteration == 2:
            control.stop()

    ended = train_run(run_dir, emit, control)
    assert isinstance(ended, Stopped) and ended.iteration == 2
    assert max(e.iteration for e in seen if isinstance(e, TrainReport)) == 2
    assert any(isinstance(e, CheckpointSaved) and e.reason == "stop" for e in seen)


def test_pause_waits_and_resume_continues(tiny_config, tmp_path):
    import threading

    run_dir = runs.create_run(tiny_config.replace(iters=4), tmp_path / "runs")
    control = Control()
    kinds = []

    def emit(event):
        kinds.append(event.kind)
        if isinstance(event, TrainReport) and event.iteration == 1:
            control.pause()
            threading.Timer(0.3, control.resume).start()

    assert isinstance(train_run(run_dir, emit, control), Finished)
    assert kinds.index("paused") < kinds.index("resumed")
    assert kinds.count("train_report") == 4


@pytest.mark.parity
def test_checkpoints_are_mlx_lm_files_and_load_in_mlx_lm(tiny_config, tmp_path):
    import mlx.core as mx
    from mlx_lm import generate, load

    run_dir = runs.create_run(tiny_config.replace(iters=6, save_every=3), tmp_path / "runs")
    train_run(run_dir, lambda e: None)
    names = {p.name for p in run_dir.iterdir()}
    assert {"adapters.safetensors", "0000003_adapters.safetensors", "0000006_adapters.safetensors", "adapter_config.json"} <= names
    adapter_config = json.loads((run_dir / "adapter_config.json").read_text())
    assert adapter_config["fine_tune_type"] == "lora" and adapter_config["num_layers"] == 2
    assert adapter_config["lora_parameters"]["rank"] == 4

    # mlx_lm.generate's loader with --adapter-path
    model, tokenizer = load(tiny_config.model, adapter_path=str(run_dir))
    text = generate(model, tokenizer, "hello", max_tokens=4)
    assert isinstance(text, str)
    # the adapter really changes the model
    base, _ = load(tiny_config.model)
    tokens = mx.array([tokenizer.encode("hello there")])
    assert not mx.allclose(model(tokens), base(tokens))

    # mlx_lm.fuse as a command, then the fused model gives the adapter's logits
    fused = tmp_path / "fused"
    done = run_mlx_lm("fuse", "--model", tiny_config.model, "--adapter-path", str(run_dir), "--save-path", str(fused), timeout=300)
    assert done.returncode == 0, done.stderr[-2000:]
    fused_model, _ = load(str(fused))
    assert mx.allclose(fused_model(tokens), model(tokens), atol=1e-4)


def test_best_adapter_is_kept(tiny_config, tmp_path):
    run_dir = runs.create_run(tiny_config.replace(iters=6, steps_per_eval=2), tmp_path / "runs")
    events = []
    finished = train_run(run_dir, events.append)
    vals = [e for e in events if isinstance(e, ValReport)]
    best = min(vals, key=lambda e: e.val_loss)
    assert finished.best_val_loss == pytest.approx(best.val_loss)
    assert finished.best_iteration == best.iteration
    assert (run_dir / "best" / "adapters.safetensors").is_file()
    assert (run_dir / "best" / "adapter_config.json").is_file()
    assert [e.is_best for e in vals] == [v.val_loss == min(x.val_loss for x in vals[: i + 1]) for i, v in enumerate(vals)]


def test_early_stopping(tiny_config, tmp_path):
    # A learning rate this high makes validation loss rise after the start.
    config = tiny_config.replace(iters=40, steps_per_eval=1, learning_rate=3.0, early_stopping_patience=2, keep_best=True)
    run_dir = runs.create_run(config, tmp_path / "runs")
    events = []
    finished = train_run(run_dir, events.append)
    assert isinstance(finished, Finished)
    assert finished.iteration < 40
    assert any(e.kind == "status" and e.stage == "early_stop" for e in events)


def test_test_set_loss_and_perplexity(tiny_config, tmp_path):
    run_dir = runs.create_run(tiny_config.replace(iters=2, test=True, test_batches=-1), tmp_path / "runs")
    events = []
    train_run(run_dir, events.append)
    report = next(e for e in events if isinstance(e, TestReport))
    assert report.test_ppl == pytest.approx(math.exp(report.test_loss))


def test_train_report_carries_every_figure(tiny_config, tmp_path):
    run_dir = runs.create_run(tiny_config.replace(iters=3), tmp_path / "runs")
    events = []
    train_run(run_dir, events.append)
    reports = [e for e in events if isinstance(e, TrainReport)]
    assert [r.iteration for r in reports] == [1, 2, 3]
    for r in reports:
        assert r.learning_rate == pytest.approx(1e-3)
        assert r.iterations_per_second > 0 and r.tokens_per_second > 0 and r.peak_memory_gb > 0
        assert r.computed_tokens_per_second >= r.tokens_per_second
    assert reports[-1].trained_tokens > reports[0].trained_tokens


def test_resume_state_keeps_only_the_newest_pair(tiny_config, tmp_path):
    run_dir = runs.create_run(tiny_config.replace(iters=6, save_every=2), tmp_path / "runs")
    train_run(run_dir, lambda e: None)
    files = sorted(p.name for p in (run_dir / "resume").iterdir())
    assert files == ["0000006.json", "0000006.safetensors"]
    assert resume_state.latest(run_dir).name == "0000006.json"


@pytest.mark.parametrize(
    "changes, message",
    [
        ({"num_layers": 5}, "num_layers: 5 layers requested but the model has only 2"),
        ({"batch_size": 64}, "batch_size is 64"),
        ({"lora_parameters": {"keys": ["self_attn.nope"], "rank": 4, "scale": 1.0, "dropout": 0.0}}, "self_attn.nope not found"),
        ({"test": True, "data": None}, "no test split"),
    ],
)
def test_bad_runs_fail_with_a_clear_message(tiny_config, tiny_data, tmp_path, changes, message):
    if changes.get("data", 1) is None:
        folder = tmp_path / "no-test"
        folder.mkdir()
        for name in ("train", "valid"):
            (folder / f"{name}.jsonl").write_text((tiny_data / f"{name}.jsonl").read_text())
        changes = {**changes, "data": str(folder)}
    run_dir = runs.create_run(tiny_config.replace(**changes), tmp_path / "runs")
    with pytest.raises((TrainingError, ValueError), match=message.replace(".", r"\.")):
        train_run(run_dir, lambda e: None)


def test_resume_without_state_is_refused(tiny_config, tmp_path):
    run_dir = runs.create_run(tiny_config, tmp_path / "runs")
    with pytest.raises(TrainingError, match="no resume state"):
        train_run(run_dir, lambda e: None, resume=True)


@pytest.mark.parametrize("sparse_loss, accumulation", [(True, 1), (False, 1), (True, 2)])
def test_micro_batches_take_the_whole_batch_s_step(tiny_config, tmp_path, sparse_loss, accumulation):
    """Micro-batches of 1 and 3 rows give the losses and adapter of the whole batch of 4.

    The rows of a batch carry different token counts, so this fails for a mean of the
    micro-batches' means (what mlx-lm's grad_accumulation_steps computes); dropout is off
    because its masks are drawn per micro-batch.
    """
    import mlx.core as mx

    base = tiny_config.replace(iters=6, steps_per_eval=3, sparse_loss=sparse_loss, grad_accumulation_steps=accumulation,
                               lora_parameters={"rank": 4, "scale": 10.0, "dropout": 0.0})
    results = {}
    for size in (None, 1, 3):
        run_dir = runs.create_run(base.replace(micro_batch_size=size), tmp_path / f"runs-{size}")
        events = []
        assert isinstance(train_run(run_dir, events.append), Finished)
        results[size] = (losses(events), mx.load(str(run_dir / "adapters.safetensors")),
                         [e.trained_tokens for e in events if isinstance(e, TrainReport)])
    whole, whole_adapter, whole_tokens = results[None]
    for size in (1, 3):
        mine, adapter, tokens = results[size]
        assert [e[:2] for e in mine] == [e[:2] for e in whole] and tokens == whole_tokens
        for a, b in zip(mine, whole):
            assert a[2] == pytest.approx(b[2], rel=1e-5, abs=1e-6), (size, a, b)
        for name, value in whole_adapter.items():
            assert np.allclose(np.array(adapter[name]), np.array(value), rtol=1e-4, atol=1e-6), (size, name)


def test_validation_and_test_run_in_micro_batches_with_the_whole_batch_s_loss(tiny_config, tmp_path, monkeypatch):
    """Under micro-batching the evaluation loss sees parts of at most micro_batch_size rows, same losses."""
    from lorastudio.core.tuner import loop

    base = tiny_config.replace(iters=2, steps_per_eval=2, test=True, test_batches=2, val_batches=2,
                               lora_parameters={"rank": 4, "scale": 10.0, "dropout": 0.0})
    rows = []
    real_losses = loop._Training._losses

    def counting_losses(self):
        train, evaluation = real_losses(self)

        def counted(model, tokens, lengths):
            rows.append(tokens.shape[0])
            return evaluation(model, tokens, lengths)
        return train, counted

    monkeypatch.setattr(loop._Training, "_losses", counting_losses)
    results = {}
    for size in (None, 1):
        rows.clear()
        events = []
        assert isinstance(train_run(runs.create_run(base.replace(micro_batch_size=size), tmp_path / f"r{size}"),
                                    events.append), Finished)
        results[size] = ([e.val_loss for e in events if isinstance(e, ValReport)],
                         [e.test_loss for e in events if isinstance(e, TestReport)], list(rows))
    (whole_val, whole_test, whole_rows), (val, test, part_rows) = results[None], results[1]
    assert set(whole_rows) == {base.batch_size} and set(part_rows) == {1}
    assert len(part_rows) == base.batch_size * len(whole_rows)  # every row of every batch, once
    assert val == pytest.approx(whole_val, rel=1e-5) and test == pytest.approx(whole_test, rel=1e-5)
    assert len(val) == 2 and len(test) == 1


@pytest.mark.parity
@pytest.mark.parametrize("mask_prompt", [False, True])
def test_the_logit_free_loss_trains_and_validates_like_mlx_lm_s(tiny_config, tmp_path, monkeypatch, mask_prompt):
    """On by default: every train, validation and test loss equals mlx-lm's default_loss run's to float rounding."""
    from lorastudio.core.tuner import logit_free

    built = []
    real = logit_free.logit_free_loss_for
    monkeypatch.setattr(logit_free, "logit_free_loss_for", lambda *a, **k: built.append(real(*a, **k)) or built[-1])
    base = tiny_config.replace(iters=6, steps_per_eval=3, mask_prompt=mask_prompt, test=True, test_batches=2,
                               lora_parameters={"rank": 4, "scale": 10.0, "dropout": 0.0})
    assert base.logit_free_loss and base.sparse_loss  # the defaults

    def run(config, name):
        events = []
        assert isinstance(train_run(runs.create_run(config, tmp_path / name), events.append), Finished)
        test = next(e for e in events if isinstance(e, TestReport))
        return losses(events) + [("test", 0, test.test_loss)]

    chunked = run(base, "logit-free")
    assert len(built) == 1 and built[0] is not None  # the tiny llama takes the logit-free path
    plain = run(base.replace(sparse_loss=False), "mlx-lm-loss")
    assert len(built) == 1
    assert [e[:2] for e in chunked] == [e[:2] for e in plain]
    for a, b in zip(chunked, plain):
        assert a[2] == pytest.approx(b[2], rel=1e-5, abs=1e-6), (a, b)
