"""The machine a run trained on: chip or CPU, memory, OS, MLX and mlx-lm versions.

``describe_machine()`` returns a plain dict (also saved as the run's
``environment.json`` by the training child) for the report, the memory
estimate's verdict and the benchmarks. Reading it imports MLX (for the
device), so call it where MLX may load. Any thread.
"""

from __future__ import annotations

import os
import platform
import subprocess
import sys
from importlib import metadata


def _version(package: str) -> str:
    try:
        return metadata.version(package)
    except metadata.PackageNotFoundError:
        return "not installed"


def total_memory_bytes() -> int:
    """Physical memory of this machine."""
    try:
        return os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES")
    except (ValueError, OSError, AttributeError):
        pass
    if sys.platform == "darwin":
        out = subprocess.run(["sysctl", "-n", "hw.memsize"], capture_output=True, text=True)
        if out.returncode == 0:
            return int(out.stdout.strip())
    return 0


def _chip() -> str:
    """Apple chip name on a Mac, the CPU model name elsewhere."""
    if sys.platform == "darwin":
        out = subprocess.run(["sysctl", "-n", "machdep.cpu.brand_string"], capture_output=True, text=True)
        if out.returncode == 0 and out.stdout.strip():
            return out.stdout.strip()
    try:
        with open("/proc/cpuinfo", encoding="utf-8") as f:
            for line in f:
                if line.startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine()


def _os_name() -> str:
    if sys.platform == "darwin":
        return f"macOS {platform.mac_ver()[0]}"
    if sys.platform.startswith("linux"):
        try:
            info = platform.freedesktop_os_release()
            return f"{info.get('PRETTY_NAME', 'Linux')} (kernel {platform.release()})"
        except OSError:
            return f"Linux {platform.release()}"
    return platform.platform()


def describe_machine() -> dict:
    """Everything the report's environment section needs, as plain values."""
    import mlx.core as mx

    from lorastudio._version import __version__
    from lorastudio.core.base import blas

    device = mx.default_device()
    on_gpu = device != mx.cpu
    device_name = ""
    if on_gpu:
        try:
            device_name = str(mx.device_info().get("device_name", ""))
        except Exception:  # noqa: BLE001 - older MLX versions lack device_info
            device_name = ""
    return {
        "machine": platform.machine(),
        "chip": _chip(),
        "cpu_count": os.cpu_count() or 0,
        "memory_bytes": total_memory_bytes(),
        "os": _os_name(),
        "python": platform.python_version(),
        "mlx": _version("mlx"),
        "mlx_lm": _version("mlx-lm"),
        "lorastudio": __version__,
        "device": "gpu" if on_gpu else "cpu",
        "device_name": device_name or ("GPU" if on_gpu else _chip()),
        "blas": "" if on_gpu else blas.describe(),
    }
