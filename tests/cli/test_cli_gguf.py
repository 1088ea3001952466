"""`lorastudio import-gguf`: the precision option, per-tensor progress lines, and one clear line for a refusal."""

from __future__ import annotations

import json

import pytest

gguf = pytest.importorskip("gguf")

from test_cli import run_cli  # noqa: E402
from tiny_gguf import write_tiny_gguf  # noqa: E402


def test_quantize_4bit_with_progress_per_tensor(tiny_model, tmp_path):
    path = write_tiny_gguf(tiny_model, tmp_path / "tiny.gguf", gguf.GGMLQuantizationType.F16)
    done = run_cli("import-gguf", str(path), str(tmp_path / "out"), "--quantize", "4bit")
    assert done.returncode == 0, done.stderr
    lines = done.stdout.strip().splitlines()
    assert sum("Tensor " in line for line in lines) == 20  # not a terminal: one line per tensor
    assert any("blk.0.attn_q.weight (F16)" in line for line in lines)
    config = json.loads((tmp_path / "out" / "config.json").read_text())
    assert config["quantization"]["bits"] == 4 and config["quantization"]["group_size"] == 64


def test_refusal_is_one_line_and_leaves_nothing(tiny_model, tmp_path):
    path = write_tiny_gguf(tiny_model, tmp_path / "falcon.gguf", gguf.GGMLQuantizationType.F16, arch="falcon")
    done = run_cli("import-gguf", str(path), str(tmp_path / "out"), "--quantize", "8bit")
    assert done.returncode == 2 and "Traceback" not in done.stderr
    assert f'{path}: unsupported architecture "falcon"' in done.stderr
    assert not (tmp_path / "out").exists() and not list(tmp_path.glob(".out.partial-*"))


def test_quantize_and_dtype_exclude_each_other(tiny_model, tmp_path):
    done = run_cli("import-gguf", "x.gguf", str(tmp_path / "out"), "--quantize", "4bit", "--dtype", "float32")
    assert done.returncode == 2 and "not allowed with argument" in done.stderr
