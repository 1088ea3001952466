"""Tiny GGUF files written with gguf-py from the tiny random model, for the tests of GGUF import.

The Q and K rows are permuted exactly as llama.cpp's convert_hf_to_gguf.py does,
so that a right import gives back the original model's logits. A helper module
(not a test file) so tests of other packages (the command line, the Model page)
write the same files.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import gguf
from gguf import GGMLQuantizationType as Q

_LAYER = {
    "input_layernorm": "attn_norm",
    "post_attention_layernorm": "ffn_norm",
    "self_attn.q_proj": "attn_q",
    "self_attn.k_proj": "attn_k",
    "self_attn.v_proj": "attn_v",
    "self_attn.o_proj": "attn_output",
    "mlp.gate_proj": "ffn_gate",
    "mlp.up_proj": "ffn_up",
    "mlp.down_proj": "ffn_down",
}


# ---------------------------------------------------------------------------------------
# Writing GGUF files like llama.cpp does
# ---------------------------------------------------------------------------------------


def _gguf_name(name: str) -> str:
    if name == "model.embed_tokens.weight":
        return "token_embd.weight"
    if name == "model.norm.weight":
        return "output_norm.weight"
    if name == "lm_head.weight":
        return "output.weight"
    _, _, rest = name.partition("model.layers.")
    layer, _, rest = rest.partition(".")
    module, _, suffix = rest.rpartition(".")
    return f"blk.{layer}.{_LAYER[module]}.{suffix}"


def _permute(w: np.ndarray, n_head: int) -> np.ndarray:
    """convert_hf_to_gguf.py's LlamaModel.permute: Hugging Face RoPE halves -> ggml interleaved pairs."""
    return w.reshape(n_head, 2, w.shape[0] // n_head // 2, *w.shape[1:]).swapaxes(1, 2).reshape(w.shape)


def _tiny_weights(tiny_model: Path) -> dict[str, np.ndarray]:
    import mlx.core as mx

    return {k: np.array(v.astype(mx.float32)) for k, v in mx.load(str(tiny_model / "model.safetensors")).items()}


def _roundtrip(w: np.ndarray, qtype: Q) -> np.ndarray:
    """What a reader of the GGUF sees: the weights after quantization (numpy, float32)."""
    if qtype == Q.F32:
        return w
    if qtype == Q.F16:
        return w.astype(np.float16).astype(np.float32)
    return gguf.quants.dequantize(gguf.quants.quantize(w, qtype), qtype).astype(np.float32)


def _tensor_type(name: str, qtype: Q, embed_type: Q | None) -> Q:
    if name.endswith("norm.weight"):
        return Q.F32  # llama.cpp keeps norms in F32
    if name == "model.embed_tokens.weight" and embed_type is not None:
        return embed_type
    return qtype


def write_tiny_gguf(tiny_model: Path, path: Path, qtype: Q, embed_type: Q | None = None, untied: bool = False,
                    arch: str = "llama", tokenizer: bool = True, add_bos: bool = False,
                    extra: dict[str, np.ndarray] | None = None, rope_freqs: np.ndarray | None = None) -> Path:
    """Write the tiny model as a GGUF file the way llama.cpp's converter would.

    ``extra``: more Hugging Face-named tensors (e.g. attention biases); ``rope_freqs``:
    Llama 3.1 style RoPE factors, stored as llama.cpp does.
    """
    config = json.loads((tiny_model / "config.json").read_text())
    weights = _tiny_weights(tiny_model)
    weights.update(extra or {})
    if untied:
        weights["lm_head.weight"] = weights["model.embed_tokens.weight"].copy()

    w = gguf.GGUFWriter(str(path), arch)
    w.add_name("tiny-llama")
    _add_shape(w, config, config["hidden_size"] // config["num_attention_heads"])
    w.add_vocab_size(config["vocab_size"])
    w.add_file_type(int(qtype))
    if tokenizer:
        vocab, tok_config = _add_gpt2_tokenizer(w, tiny_model)
        w.add_bos_token_id(vocab[tok_config["bos_token"]])
        w.add_pad_token_id(vocab[tok_config["pad_token"]])
        w.add_unk_token_id(vocab[tok_config["unk_token"]])
        w.add_add_bos_token(add_bos)
    if rope_freqs is not None:
        w.add_tensor("rope_freqs.weight", rope_freqs.astype(np.float32))
    for name, a in weights.items():
        if name.endswith(("q_proj.weight", "q_proj.bias")):
            a = _permute(a, config["num_attention_heads"])
        elif name.endswith(("k_proj.weight", "k_proj.bias")):
            a = _permute(a, config["num_key_value_heads"])
        t = Q.F32 if a.ndim == 1 else _tensor_type(name, qtype, embed_type)
        if t == Q.F32:
            w.add_tensor(_gguf_name(name), a.astype(np.float32))
        elif t == Q.F16:
            w.add_tensor(_gguf_name(name), a.astype(np.float16))
        else:
            w.add_tensor(_gguf_name(name), gguf.quants.quantize(a, t), raw_dtype=t)
    _finish(w)
    return path


def _add_shape(w: gguf.GGUFWriter, config: dict, head_dim: int) -> None:
    """The hyperparameters every tiny file stores, as llama.cpp's converter names them."""
    w.add_context_length(config["max_position_embeddings"])
    w.add_embedding_length(config["hidden_size"])
    w.add_feed_forward_length(config["intermediate_size"])
    w.add_block_count(config["num_hidden_layers"])
    w.add_head_count(config["num_attention_heads"])
    w.add_head_count_kv(config["num_key_value_heads"])
    w.add_rope_dimension_count(head_dim)
    w.add_rope_freq_base(config["rope_theta"])
    w.add_layer_norm_rms_eps(config["rms_norm_eps"])


def _add_gpt2_tokenizer(w: gguf.GGUFWriter, tiny_model: Path) -> tuple[dict[str, int], dict]:
    """The tiny model's byte-level BPE tokenizer, its end token and chat template; returns its vocabulary
    and tokenizer_config.json."""
    tok = json.loads((tiny_model / "tokenizer.json").read_text())
    tok_config = json.loads((tiny_model / "tokenizer_config.json").read_text())
    vocab = tok["model"]["vocab"]
    tokens = [t for t, _ in sorted(vocab.items(), key=lambda kv: kv[1])]
    special = {a["content"] for a in tok["added_tokens"]}
    w.add_tokenizer_model("gpt2")
    w.add_tokenizer_pre("gpt2")
    w.add_token_list(tokens)
    w.add_token_types([3 if t in special else 1 for t in tokens])
    w.add_token_merges([m if isinstance(m, str) else " ".join(m) for m in tok["model"]["merges"]])
    w.add_eos_token_id(vocab[tok_config["eos_token"]])
    w.add_chat_template(tok_config["chat_template"])
    return vocab, tok_config


def _finish(w: gguf.GGUFWriter) -> None:
    w.write_header_to_file()
    w.write_kv_data_to_file()
    w.write_tensors_to_file()
    w.close()


# ---------------------------------------------------------------------------------------
# Tiny random models of the other architectures, written as llama.cpp's converter would
# ---------------------------------------------------------------------------------------

TINY_SIZES = {"hidden_size": 64, "num_hidden_layers": 2, "intermediate_size": 128, "num_attention_heads": 4,
              "num_key_value_heads": 2, "head_dim": 16, "rms_norm_eps": 1e-6, "rope_theta": 10000.0,
              "max_position_embeddings": 2048}
ARCH_CONFIGS = {  # general.architecture -> mlx-lm config (besides TINY_SIZES and the vocabulary)
    "qwen2": {"model_type": "qwen2", "tie_word_embeddings": True},
    "qwen3": {"model_type": "qwen3", "tie_word_embeddings": True},
    "gemma2": {"model_type": "gemma2", "query_pre_attn_scalar": 16, "attn_logit_softcapping": 50.0,
               "final_logit_softcapping": 30.0},
    "gemma3": {"model_type": "gemma3_text", "query_pre_attn_scalar": 16, "sliding_window": 512,
               "sliding_window_pattern": 6, "rope_local_base_freq": 10000.0,
               "num_hidden_layers": 6},  # mlx-lm's gemma3_text indexes layer 6 - 1 when it makes its masks
    "phi3": {"model_type": "phi3", "tie_word_embeddings": False},
}


def arch_model(tiny_model: Path, arch: str, seed: int = 0) -> tuple[dict, dict[str, np.ndarray]]:
    """(mlx-lm config, Hugging Face-named float32 weights) of a random 2-layer model of ``arch``."""
    import mlx.core as mx
    from mlx.utils import tree_flatten
    from mlx_lm.utils import _get_classes

    vocab = json.loads((tiny_model / "config.json").read_text())["vocab_size"]
    config = {**TINY_SIZES, "vocab_size": vocab, **ARCH_CONFIGS[arch]}
    model_class, args_class = _get_classes(config)
    mx.random.seed(seed)
    model = model_class(args_class.from_dict(config))
    weights = {}
    for name, value in tree_flatten(model.parameters()):
        if name == "lm_head.weight" and arch.startswith("gemma"):
            continue  # Gemma ties its output to the embedding
        # random norms (not all ones) and biases, so that a wrong offset or a dropped bias shows in the logits
        if value.ndim == 1:
            value = mx.random.normal(value.shape) * 0.1 + (0.0 if arch.startswith("gemma") else 1.0)
        weights[name] = np.array(value.astype(mx.float32))
    return config, weights


def write_arch_gguf(tiny_model: Path, path: Path, arch: str, weights: dict[str, np.ndarray], config: dict) -> Path:
    """The model as llama.cpp writes it: gguf's TensorNameMap names, Gemma's norms as w + 1, F32 tensors."""
    w = gguf.GGUFWriter(str(path), arch)
    _add_shape(w, config, config["head_dim"])
    w.add_key_length(config["head_dim"])
    w.add_value_length(config["head_dim"])
    if arch == "gemma2":
        w.add_attn_logit_softcapping(config["attn_logit_softcapping"])
        w.add_final_logit_softcapping(config["final_logit_softcapping"])
    if arch == "gemma3":
        w.add_sliding_window(config["sliding_window"])
    _add_gpt2_tokenizer(w, tiny_model)
    arch_enum = next(a for a, n in gguf.MODEL_ARCH_NAMES.items() if n == arch)
    name_map = gguf.get_tensor_name_map(arch_enum, config["num_hidden_layers"])
    for name, a in weights.items():
        module, _, suffix = name.rpartition(".")
        if arch.startswith("gemma") and name.endswith("norm.weight"):
            a = a + 1.0  # convert_hf_to_gguf.py's Gemma norm_shift
        w.add_tensor(f"{name_map.get_name(module)}.{suffix}", a.astype(np.float32))
    _finish(w)
    return path
