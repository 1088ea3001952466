"""The configuration problems in Chinese: the message table, a bad config for every rule, the English kept."""

import re

import pytest

from conftest import CJK, placeholders

from lorastudio.core.config import messages, presets
from lorastudio.core.config.train_config import (
    ConfigError, FieldProblem, TrainConfig, _check_list, field_help, load_yaml, parse_config, validate_for_training,
)




@pytest.mark.parametrize("key", sorted(messages.TEXTS))
def test_every_message_has_english_and_chinese_with_the_same_placeholders(key):
    english, chinese = messages.TEXTS[key]
    assert english.strip() and chinese.strip()
    assert chinese != english and CJK.search(chinese)
    assert placeholders(english) == placeholders(chinese)


def test_the_words_inside_the_sentences_have_chinese():
    english, chinese = messages.ERROR_HEAD
    assert placeholders(english) == placeholders(chinese) and CJK.search(chinese)
    for table in (messages.PHRASES, messages.SOURCES, messages.UTF8_ERRORS):
        assert all(en and CJK.search(zh) for en, zh in table.items()), table
    # every phrase a field's metadata puts into a sentence is in the table (and the default "a mapping")
    used = {"a mapping"} | {meta[rule] for meta in field_help().values()
                            for rule in ("all", "expects", "to_train") if meta.get(rule)}
    assert used <= set(messages.PHRASES), used - set(messages.PHRASES)


def bad_configs(tmp_path):
    """Every problem the validator can find, from configs, texts and files made here."""
    defaults = TrainConfig().to_dict()
    changes = [
        {"batch_size": 0},  # value.min
        {"batch_size": 2.5},  # value.whole
        {"learning_rate": "fast"},  # value.number
        {"learning_rate": float("nan")},  # value.finite
        {"learning_rate": 0},  # value.above
        {"valid_fraction": 0.95},  # value.max
        {"num_layers": 0},  # value.all ("all layers")
        {"val_batches": 0},  # value.all ("all")
        {"mask_prompt": "yes"},  # value.bool
        {"optimizer": 5},  # value.text
        {"fine_tune_type": "qlora"},  # value.choice
        {"eval_prompts": [1]},  # value.strings
        {"lora_parameters": {"keys": "q_proj"}},  # value.strings (an optional list)
        {"lr_schedule": {"name": "cosine_decay", "arguments": ["x"]}},  # value.numbers
        {"lr_schedule": {"name": "cosine_decay", "arguments": []}},  # value.non_empty_numbers
        {"lora_parameters": "big"},  # value.mapping
        {"lr_schedule": "x"},  # value.mapping
        {"optimizer_config": "x"},  # value.mapping
        {"lr_schedule": {"name": "cosine_decay"}},  # key.required
        {"lr_schedule": {"name": "cosine_decay", "arguments": [1], "nmae": 1}},  # key.unknown_expected
        {"lerning_rate": 1e-4},  # key.unknown_hint
        {"zzzzzz": 1},  # key.unknown
        {"hf_dataset": "x"},  # key.hf_dataset
        {"lora_parameters": {"alpha": 16}},  # lora.alpha
        {"optimizer_config": {"lion": {}}},  # optimizer.unknown
        {"optimizer_config": {"adam": 3}},  # value.options
        {"optimizer_config": {"adamw": {"momentum": 0.9}}},  # optimizer.argument
        {"valid_fraction": 0.6, "test_fraction": 0.5},  # split.no_train
    ]
    problems = []

    def collect(make):
        with pytest.raises(ConfigError) as info:
            make()
        problems.extend(info.value.problems)
        return info.value

    for change in changes:
        collect(lambda: parse_config({**defaults, **change}))
    collect(lambda: parse_config([1, 2]))  # config.not_mapping
    collect(lambda: load_yaml("- 1\n- 2\n"))  # yaml.not_mapping
    for text in ("model: m\ndata: [unclosed\niters: 3\n", "a: b: c", "a:\n\tb: 1", 'a: "x', "a: [1, 2",
                 "a: *x", "- a\nb: 1", "a: !!python/object 1", "{a: 1}}", "a: |\n x\n  y\nb"):
        collect(lambda: load_yaml(text))  # yaml.invalid_at, each of PyYAML's descriptions translated
    collect(lambda: load_yaml("a: \x00"))  # yaml.invalid (a reader error has no line)
    collect(lambda: TrainConfig.load(tmp_path / "nope.yaml"))  # file.missing
    (tmp_path / "latin1.yaml").write_bytes(b"model: caf\xe9\n")
    collect(lambda: TrainConfig.load(tmp_path / "latin1.yaml"))  # file.not_utf8
    problems += validate_for_training(TrainConfig())  # value.to_train, model and data
    # The list rules no field combines today (numbers that may be empty, strings that may not).
    _check_list("numbers", list[float], False, {}, ["x"], problems)  # value.numbers
    _check_list("names", list[str], False, {"non_empty": True}, [], problems)  # value.non_empty_strings
    return problems


# Technical names kept as they are inside a Chinese sentence.
TECHNICAL = ("Hugging Face", "PEFT")


def untranslated(problem: FieldProblem, chinese: str) -> list[str]:
    """English words left in the Chinese sentence, once values, quoted names and technical terms are out."""
    rest = chinese
    for name, value in problem.values:
        items = value if isinstance(value, tuple) else (value,)
        for item in items:
            if isinstance(item, str) and name not in ("all", "expects", "reason", "problem", "utf8_error"):
                rest = rest.replace(item, " ")
    for term in TECHNICAL:
        rest = rest.replace(term, " ")
    rest = re.sub(r"'[^']*'|\"[^\"]*\"", " ", rest)
    return re.findall(r"[A-Za-z]{3,}(?:\s+[A-Za-z]{3,})+", rest)


def test_every_problem_of_a_bad_config_reads_in_chinese(tmp_path):
    problems = bad_configs(tmp_path)
    assert set(messages.TEXTS) - {p.key for p in problems} == set()
    for problem in problems:
        chinese = problem.text("zh")
        assert problem.key, problem
        assert problem.text("en") == problem.message and problem.text() == problem.message
        assert CJK.search(chinese), (problem.key, chinese)
        assert chinese != problem.message
        assert untranslated(problem, chinese) == [], (problem.key, chinese)
        # the field is named as it is, before the Chinese reason
        labelled = problem.with_field("zh")
        assert labelled == (f"{problem.field}：{chinese}" if problem.field else chinese)
        # what the command line prints stays English
        assert str(problem) == problem.with_field("en") and not CJK.search(str(problem))
        assert hash(problem)  # still a value


def test_chinese_sentences_keep_names_and_values_as_they_are():
    def first(**changes):
        with pytest.raises(ConfigError) as info:
            TrainConfig().replace(**changes)
        return info.value.problems[0]

    assert first(batch_size=0).with_field("zh") == "batch_size：不能小于 1（实际为 0）"
    assert first(fine_tune_type="qlora").text("zh") == "必须是 lora、dora、full 之一（实际为 'qlora'）"
    assert first(num_layers=0).text("zh") == "必须是 -1（全部层）或不小于 1（实际为 0）"
    assert first(lora_parameters="big").text("zh") == "必须是含 rank、scale、dropout、keys 的映射（实际为 'big'）"
    assert first(lerning_rate=1).text("zh") == "未知的键（是不是要写 'learning_rate'？）"
    assert [p.with_field("zh") for p in validate_for_training(TrainConfig(data="d"))] == [
        "model：未填写，请选择模型文件夹或 Hugging Face 仓库 ID"
    ]


def test_config_error_says_its_problems_in_either_language(tmp_path):
    with pytest.raises(ConfigError) as info:
        TrainConfig.from_dict({"batch_size": 0, "iters": 0})
    error = info.value
    assert str(error) == error.text("en") == error.text() == (
        "config: 2 problem(s):\n  batch_size: must be at least 1 (got 0)\n  iters: must be at least 1 (got 0)"
    )
    assert error.text("zh") == "配置：2 个问题：\n  batch_size：不能小于 1（实际为 0）\n  iters：不能小于 1（实际为 0）"
    path = tmp_path / "bad.yaml"
    path.write_text("model: m\ndata: [unclosed\niters: 3\n")
    with pytest.raises(ConfigError) as info:
        TrainConfig.load(path)
    assert info.value.text("zh") == f"{path}：1 个问题：\n  第 3 行第 6 列：YAML 无效：此处应为 ',' 或 ']'，实际为 ':'"
    assert str(info.value) == f"{path}: 1 problem(s):\n  line 3, column 6: invalid YAML: expected ',' or ']', but got ':'"
    assert ConfigError([], "training").text("zh") == "训练：0 个问题："
    assert ConfigError([], "preset demo").text("zh") == "预设 demo：0 个问题："


def test_a_yaml_problem_pyyaml_words_otherwise_stays_as_it_came():
    assert messages.yaml_problem("something new", "zh") == "something new"
    assert messages.text("yaml.invalid", "zh", problem="something new") == "YAML 无效：something new"
    assert messages.yaml_problem("mapping values are not allowed here", "en") == "mapping values are not allowed here"
    # made with a message alone, a problem has no other language
    plain = FieldProblem("iters", "too many")
    assert plain.text("zh") == "too many" and plain.with_field("zh") == "iters：too many" and str(plain) == "iters: too many"


def test_a_broken_preset_names_its_problem(tmp_path, monkeypatch):
    (tmp_path / "broken.yaml").write_text("description: x\nconfig: [1, 2]\n", encoding="utf-8")
    monkeypatch.setattr(presets, "presets_dir", lambda: tmp_path)
    with pytest.raises(ConfigError) as info:
        presets.list_presets()
    assert [str(p) for p in info.value.problems] == ["config: must be a mapping of option: value (got [1, 2])"]
    assert info.value.problems[0].text("zh") == "必须是 option: value 形式的映射（实际为 [1, 2]）"
