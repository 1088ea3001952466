"""Training data: read a dataset, check every line, split it, hand it to mlx-lm.

A dataset is a folder with ``train.jsonl`` (required), ``valid.jsonl`` and
``test.jsonl`` (optional), exactly as ``mlx_lm.lora --data`` reads it, or one
``.jsonl`` file that is split by a seeded ratio. mlx-lm only looks at the first
line and fails late on the rest; ``check_dataset`` reads every line and
returns a report of all problems with file and line, never raising for bad
data. Training then uses mlx-lm's own dataset classes (``to_mlx_dataset``), so
what was checked is what is trained. The record rules live in ``checks.py``;
a problem carries its English message and the key and values that say it in
Chinese (``messages.py``). Plain functions, any thread; mlx-lm is imported lazily.
"""

from __future__ import annotations

import json
import math
import os
import random
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from types import SimpleNamespace
from typing import Any, Mapping, Sequence

from lorastudio.core.base import atomic
from . import messages
from .checks import FAMILY, check_record, record_format
from .groups import Grouper, ProblemGroup, single as _single_group
from .keys import DataKeys
from .lines import iter_lines, parse_line

SPLITS = ("train", "valid", "test")
MAX_PROBLEMS_PER_FILE = 200


@dataclass(frozen=True)
class Problem:
    """One thing wrong with the data; ``line`` is 1-based, None for the whole file.

    ``message`` is the English sentence (the command line prints it); ``key``
    and ``values`` name it in ``messages.TEXTS`` so that ``text("zh")`` can say
    it in Chinese. A problem made with a message alone (``key`` "") has no
    other language and ``text`` returns the message.
    """

    file: str
    line: int | None
    message: str
    severity: str = "error"  # "error" | "warning"
    key: str = ""
    values: tuple[tuple[str, Any], ...] = ()  # (name, value) pairs: a tuple keeps the problem hashable

    @classmethod
    def of(cls, file: str, line: int | None, key: str, severity: str = "error", **values: Any) -> Problem:
        """The problem ``key`` of ``messages.TEXTS`` with its values, its English message filled in."""
        return cls(file, line, messages.text(key, "en", **values), severity, key, tuple(values.items()))

    def text(self, lang: str = "en") -> str:
        """The message in ``lang`` ("en" or "zh")."""
        if lang == "en" or not self.key:
            return self.message
        return messages.text(self.key, lang, **dict(self.values))

    def __str__(self) -> str:
        return self.located("en")

    def located(self, lang: str = "en") -> str:
        """The problem with its file and line, in ``lang`` (``str()`` is the English)."""
        where = self.file if self.line is None else messages.text("summary.line", lang, file=self.file, line=self.line)
        message = self.text(lang)
        if self.severity == "warning":
            message = messages.text("summary.warning", lang, message=message)
        return f"{where}{'：' if lang == 'zh' else ': '}{message}"


class DatasetError(ValueError):
    """Raised by callers that refuse to go on with bad data; the message lists the first problems.

    Made from a ``DatasetReport``, it says itself in another language too (``text(lang)``).
    """

    def __init__(self, message: str, report: "DatasetReport | None" = None, limit: int = 10):
        super().__init__(message)
        self.report, self.limit = report, limit

    def text(self, lang: str = "en") -> str:
        return self.report.summary(self.limit, lang) if self.report is not None else str(self)


@dataclass(frozen=True)
class DatasetReport:
    """What ``check_dataset`` found: the problems and the usable records.

    ``splits`` holds the parsed records of train/valid/test (only lines without
    errors); ``files`` the file each split came from; ``line_numbers`` the source
    line of each record, parallel to ``splits``. ``error_count`` and
    ``warning_count`` include problems past the per-file cap that are not stored.
    """

    path: str
    format: str | None
    problems: list[Problem]
    splits: dict[str, list[dict]]
    files: dict[str, str]
    line_numbers: dict[str, list[int]]
    formats: dict[str, str] = field(default_factory=dict)
    single_file: bool = False
    error_count: int = 0
    warning_count: int = 0
    groups: list[ProblemGroup] = field(default_factory=list)  # every problem, the same one on many lines said once

    @property
    def errors(self) -> list[Problem]:
        return [p for p in self.problems if p.severity == "error"]

    @property
    def warnings(self) -> list[Problem]:
        return [p for p in self.problems if p.severity == "warning"]

    @property
    def ok(self) -> bool:
        return self.error_count == 0

    def grouped(self, severity: str | None = None) -> list[ProblemGroup]:
        """The problems with the same one on many lines said once (``severity``: only those)."""
        groups = self.groups or [_single_group(p) for p in self.problems]
        return [g for g in groups if severity is None or g.severity == severity]

    def summary(self, limit: int = 10, lang: str = "en") -> str:
        """A few lines for a log or an exception: counts, then the first errors (in ``lang``),
        a problem found on many lines once with its lines and count."""
        sizes = ("、" if lang == "zh" else ", ").join(
            messages.text("summary.size", lang, split=messages.text(f"split.{name}", lang), count=len(self.splits.get(name, [])))
            for name in SPLITS
        )
        head = messages.text("summary.head", lang, path=self.path, sizes=sizes, errors=self.error_count,
                             warnings=self.warning_count,
                             format=self.format or messages.text("summary.unknown_format", lang))
        groups = self.grouped("error") or self.grouped()
        shown = groups[:limit]
        lines = [head, *(f"  {g.located(lang)}" for g in shown)]
        rest = len(groups) - len(shown)
        if rest > 0:
            lines.append("  " + messages.text("summary.more", lang, rest=rest))
        return "\n".join(lines)

    def raise_if_errors(self, limit: int = 10) -> None:
        if not self.ok:
            raise DatasetError(self.summary(limit), self, limit)


class _Log:
    """Problems of one file, capped so that a million bad lines stay cheap; their groups are not capped."""

    def __init__(self, name: str, cap: int = MAX_PROBLEMS_PER_FILE) -> None:
        self.name, self.cap = name, cap
        self.kept: list[Problem] = []
        self.hidden = Counter()  # severity -> count beyond the cap
        self.grouper = Grouper()

    def add(self, line: int | None, key: str, severity: str = "error", **values: Any) -> None:
        """Note the problem ``key`` of ``messages.TEXTS`` at ``line``."""
        self.grouper.add(self.name, line, key, severity, values)
        if len(self.kept) < self.cap:
            self.kept.append(Problem.of(self.name, line, key, severity, **values))
        else:
            self.hidden[severity] += 1

    def finish(self) -> list[Problem]:
        problems = sorted(self.kept, key=lambda p: (p.line is None, p.line or 0))  # whole-file notes last
        hidden = sum(self.hidden.values())
        if hidden:
            severity = "error" if self.hidden["error"] else "warning"
            problems.append(Problem.of(self.name, None, "file.more_problems", severity, hidden=hidden,
                                       errors=self.hidden["error"]))
        return problems

    def count(self, severity: str) -> int:
        return sum(p.severity == severity for p in self.kept) + self.hidden[severity]


@dataclass
class _FileResult:
    records: list[dict]
    lines: list[int]
    family: str | None
    format: str | None
    log: _Log


def _foreign_hint(issues: list, record: dict, keys: DataKeys, path: Path) -> list:
    """A record without mlx-lm's keys that is Alpaca or ShareGPT data: say so and name the command."""
    from .formats import FOREIGN, NAMES, convert_command, record_kind

    out = []
    for key, values, severity in issues:
        if key == "record.no_format_key":
            kind = record_kind(record, keys)
            if kind in FOREIGN:
                key, values = "record.foreign_format", {"command": convert_command(path), "format": NAMES[kind]}
        out.append((key, values, severity))
    return out


def _read_file(path: Path, name: str, keys: DataKeys, max_line_bytes: int, lenient: bool,
               trusted: bool = False) -> _FileResult:
    log = _Log(name)
    parsed: list[tuple[int, dict, str]] = []  # (line, record, format) of records without errors
    try:
        f = open(path, "rb")
    except OSError as e:
        log.add(None, "file.cannot_read", error=e.strerror or str(e))
        return _FileResult([], [], None, None, log)
    with f:
        try:
            for number, raw, length, start in iter_lines(f, max_line_bytes):
                if raw is None:
                    log.add(number, "line.too_long", length=length, limit=max_line_bytes)
                    continue
                record = parse_line(raw, number, start, log.add, lenient)
                if record is None:
                    continue
                # Checked already and unchanged since (check_dataset's ``trusted``): no record has an error.
                issues = [] if trusted else _foreign_hint(check_record(record, keys), record, keys, path)
                for key, values, severity in issues:
                    log.add(number, key, severity, **values)
                if not any(severity == "error" for _, _, severity in issues):
                    parsed.append((number, record, record_format(record, keys)))
        except OSError as e:  # a disk or network share failing half-way
            log.add(None, "file.cannot_read", error=e.strerror or str(e))
    if not parsed:
        if not log.kept:
            log.add(None, "file.empty")
        else:
            log.add(None, "file.no_usable")
        return _FileResult([], [], None, None, log)
    # mlx-lm picks one dataset class per file from its first line and applies it
    # to every line; name the lines that differ from the file's majority format.
    counts = Counter(FAMILY[fmt] for _, _, fmt in parsed)
    first = FAMILY[parsed[0][2]]
    family = max(counts, key=lambda fam: (counts[fam], fam == first))
    kept = [(n, r, fmt) for n, r, fmt in parsed if FAMILY[fmt] == family]
    for n, _, fmt in parsed:
        if FAMILY[fmt] != family:
            log.add(n, "file.mixed_formats", format=fmt, family=family, count=counts[family], total=len(parsed))
    fmt = "tools" if any(f == "tools" for _, _, f in kept) else family
    return _FileResult([r for _, r, _ in kept], [n for n, _, _ in kept], family, fmt, log)


def _split_indices(n: int, valid_fraction: float, test_fraction: float, seed: int) -> dict[str, list[int]]:
    if not (0 <= valid_fraction < 1 and 0 <= test_fraction < 1 and valid_fraction + test_fraction < 1):
        raise ValueError(messages.text("split.fractions", valid=valid_fraction, test=test_fraction))
    n_valid = math.floor(n * valid_fraction + 0.5)
    n_test = math.floor(n * test_fraction + 0.5)
    # A split asked for gets at least one example, but training keeps at least one.
    n_valid = max(n_valid, 1 if valid_fraction > 0 else 0)
    n_test = max(n_test, 1 if test_fraction > 0 else 0)
    excess = n_valid + n_test - max(n - 1, 0)
    if excess > 0:
        cut = min(excess, n_test)
        n_test -= cut
        n_valid -= min(excess - cut, n_valid)
    order = list(range(n))
    random.Random(seed).shuffle(order)
    valid, test = order[:n_valid], order[n_valid:n_valid + n_test]
    train = order[n_valid + n_test:]
    # Each split keeps the file's order: easier to read and to diff.
    return {"train": sorted(train), "valid": sorted(valid), "test": sorted(test)}


def split_records(records: Sequence[Any], valid_fraction: float = 0.1, test_fraction: float = 0.0,
                  seed: int = 0) -> dict[str, list]:
    """Split records into train/valid/test by a seeded shuffle (same seed, same split).

    A split with a fraction above 0 gets at least one example as long as
    training keeps one. Raises ValueError for fractions outside [0, 1).
    """
    indices = _split_indices(len(records), valid_fraction, test_fraction, seed)
    return {name: [records[i] for i in idx] for name, idx in indices.items()}


def check_dataset(path: str | os.PathLike, keys: DataKeys = DataKeys(), max_line_bytes: int = 1_000_000,
                  valid_fraction: float = 0.1, test_fraction: float = 0.0, split_seed: int = 0,
                  trusted: bool = False) -> DatasetReport:
    """Read and check a dataset folder or a single JSONL file; never raises for bad data.

    The fractions and seed only apply to a single file. ``trusted``: these files
    were checked without errors and have not changed since (``fingerprint``
    says so), so each line is parsed but its record not checked again.
    """
    path = Path(path).expanduser()
    empty = {name: [] for name in SPLITS}
    if not path.exists():
        problem = Problem.of(str(path), None, "path.missing")
        return DatasetReport(str(path), None, [problem], dict(empty), {}, {}, error_count=1)
    if path.is_dir():
        return _check_folder(path, keys, max_line_bytes, trusted)
    if not path.is_file():  # a FIFO or a device would block or never end
        problem = Problem.of(path.name, None, "path.not_file")
        return DatasetReport(str(path), None, [problem], dict(empty), {}, {}, error_count=1)
    return _check_single(path, keys, max_line_bytes, valid_fraction, test_fraction, split_seed, trusted)


def fingerprint(path: str | os.PathLike) -> dict[str, list[int]]:
    """Size and modification time of each file ``check_dataset`` reads for ``path``: equal fingerprints, same data."""
    path = Path(path).expanduser()
    files = [path / f"{name}.jsonl" for name in SPLITS] if path.is_dir() else [path]
    out = {}
    for file in files:
        try:
            stat = file.stat()
        except OSError:
            continue
        out[str(file.resolve())] = [stat.st_size, stat.st_mtime_ns]
    return out


def _foreign(path: Path, name: str) -> Problem:
    """The one problem of a source in another container (CSV, Parquet, a JSON array, a Hugging Face
    folder): what it holds and the command that converts it."""
    from .formats import convert_command
    from .readers import SourceError
    from .sources import inspect_source

    try:
        source = inspect_source(path)
    except SourceError as e:
        return Problem(name, None, str(e), "error", e.key, tuple(e.values.items()))
    return Problem.of(name, None, "file.foreign", command=convert_command(path), format=source.what(),
                      count=source.count, container=source.container)


def _whole_array(path: Path) -> bool:
    """True when the whole file is one JSON array (a .jsonl file that is really JSON)."""
    try:
        return isinstance(json.loads(path.read_bytes().decode("utf-8-sig")), list)
    except (OSError, ValueError, RecursionError):
        return False


def _groups(logs: list[_Log], before: list[Problem], after: list[Problem]) -> list[ProblemGroup]:
    return ([_single_group(p) for p in before] + [g for log in logs for g in log.grouper.groups()]
            + [_single_group(p) for p in after])


def _check_folder(path: Path, keys: DataKeys, max_line_bytes: int, trusted: bool = False) -> DatasetReport:
    from .hf import is_hf_folder

    problems: list[Problem] = []
    splits: dict[str, list[dict]] = {name: [] for name in SPLITS}
    lines: dict[str, list[int]] = {name: [] for name in SPLITS}
    files: dict[str, str] = {}
    formats: dict[str, str] = {}
    logs: list[_Log] = []
    errors = warnings = 0
    if not (path / "train.jsonl").is_file():
        found = sorted(p.name for p in path.glob("*.jsonl"))
        name = path.name or str(path)
        if is_hf_folder(path):
            problems.append(_foreign(path, name))
        elif found:
            problems.append(Problem.of(name, None, "folder.no_train_found", found=", ".join(found[:5])))
        else:
            problems.append(Problem.of(name, None, "folder.no_train"))
        errors += 1
    families: dict[str, str] = {}
    for name in SPLITS:
        file = path / f"{name}.jsonl"
        if not file.is_file():
            continue
        result = _read_file(file, file.name, keys, max_line_bytes, lenient=False, trusted=trusted)
        logs.append(result.log)
        problems += result.log.finish()
        errors += result.log.count("error")
        warnings += result.log.count("warning")
        files[name] = str(file)
        splits[name], lines[name] = result.records, result.lines
        if result.format:
            formats[name], families[name] = result.format, result.family
    if "train" in files and "valid" not in files:
        problems.append(Problem.of(path.name, None, "folder.no_valid", "warning"))
        warnings += 1
    base = families.get("train")
    for name, family in families.items():
        if base and family != base:
            problems.append(Problem.of(f"{name}.jsonl", None, "folder.format_differs", "warning",
                                       format=formats[name], train_format=formats["train"]))
            warnings += 1
    fmt = formats.get("train") or next(iter(formats.values()), None)
    first = 0 if "train" in files else 1
    logged = sum(len(log.kept) + bool(sum(log.hidden.values())) for log in logs)
    groups = _groups(logs, problems[:first], problems[first + logged:])
    return DatasetReport(str(path), fmt, problems, splits, files, lines, formats, False, errors, warnings, groups)


def _check_single(path: Path, keys: DataKeys, max_line_bytes: int, valid_fraction: float,
                  test_fraction: float, seed: int, trusted: bool = False) -> DatasetReport:
    from .readers import container_of

    container = container_of(path)
    if container == "json" and path.suffix.lower() == ".jsonl" and not _whole_array(path):
        container = "jsonl"  # a line starting with "[" in a JSONL file: the line checks say what is wrong
    if container not in (None, "jsonl"):
        problem = _foreign(path, path.name)
        empty = {name: [] for name in SPLITS}
        return DatasetReport(str(path), None, [problem], empty, {}, dict(empty), error_count=1,
                             groups=[_single_group(problem)])
    result = _read_file(path, path.name, keys, max_line_bytes, lenient=True, trusted=trusted)
    problems = result.log.finish()
    logged = len(problems)
    errors, warnings = result.log.count("error"), result.log.count("warning")
    try:
        indices = _split_indices(len(result.records), valid_fraction, test_fraction, seed)
    except ValueError:
        problems.append(Problem.of(path.name, None, "split.fractions", valid=valid_fraction, test=test_fraction))
        errors += 1
        indices = _split_indices(len(result.records), 0.0, 0.0, seed)
    splits = {name: [result.records[i] for i in idx] for name, idx in indices.items()}
    lines = {name: [result.lines[i] for i in idx] for name, idx in indices.items()}
    if result.records and not splits["valid"]:
        key = "split.no_valid_one" if valid_fraction > 0 else "split.no_valid_zero"
        problems.append(Problem.of(path.name, None, key, "warning"))
        warnings += 1
    files = {name: str(path) for name in SPLITS if splits[name]}
    formats = {name: result.format for name in SPLITS if splits[name] and result.format}
    groups = _groups([result.log], [], problems[logged:])
    return DatasetReport(str(path), result.format, problems, splits, files, lines, formats, True, errors, warnings,
                         groups)


def write_split(report_or_records: DatasetReport | Mapping[str, Sequence[dict]] | Sequence[dict],
                out_dir: str | os.PathLike) -> dict[str, Path]:
    """Write train/valid/test.jsonl into ``out_dir`` atomically, one record per line.

    Accepts a report (its splits), a mapping split -> records, or a plain list
    (written as train). An empty split is not written, and a stale file of that
    name in ``out_dir`` is removed: mlx-lm fails on an empty file and would read
    an old one. Returns the written files by split.
    """
    if isinstance(report_or_records, DatasetReport):
        splits: Mapping[str, Sequence[dict]] = report_or_records.splits
    elif isinstance(report_or_records, Mapping):
        splits = report_or_records
    else:
        splits = {"train": report_or_records}
    unknown = set(splits) - set(SPLITS)
    if unknown:
        raise ValueError(f"unknown split names: {sorted(unknown)}")
    if not splits.get("train"):
        raise DatasetError("no training examples to write")
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    written: dict[str, Path] = {}
    for name in SPLITS:
        target = out / f"{name}.jsonl"
        records = splits.get(name) or []
        if not records:
            if target.is_file():
                target.unlink()
            continue
        # ensure_ascii=False keeps the text readable; json escapes "\n" and "\r",
        # so every record stays on one line.
        text = "".join(json.dumps(r, ensure_ascii=False) + "\n" for r in records)
        atomic.write_text(target, text)
        written[name] = target
    return written


def to_mlx_dataset(records: Sequence[dict], tokenizer: Any, keys: DataKeys = DataKeys(),
                   mask_prompt: bool = False) -> Any:
    """mlx-lm's own dataset object for these records (ChatDataset, CompletionsDataset or TextDataset).

    Wrap it in ``mlx_lm.tuner.datasets.CacheDataset`` for training, as mlx-lm does.
    """
    from mlx_lm.tuner.datasets import create_dataset

    if not records:
        raise DatasetError("no records")
    config = SimpleNamespace(chat_feature=keys.chat, prompt_feature=keys.prompt,
                             completion_feature=keys.completion, text_feature=keys.text,
                             mask_prompt=mask_prompt)
    try:
        return create_dataset(list(records), tokenizer, config)
    except ValueError as e:
        raise DatasetError(str(e)) from e
