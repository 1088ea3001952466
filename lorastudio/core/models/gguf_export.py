"""Export a llama-family MLX model folder (e.g. a fused model) to a GGUF file for llama.cpp and Ollama.

``mlx_lm.gguf.convert_to_gguf`` is not enough: it writes a byte-level BPE
vocabulary as a SentencePiece one (``tokenizer.ggml.model "llama"``, no merges,
no pre-tokenizer), no chat template, and takes the RoPE size from
``hidden_size / heads``. So this module writes the file itself with llama.cpp's
own writer (``gguf.GGUFWriter``), as llama.cpp's ``convert_hf_to_gguf.py``
does for a llama model:

- Tensors renamed to llama.cpp's names by gguf's ``TensorNameMap``; the rows of the Q and K projections
  (weights and biases) permuted from Hugging Face's RoPE layout into ggml's
  interleaved one (``LlamaModel.permute``: K with the key/value head count);
  one-dimensional tensors (norms, biases) in F32, matrices in F16 or F32.
  Quantized weights are dequantized first (GGUF's own quantizations are made
  from the F16 file by llama.cpp or ``ollama create --quantize``).
- Hyperparameters under ``llama.*`` with the types llama.cpp checks (uint32,
  float32); linear RoPE scaling as metadata, Llama 3 scaling as the
  ``rope_freqs.weight`` factors.
- The tokenizer as llama.cpp's byte-level BPE (``tokenizer.ggml.model "gpt2"``)
  with merges, pre-tokenizer name and chat template: see ``gguf_vocab``.

Before the file is renamed into place it is read back with the GGUF importer
(``lorastudio.core.models.gguf_import``, which follows llama.cpp's rules): its
tokenizer must give the same ids as the model's own on plain and chat text,
or the export fails instead of leaving a file that would tokenize wrongly.

Threads: everything runs on the calling thread (MLX arrays are built and
evaluated there, then handed to the writer as numpy). gguf, MLX and tokenizers
are imported lazily.
"""

from __future__ import annotations

import os
import tempfile
from pathlib import Path
from typing import Any, Callable

from lorastudio.core.models.gguf_arch import llama3_rope_divisors
from lorastudio.core.models.gguf_vocab import (
    GgufExportError,
    Typed,
    check_tokenizer,
    f32,
    read_json,
    tokenizer_json,
    tokenizer_metadata,
    u32,
)

Progress = Callable[[str, float], None]

OUT_TYPES = ("f16", "f32")
MODEL_TYPES = ("llama", "mistral")  # mlx-lm runs both with its llama module; llama.cpp calls both "llama"
_FILE_TYPE = {"f32": 0, "f16": 1}  # llama_ftype: ALL_F32, MOSTLY_F16


# --------------------------------------------------------------------------------------
# What can be exported
# --------------------------------------------------------------------------------------


def export_problem(model_dir: str | os.PathLike) -> str | None:
    """Why ``model_dir`` cannot be exported to GGUF (a sentence naming it), or None.

    Reads only config.json and tokenizer.json, so it is cheap enough to ask before
    fusing a model that will then be exported.
    """
    folder = Path(model_dir)
    try:
        config = read_json(folder / "config.json")
    except GgufExportError as e:
        return str(e)
    model_type = config.get("model_type")
    if model_type not in MODEL_TYPES:
        return (f"{folder}: GGUF export supports llama-family models only (model_type llama or mistral); "
                f"this one is {model_type!r}")
    if config.get("num_local_experts") or config.get("vision_config"):
        return f"{folder}: mixture-of-experts and vision models cannot be exported to GGUF here"
    scaling = config.get("rope_scaling") or {}
    kind = scaling.get("type") or scaling.get("rope_type") or "default"
    if kind not in ("default", "linear", "llama3"):
        return f"{folder}: RoPE scaling {kind!r} cannot be exported to GGUF (only linear and llama3)"
    if any(t != "full_attention" for t in config.get("layer_types") or []):
        return f"{folder}: sliding-window attention layers cannot be exported to GGUF as a llama model"
    try:
        tokenizer_json(folder)
    except GgufExportError as e:
        return str(e)
    return None


# --------------------------------------------------------------------------------------
# Metadata
# --------------------------------------------------------------------------------------


def _model_metadata(config: dict[str, Any], out_type: str, name: str, n_vocab: int) -> dict[str, Any]:
    heads = int(config["num_attention_heads"])
    hidden = int(config["hidden_size"])
    head_dim = int(config.get("head_dim") or hidden // heads)
    meta: dict[str, Any] = {
        "general.architecture": "llama",
        "general.type": "model",
        "general.name": name,
        "general.file_type": u32(_FILE_TYPE[out_type]),
        "general.quantization_version": u32(2),
        "llama.vocab_size": u32(n_vocab),
        "llama.context_length": u32(config.get("max_position_embeddings") or 2048),
        "llama.embedding_length": u32(hidden),
        "llama.block_count": u32(config["num_hidden_layers"]),
        "llama.feed_forward_length": u32(config["intermediate_size"]),
        "llama.attention.head_count": u32(heads),
        "llama.attention.head_count_kv": u32(config.get("num_key_value_heads") or heads),
        "llama.attention.layer_norm_rms_epsilon": f32(config.get("rms_norm_eps", 1e-5)),
        "llama.rope.freq_base": f32(config.get("rope_theta", 10000.0)),
        "llama.rope.dimension_count": u32(head_dim),
    }
    if head_dim != hidden // heads:
        meta["llama.attention.key_length"] = u32(head_dim)
        meta["llama.attention.value_length"] = u32(head_dim)
    scaling = config.get("rope_scaling") or {}
    kind = scaling.get("type") or scaling.get("rope_type")
    if kind == "linear":
        meta["llama.rope.scaling.type"] = "linear"
        meta["llama.rope.scaling.factor"] = f32(scaling["factor"])
    elif kind == "llama3" and scaling.get("original_max_position_embeddings"):
        meta["llama.rope.scaling.original_context_length"] = u32(scaling["original_max_position_embeddings"])
    return meta


def _llama3_rope_factors(config: dict[str, Any]) -> list[float]:
    """convert_hf_to_gguf.py's rope_freqs for Llama 3 scaling: one divisor per frequency."""
    scaling = config["rope_scaling"]
    return llama3_rope_divisors(
        base=float(config.get("rope_theta", 10000.0)),
        head_dim=int(config.get("head_dim") or config["hidden_size"] // config["num_attention_heads"]),
        factor=float(scaling.get("factor", 8.0)),
        low=float(scaling.get("low_freq_factor", 1.0)),
        high=float(scaling.get("high_freq_factor", 4.0)),
        original=float(scaling.get("original_max_position_embeddings", 8192)),
    )


# --------------------------------------------------------------------------------------
# Tensors
# --------------------------------------------------------------------------------------


def _gguf_name(name: str, name_map: Any) -> str | None:
    """llama.cpp's name of an mlx-lm tensor, from gguf's own TensorNameMap (None when it has none)."""
    module, _, suffix = name.rpartition(".")
    if suffix not in ("weight", "bias"):
        return None
    base = name_map.get_name(module)
    return f"{base}.{suffix}" if base else None


def _permute(w, n_head: int):
    """convert_hf_to_gguf.py's LlamaModel.permute: Hugging Face RoPE halves -> ggml interleaved pairs."""
    return w.reshape(n_head, 2, w.shape[0] // n_head // 2, *w.shape[1:]).swapaxes(1, 2).reshape(w.shape)


def _load_weights(folder: Path) -> dict[str, Any]:
    import mlx.core as mx

    files = sorted(folder.glob("model*.safetensors"))
    if not files:
        raise GgufExportError(f"{folder} has no weights (no model*.safetensors)")
    weights: dict[str, Any] = {}
    for f in files:
        weights.update(mx.load(str(f)))
    return weights


def _dequantized(weights: dict[str, Any], config: dict[str, Any]) -> dict[str, Any]:
    """Full-precision matrices for every quantized (weight, scales, biases) triplet."""
    import mlx.core as mx

    quant = config.get("quantization") or config.get("quantization_config") or {}
    out = {}
    for name, w in weights.items():
        if name.endswith((".scales", ".biases")) and name.rpartition(".")[0] + ".weight" in weights:
            continue
        module = name.rpartition(".")[0]
        if name.endswith(".weight") and f"{module}.scales" in weights:
            params = quant.get(module) if isinstance(quant.get(module), dict) else quant
            scales = weights[f"{module}.scales"]
            biases = weights.get(f"{module}.biases")
            w = mx.dequantize(w, scales.astype(mx.float32), None if biases is None else biases.astype(mx.float32),
                              group_size=int(params.get("group_size", 64)), bits=int(params.get("bits", 4)),
                              mode=params.get("mode", "affine"))
        out[name] = w
    return out


def _gguf_tensors(folder: Path, config: dict[str, Any], out_type: str, report: Progress) -> dict[str, Any]:
    import gguf
    import mlx.core as mx
    import numpy as np

    weights = _dequantized(_load_weights(folder), config)
    name_map = gguf.get_tensor_name_map(gguf.MODEL_ARCH.LLAMA, int(config["num_hidden_layers"]))
    heads = int(config["num_attention_heads"])
    kv_heads = int(config.get("num_key_value_heads") or heads)
    # mlx-lm's rope_traditional means the weights already pair rotary dimensions the ggml way.
    permute = not config.get("rope_traditional", False)
    target = mx.float16 if out_type == "f16" else mx.float32
    tensors: dict[str, Any] = {}
    for number, (name, w) in enumerate(sorted(weights.items()), 1):
        gguf_name = _gguf_name(name, name_map)
        if gguf_name is None:
            raise GgufExportError(f"{folder}: unexpected tensor {name!r} for a llama model")
        if permute and ".self_attn.q_proj." in name:
            w = _permute(w, heads)
        elif permute and ".self_attn.k_proj." in name:
            w = _permute(w, kv_heads)
        w = w.astype(mx.float32 if w.ndim == 1 else target)  # llama.cpp keeps norms and biases in F32
        if target == mx.float16 and w.ndim > 1:
            if mx.any(mx.isinf(w)).item():
                raise GgufExportError(f"{folder}: {name} has values beyond float16's range; export as f32")
        tensors[gguf_name] = np.array(w)
        report(f"Converting tensor {number} of {len(weights)}", 0.05 + 0.6 * number / len(weights))
    if config.get("tie_word_embeddings", True):
        tensors.pop("output.weight", None)  # mlx-lm ignores a tied model's lm_head too; llama.cpp reuses token_embd
    elif "output.weight" not in tensors:
        raise GgufExportError(f"{folder}: the config says the output layer is not tied, but lm_head.weight is missing")
    scaling = config.get("rope_scaling") or {}
    if (scaling.get("type") or scaling.get("rope_type")) == "llama3":
        tensors["rope_freqs.weight"] = np.array(_llama3_rope_factors(config), dtype=np.float32)
    return tensors


# --------------------------------------------------------------------------------------
# Export
# --------------------------------------------------------------------------------------


def default_gguf_path(model_dir: str | os.PathLike, out_type: str = "f16") -> Path:
    folder = Path(model_dir)
    return folder / f"{folder.name}-{out_type}.gguf"


def export_gguf(model_dir: str | os.PathLike, gguf_path: str | os.PathLike | None = None,
                out_type: str = "f16", progress: Progress | None = None) -> Path:
    """Write the llama model folder ``model_dir`` as a GGUF file; return its path.

    ``out_type`` is ``f16`` or ``f32`` (matrices; norms and biases are always F32).
    ``gguf_path`` defaults to ``<model_dir>/<name>-<type>.gguf``; an existing file is
    refused. The file is written under a temporary name, read back and checked, then
    renamed. Raises GgufExportError with a readable message.
    """
    report = progress or (lambda text, fraction: None)
    folder = Path(model_dir).expanduser()
    if out_type not in OUT_TYPES:
        raise GgufExportError(f"unknown GGUF type {out_type!r}: choose {' or '.join(OUT_TYPES)}")
    problem = export_problem(folder)
    if problem:
        raise GgufExportError(problem)
    target = Path(gguf_path).expanduser() if gguf_path else default_gguf_path(folder, out_type)
    if target.exists():
        raise GgufExportError(f"{target} already exists: choose another file name (nothing was overwritten)")
    config = read_json(folder / "config.json")

    report(f"Reading {folder.name}", 0.0)
    tensors = _gguf_tensors(folder, config, out_type, report)
    n_vocab = int(tensors["token_embd.weight"].shape[0])
    eos = config.get("eos_token_id")
    eos_ids = [int(e) for e in (eos if isinstance(eos, list) else [eos] if eos is not None else [])]
    report("Writing the tokenizer and metadata", 0.7)
    meta, tokenizer = tokenizer_metadata(folder, n_vocab, eos_ids)
    meta.update(_model_metadata(config, out_type, folder.name, n_vocab))

    target.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp_name = tempfile.mkstemp(prefix=f".{target.stem}.", suffix=".partial.gguf", dir=target.parent)
    os.close(fd)
    tmp = Path(tmp_name)
    try:
        report(f"Writing {target.name}", 0.75)
        _write_gguf(tmp, tensors, meta)
        del tensors
        report("Checking the GGUF file", 0.9)
        check_tokenizer(tmp, folder, tokenizer)
        if target.exists():
            raise GgufExportError(f"{target} appeared while exporting; nothing was overwritten")
        os.replace(tmp, target)
    finally:
        if tmp.exists():
            tmp.unlink()
    report(f"GGUF written to {target}", 1.0)
    return target


def _write_gguf(path: Path, tensors: dict[str, Any], meta: dict[str, Any]) -> None:
    """Write the file with llama.cpp's own writer: metadata in its types, then the tensors (numpy)."""
    import gguf

    types = gguf.GGUFValueType
    writer = gguf.GGUFWriter(str(path), meta["general.architecture"])
    try:
        for key, value in meta.items():
            if key == "general.architecture":
                continue  # the writer wrote it
            if isinstance(value, Typed):
                writer.add_key_value(key, value.value, types[value.type],
                                     sub_type=types[value.sub_type] if value.sub_type else None)
            elif isinstance(value, str):
                writer.add_key_value(key, value, types.STRING)
            else:  # a list of strings: tokens, merges
                writer.add_key_value(key, list(value), types.ARRAY, sub_type=types.STRING)
        for name, array in tensors.items():
            writer.add_tensor(name, array)
        writer.write_header_to_file()
        writer.write_kv_data_to_file()
        writer.write_tensors_to_file()
    finally:
        writer.close()
