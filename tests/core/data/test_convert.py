"""Converting foreign data into an mlx-lm dataset folder (lorastudio.core.data.convert): each format,
good and broken, lands in the splits or the rejects file; the output passes the data check, mlx-lm's
own loader reads it and the tiny model trains two steps on it; converting twice gives the same files
and the source is never touched. Hugging Face folders and caches are faked under tmp_path."""

from __future__ import annotations

import json
import shutil
from types import SimpleNamespace

import pytest

import foreign_data as fd
from conftest import make_tiny_config
from lorastudio.core.data.convert import convert, hf_dataset_folder, parse_split
from lorastudio.core.data.datasets import check_dataset
from lorastudio.core.data.hf import find_cached, hf_dataset_splits, select
from lorastudio.core.data.keys import DataKeys
from lorastudio.core.data.readers import SourceError
from lorastudio.core.data.sources import inspect_source

SPLIT = (0.75, 0.25, 0.0)


@pytest.fixture
def caches(tmp_path, monkeypatch):
    """Empty Hugging Face caches under tmp_path, found through HF_HOME (datasets/ and hub/)."""
    home = tmp_path / "hf-home"
    monkeypatch.setenv("HF_HOME", str(home))
    for name in ("HF_DATASETS_CACHE", "HF_HUB_CACHE", "HUGGINGFACE_HUB_CACHE"):
        monkeypatch.delenv(name, raising=False)
    return SimpleNamespace(datasets=home / "datasets", hub=home / "hub")


def make_source(kind: str, tmp_path, caches):
    """(source path or name, split, what it is, rejects as (file, line, row, key), counts written)."""
    src = tmp_path / "src"
    src.mkdir(exist_ok=True)
    if kind == "alpaca":
        return (fd.alpaca_file(src), SPLIT, "Alpaca, 13 records",
                [("alpaca.jsonl", 5, None, "convert.alpaca_no_output")], {"train": 9, "valid": 3, "test": 0})
    if kind == "sharegpt":
        return (fd.sharegpt_file(src), SPLIT, "ShareGPT, 13 records in a JSON array",
                [("sharegpt.json", 26, 3, "convert.starts_with")], {"train": 9, "valid": 3, "test": 0})
    if kind == "openai":
        return fd.openai_file(src), SPLIT, "OpenAI chat, 12 records", [], {"train": 9, "valid": 3, "test": 0}
    if kind == "csv":
        return (fd.csv_file(src), SPLIT, "13 records in a CSV table", [("qa.csv", 5, None, "source.ragged")],
                {"train": 9, "valid": 3, "test": 0})
    if kind == "parquet":
        return fd.parquet_file(src), SPLIT, "Alpaca, 12 records in a Parquet table", [], {"train": 9, "valid": 3, "test": 0}
    if kind == "mixed":
        return (fd.mixed_file(src), (0.8, 0.2, 0.0), "Alpaca, 13 records",
                [("mixed.jsonl", 11, None, "json.invalid"), ("mixed.jsonl", 12, None, "convert.other_family")],
                {"train": 9, "valid": 2, "test": 0})
    if kind == "saved":
        return fd.saved_dataset_dict(src), None, "Alpaca, 15 records (a Hugging Face dataset)", [], \
            {"train": 12, "valid": 3, "test": 0}
    if kind == "datasets-cache":
        fd.datasets_cache_entry(caches.datasets)
        return "someone/tiny-qa", None, "24 records (a Hugging Face dataset)", [], {"train": 20, "valid": 0, "test": 4}
    fd.hub_cache_entry(caches.hub)
    return "someone/tiny-share", None, "ShareGPT, 15 records (a Hugging Face dataset)", [], \
        {"train": 12, "valid": 3, "test": 0}


KINDS = ["alpaca", "sharegpt", "openai", "csv", "parquet", "mixed", "saved", "datasets-cache", "hub-cache"]


def files_of(folder):
    return {p.name: p.read_bytes() for p in sorted(folder.iterdir())}


def read_with_mlx_lm(folder, tokenizer):
    """mlx-lm's own loader reads the folder, and each example becomes tokens."""
    from mlx_lm.tuner.datasets import load_dataset

    args = SimpleNamespace(data=str(folder), train=True, test=False, hf_dataset=None, mask_prompt=True,
                           prompt_feature="prompt", completion_feature="completion", chat_feature="messages",
                           text_feature="text")
    train, valid, _ = load_dataset(args, tokenizer)
    for dataset in (train, valid):
        for i in range(len(dataset)):
            tokens, offset = dataset.process(dataset[i])
            assert 0 < offset < len(tokens)
    return len(train), len(valid)


@pytest.fixture(scope="module")
def tokenizer(tiny_model):
    from mlx_lm.utils import load_tokenizer

    return load_tokenizer(tiny_model)


@pytest.mark.parametrize("kind", KINDS)
def test_each_format_converts_into_data_mlx_lm_reads(kind, tmp_path, caches, tokenizer):
    src, split, what, expected_rejects, written = make_source(kind, tmp_path, caches)
    source_files = {p: (p.read_bytes(), p.stat().st_mtime_ns) for p in (tmp_path / "src").rglob("*") if p.is_file()} \
        if (tmp_path / "src").exists() else {}
    assert inspect_source(src).describe() == what
    result = convert(src, tmp_path / "out", split=split, seed=3)
    assert result.written == written
    assert [(r.file, r.line, r.row, r.key) for r in result.rejects] == expected_rejects
    assert result.read == sum(written.values()) + len(expected_rejects)
    # every record lands once: in a split or in the rejects file, with its place and reason
    rejects_file = tmp_path / "out" / "rejects.jsonl"
    if expected_rejects:
        lines = [json.loads(line) for line in rejects_file.read_text(encoding="utf-8").splitlines()]
        assert [(e["file"], e.get("line"), e.get("row"), e["key"]) for e in lines] == expected_rejects
        assert all(e["reason"] and "record" in e for e in lines)
    else:
        assert not rejects_file.exists()
    report = check_dataset(tmp_path / "out")
    assert report.ok and report.warning_count <= 1, report.summary()  # a folder without valid.jsonl warns
    assert {name: len(records) for name, records in report.splits.items()} == written
    assert read_with_mlx_lm(tmp_path / "out", tokenizer) == (written["train"], written["valid"])
    # the same again, into another folder: the same bytes; the source as it was
    convert(src, tmp_path / "again", split=split, seed=3)
    assert files_of(tmp_path / "again") == files_of(tmp_path / "out")
    for path, (data, mtime) in source_files.items():
        assert path.read_bytes() == data and path.stat().st_mtime_ns == mtime


def test_converted_records_follow_the_written_rules(tmp_path):
    src = fd.write_jsonl(tmp_path / "a.jsonl", fd.alpaca_records(4))
    convert(src, tmp_path / "out", split=(1, 0, 0))
    records = [json.loads(line) for line in (tmp_path / "out" / "train.jsonl").read_text().splitlines()]
    assert records[0]["messages"] == [
        {"role": "system", "content": "You count."}, {"role": "user", "content": "Hi"},
        {"role": "assistant", "content": "Hello."}, {"role": "user", "content": "Question 0: what is 0 plus one?"},
        {"role": "assistant", "content": "It is 1."}]
    assert records[1]["messages"][0]["content"] == "Question 1: what is 1 plus one?\n\nAnswer briefly."


def test_prompt_completion_columns_give_a_completions_folder(tmp_path):
    src = tmp_path / "pc.tsv"
    src.write_text("id\tprompt\tcompletion\n" + "".join(f"{i}\tp{i}\tc{i}\n" for i in range(5)), encoding="utf-8")
    result = convert(src, tmp_path / "out", split=(1, 0, 0))
    assert result.family == "completions" and result.source.format == "completions"  # rows are records already
    assert check_dataset(tmp_path / "out").format == "completions"
    mapped = convert(src, tmp_path / "chat", mapping={"prompt": "user", "completion": "assistant", "id": "ignore"},
                     split=(1, 0, 0))
    assert mapped.family == "chat" and check_dataset(tmp_path / "chat").format == "chat"


def test_the_split_is_seeded_and_checked(tmp_path):
    src = fd.write_jsonl(tmp_path / "a.jsonl", fd.alpaca_records(40))
    one = convert(src, tmp_path / "one", split=parse_split("0.9,0.05,0.05"), seed=1)
    assert one.written == {"train": 36, "valid": 2, "test": 2}
    two = convert(src, tmp_path / "two", split=parse_split("0.9,0.05,0.05"), seed=2)
    assert files_of(tmp_path / "one") != files_of(tmp_path / "two") and two.written == one.written
    assert parse_split("8,1,1") == (8.0, 1.0, 1.0) and parse_split("0.9,0.1") == (0.9, 0.1, 0.0)
    for bad in ("a,b", "0.5", "0,1,0", "0.9,-0.1,0.2"):
        with pytest.raises(SourceError) as info:
            parse_split(bad)
        assert info.value.key == "convert.bad_split"
    stale = tmp_path / "one" / "test.jsonl"
    convert(src, tmp_path / "one", split=(0.9, 0.1, 0.0))
    assert not stale.exists()  # a split no longer written is removed, not left behind


@pytest.mark.parametrize("make, key", [
    (lambda tmp: fd.parquet_file(tmp, columns=("instruction", "input")), "source.missing_column"),
    (lambda tmp: (tmp / "x.csv").write_text("a,b\n1,2\n") and tmp / "x.csv", "source.needs_map"),
    (lambda tmp: (tmp / "x.json").write_text('[{"text": "a"} {"text": "b"}]') and tmp / "x.json", "source.bad_json"),
    (lambda tmp: tmp / "missing.jsonl", "source.missing"),
    (lambda tmp: fd.write_jsonl(tmp / "all-bad.jsonl", [{"instruction": "q"}] * 3), "convert.nothing"),
])
def test_a_source_that_cannot_be_converted_gets_one_message(make, key, tmp_path):
    src = make(tmp_path)
    with pytest.raises(SourceError) as info:
        convert(src, tmp_path / "out")
    assert info.value.key == key
    assert info.value.text("zh") != str(info.value)
    assert not (tmp_path / "out" / "train.jsonl").exists()


def test_parquet_missing_column_names_it(tmp_path):
    src = fd.parquet_file(tmp_path, columns=("instruction", "input"))
    with pytest.raises(SourceError) as info:
        convert(src, tmp_path / "out", fmt="alpaca")
    assert str(info.value) == 'no "output" column for Alpaca records (columns: instruction, input)'


def test_the_output_never_overwrites_the_source(tmp_path):
    folder = tmp_path / "data"
    folder.mkdir()
    fd.write_jsonl(folder / "train.jsonl", fd.alpaca_records(4))
    before = (folder / "train.jsonl").read_bytes()
    with pytest.raises(SourceError) as info:
        convert(folder, folder)
    assert info.value.key == "convert.would_overwrite" and (folder / "train.jsonl").read_bytes() == before
    result = convert(folder, tmp_path / "converted")  # an mlx-lm folder of Alpaca lines: its splits kept
    assert result.written == {"train": 4, "valid": 0, "test": 0}
    with pytest.raises(SourceError) as info:
        convert(folder, folder / "train.jsonl")
    assert info.value.key == "convert.out_not_folder"


# --- Hugging Face datasets on this machine ----------------------------------------------------


def test_a_dataset_not_on_this_machine_says_so(caches):
    with pytest.raises(SourceError) as info:
        find_cached("someone/elsewhere")
    message = str(info.value)
    assert 'the Hugging Face dataset "someone/elsewhere" is not on this computer' in message
    assert str(caches.datasets) in message and str(caches.hub) in message and "download" in message


def test_the_datasets_cache_is_found_through_its_own_variable(tmp_path, caches, monkeypatch):
    elsewhere = tmp_path / "datasets-cache"
    fd.datasets_cache_entry(elsewhere)
    monkeypatch.setenv("HF_DATASETS_CACHE", str(elsewhere))
    dataset = find_cached("someone/tiny-qa")
    assert dataset.location == "datasets-cache" and sorted(dataset.splits) == ["test", "train"]
    assert len(dataset.splits["train"]) == 2  # two shards
    assert [len(select(dataset, spec)) for spec in ("train", "train[:80%]", "train[-10%:]", "train[5:8]",
                                                     "train[:25%]+test")] == [20, 16, 2, 3, 9]
    for spec, key in (("train[a:b]", "hf.bad_split"), ("validation", "hf.no_split")):
        with pytest.raises(SourceError) as info:
            select(dataset, spec)
        assert info.value.key == key


def test_hf_dataset_entries_read_as_mlx_lm_takes_them(caches):
    fd.datasets_cache_entry(caches.datasets)
    fd.hub_cache_entry(caches.hub)
    keys = DataKeys()
    splits = hf_dataset_splits({"path": "someone/tiny-qa", "prompt_feature": "question",
                                "completion_feature": "answer", "test_split": "test"}, keys)
    assert [len(splits[name]) for name in ("train", "valid", "test")] == [16, 2, 4]  # mlx-lm's default slices
    assert splits["train"][0].record == {"prompt": "Question 0: what is 0 plus one?", "completion": "It is 1."}
    both = hf_dataset_splits([{"path": "someone/tiny-share", "chat_feature": "conversations",
                               "valid_split": "validation"},
                              {"path": "someone/tiny-qa", "prompt_feature": "question", "completion_feature": "answer",
                               "train_split": "train[:4]", "valid_split": "test[:1]"}], keys, with_test=False)
    assert [len(both[name]) for name in ("train", "valid", "test")] == [10 + 4, 3 + 1, 0]  # 80% of 12 is 10
    assert list(both["train"][0].record) == ["messages"]


def test_hf_dataset_folder_is_what_training_reads(tmp_path, caches):
    fd.datasets_cache_entry(caches.datasets)
    keys = DataKeys(prompt="q", completion="a")
    folder = hf_dataset_folder({"path": "someone/tiny-qa", "prompt_feature": "question",
                                "completion_feature": "answer", "test_split": "test[:2]"}, keys, tmp_path / "data",
                               with_test=True)
    report = check_dataset(folder, keys)
    assert report.ok and report.format == "completions"
    assert {name: len(r) for name, r in report.splits.items()} == {"train": 16, "valid": 2, "test": 2}
    assert report.splits["train"][0] == {"q": "Question 0: what is 0 plus one?", "a": "It is 1."}


# --- training on the converted data -----------------------------------------------------------


@pytest.mark.parametrize("kind", ["alpaca", "sharegpt", "csv", "parquet", "hf_dataset"])
def test_the_tiny_model_trains_two_steps_on_converted_data(kind, tmp_path, caches, tiny_model):
    from lorastudio.core.runs import folder as runs
    from lorastudio.core.runs.events import Finished
    from lorastudio.core.train.jobs import prepare_data
    from lorastudio.core.tuner.loop import train_run

    fast = dict(iters=2, batch_size=2, steps_per_eval=2, val_batches=1, save_every=2, steps_per_report=1)
    if kind == "hf_dataset":  # an mlx-lm config with hf_dataset, unchanged, from the local cache
        fd.hub_cache_entry(caches.hub)
        config = make_tiny_config(tiny_model, "", hf_dataset={"path": "someone/tiny-share",
                                                              "chat_feature": "conversations",
                                                              "valid_split": "validation"}, **fast)
    else:
        src, split, *_ = make_source(kind, tmp_path, caches)
        convert(src, tmp_path / "out", split=split)
        config = make_tiny_config(tiny_model, tmp_path / "out", **fast)
    run_dir = runs.create_run(config, tmp_path / "runs")
    used = prepare_data(config, run_dir)  # what start_training does before the child starts
    used.save(run_dir / runs.CONFIG)
    assert used.hf_dataset is None and check_dataset(used.data).ok
    events = []
    assert isinstance(train_run(run_dir, events.append), Finished)
    losses = [e.train_loss for e in events if getattr(e, "kind", "") == "train_report"]
    assert len(losses) == 2 and all(loss > 0 for loss in losses)
    assert (run_dir / "adapters.safetensors").is_file()
    shutil.rmtree(run_dir)
