"""The Data panel's background jobs.

The functions here run on Qt's thread pool through ``lorastudio.ui.tasks``
(``LatestTask``: the newest job of a kind wins); they never touch widgets and
return plain Python values: loading a model's tokenizer (cached per model
folder), the core's token statistics with cancellation, one example's
preview, and the lines of a file around a problem.

Hugging Face fast tokenizers are not safe to call from two threads at once
(the Rust side raises "Already borrowed"), so every tokenizer comes with a
lock that the statistics take per call and the preview for its whole call.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable

from lorastudio.ui.tasks import Cancelled

# --- tokenizers ----------------------------------------------------------------

#: Why a tokenizer is missing; the panel words each reason for people.
NO_MODEL, DEMO_NOT_IMPORTED, GGUF_FILE, NOT_FOUND, NOT_DOWNLOADED, NO_TOKENIZER = (
    "no-model", "demo", "gguf", "not-found", "not-downloaded", "no-tokenizer")


@dataclass
class TokenizerHandle:
    """A loaded tokenizer (or the reason there is none) and the lock its users share."""

    model: str
    tokenizer: Any = None
    reason: str = ""  # one of the reasons above when ``tokenizer`` is None
    lock: threading.Lock = field(default_factory=threading.Lock)

    @property
    def ok(self) -> bool:
        return self.tokenizer is not None


_cache: dict[str, TokenizerHandle] = {}
_cache_lock = threading.Lock()

_TOKENIZER_FILES = ("tokenizer.json", "tokenizer_config.json", "tokenizer.model", "tiktoken.model")


def _local_folder(model: str) -> tuple[Path | None, str]:
    """The folder holding ``model``'s tokenizer, without downloading anything."""
    from lorastudio.core.train.demo import is_missing_demo_model
    from lorastudio.core.models.loading import looks_like_repo_id

    text = (model or "").strip()
    if not text:
        return None, NO_MODEL
    path = Path(text).expanduser()
    if is_missing_demo_model(text):
        return None, DEMO_NOT_IMPORTED
    if path.is_file():
        return None, GGUF_FILE if path.suffix.lower() == ".gguf" else NOT_FOUND
    if path.is_dir():
        if not any((path / name).is_file() for name in _TOKENIZER_FILES):
            return None, NO_TOKENIZER
        return path.resolve(), ""
    if looks_like_repo_id(text):
        # Only the local Hugging Face cache: the Data page never downloads.
        try:
            from huggingface_hub import snapshot_download

            from lorastudio.core.models.loading import ALLOW_PATTERNS

            return Path(snapshot_download(text, allow_patterns=ALLOW_PATTERNS, local_files_only=True)), ""
        except Exception:  # noqa: BLE001 - any miss means "not downloaded yet"
            return None, NOT_DOWNLOADED
    return None, NOT_FOUND


def load_tokenizer_for(model: str) -> TokenizerHandle:
    """The tokenizer of ``model`` (pool thread), cached per folder; never downloads.

    A missing model is an answer (``reason``), not an error; a folder whose
    tokenizer fails to load raises.
    """
    folder, reason = _local_folder(model)
    if folder is None:
        return TokenizerHandle(model, None, reason)
    key = str(folder)
    with _cache_lock:
        cached = _cache.get(key)
    if cached is not None:
        return TokenizerHandle(model, cached.tokenizer, "", cached.lock)
    from mlx_lm.utils import load_tokenizer

    handle = TokenizerHandle(model, load_tokenizer(folder))
    with _cache_lock:
        handle = _cache.setdefault(key, handle)
    return TokenizerHandle(model, handle.tokenizer, "", handle.lock)


# --- checking, statistics, preview ------------------------------------------------

def check(path: str, keys, valid_fraction: float, test_fraction: float, split_seed: int):
    """The core's full check of every line (pool thread)."""
    from lorastudio.core.data.datasets import check_dataset

    return check_dataset(path, keys, valid_fraction=valid_fraction, test_fraction=test_fraction,
                         split_seed=split_seed)


class _TickingTokenizer:
    """Forwards to a tokenizer, reporting progress (and so honouring cancel) every few calls.

    The core's ``dataset_stats`` has no progress hook; it calls the tokenizer
    once or twice per example, which makes the calls a fair measure of
    progress. Once cancelled every further call fails at once, so the core's
    loop (which records per-example failures and goes on) ends quickly.
    """

    EVERY = 16

    def __init__(self, handle: TokenizerHandle, total: int, progress: Callable[[str, float], None]):
        self._handle, self._total, self._progress = handle, max(total, 1), progress
        self._calls = 0
        self.cancelled = False

    def _tick(self) -> None:
        if self.cancelled:
            raise Cancelled()
        self._calls += 1
        if self._calls % self.EVERY == 0:
            try:
                self._progress("tokens", min(1.0, self._calls / self._total))
            except Cancelled:
                self.cancelled = True
                raise

    def apply_chat_template(self, *args, **kwargs):
        self._tick()
        with self._handle.lock:
            return self._handle.tokenizer.apply_chat_template(*args, **kwargs)

    def encode(self, *args, **kwargs):
        self._tick()
        with self._handle.lock:
            return self._handle.tokenizer.encode(*args, **kwargs)

    def __getattr__(self, name: str):
        return getattr(self._handle.tokenizer, name)


def stats(report, handle: TokenizerHandle, keys, mask_prompt: bool, max_seq_length: int, progress=None):
    """The core's token statistics of every split (pool thread; cancellable)."""
    from lorastudio.core.data.stats import dataset_stats

    calls = sum(len(records) for records in report.splits.values()) * (2 if mask_prompt else 1)
    ticking = _TickingTokenizer(handle, calls, progress or (lambda text, fraction: None))
    result = dataset_stats(report, ticking, keys, mask_prompt, max_seq_length)
    if ticking.cancelled:
        raise Cancelled()
    return result


def preview(record: dict, handle: TokenizerHandle, keys, mask_prompt: bool, max_seq_length: int):
    """One example as the model sees it (pool thread); a rejected example comes back as its message."""
    from lorastudio.core.data.preview import preview as core_preview
    from lorastudio.core.data.datasets import DatasetError

    with handle.lock:
        try:
            return core_preview(record, handle.tokenizer, keys, mask_prompt, max_seq_length)
        except DatasetError as e:
            return str(e)


# --- foreign data: what it is, a preview of it converted, converting it -----------------

def inspect(path: str):
    """What a foreign dataset holds (pool thread): the core's ``Source``."""
    from lorastudio.core.data.sources import inspect_source

    return inspect_source(path)


def convert_preview(path: str, fmt: str, mapping, handle: TokenizerHandle | None, lang: str, count: int = 3) -> list[str]:
    """The first ``count`` records converted, as the model will see them (pool thread): the chat
    template applied with ``handle``'s tokenizer, else the converted record as JSON; a record that
    will be rejected says why."""
    import json

    from lorastudio.core.data.convert import Reject, preview_records
    from lorastudio.core.data.datasets import DatasetError
    from lorastudio.core.data.keys import DataKeys
    from lorastudio.core.data.preview import preview as core_preview

    texts = []
    for record in preview_records(path, fmt, mapping, count):
        if isinstance(record, Reject):
            where = f"{record.file}:{record.line}" if record.line is not None else f"{record.file} #{record.row}"
            texts.append(f"✕ {where}: {record.text(lang)}")
            continue
        shown = json.dumps(record, ensure_ascii=False, indent=1)
        if handle is not None and handle.ok:
            with handle.lock:
                try:
                    shown = core_preview(record, handle.tokenizer, DataKeys(), False, 1_000_000).text
                except DatasetError:
                    pass  # the template refuses it: the record itself says what goes in
        texts.append(shown)
    return texts


def convert(path: str, out: str, fmt: str, mapping, split, seed: int):
    """Convert ``path`` into the folder ``out`` (pool thread): the core's ``Conversion``."""
    from lorastudio.core.data.convert import convert as core_convert

    return core_convert(path, out, fmt=fmt, mapping=mapping, split=split, seed=seed)


# --- the lines of a file around a problem ------------------------------------------

@dataclass(frozen=True)
class FileLines:
    """Lines ``first .. first + len(lines) - 1`` of a file; ``cut[i]`` bytes were left off line i."""

    path: str
    first: int
    lines: tuple[str, ...]
    cut: tuple[int, ...]
    error: str = ""


def read_lines_around(path: str, line: int | None, radius: int = 60, max_chars: int = 600) -> FileLines:
    """Lines near ``line`` (1-based; None for the top), split on "\\n" like the checker.

    Keeps at most ``max_chars`` characters of a line and skips the rest of a
    long one in chunks, so a huge line or file costs little memory; pool thread.
    """
    target = line or 1
    first = max(1, target - radius)
    last = target + radius
    lines: list[str] = []
    cut: list[int] = []
    try:
        with open(path, "rb") as f:
            number = 0
            while number < last:
                chunk = f.readline(max_chars * 4)  # UTF-8: up to 4 bytes a character
                if not chunk:
                    break
                number += 1
                skipped = 0
                if not chunk.endswith(b"\n"):  # a long line: count the rest, don't keep it
                    while True:
                        more = f.readline(1 << 20)
                        skipped += len(more)
                        if not more or more.endswith(b"\n"):
                            skipped -= 2 if more.endswith(b"\r\n") else 1 if more else 0  # not the line ending
                            break
                if number < first:
                    continue
                text = chunk.rstrip(b"\n").rstrip(b"\r").decode("utf-8", errors="replace")
                lines.append(text[:max_chars])
                cut.append(len(text[max_chars:].encode("utf-8")) + skipped)
    except OSError as e:
        return FileLines(str(path), first, (), (), e.strerror or str(e))
    return FileLines(str(path), first, tuple(lines), tuple(cut))
