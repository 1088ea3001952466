"""What a dataset source holds: a file in any container, an mlx-lm folder, a Hugging Face
dataset folder or a dataset name in the local caches; read into ``readers.Item``s.

``inspect_source`` says what it is ("Alpaca, 1,204 records"); ``read_source``
reads every record for ``convert``. A table (CSV, TSV, Parquet, Arrow) is read
as records of a known format when its columns say so (``instruction``/``output``,
``conversations``, ``messages``, ...), else through a column mapping (given, or
from well-known headers such as question/answer). Plain functions, any thread.
"""

from __future__ import annotations

import os
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Mapping

from . import messages
from .formats import NAMES, auto_mapping, check_mapping, record_kind
from .hf import HfDataset, is_hf_folder, looks_like_repo_id, open_dataset, split_word
from .keys import DataKeys
from .readers import TABLES, Item, SourceError, container_of, read_items, table_columns

SPLITS = ("train", "valid", "test")
#: The columns a table's rows need to be records of a format, and the column that says the format.
_NEEDED = {"alpaca": ("instruction", "output"), "sharegpt": ("conversations",), "openai": ("messages",),
           "chat": ("messages",), "completions": ("prompt", "completion"), "text": ("text",)}
_SAYS = (("instruction", "alpaca"), ("conversations", "sharegpt"), ("messages", "openai"))


@dataclass
class Source:
    """What a source holds: its container, its records' format and count, and how a table maps."""

    path: str
    container: str  # jsonl, json, csv, tsv, parquet, arrow, folder (mlx-lm), hf
    format: str | None  # the most common record format (``formats.NAMES``), "columns" for a mapped table
    count: int
    kinds: dict[str, int] = field(default_factory=dict)
    columns: list[str] = field(default_factory=list)
    mapping: dict[str, str] | None = None
    splits: list[str] = field(default_factory=list)
    unreadable: int = 0

    def what(self) -> str:
        """The records' format by name ("Alpaca"), a table's mapping ("question→user, answer→assistant")
        or its columns when they need mapping."""
        if self.mapping:
            return ", ".join(f"{column}→{role}" for column, role in self.mapping.items())
        if self.format is None:
            return ", ".join(self.columns) if self.columns else "?"
        return NAMES.get(self.format, self.format)

    def describe(self, lang: str = "en") -> str:
        """'Alpaca, 1,204 records' (with the container when it is not JSONL); a table: '3 records in a CSV table'."""
        container = self.container  # said as a phrase by ``messages.text``
        if self.mapping or (self.format is None and self.columns):
            return messages.text("source.describe_table", lang, container=container, count=self.count)
        name = NAMES.get(self.format or "", messages.text("source.unknown_format", lang))
        return messages.text("source.describe", lang, format=name, container=container, count=self.count)


# --- reading a source --------------------------------------------------------------------


def _source_items(path_text: str, name: str | None) -> tuple[str, list[Path], list[Item]]:
    """(container, files read, items) of a file, an mlx-lm folder, a Hugging Face folder or cached name."""
    path = Path(path_text).expanduser()
    if path.is_file():
        container = container_of(path)
        if container is None:
            raise SourceError("source.unknown_container", file=path.name)
        return container, [path], list(read_items(path, container))
    if path.is_dir() and not is_hf_folder(path):
        files = [path / f"{split}.jsonl" for split in SPLITS if (path / f"{split}.jsonl").is_file()]
        if not files:
            raise SourceError("source.empty_folder", path=str(path))
        items = [item for file in files for item in read_items(file, "jsonl", split=file.stem)]
        return "folder", files, items
    if path.is_dir() or looks_like_repo_id(path_text):
        dataset = open_dataset(path_text, name)
        return "hf", [p for files in dataset.splits.values() for p in files], _hf_items(dataset)
    raise SourceError("source.missing", path=str(path))


def _hf_items(dataset: HfDataset) -> list[Item]:
    items = []
    for split in dataset.splits:
        ours = split_word(split) or "train"
        items += [Item(i.file, i.line, i.row, i.record, i.key, i.values, ours) for i in dataset.items(split)]
    return items


def _table_mapping(container: str, columns: list[str], fmt: str | None, mapping: Mapping[str, str] | None):
    """The mapping a table's rows need (None: the rows are records of a known format already)."""
    if mapping:
        problems = check_mapping(mapping, columns)
        if problems:
            key, values = problems[0]
            raise SourceError(key, **values)
        return dict(mapping)
    if fmt is None:
        fmt = next((said for column, said in _SAYS if column in columns), None)
        if fmt is None and "prompt" in columns and "completion" in columns:
            fmt = "completions"
    needed = _NEEDED.get(fmt or "")
    if needed:
        missing = [column for column in needed if column not in columns]
        if missing:
            raise SourceError("source.missing_column", column=missing[0], format=NAMES.get(fmt, fmt),
                              columns=", ".join(columns))
        return None
    found = auto_mapping(columns)
    if found is None:
        raise SourceError("source.needs_map", columns=", ".join(columns))
    return found


def read_source(path: str, fmt: str | None, mapping: Mapping[str, str] | None, keys: DataKeys,
                name: str | None, strict: bool = True) -> tuple[Source, list[Path], list[Item]]:
    """(what the source is, the files read, every item). ``strict``: a table whose columns say nothing
    raises ``SourceError`` (else it is a source of unknown format, its columns listed)."""
    container, files, items = _source_items(path, name)
    fmt = None if fmt in (None, "auto") else fmt
    columns: list[str] = []
    used = None
    if container in TABLES or container == "hf":
        columns = table_columns(files[0], container) if container in TABLES else _record_columns(items)
        try:
            used = _table_mapping(container, columns, fmt, mapping)
        except SourceError as e:
            if strict or e.key != "source.needs_map":
                raise
            return Source(str(path), container, None, len(items), {}, columns), files, items
    elif mapping:
        used = dict(mapping)
    kinds = Counter("columns" if used else record_kind(i.record, keys) or "unknown" for i in items if not i.key)
    splits = sorted({i.split for i in items if i.split}, key=lambda s: SPLITS.index(s) if s in SPLITS else 9)
    top = kinds.most_common(1)[0][0] if kinds else None
    source = Source(str(path), container, None if top == "unknown" else top, len(items), dict(kinds), columns,
                    used, splits, sum(1 for i in items if i.key))
    return source, files, items


def _record_columns(items: list[Item]) -> list[str]:
    first = next((item.record for item in items if isinstance(item.record, dict)), {})
    return list(first)


def inspect_source(path: str | os.PathLike, fmt: str | None = None, mapping: Mapping[str, str] | None = None,
                   keys: DataKeys = DataKeys(), name: str | None = None) -> Source:
    """What ``path`` holds (a file, a folder or a cached dataset name); raises ``SourceError`` when
    unreadable. A table whose columns need a mapping comes back with ``format`` None and its ``columns``."""
    return read_source(str(path), fmt, mapping, keys, name, strict=False)[0]
