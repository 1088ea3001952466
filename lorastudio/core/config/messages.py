"""The configuration problems in words: every message of the validator, in English and Chinese.

``train_config`` names a problem by a key of ``TEXTS`` and its values;
``FieldProblem.message`` keeps the English sentence (the command line and the
logs print it), and ``FieldProblem.text("zh")`` says it in Chinese for the app
(which asks in its interface language, see ``lorastudio.ui.i18n.core_language``).
Technical names stay as they are in both languages: option names such as
``batch_size``, values such as ``cosine_decay``, YAML and Python's spelling of a
value (``'fast'``, ``[1]``).

Some values are words themselves and are translated with the sentence (see
``_word``): the phrases a field's metadata holds (``all``, ``expects``,
``to_train``: ``PHRASES``), lists of names (joined with "、" in Chinese),
PyYAML's description of a syntax error (``YAML_PROBLEMS``; one not listed stays
as PyYAML wrote it), Python's reason a file is not UTF-8 and the name of where
a configuration came from. Pure data and functions, any thread.
"""

from __future__ import annotations

import re
from typing import Any

LANGUAGES = ("en", "zh")

# Conventions of the Chinese: "（实际为 X）" for "(got X)", option names and values in
# their own spelling, lists joined with "、".
TEXTS: dict[str, tuple[str, str]] = {
    # --- reading a file --------------------------------------------------------
    "file.missing": ("no such file: {path}", "文件不存在：{path}"),
    "file.not_utf8": ("not UTF-8 text ({utf8_error} at byte {start})", "不是 UTF-8 文本（第 {start} 字节：{utf8_error}）"),
    "yaml.invalid_at": ("line {line}, column {column}: invalid YAML: {problem}",
                        "第 {line} 行第 {column} 列：YAML 无效：{problem}"),
    "yaml.invalid": ("invalid YAML: {problem}", "YAML 无效：{problem}"),
    "yaml.not_mapping": ("the file must hold a mapping of option: value", "文件内容必须是 option: value 形式的映射"),
    "config.not_mapping": ("the configuration must be a mapping of option: value",
                           "配置必须是 option: value 形式的映射"),
    # --- keys ------------------------------------------------------------------
    "key.unknown": ("unknown key", "未知的键"),
    "key.unknown_hint": ("unknown key (did you mean '{hint}'?)", "未知的键（是不是要写 '{hint}'？）"),
    "key.unknown_expected": ("unknown key (expected {known})", "未知的键（应为 {known} 之一）"),
    "key.required": ("is required", "必须填写"),
    "key.hf_dataset": ("must be a mapping with path (and name, train_split, valid_split, test_split, *_feature) "
                       "or a list of them (got {got})",
                       "必须是含 path（以及 name、train_split、valid_split、test_split、*_feature）的映射，"
                       "或这种映射的列表（实际为 {got}）"),
    # --- one value, as its field's type and metadata say ------------------------
    "value.bool": ("must be true or false (got {got})", "必须是 true 或 false（实际为 {got}）"),
    "value.whole": ("must be a whole number (got {got})", "必须是整数（实际为 {got}）"),
    "value.number": ("must be a number (got {got})", "必须是数字（实际为 {got}）"),
    "value.finite": ("must be a finite number (got {got})", "必须是有限的数字（实际为 {got}）"),
    "value.text": ("must be text (got {got})", "必须是文本（实际为 {got}）"),
    "value.choice": ("must be one of {choices} (got {got})", "必须是 {choices} 之一（实际为 {got}）"),
    "value.min": ("must be at least {low} (got {got})", "不能小于 {low}（实际为 {got}）"),
    "value.max": ("must be at most {high} (got {got})", "不能大于 {high}（实际为 {got}）"),
    "value.above": ("must be greater than {above} (got {got})", "必须大于 {above}（实际为 {got}）"),
    "value.all": ("must be -1 ({all}) or at least 1 (got {got})", "必须是 -1（{all}）或不小于 1（实际为 {got}）"),
    "value.strings": ("must be a list of strings (got {got})", "必须是字符串列表（实际为 {got}）"),
    "value.numbers": ("must be a list of numbers (got {got})", "必须是数字列表（实际为 {got}）"),
    "value.non_empty_strings": ("must be a non-empty list of strings (got {got})",
                                "必须是非空的字符串列表（实际为 {got}）"),
    "value.non_empty_numbers": ("must be a non-empty list of numbers (got {got})",
                                "必须是非空的数字列表（实际为 {got}）"),
    "value.mapping": ("must be {expects} (got {got})", "必须是{expects}（实际为 {got}）"),
    "value.options": ("must be a mapping of option: value (got {got})",
                      "必须是 option: value 形式的映射（实际为 {got}）"),
    "value.to_train": ("{reason}", "未填写，{reason}"),
    # --- the rules in code ------------------------------------------------------
    "lora.alpha": ("mlx-lm uses 'scale' (the multiplier itself, PEFT's alpha / rank), not 'alpha'",
                   "mlx-lm 使用 'scale'（倍数本身，即 PEFT 的 alpha / rank），而不是 'alpha'"),
    "optimizer.unknown": ("unknown optimizer (expected one of {optimizers})", "未知的优化器（应为 {optimizers} 之一）"),
    "optimizer.argument": ("not an argument of {optimizer} (it takes {arguments})",
                           "不是 {optimizer} 的参数（它接受的参数：{arguments}）"),
    "split.no_train": ("valid_fraction + test_fraction must leave examples to train on",
                       "valid_fraction + test_fraction 必须小于 1，才能留下训练样本"),
}

#: ``ConfigError``'s first line: where the configuration came from and how many problems it has.
ERROR_HEAD = ("{source}: {count} problem(s):", "{source}：{count} 个问题：")

#: The phrases a field's metadata holds (its ``all``, ``expects`` and ``to_train``), and the
#: default ``expects``; a test checks every field's phrase is here.
PHRASES: dict[str, str] = {
    "all": "全部",
    "all layers": "全部层",
    "a mapping": "映射",
    "a mapping of optimizer name to options": "优化器名称到其选项的映射",
    "a mapping with name and arguments": "含 name 和 arguments 的映射",
    "a mapping of rank, scale, dropout, keys": "含 rank、scale、dropout、keys 的映射",
    "choose a model folder or a Hugging Face repo id": "请选择模型文件夹或 Hugging Face 仓库 ID",
    "choose a dataset folder or a .jsonl file": "请选择数据集文件夹或 .jsonl 文件",
}

#: Where a configuration came from (``ConfigError.source``), when it is a word rather than a path.
SOURCES: dict[str, str] = {
    "config": "配置",
    "training": "训练",
    "saved settings": "已保存的设置",
}

#: Python's reasons a byte sequence is not UTF-8 (``UnicodeDecodeError.reason``).
UTF8_ERRORS: dict[str, str] = {
    "invalid start byte": "无效的起始字节",
    "invalid continuation byte": "无效的后续字节",
    "unexpected end of data": "数据意外结束",
}

#: PyYAML's descriptions of a syntax error in Chinese: a pattern and its translation (``\1``: the
#: quoted part PyYAML put in). One not listed (a rarer error, a newer PyYAML) stays in English.
YAML_PROBLEMS: tuple[tuple[str, str], ...] = (
    (r"mapping values are not allowed here", "此处不允许出现 key: value（检查冒号和缩进）"),
    (r"found unexpected end of stream", "文件意外结束（引号没有闭合？）"),
    (r"could not find expected ':'", "找不到应有的 ':'"),
    (r"expected (.+), but (?:got|found) (.+)", r"此处应为 \1，实际为 \2"),
    (r"found character (.+) that cannot start any token", r"字符 \1 不能出现在这里"),
    (r"found undefined alias (.+)", r"未定义的别名 \1"),
    (r"could not determine a constructor for the tag (.+)", r"不支持的标签 \1"),
    (r"unacceptable character (#x[0-9a-fA-F]+): special characters are not allowed\s+in .*, position (\d+)",
     r"不允许的字符 \1（位置 \2）：YAML 中不能有特殊字符"),
)

#: PyYAML's words inside the quoted parts of a translated description.
YAML_WORDS: tuple[tuple[str, str], ...] = (
    ("' or '", "' 或 '"),
    ("'<stream end>'", "文件结尾"),
    ("<block end>", "块结尾"),
    ("'<document start>'", "文档开头"),
    ("'<block mapping start>'", "映射开头"),
)

# Values that are lists of names, joined as each language joins them.
_LISTS = ("choices", "known", "optimizers", "arguments")


def yaml_problem(problem: str, lang: str) -> str:
    """PyYAML's description of a syntax error in ``lang``; one ``YAML_PROBLEMS`` lacks as it came."""
    if lang == "zh":
        for pattern, chinese in YAML_PROBLEMS:
            found = re.fullmatch(pattern, problem)
            if found:
                chinese = found.expand(chinese)
                for english, word in YAML_WORDS:
                    chinese = chinese.replace(english, word)
                return re.sub(r"为 (?=[\u4e00-\u9fff])", "为", chinese)  # no space before a Chinese word
    return problem


def source_name(source: str, lang: str) -> str:
    """Where a configuration came from, in ``lang`` (a path stays as it is)."""
    if lang != "zh":
        return source
    if source.startswith("preset "):
        return f"预设 {source[len('preset '):]}"
    return SOURCES.get(source, source)


def _word(name: str, value: Any, lang: str) -> Any:
    """A value that is a word itself in ``lang``; others (numbers, Python's spelling of a value) as they are."""
    zh = lang == "zh"
    if name in _LISTS and isinstance(value, (list, tuple)):
        return ("、" if zh else ", ").join(str(item) for item in value)
    if not zh:
        return value
    if name in ("all", "expects", "reason"):
        return PHRASES.get(value, value)
    if name == "problem":
        return yaml_problem(value, lang)
    if name == "utf8_error":
        return UTF8_ERRORS.get(value, value)
    return value


def text(key: str, lang: str = "en", **values: Any) -> str:
    """The sentence ``key`` in ``lang`` ("en" or "zh"), filled in."""
    english, chinese = TEXTS[key]
    words = {name: _word(name, value, lang) for name, value in values.items()}
    return (chinese if lang == "zh" else english).format(**words)


def error_head(source: str, count: int, lang: str = "en") -> str:
    """The first line of a ``ConfigError`` in ``lang``."""
    return ERROR_HEAD[lang == "zh"].format(source=source_name(source, lang), count=count)
