"""The training loop in one process (or one rank): mlx-lm's trainer with our batches (saveable, bucketed or
mlx-lm's), the sparse loss, stop and pause between steps, the best adapter, early stopping and
the exact-resume state; on several ranks (``loop.Ranks``), each rank's share of every batch with
the token-weighted gradients summed across ranks. It writes into a run folder and reports through events.

Owns: ``loop``, ``batching``, ``sparse_loss``, ``resume_state``.
May import: ``base``, ``config``, ``data``, ``models``, ``runs``.
"""
