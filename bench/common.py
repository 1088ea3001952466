"""Plumbing shared by the benchmarks: fresh child processes, their environment, run summaries.

Every measured side (mlx-lm's training, our GUI, a chat engine, ...) runs in
a fresh Python process started with ``run_child``: ``python -m bench.<module>
<function> ARGS.json OUT.json``. The child's function gets the arguments as a
dict and returns a JSON-able dict, which ``child_main`` writes to OUT.json.
This module imports neither lorastudio nor MLX at import time: the mlx-lm
child imports it and must stay a pure mlx-lm process. Main thread of each
process.
"""

from __future__ import annotations

import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from contextlib import contextmanager
from pathlib import Path
from typing import Callable

ROOT = Path(__file__).resolve().parents[1]


class BenchError(RuntimeError):
    """A benchmark step that failed; the message carries the child's last log lines."""


# ----------------------------------------------------------------------------
# child processes


def child_main(functions: dict[str, Callable[[dict], dict]], argv: list[str] | None = None) -> int:
    """Entry of a child: ``<function> ARGS.json OUT.json``; writes the function's result to OUT.json."""
    argv = list(sys.argv[1:] if argv is None else argv)
    name, args_path, out_path = argv
    args = json.loads(Path(args_path).read_text(encoding="utf-8"))
    result = functions[name](args)
    Path(out_path).write_text(json.dumps(result), encoding="utf-8")
    return 0


def base_env(work: Path, extra: dict | None = None) -> dict:
    """The environment of every child: offline, offscreen, its own data home and Qt settings."""
    env = dict(os.environ)
    env.update(
        {
            "HF_HUB_OFFLINE": "1",
            "QT_QPA_PLATFORM": "offscreen",
            "LORASTUDIO_HOME": str(work / "home"),
            "XDG_CONFIG_HOME": str(work / "config"),  # QSettings of the app children: not the user's
            "PYTHONPATH": os.pathsep.join(p for p in (str(ROOT), env.get("PYTHONPATH", "")) if p),
            "PYTHONUNBUFFERED": "1",
        }
    )
    env.pop("LD_PRELOAD", None)
    env.pop("LORASTUDIO_BLAS", None)
    _apply(env, extra or {})
    return env


def _apply(env, changes: dict) -> None:
    """Set each variable to its value, or remove it where the value is None."""
    for key, value in changes.items():
        if value is None:
            env.pop(key, None)
        else:
            env[key] = value


def run_child(module: str, function: str, args: dict, env: dict, work: Path, timeout: float = 1800) -> dict:
    """Run ``bench.<module>.<function>(args)`` in a fresh process; its result plus ``child_wall_s``."""
    folder = Path(tempfile.mkdtemp(prefix=f"{module}-{function}-", dir=work))
    args_path, out_path, log_path = folder / "args.json", folder / "out.json", folder / "child.log"
    args_path.write_text(json.dumps(args), encoding="utf-8")
    tic = time.perf_counter()
    with open(log_path, "wb") as log:
        process = subprocess.run(
            [sys.executable, "-m", f"bench.{module}", function, str(args_path), str(out_path)],
            cwd=ROOT,
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
            timeout=timeout,
        )
    wall = time.perf_counter() - tic
    if process.returncode != 0 or not out_path.is_file():
        raise BenchError(f"bench.{module} {function} exited with {process.returncode}:\n{tail(log_path)}")
    result = json.loads(out_path.read_text(encoding="utf-8"))
    result["child_wall_s"] = wall
    return result


def tail(path: Path, lines: int = 25) -> str:
    try:
        text = Path(path).read_text(encoding="utf-8", errors="replace")
    except OSError:
        return ""
    return "\n".join(text.splitlines()[-lines:])


@contextmanager
def environment(changes: dict):
    """Set (value) or remove (None) environment variables of this process for a block."""
    saved = {key: os.environ.get(key) for key in changes}
    try:
        _apply(os.environ, changes)
        yield
    finally:
        _apply(os.environ, saved)


# ----------------------------------------------------------------------------
# BLAS: both tools get the same library


def fast_blas_path() -> str | None:
    """The OpenBLAS that lorastudio loads on this machine (None: none found, or not Linux)."""
    from lorastudio.core.base import blas  # the parent may import lorastudio; children of mlx-lm never do

    if sys.platform != "linux" or blas.bundled_blas() is None:
        return None
    return blas.find_fast_blas()


def blas_env(mode: str, for_mlx_lm: bool) -> dict:
    """Environment changes that give a child the BLAS ``mode`` ("fast" or "bundled").

    LoRA Studio loads OpenBLAS itself (``lorastudio.core.base.blas``) unless
    ``LORASTUDIO_BLAS=bundled``; the mlx-lm child gets the very same library
    through ``LD_PRELOAD``, which resolves MLX's BLAS symbols the same way.
    """
    if mode == "bundled":
        return {"LORASTUDIO_BLAS": "bundled", "LD_PRELOAD": None}
    path = fast_blas_path()
    if for_mlx_lm:
        return {"LD_PRELOAD": path, "LORASTUDIO_BLAS": None}
    return {"LD_PRELOAD": None, "LORASTUDIO_BLAS": None}


def loaded_blas() -> str:
    """Which BLAS library this process has mapped (read after MLX is imported)."""
    from lorastudio.core.base.blas import loaded_library  # MLX is loaded by now: importing changes nothing

    return loaded_library()


def loadavg() -> list[float]:
    try:
        return [round(x, 2) for x in os.getloadavg()]
    except OSError:
        return []


# ----------------------------------------------------------------------------
# run records and their summaries
#
# A run record: {"tool": str, "reports": [{"iteration", "steps", "loss", "seconds",
# "tokens", "computed", "real", "shapes"}], "val": [[iteration, loss], ...],
# "peak_memory_gb": float}. One entry per train report (the steps since the
# previous one): "tokens" are mlx-lm's loss tokens; "computed" rows x width
# (padding included); "real" the example tokens; "shapes" each step's batch
# shape (None where the batches were not observed).


def report_entry(iteration: int, previous: int, loss: float, iterations_per_second: float, tokens_per_second: float,
                 computed_tokens_per_second: float | None = None, batches: list | None = None) -> dict:
    """One train report as a record entry; ``batches`` (rows, width, real per step) fill in what it covers."""
    steps = iteration - previous
    seconds = steps / iterations_per_second
    covered = (batches or [])[previous:iteration]
    full = len(covered) == steps
    computed = round(computed_tokens_per_second * seconds) if computed_tokens_per_second else None
    if full and computed is None:
        computed = sum(b["rows"] * b["width"] for b in covered)
    return {
        "iteration": iteration,
        "steps": steps,
        "loss": loss,
        "seconds": seconds,
        "tokens": round(tokens_per_second * seconds),
        "computed": computed,
        "real": sum(b["real"] for b in covered) if full else None,
        "shapes": [[b["rows"], b["width"]] for b in covered] if full else None,
    }


def reports_of(train_reports, batches: list | None = None) -> list[dict]:
    """Record entries for lorastudio TrainReport events."""
    out, previous = [], 0
    for r in train_reports:
        out.append(report_entry(r.iteration, previous, r.train_loss, r.iterations_per_second, r.tokens_per_second,
                                r.computed_tokens_per_second, batches))
        previous = r.iteration
    return out


def summarize(run: dict, skip: int = 1) -> dict:
    """Throughput over the reports after the first ``skip`` (the first step compiles the step function)."""
    reports = run["reports"][skip:] or run["reports"]
    seconds = sum(r["seconds"] for r in reports)
    steps = sum(r["steps"] for r in reports)

    def rate(key):
        values = [r.get(key) for r in reports]
        return None if any(v is None for v in values) or seconds <= 0 else sum(values) / seconds

    return {
        "steps": steps,
        "seconds": seconds,
        "tokens_per_s": rate("tokens"),
        "real_tokens_per_s": rate("real"),
        "computed_tokens_per_s": rate("computed"),
        "step_s": seconds / steps if steps else None,
        "peak_memory_gb": run["peak_memory_gb"],
        "first_report_s": run["reports"][0]["seconds"] if run["reports"] else None,
    }


def max_loss_diff(a: dict, b: dict) -> float:
    """Largest difference of train and validation losses at the same steps (inf if the steps differ)."""
    train_a = {r["iteration"]: r["loss"] for r in a["reports"]}
    train_b = {r["iteration"]: r["loss"] for r in b["reports"]}
    val_a, val_b = dict(map(tuple, a["val"])), dict(map(tuple, b["val"]))
    if set(train_a) != set(train_b) or set(val_a) != set(val_b) or not train_a:
        return float("inf")
    diffs = [abs(train_a[i] - train_b[i]) for i in train_a] + [abs(val_a[i] - val_b[i]) for i in val_a]
    return max(diffs)


def median(values) -> float | None:
    values = [v for v in values if v is not None]
    return statistics.median(values) if values else None


def ratio(a: float | None, b: float | None) -> float | None:
    if a is None or b is None or b == 0:
        return None
    return a / b


def rounded(value, digits: int = 4):
    """JSON-friendly rounding of nested results (inf and nan become None).

    Below 1 it keeps ``digits`` significant digits, so that a loss difference of
    4.8e-6 is not printed as 0.0.
    """
    if isinstance(value, float):
        if value != value or value in (float("inf"), float("-inf")):
            return None
        if value and abs(value) < 1:
            return float(f"{value:.{digits}g}")
        return round(value, digits)
    if isinstance(value, dict):
        return {k: rounded(v, digits) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [rounded(v, digits) for v in value]
    return value
