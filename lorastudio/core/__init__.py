"""The headless core of LoRA Studio: no Qt here, ever.

Modules are plain functions and dataclasses. MLX is imported lazily inside the
functions that need it, so that importing the core stays cheap and the BLAS
choice in ``lorastudio.core.blas`` happens before MLX loads.
"""
