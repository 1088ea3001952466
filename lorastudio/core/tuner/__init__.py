"""The training loop in one process: mlx-lm's trainer with our batches (saveable, bucketed or
mlx-lm's), the sparse loss, stop and pause between steps, the best adapter, early stopping and
the exact-resume state. It writes into a run folder and reports through events.

Owns: ``loop``, ``batching``, ``sparse_loss``, ``resume_state``.
May import: ``base``, ``config``, ``data``, ``models``, ``runs``.
"""
