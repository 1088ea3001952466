"""`lorastudio` and `python -m lorastudio`: the app with no arguments, the command line otherwise.

The training child enters here too (``_train-worker``), which is what lets a
frozen app start its own training process. Runs on the main thread.
"""

from __future__ import annotations

import sys


def main(argv: list[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    if argv[:1] == ["_train-worker"]:
        from lorastudio.core.worker import main as worker_main

        return worker_main(argv[1], resume="--resume" in argv[2:])
    from lorastudio.cli import main as cli_main

    return cli_main(argv)


if __name__ == "__main__":
    sys.exit(main())
