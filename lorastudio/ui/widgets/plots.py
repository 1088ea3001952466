"""Live training plots (pyqtgraph): loss, throughput, learning rate, peak memory.

``TrainingPlots`` shows one run's ``RunSeries``; hovering a plot shows the
values under the cursor. It only draws what it is given: the Train panel
feeds it (the Runs panel's comparison of several runs is ``LossOverlay``,
built on ``MetricPlot``). GUI thread.
"""

from __future__ import annotations

import time

import pyqtgraph as pg
from PySide6.QtCore import QPointF, Qt, QTimer
from PySide6.QtGui import QColor
from PySide6.QtWidgets import QGridLayout, QWidget

from lorastudio.core.runs.metrics import RunSeries
from lorastudio.ui.theme import Colors, LIGHT

pg.setConfigOptions(antialias=True)

LIVE_REDRAW_S = 0.4  # while training, the plots are redrawn at most this often
STAGGER_MS = 12  # between the live redraws of two plots: each gets a paint of its own


class MetricPlot(pg.PlotWidget):
    """One themed plot with a legend and a hover read-out of every curve at the cursor."""

    def __init__(self, title: str, y_label: str, parent: QWidget | None = None):
        super().__init__(parent=parent)
        self._title = title
        self.setMinimumHeight(170)
        self.plotItem.setMenuEnabled(False)
        # A GridItem, not showGrid: the axes' own grid lines cost ~9 ms a repaint per plot
        # (measured offscreen), and four plots redraw on every training report.
        self._grid = pg.GridItem()
        self._grid.setTextPen(None)
        self._grid.setTickSpacing(x=[None, None], y=[None, None])  # major and minor lines, no third level
        self._grid.setZValue(-100)
        self.plotItem.addItem(self._grid, ignoreBounds=True)
        self.plotItem.setLabel("bottom", self.tr("step"))
        self.plotItem.setLabel("left", y_label)
        for name in ("left", "right", "bottom"):
            # "GB (x0.001)" over 904.7 reads worse than 0.9047 GB: plain numbers.
            self.plotItem.getAxis(name).enableAutoSIPrefix(False)
        self.plotItem.getViewBox().setMouseEnabled(x=True, y=False)
        self.legend = self.plotItem.addLegend(offset=(-8, 8), labelTextSize="8pt")
        self.curves: dict[str, pg.PlotDataItem] = {}
        self._right: pg.ViewBox | None = None
        self._readout = pg.TextItem(anchor=(0, 1))
        self._readout.setZValue(100)
        self.plotItem.addItem(self._readout, ignoreBounds=True)
        self._vline = pg.InfiniteLine(angle=90, movable=False)
        self._vline.setZValue(90)
        self.plotItem.addItem(self._vline, ignoreBounds=True)
        self._hide_readout()
        self.scene().sigMouseMoved.connect(self._on_mouse_moved)
        self._colors = LIGHT
        self.apply_colors(LIGHT)

    # --- curves ----------------------------------------------------------------
    def curve(self, key: str, name: str, color: str, *, markers: bool = False, dashed: bool = False, right: bool = False):
        """The curve ``key``, created on first use."""
        if key in self.curves:
            return self.curves[key]
        pen = None if markers else pg.mkPen(color, width=1.5 if dashed else 2.2, style=Qt.PenStyle.DashLine if dashed else Qt.PenStyle.SolidLine)
        item = pg.PlotDataItem(
            pen=pen,
            symbol="o" if markers else None,
            symbolSize=8,
            symbolBrush=color if markers else None,
            symbolPen=pg.mkPen(color) if markers else None,
            name=name,
        )
        if right:
            self._ensure_right_axis()
            self._right.addItem(item)
            self.legend.addItem(item, name)
        else:
            self.plotItem.addItem(item)
        item.setProperty("ls_color", color)
        self.curves[key] = item
        return item

    def remove_curves(self, prefix: str) -> None:
        for key in [k for k in self.curves if k.startswith(prefix)]:
            item = self.curves.pop(key)
            self.legend.removeItem(item)
            if self._right is not None and item in self._right.addedItems:
                self._right.removeItem(item)
            else:
                self.plotItem.removeItem(item)

    def _ensure_right_axis(self) -> None:
        if self._right is not None:
            return
        self._right = pg.ViewBox()
        self._right.setMouseEnabled(x=True, y=False)
        self.plotItem.showAxis("right")
        self.plotItem.scene().addItem(self._right)
        self.plotItem.getAxis("right").linkToView(self._right)
        self._right.setXLink(self.plotItem)
        self.plotItem.getViewBox().sigResized.connect(self._sync_right)
        self._sync_right()

    def _sync_right(self) -> None:
        if self._right is not None:
            self._right.setGeometry(self.plotItem.getViewBox().sceneBoundingRect())
            self._right.linkedViewChanged(self.plotItem.getViewBox(), self._right.XAxis)

    def fit_flat(self) -> None:
        """Give a flat curve (a constant learning rate, steady memory) a sensible range around its value."""
        values = [v for item in self.curves.values() if self._right is None or item not in self._right.addedItems
                  for v in (item.getData()[1] if item.getData()[1] is not None else [])]
        if not values:
            return
        low, high = min(values), max(values)
        view = self.plotItem.getViewBox()
        if high - low <= 1e-3 * max(abs(high), 1e-12):
            pad = abs(high) * 0.5 or 1.0
            view.setYRange(low - pad, high + pad, padding=0)
        else:
            view.enableAutoRange(axis="y")

    def set_right_label(self, text: str) -> None:
        self._ensure_right_axis()
        self.plotItem.setLabel("right", text)

    # --- hover -----------------------------------------------------------------
    def _hide_readout(self) -> None:
        self._readout.hide()
        self._vline.hide()

    def leaveEvent(self, event) -> None:  # noqa: N802 (Qt override)
        self._hide_readout()
        super().leaveEvent(event)

    def _on_mouse_moved(self, pos: QPointF) -> None:
        view = self.plotItem.getViewBox()
        if not view.sceneBoundingRect().contains(pos):
            self._hide_readout()
            return
        x = view.mapSceneToView(pos).x()
        lines = []
        nearest_x = None
        for item in self.curves.values():
            xs, ys = item.getData()
            if xs is None or len(xs) == 0:
                continue
            i = min(range(len(xs)), key=lambda k: abs(xs[k] - x))
            if nearest_x is None or abs(xs[i] - x) < abs(nearest_x - x):
                nearest_x = xs[i]
            lines.append((item.name(), xs[i], ys[i], item.property("ls_color")))
        if not lines:
            self._hide_readout()
            return
        html = "".join(
            f'<div><span style="color:{color}">●</span> {name}: <b>{format_value(y)}</b> <span style="color:{self._colors.muted}">@ {int(step)}</span></div>'
            for name, step, y, color in lines
        )
        self._readout.setHtml(f'<div style="background:{self._colors.card};padding:3px;color:{self._colors.foreground}">{html}</div>')
        top = view.viewRange()[1][1]
        self._readout.setPos(x, top)
        self._readout.setAnchor((1, 0) if x > sum(view.viewRange()[0]) / 2 else (0, 0))
        self._vline.setPos(nearest_x if nearest_x is not None else x)
        self._readout.show()
        self._vline.show()

    # --- theme -----------------------------------------------------------------
    def apply_colors(self, colors: Colors) -> None:
        self._colors = colors
        self.setBackground(colors.background)
        axis_pen = pg.mkPen(colors.muted)
        for name in ("left", "bottom", "right"):
            axis = self.plotItem.getAxis(name)
            axis.setPen(axis_pen)
            axis.setTextPen(pg.mkPen(colors.foreground))
        self.plotItem.setTitle(f'<span style="color:{colors.foreground};font-weight:600">{self._title}</span>', size="10pt")
        self.legend.setLabelTextColor(colors.foreground)
        self.legend.setBrush(pg.mkBrush(QColor(colors.card).darker(100)))
        self._vline.setPen(pg.mkPen(colors.muted, style=Qt.PenStyle.DotLine))
        grid = QColor(colors.muted)
        grid.setAlpha(60)
        self._grid.setPen(pg.mkPen(grid))


def format_value(value: float) -> str:
    if value == 0:
        return "0"
    if abs(value) < 1e-3:
        return f"{value:.2e}"
    if abs(value) >= 1000:
        return f"{value:,.0f}"
    return f"{value:.4g}"


class TrainingPlots(QWidget):
    """The Train panel's 2x2 grid of plots for one run."""

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self.loss = MetricPlot(self.tr("Loss"), self.tr("loss"))
        self.speed = MetricPlot(self.tr("Throughput"), self.tr("tokens/s"))
        self.speed.set_right_label(self.tr("steps/s"))
        self.lr = MetricPlot(self.tr("Learning rate"), self.tr("learning rate"))
        self.memory = MetricPlot(self.tr("Peak memory"), self.tr("GB"))
        grid = QGridLayout(self)
        grid.setContentsMargins(0, 0, 0, 0)
        grid.setSpacing(8)
        for i, plot in enumerate((self.loss, self.speed, self.lr, self.memory)):
            grid.addWidget(plot, i // 2, i % 2)
        self._colors = LIGHT
        self.series = RunSeries()
        self._pending: list = []  # plots still to draw in the live redraw under way
        self._dirty: set[str] = set()  # plots whose data changed since the last live redraw
        self._last_draw = 0.0  # time.monotonic() of the last live redraw
        self._kick = QTimer(self)
        self._kick.setSingleShot(True)
        self._kick.timeout.connect(self._start_live_draw)
        self._stagger = QTimer(self)
        self._stagger.setInterval(STAGGER_MS)
        self._stagger.timeout.connect(self._draw_next)

    def plots(self) -> list[MetricPlot]:
        return [self.loss, self.speed, self.lr, self.memory]

    def show_series(self, series: RunSeries) -> None:
        self.series = series
        self.redraw()

    def add_event(self, event) -> None:
        """A live event. Redraws are spread out, so that watching never slows what is watched.

        At most one redraw every ``LIVE_REDRAW_S`` (a fast run reports several times a
        second; the plots show the latest state at the next slot), and within a redraw
        the four plots are drawn one by one ``STAGGER_MS`` apart, each in a paint of its
        own: the four in one go kept the GUI thread busy for 15 ms, far more when training
        takes every core of a CPU. The end of a run draws everything at once.
        """
        changed = self.series.add(event)
        if event.kind in ("finished", "stopped", "failed"):
            self.redraw()
            return
        if not changed:
            return
        self._dirty.update(("loss",) if event.kind == "val_report" else ("loss", "speed", "lr", "memory"))
        self._schedule_live_draw()

    def _schedule_live_draw(self) -> None:
        """The next live redraw, ``LIVE_REDRAW_S`` after the last one began (at once if that is past)."""
        if self._kick.isActive() or self._pending:
            return
        wait = self._last_draw + LIVE_REDRAW_S - time.monotonic()
        self._kick.start(max(0, int(wait * 1000)))

    def _start_live_draw(self) -> None:
        self._last_draw = time.monotonic()
        draws = {"loss": self._draw_loss, "speed": self._draw_speed, "lr": self._draw_lr, "memory": self._draw_memory}
        self._pending = [draws[name] for name in draws if name in self._dirty]
        self._dirty.clear()
        self._draw_next()
        if self._pending:
            self._stagger.start()

    def _draw_next(self) -> None:
        if self._pending:
            self._pending.pop(0)()
        if not self._pending:
            self._stagger.stop()
            if self._dirty:  # events came in while drawing
                self._schedule_live_draw()

    def redraw(self) -> None:
        """Every plot at once (a run opened or ended, colours changed)."""
        self._pending = []
        self._dirty.clear()
        self._stagger.stop()
        self._kick.stop()
        for draw in (self._draw_loss, self._draw_speed, self._draw_lr, self._draw_memory):
            draw()

    def _draw_loss(self) -> None:
        c, s = self._colors, self.series
        self.loss.curve("train", self.tr("train"), c.train).setData(s.iterations, s.train_loss)
        self.loss.curve("valid", self.tr("validation"), c.valid, markers=True).setData(s.val_iterations, s.val_loss)

    def _draw_speed(self) -> None:
        c, s = self._colors, self.series
        self.speed.curve("tokens", self.tr("tokens/s"), c.speed).setData(s.iterations, s.tokens_per_second)
        self.speed.curve("iters", self.tr("steps/s"), c.iters, right=True).setData(s.iterations, s.iterations_per_second)

    def _draw_lr(self) -> None:
        self.lr.curve("lr", self.tr("learning rate"), self._colors.lr).setData(self.series.iterations, self.series.learning_rate)
        self.lr.fit_flat()

    def _draw_memory(self) -> None:
        s = self.series
        self.memory.curve("memory", self.tr("peak memory"), self._colors.memory).setData(s.iterations, s.peak_memory_gb)
        self.memory.fit_flat()

    def apply_colors(self, colors: Colors) -> None:
        self._colors = colors
        for plot in self.plots():
            plot.apply_colors(colors)
            plot.remove_curves("")  # pens carry colours: rebuild every curve
        self.redraw()
