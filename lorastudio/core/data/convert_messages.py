"""Converting foreign data in words: what a source is, why a record was rejected, why a source
cannot be read, in English and Chinese.

``formats``, ``readers``, ``hf`` and ``convert`` name a reason by a key of
``TEXTS`` and its values; ``messages.text`` looks keys up here after its own
table (a rejected record may also carry one of the data check's line
problems). Technical names stay as they are in both languages: record keys,
roles, format names (Alpaca, ShareGPT), file names, commands. Pure data, any thread.
"""

from __future__ import annotations

TEXTS: dict[str, tuple[str, str]] = {
    # --- what a source is (convert.Source.describe) -----------------------------------------
    "source.describe": ("{format}, {count:,} records{container}", "{format}，{count:,} 条记录{container}"),
    "source.describe_table": ("{count:,} records{container}", "{count:,} 条记录{container}"),
    "source.unknown_format": ("unknown format", "未知格式"),
    "container.json": (" in a JSON array", "（JSON 数组）"),
    "container.csv": (" in a CSV table", "（CSV 表格）"),
    "container.tsv": (" in a TSV table", "（TSV 表格）"),
    "container.parquet": (" in a Parquet table", "（Parquet 表格）"),
    "container.arrow": (" in an Arrow table", "（Arrow 表格）"),
    "container.folder": (" (a dataset folder)", "（数据集文件夹）"),
    "container.hf": (" (a Hugging Face dataset)", "（Hugging Face 数据集）"),
    # --- one record that cannot be converted (formats.py) -----------------------------------
    "convert.not_object": ("expected an object (a record), got something else", "应为对象（一条记录），实际不是"),
    "convert.not_text": ("{where}: expected text", "{where}：应为文本"),
    "convert.alpaca_no_instruction": ('Alpaca record with an empty "instruction" and "input"',
                                      'Alpaca 记录的 "instruction" 和 "input" 都为空'),
    "convert.alpaca_no_output": ('Alpaca record without an "output": nothing to learn',
                                 'Alpaca 记录没有 "output"：没有可学习的内容'),
    "convert.alpaca_history": ('Alpaca "history" must be a list of [instruction, answer] pairs',
                               'Alpaca 的 "history" 必须是 [指令, 回答] 对的列表'),
    "convert.function_call": ('{where}: a function_call must be JSON with "name" and "arguments"',
                              '{where}：function_call 必须是含 "name" 和 "arguments" 的 JSON'),
    "convert.tools": ('"tools" must be a list of tool definitions (or that list as JSON text)',
                      '"tools" 必须是工具定义的列表（或该列表的 JSON 文本）'),
    "convert.turn_not_object": ("{where}: expected a turn object", "{where}：应为一轮对话的对象"),
    "convert.unknown_speaker": ('{where}: unknown speaker "{speaker}" (known: {known})',
                                '{where}：未知的说话方 "{speaker}"（已知：{known}）'),
    "convert.system_not_first": ("{where}: a system turn is only allowed first", "{where}：system 只能是第一轮"),
    "convert.starts_with": ('{where}: the conversation starts with "{role}"; it must start with the user',
                            '{where}：对话以 "{role}" 开头；必须以 user 开头'),
    "convert.order": ('{where}: "{role}" after "{previous}"; turns must alternate user and assistant',
                      '{where}："{previous}" 之后是 "{role}"；user 和 assistant 必须交替'),
    "convert.ends_with": ('the conversation ends with "{role}", not the assistant (the training target)',
                          '对话以 "{role}" 结尾，而不是 assistant（训练的学习目标）'),
    "convert.no_turns": ("no conversation turns", "没有对话内容"),
    "convert.empty_cell": ('the column mapped to "{role}" is empty', '映射为 "{role}" 的列为空'),
    "convert.other_format": ("not {expected} data (this record: {found}; keys: {keys})",
                             "不是 {expected} 格式的数据（这条记录：{found}；键：{keys}）"),
    "convert.unknown_record": ("no known format (keys: {keys})", "不是已知的格式（键：{keys}）"),
    "convert.other_family": ("a {format} record in {family} data; mlx-lm reads one format per file",
                             "{family} 数据中的一条 {format} 记录；mlx-lm 每个文件只读一种格式"),
    # --- column mappings (--map column=role) ----------------------------------------------
    "convert.map_no_column": ('no column "{column}" (columns: {columns})', '没有 "{column}" 列（现有的列：{columns}）'),
    "convert.map_role": ('column "{column}": unknown role "{role}" (roles: {roles})',
                         '"{column}" 列：未知角色 "{role}"（可用角色：{roles}）'),
    "convert.map_mixed": ("map columns either to prompt/completion or to system/user/assistant, not both",
                          "列要么映射为 prompt/completion，要么映射为 system/user/assistant，不能混用"),
    "convert.map_text": ("a column mapped to text cannot be combined with other roles",
                         "映射为 text 的列不能与其他角色同时使用"),
    "convert.map_incomplete": ("map one column to user and one to assistant (or prompt and completion, or text)",
                               "请把一列映射为 user、一列映射为 assistant（或 prompt 和 completion，或 text）"),
    # --- a whole source (readers.py, hf.py, convert.py) -------------------------------------
    "source.cannot_read": ("{file}: cannot read: {error}", "{file}：无法读取：{error}"),
    "source.missing": ("{path} does not exist", "{path} 不存在"),
    "source.unknown_container": ("{file}: not a file type LoRA Studio reads (JSONL, JSON, CSV, TSV, Parquet, Arrow)",
                                 "{file}：不是 LoRA Studio 能读取的文件类型（JSONL、JSON、CSV、TSV、Parquet、Arrow）"),
    "source.empty_folder": ("{path}: no train.jsonl, valid.jsonl or test.jsonl and no Hugging Face dataset files",
                            "{path}：没有 train.jsonl、valid.jsonl、test.jsonl，也没有 Hugging Face 数据集文件"),
    "source.not_array": ("{file}: expected a JSON array [...] of records", "{file}：应为由记录组成的 JSON 数组 [...]"),
    "source.bad_json": ("{file}:{line}: invalid JSON: {json_error} at column {column}",
                        "{file} 第 {line} 行：JSON 无效（第 {column} 列）：{json_error}"),
    "source.no_header": ("{file}: no header row (the first row names the columns)", "{file}：没有表头（第一行应为列名）"),
    "source.ragged": ("the row has {fields} fields, the header has {columns} columns",
                      "这一行有 {fields} 个字段，表头有 {columns} 列"),
    "source.bad_csv": ("{file}:{line}: not readable as CSV: {error}", "{file} 第 {line} 行：无法按 CSV 读取：{error}"),
    "source.bad_row": ("{where}: {reason}", "{where}：{reason}"),
    "source.bad_table": ("{file}: not a readable table: {error}", "{file}：无法读取的表格：{error}"),
    "source.missing_column": ('no "{column}" column for {format} records (columns: {columns})',
                              '没有 {format} 记录所需的 "{column}" 列（现有的列：{columns}）'),
    "source.needs_map": ("say which column is the user's and which the assistant's, e.g. --map question=user "
                         "--map answer=assistant (columns: {columns})",
                         "请指明哪一列是 user、哪一列是 assistant，例如 --map question=user --map answer=assistant"
                         "（现有的列：{columns}）"),
    "hf.bad_folder": ("{path}: dataset_dict.json cannot be read", "{path}：无法读取 dataset_dict.json"),
    "hf.not_cached": ('the Hugging Face dataset "{name}" is not on this computer (looked in {looked}); LoRA Studio '
                      "does not download datasets: download it where there is internet, e.g. "
                      "`huggingface-cli download --repo-type dataset {name}`, or choose a local file or folder",
                      '本机没有 Hugging Face 数据集 "{name}"（已查找 {looked}）；LoRA Studio 不会下载数据集：'
                      "请在能上网的地方下载，例如 `huggingface-cli download --repo-type dataset {name}`，"
                      "或选择本地的文件或文件夹"),
    "hf.bad_split": ('"{spec}": not a split such as train, train[:80%] or train[-10%:]',
                     '"{spec}"：不是有效的数据划分，例如 train、train[:80%] 或 train[-10%:]'),
    "hf.no_split": ('the dataset "{name}" has no split "{split}" (splits: {splits})',
                    '数据集 "{name}" 没有 "{split}" 划分（现有的划分：{splits}）'),
    "hf.no_path": ('hf_dataset: each entry needs a "path" (the dataset name or folder)',
                   'hf_dataset：每一项都需要 "path"（数据集名称或文件夹）'),
    "convert.bad_split": ('--split "{split}": give the train, valid and test shares, e.g. 0.9,0.05,0.05',
                          '--split "{split}"：请给出训练、验证和测试的比例，例如 0.9,0.05,0.05'),
    "convert.out_not_folder": ("{path} is a file; the output is a folder", "{path} 是一个文件；输出应为文件夹"),
    "convert.would_overwrite": ("the output would overwrite the source {path}; choose another output folder",
                                "输出会覆盖源文件 {path}；请选择另一个输出文件夹"),
    "convert.nothing": ("no record could be converted ({count} rejected; the first: {reason})",
                        "没有任何记录可以转换（{count} 条被拒绝；第一条的原因：{reason}）"),
    "convert.no_train": ("no records left for training after the split", "划分之后没有剩下用于训练的记录"),
}
