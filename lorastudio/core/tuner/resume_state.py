"""Exact-resume state of a run: everything mlx-lm's `--resume-adapter-file` forgets.

Saved in ``resume/`` of the run as a pair: ``NNNNNNN.safetensors`` (trained
weights, optimizer state, MLX random key, accumulated gradients) and
``NNNNNNN.json`` (step, NumPy random state, data order, report accumulators,
best validation). The JSON is written last and marks the pair complete, so a
kill mid-save leaves the previous pair in charge. Runs on the training thread
(it evaluates MLX arrays).
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field
from pathlib import Path

import numpy as np

from lorastudio.core.base import atomic

FOLDER = "resume"


@dataclass
class Counters:
    """Everything about the loop that is not an array."""

    iteration: int = 0  # training steps done
    report_loss_sum: float = 0.0  # float32 sum of step losses since the last report
    report_tokens: int = 0
    report_steps: int = 0
    report_computed_tokens: int = 0
    report_time: float = 0.0
    trained_tokens: int = 0
    elapsed_train_s: float = 0.0
    best_val_loss: float | None = None
    best_iteration: int | None = None
    evals_without_improvement: int = 0
    stream: dict = field(default_factory=dict)
    numpy_random: dict = field(default_factory=dict)


def numpy_random_state() -> dict:
    name, keys, pos, has_gauss, cached = np.random.get_state()
    return {"name": name, "keys": [int(k) for k in keys], "pos": int(pos), "has_gauss": int(has_gauss), "cached_gaussian": float(cached)}


def restore_numpy_random(state: dict) -> None:
    np.random.set_state(
        (state["name"], np.array(state["keys"], dtype=np.uint32), state["pos"], state["has_gauss"], state["cached_gaussian"])
    )


def restore_mlx_random(key) -> None:
    """Make MLX's global random key equal ``key``.

    The key cannot be assigned (``mx.random.state`` is a read-only, thread-local
    object since mlx 0.31.2), but ``mx.random.key(s)`` is the pair
    ``(s >> 32, s & 0xffffffff)``, so seeding with the key's own two words
    restores it bit for bit.
    """
    import mlx.core as mx

    high, low = (int(w) for w in key.tolist())
    mx.random.seed((high << 32) | low)


def save(run_dir: Path, counters: Counters, model, optimizer, grad_accum) -> Path:
    """Write the state after ``counters.iteration`` steps; keep only the newest pair."""
    import mlx.core as mx
    from mlx.utils import tree_flatten

    folder = Path(run_dir) / FOLDER
    folder.mkdir(parents=True, exist_ok=True)
    stem = f"{counters.iteration:07d}"
    arrays = {f"model.{k}": v for k, v in tree_flatten(model.trainable_parameters())}
    arrays.update({f"optimizer.{k}": v for k, v in tree_flatten(optimizer.state)})
    arrays["random.key"] = mx.random.state[0]
    if grad_accum is not None:
        arrays.update({f"grad_accum.{k}": v for k, v in tree_flatten(grad_accum)})
    atomic.save_safetensors(folder / f"{stem}.safetensors", arrays)
    atomic.write_json(folder / f"{stem}.json", asdict(counters))
    for old in folder.glob("*.json"):
        if old.stem != stem:
            old.unlink(missing_ok=True)
            (folder / f"{old.stem}.safetensors").unlink(missing_ok=True)
    return folder / f"{stem}.json"


def latest(run_dir: Path) -> Path | None:
    """The newest complete state (its .json), or None."""
    folder = Path(run_dir) / FOLDER
    pairs = sorted(p for p in folder.glob("*.json") if p.with_suffix(".safetensors").is_file()) if folder.is_dir() else []
    return pairs[-1] if pairs else None


def _assign(tree, dotted: str, value) -> None:
    """Set a leaf of a nested dict/list tree in place (compiled steps hold the tree)."""
    parts = dotted.split(".")
    node = tree
    for part in parts[:-1]:
        node = node[int(part)] if isinstance(node, list) else node[part]
    last = parts[-1]
    if isinstance(node, list):
        node[int(last)] = value
    else:
        node[last] = value


def load(state_json: Path, model, optimizer) -> tuple[Counters, dict | None]:
    """Restore weights, optimizer and random state in place; return counters and gradients."""
    import mlx.core as mx
    from mlx.utils import tree_map_with_path

    counters = Counters(**json.loads(Path(state_json).read_text(encoding="utf-8")))
    arrays = mx.load(str(Path(state_json).with_suffix(".safetensors")))
    weights = [(k[len("model."):], v) for k, v in arrays.items() if k.startswith("model.")]
    model.load_weights(weights, strict=False)
    # Fill the optimizer's own state dict in place: the compiled step captured it.
    optimizer.init(model.trainable_parameters())
    for key, value in arrays.items():
        if key.startswith("optimizer."):
            _assign(optimizer.state, key[len("optimizer."):], value)
    restore_mlx_random(arrays["random.key"])
    grads = {k[len("grad_accum."):]: v for k, v in arrays.items() if k.startswith("grad_accum.")}
    restore_numpy_random(counters.numpy_random)
    if not grads:
        return counters, None
    # Rebuild the gradient tree in the exact shape of the trainable parameters
    # (empty containers included), which the compiled step adds it to.
    return counters, tree_map_with_path(lambda path, _: grads[path], model.trainable_parameters())
