"""The same problem on many lines, said once: its lines as ranges and its count.

A file of 1,204 Alpaca records has the same problem on every line; the data
check still finds each line (``DatasetReport.problems``, capped per file), and
``Grouper`` also keeps every occurrence of each distinct problem (same file,
severity, message key and values) as line ranges, past the cap too, so that
``train.jsonl: lines 1-1204: ... (1,204 records)`` is one entry. Plain values,
any thread.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from . import messages

#: Ranges spelled out in a group's line list before the rest is counted.
SHOWN_RANGES = 8


@dataclass
class ProblemGroup:
    """One distinct problem and every line it is on (``ranges``: inclusive (first, last) pairs)."""

    file: str
    severity: str
    key: str
    values: tuple[tuple[str, Any], ...]
    message: str  # English, as the command line prints it
    ranges: list[list[int]] = field(default_factory=list)
    count: int = 0
    line: int | None = None  # None: a problem with the file as a whole

    def add(self, line: int) -> None:
        self.count += 1
        if self.ranges and line == self.ranges[-1][1] + 1:
            self.ranges[-1][1] = line
        else:
            self.ranges.append([line, line])

    @property
    def lines(self) -> list[int]:
        """Every line of the group (for a few; a big group is better read through ``ranges``)."""
        return [n for first, last in self.ranges for n in range(first, last + 1)]

    def text(self, lang: str = "en") -> str:
        return self.message if lang == "en" or not self.key else messages.text(self.key, lang, **dict(self.values))

    def ranges_text(self) -> str:
        """'1-12, 15' with at most ``SHOWN_RANGES`` ranges spelled out."""
        parts = [str(a) if a == b else f"{a}-{b}" for a, b in self.ranges[:SHOWN_RANGES]]
        return ", ".join(parts)

    def located(self, lang: str = "en") -> str:
        """'train.jsonl: lines 1-12, 15: message (13 records)'; one line is said as the problem itself."""
        message = self.text(lang)
        if self.severity == "warning":
            message = messages.text("summary.warning", lang, message=message)
        colon = "：" if lang == "zh" else ": "
        if self.line is None and not self.ranges:
            return f"{self.file}{colon}{message}"
        if self.count == 1:
            return f"{messages.text('summary.line', lang, file=self.file, line=self.ranges[0][0])}{colon}{message}"
        ranges = self.ranges_text()
        hidden = sum(b - a + 1 for a, b in self.ranges[SHOWN_RANGES:])
        if hidden:
            ranges = messages.text("summary.more_lines", lang, shown=ranges, more=hidden)
        where = messages.text("summary.lines", lang, file=self.file, ranges=ranges)
        return f"{where}{colon}{messages.text('summary.group', lang, message=message, count=self.count)}"

    def __str__(self) -> str:
        return self.located("en")


def single(problem) -> ProblemGroup:
    """The group of one problem (a ``datasets.Problem``): how a problem outside a file's lines is listed."""
    group = ProblemGroup(problem.file, problem.severity, problem.key, problem.values, problem.message, line=problem.line)
    if problem.line is None:
        group.count = 1
    else:
        group.add(problem.line)
    return group


def same(group: ProblemGroup, problem) -> bool:
    """True when ``problem`` (a ``datasets.Problem``) is one of ``group``'s occurrences."""
    return (problem.file, problem.severity, problem.key, problem.values) == (group.file, group.severity, group.key,
                                                                             group.values) \
        and (problem.line is None) == (not group.ranges)


class Grouper:
    """Collects problems into groups in the order each was first seen."""

    def __init__(self) -> None:
        self._groups: dict[tuple, ProblemGroup] = {}

    def add(self, file: str, line: int | None, key: str, severity: str, values: dict) -> None:
        frozen = tuple(values.items())
        try:
            index = (file, line if line is None else 0, severity, key, frozen)
            hash(index)
        except TypeError:  # an unhashable value: a group of its own
            index = (file, line, severity, key, repr(frozen))
        group = self._groups.get(index)
        if group is None:
            message = messages.text(key, "en", **values)
            group = self._groups[index] = ProblemGroup(file, severity, key, frozen, message, line=line)
        if line is None:
            group.count += 1
        else:
            group.add(line)

    def groups(self) -> list[ProblemGroup]:
        """The groups, problems on lines first (by their first line), whole-file problems last."""
        return sorted(self._groups.values(), key=lambda g: (g.ranges == [], g.ranges[0][0] if g.ranges else 0))
