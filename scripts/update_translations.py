"""Refresh the translations: lupdate over lorastudio/ui into the .ts files, then lrelease into the .qm files.

    python scripts/update_translations.py

For each language in ``LANGUAGES``, ``pyside6-lupdate`` reads every ``.py``
file under ``lorastudio/ui`` (recursively) and merges its ``tr()``,
``QCoreApplication.translate()`` and ``QT_TRANSLATE_NOOP()`` strings into
``resources/translations/lorastudio_<lang>.ts``: existing translations are
kept, new strings come in as "unfinished", strings no longer in the sources
are dropped. ``pyside6-lrelease`` then compiles the ``.qm`` the app loads
(``lorastudio/ui/i18n.py``). The script prints how many messages are still
unfinished and exits with status 1 when some are. Running it again on
unchanged sources changes nothing.

Translate the unfinished messages with Qt Linguist (``pyside6-linguist
resources/translations/lorastudio_zh_CN.ts``) or in a text editor, then run
the script again. The tests (tests/test_translations.py) reuse the functions
below. Plain Python, no Qt import.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
import tempfile
import xml.etree.ElementTree as ET
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SOURCES = ROOT / "lorastudio" / "ui"
TRANSLATIONS = ROOT / "resources" / "translations"
LANGUAGES = ["zh_CN"]


def tool(name: str) -> str:
    """A Qt tool of the PySide6 wheel (pyside6-lupdate, pyside6-lrelease): next to this Python, else on PATH."""
    for folder in (Path(sys.executable).parent, ROOT / ".venv" / "bin"):
        candidate = folder / name
        if candidate.is_file():
            return str(candidate)
    found = shutil.which(name)
    if found is None:
        raise SystemExit(f"{name} not found: run scripts/setup.sh (it comes with PySide6)")
    return found


def ts_path(language: str) -> Path:
    return TRANSLATIONS / f"lorastudio_{language}.ts"


def qm_path(language: str) -> Path:
    return TRANSLATIONS / f"lorastudio_{language}.qm"


def source_files() -> list[Path]:
    """Every Python file of the interface, in a stable order (relative to the repository root)."""
    return sorted(path.relative_to(ROOT) for path in SOURCES.rglob("*.py"))


def lupdate(ts: Path, language: str) -> str:
    """Merge the strings of the sources into ``ts`` (created when missing); returns lupdate's summary."""
    ts.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as folder:
        listing = Path(folder) / "sources.lst"  # one file per line: no command-line length limit
        listing.write_text("\n".join(str(path) for path in source_files()) + "\n", encoding="utf-8")
        result = subprocess.run(
            [tool("pyside6-lupdate"), f"@{listing}", "-ts", str(ts), "-no-obsolete",
             "-locations", "relative", "-source-language", "en", "-target-language", language],
            cwd=ROOT, capture_output=True, text=True, check=False,
        )
    if result.returncode != 0:
        raise SystemExit(f"pyside6-lupdate failed:\n{result.stdout}{result.stderr}")
    return (result.stdout + result.stderr).strip()


def lrelease(ts: Path, qm: Path) -> None:
    """Compile ``ts`` into ``qm`` (unfinished messages with a text are included, as lrelease does by default)."""
    result = subprocess.run([tool("pyside6-lrelease"), "-silent", str(ts), "-qm", str(qm)],
                            capture_output=True, text=True, check=False)
    if result.returncode != 0:
        raise SystemExit(f"pyside6-lrelease failed:\n{result.stdout}{result.stderr}")


def messages(ts: Path) -> list[tuple[str, str, str, str]]:
    """(context, source, translation, type) of every message of a .ts file; type is "" when finished."""
    out = []
    for context in ET.parse(ts).getroot().iter("context"):
        name = context.findtext("name") or ""
        for message in context.iter("message"):
            translation = message.find("translation")
            out.append((name, message.findtext("source") or "", translation.text or "" if translation is not None else "",
                        translation.get("type", "") if translation is not None else "unfinished"))
    return out


def unfinished(ts: Path) -> list[tuple[str, str]]:
    """(context, source) of the messages still to translate: marked unfinished, or empty."""
    return [(context, source) for context, source, text, kind in messages(ts) if kind or not text]


def update(language: str) -> int:
    """Refresh one language's .ts and .qm; returns how many messages are unfinished."""
    ts, qm = ts_path(language), qm_path(language)
    summary = lupdate(ts, language)
    lrelease(ts, qm)
    todo = unfinished(ts)
    contexts = {context for context, *_ in messages(ts)}
    print(f"{ts.relative_to(ROOT)}: {len(messages(ts))} messages in {len(contexts)} contexts, "
          f"{len(todo)} unfinished ({summary.splitlines()[-1].strip() if summary else 'no summary'})")
    for context, source in todo[:20]:
        print(f"  unfinished [{context}] {source[:100]!r}")
    if len(todo) > 20:
        print(f"  ... and {len(todo) - 20} more")
    return len(todo)


def main() -> int:
    total = sum(update(language) for language in LANGUAGES)
    return 1 if total else 0


if __name__ == "__main__":
    sys.exit(main())
