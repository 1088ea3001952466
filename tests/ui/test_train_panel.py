"""The Train panel on the tiny model: Start, live plots, Pause, Stop, Continue, a killed child."""

import pytest
from PySide6.QtCore import QSettings

from lorastudio.core.runs import folder as runs
from lorastudio.core.runs.events import Finished, Stopped, TrainReport
from lorastudio.ui import training_controller as tc
from lorastudio.ui.panels.train_panel import TrainPanel
from lorastudio.ui.state import AppState
from lorastudio.ui.theme import Theme


@pytest.fixture
def panel(qtbot, tiny_config, tmp_path):
    state = AppState(tiny_config, tmp_path / "runs")
    controller = tc.TrainingController(state.runs_root)
    widget = TrainPanel(state, controller, Theme("light"))
    qtbot.addWidget(widget)
    widget.resize(1100, 760)
    widget.show()
    yield widget
    if controller.busy:
        controller.kill()
        controller.wait(20000)


def wait_for_end(qtbot, panel, timeout=120_000):
    with qtbot.waitSignal(panel.controller.run_ended, timeout=timeout) as blocker:
        pass
    return blocker.args[0]


def test_start_draws_live_points_and_finishes(qtbot, panel):
    with qtbot.waitSignal(panel.controller.run_ended, timeout=120_000) as ended:
        panel.start_button.click()
        assert not panel.start_button.isEnabled()
    assert isinstance(ended.args[0], Finished)
    series = panel.plots.series
    assert series.iterations == [1, 2, 3, 4, 5, 6]
    xs, ys = panel.plots.loss.curves["train"].getData()
    assert list(xs) == series.iterations and list(ys) == pytest.approx(series.train_loss)
    assert list(panel.plots.loss.curves["valid"].getData()[0]) == series.val_iterations
    assert panel.table.rowCount() >= 6
    assert panel.state.current_run == panel.controller.run_dir or panel.state.current_run is not None
    assert panel.banner.kind == "success"
    assert panel.start_button.isEnabled() and not panel.stop_button.isEnabled()


def test_pause_stop_and_continue(qtbot, panel):
    panel.state.set_config(panel.state.config.replace(iters=100000, steps_per_eval=100000, save_every=100000))
    with qtbot.waitSignal(panel.controller.event, timeout=120_000, check_params_cb=lambda e: isinstance(e, TrainReport)):
        panel.start_button.click()
    with qtbot.waitSignal(panel.controller.state_changed, timeout=60_000, check_params_cb=lambda s: s == tc.PAUSED):
        panel.pause_button.click()
    assert panel.pause_button.text() == "Resume" and panel.status_label.text() == "Paused"
    with qtbot.waitSignal(panel.controller.state_changed, timeout=60_000, check_params_cb=lambda s: s == tc.RUNNING):
        panel.pause_button.click()
    with qtbot.waitSignal(panel.controller.run_ended, timeout=60_000) as ended:
        panel.stop_button.click()
    stopped = ended.args[0]
    assert isinstance(stopped, Stopped)
    run_dir = panel.controller.run_dir
    assert (run_dir / "adapters.safetensors").is_file()
    assert panel.continue_button.isEnabled()
    # continue: the run goes on from where it stopped (shorten it so it finishes)
    from lorastudio.core.config.train_config import TrainConfig

    config = TrainConfig.load(run_dir / "config.yaml").replace(iters=stopped.iteration + 2)
    config.save(run_dir / "config.yaml")
    with qtbot.waitSignal(panel.controller.run_ended, timeout=120_000) as ended:
        panel.continue_button.click()
    assert isinstance(ended.args[0], Finished)
    assert panel.plots.series.iterations[-1] == stopped.iteration + 2


def test_killed_child_leaves_the_window_usable_and_says_why(qtbot, panel):
    panel.state.set_config(panel.state.config.replace(iters=100000, steps_per_eval=100000, save_every=2))
    with qtbot.waitSignal(panel.controller.event, timeout=120_000, check_params_cb=lambda e: isinstance(e, TrainReport) and e.iteration >= 3):
        panel.start_button.click()
    points_before = len(panel.plots.series.iterations)
    with qtbot.waitSignal(panel.controller.run_ended, timeout=60_000):
        panel.controller.job.kill()
    assert panel.banner.isVisible() and panel.banner.kind == "error"
    assert "SIGKILL" in panel.banner.message.text()
    assert len(panel.plots.series.iterations) >= points_before  # the curves stay
    assert panel.start_button.isEnabled() and panel.continue_button.isEnabled()
    assert runs.effective_state(panel.controller.run_dir or panel.state.current_run)[0] == "failed"


def test_bad_start_is_reported_in_the_panel(qtbot, panel, tmp_path):
    bad = tmp_path / "bad"
    bad.mkdir()
    (bad / "train.jsonl").write_text("{not json\n")
    panel.state.set_config(panel.state.config.replace(data=str(bad)))
    with qtbot.waitSignal(panel.controller.error, timeout=60_000):
        panel.start_button.click()
    assert panel.banner.kind == "error" and "train.jsonl:1" in panel.banner.message.text()
    assert panel.start_button.isEnabled()


def test_selecting_a_past_run_shows_its_curves(qtbot, panel, tiny_config):
    from lorastudio.core.train.jobs import start_training

    job = start_training(tiny_config.replace(iters=4), root=panel.state.runs_root)
    job.run_to_end()
    panel.state.set_current_run(job.run_dir)
    assert panel.plots.series.iterations == [1, 2, 3, 4]
    assert "finished" in panel.progress_label.text()
