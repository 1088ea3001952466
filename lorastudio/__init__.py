"""LoRA Studio: fine-tune a local language model with LoRA through MLX.

Importing the package picks the fastest BLAS for MLX's CPU backend before
anything imports MLX (see ``lorastudio.core.base.blas``); that is why this file
does it first, on whichever thread imports the package.
"""

from lorastudio.core.base import blas as _blas

from lorastudio._version import __version__  # noqa: E402,F401

_blas.use_fast_blas()

# The API for scripts (lorastudio.api): nothing heavy is imported until one is called.
from lorastudio.api import chat, estimate, train  # noqa: E402

__all__ = ["chat", "estimate", "train", "__version__"]
