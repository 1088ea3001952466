"""Colours and style that follow the system's light or dark appearance.

Qt follows the system scheme on macOS by itself; this module gives the plots
and the few custom-drawn widgets matching colours, and lets Settings force
light or dark. ``Theme.changed`` fires when the scheme changes so plots can
recolour. GUI thread.
"""

from __future__ import annotations

from dataclasses import dataclass

from PySide6.QtCore import QObject, Qt, Signal
from PySide6.QtGui import QGuiApplication, QPalette


@dataclass(frozen=True)
class Colors:
    dark: bool
    background: str
    foreground: str
    muted: str
    grid: str
    card: str
    border: str
    accent: str
    train: str
    valid: str
    speed: str
    iters: str
    lr: str
    memory: str
    masked_bg: str
    masked_fg: str
    good: str
    warn: str
    bad: str


LIGHT = Colors(
    dark=False, background="#ffffff", foreground="#1d1d1f", muted="#6e6e73", grid="#e5e5ea", card="#f5f5f7",
    border="#d2d2d7", accent="#0a84ff", train="#0a84ff", valid="#ff9500", speed="#34c759", iters="#af52de",
    lr="#5856d6", memory="#ff2d55", masked_bg="#e8e8ed", masked_fg="#8e8e93", good="#248a3d", warn="#b25000", bad="#d70015",
)
DARK = Colors(
    dark=True, background="#1e1e1e", foreground="#f5f5f7", muted="#98989d", grid="#3a3a3c", card="#2c2c2e",
    border="#48484a", accent="#0a84ff", train="#64d2ff", valid="#ffb340", speed="#30d158", iters="#bf5af2",
    lr="#7d7aff", memory="#ff375f", masked_bg="#3a3a3c", masked_fg="#8e8e93", good="#30d158", warn="#ffb340", bad="#ff453a",
)


def _system_is_dark() -> bool:
    hints = QGuiApplication.styleHints()
    scheme = hints.colorScheme()
    if scheme == Qt.ColorScheme.Unknown:
        return QGuiApplication.palette().color(QPalette.ColorRole.Window).lightness() < 128
    return scheme == Qt.ColorScheme.Dark


class Theme(QObject):
    changed = Signal(object)  # Colors

    def __init__(self, choice: str = "system", parent: QObject | None = None):
        super().__init__(parent)
        self._choice = choice
        QGuiApplication.styleHints().colorSchemeChanged.connect(lambda _: self._emit())
        self.apply(choice)

    @property
    def colors(self) -> Colors:
        if self._choice in ("light", "dark"):
            return DARK if self._choice == "dark" else LIGHT
        return DARK if _system_is_dark() else LIGHT

    @property
    def choice(self) -> str:
        return self._choice

    def apply(self, choice: str) -> None:
        """"system", "light" or "dark"."""
        self._choice = choice
        scheme = {"light": Qt.ColorScheme.Light, "dark": Qt.ColorScheme.Dark}.get(choice, Qt.ColorScheme.Unknown)
        hints = QGuiApplication.styleHints()
        if hasattr(hints, "setColorScheme"):
            hints.setColorScheme(scheme)
        app = QGuiApplication.instance()
        if app is not None and choice in ("light", "dark"):
            # Platforms without a scheme switch (offscreen, some Linux desktops)
            # still need the palette itself.
            app.setPalette(_palette(DARK if choice == "dark" else LIGHT))
        elif app is not None:
            app.setPalette(app.style().standardPalette())
        self._emit()

    def _emit(self) -> None:
        self.changed.emit(self.colors)


def _palette(c: Colors) -> QPalette:
    from PySide6.QtGui import QColor

    p = QPalette()
    role = QPalette.ColorRole
    for r, value in (
        (role.Window, c.background if not c.dark else "#242424"),
        (role.WindowText, c.foreground), (role.Base, c.background), (role.AlternateBase, c.card),
        (role.Text, c.foreground), (role.Button, c.card), (role.ButtonText, c.foreground),
        (role.ToolTipBase, c.card), (role.ToolTipText, c.foreground), (role.Highlight, c.accent),
        (role.HighlightedText, "#ffffff"), (role.PlaceholderText, c.muted), (role.Link, c.accent),
        (role.Mid, c.border), (role.Midlight, c.grid), (role.Dark, c.border), (role.Light, c.card),
    ):
        p.setColor(r, QColor(value))
    p.setColor(QPalette.ColorGroup.Disabled, role.Text, QColor(c.muted))
    p.setColor(QPalette.ColorGroup.Disabled, role.ButtonText, QColor(c.muted))
    p.setColor(QPalette.ColorGroup.Disabled, role.WindowText, QColor(c.muted))
    return p


def stylesheet(c: Colors) -> str:
    """The app's few style rules on top of the platform style (buttons, cards, banners, sidebar)."""
    return f"""
    QWidget#sidebar {{ background: {c.card}; border-right: 1px solid {c.border}; }}
    QListWidget#navigation, QListWidget#recentRuns {{ background: transparent; border: none; outline: 0; }}
    QListWidget#navigation::item {{ padding: 7px 10px; border-radius: 6px; margin: 1px 6px; }}
    QListWidget#navigation::item:selected {{ background: {c.accent}; color: white; }}
    QListWidget#recentRuns::item {{ padding: 4px 8px; border-radius: 5px; margin: 0px 6px; }}
    QListWidget#recentRuns::item:selected {{ background: {c.grid}; color: {c.foreground}; }}
    QLabel#appTitle {{ font-size: 15pt; font-weight: 700; padding: 14px 14px 6px 14px; }}
    QLabel#sectionTitle {{ color: {c.muted}; font-weight: 600; padding: 10px 14px 2px 14px; }}
    QLabel#pageTitle {{ font-size: 17pt; font-weight: 700; }}
    QLabel#pageSubtitle, QLabel#muted {{ color: {c.muted}; }}
    QPushButton#primary {{ background: {c.accent}; color: white; border: none; border-radius: 6px; padding: 6px 16px; font-weight: 600; }}
    QPushButton#primary:disabled {{ background: {c.grid}; color: {c.muted}; }}
    QFrame#card {{ background: {c.card}; border: 1px solid {c.border}; border-radius: 10px; }}
    QFrame#banner {{ border-radius: 8px; border: 1px solid {c.border}; background: {c.card}; }}
    QFrame#banner[kind="error"] {{ border: 1px solid {c.bad}; }}
    QFrame#banner[kind="success"] {{ border: 1px solid {c.good}; }}
    QLabel#good {{ color: {c.good}; font-weight: 600; }}
    QLabel#warn {{ color: {c.warn}; font-weight: 600; }}
    QLabel#bad {{ color: {c.bad}; font-weight: 600; }}
    QLabel#error {{ color: {c.bad}; }}
    QProgressBar {{ border: none; background: {c.grid}; border-radius: 4px; }}
    QProgressBar::chunk {{ background: {c.accent}; border-radius: 4px; }}
    """
