"""Short display names for models and datasets (folder names, with context where needed). Any thread."""

from __future__ import annotations

from pathlib import Path

# Folder names that say nothing on their own: show their parent too ("demo/data").
GENERIC_NAMES = ("data", "dataset", "datasets", "model", "models")


def short_name(path: str) -> str:
    """The last part of a path, with its parent when that part is generic; "" for nothing."""
    if not path:
        return ""
    p = Path(path.rstrip("/"))
    if p.name in GENERIC_NAMES and p.parent.name:
        return f"{p.parent.name}/{p.name}"
    return p.name or path
