"""The app's preferences and memory: the only module that touches QSettings.

Window geometry, recent paths, language, theme and the last configuration
are stored here, under the organisation "LoRA Studio". GUI thread.
"""

from __future__ import annotations

from PySide6.QtCore import QByteArray, QSettings

MAX_RECENT = 8


class Settings:
    """Typed access to QSettings; pass a QSettings for tests (e.g. an .ini file)."""

    def __init__(self, store: QSettings | None = None):
        self._store = store or QSettings("LoRA Studio", "LoRA Studio")

    # --- window --------------------------------------------------------------
    def geometry(self) -> QByteArray | None:
        value = self._store.value("window/geometry")
        return value if isinstance(value, QByteArray) else None

    def set_geometry(self, data: QByteArray) -> None:
        self._store.setValue("window/geometry", data)

    def last_page(self) -> str:
        return str(self._store.value("window/page", "model"))

    def set_last_page(self, page: str) -> None:
        self._store.setValue("window/page", page)

    # --- recent paths ----------------------------------------------------------
    def recent(self, kind: str) -> list[str]:
        """Recently used paths of one kind ("models", "datasets", "configs"), newest first."""
        value = self._store.value(f"recent/{kind}", [])
        if isinstance(value, str):
            value = [value]
        return [str(v) for v in (value or [])]

    def add_recent(self, kind: str, path: str) -> None:
        items = [path] + [p for p in self.recent(kind) if p != path]
        self._store.setValue(f"recent/{kind}", items[:MAX_RECENT])

    def last_directory(self) -> str:
        return str(self._store.value("recent/directory", ""))

    def set_last_directory(self, path: str) -> None:
        self._store.setValue("recent/directory", path)

    # --- preferences -----------------------------------------------------------
    def language(self) -> str:
        """"system", "en" or "zh_CN"."""
        return str(self._store.value("prefs/language", "system"))

    def set_language(self, language: str) -> None:
        self._store.setValue("prefs/language", language)

    def theme(self) -> str:
        """"system", "light" or "dark"."""
        return str(self._store.value("prefs/theme", "system"))

    def set_theme(self, theme: str) -> None:
        self._store.setValue("prefs/theme", theme)

    # --- the configuration being edited --------------------------------------
    def last_config_yaml(self) -> str:
        return str(self._store.value("config/last", ""))

    def set_last_config_yaml(self, text: str) -> None:
        self._store.setValue("config/last", text)

    def sync(self) -> None:
        self._store.sync()
