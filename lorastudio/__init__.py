"""LoRA Studio: fine-tune a local language model with LoRA through MLX.

Importing the package picks the fastest BLAS for MLX's CPU backend before
anything imports MLX (see ``lorastudio.core.blas``); that is why this file
does it first, on whichever thread imports the package.
"""

from lorastudio.core import blas as _blas

__version__ = "0.1.0"

_blas.use_fast_blas()
