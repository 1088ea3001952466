"""A run folder and what is written in it: ``config.yaml``, ``status.json``, ``metrics.jsonl``
(one event a line), adapters and checkpoints; the events themselves (frozen dataclasses of plain
numbers and strings, the language between the training child, the command line and the app);
a run's events as plot-ready series.

Owns: ``folder``, ``events``, ``metrics``. May import: ``base``, ``config``.
"""
