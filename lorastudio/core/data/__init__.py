"""Training data: read a dataset folder or file, check every line (problems name the file and
line), split one file, hand it to mlx-lm, count tokens as training will, preview an example as
the model sees it.

Owns: ``datasets``, ``keys``, ``checks``, ``lines``, ``stats``, ``preview``, ``messages`` (problems in English and
Chinese). May import: ``base``, ``config``.
"""
