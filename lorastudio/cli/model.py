"""`lorastudio model info` and `import-gguf`: a model's facts from its config.json; a GGUF file made an MLX folder.

`model info --fit` adds the plan that makes the settings fit with headroom
(``lorastudio.core.estimate.plan``), for this machine or the memory and
device given. Main thread; the core is imported lazily.
"""

from __future__ import annotations

from lorastudio.cli.common import CliError, load_config


def check_memory(memory) -> None:
    """``--memory``: a positive number of GB, or a clear message."""
    if memory is not None and not memory > 0:
        raise CliError(f"--memory must be a positive number of GB, not {memory:g}")


def cmd_model_info(args) -> int:
    from lorastudio.core.estimate.forecast import estimate_for_model
    from lorastudio.core.estimate.plan import for_memory, plan_fit
    from lorastudio.core.models.info import model_facts, trainable_count
    from lorastudio.core.models.loading import config_source

    check_memory(args.memory)
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
    estimate = estimate_for_model(source, config, device=args.device)
    if estimate is not None:
        print(for_memory(estimate, args.memory).summary())
    if args.fit:
        print("\n".join(plan_fit(source, config, device=args.device, memory_gb=args.memory).lines()))
    return 0


def cmd_import_gguf(args) -> int:
    from lorastudio.cli.progress import StageLine
    from lorastudio.core.models.gguf_import import import_gguf

    precision = args.quantize or args.dtype
    progress = StageLine()  # one line per tensor
    try:
        out = import_gguf(args.file, args.out, dtype=None if precision in (None, "keep") else precision,
                          progress=progress)
    finally:
        progress.close()
    print(out)
    return 0


def add_commands(sub) -> None:
    model = sub.add_parser("model", help="model facts", description="Model tools.")
    model_sub = model.add_subparsers(dest="model_command", metavar="ACTION")
    p = model_sub.add_parser("info", help="architecture, size, quantization and trainable share",
                             description="Print a model's facts, the trainable parameters of a LoRA configuration "
                             "the way mlx-lm counts them, and the memory and time estimate of a training step, from "
                             "its config.json alone (no weights loaded): a 14B model can be checked on a small "
                             "machine. --fit adds a plan that makes the settings fit with headroom (the estimate's "
                             "verdict \"fits\"): first what keeps the result (sparse_loss and logit_free_loss, "
                             "grad_checkpoint, micro_batch_size halved down to 1, clear_cache_threshold), then what "
                             "changes it (fewer num_layers, a lower LoRA rank, a shorter max_seq_length, a 4-bit copy "
                             "of the model), each step with its predicted peak, stopping as soon as it fits.")
    p.add_argument("model", help="model folder, a bare config.json, or a Hugging Face repo id (the local cache first, "
                   "else only its config.json is downloaded)")
    p.add_argument("--preset", help="built-in preset for the LoRA settings (e.g. seed-14b)")
    p.add_argument("-c", "--config", help="YAML training config for the LoRA settings")
    p.add_argument("--num-layers", type=int, help="override num_layers")
    p.add_argument("--rank", type=int, help="override the LoRA rank")
    p.add_argument("--batch-size", type=int, help="override batch_size")
    p.add_argument("--max-seq-length", type=int, help="override max_seq_length (the estimate's batch width)")
    p.add_argument("--fine-tune-type", choices=["lora", "dora", "full"], help="override the fine-tune type")
    p.add_argument("--fit", action="store_true", help="after the estimate, plan the settings that fit with headroom")
    p.add_argument("--memory", type=float, metavar="GB",
                   help="estimate and plan for this much memory (RAM, or the GPU's) instead of this machine's")
    p.add_argument("--device", choices=["cpu", "metal", "cuda"],
                   help="estimate and plan for this MLX backend instead of this machine's (Metal: 75%% of the memory "
                   "usable; seconds per step only for this machine's own backend)")
    p.set_defaults(func=cmd_model_info)

    p = sub.add_parser("import-gguf", help="convert a GGUF file (llama, qwen2, qwen3, gemma2, gemma3, phi3) into an "
                       "MLX model folder",
                       description="Import a GGUF file (llama, Mistral, Qwen2/2.5, Qwen3, Gemma 2, Gemma 3, Phi-3; any "
                       "tensor type llama.cpp's gguf package reads: F32, F16, BF16, Q4_0 ... Q8_0, K-quants, I-quants) "
                       "into an MLX model folder with its tokenizer and chat template. By default the file's "
                       "quantization is kept where MLX holds it exactly (Q4_0, Q4_1, Q8_0) and other quantized types "
                       "are re-quantized by MLX to 4 or 8 bits; --quantize chooses instead: 4bit or 8bit (MLX, group "
                       "64), or float16, bfloat16, float32 (float32 trains fastest on a CPU).")
    p.add_argument("file", help="the .gguf file")
    p.add_argument("out", help="the model folder to create")
    precision = p.add_mutually_exclusive_group()
    precision.add_argument("--quantize", choices=["keep", "4bit", "8bit", "float16", "bfloat16", "float32"],
                           help="the precision of the imported weights (default: keep the file's as far as MLX can)")
    precision.add_argument("--dtype", choices=["float32", "float16", "bfloat16"],
                           help="dequantize to this type (the same as --quantize with a float type)")
    p.set_defaults(func=cmd_import_gguf)
