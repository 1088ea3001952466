"""Model facts and LoRA trainable-parameter counts, from config.json alone.

The count must equal what mlx-lm prints when training starts, so it is made
the way mlx-lm makes it: build the architecture from ``config.json`` with
mlx-lm's own model class, quantize it as ``mlx_lm.utils.load_model`` would,
convert layers with ``linear_to_lora_layers``, and count with mlx-lm's
``get_total_parameters``. MLX is lazy: the random initial weights of that
skeleton are never evaluated, so a 14B model is counted in a few megabytes
of memory. Weight files, when present, are read only for their headers.
Runs on the calling thread (it builds lazy MLX arrays there).
"""

from __future__ import annotations

import json
import struct
from dataclasses import dataclass
from pathlib import Path

from lorastudio.core.base.said import Said
from lorastudio.core.config.train_config import TrainConfig
from lorastudio.core.models import messages


class ModelInfoError(Said, ValueError):
    """A config.json that cannot be read or has an architecture mlx-lm lacks (in English and Chinese: ``messages``)."""

    table = messages.TABLE


@dataclass(frozen=True)
class TrainableCount:
    trainable: int
    total: int

    @property
    def share(self) -> float:
        return 100.0 * self.trainable / self.total if self.total else 0.0

    def __str__(self) -> str:
        # The seed report's (and mlx-lm's) way: "0.014% (2.097M / 14770.034M)".
        return f"{self.share:.3f}% ({self.trainable / 1e6:.3f}M / {self.total / 1e6:.3f}M)"


@dataclass(frozen=True)
class ModelFacts:
    source: str
    architecture: str
    layers: int
    hidden_size: int
    intermediate_size: int | None
    attention_heads: int | None
    kv_heads: int | None
    vocab_size: int | None
    context_length: int | None
    total_parameters: int
    quantization: str
    dtype: str
    weights_bytes: int | None
    tie_word_embeddings: bool

    def lines(self) -> list[tuple[str, str]]:
        """(label, value) pairs for the command line and the model card."""
        rows = [
            ("Architecture", self.architecture),
            ("Layers", str(self.layers)),
            ("Hidden size", str(self.hidden_size)),
        ]
        if self.intermediate_size:
            rows.append(("MLP size", str(self.intermediate_size)))
        if self.attention_heads:
            rows.append(("Attention heads", f"{self.attention_heads} ({self.kv_heads or self.attention_heads} key/value)"))
        if self.vocab_size:
            rows.append(("Vocabulary", f"{self.vocab_size:,}"))
        if self.context_length:
            rows.append(("Context length", f"{self.context_length:,}"))
        rows.append(("Parameters", f"{self.total_parameters / 1e6:,.3f}M"))
        rows.append(("Weights", self.dtype))
        rows.append(("Quantization", self.quantization))
        if self.weights_bytes:
            rows.append(("On disk", f"{self.weights_bytes / 1e9:.2f} GB"))
        return rows


# ----------------------------------------------------------------------------
# reading config.json and weight headers


def read_config(source: str | Path) -> tuple[dict, Path | None]:
    """``(config dict, model folder or None)`` for a folder or a bare config.json."""
    path = Path(source).expanduser()
    if path.is_dir():
        folder, config_path = path, path / "config.json"
    elif path.is_file():
        folder, config_path = (path.parent if list(path.parent.glob("model*.safetensors")) else None), path
    else:
        raise ModelInfoError.say("info.missing", source=str(source))
    try:
        config = json.loads(config_path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise ModelInfoError.say("info.no_config", path=path) from None
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise ModelInfoError.say("info.bad_json", path=config_path, error=str(exc)) from None
    if not isinstance(config, dict) or "model_type" not in config:
        raise ModelInfoError.say("info.no_model_type", path=config_path)
    return config, folder


def safetensors_header(path: Path) -> dict:
    """The JSON header of a safetensors file: tensor names, dtypes, shapes (no data read)."""
    with open(path, "rb") as f:
        (length,) = struct.unpack("<Q", f.read(8))
        return json.loads(f.read(length))


def _weights_summary(folder: Path | None) -> tuple[set[str] | None, str | None, int | None]:
    """Tensor names, the dominant float dtype and total bytes of a folder's weights."""
    if folder is None:
        return None, None, None
    files = sorted(folder.glob("model*.safetensors"))
    if not files:
        return None, None, None
    keys: set[str] = set()
    dtypes: dict[str, int] = {}
    for f in files:
        for name, entry in safetensors_header(f).items():
            if name == "__metadata__":
                continue
            keys.add(name)
            if entry["dtype"] in ("F32", "F16", "BF16") and not name.endswith((".scales", ".biases")):
                dtypes[entry["dtype"]] = dtypes.get(entry["dtype"], 0) + 1
    names = {"F32": "float32", "F16": "float16", "BF16": "bfloat16"}
    dominant = names.get(max(dtypes, key=dtypes.get)) if dtypes else None
    return keys, dominant, sum(f.stat().st_size for f in files)


# ----------------------------------------------------------------------------
# the lazy skeleton


def build_skeleton(config: dict, weight_keys: set[str] | None = None):
    """mlx-lm's model for ``config``, quantized like its loader would, never evaluated."""
    import mlx.nn as nn
    from mlx_lm.utils import _get_classes

    try:
        model_class, args_class = _get_classes(config=config)
    except ValueError as exc:
        raise ModelInfoError.say("info.architecture", mlx_error=str(exc)) from None
    model = model_class(args_class.from_dict(config))
    quantization = config.get("quantization")
    if quantization:
        group_size = quantization.get("group_size", 64)

        def class_predicate(path, module):
            # Same order of questions as mlx_lm.utils.load_model's predicate.
            if path in quantization:
                return quantization[path]
            if not hasattr(module, "to_quantized"):
                return False
            if weight_keys is not None:
                return f"{path}.scales" in weight_keys
            weight = getattr(module, "weight", None)
            return weight is not None and weight.shape[-1] % group_size == 0

        nn.quantize(
            model,
            group_size=group_size,
            bits=quantization.get("bits", 4),
            mode=quantization.get("mode", "affine"),
            class_predicate=class_predicate,
        )
    return model


def apply_fine_tune(model, config: TrainConfig) -> None:
    """Freeze the model and make trainable what mlx_lm.lora's train_model makes trainable."""
    from mlx_lm.tuner.utils import linear_to_lora_layers

    model.freeze()
    layers = len(model.layers)
    if config.num_layers > layers:
        raise ModelInfoError.say("info.too_many_layers", requested=config.num_layers, layers=layers)
    if config.fine_tune_type == "full":
        for layer in model.layers[-max(config.num_layers, 0):]:
            layer.unfreeze()
    else:
        keys = config.lora_parameters.keys
        if keys:
            available = set()
            for layer in model.layers:
                available.update(name for name, _ in layer.named_modules())
            missing = [k for k in keys if k not in available]
            if missing:
                sample = sorted(k for k in available if k and "." in k)[:12]
                raise ModelInfoError.say("info.keys_not_found", missing=", ".join(missing), sample=", ".join(sample))
        linear_to_lora_layers(model, config.num_layers, config.lora_dict(), use_dora=config.fine_tune_type == "dora")


def count_parameters(model) -> TrainableCount:
    from mlx.utils import tree_flatten
    from mlx_lm.utils import get_total_parameters

    trainable = sum(v.size for _, v in tree_flatten(model.trainable_parameters()))
    return TrainableCount(trainable=int(trainable), total=int(get_total_parameters(model)))


# ----------------------------------------------------------------------------
# public API


def trainable_count(source: str | Path, config: TrainConfig) -> TrainableCount:
    """Trainable share of a LoRA/DoRA/full config on a model given by folder or config.json."""
    model_config, folder = read_config(source)
    keys, _, _ = _weights_summary(folder)
    model = build_skeleton(model_config, keys)
    apply_fine_tune(model, config)
    return count_parameters(model)


def _describe_quantization(config: dict) -> str:
    q = config.get("quantization")
    if not q:
        qc = config.get("quantization_config")
        return f"{qc.get('quant_method', 'yes')}" if isinstance(qc, dict) else "none"
    text = f"{q.get('bits')}-bit {q.get('mode', 'affine')}, group {q.get('group_size')}"
    overrides = {k: v for k, v in q.items() if isinstance(v, dict)}
    if overrides:
        bits = sorted({v.get("bits") for v in overrides.values()})
        text += f" ({len(overrides)} layer(s) at {'/'.join(str(b) for b in bits)}-bit)"
    return text


def model_facts(source: str | Path) -> ModelFacts:
    """Architecture, size and quantization of a model folder or bare config.json."""
    config, folder = read_config(source)
    keys, dtype, size = _weights_summary(folder)
    model = build_skeleton(config, keys)
    counts = count_parameters(model)
    text_config = config.get("text_config", {}) if isinstance(config.get("text_config"), dict) else {}

    def get(*names):
        for n in names:
            if n in config:
                return config[n]
            if n in text_config:
                return text_config[n]
        return None

    return ModelFacts(
        source=str(source),
        architecture=config["model_type"],
        layers=len(model.layers),
        hidden_size=get("hidden_size", "d_model", "n_embd") or 0,
        intermediate_size=get("intermediate_size", "ffn_dim"),
        attention_heads=get("num_attention_heads", "n_head"),
        kv_heads=get("num_key_value_heads"),
        vocab_size=get("vocab_size"),
        context_length=get("max_position_embeddings", "n_positions"),
        total_parameters=counts.total,
        quantization=_describe_quantization(config),
        dtype=dtype or str(config.get("torch_dtype") or config.get("dtype") or "unknown"),
        weights_bytes=size,
        tie_word_embeddings=bool(config.get("tie_word_embeddings", False)),
    )
