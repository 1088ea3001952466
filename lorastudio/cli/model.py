"""`lorastudio model info` and `import-gguf`: a model's facts from its config.json; a GGUF file made an MLX folder.

Main thread; the core is imported lazily.
"""

from __future__ import annotations

from lorastudio.cli.common import load_config


def cmd_model_info(args) -> int:
    from lorastudio.core.estimate.forecast import estimate_for_model
    from lorastudio.core.models.info import model_facts, trainable_count
    from lorastudio.core.models.loading import config_source

    config = load_config(args)
    source = str(config_source(args.model))  # a folder, a config.json, or a repo id's (cache, then hub)
    facts = model_facts(source)
    print(f"Model: {args.model}")
    for label, value in facts.lines():
        print(f"{label:>16}: {value}")
    count = trainable_count(source, config)
    keys = ", ".join(config.lora_parameters.keys) if config.lora_parameters.keys else "all linear layers"
    what = config.fine_tune_type if config.fine_tune_type == "full" else (
        f"{config.fine_tune_type} rank {config.lora_parameters.rank}, scale {config.lora_parameters.scale:g} on {keys}"
    )
    print(f"{'Trainable':>16}: {count}  [{what}, {config.num_layers if config.num_layers >= 0 else 'all'} layers]")
    estimate = estimate_for_model(source, config)
    if estimate is not None:
        print(estimate.summary())
    return 0


def cmd_import_gguf(args) -> int:
    from lorastudio.core.models.gguf_import import import_gguf

    def progress(stage: str, fraction: float) -> None:
        print(f"\r{stage} {fraction:4.0%}".ljust(70), end="", flush=True)

    out = import_gguf(args.file, args.out, dtype=args.dtype, progress=progress)
    print()
    print(out)
    return 0


def add_commands(sub) -> None:
    model = sub.add_parser("model", help="model facts", description="Model tools.")
    model_sub = model.add_subparsers(dest="model_command", metavar="ACTION")
    p = model_sub.add_parser("info", help="architecture, size, quantization and trainable share",
                             description="Print a model's facts and the trainable parameters of a LoRA configuration, "
                             "the way mlx-lm counts them, from its config.json alone (no weights loaded): a 14B "
                             "model can be checked on a small machine.")
    p.add_argument("model", help="model folder, a bare config.json, or a Hugging Face repo id (the local cache first, "
                   "else only its config.json is downloaded)")
    p.add_argument("--preset", help="built-in preset for the LoRA settings (e.g. seed-14b)")
    p.add_argument("-c", "--config", help="YAML training config for the LoRA settings")
    p.add_argument("--num-layers", type=int, help="override num_layers")
    p.add_argument("--rank", type=int, help="override the LoRA rank")
    p.add_argument("--fine-tune-type", choices=["lora", "dora", "full"], help="override the fine-tune type")
    p.set_defaults(func=cmd_model_info)

    p = sub.add_parser("import-gguf", help="convert a GGUF file (llama) into an MLX model folder",
                       description="Import a llama-architecture GGUF file (Q4_0, Q4_1, Q8_0, F16, F32) into an MLX "
                       "model folder with its tokenizer and chat template. Keeps the quantization unless --dtype asks "
                       "for float32, float16 or bfloat16.")
    p.add_argument("file", help="the .gguf file")
    p.add_argument("out", help="the model folder to create")
    p.add_argument("--dtype", choices=["float32", "float16", "bfloat16"], help="dequantize to this type")
    p.set_defaults(func=cmd_import_gguf)
