"""Convert a dataset in a foreign format into an mlx-lm dataset folder, nothing lost.

``inspect_source`` says what a file, folder or cached dataset name holds
("Alpaca, 1,204 records"); ``convert`` writes ``train.jsonl``, ``valid.jsonl``
and ``test.jsonl`` (mlx-lm chat, completions or text records) into a folder,
and every source record that could not be converted into ``rejects.jsonl``
with its file, line (or row) and reason. The source is only read. The same
source and options give the same files, byte for byte: records keep their
order, the split is a seeded shuffle (``datasets.split_records``' rule) and
nothing time-dependent is written. Plain functions, any thread.
"""

from __future__ import annotations

import json
import os
from collections import Counter
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Iterable, Mapping, Sequence

from lorastudio.core.base import atomic
from . import messages
from .checks import FAMILY, check_record, record_format
from .datasets import split_records, write_split
from .formats import NAMES, Rejected, completions_as_chat, convert_record
from .keys import DataKeys
from .readers import Item, SourceError
from .sources import Source, read_source

SPLITS = ("train", "valid", "test")
REJECTS = "rejects.jsonl"
DEFAULT_SPLIT = (0.9, 0.1, 0.0)


@dataclass(frozen=True)
class Reject:
    """A source record that is not in the output, and why (a key of ``messages.TEXTS`` and its values)."""

    file: str
    line: int | None
    row: int | None
    key: str
    values: tuple[tuple[str, Any], ...]
    record: Any = None

    def text(self, lang: str = "en") -> str:
        return messages.text(self.key, lang, **dict(self.values))


@dataclass
class Conversion:
    """What ``convert`` did: records read, written per split, rejected by reason, and the files."""

    source: Source
    out: Path
    family: str
    written: dict[str, int]
    rejects: list[Reject]
    files: dict[str, Path]

    @property
    def read(self) -> int:
        return sum(self.written.values()) + len(self.rejects)

    def reasons(self, lang: str = "en") -> list[tuple[str, int]]:
        """(reason, count) of the rejects, most common first (ties in first-seen order)."""
        counts = Counter(reject.text(lang) for reject in self.rejects)
        return counts.most_common()


# --- converting ---------------------------------------------------------------------------


def _reject(item: Item, key: str, values: Mapping[str, Any]) -> Reject:
    return Reject(item.file, item.line, item.row, key, tuple(values.items()), item.record)


def convert_items(items: Iterable[Item], fmt: str | None, mapping: Mapping[str, str] | None,
                  keys: DataKeys = DataKeys()) -> tuple[list[tuple[Item, dict]], list[Reject]]:
    """Each item converted to an mlx-lm record that passes the data check, or rejected with its reason."""
    kind = None if fmt in (None, "auto") else fmt
    done: list[tuple[Item, dict]] = []
    rejects: list[Reject] = []
    for item in items:
        if item.key:
            rejects.append(_reject(item, item.key, dict(item.values)))
            continue
        try:
            record = convert_record(item.record, kind, keys, mapping)
        except Rejected as e:
            rejects.append(_reject(item, e.key, e.values))
            continue
        errors = [(key, values) for key, values, severity in check_record(record, DataKeys()) if severity == "error"]
        if errors:
            rejects.append(_reject(item, *errors[0]))
            continue
        done.append((item, record))
    return done, rejects


def one_family(done: list[tuple[Item, dict]]) -> tuple[str, list[tuple[Item, dict]], list[Reject]]:
    """One family for the whole output (mlx-lm reads a file in one format): prompt/completion records
    join chat ones as the two-message chat mlx-lm makes of them; text and chat do not mix (the
    fewer are rejected)."""
    if not done:
        return "chat", [], []
    families = Counter(FAMILY[record_format(record, DataKeys())] for _, record in done)
    if families.keys() == {"completions"}:
        return "completions", done, []
    chat_like = families["chat"] + families["completions"]
    family = "text" if families["text"] > chat_like else "chat"
    kept, rejects = [], []
    for item, record in done:
        own = FAMILY[record_format(record, DataKeys())]
        if family == "chat" and own == "completions":
            record = completions_as_chat(record)
            own = "chat"
        if own == family:
            kept.append((item, record))
        else:
            rejects.append(_reject(item, "convert.other_family", {"family": NAMES[family], "format": NAMES[own]}))
    return family, kept, rejects


def _parts(kept: list[tuple[Item, dict]], split: Sequence[float] | None, seed: int,
           has_splits: bool) -> dict[str, list[dict]]:
    if split is None and has_splits:
        out: dict[str, list[dict]] = {name: [] for name in SPLITS}
        for item, record in kept:
            out[item.split if item.split in SPLITS else "train"].append(record)
        return out
    train, valid, test = split if split is not None else DEFAULT_SPLIT
    total = train + valid + test
    return split_records([record for _, record in kept], valid / total, test / total, seed)


def parse_split(text: str) -> tuple[float, float, float]:
    """'0.9,0.05,0.05' (train, valid, test; two numbers: no test) as fractions; raises ``SourceError``."""
    try:
        numbers = [float(part) for part in text.split(",")]
    except ValueError:
        raise SourceError("convert.bad_split", split=text) from None
    if len(numbers) == 2:
        numbers.append(0.0)
    if len(numbers) != 3 or any(n < 0 for n in numbers) or numbers[0] <= 0:
        raise SourceError("convert.bad_split", split=text)
    total = sum(numbers)
    if (numbers[1] + numbers[2]) / total >= 1:
        raise SourceError("convert.bad_split", split=text)
    return numbers[0], numbers[1], numbers[2]


def _guard(files: list[Path], out: Path) -> None:
    if out.exists() and not out.is_dir():
        raise SourceError("convert.out_not_folder", path=str(out))
    targets = {(out / f"{name}.jsonl").resolve() for name in SPLITS} | {(out / REJECTS).resolve()}
    for file in files:
        if file.resolve() in targets:
            raise SourceError("convert.would_overwrite", path=str(file))


def _reject_line(reject: Reject) -> str:
    entry: dict[str, Any] = {"file": reject.file}
    if reject.line is not None:
        entry["line"] = reject.line
    if reject.row is not None:
        entry["row"] = reject.row
    entry["reason"] = reject.text("en")
    entry["key"] = reject.key
    entry["record"] = reject.record
    return json.dumps(entry, ensure_ascii=False, default=str) + "\n"


def convert(src: str | os.PathLike, out: str | os.PathLike, fmt: str | None = None,
            mapping: Mapping[str, str] | None = None, split: Sequence[float] | None = None, seed: int = 0,
            keys: DataKeys = DataKeys(), name: str | None = None) -> Conversion:
    """Convert ``src`` into the mlx-lm dataset folder ``out``; raises ``SourceError`` for a whole-source problem.

    ``fmt``: the records' format (None or "auto": each record's own);
    ``mapping``: column -> role for a table; ``split``: train, valid, test
    fractions (None: the source's own splits, else 0.9/0.1/0); ``name``: the
    configuration of a Hugging Face dataset.
    """
    source, files, items = read_source(str(src), fmt, mapping, keys, name)
    out = Path(out).expanduser()
    _guard(files, out)
    done, rejects = convert_items(items, fmt, source.mapping, keys)
    family, kept, others = one_family(done)
    rejects = sorted(rejects + others, key=lambda r: (r.file, r.line or 0, r.row or 0))
    if not kept:
        reason = rejects[0].text("en") if rejects else messages.text("file.empty", "en")
        raise SourceError("convert.nothing", count=len(rejects), reason=reason)
    parts = _parts(kept, split, seed, bool(source.splits))
    if not parts.get("train"):
        raise SourceError("convert.no_train")
    written = write_split(parts, out)
    target = out / REJECTS
    if rejects:
        atomic.write_text(target, "".join(_reject_line(r) for r in rejects))
        written["rejects"] = target
    elif target.is_file():
        target.unlink()
    counts = {name: len(parts.get(name) or []) for name in SPLITS}
    return Conversion(source, out, family, counts, rejects, written)


def preview_records(src: str | os.PathLike, fmt: str | None = None, mapping: Mapping[str, str] | None = None,
                    count: int = 3, keys: DataKeys = DataKeys(), name: str | None = None) -> list[dict | Reject]:
    """The first ``count`` source records as they will be written (a ``Reject`` for one that will not)."""
    source, _files, items = read_source(str(src), fmt, mapping, keys, name)
    done, rejects = convert_items(items[:count], fmt, source.mapping, keys)
    converted = {id(item): record for item, record in done}
    by_item = {(r.file, r.line, r.row): r for r in rejects}
    return [converted.get(id(item)) or by_item[(item.file, item.line, item.row)] for item in items[:count]]


def hf_dataset_folder(value: Any, keys: DataKeys, out: str | os.PathLike, with_test: bool = False) -> Path:
    """Write mlx-lm's ``hf_dataset`` setting (read from this machine's caches or folders) as a dataset
    folder with ``keys``' record keys, the splits as mlx-lm takes them; raises ``SourceError``."""
    from .hf import hf_dataset_splits

    splits = hf_dataset_splits(value, keys, with_test)
    for items in splits.values():
        for item in items:
            if item.key:
                raise SourceError("source.bad_row", where=item.where, reason=messages.text(item.key, "en", **dict(item.values)))
    records = {name: [item.record for item in items] for name, items in splits.items()}
    if not records["train"]:
        raise SourceError("convert.no_train")
    write_split(records, out)
    return Path(out)
