"""Import a GGUF file (llama architecture) into an mlx-lm model folder.

A GGUF file holds llama.cpp's weights, hyperparameters and tokenizer in one
file. ``import_gguf`` turns it into a normal mlx-lm folder (``config.json``,
``model*.safetensors``, ``tokenizer.json``, ``tokenizer_config.json``) that
``mlx_lm.load`` reads as-is:

- Tensors of type Q4_0, Q4_1 and Q8_0 become MLX affine-quantized triplets
  (weight, scales, biases; group size 32) at 4 or 8 bits, per tensor; F16,
  BF16 and F32 tensors stay as they are. Or, with ``dtype``, everything is
  dequantized and cast to float32, float16 or bfloat16.
- llama.cpp's converter permutes the rows of the Q and K projections into the
  interleaved ("traditional") RoPE layout. We un-permute them, so the weights
  are exactly Hugging Face's and the config keeps mlx-lm's default RoPE
  (``rope_traditional: false``): adapters trained here stay valid for the
  original model and vice versa. Logits match the original model.
- The tokenizer is rebuilt from the GGUF vocabulary and merges as a byte-level
  BPE (``tokenizer.ggml.model == "gpt2"``), with the pre-tokenizer llama.cpp
  uses for the file's ``tokenizer.ggml.pre``.

The header is read by a small pure-Python parser (no MLX), which also checks
the file before MLX touches it: a truncated or foreign file gets a clear
``GgufError`` instead of an MLX exception. ``gguf_summary`` uses only that
parser and is cheap.

Threads: everything runs on the calling thread. MLX arrays are built,
evaluated and saved there (MLX streams are thread-local); MLX, mlx-lm and
tokenizers are imported lazily inside the functions.
"""

from __future__ import annotations

import json
import mmap
import os
import re
import shutil
import struct
import tempfile
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable

Progress = Callable[[str, float], None]

SUPPORTED_ARCHITECTURES = ("llama",)
DTYPES = ("float32", "float16", "bfloat16")
GROUP_SIZE = 32  # every GGUF block type we import has 32 weights a block

# ggml tensor types: id -> name. Sizes are only needed for the types we import.
_TYPE_NAMES = {
    0: "F32", 1: "F16", 2: "Q4_0", 3: "Q4_1", 4: "Q4_2", 5: "Q4_3", 6: "Q5_0", 7: "Q5_1",
    8: "Q8_0", 9: "Q8_1", 10: "Q2_K", 11: "Q3_K", 12: "Q4_K", 13: "Q5_K", 14: "Q6_K",
    15: "Q8_K", 16: "IQ2_XXS", 17: "IQ2_XS", 18: "IQ3_XXS", 19: "IQ1_S", 20: "IQ4_NL",
    21: "IQ3_S", 22: "IQ2_S", 23: "IQ4_XS", 24: "I8", 25: "I16", 26: "I32", 27: "I64",
    28: "F64", 29: "IQ1_M", 30: "BF16", 34: "TQ1_0", 35: "TQ2_0", 39: "MXFP4",
}
# name -> (weights per block, bytes per block)
_BLOCKS = {"F32": (1, 4), "F16": (1, 2), "BF16": (1, 2), "Q4_0": (32, 18), "Q4_1": (32, 20), "Q8_0": (32, 34)}
SUPPORTED_TYPES = tuple(_BLOCKS)
_QUANT_BITS = {"Q4_0": 4, "Q4_1": 4, "Q8_0": 8}

# GGUF metadata value types: id -> struct format (8 = string, 9 = array)
_SCALARS = {0: "<B", 1: "<b", 2: "<H", 3: "<h", 4: "<I", 5: "<i", 6: "<f", 7: "<?", 10: "<Q", 11: "<q", 12: "<d"}
_NP_TYPES = {
    0: "<u1", 1: "<i1", 2: "<u2", 3: "<i2", 4: "<u4", 5: "<i4", 6: "<f4", 7: "?", 10: "<u8", 11: "<i8", 12: "<f8",
}

# llama.cpp token types (tokenizer.ggml.token_type)
_NORMAL, _UNKNOWN, _CONTROL, _USER_DEFINED, _UNUSED, _BYTE = 1, 2, 3, 4, 5, 6

# Pre-tokenizer splits, as llama.cpp applies them for tokenizer.ggml.pre
# (llama-vocab.cpp); the regexes are the ones of the models' own tokenizer.json.
_LLAMA3_SPLIT = (
    r"(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}{1,3}"
    r"| ?[^\s\p{L}\p{N}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+"
)
_TEKKEN_SPLIT = (
    r"[^\r\n\p{L}\p{N}]?[\p{Lu}\p{Lt}\p{Lm}\p{Lo}\p{M}]*[\p{Ll}\p{Lm}\p{Lo}\p{M}]+"
    r"|[^\r\n\p{L}\p{N}]?[\p{Lu}\p{Lt}\p{Lm}\p{Lo}\p{M}]+[\p{Ll}\p{Lm}\p{Lo}\p{M}]*"
    r"|\p{N}| ?[^\s\p{L}\p{N}]+[\r\n/]*|\s*[\r\n]+|\s+(?!\S)|\s+"
)
_DIGIT_PRE = {"starcoder", "refact", "command-r", "smollm", "codeshell", "exaone", "minerva"}
_LLAMA3_PRE = {"llama3", "llama-v3", "llama-bpe", "falcon3", "pixtral", "dbrx", "smaug-bpe"}
_TEKKEN_PRE = {"tekken"}

_SHARD_BYTES = 2 << 30  # keep each safetensors file (and what is held in memory) under 2 GiB


class GgufError(ValueError):
    """A GGUF file that cannot be read or imported; the message names the file and the problem."""


# --------------------------------------------------------------------------------------
# Reading the header (pure Python)
# --------------------------------------------------------------------------------------


@dataclass(frozen=True)
class TensorInfo:
    name: str
    shape: tuple[int, ...]  # row-major (numpy/MLX) order: GGUF stores it innermost first
    type_name: str
    offset: int  # absolute offset of the data in the file
    nbytes: int | None  # None for types we cannot size (unsupported ones)


@dataclass
class GgufFile:
    path: Path
    version: int
    file_size: int
    metadata: dict[str, Any] = field(default_factory=dict)
    tensors: list[TensorInfo] = field(default_factory=list)

    def get(self, key: str, default: Any = None) -> Any:
        return self.metadata.get(key, default)

    def arch(self, key: str, default: Any = None) -> Any:
        """An architecture-scoped key, e.g. ``arch("block_count")`` -> ``llama.block_count``."""
        return self.metadata.get(f"{self.get('general.architecture', '')}.{key}", default)


class _Truncated(Exception):
    pass


class _Reader:
    """Sequential little-endian reads from a memory map; any read past the end raises _Truncated."""

    def __init__(self, buf: mmap.mmap | bytes) -> None:
        self.buf = buf
        self.pos = 0

    def take(self, n: int) -> int:
        start = self.pos
        if n < 0 or start + n > len(self.buf):
            raise _Truncated
        self.pos = start + n
        return start

    def scalar(self, fmt: str) -> Any:
        start = self.take(struct.calcsize(fmt))
        return struct.unpack_from(fmt, self.buf, start)[0]

    def string(self) -> str:
        n = self.scalar("<Q")
        start = self.take(n)
        return bytes(self.buf[start:start + n]).decode("utf-8")

    def value(self, vtype: int) -> Any:
        if vtype in _SCALARS:
            return self.scalar(_SCALARS[vtype])
        if vtype == 8:
            return self.string()
        if vtype == 9:
            import numpy as np

            etype, count = self.scalar("<I"), self.scalar("<Q")
            if etype in _NP_TYPES:  # numbers: one numpy read, not a Python loop
                dt = np.dtype(_NP_TYPES[etype])
                start = self.take(count * dt.itemsize)
                return np.frombuffer(self.buf, dtype=dt, count=count, offset=start).tolist()
            if count > len(self.buf):
                raise _Truncated
            return [self.value(etype) for _ in range(count)]
        raise ValueError(f"unknown metadata value type {vtype}")


def read_gguf(path: str | os.PathLike) -> GgufFile:
    """Parse a GGUF header (metadata and tensor table) and check it against the file size."""
    path = Path(path)
    if not path.is_file():
        raise GgufError(f"{path}: no such file")
    size = path.stat().st_size
    with open(path, "rb") as f:
        head = f.read(8)
        if head[:4] != b"GGUF":
            raise GgufError(f"{path}: not a GGUF file (it does not start with the GGUF signature)")
        if len(head) < 8:
            raise GgufError(f"{path}: the GGUF file is truncated (it ends inside its header)")
        version = struct.unpack("<I", head[4:8])[0]
        if version == 1:
            raise GgufError(
                f"{path}: GGUF version 1 is too old to import; convert the model again with a current llama.cpp")
        if version not in (2, 3):
            if struct.unpack(">I", head[4:8])[0] in (2, 3):
                raise GgufError(f"{path}: big-endian GGUF files are not supported")
            raise GgufError(f"{path}: unknown GGUF version {version} (the file may be corrupt)")
        buf = mmap.mmap(f.fileno(), 0, access=mmap.ACCESS_READ)
    try:
        return _parse(path, buf, version, size)
    except _Truncated:
        raise GgufError(f"{path}: the GGUF file is truncated or corrupt (its header ends early)") from None
    except (UnicodeDecodeError, ValueError, OverflowError, struct.error) as e:
        if isinstance(e, GgufError):
            raise
        raise GgufError(f"{path}: the GGUF file is corrupt ({e})") from None
    finally:
        buf.close()


def _parse(path: Path, buf: mmap.mmap, version: int, size: int) -> GgufFile:
    r = _Reader(buf)
    r.pos = 8
    n_tensors, n_kv = r.scalar("<Q"), r.scalar("<Q")
    if n_tensors > size or n_kv > size:  # each needs at least a byte: nonsense counts mean corruption
        raise _Truncated
    gf = GgufFile(path=path, version=version, file_size=size)
    for _ in range(n_kv):
        key = r.string()
        gf.metadata[key] = r.value(r.scalar("<I"))
    infos = []
    for _ in range(n_tensors):
        name = r.string()
        n_dims = r.scalar("<I")
        if n_dims > 4:
            raise ValueError(f"tensor {name!r} has {n_dims} dimensions")
        dims = [r.scalar("<Q") for _ in range(n_dims)]
        type_id, offset = r.scalar("<I"), r.scalar("<Q")
        infos.append((name, tuple(reversed(dims)), type_id, offset))
    alignment = int(gf.get("general.alignment", 32)) or 32
    data_start = -(-r.pos // alignment) * alignment
    for name, shape, type_id, offset in infos:
        type_name = _TYPE_NAMES.get(type_id, f"type {type_id}")
        nbytes = None
        if type_name in _BLOCKS:
            per_block, block_bytes = _BLOCKS[type_name]
            count = 1
            for d in shape:
                count *= d
            if shape and shape[-1] % per_block:
                raise ValueError(f"tensor {name!r} of type {type_name} has a row of {shape[-1]} values")
            nbytes = count // per_block * block_bytes
            if data_start + offset + nbytes > size:
                raise GgufError(
                    f"{path}: the GGUF file is truncated (tensor {name!r} ends after the end of the file; "
                    "the download or copy may be incomplete)"
                )
        gf.tensors.append(TensorInfo(name, shape, type_name, data_start + offset, nbytes))
    return gf


# --------------------------------------------------------------------------------------
# What can be imported
# --------------------------------------------------------------------------------------


def _problem(gf: GgufFile) -> str | None:
    """Why this file cannot be imported (a sentence naming the file), or None."""
    try:
        return _find_problem(gf)
    except (TypeError, ValueError, KeyError) as e:  # e.g. a text where a number belongs
        return f"{gf.path}: the GGUF metadata is inconsistent or corrupt ({e!r})"


def _find_problem(gf: GgufFile) -> str | None:
    p = gf.path
    arch = gf.get("general.architecture")
    if arch is None:
        return f"{p}: the GGUF metadata has no general.architecture"
    if arch not in SUPPORTED_ARCHITECTURES:
        return f'{p}: unsupported architecture "{arch}" (only llama models can be imported)'
    if (gf.arch("expert_count") or 0) > 0:
        return f"{p}: mixture-of-experts llama models (expert_count {gf.arch('expert_count')}) are not supported"
    bad = Counter(t.type_name for t in gf.tensors if t.type_name not in _BLOCKS)
    if bad:
        kinds = ", ".join(f"{k} ({n} tensors)" for k, n in sorted(bad.items()))
        return (
            f"{p}: unsupported tensor type {kinds}; supported types are {', '.join(SUPPORTED_TYPES)} "
            "(pick a Q4_0, Q4_1, Q8_0 or F16 file of this model)"
        )
    for key in ("block_count", "embedding_length", "attention.head_count", "feed_forward_length"):
        if gf.arch(key) is None:
            return f"{p}: the GGUF metadata lacks {arch}.{key}"
    names = {t.name for t in gf.tensors}
    if "token_embd.weight" not in names:
        return f"{p}: the GGUF file has no token_embd.weight tensor"
    if "tokenizer.ggml.tokens" not in gf.metadata or "tokenizer.ggml.model" not in gf.metadata:
        return f"{p}: the GGUF metadata has no tokenizer (tokenizer.ggml.model / tokenizer.ggml.tokens are missing)"
    model = gf.get("tokenizer.ggml.model")
    if model != "gpt2":
        return (
            f'{p}: unsupported tokenizer model "{model}" (only byte-level BPE, tokenizer.ggml.model "gpt2", '
            "can be converted; SentencePiece vocabularies are not supported)"
        )
    if "tokenizer.ggml.merges" not in gf.metadata:
        return f"{p}: the GGUF tokenizer has no merges (tokenizer.ggml.merges)"
    scaling = gf.arch("rope.scaling.type")
    if scaling not in (None, "none", "linear"):
        return f'{p}: unsupported RoPE scaling "{scaling}"'
    return _shape_problem(gf)


def _shape_problem(gf: GgufFile) -> str | None:
    """Check that the tensors are the ones the hyperparameters describe (a corrupt or odd file otherwise)."""
    p = gf.path
    heads = int(gf.arch("attention.head_count"))
    kv_heads = int(gf.arch("attention.head_count_kv", heads))
    hidden = int(gf.arch("embedding_length"))
    if heads <= 0 or kv_heads <= 0 or heads % kv_heads:
        return f"{p}: inconsistent attention heads in the metadata ({heads} heads, {kv_heads} key/value heads)"
    head_dim = int(gf.arch("attention.key_length") or hidden // heads)
    if head_dim % 2:
        return f"{p}: the attention head size {head_dim} is odd, which RoPE cannot use"
    rope_dims = gf.arch("rope.dimension_count")
    if rope_dims is not None and int(rope_dims) != head_dim:
        return f"{p}: partial rotary embeddings (rope.dimension_count {rope_dims} of {head_dim}) are not supported"
    shapes = {t.name: t.shape for t in gf.tensors}
    if shapes["token_embd.weight"][-1:] != (hidden,):
        return f"{p}: token_embd.weight has shape {shapes['token_embd.weight']}, not a row of {hidden} per token"
    for i in range(int(gf.arch("block_count"))):
        for part in _LAYER_NAMES:
            if f"blk.{i}.{part}.weight" not in shapes:
                return f"{p}: the GGUF file lacks tensor blk.{i}.{part}.weight"
        for part, rows in (("attn_q", heads * head_dim), ("attn_k", kv_heads * head_dim)):
            shape = shapes[f"blk.{i}.{part}.weight"]
            if len(shape) != 2 or shape[0] != rows:
                return f"{p}: blk.{i}.{part}.weight has shape {shape}; the metadata implies {rows} rows"
    # mlx-lm's llama has biases on all four attention projections or none, likewise the MLP.
    for group in (("attn_q", "attn_k", "attn_v", "attn_output"), ("ffn_gate", "ffn_up", "ffn_down")):
        wanted = {f"blk.{i}.{part}.bias" for i in range(int(gf.arch("block_count"))) for part in group}
        present = wanted & shapes.keys()
        if present and present != wanted:
            return f"{p}: biases on only some of the {', '.join(group)} tensors are not supported"
    return None


def _summary_from(gf: GgufFile) -> dict[str, Any]:
    heads = gf.arch("attention.head_count")
    hidden = gf.arch("embedding_length")
    tokens = gf.get("tokenizer.ggml.tokens") or []
    embd = next((t for t in gf.tensors if t.name == "token_embd.weight"), None)
    problem = _problem(gf)
    params = 0
    for t in gf.tensors:
        n = 1
        for d in t.shape:
            n *= d
        params += n
    return {
        "path": str(gf.path),
        "file_size": gf.file_size,
        "gguf_version": gf.version,
        "architecture": gf.get("general.architecture"),
        "name": gf.get("general.name") or gf.path.stem,
        "layers": gf.arch("block_count"),
        "hidden_size": hidden,
        "intermediate_size": gf.arch("feed_forward_length"),
        "heads": heads,
        "kv_heads": gf.arch("attention.head_count_kv", heads),
        "head_dim": gf.arch("attention.key_length") or (hidden // heads if hidden and heads else None),
        "vocab_size": gf.arch("vocab_size") or (embd.shape[0] if embd else len(tokens)) or None,
        "context_length": gf.arch("context_length"),
        "rope_theta": gf.arch("rope.freq_base"),
        "parameters": params,
        "tensors": len(gf.tensors),
        "tensor_types": dict(sorted(Counter(t.type_name for t in gf.tensors).items())),
        "tied_embeddings": not any(t.name == "output.weight" for t in gf.tensors),
        "tokenizer": gf.get("tokenizer.ggml.model"),
        "pre_tokenizer": gf.get("tokenizer.ggml.pre"),
        "has_chat_template": bool(gf.get("tokenizer.chat_template")),
        "importable": problem is None,
        "problem": problem,
    }


def gguf_summary(path: str | os.PathLike) -> dict[str, Any]:
    """Describe a GGUF file from its header alone (no tensor data is read, MLX is not imported).

    Keys: path, file_size, gguf_version, architecture, name, layers, hidden_size,
    intermediate_size, heads, kv_heads, head_dim, vocab_size, context_length,
    rope_theta, parameters, tensors, tensor_types ({"Q4_1": 181, ...}),
    tied_embeddings, tokenizer, pre_tokenizer, has_chat_template, importable and
    problem (why ``import_gguf`` would refuse it, or None). Raises GgufError only
    when the file cannot be read as a GGUF at all.
    """
    return _summary_from(read_gguf(path))


# --------------------------------------------------------------------------------------
# config.json
# --------------------------------------------------------------------------------------


def _llama3_rope_scaling(gf: GgufFile, freqs: list[float], head_dim: int, base: float) -> dict[str, Any]:
    """Recover Llama 3.1's rope_scaling from the ``rope_freqs`` factors llama.cpp stores.

    llama.cpp writes one divisor per frequency, computed from factor, low/high
    frequency factors and the original context length. The factor is the largest
    divisor; the others are Meta's defaults, checked by recomputing every divisor.
    """
    import math

    factor = _f32(max(freqs))
    original = int(gf.arch("rope.scaling.original_context_length") or 8192)
    low, high = 1.0, 4.0
    expected = []
    for i in range(0, head_dim, 2):
        wavelen = 2 * math.pi * base ** (i / head_dim)
        if wavelen < original / high:
            expected.append(1.0)
        elif wavelen > original / low:
            expected.append(factor)
        else:
            smooth = (original / wavelen - low) / (high - low)
            expected.append(1 / ((1 - smooth) / factor + smooth))
    if len(expected) != len(freqs) or any(abs(a - b) > 1e-3 * max(1.0, abs(b)) for a, b in zip(freqs, expected)):
        raise GgufError(f"{gf.path}: unsupported RoPE frequency factors (rope_freqs.weight is not Llama 3 style)")
    return {
        "rope_type": "llama3",
        "factor": factor,
        "low_freq_factor": low,
        "high_freq_factor": high,
        "original_max_position_embeddings": original,
    }


def _f32(value: Any) -> float:
    """A float32 metadata value as the short decimal it was written from (9.9999997e-06 -> 1e-05)."""
    return float(f"{float(value):.7g}")


def _kept_dtype(gf: GgufFile) -> str:
    """The compute dtype of a model imported as it is: that of its quantization scales or matrices."""
    if any(t.type_name in _QUANT_BITS for t in gf.tensors):
        return "float16"  # MLX's GGUF loader gives float16 scales and biases
    matrices = Counter(t.type_name for t in gf.tensors if len(t.shape) == 2)
    most = matrices.most_common(1)[0][0] if matrices else "F32"
    return {"F16": "float16", "BF16": "bfloat16"}.get(most, "float32")


def _model_config(gf: GgufFile, dtype: str | None, quantization: dict[str, Any] | None,
                  rope_scaling: dict[str, Any] | None) -> dict[str, Any]:
    hidden = int(gf.arch("embedding_length"))
    heads = int(gf.arch("attention.head_count"))
    kv_heads = int(gf.arch("attention.head_count_kv", heads))
    embd = next(t for t in gf.tensors if t.name == "token_embd.weight")
    names = {t.name for t in gf.tensors}
    tokens = gf.get("tokenizer.ggml.tokens")
    config: dict[str, Any] = {
        "model_type": "llama",
        "architectures": ["LlamaForCausalLM"],
        "hidden_size": hidden,
        "intermediate_size": int(gf.arch("feed_forward_length")),
        "num_hidden_layers": int(gf.arch("block_count")),
        "num_attention_heads": heads,
        "num_key_value_heads": kv_heads,
        "vocab_size": embd.shape[0],
        "rms_norm_eps": _f32(gf.arch("attention.layer_norm_rms_epsilon", 1e-5)),
        "rope_theta": _f32(gf.arch("rope.freq_base", 10000.0)),
        # Q/K rows are un-permuted back to Hugging Face's layout, so mlx-lm's default RoPE is right.
        "rope_traditional": False,
        "max_position_embeddings": int(gf.arch("context_length", 2048)),
        "tie_word_embeddings": "output.weight" not in names,
        "attention_bias": "blk.0.attn_q.bias" in names,
        "mlp_bias": "blk.0.ffn_up.bias" in names,
    }
    key_length = gf.arch("attention.key_length")
    if key_length is not None and int(key_length) != hidden // heads:
        config["head_dim"] = int(key_length)
    if rope_scaling:
        config["rope_scaling"] = rope_scaling
    for key, meta in (("bos_token_id", "bos_token_id"), ("pad_token_id", "padding_token_id")):
        value = gf.get(f"tokenizer.ggml.{meta}")
        if value is not None and 0 <= int(value) < len(tokens):
            config[key] = int(value)
    # Generation stops at eos, and at end-of-turn / end-of-message when the file names them.
    eos = []
    for meta in ("eos_token_id", "eot_token_id", "eom_token_id"):
        value = gf.get(f"tokenizer.ggml.{meta}")
        if value is not None and 0 <= int(value) < len(tokens) and int(value) not in eos:
            eos.append(int(value))
    if eos:
        config["eos_token_id"] = eos[0] if len(eos) == 1 else eos
    if quantization:
        config["quantization"] = quantization
        config["quantization_config"] = quantization
    config["torch_dtype"] = dtype or _kept_dtype(gf)
    config["gguf_import"] = {
        "source": gf.path.name,
        "name": gf.get("general.name"),
        "tensor_types": dict(sorted(Counter(t.type_name for t in gf.tensors).items())),
        "dtype": dtype or "as in the file",
    }
    return config


# --------------------------------------------------------------------------------------
# Tokenizer
# --------------------------------------------------------------------------------------


def _bytes_to_unicode() -> dict[int, str]:
    """GPT-2's byte -> printable character map that byte-level BPE vocabularies are spelled in."""
    keep = [*range(ord("!"), ord("~") + 1), *range(ord("¡"), ord("¬") + 1), *range(ord("®"), ord("ÿ") + 1)]
    chars = keep[:]
    n = 0
    for b in range(256):
        if b not in keep:
            keep.append(b)
            chars.append(256 + n)
            n += 1
    return dict(zip(keep, map(chr, chars)))


def _token_string(tokens: list[str], meta_id: Any) -> str | None:
    if meta_id is None or not 0 <= int(meta_id) < len(tokens):
        return None
    return tokens[int(meta_id)]


def build_tokenizer(gf: GgufFile) -> tuple[Any, dict[str, Any]]:
    """The ``tokenizers.Tokenizer`` and the ``tokenizer_config.json`` dict a GGUF describes."""
    from tokenizers import Tokenizer, decoders, models

    tokens: list[str] = list(gf.get("tokenizer.ggml.tokens"))
    types: list[int] = list(gf.get("tokenizer.ggml.token_type") or [_NORMAL] * len(tokens))
    merges = _merges(gf)
    vocab = _byte_level_vocab(tokens, types)
    _check_merges(gf, vocab, merges)

    pre = gf.get("tokenizer.ggml.pre") or "default"
    prefix = bool(gf.get("tokenizer.ggml.add_space_prefix", False))
    bpe = models.BPE(vocab=vocab, merges=merges, fuse_unk=False, byte_fallback=False,
                     ignore_merges=pre in _LLAMA3_PRE)  # llama.cpp sets ignore_merges for llama3
    tokenizer = Tokenizer(bpe)
    tokenizer.pre_tokenizer = _pre_tokenizer(pre, prefix)
    tokenizer.decoder = decoders.ByteLevel()
    _add_whole_tokens(tokenizer, tokens, types, vocab)

    bos = _token_string(tokens, gf.get("tokenizer.ggml.bos_token_id"))
    eos = _token_string(tokens, gf.get("tokenizer.ggml.eos_token_id"))
    add_bos = bool(gf.get("tokenizer.ggml.add_bos_token", False)) and bos is not None
    add_eos = bool(gf.get("tokenizer.ggml.add_eos_token", False)) and eos is not None
    tokenizer.post_processor = _post_processor(vocab, bos, eos, add_bos, add_eos)
    return tokenizer, _tokenizer_config(gf, tokens, bos, eos, add_bos, add_eos)


def _merges(gf: GgufFile) -> list[tuple[str, ...]]:
    """The BPE merges as (left, right) pairs; a GgufError when one is not two tokens."""
    merges = [tuple(m.split(" ", 1)) for m in gf.get("tokenizer.ggml.merges")]
    if any(len(m) != 2 for m in merges):
        raise GgufError(
            f"{gf.path}: the GGUF tokenizer has a malformed merge (expected two tokens separated by a space)")
    return merges


def _byte_level_vocab(tokens: list[str], types: list[int]) -> dict[str, int]:
    """Token string -> id, every token spelled in GPT-2's byte alphabet (the first id wins a duplicate).

    Special tokens are kept verbatim (they are matched whole in the text); any other
    token spelled outside the alphabet is respelled byte by byte, as transformers' own
    GGUF conversion does.
    """
    spelling = _bytes_to_unicode()
    alphabet = set(spelling.values())
    vocab: dict[str, int] = {}
    for i, (tok, kind) in enumerate(zip(tokens, types)):
        if kind not in (_CONTROL, _USER_DEFINED, _UNKNOWN) and not set(tok) <= alphabet:
            tok = "".join(spelling[b] for b in tok.encode("utf-8"))
        vocab.setdefault(tok, i)
    return vocab


def _check_merges(gf: GgufFile, vocab: dict[str, int], merges: list[tuple[str, ...]]) -> None:
    # The tokenizers library panics (an uncatchable-looking pyo3 error) on a merge whose
    # parts or result are not in the vocabulary: check first and say what is wrong.
    for a, b in merges:
        if a not in vocab or b not in vocab or a + b not in vocab:
            raise GgufError(f"{gf.path}: the GGUF tokenizer is inconsistent "
                            f"(merge {a!r} {b!r} uses tokens not in the vocabulary)")


def _pre_tokenizer(pre: str, prefix: bool) -> Any:
    """The pre-tokenizer llama.cpp uses for ``tokenizer.ggml.pre``, ending in byte-level spelling."""
    from tokenizers import Regex, pre_tokenizers

    if pre in _LLAMA3_PRE or pre in _TEKKEN_PRE:
        split = _LLAMA3_SPLIT if pre in _LLAMA3_PRE else _TEKKEN_SPLIT
        return pre_tokenizers.Sequence([
            pre_tokenizers.Split(Regex(split), behavior="isolated"),
            pre_tokenizers.ByteLevel(add_prefix_space=prefix, use_regex=False),
        ])
    if pre in _DIGIT_PRE:
        # llama.cpp splits every digit off first for these vocabularies (SmolLM's tokenizer.json
        # does the same with a Digits pre-tokenizer); then GPT-2's regex.
        return pre_tokenizers.Sequence([
            pre_tokenizers.Digits(individual_digits=True),
            pre_tokenizers.ByteLevel(add_prefix_space=prefix, use_regex=True),
        ])
    # "default", "gpt2" and kinds we do not know: GPT-2's regex, like transformers does
    return pre_tokenizers.ByteLevel(add_prefix_space=prefix, use_regex=True)


def _add_whole_tokens(tokenizer: Any, tokens: list[str], types: list[int], vocab: dict[str, int]) -> None:
    """Register control and unknown tokens as special, user-defined ones as plain added tokens."""
    from tokenizers import AddedToken

    special = [AddedToken(t, special=True, normalized=False)
               for t, k in zip(tokens, types) if k in (_CONTROL, _UNKNOWN) and vocab.get(t) is not None]
    plain = [AddedToken(t, special=False, normalized=False)
             for t, k in zip(tokens, types) if k == _USER_DEFINED and vocab.get(t) is not None]
    if special:
        tokenizer.add_special_tokens(special)
    if plain:
        tokenizer.add_tokens(plain)


def _post_processor(vocab: dict[str, int], bos: str | None, eos: str | None, add_bos: bool, add_eos: bool) -> Any:
    """A template that adds bos and/or eos around each sequence, or plain byte-level when neither is added."""
    from tokenizers import processors

    if not (add_bos or add_eos):
        return processors.ByteLevel(trim_offsets=False)
    single = ([f"{bos}:0"] if add_bos else []) + ["$A:0"] + ([f"{eos}:0"] if add_eos else [])
    pair = single + ([f"{bos}:1"] if add_bos else []) + ["$B:1"] + ([f"{eos}:1"] if add_eos else [])
    ids = {t: vocab[t] for t in (bos if add_bos else None, eos if add_eos else None) if t}
    return processors.TemplateProcessing(single=single, pair=pair, special_tokens=list(ids.items()))


def _tokenizer_config(gf: GgufFile, tokens: list[str], bos: str | None, eos: str | None,
                      add_bos: bool, add_eos: bool) -> dict[str, Any]:
    """The ``tokenizer_config.json`` dict: special tokens, their use, length and chat template."""
    config: dict[str, Any] = {
        "tokenizer_class": "PreTrainedTokenizerFast",
        "bos_token": bos,
        "eos_token": eos,
        "unk_token": _token_string(tokens, gf.get("tokenizer.ggml.unknown_token_id")),
        "pad_token": _token_string(tokens, gf.get("tokenizer.ggml.padding_token_id")),
        "add_bos_token": add_bos,
        "add_eos_token": add_eos,
        "clean_up_tokenization_spaces": False,
        "model_max_length": int(gf.arch("context_length", 2048)),
    }
    config = {k: v for k, v in config.items() if v is not None}
    template = gf.get("tokenizer.chat_template")
    if template:
        config["chat_template"] = template
    return config


# --------------------------------------------------------------------------------------
# Tensors
# --------------------------------------------------------------------------------------

_LAYER_NAMES = {
    "attn_norm": "input_layernorm",
    "ffn_norm": "post_attention_layernorm",
    "attn_q": "self_attn.q_proj",
    "attn_k": "self_attn.k_proj",
    "attn_v": "self_attn.v_proj",
    "attn_output": "self_attn.o_proj",
    "ffn_gate": "mlp.gate_proj",
    "ffn_up": "mlp.up_proj",
    "ffn_down": "mlp.down_proj",
}
_GLOBAL_NAMES = {"token_embd": "model.embed_tokens", "output_norm": "model.norm", "output": "lm_head"}
_SKIPPED_RE = re.compile(r"blk\.\d+\.attn_rot_embd\.weight")  # precomputed RoPE tables some old files carry


def _mlx_name(gf: GgufFile, name: str) -> tuple[str, str]:
    """llama.cpp tensor name -> (mlx-lm module path, suffix ``weight``/``bias``)."""
    base, _, suffix = name.rpartition(".")
    m = re.fullmatch(r"blk\.(\d+)\.(\w+)", base)
    if m and m.group(2) in _LAYER_NAMES and suffix in ("weight", "bias"):
        return f"model.layers.{m.group(1)}.{_LAYER_NAMES[m.group(2)]}", suffix
    if base in _GLOBAL_NAMES and suffix == "weight":
        return _GLOBAL_NAMES[base], suffix
    raise GgufError(f"{gf.path}: unexpected tensor {name!r} for a llama model")


def _unpermute_index(rows: int, n_heads: int) -> Any:
    """Row order that undoes llama.cpp's Q/K permutation.

    convert_hf_to_gguf.py reshapes the rows to (heads, 2, head_dim/2) and swaps the
    last two axes (Hugging Face's half-split RoPE pairs -> ggml's interleaved pairs).
    Reading the GGUF rows through the inverse gives Hugging Face's order back.
    """
    import numpy as np

    half = rows // n_heads // 2
    return np.arange(rows).reshape(n_heads, half, 2).swapaxes(1, 2).reshape(-1)


def _check_out_dir(gguf_path: Path, out_dir: Path) -> None:
    if out_dir.exists() and (not out_dir.is_dir() or any(out_dir.iterdir())):
        raise GgufError(f"{gguf_path}: cannot import into {out_dir}: it exists and is not an empty folder")


def import_gguf(gguf_path: str | os.PathLike, out_dir: str | os.PathLike, dtype: str | None = None,
                progress: Progress | None = None) -> Path:
    """Convert a llama GGUF file into an mlx-lm model folder at ``out_dir``; return ``out_dir``.

    ``dtype=None`` keeps the file's quantization (Q4_0/Q4_1 -> 4-bit, Q8_0 -> 8-bit MLX
    affine, group size 32; F16/BF16/F32 tensors unchanged). ``dtype`` in ``DTYPES``
    dequantizes and casts every tensor. ``progress(stage, fraction)`` is called along
    the way on this thread; if it raises, the import stops and nothing is left behind.
    The folder is written beside ``out_dir`` under a temporary name and renamed at the
    end, so ``out_dir`` is either absent or complete.
    """
    gguf_path, out_dir = Path(gguf_path), Path(out_dir)
    report = progress or (lambda stage, fraction: None)
    if dtype not in (None, *DTYPES):
        raise GgufError(f"{gguf_path}: unknown dtype {dtype!r} "
                        f"(choose one of {', '.join(DTYPES)}, or None to keep the quantization)")
    _check_out_dir(gguf_path, out_dir)

    report(f"Reading {gguf_path.name}", 0.0)
    gf = read_gguf(gguf_path)
    problem = _problem(gf)
    if problem:
        raise GgufError(problem)
    tokenizer, tokenizer_config = build_tokenizer(gf)  # cheap; fails early on a bad vocabulary

    out_dir.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=f".{out_dir.name}.partial-", dir=out_dir.parent))
    try:
        os.chmod(tmp, 0o755)  # mkdtemp makes it private; the model folder is an ordinary one
        quantization, rope_scaling = _write_weights(gf, tmp, dtype, report)
        report("Writing tokenizer and config", 0.95)
        tokenizer.save(str(tmp / "tokenizer.json"))
        _write_json(tmp / "tokenizer_config.json", tokenizer_config)
        _write_json(tmp / "config.json", _model_config(gf, dtype, quantization, rope_scaling))
        _check_out_dir(gguf_path, out_dir)  # something may have appeared there meanwhile
        os.replace(tmp, out_dir)  # replaces an empty folder too (POSIX rename)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    report("Done", 1.0)
    return out_dir


def _write_json(path: Path, obj: Any) -> None:
    path.write_text(json.dumps(obj, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")


def _write_weights(gf: GgufFile, folder: Path, dtype: str | None, report: Progress
                   ) -> tuple[dict[str, Any] | None, dict[str, Any] | None]:
    """Convert every tensor and write the safetensors shards; return (quantization, rope_scaling)."""
    import mlx.core as mx

    target = {"float32": mx.float32, "float16": mx.float16, "bfloat16": mx.bfloat16}.get(dtype or "")
    heads = int(gf.arch("attention.head_count"))
    kv_heads = int(gf.arch("attention.head_count_kv", heads))
    hidden = int(gf.arch("embedding_length"))
    head_dim = int(gf.arch("attention.key_length") or hidden // heads)

    report(f"Loading {gf.path.name}", 0.02)
    try:
        arrays = mx.load(str(gf.path), format="gguf")
    except Exception as e:  # the header was fine, so this is damaged tensor data
        raise GgufError(f"{gf.path}: MLX could not read the tensors ({e})") from None

    rope_scaling = None
    if gf.arch("rope.scaling.type") == "linear":
        rope_scaling = {"type": "linear", "factor": _f32(gf.arch("rope.scaling.factor", 1.0))}
    bits_of: dict[str, int] = {}  # the modules kept quantized, and their width
    total = sum(t.nbytes or 0 for t in gf.tensors) or 1
    done = 0
    shards = _ShardWriter(folder)
    for number, info in enumerate(gf.tensors, 1):
        done += info.nbytes or 0
        if info.name == "rope_freqs.weight":
            freqs = arrays[info.name].astype(mx.float32).tolist()
            rope_scaling = _llama3_rope_scaling(gf, freqs, head_dim, float(gf.arch("rope.freq_base", 10000.0)))
            continue
        if _SKIPPED_RE.fullmatch(info.name):
            continue
        module, suffix = _mlx_name(gf, info.name)
        parts = _tensor_parts(gf, arrays, info)
        # Un-permute Q/K rows (weights and biases). Group quantization runs along a row,
        # so packed rows and their scales and biases move together.
        if module.endswith(("self_attn.q_proj", "self_attn.k_proj")):
            n = heads if module.endswith("q_proj") else kv_heads
            index = mx.array(_unpermute_index(parts[0].shape[0], n))
            parts = [mx.take(p, index, axis=0) for p in parts]
        out = _converted(module, suffix, info.type_name, parts, target)
        if info.type_name in _QUANT_BITS and target is None:
            bits_of[module] = _QUANT_BITS[info.type_name]
        mx.eval(out)
        shards.add(out)
        report(f"Converting tensor {number} of {len(gf.tensors)}", 0.05 + 0.85 * done / total)
    shards.flush()
    del arrays
    shards.rename()
    return _quantization(bits_of), rope_scaling


def _tensor_parts(gf: GgufFile, arrays: dict[str, Any], info: TensorInfo) -> list[Any]:
    """The arrays a tensor is stored as: (weight, scales, biases) for a quantized one, else the one array."""
    if info.type_name in _QUANT_BITS:
        base = info.name.rpartition(".")[0]
        return [arrays[f"{base}.weight"], arrays[f"{base}.scales"], arrays[f"{base}.biases"]]
    if info.type_name == "BF16":
        return [_read_bf16(gf.path, info)]
    return [arrays[info.name]]


def _converted(module: str, suffix: str, type_name: str, parts: list[Any], target: Any) -> dict[str, Any]:
    """The mlx-lm arrays of one tensor: kept as in the file when ``target`` is None, else cast to it."""
    import mlx.core as mx

    if type_name not in _QUANT_BITS:
        return {f"{module}.{suffix}": parts[0] if target is None else parts[0].astype(target)}
    w, scales, biases = parts
    if target is None:
        return {f"{module}.weight": w, f"{module}.scales": scales, f"{module}.biases": biases}
    # Dequantize in float32 (the file's f16 scales are exact there), then cast.
    return {f"{module}.weight": mx.dequantize(w, scales.astype(mx.float32), biases.astype(mx.float32),
                                              group_size=GROUP_SIZE, bits=_QUANT_BITS[type_name]).astype(target)}


def _quantization(bits_of: dict[str, int]) -> dict[str, Any] | None:
    """config.json's quantization entry for the modules kept quantized (None when there are none)."""
    if not bits_of:
        return None
    # The most common width is the default; every other quantized module gets an override
    # (the SmolLM2 "Q4_1" file keeps its token embedding in Q8_0).
    default = Counter(bits_of.values()).most_common(1)[0][0]
    quantization: dict[str, Any] = {"group_size": GROUP_SIZE, "bits": default, "mode": "affine"}
    for module, bits in bits_of.items():
        if bits != default:
            quantization[module] = {"group_size": GROUP_SIZE, "bits": bits, "mode": "affine"}
    return quantization


class _ShardWriter:
    """Saves converted arrays into safetensors shards of about ``_SHARD_BYTES`` each.

    Shards are written under temporary names because their final names count them
    all (``model-00001-of-00003``); ``rename`` gives the final names once all are written.
    """

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self.shard: dict[str, Any] = {}
        self.shard_bytes = 0
        self.written: list[tuple[Path, list[str]]] = []  # each shard's temporary path and tensor names

    def add(self, arrays: dict[str, Any]) -> None:
        for name, a in arrays.items():
            self.shard[name] = a
            self.shard_bytes += a.nbytes
        if self.shard_bytes >= _SHARD_BYTES:
            self.flush()

    def flush(self) -> None:
        """Save the arrays gathered so far as the next shard (nothing when there are none)."""
        import mlx.core as mx

        if self.shard:
            path = self.folder / f".shard-{len(self.written):05d}.safetensors"
            mx.save_safetensors(str(path), self.shard, metadata={"format": "mlx"})
            self.written.append((path, list(self.shard)))
            self.shard, self.shard_bytes = {}, 0

    def rename(self) -> None:
        """model.safetensors, or model-0000i-of-0000n.safetensors with an index."""
        folder, shards = self.folder, self.written
        if len(shards) == 1:
            os.replace(shards[0][0], folder / "model.safetensors")
            return
        weight_map = {}
        for i, (path, names) in enumerate(shards):
            final = folder / f"model-{i + 1:05d}-of-{len(shards):05d}.safetensors"
            weight_map.update(dict.fromkeys(names, final.name))
            os.replace(path, final)
        index = {"metadata": {}, "weight_map": dict(sorted(weight_map.items()))}
        _write_json(folder / "model.safetensors.index.json", index)


def _read_bf16(path: Path, info: TensorInfo) -> Any:
    """BF16 tensors are read from the file directly: MLX's GGUF loader turns them into float16."""
    import mlx.core as mx
    import numpy as np

    with open(path, "rb") as f:
        f.seek(info.offset)
        data = np.frombuffer(f.read(info.nbytes or 0), dtype="<u2").reshape(info.shape)
    return mx.array(data).view(mx.bfloat16)
