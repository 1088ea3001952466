"""`lorastudio --self-test [PNG]`: prove that this installation, or this frozen app, really works.

Each check does the real thing once, on a tiny scale: find the bundled
resources, import MLX and run a kernel on the default device (the GPU on a
Mac), import every mlx-lm module that mlx-lm loads by name at run time, open
the main window (offscreen where there is no screen), turn an exception in a
Qt slot and in a QThread into the error dialog and the log file, train the
tiny model for two steps in the training child process (in a frozen app the
child is the app itself), generate a few tokens with the trained adapter, and
save a screenshot of the window. It prints one line per check (``ok`` or
``FAILED`` and why, with the details of a failure) and exits 0 only if every
check passed.

Everything it writes goes to a temporary folder (``LORASTUDIO_HOME`` points
there for this process and the training child), never into the user's data or
the app bundle. The check functions take a ``Context`` and return one line
describing what they saw, or raise; tests run them directly with broken input.

Main thread: Qt, MLX and the chat engine all live on it; training runs in the
child process.
"""

from __future__ import annotations

import importlib
import importlib.util
import json
import logging
import os
import platform
import shutil
import sys
import tempfile
import threading
import time
import traceback
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable, TextIO

# Written by packaging/lorastudio.spec into the bundle: the modules the bundle
# must hold. A frozen app cannot list what is missing from itself.
MANIFEST = "lorastudio_bundle/modules.json"
# mlx-lm packages whose modules are imported by name at run time (static analysis cannot see them).
RUNTIME_PACKAGES = ("mlx_lm.models", "mlx_lm.chat_templates", "mlx_lm.tool_parsers")
# Modules that need a third-party package LoRA Studio does not ship: they must be
# in the bundle, but are not imported (olmo calls sys.exit(1) without ai2-olmo).
OPTIONAL_MODULES = {"mlx_lm.models.olmo": "needs the ai2-olmo package"}
TRAIN_TIMEOUT_S = 300


class SelfTestError(Exception):
    """A check failed for a known reason; ``details`` (e.g. a log tail) is shown instead of a traceback."""

    def __init__(self, message: str, details: str = ""):
        super().__init__(message)
        self.details = details


@dataclass
class CheckResult:
    name: str
    ok: bool
    detail: str  # one line: what was seen, or why it failed
    details: str = ""  # a failure's traceback or log tail


@dataclass
class Context:
    """What the checks share. Tests build one with broken parts."""

    workdir: Path
    png: Path
    user_data_home: Path | None = None  # where this app keeps runs for the user (not used here)
    user_log_dir: Path | None = None
    expected_modules: list[str] | None = None  # None: the bundle's manifest, or the installed mlx-lm
    model_dir: Path | None = None  # the tiny model; built on first use
    run_dir: Path | None = None  # the run the training check made
    app: Any = None
    window: Any = None
    log_file: Path | None = None


# ----------------------------------------------------------------- helpers


def is_frozen() -> bool:
    return bool(getattr(sys, "frozen", False))


def bundle_root() -> Path | None:
    """The frozen app's folder (the ``.app`` on a Mac), None when not frozen."""
    if not is_frozen():
        return None
    exe = Path(sys.executable).resolve()
    if exe.parent.name == "MacOS" and exe.parent.parent.name == "Contents":
        return exe.parents[2]
    return exe.parent


def _inside(path: Path, folder: Path) -> bool:
    try:
        path.resolve().relative_to(folder.resolve())
        return True
    except ValueError:
        return False


def expected_modules() -> list[str]:
    """Every module of RUNTIME_PACKAGES this installation must be able to import."""
    if is_frozen():
        manifest = Path(getattr(sys, "_MEIPASS", "")) / MANIFEST
        if not manifest.is_file():
            raise SelfTestError(f"the bundle has no module list ({MANIFEST}): it was not built with packaging/lorastudio.spec")
        return list(json.loads(manifest.read_text(encoding="utf-8"))["modules"])
    import pkgutil

    names = []
    for package in RUNTIME_PACKAGES:
        module = importlib.import_module(package)
        names += [f"{package}.{info.name}" for info in pkgutil.iter_modules(module.__path__)]
    return sorted(names)


def _package_version(name: str) -> str | None:
    from importlib import metadata

    try:
        return metadata.version(name)
    except metadata.PackageNotFoundError:
        return None


def _qt_platform_for_this_machine() -> None:
    """Render offscreen where there is no screen (Linux without X or Wayland)."""
    if sys.platform.startswith("linux") and not os.environ.get("DISPLAY") and not os.environ.get("WAYLAND_DISPLAY"):
        os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")


@contextmanager
def _stderr_captured(path: Path):
    """Send file descriptor 2 (Python's and C's stderr) to ``path`` for a while."""
    if sys.stderr is not None:
        sys.stderr.flush()
    saved = os.dup(2)
    try:
        with open(path, "wb") as f:
            os.dup2(f.fileno(), 2)
        yield path
    finally:
        if sys.stderr is not None:
            sys.stderr.flush()
        os.dup2(saved, 2)
        os.close(saved)


def _run_events_until(done: Callable[[], bool], timeout_s: float) -> bool:
    """Run a Qt event loop (as the app does) until ``done()`` or the timeout; return done()."""
    from PySide6.QtCore import QEventLoop, QTimer

    loop = QEventLoop()
    poll, deadline = QTimer(), QTimer()
    poll.timeout.connect(lambda: loop.quit() if done() else None)
    deadline.setSingleShot(True)
    deadline.timeout.connect(loop.quit)
    poll.start(20)
    deadline.start(int(timeout_s * 1000))
    loop.exec()
    poll.stop()
    deadline.stop()  # no timer of this loop outlives it
    return done()


def write_tiny_dataset(folder: Path) -> Path:
    """A small chat dataset (train/valid/test) the tiny tokenizer handles."""
    folder.mkdir(parents=True, exist_ok=True)
    topics = ["the fox", "a tiny model", "LoRA", "training", "validation", "the capital of France"]
    for split, count in (("train", 8), ("valid", 4), ("test", 4)):
        with open(folder / f"{split}.jsonl", "w", encoding="utf-8") as f:
            for i in range(count):
                topic = topics[(i + len(split)) % len(topics)]
                record = {"messages": [
                    {"role": "user", "content": f"Question {i}: what about {topic}?"},
                    {"role": "assistant", "content": f"About {topic}: one, two, three."},
                ]}
                f.write(json.dumps(record) + "\n")
    return folder


def tiny_model(ctx: Context) -> Path:
    if ctx.model_dir is None:
        from lorastudio.core.models.tiny import build_tiny_model

        ctx.model_dir = build_tiny_model(ctx.workdir / "tiny-model")
    return ctx.model_dir


# ------------------------------------------------------------------ checks


def check_resources(ctx: Context) -> str:
    """The read-only resources are found, and user data goes outside the bundle."""
    from lorastudio.core.models.demo_model import smollm2_gguf_path
    from lorastudio.core.base.paths import resources_dir

    root = resources_dir()
    wanted = {
        "demo dataset": root / "demo" / "data" / "train.jsonl",
        "presets": root / "presets" / "demo.yaml",
        "icon": root / "icons" / "lorastudio.png",
    }
    missing = [f"{what} ({path})" for what, path in wanted.items() if not path.is_file()]
    translations = sorted(p.name for p in (root / "translations").glob("*.qm"))
    if not translations:
        missing.append(f"translations ({root / 'translations'}/*.qm)")
    try:
        gguf = smollm2_gguf_path()
    except FileNotFoundError as exc:
        missing.append(f"demo model ({exc})")
        gguf = None
    if missing:
        raise SelfTestError("missing: " + "; ".join(missing))
    where = bundle_root()
    if where is not None:
        for what, path in (("data folder", ctx.user_data_home), ("log folder", ctx.user_log_dir)):
            if path is not None and _inside(path, where):
                raise SelfTestError(f"the {what} {path} is inside the app bundle {where}")
    mb = gguf.stat().st_size / 1e6 if gguf else 0
    return (f"{root} (demo data, presets, icon, {', '.join(translations)}, demo model {mb:.0f} MB); "
            f"runs go to {ctx.user_data_home}, the log to {ctx.user_log_dir}")


def check_mlx(ctx: Context) -> str:
    """MLX imports, the default device is the GPU on a Mac, and a kernel gives the right numbers there."""
    import numpy as np

    import mlx.core as mx

    device = mx.default_device()
    if sys.platform == "darwin" and platform.machine() == "arm64":
        if not mx.metal.is_available() or device != mx.gpu:
            raise SelfTestError(
                f"the default device is {device}, not the GPU: Metal did not load "
                "(is mlx.metallib beside libmlx.dylib, and is this macOS 14 or newer?)")
    a_np = np.random.default_rng(0).standard_normal((256, 256)).astype(np.float32)
    a = mx.array(a_np)
    out = mx.softmax(a @ a.T, axis=-1).sum(axis=-1)  # matmul + reduction kernels, on the default stream
    mx.eval(out)
    if not np.allclose(np.array(out), np.ones(256, dtype=np.float32), atol=1e-3):
        raise SelfTestError(f"a 256x256 matmul + softmax on {device} gave wrong numbers")
    versions = {name: _package_version(name) for name in ("mlx", "mlx-lm")}
    absent = [name for name, v in versions.items() if v is None]
    if absent:
        raise SelfTestError(f"no package metadata for {', '.join(absent)} (run folders would record 'not installed')")
    name = ""
    if device != mx.cpu:
        try:
            name = f" ({mx.device_info().get('device_name', '')})"
        except Exception:  # noqa: BLE001 - only decoration
            name = ""
    from lorastudio.core.base import blas

    cpu_math = "" if device != mx.cpu else f", CPU math: {blas.describe()}"
    return f"mlx {versions['mlx']}, mlx-lm {versions['mlx-lm']}; a kernel ran on {device}{name}{cpu_math}"


def check_mlx_lm_modules(ctx: Context) -> str:
    """Every module mlx-lm imports by name (architectures, chat templates, tool parsers) imports here."""
    names = ctx.expected_modules if ctx.expected_modules is not None else expected_modules()
    if not any(n.startswith("mlx_lm.models.") for n in names):
        raise SelfTestError("the list of mlx-lm modules holds no model architecture")
    failed, skipped, count = [], [], 0
    for name in names:
        if name in OPTIONAL_MODULES:
            if importlib.util.find_spec(name) is None:
                failed.append(f"{name}: not in this installation")
            else:
                skipped.append(name.rsplit(".", 1)[1])
            continue
        try:
            importlib.import_module(name)
            count += 1
        except (Exception, SystemExit) as exc:  # a model module may even sys.exit()
            failed.append(f"{name}: {type(exc).__name__}: {exc}")
    if failed:
        raise SelfTestError(f"{len(failed)} of {len(names)} mlx-lm modules failed to import: "
                            + ", ".join(f.split(":")[0] for f in failed), "\n".join(failed))
    models = sum(1 for n in names if n.startswith("mlx_lm.models."))
    note = f" ({', '.join(skipped)} present, not imported: optional dependency)" if skipped else ""
    return f"{count} imported, {models} of them under mlx_lm.models{note}"


def check_window(ctx: Context) -> str:
    """The main window opens (offscreen without a screen), with the log file and the error dialog installed."""
    _qt_platform_for_this_machine()
    from PySide6.QtCore import QSettings

    from lorastudio.ui.app import build_main_window, create_application
    from lorastudio.ui.logging_setup import install_excepthook, setup_logging
    from lorastudio.ui.settings import Settings

    ctx.app = create_application([sys.argv[0]])
    ctx.log_file = setup_logging()
    install_excepthook(lambda: ctx.window)
    settings = Settings(QSettings(str(ctx.workdir / "settings.ini"), QSettings.Format.IniFormat))
    from lorastudio.core.base.paths import runs_root

    ctx.window = build_main_window(settings, runs_root=runs_root())
    ctx.window.resize(1200, 780)
    ctx.window.show()
    handle = ctx.window.windowHandle
    exposed = _run_events_until(lambda: handle() is not None and handle().isExposed(), 5)
    if not ctx.window.isVisible() or handle() is None:
        raise SelfTestError("the main window did not open")
    size = ctx.window.size()
    # Not exposed happens on a Mac with a locked screen; the screenshot still renders the widgets.
    note = "" if exposed else " (not exposed on a screen)"
    return (f"{type(ctx.window).__name__} '{ctx.window.windowTitle()}' on the '{ctx.app.platformName()}' platform, "
            f"{size.width()}x{size.height()}{note}")


def check_error_dialog(ctx: Context) -> str:
    """Exceptions in a Qt slot and in a QThread reach the error dialog and the log file; the window stays."""
    if ctx.app is None or ctx.window is None:
        raise SelfTestError("needs the main window (the window check failed)")
    from PySide6.QtCore import QThread, QTimer
    from PySide6.QtWidgets import QApplication, QPlainTextEdit

    seen: list[tuple[str, str]] = []

    def close_dialog() -> None:
        dialog = QApplication.activeModalWidget()
        if dialog is not None:
            box = dialog.findChild(QPlainTextEdit)
            seen.append((dialog.windowTitle(), box.toPlainText() if box else ""))
            dialog.reject()

    closer = QTimer()
    closer.timeout.connect(close_dialog)
    closer.start(30)
    marker = f"self-test error {os.getpid()}-{time.time():.0f}"

    def raise_in_slot() -> None:
        raise RuntimeError(f"{marker} (slot)")

    class Failing(QThread):
        def run(self) -> None:
            raise RuntimeError(f"{marker} (thread)")

    # The hook (and PySide6) print these deliberate errors to stderr: keep them out of the report.
    with _stderr_captured(ctx.workdir / "error-dialog-stderr.txt") as captured:
        try:
            QTimer.singleShot(0, raise_in_slot)
            _run_events_until(lambda: len(seen) >= 1, 10)
            thread = Failing()
            thread.start()
            _run_events_until(lambda: len(seen) >= 2, 10)
            thread.wait(5000)
        finally:
            closer.stop()
    shown = [kind for kind in ("slot", "thread") if any(f"{marker} ({kind})" in text for _, text in seen)]
    if shown != ["slot", "thread"]:
        raise SelfTestError(f"the error dialog showed {len(seen)} of 2 errors (slot, thread): {shown or 'none'}",
                            captured.read_text(encoding="utf-8", errors="replace"))
    if not ctx.window.isVisible():
        raise SelfTestError("the main window closed after an error")
    for handler in logging.getLogger().handlers:
        handler.flush()
    logged = ctx.log_file.read_text(encoding="utf-8", errors="replace") if ctx.log_file and ctx.log_file.is_file() else ""
    if f"{marker} (slot)" not in logged or f"{marker} (thread)" not in logged:
        raise SelfTestError(f"the errors are not in the log file {ctx.log_file}")
    return f"dialog '{seen[0][0]}' shown for both, the window stayed open, both logged in {ctx.log_file}"


def check_training(ctx: Context) -> str:
    """The tiny model trains for two steps in the training child (the app itself when frozen)."""
    from lorastudio.core.config.train_config import TrainConfig
    from lorastudio.core.runs.events import Finished, TrainReport
    from lorastudio.core.base.paths import runs_root
    from lorastudio.core.train.jobs import log_tail, start_training, worker_command

    model = tiny_model(ctx)
    data = write_tiny_dataset(ctx.workdir / "data")
    config = TrainConfig(
        model=str(model), data=str(data), num_layers=2, batch_size=2, iters=2, learning_rate=1e-3,
        steps_per_report=1, steps_per_eval=2, val_batches=1, save_every=2, max_seq_length=128,
    ).replace(lora_parameters={"rank": 4, "scale": 10.0, "dropout": 0.0})
    job = start_training(config, root=runs_root(), name="self-test")
    ctx.run_dir = job.run_dir
    watchdog = threading.Timer(TRAIN_TIMEOUT_S, job.kill)  # a hung child must not hang the self-test
    watchdog.start()
    losses = []
    try:
        for event in job.events():
            if isinstance(event, TrainReport):
                losses.append(event.train_loss)
    finally:
        watchdog.cancel()
    end = job.terminal_event
    if not isinstance(end, Finished):
        message = getattr(end, "error", None) or getattr(end, "reason", None) or repr(end)
        raise SelfTestError(f"the training child did not finish: {message}", log_tail(job.run_dir, 40))
    if not (job.run_dir / "adapters.safetensors").is_file():
        raise SelfTestError(f"the run {job.run_dir} has no adapters.safetensors", log_tail(job.run_dir, 40))
    child = worker_command(job.run_dir, False)
    shown = " ".join(Path(child[0]).name if i == 0 else part for i, part in enumerate(child[:-1]))
    loss = f"loss {losses[0]:.3f} -> {losses[-1]:.3f}" if losses else "no loss reported"
    return f"{end.iteration} steps in the child `{shown} RUN` (pid {job.pid}), {loss}, adapter saved in {job.run_dir}"


def check_generation(ctx: Context) -> str:
    """The chat engine loads the tiny model with the trained adapter and generates tokens."""
    from lorastudio.core.chat.engine import ChatEngine, SamplingSettings

    adapter = ctx.run_dir if ctx.run_dir is not None and (ctx.run_dir / "adapters.safetensors").is_file() else None
    engine = ChatEngine(tiny_model(ctx), adapter=adapter)
    try:
        reply = engine.send("Hello! What about LoRA?", SamplingSettings(max_tokens=6))
        text = reply.read()
        stats = reply.stats
    finally:
        engine.close()
    if stats is None or stats.generated_tokens < 1:
        raise SelfTestError("the chat engine generated no token")
    which = "with the trained adapter" if adapter else "with the base model (the training check made no adapter)"
    return f"{stats.generated_tokens} tokens {which} ({stats.finish_reason}): {text!r}"


def check_screenshot(ctx: Context) -> str:
    """The window renders to a PNG that is not blank."""
    if ctx.window is None:
        raise SelfTestError("needs the main window (the window check failed)")
    from PySide6.QtGui import QImage

    _run_events_until(lambda: True, 0.2)
    ctx.png.parent.mkdir(parents=True, exist_ok=True)
    if not ctx.window.grab().save(str(ctx.png)):
        raise SelfTestError(f"could not write {ctx.png}")
    image = QImage(str(ctx.png))
    if image.isNull() or image.width() < 100 or image.height() < 100:
        raise SelfTestError(f"{ctx.png} is not a readable picture of the window")
    colors = {image.pixel(x, y) for x in range(0, image.width(), 17) for y in range(0, image.height(), 17)}
    if len(colors) < 3:
        raise SelfTestError(f"{ctx.png} is blank ({len(colors)} colours)")
    return f"{ctx.png} ({image.width()}x{image.height()})"


CHECKS: list[tuple[str, Callable[[Context], str]]] = [
    ("resources", check_resources),
    ("mlx", check_mlx),
    ("mlx-lm modules", check_mlx_lm_modules),
    ("window", check_window),
    ("error dialog", check_error_dialog),
    ("training", check_training),
    ("generation", check_generation),
    ("screenshot", check_screenshot),
]


# ------------------------------------------------------------------ runner


def format_result(result: CheckResult) -> str:
    line = f"  {'ok' if result.ok else 'FAILED':<7} {result.name}: {result.detail}"
    if result.details:
        line += "\n" + "\n".join("          " + row for row in result.details.rstrip().splitlines())
    return line


def run_checks(ctx: Context, checks=CHECKS, out: TextIO | None = None) -> list[CheckResult]:
    """Run each check, printing its line as soon as it is known; a failure never stops the others."""
    out = out or sys.stdout
    results = []
    for name, check in checks:
        try:
            result = CheckResult(name, True, check(ctx))
        except KeyboardInterrupt:
            raise
        except SelfTestError as exc:
            result = CheckResult(name, False, str(exc), exc.details)
        except BaseException as exc:  # noqa: BLE001 - SystemExit from a library is a failure too
            result = CheckResult(name, False, f"{type(exc).__name__}: {exc}", traceback.format_exc())
        results.append(result)
        print(format_result(result), file=out, flush=True)
    return results


def exit_code(results: list[CheckResult]) -> int:
    return 0 if results and all(r.ok for r in results) else 1


def summary(results: list[CheckResult]) -> str:
    failed = [r.name for r in results if not r.ok]
    if failed:
        return f"self-test FAILED: {', '.join(failed)} ({len(failed)} of {len(results)} checks)"
    return f"self-test passed ({len(results)} checks)"


def _close_window(ctx: Context) -> None:
    if ctx.window is not None:
        ctx.window.close()
        ctx.window.deleteLater()
        _run_events_until(lambda: False, 0.3)


def run_self_test(png: Path | None = None, out: TextIO | None = None) -> int:
    from lorastudio import __version__
    from lorastudio.core.base.paths import data_home, log_dir

    out = out or sys.stdout
    user_home, user_log = data_home(), log_dir()  # before this process is pointed at its temporary home
    workdir = Path(tempfile.mkdtemp(prefix="lorastudio-selftest-"))
    os.environ["LORASTUDIO_HOME"] = str(workdir / "home")  # inherited by the training child
    os.environ.setdefault("HF_HUB_OFFLINE", "1")  # nothing here downloads
    os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")
    png = Path(png).expanduser().resolve() if png else Path(tempfile.gettempdir()) / "lorastudio-selftest.png"
    ctx = Context(workdir=workdir, png=png, user_data_home=user_home, user_log_dir=user_log)
    where = f"frozen app {bundle_root()}" if is_frozen() else f"Python {sys.executable}"
    print(f"LoRA Studio {__version__} self-test: {where}, {platform.system()} {platform.machine()}, "
          f"Python {platform.python_version()}", file=out, flush=True)
    results = []
    try:
        results = run_checks(ctx, CHECKS, out)
    finally:
        _close_window(ctx)
    print(summary(results), file=out, flush=True)
    if all(r.ok for r in results):
        print(f"screenshot: {png}", file=out, flush=True)
        shutil.rmtree(workdir, ignore_errors=True)
    else:
        print(f"kept for inspection: {workdir}", file=out, flush=True)
    return exit_code(results)


def main(argv: list[str]) -> int:
    if argv[:1] in (["-h"], ["--help"]) or len(argv) > 1:
        print("usage: lorastudio --self-test [PNG]\n\nCheck MLX, the mlx-lm modules, the window, the error dialog, "
              "training in the child process and generation; save a screenshot of the window to PNG "
              "(default: lorastudio-selftest.png in the temporary folder). Exit status 0 only if all passed.")
        return 0 if argv[:1] in (["-h"], ["--help"]) else 2
    return run_self_test(Path(argv[0]) if argv else None)
