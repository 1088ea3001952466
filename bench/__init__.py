"""Benchmarks of LoRA Studio against mlx-lm, side by side (``bench/run_all``; docs/BENCHMARKS.md).

Scripts, not tests: nothing here is imported by the product. Every measured
side runs in a fresh process so that MLX's peak memory is per tool.
"""
