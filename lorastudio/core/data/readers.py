"""Read the records of a file in any container people ship data in: JSONL, a JSON array, CSV,
TSV, Parquet and Arrow (a Hugging Face dataset's own files).

Each reader yields ``Item``s: the record (a dict; a table row keyed by its
columns) with where it came from (the file and its line, or its row), or the
reason it could not be read. Maintained parsers do the reading: ``json``,
``csv``, ``pyarrow``. A problem with a whole file (not JSON, a Parquet file
that pyarrow cannot open) raises ``SourceError`` naming the file. Plain
functions, any thread; pyarrow is imported when a table is read.
"""

from __future__ import annotations

import bisect
import csv
import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Iterator

from . import messages
from .lines import iter_lines, parse_line

#: File suffix -> container.
SUFFIXES = {".jsonl": "jsonl", ".json": "json", ".csv": "csv", ".tsv": "tsv", ".tab": "tsv",
            ".parquet": "parquet", ".arrow": "arrow"}
TABLES = ("csv", "tsv", "parquet", "arrow")


class SourceError(ValueError):
    """A source that cannot be read at all: a key of ``messages.TEXTS`` and its values (``text(lang)``)."""

    def __init__(self, key: str, **values: Any):
        super().__init__(messages.text(key, "en", **values))
        self.key, self.values = key, values

    def text(self, lang: str = "en") -> str:
        return messages.text(self.key, lang, **self.values)


@dataclass(frozen=True)
class Item:
    """One record of a source: ``record`` or, when it could not be read, ``key`` and ``values``.

    ``line`` is the 1-based line of a text file where the record starts; ``row``
    the 1-based row of a table (Parquet, Arrow) or item of a JSON array.
    """

    file: str
    line: int | None = None
    row: int | None = None
    record: Any = None
    key: str = ""
    values: tuple[tuple[str, Any], ...] = ()
    split: str | None = None

    @property
    def where(self) -> str:
        if self.line is not None:
            return f"{self.file}:{self.line}"
        return f"{self.file} row {self.row}" if self.row is not None else self.file


def container_of(path: Path) -> str | None:
    """The container of a file from its suffix and, for .json/.jsonl, its first character."""
    kind = SUFFIXES.get(path.suffix.lower())
    if kind in ("json", "jsonl") or kind is None and path.suffix.lower() in ("", ".txt"):
        try:
            with open(path, "rb") as f:
                head = f.read(4096).lstrip(b"\xef\xbb\xbf \t\r\n")
        except OSError:
            return kind
        if head.startswith(b"["):
            return "json"
        if head.startswith(b"{"):
            return "jsonl"
    return kind


def read_items(path: Path, container: str, split: str | None = None, limit: int | None = None) -> Iterator[Item]:
    """Every record of ``path`` read as ``container``; at most ``limit`` when given."""
    reader = {"jsonl": _jsonl, "json": _json_array, "csv": _csv, "tsv": _csv,
              "parquet": _parquet, "arrow": _arrow}[container]
    count = 0
    for item in reader(path, container, split):
        yield item
        count += 1
        if limit is not None and count >= limit:
            return


def _jsonl(path: Path, _container: str, split: str | None) -> Iterator[Item]:
    name = path.name
    try:
        f = open(path, "rb")
    except OSError as e:
        raise SourceError("source.cannot_read", file=name, error=e.strerror or str(e)) from None
    with f:
        for number, raw, length, start in iter_lines(f, 100_000_000):
            if raw is None:
                yield Item(name, number, key="line.too_long", values=(("length", length), ("limit", 100_000_000)),
                           split=split)
                continue
            if not raw.strip():
                continue  # a blank line holds no record
            found: list[tuple[str, dict]] = []
            record = parse_line(raw, number, start, lambda _line, key, severity="error", **values:
                                found.append((key, values)) if severity == "error" else None, lenient=True)
            if record is None:
                key, values = found[0] if found else ("line.blank", {})
                yield Item(name, number, key=key, values=tuple(values.items()), split=split)
            else:
                yield Item(name, number, record=record, split=split)


def _json_array(path: Path, _container: str, split: str | None) -> Iterator[Item]:
    """The items of a JSON array, each with the line it starts on (json's raw_decode over the text)."""
    name = path.name
    try:
        text = path.read_text(encoding="utf-8-sig")
    except (OSError, UnicodeDecodeError) as e:
        raise SourceError("source.cannot_read", file=name, error=getattr(e, "strerror", None) or str(e)) from None
    newlines = [i for i, char in enumerate(text) if char == "\n"]
    decoder = json.JSONDecoder()
    pos = _skip(text, 0)
    if not text.startswith("[", pos):
        raise SourceError("source.not_array", file=name)
    pos = _skip(text, pos + 1)
    row = 0
    while pos < len(text) and text[pos] != "]":
        try:
            value, end = decoder.raw_decode(text, pos)
        except json.JSONDecodeError as e:
            raise SourceError("source.bad_json", file=name, line=e.lineno, column=e.colno, json_error=e.msg) from None
        row += 1
        line = bisect.bisect_left(newlines, pos) + 1
        if isinstance(value, dict):
            yield Item(name, line, row, record=value, split=split)
        else:
            from .checks import json_kind

            yield Item(name, line, row, key="json.not_object", values=(("got", json_kind(value)),), split=split)
        pos = _skip(text, end)
        if pos < len(text) and text[pos] == ",":
            pos = _skip(text, pos + 1)
        elif pos < len(text) and text[pos] != "]":
            line = bisect.bisect_left(newlines, pos) + 1
            raise SourceError("source.bad_json", file=name, line=line, column=pos - (newlines[line - 2] if line > 1 else -1),
                              json_error="Expecting ',' delimiter")
    if pos >= len(text):
        raise SourceError("source.bad_json", file=name, line=len(newlines) + 1, column=1, json_error="Expecting ']'")


def _skip(text: str, pos: int) -> int:
    while pos < len(text) and text[pos] in " \t\r\n":
        pos += 1
    return pos


def _csv(path: Path, container: str, split: str | None) -> Iterator[Item]:
    """Rows of a CSV or TSV file under its header; quoted newlines kept, ragged rows named with their line."""
    name = path.name
    try:
        f = open(path, encoding="utf-8-sig", newline="")
    except OSError as e:
        raise SourceError("source.cannot_read", file=name, error=e.strerror or str(e)) from None
    with f:
        reader = csv.reader(f, delimiter="\t" if container == "tsv" else ",")
        try:
            header = next(reader, None)
            if not header:
                raise SourceError("source.no_header", file=name)
            header = [column.strip() for column in header]
            start = reader.line_num + 1
            for row in reader:
                line, start = start, reader.line_num + 1
                if not any(cell.strip() for cell in row):
                    continue  # a blank line holds no record
                if len(row) != len(header):
                    yield Item(name, line, key="source.ragged", values=(("fields", len(row)), ("columns", len(header))),
                               split=split)
                    continue
                yield Item(name, line, record=dict(zip(header, row)), split=split)
        except csv.Error as e:
            raise SourceError("source.bad_csv", file=name, line=reader.line_num, error=str(e)) from None
        except UnicodeDecodeError as e:
            raise SourceError("source.cannot_read", file=name, error=str(e)) from None


def table_columns(path: Path, container: str) -> list[str]:
    """The column names of a table file (the header of a CSV or TSV, the schema of Parquet or Arrow)."""
    if container in ("csv", "tsv"):
        with open(path, encoding="utf-8-sig", newline="") as f:
            header = next(csv.reader(f, delimiter="\t" if container == "tsv" else ","), None) or []
        return [column.strip() for column in header]
    return list(_arrow_schema(path, container).names)


def _arrow_schema(path: Path, container: str):
    import pyarrow as pa
    import pyarrow.parquet as pq

    try:
        if container == "parquet":
            return pq.ParquetFile(path).schema_arrow
        return _open_arrow(path).schema
    except (OSError, pa.ArrowException) as e:
        raise SourceError("source.bad_table", file=path.name, error=str(e)) from None


def _open_arrow(path: Path):
    """An Arrow IPC reader: Hugging Face's cache files are streams; the file format works too."""
    import pyarrow as pa

    source = pa.memory_map(str(path))
    try:
        return pa.ipc.open_stream(source)
    except pa.ArrowInvalid:
        return pa.ipc.open_file(pa.memory_map(str(path)))


def _batches(path: Path, container: str):
    import pyarrow.parquet as pq

    if container == "parquet":
        yield from pq.ParquetFile(path).iter_batches(batch_size=1024)
        return
    reader = _open_arrow(path)
    if hasattr(reader, "num_record_batches") and not hasattr(reader, "read_next_batch"):
        for i in range(reader.num_record_batches):
            yield reader.get_batch(i)
    else:
        yield from reader


def _parquet(path: Path, container: str, split: str | None) -> Iterator[Item]:
    import pyarrow as pa

    row = 0
    try:
        for batch in _batches(path, container):
            for record in batch.to_pylist():
                row += 1
                yield Item(path.name, None, row, record=record, split=split)
    except (OSError, pa.ArrowException) as e:
        raise SourceError("source.bad_table", file=path.name, error=str(e)) from None


_arrow = _parquet
