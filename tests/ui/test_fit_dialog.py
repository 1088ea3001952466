"""'Make it fit' in the app: the button beside a verdict that does not fit, the plan's dialog, applying it.

The tiny model on a pretend machine of 5 MB (``machine_memory`` patched where
the estimate and the planner read it) does not fit: the plan then turns
settings that keep the result (gradient checkpointing, micro-batches, cache
clearing) and one that changes it (a shorter max_seq_length).
"""

import pytest

from conftest import ini_settings, make_tiny_config
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication

from lorastudio.core.estimate import forecast, plan
from lorastudio.core.estimate.plan import result_preserving, settings_of
from lorastudio.ui.panels.model_panel import ModelPanel
from lorastudio.ui.panels.params_panel import ParamsPanel
from lorastudio.ui.state import AppState
from lorastudio.ui.theme import LIGHT, Theme, stylesheet
from lorastudio.ui.panels.fit_dialog import FitDialog

TINY_MACHINE_GB = 0.0035  # small enough that the plan goes past the result-keeping steps


def use_machine(monkeypatch, gb: float) -> None:
    """Pretend this machine has ``gb`` of memory, for the estimate and the planner alike."""
    def memory(device):
        return gb, gb, gb
    monkeypatch.setattr(forecast, "machine_memory", memory)
    monkeypatch.setattr(plan, "machine_memory", memory)


@pytest.fixture
def styled(qtbot):
    """The app's stylesheet, as the window sets it (cards, the primary button, the verdict colours)."""
    app = QApplication.instance()
    before = app.styleSheet()
    app.setStyleSheet(stylesheet(LIGHT))
    yield
    app.setStyleSheet(before)


@pytest.fixture
def tiny_machine(monkeypatch):
    use_machine(monkeypatch, TINY_MACHINE_GB)


@pytest.fixture
def config(tiny_model, tiny_data):
    return make_tiny_config(tiny_model, tiny_data)


@pytest.fixture
def model_panel(qtbot, tmp_path, config):
    panel = ModelPanel(AppState(config, tmp_path / "runs"), Theme("light"), ini_settings(tmp_path))
    qtbot.addWidget(panel)
    panel.resize(900, 700)
    panel.show()
    yield panel
    qtbot.waitUntil(lambda: not panel._tasks, timeout=60_000)


def open_dialog(qtbot, button, panel) -> FitDialog:
    """Click "Make it fit…" and wait for the plan."""
    qtbot.mouseClick(button, Qt.MouseButton.LeftButton)
    dialog = panel.fit_dialog
    assert dialog is not None and dialog.isVisible()
    if dialog.plan is None:
        with qtbot.waitSignal(dialog.planned, timeout=60_000):
            pass
    return dialog


def test_the_card_offers_make_it_fit_only_when_it_does_not_fit(qtbot, monkeypatch, tiny_machine, model_panel):
    card = model_panel.card
    qtbot.waitUntil(lambda: card.verdict_key() == "will not fit", timeout=60_000)
    assert card.fit_button.isVisible()
    use_machine(monkeypatch, 64.0)
    model_panel.state.update_config(iters=7)  # the estimate is worked out again
    qtbot.waitUntil(lambda: card.verdict_key() == "fits", timeout=60_000)
    assert not card.fit_button.isVisible()


def test_the_dialog_lists_the_plan_and_applies_the_same_result_settings(qtbot, tmp_path, tiny_machine, styled,
                                                                         model_panel, config):
    card = model_panel.card
    qtbot.waitUntil(lambda: card.fit_button.isVisible(), timeout=60_000)
    model_panel.grab().save(str(tmp_path / "model-page-fit-button.png"))
    dialog = open_dialog(qtbot, card.fit_button, model_panel)
    steps = dialog.plan["steps"]
    knobs = [step["knob"] for step in steps]
    keeping = {"logit_free", "grad_checkpoint", "micro_batch", "clear_cache"}
    assert knobs[0] == "grad_checkpoint" and "micro_batch" in knobs and set(knobs) - keeping, knobs
    assert [step["keeps_result"] for step in steps] == [knob in keeping for knob in knobs]
    shown = [label.text() for label in dialog.steps.findChildren(type(dialog.heading))]
    for number, step in enumerate(steps, 1):
        assert f"{number}." in shown and step["change"] in shown
        assert any(text.startswith(step["total"]) and step["verdict_text"] in text for text in shown)
    assert "Same result" in shown and "Changes the result" in shown
    assert dialog.heading.text().startswith("Make it fit:") and dialog.ending.isVisible()
    dialog.grab().save(str(tmp_path / "fit-dialog.png"))

    expected = result_preserving(plan.plan_for_config(config)).config
    with qtbot.waitSignal(model_panel.state.config_changed, timeout=10_000):
        qtbot.mouseClick(dialog.apply_same_button, Qt.MouseButton.LeftButton)
    after = model_panel.state.config
    assert settings_of(after) == settings_of(expected)
    assert after.grad_checkpoint and after.micro_batch_size == 1 and after.clear_cache_threshold
    assert after.max_seq_length == config.max_seq_length  # what changes the result stays as it was
    assert after.replace(grad_checkpoint=False, micro_batch_size=None, clear_cache_threshold=0) == config
    assert not dialog.isVisible()


@pytest.fixture
def params_panel(qtbot, tmp_path, config):
    panel = ParamsPanel(AppState(config, tmp_path / "runs"), ini_settings(tmp_path))
    qtbot.addWidget(panel)
    panel.resize(1000, 720)
    panel.show()
    qtbot.waitExposed(panel)
    return panel


def test_the_parameters_page_applies_all_that_settings_can_say(qtbot, tmp_path, tiny_machine, styled, params_panel,
                                                               config):
    qtbot.waitUntil(lambda: params_panel.fit_button.isVisible(), timeout=60_000)
    assert params_panel.verdict.isVisible() and params_panel.verdict_key == "will not fit"
    params_panel.grab().save(str(tmp_path / "params-page-fit-button.png"))
    dialog = open_dialog(qtbot, params_panel.fit_button, params_panel)
    whole = plan.plan_for_config(config)
    assert dialog.changes("all") != dialog.changes("same") and dialog.apply_all_button.isEnabled()
    with qtbot.waitSignal(dialog.applied, timeout=10_000):
        qtbot.mouseClick(dialog.apply_all_button, Qt.MouseButton.LeftButton)
    after = params_panel.state.config
    assert settings_of(after) == settings_of(whole.config)
    assert after.max_seq_length < config.max_seq_length and after.grad_checkpoint
    assert params_panel.form.controls["max_seq_length"].value_from(after) == after.max_seq_length
    # The settings fit now: the estimate follows and the button goes.
    qtbot.waitUntil(lambda: params_panel.verdict_key == "fits", timeout=60_000)
    assert not params_panel.fit_button.isVisible()


def test_the_dialog_in_chinese(qtbot, tmp_path, tiny_machine, styled, config):
    import re

    from lorastudio.ui.i18n import install_language

    install_language("zh_CN")
    try:
        dialog = FitDialog(AppState(config, tmp_path / "runs"))
        qtbot.addWidget(dialog)
        dialog.show()
        with qtbot.waitSignal(dialog.planned, timeout=60_000):
            pass
        assert dialog.apply_same_button.text() != "Apply the same-result settings"
        assert re.search(r"[\u4e00-\u9fff]", dialog.heading.text()) and "结果不变" in dialog.plan["lines"][2]
        dialog.grab().save(str(tmp_path / "fit-dialog-zh.png"))
    finally:
        install_language("en")


def test_a_model_not_on_this_machine_has_no_plan(qtbot, tmp_path):
    dialog = FitDialog(AppState(make_tiny_config("someone/not-downloaded", tmp_path), tmp_path / "runs"))
    qtbot.addWidget(dialog)
    with qtbot.waitSignal(dialog.planned, timeout=60_000):
        dialog.show()
    assert dialog.error.isVisible() and "not on this machine" in dialog.error.text()
    assert not dialog.apply_same_button.isEnabled() and not dialog.apply_all_button.isEnabled()
