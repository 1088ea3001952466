"""The Chat panel on the tiny model with adapters trained here: streaming, stop, regenerate, clear, adapters, compare.

Two runs are trained once for the module with the product's own training
(``start_training(...).run_to_end()``): "juniper" on the tiny model, and
"other-model" on a smaller tiny model, whose adapter does not fit. Reference
answers come from a ``ChatEngine`` built on the test's own thread. Each test
shuts its ``ChatController`` down at the end.
"""

import subprocess
import sys

import pytest

from conftest import make_tiny_config
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication

from lorastudio.core.chat.engine import ChatEngine, SamplingSettings
from lorastudio.core.config.train_config import TrainConfig
from lorastudio.core.runs.events import Finished
from lorastudio.core.base.paths import demo_dataset_dir
from lorastudio.ui.chat_controller import ChatController
from lorastudio.ui.panels.chat_panel import ChatPanel
from lorastudio.ui.state import AppState
from lorastudio.ui.theme import Theme, stylesheet

PROMPT = "Question 3: what about LoRA?"


@pytest.fixture(scope="module")
def trained(tmp_path_factory, tiny_model, tiny_data):
    from lorastudio.core.models.tiny import build_tiny_model
    from lorastudio.core.train.jobs import start_training

    root = tmp_path_factory.mktemp("chat-panel") / "runs"
    config = make_tiny_config(tiny_model, tiny_data, learning_rate=1e-2, steps_per_report=3, val_batches=1,
                              lora_parameters={"rank": 4, "scale": 10.0, "dropout": 0.0})
    assert isinstance(start_training(config, root=root, name="juniper").run_to_end(), Finished)
    small = build_tiny_model(tmp_path_factory.mktemp("small") / "small-llama", hidden_size=32)
    assert isinstance(start_training(config.replace(model=str(small)), root=root, name="other-model").run_to_end(), Finished)
    return root


@pytest.fixture
def make_panel(qtbot, tiny_model, tiny_data, trained):
    controllers = []

    def make(theme="light", data=None, current_run=None, size=(1010, 690), listed=True):
        state = AppState(TrainConfig(model=str(tiny_model), data=str(data or tiny_data)), trained)
        state.set_current_run(current_run)

        def get_chat():
            if not controllers:
                controllers.append(ChatController())
            return controllers[0]

        colors = Theme(theme)
        panel = ChatPanel(state, get_chat, colors)
        panel.started = controllers
        panel.setStyleSheet(stylesheet(colors.colors))  # the window's style rules, as in the app
        colors.changed.connect(lambda c: panel.setStyleSheet(stylesheet(c)))
        qtbot.addWidget(panel)
        panel.resize(*size)
        if not listed:  # the runs are still being read when the test goes on
            panel.show()
            return panel
        with qtbot.waitSignal(panel.picker.refreshed, timeout=20_000):
            panel.show()
        return panel

    yield make
    for controller in controllers:
        controller.shutdown()


def ask(qtbot, panel, text, timeout=60_000):
    """Type ``text`` and press Ctrl+Return (Cmd+Return on a Mac); wait until the answer is complete."""
    panel.input.set_text(text)
    with qtbot.waitSignal(panel.answering_changed, timeout=timeout, check_params_cb=lambda answering: not answering):
        qtbot.keyClick(panel.input.box, Qt.Key.Key_Return, Qt.KeyboardModifier.ControlModifier)


def shot(widget, path):
    """Save a screenshot once pending layout and style changes are applied."""
    QApplication.processEvents()
    assert widget.grab().save(path)


def greedy(max_tokens=24, **changes):
    return SamplingSettings(max_tokens=max_tokens, **changes)


def reference(model, prompt, settings, adapter=None, system=None):
    engine = ChatEngine(model, adapter, system_prompt=system)
    try:
        return engine.send(prompt, settings).read()
    finally:
        engine.close()


def test_opening_the_page_says_what_to_do_and_starts_no_engine(make_panel, qtbot, tmp_path):
    panel = make_panel(data=demo_dataset_dir())
    assert panel.stack.currentWidget() is panel.empty
    assert "type a message" in panel.empty.steps.text()
    assert panel.empty.suggestions() == ["Who are you?"]  # the demo's persona question
    assert panel.picker.spec() is None and not panel.compare_button.isEnabled()
    assert panel.started == [] and panel.controller is None
    shot(panel, str(tmp_path / "ui-chat-empty-light.png"))
    panel.state.update_config(data=str(panel.state.runs_root))  # not the demo data: no persona chip
    assert panel.empty.suggestions() == []
    panel.state.update_config(eval_prompts=["How are you?"])
    assert panel.empty.suggestions() == ["How are you?"]
    dark = make_panel("dark", data=demo_dataset_dir(), size=(710, 500))  # about the page of a 980x640 window
    shot(dark, str(tmp_path / "ui-chat-empty-dark.png"))
    assert dark.started == []


def test_the_page_imports_no_mlx(tmp_path):
    code = (
        "import sys; from PySide6.QtWidgets import QApplication; app = QApplication([]);"
        "from pathlib import Path; from lorastudio.core.config.train_config import TrainConfig;"
        "from lorastudio.ui.state import AppState; from lorastudio.ui.theme import Theme;"
        "from lorastudio.ui.panels.chat_panel import ChatPanel;"
        f"p = ChatPanel(AppState(TrainConfig(), Path({str(tmp_path)!r})), lambda: 1 / 0, Theme('light')); p.show();"
        "from PySide6.QtCore import QThreadPool; QThreadPool.globalInstance().waitForDone(); app.processEvents(); print(sorted(m for m in sys.modules if m.split('.')[0] in ('mlx', 'mlx_lm', 'transformers')))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120,
                         env={**__import__("os").environ, "QT_QPA_PLATFORM": "offscreen"})
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip().splitlines()[-1] == "[]"


def test_send_streams_tokens_shows_stats_and_equals_the_engine(make_panel, qtbot, tiny_model, trained, tmp_path):
    panel = make_panel(current_run=trained / "juniper")
    assert panel.picker.spec() == str(trained / "juniper")  # the current run's final adapter by default
    controller = panel.chat()
    pieces, loads = [], []
    controller.token.connect(lambda side, text: pieces.append((side, text)))
    controller.model_loaded.connect(loads.append)
    panel.sampling.set_settings(greedy())
    panel.setup.system_box.setPlainText("Answer briefly.")
    ask(qtbot, panel, PROMPT)
    assert len(loads) == 1 and panel.loaded_model == str(tiny_model)
    assert panel.active_label == "juniper"
    [answer] = panel.chat_view.answers()
    assert len(pieces) > 1 and {side for side, _ in pieces} == {"chat"}  # streamed piece by piece
    assert answer.text() == "".join(text for _, text in pieces)
    assert answer.text() == reference(tiny_model, PROMPT, greedy(), trained / "juniper", system="Answer briefly.")
    assert answer.title.text() == "juniper"
    assert answer.stats_value.generated_tokens == 24 and answer.stats_value.finish_reason == "length"
    assert "tokens/s" in answer.stats.text() and "first token" in answer.stats.text()
    assert panel.input.text() == "" and panel.input.send_button.isVisible()
    assert panel.chat_view.user_texts() == [PROMPT]
    ask(qtbot, panel, "And what about the fox?\nTell me more.")
    assert len(panel.chat_view.answers()) == 2 and len(loads) == 1
    assert panel.chat_view.answers()[1].stats_value.cached_tokens > 0  # the conversation goes on in the engine
    shot(panel, str(tmp_path / "ui-chat-conversation-light.png"))
    panel.theme.apply("dark")
    shot(panel, str(tmp_path / "ui-chat-conversation-dark.png"))


def test_a_message_sent_while_the_runs_are_read_waits_for_the_chosen_adapter(make_panel, qtbot, monkeypatch, tiny_model, trained):
    # Reading the runs takes a while (many runs, a slow disk); the model loads faster. The first
    # message must still be answered by the current run's adapter, not by the base model. The
    # reading is held until the model has loaded and the message is waiting, so the race is
    # staged every time, however long loading takes.
    import threading

    from lorastudio.ui.widgets import adapter_picker

    real = adapter_picker.run_adapters
    release = threading.Event()
    monkeypatch.setattr(adapter_picker, "run_adapters", lambda root: (release.wait(120), real(root))[1])
    panel = make_panel(current_run=trained / "juniper", listed=False)
    try:
        assert panel.picker.listing() and panel.picker.spec() is None
        panel.sampling.set_settings(greedy())
        panel.input.set_text(PROMPT)
        controller = panel.chat()
        with qtbot.waitSignal(controller.model_loaded, timeout=60_000):
            qtbot.keyClick(panel.input.box, Qt.Key.Key_Return, Qt.KeyboardModifier.ControlModifier)
        assert panel.picker.listing() and not panel.chat_view.answers()  # loaded, the message still waits
    finally:
        release.set()
    with qtbot.waitSignal(panel.answering_changed, timeout=60_000, check_params_cb=lambda answering: not answering):
        pass
    assert panel.active_adapter == str(trained / "juniper") and panel.active_label == "juniper"
    [answer] = panel.chat_view.answers()
    assert answer.title.text() == "juniper"
    assert answer.text() == reference(tiny_model, PROMPT, greedy(), trained / "juniper")


def test_stop_ends_the_answer_early(make_panel, qtbot):
    panel = make_panel()
    panel.sampling.set_settings(greedy(max_tokens=20000))
    controller = panel.chat()
    def press_stop(side):
        panel.input.stop_button.click()

    controller.answer_started.connect(press_stop)
    ask(qtbot, panel, PROMPT)
    [answer] = panel.chat_view.answers()
    assert answer.stats_value.finish_reason == "stopped"
    assert answer.stats_value.generated_tokens < 20000
    assert "stopped" in answer.stats.text()
    controller.answer_started.disconnect(press_stop)
    panel.sampling.set_settings(greedy(max_tokens=5))
    ask(qtbot, panel, "Go on")  # the next answer is not stopped by the old request
    assert len(panel.chat_view.answers()) == 2
    assert panel.chat_view.answers()[-1].stats_value.finish_reason == "length"


def test_regenerate_replaces_the_last_answer_and_clear_empties_everything(make_panel, qtbot):
    panel = make_panel()
    panel.sampling.set_settings(SamplingSettings(temperature=1.0, seed=1, max_tokens=16))
    ask(qtbot, panel, PROMPT)
    first = panel.chat_view.answers()[0].text()
    assert panel.input.regenerate_button.isEnabled()
    panel.sampling.set_settings(SamplingSettings(temperature=1.0, seed=2, max_tokens=16))
    with qtbot.waitSignal(panel.answering_changed, timeout=60_000, check_params_cb=lambda answering: not answering):
        panel.input.regenerate_button.click()
    [answer] = panel.chat_view.answers()
    assert panel.chat_view.user_texts() == [PROMPT]
    assert answer.text() != first
    engine = panel.controller._thread.engine  # read only, while the engine thread is idle
    assert engine.history == [{"role": "user", "content": PROMPT}, {"role": "assistant", "content": answer.text()}]
    panel.input.clear_button.click()
    assert panel.chat_view.is_empty() and panel.stack.currentWidget() is panel.empty
    qtbot.waitUntil(lambda: engine.history == [], timeout=10_000)
    assert not panel.input.regenerate_button.isEnabled()


def test_switching_adapters_does_not_reload_the_model(make_panel, qtbot, tiny_model, trained):
    panel = make_panel()
    controller = panel.chat()
    loads = []
    controller.model_loaded.connect(loads.append)
    with qtbot.waitSignal(controller.adapter_changed, timeout=60_000):
        panel.setup.load_button.click()
        assert panel.busy_label.text() == "Loading tiny-llama…" and panel.busy_bar.isVisible()
    assert not panel.busy_bar.isVisible()
    assert not panel.setup.load_button.isEnabled() and panel.active_adapter is None
    picker = panel.picker
    run = trained / "juniper"
    picker.run_box.setCurrentIndex(picker.run_box.findData(str(run)))
    texts = [picker.checkpoint_box.itemText(i) for i in range(picker.checkpoint_box.count())]
    assert texts[0] == "Final adapter (step 6)" and texts[1].startswith("Best validation loss (")
    assert texts[2:] == ["Checkpoint at step 6", "Checkpoint at step 3"]
    step3 = str(run / "0000003_adapters.safetensors")
    with qtbot.waitSignal(controller.adapter_changed, timeout=30_000, check_params_cb=lambda label: label == "juniper (step 3)"):
        picker.checkpoint_box.setCurrentIndex(picker.checkpoint_box.findData(step3))
    assert panel.active_adapter == step3 and "juniper (step 3)" in panel.status_label.text()
    panel.sampling.set_settings(greedy())
    ask(qtbot, panel, PROMPT)
    assert panel.chat_view.answers()[0].text() == reference(tiny_model, PROMPT, greedy(), step3)
    with qtbot.waitSignal(controller.adapter_changed, timeout=30_000, check_params_cb=lambda label: label == ""):
        picker.run_box.setCurrentIndex(0)
    assert panel.active_adapter is None and "base model only" in panel.status_label.text()
    assert len(loads) == 1 and panel.loaded_model == str(tiny_model)  # loaded once, never again


def test_compare_fills_both_columns_and_the_base_column_is_the_base_model(make_panel, qtbot, tiny_model, trained, tmp_path):
    panel = make_panel(current_run=trained / "juniper")
    assert panel.compare_button.isEnabled()
    panel.compare_button.click()
    assert panel.mode == "compare" and "base model answers on the left" in panel.empty.steps.text()
    panel.sampling.set_settings(greedy())
    ask(qtbot, panel, PROMPT)
    base, tuned = panel.compare_view.answers()
    assert base.title.text() == "Base model" and tuned.title.text() == "juniper"
    assert base.stats_value is not None and tuned.stats_value is not None
    assert base.text() == reference(tiny_model, PROMPT, greedy())
    assert tuned.text() == reference(tiny_model, PROMPT, greedy(), trained / "juniper")
    assert panel.chat_view.is_empty()  # compare rounds are not part of the conversation
    shot(panel, str(tmp_path / "ui-chat-compare-light.png"))
    panel.theme.apply("dark")
    shot(panel, str(tmp_path / "ui-chat-compare-dark.png"))
    with qtbot.waitSignal(panel.answering_changed, timeout=60_000, check_params_cb=lambda answering: not answering):
        panel.input.regenerate_button.click()
    assert len(panel.compare_view.answers()) == 2 and panel.compare_view.user_texts() == [PROMPT]


def test_an_adapter_of_another_model_shows_the_reason_and_the_window_stays_usable(make_panel, qtbot, trained):
    panel = make_panel()
    panel.state.set_current_run(trained / "other-model")  # followed by the picker
    assert panel.picker.spec() == str(trained / "other-model")
    panel.sampling.set_settings(greedy(max_tokens=8))
    with qtbot.waitSignal(panel.chat().error, timeout=60_000) as failed:
        panel.input.set_text(PROMPT)
        panel.input.send_button.click()
    assert failed.args[0] == "adapter"
    assert panel.banner.isVisible() and panel.banner.kind == "error"
    assert "does not fit" in panel.banner.message.text()
    assert panel.picker.spec() is None and panel.active_adapter is None  # back to what the engine has
    assert panel.input.text() == PROMPT and panel.chat_view.is_empty()  # the message was not sent
    assert not panel.answering and panel.input.send_button.isEnabled()
    ask(qtbot, panel, PROMPT)
    [answer] = panel.chat_view.answers()
    assert answer.title.text() == "Base model" and answer.stats_value.generated_tokens == 8


def test_a_model_that_cannot_load_shows_why_and_a_chosen_model_replaces_it(make_panel, qtbot, tmp_path, trained):
    panel = make_panel()
    panel.state.update_config(model=str(tmp_path / "no-such-model"))
    panel.sampling.set_settings(greedy(max_tokens=6))
    panel.input.set_text(PROMPT)
    panel.input.send_button.click()
    qtbot.waitUntil(lambda: panel.banner.kind == "error", timeout=60_000)
    assert panel.banner.message.text().startswith("Could not load no-such-model:")
    assert panel.loaded_model is None and not panel.answering and panel.input.text() == PROMPT
    assert not panel.busy_bar.isVisible()
    assert not panel.setup.add_model(str(tmp_path))  # not a model folder: said in the banner, not offered
    assert "not a model folder" in panel.banner.message.text()
    small = TrainConfig.load(trained / "other-model" / "config.yaml").model
    assert panel.setup.add_model(small) and panel.setup.selected_model() == small
    ask(qtbot, panel, PROMPT)
    assert panel.loaded_model == small and len(panel.chat_view.answers()) == 1
    panel.setup.model_box.setCurrentIndex(0)
    panel.state.update_config(model=str(TrainConfig.load(trained / "juniper" / "config.yaml").model))
    assert "press Load Model" in panel.status_label.text()
    ask(qtbot, panel, PROMPT)  # sending loads the chosen model: a new conversation, said in the transcript
    assert panel.chat_view.last_kind() == "answer" and panel.chat_view.items[-3].kind == "note"


def test_clear_while_answering_stops_and_empties(make_panel, qtbot):
    panel = make_panel()
    panel.sampling.set_settings(greedy(max_tokens=20000))
    controller = panel.chat()
    cleared = []

    def clear_once(side, text):
        if not cleared:
            cleared.append(text)
            panel.input.clear_button.click()

    controller.token.connect(clear_once)
    ask(qtbot, panel, PROMPT)
    assert cleared and panel.chat_view.is_empty() and panel.stack.currentWidget() is panel.empty
    engine = controller._thread.engine
    qtbot.waitUntil(lambda: engine.history == [], timeout=10_000)


def test_the_picker_takes_a_new_run_once_it_has_an_adapter(qtbot, tmp_path, trained):
    import shutil

    from lorastudio.ui.widgets.adapter_picker import AdapterPicker

    root = tmp_path / "runs"
    fresh = root / "fresh"
    shutil.copytree(trained / "juniper", fresh, ignore=shutil.ignore_patterns("*.safetensors", "best"))
    picker = AdapterPicker(root)
    qtbot.addWidget(picker)
    with qtbot.waitSignal(picker.refreshed):
        picker.show()
    assert picker.run_box.count() == 1  # a run without an adapter is not offered
    picker.select_run(fresh)
    assert picker.spec() is None
    shutil.copy(trained / "juniper" / "adapters.safetensors", fresh)
    with qtbot.waitSignal(picker.changed) as chosen:
        picker.refresh()
    assert chosen.args == [str(fresh)] and picker.label() == "fresh · Final adapter (step 6)"


def test_sampling_form_reads_back_and_explains_every_field(qtbot):
    from dataclasses import fields

    from lorastudio.ui.widgets.sampling_form import HELP_TEXTS, SamplingForm

    assert {f.metadata["help"] for f in fields(SamplingSettings)} <= set(HELP_TEXTS)
    form = SamplingForm()
    qtbot.addWidget(form)
    settings = SamplingSettings(temperature=0.7, top_p=0.9, top_k=40, min_p=0.05, repetition_penalty=1.1, max_tokens=64, seed=3)
    form.set_settings(settings)
    assert form.settings() == settings
    assert form.spins["temperature"].toolTip().startswith("Randomness; 0 always takes the most likely token")
    assert "temperature 0.7" in form.summary.text() and "seed 3" in form.summary.text()
    form.set_settings(SamplingSettings())
    assert form.settings().seed is None and form.spins["seed"].text() == "none"
    assert form.summary.text() == "greedy, up to 256 tokens"
    form.settings().check()
