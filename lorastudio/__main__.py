"""`lorastudio` and `python -m lorastudio`: the app with no arguments, the command line otherwise.

The training child enters here too (``_train-worker``), which is what lets a
frozen app start its own training process; so do MLX's launcher for a
distributed run (``_mlx-launch``) and the host check's rank (``_host-probe``),
so a packaged app is the command every host of a distributed run starts; and
so does ``--self-test [PNG]`` (``lorastudio.selftest``), the check a packaged
app runs on itself. Runs on the main thread.
"""

from __future__ import annotations

import sys


def main(argv: list[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    if getattr(sys, "frozen", False):
        # A frozen app is its own Python: any multiprocessing child (spawn or
        # forkserver) re-runs this executable, and freeze_support() is what lets it
        # act as that child (PyInstaller makes it work on macOS and Linux too).
        import multiprocessing

        multiprocessing.freeze_support()
        # Finder on older macOS passes -psn_0_NNN (a process serial number) to apps.
        argv = [a for a in argv if not a.startswith("-psn_")]
    if argv[:1] == ["_train-worker"]:
        from lorastudio.core.train.worker import main as worker_main

        flags = argv[2:]
        ranks = int(flags[flags.index("--distributed") + 1]) if "--distributed" in flags else 0
        backend = flags[flags.index("--backend") + 1] if "--backend" in flags else None
        return worker_main(argv[1], resume="--resume" in flags, distributed=ranks, backend=backend)
    if argv[:1] == ["_mlx-launch"]:
        # MLX's launcher from this program, so a packaged app launches its own ranks.
        from lorastudio.core.train.distributed import run_launcher

        return run_launcher(argv[1:])
    if argv[:1] == ["_host-probe"]:
        # One rank of `lorastudio hosts check` (lorastudio.core.train.hostcheck).
        from lorastudio.core.train.hostcheck import probe_main

        return probe_main(argv[1:])
    if argv[:1] == ["--self-test"]:
        from lorastudio.selftest import main as selftest_main

        return selftest_main(argv[1:])
    from lorastudio.cli.main import main as cli_main

    return cli_main(argv)


if __name__ == "__main__":
    sys.exit(main())
