"""``lorastudio report RUN``: (re)write a run's training report, Markdown and HTML, English or Chinese.

A command module of ``lorastudio.cli`` (see ``COMMAND_MODULES``): it adds the
``report`` subcommand. The report is generated from the run folder alone, so
it can be rewritten at any time, during or after training. Runs on the main
thread; imports the core lazily.
"""

from __future__ import annotations

import argparse


def cmd_report(args) -> int:
    from lorastudio.core.runs import folder as runs
    from lorastudio.core.estimate.forecast import predict_peak_gb
    from lorastudio.core.report.writer import write_report

    run_dir = runs.resolve_run(args.run, args.runs_dir)
    formats = tuple(args.format) if args.format else ("md", "html")
    langs = ("en", "zh") if args.lang == "all" else (args.lang,)
    for lang in langs:
        for path in write_report(run_dir, lang=lang, formats=formats, predict_peak_gb=predict_peak_gb):
            print(path)
    return 0


def add_commands(subparsers: argparse._SubParsersAction) -> None:
    p = subparsers.add_parser(
        "report",
        help="write a run's training report (Markdown and HTML, English or Chinese)",
        description="Generate the training report of a run from its folder: environment, every parameter, the "
        "trainable share, the table of train and validation losses with speed and trained tokens, convergence, "
        "peak memory, test loss, adapter files, the mlx_lm.generate command to try the adapter, loss and "
        "throughput charts, and advice derived from the numbers. Writes report.md and report.html (report.zh.md "
        "and report.zh.html in Chinese) into the run folder, the charts under report_files/, and prints the "
        "paths written. Works on finished, stopped, failed and running runs.",
    )
    p.add_argument("run", help="run folder, or its name under the runs folder")
    p.add_argument("--lang", choices=["en", "zh", "all"], default="en", help="language of the report (default en; all: both)")
    p.add_argument(
        "--format",
        choices=["md", "html"],
        action="append",
        help="write only this format (repeat for both; default: md and html)",
    )
    p.set_defaults(func=cmd_report)
