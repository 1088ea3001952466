"""The mlx_lm.lora command: parsed by mlx-lm's own parser and merged with the YAML as its main() does."""

import shlex

import pytest
import yaml

from lorastudio.core.config.train_config import BATCHINGS, TrainConfig
from lorastudio.core.config.mlx_command import FLAGS, MLX_DEFAULTS, format_number, mlx_lora_command
from lorastudio.core.config.presets import get_preset


def mlx_args(command_line: str) -> dict:
    """What mlx_lm.lora's main() would run with: its parser, then -c's YAML, then its defaults."""
    from mlx_lm import lora

    argv = shlex.split(command_line)
    assert argv[0] == "mlx_lm.lora"
    args = vars(lora.build_parser().parse_args(argv[1:]))
    with open(args["config"]) as f:
        config = yaml.load(f, lora.yaml_loader)
    for key, value in config.items():
        if args.get(key) is None:
            args[key] = value
    for key, value in lora.CONFIG_DEFAULTS.items():
        if args.get(key) is None:
            args[key] = value
    return args


def configs(tmp_path):
    seed = get_preset("seed-14b").apply(TrainConfig(model="/models/Deep Seek 14B", data=str(tmp_path / "my data")))
    busy = TrainConfig(model="mlx-community/Qwen3-0.6B-4bit", data="data").replace(
        optimizer="adamw",
        optimizer_config={"adamw": {"weight_decay": 0.01}},
        lr_schedule={"name": "cosine_decay", "arguments": [2e-4, 500, 1e-6], "warmup": 20, "warmup_init": 1e-7},
        lora_parameters={"keys": ["self_attn.q_proj", "mlp.down_proj"], "rank": 16, "scale": 2.0, "dropout": 0.05},
        learning_rate=2.5e-4, trust_remote_code=True, clear_cache_threshold=3_000_000_000, mask_prompt=True,
        grad_checkpoint=True, test=True, test_batches=-1, val_batches=-1, num_layers=-1, resume_adapter_file="a b/x.safetensors",
        report_to="wandb", project_name="it's mine", seed=7,
    )
    return {"seed": seed, "busy": busy, "defaults": TrainConfig(model="m", data="d")}


@pytest.mark.parametrize("name", ["seed", "busy", "defaults"])
def test_command_runs_the_same_training_in_mlx_lm(tmp_path, name):
    config = configs(tmp_path)[name]
    path = tmp_path / "saved config.yaml"
    config.save(path)
    command = mlx_lora_command(config, path)
    args = mlx_args(command.shell)
    assert args["train"] is True and args["config"] == str(path)
    expected = config.to_dict()
    from mlx_lm import lora

    for key in lora.CONFIG_DEFAULTS:  # every option mlx-lm reads gets LoRA Studio's value
        if key == "config":
            continue
        assert args[key] == expected[key], key


def test_flags_repeat_what_differs_and_always_the_two_the_file_cannot_set(tmp_path):
    busy = configs(tmp_path)["busy"]
    argv = mlx_lora_command(busy, tmp_path / "c.yaml").argv
    assert argv[:5] == ["mlx_lm.lora", "--model", "mlx-community/Qwen3-0.6B-4bit", "--data", "data"]
    assert "--trust-remote-code" in argv
    assert argv[argv.index("--clear-cache-threshold") + 1] == "3000000000"
    assert argv[argv.index("--learning-rate") + 1] == "0.00025"
    assert argv[-2:] == ["-c", str(tmp_path / "c.yaml")]
    plain = mlx_lora_command(TrainConfig(model="m", data="d"), "c.yaml").argv
    assert plain == ["mlx_lm.lora", "--model", "m", "--data", "d", "--train", "-c", "c.yaml"]


def test_defaults_table_matches_the_installed_mlx_lm():
    from mlx_lm import lora

    assert set(MLX_DEFAULTS) | {"model", "data"} == set(FLAGS)
    for key, value in MLX_DEFAULTS.items():
        assert lora.CONFIG_DEFAULTS[key] == value, key
    parser_flags = {option for action in lora.build_parser()._actions for option in action.option_strings}
    assert set(FLAGS.values()) <= parser_flags


def test_notes_name_what_mlx_lm_does_not_do(tmp_path):
    other = next(b for b in BATCHINGS if b != "mlx-lm")
    config = TrainConfig(model="m", data=str(tmp_path / "all.jsonl"), epochs=2.0, batching=other,
                         early_stopping_patience=3, eval_prompts=["Who are you?"])
    codes = [note.code for note in mlx_lora_command(config, "c.yaml").notes]
    assert codes == ["data_file", "epochs", "batching", "keep_best", "early_stopping", "eval_prompts"]
    quiet = TrainConfig(model="m", data="folder", keep_best=False, batching="mlx-lm")
    assert mlx_lora_command(quiet, "c.yaml").notes == []


@pytest.mark.parametrize("value, text", [(1e-5, "1e-5"), (2.5e-4, "0.00025"), (10.0, "10"), (0.05, "0.05"), (16, "16"), (1e21, "1e21")])
def test_format_number_reads_back_exactly(value, text):
    assert format_number(value) == text
    assert float(text) == value
