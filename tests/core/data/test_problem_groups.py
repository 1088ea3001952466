"""The same problem on many lines said once, with its line ranges and count (lorastudio.core.data.groups);
foreign data named with the command that converts it; every faulty line still found."""

from __future__ import annotations

import json

import foreign_data as fd
from lorastudio.core.data.datasets import MAX_PROBLEMS_PER_FILE, check_dataset
from lorastudio.core.data.groups import Grouper

CHAT = {"messages": [{"role": "user", "content": "q"}, {"role": "assistant", "content": "a"}]}


def write(path, records):
    path.write_text("".join((r if isinstance(r, str) else json.dumps(r)) + "\n" for r in records), encoding="utf-8")
    return path


def test_one_problem_on_many_lines_is_one_entry_with_its_ranges(tmp_path):
    odd = {"input": "x"}
    path = write(tmp_path / "train.jsonl", [odd] * 12 + [CHAT, CHAT, odd] + [CHAT] * 5)
    report = check_dataset(path)
    assert [p.line for p in report.errors] == [*range(1, 13), 15]  # each faulty line still found
    (group,) = report.grouped("error")
    assert group.count == 13 and group.lines == [*range(1, 13), 15]
    assert str(group) == ('train.jsonl: lines 1-12, 15: no "messages", "prompt"/"completion" or "text" key '
                          '(found keys: "input") (13 records)')
    assert group.located("zh") == ('train.jsonl 第 1-12, 15 行：没有 "messages"、"prompt"/"completion" 或 "text" 键'
                                   '（找到的键："input"）（13 条记录）')
    assert report.summary().splitlines()[1] == "  " + str(group)


def test_different_problems_stay_apart_and_a_single_line_reads_as_before(tmp_path):
    path = write(tmp_path / "train.jsonl", [CHAT, "{", {"text": ""}, "{", CHAT])
    report = check_dataset(path)
    shown = [str(g) for g in report.grouped()]
    assert shown[0] == "train.jsonl: lines 2, 4: invalid JSON: Expecting property name enclosed in double quotes " \
                       "at column 2 (2 records)"
    assert shown[1] == str(report.problems[1]) == 'train.jsonl:3: "text": empty text'


def test_groups_keep_every_line_past_the_cap(tmp_path):
    lines = ["{"] * (MAX_PROBLEMS_PER_FILE + 100) + [CHAT] + ["{"] * 3
    report = check_dataset(write(tmp_path / "many.jsonl", lines))
    # the stored problems stay capped; one example: no validation split
    assert [p.key for p in report.problems[MAX_PROBLEMS_PER_FILE:]] == ["file.more_problems", "split.no_valid_one"]
    groups = report.grouped("error")
    json_group = groups[0]
    assert json_group.count == MAX_PROBLEMS_PER_FILE + 103
    assert json_group.ranges == [[1, MAX_PROBLEMS_PER_FILE + 100], [MAX_PROBLEMS_PER_FILE + 102, MAX_PROBLEMS_PER_FILE + 104]]
    assert "(303 records)" in str(json_group)


def test_many_ranges_are_cut_with_a_count():
    grouper = Grouper()
    for line in range(1, 40, 2):  # 20 separate lines
        grouper.add("a.jsonl", line, "file.no_usable", "error", {})
    (group,) = grouper.groups()
    assert str(group) == ("a.jsonl: lines 1, 3, 5, 7, 9, 11, 13, 15, ... (12 more lines): "
                          "no usable examples in the file (20 records)")
    assert "（另有 12 行）" in group.located("zh")


def test_alpaca_lines_name_the_format_and_the_command(tmp_path):
    path = fd.write_jsonl(tmp_path / "alpaca.jsonl", fd.alpaca_records(1204))
    report = check_dataset(path)
    assert report.error_count == 1205 and len(report.problems) == MAX_PROBLEMS_PER_FILE + 1
    group = report.grouped("error")[0]
    command = f"lorastudio data convert {path} {tmp_path / 'alpaca-mlx'}"
    assert str(group) == f"alpaca.jsonl: lines 1-1204: Alpaca data, not a format mlx-lm reads; convert the file " \
                         f"with: {command} (1,204 records)"
    assert command in group.located("zh") and "Alpaca 格式" in group.located("zh")


def test_sharegpt_lines_among_chat_lines_are_named(tmp_path):
    path = write(tmp_path / "train.jsonl", [CHAT] * 5 + fd.sharegpt_records(2))
    report = check_dataset(path)
    assert [p.line for p in report.errors] == [6, 7]
    assert all(p.key == "record.foreign_format" and "ShareGPT data" in p.message for p in report.errors)
    assert len(report.splits["train"]) + len(report.splits["valid"]) == 5


def test_files_in_other_containers_are_one_problem_naming_the_command(tmp_path, monkeypatch):
    cases = {
        fd.csv_file(tmp_path): "13 records in a CSV table (question→user, answer→assistant), not mlx-lm's JSONL",
        fd.parquet_file(tmp_path): "12 records in a Parquet table (Alpaca), not mlx-lm's JSONL",
        fd.sharegpt_file(tmp_path): "13 records in a JSON array (ShareGPT), not mlx-lm's JSONL",
        fd.saved_dataset_dict(tmp_path): "15 records (a Hugging Face dataset) (Alpaca), not mlx-lm's JSONL",
    }
    for path, expected in cases.items():
        report = check_dataset(path)
        assert not report.ok and len(report.problems) == 1, report.summary()
        problem = report.problems[0]
        assert problem.key == "file.foreign" and problem.message.startswith(expected), problem.message
        assert problem.message.endswith(f"convert it with: lorastudio data convert {path} {tmp_path}/"
                                        f"{path.stem if path.is_file() else path.name}-mlx")
    array = tmp_path / "array.jsonl"  # a .jsonl file that is really one JSON array
    array.write_text(json.dumps([CHAT, CHAT]), encoding="utf-8")
    assert check_dataset(array).problems[0].key == "file.foreign"
    not_array = write(tmp_path / "lines.jsonl", ["[1, 2]", CHAT])  # a JSONL file whose first line is wrong
    assert check_dataset(not_array).problems[0].key == "json.not_object"
