"""Token statistics of a dataset, counted exactly as mlx-lm's training counts them.

Each example is tokenized by mlx-lm's own dataset ``process()`` (chat template
applied; for text, EOS appended), then the loss positions are worked out from
its offset the way ``default_loss`` and ``iterate_batches`` in
``mlx_lm/tuner/trainer.py`` do:

* a batch row of length ``L`` (after cutting to ``max_seq_length``) is split into
  inputs ``row[:-1]`` and targets ``row[1:]``; target ``k`` is token ``k + 1``;
* token ``j`` carries loss when ``max(offset, 1) <= j <= L``. Token 0 is never a
  target, and with ``mask_prompt`` the first ``offset`` tokens are the prompt;
* ``j == L`` is the first padding column (token id 0), which exists whenever
  ``L < max_seq_length``: mlx-lm 0.32 counts that pad target in its loss and
  its "trained tokens" (ml-explore/mlx-lm PR #1697). ``trained_tokens`` here
  counts real tokens only; ``loss_targets`` is mlx-lm's number, pad included.

The preview (``preview.py``) uses the same rules. Problems carry message keys
of ``messages.py`` (the app says them in Chinese); ``format_stats`` is the
command line's English table. Plain functions, any thread; the tokenizer calls
are pure Python and Rust, no MLX arrays.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Mapping, Sequence

from .preview import Preview, TokenPiece, loss_positions, preview  # noqa: F401  (public API here too)
from .keys import DataKeys
from .datasets import SPLITS, DatasetError, DatasetReport, MAX_PROBLEMS_PER_FILE, Problem, to_mlx_dataset


@dataclass(frozen=True)
class SplitStats:
    """Token statistics of one split. Lengths are full token counts, before truncation."""

    name: str
    examples: int
    total_tokens: int
    trained_tokens: int  # real tokens that carry loss, after truncation and masking
    loss_targets: int  # mlx-lm's count of loss positions (trained_tokens + one pad per short row)
    min_tokens: int
    mean_tokens: float
    median_tokens: float
    p90_tokens: float
    max_tokens: int
    histogram_counts: tuple[int, ...]
    histogram_edges: tuple[float, ...]
    truncated: int  # examples longer than max_seq_length
    truncated_tokens: int  # tokens cut off by it
    untrained: int  # examples left without any token that carries loss
    failed: int  # examples the tokenizer or chat template rejected (see problems)
    lengths: tuple[int, ...]


@dataclass(frozen=True)
class DatasetStats:
    splits: dict[str, SplitStats]
    problems: tuple[Problem, ...]
    max_seq_length: int
    mask_prompt: bool

    @property
    def ok(self) -> bool:
        return not any(p.severity == "error" for p in self.problems)


class _NoTokens(ValueError):
    """An example that tokenizes to nothing: rejected like a failing one, with a sentence of its own."""


def _describe(exc: BaseException) -> str:
    text = str(exc).strip().splitlines()[0] if str(exc).strip() else ""
    return f"{type(exc).__name__}: {text}" if text else type(exc).__name__


def _is_global_failure(exc: BaseException) -> bool:
    """A failure that every example will repeat: the template itself is broken or missing."""
    text = str(exc).lower()
    return type(exc).__name__ == "TemplateSyntaxError" or "chat_template is not set" in text \
        or "no chat template" in text


def _split_stats(name: str, lengths: list[int], offsets: list[int], max_seq_length: int,
                 failed: int, bins: int) -> SplitStats:
    import numpy as np

    trained = targets = truncated = cut = untrained = 0
    for length, offset in zip(lengths, offsets):
        first, end, n_targets = loss_positions(length, offset, max_seq_length)
        trained += max(0, end - first)
        targets += n_targets
        untrained += end <= first
        if length > max_seq_length:
            truncated += 1
            cut += length - max_seq_length
    if lengths:
        arr = np.asarray(lengths)
        n_bins = max(1, min(bins, int(arr.max() - arr.min()) + 1))
        counts, edges = np.histogram(arr, bins=n_bins)
        summary = (int(arr.min()), float(arr.mean()), float(np.median(arr)),
                   float(np.percentile(arr, 90)), int(arr.max()))
        hist = (tuple(int(c) for c in counts), tuple(float(e) for e in edges))
    else:
        summary, hist = (0, 0.0, 0.0, 0.0, 0), ((), ())
    return SplitStats(name, len(lengths), int(sum(lengths)), trained, targets, *summary, *hist,
                      truncated, cut, untrained, failed, tuple(lengths))


def dataset_stats(report_or_splits: DatasetReport | Mapping[str, Sequence[dict]], tokenizer: Any,
                  keys: DataKeys = DataKeys(), mask_prompt: bool = False, max_seq_length: int = 2048,
                  bins: int = 20) -> DatasetStats:
    """Tokenize every example with mlx-lm's dataset classes and summarize per split.

    Examples the tokenizer or chat template rejects become problems that name
    the file and line (with a report) or the split and record number (with
    plain splits); nothing raises for bad data.
    """
    if isinstance(report_or_splits, DatasetReport):
        splits: Mapping[str, Sequence[dict]] = report_or_splits.splits
        files = {n: report_or_splits.files.get(n, f"{n}.jsonl") for n in splits}
        line_numbers: Mapping[str, Sequence[int]] = report_or_splits.line_numbers
    else:
        splits, files, line_numbers = report_or_splits, {n: n for n in report_or_splits}, {}
    problems: list[Problem] = []
    result: dict[str, SplitStats] = {}
    for name in [n for n in SPLITS if n in splits] + [n for n in splits if n not in SPLITS]:
        records = splits[name]
        file = files[name].replace("\\", "/").rsplit("/", 1)[-1]
        numbers = line_numbers.get(name) or range(1, len(records) + 1)
        lengths, offsets, failed = _measure(records, numbers, file, tokenizer, keys, mask_prompt, problems)
        result[name] = _split_stats(name, lengths, offsets, max_seq_length, failed, bins)
    return DatasetStats(result, tuple(problems), max_seq_length, mask_prompt)


def _measure(records: Sequence[dict], numbers: Sequence[int], file: str, tokenizer: Any, keys: DataKeys,
             mask_prompt: bool, problems: list[Problem]) -> tuple[list[int], list[int], int]:
    lengths: list[int] = []
    offsets: list[int] = []
    if not records:
        return lengths, offsets, 0
    try:
        dataset = to_mlx_dataset(records, tokenizer, keys, mask_prompt)
    except DatasetError as e:
        problems.append(Problem.of(file, None, "stats.dataset_error", mlx_error=str(e)))
        return lengths, offsets, len(records)
    failed = 0
    for i, record in enumerate(records):
        try:
            tokens, offset = dataset.process(record)
            if not tokens:
                raise _NoTokens()
        except Exception as e:  # the template may raise anything (jinja, TypeError, KeyError...)
            if _is_global_failure(e):
                problems.append(Problem.of(file, None, "stats.template_fails", error=_describe(e)))
                return [], [], len(records)
            failed += 1
            if failed <= MAX_PROBLEMS_PER_FILE:
                if isinstance(e, _NoTokens):
                    problems.append(Problem.of(file, numbers[i], "stats.no_tokens"))
                else:
                    problems.append(Problem.of(file, numbers[i], "stats.rejected", error=_describe(e)))
            continue
        lengths.append(len(tokens))
        offsets.append(int(offset))
    if failed > MAX_PROBLEMS_PER_FILE:
        problems.append(Problem.of(file, None, "stats.more_rejected", count=failed - MAX_PROBLEMS_PER_FILE))
    return lengths, offsets, failed


def format_stats(stats: DatasetStats) -> str:
    """A short table for the command line, then the problems."""
    msl = stats.max_seq_length
    header = ("split", "examples", "tokens", "trained", "min", "mean", "median", "p90", "max", f">{msl}")
    shown = [s for s in stats.splits.values() if s.examples or s.failed]  # no rows for absent splits
    rows = [header]
    for s in shown:
        rows.append((s.name, str(s.examples), f"{s.total_tokens:,}", f"{s.trained_tokens:,}",
                     str(s.min_tokens), f"{s.mean_tokens:.1f}", f"{s.median_tokens:g}",
                     f"{s.p90_tokens:.1f}", str(s.max_tokens), str(s.truncated)))
    widths = [max(len(r[i]) for r in rows) for i in range(len(header))]
    lines = ["  ".join(c.ljust(w) if i == 0 else c.rjust(w) for i, (c, w) in enumerate(zip(r, widths)))
             for r in rows]
    masking = "prompt masked" if stats.mask_prompt else "prompt trained"
    lines.append(f"tokens per example; trained = tokens that carry loss ({masking}); "
                 f">{msl} = examples cut by max_seq_length")
    for s in shown:
        if s.untrained:
            lines.append(f"{s.name}: {s.untrained} examples have no token left that carries loss")
    lines += [str(p) for p in stats.problems]
    return "\n".join(lines)
