"""The whole app, driven like a user would, on the tiny model (offscreen).

Choose data and a model, set parameters, Start: the plots receive points;
Stop; Continue; chat with the adapter; read the report. And a training child
killed mid-run leaves the window alive and saying what happened.
"""

import pytest

from conftest import ini_settings

from lorastudio.core.runs.events import Failed, Finished, Stopped, TrainReport
from lorastudio.ui import training_controller as tc
from lorastudio.ui.app import build_main_window


@pytest.fixture
def window(qtbot, tmp_path):
    settings = ini_settings(tmp_path)
    settings.set_theme("light")
    settings.set_language("en")
    win = build_main_window(settings, runs_root=tmp_path / "runs")
    # Closed here, not by qtbot.addWidget: pytest-qt closes its widgets before this fixture's
    # own teardown, and closing a window that still trains (a test that failed midway) asks
    # a question in a modal dialog nobody answers.
    win.resize(1280, 820)
    win.show()
    qtbot.waitExposed(win)
    yield win
    if win.training.busy:
        win.training.kill()
        win.training.wait(20000)
        qtbot.waitUntil(lambda: not win.training.busy, timeout=10_000)  # its end arrives as a queued signal
    if win._chat is not None:
        win._chat.shutdown()
    win.close()
    win.deleteLater()


def test_a_user_trains_stops_continues_chats_and_reads_the_report(qtbot, window, tiny_model, tiny_data, tmp_path):
    state = window.state
    # Data: choose the folder on the Data page.
    window.show_page("data")
    data = window.pages["data"]
    with qtbot.waitSignal(data.checked, timeout=60_000):
        assert data.select_dataset(str(tiny_data))
    assert state.config.data == str(tiny_data)

    # Model: type the folder on the Model page.
    window.show_page("model")
    window.pages["model"].use_text(str(tiny_model))
    assert state.config.model == str(tiny_model)

    # Parameters: what the form would set (the form's own tests type into it).
    window.show_page("params")
    state.update_config(
        num_layers=2, iters=100000, batch_size=4, learning_rate=1e-3, steps_per_report=1, steps_per_eval=3,
        val_batches=1, save_every=100000, max_seq_length=128, eval_prompts=["About the fox?"],
        lora_parameters={"rank": 4, "scale": 10.0, "dropout": 0.0},
    )

    # Train: Start, points arrive in the plots, Stop.
    window.show_page("train")
    train = window.pages["train"]
    with qtbot.waitSignal(window.training.event, timeout=120_000, check_params_cb=lambda e: isinstance(e, TrainReport) and e.iteration >= 3):
        window.start_action.trigger()
    # The live plots redraw at most every 0.4 s.
    def plotted():
        xs = train.plots.loss.curves["train"].getData()[0]
        return 0 if xs is None else len(xs)

    qtbot.waitUntil(lambda: plotted() >= 3, timeout=5_000)
    with qtbot.waitSignal(window.training.run_ended, timeout=60_000) as ended:
        window.stop_action.trigger()
    stopped = ended.args[0]
    assert isinstance(stopped, Stopped)
    run_dir = state.current_run
    assert run_dir is not None and (run_dir / "adapters.safetensors").is_file()

    # Continue: the run goes on from its last state to a new end.
    from lorastudio.core.config.train_config import TrainConfig

    TrainConfig.load(run_dir / "config.yaml").replace(iters=stopped.iteration + 3).save(run_dir / "config.yaml")
    assert train.continue_button.isEnabled()
    with qtbot.waitSignal(window.training.run_ended, timeout=120_000) as ended:
        train.continue_button.click()
    finished = ended.args[0]
    assert isinstance(finished, Finished) and finished.iteration == stopped.iteration + 3
    assert train.plots.series.iterations[-1] == stopped.iteration + 3

    # Chat: the adapter of the current run answers.
    window.show_page("chat")
    chat = window.pages["chat"]
    controller = chat.chat()
    with qtbot.waitSignal(controller.answer_finished, timeout=120_000) as answered:
        chat.send("About the fox?")
    side, stats, text = answered.args
    assert stats.generated_tokens > 0 and isinstance(text, str)
    assert chat.active_adapter is not None

    # Report: the run's report, with its final loss.
    window.show_page("report")
    report = window.pages["report"]
    qtbot.waitUntil(lambda: not report.loading and "Iter" in report_text(report), timeout=60_000)
    from lorastudio.core.runs.folder import read_metrics

    last = [e for e in read_metrics(run_dir) if isinstance(e, TrainReport)][-1]
    assert f"{last.train_loss:.3f}" in report_text(report)


def report_text(report) -> str:
    from PySide6.QtWidgets import QTextBrowser

    browsers = report.findChildren(QTextBrowser)
    return "\n".join(b.toPlainText() for b in browsers)


def test_killed_training_child_leaves_the_window_alive(qtbot, window, tiny_config):
    window.state.set_config(tiny_config.replace(iters=100000, steps_per_eval=100000, save_every=2))
    window.show_page("train")
    with qtbot.waitSignal(window.training.event, timeout=120_000, check_params_cb=lambda e: isinstance(e, TrainReport) and e.iteration >= 2):
        window.start_action.trigger()
    with qtbot.waitSignal(window.training.run_ended, timeout=60_000) as ended:
        window.training.job.kill()
    assert isinstance(ended.args[0], Failed)
    train = window.pages["train"]
    assert train.banner.isVisible() and "killed" in train.banner.message.text()
    assert window.training.state == tc.IDLE and window.start_action.isEnabled()
    assert train.plots.series.iterations  # the curves stay
    # the window still works: another page, and the Runs page lists the failed run
    window.show_page("runs")
    runs_page = window.pages["runs"]
    qtbot.waitUntil(lambda: not runs_page.loading, timeout=30_000)
    from lorastudio.core.runs.folder import list_runs

    assert list_runs(window.state.runs_root)[0].state == "failed"


def test_closing_during_a_run_asks_then_stops_and_saves(qtbot, window, tiny_config, monkeypatch):
    from PySide6.QtWidgets import QMessageBox

    window.state.set_config(tiny_config.replace(iters=100000, steps_per_eval=100000))
    with qtbot.waitSignal(window.training.event, timeout=120_000, check_params_cb=lambda e: isinstance(e, TrainReport)):
        window.start_action.trigger()
    monkeypatch.setattr(QMessageBox, "question", lambda *a, **k: QMessageBox.StandardButton.No)
    window.close()
    assert window.isVisible() and window.training.busy  # "No" keeps the window and the run
    monkeypatch.setattr(QMessageBox, "question", lambda *a, **k: QMessageBox.StandardButton.Yes)
    run_dir = window.training.run_dir
    window.close()
    assert not window.training.busy
    assert (run_dir / "adapters.safetensors").is_file()
    from lorastudio.core.runs.folder import effective_state

    assert effective_state(run_dir)[0] == "stopped"
