"""Small dialogs: About and Settings (language, appearance). GUI thread."""

from __future__ import annotations

from PySide6.QtCore import QCoreApplication
from PySide6.QtWidgets import QComboBox, QDialog, QDialogButtonBox, QFormLayout, QMessageBox, QVBoxLayout, QWidget

from lorastudio.ui.i18n import LANGUAGES


def about_text() -> str:
    from importlib import metadata

    from lorastudio import __version__
    from lorastudio.core.base import blas

    def version(name: str) -> str:
        try:
            return metadata.version(name)
        except metadata.PackageNotFoundError:
            return "?"

    text = QCoreApplication.translate(
        "About",
        "<h3>LoRA Studio {version}</h3><p>Fine-tune a local language model with LoRA through MLX.</p><p>MLX {mlx} · mlx-lm {mlx_lm} · PySide6 {pyside}<br>CPU math: {blas}</p>",
    )
    return text.format(
        version=__version__, mlx=version("mlx"), mlx_lm=version("mlx-lm"), pyside=version("PySide6-Essentials"),
        blas=blas.describe())


def show_about(parent: QWidget) -> None:
    QMessageBox.about(parent, QCoreApplication.translate("About", "About LoRA Studio"), about_text())


class SettingsDialog(QDialog):
    """Language and appearance; applied when the dialog is accepted."""

    def __init__(self, settings, parent: QWidget | None = None):
        super().__init__(parent)
        self.setWindowTitle(self.tr("Settings"))
        self.language = QComboBox()
        self.language.addItem(self.tr("Same as the system"), "system")
        for code, name in LANGUAGES.items():
            self.language.addItem(name, code)
        self.theme = QComboBox()
        self.theme.addItem(self.tr("Same as the system"), "system")
        self.theme.addItem(self.tr("Light"), "light")
        self.theme.addItem(self.tr("Dark"), "dark")
        self.language.setCurrentIndex(max(0, self.language.findData(settings.language())))
        self.theme.setCurrentIndex(max(0, self.theme.findData(settings.theme())))
        form = QFormLayout()
        form.addRow(self.tr("Language:"), self.language)
        form.addRow(self.tr("Appearance:"), self.theme)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel)
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addWidget(buttons)


def show_settings(window) -> bool:
    """Open Settings; apply the appearance at once. True when the window must be rebuilt in a new language."""
    dialog = SettingsDialog(window.settings, window)
    if dialog.exec() != QDialog.DialogCode.Accepted:
        return False
    theme = dialog.theme.currentData()
    language = dialog.language.currentData()
    window.settings.set_theme(theme)
    window.theme.apply(theme)
    if language == window.settings.language():
        return False
    window.settings.set_language(language)
    if window.training.busy:
        QMessageBox.information(window, QCoreApplication.translate("Settings", "Language"),
                                QCoreApplication.translate("Settings", "The new language applies when LoRA Studio next starts."))
        return False
    return True
