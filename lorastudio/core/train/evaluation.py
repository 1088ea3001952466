"""After training: the base model against the adapter, on the test set and on held-out prompts.

``evaluate_run(run_dir)`` loads the run's model once with its final adapter
(``ChatEngine``), computes the test-set loss and perplexity with and without
the adapter (mlx-lm's ``evaluate``, the same batches and mask as training)
and answers each of the config's ``eval_prompts`` with both (greedy), then
writes ``evaluation.json`` in the run folder, which the report includes.
Runs on the calling thread (the training child, after the engine let go of
its model).
"""

from __future__ import annotations

import json
import math
import time
from pathlib import Path
from typing import Callable

from lorastudio.core.base import atomic

from lorastudio.core.runs import folder as runs

EVALUATION = "evaluation.json"
MAX_TOKENS = 120
# Greedy answers of small models tend to loop; a light repetition penalty keeps
# them readable and is recorded in evaluation.json with the other settings.
REPETITION_PENALTY = 1.1


def read_evaluation(run_dir: Path) -> dict | None:
    try:
        return json.loads((Path(run_dir) / EVALUATION).read_text(encoding="utf-8"))
    except (FileNotFoundError, json.JSONDecodeError):
        return None


def _evaluate_alone(model, dataset, loss, batch_size, num_batches, max_seq_length) -> float:
    """mlx-lm's ``evaluate`` in this process alone: the same batches and sums, without its all-sum."""
    import mlx.core as mx
    from mlx_lm.tuner.trainer import iterate_batches

    all_losses, ntokens = mx.array(0.0), mx.array(0)
    batches = iterate_batches(dataset=dataset, batch_size=batch_size, max_seq_length=max_seq_length)
    for index, batch in enumerate(batches):
        if num_batches != -1 and index >= num_batches:
            break
        losses, toks = loss(model, *batch)
        all_losses += losses * toks
        ntokens += toks
        mx.eval(all_losses, ntokens)
    return (all_losses / ntokens).item()


def _test_losses(engine, config, run_dir: Path) -> dict:
    """Test loss of the base model and of the adapter (dropout off, as in evaluation)."""
    from mlx_lm.tuner.trainer import evaluate

    from lorastudio.core.tuner.loop import data_checked, load_datasets

    _, _, test_set = load_datasets(config, engine.tokenizer, trusted=data_checked(run_dir, config))
    if not test_set:
        return {}

    from mlx_lm.tuner.trainer import default_loss

    from lorastudio.core.tuner.logit_free import logit_free_eval_loss_for

    # The test loss without every position's logits at once, when the run trains that way.
    eval_loss = (logit_free_eval_loss_for(engine.model) if config.sparse_loss and config.logit_free_loss else None) or default_loss

    import mlx.core as mx

    if mx.distributed.init().size() > 1:
        evaluate = _evaluate_alone  # rank 0 of a distributed run evaluates by itself, after the others ended

    def loss() -> float:
        engine.model.eval()
        return evaluate(
            model=engine.model,
            dataset=test_set,
            loss=eval_loss,
            batch_size=config.batch_size,
            num_batches=config.test_batches,
            max_seq_length=config.max_seq_length,
        )

    adapter_loss = loss()
    with engine.base_model():
        base_loss = loss()
    return {
        "base_loss": base_loss,
        "base_ppl": math.exp(base_loss),
        "adapter_loss": adapter_loss,
        "adapter_ppl": math.exp(adapter_loss),
        "examples": len(test_set),
    }


def evaluate_run(run_dir: str | Path, status: Callable[..., None] | None = None, max_tokens: int = MAX_TOKENS) -> dict | None:
    """Compare base and adapter; write and return evaluation.json (None when there is nothing to do).

    ``status(stage, detail="")`` hears each stage ("test_loss", "eval_prompt" with "i/n"):
    a stage of ``lorastudio.core.runs.describe``, which says it in words.
    """
    from lorastudio.core.chat.engine import ChatEngine, SamplingSettings

    run_dir = Path(run_dir)
    config = runs.load_config(run_dir)
    if not config.eval_prompts and not config.test:
        return None
    say = status or (lambda stage, detail="": None)
    tic = time.perf_counter()
    engine = ChatEngine(config.model, adapter=run_dir)
    try:
        settings = SamplingSettings(max_tokens=max_tokens, repetition_penalty=REPETITION_PENALTY)
        result: dict = {
            "test": None,
            "prompts": [],
            "settings": {"max_tokens": max_tokens, "temperature": 0.0, "repetition_penalty": REPETITION_PENALTY},
        }
        if config.test:
            say("test_loss")
            result["test"] = _test_losses(engine, config, run_dir) or None
        for i, prompt in enumerate(config.eval_prompts, 1):
            say("eval_prompt", f"{i}/{len(config.eval_prompts)}")
            base, tuned = engine.compare(prompt, settings)
            result["prompts"].append({"prompt": prompt, "base": base.read().strip(), "adapter": tuned.read().strip()})
        result["seconds"] = time.perf_counter() - tic
    finally:
        engine.close()
    atomic.write_json(run_dir / EVALUATION, result)
    return result
