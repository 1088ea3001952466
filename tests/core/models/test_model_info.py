"""Model facts and trainable counts from config.json alone, equal to mlx-lm's own count."""

import json
import resource

import pytest

from lorastudio.core.config.train_config import TrainConfig
from lorastudio.core.models.info import ModelInfoError, TrainableCount, model_facts, trainable_count
from lorastudio.core.models.loading import ModelError, check_model_folder, resolve_model
from lorastudio.core.base.paths import resources_dir
from lorastudio.core.config.presets import get_preset

QWEN_14B = resources_dir() / "model-configs" / "DeepSeek-R1-Distill-Qwen-14B.json"


def mlx_lm_count(model_path, config: TrainConfig) -> TrainableCount:
    """Count on the really loaded model, the way mlx_lm.lora does."""
    import mlx.core as mx
    from mlx.utils import tree_flatten
    from mlx_lm.tuner.utils import linear_to_lora_layers
    from mlx_lm.utils import get_total_parameters, load

    model, _ = load(str(model_path))
    mx.random.seed(0)
    model.freeze()
    if config.fine_tune_type == "full":
        for layer in model.layers[-max(config.num_layers, 0):]:
            layer.unfreeze()
    else:
        linear_to_lora_layers(model, config.num_layers, config.lora_dict(), use_dora=config.fine_tune_type == "dora")
    trainable = sum(v.size for _, v in tree_flatten(model.trainable_parameters()))
    return TrainableCount(trainable, get_total_parameters(model))


def test_seed_14b_share_is_the_seed_reports():
    count = trainable_count(QWEN_14B, get_preset("seed-14b").apply())
    assert str(count) == "0.014% (2.097M / 14770.034M)"
    assert count.trainable == 16 * (8 * (5120 + 5120) + 8 * (5120 + 1024))


def test_counting_a_14b_model_allocates_no_weights():
    before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    model_facts(QWEN_14B)
    trainable_count(QWEN_14B, get_preset("seed-14b").apply())
    grown_kb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - before
    assert grown_kb < 500_000  # the bfloat16 weights alone would be 29.5 GB


@pytest.mark.parametrize(
    "changes",
    [
        {"num_layers": 2},
        {"num_layers": 1, "lora_parameters": {"keys": ["self_attn.q_proj", "self_attn.v_proj"], "rank": 8, "scale": 10.0, "dropout": 0.0}},
        {"num_layers": -1, "fine_tune_type": "dora"},
        {"num_layers": 1, "fine_tune_type": "full"},
        {"num_layers": 2, "lora_parameters": {"rank": 16, "scale": 2.0, "dropout": 0.0}},
    ],
)
def test_count_equals_mlx_lm_on_the_loaded_model(tiny_model, changes):
    config = TrainConfig().replace(**changes)
    assert trainable_count(tiny_model, config) == mlx_lm_count(tiny_model, config)


def test_bare_config_json_gives_the_same_count_as_the_folder(tiny_model):
    config = TrainConfig(num_layers=2)
    assert trainable_count(tiny_model / "config.json", config) == trainable_count(tiny_model, config)


def test_quantized_model_count_equals_mlx_lm(tmp_path, tiny_model):
    """A 4-bit folder (made with mlx_lm.convert) counts like mlx-lm, with and without weights."""
    from mlx_lm import convert

    out = tmp_path / "q4"
    convert(str(tiny_model), mlx_path=str(out), quantize=True, q_group_size=32, q_bits=4)
    config = TrainConfig(num_layers=2)
    expected = mlx_lm_count(out, config)
    assert trainable_count(out, config) == expected
    bare = tmp_path / "bare.json"
    bare.write_text((out / "config.json").read_text())
    assert trainable_count(bare, config) == expected
    facts = model_facts(out)
    assert facts.quantization.startswith("4-bit affine, group 32")


def test_facts_of_the_14b_config():
    facts = model_facts(QWEN_14B)
    assert (facts.architecture, facts.layers, facts.hidden_size) == ("qwen2", 48, 5120)
    assert (facts.attention_heads, facts.kv_heads, facts.vocab_size) == (40, 8, 152064)
    assert facts.total_parameters == 14_770_033_664
    assert facts.quantization == "none" and facts.dtype == "bfloat16"
    assert facts.weights_bytes is None


def test_facts_of_a_folder_read_weight_headers(tiny_model):
    facts = model_facts(tiny_model)
    assert facts.dtype == "float32" and facts.weights_bytes > 0 and facts.layers == 2


@pytest.mark.parametrize(
    "content, message",
    [
        (None, "no such file"),
        ("{not json", "not valid JSON"),
        ('{"hidden_size": 4}', "no model_type"),
        ('{"model_type": "no_such_arch"}', "no_such_arch"),
    ],
)
def test_bad_configs_get_clear_messages(tmp_path, content, message):
    path = tmp_path / "config.json"
    if content is not None:
        path.write_text(content)
    with pytest.raises(ModelInfoError, match=message):
        model_facts(path)


def test_lora_keys_that_do_not_exist_are_named(tiny_model):
    config = TrainConfig(num_layers=2).replace(lora_parameters={"keys": ["attn.q"], "rank": 8, "scale": 1.0, "dropout": 0.0})
    with pytest.raises(ModelInfoError, match="attn.q not found.*self_attn.q_proj"):
        trainable_count(tiny_model, config)


def test_too_many_layers_is_refused(tiny_model):
    with pytest.raises(ModelInfoError, match="16 layers requested but the model has only 2"):
        trainable_count(tiny_model, TrainConfig())


def test_model_folder_checks(tmp_path, tiny_model):
    assert check_model_folder(tiny_model) == tiny_model
    (tmp_path / "empty").mkdir()
    with pytest.raises(ModelError, match="config.json is missing"):
        resolve_model(str(tmp_path / "empty"))
    weightless = tmp_path / "weightless"
    weightless.mkdir()
    (weightless / "config.json").write_text(json.dumps({"model_type": "llama"}))
    with pytest.raises(ModelError, match="no weights"):
        resolve_model(str(weightless))
    gguf = tmp_path / "m.gguf"
    gguf.write_bytes(b"GGUF")
    with pytest.raises(ModelError, match="import it first"):
        resolve_model(str(gguf))
    with pytest.raises(ModelError, match="neither a folder"):
        resolve_model("./not/here/at/all")
    with pytest.raises(ModelError, match="no model chosen"):
        resolve_model("  ")


def test_hub_download_offline_says_so(monkeypatch):
    import huggingface_hub.constants

    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    monkeypatch.setattr(huggingface_hub.constants, "HF_HUB_OFFLINE", True)
    progress = []
    with pytest.raises(ModelError, match="offline") as info:
        resolve_model("lorastudio-test/definitely-not-cached", progress=lambda text, frac: progress.append(text))
    assert "lorastudio-test/definitely-not-cached" in str(info.value)
    assert progress and "Looking up" in progress[0]
