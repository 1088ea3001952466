"""The Parameters panel: a control per field, validation as typed, presets, YAML through the dialogs, the command."""

import dataclasses
import shlex
import typing
from pathlib import Path

import pytest

from conftest import ini_settings
import yaml
from PySide6.QtCore import QCoreApplication, Qt, QTranslator
from PySide6.QtGui import QGuiApplication
from PySide6.QtWidgets import QFileDialog, QGroupBox, QLabel

from lorastudio.core.config.train_config import SECTIONS, ConfigError, TrainConfig, field_help
from lorastudio.core.config.presets import get_preset
from lorastudio.ui import config_strings
from lorastudio.ui.panels.params_panel import ParamsPanel
from lorastudio.ui.state import AppState


@pytest.fixture
def settings(tmp_path):
    return ini_settings(tmp_path)


@pytest.fixture
def panel(qtbot, tmp_path, settings):
    config = TrainConfig(model=str(tmp_path / "models" / "tiny"), data=str(tmp_path / "data"))
    widget = ParamsPanel(AppState(config, tmp_path / "runs"), settings)
    qtbot.addWidget(widget)
    widget.resize(1000, 720)
    widget.show()
    qtbot.waitExposed(widget)
    return widget


def core_reason(**changes) -> str:
    """The message the core gives for these changes (what the form must show)."""
    with pytest.raises(ConfigError) as info:
        TrainConfig().replace(**changes)
    return info.value.problems[0].message


def type_into(qtbot, editor, text):
    editor.setFocus()
    editor.selectAll()
    qtbot.keyClick(editor, Qt.Key.Key_Backspace)
    qtbot.keyClicks(editor, text)


def test_every_field_has_a_control_with_its_help_and_unit_in_the_tooltip(panel):
    controls = panel.form.controls
    hints = typing.get_type_hints(TrainConfig)
    names = []
    for f in dataclasses.fields(TrainConfig):
        kind = hints[f.name]
        nested = next((a for a in typing.get_args(kind) if dataclasses.is_dataclass(a)), kind)
        if dataclasses.is_dataclass(nested):  # a nested config: each of its fields has a control
            names += [f"{f.name}.{sub.name}" for sub in dataclasses.fields(nested)]
            if nested is not kind:  # optional: it can be switched on and off too
                names.append(f.name)
        else:
            names.append(f.name)
    assert set(names) <= set(controls)
    meta = field_help()
    for name in names:
        tip = controls[name].widget.toolTip()
        assert meta[name]["help"].split(" ")[0] in tip, name
        if meta[name]["unit"]:
            assert f"Unit: {meta[name]['unit']}" in tip, name
    # Basic on the first tab, the rest on the second.
    basic, advanced = (panel.form.tabs.widget(i).widget() for i in range(2))
    assert basic.isAncestorOf(controls["learning_rate"].widget)
    assert advanced.isAncestorOf(controls["seed"].widget)
    assert isinstance(controls["model"].widget, QLabel)  # chosen on the Model page, shown here


def test_each_field_sits_in_the_box_its_metadata_names(panel):
    boxes = {}
    for box in panel.form.findChildren(QGroupBox):
        if box.property("section"):
            boxes.setdefault(box.property("section"), []).append(box)
    assert set(boxes) <= set(SECTIONS)
    by_tab = [[b.property("section") for b in tab.widget().boxes] for tab in map(panel.form.tabs.widget, range(2))]
    for order in by_tab:  # the boxes of each tab follow SECTIONS
        assert order == sorted(order, key=SECTIONS.index)
    meta = field_help()
    placed = 0
    for name, control in panel.form.controls.items():
        if "." in name and name.rpartition(".")[0] in panel.form.controls:
            continue  # inside a switchable sub-configuration's own box
        section = meta[name]["section"]
        assert any(box.isAncestorOf(control.widget) for box in boxes[section]), name
        placed += 1
    assert placed > 40


def test_every_section_has_a_title_translated_with_qt(qtbot):
    from lorastudio.ui.i18n import translations_dir
    from lorastudio.ui.widgets.config_form import section_title

    english = {key: section_title(key) for key in SECTIONS}
    assert all(title != key for key, title in english.items()), english  # no key shown raw
    assert len(set(english.values())) == len(SECTIONS)
    app = QCoreApplication.instance()
    translator = QTranslator()
    assert translator.load(str(translations_dir() / "lorastudio_zh_CN.qm"))
    app.installTranslator(translator)
    try:
        chinese = {key: section_title(key) for key in SECTIONS}
    finally:
        app.removeTranslator(translator)
    assert all(chinese[key] != english[key] for key in SECTIONS), chinese


def test_translatable_texts_are_generated_for_every_field():
    assert config_strings.is_current(), "run: python -m lorastudio.ui.config_strings"
    texts = config_strings.texts()
    assert {meta["help"] for meta in field_help().values()} <= set(texts["ConfigHelp"])
    source = Path(config_strings.__file__).read_text(encoding="utf-8")
    assert 'QT_TRANSLATE_NOOP("ConfigLabel", "Learning rate")' in source
    assert config_strings.label_source("lr_schedule") == "Learning-rate schedule"


def test_bad_values_mark_the_control_with_the_core_reason_and_leave_the_state(qtbot, panel):
    state, form = panel.state, panel.form
    before = state.config
    type_into(qtbot, form.controls["learning_rate"].widget, "-1e-5")
    assert form.is_marked("learning_rate")
    assert form.error_text("learning_rate") == core_reason(learning_rate=-1e-5)
    assert state.config == before

    type_into(qtbot, form.controls["learning_rate"].widget, "fast")
    assert form.error_text("learning_rate") == core_reason(learning_rate="fast")

    spin = form.controls["lora_parameters.rank"].widget
    type_into(qtbot, spin.lineEdit(), "0")
    assert form.is_marked("lora_parameters.rank")
    assert form.error_text("lora_parameters.rank") == core_reason(lora_parameters={"rank": 0})
    assert state.config == before

    options = form.controls["optimizer_config"].widget
    type_into(qtbot, options, "no_such_option: 1")
    assert "not an argument of adam" in form.error_text("optimizer_config")
    assert state.config == before

    # A good value clears the mark and reaches the state.
    type_into(qtbot, form.controls["learning_rate"].widget, "2e-4")
    assert not form.is_marked("learning_rate") and form.error_text("learning_rate") == ""
    assert state.config.learning_rate == 2e-4


def test_good_values_reach_the_state(qtbot, panel):
    state, controls = panel.state, panel.form.controls
    type_into(qtbot, controls["lora_parameters.rank"].widget.lineEdit(), "16")
    assert state.config.lora_parameters.rank == 16
    type_into(qtbot, controls["iters"].widget.lineEdit(), "250")
    assert state.config.iters == 250
    panel.form.tabs.setCurrentIndex(1)  # Advanced
    qtbot.mouseClick(controls["grad_checkpoint"].widget, Qt.MouseButton.LeftButton)
    assert state.config.grad_checkpoint is True
    combo = controls["optimizer"].widget
    combo.activated.emit(combo.findData("adamw"))
    assert state.config.optimizer == "adamw"
    type_into(qtbot, controls["optimizer_config"].widget, "weight_decay: 0.01")
    assert state.config.optimizer_config["adamw"] == {"weight_decay": 0.01}

    keys = controls["lora_parameters.keys"]
    keys.actions["self_attn.q_proj"].trigger()
    keys.actions["self_attn.v_proj"].trigger()
    assert state.config.lora_parameters.keys == ["self_attn.q_proj", "self_attn.v_proj"]
    type_into(qtbot, keys.edit, "mlp.down_proj, self_attn.o_proj")
    assert state.config.lora_parameters.keys == ["mlp.down_proj", "self_attn.o_proj"]

    epochs = controls["epochs"]
    epochs.check.click()
    assert state.config.epochs == 1.0
    type_into(qtbot, epochs.edit, "2.5")
    assert state.config.epochs == 2.5
    epochs.check.click()
    assert state.config.epochs is None

    schedule = controls["lr_schedule"].widget
    schedule.setChecked(True)
    assert state.config.lr_schedule.name == "cosine_decay"
    assert state.config.lr_schedule.arguments == [state.config.learning_rate, state.config.iters]
    assert controls["lr_schedule.arguments"].widget.text() == "1e-5, 250"
    type_into(qtbot, controls["lr_schedule.arguments"].widget, "1e-4, 500, 1e-6")
    assert state.config.lr_schedule.arguments == [1e-4, 500, 1e-6]
    type_into(qtbot, controls["lr_schedule.warmup"].widget.lineEdit(), "20")
    assert state.config.lr_schedule.warmup == 20
    schedule.setChecked(False)
    assert state.config.lr_schedule is None

    prompts = controls["eval_prompts"].widget
    prompts.setPlainText("Who are you?\n\nWhat is LoRA?\n")
    assert state.config.eval_prompts == ["Who are you?", "What is LoRA?"]

    val = controls["val_batches"].widget
    val.setValue(-1)
    assert val.text() == "All" and state.config.val_batches == -1


def test_changes_made_elsewhere_update_the_form(qtbot, panel):
    state, form = panel.state, panel.form
    type_into(qtbot, form.controls["lora_parameters.scale"].widget, "-3")  # being typed, invalid
    state.update_config(iters=1234, model="/models/other", lora_parameters={"rank": 32, "keys": ["mlp.up_proj"]})
    controls = form.controls
    assert controls["iters"].widget.value() == 1234
    assert controls["lora_parameters.rank"].widget.value() == 32
    assert controls["lora_parameters.keys"].edit.text() == "mlp.up_proj"
    assert controls["model"].widget.full_text == "/models/other"
    # The field the user is fixing keeps their text and mark until its own value changes.
    assert controls["lora_parameters.scale"].widget.text() == "-3" and form.is_marked("lora_parameters.scale")
    state.update_config(lora_parameters={**dataclasses.asdict(state.config.lora_parameters), "scale": 4.0})
    assert controls["lora_parameters.scale"].widget.text() == "4" and not form.is_marked("lora_parameters.scale")


def test_seed_preset_fills_the_form_with_its_exact_values(panel):
    before = panel.state.config
    panel.presets_menu.aboutToShow.emit()
    action = next(a for a in panel.presets_menu.actions() if a.text() == "seed-14b")
    action.trigger()
    expected = get_preset("seed-14b").apply(before)
    assert panel.state.config == expected
    assert (expected.model, expected.data) == (before.model, before.data)
    controls = panel.form.controls
    assert controls["learning_rate"].widget.text() == "1e-5"
    assert controls["lora_parameters.keys"].edit.text() == "self_attn.q_proj, self_attn.v_proj"
    assert controls["lora_parameters.rank"].widget.value() == 8
    assert controls["lora_parameters.scale"].widget.text() == "10"
    assert controls["num_layers"].widget.value() == 16
    assert controls["iters"].widget.value() == 100
    assert controls["batch_size"].widget.value() == 4
    assert controls["max_seq_length"].widget.value() == 2048
    assert controls["steps_per_eval"].widget.value() == 200
    assert controls["grad_checkpoint"].widget.isChecked() is False
    assert panel.banner.kind == "success" and "seed-14b" in panel.banner.message.text()


def test_yaml_round_trip_through_the_dialogs(monkeypatch, panel, tmp_path):
    target = tmp_path / "configs" / "my run"  # no suffix: .yaml is added
    target.parent.mkdir()
    monkeypatch.setattr(QFileDialog, "getSaveFileName", lambda *a, **k: (str(target), ""))
    panel.state.update_config(learning_rate=3e-4, lora_parameters={"rank": 12, "keys": ["self_attn.q_proj"]}, epochs=1.5)
    saved_config = panel.state.config
    panel.save_button.click()
    written = target.with_name("my run.yaml")
    assert written.is_file() and TrainConfig.load(written) == saved_config

    panel.state.update_config(learning_rate=1e-5, iters=7)
    monkeypatch.setattr(QFileDialog, "getOpenFileName", lambda *a, **k: (str(written), ""))
    panel.load_button.click()
    assert panel.state.config == saved_config
    assert panel.form.controls["learning_rate"].widget.text() == "0.0003"
    assert panel.form.controls["epochs"].check.isChecked()
    assert panel.settings.recent("configs")[0] == str(written)
    panel._fill_recent()
    assert [a.text() for a in panel.recent_menu.actions()] == ["my run.yaml"]


def test_a_file_without_model_or_data_keeps_the_chosen_ones(panel, tmp_path):
    recipe = tmp_path / "recipe.yaml"
    recipe.write_text("learning_rate: 2.0e-4\nlora_parameters: {rank: 4}\n", encoding="utf-8")
    before = panel.state.config
    assert panel.load_yaml(recipe)
    assert (panel.state.config.model, panel.state.config.data) == (before.model, before.data)
    assert panel.state.config.lora_parameters.rank == 4


def test_a_bad_yaml_shows_all_its_problems_and_changes_nothing(monkeypatch, panel, tmp_path):
    bad = tmp_path / "bad.yaml"
    bad.write_text("learning_rate: fast\nlora_parameters: {rank: 0}\niter: 100\nbatch_size: -2\n", encoding="utf-8")
    with pytest.raises(ConfigError) as info:
        TrainConfig.load(bad)
    assert len(info.value.problems) == 4
    before = panel.state.config
    monkeypatch.setattr(QFileDialog, "getOpenFileName", lambda *a, **k: (str(bad), ""))
    panel.load_button.click()
    assert panel.state.config == before
    assert panel.banner.kind == "error" and "4 problem" in panel.banner.message.text()
    details = panel.banner.details
    assert details.isVisible()
    for problem in info.value.problems:
        assert str(problem) in details.toPlainText()
    assert "did you mean 'iters'" in details.toPlainText()
    assert panel.settings.recent("configs") == []


def test_copy_as_command_parses_with_mlx_lm_and_reads_the_saved_yaml(monkeypatch, panel, tmp_path):
    from mlx_lm import lora

    panel.apply_preset("seed-14b")
    panel.state.update_config(lr_schedule={"name": "cosine_decay", "arguments": [1e-5, 100]}, trust_remote_code=True)
    target = tmp_path / "for mlx.yaml"
    asked = []
    monkeypatch.setattr(QFileDialog, "getSaveFileName", lambda *a, **k: asked.append(1) or (str(target), ""))
    command = panel.copy_command()
    assert asked == [1] and QGuiApplication.clipboard().text() == command
    args = lora.build_parser().parse_args(shlex.split(command)[1:])
    assert args.train and args.trust_remote_code and args.model == panel.state.config.model
    assert args.iters == 100 and args.num_layers is None  # 16 is mlx-lm's default: left to the file
    with open(args.config) as f:
        from_file = yaml.load(f, lora.yaml_loader)
    assert from_file["lora_parameters"]["keys"] == ["self_attn.q_proj", "self_attn.v_proj"]
    assert TrainConfig.load(args.config) == panel.state.config
    assert "keep_best" not in panel.banner.message.text() and panel.banner.details.toPlainText()

    # Unchanged since saved: the same file again, no dialog.
    assert panel.copy_command() == command and asked == [1]
    panel.state.update_config(iters=5)
    monkeypatch.setattr(QFileDialog, "getSaveFileName", lambda *a, **k: ("", ""))
    assert panel.copy_command() is None  # cancelled: nothing copied from a stale file


def test_fits_the_smallest_window(panel):
    # The page area of a 980 px window (sidebar 230, margins 40) must hold the panel without clipping.
    assert panel.minimumSizeHint().width() <= 980 - 230 - 40


class FakeChinese(QTranslator):
    """Translates two texts the way a .qm file would (contexts as lupdate extracts them)."""

    TEXTS = {
        ("ConfigHelp", "Step size of the optimizer."): "优化器的步长。",
        ("ConfigLabel", "Learning rate"): "学习率",
        ("ConfigUnit", "steps"): "步",
    }

    def translate(self, context, source, disambiguation=None, n=-1):
        return self.TEXTS.get((context, source))  # None: not translated here

    def isEmpty(self):  # noqa: N802 (Qt override)
        return False


def test_labels_help_and_units_are_translated_at_display_time(qtbot, tmp_path, settings):
    app = QCoreApplication.instance()
    translator = FakeChinese()
    app.installTranslator(translator)
    try:
        panel = ParamsPanel(AppState(TrainConfig(), tmp_path / "runs"), settings)
        qtbot.addWidget(panel)
        tip = panel.form.controls["learning_rate"].widget.toolTip()
        assert "优化器的步长。" in tip
        labels = [w.text() for w in panel.findChildren(QLabel)]
        assert "学习率:" in labels and "步" in labels
    finally:
        app.removeTranslator(translator)


def test_the_form_follows_a_switch_to_dark(qtbot, panel):
    from PySide6.QtGui import QPalette

    from lorastudio.ui.theme import DARK, Theme

    theme = Theme("light")
    editor = panel.form.controls["learning_rate"].widget
    try:
        theme.apply("dark")
        qtbot.waitUntil(lambda: editor.palette().color(QPalette.ColorRole.Base).name() == DARK.background)
    finally:
        theme.apply("system")


@pytest.fixture
def chinese():
    from lorastudio.ui.i18n import install_language

    install_language("zh_CN")
    yield
    install_language("en")  # translators are global: the next test gets English again


def test_in_chinese_the_form_and_a_bad_file_show_the_core_reasons_in_chinese(qtbot, tmp_path, settings, chinese):
    import re

    cjk = re.compile(r"[\u4e00-\u9fff]")
    panel = ParamsPanel(AppState(TrainConfig(model="m", data="d"), tmp_path / "runs"), settings)
    qtbot.addWidget(panel)
    panel.resize(1000, 720)
    panel.show()
    qtbot.waitExposed(panel)
    form = panel.form

    type_into(qtbot, form.controls["learning_rate"].widget, "-1e-5")
    with pytest.raises(ConfigError) as info:
        TrainConfig().replace(learning_rate=-1e-5)
    assert form.error_text("learning_rate") == info.value.problems[0].text("zh") == "不能小于 0.0（实际为 -1e-05）"
    type_into(qtbot, form.controls["lora_parameters.rank"].widget.lineEdit(), "0")
    assert form.error_text("lora_parameters.rank") == "不能小于 1（实际为 0）"
    panel.grab().save(str(tmp_path / "params-zh.png"))  # to look at: the reasons under the fields

    # A key inside a field names it, as it is; a YAML slip says where, PyYAML's words translated.
    options = form.controls["optimizer_config"].widget
    type_into(qtbot, options, "no_such_option: 1")
    assert form.error_text("optimizer_config").startswith("optimizer_config.adam.no_such_option：不是 adam 的参数（")
    type_into(qtbot, options, "weight_decay: [0.1")
    assert form.error_text("optimizer_config").startswith("第 1 行第 ") and "YAML 无效：此处应为" in form.error_text(
        "optimizer_config")

    bad = tmp_path / "bad.yaml"
    bad.write_text("learning_rate: fast\nlora_parameters: {rank: 0}\niter: 100\nbatch_size: -2\n", encoding="utf-8")
    assert not panel.load_yaml(bad)
    details = panel.banner.details.toPlainText().splitlines()
    assert details == [
        "learning_rate：必须是数字（实际为 'fast'）",
        "lora_parameters.rank：不能小于 1（实际为 0）",
        "iter：未知的键（是不是要写 'iters'？）",
        "batch_size：不能小于 1（实际为 -2）",
    ]
    assert cjk.search(panel.banner.message.text())  # the app's own sentence, through Qt's translator
