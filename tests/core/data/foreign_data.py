"""Foreign datasets for the conversion tests, written under a test's tmp_path: each format with good
records the tiny tokenizer handles, and the broken records the issue names (a ShareGPT conversation
that starts with the assistant, an Alpaca record without output, a CSV row with a quoted newline and a
ragged row, mixed formats in one file). Also the three Hugging Face layouts, in a fake cache."""

from __future__ import annotations

import json
from pathlib import Path

GOOD = 12  # good records in each file: 9 train and 3 valid at --split 0.75,0.25


def qa(i: int) -> tuple[str, str]:
    return f"Question {i}: what is {i} plus one?", f"It is {i + 1}."


def alpaca_records(n: int = GOOD) -> list[dict]:
    out = []
    for i in range(n):
        q, a = qa(i)
        record = {"instruction": q, "input": "Answer briefly." if i % 2 else "", "output": a}
        if i % 3 == 0:
            record["system"] = "You count."
        if i % 4 == 0:
            record["history"] = [["Hi", "Hello."]]
        out.append(record)
    return out


def sharegpt_records(n: int = GOOD) -> list[dict]:
    out = []
    for i in range(n):
        q, a = qa(i)
        out.append({"conversations": [{"from": "human", "value": q}, {"from": "gpt", "value": a}]})
    return out


def write_jsonl(path: Path, records: list) -> Path:
    path.write_text("".join((r if isinstance(r, str) else json.dumps(r)) + "\n" for r in records), encoding="utf-8")
    return path


def alpaca_file(folder: Path) -> Path:
    """JSONL: 12 good Alpaca records, one without an output at line 5."""
    records = alpaca_records()
    records.insert(4, {"instruction": "Tell me nothing.", "input": ""})
    return write_jsonl(folder / "alpaca.jsonl", records)


def sharegpt_file(folder: Path) -> Path:
    """A JSON array: 12 good ShareGPT records, the 3rd starting with the assistant."""
    records = sharegpt_records()
    records.insert(2, {"conversations": [{"from": "gpt", "value": "I speak first."},
                                         {"from": "human", "value": "Fine."}, {"from": "gpt", "value": "Good."}]})
    path = folder / "sharegpt.json"
    path.write_text(json.dumps(records, indent=1), encoding="utf-8")
    return path


def openai_file(folder: Path) -> Path:
    """JSONL of OpenAI fine-tuning records: weights on assistant turns, names, an id."""
    records = []
    for i in range(GOOD):
        q, a = qa(i)
        records.append({"id": f"r{i}", "messages": [
            {"role": "system", "content": "You count."},
            {"role": "user", "content": q, "name": "student"},
            {"role": "assistant", "content": a, "weight": 1}]})
    return write_jsonl(folder / "openai.jsonl", records)


def csv_file(folder: Path) -> Path:
    """CSV with a header, 12 good rows (one with a quoted newline) and a ragged row at line 4."""
    rows = ['question,answer', '"What is 0\nplus one?",It is 1.', 'q1,"It is 2, surely."', 'q2,a2,extra']
    rows += [f"{qa(i)[0].replace(',', '')},{qa(i)[1]}" for i in range(2, GOOD)]
    path = folder / "qa.csv"
    path.write_text("\n".join(rows) + "\n", encoding="utf-8")
    return path


def parquet_file(folder: Path, columns=("instruction", "input", "output")) -> Path:
    import pyarrow as pa
    import pyarrow.parquet as pq

    records = alpaca_records()
    path = folder / "train-00000-of-00001.parquet"
    pq.write_table(pa.table({c: [r.get(c, "") for r in records] for c in columns}), path)
    return path


def mixed_file(folder: Path) -> Path:
    """One JSONL file of every format at once, a broken JSON line and a text record among chats."""
    q, a = qa(99)
    lines = [*alpaca_records(4), *sharegpt_records(4),
             {"messages": [{"role": "user", "content": q}, {"role": "assistant", "content": a, "weight": 0}]},
             {"prompt": q, "completion": a},
             "{not json",
             {"text": "A plain text record."},
             {"messages": [{"role": "user", "content": q}, {"role": "assistant", "content": a}]}]
    return write_jsonl(folder / "mixed.jsonl", lines)


def write_arrow(path: Path, records: list[dict]) -> Path:
    """An Arrow IPC stream, as the datasets library writes its cache and save_to_disk files."""
    import pyarrow as pa

    path.parent.mkdir(parents=True, exist_ok=True)
    table = pa.Table.from_pylist(records)
    with pa.OSFile(str(path), "wb") as sink, pa.ipc.new_stream(sink, table.schema) as writer:
        writer.write_table(table)
    return path


def saved_dataset_dict(folder: Path) -> Path:
    """``DatasetDict.save_to_disk``'s layout: train (12 Alpaca rows) and validation (3)."""
    root = folder / "saved"
    write_arrow(root / "train" / "data-00000-of-00001.arrow", alpaca_records())
    write_arrow(root / "validation" / "data-00000-of-00001.arrow", alpaca_records(3))
    for split in ("train", "validation"):
        (root / split / "state.json").write_text("{}", encoding="utf-8")
    (root / "dataset_dict.json").write_text(json.dumps({"splits": ["train", "validation"]}), encoding="utf-8")
    return root


def datasets_cache_entry(cache: Path, repo_id: str = "someone/tiny-qa") -> Path:
    """The datasets library's cache entry of ``repo_id``: ORG___NAME/default/0.0.0/HASH/NAME-SPLIT.arrow."""
    org, name = repo_id.split("/")
    build = cache / f"{org}___{name}" / "default" / "0.0.0" / "0123abcd"
    records = [{"question": qa(i)[0], "answer": qa(i)[1]} for i in range(20)]
    write_arrow(build / f"{name}-train-00000-of-00002.arrow", records[:10])
    write_arrow(build / f"{name}-train-00001-of-00002.arrow", records[10:])
    write_arrow(build / f"{name}-test.arrow", records[:4])
    (build / "dataset_info.json").write_text("{}", encoding="utf-8")
    return build


def hub_cache_entry(hub: Path, repo_id: str = "someone/tiny-share") -> Path:
    """A dataset repository in the Hub cache: datasets--ORG--NAME/snapshots/REV/data/SPLIT-*.parquet."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    repo = hub / f"datasets--{repo_id.replace('/', '--')}"
    snapshot = repo / "snapshots" / "f00d"
    (snapshot / "data").mkdir(parents=True)
    (repo / "refs").mkdir()
    (repo / "refs" / "main").write_text("f00d", encoding="utf-8")
    pq.write_table(pa.Table.from_pylist(sharegpt_records()), snapshot / "data" / "train-00000-of-00001.parquet")
    pq.write_table(pa.Table.from_pylist(sharegpt_records(3)), snapshot / "data" / "validation-00000-of-00001.parquet")
    (snapshot / "README.md").write_text("---\nlicense: mit\n---\n", encoding="utf-8")
    return snapshot
