"""Measure real training peaks and compare them with the memory and time estimate.

Each configuration trains a few steps in a fresh training child
(``lorastudio.core.train.jobs.start_training(...).run_to_end()``): the peak MLX
reports (``mx.get_peak_memory()``, the ``peak_memory_gb`` of the run's
``train_report`` events) is per process, so every configuration gets its own.
The examples are longer than ``max_seq_length``, so every batch is cut to
exactly ``max_seq_length`` tokens (the model sees one fewer: mlx-lm's inputs
are ``batch[:, :-1]``) and the measured length is the one asked for.

    python bench/calibrate_memory.py                # tiny model and SmolLM2 (float32), the full table
    python bench/calibrate_memory.py --quick        # tiny model only
    python bench/calibrate_memory.py --json out.json
    python bench/calibrate_memory.py --probes 40     # random llama shapes, one training step each

``--probes`` is how the coefficients of ``lorastudio.core.estimate.memory``
were found: random llama models (no tokenizer, no files) train a few compiled
steps exactly as the engine does, each in a fresh process, and their peak is
set beside the estimate. Tens of them run in minutes.

It prints one row per configuration: estimated and measured peak, the error,
and estimated and measured seconds per step. ``docs/memory.md`` holds its
results. A script, not a test; runs on the main thread of its own process.
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

# Words the tiny model's tokenizer (and any BPE) splits into few tokens; the text
# only has to be long enough to be cut at max_seq_length.
_WORDS = "the quick brown fox jumps over the lazy dog a tiny model learns tiny things one two three four five".split()


@dataclass(frozen=True)
class Case:
    """One measured configuration: batch x length (the model's input length)."""

    model: str  # "tiny" or "smollm2"
    batch_size: int
    length: int  # tokens the model sees per row (max_seq_length - 1)
    grad_checkpoint: bool = False
    num_layers: int = -1
    keys: tuple[str, ...] | None = None
    rank: int = 8
    logit_free: bool = True  # LoRA Studio's default; False: every position's logits at once (mlx-lm's loss)
    micro_batch: int | None = None

    @property
    def label(self) -> str:
        keys = "all" if self.keys is None else "+".join(k.split(".")[-1] for k in self.keys)
        layers = "all" if self.num_layers < 0 else str(self.num_layers)
        extras = (" ckpt" if self.grad_checkpoint else "") + ("" if self.logit_free else " full-logits")
        extras += f" micro{self.micro_batch}" if self.micro_batch else ""
        return f"{self.model} b{self.batch_size} x {self.length}{extras} [{layers} layers, {keys}, r{self.rank}]"


QV = ("self_attn.q_proj", "self_attn.v_proj")

TINY_CASES = [
    Case("tiny", 2, 64),
    Case("tiny", 4, 128),
    Case("tiny", 8, 128),
    Case("tiny", 4, 256),
    Case("tiny", 4, 128, grad_checkpoint=True),
    Case("tiny", 4, 256, grad_checkpoint=True),
    Case("tiny", 4, 256, keys=QV, num_layers=1),
    Case("tiny", 4, 256, logit_free=False),
    Case("tiny", 8, 128, micro_batch=2),
]

SMOLLM2_CASES = [
    Case("smollm2", 1, 128, num_layers=16, keys=QV),
    Case("smollm2", 4, 128, num_layers=16, keys=QV),
    Case("smollm2", 2, 512, num_layers=16, keys=QV),
    Case("smollm2", 2, 512, num_layers=16, keys=QV, grad_checkpoint=True),
    Case("smollm2", 4, 256, num_layers=16),
    Case("smollm2", 4, 256, num_layers=16, grad_checkpoint=True),
    Case("smollm2", 1, 1024, num_layers=-1, keys=QV),
    Case("smollm2", 1, 1024, num_layers=-1, keys=QV, grad_checkpoint=True),
    Case("smollm2", 4, 256, num_layers=16, logit_free=False),
    Case("smollm2", 4, 256, num_layers=16, grad_checkpoint=True, logit_free=False),
    Case("smollm2", 4, 512, num_layers=16, keys=QV, grad_checkpoint=True, micro_batch=1),
]


def write_long_dataset(folder: Path, length: int, examples: int = 8) -> Path:
    """train/valid.jsonl of plain-text examples longer than ``length`` tokens of any BPE."""
    folder.mkdir(parents=True, exist_ok=True)
    words = (_WORDS * (length // len(_WORDS) + 2))[: length + 16]
    for name, n in (("train", examples), ("valid", examples)):
        with open(folder / f"{name}.jsonl", "w", encoding="utf-8") as f:
            for i in range(n):
                f.write(json.dumps({"text": f"{i} " + " ".join(words)}) + "\n")
    return folder


def case_config(case: Case, model_dir: Path, data_dir: Path, iters: int = 3):
    from lorastudio.core.config.train_config import TrainConfig

    lora = {"rank": case.rank, "scale": 10.0, "dropout": 0.0, "keys": list(case.keys) if case.keys else None}
    return TrainConfig(
        model=str(model_dir),
        data=str(data_dir),
        num_layers=case.num_layers,
        batch_size=case.batch_size,
        iters=iters,
        learning_rate=1e-5,
        steps_per_report=1,
        steps_per_eval=10_000,
        val_batches=1,
        save_every=10_000,
        max_seq_length=case.length + 1,
        grad_checkpoint=case.grad_checkpoint,
        logit_free_loss=case.logit_free,
        micro_batch_size=case.micro_batch,
        keep_best=False,
    ).replace(lora_parameters=lora)


def measure(config, runs_root: Path) -> dict:
    """Train ``config`` in a fresh child; its peak (GB) and the seconds of its last step."""
    from lorastudio.core.runs.events import Failed, TrainReport
    from lorastudio.core.train.jobs import start_training

    job = start_training(config, root=runs_root)
    reports = []
    for event in job.events():
        if isinstance(event, TrainReport):
            reports.append(event)
    if isinstance(job.terminal_event, Failed) or not reports:
        raise RuntimeError(f"measurement run failed: {getattr(job.terminal_event, 'error', job.terminal_event)}")
    return {
        "peak_gb": max(r.peak_memory_gb for r in reports),
        "step_s": 1.0 / reports[-1].iterations_per_second,
        "run_dir": str(job.run_dir),
    }


def model_folder(name: str, work: Path) -> Path:
    if name == "tiny":
        from lorastudio.core.models.tiny import build_tiny_model

        folder = work / "tiny-llama"
        return folder if (folder / "config.json").is_file() else build_tiny_model(folder)
    from lorastudio.core.models.demo_model import import_demo_model

    return import_demo_model(work / "models", dtype="float32")


def run_cases(cases: list[Case], work: Path, iters: int = 3, out=sys.stdout) -> list[dict]:
    """Estimate, then measure, each case; print a row per case as it ends.

    The matmul speed is measured again just before each case, so that the step
    efficiency column (the share of that speed a training step reaches, what
    ``estimate_speed.STEP_EFFICIENCY`` holds) compares like with like on a
    machine whose load changes.
    """
    from lorastudio.core.estimate import speed as estimate_speed
    from lorastudio.core.estimate.forecast import estimate_for_config

    rows = []
    header = (f"{'configuration':<52} {'estimate':>9} {'measured':>9} {'error':>7} "
              f"{'est s/step':>10} {'meas s/step':>11} {'efficiency':>10}")
    print(header, file=out)
    print("-" * len(header), file=out)
    for case in cases:
        model_dir = model_folder(case.model, work)
        data_dir = write_long_dataset(work / f"data-{case.length}", case.length)
        config = case_config(case, model_dir, data_dir, iters)
        estimate_speed.matmul_gflops("float32", refresh=True)
        estimate = estimate_for_config(config)
        tic = time.perf_counter()
        measured = measure(config, work / "runs")
        error = 100.0 * (estimate.total_gb - measured["peak_gb"]) / measured["peak_gb"]
        device = estimate.device
        efficiency = estimate_speed.STEP_EFFICIENCY.get(device, 0.6) * estimate.seconds_per_step / measured["step_s"]
        row = {
            "case": case.label,
            "estimate_gb": estimate.total_gb,
            "measured_gb": measured["peak_gb"],
            "error_percent": error,
            "estimate_step_s": estimate.seconds_per_step,
            "measured_step_s": measured["step_s"],
            "matmul_gflops": estimate.device_gflops,
            "step_efficiency": efficiency,
            "wall_s": time.perf_counter() - tic,
            "breakdown": estimate.breakdown(),
        }
        rows.append(row)
        print(f"{case.label:<52} {_gb(estimate.total_gb):>9} {_gb(measured['peak_gb']):>9} {error:>+6.1f}% "
              f"{_s(estimate.seconds_per_step):>10} {_s(measured['step_s']):>11} {efficiency:>10.2f}", file=out, flush=True)
    return rows


# ----------------------------------------------------------------------------
# probes: random llama shapes, measured without the training child

_BASE_MODEL = {"model_type": "llama", "rms_norm_eps": 1e-5, "tie_word_embeddings": True, "torch_dtype": "float32"}


def random_probes(count: int, seed: int = 0) -> list[dict]:
    """Random llama shapes and LoRA settings, small enough to measure in seconds."""
    import random

    rng = random.Random(seed)
    specs = []
    while len(specs) < count:
        hidden = rng.choice([64, 128, 256, 384, 512])
        heads = rng.choice([2, 4, 8])
        if hidden % heads or (hidden // heads) % 2:
            continue
        layers = rng.choice([2, 4, 6])
        specs.append({
            "model": {**_BASE_MODEL, "hidden_size": hidden, "intermediate_size": hidden * rng.choice([1, 2, 3]),
                      "num_attention_heads": heads, "num_key_value_heads": rng.choice([heads, max(1, heads // 2), 1]),
                      "num_hidden_layers": layers, "vocab_size": rng.choice([256, 1000, 4000, 8000])},
            "num_layers": rng.choice([1, layers // 2, layers]),
            "keys": rng.choice([None, list(QV)]),
            "grad_checkpoint": rng.random() < 0.4,
            "batch": rng.choice([1, 2, 4]),
            "length": rng.choice([32, 64, 128, 256]),
        })
    return specs


def _probe_config(spec: dict):
    from lorastudio.core.config.train_config import TrainConfig

    return TrainConfig(num_layers=spec["num_layers"], grad_checkpoint=spec["grad_checkpoint"]).replace(
        lora_parameters={"rank": 8, "keys": spec["keys"]})


def probe_one(spec: dict) -> dict:
    """Peak of three compiled training steps of ``spec``, the engine's step (run in a fresh process)."""
    from functools import partial

    import mlx.core as mx
    import mlx.nn as nn
    from mlx_lm.tuner.trainer import default_loss, grad_checkpoint

    from lorastudio.core.tuner.loop import build_optimizer
    from lorastudio.core.models.info import apply_fine_tune, build_skeleton

    model = build_skeleton(spec["model"])
    mx.eval(model.parameters())
    config = _probe_config(spec)
    mx.random.seed(0)
    apply_fine_tune(model, config)
    optimizer = build_optimizer(config)
    if config.grad_checkpoint:
        grad_checkpoint(model.layers[0])
    loss_and_grad = nn.value_and_grad(model, default_loss)
    state = [model.state, optimizer.state, mx.random.state]

    @partial(mx.compile, inputs=state, outputs=state)
    def step(batch, lengths):
        (loss, tokens), grad = loss_and_grad(model, batch, lengths)
        optimizer.update(model, grad)
        return loss, tokens

    model.train()
    batch, length = spec["batch"], spec["length"]
    tokens = mx.random.randint(0, spec["model"]["vocab_size"], (batch, length + 1)).astype(mx.int32)
    lengths = mx.array([[0, length + 1]] * batch)
    mx.eval(tokens, lengths)
    mx.reset_peak_memory()
    for _ in range(3):
        loss, count = step(tokens, lengths)
        mx.eval(state, loss, count)
    return {"peak_gb": mx.get_peak_memory() / 1e9}


def run_probes(count: int, work: Path, out=sys.stdout) -> list[dict]:
    import subprocess

    from lorastudio.core.estimate.memory import describe, step_memory

    rows = []
    print(f"{'probe':<72} {'estimate':>9} {'measured':>9} {'error':>7}", file=out)
    for i, spec in enumerate(random_probes(count)):
        done = subprocess.run([sys.executable, __file__, "--probe-one", json.dumps(spec)], capture_output=True, text=True)
        if done.returncode != 0:
            print(f"probe {i} failed: {done.stderr.strip().splitlines()[-1:]}", file=out)
            continue
        measured = json.loads(done.stdout.strip().splitlines()[-1])["peak_gb"]
        path = work / f"probe-{i}.json"
        path.write_text(json.dumps(spec["model"]))
        config = _probe_config(spec)
        shape, train = describe(path, config)
        estimate = step_memory(shape, train, config, spec["batch"], spec["length"]).total / 1e9
        error = 100.0 * (estimate - measured) / measured
        m = spec["model"]
        label = (f"h{m['hidden_size']} i{m['intermediate_size']} {m['num_attention_heads']}/{m['num_key_value_heads']} heads "
                 f"v{m['vocab_size']} {spec['num_layers']}/{m['num_hidden_layers']} layers "
                 f"{'all' if spec['keys'] is None else 'qv'} b{spec['batch']} x {spec['length']}"
                 f"{' ckpt' if spec['grad_checkpoint'] else ''}")
        rows.append({"case": label, "estimate_gb": estimate, "measured_gb": measured, "error_percent": error})
        print(f"{label:<72} {_gb(estimate):>9} {_gb(measured):>9} {error:>+6.1f}%", file=out, flush=True)
    return rows


def _gb(value: float) -> str:
    return f"{value * 1000:.1f} MB" if value < 1 else f"{value:.2f} GB"


def _s(value: float | None) -> str:
    return "-" if value is None else f"{value:.2f}"


def main(argv: list[str] | None = None) -> int:
    import lorastudio  # noqa: F401  (loads the fast BLAS before MLX)

    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="the tiny model only")
    parser.add_argument("--smollm2-only", action="store_true", help="SmolLM2 only")
    parser.add_argument("--iters", type=int, default=3, help="steps per configuration (default 3)")
    parser.add_argument("--work", help="folder for models, data and runs (default: a temporary folder)")
    parser.add_argument("--json", help="also write the rows to this JSON file")
    parser.add_argument("--probes", type=int, default=0, help="measure this many random llama shapes instead")
    parser.add_argument("--probe-one", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.probe_one:
        print(json.dumps(probe_one(json.loads(args.probe_one))))
        return 0
    cases = [] if args.smollm2_only else list(TINY_CASES)
    if not args.quick:
        cases += SMOLLM2_CASES
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(args.work) if args.work else Path(tmp)
        work.mkdir(parents=True, exist_ok=True)
        rows = run_probes(args.probes, work) if args.probes else run_cases(cases, work, args.iters)
    worst = max(abs(r["error_percent"]) for r in rows)
    print(f"\nlargest memory error: {worst:.1f}% over {len(rows)} configurations")
    efficiencies = sorted(r["step_efficiency"] for r in rows if r["case"].startswith("smollm2") and "step_efficiency" in r)
    if efficiencies:
        print(f"SmolLM2 step efficiency: median {efficiencies[len(efficiencies) // 2]:.2f} "
              f"(range {efficiencies[0]:.2f}-{efficiencies[-1]:.2f}) of the measured matmul speed")
    if args.json:
        Path(args.json).write_text(json.dumps(rows, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
