"""Token lengths of the training examples: a histogram with the max_seq_length cut, and the key numbers.

``LengthHistogram`` draws a core ``SplitStats`` (its ``histogram_counts`` and
``histogram_edges``) as bars, with a labelled vertical line at
``max_seq_length`` that says how many examples it truncates; bars past the
cut take the warning colour. ``StatsTable`` lists the numbers per split.
Both only draw what the Data panel hands them. GUI thread.
"""

from __future__ import annotations

import pyqtgraph as pg
from PySide6.QtCore import Qt
from PySide6.QtGui import QColor
from PySide6.QtWidgets import QFrame, QGridLayout, QLabel, QSizePolicy, QWidget

from lorastudio.ui.theme import LIGHT, Colors


class LengthHistogram(pg.PlotWidget):
    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent=parent)
        self.setMinimumSize(260, 200)
        self.plotItem.setMenuEnabled(False)
        self.plotItem.hideButtons()
        self.plotItem.showGrid(x=False, y=True, alpha=0.25)
        self.plotItem.setLabel("bottom", self.tr("tokens per example"))
        self.plotItem.setLabel("left", self.tr("examples"))
        self.plotItem.getViewBox().setMouseEnabled(x=False, y=False)
        self.bars = pg.BarGraphItem(x0=[], width=[], height=[], brush="#0a84ff")
        self.plotItem.addItem(self.bars)
        self.cut_line = pg.InfiniteLine(angle=90, movable=False, label="",
                                        labelOpts={"position": 0.92, "anchors": [(1, 0), (1, 0)]})
        self.cut_line.setZValue(10)
        self.plotItem.addItem(self.cut_line, ignoreBounds=True)
        # Said in a corner when the cut lies far right of every example (the line is then out of view).
        self.far_note = pg.TextItem(anchor=(1, 0))
        self.far_note.setZValue(11)
        self.plotItem.addItem(self.far_note, ignoreBounds=True)
        self.stats = None
        self.max_seq_length = 2048
        self.stats_max_seq_length: int | None = None  # the limit the shown count was made for
        self._colors = LIGHT
        self.apply_colors(LIGHT)

    @property
    def truncated(self) -> int:
        """Examples the cut truncates, as the core counted them."""
        return self.stats.truncated if self.stats is not None else 0

    def show_stats(self, split_stats, max_seq_length: int) -> None:
        """Draw one split's histogram (None clears it) with the cut at ``max_seq_length``."""
        self.stats, self.max_seq_length = split_stats, max_seq_length
        self._draw()

    def set_max_seq_length(self, max_seq_length: int) -> None:
        """Move the cut line now; the count follows when new statistics arrive."""
        self.max_seq_length = max_seq_length
        self._draw(pending=self.stats is not None and self.stats_max_seq_length != max_seq_length)

    def _draw(self, pending: bool = False) -> None:
        c, s, limit = self._colors, self.stats, self.max_seq_length
        if not pending:
            self.stats_max_seq_length = limit if s is not None else None
        self.far_note.hide()
        if s is None or not s.histogram_counts:
            self.bars.setOpts(x0=[], width=[], height=[], brushes=[])
            self.cut_line.setPos(limit)
            self.cut_line.label.setFormat(self.tr("max_seq_length {limit}").format(limit=limit))
            return
        edges, counts = list(s.histogram_edges), list(s.histogram_counts)
        x0, x1 = edges[:-1], edges[1:]
        # One-token-wide bins (short data) would draw as slivers; give them a visible width.
        width = [max(b - a, 0.8) for a, b in zip(x0, x1)]
        brushes = [pg.mkBrush(c.warn if a >= limit else c.train) for a in x0]
        self.bars.setOpts(x0=x0, width=width, height=counts, brushes=brushes, pen=pg.mkPen(c.background, width=1))
        self.cut_line.setPos(limit)
        if pending:
            text = self.tr("max_seq_length {limit}\ncounting…").format(limit=limit)
        elif s.truncated:
            text = self.tr("max_seq_length {limit}\ncuts {count} of {total}").format(
                limit=limit, count=s.truncated, total=s.examples)
        else:
            text = self.tr("max_seq_length {limit}\ncuts none").format(limit=limit)
        self.cut_line.label.setFormat(text)
        low, high = edges[0], edges[-1]
        span = max(high - low, 1.0)
        # Show the cut when it is near the data; a far-away limit would squash the bars.
        near = limit <= high + span
        right = max(high, limit) if near else high
        self.plotItem.setXRange(min(low, limit) - span * 0.04, right + span * 0.04, padding=0)
        self.plotItem.setYRange(0, max(counts) * 1.18, padding=0)
        # Token counts are whole numbers: no 40.5 ticks on a narrow range.
        shown = right - min(low, limit)
        self.plotItem.getAxis("bottom").setTickSpacing(*((max(1, round(shown / 6)), 1) if shown < 30 else (None, None)))
        anchor = (1, 0) if limit > low + (right - low) * 0.5 else (0, 0)
        self.cut_line.label.anchors = [anchor, anchor]
        self.cut_line.label.updatePosition()
        if not near:
            self.far_note.setText(self.tr("max_seq_length {limit} →\nlonger than every example").format(limit=limit),
                                  color=QColor(c.muted))
            self.far_note.setPos(right + span * 0.03, max(counts) * 1.16)
            self.far_note.show()

    def apply_colors(self, colors: Colors) -> None:
        self._colors = colors
        self.setBackground(colors.background)
        for name in ("left", "bottom"):
            axis = self.plotItem.getAxis(name)
            axis.setPen(pg.mkPen(colors.muted))
            axis.setTextPen(pg.mkPen(colors.foreground))
        title = self.tr("Training examples by length")  # outside the f-string: lupdate reads literals only
        self.plotItem.setTitle(f'<span style="color:{colors.foreground};font-weight:600">{title}</span>', size="10pt")
        self.cut_line.setPen(pg.mkPen(colors.bad, width=2, style=Qt.PenStyle.DashLine))
        self.cut_line.label.setColor(QColor(colors.bad))
        self.cut_line.label.fill = pg.mkBrush(QColor(colors.background))
        self._draw(pending=self.stats is not None and self.stats_max_seq_length != self.max_seq_length)


class StatsTable(QFrame):
    """The numbers beside the histogram, one column per split that has examples."""

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self.setObjectName("card")
        # Never narrower than its numbers: the histogram gives way instead.
        self.setSizePolicy(QSizePolicy.Policy.Minimum, QSizePolicy.Policy.Preferred)
        self.grid = QGridLayout(self)
        self.grid.setContentsMargins(14, 12, 14, 12)
        self.grid.setHorizontalSpacing(14)
        self.grid.setVerticalSpacing(5)
        self.cells: dict[tuple[str, str], QLabel] = {}

    def _clear(self) -> None:
        while self.grid.count():
            item = self.grid.takeAt(0)
            if item.widget() is not None:
                item.widget().deleteLater()
        self.cells.clear()

    def show_message(self, text: str) -> None:
        self._clear()
        label = QLabel(text)
        label.setObjectName("muted")
        label.setWordWrap(True)
        self.grid.addWidget(label, 0, 0)

    def show_stats(self, stats) -> None:
        """Fill the table from a core ``DatasetStats``."""
        self._clear()
        names = {"train": self.tr("train"), "valid": self.tr("valid"), "test": self.tr("test")}
        splits = [s for s in stats.splits.values() if s.examples or s.failed]
        rows = [
            ("examples", self.tr("Examples"), lambda s: f"{s.examples:,}"),
            ("tokens", self.tr("Tokens"), lambda s: f"{s.total_tokens:,}"),
            ("trained", self.tr("Trained tokens"), lambda s: f"{s.trained_tokens:,}"),
            ("min", self.tr("Shortest"), lambda s: f"{s.min_tokens:,}"),
            ("median", self.tr("Median"), lambda s: f"{s.median_tokens:,.0f}"),
            ("mean", self.tr("Mean"), lambda s: f"{s.mean_tokens:,.1f}"),
            ("p90", self.tr("90th percentile"), lambda s: f"{s.p90_tokens:,.0f}"),
            ("max", self.tr("Longest"), lambda s: f"{s.max_tokens:,}"),
            ("truncated", self.tr("Cut by max_seq_length"), lambda s: f"{s.truncated:,}"),
            ("untrained", self.tr("No trained token"), lambda s: f"{s.untrained:,}"),
        ]
        tips = {
            "trained": self.tr("Tokens that carry loss: after the cut at max_seq_length, without the prompt when it is masked"),
            "truncated": self.tr("Examples longer than max_seq_length: their end is never trained"),
            "untrained": self.tr("Examples left with nothing to learn (all prompt, or cut before the answer)"),
        }
        for column, split in enumerate(splits, start=1):
            header = QLabel(names.get(split.name, split.name))
            header.setObjectName("muted")
            header.setAlignment(Qt.AlignmentFlag.AlignRight)
            self.grid.addWidget(header, 0, column)
        for row, (key, title, value) in enumerate(rows, start=1):
            label = QLabel(title)
            label.setToolTip(tips.get(key, ""))
            self.grid.addWidget(label, row, 0)
            for column, split in enumerate(splits, start=1):
                cell = QLabel(value(split))
                cell.setAlignment(Qt.AlignmentFlag.AlignRight)
                if key in ("truncated", "untrained") and getattr(split, key):
                    cell.setObjectName("warn")
                self.grid.addWidget(cell, row, column)
                self.cells[(split.name, key)] = cell
        self.grid.setColumnStretch(0, 1)
