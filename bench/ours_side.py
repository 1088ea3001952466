"""LoRA Studio's side of the comparisons that need a fresh process of their own.

- ``prepare_models``: the tiny model and SmolLM2-135M (float32 and 4-bit)
  in the benchmark's model cache, and a LoRA adapter for generation.
- ``generate``: ``ChatEngine`` answering the same prompts as the mlx-lm side
  (greedy, a fresh conversation for each prompt, so both compute the same
  tokens), then second turns of conversations, where the engine reuses its
  KV cache and mlx-lm has to read the whole conversation again.
- ``gui_train`` and ``gui_chat`` (``bench.gui_side``) and ``launch`` live in
  their own module.

    python -m bench.ours_side generate ARGS.json OUT.json

Main thread of its own process (the chat engine is built and used there).
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

import lorastudio  # noqa: F401  (the fast BLAS, before MLX, as in the app)
from bench.common import child_main, loaded_blas, reports_of


def prepare_models(args: dict) -> dict:
    """Import or build the models the benchmarks need into ``args["models_dir"]``; their folders."""
    from lorastudio.core.models.demo_model import import_demo_model
    from lorastudio.core.models.tiny import build_tiny_model

    models = Path(args["models_dir"])
    out = {}
    tiny = models / "tiny-llama"
    if not (tiny / "config.json").is_file():
        build_tiny_model(tiny)
    out["tiny"] = str(tiny)
    if "smollm2_f32" in args["need"]:
        out["smollm2_f32"] = str(import_demo_model(models, "float32"))
    if "smollm2_q4" in args["need"]:
        out["smollm2_q4"] = str(import_demo_model(models, None))
    return out


def make_adapter(args: dict) -> dict:
    """A LoRA adapter folder for ``args["model"]`` with small random weights (mlx-lm's files).

    Used for generation when no trained run is at hand: the cost of
    generating with an adapter does not depend on what it learned.
    """
    import json

    import mlx.core as mx
    from mlx.utils import tree_flatten
    from mlx_lm.tuner.utils import linear_to_lora_layers
    from mlx_lm.utils import load

    folder = Path(args["out_dir"])
    folder.mkdir(parents=True, exist_ok=True)
    model, _ = load(args["model"])
    mx.random.seed(0)
    model.freeze()
    lora = {"rank": 8, "scale": 20.0, "dropout": 0.0}
    linear_to_lora_layers(model, args["num_layers"], lora)
    weights = {}
    for name, value in tree_flatten(model.trainable_parameters()):
        # lora_b starts at zero (a no-op adapter); give it small values so the answer changes.
        weights[name] = mx.random.normal(value.shape) * 0.002 if name.endswith("lora_b") else value
    mx.save_safetensors(str(folder / "adapters.safetensors"), weights)
    config = {"fine_tune_type": "lora", "num_layers": args["num_layers"], "lora_parameters": lora, "model": args["model"]}
    (folder / "adapter_config.json").write_text(json.dumps(config), encoding="utf-8")
    return {"adapter": str(folder)}


def engine_inprocess(args: dict) -> dict:
    """The engine alone (``train_run`` in this process, events into a list): no child, no event pipe.

    A diagnostic beside the product's paths: it tells the training loop's own
    speed apart from what reporting costs around it.
    """
    from lorastudio.core.runs import folder as runs
    from lorastudio.core.config.train_config import TrainConfig
    from lorastudio.core.tuner.loop import train_run
    from lorastudio.core.runs.events import TrainReport, ValReport

    config = TrainConfig.load(args["config"])
    run_dir = runs.create_run(config, args["runs_root"])
    events: list = []
    train_run(run_dir, events.append)
    reports = [e for e in events if isinstance(e, TrainReport)]
    return {
        "tool": "lorastudio (engine in-process)",
        "reports": reports_of(reports),
        "val": [[e.iteration, e.val_loss] for e in events if isinstance(e, ValReport)],
        "peak_memory_gb": max((r.peak_memory_gb for r in reports), default=0.0),
        "blas": loaded_blas(),
    }


def generate(args: dict) -> dict:
    """The same prompts through ``ChatEngine``; stats as the app shows them."""
    tic = time.perf_counter()
    import mlx.core as mx

    from lorastudio.core.chat.engine import ChatEngine, SamplingSettings

    settings = SamplingSettings(max_tokens=args["max_tokens"])
    # A fresh conversation per prompt and no cache reuse: the same work as mlx_lm.generate.
    engine = ChatEngine(args["model"], adapter=args.get("adapter"), reuse_cache=False)
    load_s = time.perf_counter() - tic
    answers = []
    for prompt in [args["warmup"]] + list(args["prompts"]) * args.get("repeats", 1):
        engine.clear()
        answers.append(_answer(engine.send(prompt, settings)))
    answers[0]["warmup"] = True
    peak = mx.get_peak_memory() / 1e9  # before the conversations (a second engine) add their own
    engine.close()

    # Conversations, as the chat window has them: the second turn reuses the first turn's KV cache.
    follow_ups = []
    if args.get("conversations"):
        engine = ChatEngine(args["model"], adapter=args.get("adapter"), reuse_cache=True)
        for first, second in args["conversations"]:
            engine.clear()
            engine.send(first, settings).read()
            follow_ups.append(_answer(engine.send(second, settings)))
        engine.close()
    return {
        "tool": "lorastudio",
        "load_s": load_s,
        "answers": answers,
        "second_turns": follow_ups,
        "blas": loaded_blas(),
        "peak_memory_gb": peak,
    }


def _answer(reply) -> dict:
    text = reply.read()
    stats = reply.stats
    return {
        "prompt_tokens": stats.prompt_tokens,
        "cached_tokens": stats.cached_tokens,
        "generated_tokens": stats.generated_tokens,
        "ttft_s": stats.time_to_first_token_s,
        "tokens_per_s": stats.tokens_per_second,
        "prompt_tokens_per_s": stats.prompt_tokens_per_second,
        "elapsed_s": stats.elapsed_s,
        "text": text,
    }


if __name__ == "__main__":
    sys.exit(child_main({"prepare_models": prepare_models, "make_adapter": make_adapter, "generate": generate,
                           "engine_inprocess": engine_inprocess}))
