"""The headless core of LoRA Studio: no Qt here, ever.

One package per job, imported in one direction (a package imports only the
packages listed before it; ``tests/test_architecture.py`` checks this from the
code, and ``docs/architecture.md`` draws it):

    base      files written atomically, where things live, the BLAS, the machine
    config    the training configuration (every mlx_lm.lora option), presets
    data      datasets: read, check every line, split, token statistics, preview
    models    model folders: find, download, load, facts, GGUF import/export, fuse
    runs      a run folder: status, events (metrics.jsonl), checkpoints
    tuner     the training loop in one process: batches, sparse loss, exact resume
    estimate  peak memory and step time, before training
    chat      the chat engine: a model, any adapter, streamed answers
    report    the training report, from a run folder, English and Chinese
    train     a training run as a child process: start, steer, evaluate, report

Modules are plain functions and dataclasses. MLX is imported lazily inside the
functions that need it, so that importing the core stays cheap and the BLAS
choice in ``lorastudio.core.base.blas`` happens before MLX loads.
"""

# The packages in their import order: each may import only those before it.
LAYERS = ("base", "config", "data", "models", "runs", "tuner", "estimate", "chat", "report", "train")
