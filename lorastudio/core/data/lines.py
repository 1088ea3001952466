"""Read a JSONL file line by line and parse each line the way mlx-lm will.

mlx-lm opens a data file in text mode (UTF-8 on a Mac, universal newlines)
and runs ``json.loads`` on every line; everything that makes that fail or
misread a line is reported here with the line number, through the caller's
``report(line, key, severity, **values)`` with a message key of
``messages.TEXTS``. An over-long line is skipped in chunks, never held in
memory whole. Used by ``datasets.py``; plain functions, any thread.
"""

from __future__ import annotations

import json
from typing import BinaryIO, Callable, Iterator

from .checks import json_kind

#: report(line, key, severity="error", **values)
Report = Callable[..., None]

_BOM = b"\xef\xbb\xbf"


def iter_lines(f: BinaryIO, max_bytes: int) -> Iterator[tuple[int, bytes | None, int, int]]:
    """Yield (line number, bytes without the line ending or None if too long, length, file offset).

    Lines split on ``\\n`` only; an over-long line is skipped in chunks, never held whole.
    """
    number, offset = 0, 0
    while True:
        chunk = f.readline(max_bytes + 2)  # room for "\r\n"
        if not chunk:
            return
        number += 1
        start, length = offset, len(chunk)
        if not chunk.endswith(b"\n") and len(chunk) == max_bytes + 2:
            while not chunk.endswith(b"\n"):
                chunk = f.readline(1 << 20)
                if not chunk:
                    break
                length += len(chunk)
            offset += length
            ending = 2 if chunk.endswith(b"\r\n") else 1 if chunk.endswith(b"\n") else 0
            yield number, None, length - ending, start
            continue
        offset += length
        body = chunk[:-1] if chunk.endswith(b"\n") else chunk
        if body.endswith(b"\r"):
            body = body[:-1]
        if len(body) > max_bytes:
            yield number, None, len(body), start
        else:
            yield number, body, len(body), start


def parse_line(raw: bytes, number: int, start: int, report: Report, lenient: bool) -> dict | None:
    """Decode and parse one line; report and return None when it cannot be used."""
    if number == 1 and raw.startswith(_BOM):
        # Python's json refuses the BOM, so mlx-lm fails on such a file.
        report(number, "line.bom", "warning" if lenient else "error")
        raw = raw[len(_BOM):]
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as e:
        report(number, "line.not_utf8", byte=raw[e.start], at=e.start, offset=start + e.start)
        return None
    if not text.strip():
        # mlx-lm runs json.loads on every line, so it stops at a blank one; a
        # single file is rewritten by write_split, which drops them.
        report(number, "line.blank", "warning" if lenient else "error")
        return None
    if "\r" in text:
        # mlx-lm opens files in text mode, where a lone "\r" ends a line.
        report(number, "line.carriage_return", column=text.index("\r") + 1)
        return None
    try:
        record = json.loads(text)
    except json.JSONDecodeError as e:
        if e.msg == "Extra data":
            report(number, "json.extra_data", column=e.colno)
        else:
            report(number, "json.invalid", json_error=e.msg, column=e.colno)
        return None
    except RecursionError:
        report(number, "json.too_deep")
        return None
    if not isinstance(record, dict):
        report(number, "json.not_object", got=json_kind(record))
        return None
    if b"\\u" in raw or b"\\U" in raw:
        try:  # an escaped lone surrogate ("\ud800") parses but cannot be tokenized
            json.dumps(record, ensure_ascii=False).encode("utf-8")
        except UnicodeEncodeError:
            report(number, "line.surrogate")
            return None
    return record
