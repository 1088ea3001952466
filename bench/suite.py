"""Every benchmark against mlx-lm, one after the other; the last line printed is one JSON object.

    bench/run_all            # the full set (about 25 minutes on a 2-core CPU)
    bench/run_all --quick    # the tiny model for training, short generation (under 5 minutes)
    bench/run_all --only train,generation --json out.json

Sections: ``train`` (throughput, peak memory and losses against mlx_lm.lora,
headless and through the app), ``demo`` (bucketed batching against mlx-lm on
the demo dataset; it reuses the training runs of the demo case), ``generation``
(ChatEngine against mlx_lm.generate), ``gui`` (the window's largest pause
while training and while streaming), ``launch`` (spawn to window shown) and
``blas`` (OpenBLAS against the bundled reference BLAS) and ``memory`` (peak
memory, speed and losses against mlx_lm.lora on full-width long batches,
SmolLM2-135M and a random model of Qwen2.5-0.5B's shape) and ``distributed``
(two ranks on loopback against one process: losses, step time, the
all-reduce's share of a step). A section that fails
is reported under "errors" and the others still run. docs/BENCHMARKS.md says
what each figure means. Main thread of the benchmark process.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import sys
import tempfile
import time
import traceback
from pathlib import Path

from bench.common import ROOT, BenchError, base_env, loadavg, rounded, run_child

SECTIONS = ("train", "demo", "generation", "gui", "launch", "blas", "memory", "distributed")

FULL = {
    "train": [  # (case, iters, steps per report, repetitions, variants, variants run in the first repetition only)
        ("tiny", 40, 5, 3, ("mlx_lm", "ours", "ours_exact", "ours_app", "ours_bucketed"), ()),
        ("smollm2_f32", 10, 1, 2, ("mlx_lm", "ours", "ours_bucketed", "ours_app", "ours_exact"), ("ours_app", "ours_exact")),
        ("smollm2_q4", 3, 1, 1, ("mlx_lm", "ours", "ours_app"), ()),
    ],
    "demo_case": "smollm2_f32",
    "generation": {"max_tokens": 64, "reps": 4, "prompts": 3},
    "gui_chat_tokens": 64,
    "launches": 3,
    "blas": {"iters": 3, "batch_size": 2},
    # (case name, model, iters, max_seq_length, adapted layers or None for the demo preset's): batch 4, full rows,
    # gradient checkpointing on both sides, no prompt mask (bench.memory_cases).
    "memory": [
        ("smollm2_f32", "smollm2_f32", 4, 1024, None),
        ("qwen2_5_0_5b", "qwen2_5_0_5b", 2, 1024, 4),
    ],
    # (model, iters): one process against 2 ranks on loopback (bench.distributed_cases).
    "distributed": [("tiny", 6), ("smollm2_f32", 3)],
}
QUICK = {
    "train": [("tiny", 40, 5, 2, ("mlx_lm", "ours", "ours_exact", "ours_app", "ours_bucketed"), ())],
    "demo_case": "tiny",
    "generation": {"max_tokens": 24, "reps": 1, "prompts": 2},
    "gui_chat_tokens": 24,
    "launches": 2,
    "blas": {"iters": 2, "batch_size": 1},
    "memory": [("tiny", "tiny", 3, 256, None), ("smollm2_f32", "smollm2_f32", 2, 128, None)],
    "distributed": [("tiny", 6)],
}


def default_models_dir() -> Path:
    return Path(os.environ.get("LORASTUDIO_BENCH_MODELS", Path.home() / ".cache" / "lorastudio-bench" / "models"))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="bench/run_all", description=__doc__.split("\n")[0])
    parser.add_argument("--quick", action="store_true", help="the tiny model for training, short generation (< 5 min)")
    parser.add_argument("--only", default="", help=f"comma-separated sections among {', '.join(SECTIONS)}")
    parser.add_argument("--models", type=Path, default=default_models_dir(), help="model cache (default %(default)s)")
    parser.add_argument("--json", type=Path, help="also write every detail (each run's steps) to this file")
    parser.add_argument("--keep", action="store_true", help="keep the work folder (runs, adapters, child logs)")
    args = parser.parse_args(argv)
    plan = QUICK if args.quick else FULL
    only = [s.strip() for s in args.only.split(",") if s.strip()] or list(SECTIONS)
    unknown = [s for s in only if s not in SECTIONS]
    if unknown:
        parser.error(f"unknown section(s) {', '.join(unknown)}; choose among {', '.join(SECTIONS)}")

    work = Path(tempfile.mkdtemp(prefix="lorastudio-bench-"))
    # Children started by start_training copy this process's environment.
    os.environ.update({k: v for k, v in base_env(work).items() if k in ("HF_HUB_OFFLINE", "QT_QPA_PLATFORM", "LORASTUDIO_HOME", "XDG_CONFIG_HOME")})
    os.environ.pop("LORASTUDIO_BLAS", None)
    tic = time.perf_counter()
    summary: dict = {"quick": args.quick, "load_average_start": loadavg()}
    details: dict = {}
    errors: dict = {}

    def log(text: str) -> None:
        print(text, flush=True)

    def section(name: str, fn) -> None:
        if name not in only:
            return
        log(f"== {name} (load average {' '.join(map(str, loadavg()))})")
        t0 = time.perf_counter()
        try:
            fn()
        except (BenchError, RuntimeError, OSError, ValueError, KeyError) as exc:
            errors[name] = f"{type(exc).__name__}: {exc}"[-2000:]
            log(f"  FAILED: {errors[name]}")
            traceback.print_exc(file=sys.stderr)
        log(f"  ({time.perf_counter() - t0:.0f} s)")

    need = {case for case, *_ in plan["train"]} | {"smollm2_f32"} | ({m for m, _ in plan["distributed"]} if "distributed" in only else set())
    models = run_child("ours_side", "prepare_models", {"models_dir": str(args.models), "need": sorted(need)}, base_env(work), work)
    summary["machine"] = _machine(work)
    log(f"Machine: {summary['machine']}")

    def train():
        from bench import train_cases

        for case, iters, report_every, reps, variants, once in plan["train"]:
            result = train_cases.run_case(case, models[case], iters, report_every, reps, variants, work, log=log, once=once)
            details[f"train_{case}"] = result
            s = result["summary"]
            for variant, prefix in (("ours", ""), ("ours_app", "app_"), ("ours_exact", "exact_"), ("ours_bucketed", "bucketed_"),
                                    ("engine", "engine_")):
                if variant in s:
                    summary[f"train_tokens_per_s_ratio_{prefix}{case}"] = s[variant]["tokens_per_s_ratio"]
                    summary[f"peak_memory_ratio_{prefix}{case}"] = s[variant]["peak_memory_ratio"]
                    summary[f"max_loss_diff_{prefix}{case}"] = s[variant]["max_loss_diff"]
            summary[f"train_tokens_per_s_mlx_lm_{case}"] = s["medians"]["mlx_lm"]["tokens_per_s"]
            summary[f"train_tokens_per_s_ours_{case}"] = s["medians"].get("ours", {}).get("tokens_per_s")
            summary[f"peak_memory_gb_mlx_lm_{case}"] = s["medians"]["mlx_lm"]["peak_memory_gb"]
            apps = [r for r in result["records"].get("ours_app", [])]
            if apps:
                gaps = [r["gaps_training"]["max_ms"] for r in apps if r["gaps_training"]["max_ms"] is not None]
                summary[f"gui_max_gap_ms_training_{case}"] = max(gaps) if gaps else None

    def demo():
        case = plan["demo_case"]
        result = details.get(f"train_{case}")
        if result is None or "ours_bucketed" not in result["summary"] or "ours" not in result["summary"]:
            from bench import train_cases

            iters, report_every = next(((i, r) for c, i, r, *_ in plan["train"] if c == case), (40, 5))
            result = train_cases.run_case(case, models[case], iters, report_every, 1, ("mlx_lm", "ours", "ours_bucketed"), work, log=log)
            details[f"demo_{case}"] = result
        s = result["summary"]
        d, b, m = s["ours"], s["ours_bucketed"], s["medians"]
        summary.update(
            {
                "demo_model": case,
                # The default (the same batches as mlx-lm, the sparse loss): equivalent training.
                "useful_tokens_per_s_ratio_demo": d["real_tokens_per_s_ratio"],
                "raw_tokens_per_s_ratio_demo": d["computed_tokens_per_s_ratio"],
                "useful_tokens_per_s_ours_demo": m["ours"]["real_tokens_per_s"],
                "useful_tokens_per_s_mlx_lm_demo": m["mlx_lm"]["real_tokens_per_s"],
                "peak_memory_ratio_demo": d["peak_memory_ratio"],
                "max_loss_diff_demo": d["max_loss_diff"],
                "val_loss_ours_demo": d["val_loss"],
                "val_loss_mlx_lm_demo": d["mlx_lm_val_loss"],
                "padding_share_mlx_lm_demo": _padding_share(result["records"]["mlx_lm"]),
                # batching: bucketed on top (fewer padding tokens; other batches, so another loss curve).
                "useful_tokens_per_s_ratio_bucketed_demo": b["real_tokens_per_s_ratio"],
                "raw_tokens_per_s_ratio_bucketed_demo": b["computed_tokens_per_s_ratio"],
                "useful_tokens_per_s_bucketed_demo": m["ours_bucketed"]["real_tokens_per_s"],
                "peak_memory_ratio_bucketed_demo": b["peak_memory_ratio"],
                "val_loss_bucketed_demo": b["val_loss"],
                # Below 0: bucketed ended with the lower validation loss (the same steps, other batches).
                "final_val_loss_diff_bucketed_demo": b["val_loss"][-1][1] - b["mlx_lm_val_loss"][-1][1],
                "padding_share_bucketed_demo": _padding_share(result["records"]["ours_bucketed"]),
                "distinct_shapes_bucketed_demo": _shapes(result["records"]["ours_bucketed"]),
                "distinct_shapes_mlx_lm_demo": _shapes(result["records"]["mlx_lm"]),
            }
        )

    adapter_holder: dict = {}

    def adapter() -> str:
        """A trained adapter of the SmolLM2 case when there is one, else a made one."""
        if "path" not in adapter_holder:
            runs = details.get("train_smollm2_f32", {}).get("records", {}).get("ours", [])
            if runs:
                adapter_holder["path"], adapter_holder["kind"] = runs[0]["run_dir"], "trained (the SmolLM2 training case)"
            else:
                made = run_child("ours_side", "make_adapter", {"model": models["smollm2_f32"], "out_dir": str(work / "adapter"), "num_layers": 8}, base_env(work), work)
                adapter_holder["path"], adapter_holder["kind"] = made["adapter"], "random LoRA weights (rank 8, 8 layers)"
        return adapter_holder["path"]

    def generation():
        from bench import app_cases

        g = plan["generation"]
        result = app_cases.generation(models["smollm2_f32"], adapter(), work, g["max_tokens"], g["reps"], app_cases.PROMPTS[: g["prompts"]], log=log)
        details["generation"] = result
        summary.update(
            {
                "gen_tokens_per_s_ratio": result["gen_tokens_per_s_ratio"],
                "ttft_ratio": result["ttft_ratio"],
                "ttft_ratio_second_turn": result["ttft_ratio_second_turn"],
                "gen_tokens_per_s_ours": result["tokens_per_s"]["ours"],
                "gen_tokens_per_s_mlx_lm": result["tokens_per_s"]["mlx_lm"],
                "ttft_s_ours": result["ttft_s"]["ours"],
                "ttft_s_mlx_lm": result["ttft_s"]["mlx_lm"],
                "gen_same_answers": result["same_answers"],
                "gen_adapter": adapter_holder["kind"],
            }
        )

    def gui():
        from bench import app_cases, train_cases

        if not any(k.startswith("gui_max_gap_ms_training_") for k in summary):
            case, iters, report_every = plan["train"][0][:3]
            record = train_cases.run_ours_app(train_cases.case_config(models[case], case, iters, "mlx-lm", report_every), work)
            summary[f"gui_max_gap_ms_training_{case}"] = record["gaps_training"]["max_ms"]
        gaps = [v for k, v in summary.items() if k.startswith("gui_max_gap_ms_training_") and v is not None]
        summary["gui_max_gap_ms_training"] = max(gaps) if gaps else None
        chat = app_cases.gui_chat(models["smollm2_f32"], adapter(), work, plan["gui_chat_tokens"])
        details["gui_chat"] = chat
        summary["gui_max_gap_ms_generating"] = chat["gaps_generating"]["max_ms"]
        summary["gui_p99_gap_ms_generating"] = chat["gaps_generating"]["p99_ms"]
        summary["gui_max_gap_ms_loading_model"] = chat["gaps_loading"]["max_ms"]
        log(f"  largest gap while training {summary['gui_max_gap_ms_training']:.1f} ms, "
            f"while generating {summary['gui_max_gap_ms_generating']:.1f} ms")

    def launch():
        from bench import app_cases

        result = app_cases.launch(work, plan["launches"])
        details["launch"] = result
        summary["launch_to_window_s"] = result["launch_to_window_s"]
        summary["launch_to_window_first_s"] = result["first_s"]
        log(f"  launch to window: {', '.join(f'{s:.2f}' for s in result['runs_s'])} s")

    def blas():
        from bench import app_cases

        if sys.platform != "linux":
            summary["openblas_speedup"] = None
            return
        b = plan["blas"]
        result = app_cases.openblas(models["smollm2_f32"], work, b["iters"], b["batch_size"])
        details["blas"] = result
        summary["openblas_speedup"] = result["openblas_speedup"]
        summary["blas_tokens_per_s_bundled"] = result["bundled"]["summary"]["tokens_per_s"]
        summary["blas_tokens_per_s_openblas"] = result["fast"]["summary"]["tokens_per_s"]
        log(f"  OpenBLAS {summary['blas_tokens_per_s_openblas']:.1f} tokens/s, bundled {summary['blas_tokens_per_s_bundled']:.1f}: "
            f"{summary['openblas_speedup']:.1f}x")

    def memory():
        from bench import memory_cases

        for name, model, iters, seq_len, num_layers in plan["memory"]:
            model_dir = memory_cases.prepare_qwen(work) if model == "qwen2_5_0_5b" else models[model]
            result = memory_cases.run_memory_case(name, model_dir, model, work, iters, seq_len, num_layers=num_layers, log=log)
            details[f"memory_{name}"] = result
            figures = memory_cases.summary_figures(result)
            summary.update(figures)
            log(f"  {name}: peak {figures[f'memory_peak_gb_ours_{name}']:.3f} GB against {figures[f'memory_peak_gb_mlx_lm_{name}']:.3f} GB "
                f"(ratio {figures[f'memory_peak_ratio_{name}']:.3f}), tokens/s ratio {figures[f'memory_tokens_per_s_ratio_{name}']:.3f}, "
                f"max loss difference {figures[f'memory_max_loss_diff_{name}']:.2e}")

    def distributed():
        from bench import distributed_cases

        for model, iters in plan["distributed"]:
            result = distributed_cases.run(models[model], model, iters, work / f"distributed-{model}", log=log)
            details[f"distributed_{model}"] = result
            summary.update({
                f"distributed_max_loss_diff_{model}": result["max_loss_diff"],
                f"distributed_step_time_ratio_{model}": result["step_time_ratio"],
                f"distributed_all_reduce_ms_{model}": result["all_reduce"]["all_reduce_ms"],
                f"distributed_all_reduce_gb_s_{model}": result["all_reduce"]["bandwidth_gb_s"],
                f"distributed_all_reduce_share_{model}": result["all_reduce_share_of_step"],
            })

    for name, fn in (("train", train), ("demo", demo), ("generation", generation), ("gui", gui), ("launch", launch), ("blas", blas),
                     ("memory", memory), ("distributed", distributed)):
        section(name, fn)

    summary["load_average_end"] = loadavg()
    summary["total_s"] = time.perf_counter() - tic
    if errors:
        summary["errors"] = errors
    summary = rounded(summary)
    if args.json:
        args.json.write_text(json.dumps({"summary": summary, "details": rounded(details, 6)}, indent=1), encoding="utf-8")
    if args.keep:
        log(f"work folder kept: {work}")
    else:
        shutil.rmtree(work, ignore_errors=True)
    print_table(summary, log)
    print(json.dumps(summary), flush=True)
    return 1 if errors else 0


def _machine(work: Path) -> dict:
    """describe_machine() as the training child sees it (MLX imported in a child, not here)."""
    code = "import json, lorastudio; from lorastudio.core.base.environment import describe_machine; print(json.dumps(describe_machine()))"
    import subprocess

    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=base_env(work), cwd=ROOT)
    try:
        return json.loads(out.stdout.strip().splitlines()[-1])
    except (ValueError, IndexError):
        return {"error": out.stderr[-500:]}


def _padding_share(records: list[dict]) -> float | None:
    reports = [e for r in records[:1] for e in r["reports"]]
    if not reports or any(e.get("real") is None or e.get("computed") is None for e in reports):
        return None
    return 1 - sum(e["real"] for e in reports) / sum(e["computed"] for e in reports)


def _shapes(records: list[dict]) -> int | None:
    shapes = {tuple(shape) for r in records[:1] for e in r["reports"] for shape in (e.get("shapes") or [])}
    return len(shapes) or None


def print_table(summary: dict, log) -> None:
    log("== results")
    for key, value in summary.items():
        if key in ("machine", "errors"):
            continue
        log(f"  {key:44s} {value}")
    for name, error in summary.get("errors", {}).items():
        log(f"  ERROR in {name}: {error.splitlines()[0] if error else ''}")


if __name__ == "__main__":
    sys.exit(main())
