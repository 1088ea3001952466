"""`lorastudio data check`: every line of a dataset checked; token statistics with a model. Main thread."""

from __future__ import annotations


def cmd_data_check(args) -> int:
    from lorastudio.core.data.datasets import check_dataset
    from lorastudio.core.data.keys import DataKeys

    keys = DataKeys.from_config(args)  # the command's --*-feature flags
    report = check_dataset(args.path, keys, max_line_bytes=args.max_line_bytes, valid_fraction=args.valid_fraction, test_fraction=args.test_fraction, split_seed=args.split_seed)
    for problem in report.problems:
        print(f"{problem.severity}: {problem}")
    counts = ", ".join(f"{name} {len(records)}" for name, records in report.splits.items())
    print(f"Format: {report.format or 'unknown'}; examples: {counts or 'none'}")
    if args.model and report.ok:
        from lorastudio.core.data.stats import dataset_stats, format_stats
        from mlx_lm.utils import load_tokenizer

        from lorastudio.core.models.loading import resolve_model

        tokenizer = load_tokenizer(resolve_model(args.model))
        stats = dataset_stats(report, tokenizer, keys, args.mask_prompt, args.max_seq_length)
        print(format_stats(stats))
    errors = len(report.errors)
    if errors:
        print(f"{errors} error(s): the data cannot be used for training as it is.")
        return 1
    print("No errors." + ("" if args.model else " (Pass --model to count tokens.)"))
    return 0


def add_commands(sub) -> None:
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
