"""The Runs panel on real tiny-model runs: list, compare curves and settings, open, continue, delete.

Four runs are trained once per module (two finished with different
learning rates and ranks, one stopped early, one failed in the training
child with a bad num_layers); each test works on its own copy of them.
Also the pure config diff of ``lorastudio.core.config.diff``.
"""

import io
import os
import shutil

import pytest
from PySide6.QtCore import QPoint, QPointF, Qt
from PySide6.QtWidgets import QMessageBox

from lorastudio.core.runs import folder as runs
from lorastudio.core.config.train_config import TrainConfig
from lorastudio.core.config.diff import diff_configs, differing, flatten, format_value
from lorastudio.core.runs.events import Failed, Finished, TrainReport, ValReport
from lorastudio.core.runs.metrics import RunSeries
from lorastudio.ui import training_controller as tc
from lorastudio.ui.panels.runs_panel import RunsPanel
from lorastudio.ui.state import AppState
from lorastudio.ui.theme import Theme
from lorastudio.ui.widgets import runs_table as rt
from lorastudio.ui.widgets.plots import format_value as plot_value

A, B, STOPPED, FAILED = "a-lr1e-3-rank4", "b-lr5e-4-rank8", "c-stopped", "d-failed"


# --- the pure diff -------------------------------------------------------------------


def test_diff_shows_exactly_the_fields_that_differ_with_dotted_keys():
    one = TrainConfig(model="m", data="d", learning_rate=1e-3).replace(lora_parameters={"rank": 4, "scale": 10.0, "dropout": 0.0})
    two = one.replace(learning_rate=5e-4, lora_parameters={"rank": 8, "scale": 10.0, "dropout": 0.0})
    rows = diff_configs([one.to_dict(), two.to_dict()])
    assert [(r.key, r.values) for r in rows if r.differs] == [("learning_rate", (1e-3, 5e-4)), ("lora_parameters.rank", (4, 8))]
    assert len(rows) == len(flatten(one.to_dict()))  # every setting once, identical ones included
    assert {"lora_parameters.scale", "model", "train"} <= {r.key for r in rows if not r.differs}


def test_diff_compares_a_section_unset_in_one_run_key_by_key():
    plain = TrainConfig(model="m", data="d")
    scheduled = plain.replace(
        lr_schedule={"name": "cosine_decay", "arguments": [1e-5, 100], "warmup": 10},
        optimizer="adamw", optimizer_config={"adamw": {"weight_decay": 0.01}},
    )
    rows = {r.key: r for r in differing([plain.to_dict(), scheduled.to_dict()])}
    assert "lr_schedule" not in rows and "optimizer_config.adamw" not in rows
    assert rows["lr_schedule.name"].values == (None, "cosine_decay")
    assert rows["lr_schedule.warmup"].values == (None, 10)
    assert rows["optimizer_config.adamw.weight_decay"].values == (None, 0.01)
    assert rows["optimizer"].values == ("adam", "adamw")


def test_diff_keeps_booleans_apart_from_numbers_and_formats_values():
    assert [r.key for r in differing([{"a": True, "b": 1, "c": 2}, {"a": 1, "b": 1.0, "c": 2}])] == ["a"]
    assert [format_value(v) for v in (None, True, 1e-05, [1e-05, 100], "x", {})] == ["—", "true", "1e-05", "[1e-05, 100]", "x", "—"]


# --- runs made once ------------------------------------------------------------------


def _train(config, root, name, stop_at=None):
    from lorastudio.core.tuner.loop import Control, train_run
    from lorastudio.core.train.worker import Recorder

    run_dir = runs.create_run(config, root, name=name)
    recorder = Recorder(run_dir, io.StringIO())  # the child's own recorder: metrics.jsonl + status.json
    control = Control()

    def emit(event):
        recorder.emit(event)
        if stop_at and isinstance(event, TrainReport) and event.iteration >= stop_at:
            control.stop()

    try:
        train_run(run_dir, emit, control)
    finally:
        recorder.metrics.close()
    return run_dir


@pytest.fixture(scope="module")
def made_runs(tiny_model, tiny_data, tmp_path_factory):
    root = tmp_path_factory.mktemp("made") / "runs"
    config = TrainConfig(
        model=str(tiny_model), data=str(tiny_data), num_layers=2, batch_size=4, iters=6, learning_rate=1e-3,
        steps_per_report=1, steps_per_eval=3, val_batches=2, save_every=3, max_seq_length=128,
    ).replace(lora_parameters={"rank": 4, "scale": 10.0, "dropout": 0.1})
    _train(config, root, A)
    _train(config.replace(learning_rate=5e-4, lora_parameters={"rank": 8, "scale": 10.0, "dropout": 0.1}), root, B)
    _train(config, root, STOPPED, stop_at=2)
    from lorastudio.core.train.jobs import start_training

    # a real training child that fails while preparing
    assert isinstance(start_training(config.replace(num_layers=9), root=root, name=FAILED).run_to_end(), Failed)
    return root


@pytest.fixture
def root(made_runs, tmp_path):
    copy = tmp_path / "runs"
    shutil.copytree(made_runs, copy)
    return copy


@pytest.fixture
def make_panel(qtbot, tiny_config):
    made = []

    def make(runs_root, theme="light", size=(1010, 700)):
        state = AppState(tiny_config, runs_root)
        training = tc.TrainingController(runs_root)
        panel = RunsPanel(state, training, Theme(theme))
        qtbot.addWidget(panel)
        panel.resize(*size)
        panel.show()
        qtbot.waitUntil(lambda: not panel.loading, timeout=20_000)
        made.append(panel)
        return panel

    yield make
    for panel in made:
        if panel.training.busy:
            panel.training.kill()
            panel.training.wait(20_000)
    Theme("light")  # the app palette is global: leave it light for the next test


def select(qtbot, panel, *names):
    paths = [panel.state.runs_root / n for n in names]
    with qtbot.waitSignal(panel.comparison_shown, timeout=20_000):
        panel.table.select_paths(paths)
    return paths


def row_texts(panel, name):
    table = panel.table
    for r in range(table.proxy.rowCount()):
        if table.proxy.index(r, rt.NAME).data() == name:
            return [table.proxy.index(r, c).data() for c in range(table.proxy.columnCount())]
    raise AssertionError(f"no row {name}")


# --- the table ---------------------------------------------------------------------


def test_table_lists_every_run_with_state_steps_and_losses(qtbot, make_panel, root, tmp_path):
    panel = make_panel(root)
    assert panel.pages.currentIndex() == 0 and panel.count_label.text() == "4 runs"
    assert [p.name for p in panel.table.visible_paths()] == [FAILED, STOPPED, B, A]  # newest first
    for summary in runs.list_runs(root):
        texts = row_texts(panel, summary.name)
        assert texts[rt.STEPS] == f"{summary.iteration} / {summary.total_iters}"
        if summary.last_train_loss is not None:
            assert texts[rt.TRAIN] == f"{summary.last_train_loss:.3f}"
            assert texts[rt.VALID] == f"{summary.last_val_loss:.3f}" and texts[rt.BEST] == f"{summary.best_val_loss:.3f}"
    assert row_texts(panel, A)[rt.STATUS] == "Finished" and row_texts(panel, A)[rt.STEPS] == "6 / 6"
    assert row_texts(panel, STOPPED)[rt.STATUS] == "Stopped"
    assert row_texts(panel, STOPPED)[rt.STEPS] == "2 / 6"
    failed = row_texts(panel, FAILED)
    assert failed[rt.STATUS] == "Failed" and failed[rt.TRAIN] == "—" and failed[rt.STEPS] == "0 / 6"
    assert row_texts(panel, A)[rt.MODEL] == "tiny-llama"
    # sorting by the last training loss, numerically
    losses = {s.name: s.last_train_loss for s in runs.list_runs(root) if s.last_train_loss is not None}
    header = panel.table.horizontalHeader()
    x = header.sectionViewportPosition(rt.TRAIN) + header.sectionSize(rt.TRAIN) // 2
    qtbot.mouseClick(header.viewport(), Qt.MouseButton.LeftButton, pos=QPoint(x, header.height() // 2))
    order = sorted(losses, key=losses.get, reverse=header.sortIndicatorOrder() == Qt.SortOrder.DescendingOrder)
    shown = [p.name for p in panel.table.visible_paths() if p.name in losses]
    assert header.sortIndicatorSection() == rt.TRAIN and shown == order
    panel.filter.setText("stopped")
    assert [p.name for p in panel.table.visible_paths()] == [STOPPED]
    panel.filter.clear()
    assert panel.grab().save(str(tmp_path / "ui-runs-list-light.png"))


def test_a_failed_run_shows_as_failed_with_its_message(qtbot, make_panel, root):
    panel = make_panel(root)
    tip = panel.table.proxy.index(panel.table.visible_paths().index(root / FAILED), rt.STATUS).data(Qt.ItemDataRole.ToolTipRole)
    assert "num_layers: 9 layers requested but the model has only 2" in tip
    select(qtbot, panel, FAILED)
    assert panel.banner.isVisible() and panel.banner.kind == "error"
    assert "num_layers: 9 layers requested but the model has only 2" in panel.banner.message.text()
    assert "Traceback" in panel.banner.details.toPlainText()
    assert panel.overlay.stack.currentIndex() == 0  # nothing to plot: a hint instead of empty axes
    assert not panel.continue_button.isEnabled()  # it never saved a state to continue from
    select(qtbot, panel, A)
    assert not panel.banner.isVisible()


def test_refreshes_when_runs_change_and_follows_live_training(qtbot, make_panel, root):
    panel = make_panel(root)
    shutil.copytree(root / A, root / "e-new")
    runs.write_status(root / "e-new", "finished", created=runs.read_status(root / FAILED)["created"] + 1)
    with qtbot.waitSignal(panel.refreshed, timeout=20_000):
        panel.state.notify_runs_changed()
    assert panel.table.visible_paths()[0].name == "e-new" and panel.count_label.text() == "5 runs"
    # the training run's row moves with its events, without re-reading files
    panel.training.run_dir = root / "e-new"
    panel.training.event.emit(TrainReport(iteration=7, train_loss=0.5, learning_rate=1e-3, iterations_per_second=1.0,
                                          tokens_per_second=10.0, trained_tokens=70, peak_memory_gb=0.1))
    panel.training.event.emit(ValReport(iteration=7, val_loss=0.25, val_time=0.1, is_best=True))
    texts = row_texts(panel, "e-new")
    assert (texts[rt.STEPS], texts[rt.TRAIN], texts[rt.VALID], texts[rt.BEST]) == ("7 / 6", "0.500", "0.250", "0.250")


def test_empty_state_says_how_to_make_a_first_run(qtbot, make_panel, tmp_path):
    panel = make_panel(tmp_path / "nothing-here")
    assert panel.pages.currentWidget() is panel.empty
    assert "Start training" in " ".join(label.text() for label in panel.empty.findChildren(type(panel.count_label)))
    with qtbot.waitSignal(panel.train_requested, timeout=1000):
        panel.go_train_button.click()
    assert panel.grab().save(str(tmp_path / "ui-runs-empty.png"))


# --- comparing ---------------------------------------------------------------------


def test_two_runs_overlay_their_curves_and_diff_their_settings(qtbot, make_panel, root, tmp_path):
    panel = make_panel(root)
    select(qtbot, panel, A, B)
    for name in (A, B):
        series = RunSeries.from_run(root / name)
        line, dots = panel.overlay.curves_of(root / name)
        xs, ys = line.getData()
        assert list(xs) == series.iterations == [1, 2, 3, 4, 5, 6]
        assert list(ys) == pytest.approx(series.train_loss)
        assert list(dots.getData()[0]) == series.val_iterations and list(dots.getData()[1]) == pytest.approx(series.val_loss)
    colors = {panel.overlay.curves_of(root / n)[0].opts["pen"].color().name() for n in (A, B)}
    assert len(colors) == 2  # one colour per run
    # one legend entry per run (its training line), in table order
    assert [label.text for _, label in panel.overlay.plot.legend.items] == [p.name for p in panel.table.selected_paths()] == [B, A]
    assert panel.diff.differing_keys() == ["learning_rate", "lora_parameters.rank"]
    assert panel.diff.shown_keys() == ["learning_rate", "lora_parameters.rank"]
    assert panel.tabs.tabText(1) == "Settings (2 differ)"
    assert [panel.diff.table.horizontalHeaderItem(c).text() for c in (1, 2)] == [p.name for p in panel.table.selected_paths()]
    panel.diff.show_all.setChecked(True)
    assert len(panel.diff.shown_keys()) == len(flatten(runs.load_config(root / A).to_dict()))
    assert "lora_parameters.scale" in panel.diff.shown_keys()
    panel.diff.show_all.setChecked(False)
    assert panel.grab().save(str(tmp_path / "ui-runs-compare-light.png"))
    panel.tabs.setCurrentIndex(1)
    assert panel.grab().save(str(tmp_path / "ui-runs-diff-light.png"))


def test_hovering_the_overlay_reads_out_each_run(qtbot, make_panel, root):
    panel = make_panel(root)
    select(qtbot, panel, A, B)
    plot = panel.overlay.plot
    view = plot.plotItem.getViewBox()
    # laid out and auto-ranged onto the data (both happen on the next paint)
    qtbot.waitUntil(lambda: view.sceneBoundingRect().width() > 100 and view.viewRange()[0][1] >= 6)
    series = RunSeries.from_run(root / A)
    plot._on_mouse_moved(view.mapViewToScene(QPointF(4, series.train_loss[3])))
    html = plot._readout.textItem.toHtml()
    assert plot._readout.isVisible()
    assert A in html and B in html and plot_value(series.train_loss[3]) in html


def test_selection_keeps_colours_and_dark_theme_recolours(qtbot, make_panel, root, tmp_path):
    panel = make_panel(root, theme="dark")
    select(qtbot, panel, A, B, STOPPED)
    first = {n: panel.overlay.curves_of(root / n)[0].opts["pen"].color().name() for n in (A, B, STOPPED)}
    assert len(set(first.values())) == 3
    assert panel.overlay.plot.backgroundBrush().color().name() == panel.theme.colors.background
    assert panel.grab().save(str(tmp_path / "ui-runs-compare-dark.png"))
    panel.tabs.setCurrentIndex(1)
    panel.diff.show_all.setChecked(True)
    assert panel.grab().save(str(tmp_path / "ui-runs-diff-dark.png"))
    select(qtbot, panel, A, STOPPED)  # B leaves: the others keep their colours
    assert {n: panel.overlay.curves_of(root / n)[0].opts["pen"].color().name() for n in (A, STOPPED)} == {
        n: first[n] for n in (A, STOPPED)}
    panel.table.clearSelection()
    qtbot.waitUntil(lambda: panel.overlay.stack.currentIndex() == 0)
    assert panel.grab().save(str(tmp_path / "ui-runs-list-dark.png"))


# --- commands ----------------------------------------------------------------------


def test_open_makes_it_the_current_run_and_asks_for_the_train_page(qtbot, make_panel, root):
    panel = make_panel(root)
    select(qtbot, panel, B)
    assert panel.open_button.isEnabled()
    with qtbot.waitSignal(panel.open_requested, timeout=1000) as opened:
        panel.open_button.click()
    assert opened.args == [root / B] and panel.state.current_run == root / B
    select(qtbot, panel, A, B)
    assert not panel.open_button.isEnabled() and panel.delete_button.isEnabled()
    # a double-click opens the run under the pointer
    row = panel.table.visible_paths().index(root / A)
    rect = panel.table.visualRect(panel.table.proxy.index(row, rt.NAME))
    with qtbot.waitSignal(panel.open_requested, timeout=1000) as opened:
        # a real double-click is a click then a double-click event (Qt 6's QTest sends only the second)
        qtbot.mouseClick(panel.table.viewport(), Qt.MouseButton.LeftButton, pos=rect.center())
        qtbot.mouseDClick(panel.table.viewport(), Qt.MouseButton.LeftButton, pos=rect.center())
    assert opened.args == [root / A] and panel.state.current_run == root / A


def test_reveal_opens_the_run_folder(qtbot, make_panel, root, monkeypatch):
    from PySide6.QtGui import QDesktopServices

    opened = []
    monkeypatch.setattr(QDesktopServices, "openUrl", lambda url: opened.append(url.toLocalFile()) or True)
    panel = make_panel(root)
    select(qtbot, panel, A)
    panel.reveal_button.click()
    assert opened == [str(root / A)]


def _answer(monkeypatch, role):
    """Replace QMessageBox.exec: remember the question, press the button with ``role``."""
    asked = []

    def fake_exec(box):
        asked.append((box.text(), box.informativeText()))
        next(b for b in box.buttons() if box.buttonRole(b) == role).click()
        return 0

    monkeypatch.setattr(QMessageBox, "exec", fake_exec)
    return asked


def test_delete_asks_first_naming_the_runs_then_removes_them(qtbot, make_panel, root, monkeypatch):
    panel = make_panel(root)
    select(qtbot, panel, A)
    asked = _answer(monkeypatch, QMessageBox.ButtonRole.RejectRole)
    panel.delete_button.click()
    assert A in asked[0][0] and (root / A).is_dir()  # cancelled: nothing removed

    select(qtbot, panel, A, B)
    panel.state.set_current_run(root / A)
    asked = _answer(monkeypatch, QMessageBox.ButtonRole.DestructiveRole)
    with qtbot.waitSignal(panel.refreshed, timeout=20_000):
        panel.delete_button.click()
    assert "2 runs" in asked[0][0] and A in asked[0][1] and B in asked[0][1]
    assert not (root / A).exists() and not (root / B).exists()
    assert [p.name for p in panel.table.visible_paths()] == [FAILED, STOPPED]
    assert panel.state.current_run is None and panel.banner.kind == "success"


def test_delete_refuses_a_run_still_training_and_says_so(qtbot, make_panel, root, monkeypatch):
    runs.write_status(root / B, "running", pid=os.getpid())  # a live process owns it
    panel = make_panel(root)
    assert row_texts(panel, B)[rt.STATUS] == "Training"
    select(qtbot, panel, B)
    _answer(monkeypatch, QMessageBox.ButtonRole.DestructiveRole)
    panel.delete_button.click()
    assert (root / B).is_dir()
    assert panel.banner.kind == "error" and "still training" in panel.banner.message.text()


def test_continue_resumes_a_stopped_run_in_the_training_child(qtbot, make_panel, root):
    panel = make_panel(root)
    select(qtbot, panel, A)
    assert not panel.continue_button.isEnabled()  # finished
    select(qtbot, panel, STOPPED)
    assert panel.continue_button.isEnabled()
    with qtbot.waitSignal(panel.training.run_ended, timeout=120_000) as ended:
        with qtbot.waitSignal(panel.open_requested, timeout=1000):
            panel.continue_button.click()
        assert not panel.continue_button.isEnabled()  # busy now
    assert isinstance(ended.args[0], Finished) and ended.args[0].iteration == 6
    assert panel.state.current_run == root / STOPPED
    qtbot.waitUntil(lambda: row_texts(panel, STOPPED)[rt.STATUS] == "Finished", timeout=20_000)
    assert row_texts(panel, STOPPED)[rt.STEPS] == "6 / 6"
