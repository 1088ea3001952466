"""Draw LoRA Studio's app icon with QPainter: the 1024x1024 master PNG and a macOS .iconset.

    python packaging/make_icon.py                          # writes resources/icons/lorastudio.png
    python packaging/make_icon.py --iconset build/LoRAStudio.iconset
    iconutil -c icns build/LoRAStudio.iconset -o build/LoRAStudio.icns   # on a Mac (build_macos.sh)

The icon is vector-drawn at every size (crisper than scaling the master
down): a rounded square in Apple's icon grid (824 of 1024 px, corner radius
185) with a deep blue-violet gradient, a faint grid, two slim bars for the
low-rank matrices B and A (top right), and a falling loss curve ending in a bright dot.
Runs on the main thread; needs only QtGui (offscreen is fine).
"""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
MASTER = ROOT / "resources" / "icons" / "lorastudio.png"
# macOS .iconset members: (points, scale) -> icon_<p>x<p>[@2x].png
ICONSET_SIZES = [(16, 1), (16, 2), (32, 1), (32, 2), (128, 1), (128, 2), (256, 1), (256, 2), (512, 1), (512, 2)]


def _app():
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    from PySide6.QtGui import QGuiApplication

    return QGuiApplication.instance() or QGuiApplication(sys.argv[:1])


def draw_icon(size: int):
    """The icon as a QImage of ``size`` x ``size`` pixels (transparent outside the rounded square)."""
    from PySide6.QtCore import QPointF, QRectF, Qt
    from PySide6.QtGui import QBrush, QColor, QImage, QLinearGradient, QPainter, QPainterPath, QPen, QRadialGradient

    image = QImage(size, size, QImage.Format.Format_ARGB32_Premultiplied)
    image.fill(Qt.GlobalColor.transparent)
    p = QPainter(image)
    p.setRenderHint(QPainter.RenderHint.Antialiasing)
    p.scale(size / 1024, size / 1024)  # draw in the 1024 design grid

    tile = QRectF(100, 100, 824, 824)
    shape = QPainterPath()
    shape.addRoundedRect(tile, 185, 185)

    # A soft drop shadow under the tile, as macOS icons have.
    for i, alpha in enumerate((28, 18, 10)):
        shadow = QPainterPath()
        shadow.addRoundedRect(tile.translated(0, 10 + 6 * i).adjusted(-2 * i, -2 * i, 2 * i, 2 * i), 185 + 2 * i, 185 + 2 * i)
        p.fillPath(shadow, QColor(0, 0, 0, alpha))

    background = QLinearGradient(tile.topLeft(), tile.bottomRight())
    background.setColorAt(0.0, QColor("#4b3fd1"))
    background.setColorAt(0.55, QColor("#2a2a8c"))
    background.setColorAt(1.0, QColor("#101a4a"))
    p.fillPath(shape, QBrush(background))
    glow = QRadialGradient(QPointF(360, 300), 520)
    glow.setColorAt(0.0, QColor(255, 255, 255, 46))
    glow.setColorAt(1.0, QColor(255, 255, 255, 0))
    p.fillPath(shape, QBrush(glow))

    p.setClipPath(shape)
    grid = QPen(QColor(255, 255, 255, 22), 4)
    p.setPen(grid)
    for x in range(100 + 103, 924, 103):
        p.drawLine(QPointF(x, 100), QPointF(x, 924))
        p.drawLine(QPointF(100, x), QPointF(924, x))

    # The low-rank pair: A (tall and slim) and B (short and wide).
    p.setPen(Qt.PenStyle.NoPen)
    p.setBrush(QColor(120, 230, 220, 150))
    p.drawRoundedRect(QRectF(590, 226, 60, 280), 24, 24)
    p.setBrush(QColor(255, 190, 120, 150))
    p.drawRoundedRect(QRectF(680, 226, 196, 60), 24, 24)

    # The loss curve: a steep fall that flattens out, in white, ending in a bright dot.
    curve = QPainterPath(QPointF(226, 250))
    curve.cubicTo(QPointF(330, 660), QPointF(480, 760), QPointF(790, 770))
    halo = QPen(QColor(120, 230, 220, 70), 70, Qt.PenStyle.SolidLine, Qt.PenCapStyle.RoundCap)
    p.strokePath(curve, halo)
    p.strokePath(curve, QPen(QColor("#ffffff"), 44, Qt.PenStyle.SolidLine, Qt.PenCapStyle.RoundCap))
    p.setBrush(QColor("#7ff0e2"))
    p.setPen(QPen(QColor("#ffffff"), 16))
    p.drawEllipse(QPointF(790, 770), 50, 50)
    p.end()
    return image


def write_png(path: Path, size: int = 1024) -> Path:
    _app()
    path.parent.mkdir(parents=True, exist_ok=True)
    if not draw_icon(size).save(str(path), "PNG"):
        raise SystemExit(f"make_icon: could not write {path}")
    return path


def write_iconset(folder: Path) -> Path:
    """The PNGs iconutil turns into an .icns."""
    _app()
    folder.mkdir(parents=True, exist_ok=True)
    for points, scale in ICONSET_SIZES:
        name = f"icon_{points}x{points}{'@2x' if scale == 2 else ''}.png"
        if not draw_icon(points * scale).save(str(folder / name), "PNG"):
            raise SystemExit(f"make_icon: could not write {folder / name}")
    return folder


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--png", type=Path, default=MASTER, help=f"the 1024x1024 master (default {MASTER.relative_to(ROOT)})")
    parser.add_argument("--iconset", type=Path, help="also write a macOS .iconset folder here")
    args = parser.parse_args(argv)
    print(write_png(args.png))
    if args.iconset:
        print(write_iconset(args.iconset))
    return 0


if __name__ == "__main__":
    sys.exit(main())
