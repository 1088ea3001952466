"""Save a screenshot of every page of the app, light and dark, English and Chinese.

    .venv/bin/python scripts/screenshots.py [--home DIR] [--out docs/screenshots]

Uses the real demo: SmolLM2-135M-Instruct imported into ``DIR/models`` and a
demo run trained into ``DIR/runs`` (both made once, then reused; the run
takes a few minutes on a CPU). Each page is shown with real content: the
demo dataset checked and previewed, the run's curves, a compare-mode chat
with the run's adapter, the report, the runs list with two runs compared.
Renders offscreen (no display needed); runs on the main (GUI) thread.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import lorastudio  # noqa: E402,F401  (fast BLAS before MLX)

SIZE = (1280, 820)


def ensure_runs(home: Path) -> list[Path]:
    """The demo model and two finished demo runs (the second with a higher rank), made once."""
    from lorastudio.core.runs import folder as runs
    from lorastudio.core.train.demo import demo_config
    from lorastudio.core.models.demo_model import demo_model_dtype, import_demo_model
    from lorastudio.core.train.jobs import start_training

    model = import_demo_model(home / "models", demo_model_dtype())
    existing = [r.path for r in runs.list_runs(home / "runs") if r.state == "finished"]
    wanted = [("demo", {}), ("demo-rank16", {"lora_parameters": {"rank": 16, "scale": 20.0, "dropout": 0.0}, "iters": 20})]
    for name, changes in wanted:
        if any(p.name == name for p in existing):
            continue
        print(f"Training the {name} run (a few minutes on a CPU)...", flush=True)
        job = start_training(demo_config(model).replace(**changes), root=home / "runs", name=name)
        print(f"  {type(job.run_to_end()).__name__}: {job.run_dir}", flush=True)
    return [home / "runs" / "demo", home / "runs" / "demo-rank16"]


def wait(app, seconds: float, until=None) -> None:
    """Run the event loop for up to ``seconds`` or until ``until()``.

    Sleeps in Python between rounds: QTest.qWait keeps the GIL while it waits,
    which starves the app's background threads.
    """
    deadline = time.time() + seconds
    while time.time() < deadline:
        app.processEvents()
        time.sleep(0.05)
        if until is not None and until():
            break


def shoot(home: Path, out: Path, theme: str, lang: str, run_dirs: list[Path]) -> None:
    from PySide6.QtCore import QSettings

    from lorastudio.core.train.demo import demo_config
    from lorastudio.ui.app import build_main_window, create_application
    from lorastudio.ui.settings import Settings

    app = create_application()
    settings = Settings(QSettings(str(out / f".settings-{theme}-{lang}.ini"), QSettings.Format.IniFormat))
    settings.set_theme(theme)
    settings.set_language(lang)
    settings.set_last_config_yaml(demo_config(home / "models" / "SmolLM2-135M-Instruct-f32").to_yaml())
    window = build_main_window(settings, runs_root=home / "runs")
    window.resize(*SIZE)
    window.show()
    window.state.set_current_run(run_dirs[0])
    pages = window.pages

    def save(key: str) -> None:
        path = out / f"{key}-{theme}-{lang}.png"
        window.grab().save(str(path))
        print(path, flush=True)

    analysed = []
    pages["model"].analysis_done.connect(lambda: analysed.append(True))
    window.show_page("model")
    pages["model"].refresh()
    wait(app, 60, lambda: bool(analysed) and not pages["model"].busy)
    wait(app, 3)
    save("model")

    window.show_page("data")
    data = pages["data"]
    wait(app, 120, lambda: data.stats is not None and not data.progress.isVisible())
    data.tabs.setCurrentIndex(1)  # the preview, with the prompt tokens that carry no loss
    wait(app, 2)
    save("data")

    window.show_page("params")
    wait(app, 2)
    save("params")

    window.show_page("train")
    wait(app, 3)
    save("train")

    window.show_page("chat")
    chat = pages["chat"]
    controller = chat.chat()
    finished = []
    controller.answer_finished.connect(lambda side, *_: finished.append(side))
    wait(app, 30, lambda: chat.picker.spec() is not None)  # the run list loads in the background
    chat.set_mode("compare")
    chat.send("Who are you?")
    wait(app, 300, lambda: "adapter" in finished)
    wait(app, 1)
    save("chat")

    window.show_page("report")
    report = pages["report"]
    wait(app, 60, lambda: not report.loading)
    wait(app, 2)
    save("report")

    window.show_page("runs")
    runs_page = pages["runs"]
    wait(app, 30, lambda: not runs_page.loading)
    runs_page.table.selectAll()
    wait(app, 20, lambda: not runs_page.loading)
    wait(app, 2)
    save("runs")

    controller.shutdown()
    window.hide()
    window.deleteLater()
    wait(app, 1)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--home", default=str(ROOT / ".cache" / "screenshots-home"), help="data home for the demo model and runs")
    parser.add_argument("--out", default=str(ROOT / "docs" / "screenshots"), help="where the PNG files go")
    parser.add_argument("--themes", default="light,dark")
    parser.add_argument("--langs", default="en,zh_CN")
    args = parser.parse_args()
    home, out = Path(args.home), Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    os.environ["LORASTUDIO_HOME"] = str(home)
    run_dirs = ensure_runs(home)
    for lang in args.langs.split(","):
        for theme in args.themes.split(","):
            shoot(home, out, theme, lang, run_dirs)
    for leftover in out.glob(".settings-*.ini"):
        leftover.unlink()
    return 0


if __name__ == "__main__":
    sys.exit(main())
