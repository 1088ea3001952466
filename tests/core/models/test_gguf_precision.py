"""GGUF import precisions on the tiny model: exact Q4_0/Q4_1/Q8_0 repacking, types MLX re-quantizes, 4-bit and 8-bit.

The tiny files are written by tests/tiny_gguf.py (gguf.GGUFWriter and gguf's own
quantization). The exact repacking is checked bit for bit against MLX's own GGUF
loader, an independent reading of the same blocks. Nothing is downloaded.
"""

from __future__ import annotations

import json

import numpy as np
import pytest

gguf = pytest.importorskip("gguf")
from gguf import GGMLQuantizationType as Q  # noqa: E402

from lorastudio.core.models.gguf_import import import_gguf  # noqa: E402
from tiny_gguf import write_tiny_gguf  # noqa: E402
from test_gguf_import import _chat_ids, _imported_logits, _reference_logits  # noqa: E402


@pytest.mark.parametrize("qtype", [Q.Q4_0, Q.Q4_1, Q.Q8_0], ids=lambda q: q.name)
def test_exact_blocks_equal_mlx_own_gguf_loader(tiny_model, tmp_path, qtype):
    """Kept as in the file, a Q4_0/Q4_1/Q8_0 tensor is the triplet MLX's own GGUF loader makes, bit for bit."""
    import mlx.core as mx

    path = write_tiny_gguf(tiny_model, tmp_path / "t.gguf", qtype)
    out = import_gguf(path, tmp_path / "out")
    mine = mx.load(str(out / "model.safetensors"))
    theirs = mx.load(str(path))  # MLX's GGUF reader: the quantized ones come as weight/scales/biases
    for part in ("weight", "scales", "biases"):  # v_proj: not un-permuted, so the rows are the file's
        a, b = mine[f"model.layers.1.self_attn.v_proj.{part}"], theirs[f"blk.1.attn_v.{part}"]
        assert a.dtype == b.dtype and a.shape == b.shape
        assert mx.array_equal(a, b).item(), part


def test_types_mlx_cannot_hold_are_requantized(tiny_model, tmp_path):
    """As in the file, Q5_0 (5.5 bits a weight) becomes MLX 8-bit, group 64, with mlx's own quantize."""
    import mlx.core as mx

    path = write_tiny_gguf(tiny_model, tmp_path / "q5.gguf", Q.Q5_0)
    ids = _chat_ids(tiny_model)
    reference = _reference_logits(tiny_model, ids, Q.Q5_0)
    out = import_gguf(path, tmp_path / "kept")
    config = json.loads((out / "config.json").read_text())
    assert config["quantization"] == {"group_size": 64, "bits": 8, "mode": "affine"}
    assert config["gguf_import"]["source_quantization"] == "Q5_0"
    assert config["gguf_import"]["precision"] == "as in the file"
    weights = mx.load(str(out / "model.safetensors"))
    assert weights["model.layers.0.mlp.up_proj.weight"].dtype == mx.uint32
    got = _imported_logits(out, ids)
    assert np.abs(got - reference).max() < 0.1  # measured 0.057: MLX's 8-bit of the Q5_0 values
    assert (got.argmax(-1) == reference.argmax(-1)).mean() > 0.9
    # Dequantized with gguf's own routine: the file's exact values.
    f32 = import_gguf(path, tmp_path / "f32", dtype="float32")
    assert np.abs(_imported_logits(f32, ids) - reference).max() < 1e-4


@pytest.mark.parametrize("bits", [4, 8])
def test_requantized_to_mlx_bits(tiny_model, tmp_path, bits):
    """4bit / 8bit: every matrix MLX-quantized with group 64 (mx.quantize), config.json saying so."""
    import mlx.core as mx

    path = write_tiny_gguf(tiny_model, tmp_path / "f16.gguf", Q.F16)
    out = import_gguf(path, tmp_path / "out", dtype=f"{bits}bit")
    config = json.loads((out / "config.json").read_text())
    assert config["quantization"] == {"group_size": 64, "bits": bits, "mode": "affine"}
    assert config["torch_dtype"] == "float16" and config["gguf_import"]["precision"] == f"{bits}bit"
    weights = mx.load(str(out / "model.safetensors"))
    assert weights["model.embed_tokens.weight"].dtype == mx.uint32  # the embedding too, as nn.quantize does
    assert weights["model.layers.0.self_attn.q_proj.scales"].shape[-1] == 64 // 64  # 64 inputs: one group
    assert weights["model.norm.weight"].dtype == mx.float16
    # The same as quantizing the original weights with MLX: Q/K un-permuted before, not after.
    original = mx.load(str(tiny_model / "model.safetensors"))["model.layers.0.self_attn.q_proj.weight"]
    expected = mx.quantize(original.astype(mx.float16), group_size=64, bits=bits)[0]
    assert mx.array_equal(weights["model.layers.0.self_attn.q_proj.weight"], expected).item()
    ids = _chat_ids(tiny_model)
    reference = _reference_logits(tiny_model, ids, Q.F16)
    error = np.abs(_imported_logits(out, ids) - reference)
    # measured: 8-bit max 0.057; 4-bit max 1.1, mean well under 0.2 (wrong rows would give errors of the logits' size)
    assert error.max() < (2.0 if bits == 4 else 0.1) and error.mean() < (0.2 if bits == 4 else 0.02)


def test_the_memory_estimate_reads_the_chosen_quantization(tiny_model, tmp_path):
    """The estimate counts a 4-bit import as 4-bit (config.json's quantization entry) and smaller than float32."""
    from lorastudio.core.config.train_config import TrainConfig
    from lorastudio.core.models.info import model_facts
    from lorastudio.core.estimate.memory import describe

    path = write_tiny_gguf(tiny_model, tmp_path / "f16.gguf", Q.F16)
    four = import_gguf(path, tmp_path / "q4", dtype="4bit")
    full = import_gguf(path, tmp_path / "f32", dtype="float32")
    config = TrainConfig(num_layers=2)
    shape4, _ = describe(four, config)
    shape32, _ = describe(full, config)
    assert shape4.quantization == "4-bit" and shape32.quantization == ""
    assert shape4.weights_bytes < shape32.weights_bytes / 3
    assert model_facts(four).quantization.startswith("4-bit affine, group 64")


def test_bad_precision(tiny_model, tmp_path):
    from lorastudio.core.models.gguf_import import GgufError

    path = write_tiny_gguf(tiny_model, tmp_path / "tiny.gguf", Q.Q8_0)
    with pytest.raises(GgufError, match="4bit, 8bit, float32, float16, bfloat16"):
        import_gguf(path, tmp_path / "out", dtype="3bit")
    assert not (tmp_path / "out").exists()


@pytest.mark.parametrize("arch", ["qwen2", "qwen3", "gemma2", "gemma3", "phi3"])
def test_each_architecture_becomes_its_mlx_lm_model(tiny_model, tmp_path, arch):
    """A random model of each architecture, written as llama.cpp does, imports to the same logits."""
    import mlx.core as mx
    from mlx_lm.utils import _get_classes

    from tiny_gguf import ARCH_CONFIGS, arch_model, write_arch_gguf

    config, weights = arch_model(tiny_model, arch)
    path = write_arch_gguf(tiny_model, tmp_path / f"{arch}.gguf", arch, weights, config)
    out = import_gguf(path, tmp_path / "out", dtype="float32")
    imported = json.loads((out / "config.json").read_text())
    assert imported["model_type"] == ARCH_CONFIGS[arch]["model_type"]
    model_class, args_class = _get_classes(config)
    reference = model_class(args_class.from_dict(config))
    # mlx-lm's own sanitize, as its load does (gemma3_text drops the output layer of a tied model there)
    arrays = {k: mx.array(v) for k, v in weights.items()}
    reference.load_weights(list((reference.sanitize(arrays) if hasattr(reference, "sanitize") else arrays).items()))
    ids = list(range(3, 60))
    got = _imported_logits(out, ids)
    expected = np.array(reference(mx.array([ids])).astype(mx.float32)[0])
    assert np.abs(got - expected).max() < 1e-4


@pytest.mark.slow
def test_smollm2_float32_weights_are_todays(smollm2_f32):
    """The demo model's float32 import (gguf's dequantization) equals the earlier one (MLX's GGUF loader and
    mx.dequantize), tensor by tensor, Q/K rows aside (they are un-permuted)."""
    import mlx.core as mx

    from lorastudio.core.models.demo_model import smollm2_gguf_path

    mine = mx.load(str(smollm2_f32 / "model.safetensors"))
    theirs = mx.load(str(smollm2_gguf_path()))
    pairs = {"model.embed_tokens.weight": "token_embd", "model.layers.7.self_attn.v_proj.weight": "blk.7.attn_v",
             "model.layers.7.mlp.down_proj.weight": "blk.7.ffn_down", "model.norm.weight": "output_norm"}
    for name, base in pairs.items():
        if f"{base}.scales" in theirs:
            bits = 8 if name.startswith("model.embed") else 4
            old = mx.dequantize(theirs[f"{base}.weight"], theirs[f"{base}.scales"].astype(mx.float32),
                                theirs[f"{base}.biases"].astype(mx.float32), group_size=32, bits=bits)
        else:
            old = theirs[f"{base}.weight"].astype(mx.float32)
        assert mx.allclose(mine[name], old, rtol=0, atol=1e-6).item(), name
