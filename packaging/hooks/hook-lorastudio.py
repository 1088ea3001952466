"""PyInstaller hook for lorastudio itself.

The command modules (cli_chat, cli_report, cli_fuse) are found with
importlib.util.find_spec and imported by name; the training child enters
through lorastudio.core.train.worker. The third-party packages mlx-lm leans on are
covered by pyinstaller-hooks-contrib (transformers copies its dependencies'
metadata and keeps its .py sources; jinja2 adds jinja2.ext) and by the mlx and
mlx_lm hooks beside this one; tokenizers and safetensors are plain extensions.
Package metadata is copied for the distributions whose version the app reads
itself (importlib.metadata: the About box shows PySide6-Essentials'); mlx's and
mlx-lm's come with their hooks, transformers' dependencies with its hook.
"""

from PyInstaller.utils.hooks import collect_submodules, copy_metadata

hiddenimports = collect_submodules("lorastudio")
datas = []
for dist in ("lorastudio", "PySide6-Essentials"):
    try:
        datas += copy_metadata(dist)
    except Exception:  # noqa: BLE001 - a source checkout without an installed lorastudio
        pass
