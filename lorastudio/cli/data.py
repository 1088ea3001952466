"""`lorastudio data check` (every line of a dataset checked, the same problem on many lines said
once; token statistics with a model) and `lorastudio data convert` (Alpaca, ShareGPT, OpenAI
chat, JSON arrays, CSV, TSV, Parquet and Hugging Face datasets into an mlx-lm dataset folder).
Main thread.
"""

from __future__ import annotations

from lorastudio.cli.common import CliError

#: Problems of one kind printed line by line before they are said once with their lines.
SHOWN_IN_FULL = 3


def cmd_data_check(args) -> int:
    from lorastudio.core.data.datasets import check_dataset
    from lorastudio.core.data.keys import DataKeys

    keys = DataKeys.from_config(args)  # the command's --*-feature flags
    report = check_dataset(args.path, keys, max_line_bytes=args.max_line_bytes, valid_fraction=args.valid_fraction, test_fraction=args.test_fraction, split_seed=args.split_seed)
    if args.every_line:
        for problem in report.problems:
            print(f"{problem.severity}: {problem}")
    else:
        _print_groups(report)
    counts = ", ".join(f"{name} {len(records)}" for name, records in report.splits.items())
    print(f"Format: {report.format or 'unknown'}; examples: {counts or 'none'}")
    if args.model and report.ok:
        from lorastudio.core.data.stats import dataset_stats, format_stats
        from mlx_lm.utils import load_tokenizer

        from lorastudio.core.models.loading import resolve_model

        tokenizer = load_tokenizer(resolve_model(args.model))
        stats = dataset_stats(report, tokenizer, keys, args.mask_prompt, args.max_seq_length)
        print(format_stats(stats))
    errors = report.error_count
    if errors:
        print(f"{errors} error(s): the data cannot be used for training as it is.")
        return 1
    print("No errors." + ("" if args.model else " (Pass --model to count tokens.)"))
    return 0


def _print_groups(report) -> None:
    """Each distinct problem once; one found on many lines with its line ranges and count, its
    first lines shown in full before it."""
    for group in report.grouped():
        if group.count > SHOWN_IN_FULL:
            print(f"{group.severity}: {group.located()}")
        else:
            for line in group.lines or [None]:
                where = group.file if line is None else f"{group.file}:{line}"
                message = group.message if group.severity == "error" else f"warning: {group.message}"
                print(f"{group.severity}: {where}: {message}")


def _mapping(pairs: list[str] | None) -> dict[str, str] | None:
    if not pairs:
        return None
    mapping = {}
    for pair in pairs:
        column, sep, role = pair.rpartition("=")
        if not sep or not column:
            raise CliError(f"--map {pair}: expected COLUMN=ROLE, e.g. --map question=user")
        mapping[column] = role.strip().lower()
    return mapping


def cmd_data_convert(args) -> int:
    from lorastudio.core.data.convert import convert, parse_split

    split = parse_split(args.split) if args.split else None
    try:
        result = convert(args.src, args.out, fmt=args.format, mapping=_mapping(args.map), split=split,
                         seed=args.seed, name=args.name)
    except OSError as e:  # the output folder cannot be written (permissions, a full disk)
        raise CliError(f"{e.filename or args.out}: {e.strerror or e}") from None
    source = result.source
    print(f"Source: {source.path}: {source.describe()}")
    if source.mapping:
        print("Columns: " + ", ".join(f"{column} -> {role}" for column, role in source.mapping.items()))
    print(f"Read: {result.read:,} records")
    written = ", ".join(f"{name} {count:,}" for name, count in result.written.items())
    print(f"Written ({result.family}): {written} -> {result.out}")
    if result.rejects:
        print(f"Rejected: {len(result.rejects):,} (with their lines and reasons in {result.out / 'rejects.jsonl'})")
        for reason, count in result.reasons():
            print(f"  {count:,}  {reason}")
    else:
        print("Rejected: 0")
    print(f"Check it with: lorastudio data check {result.out}")
    return 0


def add_commands(sub) -> None:
    data = sub.add_parser("data", help="check or convert a dataset", description="Dataset tools.")
    data_sub = data.add_subparsers(dest="data_command", metavar="ACTION")
    p = data_sub.add_parser("check", help="check every line and print statistics (exit 1 on errors)",
                            description="Check every line of a dataset folder or .jsonl file: JSON, types, keys, "
                            "roles, encoding, mixed formats, sizes. Prints each problem with file and line (the same "
                            "problem on many lines once, with its line ranges and count), and token statistics when "
                            "--model is given. Exit status 1 when there are errors.")
    p.add_argument("path", help="folder with train/valid/test.jsonl or a single .jsonl file")
    p.add_argument("--model", help="model whose tokenizer counts tokens (folder or repo id)")
    p.add_argument("--max-seq-length", type=int, default=2048, help="longest sequence, to count truncations")
    p.add_argument("--mask-prompt", action="store_true", help="count only answer tokens as trained")
    p.add_argument("--max-line-bytes", type=int, default=1_000_000, help="longest allowed line in bytes")
    p.add_argument("--valid-fraction", type=float, default=0.1, help="validation share when splitting one file")
    p.add_argument("--test-fraction", type=float, default=0.0, help="test share when splitting one file")
    p.add_argument("--split-seed", type=int, default=0, help="seed of the split of one file")
    p.add_argument("--every-line", action="store_true", help="print every problem on its own line, ungrouped")
    for key, default in (("chat", "messages"), ("prompt", "prompt"), ("completion", "completion"), ("text", "text")):
        p.add_argument(f"--{key}-feature", default=default, help=f"key of the {key} field (default {default})")
    p.set_defaults(func=cmd_data_check)

    c = data_sub.add_parser(
        "convert", help="convert Alpaca, ShareGPT, CSV, Parquet, ... into an mlx-lm dataset folder",
        description="Convert SRC into the folder OUT with train.jsonl, valid.jsonl and test.jsonl in mlx-lm's chat "
        "(or completions, or text) format. SRC: a JSONL or JSON-array file of Alpaca, ShareGPT, OpenAI chat or "
        "mlx-lm records (mixed is fine), a CSV or TSV file with a header row, a Parquet or Arrow file, a Hugging "
        "Face dataset folder, or a dataset name in the local Hugging Face cache (nothing is downloaded). Every "
        "record lands in one split or in OUT/rejects.jsonl with its line and reason. The source is only read; the "
        "same command gives the same files. The rules are in docs/data.md.")
    c.add_argument("src", help="file, folder or cached Hugging Face dataset name (ORG/NAME)")
    c.add_argument("out", help="folder to write (created if missing)")
    c.add_argument("--format", default="auto", choices=["auto", "alpaca", "sharegpt", "openai", "completions", "text"],
                   help="the records' format (default: each record's own)")
    c.add_argument("--map", action="append", metavar="COLUMN=ROLE",
                   help="a table column's role: system, user, assistant, prompt, completion, text or ignore "
                   "(repeat for each column; several columns of one role are joined)")
    c.add_argument("--split", help="train,valid,test shares, e.g. 0.9,0.05,0.05 (default: the source's own "
                   "splits, else 0.9,0.1,0)")
    c.add_argument("--seed", type=int, default=0, help="seed of the split (default 0)")
    c.add_argument("--name", help="configuration (subset) of a Hugging Face dataset")
    c.set_defaults(func=cmd_data_convert)
