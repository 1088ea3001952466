"""The models' errors in Chinese (core/models/messages.py): the table, the errors of real bad inputs, a Task in Chinese."""


import pytest

from conftest import CJK, fake_run, narrow_adapter, placeholders, raised, said

from lorastudio.core.config.train_config import TrainConfig
from lorastudio.core.models import messages
from lorastudio.core.models.fuse import FuseError, check_out_dir, fuse_adapter, resolve_adapter, resolve_checkpoint
from lorastudio.core.models.info import ModelInfoError, model_facts, read_config, trainable_count
from lorastudio.core.models.loading import ModelError, check_model_folder, check_model_reachable, resolve_model




@pytest.mark.parametrize("key", sorted(messages.TEXTS))
def test_every_message_has_english_and_chinese_with_the_same_placeholders(key):
    english, chinese = messages.TEXTS[key]
    assert english.strip() and chinese.strip()
    assert chinese != english and CJK.search(chinese)
    assert placeholders(english) == placeholders(chinese)




# ----------------------------------------------------------------------------
# finding a model


def test_model_folders_that_are_not_models(tmp_path):
    missing = tmp_path / "nowhere" / "model"
    chinese = said(raised(ModelError, resolve_model, str(missing)),
                   f"{missing} is neither a folder on this machine nor a Hugging Face repo id (owner/name)")
    assert chinese == f"{missing} 既不是本机上的文件夹，也不是 Hugging Face 仓库 ID（owner/name）"
    said(raised(ModelError, resolve_model, "  "), "no model chosen: give a model folder or a Hugging Face repo id")

    empty = tmp_path / "empty"
    empty.mkdir()
    chinese = said(raised(ModelError, resolve_model, str(empty)), f"{empty} is not a model folder: config.json is missing")
    assert chinese == f"{empty} 不是模型文件夹：缺少 config.json"

    (empty / "config.json").write_text('{"model_type": "llama"}')
    chinese = said(raised(ModelError, check_model_folder, empty),
                   f"{empty} has no weights: no model*.safetensors file "
                   "(a PyTorch-only model must be converted with mlx_lm.convert)")
    assert "model*.safetensors" in chinese and "mlx_lm.convert" in chinese
    said(raised(ModelError, check_model_folder, empty / "config.json"),
         f"{empty / 'config.json'} is only a config.json: training needs the folder with its weights")

    gguf = tmp_path / "m.gguf"
    gguf.write_bytes(b"GGUF")
    chinese = said(raised(ModelError, resolve_model, str(gguf)),
                   f"{gguf} is a GGUF file: import it first (lorastudio import-gguf {gguf} OUT)")
    assert chinese == f"{gguf} 是 GGUF 文件：请先导入（lorastudio import-gguf {gguf} OUT）"
    other = tmp_path / "notes.txt"
    other.write_text("x")
    said(raised(ModelError, check_model_folder, other), f"{other} is a file, not a model folder")


def test_an_uncached_repo_id_offline(monkeypatch):
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    import huggingface_hub.constants as hub

    monkeypatch.setattr(hub, "HF_HUB_OFFLINE", True)
    english = ("Cannot download lorastudio-test/no-such-model: this machine is offline or Hugging Face cannot be "
               "reached, and the model is not in the local cache. Download it on a connected machine "
               "(or choose a local model folder).")
    chinese = said(raised(ModelError, resolve_model, "lorastudio-test/no-such-model"), english)
    assert chinese.startswith("无法下载 lorastudio-test/no-such-model：") and chinese.endswith("。")
    said(raised(ModelError, check_model_reachable, "lorastudio-test/no-such-model"), english)


def test_hub_failures_and_mlx_lm_refusals_in_chinese(tmp_path):
    assert (messages.text("model.config_download_failed", "zh", repo_id="a/b", error="503 Server Error")
            == "下载 a/b 的 config.json 失败：503 Server Error")
    assert (messages.text("model.load_failed", "zh", folder="/m", mlx_error="Model type qwen9 not supported.")
            == "/m：无法加载模型：mlx-lm 不支持模型类型 qwen9")
    # a refusal this version does not know is shown as mlx-lm wrote it
    assert (messages.text("model.load_failed", "zh", folder="/m", mlx_error="Something else.")
            == "/m：无法加载模型：Something else.")
    assert messages.text("model.load_failed", "en", folder="/m", mlx_error="Something else.") == "/m: Something else."


# ----------------------------------------------------------------------------
# reading config.json


def test_config_json_errors(tmp_path, tiny_model):
    missing = tmp_path / "missing"
    assert said(raised(ModelInfoError, model_facts, missing), f"{missing}: no such file or folder") \
        == f"{missing}：没有这个文件或文件夹"
    empty = tmp_path / "empty"
    empty.mkdir()
    said(raised(ModelInfoError, read_config, empty), f"{empty}: config.json is missing")
    broken = tmp_path / "broken.json"
    broken.write_text("{not json")
    error = raised(ModelInfoError, read_config, broken)
    assert str(error).startswith(f"{broken}: not valid JSON (") and error.text("zh").startswith(f"{broken}：不是有效的 JSON（")
    broken.write_text('{"hidden_size": 4}')
    said(raised(ModelInfoError, read_config, broken), f"{broken}: not a model config (no model_type)")
    broken.write_text('{"model_type": "nonesuch"}')
    chinese = said(raised(ModelInfoError, model_facts, broken), "Model type nonesuch not supported.")
    assert chinese == "无法构建模型：mlx-lm 不支持模型类型 nonesuch"

    config = TrainConfig(model=str(tiny_model), num_layers=9)
    chinese = said(raised(ModelInfoError, trainable_count, tiny_model, config),
                   "num_layers: 9 layers requested but the model has only 2")
    assert chinese == "num_layers：要求训练 9 层，但模型只有 2 层"
    config = TrainConfig(num_layers=2).replace(lora_parameters={"keys": ["attn.q"], "rank": 8, "scale": 1.0, "dropout": 0.0})
    error = raised(ModelInfoError, trainable_count, tiny_model, config)
    assert str(error).startswith("lora_parameters.keys: attn.q not found in the model's layers (it has e.g. ")
    assert said(error, str(error)).startswith("lora_parameters.keys：模型的层中没有 attn.q（模型中有 ")


# ----------------------------------------------------------------------------
# fusing




def test_fuse_refusals(tmp_path, tiny_model):
    nowhere = tmp_path / "nowhere"
    assert said(raised(FuseError, resolve_adapter, nowhere), f"no adapter at {nowhere} (no such file or folder)") \
        == f"{nowhere} 处没有适配器（没有这个文件或文件夹）"
    run = fake_run(tmp_path / "runs" / "r1")
    chinese = said(raised(FuseError, resolve_adapter, run),
                   f"run r1 (final) has no adapter yet ({run / 'adapters.safetensors'} is missing): "
                   "train it first, or pick a numbered checkpoint")
    assert chinese.startswith("训练记录 r1（最终） 还没有适配器（缺少 ")
    chinese = said(raised(FuseError, resolve_checkpoint, run, 99),
                   "run r1 has no checkpoint 99 (checkpoints: none; or use final or best)")
    assert chinese == "训练记录 r1 没有第 99 步的检查点（已有的检查点：无；也可以用 final 或 best）"
    said(raised(FuseError, resolve_checkpoint, run, "soon"), "checkpoint 'soon': say final, best or a step number")
    said(raised(FuseError, resolve_checkpoint, run, "best"),
         "run r1 has no best adapter (best/ is missing: the run has no validation yet, or keep_best is off); "
         "use --checkpoint final or a number")
    text = tmp_path / "a.txt"
    text.write_text("x")
    said(raised(FuseError, resolve_adapter, text),
         f"{text} is not an adapter: give a run folder, its best/ folder, an adapter folder or a "
         "NNNNNNN_adapters.safetensors checkpoint")
    said(raised(FuseError, check_out_dir, run),
         f"{run} already exists and is not empty: choose a new folder (nothing was overwritten)")

    narrow_adapter(run / "best")
    source = resolve_adapter(run / "best")
    assert source.label == "run r1 (best)"
    error = raised(FuseError, fuse_adapter, tiny_model, run / "best", tmp_path / "out")
    english = str(error)
    assert english.startswith(f"the adapter of run r1 (best) does not fit the model {tiny_model}: ")
    assert english.endswith("; it was trained on /elsewhere/narrow. Fuse it into the model it was trained on")
    chinese = said(error, english)
    assert chinese.startswith(f"训练记录 r1（最佳） 的适配器与模型 {tiny_model} 不匹配：")
    assert chinese.endswith("；它是在 /elsewhere/narrow 上训练的。请把它融合到训练它时所用的模型中")
    assert not (tmp_path / "out").exists()


# ----------------------------------------------------------------------------
# the app: a Task's failure in the interface language


@pytest.fixture
def chinese(qapp):
    from lorastudio.ui.i18n import install_language

    install_language("zh_CN")
    yield
    install_language("en")  # translators are global: the next test gets English again


def failure_of(qtbot, fn, *args):
    from lorastudio.ui.tasks import Task

    task = Task(fn, *args)
    with qtbot.waitSignal(task.failed, timeout=10000) as blocker:
        task.start()
    return blocker.args[0]


def test_a_task_says_a_core_error_in_the_interface_language(qtbot, tmp_path, chinese):
    empty = tmp_path / "empty"
    empty.mkdir()
    assert failure_of(qtbot, resolve_model, str(empty)) == f"{empty} 不是模型文件夹：缺少 config.json"
    # other errors are shown as they were written
    assert failure_of(qtbot, int, "x") == "invalid literal for int() with base 10: 'x'"

    from lorastudio.ui.i18n import install_language

    install_language("en")
    assert failure_of(qtbot, resolve_model, str(empty)) == f"{empty} is not a model folder: config.json is missing"


def test_the_language_is_the_one_of_the_moment_the_task_was_made(qtbot, tmp_path, chinese):
    from lorastudio.ui.i18n import install_language
    from lorastudio.ui.tasks import Task, error_text

    empty = tmp_path / "empty"
    empty.mkdir()
    task = Task(resolve_model, str(empty))  # made in Chinese
    install_language("en")
    with qtbot.waitSignal(task.failed, timeout=10000) as blocker:
        task.start()
    assert blocker.args[0] == f"{empty} 不是模型文件夹：缺少 config.json"
    error = raised(ModelError, resolve_model, str(empty))
    assert error_text(error) == str(error) and error_text(error, "zh") == f"{empty} 不是模型文件夹：缺少 config.json"
