"""Pick an optimized BLAS for MLX's CPU backend on Linux.

The ``mlx-cpu`` wheel links the reference (netlib) BLAS it bundles; a float32
matmul runs about 25x faster with OpenBLAS. Loading OpenBLAS with
``RTLD_GLOBAL`` before the first ``import mlx`` makes the dynamic linker
resolve MLX's BLAS symbols to it. This must run in every process that trains
(the CLI, the app and the training child), before MLX is imported; the package
``__init__`` calls it. Runs on the importing thread, once.

Set ``LORASTUDIO_BLAS=bundled`` to keep MLX's own BLAS, or to the path of a
``libblas.so.3`` to use that one.

A child that runs mlx-lm's own commands (``python -m mlx_lm fuse``) never
imports this package, so it would multiply with the bundled BLAS while this
process uses OpenBLAS; the two round differently on some CPUs. ``child_env``
gives such a child this process's library through ``LD_PRELOAD``, so results
compared across the two processes come from the same arithmetic.
"""

from __future__ import annotations

import ctypes
import glob
import importlib.util
import os
import platform
import sys

# Debian and Ubuntu put OpenBLAS's reference-compatible libblas here
# (package libopenblas0-pthread); Fedora and Arch use the plain names.
_CANDIDATES = (
    "/usr/lib/{arch}-linux-gnu/openblas-pthread/libblas.so.3",
    "/usr/lib/{arch}-linux-gnu/openblas-openmp/libblas.so.3",
    "/usr/lib/{arch}-linux-gnu/libopenblas.so.0",
    "/usr/lib64/libopenblas.so.0",
    "/usr/lib/libopenblas.so.0",
)

_active: str | None = None


def bundled_blas() -> str | None:
    """The path of the reference BLAS bundled with the mlx-cpu wheel, if any."""
    spec = importlib.util.find_spec("mlx")
    if spec is None or not spec.submodule_search_locations:
        return None
    for folder in spec.submodule_search_locations:
        found = glob.glob(os.path.join(folder, "..", "mlx_cpu.libs", "libblas*.so*"))
        if found:
            return os.path.realpath(found[0])
    return None


def find_fast_blas() -> str | None:
    """The first optimized BLAS library found on this machine, or None."""
    override = os.environ.get("LORASTUDIO_BLAS", "")
    if override and override != "bundled":
        return override if os.path.exists(override) else None
    arch = platform.machine()
    for pattern in _CANDIDATES:
        path = pattern.format(arch=arch)
        if os.path.exists(path):
            return path
    return None


def use_fast_blas() -> str | None:
    """Load an optimized BLAS globally if MLX would otherwise use its slow one.

    Returns the path loaded, or None when nothing was changed (not Linux, MLX
    already imported, no bundled reference BLAS, none found, or opted out).
    """
    global _active
    if _active is not None:
        return _active
    if sys.platform != "linux" or "mlx.core" in sys.modules:
        return None
    if os.environ.get("LORASTUDIO_BLAS") == "bundled" or bundled_blas() is None:
        return None
    path = find_fast_blas()
    if path is None:
        return None
    try:
        ctypes.CDLL(path, mode=ctypes.RTLD_GLOBAL)
    except OSError:
        return None
    _active = path
    return path


def child_env(env: dict | None = None) -> dict:
    """An environment for a child that runs MLX without importing lorastudio, using this process's BLAS.

    With OpenBLAS loaded here, the child preloads the same file; with the
    bundled BLAS here (``LORASTUDIO_BLAS=bundled``, or none found), the child
    keeps MLX's bundled one too.
    """
    env = dict(os.environ if env is None else env)
    if _active:
        preload = [p for p in env.get("LD_PRELOAD", "").split(":") if p and p != _active]
        env["LD_PRELOAD"] = ":".join([_active, *preload])
    return env


def loaded_library() -> str:
    """The BLAS library this process has mapped, read after MLX is imported (Linux only).

    numpy's own OpenBLAS (prefixed symbols, never used by MLX) is left out.
    """
    try:
        with open("/proc/self/maps", encoding="utf-8") as maps:
            lines = maps.read().splitlines()
    except OSError:
        return "unknown (no /proc/self/maps)"
    found = sorted({line.split()[-1] for line in lines if "blas" in line.lower() and "/" in line})
    libs = [p for p in found if "scipy_openblas" not in p and "numpy" not in p]
    openblas = [p for p in libs if "openblas" in p.lower()]
    return openblas[0] if openblas else (libs[0] if libs else "none")


def describe() -> str:
    """A short line for reports and `--version`: which BLAS MLX's CPU uses."""
    if _active:
        return f"OpenBLAS ({_active})"
    if sys.platform == "linux" and bundled_blas():
        return "reference BLAS bundled with mlx-cpu (slow: install libopenblas0-pthread)"
    return "platform default"
