"""The app's side: training through the Train panel, chat streaming, and launch time (offscreen Qt).

- ``gui_train``: a ``TrainPanel`` over a ``TrainingController`` (the app's
  training path: the child process, events pumped on a QThread, live pyqtgraph
  plots) shown in an offscreen window, started with its Start button's slot.
  A 10 ms ``QTimer`` on the GUI thread records every gap between its ticks.
- ``gui_chat``: ``ChatController`` (the engine on its QThread) streaming an
  answer into a text view, with the same timer.
- ``launch``: ``python -m lorastudio`` as a user starts it, with one hook:
  the main window's ``show`` notes the wall time at the first turn of the
  event loop after it (the parent notes the time it spawned the process).

    python -m bench.gui_side gui_train ARGS.json OUT.json

GUI thread of its own process.
"""

from __future__ import annotations

import sys
import time

from bench.common import child_main, reports_of


class GapMonitor:
    """Ticks every 10 ms on the GUI thread; the gaps between ticks say how long the thread was busy."""

    def __init__(self, interval_ms: int = 10):
        from PySide6.QtCore import Qt, QTimer

        self.ticks: list[float] = []
        self.marks: dict[str, float] = {}
        self.timer = QTimer()
        self.timer.setTimerType(Qt.TimerType.PreciseTimer)
        self.timer.setInterval(interval_ms)
        self.timer.timeout.connect(lambda: self.ticks.append(time.perf_counter()))

    def start(self) -> None:
        self.ticks.append(time.perf_counter())
        self.timer.start()

    def mark(self, name: str) -> None:
        self.marks.setdefault(name, time.perf_counter())

    def gaps(self, start: str, end: str) -> dict:
        """Statistics of the gaps between ticks from mark ``start`` to mark ``end`` (milliseconds)."""
        t0, t1 = self.marks.get(start), self.marks.get(end)
        if t0 is None or t1 is None:
            return {"max_ms": None, "p99_ms": None, "over_50ms": None, "ticks": 0}
        ticks = [t for t in self.ticks if t0 <= t <= t1]
        gaps = sorted((b - a) * 1000 for a, b in zip(ticks, ticks[1:]))
        if not gaps:
            return {"max_ms": None, "p99_ms": None, "over_50ms": None, "ticks": len(ticks)}
        pairs = sorted(((b - a) * 1000, a - t0) for a, b in zip(ticks, ticks[1:]))
        return {
            "max_ms": gaps[-1],
            # The longest gaps and when they began (seconds after ``start``), for finding their cause.
            "longest": [[round(ms, 1), round(at, 3)] for ms, at in pairs[-5:][::-1]],
            "p99_ms": gaps[min(len(gaps) - 1, int(0.99 * len(gaps)))],
            "median_ms": gaps[len(gaps) // 2],
            "over_50ms": sum(1 for g in gaps if g > 50),
            "ticks": len(ticks),
            "seconds": t1 - t0,
        }


def gui_train(args: dict) -> dict:
    from pathlib import Path

    from PySide6.QtCore import QTimer

    from lorastudio.core.config.train_config import TrainConfig
    from lorastudio.core.runs.events import Failed, Started, TrainReport, ValReport
    from lorastudio.ui.app import create_application
    from lorastudio.ui.panels.train_panel import TrainPanel
    from lorastudio.ui.state import AppState
    from lorastudio.ui.theme import Theme
    from lorastudio.ui.training_controller import TrainingController

    app = create_application(["bench"])
    runs_root = Path(args["runs_root"])
    state = AppState(TrainConfig.load(args["config"]), runs_root)
    controller = TrainingController(runs_root)
    panel = TrainPanel(state, controller, Theme("light"))
    panel.resize(1100, 760)
    panel.show()
    monitor = GapMonitor()
    events = []
    arrivals: list[tuple[str, float]] = []
    ended = []

    def on_event(event):
        events.append(event)
        arrivals.append((event.kind, time.perf_counter()))
        if isinstance(event, Started):
            monitor.mark("started")

    def on_end(event):
        monitor.mark("ended")
        ended.append(event)
        QTimer.singleShot(200, app.quit)  # let the last plot update draw

    def give_up():
        controller.kill()
        QTimer.singleShot(2000, app.quit)

    controller.event.connect(on_event)
    controller.run_ended.connect(on_end)
    monitor.start()
    QTimer.singleShot(100, lambda: (monitor.mark("clicked"), panel.start()))
    QTimer.singleShot(int(args.get("timeout_s", 1500) * 1000), give_up)
    app.exec()
    controller.wait(10000)

    terminal = ended[0] if ended else None
    if terminal is None or isinstance(terminal, Failed):
        raise RuntimeError(f"the run through the Train panel did not finish: {getattr(terminal, 'error', terminal)}")
    reports = [e for e in events if isinstance(e, TrainReport)]
    drawn = list(panel.plots.loss.curves["train"].getData()[0])
    return {
        "tool": "lorastudio (app)",
        "reports": reports_of(reports),
        "val": [[e.iteration, e.val_loss] for e in events if isinstance(e, ValReport)],
        "peak_memory_gb": max((r.peak_memory_gb for r in reports), default=0.0),
        "plotted_points": len(drawn),
        "gaps_training": monitor.gaps("started", "ended"),
        "gaps_whole_run": monitor.gaps("clicked", "ended"),
        "run_dir": str(controller.run_dir),
        # When each event reached the GUI thread (seconds after Started), to set the gaps against.
        "event_times": [[kind, round(t - monitor.marks.get("started", t), 3)] for kind, t in arrivals],
    }


def gui_chat(args: dict) -> dict:
    from PySide6.QtCore import QTimer
    from PySide6.QtWidgets import QPlainTextEdit

    from lorastudio.core.chat.settings import SamplingSettings
    from lorastudio.ui.app import create_application
    from lorastudio.ui.chat_controller import ChatController

    app = create_application(["bench"])
    view = QPlainTextEdit()
    view.resize(800, 600)
    view.show()
    controller = ChatController()
    monitor = GapMonitor()
    result: dict = {"errors": []}
    settings = SamplingSettings(max_tokens=args["max_tokens"])
    pieces = []

    def on_adapter(_label):
        monitor.mark("loaded")
        monitor.mark("sent")
        controller.send(args["prompt"], settings)

    def on_token(side, piece):
        monitor.mark("first_token")
        pieces.append(piece)
        view.insertPlainText(piece)

    def on_finished(side, stats, text):
        monitor.mark("finished")
        result["stats"] = {"generated_tokens": stats.generated_tokens, "tokens_per_s": stats.tokens_per_second,
                           "ttft_s": stats.time_to_first_token_s}
        QTimer.singleShot(100, app.quit)

    def on_error(command, message, details):
        result["errors"].append(f"{command}: {message}")
        app.quit()

    controller.adapter_changed.connect(on_adapter)
    controller.token.connect(on_token)
    controller.answer_finished.connect(on_finished)
    controller.error.connect(on_error)
    monitor.start()
    monitor.mark("load")
    controller.load(args["model"], adapter=args.get("adapter"))
    QTimer.singleShot(int(args.get("timeout_s", 600) * 1000), app.quit)
    app.exec()
    controller.shutdown()
    if "stats" not in result:
        raise RuntimeError(f"the chat controller did not answer: {result['errors']}")
    result.update(
        {
            "gaps_generating": monitor.gaps("sent", "finished"),
            "gaps_loading": monitor.gaps("load", "loaded"),
            "streamed_pieces": len(pieces),
        }
    )
    return result


def launch(args: dict) -> dict:
    """``python -m lorastudio`` with no arguments; the wall time when the main window is up."""
    from PySide6.QtCore import QTimer
    from PySide6.QtWidgets import QApplication

    import lorastudio.ui.app as app_module

    shown: dict = {}
    build = app_module.build_main_window

    def build_and_watch(*a, **k):
        window = build(*a, **k)
        real_show = window.show

        def show():
            real_show()

            def up():
                shown["shown_at"] = time.time()
                shown["visible"] = window.isVisible()
                QApplication.instance().quit()

            QTimer.singleShot(0, up)

        window.show = show
        return window

    app_module.build_main_window = build_and_watch
    from lorastudio.__main__ import main

    sys.argv = ["lorastudio"]
    code = main([])
    if "shown_at" not in shown:
        raise RuntimeError(f"the main window was never shown (exit status {code})")
    return shown


if __name__ == "__main__":
    sys.exit(child_main({"gui_train": gui_train, "gui_chat": gui_chat, "launch": launch}))
