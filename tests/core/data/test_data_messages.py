"""The dataset problems in Chinese: the message table, a dataset with every kind of problem, the Data panel."""

import json
import os
import re

import pytest
from PySide6.QtCore import QSettings

from conftest import CJK, placeholders, write_chat_jsonl
from lorastudio.core.data import messages
from lorastudio.core.data.datasets import MAX_PROBLEMS_PER_FILE, Problem, check_dataset
from lorastudio.core.data.stats import dataset_stats
from lorastudio.ui.widgets.problem_list import PROBLEM_ROLE




@pytest.mark.parametrize("key", sorted(messages.TEXTS))
def test_every_message_has_english_and_chinese_with_the_same_placeholders(key):
    english, chinese = messages.TEXTS[key]
    assert english.strip() and chinese.strip()
    assert chinese != english and CJK.search(chinese)
    assert placeholders(english) == placeholders(chinese)


def test_type_and_error_words_have_both_languages():
    assert all(en and CJK.search(zh) for en, zh in messages.TYPES.values())
    assert all(CJK.search(zh) for zh in messages.JSON_ERRORS.values())
    assert all(CJK.search(zh) for zh in messages.MLX_ERRORS.values())
    assert messages.text("value.string", "zh", where='"text"', got="number") == '"text"：应为字符串，实际为数字'
    assert messages.text("value.string", "en", where='"text"', got="number") == '"text": expected a string, got a number'
    # a word this version does not know is shown as it came
    assert messages.text("json.invalid", "zh", json_error="Something new", column=3) == "JSON 无效（第 3 列）：Something new"


def chat(*turns, **extra):
    return {"messages": [{"role": role, "content": content} for role, content in turns], **extra}


OK = chat(("user", "hi"), ("assistant", "hello"))
TOOLS = [{"type": "function", "function": {"name": "f"}}]


def calls(*items):
    return {"role": "assistant", "content": None, "tool_calls": list(items)}


BAD_RECORDS = [
    {"prompt": "p"},  # record.missing_key
    {},  # record.no_keys
    {"foo": 1, "bar": 2},  # record.no_format_key
    {"prompt": "p", "completion": "c", "messages": []},  # record.both_formats (and a mixed format)
    {"text": 5},  # value.string
    {"text": ""},  # text.empty
    {"prompt": "p", "completion": " "},  # completion.empty
    {**OK, "tools": "x"},  # tools.not_array
    {**OK, "tools": [1, {"function": 1}, {"function": {}}, {"type": "x"}]},  # value.object, value.string, tools.shape
    {"messages": [{"role": "user", "content": "q"},
                  calls(1, {"x": 1}, {"function": 2}, {"function": {"arguments": 5}}),
                  {"role": "tool", "content": "r"}, {"role": "assistant", "content": "a"}], "tools": TOOLS},
    {"messages": 3},  # messages.not_array
    {"messages": []},  # messages.empty
    chat(("user", "q"), ("assistant", "a"), ("system", "s"), ("user", "q"), ("assistant", "a")),  # order.system_first
    chat(("assistant", "a")),  # order.first
    chat(("user", "q"), ("tool", "r"), ("assistant", "a")),  # order.tool
    {"messages": [{"role": "user", "content": "q"}, calls({"function": {"name": "f"}}),
                  {"role": "user", "content": "q"}, {"role": "assistant", "content": "a"}], "tools": TOOLS},
    {"messages": [{"role": "user", "content": "q"}, calls({"function": {"name": "f"}}),
                  {"role": "tool", "content": "r"}, {"role": "user", "content": "q"},
                  {"role": "assistant", "content": "a"}], "tools": TOOLS},  # order.after_tool
    chat(("user", "q"), ("user", "q"), ("assistant", "a")),  # order.after
    chat(("user", "q")),  # messages.no_assistant
    chat(("user", "q"), ("assistant", "a"), ("user", "q")),  # messages.last_not_assistant
    {"messages": [1, {"role": "assistant", "content": "a"}]},  # message.not_object
    {"messages": [{"content": "q"}, {"role": "assistant", "content": "a"}]},  # message.missing_key (role)
    {"messages": [{"role": 1, "content": "q"}, {"role": "assistant", "content": "a"}]},  # value.string
    {"messages": [{"role": "robot", "content": "q"}, {"role": "assistant", "content": "a"}]},  # message.unknown_role
    {"messages": [{"role": "user", "content": "q", "tool_calls": []}, {"role": "assistant", "content": "a"}]},
    {"messages": [{"role": "user", "content": "q"}, {"role": "assistant", "content": "a", "tool_calls": "x"}]},
    {"messages": [{"role": "user"}, {"role": "assistant", "content": "a"}]},  # message.missing_key (content)
    {"messages": [{"role": "user", "content": 5}, {"role": "assistant", "content": "a"}]},  # value.string
    chat(("user", ""), ("assistant", "a")),  # message.empty_content
    {"messages": [{"role": "user", "content": "q"}, calls({"function": {"name": "f"}}),
                  {"role": "tool", "content": "r"}, {"role": "assistant", "content": "a"}]},  # tool_calls.no_tools
    {"text": "a text record in a chat file"},  # file.mixed_formats
    {"instruction": "i", "input": "", "output": "o"},  # record.foreign_format (Alpaca)
]

BAD_LINES = [
    b'{"text": "\xff"}',  # line.not_utf8
    b"",  # line.blank
    b'{"text": "a\rb"}',  # line.carriage_return
    b'{"messages": [',  # json.invalid
    b'{"messages": [} ',  # json.invalid, another reason
    b"{} {}",  # json.extra_data
    b"[" * 100_000 + b"]" * 100_000,  # json.too_deep (and line.too_long: over the limit below)
    b"[1, 2]",  # json.not_object
    b'{"text": "\\ud800"}',  # line.surrogate
    b'{"text": "' + b"x" * 300_000 + b'"}',  # line.too_long
]


def write_lines(path, lines):
    path.write_bytes(b"\n".join(lines) + b"\n")
    return path


def many_problems(tmp_path):
    """Every problem a check can find, from a few folders and files made here."""
    folder = tmp_path / "data"
    folder.mkdir()
    good = [json.dumps(OK).encode()] * 40
    records = [json.dumps(r, ensure_ascii=False).encode() for r in BAD_RECORDS]
    write_lines(folder / "train.jsonl", [b"\xef\xbb\xbf" + good[0], *good[1:], *records, *BAD_LINES])  # line.bom
    write_lines(folder / "valid.jsonl", [json.dumps({"prompt": "p", "completion": "c"}).encode()])  # folder.format_differs
    (folder / "test.jsonl").write_bytes(b"")  # file.empty
    reports = [check_dataset(folder, max_line_bytes=250_000)]
    reports.append(check_dataset(write_lines(tmp_path / "broken.jsonl", [b"{", b"[]"])))  # file.no_usable
    reports.append(check_dataset(write_lines(tmp_path / "many.jsonl", [b"{"] * (MAX_PROBLEMS_PER_FILE + 5))))
    empty = tmp_path / "empty"
    empty.mkdir()
    reports.append(check_dataset(empty))  # folder.no_train
    other = tmp_path / "other"
    other.mkdir()
    write_chat_jsonl(other / "data.jsonl", 3)
    reports.append(check_dataset(other))  # folder.no_train_found
    train_only = tmp_path / "train-only"
    train_only.mkdir()
    write_chat_jsonl(train_only / "train.jsonl", 3)
    reports.append(check_dataset(train_only))  # folder.no_valid
    reports.append(check_dataset(tmp_path / "nowhere"))  # path.missing
    os.mkfifo(tmp_path / "pipe")
    reports.append(check_dataset(tmp_path / "pipe"))  # path.not_file
    single = write_chat_jsonl(tmp_path / "single.jsonl", 5)
    reports.append(check_dataset(single, valid_fraction=0.9, test_fraction=0.5))  # split.fractions
    reports.append(check_dataset(single, valid_fraction=0.0))  # split.no_valid_zero
    reports.append(check_dataset(write_chat_jsonl(tmp_path / "one.jsonl", 1)))  # split.no_valid_one
    (tmp_path / "table.csv").write_text("question,answer\nq,a\n", encoding="utf-8")
    reports.append(check_dataset(tmp_path / "table.csv"))  # file.foreign
    return [p for report in reports for p in report.problems]


class FussyTokenizer:
    """Just enough of a tokenizer for mlx-lm's datasets: refuses, or gives nothing for, some answers."""

    eos_token_id = 0

    def encode(self, text):
        return [5, 6]

    def apply_chat_template(self, messages, tools=None, **_):
        answer = messages[-1]["content"]
        if answer == "refuse":
            raise TypeError("can only concatenate str (not \"int\") to str")
        if answer == "nothing":
            return []
        if answer == "broken":
            raise ValueError("Cannot use chat template functions because tokenizer.chat_template is not set")
        return [1, 2, 3]


def stats_problems():
    """The problems of counting tokens: rejected examples, too many of them, a broken template, mlx-lm's refusal."""
    fussy = FussyTokenizer()
    rejected = [chat(("user", "q"), ("assistant", "refuse"))] * (MAX_PROBLEMS_PER_FILE + 2)
    splits = {"train": [OK, chat(("user", "q"), ("assistant", "nothing")), *rejected],
              "valid": [chat(("user", "q"), ("assistant", "broken"))],
              "test": [{"text": "t"}]}
    problems = list(dataset_stats(splits, fussy).problems)
    problems += dataset_stats({"train": [{"text": "t"}]}, fussy, mask_prompt=True).problems  # stats.dataset_error
    return problems


def untranslated(problem: Problem, chinese: str) -> list[str]:
    """English words left in the Chinese sentence, once values, quoted names and technical terms are out."""
    rest = chinese
    for _, value in problem.values:
        if isinstance(value, str) and value not in messages.JSON_ERRORS and value not in messages.MLX_ERRORS:
            rest = rest.replace(value, " ")
    rest = re.sub(r'"[^"]*"|\{[^}]*\}', " ", rest)
    # Technical names kept as they are: JSON, UTF-8, mlx-lm, option and key names, roles.
    return re.findall(r"[A-Za-z]{3,}(?:\s+[A-Za-z]{3,})+", rest)


def test_every_problem_of_a_bad_dataset_reads_in_chinese(tmp_path):
    problems = many_problems(tmp_path) + stats_problems()
    made = {p.key for p in problems}
    problem_keys = {key for key in messages.TEXTS if not key.startswith(("summary.", "split."))}  # pieces of a summary
    unmade = problem_keys - made - {"file.cannot_read"}  # an unreadable file: not with root's rights
    assert unmade == set()
    for problem in problems + [Problem.of("train.jsonl", None, "file.cannot_read", error="Permission denied")]:
        chinese = problem.text("zh")
        assert problem.text("en") == problem.message and problem.text() == problem.message
        assert CJK.search(chinese), (problem.key, chinese)
        assert chinese != problem.message
        assert untranslated(problem, chinese) == [], (problem.key, chinese)
        # what the command line prints stays English
        assert not CJK.search(str(problem))


def test_english_messages_and_str_are_as_before(tmp_path):
    problems = {p.key: p for p in many_problems(tmp_path)}
    assert problems["order.after"].message == 'messages[1].role: expected "assistant" after "user", got "user"'
    assert problems["json.not_object"].message == "expected a JSON object {...}, got an array"
    assert problems["tool_call.no_function"].message == \
        'messages[1].tool_calls[1].function: expected an object with "name" and "arguments", got nothing'
    assert problems["record.no_keys"].message == 'no "messages", "prompt"/"completion" or "text" key (found keys: none)'
    assert problems["line.too_long"].message == "line is 300,012 bytes, over the 250,000-byte limit (max_line_bytes)"
    hidden = problems["file.more_problems"]
    assert str(hidden) == "many.jsonl: ... and 6 more problems not shown (6 errors)"
    assert hidden.text("zh") == "……另有 6 个问题未列出（其中 6 个错误）"
    # made with a message alone, a problem has no other language
    plain = Problem("a.jsonl", 3, "empty", "warning")
    assert plain.text("zh") == "empty" and str(plain) == "a.jsonl:3: warning: empty"
    assert hash(problems["order.after"])  # still a value


@pytest.fixture
def chinese():
    from lorastudio.ui.i18n import install_language

    install_language("zh_CN")
    yield
    install_language("en")  # translators are global: the next test gets English again


def test_data_panel_in_chinese_shows_the_problems_in_chinese(qtbot, tmp_path, tiny_config, chinese):
    from lorastudio.ui.panels.data_panel import DataPanel
    from lorastudio.ui.settings import Settings
    from lorastudio.ui.state import AppState
    from lorastudio.ui.theme import Theme

    path = write_chat_jsonl(tmp_path / "bad.jsonl", 12)
    lines = path.read_text(encoding="utf-8").splitlines()
    lines[2] = '{"messages": [{"role": "user", "content": "broken"}'
    lines[5] = json.dumps(chat(("user", "q"), ("user", "q"), ("assistant", "a")))
    lines[8] = json.dumps({"messages": [{"role": "robot", "content": "x"}, {"role": "assistant", "content": "y"}]})
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    settings = Settings(QSettings(str(tmp_path / "s.ini"), QSettings.Format.IniFormat))
    panel = DataPanel(AppState(tiny_config.replace(data=str(path)), tmp_path / "runs"), Theme("light"), settings)
    qtbot.addWidget(panel)
    panel.resize(1010, 700)
    panel.show()
    jobs = (panel.checker, panel.tokenizer_job, panel.stats_job, panel.preview_job)
    qtbot.waitUntil(lambda: panel.report is not None and not any(job.running for job in jobs)
                    and not panel._refresh_timer.isActive(), timeout=30_000)
    assert panel.problems_tab.list.topLevelItemCount() == 3
    listed = panel.problems_tab.list
    shown = [listed.topLevelItem(i).text(2) for i in range(3)]
    assert shown == [listed.topLevelItem(i).data(0, PROBLEM_ROLE).text("zh") for i in range(3)]
    assert shown[0].startswith("JSON 无效")
    assert shown[1] == 'messages[1].role："user" 之后应为 "assistant"，实际为 "user"'
    assert shown[2].startswith('messages[0].role：未知角色 "robot"')
    assert all(listed.topLevelItem(i).toolTip(2) == shown[i] for i in range(3))
    listed.select_index(1)
    qtbot.waitUntil(lambda: shown[1] in panel.problems_tab.where.text(), timeout=10_000)
    assert "第 6 行" in panel.problems_tab.where.text()


def test_a_dataset_error_says_itself_in_chinese(tmp_path):
    from lorastudio.core.data.datasets import DatasetError, check_dataset

    bad = tmp_path / "bad.jsonl"
    bad.write_text('{oops\n{"messages": [{"role": "user", "content": "hi"}]}\n')
    report = check_dataset(bad)
    try:
        report.raise_if_errors()
    except DatasetError as error:
        english, chinese = str(error), error.text("zh")
    assert english.startswith(f"{bad}: unknown format, train 0, valid 0, test 0 examples; 3 errors, 0 warnings")
    assert "  bad.jsonl:1: invalid JSON" in english
    assert chinese.startswith(f"{bad}：未知格式，样本：训练 0 条、验证 0 条、测试 0 条；3 个错误，0 个警告")
    assert "  bad.jsonl 第 1 行：JSON 无效" in chinese
    assert not re.findall(r"[A-Za-z]{3,}(?:\s+[A-Za-z]{3,})+", re.sub(r'"[^"]*"', " ", chinese.replace(str(bad), "")))
