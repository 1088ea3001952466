"""The training config: every mlx_lm.lora option, validation, YAML that mlx_lm.lora accepts, presets."""


import pytest
import yaml
from hypothesis import given, settings
from hypothesis import strategies as st

from conftest import run_mlx_lm
from lorastudio.core.config.train_config import (
    DESCRIPTIVE, RULES, SECTIONS, ConfigError, TrainConfig, field_help, load_yaml, validate_for_training,
)
from lorastudio.core.config.presets import get_preset, list_presets

# Every key mlx_lm.lora reads from a config file (its CONFIG_DEFAULTS and parser).
MLX_LM_KEYS = {
    "model", "train", "fine_tune_type", "optimizer", "optimizer_config", "data", "seed", "num_layers", "batch_size",
    "iters", "val_batches", "learning_rate", "steps_per_report", "steps_per_eval", "resume_adapter_file",
    "adapter_path", "save_every", "test", "test_batches", "max_seq_length", "grad_checkpoint",
    "grad_accumulation_steps", "clear_cache_threshold", "lr_schedule", "lora_parameters", "mask_prompt",
    "report_to", "project_name", "trust_remote_code",
}


def test_every_mlx_lm_option_is_a_field():
    from mlx_lm.lora import CONFIG_DEFAULTS

    written = set(TrainConfig().to_dict())
    assert MLX_LM_KEYS <= written
    assert set(CONFIG_DEFAULTS) - {"config"} <= written


def test_every_field_has_help_text():
    for name, meta in field_help().items():
        assert meta.get("help"), f"{name} has no help text"


def test_every_field_names_its_form_section_and_only_known_rules():
    """A new field without a section (or with a misspelt rule) fails here, not silently in the form."""
    for name, meta in field_help().items():
        assert meta.get("section") in SECTIONS, f"{name}: section {meta.get('section')!r} is not one of {SECTIONS}"
        assert meta.get("group") in ("basic", "advanced"), name
        unknown = set(meta) - set(RULES) - set(DESCRIPTIVE)
        assert not unknown, f"{name}: metadata keys {sorted(unknown)} are not rules the validator knows"


def test_yaml_round_trip(tmp_path):
    config = TrainConfig(model="m", data="d", learning_rate=2e-5, iters=42, early_stopping_patience=3).replace(
        lora_parameters={"keys": ["self_attn.q_proj"], "rank": 16, "scale": 2.0, "dropout": 0.05},
        lr_schedule={"name": "cosine_decay", "arguments": [2e-5, 42], "warmup": 5},
    )
    path = tmp_path / "c.yaml"
    config.save(path)
    assert TrainConfig.load(path) == config
    text = path.read_text()
    assert "learning_rate: 2.0e-5" in text and "train: true" in text


def test_mlx_lm_reads_our_yaml_the_same(tmp_path):
    """mlx_lm.lora's own YAML loader sees the same values we wrote."""
    from mlx_lm.lora import yaml_loader

    config = TrainConfig(model="m", data="d", learning_rate=1e-5, iters=7)
    data = yaml.load(config.to_yaml(), yaml_loader)
    assert data["learning_rate"] == 1e-5 and isinstance(data["learning_rate"], float)
    assert data["lora_parameters"] == {"keys": None, "rank": 8, "scale": 20.0, "dropout": 0.0}
    assert data["train"] is True


def test_plain_1e_minus_5_reads_as_float():
    assert load_yaml("learning_rate: 1e-5")["learning_rate"] == 1e-5


@pytest.mark.parametrize(
    "changes, field, reason",
    [
        ({"batch_size": 0}, "batch_size", "at least 1"),
        ({"batch_size": 2.5}, "batch_size", "whole number"),
        ({"batch_size": True}, "batch_size", "whole number"),
        ({"learning_rate": 0}, "learning_rate", "greater than 0"),
        ({"learning_rate": "fast"}, "learning_rate", "number"),
        ({"fine_tune_type": "qlora"}, "fine_tune_type", "one of lora, dora, full"),
        ({"optimizer": "rmsprop"}, "optimizer", "one of"),
        ({"num_layers": 0}, "num_layers", "-1"),
        ({"val_batches": 0}, "val_batches", "-1"),
        ({"mask_prompt": "yes please"}, "mask_prompt", "true or false"),
        ({"lora_parameters": {"rank": 0, "scale": 1, "dropout": 0}}, "lora_parameters.rank", "at least 1"),
        ({"lora_parameters": {"rank": 8, "scale": 1, "dropout": 1.5}}, "lora_parameters.dropout", "at most"),
        ({"lora_parameters": {"rank": 8, "alpha": 16, "dropout": 0}}, "lora_parameters.alpha", "scale"),
        ({"lora_parameters": "big"}, "lora_parameters", "mapping"),
        ({"lr_schedule": {"name": "warp_speed", "arguments": [1]}}, "lr_schedule.name", "one of"),
        ({"lr_schedule": {"name": "cosine_decay"}}, "lr_schedule.arguments", "required"),
        ({"optimizer_config": {"adamw": {"weight_decay": 0.1, "momentum": 0.9}}}, "optimizer_config.adamw.momentum", "not an argument"),
        ({"optimizer_config": {"lion": {}}}, "optimizer_config.lion", "unknown optimizer"),
        ({"valid_fraction": 0.6, "test_fraction": 0.5}, "valid_fraction", "leave examples to train on"),
        ({"valid_fraction": 0.95}, "valid_fraction", "at most"),
        ({"epochs": -1}, "epochs", "at least"),
        ({"hf_dataset": {"name": "x"}}, "hf_dataset.path", "required"),
    ],
)
def test_invalid_values_name_field_and_reason(changes, field, reason):
    with pytest.raises(ConfigError) as info:
        TrainConfig.from_dict({**TrainConfig().to_dict(), **changes}, "my.yaml")
    fields = {p.field: p.message for p in info.value.problems}
    assert field in fields, info.value
    assert reason in fields[field]
    assert str(info.value).startswith("my.yaml:")


@pytest.mark.parametrize(
    "changes, message",
    [
        # From the metadata: type, bounds, choices, the -1 for "all", required keys, mapping shapes.
        ({"batch_size": 0}, "batch_size: must be at least 1 (got 0)"),
        ({"batch_size": 2.5}, "batch_size: must be a whole number (got 2.5)"),
        ({"valid_fraction": 0.95}, "valid_fraction: must be at most 0.9 (got 0.95)"),
        ({"learning_rate": "fast"}, "learning_rate: must be a number (got 'fast')"),
        ({"learning_rate": -1}, "learning_rate: must be at least 0.0 (got -1.0)"),
        ({"learning_rate": 0}, "learning_rate: must be greater than 0 (got 0.0)"),
        ({"epochs": 0}, "epochs: must be greater than 0 (got 0.0)"),
        ({"learning_rate": float("nan")}, "learning_rate: must be a finite number (got nan)"),
        ({"num_layers": 0}, "num_layers: must be -1 (all layers) or at least 1 (got 0)"),
        ({"val_batches": 0}, "val_batches: must be -1 (all) or at least 1 (got 0)"),
        ({"test_batches": -5}, "test_batches: must be at least -1 (got -5)"),
        ({"mask_prompt": "yes"}, "mask_prompt: must be true or false (got 'yes')"),
        ({"optimizer": 5}, "optimizer: must be text (got 5)"),
        ({"fine_tune_type": "qlora"}, "fine_tune_type: must be one of lora, dora, full (got 'qlora')"),
        ({"eval_prompts": [1]}, "eval_prompts: must be a list of strings (got [1])"),
        ({"lora_parameters": "big"}, "lora_parameters: must be a mapping of rank, scale, dropout, keys (got 'big')"),
        ({"lr_schedule": "x"}, "lr_schedule: must be a mapping with name and arguments (got 'x')"),
        ({"lr_schedule": {"name": "cosine_decay"}}, "lr_schedule.arguments: is required"),
        ({"lr_schedule": {"name": "cosine_decay", "arguments": []}},
         "lr_schedule.arguments: must be a non-empty list of numbers (got [])"),
        ({"lr_schedule": {"name": "cosine_decay", "arguments": [1], "warmup": -1}},
         "lr_schedule.warmup: must be at least 0 (got -1)"),
        ({"lr_schedule": {"name": "cosine_decay", "arguments": [1], "nmae": 1}},
         "lr_schedule.nmae: unknown key (expected name, arguments, warmup, warmup_init)"),
        ({"optimizer_config": "x"}, "optimizer_config: must be a mapping of optimizer name to options (got 'x')"),
        ({"lerning_rate": 1e-4}, "lerning_rate: unknown key (did you mean 'learning_rate'?)"),
        # Kept as code: the outside world (PEFT's alpha, mlx_lm.lora's keys, the optimizers) and several fields.
        ({"lora_parameters": {"alpha": 16}},
         "lora_parameters.alpha: mlx-lm uses 'scale' (the multiplier itself, PEFT's alpha / rank), not 'alpha'"),
        ({"hf_dataset": "x"}, "hf_dataset: must be a mapping with path (and name, train_split, valid_split, test_split, "
                              "*_feature) or a list of them (got 'x')"),
        ({"optimizer_config": {"lion": {}}},
         "optimizer_config.lion: unknown optimizer (expected one of adam, adamw, muon, sgd, adafactor)"),
        ({"optimizer_config": {"adam": 3}}, "optimizer_config.adam: must be a mapping of option: value (got 3)"),
        ({"valid_fraction": 0.6, "test_fraction": 0.5},
         "valid_fraction: valid_fraction + test_fraction must leave examples to train on"),
    ],
)
def test_validation_messages_are_exactly_these(changes, message):
    with pytest.raises(ConfigError) as info:
        TrainConfig.from_dict({**TrainConfig().to_dict(), **changes})
    assert [str(p) for p in info.value.problems] == [message]


def test_metadata_rules_that_convert_values():
    config = TrainConfig().replace(model=2024, data=7.5, optimizer="AdamW", lora_parameters={"keys": []})
    assert (config.model, config.data, config.optimizer) == ("2024", "7.5", "adamw")
    assert config.lora_parameters.keys is None  # an empty optional list is the same as none
    assert TrainConfig().replace(lr_schedule={}, lora_parameters=None, optimizer_config=None) == TrainConfig()
    assert [str(p) for p in validate_for_training(TrainConfig(data="d"))] == [
        "model: choose a model folder or a Hugging Face repo id"
    ]
    assert [p.field for p in validate_for_training(TrainConfig(model=" "))] == ["model", "data"]
    assert validate_for_training(TrainConfig(model="m", data="d")) == []


def test_unknown_keys_are_reported_with_a_suggestion():
    with pytest.raises(ConfigError) as info:
        TrainConfig.from_dict({"lerning_rate": 1e-4, "lora_parameters": {"rnak": 4}})
    messages = [str(p) for p in info.value.problems]
    assert "lerning_rate: unknown key (did you mean 'learning_rate'?)" in messages
    assert "lora_parameters.rnak: unknown key (did you mean 'rank'?)" in messages


def test_all_problems_are_collected():
    with pytest.raises(ConfigError) as info:
        TrainConfig.from_dict({"batch_size": -1, "iters": 0, "seed": "x"})
    assert {p.field for p in info.value.problems} == {"batch_size", "iters", "seed"}


def test_broken_yaml_names_the_line(tmp_path):
    path = tmp_path / "bad.yaml"
    path.write_text("model: m\ndata: [unclosed\niters: 3\n")
    with pytest.raises(ConfigError) as info:
        TrainConfig.load(path)
    assert str(path) in str(info.value) and "line" in str(info.value)


def test_missing_and_non_mapping_files(tmp_path):
    with pytest.raises(ConfigError, match="no such file"):
        TrainConfig.load(tmp_path / "nope.yaml")
    (tmp_path / "list.yaml").write_text("- 1\n- 2\n")
    with pytest.raises(ConfigError, match="mapping"):
        TrainConfig.load(tmp_path / "list.yaml")


def test_epochs_resolve_to_iters():
    config = TrainConfig(batch_size=4, epochs=2.0)
    assert config.resolved_iters(train_examples=100) == 50
    assert TrainConfig(iters=7).resolved_iters(1000) == 7


def test_seed_preset_has_the_seed_reports_exact_parameters():
    config = get_preset("seed-14b").apply()
    assert config.num_layers == 16
    assert config.lora_parameters.keys == ["self_attn.q_proj", "self_attn.v_proj"]
    assert (config.lora_parameters.rank, config.lora_parameters.scale, config.lora_parameters.dropout) == (8, 10.0, 0.0)
    assert config.learning_rate == 1e-5 and config.batch_size == 4 and config.iters == 100
    assert config.max_seq_length == 2048 and config.grad_checkpoint is False
    assert "seed-14b" in [p.name for p in list_presets()]


def test_preset_keeps_model_and_data():
    base = TrainConfig(model="my-model", data="my-data")
    applied = get_preset("seed-14b").apply(base)
    assert (applied.model, applied.data) == ("my-model", "my-data")


def test_unknown_preset_lists_the_known_ones():
    with pytest.raises(KeyError, match="seed-14b"):
        get_preset("no-such-preset")


@settings(max_examples=60, deadline=None)
@given(
    batch_size=st.integers(1, 64),
    rank=st.integers(1, 256),
    lr=st.floats(1e-7, 1.0, allow_nan=False),
    dropout=st.floats(0.0, 0.9),
    iters=st.integers(1, 100000),
    mask=st.booleans(),
)
def test_any_valid_config_round_trips_through_yaml(batch_size, rank, lr, dropout, iters, mask):
    config = TrainConfig(model="m", data="d", batch_size=batch_size, learning_rate=lr, iters=iters, mask_prompt=mask).replace(
        lora_parameters={"rank": rank, "scale": 20.0, "dropout": dropout}
    )
    assert TrainConfig.from_dict(load_yaml(config.to_yaml())) == config


@pytest.mark.parity
def test_mlx_lm_lora_trains_from_our_saved_file(tmp_path, tiny_model, tiny_data):
    """mlx-lm's own training entry runs a saved config unchanged."""
    config = TrainConfig(
        model=str(tiny_model), data=str(tiny_data), num_layers=2, batch_size=4, iters=2, val_batches=1,
        steps_per_eval=10, save_every=10, max_seq_length=64, adapter_path=str(tmp_path / "adapters"),
        keep_best=True, early_stopping_patience=2, eval_prompts=["hello"],
    )
    path = tmp_path / "config.yaml"
    config.save(path)
    done = run_mlx_lm("lora", "-c", str(path))
    assert done.returncode == 0, done.stderr[-2000:]
    assert (tmp_path / "adapters" / "adapters.safetensors").is_file()
    assert (tmp_path / "adapters" / "adapter_config.json").is_file()
