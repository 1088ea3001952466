"""`lorastudio runs [list|show|delete]`: the runs, newest first, with state, steps and losses. Main thread."""

from __future__ import annotations

import sys
from pathlib import Path

from lorastudio.cli.common import CliError


def cmd_runs(args) -> int:
    from lorastudio.core.runs import folder as runs
    from lorastudio.core.config.train_config import ConfigError
    from lorastudio.core.base.paths import runs_root

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


def add_commands(sub) -> None:
    p = sub.add_parser("runs", help="list, show or delete runs",
                       description="List runs (newest first) with state, steps and losses; 'show RUN' prints one; "
                       "'delete RUN' removes one.")
    p.add_argument("action", nargs="?", choices=["list", "show", "delete"], default="list")
    p.add_argument("run", nargs="?", help="run folder or name (for show and delete)")
    p.add_argument("--yes", action="store_true", help="delete without asking")
    p.set_defaults(func=cmd_runs)
