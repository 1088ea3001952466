"""``lorastudio fuse``: fuse a run's adapter into its model, optionally export GGUF + an Ollama Modelfile.

A command module of the command line (see ``lorastudio.cli.COMMAND_MODULES``):
``add_commands`` adds the parser, ``cmd_fuse`` runs it on the main thread.
Bad input raises the core's ValueError subclasses, which ``cli.main`` prints
as one line (exit status 2).
"""

from __future__ import annotations

import sys
from pathlib import Path


def _progress_printer():
    """A progress callback that redraws one line on a terminal and stays silent otherwise."""
    if not sys.stdout.isatty():
        return None

    def show(text: str, fraction: float) -> None:
        print(f"\r{fraction:4.0%} {text}"[:100].ljust(100), end="", flush=True)

    return show


def cmd_fuse(args) -> int:
    from lorastudio.core.runs import folder as runs
    from lorastudio.core.models.fuse import default_out_dir, fuse_adapter, resolve_checkpoint, scaled
    from lorastudio.core.models.loading import resolve_model

    run_dir = runs.resolve_run(args.run, args.runs_dir)
    adapter = resolve_checkpoint(run_dir, args.checkpoint)
    model = args.model or runs.load_config(run_dir).model
    model_path = resolve_model(model)
    if args.gguf:
        from lorastudio.core.models.gguf_export import GgufExportError, export_problem

        problem = export_problem(model_path)  # ask before the fuse: the fused model has the same kind
        if problem:
            raise GgufExportError(f"cannot export GGUF: {problem}")
    out = Path(args.out).expanduser() if args.out else default_out_dir(run_dir, args.checkpoint)

    progress = _progress_printer()
    fused = fuse_adapter(model_path, adapter, out, dequantize=args.dequantize,
                         progress=scaled(progress, 0.0, 0.6 if args.gguf else 1.0))
    if progress:
        print()
    print(f"Fused model: {fused}")
    if args.gguf:
        from lorastudio.core.models.gguf_export import GgufExportError, export_gguf
        from lorastudio.core.models.modelfile import write_modelfile

        try:
            gguf = export_gguf(fused, out_type=args.gguf_type, progress=scaled(progress, 0.6, 1.0))
        except GgufExportError as e:
            raise GgufExportError(f"the fused model is in {fused}, but the GGUF export failed: {e}") from None
        modelfile = write_modelfile(fused, gguf)
        if progress:
            print()
        print(f"GGUF: {gguf}")
        print(f"Ollama Modelfile: {modelfile}")
        print(f"  try it: cd {modelfile.parent} && ollama create {fused.name.lower()} -f {modelfile.name}")
    return 0


def add_commands(subparsers) -> None:
    p = subparsers.add_parser(
        "fuse", help="fuse a run's adapter into its model (optionally export GGUF for llama.cpp/Ollama)",
        description="Fuse the LoRA/DoRA adapter of a run into its base model and write a normal MLX model "
        "folder (the same weights as mlx_lm.fuse). With --gguf, also write a GGUF file of the fused "
        "model (llama-family models) and an Ollama Modelfile beside it. Prints the paths written.",
    )
    p.add_argument("run", help="run folder or its name under the runs folder")
    p.add_argument("--checkpoint", default="final",
                   help="which adapter: final (default), best (lowest validation loss) or the step number of a "
                   "saved checkpoint")
    p.add_argument("--model", help="base model folder or repo id (default: the run's model from its config.yaml)")
    p.add_argument("--out", help="folder to create for the fused model (default: a new folder under the models "
                   "folder, named after the run)")
    p.add_argument("--dequantize", action="store_true",
                   help="write a quantized base model back as full-precision weights")
    p.add_argument("--gguf", action="store_true",
                   help="also export the fused model to GGUF with an Ollama Modelfile (llama-family models)")
    p.add_argument("--gguf-type", choices=["f16", "f32"], default="f16", help="GGUF weight type (default f16; norms stay F32)")
    p.set_defaults(func=cmd_fuse)
