"""What the app says about itself: names, bundle id, version and the macOS Info.plist keys.

One place for the spec (``BUNDLE(info_plist=...)``), the build scripts
(``python packaging/app_info.py version``) and the tests. The version is read
from ``lorastudio/__init__.py`` as text, so the build does not import the
package. PyInstaller's BUNDLE fills CFBundleExecutable, CFBundleIconFile,
CFBundlePackageType and CFBundleInfoDictionaryVersion itself and merges these
keys on top.
"""

from __future__ import annotations

import ast
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
APP_NAME = "LoRA Studio"  # the .app's name and what the Dock and menu bar show
EXE_NAME = "LoRAStudio"  # the executable (Contents/MacOS/LoRAStudio, dist/LoRAStudio/LoRAStudio)
BUNDLE_ID = "org.lorastudio.LoRAStudio"
# MLX needs macOS 14 (Metal 3.1); the metallib of the mlx-metal wheel is built for
# one macOS version, so build with the macosx_14_0 wheels (build_macos.sh does).
MIN_MACOS = "14.0"


def version() -> str:
    """``lorastudio.__version__``, read from the source (``lorastudio/_version.py``)."""
    tree = ast.parse((ROOT / "lorastudio" / "_version.py").read_text(encoding="utf-8"))
    for node in tree.body:
        if isinstance(node, ast.Assign) and any(getattr(t, "id", None) == "__version__" for t in node.targets):
            return str(ast.literal_eval(node.value))
    raise SystemExit("app_info: no __version__ in lorastudio/_version.py")


def info_plist(app_version: str | None = None) -> dict:
    app_version = app_version or version()
    return {
        "CFBundleName": APP_NAME,
        "CFBundleDisplayName": APP_NAME,
        "CFBundleIdentifier": BUNDLE_ID,
        "CFBundleShortVersionString": app_version,
        "CFBundleVersion": app_version,
        "LSMinimumSystemVersion": MIN_MACOS,
        # Apple silicon only: MLX has no Intel build.
        "LSArchitecturePriority": ["arm64"],
        "LSRequiresNativeExecution": True,
        # Retina rendering (PyInstaller's docs pair it with NSPrincipalClass).
        "NSHighResolutionCapable": True,
        "NSPrincipalClass": "NSApplication",
        # Follow the system's dark mode (Qt picks the palette up from it).
        "NSRequiresAquaSystemAppearance": False,
        "LSApplicationCategoryType": "public.app-category.developer-tools",
        "NSHumanReadableCopyright": "LoRA Studio contributors, MIT License",
    }


if __name__ == "__main__":
    what = sys.argv[1] if len(sys.argv) > 1 else "version"
    values = {"version": version, "name": lambda: APP_NAME, "exe": lambda: EXE_NAME,
              "bundle-id": lambda: BUNDLE_ID, "min-macos": lambda: MIN_MACOS}
    if what not in values:
        raise SystemExit(f"usage: app_info.py [{'|'.join(values)}]")
    print(values[what]())
