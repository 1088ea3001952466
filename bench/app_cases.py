"""Generation side by side, the window's liveliness, launch time, and OpenBLAS against the bundled BLAS.

- ``generation``: ``ChatEngine`` (``bench.ours_side.generate``) against what
  ``mlx_lm.generate`` does (``bench.mlx_lm_side.generate``), each in fresh
  processes, alternating; the first answer of each process is a warm-up.
- ``gui_chat``: the largest gap of a 10 ms timer while ``ChatController`` streams.
- ``launch``: wall time from spawning ``python -m lorastudio`` to its window shown.
- ``openblas``: our training child on SmolLM2 with OpenBLAS and with
  ``LORASTUDIO_BLAS=bundled``.

Main thread of the benchmark process; the measured code runs in children.
"""

from __future__ import annotations

import time
from pathlib import Path

from bench.common import base_env, blas_env, median, ratio, run_child, summarize

PROMPTS = [
    "Who are you?",
    "Explain in a few sentences how a ship's compass works.",
    "What should I pack for a week-long sailing trip?",
]
WARMUP = "Hello!"
CONVERSATIONS = [["What is the capital of Peru?", "And what is it famous for? Answer in detail."]]


def generation(model: str, adapter: str | None, work: Path, max_tokens: int, reps: int, prompts=PROMPTS, log=print) -> dict:
    args = {
        "model": model,
        "adapter": adapter,
        "prompts": prompts,
        "warmup": WARMUP,
        "max_tokens": max_tokens,
        "conversations": CONVERSATIONS,
    }
    sides = {
        "mlx_lm": lambda: run_child("mlx_lm_side", "generate", args, base_env(work, blas_env("fast", True)), work),
        "ours": lambda: run_child("ours_side", "generate", args, base_env(work, blas_env("fast", False)), work),
    }
    results: dict[str, list[dict]] = {"mlx_lm": [], "ours": []}
    for rep in range(reps):
        for side in (("mlx_lm", "ours") if rep % 2 == 0 else ("ours", "mlx_lm")):
            result = sides[side]()
            results[side].append(result)
            measured = [a for a in result["answers"] if not a.get("warmup")]
            log(f"  generation {side:7s} rep {rep + 1}: {median(a['tokens_per_s'] for a in measured):.1f} tokens/s, "
                f"first token {median(a['ttft_s'] for a in measured):.3f} s")

    def answers(side, key="answers"):
        return [a for r in results[side] for a in r[key] if not a.get("warmup")]

    ours, theirs = answers("ours"), answers("mlx_lm")
    same_text = all(a["text"].strip() == b["text"].strip() for a, b in zip(ours, theirs))
    out = {
        "tokens_per_s": {side: median(a["tokens_per_s"] for a in answers(side)) for side in results},
        "ttft_s": {side: median(a["ttft_s"] for a in answers(side)) for side in results},
        "prompt_tokens": [a["prompt_tokens"] for a in theirs[: len(prompts)]],
        "generated_tokens": [a["generated_tokens"] for a in theirs[: len(prompts)]],
        "same_answers": same_text,
        "peak_memory_gb": {side: median(r["peak_memory_gb"] for r in results[side]) for side in results},
        "second_turn_ttft_s": {side: median(a["ttft_s"] for a in answers(side, "second_turns")) for side in results},
        "second_turn_cached_tokens": [a.get("cached_tokens") for a in answers("ours", "second_turns")],
        "blas": {side: results[side][0]["blas"] for side in results},
    }
    # Ratios paired by repetition (the two processes of a repetition run back to back, so a
    # change in the machine's load between repetitions cancels out), then the median.
    def paired(key, ours_over_theirs=True):
        each = []
        for mine, theirs_run in zip(results["ours"], results["mlx_lm"]):
            a = median(x[key] for x in mine["answers"] if not x.get("warmup"))
            b = median(x[key] for x in theirs_run["answers"] if not x.get("warmup"))
            each.append(ratio(a, b) if ours_over_theirs else ratio(b, a))
        return median(each), each

    out["gen_tokens_per_s_ratio"], out["gen_tokens_per_s_ratio_each"] = paired("tokens_per_s")
    # A speed ratio like the others: above 1 means our first token comes sooner.
    out["ttft_ratio"], out["ttft_ratio_each"] = paired("ttft_s", ours_over_theirs=False)
    out["ttft_ratio_second_turn"] = ratio(out["second_turn_ttft_s"]["mlx_lm"], out["second_turn_ttft_s"]["ours"])
    return out


def gui_chat(model: str, adapter: str | None, work: Path, max_tokens: int) -> dict:
    args = {"model": model, "adapter": adapter, "prompt": PROMPTS[1], "max_tokens": max_tokens}
    return run_child("gui_side", "gui_chat", args, base_env(work, blas_env("fast", False)), work)


def launch(work: Path, times: int) -> dict:
    """Spawn the app ``times`` times; seconds from spawn to the window shown, each."""
    env = base_env(work, blas_env("fast", False))
    seconds = []
    for _ in range(times):
        spawned = time.time()
        result = run_child("gui_side", "launch", {}, env, work, timeout=120)
        seconds.append(result["shown_at"] - spawned)
    return {"launch_to_window_s": median(seconds), "runs_s": seconds, "first_s": seconds[0]}


def openblas(model: str, work: Path, iters: int, batch_size: int) -> dict:
    """Our training child with each BLAS (same config); tokens/s after the first step."""
    from bench.train_cases import case_config, run_ours

    config = case_config(model, "smollm2_f32", iters, batch_size=batch_size, val_batches=1, steps_per_eval=1000)
    out = {}
    for mode in ("bundled", "fast"):
        record = run_ours(config, work, blas=mode)
        out[mode] = {"summary": summarize(record), "blas": record["blas"]}
    out["openblas_speedup"] = ratio(out["fast"]["summary"]["tokens_per_s"], out["bundled"]["summary"]["tokens_per_s"])
    return out
