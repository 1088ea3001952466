"""The chat engine's and the runs' errors in Chinese (core/chat/messages.py, core/runs/messages.py):
the tables, the errors of real bad inputs, the Chat page's controller in Chinese."""

import re

import pytest

from conftest import fake_run, narrow_adapter, placeholders, raised, said

from lorastudio.core.chat import messages
from lorastudio.core.chat.adapters import AdapterError, resolve_adapter
from lorastudio.core.chat.engine import ChatEngine
from lorastudio.core.chat.template import MODEL_TEMPLATE, ChatTemplateError, load_chat_template
from lorastudio.core.runs import folder as runs
from lorastudio.core.runs import messages as run_messages

CHINESE = re.compile(r"[\u4e00-\u9fff（）：；]")  # a label may be Chinese by its brackets alone



@pytest.mark.parametrize("table,key", [("chat", key) for key in sorted(messages.TEXTS)]
                         + [("runs", key) for key in sorted(run_messages.TEXTS)])
def test_every_message_has_english_and_chinese_with_the_same_placeholders(table, key):
    english, chinese = (messages if table == "chat" else run_messages).TEXTS[key]
    assert english.strip() and chinese.strip()
    assert chinese != english and CHINESE.search(chinese)
    assert placeholders(english) == placeholders(chinese)






# ----------------------------------------------------------------------------
# adapters


def test_missing_and_broken_adapters(tmp_path):
    root = tmp_path / "runs"
    chinese = said(raised(AdapterError, resolve_adapter, "nothere", root),
                   f"no adapter at nothere: no such file or folder, and no run named nothere in {root}")
    assert chinese == f"nothere 处没有适配器：没有这个文件或文件夹，{root} 中也没有名为 nothere 的训练记录"
    said(raised(AdapterError, resolve_adapter, " ", root), "no adapter given: name a run or an adapter folder or file")
    run = fake_run(root / "r1")
    chinese = said(raised(AdapterError, resolve_adapter, "r1", root),
                   f"run r1 has no adapter yet ({run / 'adapters.safetensors'} is missing): train it first")
    assert chinese == f"训练记录 r1 还没有适配器（缺少 {run / 'adapters.safetensors'}）：请先训练"
    chinese = said(raised(AdapterError, resolve_adapter, "r1@99", root),
                   "run r1 has no checkpoint of step 99 (saved steps: none)")
    assert chinese == "训练记录 r1 没有第 99 步的检查点（已保存的步数：无）"
    said(raised(AdapterError, resolve_adapter, "r1@soon", root), "r1@soon: after @ give best, final or a step number")
    empty = tmp_path / "empty"
    empty.mkdir()
    said(raised(AdapterError, resolve_adapter, empty),
         f"{empty} is not an adapter folder: it has no adapter_config.json and no adapters.safetensors")
    (empty / "adapter_config.json").write_text("{not json")
    said(raised(AdapterError, resolve_adapter, empty),
         f"{empty} has adapter_config.json but no adapters.safetensors: the adapter was never saved there")
    (empty / "adapters.safetensors").write_bytes(b"")
    chinese = said(raised(AdapterError, resolve_adapter, empty),
                   f"{empty / 'adapter_config.json'} is not valid JSON (line 1: Expecting property name enclosed "
                   "in double quotes); the adapter cannot be used")
    assert chinese.endswith("；无法使用这个适配器")
    (empty / "adapter_config.json").write_text('{"fine_tune_type": "qlora"}')
    said(raised(AdapterError, resolve_adapter, empty),
         f"{empty / 'adapter_config.json'}: fine_tune_type 'qlora' is not lora, dora or full")
    (empty / "adapter_config.json").write_text('{"num_layers": 2}')
    said(raised(AdapterError, resolve_adapter, empty),
         f"{empty / 'adapter_config.json'}: lora_parameters with rank and scale are missing "
         "(mlx-lm needs them to build the adapter)")


def test_an_adapter_of_another_model(tmp_path, tiny_model):
    root = tmp_path / "runs"
    adapter = narrow_adapter(fake_run(root / "r1") / "best")
    source = resolve_adapter("r1@best", root)
    assert source.label == "r1 (best)"
    engine = ChatEngine(tiny_model, runs_dir=root)
    try:
        error = raised(AdapterError, engine.set_adapter, "r1@best")
        english = str(error)
        assert english == (
            f"adapter r1 (best) ({adapter / 'adapters.safetensors'}) does not fit tiny-llama: 2 of its 2 tensors do "
            "not match the model (e.g. model.layers.1.self_attn.q_proj.lora_b has shape (4, 32) in the adapter but "
            "(4, 64) in the model). It was trained on /elsewhere/narrow. Choose an adapter trained on this model.")
        assert said(error, english) == (
            f"适配器 r1（最佳） 与 tiny-llama 不匹配：{adapter / 'adapters.safetensors'} 的 2 个张量中有 2 个与模型不符"
            "（例如 model.layers.1.self_attn.q_proj.lora_b 在适配器中的形状是 (4, 32)，在模型中却是 (4, 64)）。"
            "它是在 /elsewhere/narrow 上训练的。请选择在这个模型上训练的适配器。")
        assert engine.adapter is None
    finally:
        engine.close()


# ----------------------------------------------------------------------------
# chat templates


def test_broken_templates(tmp_path, tiny_model):
    missing = tmp_path / "missing.jinja"
    assert said(raised(ChatTemplateError, load_chat_template, missing), f"chat template file {missing} does not exist") \
        == f"聊天模板文件 {missing} 不存在"
    empty = tmp_path / "empty.jinja"
    empty.write_text("  \n")
    said(raised(ChatTemplateError, load_chat_template, empty), f"chat template file {empty} is empty")

    engine = ChatEngine(tiny_model)
    try:
        error = raised(ChatTemplateError, engine.set_chat_template, "{% for m in messages %}\n{{ m['content'] }\n", "my.jinja")
        assert str(error).startswith("my.jinja is not valid Jinja: line 2: ")
        assert said(error, str(error)).startswith("my.jinja 不是有效的 Jinja：第 2 行：")
        error = raised(ChatTemplateError, engine.set_chat_template, "ok\n{{ messages[5]['content'] }}")
        assert str(error).startswith("the given chat template failed on this conversation (line 2): UndefinedError: ")
        assert said(error, str(error)).startswith("所给的聊天模板处理这段对话时出错（第 2 行）：UndefinedError: ")
        error = raised(ChatTemplateError, engine.set_chat_template, "{{ raise_exception('no') }}", "chat template t.jinja")
        assert str(error) == "chat template t.jinja failed on this conversation (line 1): TemplateError: no"
        assert error.text("zh") == "聊天模板 t.jinja 处理这段对话时出错（第 1 行）：TemplateError: no"
    finally:
        engine.close()
    assert messages.text("template.no_text", "zh", source=MODEL_TEMPLATE) == "模型自带的聊天模板没有生成文本"


# ----------------------------------------------------------------------------
# runs


def test_missing_runs(tmp_path):
    root = tmp_path / "runs"
    chinese = said(raised(runs.RunError, runs.resolve_run, "nothere", root),
                   f"no run at nothere (looked for {root / 'nothere' / 'config.yaml'})")
    assert chinese == f"nothere 处没有训练记录（查找的是 {root / 'nothere' / 'config.yaml'}）"
    run = fake_run(root / "r1")
    chinese = said(raised(runs.RunError, runs.adapter_dir, run, "best"),
                   f"run r1 has no best adapter yet ({run / 'best' / 'adapters.safetensors'} is missing)")
    assert chinese == f"训练记录 r1 还没有最佳适配器（缺少 {run / 'best' / 'adapters.safetensors'}）"
    runs.write_status(run, "running", pid=1)  # pid 1 is alive
    chinese = said(raised(runs.RunError, runs.delete_run, run), "run r1 is still training (pid 1); stop it first")
    assert chinese == "训练记录 r1 仍在训练中（pid 1）；请先停止训练"


# ----------------------------------------------------------------------------
# the Chat page: the controller and the model column in Chinese


@pytest.fixture
def chinese(qapp):
    from lorastudio.ui.i18n import install_language

    install_language("zh_CN")
    yield
    install_language("en")  # translators are global: the next test gets English again


def test_the_chat_controller_says_core_errors_in_chinese(qtbot, tmp_path, chinese):
    from lorastudio.ui.chat_controller import ChatController

    controller = ChatController()
    try:
        with qtbot.waitSignal(controller.error, timeout=20000) as blocker:
            controller.load(str(tmp_path))
        name, message, details = blocker.args
        assert name == "load" and message == f"{tmp_path} 不是模型文件夹：缺少 config.json"
        assert "ModelError" in details
    finally:
        controller.shutdown()


def test_the_chat_setup_says_a_folder_that_is_not_a_model_in_chinese(qtbot, tmp_path, chinese):
    from lorastudio.ui.widgets.chat_setup import ChatSetup

    setup = ChatSetup(tmp_path / "runs")
    qtbot.addWidget(setup)
    with qtbot.waitSignal(setup.problem) as blocker:
        assert not setup.add_model(str(tmp_path))
    assert blocker.args == [f"{tmp_path} 不是模型文件夹：缺少 config.json"]
