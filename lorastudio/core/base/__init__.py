"""What every other package stands on: files written atomically, where LoRA Studio keeps its files,
the BLAS MLX uses on a Linux CPU, and a description of this machine.

Owns: ``atomic``, ``paths``, ``blas``, ``environment``, ``said`` (errors that say themselves in English or
Chinese). Imports no other package of the core.
"""
