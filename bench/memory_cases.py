"""Peak memory side by side: LoRA Studio's training against ``mlx_lm.lora`` on full-width batches.

Long sequences are where the memory goes: the logits alone of a batch are
rows x width x vocabulary floats (4 x 1024 x 151,936 float32 = 2.5 GB for
Qwen2.5's vocabulary), and mlx-lm's ``default_loss`` holds them, their
softmax and their gradient at once. LoRA Studio's sparse and logit-free loss
(``sparse_loss``, ``logit_free_loss``, its defaults) runs the output layer
and the cross-entropy in chunks of positions instead.

Each case trains the whole text (no prompt mask) of a made dataset whose
every example is longer than ``max_seq_length`` tokens, so every batch is
full: rows x ``max_seq_length`` tokens, no padding. Both sides use gradient
checkpointing and the same BLAS, and are the throughput harness's own runners
(``train_cases.run_mlx_lm`` and ``train_cases.run_ours``, ``case_config``,
``compare``); each runs in a fresh process, so its peak is its own.

Cases: SmolLM2-135M in float32 (the demo model, 49,152-token vocabulary), and
a random model of Qwen2.5-0.5B's shape (``resources/model-configs/Qwen2.5-0.5B.json``,
151,936-token vocabulary) built in the work folder with the tiny model's
small tokenizer (its ids are all in range of the big vocabulary).

    python -m bench.memory_cases build_model ARGS.json OUT.json   (a child: builds the random model)

The runs are driven from the main thread of the benchmark process; MLX runs
in the children.
"""

from __future__ import annotations

import json
import sys
import time
from pathlib import Path

from bench.common import ROOT, base_env, child_main, run_child, summarize

QWEN_CONFIG = ROOT / "resources" / "model-configs" / "Qwen2.5-0.5B.json"

# Plain English words for the made texts: every tokenizer splits them into several tokens.
_WORDS = (
    "river mountain lantern harbor quiet orange violin thunder meadow copper saddle whisper garden "
    "marble falcon engine pepper winter castle ribbon anchor velvet canyon silver forest candle "
    "planet shadow bridge crystal tunnel compass feather island market pillow rocket spiral "
    "tomato umbrella wagon yellow zebra almond blanket cobalt dragon ember fossil glacier"
).split()


def make_long_dataset(folder: Path, words: int = 2400, train: int = 8, valid: int = 4) -> Path:
    """A text dataset (``{"text": ...}``) whose every example is ``words`` words long.

    2,400 words are well over 1,024 tokens for any tokenizer (a word and its
    space are at least one token; the made texts mix words and numbers), so
    mlx-lm truncates every row to ``max_seq_length``: full-width batches.
    """
    import random

    folder.mkdir(parents=True, exist_ok=True)
    rng = random.Random(0)

    def text() -> str:
        parts = []
        for i in range(words):
            parts.append(rng.choice(_WORDS) if i % 7 else str(rng.randrange(10000)))
        return " ".join(parts) + "."

    for name, count in (("train", train), ("valid", valid)):
        lines = [json.dumps({"text": text()}) for _ in range(count)]
        (folder / f"{name}.jsonl").write_text("\n".join(lines) + "\n", encoding="utf-8")
    return folder


def build_model(args: dict) -> dict:
    """(child) A model folder of ``args["config"]``'s shape with random float32 weights and the tiny tokenizer.

    ``num_hidden_layers`` may be overridden (``args["num_hidden_layers"]``).
    """
    import lorastudio  # noqa: F401  (the fast BLAS before MLX, as in the app)
    import mlx.core as mx
    from mlx.utils import tree_flatten, tree_map
    from mlx_lm.models import qwen2

    from lorastudio.core.models.tiny import build_tokenizer

    folder = Path(args["out_dir"])
    if (folder / "config.json").is_file():
        return {"model": str(folder), "built": False}
    folder.mkdir(parents=True, exist_ok=True)
    config = json.loads(Path(args["config"]).read_text(encoding="utf-8"))
    config.update(args.get("overrides") or {})
    vocab = build_tokenizer(folder)
    if vocab > config["vocab_size"]:
        raise ValueError(f"the tokenizer's {vocab} ids do not fit the model's vocabulary of {config['vocab_size']}")
    ids = json.loads((folder / "tokenizer.json").read_text())["model"]["vocab"]
    config["eos_token_id"] = ids["<|im_end|>"]
    config["bos_token_id"] = ids["<|im_start|>"]
    config["torch_dtype"] = "float32"
    if config["model_type"] != "qwen2":
        raise ValueError(f"build_model makes qwen2 models, not {config['model_type']}")
    mx.random.seed(args.get("seed", 0))
    model = qwen2.Model(qwen2.ModelArgs.from_dict(config))
    # Small normal weights (as a trained model's scale), float32; norms stay at one.
    model.update(tree_map(lambda p: (mx.random.normal(p.shape) * 0.02) if p.ndim > 1 else p, model.parameters()))
    weights = dict(tree_flatten(model.parameters()))
    mx.eval(weights)
    mx.save_safetensors(str(folder / "model.safetensors"), weights, metadata={"format": "mlx"})
    (folder / "config.json").write_text(json.dumps(config, indent=2), encoding="utf-8")
    params = sum(v.size for v in weights.values())
    return {"model": str(folder), "built": True, "parameters": int(params), "tokenizer_vocab": vocab}


def memory_config(model_dir: str, model_key: str, data: Path, iters: int, seq_len: int, batch_size: int = 4,
                  num_layers: int | None = None, **changes):
    """The throughput harness's config (``case_config``), on the long data: full batches, no prompt mask.

    Gradient checkpointing on both sides; one validation batch (mlx-lm
    validates at the first and the last step whatever ``steps_per_eval``).
    """
    from bench import train_cases

    values = dict(
        data=str(data),
        batch_size=batch_size,
        max_seq_length=seq_len,
        grad_checkpoint=True,
        mask_prompt=False,
        val_batches=1,
        steps_per_eval=10_000,
    )
    if num_layers is not None:
        values["num_layers"] = num_layers
    values.update(changes)
    return train_cases.case_config(model_dir, model_key, iters, "mlx-lm", 1, **values)


def run_memory_case(name: str, model_dir: str, model_key: str, work: Path, iters: int, seq_len: int,
                    batch_size: int = 4, num_layers: int | None = None, log=print) -> dict:
    """mlx-lm then LoRA Studio (its defaults) on the same config; their records, summaries and ratios."""
    from bench import train_cases

    data = make_long_dataset(work / "memory-data")
    config = memory_config(model_dir, model_key, data, iters, seq_len, batch_size, num_layers)
    records: dict[str, list[dict]] = {"mlx_lm": [], "ours": []}
    runners = {"mlx_lm": lambda: train_cases.run_mlx_lm(config, work), "ours": lambda: train_cases.run_ours(config, work, observe=True)}
    for variant in ("mlx_lm", "ours"):
        tic = time.perf_counter()
        record = runners[variant]()
        records[variant].append(record)
        s = summarize(record)
        log(f"  {name} {variant:8s}: {s['tokens_per_s']:.1f} tokens/s, step {s['step_s']:.2f} s, "
            f"peak {s['peak_memory_gb']:.3f} GB ({time.perf_counter() - tic:.0f} s)")
    compared = train_cases.compare(records)
    widths = {w for r in records["ours"] + records["mlx_lm"] for e in r["reports"] for _, w in (e.get("shapes") or [])}
    return {
        "name": name,
        "model_key": model_key,
        "iters": iters,
        "batch_size": batch_size,
        "max_seq_length": seq_len,
        "num_layers": config.num_layers,
        "batch_widths": sorted(widths),  # full batches: {seq_len} alone
        "records": records,
        "summary": compared,
    }


def summary_figures(result: dict) -> dict:
    """The figures of one case for the suite's final JSON (keys ``memory_*_<case>``)."""
    name, s = result["name"], result["summary"]
    m, ours = s["medians"], s["ours"]
    return {
        f"memory_peak_gb_mlx_lm_{name}": m["mlx_lm"]["peak_memory_gb"],
        f"memory_peak_gb_ours_{name}": m["ours"]["peak_memory_gb"],
        f"memory_peak_ratio_{name}": ours["peak_memory_ratio"],
        f"memory_tokens_per_s_mlx_lm_{name}": m["mlx_lm"]["tokens_per_s"],
        f"memory_tokens_per_s_ours_{name}": m["ours"]["tokens_per_s"],
        f"memory_tokens_per_s_ratio_{name}": ours["tokens_per_s_ratio"],
        f"memory_max_loss_diff_{name}": ours["max_loss_diff"],
        f"memory_shape_{name}": f"{result['batch_size']}x{result['max_seq_length']}",
        f"memory_full_batches_{name}": result["batch_widths"] == [result["max_seq_length"]],
    }


def prepare_qwen(work: Path, models_dir: Path | None = None) -> str:
    """The random Qwen2.5-0.5B-shaped model (built once, in a child); its folder."""
    folder = (models_dir or work) / "qwen2.5-0.5b-shape-random-f32"
    result = run_child("memory_cases", "build_model", {"config": str(QWEN_CONFIG), "out_dir": str(folder)}, base_env(work), work)
    return result["model"]


if __name__ == "__main__":
    sys.exit(child_main({"build_model": build_model}))
