"""The Model panel on the tiny model: choosing, the card's facts and costs, errors, GGUF import, demo state."""

import dataclasses
import sys
import types

import gguf
import pytest

from conftest import ini_settings
from PySide6.QtCore import QMimeData, QPointF, Qt, QUrl
from PySide6.QtGui import QDropEvent
from tiny_gguf import write_tiny_gguf

from lorastudio.core.config.train_config import TrainConfig
from lorastudio.core.models.info import trainable_count
from lorastudio.core.base.paths import models_root
from lorastudio.ui.names import display_name
from lorastudio.ui.panels.model_panel import ModelPanel
from lorastudio.ui.state import AppState
from lorastudio.ui.theme import Theme


def _cpu() -> bool:
    import mlx.core as mx

    return mx.default_device() == mx.cpu


@pytest.fixture
def settings(tmp_path):
    return ini_settings(tmp_path)


@pytest.fixture
def make_panel(qtbot, tmp_path, settings):
    panels = []

    def make(config: TrainConfig) -> ModelPanel:
        state = AppState(config, tmp_path / "runs")
        panel = ModelPanel(state, Theme("light"), settings)
        qtbot.addWidget(panel)
        panel.resize(900, 700)
        panel.show()
        panels.append(panel)
        return panel

    yield make
    for panel in panels:  # no task may outlive its test
        qtbot.waitUntil(lambda p=panel: not p._tasks, timeout=60_000)


@pytest.fixture
def chosen(make_panel, tiny_model, qtbot):
    """The panel after the tiny model was chosen and its card filled."""
    panel = make_panel(TrainConfig(num_layers=2))
    panel.use_text(str(tiny_model))
    qtbot.waitUntil(lambda: panel.card.trainable_text().endswith(")") and "layers" in panel.card.fact_values, timeout=60_000)
    return panel


def with_rank(config: TrainConfig, rank: int) -> dict:
    return {**dataclasses.asdict(config.lora_parameters), "rank": rank}


def test_choosing_the_tiny_model_updates_the_config_and_shows_its_facts(chosen, tiny_model, settings):
    config = chosen.state.config
    assert config.model == str(tiny_model.resolve())
    assert settings.recent("models")[0] == str(tiny_model.resolve())
    facts = {key: label.text() for key, label in chosen.card.fact_values.items()}
    assert facts["architecture"] == "llama" and facts["layers"] == "2" and facts["hidden"] == "64"
    assert facts["vocab"] == "384" and facts["quantization"] == "none" and facts["dtype"] == "float32"
    assert chosen.card.trainable_text() == str(trainable_count(tiny_model, config))
    assert "rank 8" in chosen.card.trainable_detail.text() and "all 2 layers" in chosen.card.trainable_detail.text()
    assert chosen.card.title.text() == "tiny-llama"


def test_changing_the_lora_rank_updates_the_share_and_drops_stale_results(chosen, qtbot):
    state = chosen.state
    before = chosen.card.trainable_text()
    # Two quick changes: only the last one may end up on the card.
    state.update_config(lora_parameters=with_rank(state.config, 16))
    state.update_config(lora_parameters=with_rank(state.config, 32))
    expected = str(trainable_count(state.config.model, state.config))
    assert expected != before
    qtbot.waitUntil(lambda: chosen.card.trainable_text() == expected and chosen.card.trainable_value.isEnabled(), timeout=30_000)
    assert "rank 32" in chosen.card.trainable_detail.text()


def test_too_many_layers_is_an_error_in_the_card(chosen, qtbot):
    chosen.state.update_config(num_layers=16)
    qtbot.waitUntil(lambda: chosen.card.trainable_error.isVisible(), timeout=30_000)
    assert "num_layers" in chosen.card.trainable_error.text() and "only 2" in chosen.card.trainable_error.text()
    assert chosen.card.trainable_text() == ""
    chosen.state.update_config(num_layers=1)
    qtbot.waitUntil(lambda: "last 1 of 2 layers" in chosen.card.trainable_detail.text(), timeout=30_000)
    assert not chosen.card.trainable_error.isVisible()


def test_a_folder_that_is_not_a_model_shows_an_error_in_the_card(chosen, tmp_path):
    folder = tmp_path / "not-a-model"
    folder.mkdir()
    (folder / "notes.txt").write_text("hello")
    model_before = chosen.state.config.model
    chosen.use_text(str(folder))
    assert "config.json is missing" in chosen.card.notice_text()
    assert chosen.state.config.model == model_before  # the config keeps the last good model
    chosen.use_text(str(tmp_path / "nowhere" / "at-all"))
    assert "neither a folder" in chosen.card.notice_text()


def test_a_configured_model_folder_that_is_broken_is_a_problem_not_a_crash(make_panel, tmp_path, qtbot):
    folder = tmp_path / "broken"
    folder.mkdir()
    (folder / "config.json").write_text('{"model_type": "no-such-architecture"}')
    (folder / "model.safetensors").write_bytes(b"\x02\x00\x00\x00\x00\x00\x00\x00{}")
    panel = make_panel(TrainConfig(model=str(folder)))
    qtbot.waitUntil(lambda: "no-such-architecture" in panel.card.problem_text(), timeout=60_000)
    assert not panel.card.facts.isVisible()


def test_dropping_a_model_folder_chooses_it(make_panel, tiny_model, qtbot):
    panel = make_panel(TrainConfig(num_layers=2))
    mime = QMimeData()
    mime.setUrls([QUrl.fromLocalFile(str(tiny_model))])
    event = QDropEvent(QPointF(10, 10), Qt.DropAction.CopyAction, mime, Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier)
    panel.dropEvent(event)
    assert panel.state.config.model == str(tiny_model.resolve())


def test_a_repo_id_offline_says_so_in_the_card(make_panel, qtbot, monkeypatch):
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    panel = make_panel(TrainConfig())
    with qtbot.waitSignal(panel.job_finished, timeout=60_000) as finished:
        panel.use_text("nobody-here/no-such-model")
        assert panel.jobs.isVisible() and not panel.chooser.use_button.isEnabled()
    assert finished.args == ["download", "failed"]
    assert "offline" in panel.card.notice_text()
    assert panel.state.config.model == "" and panel.chooser.use_button.isEnabled()


@pytest.fixture
def tiny_gguf(tiny_model, tmp_path):
    return write_tiny_gguf(tiny_model, tmp_path / "tiny-q8.gguf", gguf.GGMLQuantizationType.Q8_0)


def show_gguf(panel, path, qtbot):
    panel.use_text(str(path))
    qtbot.waitUntil(lambda: panel.gguf_card.isVisible(), timeout=60_000)


def test_importing_a_gguf_with_progress_then_a_float32_copy(make_panel, tiny_gguf, qtbot):
    panel = make_panel(TrainConfig(num_layers=2))
    show_gguf(panel, tiny_gguf, qtbot)
    card = panel.gguf_card
    assert "2 layers" in card.facts.text() and "Q8_0" in card.precision.itemText(0)
    assert card.precision.currentData() == ("float32" if _cpu() else None)  # float32 advised on a CPU
    card.precision.setCurrentIndex(0)  # keep the 8-bit quantization
    assert card.destination.full_text() == str(models_root() / "tiny-q8")
    fractions = []
    panel.job_progress.connect(lambda _text, fraction: fractions.append(fraction))
    with qtbot.waitSignal(panel.job_finished, timeout=120_000) as finished:
        card.import_button.click()
        assert panel.jobs.isVisible() and panel.jobs.cancel_button.isEnabled()
    assert finished.args == ["gguf", "done"]
    assert fractions and fractions[-1] == 1.0 and fractions == sorted(fractions)
    model = models_root() / "tiny-q8"
    assert panel.state.config.model == str(model) and (model / "config.json").is_file()
    assert not card.isVisible() and str(model) in panel.card.notice_text()
    qtbot.waitUntil(lambda: "quantization" in panel.card.fact_values, timeout=60_000)
    assert panel.card.fact_values["quantization"].text().startswith("8-bit")
    if not _cpu():
        return
    # A quantized model on the CPU: the core's advice, and its button makes and uses a float32 copy.
    qtbot.waitUntil(lambda: panel.card.advice.isVisible(), timeout=30_000)
    assert "float32" in panel.card.advice.text.text()
    with qtbot.waitSignal(panel.job_finished, timeout=120_000) as finished:
        panel.card.advice.button.click()
        assert panel.jobs.isVisible() and not panel.jobs.cancel_button.isEnabled()  # mlx_lm.convert cannot stop
    assert finished.args == ["float32", "done"]
    assert panel.state.config.model == str(models_root() / "tiny-q8-f32")
    qtbot.waitUntil(lambda: panel.card.fact_values.get("dtype") is not None
                    and panel.card.fact_values["dtype"].text() == "float32", timeout=60_000)
    assert not panel.card.advice.isVisible()


def test_cancelling_an_import_leaves_no_folder_behind(make_panel, tiny_gguf, qtbot):
    panel = make_panel(TrainConfig(num_layers=2))
    show_gguf(panel, tiny_gguf, qtbot)
    with qtbot.waitSignal(panel.job_finished, timeout=120_000) as finished:
        panel.gguf_card.import_button.click()
        panel.jobs.cancel_button.click()
        assert not panel.jobs.cancel_button.isEnabled()
    assert finished.args == ["gguf", "cancelled"]
    root = models_root()
    assert not root.exists() or list(root.iterdir()) == []
    assert panel.state.config.model == "" and "Cancelled" in panel.card.notice_text()
    assert panel.gguf_card.isVisible() and panel.gguf_card.import_button.isEnabled()  # try again at will


def test_a_file_that_is_not_gguf_says_why(make_panel, tmp_path, qtbot):
    bad = tmp_path / "broken.gguf"
    bad.write_bytes(b"not a gguf file at all")
    panel = make_panel(TrainConfig())
    panel.use_text(str(bad))
    qtbot.waitUntil(lambda: panel.card.notice_text() != "", timeout=30_000)
    assert "broken.gguf" in panel.card.notice_text() and not panel.gguf_card.isVisible()


def test_the_missing_demo_model_says_so_and_offers_to_import_it(make_panel, qtbot):
    from lorastudio.ui.app import demo_start_config

    panel = make_panel(demo_start_config())  # what the app preselects at first start
    card = panel.card
    assert card.demo_notice.isVisible() and card.demo_notice.button.text() == "Import now"
    assert "not imported" in card.demo_notice.title.text().lower()
    assert card.tag.text() == "demo model" and not card.facts.isVisible()
    qtbot.waitUntil(lambda: card.demo_notice.detail.isVisible(), timeout=30_000)  # why this precision
    assert "float32" in card.demo_notice.detail.text() or "4-bit" in card.demo_notice.detail.text()


@pytest.mark.slow
def test_import_now_imports_the_demo_model(make_panel, qtbot):
    from lorastudio.ui.app import demo_start_config

    panel = make_panel(demo_start_config())
    with qtbot.waitSignal(panel.job_finished, timeout=300_000) as finished:
        panel.card.demo_notice.button.click()
    assert finished.args == ["demo", "done"]
    qtbot.waitUntil(lambda: "layers" in panel.card.fact_values, timeout=60_000)
    assert panel.card.fact_values["layers"].text() == "30" and not panel.card.demo_notice.isVisible()


def fake_estimate(monkeypatch, verdict=None, error=None):
    module = types.ModuleType("lorastudio.core.estimate.forecast")

    class Estimate:
        def __init__(self):
            self.verdict = verdict

        def summary(self, lang="en"):
            if lang == "zh":
                return f"峰值 1.5 GB / 16 GB（{self.verdict}，批次 {self.batch_size}）"
            return f"peak 1.5 GB of 16 GB ({self.verdict}, batch {self.batch_size})"

    def estimate_for_config(config):
        if error:
            raise RuntimeError(error)
        estimate = Estimate()
        estimate.batch_size = config.batch_size
        return estimate

    module.estimate_for_config = estimate_for_config
    monkeypatch.setitem(sys.modules, "lorastudio.core.estimate.forecast", module)


@pytest.mark.parametrize("verdict", ["fits", "tight", "will not fit"])
def test_the_memory_verdict_is_shown_and_coloured(make_panel, tiny_model, qtbot, monkeypatch, verdict):
    fake_estimate(monkeypatch, verdict=verdict)
    panel = make_panel(TrainConfig(model=str(tiny_model), num_layers=2))
    qtbot.waitUntil(lambda: panel.card.verdict_key() == verdict, timeout=60_000)
    assert panel.card.estimate_text.text() == f"peak 1.5 GB of 16 GB ({verdict}, batch 4)"
    panel.state.update_config(batch_size=2)  # not a LoRA field: only the estimate is recomputed
    qtbot.waitUntil(lambda: panel.card.estimate_text.text().endswith("batch 2)"), timeout=30_000)


def test_a_failing_estimate_reads_unavailable(make_panel, tiny_model, qtbot, monkeypatch):
    fake_estimate(monkeypatch, error="no memory information on this machine")
    panel = make_panel(TrainConfig(model=str(tiny_model), num_layers=2))
    qtbot.waitUntil(lambda: panel.card.verdict.text() == "Estimate unavailable", timeout=60_000)
    assert "no memory information" in panel.card.verdict.toolTip()
    qtbot.waitUntil(lambda: panel.card.trainable_text().endswith(")"), timeout=30_000)  # the rest is unaffected


@pytest.fixture
def chinese():
    from lorastudio.ui.i18n import install_language

    install_language("zh_CN")
    yield
    install_language("en")  # translators are global: the next test gets English again


def test_the_model_page_in_chinese_shows_the_estimate_in_chinese(make_panel, tiny_model, qtbot, chinese):
    from lorastudio.core.estimate.forecast import estimate_for_config

    panel = make_panel(TrainConfig(model=str(tiny_model), num_layers=2))
    card = panel.card
    qtbot.waitUntil(lambda: card.estimate_text.text().startswith("内存估算"), timeout=60_000)
    text = card.estimate_text.text()
    # The core's summary in Chinese (the device's speed is measured once and cached: the same numbers).
    assert text == estimate_for_config(panel.state.config).summary("zh")
    assert "本机：可用" in text and "每步约" in text and "This machine" not in text and "Memory estimate" not in text
    assert card.verdict_key() == "fits" and card.verdict.text().endswith("内存充足")  # the card's own label, via Qt


def test_recent_models_menu_and_display_names(make_panel, tiny_model, settings, qtbot):
    settings.add_recent("models", str(tiny_model))
    panel = make_panel(TrainConfig(num_layers=2))
    panel.chooser.recent_menu.aboutToShow.emit()
    actions = [a for a in panel.chooser.recent_menu.actions() if a.isEnabled()]
    assert len(actions) == 1 and str(tiny_model) in actions[0].text()
    actions[0].trigger()
    assert panel.state.config.model == str(tiny_model.resolve())
    assert display_name("/x/hub/models--mlx-community--Qwen3-0.6B-4bit/snapshots/abc123") == "mlx-community/Qwen3-0.6B-4bit"
