"""The training child (``lorastudio.core.train.worker``) with its batches noted, for useful-token counts.

``python -m bench.observed_worker RUN OBS.json [--resume]`` wraps
``BatchStream.next`` so that each training batch's rows, width, real tokens
(not padding) and computed tokens are appended to a list, then runs the
worker's own ``main`` unchanged; the list is written to OBS.json at the end.
The events (and so the reported timings, taken around the step only) are the
worker's own. The benchmark starts it through ``start_training`` by swapping
``lorastudio.core.train.jobs.worker_command`` (see ``bench.train_cases``).

Main thread of the training child.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

import lorastudio  # noqa: F401  (the fast BLAS first, as in the real worker)


def main(argv: list[str]) -> int:
    from lorastudio.core.tuner import batching
    from lorastudio.core.train import worker

    run_dir, obs_path = argv[0], Path(argv[1])
    seen: list[dict] = []
    real_next = batching.BatchStream.next

    def next_batch(self):
        batch = real_next(self)
        rows, width = (int(n) for n in batch.tokens.shape)
        seen.append({"rows": rows, "width": width, "real": batch.real_tokens, "computed": batch.computed_tokens})
        return batch

    batching.BatchStream.next = next_batch
    try:
        return worker.main(run_dir, resume="--resume" in argv[2:])
    finally:
        obs_path.write_text(json.dumps(seen), encoding="utf-8")


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
