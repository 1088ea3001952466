"""What each GGUF architecture is in mlx-lm: its model class, its config.json, and how llama.cpp changed its weights.

``general.architecture`` -> an ``Arch``: mlx-lm's ``model_type`` (the model
class mlx-lm builds), whether llama.cpp's converter permuted the Q/K rows into
ggml's interleaved RoPE layout (``convert_hf_to_gguf.py``'s
``LlamaModel.permute``: llama and Mistral, which llama.cpp files as llama), and
the offset it added to RMSNorm weights (Gemma stores ``w + 1``). ``model_config``
builds the ``config.json`` mlx-lm reads from the file's hyperparameters; what
the file does not store is filled in as llama.cpp itself assumes it (Gemma's
attention scale, Gemma 3's sliding-window pattern and local RoPE base).

Tensor names are not listed here: the importer builds mlx-lm's model skeleton
from the config and asks gguf's own ``TensorNameMap`` (the table llama.cpp's
converters use) for each parameter's GGUF name.

Pure data and functions, any thread.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any, Callable

from lorastudio.core.base.said import Phrase

Get = Callable[..., Any]  # get("block_count", default) -> the file's "<arch>.block_count"


@dataclass(frozen=True)
class Arch:
    gguf: str  # general.architecture
    model_type: str  # mlx-lm's model_type (its model class)
    permute_qk: bool = False  # Q/K rows permuted by llama.cpp (undone on import, redone on export)
    norm_shift: float = 0.0  # llama.cpp stored every RMSNorm weight plus this
    half_dtype: str = "float16"  # the 16-bit type the model was released in (scales of a re-quantization)


ARCHES = {
    "llama": Arch("llama", "llama", permute_qk=True),  # Llama 2/3, SmolLM2, Mistral 7B
    "qwen2": Arch("qwen2", "qwen2", half_dtype="bfloat16"),  # Qwen2/2.5, DeepSeek-R1-Distill-Qwen
    "qwen3": Arch("qwen3", "qwen3", half_dtype="bfloat16"),
    "gemma2": Arch("gemma2", "gemma2", norm_shift=1.0, half_dtype="bfloat16"),
    "gemma3": Arch("gemma3", "gemma3_text", norm_shift=1.0, half_dtype="bfloat16"),
    "phi3": Arch("phi3", "phi3", half_dtype="bfloat16"),  # Phi-3, Phi-3.5, Phi-4-mini
}
SUPPORTED_ARCHITECTURES = tuple(ARCHES)
REQUIRED_KEYS = ("block_count", "embedding_length", "attention.head_count", "feed_forward_length")
# Tensors that are not weights of a module: read for the config, or precomputed tables mlx-lm recomputes.
ROPE_TENSORS = ("rope_freqs.weight", "rope_factors_long.weight", "rope_factors_short.weight")


def short_float(value: Any) -> float:
    """A float32 metadata value as the short decimal it was written from (9.9999997e-06 -> 1e-05)."""
    return float(f"{float(value):.7g}")


def arch_problem(name: str | None, get: Get) -> Phrase | None:
    """Why a file of this architecture cannot be imported (a phrase of ``messages``), or None."""
    if name is None:
        return Phrase("gguf.no_arch")
    if name not in ARCHES:
        return Phrase("gguf.arch", arch=name, supported=", ".join(SUPPORTED_ARCHITECTURES))
    if (get("expert_count") or 0) > 0:
        return Phrase("gguf.moe", count=get("expert_count"))
    for key in REQUIRED_KEYS:
        if get(key) is None:
            return Phrase("gguf.lacks_key", key=f"{name}.{key}")
    for key in (*REQUIRED_KEYS, "attention.head_count_kv"):
        if isinstance(get(key), (list, tuple)):
            return Phrase("gguf.per_layer", key=f"{name}.{key}")
    heads, kv_heads = int(get("attention.head_count")), int(get("attention.head_count_kv") or get("attention.head_count"))
    if heads <= 0 or kv_heads <= 0 or heads % kv_heads:
        return Phrase("gguf.heads", heads=heads, kv_heads=kv_heads)
    scaling = get("rope.scaling.type")
    if scaling not in (None, "none", "linear") and not (name == "phi3" and scaling in ("su", "longrope")):
        return Phrase("gguf.rope_scaling", scaling=scaling)
    head_dim = _head_dim(get)
    rope_dims = get("rope.dimension_count")
    if name != "phi3" and rope_dims is not None and int(rope_dims) != head_dim:
        return Phrase("gguf.partial_rope", dims=rope_dims, head_dim=head_dim)
    return None


def _head_dim(get: Get) -> int:
    return int(get("attention.key_length") or int(get("embedding_length")) // int(get("attention.head_count")))


def model_config(name: str, get: Get, vocab_size: int, tied: bool, tensor_names: set[str]) -> dict[str, Any]:
    """mlx-lm's config.json for a file of architecture ``name`` (checked by ``arch_problem``)."""
    arch = ARCHES[name]
    hidden, heads = int(get("embedding_length")), int(get("attention.head_count"))
    config: dict[str, Any] = {
        "model_type": arch.model_type,
        "hidden_size": hidden,
        "intermediate_size": int(get("feed_forward_length")),
        "num_hidden_layers": int(get("block_count")),
        "num_attention_heads": heads,
        "num_key_value_heads": int(get("attention.head_count_kv") or heads),
        "head_dim": _head_dim(get),
        "vocab_size": int(vocab_size),
        "rms_norm_eps": short_float(get("attention.layer_norm_rms_epsilon", 1e-6)),
        "rope_theta": short_float(get("rope.freq_base", 10000.0)),
        "max_position_embeddings": int(get("context_length", 2048)),
        "tie_word_embeddings": tied,
    }
    if get("rope.scaling.type") == "linear":
        config["rope_scaling"] = {"type": "linear", "factor": short_float(get("rope.scaling.factor", 1.0))}
    _EXTRA[name](config, get, tensor_names)
    return config


def _llama(config: dict[str, Any], get: Get, names: set[str]) -> None:
    config["architectures"] = ["LlamaForCausalLM"]
    # Q/K rows are un-permuted back to Hugging Face's layout, so mlx-lm's default RoPE is right.
    config["rope_traditional"] = False
    config["attention_bias"] = "blk.0.attn_q.bias" in names
    config["mlp_bias"] = "blk.0.ffn_up.bias" in names
    if config["head_dim"] == config["hidden_size"] // config["num_attention_heads"]:
        del config["head_dim"]  # as Hugging Face's llama configs have it


def _qwen2(config: dict[str, Any], get: Get, names: set[str]) -> None:
    config["architectures"] = ["Qwen2ForCausalLM"]
    del config["head_dim"]  # mlx-lm's qwen2 takes hidden_size / heads


def _qwen3(config: dict[str, Any], get: Get, names: set[str]) -> None:
    config["architectures"] = ["Qwen3ForCausalLM"]


def _gemma_attention_scale(config: dict[str, Any]) -> int:
    # llama.cpp (llama-model.cpp): the 27B models scale queries by hidden/heads, the others by head_dim.
    if config["num_hidden_layers"] in (46, 62):  # Gemma 2 27B, Gemma 3 27B
        return config["hidden_size"] // config["num_attention_heads"]
    return config["head_dim"]  # an int: transformers' config class checks the type


def _gemma2(config: dict[str, Any], get: Get, names: set[str]) -> None:
    config["architectures"] = ["Gemma2ForCausalLM"]
    config["attn_logit_softcapping"] = short_float(get("attn_logit_softcapping", 50.0))
    config["final_logit_softcapping"] = short_float(get("final_logit_softcapping", 30.0))
    config["query_pre_attn_scalar"] = _gemma_attention_scale(config)
    config["sliding_window"] = int(get("attention.sliding_window", 4096))
    config["tie_word_embeddings"] = True


def _gemma3(config: dict[str, Any], get: Get, names: set[str]) -> None:
    config["architectures"] = ["Gemma3ForCausalLM"]
    config["query_pre_attn_scalar"] = _gemma_attention_scale(config)
    config["sliding_window"] = int(get("attention.sliding_window", 512))
    config["sliding_window_pattern"] = 6  # llama.cpp hard-codes it for gemma3 (five local layers, one global)
    config["rope_local_base_freq"] = 10000.0  # likewise the local layers' RoPE base
    if "rope_scaling" in config:
        config["rope_scaling"] = {"rope_type": "linear", "factor": config["rope_scaling"]["factor"]}


def _phi3(config: dict[str, Any], get: Get, names: set[str]) -> None:
    config["architectures"] = ["Phi3ForCausalLM"]
    head_dim = config.pop("head_dim")
    rope_dims = get("rope.dimension_count")
    if rope_dims is not None and int(rope_dims) != head_dim:
        config["partial_rotary_factor"] = int(rope_dims) / head_dim
    config["original_max_position_embeddings"] = int(
        get("rope.scaling.original_context_length") or config["max_position_embeddings"])
    config.pop("rope_scaling", None)  # Phi-3's long RoPE comes from the rope_factors tensors


_EXTRA = {"llama": _llama, "qwen2": _qwen2, "qwen3": _qwen3, "gemma2": _gemma2, "gemma3": _gemma3, "phi3": _phi3}


def gguf_arch_enum(name: str) -> Any:
    """gguf's ``MODEL_ARCH`` member of a general.architecture name (for ``gguf.get_tensor_name_map``)."""
    import gguf

    return next(a for a, n in gguf.MODEL_ARCH_NAMES.items() if n == name)


def llama3_rope_divisors(base: float, head_dim: int, factor: float, low: float, high: float,
                         original: float) -> list[float]:
    """Llama 3 RoPE scaling as one divisor per frequency: convert_hf_to_gguf.py's ``rope_freqs``.

    The export writes them; the import recomputes them to check a file's factors.
    """
    divisors = []
    for i in range(0, head_dim, 2):
        wavelen = 2 * math.pi * base ** (i / head_dim)
        if wavelen < original / high:
            divisors.append(1.0)
        elif wavelen > original / low:
            divisors.append(factor)
        else:
            smooth = (original / wavelen - low) / (high - low)
            divisors.append(1 / ((1 - smooth) / factor + smooth))
    return divisors
