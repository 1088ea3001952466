"""Import a GGUF file (llama, qwen2, qwen3, gemma2, gemma3, phi3) into an mlx-lm model folder.

A GGUF file holds llama.cpp's weights, hyperparameters and tokenizer in one
file. ``import_gguf`` turns it into a normal mlx-lm folder (``config.json``,
``model*.safetensors``, ``tokenizer.json``, ``tokenizer_config.json``) that
``mlx_lm.load`` reads as-is. The file is read with llama.cpp's own Python
package ``gguf`` (``GGUFReader``: metadata and memory-mapped tensors) and every
tensor type it knows (F32, F16, BF16, Q4_0 ... Q8_0, the K-quants, the
I-quants) is dequantized with its own routines (``gguf.quants.dequantize``).
What is ours is only what the package has nothing for:

- the mapping to mlx-lm: the architecture's config (``gguf_arch``), each
  tensor's name from gguf's ``TensorNameMap`` applied to mlx-lm's own model
  skeleton (which also checks every name and shape before anything is
  written), the Q/K rows un-permuted from ggml's interleaved RoPE layout back to
  Hugging Face's (llama), Gemma's ``w + 1`` norms shifted back;
- the precision (``dtype``): ``None`` keeps the file's quantization where MLX
  holds it exactly (Q4_0, Q4_1 and Q8_0 become MLX affine triplets with group
  size 32, repacked bit for bit; F16, BF16 and F32 stay) and re-quantizes other
  quantized types with MLX (``mx.quantize``, group 64: 4-bit for types of up
  to 4.5 bits a weight, else 8-bit); ``"4bit"`` / ``"8bit"`` re-quantize every
  matrix with MLX (group 64, as ``mlx_lm.convert -q``); ``"float16"``,
  ``"bfloat16"``, ``"float32"`` dequantize everything. ``config.json`` carries
  mlx-lm's ``quantization`` entry, so mlx-lm and the memory estimate know it;
- the tokenizer (``gguf_tokenizer``, on transformers' GGUF converter).

Failure leaves nothing: the folder is written under a temporary name beside
``out_dir`` and renamed at the end; an error or a cancel (``progress`` raising)
removes it. ``gguf_summary`` reads only the header (no MLX) for previews.

Threads: everything runs on the calling thread. MLX arrays are built,
evaluated and saved there (MLX streams are thread-local); gguf, MLX, mlx-lm,
transformers and tokenizers are imported lazily inside the functions.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import tempfile
from collections import Counter
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any, Callable

from lorastudio.core.base.said import Phrase, Said
from lorastudio.core.models import messages
from lorastudio.core.models.gguf_arch import (
    ARCHES,
    ROPE_TENSORS,
    SUPPORTED_ARCHITECTURES,
    arch_problem,
    gguf_arch_enum,
    llama3_rope_divisors,
    model_config,
    short_float,
)
from lorastudio.core.models.gguf_tokenizer import TokenizerProblem, build_tokenizer, tokenizer_problem

Progress = Callable[[str, float], None]

DTYPES = ("float32", "float16", "bfloat16")
QUANTIZE = ("4bit", "8bit")
PRECISIONS = (None, *QUANTIZE, *DTYPES)  # None: as in the file
EXACT_TYPES = {"Q4_0": 4, "Q4_1": 4, "Q8_0": 8}  # MLX affine holds these blocks exactly (group 32)
GROUP_SIZE = 64  # MLX's re-quantization, as mlx_lm.convert
_FLOAT_TYPES = {"F32": "float32", "F16": "float16", "BF16": "bfloat16"}
_SKIPPED_RE = re.compile(r"blk\.\d+\.attn_rot_embd\.weight")  # precomputed RoPE tables some old files carry
_SHARD_BYTES = 2 << 30  # keep each safetensors file (and what is held in memory) under 2 GiB

__all__ = ["GgufError", "import_gguf", "gguf_summary", "read_gguf", "SUPPORTED_ARCHITECTURES", "PRECISIONS"]


class GgufError(Said, ValueError):
    """A GGUF file that cannot be read or imported; the message names the file and the problem (English and
    Chinese: ``messages``)."""

    table = messages.TABLE


# --------------------------------------------------------------------------------------
# Reading (gguf.GGUFReader)
# --------------------------------------------------------------------------------------


@dataclass(frozen=True)
class TensorInfo:
    name: str
    shape: tuple[int, ...]  # row-major (numpy/MLX) order: GGUF lists it innermost first
    type_name: str
    nbytes: int
    tensor: Any = field(repr=False, compare=False)  # gguf's ReaderTensor (memory-mapped data)


@dataclass
class GgufFile:
    path: Path
    version: int
    file_size: int
    metadata: dict[str, Any]
    tensors: list[TensorInfo]

    def get(self, key: str, default: Any = None) -> Any:
        value = self.metadata.get(key)
        return default if value is None else value

    def arch(self, key: str, default: Any = None) -> Any:
        """An architecture-scoped key, e.g. ``arch("block_count")`` -> ``llama.block_count``."""
        return self.get(f"{self.get('general.architecture', '')}.{key}", default)


def read_gguf(path: str | os.PathLike) -> GgufFile:
    """Read a GGUF file's metadata and tensor table with ``gguf.GGUFReader`` (tensor data stays mapped)."""
    path = Path(path)
    if not path.is_file():
        raise GgufError.say("gguf.no_file", path=path)
    with open(path, "rb") as f:
        head = f.read(4)
    if head != b"GGUF":
        raise GgufError.say("gguf.not_gguf", path=path)
    import gguf

    try:
        reader = gguf.GGUFReader(str(path))
        metadata = {key: value.contents() for key, value in reader.fields.items() if not key.startswith("GGUF.")}
        version = int(reader.fields["GGUF.version"].contents())
        tensors = [TensorInfo(t.name, tuple(int(d) for d in reversed(t.shape.tolist())), t.tensor_type.name,
                              int(t.n_bytes), t) for t in reader.tensors]
    except (ValueError, IndexError, KeyError, OverflowError, UnicodeDecodeError, TypeError, MemoryError) as e:
        # gguf's reader fails on a short file or nonsense counts with numpy's words; say what it means.
        raise GgufError.say("gguf.corrupt", path=path, error=f"{type(e).__name__}: {e}") from None
    size = path.stat().st_size
    for t in reader.tensors:
        if int(t.data_offset) + int(t.n_bytes) > size or t.data.size * t.data.itemsize < int(t.n_bytes):
            raise GgufError.say("gguf.past_end", path=path, tensor=t.name)
    return GgufFile(path, version, size, metadata, tensors)


@lru_cache(maxsize=None)
def readable_types() -> frozenset[str]:
    """The tensor types gguf's own routines can turn into numbers (every float, K- and I-quant it has)."""
    import numpy as np
    from gguf import GGML_QUANT_SIZES, GGMLQuantizationType, quants

    names = set()
    for qtype in GGMLQuantizationType:
        block, size = GGML_QUANT_SIZES[qtype]
        try:
            quants.dequantize(np.zeros((1, 256 // block * size), np.uint8), qtype)
        except (NotImplementedError, ValueError):
            continue
        names.add(qtype.name)
    return frozenset(names)


def source_quantization(gf: GgufFile) -> str:
    """The file's quantization as llama.cpp names it (general.file_type: "Q4_K_M", "F16"), else its main type."""
    from gguf import LlamaFileType

    file_type = gf.get("general.file_type")
    try:
        return LlamaFileType(int(file_type)).name.removeprefix("MOSTLY_").removeprefix("ALL_")
    except (TypeError, ValueError):
        types = Counter(t.type_name for t in gf.tensors if len(t.shape) == 2)
        return types.most_common(1)[0][0] if types else "unknown"


# --------------------------------------------------------------------------------------
# What can be imported
# --------------------------------------------------------------------------------------


def _problem(gf: GgufFile) -> GgufError | None:
    """Why this file cannot be imported (an error naming the file), or None. Header only, no MLX."""
    try:
        problem = _find_problem(gf)
    except (TypeError, ValueError, KeyError) as e:  # e.g. a text where a number belongs
        problem = Phrase("gguf.metadata_corrupt", error=repr(e))
    return GgufError.say("gguf.problem", path=gf.path, problem=problem) if problem else None


def _find_problem(gf: GgufFile) -> Phrase | None:
    problem = arch_problem(gf.get("general.architecture"), gf.arch)
    if problem:
        return problem
    bad = Counter(t.type_name for t in gf.tensors if t.type_name not in readable_types())
    if bad:
        kinds = ", ".join(f"{k} ({n} tensors)" for k, n in sorted(bad.items()))
        return Phrase("gguf.types", kinds=kinds, readable=", ".join(sorted(readable_types())))
    if not any(t.name == "token_embd.weight" for t in gf.tensors):
        return Phrase("gguf.no_embedding")
    return tokenizer_problem(gf.metadata)


def gguf_summary(path: str | os.PathLike, lang: str = "en") -> dict[str, Any]:
    """Describe a GGUF file from its header alone (no tensor data is read, MLX is not imported).

    Keys: path, file_size, gguf_version, architecture, name, layers, hidden_size,
    intermediate_size, heads, kv_heads, head_dim, vocab_size, context_length,
    rope_theta, parameters, tensors, tensor_types ({"Q4_1": 181, ...}),
    quantization (llama.cpp's name of the file's, e.g. "Q4_K_M"), exact (whether
    MLX can keep every tensor as it is), tied_embeddings, tokenizer,
    pre_tokenizer, has_chat_template, importable and problem (why ``import_gguf``
    would refuse it, in ``lang``, or None). Raises GgufError only when the file
    cannot be read as a GGUF at all.
    """
    gf = read_gguf(path)
    heads = gf.arch("attention.head_count")
    hidden = gf.arch("embedding_length")
    embd = next((t for t in gf.tensors if t.name == "token_embd.weight"), None)
    problem = _problem(gf)
    exact = all(t.type_name in EXACT_TYPES or t.type_name in _FLOAT_TYPES for t in gf.tensors)
    numeric = all(isinstance(v, (int, float)) for v in (hidden, heads))
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
        "head_dim": gf.arch("attention.key_length") or (hidden // heads if numeric and hidden and heads else None),
        "vocab_size": gf.arch("vocab_size") or (embd.shape[0] if embd else len(gf.get("tokenizer.ggml.tokens", []))),
        "context_length": gf.arch("context_length"),
        "rope_theta": gf.arch("rope.freq_base"),
        "parameters": sum(_count(t.shape) for t in gf.tensors),
        "tensors": len(gf.tensors),
        "tensor_types": dict(sorted(Counter(t.type_name for t in gf.tensors).items())),
        "quantization": source_quantization(gf),
        "exact": exact,
        "tied_embeddings": not any(t.name == "output.weight" for t in gf.tensors),
        "tokenizer": gf.get("tokenizer.ggml.model"),
        "pre_tokenizer": gf.get("tokenizer.ggml.pre"),
        "has_chat_template": bool(gf.get("tokenizer.chat_template")),
        "importable": problem is None,
        "problem": problem.text(lang) if problem else None,
    }


def _count(shape: tuple[int, ...]) -> int:
    n = 1
    for d in shape:
        n *= d
    return n


# --------------------------------------------------------------------------------------
# The plan: config, tokenizer, names, checked against mlx-lm's model before writing
# --------------------------------------------------------------------------------------


@dataclass
class _Plan:
    gf: GgufFile
    config: dict[str, Any]
    names: dict[str, str]  # GGUF tensor name -> mlx-lm parameter name
    tokenizer: Any
    tokenizer_config: dict[str, Any]


def _plan(gf: GgufFile) -> _Plan:
    """Everything decided from the header; a GgufError (naming the file) when anything does not fit."""
    problem = _problem(gf)
    if problem:
        raise problem
    shapes = {t.name: t.shape for t in gf.tensors}
    arch = gf.get("general.architecture")
    config = model_config(arch, gf.arch, shapes["token_embd.weight"][0], "output.weight" not in shapes, set(shapes))
    try:
        tokenizer, tokenizer_config = build_tokenizer(gf.metadata, arch, config["max_position_embeddings"])
    except TokenizerProblem as e:
        raise GgufError.say("gguf.problem", path=gf.path, problem=e.phrase) from None
    names = _tensor_names(gf, config, shapes)
    return _Plan(gf, config, names, tokenizer, tokenizer_config)


def _says(gf: GgufFile, key: str, **values: Any) -> GgufError:
    """A problem of the file, as ``gguf.problem``: "<file>: <the problem>"."""
    return GgufError.say("gguf.problem", path=gf.path, problem=Phrase(key, **values))


def _skeleton(gf: GgufFile, config: dict[str, Any]) -> dict[str, tuple[int, ...]]:
    """mlx-lm's parameters of this config (name -> shape), from its model class (lazy, nothing computed)."""
    from mlx.utils import tree_flatten
    from mlx_lm.utils import _get_classes

    try:
        model_class, args_class = _get_classes(config)
        model = model_class(args_class.from_dict(config))
    except (ValueError, TypeError, KeyError, AssertionError) as e:
        raise _says(gf, "gguf.mlx_cannot_build", error=f"{type(e).__name__}: {e}") from None
    return {name: tuple(value.shape) for name, value in tree_flatten(model.parameters())}


def _tensor_names(gf: GgufFile, config: dict[str, Any], shapes: dict[str, tuple[int, ...]]) -> dict[str, str]:
    """GGUF name -> mlx-lm name for every tensor; the file must hold exactly mlx-lm's parameters, in their shapes."""
    import gguf

    arch = gf.get("general.architecture")
    name_map = gguf.get_tensor_name_map(gguf_arch_enum(arch), int(config["num_hidden_layers"]))
    names: dict[str, str] = {}
    for mlx_name, shape in _skeleton(gf, config).items():
        module, _, suffix = mlx_name.rpartition(".")
        base = name_map.get_name(module)
        if base is None:
            raise _says(gf, "gguf.no_name", name=mlx_name, arch=arch)
        gguf_name = f"{base}.{suffix}"
        if gguf_name not in shapes:
            if mlx_name == "lm_head.weight" and config.get("tie_word_embeddings"):
                continue  # tied: mlx-lm drops it too
            raise _says(gf, "gguf.lacks_tensor", tensor=gguf_name, arch=arch)
        if shapes[gguf_name] != shape:
            raise _says(gf, "gguf.shape", tensor=gguf_name, shape=list(shapes[gguf_name]), expected=list(shape))
        names[gguf_name] = mlx_name
    for name in shapes:
        if name not in names and name not in ROPE_TENSORS and not _SKIPPED_RE.fullmatch(name):
            raise _says(gf, "gguf.unexpected_tensor", tensor=name, arch=arch)
    return names


# --------------------------------------------------------------------------------------
# Import
# --------------------------------------------------------------------------------------


def _check_out_dir(gguf_path: Path, out_dir: Path) -> None:
    if out_dir.exists() and (not out_dir.is_dir() or any(out_dir.iterdir())):
        raise GgufError.say("gguf.out_not_empty", path=gguf_path, out=out_dir)


def import_gguf(gguf_path: str | os.PathLike, out_dir: str | os.PathLike, dtype: str | None = None,
                progress: Progress | None = None) -> Path:
    """Convert a GGUF file into an mlx-lm model folder at ``out_dir``; return ``out_dir``.

    ``dtype`` is the precision, one of ``PRECISIONS`` (see the module's docstring):
    None keeps the file's quantization as far as MLX can, "4bit" / "8bit"
    re-quantize with MLX (group 64), "float16" / "bfloat16" / "float32" dequantize.
    ``progress(stage, fraction)`` is called once per tensor on this thread; if it
    raises, the import stops and nothing is left behind. The folder is written
    beside ``out_dir`` under a temporary name and renamed at the end, so ``out_dir``
    is either absent or complete.
    """
    gguf_path, out_dir = Path(gguf_path), Path(out_dir)
    report = progress or (lambda stage, fraction: None)
    if dtype not in PRECISIONS:
        raise GgufError.say("gguf.bad_precision", path=gguf_path, precision=dtype,
                            choices=", ".join(p for p in PRECISIONS if p))
    _check_out_dir(gguf_path, out_dir)

    report(f"Reading {gguf_path.name}", 0.0)
    plan = _plan(read_gguf(gguf_path))  # every check before anything is written

    out_dir.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=f".{out_dir.name}.partial-", dir=out_dir.parent))
    try:
        os.chmod(tmp, 0o755)  # mkdtemp makes it private; the model folder is an ordinary one
        quantization, extra_config = _write_weights(plan, tmp, dtype, report)
        report("Writing tokenizer and config", 0.97)
        plan.tokenizer.save(str(tmp / "tokenizer.json"))
        _write_json(tmp / "tokenizer_config.json", plan.tokenizer_config)
        _write_json(tmp / "config.json", _final_config(plan, dtype, quantization, extra_config))
        _check_out_dir(gguf_path, out_dir)  # something may have appeared there meanwhile
        os.replace(tmp, out_dir)  # replaces an empty folder too (POSIX rename)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    report("Done", 1.0)
    return out_dir


def _write_json(path: Path, obj: Any) -> None:
    path.write_text(json.dumps(obj, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")


def _final_config(plan: _Plan, dtype: str | None, quantization: dict[str, Any] | None,
                  extra: dict[str, Any]) -> dict[str, Any]:
    gf, config = plan.gf, dict(plan.config)
    config.update(extra)
    tokens = gf.get("tokenizer.ggml.tokens") or []
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
    config["torch_dtype"] = _compute_dtype(plan, dtype)
    config["gguf_import"] = {
        "source": gf.path.name,
        "name": gf.get("general.name"),
        "source_quantization": source_quantization(gf),
        "tensor_types": dict(sorted(Counter(t.type_name for t in gf.tensors).items())),
        "precision": dtype or "as in the file",
    }
    return config


def _compute_dtype(plan: _Plan, dtype: str | None) -> str:
    """config.json's torch_dtype: the chosen float type, the re-quantization's, or that of the file's matrices."""
    if dtype in DTYPES:
        return dtype
    if dtype in QUANTIZE:
        return ARCHES[plan.gf.get("general.architecture")].half_dtype
    if any(t.type_name not in _FLOAT_TYPES for t in plan.gf.tensors):
        return "float16"  # the scales of the kept and re-quantized blocks
    matrices = Counter(t.type_name for t in plan.gf.tensors if len(t.shape) == 2)
    return _FLOAT_TYPES.get(matrices.most_common(1)[0][0] if matrices else "F32", "float32")


# --------------------------------------------------------------------------------------
# Tensors
# --------------------------------------------------------------------------------------


def _write_weights(plan: _Plan, folder: Path, dtype: str | None, report: Progress
                   ) -> tuple[dict[str, Any] | None, dict[str, Any]]:
    """Convert every tensor and write the safetensors shards; return (quantization, more config)."""
    import mlx.core as mx

    gf = plan.gf
    extra = _rope_config(plan)
    kept: dict[str, tuple[int, int]] = {}  # quantized module -> (group size, bits)
    total = sum(t.nbytes for t in gf.tensors) or 1
    done = 0
    shards = _ShardWriter(folder)
    for number, info in enumerate(gf.tensors, 1):
        done += info.nbytes
        if info.name in plan.names:
            out, quant = _convert(plan, info, dtype)
            if quant:
                kept[plan.names[info.name].rpartition(".")[0]] = quant
            mx.eval(out)
            shards.add(out)
        report(f"Tensor {number} of {len(gf.tensors)}: {info.name} ({info.type_name})", 0.02 + 0.94 * done / total)
    shards.flush()
    shards.rename()
    return _quantization(kept), extra


def _convert(plan: _Plan, info: TensorInfo, dtype: str | None) -> tuple[dict[str, Any], tuple[int, int] | None]:
    """One tensor's mlx-lm arrays, and (group size, bits) when they are quantized."""
    import mlx.core as mx

    arch = ARCHES[plan.gf.get("general.architecture")]
    name = plan.names[info.name]
    module, suffix = name.rpartition(".")[::2]
    rows = _unpermute_rows(plan, module, info.shape[0])
    if dtype is None and info.type_name in EXACT_TYPES:
        parts = _mlx_blocks(info)
        if rows is not None:  # group quantization runs along a row: packed rows, scales and biases move together
            parts = [p[rows] for p in parts]
        arrays = dict(zip(("weight", "scales", "biases"), (mx.array(p) for p in parts)))
        arrays["scales"], arrays["biases"] = arrays["scales"].view(mx.float16), arrays["biases"].view(mx.float16)
        return {f"{module}.{k}": v for k, v in arrays.items()}, (32, EXACT_TYPES[info.type_name])
    shifted = bool(arch.norm_shift) and name.endswith("norm.weight")
    w = _dequantized(info, keep_float=dtype is None and not shifted)
    if shifted:
        w = w - arch.norm_shift  # llama.cpp stored Gemma's norms as w + 1 (float32 here)
    if rows is not None:
        w = w[rows]
    target, bits = _target(info, dtype, arch.half_dtype, len(w.shape))
    a = mx.array(w)
    if a.dtype == mx.uint16:  # BF16 read as its raw bits
        a = a.view(mx.bfloat16)
    if bits and suffix == "weight" and w.shape[-1] % GROUP_SIZE == 0:
        q, scales, biases = mx.quantize(a.astype(getattr(mx, target)), group_size=GROUP_SIZE, bits=bits)
        return {f"{module}.weight": q, f"{module}.scales": scales, f"{module}.biases": biases}, (GROUP_SIZE, bits)
    return {name: a.astype(getattr(mx, target))}, None


def _target(info: TensorInfo, dtype: str | None, half: str, ndim: int) -> tuple[str, int | None]:
    """(float type, bits to re-quantize to or None) of one tensor for the chosen precision."""
    if dtype in DTYPES:
        return dtype, None
    if dtype in QUANTIZE:
        return half, (int(dtype[0]) if ndim == 2 else None)
    if info.type_name in _FLOAT_TYPES:
        return _FLOAT_TYPES[info.type_name], None  # as in the file
    # A quantized type MLX cannot hold as it is: MLX's own quantization of about the same size.
    from gguf import GGML_QUANT_SIZES, GGMLQuantizationType

    block, size = GGML_QUANT_SIZES[GGMLQuantizationType[info.type_name]]
    return "float16", ((4 if size * 8 / block <= 4.5 else 8) if ndim == 2 else None)


def _dequantized(info: TensorInfo, keep_float: bool) -> Any:
    """The tensor's values as numpy, via gguf's own dequantization (F16/BF16 kept as they are when asked)."""
    import numpy as np
    from gguf import GGMLQuantizationType, quants

    data = info.tensor.data
    if keep_float and info.type_name == "F16":
        return np.asarray(data, dtype=np.float16).reshape(info.shape)
    if keep_float and info.type_name == "BF16":
        return np.asarray(data).view(np.uint16).reshape(info.shape)
    if info.type_name == "F32":
        return np.asarray(data, dtype=np.float32).reshape(info.shape)
    return quants.dequantize(np.asarray(data), GGMLQuantizationType[info.type_name]).reshape(info.shape)


def _mlx_blocks(info: TensorInfo) -> list[Any]:
    """Q4_0 / Q4_1 / Q8_0 blocks repacked as MLX affine (packed uint32 weights, float16 scales and biases as uint16).

    Each block of 32 holds a float16 scale ``d`` (Q4_1 also a minimum ``m``) and its
    codes; ggml's value is ``d * q - 8 d`` (Q4_0), ``d * q + m`` (Q4_1) or
    ``d * q`` with signed q (Q8_0). MLX computes ``scale * q + bias`` with unsigned
    q packed little end first, so scale = d and bias = -8 d, m or -128 d (exact in
    float16: powers of two).
    """
    import numpy as np

    rows, cols = info.shape[0], _count(info.shape[1:])
    raw = np.asarray(info.tensor.data).view(np.uint8).reshape(rows, cols // 32, -1)
    d = raw[..., 0:2].copy().view(np.float16)[..., 0]
    if info.type_name == "Q8_0":
        codes = (raw[..., 2:].view(np.int8).astype(np.int16) + 128).astype(np.uint8)
        packed = codes.reshape(rows, -1).view(np.uint32)
        return [packed, d.view(np.uint16), (d * np.float16(-128)).view(np.uint16)]
    start = 4 if info.type_name == "Q4_1" else 2
    qs = raw[..., start:start + 16]
    codes = np.concatenate([qs & 0x0F, qs >> 4], axis=-1)  # element j in the low nibble, j + 16 in the high one
    packed = (codes[..., 0::2] | (codes[..., 1::2] << 4)).astype(np.uint8).reshape(rows, -1).view(np.uint32)
    bias = raw[..., 2:4].copy().view(np.float16)[..., 0] if info.type_name == "Q4_1" else d * np.float16(-8)
    return [packed, d.view(np.uint16), bias.view(np.uint16)]


def _unpermute_rows(plan: _Plan, module: str, rows: int) -> Any:
    """Row order that undoes llama.cpp's Q/K permutation, or None for other tensors and architectures.

    convert_hf_to_gguf.py reshapes the rows to (heads, 2, head_dim/2) and swaps the
    last two axes (Hugging Face's half-split RoPE pairs -> ggml's interleaved pairs).
    Reading the GGUF rows through the inverse gives Hugging Face's order back.
    """
    import numpy as np

    if not ARCHES[plan.gf.get("general.architecture")].permute_qk:
        return None
    if module.endswith("self_attn.q_proj"):
        heads = plan.config["num_attention_heads"]
    elif module.endswith("self_attn.k_proj"):
        heads = plan.config["num_key_value_heads"]
    else:
        return None
    half = rows // heads // 2
    return np.arange(rows).reshape(heads, half, 2).swapaxes(1, 2).reshape(-1)


def _quantization(kept: dict[str, tuple[int, int]]) -> dict[str, Any] | None:
    """config.json's quantization entry for the modules kept quantized (None when there are none)."""
    if not kept:
        return None
    # The most common (group, bits) is the default; every other quantized module gets an override
    # (the SmolLM2 "Q4_1" file keeps its token embedding in Q8_0).
    group, bits = Counter(kept.values()).most_common(1)[0][0]
    quantization: dict[str, Any] = {"group_size": group, "bits": bits, "mode": "affine"}
    for module, (g, b) in kept.items():
        if (g, b) != (group, bits):
            quantization[module] = {"group_size": g, "bits": b, "mode": "affine"}
    return quantization


# --------------------------------------------------------------------------------------
# RoPE tables -> config
# --------------------------------------------------------------------------------------


def _rope_config(plan: _Plan) -> dict[str, Any]:
    """config.json entries read from RoPE tensors: Llama 3.1's rope_freqs, Phi-3's long/short factors."""
    import numpy as np

    gf = plan.gf
    tensors = {t.name: t for t in gf.tensors}
    if "rope_freqs.weight" in tensors and gf.get("general.architecture") == "llama":
        freqs = np.asarray(tensors["rope_freqs.weight"].tensor.data, dtype=np.float32).tolist()
        head_dim = plan.config.get("head_dim") or plan.config["hidden_size"] // plan.config["num_attention_heads"]
        return {"rope_scaling": _llama3_rope_scaling(gf, freqs, head_dim, plan.config["rope_theta"])}
    if "rope_factors_long.weight" in tensors and gf.get("general.architecture") == "phi3":
        factors = {k: np.asarray(tensors[f"rope_factors_{k}.weight"].tensor.data, dtype=np.float32).tolist()
                   for k in ("long", "short") if f"rope_factors_{k}.weight" in tensors}
        return {"rope_scaling": {"type": "longrope", "long_factor": factors["long"],
                                 "short_factor": factors.get("short", factors["long"])}}
    return {}


def _llama3_rope_scaling(gf: GgufFile, freqs: list[float], head_dim: int, base: float) -> dict[str, Any]:
    """Recover Llama 3.1's rope_scaling from the ``rope_freqs`` factors llama.cpp stores.

    llama.cpp writes one divisor per frequency, computed from factor, low/high
    frequency factors and the original context length. The factor is the largest
    divisor; the others are Meta's defaults, checked by recomputing every divisor.
    """
    factor = short_float(max(freqs))
    original = int(gf.arch("rope.scaling.original_context_length") or 8192)
    low, high = 1.0, 4.0
    expected = llama3_rope_divisors(base, head_dim, factor, low, high, original)
    if len(expected) != len(freqs) or any(abs(a - b) > 1e-3 * max(1.0, abs(b)) for a, b in zip(freqs, expected)):
        raise GgufError.say("gguf.rope_freqs", path=gf.path)
    return {
        "rope_type": "llama3",
        "factor": factor,
        "low_freq_factor": low,
        "high_freq_factor": high,
        "original_max_position_embeddings": original,
    }


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
