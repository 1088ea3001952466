"""The loss curves of several runs on one plot: one colour per run, lines for training, dots for validation.

Built on ``MetricPlot`` (themed axes, hover read-out of every curve at the
cursor). The legend names each run once, by its training line; its
validation dots share the colour and read "<run> validation" on hover. A
run keeps its colour while it stays selected (``assign_colors``). GUI
thread.
"""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QLabel, QStackedWidget, QVBoxLayout, QWidget

from lorastudio.core.runs.metrics import RunSeries
from lorastudio.ui.theme import LIGHT, Colors
from lorastudio.ui.widgets.plots import MetricPlot

# Apple's system colours (light, dark): distinct from each other in both appearances.
RUN_COLORS = [
    ("#0a84ff", "#0a84ff"), ("#ff9500", "#ff9f0a"), ("#34c759", "#30d158"), ("#af52de", "#bf5af2"),
    ("#ff2d55", "#ff375f"), ("#30b0c7", "#40c8e0"), ("#a2845e", "#ac8e68"), ("#5856d6", "#5e5ce6"),
]


def assign_colors(paths: list[Path], previous: dict[str, int]) -> dict[str, int]:
    """A palette slot per run: kept for runs already shown, the first free one for new runs."""
    slots = {p: previous[p] for p in map(str, paths) if p in previous}
    for path in map(str, paths):
        if path not in slots:
            used = set(slots.values())
            free = [i for i in range(len(RUN_COLORS)) if i not in used]
            slots[path] = free[0] if free else len(slots) % len(RUN_COLORS)
    return slots


class LossOverlay(QWidget):
    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self.plot = MetricPlot(self.tr("Loss: lines are training, dots are validation"), self.tr("loss"))
        self.hint = QLabel()
        self.hint.setObjectName("muted")
        self.hint.setWordWrap(True)
        self.hint.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.stack = QStackedWidget()
        self.stack.addWidget(self.hint)
        self.stack.addWidget(self.plot)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.stack)
        self._colors = LIGHT
        self._runs: list[tuple[str, str, RunSeries, int]] = []  # path, name, series, colour slot
        self.set_hint("")

    def set_hint(self, text: str) -> None:
        """Show ``text`` instead of the plot (nothing selected yet)."""
        self.hint.setText(text)
        self.stack.setCurrentIndex(0 if text else 1)

    def color_of(self, slot: int) -> str:
        light, dark = RUN_COLORS[slot % len(RUN_COLORS)]
        return dark if self._colors.dark else light

    def show_runs(self, runs: list[tuple[Path, str, RunSeries, int]]) -> None:
        """Draw each ``(path, name, series, colour slot)``; replaces what was drawn."""
        self._runs = [(str(p), name, series, slot) for p, name, series, slot in runs]
        self.redraw()

    def add_event(self, run_dir: Path, event) -> None:
        """A live event of a shown run extends its curves."""
        for path, _, series, _ in self._runs:
            if path == str(run_dir) and series.add(event):
                self.redraw()

    def curves_of(self, run_dir: Path):
        """(training line, validation dots) of a shown run, or None."""
        for i, (path, *_rest) in enumerate(self._runs):
            if path == str(run_dir):
                return self.plot.curves.get(f"run:{i}"), self.plot.curves.get(f"run:{i}:val")
        return None

    def redraw(self) -> None:
        plot = self.plot
        plot.remove_curves("run:")
        for i, (_, name, series, slot) in enumerate(self._runs):
            color = self.color_of(slot)
            label = name if series.iterations or series.val_iterations else self.tr("{name} (no steps)").format(name=name)
            plot.curve(f"run:{i}", label, color).setData(series.iterations, series.train_loss)
            dots = plot.curve(f"run:{i}:val", self.tr("{name} validation").format(name=name), color, markers=True)
            dots.setData(series.val_iterations, series.val_loss)
            plot.legend.removeItem(dots)  # one legend entry per run: its line
        plot.plotItem.enableAutoRange()

    def apply_colors(self, colors: Colors) -> None:
        self._colors = colors
        self.plot.apply_colors(colors)
        self.redraw()  # pens carry colours: rebuild the curves
