"""Languages: English (the source strings) and Simplified Chinese, through Qt's translators.

Every visible string in ``lorastudio/ui`` goes through ``self.tr()`` or
``QCoreApplication.translate()``; ``pyside6-lupdate`` collects them into
``resources/translations/lorastudio_zh_CN.ts`` and ``pyside6-lrelease``
compiles the ``.qm`` loaded here (``scripts/update_translations.py`` does
both). Help texts of the configuration fields come from the core and are
translated in the context "ConfigHelp" (see ``ui/config_strings.py``).
GUI thread.
"""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QCoreApplication, QLibraryInfo, QLocale, QTranslator

from lorastudio.core.base.paths import resources_dir

LANGUAGES = {"en": "English", "zh_CN": "简体中文"}

_installed: list[QTranslator] = []
_current = ["en"]


def translations_dir() -> Path:
    return resources_dir() / "translations"


def resolve_language(choice: str) -> str:
    """"system" becomes the system's language when we have it, else English."""
    if choice in LANGUAGES:
        return choice
    return "zh_CN" if QLocale.system().name().startswith("zh") else "en"


def install_language(choice: str) -> str:
    """Replace the installed translators; returns the language now in use."""
    app = QCoreApplication.instance()
    for translator in _installed:
        app.removeTranslator(translator)
    _installed.clear()
    language = resolve_language(choice)
    _current[0] = language
    # Dates and numbers follow the interface language, not only the region.
    QLocale.setDefault(QLocale(QLocale.Language.Chinese, QLocale.Country.China) if language == "zh_CN" else QLocale(QLocale.Language.English, QLocale.Country.UnitedStates))
    if language == "en":
        return language
    ours = QTranslator(app)
    if ours.load(str(translations_dir() / f"lorastudio_{language}.qm")):
        app.installTranslator(ours)
        _installed.append(ours)
    qt = QTranslator(app)  # Qt's own dialogs and buttons (OK, Cancel, ...)
    if qt.load(f"qtbase_{language}", QLibraryInfo.path(QLibraryInfo.LibraryPath.TranslationsPath)):
        app.installTranslator(qt)
        _installed.append(qt)
    return language


def core_language() -> str:
    """The interface language as the core names it ("en" or "zh").

    The bridge between the two translation mechanisms: the app's own strings go
    through Qt's translators (.ts/.qm files), the core's sentences (event lines,
    stop reasons, the report) carry English and Chinese in tables of their own
    (``lorastudio.core.runs.describe``, ``lorastudio.core.report.i18n``), and the
    app asks for them in this language.
    """
    return "zh" if _current[0].startswith("zh") else "en"


def tr(context: str, text: str) -> str:
    """Translate a string that is not a literal (e.g. a core help text looked up at run time).

    pyside6-lupdate does not extract calls of this function; literal strings
    outside a QObject use ``QCoreApplication.translate(context, text)``.
    """
    return QCoreApplication.translate(context, text)
