"""Two ranks on loopback against one process: the same run, its cost per step, the all-reduce.

A data-parallel run on N ranks must take the steps of one process with the same
global batch (``lorastudio.core.train.distributed``). This section trains one
configuration twice with the product's own path (``train_cases.run_ours``:
``start_training`` and its child, or MLX's launcher and two children), once in
one process and once on ``ranks: 2`` over the ring backend on 127.0.0.1, and
prints:

- the largest difference of the train and validation losses (the runs must agree);
- seconds per step of both and their ratio. On a 2-core machine the two ranks
  share the cores one process had, so they cannot be faster: the ratio is the
  price of splitting each step here, not what two Macs would do;
- the all-reduce: ``lorastudio _host-probe`` (the rank ``lorastudio hosts check``
  starts) times an all-sum of the run's own gradient size on the same two local
  ranks; its share of the 2-rank step is the communication overhead per step.
  On real machines the step splits across devices and the all-reduce crosses
  the wire: that cost (gradient bytes / link bandwidth) is what sets scaling
  (``docs/distributed.md``).

Runs on the benchmark's main thread; MLX runs in the children.
"""

from __future__ import annotations

from pathlib import Path

from bench.common import max_loss_diff, rounded, summarize


def all_reduce_ms(numbers: int) -> dict:
    """Two local ranks time an all-sum of ``numbers`` float32 numbers (the host check's probe)."""
    from lorastudio.core.config.train_config import TrainConfig
    from lorastudio.core.train import hostcheck
    from lorastudio.core.train.distributed import plan_for

    results = hostcheck.probe(plan_for(TrainConfig(ranks=2, backend="ring")), numbers, timeout=300)
    problems = [r.problem for r in results if not r.ok]
    if problems:
        raise RuntimeError(f"the all-reduce probe failed: {'; '.join(problems)}")
    ms = max(r.all_reduce_ms for r in results)
    return {"numbers": numbers, "rounds": hostcheck.PROBE_ROUNDS, "all_reduce_ms": ms,
            "bandwidth_gb_s": numbers * 4 / (ms / 1e3) / 1e9}


def trainable_numbers(run_dir: str) -> int:
    """Numbers in the run's saved adapter: the gradient each step all-reduces."""
    import mlx.core as mx

    weights = mx.load(str(Path(run_dir) / "adapters.safetensors"))
    return int(sum(v.size for v in weights.values()))


def run(model_dir: str, model_key: str, iters: int, work: Path, log=print) -> dict:
    """One process, then two ranks, on the same config; the comparison and the all-reduce's share."""
    from bench import train_cases

    config = train_cases.case_config(model_dir, model_key, iters, report_every=1,
                                     lora_parameters={"rank": 8, "scale": 20.0, "dropout": 0.0})
    one = train_cases.run_ours(config, work / "one-process")
    two = train_cases.run_ours(config.replace(ranks=2, backend="ring"), work / "two-ranks")
    s1, s2 = summarize(one), summarize(two)
    numbers = trainable_numbers(two["run_dir"])
    reduce = all_reduce_ms(numbers)
    step_ms = s2["step_s"] * 1e3 if s2["step_s"] else None
    result = {
        "model": model_key,
        "iters": iters,
        "batch_size": config.batch_size,
        "max_loss_diff": max_loss_diff(one, two),
        "step_ms_one_process": s1["step_s"] * 1e3 if s1["step_s"] else None,
        "step_ms_two_ranks": step_ms,
        "step_time_ratio": (s2["step_s"] / s1["step_s"]) if s1["step_s"] and s2["step_s"] else None,
        "gradient_numbers": numbers,
        "all_reduce": reduce,
        "all_reduce_share_of_step": (reduce["all_reduce_ms"] / step_ms) if step_ms else None,
        "runs": {"one_process": one, "two_ranks": two},
    }
    log(f"  {model_key}: 2 ranks vs 1 process, max loss difference {result['max_loss_diff']:.2e}; "
        f"step {rounded(result['step_ms_one_process'], 1)} ms -> {rounded(step_ms, 1)} ms "
        f"(ratio {rounded(result['step_time_ratio'], 3)}); all-reduce of {numbers:,} numbers "
        f"{reduce['all_reduce_ms']:.2f} ms ({reduce['bandwidth_gb_s']:.2f} GB/s), "
        f"{100 * (result['all_reduce_share_of_step'] or 0):.1f}% of a 2-rank step")
    return result
