"""`--fit` on the command line: `model info --fit` prints the plan, `train --fit` applies its result-preserving part."""

import os
import subprocess
import sys
from types import SimpleNamespace

import pytest

from conftest import make_tiny_config
from lorastudio.cli.main import main
from lorastudio.core.base.paths import resources_dir
from lorastudio.core.config.train_config import TrainConfig

QWEN_14B = resources_dir() / "model-configs" / "DeepSeek-R1-Distill-Qwen-14B.json"


@pytest.fixture
def started(monkeypatch):
    """``train`` stops short of the training child: the config it would start is recorded."""
    import lorastudio.cli.train as train_cli
    import lorastudio.core.train.jobs as jobs

    configs = []

    def start_training(config, root=None, name=None):
        configs.append(config)
        return SimpleNamespace(run_dir="runs/fake")

    monkeypatch.setattr(jobs, "start_training", start_training)
    monkeypatch.setattr(train_cli, "follow", lambda job: 0)
    return configs


def test_model_info_prints_the_plan_after_the_facts_and_the_estimate(tiny_model, capsys):
    assert main(["model", "info", str(tiny_model), "--num-layers", "2", "--max-seq-length", "128", "--fit", "--memory",
                 "0.008"]) == 0
    out = capsys.readouterr().out
    assert out.index("Architecture: llama") < out.index("Memory estimate:") < out.index("Make it fit:")
    plan = out[out.index("Make it fit:"):].splitlines()
    assert plan[0].startswith("Make it fit: 8.0 MB usable (8.0 MB given, CPU)")
    assert plan[1].startswith("As it is: ") and plan[1].endswith("-> will not fit")
    assert plan[2].startswith("1. grad_checkpoint on") or plan[2].startswith("1. sparse_loss and logit_free_loss on")
    assert "(same result)" in plan[2] and "per step" in plan[1]  # this machine's own device: seconds per step
    assert plan[-2].startswith("Settings: ") and plan[-1].startswith("With these settings it fits with headroom")
    # The estimate's summary is against the same memory: its verdict is the plan's start.
    summary = out[out.index("Memory estimate:"):out.index("Make it fit:")]
    assert "usable" in summary and "-> will not fit" in summary


def test_model_info_without_fit_prints_no_plan_and_a_roomy_memory_needs_none(tiny_model, capsys):
    assert main(["model", "info", str(tiny_model), "--num-layers", "2"]) == 0
    assert "Make it fit" not in capsys.readouterr().out
    assert main(["model", "info", str(tiny_model), "--num-layers", "2", "--fit", "--memory", "64"]) == 0
    out = capsys.readouterr().out
    assert out.rstrip().endswith("It fits with headroom as it is: nothing to change.")


def test_the_seed_job_prints_a_plan(capsys):
    command = ["model", "info", str(QWEN_14B), "--preset", "seed-14b", "--fit", "--device", "metal"]
    assert main(command) == 0
    out = capsys.readouterr().out
    plan = out[out.index("Make it fit:"):].splitlines()
    from lorastudio.core.config.presets import get_preset
    from lorastudio.core.estimate.forecast import estimate_for_model

    as_it_is = estimate_for_model(QWEN_14B, get_preset("seed-14b").apply(), device="metal", measure_speed=False)
    assert "(this machine, Metal)" in plan[0] and plan[1].startswith(f"As it is: {as_it_is.total_gb:.2f} GB")
    assert plan[2].startswith("1. grad_checkpoint on")
    # On a 48 GB Mac, the seed's: the settings that keep the result first, and a plan that ends fitting.
    assert main(command + ["--memory", "48"]) == 0
    out = capsys.readouterr().out
    plan = out[out.index("Make it fit:"):].splitlines()
    assert plan[0].startswith("Make it fit: 36.00 GB usable (48.00 GB given, Metal)")
    assert "75% of 48 GB RAM" in out  # the estimate's summary against the same memory
    assert plan[-1].startswith("With these settings it fits with headroom")


@pytest.mark.parametrize("args, message", [
    (["--fit", "--memory", "0"], "--memory must be a positive number of GB, not 0"),
    (["--fit", "--memory", "-2"], "--memory must be a positive number of GB, not -2"),
])
def test_a_bad_memory_is_one_clear_message(tiny_model, capsys, args, message):
    assert main(["model", "info", str(tiny_model), "--num-layers", "2", *args]) == 2
    err = capsys.readouterr().err
    assert err.strip() == f"lorastudio: {message}"


def test_train_fit_applies_only_the_result_preserving_part(tiny_model, tiny_data, tmp_path, capsys, started):
    config = make_tiny_config(tiny_model, tiny_data)
    config_file = tmp_path / "c.yaml"
    config.save(config_file)
    assert main(["train", "-c", str(config_file), "--fit", "--memory", "0.000001"]) == 0
    out = capsys.readouterr().out
    (trained,) = started
    assert trained.grad_checkpoint and trained.micro_batch_size == 1 and trained.clear_cache_threshold > 0
    for name in ("num_layers", "max_seq_length", "batch_size", "iters", "learning_rate", "model", "data"):
        assert getattr(trained, name) == getattr(config, name), name
    assert trained.lora_parameters == config.lora_parameters
    assert "1. grad_checkpoint on" in out or "1. sparse_loss and logit_free_loss on" in out
    assert "(changes the result)" not in out
    assert "What keeps the result is not enough" in out and "(not applied): " in out
    assert "Settings: grad_checkpoint: true, micro_batch_size: 1, clear_cache_threshold: " in out
    assert out.index("Make it fit:") < out.index("Memory estimate:")  # the plan, then this machine's estimate


def test_train_fit_when_it_fits_changes_nothing(tiny_model, tiny_data, tmp_path, capsys, started):
    config = make_tiny_config(tiny_model, tiny_data)
    config_file = tmp_path / "c.yaml"
    config.save(config_file)
    assert main(["train", "-c", str(config_file), "--fit"]) == 0
    assert started == [config]
    assert "It fits with headroom as it is: nothing to change." in capsys.readouterr().out


def test_train_memory_needs_fit_and_a_model_not_here_changes_nothing(tiny_data, tmp_path, capsys, started):
    assert main(["train", "--model", "x/y", "--data", str(tiny_data), "--memory", "8"]) == 2
    assert capsys.readouterr().err.strip() == "lorastudio: --memory plans for that much memory with --fit: add --fit"
    assert started == []
    assert main(["train", "--model", "nobody/not-downloaded", "--data", str(tiny_data), "--fit"]) == 0
    out = capsys.readouterr().out
    assert "No fit plan for nobody/not-downloaded: it is not on this machine yet; nothing changed." in out
    assert started[0].grad_checkpoint is False and started[0].micro_batch_size is None


def test_train_fit_trains_with_the_settings_it_says(tiny_model, tiny_data, tmp_path):
    """The real command: the run folder's config holds what --fit applied."""
    config_file = tmp_path / "c.yaml"
    make_tiny_config(tiny_model, tiny_data, iters=2, steps_per_eval=2, val_batches=1).save(config_file)
    done = subprocess.run([sys.executable, "-m", "lorastudio", "--runs-dir", str(tmp_path / "runs"), "train", "-c",
                           str(config_file), "--fit", "--memory", "0.008"], capture_output=True, text=True,
                          env=dict(os.environ), timeout=600)
    assert done.returncode == 0, done.stderr
    assert "With these settings it fits with headroom" in done.stdout
    run_dir = done.stdout.strip().splitlines()[-1]
    saved = TrainConfig.load(os.path.join(run_dir, "config.yaml"))
    assert saved.grad_checkpoint and saved.micro_batch_size in (1, 2)
    assert saved.num_layers == 2 and saved.max_seq_length == 128
