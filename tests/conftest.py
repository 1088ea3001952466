"""Shared fixtures: the tiny random model, the real SmolLM2 model, an isolated data home.

Runs in the pytest process. Qt is told to render offscreen before any
QApplication exists, and every test gets its own ``LORASTUDIO_HOME`` so no
test touches the user's runs.
"""

import json
import os
import re
import string

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")

import lorastudio  # noqa: E402  (loads the fast BLAS before anything imports MLX)
import pytest  # noqa: E402


@pytest.fixture(autouse=True)
def isolated_home(tmp_path, monkeypatch):
    """Point LORASTUDIO_HOME at a fresh folder for every test."""
    home = tmp_path / "home"
    monkeypatch.setenv("LORASTUDIO_HOME", str(home))
    return home


@pytest.fixture(scope="session")
def tiny_model(tmp_path_factory):
    """A 2-layer random llama chat model folder with its own tokenizer."""
    from lorastudio.core.models.tiny import build_tiny_model

    return build_tiny_model(tmp_path_factory.mktemp("tiny") / "tiny-llama")


@pytest.fixture(scope="session")
def smollm2_f32(tmp_path_factory):
    """SmolLM2-135M-Instruct imported from its GGUF as a float32 MLX folder (built once per session)."""
    from lorastudio.core.models.demo_model import import_demo_model

    return import_demo_model(tmp_path_factory.mktemp("models"), dtype="float32")


def run_mlx_lm(*args, timeout=600):
    """Run one of mlx-lm's own commands (``python -m mlx_lm ARGS``) as a user would.

    The child never imports lorastudio, so it is given this process's BLAS
    (``blas.child_env``): a result compared with ours then comes from the same
    arithmetic on any CPU, OpenBLAS on both sides or the bundled BLAS on both
    (CI runs the ``parity`` tests both ways).
    """
    import subprocess
    import sys

    from lorastudio.core.base import blas

    return subprocess.run([sys.executable, "-m", "mlx_lm", *args], capture_output=True, text=True,
                          timeout=timeout, env=blas.child_env())


def write_chat_jsonl(path, n, seed=0):
    """Write ``n`` small chat records the tiny tokenizer handles well."""
    import json
    import random

    rng = random.Random(seed)
    subjects = ["the fox", "a tiny model", "the capital of France", "LoRA", "training", "validation"]
    with open(path, "w", encoding="utf-8") as f:
        for i in range(n):
            subject = rng.choice(subjects)
            words = " ".join(rng.choice(["one", "two", "three", "four", "five", "yes", "no"]) for _ in range(rng.randint(1, 12)))
            record = {
                "messages": [
                    {"role": "user", "content": f"Question {i}: what about {subject}?"},
                    {"role": "assistant", "content": f"About {subject}: {words}."},
                ]
            }
            f.write(json.dumps(record) + "\n")
    return path


@pytest.fixture(scope="session")
def tiny_data(tmp_path_factory):
    """A chat dataset folder: 24 train, 8 valid, 8 test examples."""
    folder = tmp_path_factory.mktemp("tiny-data")
    write_chat_jsonl(folder / "train.jsonl", 24, seed=1)
    write_chat_jsonl(folder / "valid.jsonl", 8, seed=2)
    write_chat_jsonl(folder / "test.jsonl", 8, seed=3)
    return folder


def make_tiny_config(model, data, **changes):
    """A fast LoRA config for the tiny model (2 layers, rank 4, 6 steps), with ``changes`` laid over it.

    For fixtures of a wider scope than ``tiny_config``'s.
    """
    from lorastudio.core.config.train_config import TrainConfig

    return TrainConfig(
        model=str(model),
        data=str(data),
        num_layers=2,
        batch_size=4,
        iters=6,
        learning_rate=1e-3,
        steps_per_report=1,
        steps_per_eval=3,
        val_batches=2,
        save_every=3,
        max_seq_length=128,
    ).replace(**{"lora_parameters": {"rank": 4, "scale": 10.0, "dropout": 0.1}, **changes})


@pytest.fixture
def tiny_config(tiny_model, tiny_data):
    """A fast LoRA config for the tiny model (2 layers, rank 4, 6 steps)."""
    return make_tiny_config(tiny_model, tiny_data)


def ini_settings(folder):
    """The app's Settings kept in an ini file in ``folder`` (never the user's own)."""
    from PySide6.QtCore import QSettings

    from lorastudio.ui.settings import Settings

    return Settings(QSettings(str(folder / "settings.ini"), QSettings.Format.IniFormat))


# --- the core's sentences in two languages --------------------------------------------------

CJK = re.compile(r"[\u4e00-\u9fff]")  # a Chinese character


def placeholders(template: str) -> set[tuple[str, str]]:
    """The ``{name:spec}`` fields of a sentence template: both languages must have the same."""
    return {(name, spec) for _, name, spec, _ in string.Formatter().parse(template) if name is not None}


def fake_run(folder):
    """A run folder (config.yaml) without an adapter yet."""
    folder.mkdir(parents=True)
    (folder / "config.yaml").write_text("model: m\n")
    return folder


def narrow_adapter(folder, trained_on="/elsewhere/narrow"):
    """An adapter of a narrower model (hidden size 32) than the tiny one (64)."""
    import mlx.core as mx

    folder.mkdir(parents=True, exist_ok=True)
    (folder / "adapter_config.json").write_text(json.dumps({
        "fine_tune_type": "lora", "num_layers": 1, "model": trained_on,
        "lora_parameters": {"rank": 4, "scale": 10.0, "dropout": 0.0, "keys": ["self_attn.q_proj"]},
    }))
    mx.save_safetensors(str(folder / "adapters.safetensors"), {
        "model.layers.1.self_attn.q_proj.lora_a": mx.zeros((32, 4)),
        "model.layers.1.self_attn.q_proj.lora_b": mx.zeros((4, 32)),
    })
    return folder


def said(error, english):
    """``error`` says ``english`` as its message and something else, in Chinese, in Chinese."""
    assert str(error) == error.text("en") == english
    chinese = error.text("zh")
    assert chinese != english and CJK.search(chinese), chinese
    return chinese


def raised(error_type, fn, *args, **kwargs):
    """The exception ``fn(*args, **kwargs)`` raises, which must be an ``error_type``."""
    with pytest.raises(error_type) as info:
        fn(*args, **kwargs)
    return info.value
