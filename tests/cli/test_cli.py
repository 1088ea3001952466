"""The command line: every command's --help, train with progress and Ctrl-C, runs, data check, model info, import."""

import os
import re
import signal
import subprocess
import sys

import pytest

from lorastudio.cli.main import build_parser, main
from lorastudio.core.base.paths import resources_dir

COMMANDS = [["train"], ["resume"], ["runs"], ["data", "check"], ["model", "info"], ["import-gguf"], ["demo"],
            ["chat"], ["generate"], ["report"], ["fuse"]]


@pytest.mark.parametrize("command", COMMANDS, ids=lambda c: " ".join(c))
def test_every_command_has_help(command, capsys):
    with pytest.raises(SystemExit) as done:
        main(command + ["--help"])
    assert done.value.code == 0
    text = capsys.readouterr().out
    assert "usage: lorastudio" in text and len(text.splitlines()) > 3


def test_top_level_help_lists_the_commands():
    text = build_parser().format_help()
    for name in ("train", "resume", "runs", "data", "model", "import-gguf", "demo", "chat", "generate", "report", "fuse"):
        assert name in text


def run_cli(*args, env=None, **kwargs):
    full_env = {**os.environ, **(env or {})}
    return subprocess.run([sys.executable, "-m", "lorastudio", *args], capture_output=True, text=True, env=full_env, timeout=600, **kwargs)


def test_train_prints_progress_and_ends_with_the_run_folder(tiny_config, tmp_path):
    config_file = tmp_path / "c.yaml"
    tiny_config.replace(iters=4, steps_per_report=2).save(config_file)
    done = run_cli("--runs-dir", str(tmp_path / "runs"), "train", "-c", str(config_file))
    assert done.returncode == 0, done.stderr
    lines = done.stdout.strip().splitlines()
    run_dir = lines[-1]
    assert os.path.isdir(run_dir) and run_dir.startswith(str(tmp_path / "runs"))
    progress = [line for line in lines if line.startswith("[")]
    assert progress[-1].startswith("[4/4] | loss ")
    for part in ("tok/s", "elapsed", "ETA"):
        assert part in progress[-1]
    assert any(line.startswith("Finished 4 steps") for line in lines)


def test_ctrl_c_stops_cleanly_and_saves(tiny_config, tmp_path):
    config_file = tmp_path / "c.yaml"
    tiny_config.replace(iters=100000, steps_per_report=1, steps_per_eval=100000).save(config_file)
    proc = subprocess.Popen(
        [sys.executable, "-m", "lorastudio", "--runs-dir", str(tmp_path / "runs"), "train", "-c", str(config_file)],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )
    lines = []
    for line in proc.stdout:
        lines.append(line.rstrip("\n"))
        if re.match(r"\[\s*3/", line):
            proc.send_signal(signal.SIGINT)
            break
    rest, errors = proc.communicate(timeout=300)
    lines += rest.splitlines()
    assert proc.returncode == 0, errors
    assert any("Stopped after step" in line and "adapter saved" in line for line in lines)
    run_dir = lines[-1]
    assert os.path.isfile(os.path.join(run_dir, "adapters.safetensors"))
    # and the run resumes
    resumed = run_cli("--runs-dir", str(tmp_path / "runs"), "resume", os.path.basename(run_dir), "--iters", "6")
    assert resumed.returncode == 0, resumed.stderr
    assert "Finished 6 steps" in resumed.stdout


def test_runs_list_show_delete(tiny_config, tmp_path, capsys):
    from lorastudio.core.train.jobs import start_training

    root = str(tmp_path / "runs")
    job = start_training(tiny_config.replace(iters=2), root=root)
    job.run_to_end()
    assert main(["--runs-dir", root, "runs"]) == 0
    listing = capsys.readouterr().out
    assert job.run_dir.name in listing and "finished" in listing and "2/2" in listing
    assert main(["--runs-dir", root, "runs", "show", job.run_dir.name]) == 0
    assert "finished" in capsys.readouterr().out
    assert main(["--runs-dir", root, "runs", "delete", job.run_dir.name, "--yes"]) == 0
    assert not job.run_dir.exists()
    assert main(["--runs-dir", root, "runs", "show", "nope"]) == 2
    assert "no run at nope" in capsys.readouterr().err


def test_data_check_exit_codes(tmp_path, tiny_data, tiny_model, capsys):
    assert main(["data", "check", str(tiny_data), "--model", str(tiny_model), "--max-seq-length", "32"]) == 0
    out = capsys.readouterr().out
    assert "Format: chat" in out and "No errors." in out and ">32" in out and "cut by max_seq_length" in out
    bad = tmp_path / "bad.jsonl"
    bad.write_text('{"messages": [{"role": "user", "content": "hi"}, {"role": "assistant", "content": "yo"}]}\n{"oops": 1}\n{bad json\n')
    assert main(["data", "check", str(bad)]) == 1
    out = capsys.readouterr().out
    assert "bad.jsonl:2" in out and "bad.jsonl:3" in out and "2 error(s)" in out


def test_model_info_on_a_bare_config_with_the_seed_preset(capsys):
    config = resources_dir() / "model-configs" / "DeepSeek-R1-Distill-Qwen-14B.json"
    assert main(["model", "info", str(config), "--preset", "seed-14b"]) == 0
    out = capsys.readouterr().out
    assert "0.014% (2.097M / 14770.034M)" in out and "qwen2" in out and "48" in out


def test_model_info_with_a_config_file(tiny_model, tmp_path, capsys):
    from lorastudio.core.config.train_config import TrainConfig

    config_file = tmp_path / "c.yaml"
    TrainConfig(num_layers=1).replace(lora_parameters={"rank": 2, "scale": 1.0, "dropout": 0.0}).save(config_file)
    assert main(["model", "info", str(tiny_model), "-c", str(config_file)]) == 0
    assert "rank 2" in capsys.readouterr().out


def test_bad_input_is_one_clear_line(tmp_path, capsys):
    (tmp_path / "c.yaml").write_text("batch_size: 0\nlerning_rate: 1\n")
    assert main(["train", "-c", str(tmp_path / "c.yaml")]) == 2
    err = capsys.readouterr().err
    assert "batch_size: must be at least 1" in err and "did you mean 'learning_rate'" in err
    assert "Traceback" not in err
    assert main(["model", "info", str(tmp_path / "missing.json")]) == 2
    assert "missing.json is neither a folder on this machine nor a Hugging Face repo id" in capsys.readouterr().err
    assert main(["train", "--data", str(tmp_path)]) == 2
    assert "model: choose a model" in capsys.readouterr().err
    assert main(["model", "info", str(tmp_path / "c.yaml"), "--preset", "nope"]) == 2


def test_import_gguf_command(tiny_model, tmp_path):
    from gguf import GGMLQuantizationType
    from tiny_gguf import write_tiny_gguf

    gguf = tmp_path / "tiny.gguf"
    write_tiny_gguf(tiny_model, gguf, GGMLQuantizationType.Q8_0)
    done = run_cli("import-gguf", str(gguf), str(tmp_path / "out"), "--dtype", "float32")
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip().splitlines()[-1] == str(tmp_path / "out")
    assert (tmp_path / "out" / "config.json").is_file()
    again = run_cli("import-gguf", str(gguf), str(tmp_path / "out"))
    assert again.returncode == 2 and "is not an empty folder" in again.stderr and "Traceback" not in again.stderr


def test_version():
    done = run_cli("--version")
    assert done.returncode == 0 and done.stdout.startswith("lorastudio ")


def test_cpu_advice_and_float32_copy(tiny_model, tiny_data, tmp_path):
    """A 4-bit model on the CPU gets the advice; --float32 trains a float32 copy instead."""
    from mlx_lm import convert

    from lorastudio.core.models.loading import cpu_training_advice, weight_kind

    q4 = tmp_path / "q4"
    convert(str(tiny_model), mlx_path=str(q4), quantize=True, q_group_size=32, q_bits=4)
    assert weight_kind(q4) == "quantized"
    assert "15-40x slower" in cpu_training_advice(q4)
    assert cpu_training_advice(q4, "zh").startswith("这个模型的权重是 量化，") and "慢 15 到 40 倍" in cpu_training_advice(q4, "zh")
    assert cpu_training_advice(tiny_model) is None
    common = ["--runs-dir", str(tmp_path / "runs"), "train", "--model", str(q4), "--data", str(tiny_data),
              "--iters", "1", "--num-layers", "2", "--batch-size", "2"]
    env = {"LORASTUDIO_HOME": str(tmp_path / "home")}
    advised = run_cli(*common, env=env)
    assert advised.returncode == 0, advised.stderr
    assert "Note: This model's weights are quantized" in advised.stdout
    copied = run_cli(*common, "--float32", env=env)
    assert copied.returncode == 0, copied.stderr
    copy = tmp_path / "home" / "models" / "q4-f32"
    assert weight_kind(copy) == "float32"
    from lorastudio.core.runs import folder as runs

    newest = runs.list_runs(tmp_path / "runs")[0]
    assert newest.model == str(copy)


def test_openblas_is_loaded_before_mlx():
    code = "import lorastudio, mlx.core as mx; from lorastudio.core.base import blas; print(blas.describe()); print(open('/proc/self/maps').read().count('openblas'))"
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    from lorastudio.core.base.blas import find_fast_blas

    if find_fast_blas() is None:
        pytest.skip("no OpenBLAS installed here (scripts/setup.sh installs libopenblas0-pthread)")
    assert done.stdout.startswith("OpenBLAS") and int(done.stdout.split()[-1]) > 0
    kept = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env={**os.environ, "LORASTUDIO_BLAS": "bundled"})
    assert kept.stdout.startswith("reference BLAS") and int(kept.stdout.split()[-1]) == 0
