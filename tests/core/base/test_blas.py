"""The BLAS MLX multiplies with: chosen before MLX loads, and the same in mlx-lm's own child processes.

A result compared across two processes (our fuse against ``python -m mlx_lm
fuse``) is only bit-equal on every CPU when both processes use the same BLAS
library: OpenBLAS and MLX's bundled reference BLAS round differently on some
CPUs (seen on AMD EPYC). These tests run in both modes in CI (``parity``).
"""

import subprocess
import sys

import pytest

from lorastudio.core.base import blas

CHILD = "import mlx.core as mx; a = mx.ones((64, 64)); mx.eval(a @ a); from lorastudio.core.base.blas import loaded_library; print(loaded_library())"
PURE_CHILD = (
    "import mlx.core as mx; a = mx.ones((64, 64)); mx.eval(a @ a); import sys; "
    "assert 'lorastudio' not in sys.modules; "
    "lines = open('/proc/self/maps').read().splitlines(); "
    "found = sorted({l.split()[-1] for l in lines if 'blas' in l.lower() and '/' in l and 'numpy' not in l and 'scipy_openblas' not in l}); "
    "print(([p for p in found if 'openblas' in p.lower()] or found or ['none'])[0])"
)


def ours() -> str:
    import mlx.core as mx

    a = mx.ones((64, 64))
    mx.eval(a @ a)
    return blas.loaded_library()


@pytest.mark.skipif(sys.platform != "linux", reason="BLAS is chosen by hand only on Linux")
@pytest.mark.parity
def test_an_mlx_lm_child_multiplies_with_our_blas():
    mine = ours()
    assert mine != "none"
    child = subprocess.run([sys.executable, "-c", PURE_CHILD], capture_output=True, text=True, env=blas.child_env(), check=True)
    assert child.stdout.strip() == mine


@pytest.mark.skipif(sys.platform != "linux", reason="BLAS is chosen by hand only on Linux")
def test_bundled_means_the_bundled_library_everywhere():
    env = blas.child_env()
    env["LORASTUDIO_BLAS"] = "bundled"
    env.pop("LD_PRELOAD", None)
    child = subprocess.run([sys.executable, "-c", CHILD], capture_output=True, text=True, env=env, check=True)
    assert "openblas" not in child.stdout.lower()
    assert child.stdout.strip() == blas.bundled_blas()
