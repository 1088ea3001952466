"""Foreign record formats recognised and converted one record at a time (lorastudio.core.data.formats),
and the containers they come in read with their lines (lorastudio.core.data.readers)."""

from __future__ import annotations

import json

import pytest

from lorastudio.core.data.checks import check_record
from lorastudio.core.data.formats import (
    Rejected,
    auto_mapping,
    check_mapping,
    convert_record,
    from_alpaca,
    from_columns,
    from_openai,
    from_sharegpt,
    record_kind,
)
from lorastudio.core.data.keys import DataKeys
from lorastudio.core.data.readers import SourceError, container_of, read_items, table_columns


def roles(record):
    return [m["role"] for m in record["messages"]]


def clean(record):
    """Converted records pass the data check without an error."""
    return [issue for issue in check_record(record, DataKeys()) if issue[2] == "error"] == []


# --- recognising a record -----------------------------------------------------------------


@pytest.mark.parametrize("record, kind", [
    ({"instruction": "i", "input": "", "output": "o"}, "alpaca"),
    ({"instruction": "i"}, "alpaca"),  # broken, but still Alpaca: converting names what is missing
    ({"conversations": [{"from": "human", "value": "q"}]}, "sharegpt"),
    ({"dialog": [{"role": "user", "content": "q"}]}, "sharegpt"),  # role/content under any list key
    ({"messages": [{"role": "user", "content": "q", "weight": 0}]}, "openai"),
    ({"messages": [{"role": "function", "content": "r"}]}, "openai"),
    ({"messages": [{"role": "user", "content": "q"}], "functions": []}, "openai"),
    ({"messages": [{"role": "user", "content": "q"}], "id": 7}, "chat"),  # extra top-level keys are mlx-lm's business
    ({"prompt": "p", "completion": "c"}, "completions"),
    ({"text": "t"}, "text"),
    ({"question": "q"}, None),
])
def test_each_record_is_recognised_by_its_keys(record, kind):
    assert record_kind(record) == kind


# --- Alpaca -----------------------------------------------------------------------------------


def test_alpaca_with_system_history_and_input():
    out = from_alpaca({"system": "Be brief.", "history": [["Hi", "Hello."]], "instruction": "Add these",
                       "input": "1 and 2", "output": "3"})
    assert out == {"messages": [
        {"role": "system", "content": "Be brief."},
        {"role": "user", "content": "Hi"}, {"role": "assistant", "content": "Hello."},
        {"role": "user", "content": "Add these\n\n1 and 2"}, {"role": "assistant", "content": "3"}]}
    assert clean(out)
    assert from_alpaca({"instruction": "", "input": "only input", "output": "o"})["messages"][0]["content"] == "only input"


@pytest.mark.parametrize("record, key", [
    ({"instruction": "say", "input": ""}, "convert.alpaca_no_output"),
    ({"instruction": "say", "output": "  "}, "convert.alpaca_no_output"),
    ({"instruction": "", "input": "", "output": "o"}, "convert.alpaca_no_instruction"),
    ({"instruction": "i", "output": "o", "history": "no"}, "convert.alpaca_history"),
    ({"instruction": ["i"], "output": "o"}, "convert.not_text"),
])
def test_broken_alpaca_records_are_rejected_with_the_reason(record, key):
    with pytest.raises(Rejected) as info:
        from_alpaca(record)
    assert info.value.key == key
    assert str(info.value)  # an English sentence for the rejects file


# --- ShareGPT ----------------------------------------------------------------------------------


def test_sharegpt_roles_system_tools_and_function_calls():
    record = {
        "system": "You call tools.",
        "tools": json.dumps([{"name": "weather", "description": "d", "parameters": {"type": "object"}}]),
        "conversations": [
            {"from": "human", "value": "Weather in Paris?"},
            {"from": "function_call", "value": json.dumps({"name": "weather", "arguments": {"city": "Paris"}})},
            {"from": "observation", "value": "18C"},
            {"from": "gpt", "value": "18 degrees."},
        ],
    }
    out = from_sharegpt(record)
    assert roles(out) == ["system", "user", "assistant", "tool", "assistant"]
    assert out["messages"][2]["tool_calls"] == [{"type": "function", "function": {"name": "weather",
                                                                                 "arguments": {"city": "Paris"}}}]
    assert out["tools"] == [{"type": "function", "function": {"name": "weather", "description": "d",
                                                              "parameters": {"type": "object"}}}]
    assert clean(out)


def test_sharegpt_role_content_variant_and_a_system_turn():
    out = from_sharegpt({"chat": [{"role": "system", "content": "s"}, {"role": "user", "content": "q"},
                                  {"role": "assistant", "content": "a"}]})
    assert roles(out) == ["system", "user", "assistant"] and clean(out)


@pytest.mark.parametrize("turns, key, where", [
    ([("gpt", "Hello first"), ("human", "q"), ("gpt", "a")], "convert.starts_with", "conversations[0]"),
    ([("human", "q"), ("human", "q again"), ("gpt", "a")], "convert.order", "conversations[1]"),
    ([("human", "q"), ("gpt", "a"), ("human", "left hanging")], "convert.ends_with", None),
    ([("human", "q"), ("alien", "a")], "convert.unknown_speaker", "conversations[1]"),
    ([("human", "q"), ("gpt", "a"), ("system", "late")], "convert.system_not_first", "conversations[2]"),
    ([("human", "q"), ("function_call", "not json"), ("observation", "r"), ("gpt", "a")], "convert.function_call",
     "conversations[1]"),
])
def test_broken_sharegpt_conversations_are_rejected_naming_the_turn(turns, key, where):
    record = {"conversations": [{"from": f, "value": v} for f, v in turns]}
    with pytest.raises(Rejected) as info:
        from_sharegpt(record)
    assert info.value.key == key
    if where:
        assert info.value.values["where"] == where and where in str(info.value)


# --- OpenAI chat with extra keys ---------------------------------------------------------------


def test_openai_extra_keys_dropped_and_legacy_functions_become_tools():
    record = {"messages": [
        {"role": "system", "content": "s"},
        {"role": "user", "content": "q", "name": "alice"},
        {"role": "assistant", "content": None, "function_call": {"name": "f", "arguments": "{}"}, "weight": 0},
        {"role": "function", "name": "f", "content": "r"},
        {"role": "assistant", "content": "a", "weight": 1, "refusal": None},
    ], "functions": [{"name": "f", "parameters": {}}], "parallel_tool_calls": False}
    out = from_openai(record)
    assert roles(out) == ["system", "user", "assistant", "tool", "assistant"]
    assert out["messages"][4] == {"role": "assistant", "content": "a"}
    assert out["messages"][2]["tool_calls"][0]["function"]["name"] == "f"
    assert out["tools"] == [{"type": "function", "function": {"name": "f", "parameters": {}}}]
    assert "parallel_tool_calls" not in out and clean(out)


# --- columns -----------------------------------------------------------------------------------


def test_column_mappings():
    assert auto_mapping(["Question", "Answer"]) == {"Question": "user", "Answer": "assistant"}
    assert auto_mapping(["prompt", "completion", "id"]) == {"prompt": "prompt", "completion": "completion"}
    assert auto_mapping(["system", "query", "response"]) == {"query": "user", "response": "assistant",
                                                              "system": "system"}
    assert auto_mapping(["a", "b"]) is None
    assert [k for k, _ in check_mapping({"q": "user", "a": "assistant"}, ["q", "a"])] == []
    assert [k for k, _ in check_mapping({"x": "user"}, ["q"])] == ["convert.map_no_column", "convert.map_incomplete"]
    assert [k for k, _ in check_mapping({"q": "prompt", "a": "assistant"}, ["q", "a"])] == ["convert.map_mixed"]
    assert [k for k, _ in check_mapping({"q": "boss"}, ["q"])][0] == "convert.map_role"
    row = {"title": "T", "body": "B", "answer": "A", "id": "1"}
    out = from_columns(row, {"title": "user", "body": "user", "answer": "assistant", "id": "ignore"})
    assert out == {"messages": [{"role": "user", "content": "T\n\nB"}, {"role": "assistant", "content": "A"}]}
    with pytest.raises(Rejected) as info:
        from_columns({"q": "x", "a": ""}, {"q": "user", "a": "assistant"})
    assert info.value.key == "convert.empty_cell" and info.value.values == {"role": "assistant"}


def test_a_record_of_another_format_than_asked_is_rejected():
    with pytest.raises(Rejected) as info:
        convert_record({"conversations": [{"from": "human", "value": "q"}]}, "alpaca")
    assert info.value.key == "convert.other_format" and "ShareGPT" in str(info.value)
    with pytest.raises(Rejected) as info:
        convert_record({"question": "q"}, None)
    assert info.value.key == "convert.unknown_record" and '"question"' in str(info.value)


# --- containers --------------------------------------------------------------------------------


def test_csv_with_quoted_newlines_and_a_ragged_row_keeps_source_lines(tmp_path):
    path = tmp_path / "qa.csv"
    path.write_text('question,answer\n"a question\nover two lines",an answer\nq2,a2,one too many\n\nq3,"a3, with comma"\n',
                    encoding="utf-8")
    assert container_of(path) == "csv" and table_columns(path, "csv") == ["question", "answer"]
    items = list(read_items(path, "csv"))
    assert [(i.line, i.key) for i in items] == [(2, ""), (4, "source.ragged"), (6, "")]
    assert items[0].record == {"question": "a question\nover two lines", "answer": "an answer"}
    assert dict(items[1].values) == {"fields": 3, "columns": 2}
    assert items[2].record["answer"] == "a3, with comma"


def test_tsv_and_a_json_array_with_the_line_of_each_item(tmp_path):
    tsv = tmp_path / "t.tsv"
    tsv.write_text("prompt\tcompletion\np\tc\n", encoding="utf-8")
    assert [i.record for i in read_items(tsv, "tsv")] == [{"prompt": "p", "completion": "c"}]
    array = tmp_path / "a.json"
    array.write_text('[\n  {"text": "one"},\n\n  {"text":\n "two"}, 3\n]\n', encoding="utf-8")
    assert container_of(array) == "json"
    items = list(read_items(array, "json"))
    assert [(i.line, i.row, i.key) for i in items] == [(2, 1, ""), (4, 2, ""), (5, 3, "json.not_object")]
    broken = tmp_path / "b.json"
    broken.write_text('[\n {"text": "one"}\n {"text": "two"}\n]', encoding="utf-8")
    with pytest.raises(SourceError) as info:
        list(read_items(broken, "json"))
    assert info.value.key == "source.bad_json" and info.value.values["line"] == 3 and "b.json:3" in str(info.value)


def test_parquet_rows_and_nested_lists(tmp_path):
    import pyarrow as pa
    import pyarrow.parquet as pq

    path = tmp_path / "train-00000-of-00001.parquet"
    conversations = [[{"from": "human", "value": "q"}, {"from": "gpt", "value": "a"}]]
    pq.write_table(pa.table({"conversations": conversations, "id": ["x"]}), path)
    assert container_of(path) == "parquet" and table_columns(path, "parquet") == ["conversations", "id"]
    items = list(read_items(path, "parquet"))
    assert items[0].row == 1 and record_kind(items[0].record) == "sharegpt"
    assert from_sharegpt(items[0].record)["messages"][1] == {"role": "assistant", "content": "a"}
    bad = tmp_path / "bad.parquet"
    bad.write_bytes(b"PAR1 not really")
    with pytest.raises(SourceError) as info:
        list(read_items(bad, "parquet"))
    assert info.value.key == "source.bad_table" and "bad.parquet" in str(info.value)
