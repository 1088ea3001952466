"""What every other package stands on: files written atomically, where LoRA Studio keeps its files,
the BLAS MLX uses on a Linux CPU, and a description of this machine.

Owns: ``atomic``, ``paths``, ``blas``, ``environment``. Imports no other package of the core.
"""
