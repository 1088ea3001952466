"""Training data: read a dataset folder or file, check every line (problems name the file and
line), split one file, hand it to mlx-lm, count tokens as training will, preview an example as
the model sees it; convert the formats people bring (Alpaca, ShareGPT, CSV, Parquet, Hugging
Face datasets) into mlx-lm's.

Owns: ``datasets``, ``keys``, ``checks``, ``lines``, ``groups``, ``stats``, ``preview``, ``messages`` (problems in
English and Chinese); converting foreign data: ``formats``, ``readers``, ``hf``, ``sources``, ``convert``,
``convert_messages``. May import: ``base``, ``config``.
"""
