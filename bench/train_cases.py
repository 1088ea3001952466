"""Training side by side: LoRA Studio's engine against ``mlx_lm.lora`` on the same model, data, config and seed.

Each case trains one model on the demo dataset (``resources/demo/data``) with
the demo preset, cut to a few steps, in several ways:

- ``mlx_lm``: mlx-lm's own training entry in a fresh process (``bench.mlx_lm_side``);
- ``ours``: ``start_training(...).run_to_end()``, the product's headless path
  (the training child) with its defaults: the very same batches
  (``batching: mlx-lm``) and the sparse loss (``sparse_loss: true``);
- ``ours_exact``: the same with ``sparse_loss: false``: mlx-lm's loss, bit
  for bit (the loop alone against mlx-lm's);
- ``ours_app``: the defaults through the app (``bench.gui_side.gui_train``:
  Train panel, controller, live plots in an offscreen window);
- ``ours_bucketed``: the headless path with ``batching: bucketed`` too, its
  batches noted by ``bench.observed_worker``;
- ``engine`` (a diagnostic): the engine's loop alone, in-process in a fresh child.

The variants of a case run in turn, the order reversed each repetition. Both
tools time the step alone (mlx-lm's definition: the compiled step and its
``mx.eval``); the first step (compilation) is left out of every rate.
Runs on the main thread of the benchmark process; the measured code runs in
children.
"""

from __future__ import annotations

import json
import time
from contextlib import contextmanager
from pathlib import Path

from bench.common import (
    base_env,
    blas_env,
    environment,
    max_loss_diff,
    median,
    ratio,
    run_child,
    reports_of,
    summarize,
)

VARIANTS = ("mlx_lm", "ours", "ours_exact", "ours_app", "ours_bucketed", "engine")


def case_config(model_dir: str, model_key: str, iters: int, batching: str = "mlx-lm", report_every: int = 1,
                sparse_loss: bool = True, **changes):
    """The demo preset on the demo data, shortened for a benchmark; validation at 0, iters/2 and iters.

    ``iters`` must be a multiple of ``report_every``: mlx-lm computes a report's
    steps/s as ``steps_per_report / time``, which is wrong for a shorter last report.
    """
    from lorastudio.core.train.demo import demo_config

    if iters % report_every:
        raise ValueError(f"iters ({iters}) must be a multiple of report_every ({report_every})")
    values = dict(
        iters=iters,
        steps_per_report=report_every,
        steps_per_eval=max(1, iters // 2),
        save_every=iters,
        test=False,
        eval_prompts=[],
        batching=batching,
        sparse_loss=sparse_loss,
    )
    if model_key == "tiny":
        values["num_layers"] = 2  # the tiny model has 2 blocks
    if model_key == "smollm2_q4":
        # 4-bit steps are slow on a CPU: one example a step, validation on two batches.
        values.update(batch_size=1, max_seq_length=65, val_batches=2, steps_per_eval=1000)
    values.update(changes)
    return demo_config(model_dir).replace(**values)


# ----------------------------------------------------------------------------
# the runners: each returns a run record (bench.common)


def run_mlx_lm(config, work: Path, blas: str = "fast") -> dict:
    folder = _fresh(work / "mlx-lm")
    (folder / "config.yaml").write_text(config.to_yaml(), encoding="utf-8")
    env = base_env(work, blas_env(blas, for_mlx_lm=True))
    return run_child("mlx_lm_side", "train", {"config": str(folder / "config.yaml"), "adapter_path": str(folder / "adapters")}, env, work)


@contextmanager
def _observed_worker(obs_path: Path):
    """Start the training child as ``bench.observed_worker`` (the worker's main, its batches noted)."""
    import sys

    from lorastudio.core.train import jobs as training

    real = training.worker_command

    def command(run_dir, resume, plan=None):
        if plan is not None:  # a distributed run: its launcher and ranks as they are
            return real(run_dir, resume, plan)
        cmd = [sys.executable, "-m", "bench.observed_worker", str(run_dir), str(obs_path)]
        return cmd + (["--resume"] if resume else [])

    training.worker_command = command
    try:
        yield
    finally:
        training.worker_command = real


def run_ours(config, work: Path, observe: bool = False, blas: str = "fast") -> dict:
    """The product's headless path: the training child started by ``start_training``."""
    from lorastudio.core.runs.events import Failed, TrainReport, ValReport
    from lorastudio.core.train.jobs import start_training

    folder = _fresh(work / "ours")
    obs_path = folder / "batches.json"
    spawned = time.time()
    tic = time.perf_counter()
    with environment(blas_env(blas, for_mlx_lm=False)):
        if observe:
            with _observed_worker(obs_path):
                job = start_training(config, root=folder / "runs")
        else:
            job = start_training(config, root=folder / "runs")
        events = list(job.events())
    wall = time.perf_counter() - tic
    if isinstance(job.terminal_event, Failed):
        raise RuntimeError(f"our training failed: {job.terminal_event.error}\n{job.terminal_event.details[-1500:]}")
    batches = json.loads(obs_path.read_text()) if observe and obs_path.is_file() else []
    reports = [e for e in events if isinstance(e, TrainReport)]
    environment_json = job.run_dir / "environment.json"
    # Wall-clock phases from the events' own times: start-up (process, model, data), the
    # training loop (validations and saves included), and what follows (reports).
    started = next((e.time for e in events if e.kind == "started"), None)
    final = next((e.time for e in events if e.kind == "checkpoint" and e.reason == "final"), None)
    phases = {}
    if started and final:
        phases = {"setup_s": started - spawned, "loop_s": final - started, "after_s": events[-1].time - final}
    return {
        "tool": "lorastudio",
        "reports": reports_of(reports, batches),
        "val": [[e.iteration, e.val_loss] for e in events if isinstance(e, ValReport)],
        "peak_memory_gb": max((r.peak_memory_gb for r in reports), default=0.0),
        "child_wall_s": wall,
        "phases": phases,
        "blas": json.loads(environment_json.read_text()).get("blas", "") if environment_json.is_file() else "",
        "run_dir": str(job.run_dir),
    }


def run_ours_app(config, work: Path) -> dict:
    folder = _fresh(work / "app")
    (folder / "config.yaml").write_text(config.to_yaml(), encoding="utf-8")
    env = base_env(work, blas_env("fast", for_mlx_lm=False))
    return run_child("gui_side", "gui_train", {"config": str(folder / "config.yaml"), "runs_root": str(folder / "runs")}, env, work)


def run_engine_inprocess(config, work: Path) -> dict:
    """Diagnostic: the engine's loop alone in a fresh process (``bench.ours_side.engine_inprocess``)."""
    folder = _fresh(work / "engine")
    (folder / "config.yaml").write_text(config.to_yaml(), encoding="utf-8")
    env = base_env(work, blas_env("fast", for_mlx_lm=False))
    return run_child("ours_side", "engine_inprocess", {"config": str(folder / "config.yaml"), "runs_root": str(folder / "runs")}, env, work)


def _fresh(parent: Path) -> Path:
    parent.mkdir(parents=True, exist_ok=True)
    n = len(list(parent.iterdir()))
    folder = parent / f"{n:03d}"
    folder.mkdir()
    return folder


# ----------------------------------------------------------------------------
# one case


def run_case(name: str, model_dir: str, iters: int, report_every: int, reps: int, variants: tuple[str, ...], work: Path,
             log=print, once: tuple[str, ...] = ()) -> dict:
    """Train every variant ``reps`` times (rotating their order; those in ``once`` only in the first); medians and ratios."""
    configs = {
        v: case_config(model_dir, name, iters, "bucketed" if v == "ours_bucketed" else "mlx-lm", report_every,
                       sparse_loss=v != "ours_exact")
        for v in variants
    }
    runners = {
        "mlx_lm": lambda c: run_mlx_lm(c, work),
        "ours": lambda c: run_ours(c, work, observe=True),
        "ours_exact": lambda c: run_ours(c, work, observe=True),
        "ours_app": lambda c: run_ours_app(c, work),
        "ours_bucketed": lambda c: run_ours(c, work, observe=True),
        "engine": lambda c: run_engine_inprocess(c, work),
    }
    records: dict[str, list[dict]] = {v: [] for v in variants}
    for rep in range(reps):
        order = variants if rep % 2 == 0 else variants[::-1]  # mlx-lm first, then last, then first...
        for variant in order:
            if rep and variant in once:
                continue
            tic = time.perf_counter()
            record = runners[variant](configs[variant])
            records[variant].append(record)
            s = summarize(record)
            log(f"  {name} {variant:14s} rep {rep + 1}: {s['tokens_per_s']:.1f} tokens/s, "
                f"step {s['step_s']:.3f} s, peak {s['peak_memory_gb']:.3f} GB ({time.perf_counter() - tic:.0f} s)")
    return {"name": name, "iters": iters, "report_every": report_every, "reps": reps, "records": records,
            "summary": compare(records)}


def compare(records: dict[str, list[dict]]) -> dict:
    """Medians over repetitions of each variant, and each one's ratios to mlx-lm.

    A ratio is the median over repetitions of the ratio within each
    repetition: the two runs of a repetition are minutes apart, so a change in
    the machine's load between repetitions cancels out.
    """
    keys = ("tokens_per_s", "real_tokens_per_s", "computed_tokens_per_s", "peak_memory_gb", "step_s")
    summaries = {v: [summarize(r) for r in runs] for v, runs in records.items()}
    out: dict = {"medians": {v: {k: median(s[k] for s in ss) for k in keys} for v, ss in summaries.items()}}
    base = summaries.get("mlx_lm", [])
    if not base:
        return out
    for v in records:
        if v == "mlx_lm":
            continue
        pairs = list(zip(summaries[v], base))

        def paired(key):
            return median(ratio(a[key], b[key]) for a, b in pairs)

        out[v] = {
            "tokens_per_s_ratio": paired("tokens_per_s"),
            "peak_memory_ratio": paired("peak_memory_gb"),
            "real_tokens_per_s_ratio": paired("real_tokens_per_s"),
            "computed_tokens_per_s_ratio": paired("computed_tokens_per_s"),
            "tokens_per_s_ratio_each": [ratio(a["tokens_per_s"], b["tokens_per_s"]) for a, b in pairs],
            # Paired by repetition: the same batches (batching mlx-lm) must give the same losses
            # (bit for bit without the sparse loss, to float rounding with it).
            "max_loss_diff": max(max_loss_diff(a, b) for a, b in zip(records[v], records["mlx_lm"])),
            "val_loss": records[v][0]["val"],
            "mlx_lm_val_loss": records["mlx_lm"][0]["val"],
        }
    return out
