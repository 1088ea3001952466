"""The frozen app's entry script: the same ``main`` as the ``lorastudio`` command.

PyInstaller runs this file as ``__main__``; importing the package first (and
not running ``lorastudio/__main__.py`` as a script) means ``lorastudio``'s
``__init__`` picks the BLAS before anything imports MLX, exactly as in a
source install. The training child is this executable again
(``LoRAStudio _train-worker RUN``), and so is ``--self-test``. So is a distributed
run's every piece: MLX's launcher (``LoRAStudio _mlx-launch ...``), each rank on
each Mac (``LoRAStudio _train-worker RUN --distributed N``, the app at the same
path on every Mac) and the host check's rank (``LoRAStudio _host-probe N``): a
Mac with the app needs no Python environment (docs/distributed.md).
"""

import sys

from lorastudio.__main__ import main

if __name__ == "__main__":
    sys.exit(main())
