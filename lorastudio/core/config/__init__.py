"""The training configuration: every ``mlx_lm.lora`` option plus LoRA Studio's own, each field
described by its metadata (help, limits, form section); YAML that ``mlx_lm.lora -c`` reads;
presets; the ``mlx_lm.lora`` command line of a config; the difference between two configs.

Owns: ``train_config``, ``presets``, ``mlx_command``, ``diff``, ``messages`` (problems in English and Chinese). May import: ``base``.
"""
