"""The memory and time estimate: its parts, its verdicts, its accuracy against measured peaks, the CLI."""

import json
import resource
import sys

import pytest

from lorastudio.cli.main import main
from lorastudio.core.base import environment
from lorastudio.core.config.train_config import TrainConfig
from lorastudio.core.estimate.forecast import (
    FIT_SHARE,
    METAL_LIMIT,
    METAL_WORKING_SET,
    batch_widths,
    estimate_for_config,
    estimate_for_model,
    machine_memory,
    verdict_for,
)
from lorastudio.core.base.paths import resources_dir
from lorastudio.core.config.presets import get_preset

QWEN_14B = resources_dir() / "model-configs" / "DeepSeek-R1-Distill-Qwen-14B.json"
SEED = get_preset("seed-14b").apply()
QV = ["self_attn.q_proj", "self_attn.v_proj"]


# ----------------------------------------------------------------------------
# helpers: a dataset whose every batch is cut to max_seq_length, measured in a child


def write_long_text(folder, length, examples=8):
    """train/valid.jsonl of plain texts longer than ``length`` tokens."""
    folder.mkdir(parents=True, exist_ok=True)
    words = ("the quick brown fox jumps over the lazy dog one two three " * (length // 8 + 4)).split()[: length + 16]
    for name in ("train", "valid"):
        with open(folder / f"{name}.jsonl", "w", encoding="utf-8") as f:
            for i in range(examples):
                f.write(json.dumps({"text": f"{i} " + " ".join(words)}) + "\n")
    return folder


def padded_config(model, data, batch, length, checkpoint=False, **changes):
    """A config whose batches are exactly ``batch`` x ``length`` tokens for the model."""
    return TrainConfig(
        model=str(model), data=str(data), batch_size=batch, iters=2, steps_per_report=1, steps_per_eval=10_000,
        val_batches=1, save_every=10_000, max_seq_length=length + 1, grad_checkpoint=checkpoint, keep_best=False,
        learning_rate=1e-5, **changes,
    )


def measured_peak_gb(config, root) -> float:
    """Train in a fresh child process (the peak is per process); the largest reported peak."""
    from lorastudio.core.runs.events import Failed, TrainReport
    from lorastudio.core.train.jobs import start_training

    job = start_training(config, root=root)
    peaks = [e.peak_memory_gb for e in job.events() if isinstance(e, TrainReport)]
    assert not isinstance(job.terminal_event, Failed), job.terminal_event
    assert peaks
    return max(peaks)


# ----------------------------------------------------------------------------
# the parts


def test_breakdown_adds_up_and_weights_are_the_files(tiny_model, tiny_config):
    est = estimate_for_model(tiny_model, tiny_config)
    parts = est.breakdown()
    assert set(parts) == {"weights", "adapters", "optimizer", "gradients", "activations", "logits", "other"}
    assert all(value >= 0 for value in parts.values())
    assert est.total_gb == pytest.approx(sum(parts.values()))
    on_disk = sum(p.stat().st_size for p in tiny_model.glob("model*.safetensors"))
    assert est.weights_gb * 1e9 == pytest.approx(on_disk, rel=0.01)  # headers aside, the bytes MLX loads
    # Adam: two moments per adapter number; float32 adapters, float32 gradients.
    assert est.optimizer_gb == pytest.approx(2 * est.adapters_gb)
    assert est.gradients_gb == pytest.approx(est.adapters_gb)


def test_the_estimate_parts_are_the_step_memory_parts(tiny_model, tiny_config):
    from lorastudio.core.estimate.forecast import logit_free_chunk_rows
    from lorastudio.core.estimate.memory import describe, step_memory

    shape, train = describe(tiny_model, tiny_config)
    step = step_memory(shape, train, tiny_config, 4, 127, chunk_rows=logit_free_chunk_rows(shape.vocab))
    assert step.total == sum(vars(step).values())
    est = estimate_for_model(tiny_model, tiny_config)
    assert est.total_gb == pytest.approx(step.total / 1e9)
    assert est.length == 127  # max_seq_length 128: mlx-lm's widest batch, minus the shifted target


def test_checkpointing_lowers_the_activations():
    plain = estimate_for_model(QWEN_14B, SEED, measure_speed=False)
    ckpt = estimate_for_model(QWEN_14B, SEED.replace(grad_checkpoint=True), measure_speed=False)
    assert ckpt.activations_gb < plain.activations_gb / 4
    assert ckpt.total_gb < plain.total_gb
    assert ckpt.weights_gb == plain.weights_gb


def test_logits_grow_with_vocabulary_and_tokens():
    every = SEED.replace(logit_free_loss=False)  # all positions' logits at once
    short = estimate_for_model(QWEN_14B, every, batch_lengths=[320], measure_speed=False)
    long = estimate_for_model(QWEN_14B, every, measure_speed=False)
    assert long.logits_gb == pytest.approx(short.logits_gb * 2047 / 320)
    # 152,064 logits per token: about 3.9 two-byte copies of batch x length x vocab
    assert long.logits_gb == pytest.approx(4 * 2047 * 152_064 * 2 * 3.9 / 1e9, rel=0.02)


def test_optimizers_keep_different_state(tiny_model, tiny_config):
    sizes = {name: estimate_for_model(tiny_model, tiny_config.replace(optimizer=name), measure_speed=False).optimizer_gb
             for name in ("adam", "adamw", "sgd", "muon", "adafactor")}
    assert sizes["adam"] == sizes["adamw"] == pytest.approx(2 * sizes["sgd"])
    assert sizes["sgd"] == sizes["muon"]
    assert 0 < sizes["adafactor"] < sizes["sgd"]  # factored second moments


def test_the_14b_estimate_from_a_bare_config_allocates_no_weights():
    import mlx.core as mx

    before_rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    before_mlx = mx.get_active_memory()
    est = estimate_for_model(QWEN_14B, SEED, measure_speed=False)
    assert resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - before_rss < 500_000  # kB; weights: 29.5 GB
    assert mx.get_active_memory() - before_mlx < 50_000_000
    # 14,770,034,688 parameters in bfloat16, as the H100 run loaded them (29.54 GB).
    assert est.weights_gb == pytest.approx(29.54, abs=0.01)
    assert est.adapters_gb == pytest.approx(2_097_152 * 4 / 1e9)
    assert any("config.json" in str(note) for note in est.notes)


def test_14b_predictions_are_near_the_h100_measurements():
    """mlx-facts.md: Qwen2-14B bf16 on one H100, 4 x 2048: 64.0 GB; checkpointed 45.85 GB."""
    mlx_lm_loss = SEED.replace(sparse_loss=False)  # what mlx-lm's trainer ran there
    plain = estimate_for_model(QWEN_14B, mlx_lm_loss, device="cuda", measure_speed=False)
    ckpt = estimate_for_model(QWEN_14B, mlx_lm_loss.replace(grad_checkpoint=True), device="cuda", measure_speed=False)
    assert plain.total_gb == pytest.approx(64.0, rel=0.15)
    assert ckpt.total_gb == pytest.approx(45.85, rel=0.15)


# ----------------------------------------------------------------------------
# verdicts and this machine


@pytest.mark.parametrize(
    "total, usable, limit, verdict",
    [(10.0, 100.0, 100.0, "fits"), (85.0, 100.0, 100.0, "fits"), (85.1, 100.0, 100.0, "tight"),
     (100.0, 100.0, 100.0, "tight"), (100.1, 100.0, 100.0, "will not fit"), (80.0, 75.0, 90.0, "tight"),
     (91.0, 75.0, 90.0, "will not fit")],
)
def test_verdict_thresholds(total, usable, limit, verdict):
    assert verdict_for(total, usable, limit) == verdict


def test_metal_gets_three_quarters_of_the_ram(monkeypatch):
    monkeypatch.setattr(environment, "total_memory_bytes", lambda: 48_000_000_000)
    usable, limit, machine = machine_memory("metal")
    assert usable == pytest.approx(48 * METAL_WORKING_SET) and limit == pytest.approx(48 * METAL_LIMIT)
    assert machine_memory("cpu") == (48.0, 48.0, 48.0)
    # The seed's run on a 48 GB M4 measured 39.2 GB: tight there, not "will not fit".
    assert verdict_for(39.2, usable, limit) == "tight"
    assert verdict_for(0.8 * FIT_SHARE * usable, usable, limit) == "fits"


def test_the_verdict_follows_this_machines_memory(monkeypatch, tiny_model, tiny_config):
    est = estimate_for_model(tiny_model, tiny_config, measure_speed=False)
    assert est.verdict == "fits"
    monkeypatch.setattr(environment, "total_memory_bytes", lambda: int(est.total_gb * 1e9 * 1.05))
    assert estimate_for_model(tiny_model, tiny_config, measure_speed=False).verdict == "tight"
    monkeypatch.setattr(environment, "total_memory_bytes", lambda: int(est.total_gb * 1e9 * 0.5))
    tight = estimate_for_model(tiny_model, tiny_config, measure_speed=False)
    assert tight.verdict == "will not fit"
    assert "will not fit" in tight.summary()


# ----------------------------------------------------------------------------
# lengths from the data, time, and the summary


def test_batch_widths_pad_like_mlx_lm():
    # rows 10, 40 | 33, 100: 1 + a multiple of 32, capped at max_seq_length, minus the shifted target
    assert batch_widths([10, 40, 33, 100], [[0, 1], [2, 3]], 2048) == [64, 128]
    assert batch_widths([10, 40, 33, 100], [[0, 1], [2, 3]], 90) == [64, 89]
    assert batch_widths([10, 40, 33, 100], [[0, 1], [2, 3]], 2048, pad_to=8) == [40, 104]


@pytest.mark.parametrize("batching", ["mlx-lm", "bucketed"])
def test_lengths_come_from_the_data_as_training_batches_them(tiny_config, batching):
    from mlx_lm.utils import load_tokenizer

    from lorastudio.core.tuner.batching import BatchStream, make_batch
    from lorastudio.core.tuner.loop import load_datasets

    config = tiny_config.replace(max_seq_length=512, batching=batching)
    train_set, _, _ = load_datasets(config, load_tokenizer(config.model))
    stream = BatchStream(train_set, config.batch_size, config.max_seq_length, batching)
    widths = [make_batch([train_set[j] for j in b], config.max_seq_length, None, stream.pad_to).tokens.shape[1] - 1
              for b in stream.batch_indices]
    est = estimate_for_config(config)
    assert est.length == max(widths) < config.max_seq_length - 1
    assert est.mean_length == pytest.approx(sum(widths) / len(widths))
    assert "training data" in str(est.lengths_from)
    no_data = estimate_for_config(config.replace(data=""))
    assert no_data.length == config.max_seq_length - 1 and no_data.total_gb > est.total_gb


def test_a_masked_prompt_with_the_sparse_loss_computes_fewer_logits(tiny_model, tmp_path):
    data = tmp_path / "chat"
    data.mkdir()
    long_prompt = " ".join(["one two three four five"] * 20)
    for name in ("train", "valid"):
        with open(data / f"{name}.jsonl", "w", encoding="utf-8") as f:
            for _ in range(8):
                f.write(json.dumps({"messages": [{"role": "user", "content": long_prompt},
                                                 {"role": "assistant", "content": "yes."}]}) + "\n")
    base = TrainConfig(model=str(tiny_model), data=str(data), num_layers=2, batch_size=4, max_seq_length=512)
    masked = estimate_for_config(base.replace(mask_prompt=True, sparse_loss=True))
    full = estimate_for_config(base.replace(mask_prompt=True, sparse_loss=False))
    assert masked.logits_gb < full.logits_gb / 4
    assert any("loss is taken" in str(note) for note in masked.notes)
    # Validation still computes every logit: the estimate is never below that pass.
    from lorastudio.core.estimate.memory import describe, eval_memory

    config = base.replace(mask_prompt=True, sparse_loss=True, grad_checkpoint=True)
    ckpt = estimate_for_config(config)
    shape, train = describe(tiny_model, config)
    assert ckpt.total_gb * 1e9 >= eval_memory(shape, train, 4, ckpt.length).total
    assert ckpt.total_gb == pytest.approx(sum(ckpt.breakdown().values()))


def test_the_validation_pass_can_be_the_peak(tmp_path):
    """A large vocabulary, checkpointing and a sparse loss: validation's full logits are the peak."""
    config_json = tmp_path / "config.json"
    config_json.write_text(json.dumps({
        "model_type": "llama", "hidden_size": 64, "intermediate_size": 128, "num_attention_heads": 4,
        "num_key_value_heads": 2, "num_hidden_layers": 2, "vocab_size": 50_000, "rms_norm_eps": 1e-5,
        "tie_word_embeddings": True, "torch_dtype": "float32"}))
    config = TrainConfig(num_layers=2, batch_size=4, max_seq_length=129, grad_checkpoint=True, logit_free_loss=False)
    sparse = estimate_for_model(config_json, config, batch_lengths=[128], logit_rows=[32], measure_speed=False)
    assert any("validation pass" in str(note) for note in sparse.notes)
    assert sparse.activations_gb == 0 and sparse.gradients_gb == 0
    assert sparse.logits_gb == pytest.approx(4 * 128 * 50_000 * 4 * 2.0 / 1e9, rel=0.01)
    every = estimate_for_model(config_json, config, batch_lengths=[128], measure_speed=False)
    assert not any("validation pass" in str(note) for note in every.notes) and every.total_gb > sparse.total_gb


def test_time_comes_from_a_cached_device_measurement(tiny_model, tiny_config, isolated_home, monkeypatch):
    from lorastudio.core.estimate import speed as estimate_speed

    est = estimate_for_model(tiny_model, tiny_config)
    assert est.seconds_per_step > 0 and est.device_gflops > 0
    cache = json.loads((isolated_home / estimate_speed.CACHE_FILE).read_text())
    assert any(key.endswith("|float32") for key in cache)

    def no_second_measurement(kind):
        raise AssertionError("measured twice")

    monkeypatch.setattr(estimate_speed, "_time_matmul", no_second_measurement)
    again = estimate_for_model(tiny_model, tiny_config)
    assert again.device_gflops == est.device_gflops
    longer = estimate_for_model(tiny_model, tiny_config.replace(max_seq_length=512))
    assert longer.seconds_per_step > again.seconds_per_step
    ckpt = estimate_for_model(tiny_model, tiny_config.replace(grad_checkpoint=True))
    assert ckpt.seconds_per_step > again.seconds_per_step  # the trained layers' forward runs twice


def test_summary_names_every_part(tiny_model, tiny_config):
    text = estimate_for_model(tiny_model, tiny_config).summary()
    for word in ("weights", "adapters", "optimizer", "gradients", "activations", "logits", "usable", "per step", "fits"):
        assert word in text
    assert 3 <= len(text.splitlines()) <= 8


def test_a_model_not_on_this_machine_gets_no_estimate():
    assert estimate_for_config(TrainConfig(model="someone/not-downloaded-model", data="")) is None
    assert estimate_for_config(TrainConfig(model="", data="")) is None


# ----------------------------------------------------------------------------
# against measured peaks (each measured in a fresh training child)


@pytest.mark.parametrize("batch, length, checkpoint", [(4, 128, False), (2, 256, True)])
def test_within_15_percent_of_the_measured_peak_tiny(tiny_model, tmp_path, batch, length, checkpoint):
    data = write_long_text(tmp_path / "data", length)
    config = padded_config(tiny_model, data, batch, length, checkpoint, num_layers=-1)
    est = estimate_for_config(config)
    assert est.length == length
    measured = measured_peak_gb(config, tmp_path / "runs")
    assert abs(est.total_gb - measured) / measured < 0.15, (est.summary(), measured)


@pytest.mark.slow
@pytest.mark.parametrize("batch, length, checkpoint", [(1, 128, False), (2, 128, True)])
def test_within_15_percent_of_the_measured_peak_smollm2(smollm2_f32, tmp_path, batch, length, checkpoint):
    data = write_long_text(tmp_path / "data", length)
    config = padded_config(smollm2_f32, data, batch, length, checkpoint, num_layers=16).replace(
        lora_parameters={"keys": QV, "rank": 8, "scale": 10.0, "dropout": 0.0})
    est = estimate_for_config(config)
    measured = measured_peak_gb(config, tmp_path / "runs")
    assert abs(est.total_gb - measured) / measured < 0.15, (est.summary(), measured)


# ----------------------------------------------------------------------------
# the command line


def test_model_info_shows_the_estimate(tiny_model, capsys):
    assert main(["model", "info", str(tiny_model), "--num-layers", "2"]) == 0
    out = capsys.readouterr().out
    assert "Memory estimate" in out and "-> fits" in out and "per step" in out


def test_model_info_of_the_14b_config_shows_the_estimate(capsys):
    assert main(["model", "info", str(QWEN_14B), "--preset", "seed-14b"]) == 0
    out = capsys.readouterr().out
    assert "batch 4 x 2047 tokens" in out and "weights 29.54" in out


def test_train_refuses_a_run_that_will_not_fit_without_force(tiny_config, tmp_path, monkeypatch, capsys):
    config_file = tmp_path / "c.yaml"
    tiny_config.replace(iters=2).save(config_file)
    runs = tmp_path / "runs"
    monkeypatch.setattr(environment, "total_memory_bytes", lambda: 1_000_000)  # 1 MB
    monkeypatch.setattr(sys.stdin, "isatty", lambda: False, raising=False)
    assert main(["--runs-dir", str(runs), "train", "-c", str(config_file)]) == 2
    captured = capsys.readouterr()
    assert "will not fit" in captured.out and "--force" in captured.err
    assert not runs.exists() or not any(runs.iterdir())


def test_train_asks_before_a_run_that_will_not_fit(tiny_config, tmp_path, monkeypatch, capsys):
    config_file = tmp_path / "c.yaml"
    tiny_config.replace(iters=2, steps_per_eval=10_000).save(config_file)
    runs = tmp_path / "runs"
    monkeypatch.setattr(environment, "total_memory_bytes", lambda: 1_000_000)
    monkeypatch.setattr(sys.stdin, "isatty", lambda: True, raising=False)
    questions = []
    monkeypatch.setattr("builtins.input", lambda prompt: questions.append(prompt) or "n")
    assert main(["--runs-dir", str(runs), "train", "-c", str(config_file)]) == 2
    assert questions and "not to fit" in questions[0]
    assert "not started" in capsys.readouterr().err
    assert not runs.exists() or not any(runs.iterdir())
    # --force starts it without asking
    questions.clear()
    assert main(["--runs-dir", str(runs), "train", "-c", str(config_file), "--force"]) == 0
    assert not questions
    assert len(list(runs.iterdir())) == 1


def test_the_logit_free_loss_and_micro_batches_are_counted():
    """The seed's 14B shape at 4 x 2047: the logits term falls to a chunk; micro-batches shrink the activations."""
    seed = SEED.replace(max_seq_length=2048)
    whole = estimate_for_model(QWEN_14B, seed.replace(logit_free_loss=False), measure_speed=False, device="metal")
    free = estimate_for_model(QWEN_14B, seed, measure_speed=False, device="metal")
    assert free.logits_gb < 0.1 * whole.logits_gb and free.total_gb < whole.total_gb - 9
    plain = estimate_for_model(QWEN_14B, seed.replace(sparse_loss=False), measure_speed=False, device="metal")
    assert plain.logits_gb == pytest.approx(whole.logits_gb)  # without the sparse loss, no logit-free loss
    micro = estimate_for_model(QWEN_14B, seed.replace(micro_batch_size=1), measure_speed=False, device="metal")
    assert micro.activations_gb == pytest.approx(free.activations_gb / 4, rel=0.01)
    assert micro.gradients_gb == pytest.approx(2 * free.gradients_gb)


def test_validation_in_micro_batches_is_counted_at_the_micro_batch():
    """With checkpointing the whole batch's validation pass can be the peak; micro-batches shrink it too."""
    from lorastudio.core.estimate import memory as mem

    seed = SEED.replace(max_seq_length=2048, grad_checkpoint=True, logit_free_loss=False)
    assert mem.eval_batch_size(seed) == 4
    assert mem.eval_batch_size(seed.replace(micro_batch_size=1)) == 1
    assert mem.eval_batch_size(seed.replace(micro_batch_size=8)) == 4  # wider than the batch: whole batches
    whole = estimate_for_model(QWEN_14B, seed, measure_speed=False, device="metal")
    micro = estimate_for_model(QWEN_14B, seed.replace(micro_batch_size=1), measure_speed=False, device="metal")
    assert micro.logits_gb < whole.logits_gb / 3
