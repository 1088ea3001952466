"""Hugging Face datasets on this machine: a dataset folder, or a name found in the local caches.

Three layouts are read, with pyarrow and without the ``datasets`` package:

- a folder written by ``Dataset.save_to_disk`` (``dataset_dict.json`` and one
  folder of ``data-*.arrow`` files per split, or one split's files alone);
- a dataset repository as the Hub ships it (Parquet, JSONL, JSON or CSV files,
  their split in the file or folder name: ``data/train-00000-of-00001.parquet``),
  also found by name in the Hub cache (``HF_HUB_CACHE``, else ``HF_HOME/hub``,
  else ``~/.cache/huggingface/hub``: ``datasets--ORG--NAME/snapshots/REV``);
- the ``datasets`` library's own cache (``HF_DATASETS_CACHE``, else
  ``HF_HOME/datasets``, else ``~/.cache/huggingface/datasets``:
  ``ORG___NAME/CONFIG/VERSION/HASH/NAME-SPLIT[-00000-of-00002].arrow``).

Nothing is downloaded: a name that is in neither cache raises ``SourceError``
with one message that says so. mlx-lm's ``hf_dataset`` entries (``path``,
``name`` or ``config.name``, ``train_split``, ``valid_split``, ``test_split``
with slices such as ``train[:80%]``, and the ``*_feature`` keys) are read by
``hf_dataset_splits`` into mlx-lm records. Plain functions, any thread.
"""

from __future__ import annotations

import json
import os
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Iterator

from .readers import SUFFIXES, Item, SourceError, container_of, read_items

#: Split names people use, as mlx-lm's train/valid/test.
SPLIT_WORDS = {"train": "train", "training": "train", "validation": "valid", "valid": "valid", "val": "valid",
               "dev": "valid", "test": "test", "testing": "test", "eval": "test", "evaluation": "test"}
_SHARD = re.compile(r"-\d{5}-of-\d{5}$")
_REPO_ID = re.compile(r"^[A-Za-z0-9][\w.-]*(/[\w.-]+)?$")


@dataclass
class HfDataset:
    """A dataset's files by split (the split names as the dataset has them) and where it was found."""

    name: str
    location: str  # "folder", "datasets-cache" or "hub-cache"
    root: Path
    splits: dict[str, list[Path]] = field(default_factory=dict)

    def items(self, split: str) -> Iterator[Item]:
        for path in self.splits.get(split, []):
            container = container_of(path)
            yield from read_items(path, container, split=split)


def datasets_cache() -> Path:
    if os.environ.get("HF_DATASETS_CACHE"):
        return Path(os.environ["HF_DATASETS_CACHE"]).expanduser()
    return _hf_home() / "datasets"


def hub_cache() -> Path:
    for name in ("HF_HUB_CACHE", "HUGGINGFACE_HUB_CACHE"):
        if os.environ.get(name):
            return Path(os.environ[name]).expanduser()
    return _hf_home() / "hub"


def _hf_home() -> Path:
    if os.environ.get("HF_HOME"):
        return Path(os.environ["HF_HOME"]).expanduser()
    return Path(os.environ.get("XDG_CACHE_HOME", "~/.cache")).expanduser() / "huggingface"


def split_word(name: str) -> str | None:
    """mlx-lm's split (train, valid or test) that a split or file name says, or None."""
    for word in re.split(r"[^a-z]+", name.lower()):
        if word in SPLIT_WORDS:
            return SPLIT_WORDS[word]
    return None


def is_hf_folder(path: Path) -> bool:
    """True for a folder in one of the Hugging Face layouts (and not an mlx-lm folder with train.jsonl)."""
    if not path.is_dir() or (path / "train.jsonl").is_file():
        return False
    if (path / "dataset_dict.json").is_file() or (path / "state.json").is_file():
        return True
    files = _data_files(path)
    # Parquet and Arrow are Hugging Face's own; JSON or CSV files only in a repository (with its README.md).
    return any(p.suffix in (".parquet", ".arrow") for p in files) or (bool(files) and (path / "README.md").is_file())


def _data_files(root: Path) -> list[Path]:
    found = []
    for path in sorted(root.rglob("*")):
        parts = path.relative_to(root).parts
        if any(part.startswith(".") for part in parts) or not path.is_file():
            continue
        if path.suffix.lower() in SUFFIXES and path.name not in ("dataset_info.json", "dataset_dict.json", "state.json"):
            found.append(path)
    return found


def read_folder(root: Path, name: str | None = None) -> HfDataset:
    """A dataset folder's files by split (``name``: the configuration, a subfolder of that name)."""
    dataset = HfDataset(root.name, "folder", root)
    dict_file = root / "dataset_dict.json"
    if dict_file.is_file():  # save_to_disk of a DatasetDict
        try:
            splits = json.loads(dict_file.read_text(encoding="utf-8"))["splits"]
        except (OSError, ValueError, KeyError, TypeError):
            raise SourceError("hf.bad_folder", path=str(root)) from None
        for split in splits:
            dataset.splits[split] = sorted((root / split).glob("*.arrow"))
        return dataset
    if (root / "state.json").is_file():  # save_to_disk of one Dataset
        dataset.splits["train"] = sorted(root.glob("*.arrow"))
        return dataset
    files = _data_files(root)
    if name:
        files = [p for p in files if name in p.relative_to(root).parts[:-1]] or files
    for path in files:
        stem = _SHARD.sub("", path.name[: -len(path.suffix)])
        if path.suffix == ".arrow" and "-" in stem:  # the datasets cache: BUILDER-SPLIT.arrow
            split = stem.rsplit("-", 1)[1]
        else:
            relative = path.relative_to(root).as_posix()
            split = next((w for w in re.split(r"[^a-z]+", relative.lower()) if w in SPLIT_WORDS), "train")
        dataset.splits.setdefault(split, []).append(path)
    return dataset


def find_cached(repo_id: str, name: str | None = None) -> HfDataset:
    """The dataset ``repo_id`` from the local caches (the datasets cache first, then the Hub's); never downloads."""
    org, _, short = repo_id.rpartition("/")
    looked = []
    root = datasets_cache()
    looked.append(str(root))
    entry = root / (f"{org}___{short}" if org else short)
    if entry.is_dir():
        configs = [p for p in entry.iterdir() if p.is_dir()]
        if name:
            configs = [p for p in configs if p.name == name]
        arrows = sorted((p for c in configs for p in c.glob("*/*/*.arrow")), key=lambda p: p.stat().st_mtime)
        if arrows:
            newest = arrows[-1].parent  # the latest build of the latest version
            dataset = read_folder(newest)
            return HfDataset(repo_id, "datasets-cache", newest, dataset.splits)
    hub = hub_cache()
    looked.append(str(hub))
    repo = hub / f"datasets--{repo_id.replace('/', '--')}"
    snapshot = _snapshot(repo)
    if snapshot is not None:
        dataset = read_folder(snapshot, name)
        if dataset.splits:
            return HfDataset(repo_id, "hub-cache", snapshot, dataset.splits)
    raise SourceError("hf.not_cached", name=repo_id, looked=" and ".join(looked))


def _snapshot(repo: Path) -> Path | None:
    if not repo.is_dir():
        return None
    ref = repo / "refs" / "main"
    if ref.is_file():
        snapshot = repo / "snapshots" / ref.read_text(encoding="utf-8").strip()
        if snapshot.is_dir():
            return snapshot
    snapshots = sorted((repo / "snapshots").glob("*"), key=lambda p: p.stat().st_mtime) if (repo / "snapshots").is_dir() else []
    return snapshots[-1] if snapshots else None


def looks_like_repo_id(text: str) -> bool:
    return bool(_REPO_ID.match(text)) and not Path(text).expanduser().exists()


def open_dataset(path_or_id: str, name: str | None = None) -> HfDataset:
    """A Hugging Face dataset folder, or a dataset name from the local caches."""
    path = Path(path_or_id).expanduser()
    if path.is_dir():
        return read_folder(path, name)
    if looks_like_repo_id(path_or_id):
        return find_cached(path_or_id, name)
    raise SourceError("hf.not_cached", name=path_or_id, looked=f"{datasets_cache()} and {hub_cache()}")


# --- split specifications: "train", "train[:80%]", "train[-10%:]", "train+test" -------------

_SPEC = re.compile(r"^\s*([\w.-]+)\s*(?:\[\s*(-?\d+%?)?\s*:\s*(-?\d+%?)?\s*\])?\s*$")


def _bound(text: str | None, n: int) -> int | None:
    if text is None:
        return None
    if text.endswith("%"):
        # The datasets library's "closest" rounding of a percentage to a row.
        return int(round(int(text[:-1]) * n / 100.0))
    return int(text)


def select(dataset: HfDataset, spec: str) -> list[Item]:
    """The items of a split specification (``datasets``' slicing syntax, a subset: slices and ``+``)."""
    out: list[Item] = []
    for part in spec.split("+"):
        match = _SPEC.match(part)
        if match is None:
            raise SourceError("hf.bad_split", spec=spec)
        split, start, stop = match.groups()
        if split not in dataset.splits:
            raise SourceError("hf.no_split", name=dataset.name, split=split, splits=", ".join(dataset.splits) or "none")
        items = list(dataset.items(split))
        out += items[slice(_bound(start, len(items)), _bound(stop, len(items)))]
    return out


def hf_dataset_entries(value: Any) -> list[dict]:
    """mlx-lm's ``hf_dataset`` value (one mapping or a list of them) as a list of mappings."""
    if isinstance(value, dict):
        return [value]
    return [entry for entry in value or [] if isinstance(entry, dict)]


def entry_name(entry: dict) -> str | None:
    """The configuration (subset) an ``hf_dataset`` entry asks for: ``name``, or mlx-lm's ``config.name``."""
    config = entry.get("config") if isinstance(entry.get("config"), dict) else {}
    return entry.get("name") or config.get("name")


def entry_record(record: dict, entry: dict, keys) -> dict:
    """One row of an ``hf_dataset`` entry as a record with the run's keys (``keys``: a ``DataKeys``).

    The entry's own ``*_feature`` keys name the columns, as mlx-lm reads them
    (defaults: prompt, completion, messages, text), with mlx-lm's precedence.
    Alpaca and ShareGPT rows (which mlx-lm cannot read) are converted by
    ``formats``' rules; raises ``formats.Rejected`` for one that cannot be.
    """
    from .formats import convert_record, is_turns, record_kind

    chat_key = entry.get("chat_feature", "messages")
    sharegpt = is_turns(record.get(chat_key), "from", "value")  # from/value turns under the entry's chat key
    if sharegpt or (record_kind(record) in ("alpaca", "sharegpt") and chat_key not in record):
        converted = convert_record({"conversations": record[chat_key], "system": record.get("system"),
                                    "tools": record.get("tools")} if sharegpt else record, None)
        out = {keys.chat: converted["messages"]}
        if converted.get("tools"):
            out["tools"] = converted["tools"]
        return out
    prompt, completion = entry.get("prompt_feature", "prompt"), entry.get("completion_feature", "completion")
    chat, text = entry.get("chat_feature", "messages"), entry.get("text_feature", "text")
    if prompt in record and completion in record:
        out = {keys.prompt: record[prompt], keys.completion: record[completion]}
    elif chat in record:
        out = {keys.chat: record[chat]}
    elif text in record:
        return {keys.text: record[text]}
    else:
        return record
    if record.get("tools"):
        out["tools"] = record["tools"]
    return out


def _entry_item(item: Item, entry: dict, keys, split: str) -> Item:
    from .formats import Rejected

    if item.key or not isinstance(item.record, dict):
        return Item(item.file, item.line, item.row, item.record, item.key, item.values, split)
    try:
        record = entry_record(item.record, entry, keys)
    except Rejected as e:
        return Item(item.file, item.line, item.row, item.record, e.key, tuple(e.values.items()), split)
    return Item(item.file, item.line, item.row, record, "", (), split)


def hf_dataset_splits(value: Any, keys, with_test: bool = True) -> dict[str, list[Item]]:
    """The train/valid/test items of mlx-lm's ``hf_dataset`` setting, read from this machine only.

    Splits as mlx-lm takes them: ``train_split`` (default ``train[:80%]``),
    ``valid_split`` (default ``train[-10%:]``), ``test_split`` (none by
    default); several entries are concatenated. Records carry ``keys``.
    """
    out: dict[str, list[Item]] = {"train": [], "valid": [], "test": []}
    for entry in hf_dataset_entries(value):
        if not entry.get("path"):
            raise SourceError("hf.no_path")
        dataset = open_dataset(str(entry["path"]), entry_name(entry))
        specs = {"train": entry.get("train_split", "train[:80%]"), "valid": entry.get("valid_split", "train[-10%:]"),
                 "test": entry.get("test_split") if with_test else None}
        for split, spec in specs.items():
            if not spec:
                continue
            for item in select(dataset, str(spec)):
                out[split].append(_entry_item(item, entry, keys, split))
    return out
