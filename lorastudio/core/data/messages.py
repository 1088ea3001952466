"""The dataset problems in words: every message of a data check, in English and Chinese.

``checks``, ``lines``, ``datasets`` and ``stats`` name a problem by a key of
``TEXTS`` and its values; ``Problem.message`` keeps the English sentence (the
command line and the logs print it), and ``Problem.text("zh")`` says it in
Chinese for the app (which asks in its interface language, see
``lorastudio.ui.i18n.core_language``). Technical names stay as they are in both
languages: record keys such as ``messages``, roles such as ``assistant``,
options such as ``max_line_bytes``, file names and JSON.

Three kinds of values are words themselves and are translated with the
sentence: ``got`` holds a JSON type code (``json_kind`` in ``checks``),
``json_error`` Python's ``json`` error message and ``mlx_error`` mlx-lm's
refusal of a whole split. Other values (paths, keys, numbers, an
operating-system error, a chat template's exception) are put in as they are:
they come from other programs, in their words. Pure data and
functions, any thread.
"""

from __future__ import annotations

from typing import Any

from .convert_messages import TEXTS as CONVERT_TEXTS

LANGUAGES = ("en", "zh")

# Conventions of the Chinese: a full-width colon after the place ("messages[1].role："),
# "应为 X，实际为 Y" for "expected X, got Y", and the JSON and key names kept in ASCII quotes.
TEXTS: dict[str, tuple[str, str]] = {
    # --- a dataset's summary (DatasetReport.summary, the message of DatasetError) ----------
    "summary.head": ("{path}: {format}, {sizes} examples; {errors} errors, {warnings} warnings",
                     "{path}：{format}，样本：{sizes}；{errors} 个错误，{warnings} 个警告"),
    "summary.unknown_format": ("unknown format", "未知格式"),
    "summary.size": ("{split} {count}", "{split} {count} 条"),
    "summary.more": ("... and {rest} more", "……还有 {rest} 个"),
    "summary.warning": ("warning: {message}", "警告：{message}"),
    "summary.line": ("{file}:{line}", "{file} 第 {line} 行"),
    # A problem found on many lines, said once (groups.py): "train.jsonl: lines 1-12, 15: ... (13 records)".
    "summary.lines": ("{file}: lines {ranges}", "{file} 第 {ranges} 行"),
    "summary.group": ("{message} ({count:,} records)", "{message}（{count:,} 条记录）"),
    "summary.more_lines": ("{shown}, ... ({more:,} more lines)", "{shown}……（另有 {more:,} 行）"),
    "split.train": ("train", "训练"),
    "split.valid": ("valid", "验证"),
    "split.test": ("test", "测试"),
    # --- one record (checks.py) -------------------------------------------------
    "record.missing_key": ('missing key "{missing}" (the record has "{present}")',
                           '缺少键 "{missing}"（记录中有 "{present}"）'),
    "record.no_format_key": ('no "{chat}", "{prompt}"/"{completion}" or "{text}" key (found keys: {found})',
                             '没有 "{chat}"、"{prompt}"/"{completion}" 或 "{text}" 键（找到的键：{found}）'),
    "record.no_keys": ('no "{chat}", "{prompt}"/"{completion}" or "{text}" key (found keys: none)',
                       '没有 "{chat}"、"{prompt}"/"{completion}" 或 "{text}" 键（记录中没有任何键）'),
    "record.foreign_format": ("{format} data, not a format mlx-lm reads; convert the file with: {command}",
                              "这是 {format} 格式的数据，不是 mlx-lm 能读取的格式；请用以下命令转换文件：{command}"),
    "record.both_formats": ('has both "{chat}" and "{prompt}"/"{completion}"; '
                            'mlx-lm uses "{prompt}"/"{completion}" and ignores "{chat}"',
                            '记录同时有 "{chat}" 和 "{prompt}"/"{completion}"；'
                            'mlx-lm 使用 "{prompt}"/"{completion}"，忽略 "{chat}"'),
    "value.string": ("{where}: expected a string, got {got}", "{where}：应为字符串，实际为{got}"),
    "value.object": ("{where}: expected an object, got {got}", "{where}：应为对象，实际为{got}"),
    "value.array": ("{where}: expected an array, got {got}", "{where}：应为数组，实际为{got}"),
    "value.string_or_object": ("{where}: expected a string or an object, got {got}",
                               "{where}：应为字符串或对象，实际为{got}"),
    "text.empty": ('"{field}": empty text', '"{field}"：文本为空'),
    "completion.empty": ('"{field}": empty completion, nothing to learn', '"{field}"：补全内容为空，没有可学习的内容'),
    "tools.not_array": ('"tools": expected an array of tool definitions, got {got}',
                        '"tools"：应为工具定义的数组，实际为{got}'),
    "tools.shape": ('{where}: expected {{"type": "function", "function": {{"name": ...}}}}',
                    '{where}：应为 {{"type": "function", "function": {{"name": ...}}}} 形式的工具定义'),
    "tool_call.function": ('{where}.function: expected an object with "name" and "arguments", got {got}',
                           '{where}.function：应为含 "name" 和 "arguments" 的对象，实际为{got}'),
    "tool_call.no_function": ('{where}.function: expected an object with "name" and "arguments", got nothing',
                              '{where}：缺少 "function"，应为含 "name" 和 "arguments" 的对象'),
    "messages.not_array": ('"{field}": expected an array of messages, got {got}', '"{field}"：应为消息数组，实际为{got}'),
    "messages.empty": ('"{field}": the conversation is empty', '"{field}"：对话为空'),
    "messages.no_assistant": ('"{field}": no assistant message; training needs one as the target',
                              '"{field}"：没有 assistant 消息；训练需要它作为学习目标'),
    "messages.last_not_assistant": ('{where}.role: the last message must be from the assistant '
                                    '(the training target), got "{role}"',
                                    '{where}.role：最后一条消息必须来自 assistant（训练的学习目标），实际为 "{role}"'),
    "message.not_object": ('{where}: expected an object with "role" and "content", got {got}',
                           '{where}：应为含 "role" 和 "content" 的对象，实际为{got}'),
    "message.missing_key": ('{where}: missing key "{name}"', '{where}：缺少键 "{name}"'),
    "message.unknown_role": ('{where}.role: unknown role "{role}" (expected system, user, assistant or tool)',
                             '{where}.role：未知角色 "{role}"（应为 system、user、assistant 或 tool）'),
    "message.empty_content": ("{where}.content: empty {role} message", "{where}.content：{role} 消息为空"),
    "tool_calls.no_tools": ('{where}.tool_calls: the record has no "tools" list defining the called tools',
                            '{where}.tool_calls：记录中没有定义所调用工具的 "tools" 列表'),
    "tool_calls.not_assistant": ('{where}.tool_calls: only assistant messages carry tool_calls, this one is "{role}"',
                                 '{where}.tool_calls：只有 assistant 消息可以带 tool_calls，这条是 "{role}"'),
    # The order of the roles in a conversation.
    "order.system_first": ('{where}.role: a "system" message is only allowed first',
                           '{where}.role："system" 消息只能是第一条'),
    "order.first": ('{where}.role: expected "system" or "user" first, got "{role}"',
                    '{where}.role：第一条消息应为 "system" 或 "user"，实际为 "{role}"'),
    "order.tool": ('{where}.role: a "tool" message must follow an assistant message with tool_calls '
                   'or another tool message',
                   '{where}.role："tool" 消息必须跟在带 tool_calls 的 assistant 消息或另一条 tool 消息之后'),
    "order.after_calls": ('{where}.role: expected "tool" after an assistant message with tool_calls, got "{role}"',
                          '{where}.role：带 tool_calls 的 assistant 消息之后应为 "tool"，实际为 "{role}"'),
    "order.after_tool": ('{where}.role: expected "tool" or "assistant" after "tool", got "{role}"',
                         '{where}.role："tool" 之后应为 "tool" 或 "assistant"，实际为 "{role}"'),
    "order.after": ('{where}.role: expected "{expected}" after "{after}", got "{role}"',
                    '{where}.role："{after}" 之后应为 "{expected}"，实际为 "{role}"'),
    # --- one line of a file (lines.py) -----------------------------------------
    "line.bom": ("the file starts with a UTF-8 byte order mark (BOM); save it as UTF-8 without BOM",
                 "文件以 UTF-8 字节顺序标记（BOM）开头；请另存为不带 BOM 的 UTF-8"),
    "line.not_utf8": ("not valid UTF-8: byte 0x{byte:02x} at byte {at} of the line (byte {offset} of the file)",
                      "不是有效的 UTF-8：行内第 {at} 字节是 0x{byte:02x}（文件第 {offset} 字节）"),
    "line.blank": ("blank line (remove it: mlx-lm cannot read it)", "空行（请删除：mlx-lm 无法读取空行）"),
    "line.carriage_return": ("carriage return (\\r) inside the line at character {column}; "
                             "mlx-lm reads it as a line break",
                             "行内第 {column} 个字符是回车符（\\r）；mlx-lm 会把它当作换行"),
    "line.too_long": ("line is {length:,} bytes, over the {limit:,}-byte limit (max_line_bytes)",
                      "该行有 {length:,} 字节，超过了 {limit:,} 字节的上限（max_line_bytes）"),
    "line.surrogate": ("contains an unpaired UTF-16 surrogate escape (\\udXXX)",
                       "含有不成对的 UTF-16 代理项转义（\\udXXX）"),
    "json.invalid": ("invalid JSON: {json_error} at column {column}", "JSON 无效（第 {column} 列）：{json_error}"),
    "json.extra_data": ("invalid JSON: Extra data at column {column} (one example per line)",
                        "JSON 无效：第 {column} 列起还有多余的数据（每行只能有一个样本）"),
    "json.too_deep": ("invalid JSON: nested too deeply", "JSON 无效：嵌套层数太深"),
    "json.not_object": ("expected a JSON object {{...}}, got {got}", "应为 JSON 对象 {{...}}，实际为{got}"),
    # --- one file, a folder (datasets.py) --------------------------------------
    "file.cannot_read": ("cannot read: {error}", "无法读取：{error}"),
    "file.foreign": ("{count:,} records{container} ({format}), not mlx-lm's JSONL; convert it with: {command}",
                     "{count:,} 条记录{container}（{format}），不是 mlx-lm 的 JSONL；请用以下命令转换：{command}"),
    "file.empty": ("the file is empty (no examples)", "文件为空（没有样本）"),
    "file.no_usable": ("no usable examples in the file", "文件中没有可用的样本"),
    "file.mixed_formats": ('a "{format}" record in a file of "{family}" records ({count} of the {total} valid '
                           "records); mlx-lm reads every line of a file in one format",
                           '这是一条 "{format}" 记录，但文件中的记录是 "{family}" 格式（{total} 条有效记录中有 '
                           "{count} 条）；mlx-lm 用同一种格式读取文件的每一行"),
    "file.more_problems": ("... and {hidden} more problems not shown ({errors} errors)",
                           "……另有 {hidden} 个问题未列出（其中 {errors} 个错误）"),
    "path.missing": ("does not exist", "不存在"),
    "path.not_file": ("is not a regular file", "不是普通文件"),
    "folder.no_train": ("no train.jsonl in the folder", "文件夹中没有 train.jsonl"),
    "folder.no_train_found": ("no train.jsonl in the folder (found: {found})",
                              "文件夹中没有 train.jsonl（找到的文件：{found}）"),
    "folder.no_valid": ("no valid.jsonl: training runs without validation loss",
                        "没有 valid.jsonl：训练时不会计算验证损失"),
    "folder.format_differs": ('"{format}" records, but train.jsonl has "{train_format}" records',
                              '记录是 "{format}" 格式，但 train.jsonl 的记录是 "{train_format}" 格式'),
    "split.fractions": ("valid_fraction ({valid}) and test_fraction ({test}) must be in [0, 1) with a sum below 1",
                        "valid_fraction（{valid}）和 test_fraction（{test}）必须在 [0, 1) 之间，且两者之和小于 1"),
    "split.no_valid_one": ("no validation split (only one example): training runs without validation loss",
                           "没有验证集（只有一个样本）：训练时不会计算验证损失"),
    "split.no_valid_zero": ("no validation split (valid_fraction is 0): training runs without validation loss",
                            "没有验证集（valid_fraction 为 0）：训练时不会计算验证损失"),
    # --- tokenizing (stats.py) --------------------------------------------------
    "stats.dataset_error": ("{mlx_error}", "mlx-lm 无法读取这些样本：{mlx_error}"),
    "stats.template_fails": ("the tokenizer's chat template fails: {error}", "分词器的聊天模板出错：{error}"),
    "stats.rejected": ("the chat template or tokenizer rejects this example: {error}",
                       "聊天模板或分词器无法处理这个样本：{error}"),
    "stats.no_tokens": ("the chat template or tokenizer rejects this example: ValueError: the example has no tokens",
                        "聊天模板或分词器无法处理这个样本：分词后没有任何 token"),
    "stats.more_rejected": ("... and {count} more examples rejected", "……另有 {count} 个样本无法处理"),
}

#: JSON type codes (the ``got`` value), as the sentences say them.
TYPES: dict[str, tuple[str, str]] = {
    "null": ("null", "空值 null"),
    "boolean": ("a boolean", "布尔值"),
    "number": ("a number", "数字"),
    "string": ("a string", "字符串"),
    "array": ("an array", "数组"),
    "object": ("an object", "对象"),
}

#: Python's ``json`` error messages (the ``json_error`` value) in Chinese; one not
#: listed here (a newer Python's) is shown as Python wrote it.
JSON_ERRORS: dict[str, str] = {
    "Expecting value": "此处应为一个值",
    "Expecting property name enclosed in double quotes": "此处应为用双引号括起的键名",
    "Expecting ':' delimiter": "此处应为冒号 ':'",
    "Expecting ',' delimiter": "此处应为逗号 ','",
    "Unterminated string starting at": "从此处开始的字符串没有结束",
    "Invalid control character at": "无效的控制字符",
    "Invalid \\escape": "无效的转义符 \\",
    "Invalid \\uXXXX escape": "无效的 \\uXXXX 转义",
    "Extra data": "多余的数据",
    "Illegal trailing comma before end of object": "对象结尾前多了一个逗号",
    "Illegal trailing comma before end of array": "数组结尾前多了一个逗号",
}


#: mlx-lm's ``create_dataset`` errors (the ``mlx_error`` value) in Chinese, as mlx-lm 0.32 words them.
MLX_ERRORS: dict[str, str] = {
    "Prompt masking not supported for text dataset.": "text 格式的数据不支持遮盖提示（mask_prompt）。",
    "Unsupported data format, check the supported formats here:\n"
    "https://github.com/ml-explore/mlx-lm/blob/main/mlx_lm/LORA.md#Data.":
        "不支持的数据格式，支持的格式见：\nhttps://github.com/ml-explore/mlx-lm/blob/main/mlx_lm/LORA.md#Data",
}


def _word(name: str, value: Any, lang: str) -> Any:
    """A value that is a word itself (a JSON type, a json or mlx-lm error) in ``lang``; others as they are."""
    if name == "got" and value in TYPES:
        return TYPES[value][lang == "zh"]
    if lang == "zh" and name == "json_error":
        return JSON_ERRORS.get(value, value)
    if name == "container":  # a source's container (sources.Source.container), said as a phrase
        return "" if value == "jsonl" else CONVERT_TEXTS.get(f"container.{value}", ("", ""))[lang == "zh"]
    if lang == "zh" and name == "mlx_error":
        return MLX_ERRORS.get(value, value)
    return value


def text(key: str, lang: str = "en", **values: Any) -> str:
    """The sentence ``key`` (of ``TEXTS`` or of converting's ``convert_messages.TEXTS``) in ``lang`` ("en" or "zh"), filled in."""
    english, chinese = TEXTS[key] if key in TEXTS else CONVERT_TEXTS[key]
    words = {name: _word(name, value, lang) for name, value in values.items()}
    return (chinese if lang == "zh" else english).format(**words)
