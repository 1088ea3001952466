"""Dataset loading, line-by-line checks, splitting and writing (lorastudio.core.data.datasets)."""

from __future__ import annotations

import json
from pathlib import Path
from types import SimpleNamespace

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from lorastudio.core.data.datasets import (
    MAX_PROBLEMS_PER_FILE,
    DataKeys,
    DatasetError,
    DatasetReport,
    Problem,
    check_dataset,
    split_records,
    to_mlx_dataset,
    write_split,
)


def chat(*turns: str, system: str | None = None) -> dict:
    """A chat record alternating user/assistant over ``turns``."""
    messages = [{"role": "system", "content": system}] if system is not None else []
    roles = ("user", "assistant")
    messages += [{"role": roles[i % 2], "content": t} for i, t in enumerate(turns)]
    return {"messages": messages}


def msgs(*pairs) -> dict:
    return {"messages": [{"role": r, "content": c} for r, c in pairs]}


def line(item) -> bytes:
    if isinstance(item, bytes):
        return item
    if isinstance(item, str):
        return item.encode("utf-8")
    return json.dumps(item).encode("utf-8")


def write(path: Path, items, end: bytes = b"\n") -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(b"".join(line(i) + end for i in items))
    return path


def folder(tmp_path: Path, train, valid=None, test=None) -> Path:
    root = tmp_path / "data"
    write(root / "train.jsonl", train)
    if valid is not None:
        write(root / "valid.jsonl", valid)
    if test is not None:
        write(root / "test.jsonl", test)
    return root


def lines_of(report: DatasetReport, severity: str = "error") -> list[int | None]:
    return [p.line for p in report.problems if p.severity == severity]


GOOD = [chat("What is the capital of France?", "Paris."), chat("Hi", "Hello!", "Bye", "Goodbye.", system="Be nice.")]
TOOLS = {
    "messages": [
        {"role": "user", "content": "Weather in Paris?"},
        {"role": "assistant", "tool_calls": [{"id": "c1", "type": "function",
                                              "function": {"name": "weather", "arguments": "{\"city\": \"Paris\"}"}}]},
        {"role": "tool", "content": "18C"},
        {"role": "assistant", "content": "18 degrees."},
    ],
    "tools": [{"type": "function", "function": {"name": "weather", "parameters": {"type": "object"}}}],
}


# --- good data ------------------------------------------------------------------------------------


def test_good_folder(tmp_path):
    root = folder(tmp_path, GOOD * 3, GOOD, [GOOD[0]])
    report = check_dataset(root)
    assert report.ok and report.problems == [] and report.errors == []
    assert report.format == "chat"
    assert {k: len(v) for k, v in report.splits.items()} == {"train": 6, "valid": 2, "test": 1}
    assert report.splits["train"][0] == GOOD[0]
    assert report.line_numbers["train"] == [1, 2, 3, 4, 5, 6]
    assert report.files == {n: str(root / f"{n}.jsonl") for n in ("train", "valid", "test")}
    assert not report.single_file


def test_missing_valid_is_a_warning(tmp_path):
    report = check_dataset(folder(tmp_path, GOOD))
    assert report.ok
    assert [p.message for p in report.warnings] == ["no valid.jsonl: training runs without validation loss"]


@pytest.mark.parametrize(
    "record, fmt",
    [
        (GOOD[0], "chat"),
        (TOOLS, "tools"),
        ({"prompt": "Capital of France?", "completion": "Paris."}, "completions"),
        ({"text": "Some text."}, "text"),
        # the documented mlx-lm tools example: ends on the tool call itself
        ({"messages": TOOLS["messages"][:2], "tools": TOOLS["tools"]}, "tools"),
    ],
)
def test_formats(tmp_path, record, fmt):
    report = check_dataset(folder(tmp_path, [record, record], [record]))
    assert report.ok, report.summary()
    assert report.format == fmt
    assert report.splits["train"] == [record, record]


def test_key_overrides(tmp_path):
    keys = DataKeys(chat="conversation", prompt="input", completion="output", text="body")
    root = folder(tmp_path, [{"input": "a", "output": "b"}], [{"input": "c", "output": "d"}])
    assert check_dataset(root, keys=keys).format == "completions"
    assert check_dataset(root, keys=keys).ok
    # with the default keys the same file has no known format
    default = check_dataset(root)
    assert not default.ok
    assert 'no "messages", "prompt"/"completion" or "text" key (found keys: "input", "output")' in str(default.errors[0])
    root2 = folder(tmp_path / "b", [{"conversation": GOOD[0]["messages"]}, {"body": "x"}])
    report = check_dataset(root2, keys=keys)
    assert report.format == "chat"
    assert lines_of(report) == [2]  # one chat, one text: a tie goes to the first line's format


def test_crlf_line_endings_are_fine(tmp_path):
    root = tmp_path / "d"
    write(root / "train.jsonl", GOOD, end=b"\r\n")
    write(root / "valid.jsonl", GOOD, end=b"\r\n")
    report = check_dataset(root)
    assert report.ok, report.summary()
    assert len(report.splits["train"]) == 2


def test_last_line_without_newline(tmp_path):
    root = tmp_path / "d"
    root.mkdir()
    (root / "train.jsonl").write_bytes(line(GOOD[0]) + b"\n" + line(GOOD[1]))
    report = check_dataset(root)
    assert len(report.splits["train"]) == 2 and report.errors == []


# --- one rule, one test ------------------------------------------------------------------------------


def only_error(tmp_path, items, **kwargs) -> Problem:
    report = check_dataset(folder(tmp_path, items, GOOD), **kwargs)
    assert len(report.errors) == 1, report.summary()
    return report.errors[0]


def test_invalid_json(tmp_path):
    p = only_error(tmp_path, [GOOD[0], '{"messages": [}', GOOD[1]])
    assert (p.file, p.line) == ("train.jsonl", 2)
    assert p.message.startswith("invalid JSON: ") and "column 15" in p.message


def test_two_objects_on_a_line(tmp_path):
    p = only_error(tmp_path, [GOOD[1], json.dumps(GOOD[0]) + " " + json.dumps(GOOD[1])])
    assert p.line == 2 and "Extra data" in p.message and "one example per line" in p.message


@pytest.mark.parametrize("value, kind", [("[1, 2]", "an array"), ('"text"', "a string"), ("42", "a number"),
                                         ("null", "null"), ("true", "a boolean")])
def test_line_not_an_object(tmp_path, value, kind):
    p = only_error(tmp_path, [GOOD[0], value])
    assert p.line == 2 and p.message == f"expected a JSON object {{...}}, got {kind}"


@pytest.mark.parametrize(
    "record, message",
    [
        ({"messages": "hello"}, '"messages": expected an array of messages, got a string'),
        ({"messages": {"role": "user"}}, '"messages": expected an array of messages, got an object'),
        ({"messages": []}, '"messages": the conversation is empty'),
        ({"messages": ["hi", {"role": "assistant", "content": "x"}]},
         'messages[0]: expected an object with "role" and "content", got a string'),
        (msgs((1, "x"), ("assistant", "y")), "messages[0].role: expected a string, got a number"),
        (msgs(("user", 5), ("assistant", "y")), "messages[0].content: expected a string, got a number"),
        (msgs(("user", "x"), ("assistant", ["a"])), "messages[1].content: expected a string, got an array"),
        ({"prompt": 1, "completion": "x"}, '"prompt": expected a string, got a number'),
        ({"prompt": "x", "completion": None}, '"completion": expected a string, got null'),
        ({"text": {"a": 1}}, '"text": expected a string, got an object'),
        ({**GOOD[0], "tools": "weather"}, '"tools": expected an array of tool definitions, got a string'),
        ({**GOOD[0], "tools": [3]}, "tools[0]: expected an object, got a number"),
        ({**GOOD[0], "tools": [{"type": "function", "function": {"name": 3}}]},
         "tools[0].function.name: expected a string, got a number"),
        ({"messages": [{"role": "user", "content": "x"}, {"role": "assistant", "tool_calls": "f()"}]},
         'messages[1].tool_calls: expected an array, got a string'),
        ({"messages": [{"role": "user", "content": "x"},
                       {"role": "assistant", "tool_calls": [{"function": {"name": "f", "arguments": 3}}]}],
          "tools": TOOLS["tools"]},
         "messages[1].tool_calls[0].function.arguments: expected a string or an object, got a number"),
        ({"messages": [{"role": "user", "content": "x"},
                       {"role": "assistant", "tool_calls": [{"name": "f"}]}], "tools": TOOLS["tools"]},
         'messages[1].tool_calls[0].function: expected an object with "name" and "arguments", got nothing'),
        ({"messages": [{"role": "user", "content": "x", "tool_calls": [{"function": {"name": "f"}}]},
                       {"role": "assistant", "content": "y"}]},
         'messages[0].tool_calls: only assistant messages carry tool_calls, this one is "user"'),
    ],
)
def test_wrong_types(tmp_path, record, message):
    p = only_error(tmp_path, [GOOD[0], record])
    assert p.line == 2
    assert p.message == message


@pytest.mark.parametrize(
    "record, message",
    [
        ({"input": "x"}, 'no "messages", "prompt"/"completion" or "text" key (found keys: "input")'),
        ({}, 'no "messages", "prompt"/"completion" or "text" key (found keys: none)'),
        ({"prompt": "x"}, 'missing key "completion" (the record has "prompt")'),
        ({"completion": "x"}, 'missing key "prompt" (the record has "completion")'),
        ({"messages": [{"content": "x"}, {"role": "assistant", "content": "y"}]}, 'messages[0]: missing key "role"'),
        ({"messages": [{"role": "user"}, {"role": "assistant", "content": "y"}]}, 'messages[0]: missing key "content"'),
        ({"messages": [{"role": "user", "content": "x"}, {"role": "assistant"}]}, 'messages[1]: missing key "content"'),
        ({"text": ""}, '"text": empty text'),
    ],
)
def test_missing_keys(tmp_path, record, message):
    p = only_error(tmp_path, [GOOD[0], record])
    assert (p.line, p.message) == (2, message)


@pytest.mark.parametrize(
    "record, message",
    [
        (msgs(("user", "a"), ("robot", "b"), ("assistant", "c")),
         'messages[1].role: unknown role "robot" (expected system, user, assistant or tool)'),
        (msgs(("user", "a"), ("system", "s"), ("assistant", "b")),
         'messages[1].role: a "system" message is only allowed first'),
        (msgs(("user", "a"), ("assistant", "b"), ("assistant", "c")),
         'messages[2].role: expected "user" after "assistant", got "assistant"'),
        (msgs(("system", "s"), ("assistant", "b")), 'messages[1].role: expected "user" after "system", got "assistant"'),
        (msgs(("assistant", "b"), ("user", "a"), ("assistant", "c")),
         'messages[0].role: expected "system" or "user" first, got "assistant"'),
        (msgs(("user", "a"), ("tool", "r"), ("assistant", "c")),
         'messages[1].role: a "tool" message must follow an assistant message with tool_calls or another tool message'),
        ({"messages": TOOLS["messages"][:2] + [{"role": "user", "content": "?"},
                                              {"role": "assistant", "content": "x"}], "tools": TOOLS["tools"]},
         'messages[2].role: expected "tool" after an assistant message with tool_calls, got "user"'),
        ({"messages": TOOLS["messages"][:3] + [{"role": "user", "content": "?"},
                                              {"role": "assistant", "content": "x"}], "tools": TOOLS["tools"]},
         'messages[3].role: expected "tool" or "assistant" after "tool", got "user"'),
        (msgs(("system", "s"), ("user", "a")), '"messages": no assistant message; training needs one as the target'),
        (msgs(("user", "a"), ("assistant", "b"), ("user", "c")),
         'messages[2].role: the last message must be from the assistant (the training target), got "user"'),
    ],
)
def test_role_order(tmp_path, record, message):
    p = only_error(tmp_path, [GOOD[0], GOOD[1], record])
    assert (p.line, p.message) == (3, message)


def test_problem_str_matches_the_issue():
    p = Problem("train.jsonl", 12, 'messages[2].role: expected "assistant" after "user", got "user"', "error")
    assert str(p) == 'train.jsonl:12: messages[2].role: expected "assistant" after "user", got "user"'
    assert str(Problem("valid.jsonl", None, "the file is empty (no examples)")) == \
        "valid.jsonl: the file is empty (no examples)"
    assert str(Problem("a.jsonl", 3, "empty", "warning")) == "a.jsonl:3: warning: empty"


def test_user_user_gives_the_issue_message(tmp_path):
    record = msgs(("system", "s"), ("user", "a"), ("user", "b"), ("assistant", "c"))
    lines = [GOOD[0]] * 11 + [record]
    p = only_error(tmp_path, lines)
    assert str(p) == 'train.jsonl:12: messages[2].role: expected "assistant" after "user", got "user"'


def test_empty_file(tmp_path):
    root = tmp_path / "d"
    root.mkdir()
    (root / "train.jsonl").write_bytes(b"")
    report = check_dataset(root)
    assert [str(p) for p in report.errors] == ["train.jsonl: the file is empty (no examples)"]
    assert not report.ok


def test_empty_valid_file_is_an_error(tmp_path):
    # mlx-lm calls create_dataset on an empty list and fails with an IndexError
    root = folder(tmp_path, GOOD)
    (root / "valid.jsonl").write_bytes(b"")
    report = check_dataset(root)
    assert [str(p) for p in report.errors] == ["valid.jsonl: the file is empty (no examples)"]


def test_blank_lines_in_a_folder(tmp_path):
    report = check_dataset(folder(tmp_path, [GOOD[0], "", GOOD[1], "   \t", GOOD[0], ""], GOOD))
    assert lines_of(report) == [2, 4, 6]
    assert all("blank line" in p.message for p in report.errors)
    assert len(report.splits["train"]) == 3


def test_blank_lines_in_a_single_file_are_warnings(tmp_path):
    # a single file is rewritten by write_split, which drops them
    path = write(tmp_path / "all.jsonl", [GOOD[0], "", GOOD[1], ""])
    report = check_dataset(path)
    assert report.ok
    assert lines_of(report, "warning")[:2] == [2, 4]


def test_only_blank_lines(tmp_path):
    report = check_dataset(folder(tmp_path, ["", ""], GOOD))
    assert [str(p) for p in report.errors] == [
        "train.jsonl:1: blank line (remove it: mlx-lm cannot read it)",
        "train.jsonl:2: blank line (remove it: mlx-lm cannot read it)",
        "train.jsonl: no usable examples in the file",
    ]


def test_invalid_utf8_names_line_and_byte(tmp_path):
    good = line(GOOD[0])
    bad = b'{"text": "caf\xe9 ok"}'  # latin-1 e-acute
    report = check_dataset(folder(tmp_path, [good, good, bad, b'{"text": "\xff"}'], [{"text": "x"}]))
    assert lines_of(report)[:2] == [3, 4]
    first = report.errors[0]
    assert first.message == (f"not valid UTF-8: byte 0xe9 at byte 13 of the line "
                             f"(byte {2 * (len(good) + 1) + 13} of the file)")
    assert "byte 0xff at byte 10 of the line" in report.errors[1].message


def test_utf8_bom(tmp_path):
    root = tmp_path / "d"
    write(root / "train.jsonl", [b"\xef\xbb\xbf" + line(GOOD[0]), GOOD[1]])
    report = check_dataset(root)
    assert lines_of(report) == [1]
    assert "byte order mark" in report.errors[0].message
    assert len(report.splits["train"]) == 2  # the record itself is fine
    single = check_dataset(root / "train.jsonl")
    assert single.ok and "byte order mark" in single.warnings[0].message


def test_stray_carriage_return(tmp_path):
    p = only_error(tmp_path, [GOOD[0], b'{"text":\r "x"}'])
    assert p.line == 2 and "carriage return" in p.message


def test_lone_surrogate_escape(tmp_path):
    p = only_error(tmp_path, [GOOD[0], b'{"text": "a\\ud800b"}'])
    assert p.line == 2 and "surrogate" in p.message


def test_oversized_line(tmp_path):
    big = {"text": "x" * 5000}
    report = check_dataset(folder(tmp_path, [GOOD[0], big, GOOD[1], big, {"messages": 1}], GOOD), max_line_bytes=1000)
    assert lines_of(report) == [2, 4, 5]  # line counting goes on after a skipped long line
    size = len(line(big))
    assert report.errors[0].message == f"line is {size:,} bytes, over the 1,000-byte limit (max_line_bytes)"
    assert len(report.splits["train"]) == 2
    assert check_dataset(folder(tmp_path / "b", [big], GOOD)).ok  # the default limit is 1 MB


def test_line_exactly_at_the_limit(tmp_path):
    record = line({"text": "y" * 100})
    short = [{"text": "z"}]
    assert check_dataset(folder(tmp_path, [record], short), max_line_bytes=len(record)).ok
    assert not check_dataset(folder(tmp_path / "b", [record], short), max_line_bytes=len(record) - 1).ok
    # no newline at the end of the file, longer than the read buffer
    root = tmp_path / "c"
    root.mkdir()
    (root / "train.jsonl").write_bytes(line(GOOD[0]) + b"\n" + record + b"zzzz")
    report = check_dataset(root, max_line_bytes=10)
    assert lines_of(report) == [1, 2, None]


def test_mixed_formats_names_the_minority_lines(tmp_path):
    items = [{"text": "odd one"}, GOOD[0], GOOD[1], {"prompt": "p", "completion": "c"}, TOOLS, GOOD[0]]
    report = check_dataset(folder(tmp_path, items, GOOD))
    assert lines_of(report) == [1, 4]
    assert report.errors[0].message.startswith('a "text" record in a file of "chat" records (4 of the 6 valid')
    assert report.errors[1].message.startswith('a "completions" record in a file of "chat" records')
    assert report.format == "tools"  # chat with and without tools share mlx-lm's ChatDataset
    assert report.line_numbers["train"] == [2, 3, 5, 6]


def test_mixed_formats_tie_goes_to_the_first(tmp_path):
    report = check_dataset(folder(tmp_path, [{"text": "a"}, GOOD[0]], GOOD))
    assert report.format == "text" and lines_of(report) == [2]


def test_valid_split_in_another_format_is_a_warning(tmp_path):
    report = check_dataset(folder(tmp_path, GOOD, [{"text": "x"}]))
    assert report.ok
    assert report.warnings[0].message == '"text" records, but train.jsonl has "chat" records'


def test_all_problems_are_collected_with_their_lines(tmp_path):
    items = [GOOD[0], "{", GOOD[1], {"messages": []}, b"\xc3(", GOOD[0], "[]", msgs(("user", "x")), "", GOOD[1]]
    report = check_dataset(folder(tmp_path, items, ["nope"]))
    assert lines_of(report) == [2, 4, 5, 7, 8, 9, 1, None]
    assert [p.file for p in report.errors] == ["train.jsonl"] * 6 + ["valid.jsonl"] * 2
    assert report.error_count == 8 and not report.ok
    assert report.line_numbers["train"] == [1, 3, 6, 10]


def test_problems_are_capped_per_file(tmp_path):
    report = check_dataset(folder(tmp_path, ["{"] * 250 + [GOOD[0]], GOOD))
    train = [p for p in report.problems if p.file == "train.jsonl"]
    assert len(train) == MAX_PROBLEMS_PER_FILE + 1
    assert [p.line for p in train[:3]] == [1, 2, 3]
    assert str(train[-1]) == "train.jsonl: ... and 50 more problems not shown (50 errors)"
    assert report.error_count == 250 and not report.ok
    assert len(report.splits["train"]) == 1


def test_warnings_do_not_fail(tmp_path):
    record = {"messages": [{"role": "user", "content": "x"}, {"role": "assistant", "content": " "}]}
    report = check_dataset(folder(tmp_path, [record], GOOD))
    assert report.ok and report.warnings[0].message == "messages[1].content: empty assistant message"
    assert report.splits["train"] == [record]


@pytest.mark.parametrize(
    "record, message",
    [
        ({"prompt": "p", "completion": " "}, '"completion": empty completion, nothing to learn'),
        ({**GOOD[0], "prompt": "p", "completion": "c"},
         'has both "messages" and "prompt"/"completion"; mlx-lm uses "prompt"/"completion" and ignores "messages"'),
        ({"messages": TOOLS["messages"]}, 'messages[1].tool_calls: the record has no "tools" list defining the called tools'),
        (msgs(("user", ""), ("assistant", "x")), "messages[0].content: empty user message"),
    ],
)
def test_warnings(tmp_path, record, message):
    report = check_dataset(folder(tmp_path, [record], [record]))
    assert report.ok
    assert [(p.line, p.message) for p in report.warnings if p.file == "train.jsonl"] == [(1, message)]


def test_not_a_regular_file(tmp_path):
    import os

    fifo = tmp_path / "pipe.jsonl"
    os.mkfifo(fifo)
    report = check_dataset(fifo)  # must not block on the pipe
    assert [p.message for p in report.errors] == ["is not a regular file"]


def test_missing_path(tmp_path):
    report = check_dataset(tmp_path / "nowhere")
    assert not report.ok and report.errors[0].message == "does not exist"
    assert report.splits == {"train": [], "valid": [], "test": []}


def test_folder_without_train(tmp_path):
    root = tmp_path / "d"
    write(root / "training.jsonl", GOOD)
    write(root / "valid.jsonl", GOOD)
    report = check_dataset(root)
    assert not report.ok
    assert report.errors[0].message == "no train.jsonl in the folder (found: training.jsonl, valid.jsonl)"
    assert check_dataset(tmp_path / "d" / "valid.jsonl").ok  # a file on its own is fine


def test_raise_if_errors(tmp_path):
    report = check_dataset(folder(tmp_path, [GOOD[0], "{", GOOD[1], "[]"], GOOD))
    with pytest.raises(DatasetError) as info:
        report.raise_if_errors()
    assert isinstance(info.value, ValueError)
    assert "train.jsonl:2: invalid JSON" in str(info.value)
    assert "train.jsonl:4: expected a JSON object" in str(info.value)
    check_dataset(folder(tmp_path / "b", GOOD, GOOD)).raise_if_errors()  # no error, no raise


def test_errors_we_report_do_crash_mlx_lm(tmp_path):
    """The folder rules are not pedantry: mlx-lm's own loader fails on each of these."""
    from mlx_lm.tuner.datasets import load_local_dataset

    for i, bad in enumerate(["", b"\xef\xbb\xbf" + line(GOOD[0]), b'{"text":\r "x"}', "{"]):
        root = folder(tmp_path / str(i), [GOOD[0], bad] if i != 1 else [bad], GOOD)
        assert not check_dataset(root).ok
        with pytest.raises(Exception):
            load_local_dataset(root, None, SimpleNamespace())


# --- single file and split --------------------------------------------------------------------------


def test_single_file_is_split(tmp_path):
    records = [chat(f"question {i}", f"answer {i}") for i in range(40)]
    path = write(tmp_path / "all.jsonl", records)
    report = check_dataset(path, valid_fraction=0.25, test_fraction=0.1, split_seed=7)
    assert report.ok and report.single_file
    sizes = {k: len(v) for k, v in report.splits.items()}
    assert sizes == {"train": 26, "valid": 10, "test": 4}
    assert report.files == {n: str(path) for n in ("train", "valid", "test")}
    for name, recs in report.splits.items():  # line numbers point at the records
        assert [records[n - 1] for n in report.line_numbers[name]] == recs
    again = check_dataset(path, valid_fraction=0.25, test_fraction=0.1, split_seed=7)
    assert again.splits == report.splits
    other = check_dataset(path, valid_fraction=0.25, test_fraction=0.1, split_seed=8)
    assert other.splits["valid"] != report.splits["valid"]


def test_single_file_bad_fractions_is_a_problem(tmp_path):
    path = write(tmp_path / "all.jsonl", GOOD)
    report = check_dataset(path, valid_fraction=0.7, test_fraction=0.5)
    assert not report.ok and "must be in [0, 1)" in report.errors[0].message
    assert len(report.splits["train"]) == 2


def test_single_example_keeps_it_for_training(tmp_path):
    report = check_dataset(write(tmp_path / "one.jsonl", [GOOD[0]]), valid_fraction=0.5)
    assert len(report.splits["train"]) == 1 and report.splits["valid"] == []
    assert report.ok and "no validation split (only one example)" in report.warnings[0].message


@pytest.mark.parametrize("n", [2, 3, 5, 9])
def test_small_datasets_get_a_valid_example(n):
    split = split_records(list(range(n)), valid_fraction=0.01, test_fraction=0.01, seed=0)
    assert len(split["valid"]) == 1 and len(split["train"]) >= 1
    assert len(split["test"]) == (1 if n >= 3 else 0)


def test_split_rejects_bad_fractions():
    for vf, tf in [(-0.1, 0), (1.0, 0), (0.5, 0.5), (0, 1.2)]:
        with pytest.raises(ValueError):
            split_records([1, 2, 3], vf, tf, 0)


@settings(max_examples=200, deadline=None)
@given(n=st.integers(0, 300), vf=st.floats(0, 0.6), tf=st.floats(0, 0.35), seed=st.integers(0, 2**32))
def test_split_is_deterministic_disjoint_and_complete(n, vf, tf, seed):
    records = list(range(n))
    split = split_records(records, vf, tf, seed)
    assert split == split_records(records, vf, tf, seed)
    together = split["train"] + split["valid"] + split["test"]
    assert sorted(together) == records  # disjoint and covering
    if n >= 1:
        assert split["train"]
    if vf > 0 and n >= 2:
        assert split["valid"]
    assert abs(len(split["valid"]) - n * vf) <= 1 + (n * vf < 1)
    for part in split.values():
        assert part == sorted(part)  # file order kept inside a split


# --- write_split -------------------------------------------------------------------------------------


def test_write_split_round_trip_and_mlx_lm_reads_it(tmp_path, tiny_model):
    from mlx_lm.tuner.datasets import load_local_dataset
    from mlx_lm.utils import load_tokenizer

    records = [chat(f"q {i} é\n\"quoted\"\r\u2028", f"a {i}") for i in range(12)]
    path = write(tmp_path / "all.jsonl", records)
    report = check_dataset(path, valid_fraction=0.2, test_fraction=0.1)
    out = tmp_path / "out"
    written = write_split(report, out)
    assert set(written) == {"train", "valid", "test"}
    again = check_dataset(out)
    assert again.ok and again.splits == report.splits
    tokenizer = load_tokenizer(tiny_model)
    train, valid, test = load_local_dataset(out, tokenizer, SimpleNamespace())
    assert (len(train), len(valid), len(test)) == tuple(len(report.splits[n]) for n in ("train", "valid", "test"))
    assert train.process(train[0])[0] == tokenizer.apply_chat_template(report.splits["train"][0]["messages"])


def test_write_split_removes_stale_files_and_skips_empty_splits(tmp_path):
    out = tmp_path / "out"
    write_split({"train": GOOD, "valid": GOOD, "test": GOOD}, out)
    written = write_split({"train": GOOD, "valid": [GOOD[0]], "test": []}, out)
    assert set(written) == {"train", "valid"}
    assert not (out / "test.jsonl").exists()  # mlx-lm would fail on an empty file, or read an old one
    assert sorted(p.name for p in out.iterdir()) == ["train.jsonl", "valid.jsonl"]  # no temporary files left
    write_split(GOOD, tmp_path / "plain")  # a list is the training split
    assert check_dataset(tmp_path / "plain").splits["train"] == GOOD


def test_write_split_refuses_nothing_to_train(tmp_path):
    with pytest.raises(DatasetError):
        write_split({"train": [], "valid": GOOD}, tmp_path / "out")
    with pytest.raises(ValueError):
        write_split({"train": GOOD, "extra": GOOD}, tmp_path / "out")


_content = st.text(st.characters(blacklist_categories=("Cs",)), max_size=40)
_conversation = st.builds(
    lambda system, turns: chat(*[t for pair in turns for t in pair], system=system),
    st.none() | _content,
    st.lists(st.tuples(_content, _content), min_size=1, max_size=3),
)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(train=st.lists(_conversation, min_size=1, max_size=6), valid=st.lists(_conversation, max_size=3))
def test_any_valid_chat_records_survive_write_and_check(tmp_path_factory, train, valid):
    out = tmp_path_factory.mktemp("roundtrip")
    write_split({"train": train, "valid": valid}, out)
    report = check_dataset(out)
    assert report.errors == []
    assert report.splits["train"] == train and report.splits["valid"] == valid


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=st.binary(max_size=400) | st.lists(st.sampled_from(
    [b"{", b"}", b"\n", b"\r", b'"messages"', b":", b"[", b"]", b'{"role":"user","content":"x"}', b",", b"\xff",
     b'"text"', b'"a"', b" ", b"\xef\xbb\xbf", b"null", b"\\ud800"]), max_size=60).map(b"".join))
def test_arbitrary_bytes_never_raise(tmp_path_factory, data):
    root = tmp_path_factory.mktemp("bytes")
    (root / "train.jsonl").write_bytes(data)
    for target in (root, root / "train.jsonl"):
        report = check_dataset(target, max_line_bytes=64)
        n_lines = data.count(b"\n") + 1
        assert all(p.line is None or 1 <= p.line <= n_lines for p in report.problems)
        assert report.ok == (report.errors == [])
        assert all(isinstance(r, dict) for r in report.splits["train"])


# --- to_mlx_dataset ----------------------------------------------------------------------------------


def test_to_mlx_dataset_uses_mlx_lm_classes(tiny_model):
    from mlx_lm.tuner.datasets import ChatDataset, CompletionsDataset, TextDataset
    from mlx_lm.utils import load_tokenizer

    tokenizer = load_tokenizer(tiny_model)
    assert isinstance(to_mlx_dataset(GOOD, tokenizer), ChatDataset)
    assert isinstance(to_mlx_dataset([{"text": "x"}], tokenizer), TextDataset)
    keys = DataKeys(prompt="input", completion="output")
    ds = to_mlx_dataset([{"input": "Q", "output": "A"}], tokenizer, keys, mask_prompt=True)
    assert isinstance(ds, CompletionsDataset) and ds.mask_prompt
    tokens, offset = ds.process(ds[0])
    assert 0 < offset < len(tokens)
    with pytest.raises(DatasetError):
        to_mlx_dataset([], tokenizer)
    with pytest.raises(DatasetError, match="not supported"):
        to_mlx_dataset([{"text": "x"}], tokenizer, mask_prompt=True)
