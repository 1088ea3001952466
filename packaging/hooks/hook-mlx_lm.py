"""PyInstaller hook for mlx_lm.

mlx-lm imports model architectures (mlx_lm.models.<model_type>), chat templates
and tool parsers by name at run time, which static analysis cannot follow; a
missing one surfaces as "Model type X not supported". So every submodule is
collected (names with a '-' such as mlx_lm.models.lfm2-vl included). The spec
also lists the runtime-loaded ones explicitly (bundle_modules.py) and ships that
list, which `--self-test` checks against what the bundle can import.
"""

from PyInstaller.utils.hooks import collect_data_files, collect_submodules, copy_metadata

hiddenimports = collect_submodules("mlx_lm")
datas = collect_data_files("mlx_lm") + copy_metadata("mlx_lm")
