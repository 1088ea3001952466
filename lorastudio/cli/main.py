"""The command line's entry: the parser of every subcommand, and errors printed as one message.

Every command prints errors as one clear message (file, line or field) and
exits non-zero, never with a traceback for bad input. Each command lives in
its own module here (``train``, ``runs``, ``data``, ``model``, ``chat``,
``report``, ``fuse``), which adds its subcommands with ``add_commands`` and
imports the core lazily. Runs on the main thread.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from lorastudio import __version__
from lorastudio.cli import chat, data, fuse, hosts, model, report, runs, train
from lorastudio.cli.common import CliError, err

COMMAND_MODULES = (train, runs, data, model, chat, report, fuse, hosts)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="lorastudio",
        description="LoRA Studio: fine-tune a local language model with LoRA through MLX. "
        "Without a command it opens the app.",
    )
    parser.add_argument("--version", action="version", version=f"lorastudio {__version__}")
    parser.add_argument("--runs-dir", help="folder of runs (default: $LORASTUDIO_HOME/runs or the platform's data folder)")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    for module in COMMAND_MODULES:
        module.add_commands(sub)
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
    from lorastudio.core.config.train_config import ConfigError
    from lorastudio.core.runs.folder import RunError

    readable = (CliError, ConfigError, RunError, FileNotFoundError, KeyError, ValueError)
    try:
        return args.func(args)
    except readable as exc:
        message = exc.args[0] if isinstance(exc, KeyError) and exc.args else str(exc)
        err(message)
        return 2
    except KeyboardInterrupt:
        err("interrupted")
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
